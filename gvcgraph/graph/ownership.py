r"""Ownership and control: integrated ownership, ultimate controllers, corporate groups.

Integrated ownership
--------------------
Let :math:`A_{ij}` be the share of firm *j* held directly by *i* (a fraction). The integrated
(direct plus indirect) ownership of *i* in *j* sums the products of the shares along every
chain of holdings from *i* to *j*. On an ownership graph without cycles this is the Leontief
series :math:`\tilde I = A + A^2 + A^3 + \dots = A (I - A)^{-1}` (Brioschi, Buzzacchi &
Colombo 1989; Vitali, Glattfelder & Battiston 2011, "The network of global corporate
control", PLoS ONE 6(10): e25995, which call it *integrated ownership*).

With cross-holdings (A owns B, B owns A) the series also counts walks that go round a cycle
through *i* itself, so that *i* would "own" part of *j* again through its own stake in itself;
Vitali et al. (2011, SI section 3.3) point out this double counting, and the BODS guidance
on indirect interests requires that circular holdings never add up to more than the whole.
We therefore use the *first-passage* form: the integrated ownership of *i* in *j* is the sum
over chains from *i* to *j* that never return to *i*,

.. math:: N_{ij} = \frac{F_{ij}}{F_{ii}}, \quad F = (I - A)^{-1}, \quad i \ne j,

(the decomposition of every walk into a closed walk at *i* followed by a walk that does not
revisit *i*). Read economically, :math:`N_{ij}` is the fraction of *j*'s value that reaches
*i* when value flows from each firm to its shareholders in proportion to their shares and
stops at *i*. Because shares into a firm sum to at most 100%, it is a probability and never
exceeds 100%, whatever the cycles: in the BODS fixture where Alpha and Beta own 100% of each
other, Alpha owns 100% of Beta (not 200%) and nothing of itself. On graphs without cycles it
equals the Leontief value.

Computation, without anything quadratic in the number of firms: the strongly connected
components of the ownership graph are found with :mod:`scipy.sparse.csgraph`; within each
component with a cycle (a handful of firms, in real data) the walk sums are computed densely
(:math:`G_C = (I - A_C)^{-1}`, or one solve per firm when a cycle holds 100% and the inverse
does not exist); across components the graph is acyclic, and the series
:math:`S = I + H + H^2 + \dots` with :math:`H = B G` (*B* the edges between components) ends
after as many sparse products as the longest chain of holdings. Then :math:`N = G' S - I`,
where :math:`G'` holds the first-passage rows of each component. The cost is proportional to
the number of (owner, owned) pairs connected by a chain of holdings, which is the size of the
output. A component with more than :data:`MAX_SCC` firms is refused with a clear message.

Share ranges and missing shares: every holding is a range [min, max] (an exact share is a
range of width 0; ``share_min`` alone means [min, 100]; ``share_max`` alone [0, max]; no share
at all [0, 100]). Integrated ownership is increasing in every share, so computing it once with
all minima and once with all maxima gives a valid range; each maximum is first tightened to
100% minus the other holders' minima, and results are capped at 100%. Several facts on the
same pair (two sources) give the hull of their ranges; facts with no share are then ignored.
Holdings stated as *indirect* are used only where the direct holdings give no chain between
the two parties (they stand for intermediaries the sources do not name). Only shareholding
interests (or facts without an interest type) count as ownership; holdings of a firm in
itself (treasury shares) are left out.

Ultimate controller
-------------------
The documented rule (a chain of majority holdings, as in the OECD Benchmark Definition of FDI
and Eurostat's FATS "ultimate controlling institutional unit", and as the ``gvc:controlledBy``
shortcuts of the derived graph):

1. *p* directly controls *c* when a ``gvc:Control`` fact says so, when *c* is an
   establishment (plant) of *p*, or when *p* holds more than 50% of *c*'s shares, voting
   rights or board appointment rights (``share_min > 50``, or 50 exclusive), by a direct
   holding; a stated indirect majority holding counts only for a firm with no direct
   controller;
2. the ultimate controller of *c* is found by following direct controllers up to a node that
   nobody controls (status ``controlled``); a firm nobody controls has no ultimate controller
   (``independent``); if a source declares its owner unknown (an owner node with an
   ``unspecified_reason``), ``declared-unknown``;
3. a firm with several direct controllers (joint ventures, conflicting sources) is under
   ``joint-control`` of all their ultimate controllers (or ``controlled`` when they lead to
   the same one);
4. a control cycle with no controller above it (A controls B controls A) has no ultimate
   controller: its members and every firm they control get ``control-cycle`` and the cycle's
   members in ``note``; a cycle entity is never its own ultimate controller.

Corporate groups are the weakly connected components of the control graph, named after the
ultimate controller that most members lead to. A firm is *foreign controlled* when its
ultimate controller's country is known and differs from its own.
"""

from __future__ import annotations

from typing import Any

import networkx as nx
import numpy as np
import pandas as pd
import scipy.sparse as sp
from scipy.sparse.csgraph import connected_components

from gvcgraph.graph.project import (
    CONTROLS,
    ESTABLISHMENT_OF,
    OWNS,
    Projection,
    as_projection,
    csr_from_pairs,
)

OWNERSHIP_INTERESTS = frozenset({"shareholding"})
"""Interest types that count as ownership (facts without an interest type count too)."""

CONTROL_INTERESTS = frozenset({"shareholding", "votingRights", "appointmentOfBoard"})
"""Interest types whose majority (> :data:`MAJORITY` %) gives control."""

MAJORITY = 50.0
"""A holding above this percentage (or equal to it, exclusive) gives control."""

MAX_SCC = 2000
"""Largest strongly connected component of cross-holdings handled (dense algebra)."""

_EPS = 1e-12

OWNERSHIP_COLUMNS = [
    "owner",
    "owner_label",
    "owned",
    "owned_label",
    "share_min",
    "share_max",
    "direct",
    "ultimate_controller",
]
CONTROLLER_COLUMNS = [
    "node",
    "label",
    "cls",
    "country",
    "ultimate_controller",
    "ultimate_label",
    "ultimate_country",
    "foreign_controlled",
    "status",
    "chain_length",
    "immediate_controller",
    "group",
    "group_label",
    "group_size",
    "note",
]


# ---------------------------------------------------------------------------------- shares


_BOOLS = {
    True: True,
    False: False,
    "true": True,
    "false": False,
    "True": True,
    "False": False,
    "direct": True,
    "indirect": False,
}


def _as_bool(s: pd.Series) -> pd.Series:
    """True / False / None from booleans, 0/1 or their spellings (vectorised lookup)."""
    if s.dtype == bool:
        return s.astype(object)
    return s.map(_BOOLS).astype(object).where(lambda x: x.notna(), None)


def direct_holdings(proj: Projection) -> pd.DataFrame:
    """Direct ownership ranges per (owner, owned) pair, in percent.

    Returns a frame with ``iu, iv, lo, hi, known, indirect`` (``indirect``: the pair is known
    only from facts stated as indirect), after combining facts and tightening maxima (see the
    module docstring).
    """
    e = proj.edges[proj.edges["relation"] == OWNS]
    interest = e["interest"]
    e = e[interest.isna() | interest.isin(OWNERSHIP_INTERESTS)]
    e = e[e["iu"] != e["iv"]]
    if e.empty:
        return pd.DataFrame({c: [] for c in ("iu", "iv", "lo", "hi", "known", "indirect")})
    lo = pd.to_numeric(e["share_min"], errors="coerce")
    hi = pd.to_numeric(e["share_max"], errors="coerce")
    direct = _as_bool(e["direct"])
    d = pd.DataFrame(
        {
            "iu": e["iu"].to_numpy(),
            "iv": e["iv"].to_numpy(),
            "lo": lo.fillna(0.0).clip(0, 100).to_numpy(),
            "hi": hi.fillna(100.0).clip(0, 100).to_numpy(),
            "known": (lo.notna() | hi.notna()).to_numpy(),
            "indirect": direct.eq(False).to_numpy(),  # None (unknown) is not indirect
        }
    )
    # per pair: prefer direct facts, then facts with a share; hull of their ranges
    d["rank"] = (~d["indirect"]).astype(int) * 2 + d["known"].astype(int)
    best = d.groupby(["iu", "iv"])["rank"].transform("max")
    d = d[d["rank"] == best]
    g = (
        d.groupby(["iu", "iv"], sort=False)
        .agg(
            lo=("lo", "min"), hi=("hi", "max"), known=("known", "any"), indirect=("indirect", "all")
        )
        .reset_index()
    )
    g["hi"] = np.maximum(g["hi"], g["lo"])
    # tighten: a holder's maximum cannot exceed 100% minus the other holders' minima
    direct_rows = ~g["indirect"]
    lo_sum = g[direct_rows].groupby("iv")["lo"].sum()
    others = g["iv"].map(lo_sum).fillna(0.0) - np.where(direct_rows, g["lo"], 0.0)
    g["hi"] = np.maximum(g["lo"], np.minimum(g["hi"], 100.0 - others))
    return g


def integrate(a: sp.csr_array, max_scc: int = MAX_SCC) -> sp.csr_array:
    """First-passage integrated ownership of a direct-share matrix (fractions).

    Parameters
    ----------
    a : scipy.sparse matrix
        ``a[i, j]``: fraction of j held directly by i (diagonal ignored).
    max_scc : int
        Largest strongly connected component allowed.

    Returns
    -------
    scipy.sparse.csr_array
        ``N[i, j]`` for i != j: integrated ownership of i in j (capped at 1; +inf sums, which
        only arise from upper bounds whose shares exceed 100%, become 1).

    Examples
    --------
    >>> import scipy.sparse as sp
    >>> a = sp.csr_array(([0.6, 0.5], ([0, 1], [1, 2])), shape=(3, 3))  # 0 -60%-> 1 -50%-> 2
    >>> integrate(a).toarray().round(2).tolist()
    [[0.0, 0.6, 0.3], [0.0, 0.0, 0.5], [0.0, 0.0, 0.0]]
    """
    n = a.shape[0]
    a = sp.csr_array(a, dtype=np.float64, copy=True)
    if a.diagonal().any():
        a.setdiag(0)
    a.eliminate_zeros()
    coo = a.tocoo()
    rows, cols, vals = coo.row.astype(np.int64), coo.col.astype(np.int64), coo.data
    ncomp, labels = connected_components(a, directed=True, connection="strong")
    sizes = np.bincount(labels, minlength=ncomp)
    intra = labels[rows] == labels[cols]
    eye = sp.identity(n, dtype=np.float64, format="csr")
    if intra.any():
        g, gp = _component_closures(
            n, labels, sizes, rows[intra], cols[intra], vals[intra], max_scc
        )
    else:
        g = gp = eye
    b = csr_from_pairs(rows[~intra], cols[~intra], vals[~intra], n, combine="sum")
    h = sp.csr_array(b @ g)
    # S = I + H + H^2 + ...: the powers are collected and summed once (summing as we go
    # would cost the size of S at every step)
    powers = [sp.coo_array(eye)]
    p = h
    while p.nnz:
        powers.append(p.tocoo())
        p = sp.csr_array(p @ h)
    s = sp.coo_array(
        (
            np.concatenate([q.data for q in powers]),
            (np.concatenate([q.row for q in powers]), np.concatenate([q.col for q in powers])),
        ),
        shape=(n, n),
    ).tocsr()
    out = sp.csr_array(gp @ s).tocoo()
    keep = out.row != out.col
    data = out.data[keep]
    data = np.where(np.isfinite(data), np.minimum(data, 1.0), 1.0)
    res = sp.coo_array((data, (out.row[keep], out.col[keep])), shape=(n, n)).tocsr()
    res.eliminate_zeros()
    return res


def _component_closures(
    n: int,
    labels: np.ndarray,
    sizes: np.ndarray,
    rows: np.ndarray,
    cols: np.ndarray,
    vals: np.ndarray,
    max_scc: int,
) -> tuple[sp.csr_array, sp.csr_array]:
    """Walk sums G and first-passage rows G' within each cyclic component (identity elsewhere)."""
    nontrivial = np.flatnonzero(sizes > 1)
    if sizes.max() > max_scc:
        raise ValueError(
            f"a group of {int(sizes.max())} firms holds shares in each other in a cycle; "
            f"integrated ownership handles cross-holding components of up to {max_scc} firms "
            "(raise max_scc, with memory for a dense matrix of that size)"
        )
    order = np.argsort(labels, kind="stable")
    starts = np.zeros(len(sizes) + 1, dtype=np.int64)
    np.cumsum(sizes, out=starts[1:])
    local = np.empty(n, dtype=np.int64)
    local[order] = np.arange(n) - starts[labels[order]]
    edge_order = np.argsort(labels[rows], kind="stable")
    rows, cols, vals = rows[edge_order], cols[edge_order], vals[edge_order]
    ecount = np.bincount(labels[rows], minlength=len(sizes))
    estart = np.zeros(len(sizes) + 1, dtype=np.int64)
    np.cumsum(ecount, out=estart[1:])
    g_parts: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []
    gp_parts: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []
    singles = np.flatnonzero(sizes[labels] == 1)
    ones = np.ones(len(singles))
    g_parts.append((singles, singles, ones))
    gp_parts.append((singles, singles, ones))
    for c in nontrivial:
        members = order[starts[c] : starts[c + 1]]
        m = len(members)
        sl = slice(estart[c], estart[c + 1])
        ac = np.zeros((m, m))
        np.add.at(ac, (local[rows[sl]], local[cols[sl]]), vals[sl])
        gc, gpc = _closure(ac)
        ii, jj = np.meshgrid(members, members, indexing="ij")
        g_parts.append((ii.ravel(), jj.ravel(), gc.ravel()))
        gp_parts.append((ii.ravel(), jj.ravel(), gpc.ravel()))

    def build(parts: list[tuple[np.ndarray, np.ndarray, np.ndarray]]) -> sp.csr_array:
        r = np.concatenate([p[0] for p in parts])
        c = np.concatenate([p[1] for p in parts])
        v = np.concatenate([p[2] for p in parts])
        nz = v != 0
        return sp.coo_array((v[nz], (r[nz], c[nz])), shape=(n, n)).tocsr()

    return build(g_parts), build(gp_parts)


def _spectral_radius(m: np.ndarray) -> float:
    if m.size == 0:
        return 0.0
    return float(np.max(np.abs(np.linalg.eigvals(m))))


def _closure(ac: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(G_C, G'_C) of one strongly connected component's share matrix."""
    m = ac.shape[0]
    eye = np.eye(m)
    if _spectral_radius(ac) < 1.0 - 1e-9:
        gc = np.linalg.solve(eye - ac, eye)
        gpc = gc / np.diag(gc)[:, None]
        return gc, gpc
    # Walk sums diverge (the cycle keeps 100% of itself, or upper bounds exceed 100%):
    # G_C is infinite; first-passage rows are solved one firm at a time with that firm removed.
    gc = np.full((m, m), np.inf)
    gpc = np.zeros((m, m))
    for i in range(m):
        others = np.array([k for k in range(m) if k != i])
        sub = ac[np.ix_(others, others)]
        if _spectral_radius(sub) < 1.0 - 1e-9:
            row = ac[i, others] @ np.linalg.solve(np.eye(m - 1) - sub, np.eye(m - 1))
        else:
            row = np.full(m - 1, np.inf)
        gpc[i, others] = row
        gpc[i, i] = 1.0
    return gc, gpc


def integrated_ownership(
    graph: Projection | nx.Graph, *, as_of: Any = None, max_scc: int = MAX_SCC
) -> pd.DataFrame:
    """Integrated (direct plus indirect) ownership of every owner in every firm.

    Parameters
    ----------
    graph : Projection or networkx graph
        Ownership edges owner -> owned with ``share_min``/``share_max`` in percent (edges of
        a networkx graph without ``relation`` count as ownership), optionally ``interest``
        and ``direct``.
    as_of : date, optional
        Use only the holdings valid on that date.
    max_scc : int
        See :func:`integrate`.

    Returns
    -------
    pandas.DataFrame
        One row per (owner, owned) pair joined by a chain of holdings: ``owner, owner_label,
        owned, owned_label, share_min, share_max`` (percent) and ``direct`` (True when a
        direct holding between the two is stated), by owned firm (node order; sorted by
        key in projections of the store) and decreasing share.

    Examples
    --------
    >>> import networkx as nx
    >>> g = nx.DiGraph()
    >>> g.add_edge("p", "a", share_min=60, share_max=60)
    >>> g.add_edge("a", "b", share_min=50, share_max=50)
    >>> integrated_ownership(g)[["owner", "owned", "share_min"]].values.tolist()
    [['p', 'a', 60.0], ['a', 'b', 50.0], ['p', 'b', 30.0]]
    """
    proj = as_projection(graph, default_relation=OWNS, as_of=as_of)
    hold = direct_holdings(proj)
    n = proj.n
    lo_m, hi_m = _integrate_bounds(hold[~hold["indirect"]] if len(hold) else hold, n, max_scc)
    if len(hold) and hold["indirect"].any():
        ind = hold[hold["indirect"]]
        missing = np.asarray(hi_m[ind["iu"].to_numpy(), ind["iv"].to_numpy()]).ravel() == 0
        if missing.any():
            use = pd.concat([hold[~hold["indirect"]], ind[missing]])
            lo_m, hi_m = _integrate_bounds(use, n, max_scc)
    hi_m.sort_indices()
    hi_c = hi_m.tocoo()
    lo_vals = _values_at(lo_m, hi_c.row, hi_c.col, n)
    keys = proj.nodes["node"].to_numpy()
    labels = proj.labels().to_numpy()
    is_direct = (
        _pairs_in(hi_c.row, hi_c.col, hold[~hold["indirect"]], n)
        if len(hold)
        else np.zeros(hi_c.nnz, dtype=bool)
    )
    share_max = np.round(np.minimum(hi_c.data, 1.0) * 100.0, 10)
    # by owned firm (node order), decreasing share, owner
    order = np.lexsort((hi_c.row, -share_max, hi_c.col))
    r, c = hi_c.row[order], hi_c.col[order]
    return pd.DataFrame(
        {
            "owner": keys[r],
            "owner_label": labels[r],
            "owned": keys[c],
            "owned_label": labels[c],
            "share_min": np.round(np.minimum(lo_vals[order], 1.0) * 100.0, 10),
            "share_max": share_max[order],
            "direct": is_direct[order],
        }
    )


def _pairs_in(rows: np.ndarray, cols: np.ndarray, hold: pd.DataFrame, n: int) -> np.ndarray:
    """Whether each (row, col) is a pair of ``hold`` (sorted search, no hashing)."""
    keys = rows.astype(np.int64) * n + cols.astype(np.int64)
    ref = np.sort(hold["iu"].to_numpy(np.int64) * n + hold["iv"].to_numpy(np.int64))
    if len(ref) == 0:
        return np.zeros(len(keys), dtype=bool)
    pos = np.minimum(np.searchsorted(ref, keys), len(ref) - 1)
    return ref[pos] == keys


def _values_at(m: sp.csr_array, rows: np.ndarray, cols: np.ndarray, n: int) -> np.ndarray:
    """m[rows, cols] for many pairs at once (0 where m has no entry)."""
    m = sp.csr_array(m)
    m.sort_indices()
    c = m.tocoo()
    ref = c.row.astype(np.int64) * n + c.col.astype(np.int64)
    keys = rows.astype(np.int64) * n + cols.astype(np.int64)
    if len(ref) == 0:
        return np.zeros(len(keys))
    pos = np.minimum(np.searchsorted(ref, keys), len(ref) - 1)
    return np.where(ref[pos] == keys, c.data[pos], 0.0)


def _integrate_bounds(
    hold: pd.DataFrame, n: int, max_scc: int
) -> tuple[sp.csr_array, sp.csr_array]:
    if len(hold) == 0:
        empty = sp.csr_array((n, n), dtype=np.float64)
        return empty, empty
    r, c = hold["iu"].to_numpy(np.int64), hold["iv"].to_numpy(np.int64)
    lo = csr_from_pairs(r, c, hold["lo"].to_numpy() / 100.0, n, combine="max")
    hi = csr_from_pairs(r, c, hold["hi"].to_numpy() / 100.0, n, combine="max")
    lo.eliminate_zeros()
    return integrate(lo, max_scc), integrate(hi, max_scc)


# ---------------------------------------------------------------------------------- control


def control_edges(proj: Projection) -> pd.DataFrame:
    """Direct control relations (rule 1 of the module docstring).

    Returns a frame ``iu`` (controller), ``iv`` (controlled), ``basis`` (``majority`` or the
    ``gvc:Control`` fact's basis), ``share_min`` and ``fact``, one row per fact.
    """
    e = proj.edges
    unspecified = np.zeros(proj.n, dtype=bool)
    unspecified[_unspecified(proj)] = True
    interest = e["interest"]
    owns = e[
        (e["relation"] == OWNS).to_numpy()
        & (interest.isna() | interest.isin(CONTROL_INTERESTS)).to_numpy()
    ]
    lo = pd.to_numeric(owns["share_min"], errors="coerce")
    excl = _as_bool(owns["share_min_exclusive"]).fillna(False).astype(bool)
    majority = (lo > MAJORITY) | ((lo == MAJORITY) & excl)
    owns = owns[majority.fillna(False).to_numpy()]
    indirect = _as_bool(owns["direct"]).eq(False).to_numpy()
    maj = pd.DataFrame(
        {
            "iu": owns["iu"].to_numpy(),
            "iv": owns["iv"].to_numpy(),
            "basis": "majority",
            "share_min": owns["share_min"].to_numpy(),
            "fact": owns["fact"].to_numpy(),
            "indirect": indirect,
        }
    )
    ctl = e[e["relation"] == CONTROLS]
    exp = pd.DataFrame(
        {
            "iu": ctl["iu"].to_numpy(),
            "iv": ctl["iv"].to_numpy(),
            "basis": ctl["basis"].fillna("control").to_numpy(),
            "share_min": np.nan,
            "fact": ctl["fact"].to_numpy(),
            "indirect": _as_bool(ctl["direct"]).eq(False).to_numpy(),
        }
    )
    est = e[e["relation"] == ESTABLISHMENT_OF]
    plants = pd.DataFrame(
        {
            "iu": est["iv"].to_numpy(),
            "iv": est["iu"].to_numpy(),
            "basis": "establishment",
            "share_min": np.nan,
            "fact": est["fact"].to_numpy(),
            "indirect": False,
        }
    )
    both = pd.concat([maj, exp, plants], ignore_index=True)
    iu, iv = both["iu"].to_numpy(np.int64), both["iv"].to_numpy(np.int64)
    both = both[(iu != iv) & ~unspecified[iu]]
    indirect = both["indirect"].to_numpy(bool)
    has_direct = np.zeros(proj.n, dtype=bool)
    has_direct[both["iv"].to_numpy(np.int64)[~indirect]] = True
    both = both[~indirect | ~has_direct[both["iv"].to_numpy(np.int64)]]
    return both.drop(columns=["indirect"]).reset_index(drop=True)


def _unspecified(proj: Projection) -> np.ndarray:
    nodes = proj.nodes
    flag = nodes["cls"].astype(str).eq("UnspecifiedParty")
    if "unspecified_reason" in nodes:
        flag |= nodes["unspecified_reason"].notna()
    return np.flatnonzero(flag.to_numpy())


def ultimate_controllers(graph: Projection | nx.Graph, *, as_of: Any = None) -> pd.DataFrame:
    """Ultimate controller, status, corporate group and foreign control of every node.

    Parameters
    ----------
    graph : Projection or networkx graph
        Ownership (``owns``) and control (``controls``) edges; edges of a networkx graph
        without ``relation`` count as ownership.
    as_of : date, optional
        Use only the facts valid on that date.

    Returns
    -------
    pandas.DataFrame
        Columns :data:`CONTROLLER_COLUMNS`. ``status`` is one of ``controlled``,
        ``independent``, ``joint-control``, ``control-cycle``, ``declared-unknown`` (see the
        module docstring for the rule); ``ultimate_controller`` holds several keys joined by
        ``;`` under joint control; ``chain_length`` counts control hops to the top;
        ``group`` is the corporate group's head (NA for a node with no control relation).

    Examples
    --------
    >>> import networkx as nx
    >>> g = nx.DiGraph()
    >>> g.add_edge("p", "a", share_min=60, share_max=60)
    >>> g.add_edge("a", "b", share_min=51, share_max=51)
    >>> t = ultimate_controllers(g).set_index("node")
    >>> t.loc["b", "ultimate_controller"], t.loc["b", "status"], int(t.loc["b", "chain_length"])
    ('p', 'controlled', 2)
    """
    proj = as_projection(graph, default_relation=OWNS, as_of=as_of)
    n = proj.n
    ce = control_edges(proj)
    pairs = ce.drop_duplicates(["iu", "iv"])
    adj = (
        csr_from_pairs(pairs["iu"].to_numpy(), pairs["iv"].to_numpy(), np.ones(len(pairs)), n)
        if len(pairs)
        else sp.csr_array((n, n))
    )
    ncomp, lab = connected_components(adj, directed=True, connection="strong")
    csize = np.bincount(lab, minlength=ncomp)
    lp, lc = lab[pairs["iu"].to_numpy(np.int64)], lab[pairs["iv"].to_numpy(np.int64)]
    cross = lp != lc
    cond = pd.DataFrame({"p": lp[cross], "c": lc[cross]}).drop_duplicates()
    cin = np.bincount(cond["c"].to_numpy(np.int64), minlength=ncomp)
    parent = np.arange(ncomp)
    single = cond[cin[cond["c"].to_numpy(np.int64)] == 1]
    parent[single["c"].to_numpy(np.int64)] = single["p"].to_numpy(np.int64)
    # pointer jumping to the terminal component (a root or a jointly controlled component)
    ptr = parent.copy()
    hops = (ptr != np.arange(ncomp)).astype(np.int64)
    while True:
        nxt = ptr[ptr]
        if np.array_equal(nxt, ptr):
            break
        hops = hops + hops[ptr]
        ptr = nxt
    # component members (for representative nodes and cycle notes)
    order = np.argsort(lab, kind="stable")
    starts = np.zeros(ncomp + 1, dtype=np.int64)
    np.cumsum(csize, out=starts[1:])
    rep = order[starts[:-1]]  # a node of each component
    keys = proj.nodes["node"].to_numpy()

    def cycle_name(c: int) -> str:
        return "control cycle: " + ", ".join(sorted(keys[order[starts[c] : starts[c + 1]]]))

    # tops of terminal components: a root singleton -> its node; a root cycle -> "cycle";
    # a joint component -> union of the tops of its parents (resolved with a memo)
    joint_edges = cond[cin[cond["c"].to_numpy(np.int64)] >= 2]
    parents_of: dict[int, list[int]] = {}
    for c_, p_ in zip(joint_edges["c"].tolist(), joint_edges["p"].tolist(), strict=True):
        parents_of.setdefault(c_, []).append(p_)
    memo: dict[int, frozenset[Any]] = {}

    def tops(c: int) -> frozenset[Any]:
        stack: list[tuple[int, bool]] = [(c, False)]
        active: set[int] = set()
        while stack:
            x, expanded = stack.pop()
            if x in memo:
                continue
            if cin[x] == 0:
                memo[x] = frozenset({("cycle", x)}) if csize[x] > 1 else frozenset({int(rep[x])})
                continue
            deps = [int(ptr[q]) for q in parents_of.get(x, [])]
            if not expanded:
                active.add(x)
                stack.append((x, True))
                stack.extend((t, False) for t in deps if t not in memo and t not in active)
                continue
            acc: set[Any] = set()
            for t in deps:
                acc |= memo.get(t, frozenset())
            memo[x] = frozenset(acc)
            active.discard(x)
        return memo[c]

    term = ptr[lab]
    node_ids = np.arange(n)
    status = np.full(n, "controlled", dtype=object)
    uc_pos = np.full(n, -1, dtype=np.int64)  # single ultimate controller, by position
    joint_uc: dict[int, str] = {}  # node position -> "a;b" under joint control
    note = np.full(n, None, dtype=object)
    chain = hops[lab].copy()
    root_single = (cin[term] == 0) & (csize[term] == 1)
    top_node = rep[term]
    is_top = root_single & (top_node == node_ids)
    status[is_top] = "independent"
    under = root_single & ~is_top
    uc_pos[under] = top_node[under]
    chain[~root_single] = -1
    # terminals that are root cycles or jointly controlled components: resolved one by one
    # (there are few of them); their members get the terminal's status
    rest = np.flatnonzero(~root_single)
    rest = rest[np.argsort(term[rest], kind="stable")]
    bounds = np.flatnonzero(np.diff(term[rest])) + 1
    for members in np.split(rest, bounds) if len(rest) else []:
        tt = tops(int(term[members[0]]))
        people = sorted(x for x in tt if not isinstance(x, tuple))
        cycles = sorted(x[1] for x in tt if isinstance(x, tuple))
        if len(people) == 1 and not cycles:
            uc_pos[members] = people[0]
        elif people:
            status[members] = "joint-control"
            joined = ";".join(sorted(keys[p] for p in people))
            joint_uc.update(dict.fromkeys(members.tolist(), joined))
            if cycles:
                note[members] = "; ".join(cycle_name(c) for c in cycles)
        else:
            status[members] = "control-cycle"
            note[members] = "; ".join(cycle_name(c) for c in (cycles or [int(term[members[0]])]))
    # declared-unknown owners
    unspecified = _unspecified(proj)
    if len(unspecified):
        e = proj.edges
        decl = e[e["iu"].isin(unspecified) & e["relation"].isin([OWNS, CONTROLS])]
        reason_col = (
            proj.nodes["unspecified_reason"]
            if "unspecified_reason" in proj.nodes
            else pd.Series([None] * n)
        )
        for iv, iu in zip(decl["iv"].to_numpy(), decl["iu"].to_numpy(), strict=True):
            if status[iv] == "independent":
                status[iv] = "declared-unknown"
                reason = reason_col.iloc[iu]
                note[iv] = f"owner declared unknown: {reason if pd.notna(reason) else keys[iu]}"
    # immediate controllers (several joined by ";")
    immediate = np.full(n, None, dtype=object)
    child = pairs["iv"].to_numpy(np.int64)
    par = pairs["iu"].to_numpy(np.int64)
    once = np.bincount(child, minlength=n)[child] == 1
    immediate[child[once]] = keys[par[once]]
    if (~once).any():
        multi = pd.DataFrame({"c": child[~once], "p": keys[par[~once]]})
        joined = multi.groupby("c")["p"].agg(lambda x: ";".join(sorted(x)))
        immediate[joined.index.to_numpy()] = joined.to_numpy()
    # corporate groups: weakly connected components of the control graph, named after the
    # ultimate controller most of their members lead to
    _, wlab = connected_components(adj, directed=True, connection="weak")
    wsize = np.bincount(wlab)
    top = np.where(status == "independent", node_ids, uc_pos)  # -1: none or joint
    has_top = top >= 0
    pair = wlab[has_top].astype(np.int64) * n + top[has_top]
    uniq, counts = np.unique(pair, return_counts=True)
    cw, ct = uniq // n, uniq % n
    # per weak component: the top with most members (ties: lowest position)
    order = np.lexsort((ct, -counts, cw))
    cw, ct = cw[order], ct[order]
    first_of = np.ones(len(cw), dtype=bool)
    first_of[1:] = cw[1:] != cw[:-1]
    head = np.full(len(wsize), -1, dtype=np.int64)
    head[cw[first_of]] = ct[first_of]
    _, first = np.unique(wlab, return_index=True)
    head = np.where(head >= 0, head, first)
    grouped = wsize[wlab] > 1
    group_pos = np.where(grouped, head[wlab], -1)
    labels = proj.labels()
    label_arr = labels.to_numpy(dtype=object)
    country = proj.nodes["country"].to_numpy(dtype=object)

    def take(values: np.ndarray, pos: np.ndarray) -> np.ndarray:
        out_ = np.full(len(pos), None, dtype=object)
        ok = pos >= 0
        out_[ok] = values[pos[ok]]
        return out_

    uc = take(keys.astype(object), uc_pos)
    uc_label = take(label_arr, uc_pos)
    uc_country = take(country, uc_pos)
    for i, joined in joint_uc.items():
        uc[i] = joined
        uc_label[i] = ";".join(str(label_arr[p]) for p in proj.positions(joined.split(";")))
    own_c = pd.Series(country, dtype=object)
    top_c = pd.Series(uc_country, dtype=object)
    known = (own_c.notna() & top_c.notna()).to_numpy()
    foreign = pd.array([pd.NA] * n, dtype="boolean")
    foreign[known] = (own_c[known] != top_c[known]).to_numpy()
    group = take(keys.astype(object), group_pos)
    has_chain = (status == "controlled") & (chain >= 0)
    out = pd.DataFrame(
        {
            "node": keys,
            "label": labels.to_numpy(),
            "cls": proj.nodes["cls"].to_numpy(),
            "country": country,
            "ultimate_controller": uc,
            "ultimate_label": uc_label,
            "ultimate_country": uc_country,
            "foreign_controlled": foreign,
            "status": status,
            "chain_length": pd.array(np.where(has_chain, chain, 0), dtype="Int64"),
            "immediate_controller": immediate,
            "group": group,
            "group_label": take(label_arr, group_pos),
            "group_size": pd.array(np.where(grouped, wsize[wlab], 1), dtype="Int64"),
            "note": note,
        }
    )
    out.loc[~has_chain, "chain_length"] = pd.NA
    return out[CONTROLLER_COLUMNS]


def ownership_table(
    graph: Projection | nx.Graph, *, as_of: Any = None, controllers: pd.DataFrame | None = None
) -> pd.DataFrame:
    """Integrated ownership with the owned firm's ultimate controller (the CLI table).

    Returns
    -------
    pandas.DataFrame
        Columns ``owner, owner_label, owned, owned_label, share_min, share_max, direct,
        ultimate_controller``.
    """
    proj = as_projection(graph, default_relation=OWNS, as_of=as_of)
    io_ = integrated_ownership(proj)
    ctl = controllers if controllers is not None else ultimate_controllers(proj)
    uc = ctl.set_index("node")["ultimate_controller"]
    io_["ultimate_controller"] = io_["owned"].map(uc)
    return io_[OWNERSHIP_COLUMNS]
