"""Supplier-tier depth: how far up a lead firm's supply base each supplier sits.

Definition
----------
For a lead firm L, a supplier's *tier* is the fewest supply hops from the supplier to L: a
direct supplier of L is tier 1, a supplier of a tier-1 supplier that does not itself supply L
is tier 2, and so on (tier 0 is L itself). It is the breadth-first distance from L in the
reversed supply graph (buyer -> supplier). The *depth* of L's supply base is its deepest tier.

* Cycles (A supplies B, B supplies A) are fine: a node is visited once per lead firm, at its
  shortest distance.
* Several lead firms: tiers are computed for each lead firm separately, so a supplier that
  serves two lead firms gets a tier relative to each (one row per lead firm and supplier).
  A lead firm that supplies another lead firm is listed as that firm's supplier.
* Disconnected parts: a firm with no supply path to L is not in L's supply base (no row).
* Dates: pass a projection made ``as_of`` a date, or ``as_of=``, to use only the supply
  relations valid then.

Lead firms (:func:`lead_firms`): the ``gvc:leadFirm`` of a value chain, the lead firm a
``gvc:ChainParticipation`` is relative to (``gvc:relativeTo``), the lead of a governance
assessment, and every *buyer with no buyer* (a node that buys in the supply view and supplies
no one).

Asserted tiers come from ``gvc:ChainParticipation`` facts with ``gvc:tier`` and
``gvc:relativeTo``. :func:`tier_conflicts` lists every asserted tier that differs from the
network's (including suppliers the network does not connect to the lead firm at all), with the
fact and its evidence, because either the source or the coded network is incomplete.

Algorithm
---------
A multi-source breadth-first search, batched over lead firms: the frontier of every lead firm
of a batch is expanded at once with vectorised gathers over the CSR matrix of the reversed
supply graph, and a dense ``batch x n`` visited mask (about 64 MB) keeps each lead firm's
search separate. The work is proportional to the size of the output (the sum over lead firms
of the edges in their supply bases), never to (number of lead firms) x (number of firms).
``max_tier`` bounds the search where supply bases overlap so much that the output itself
would be too large.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import networkx as nx
import numpy as np
import pandas as pd

from gvcgraph.graph.project import SUPPLIES, Projection, as_projection

TIER_COLUMNS = ["lead_firm", "lead_label", "supplier", "supplier_label", "tier", "asserted_tier"]
DEPTH_COLUMNS = ["lead_firm", "lead_label", "suppliers", "max_tier"]
CONFLICT_COLUMNS = [
    "lead_firm",
    "lead_label",
    "supplier",
    "supplier_label",
    "asserted_tier",
    "network_tier",
    "issue",
    "fact",
    "source",
    "evidence",
]

VISITED_CELLS = 1 << 26
"""Size of the visited mask of one batch (lead firms x nodes), which sets the batch size."""


def _out_edges(
    indptr: np.ndarray, indices: np.ndarray, nodes: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    starts = indptr[nodes]
    deg = indptr[nodes + 1] - starts
    total = int(deg.sum())
    if total == 0:
        return np.empty(0, np.int64), np.empty(0, np.int64)
    pos = np.repeat(np.arange(len(nodes)), deg)
    offsets = np.arange(total, dtype=np.int64) - np.repeat(np.cumsum(deg) - deg, deg)
    return pos, indices[np.repeat(starts, deg) + offsets].astype(np.int64)


def lead_firms(graph: Projection | nx.Graph, *, relation: str = SUPPLIES) -> list[str]:
    """The lead firms of a supply network.

    Parameters
    ----------
    graph : Projection or networkx graph
        Supply edges supplier -> buyer (edges without a ``relation`` count as supply).
    relation : str
        The supply relation's name.

    Returns
    -------
    list of str
        Node keys, sorted: the nodes flagged ``lead_firm`` in the node table (value-chain
        lead firms, participation and governance leads), plus every buyer with no buyer.

    Examples
    --------
    >>> import networkx as nx
    >>> lead_firms(nx.DiGraph([("s1", "oem"), ("s2", "s1")]))
    ['oem']
    """
    proj = as_projection(graph, default_relation=relation)
    e = proj.edges[proj.edges["relation"] == relation]
    is_lead = np.zeros(proj.n, dtype=bool)
    is_lead[e["iv"].to_numpy()] = True
    is_lead[e["iu"].to_numpy()] = False
    is_lead |= proj.nodes["lead_firm"].fillna(False).astype(bool).to_numpy()
    asserted = proj.tables.get("asserted_tiers", pd.DataFrame({"lead": []}))["lead"].dropna()
    pos = proj.positions(asserted)
    is_lead[pos[pos >= 0]] = True
    return sorted(proj.nodes["node"].to_numpy()[is_lead].tolist())


def supplier_tiers(
    graph: Projection | nx.Graph,
    leads: Iterable[str] | None = None,
    *,
    max_tier: int | None = None,
    asserted: pd.DataFrame | None = None,
    relation: str = SUPPLIES,
    as_of: Any = None,
) -> pd.DataFrame:
    """Tier of every supplier relative to every lead firm it reaches.

    Parameters
    ----------
    graph : Projection or networkx graph
        Supply edges supplier -> buyer (edges without a ``relation`` count as supply).
    leads : iterable of str, optional
        Lead firms (node keys); default :func:`lead_firms`.
    max_tier : int, optional
        Stop the search at this tier.
    asserted : DataFrame, optional
        Asserted tiers (columns ``participant, lead, tier``); default the projection's
        ``tables["asserted_tiers"]``.
    relation : str
        The supply relation's name.
    as_of : date, optional
        Use only the supply relations valid on that date.

    Returns
    -------
    pandas.DataFrame
        Columns ``lead_firm, lead_label, supplier, supplier_label, tier, asserted_tier``,
        sorted by lead firm, tier and supplier. ``asserted_tier`` is the tier a source
        asserts for the same supplier and lead firm (the smallest, if sources differ; see
        :func:`tier_conflicts` for every assertion), else NA. Lead firms and suppliers are
        in node order (sorted by key in projections of the store).

    Examples
    --------
    >>> import networkx as nx
    >>> g = nx.DiGraph([("t1", "oem"), ("t2", "t1"), ("t3", "t2"), ("t2", "oem")])
    >>> supplier_tiers(g, ["oem"])[["supplier", "tier"]].values.tolist()
    [['t1', 1], ['t2', 1], ['t3', 2]]
    """
    proj = as_projection(graph, default_relation=relation, as_of=as_of)
    lead_list = sorted(set(lead_firms(proj, relation=relation) if leads is None else leads))
    lead_pos = proj.positions(lead_list)
    lead_pos = lead_pos[lead_pos >= 0]
    rows, cols, tiers = _multi_bfs(proj, lead_pos, relation, max_tier)
    # order by lead firm, tier, supplier (node order; keys are sorted in store projections)
    order = np.lexsort((cols, tiers, lead_pos[rows] if len(rows) else rows))
    rows, cols, tiers = rows[order], cols[order], tiers[order]
    keys = proj.nodes["node"].to_numpy()
    labels = proj.labels().to_numpy()
    out = pd.DataFrame(
        {
            "lead_firm": keys[lead_pos[rows]] if len(rows) else np.array([], dtype=object),
            "lead_label": labels[lead_pos[rows]] if len(rows) else np.array([], dtype=object),
            "supplier": keys[cols],
            "supplier_label": labels[cols],
            "tier": tiers.astype(np.int64),
        }
    )
    if asserted is None:
        asserted = proj.tables.get("asserted_tiers")
    if asserted is not None and len(asserted):
        a = asserted.dropna(subset=["participant", "lead", "tier"])
        a = a.groupby(["lead", "participant"])["tier"].min().astype("Int64")
        idx = pd.MultiIndex.from_arrays([out["lead_firm"], out["supplier"]])
        out["asserted_tier"] = a.reindex(idx).to_numpy()
        out["asserted_tier"] = out["asserted_tier"].astype("Int64")
    else:
        out["asserted_tier"] = pd.arrays.IntegerArray(
            np.zeros(len(out), dtype=np.int64), np.ones(len(out), dtype=bool)
        )
    return out[TIER_COLUMNS]


def _multi_bfs(
    proj: Projection, lead_pos: np.ndarray, relation: str, max_tier: int | None
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(lead row, node, tier) for every node reached from each lead in the reversed graph."""
    n = proj.n
    rev = proj.adjacency([relation], reverse=True)
    indptr, indices = rev.indptr.astype(np.int64), rev.indices.astype(np.int64)
    batch = max(1, min(len(lead_pos), VISITED_CELLS // max(n, 1)))
    out_r, out_c, out_t = [], [], []
    for start in range(0, len(lead_pos), batch):
        leads = lead_pos[start : start + batch]
        b = len(leads)
        seen = np.zeros(b * n, dtype=bool)
        fr_row = np.arange(b, dtype=np.int64)
        fr_node = leads.astype(np.int64)
        seen[fr_row * n + fr_node] = True
        tier = 0
        while len(fr_node) and (max_tier is None or tier < max_tier):
            tier += 1
            pos, heads = _out_edges(indptr, indices, fr_node)
            keys = fr_row[pos] * n + heads
            keys = np.unique(keys[~seen[keys]])
            if len(keys) == 0:
                break
            seen[keys] = True
            fr_row, fr_node = keys // n, keys % n
            out_r.append(fr_row + start)
            out_c.append(fr_node)
            out_t.append(np.full(len(keys), tier, dtype=np.int64))
    if not out_r:
        empty = np.empty(0, np.int64)
        return empty, empty, empty
    return np.concatenate(out_r), np.concatenate(out_c), np.concatenate(out_t)


def tier_depth(
    tiers: pd.DataFrame, leads: Iterable[str] | None = None, labels: dict[str, str] | None = None
) -> pd.DataFrame:
    """Deepest tier and number of suppliers per lead firm.

    Parameters
    ----------
    tiers : DataFrame
        The output of :func:`supplier_tiers`.
    leads : iterable of str, optional
        Lead firms to list even when they have no supplier (depth 0).
    labels : dict, optional
        Labels for those lead firms.

    Returns
    -------
    pandas.DataFrame
        Columns ``lead_firm, lead_label, suppliers, max_tier``, deepest first.

    Examples
    --------
    >>> import networkx as nx
    >>> g = nx.DiGraph([("t1", "oem"), ("t2", "t1")])
    >>> tier_depth(supplier_tiers(g, ["oem"])).values.tolist()
    [['oem', 'oem', 2, 2]]
    """
    codes, uniques = pd.factorize(tiers["lead_firm"])
    grouped = pd.DataFrame({"c": codes, "tier": tiers["tier"].to_numpy()}).groupby("c")
    first = np.unique(codes, return_index=True)[1] if len(codes) else np.empty(0, np.int64)
    g = pd.DataFrame(
        {
            "lead_label": tiers["lead_label"].to_numpy()[first],
            "suppliers": grouped.size().to_numpy(),
            "max_tier": grouped["tier"].max().to_numpy(),
        },
        index=pd.Index(uniques, name="lead_firm"),
    )
    if leads is not None:
        extra = [lead for lead in leads if lead not in g.index]
        if extra:
            add = pd.DataFrame(
                {
                    "lead_label": [(labels or {}).get(x, x) for x in extra],
                    "suppliers": 0,
                    "max_tier": 0,
                },
                index=extra,
            )
            g = pd.concat([g, add])
    g = g.reset_index(names="lead_firm")
    g["suppliers"] = g["suppliers"].astype(np.int64)
    g["max_tier"] = g["max_tier"].astype(np.int64)
    g = g.sort_values(["max_tier", "suppliers", "lead_firm"], ascending=[False, False, True])
    return g.reset_index(drop=True)[DEPTH_COLUMNS]


def tier_conflicts(
    graph: Projection | nx.Graph,
    asserted: pd.DataFrame | None = None,
    *,
    tiers: pd.DataFrame | None = None,
    relation: str = SUPPLIES,
    as_of: Any = None,
) -> pd.DataFrame:
    """Asserted tiers that disagree with the supply network.

    Parameters
    ----------
    graph : Projection or networkx graph
        The supply network.
    asserted : DataFrame, optional
        Columns ``participant, lead, tier`` and optionally ``fact, source, evidence``;
        default the projection's ``tables["asserted_tiers"]``.
    tiers : DataFrame, optional
        Precomputed :func:`supplier_tiers` output for the same graph.

    Returns
    -------
    pandas.DataFrame
        One row per disagreeing assertion: ``lead_firm, lead_label, supplier,
        supplier_label, asserted_tier, network_tier, issue, fact, source, evidence``.
        ``issue`` is ``deeper in the network`` (the network's shortest path is longer than
        asserted), ``shallower in the network``, or ``no supply path`` (the network does not
        connect the supplier to the lead firm).

    Examples
    --------
    >>> import networkx as nx, pandas as pd
    >>> g = nx.DiGraph([("t1", "oem"), ("t2", "t1")])
    >>> a = pd.DataFrame({"participant": ["t2"], "lead": ["oem"], "tier": [1]})
    >>> tier_conflicts(g, a)[["supplier", "asserted_tier", "network_tier", "issue"]].values.tolist()
    [['t2', 1, 2, 'deeper in the network']]
    """
    proj = as_projection(graph, default_relation=relation, as_of=as_of)
    if asserted is None:
        asserted = proj.tables.get(
            "asserted_tiers", pd.DataFrame({"participant": [], "lead": [], "tier": []})
        )
    a = asserted.dropna(subset=["participant", "lead", "tier"]).copy()
    for col in ("fact", "source", "evidence"):
        if col not in a:
            a[col] = pd.NA
    if tiers is None:
        tiers = supplier_tiers(
            proj, sorted(set(a["lead"])), relation=relation, asserted=a.iloc[0:0]
        )
    computed = tiers.set_index(["lead_firm", "supplier"])["tier"]
    idx = pd.MultiIndex.from_arrays([a["lead"], a["participant"]])
    net = pd.Series(computed.reindex(idx).to_numpy(), index=a.index, dtype="Int64")
    net[a["lead"] == a["participant"]] = 0
    a["network_tier"] = net
    a["asserted_tier"] = a["tier"].astype("Int64")
    diff = a["network_tier"].isna() | (a["network_tier"] != a["asserted_tier"])
    a = a[diff.fillna(True).astype(bool)].copy()
    a["issue"] = np.where(
        a["network_tier"].isna(),
        "no supply path",
        np.where(
            a["network_tier"].fillna(0) > a["asserted_tier"],
            "deeper in the network",
            "shallower in the network",
        ),
    )
    labels = dict(zip(proj.nodes["node"], proj.labels(), strict=True))
    a["lead_firm"] = a["lead"]
    a["supplier"] = a["participant"]
    a["lead_label"] = a["lead"].map(lambda x: labels.get(x, x))
    a["supplier_label"] = a["participant"].map(lambda x: labels.get(x, x))
    a = a.sort_values(["lead_firm", "supplier", "asserted_tier"], kind="stable")
    return a.reset_index(drop=True)[CONFLICT_COLUMNS]
