"""Captive supply links and captive chains (Gereffi, Humphrey & Sturgeon 2005).

In the governance typology of Gereffi, Humphrey & Sturgeon (2005, "The governance of global
value chains", Review of International Political Economy 12(1), 78-104) a *captive* link ties
a small supplier to a dominant buyer: the supplier depends on the buyer for most of its sales,
the buyer sets the design and specifications and monitors the supplier closely, and the
supplier's capabilities are low relative to the complexity of the transaction while the
information is easy to codify. When buyer and supplier are under common ownership the link is
*hierarchy* (vertical integration), not captive. Humphrey & Schmitz's (2002)
*quasi-hierarchy* is the corresponding type in the four-type scheme.

Scoring rule
------------
Each supply link (supplier -> buyer; several facts on the same pair are combined) gets
components between 0 and 1; the score is their weighted mean over the components that are
known, with the weights below (module constants, so that the rule can be read and changed):

================= ======================== ==================================================
component         weight                   value
================= ======================== ==================================================
dependence        :data:`W_DEPENDENCE`     stated share of the supplier's sales going to the
                                           buyer: 0 at :data:`DEPENDENCE_LOW` % or less, 1 at
                                           :data:`DEPENDENCE_HIGH` % or more, linear between;
                                           an exclusive supplier counts as 100%
buyer count       :data:`W_BUYER_COUNT`    when no share is stated: the same scale applied to
                                           100/k %, k = the supplier's number of buyers in
                                           the graph (1 buyer = 1.0, 2 = 0.62, 4 = 0.23)
size asymmetry    :data:`W_SIZE`           (rank(buyer) - rank(supplier)) / 3, clipped to
                                           [0, 1], ranks micro 0, small 1, sme 1.5, medium 2,
                                           large 3 (:data:`SIZE_RANK`)
design control    :data:`W_DESIGN`         1 when a source says the buyer sets design or
                                           specifications, 0 when it says it does not
determinants      :data:`W_DETERMINANTS`   1 when complexity, codifiability and supplier
                                           capability are all stated and are GHS's captive
                                           profile (high, high, low), else 0
asserted          :data:`W_ASSERTED`       1 when a source calls the link captive or
                                           quasi-hierarchical, 0 for another type; a link
                                           no source characterises inherits the governance
                                           asserted for its value chain, for the supplier
                                           (a cluster), for a chain or cluster the supplier
                                           takes part in (in that order; assessments
                                           scored "absent" are ignored, see
                                           :func:`~gvcgraph.graph.project.asserted_governance`)
================= ======================== ==================================================

The *evidence weight* is the sum of the weights of the known components. Inferred governance,
in this order:

1. ``hierarchy`` when buyer and supplier have the same ultimate controller
   (:func:`gvcgraph.graph.ownership.ultimate_controllers`: one controls the other, or both
   belong to one group) or the relation is stated as intra-firm;
2. ``captive`` when the score is at least :data:`CAPTIVE_THRESHOLD` and the evidence weight
   at least :data:`MIN_EVIDENCE`: the buyer count and the size classes together (0.30) are
   not enough, at least one stated fact about the link (dependence share, exclusivity,
   design control, determinants or asserted governance) is needed, because a case study
   records only the buyers its source mentions;
3. the type GHS's three determinants predict, when all three are stated
   (:data:`GHS_DETERMINANTS`);
4. ``market`` when the score is below :data:`MARKET_THRESHOLD` with enough evidence;
5. otherwise undetermined (NA).

A *captive chain* is a path of captive links that ends at a lead firm (a value chain's lead
firm, a participation's lead firm, or a buyer with no buyer; see
:func:`gvcgraph.graph.tiers.lead_firms`). :func:`captive_chains` reports each captive link on
such a path with its nearest lead firm, its position (``chain_tier``: 1 for a link into the
lead firm), the path to the lead firm, the score and the reasons: the facts, the evidence and
the source documents behind each component. :func:`compare_governance` sets inferred against
asserted governance.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import networkx as nx
import numpy as np
import pandas as pd
from scipy.sparse.csgraph import dijkstra

from gvcgraph.graph.ownership import ultimate_controllers
from gvcgraph.graph.project import (
    MEMBER_OF,
    PARTICIPATES_IN,
    SUPPLIES,
    Projection,
    as_projection,
    asserted_governance,
    csr_from_pairs,
)
from gvcgraph.graph.tiers import lead_firms

W_DEPENDENCE = 0.35
W_BUYER_COUNT = 0.15
W_SIZE = 0.15
W_DESIGN = 0.20
W_DETERMINANTS = 0.10
W_ASSERTED = 0.20

DEPENDENCE_LOW = 10.0
DEPENDENCE_HIGH = 75.0
CAPTIVE_THRESHOLD = 0.6
MARKET_THRESHOLD = 0.25
MIN_EVIDENCE = 0.35

SIZE_RANK = {"micro": 0.0, "small": 1.0, "sme": 1.5, "medium": 2.0, "large": 3.0}

GHS_DETERMINANTS = {
    ("low", "high", "high"): "market",
    ("high", "high", "high"): "modular",
    ("high", "low", "high"): "relational",
    ("high", "high", "low"): "captive",
    ("high", "low", "low"): "hierarchy",
}
"""(complexity of transactions, codifiability, supplier capability) -> governance type
(Gereffi, Humphrey & Sturgeon 2005, table 1)."""

CAPTIVE_ASSERTED = frozenset({"captive", "quasi-hierarchy"})

EQUIVALENT = {
    "market": {"market"},
    "modular": {"modular"},
    "relational": {"relational"},
    "captive": {"captive"},
    "hierarchy": {"hierarchy"},
    "network": {"relational", "modular"},
    "quasi-hierarchy": {"captive"},
}
"""Asserted codes (GHS five types, Humphrey & Schmitz four types) -> matching GHS types."""

CAPTIVE_COLUMNS = [
    "buyer",
    "buyer_label",
    "supplier",
    "supplier_label",
    "score",
    "asserted_governance",
    "reasons",
    "inferred_governance",
    "lead_firm",
    "chain_tier",
    "chain",
    "facts",
]
"""Columns of :func:`captive_chains` (the first seven are the CLI's documented columns)."""

LINK_COLUMNS = [
    "buyer",
    "buyer_label",
    "supplier",
    "supplier_label",
    "score",
    "asserted_governance",
    "inferred_governance",
    "captive",
    "agrees",
    "evidence_weight",
    "dependence",
    "dependence_basis",
    "size_asymmetry",
    "design",
    "determinants",
    "asserted",
    "common_controller",
]


def _dep_scale(pct: np.ndarray) -> np.ndarray:
    return np.clip((pct - DEPENDENCE_LOW) / (DEPENDENCE_HIGH - DEPENDENCE_LOW), 0.0, 1.0)


_FLOAT_BOOLS = {True: 1.0, False: 0.0, "true": 1.0, "false": 0.0, "True": 1.0, "False": 0.0}


def _boolish(s: pd.Series) -> pd.Series:
    """1.0 / 0.0 / NaN from booleans or their spellings (vectorised comparisons)."""
    if s.dtype == bool:
        return s.astype(float)
    arr = np.array(s.to_numpy(dtype=object), copy=True)
    arr[pd.isna(arr)] = None  # pd.NA cannot be compared
    out = np.full(len(arr), np.nan)
    for value, code in _FLOAT_BOOLS.items():
        out[arr == value] = code
    return pd.Series(out, index=s.index)


def _first(x: pd.Series) -> Any:
    x = x.dropna()
    return x.iloc[0] if len(x) else np.nan


def _links(proj: Projection, relation: str) -> pd.DataFrame:
    """One row per (supplier, buyer) pair with the facts' attributes combined."""
    edges = proj.edges
    keep = (edges["relation"] == relation).to_numpy() & (
        edges["iu"].to_numpy() != edges["iv"].to_numpy()
    )
    needed = [
        "iu",
        "iv",
        "supplier_dependence",
        "exclusive",
        "buyer_controls_design",
        "relation_type",
        "complexity",
        "codifiability",
        "capability",
        "governance",
        "governance_hs",
        "chain",
    ]
    e = edges.loc[keep, needed]
    e = e.assign(
        dep=pd.to_numeric(e["supplier_dependence"], errors="coerce"),
        excl=_boolish(e["exclusive"]),
        design=_boolish(e["buyer_controls_design"]),
        intra=(e["relation_type"] == "intra-firm").astype(float),
    )
    key = e["iu"].to_numpy(np.int64) * max(proj.n, 1) + e["iv"].to_numpy(np.int64)
    e = e.assign(key=key, row=np.arange(len(e)))
    dup = pd.Series(key).duplicated(keep=False).to_numpy()
    cols = [
        "iu",
        "iv",
        "dep",
        "excl",
        "design",
        "intra",
        "complexity",
        "codifiability",
        "capability",
        "governance",
        "governance_hs",
        "chain",
        "row",
    ]
    single = e.loc[~dup, [*cols, "key"]].copy()
    if dup.any():
        m = e.loc[dup]
        grouped = m.groupby("key", sort=False)
        agg = grouped.agg(
            iu=("iu", "first"),
            iv=("iv", "first"),
            dep=("dep", "max"),
            excl=("excl", "max"),
            design=("design", "max"),
            intra=("intra", "max"),
            row=("row", "first"),
        )
        firsts = grouped[["complexity", "codifiability", "capability", "chain"]].first()
        agg = agg.join(firsts)
        for col in ("governance", "governance_hs"):
            codes = m[["key", col]].dropna().drop_duplicates().sort_values(col)
            agg[col] = codes.groupby("key")[col].agg(";".join).reindex(agg.index)
        links = pd.concat([single, agg.reset_index()], ignore_index=True)
    else:
        links = single.reset_index(drop=True)
    return links, e


def _inherited_governance(
    links: pd.DataFrame, proj: Projection, gov: pd.DataFrame
) -> tuple[pd.Series, pd.Series]:
    """Governance a link inherits from what the sources say about its context, in order:
    its value chain (``gvc:inChain``); the supplier itself when it is an assessed unit (a
    cluster); a value chain or cluster the supplier takes part in (``participates-in``,
    ``member-of``). Returns the codes and the text saying where they come from.

    An assessment's lead firm is deliberately not used: a lead firm's cluster may be
    quasi-hierarchical while the suppliers a source keeps outside that cluster are not."""
    unit = asserted_governance(gov)
    keys = proj.nodes["node"].to_numpy()
    supplier = pd.Series(keys[links["iu"].to_numpy(np.int64)], index=links.index)
    e = proj.edges
    ctx = e[e["relation"].isin([PARTICIPATES_IN, MEMBER_OF]) & e["v"].isin(unit.index)]
    # per supplier: the distinct codes and the distinct units, sorted and joined (vectorised:
    # a lambda per group took 2 s for the 30,000 cluster memberships of 100,000 firms)
    pairs = ctx.assign(code=ctx["v"].map(unit))[["u", "v", "code"]]
    codes_long = pairs.assign(code=pairs["code"].str.split(";")).explode("code")
    codes_long = codes_long.drop_duplicates(["u", "code"]).sort_values(["u", "code"])
    units_long = pairs.drop_duplicates(["u", "v"]).sort_values(["u", "v"])
    ctx_codes = pd.DataFrame(
        {
            "code": codes_long.groupby("u")["code"].agg(";".join),
            "units": units_long.groupby("u")["v"].agg(", ".join),
        }
    )
    candidates = [
        (links["chain"].map(unit), "chain " + links["chain"].astype(str)),
        (supplier.map(unit), "assessed unit " + supplier),
        (
            supplier.map(ctx_codes["code"]),
            "supplier in " + supplier.map(ctx_codes["units"]).astype(object).fillna("").astype(str),
        ),
    ]
    codes = pd.Series(np.nan, index=links.index, dtype=object)
    text = pd.Series(np.nan, index=links.index, dtype=object)
    for found, where in candidates:
        use = codes.isna() & found.notna()
        codes[use] = found[use]
        text[use] = found[use] + " (" + where[use] + ")"
    return codes, text


def assess_links(
    graph: Projection | nx.Graph,
    *,
    controllers: pd.DataFrame | None = None,
    relation: str = SUPPLIES,
    as_of: Any = None,
) -> pd.DataFrame:
    """Score every supply link and infer its governance type (see the module docstring).

    Parameters
    ----------
    graph : Projection or networkx graph
        Supply edges supplier -> buyer (edges without ``relation`` count as supply) with the
        attributes ``supplier_dependence``, ``exclusive``, ``buyer_controls_design``,
        ``complexity``, ``codifiability``, ``capability``, ``relation_type``, ``governance``,
        ``governance_hs``, ``chain``; node attribute ``size_class``; ownership (``owns``) and
        control (``controls``) edges for the common-control test.
    controllers : DataFrame, optional
        Precomputed :func:`~gvcgraph.graph.ownership.ultimate_controllers` of the graph.
    relation : str
        The supply relation's name.
    as_of : date, optional
        Use only the facts valid on that date.

    Returns
    -------
    pandas.DataFrame
        One row per link, columns :data:`LINK_COLUMNS` plus the positions ``iu`` (supplier)
        and ``iv`` (buyer).

    Examples
    --------
    >>> import networkx as nx
    >>> g = nx.DiGraph()
    >>> g.add_node("oem", size_class="large"); g.add_node("s", size_class="micro")
    >>> g.add_edge("s", "oem", supplier_dependence=90, buyer_controls_design=True)
    >>> assess_links(g)[["supplier", "score", "inferred_governance"]].values.tolist()
    [['s', 1.0, 'captive']]
    """
    proj = as_projection(graph, default_relation=relation, as_of=as_of)
    links, _ = _links(proj, relation)
    n = proj.n
    iu = links["iu"].to_numpy(np.int64)
    iv = links["iv"].to_numpy(np.int64)
    # dependence: stated share, exclusivity, else the number of buyers
    dep = links["dep"].to_numpy(float)
    excl = links["excl"].to_numpy(float) == 1.0
    stated = np.where(excl, 100.0, dep)
    buyers = np.bincount(iu, minlength=n)
    est = 100.0 / np.maximum(buyers[iu], 1)
    has_stated = ~np.isnan(stated)
    dep_val = np.where(has_stated, _dep_scale(np.nan_to_num(stated)), _dep_scale(est))
    dep_w = np.where(has_stated, W_DEPENDENCE, W_BUYER_COUNT)
    # size asymmetry
    rank = proj.nodes["size_class"].map(SIZE_RANK).to_numpy(float)
    size_val = np.clip((rank[iv] - rank[iu]) / 3.0, 0.0, 1.0)
    # design control
    design = links["design"].to_numpy(float)
    # determinants
    det_cols = links[["complexity", "codifiability", "capability"]]
    complete = det_cols.notna().all(axis=1).to_numpy()
    det_type = np.full(len(links), None, dtype=object)
    det_type[complete] = [
        GHS_DETERMINANTS.get(tuple(t)) for t in det_cols[complete].itertuples(index=False)
    ]
    det_val = np.full(len(links), np.nan)
    has_det = pd.notna(det_type)
    det_val[has_det] = (det_type[has_det] == "captive").astype(float)
    # asserted governance: the link's own, else its value chain's
    asserted = links["governance"].where(links["governance"].notna(), links["governance_hs"])
    asserted_text = asserted.astype(object).copy()
    gov = proj.tables.get("governance_assessments")
    if gov is not None and len(gov) and asserted.isna().any():
        codes, text = _inherited_governance(links, proj, gov)
        use = asserted.isna().to_numpy() & codes.notna().to_numpy()
        asserted = asserted.where(~use, codes)
        asserted_text = asserted_text.where(~use, text)
    asserted_val = np.full(len(links), np.nan)
    said = np.flatnonzero(asserted.notna().to_numpy())
    asserted_val[said] = [
        float(any(c in CAPTIVE_ASSERTED for c in str(x).split(";")))
        for x in asserted.to_numpy()[said]
    ]
    # weighted mean over known components
    comps = [
        (dep_val, dep_w),
        (size_val, W_SIZE),
        (design, W_DESIGN),
        (det_val, W_DETERMINANTS),
        (asserted_val, W_ASSERTED),
    ]
    num = np.zeros(len(links))
    den = np.zeros(len(links))
    for val, w in comps:
        known = ~np.isnan(val)
        num += np.where(known, np.nan_to_num(val) * w, 0.0)
        den += np.where(known, w, 0.0)
    score = np.where(den > 0, num / np.where(den > 0, den, 1.0), np.nan)
    # common control
    ctl = controllers if controllers is not None else ultimate_controllers(proj)
    node_keys = proj.nodes["node"].to_numpy()
    if len(ctl) != n or not np.array_equal(
        ctl["node"].to_numpy(dtype=object), node_keys.astype(object)
    ):
        ctl = ctl.set_index("node").reindex(proj.nodes["node"]).reset_index()
    status = ctl["status"].to_numpy(dtype=object)
    top = np.where(
        np.isin(status, ["controlled", "joint-control"]),
        ctl["ultimate_controller"].to_numpy(dtype=object),
        np.where(
            np.isin(status, ["independent", "declared-unknown"]), node_keys.astype(object), None
        ),
    )
    has_top = pd.notna(top)
    top_code = np.full(n, -1, dtype=np.int64)
    top_code[has_top] = pd.factorize(top[has_top])[0]
    same = (top_code[iu] >= 0) & (top_code[iu] == top_code[iv])
    top_s = top[iu]
    hier = same | (links["intra"].to_numpy(float) == 1.0)
    enough = den >= MIN_EVIDENCE - 1e-12
    inferred = np.where(
        hier,
        "hierarchy",
        np.where(
            (score >= CAPTIVE_THRESHOLD) & enough,
            "captive",
            np.where(
                has_det,
                det_type,
                np.where((score < MARKET_THRESHOLD) & enough, "market", None),
            ),
        ),
    )
    inferred = inferred.astype(object)
    agrees = np.full(len(links), None, dtype=object)
    for k in np.flatnonzero(asserted.notna().to_numpy() & pd.notna(inferred)):
        agrees[k] = any(
            inferred[k] in EQUIVALENT.get(c, {c}) for c in str(asserted.iloc[k]).split(";")
        )
    keys = proj.nodes["node"].to_numpy()
    labels = proj.labels().to_numpy()
    out = pd.DataFrame(
        {
            "buyer": keys[iv],
            "buyer_label": labels[iv],
            "supplier": keys[iu],
            "supplier_label": labels[iu],
            "score": np.round(score, 6),
            "asserted_governance": asserted_text.to_numpy(),
            "inferred_governance": inferred,
            "captive": inferred == "captive",
            "agrees": pd.array(agrees, dtype="boolean"),
            "evidence_weight": np.round(den, 6),
            "dependence": dep_val,
            "dependence_basis": np.where(
                has_stated, np.where(excl, "exclusive", "stated share"), "buyer count"
            ),
            "size_asymmetry": size_val,
            "design": design,
            "determinants": det_type,
            "asserted": asserted_val,
            "common_controller": np.where(same, top_s, None),
            "iu": iu,
            "iv": iv,
            "_stated": np.where(has_stated, stated, np.nan),
            "_buyers": buyers[iu],
        }
    )
    return out


def captive_chains(
    graph: Projection | nx.Graph,
    leads: Iterable[str] | None = None,
    *,
    controllers: pd.DataFrame | None = None,
    relation: str = SUPPLIES,
    as_of: Any = None,
    all_links: bool = False,
) -> pd.DataFrame:
    """Captive links on chains of captive links that end at a lead firm, with reasons.

    Parameters
    ----------
    graph : Projection or networkx graph
        As for :func:`assess_links`.
    leads : iterable of str, optional
        Lead firms; default :func:`gvcgraph.graph.tiers.lead_firms`.
    controllers : DataFrame, optional
        Precomputed ultimate controllers.
    all_links : bool
        Report every assessed link (captive or not, in a chain or not); ``lead_firm``,
        ``chain_tier`` and ``chain`` are then filled only for links on captive chains.

    Returns
    -------
    pandas.DataFrame
        Columns :data:`CAPTIVE_COLUMNS`, by lead firm, position and decreasing score.
        ``chain`` is the path from the supplier to the lead firm (keys joined by ``>``);
        ``reasons`` lists the components, facts, evidence and sources behind the score;
        ``facts`` the supply facts of the link (keys joined by ``;``).

    Examples
    --------
    >>> import networkx as nx
    >>> g = nx.DiGraph()
    >>> for k, s in [("oem", "large"), ("t1", "small"), ("t2", "micro")]:
    ...     g.add_node(k, size_class=s)
    >>> g.add_edge("t1", "oem", supplier_dependence=80, buyer_controls_design=True)
    >>> g.add_edge("t2", "t1", supplier_dependence=90, buyer_controls_design=True)
    >>> captive_chains(g)[["supplier", "lead_firm", "chain_tier", "chain"]].values.tolist()
    [['t1', 'oem', 1, 't1>oem'], ['t2', 'oem', 2, 't2>t1>oem']]
    """
    proj = as_projection(graph, default_relation=relation, as_of=as_of)
    links = assess_links(proj, controllers=controllers, relation=relation)
    lead_list = sorted(set(lead_firms(proj, relation=relation) if leads is None else leads))
    lead_pos = proj.positions(lead_list)
    lead_pos = lead_pos[lead_pos >= 0]
    cap = links[links["captive"]]
    n = proj.n
    lead_of = np.full(n, -1, dtype=np.int64)
    dist = np.full(n, np.inf)
    pred = np.full(n, -9999, dtype=np.int64)
    if len(cap) and len(lead_pos):
        rev = csr_from_pairs(cap["iv"].to_numpy(), cap["iu"].to_numpy(), np.ones(len(cap)), n)
        dist, pred, src = dijkstra(
            rev,
            directed=True,
            indices=lead_pos,
            unweighted=True,
            min_only=True,
            return_predecessors=True,
        )
        lead_of = src.astype(np.int64)
    in_chain = np.isfinite(dist[links["iv"].to_numpy()]) & links["captive"].to_numpy()
    rep = links if all_links else links[in_chain]
    keys = proj.nodes["node"].to_numpy()
    iv = rep["iv"].to_numpy(np.int64)
    chained = np.isfinite(dist[iv]) & rep["captive"].to_numpy()
    tier = np.where(chained, dist[iv] + 1, np.nan)
    lead_col = np.where(chained, keys[np.maximum(lead_of[iv], 0)], None)
    paths = _paths(rep["iu"].to_numpy(np.int64), iv, pred, chained, keys)
    why, facts = reasons(rep, proj, relation)
    out = pd.DataFrame(
        {
            "buyer": rep["buyer"].to_numpy(),
            "buyer_label": rep["buyer_label"].to_numpy(),
            "supplier": rep["supplier"].to_numpy(),
            "supplier_label": rep["supplier_label"].to_numpy(),
            "score": rep["score"].to_numpy(),
            "asserted_governance": rep["asserted_governance"].to_numpy(),
            "reasons": why,
            "inferred_governance": rep["inferred_governance"].to_numpy(),
            "lead_firm": lead_col,
            "chain_tier": pd.array(np.where(chained, tier, np.nan), dtype="Float64").astype(
                "Int64"
            ),
            "chain": paths,
            "facts": facts,
        }
    )
    out = out.sort_values(
        ["lead_firm", "chain_tier", "score", "supplier"],
        ascending=[True, True, False, True],
        na_position="last",
        kind="stable",
    )
    return out.reset_index(drop=True)[CAPTIVE_COLUMNS]


def _paths(
    iu: np.ndarray, iv: np.ndarray, pred: np.ndarray, chained: np.ndarray, keys: np.ndarray
) -> list[str | None]:
    cols = [iu, iv]
    cur = iv.copy()
    active = chained.copy()
    while active.any():
        nxt = np.where(active, pred[cur], -9999)
        active = nxt >= 0
        cur = np.where(active, nxt, cur)
        cols.append(np.where(active, nxt, -1))
    stacked = np.vstack(cols).T if len(iu) else np.empty((0, 2), dtype=np.int64)
    out: list[str | None] = []
    for row, ok in zip(stacked, chained, strict=True):
        out.append(">".join(keys[x] for x in row if x >= 0) if ok else None)
    return out


def reasons(
    links: pd.DataFrame, proj: Projection, relation: str = SUPPLIES
) -> tuple[list[str], list[str]]:
    """The reasons behind each assessed link, in words, with facts, evidence and sources.

    ``links`` are rows of :func:`assess_links`; the facts are looked up once for all of them
    (cost proportional to the number of supply facts plus the number of links). Returns the
    reasons and, for each link, its fact keys joined by ``;``.
    """
    size = proj.nodes["size_class"].to_numpy()
    e = proj.edges
    n = max(proj.n, 1)
    sup = e[(e["relation"] == relation)]
    ekey = sup["iu"].to_numpy(np.int64) * n + sup["iv"].to_numpy(np.int64)
    lkey = links["iu"].to_numpy(np.int64) * n + links["iv"].to_numpy(np.int64)
    hit = np.isin(ekey, lkey)
    sup = sup.loc[hit]
    by_key: dict[int, list[int]] = {}
    for k, r in zip(ekey[hit].tolist(), range(len(sup)), strict=True):
        by_key.setdefault(k, []).append(r)
    fact_col = sup["fact"].to_numpy()
    ev_col = sup["evidence"].to_numpy()
    src_col = sup["source"].to_numpy()
    out = []
    fact_out = []
    for key, rec in zip(lkey.tolist(), links.to_dict("records"), strict=True):
        parts = []
        if rec["dependence_basis"] == "exclusive":
            parts.append("exclusive supplier of the buyer")
        elif rec["dependence_basis"] == "stated share":
            parts.append(f"supplier sells {rec['_stated']:g}% of its output to the buyer")
        else:
            k = int(rec["_buyers"])
            parts.append(
                f"supplier has {k} buyer{'s' if k != 1 else ''} in the graph "
                "(no dependence share stated)"
            )
        sb, ss = size[rec["iv"]], size[rec["iu"]]
        if isinstance(sb, str) and isinstance(ss, str):
            parts.append(f"{sb} buyer, {ss} supplier")
        if rec["design"] == 1.0:
            parts.append("buyer sets design or specifications")
        elif rec["design"] == 0.0:
            parts.append("buyer does not set design or specifications")
        if isinstance(rec["determinants"], str):
            parts.append(f"complexity, codifiability and capability fit {rec['determinants']}")
        if isinstance(rec["asserted_governance"], str):
            parts.append(f"asserted governance: {rec['asserted_governance']}")
        if isinstance(rec["common_controller"], str):
            parts.append(f"common control: both under {rec['common_controller']}")
        rows = by_key.get(key, [])
        fact_ids = sorted({str(fact_col[r]) for r in rows if _present(fact_col[r])})
        evidence = sorted({str(x) for r in rows if isinstance(ev_col[r], list) for x in ev_col[r]})
        sources = sorted({str(src_col[r]) for r in rows if _present(src_col[r])})
        if fact_ids:
            parts.append("facts: " + ", ".join(fact_ids))
        if evidence:
            parts.append("evidence: " + ", ".join(evidence))
        if sources:
            parts.append("sources: " + ", ".join(sources))
        out.append("; ".join(parts))
        fact_out.append(";".join(fact_ids))
    return out, fact_out


def _present(x: Any) -> bool:
    return not (x is None or x is pd.NA or (isinstance(x, float) and np.isnan(x)))


def compare_governance(assessed: pd.DataFrame) -> pd.DataFrame:
    """Inferred against asserted governance of the links a source characterises.

    Parameters
    ----------
    assessed : DataFrame
        Output of :func:`assess_links`.

    Returns
    -------
    pandas.DataFrame
        Columns ``asserted_governance, inferred_governance, links, agree``: one row per
        combination, with the number of links and whether the two match (a
        Humphrey-Schmitz code matches its GHS equivalents: quasi-hierarchy = captive,
        network = relational or modular).
    """
    a = assessed[assessed["asserted_governance"].notna()]
    if a.empty:
        return pd.DataFrame(
            {"asserted_governance": [], "inferred_governance": [], "links": [], "agree": []}
        )
    t = (
        a.assign(inferred_governance=a["inferred_governance"].fillna("undetermined"))
        .groupby(["asserted_governance", "inferred_governance"], dropna=False)
        .agg(links=("supplier", "size"), agree=("agrees", "first"))
        .reset_index()
    )
    return t
