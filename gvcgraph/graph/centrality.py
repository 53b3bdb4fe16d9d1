"""Centrality of firms and other actors on a network view.

Every measure runs on the *simple* directed graph of a view: parallel facts between the same
pair (two sources stating the same supply relation, say) count as one edge, and edges keep
their direction (supplier -> buyer, owner -> owned, instrument -> target; see
:mod:`gvcgraph.graph.project`). The implementations work on the view's sparse adjacency matrix
with numpy and scipy, and give the same numbers as networkx on the same
:class:`networkx.DiGraph` (the test suite checks this on random graphs):

============== ==========================================================================
measure        definition (networkx equivalent)
============== ==========================================================================
in_degree      number of distinct predecessors (``G.in_degree``); on the supply view, the
               number of suppliers of a buyer
out_degree     number of distinct successors (``G.out_degree``); on the supply view, the
               number of buyers of a supplier
betweenness    share of shortest paths between other nodes that pass through the node,
               normalised by (n-1)(n-2) (Brandes 2001); exact, or estimated from ``k``
               sampled source nodes (Brandes & Pich 2007) with the rescaling of
               ``nx.betweenness_centrality(G, k=k, seed=seed)``
closeness      (r-1)/(sum of distances from the r-1 nodes that reach it) x (r-1)/(n-1), the
               Wasserman-Faust correction for disconnected graphs, over *incoming* paths
               (``nx.closeness_centrality``); exact up to :data:`CLOSENESS_EXACT_MAX` nodes,
               else estimated from ``k`` sampled pivots (Eppstein & Wang 2004)
pagerank       PageRank with damping 0.85, dangling nodes spread uniformly (``nx.pagerank``)
eigenvector    left eigenvector of the adjacency matrix by power iteration on (A + I),
               Euclidean norm 1 (``nx.eigenvector_centrality``); a view without a cycle
               (a pure supply tree) has no meaningful eigenvector centrality and gives NaN
               with a warning when the iteration does not converge
============== ==========================================================================

References
----------
Brandes, U. (2001). A faster algorithm for betweenness centrality. Journal of Mathematical
Sociology 25(2), 163-177.
Brandes, U. & Pich, C. (2007). Centrality estimation in large networks. International Journal
of Bifurcation and Chaos 17(7), 2303-2318.
Eppstein, D. & Wang, J. (2004). Fast approximation of centrality. Journal of Graph Algorithms
and Applications 8(1), 39-45.
Wasserman, S. & Faust, K. (1994). Social Network Analysis. Cambridge University Press.
Page, L., Brin, S., Motwani, R. & Winograd, T. (1999). The PageRank citation ranking.
Stanford InfoLab.
"""

from __future__ import annotations

import random
import warnings
from collections.abc import Iterable, Sequence
from typing import Any

import networkx as nx
import numpy as np
import pandas as pd
import scipy.sparse as sp

from gvcgraph.graph.project import VIEW_RELATIONS, Projection, as_projection

MEASURES = ("in_degree", "out_degree", "betweenness", "closeness", "pagerank", "eigenvector")
"""Measure names, in output order."""

CLOSENESS_EXACT_MAX = 5000
"""Above this many nodes closeness is estimated from sampled pivots unless ``k`` is given."""

CLOSENESS_DEFAULT_K = 256
"""Pivots sampled for estimated closeness when ``closeness_k`` is not given."""

COLUMNS = ["node", "label", "view", "measure", "value"]


# ---------------------------------------------------------------------------------- helpers


def _simple(adj: sp.csr_array) -> sp.csr_array:
    a = sp.csr_array(adj, dtype=np.float64, copy=True)
    a.sum_duplicates()
    a.data[:] = 1.0
    a.sort_indices()
    return a


def _out_edges(
    indptr: np.ndarray, indices: np.ndarray, nodes: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """All edges leaving ``nodes`` as (tail, head) arrays, vectorised over a CSR matrix."""
    starts = indptr[nodes]
    deg = indptr[nodes + 1] - starts
    total = int(deg.sum())
    if total == 0:
        return np.empty(0, np.int64), np.empty(0, np.int64)
    tails = np.repeat(nodes, deg)
    offsets = np.arange(total, dtype=np.int64) - np.repeat(np.cumsum(deg) - deg, deg)
    heads = indices[np.repeat(starts, deg) + offsets]
    return tails, heads.astype(np.int64)


# ---------------------------------------------------------------------------------- measures


def degree(adj: sp.csr_array) -> tuple[np.ndarray, np.ndarray]:
    """In- and out-degree of every node of a directed graph (distinct neighbours).

    Parameters
    ----------
    adj : scipy.sparse matrix
        Adjacency matrix, ``adj[u, v] != 0`` for an edge u -> v.

    Returns
    -------
    (in_degree, out_degree) : tuple of int arrays

    Examples
    --------
    >>> import scipy.sparse as sp
    >>> a = sp.csr_array(([1.0, 1.0], ([0, 1], [1, 2])), shape=(3, 3))
    >>> [d.tolist() for d in degree(a)]
    [[0, 1, 1], [1, 1, 0]]
    """
    a = _simple(adj)
    n = a.shape[0]
    out_deg = np.diff(a.indptr).astype(np.int64)
    in_deg = np.bincount(a.indices, minlength=n).astype(np.int64)
    return in_deg, out_deg


def pagerank(
    adj: sp.csr_array, alpha: float = 0.85, max_iter: int = 100, tol: float = 1.0e-6
) -> np.ndarray:
    """PageRank of every node (power iteration, as ``nx.pagerank`` with default arguments).

    Parameters
    ----------
    adj : scipy.sparse matrix
        Adjacency matrix of the simple directed graph.
    alpha : float
        Damping factor.
    max_iter, tol :
        Stop when the L1 change is below ``n * tol``; raise
        :class:`networkx.PowerIterationFailedConvergence` after ``max_iter`` iterations.

    Returns
    -------
    numpy.ndarray
        Scores summing to 1. Dangling nodes (no out-edge) spread their score uniformly.

    Notes
    -----
    Each iteration is one sparse matrix-vector product, O(m).

    Examples
    --------
    >>> import scipy.sparse as sp
    >>> a = sp.csr_array(([1.0, 1.0], ([0, 1], [1, 0])), shape=(2, 2))
    >>> pagerank(a).round(3).tolist()
    [0.5, 0.5]
    """
    a = _simple(adj)
    n = a.shape[0]
    if n == 0:
        return np.empty(0)
    out = np.asarray(a.sum(axis=1)).ravel()
    inv = np.zeros(n)
    inv[out != 0] = 1.0 / out[out != 0]
    m = sp.diags_array(inv) @ a
    x = np.full(n, 1.0 / n)
    p = np.full(n, 1.0 / n)
    dangling = np.flatnonzero(out == 0)
    for _ in range(max_iter):
        xlast = x
        x = alpha * (x @ m + x[dangling].sum() * p) + (1 - alpha) * p
        if np.abs(x - xlast).sum() < n * tol:
            return x
    raise nx.PowerIterationFailedConvergence(max_iter)


def eigenvector(adj: sp.csr_array, max_iter: int = 100, tol: float = 1.0e-6) -> np.ndarray:
    """Eigenvector centrality (in-edges), as ``nx.eigenvector_centrality``.

    Power iteration ``x <- (A + I)^T x / ||(A + I)^T x||`` from the uniform vector, stopping
    when the L1 change is below ``n * tol``.

    Parameters
    ----------
    adj : scipy.sparse matrix
        Adjacency matrix of the simple directed graph.

    Returns
    -------
    numpy.ndarray
        Scores with Euclidean norm 1.

    Raises
    ------
    networkx.PowerIterationFailedConvergence
        When the iteration does not converge (typically a graph without cycles).

    Examples
    --------
    >>> import scipy.sparse as sp
    >>> a = sp.csr_array(([1.0, 1.0, 1.0], ([0, 1, 2], [1, 2, 0])), shape=(3, 3))
    >>> eigenvector(a).round(4).tolist()
    [0.5774, 0.5774, 0.5774]
    """
    a = _simple(adj)
    n = a.shape[0]
    if n == 0:
        return np.empty(0)
    x = np.full(n, 1.0 / n)
    for _ in range(max_iter):
        xlast = x
        x = xlast + xlast @ a
        norm = np.sqrt(np.dot(x, x)) or 1.0
        x = x / norm
        if np.abs(x - xlast).sum() < n * tol:
            return x
    raise nx.PowerIterationFailedConvergence(max_iter)


def sample_sources(nodes: Sequence[Any], k: int, seed: int | random.Random | None) -> list[int]:
    """Positions of ``k`` nodes drawn as ``nx.betweenness_centrality(G, k, seed)`` draws them.

    networkx draws ``random.Random(seed).sample(list(G), k)``; with the same node order and
    seed the same sources are drawn, so the estimates can be compared exactly.
    """
    rng = seed if isinstance(seed, random.Random) else random.Random(seed)
    chosen = rng.sample(list(range(len(nodes))), k)
    return chosen


def betweenness(
    adj: sp.csr_array,
    k: int | None = None,
    seed: int | None = None,
    sources: Iterable[int] | None = None,
    normalized: bool = True,
) -> np.ndarray:
    """Betweenness centrality of a directed, unweighted graph (Brandes 2001).

    Parameters
    ----------
    adj : scipy.sparse matrix
        Adjacency matrix of the directed graph.
    k : int, optional
        Estimate from ``k`` source nodes drawn at random (:func:`sample_sources`); exact when
        omitted or equal to the number of nodes.
    seed : int, optional
        Seed of the draw (same draw as networkx's for the same node order).
    sources : iterable of int, optional
        Explicit source positions instead of a random draw (``k`` is then their number).
    normalized : bool
        Divide by (n-1)(n-2), the number of ordered pairs of other nodes (rescaled for
        sampling exactly as networkx 3.6 does).

    Returns
    -------
    numpy.ndarray

    Notes
    -----
    One breadth-first search per source, vectorised level by level over the CSR matrix, then
    the dependency accumulation backwards over the same levels: O(m) per source, O(k m) in
    all. Endpoints are not counted.

    Examples
    --------
    >>> import scipy.sparse as sp
    >>> a = sp.csr_array(([1.0, 1.0], ([0, 1], [1, 2])), shape=(3, 3))   # 0 -> 1 -> 2
    >>> betweenness(a).tolist()
    [0.0, 0.5, 0.0]
    """
    a = _simple(adj)
    n = a.shape[0]
    if sources is not None:
        src = np.asarray(list(sources), dtype=np.int64)
        sampled = len(src) != n
    elif k is None or k >= n:
        src = np.arange(n, dtype=np.int64)
        sampled = False
    else:
        src = np.asarray(sample_sources(range(n), k, seed), dtype=np.int64)
        sampled = True
    bc = np.zeros(n)
    dist = np.full(n, -1, dtype=np.int64)
    sigma = np.zeros(n)
    delta = np.zeros(n)
    indptr, indices = a.indptr.astype(np.int64), a.indices.astype(np.int64)
    for s in src:
        _accumulate(int(s), indptr, indices, dist, sigma, delta, bc)
    return _rescale(bc, n, normalized, src if sampled else None)


def _accumulate(
    s: int,
    indptr: np.ndarray,
    indices: np.ndarray,
    dist: np.ndarray,
    sigma: np.ndarray,
    delta: np.ndarray,
    bc: np.ndarray,
) -> None:
    dist[s] = 0
    sigma[s] = 1.0
    levels = [np.array([s], dtype=np.int64)]
    dag: list[tuple[np.ndarray, np.ndarray]] = []
    while True:
        tails, heads = _out_edges(indptr, indices, levels[-1])
        d = len(levels)
        keep = dist[heads] < 0
        t, h = tails[keep], heads[keep]
        if len(h) == 0:
            break
        uniq, inv = np.unique(h, return_inverse=True)
        sigma[uniq] = np.bincount(inv, weights=sigma[t])
        dist[uniq] = d
        levels.append(uniq)
        dag.append((t, h))
    for d in range(len(levels) - 1, 0, -1):
        t, h = dag[d - 1]
        contrib = sigma[t] * (1.0 + delta[h]) / sigma[h]
        uniq, inv = np.unique(t, return_inverse=True)
        delta[uniq] += np.bincount(inv, weights=contrib)
        ws = levels[d]
        bc[ws] += delta[ws]
    touched = np.concatenate(levels)
    dist[touched] = -1
    sigma[touched] = 0.0
    delta[touched] = 0.0


def _rescale(bc: np.ndarray, n: int, normalized: bool, sampled: np.ndarray | None) -> np.ndarray:
    # networkx 3.6 `_rescale` for directed graphs with endpoints=False.
    big_n = n - 1
    if big_n < 2:
        return bc
    if sampled is None:
        scale = 1.0 / (big_n * (big_n - 1)) if normalized else 1.0
        return bc * scale
    k = len(sampled)
    if normalized:
        scale_source = 1.0 / ((k - 1) * (big_n - 1)) if k > 1 else np.nan
        scale_other = 1.0 / (k * (big_n - 1))
    else:
        scale_source = big_n / (k - 1) if k > 1 else np.nan
        scale_other = big_n / k
    out = bc * scale_other
    out[sampled] = bc[sampled] * scale_source
    return out


def closeness(adj: sp.csr_array, k: int | None = None, seed: int | None = None) -> np.ndarray:
    """Closeness centrality over incoming shortest paths, Wasserman-Faust corrected.

    For node v reached from r-1 other nodes at total distance D:
    ``(r-1)/D * (r-1)/(n-1)`` (0 when no other node reaches v), as
    ``nx.closeness_centrality`` on a directed graph.

    Parameters
    ----------
    adj : scipy.sparse matrix
        Adjacency matrix of the directed graph.
    k : int, optional
        Number of pivots for the estimate (Eppstein & Wang 2004): breadth-first searches from
        ``k`` random nodes; counts and distance sums are scaled by n/k. Exact when omitted and
        the graph has at most :data:`CLOSENESS_EXACT_MAX` nodes; estimated from
        :data:`CLOSENESS_DEFAULT_K` pivots for larger graphs.
    seed : int, optional
        Seed of the pivot draw.

    Returns
    -------
    numpy.ndarray

    Notes
    -----
    Exact closeness needs a search from every node, O(n m): meant for case-study graphs.

    Examples
    --------
    >>> import scipy.sparse as sp
    >>> a = sp.csr_array(([1.0, 1.0], ([0, 1], [1, 2])), shape=(3, 3))   # 0 -> 1 -> 2
    >>> closeness(a).round(4).tolist()
    [0.0, 0.5, 0.6667]
    """
    a = _simple(adj)
    n = a.shape[0]
    if k is None and n > CLOSENESS_EXACT_MAX:
        k = CLOSENESS_DEFAULT_K
    if k is None or k >= n:
        pivots = np.arange(n, dtype=np.int64)
        scale = 1.0
    else:
        pivots = np.asarray(sample_sources(range(n), k, seed), dtype=np.int64)
        scale = n / k
    total = np.zeros(n)
    count = np.zeros(n)
    dist = np.full(n, -1, dtype=np.int64)
    indptr, indices = a.indptr.astype(np.int64), a.indices.astype(np.int64)
    for s in pivots:
        dist[s] = 0
        levels = [np.array([s], dtype=np.int64)]
        while True:
            _, heads = _out_edges(indptr, indices, levels[-1])
            heads = np.unique(heads[dist[heads] < 0])
            if len(heads) == 0:
                break
            dist[heads] = len(levels)
            total[heads] += len(levels)
            count[heads] += 1
            levels.append(heads)
        dist[np.concatenate(levels)] = -1
    total *= scale
    count *= scale
    out = np.zeros(n)
    ok = (total > 0) & (n > 1)
    out[ok] = count[ok] / total[ok] * (count[ok] / (n - 1))
    return out


# ---------------------------------------------------------------------------------- table


def centrality(
    graph: Projection | nx.Graph,
    measures: Iterable[str] = MEASURES,
    *,
    view: str | None = None,
    relations: Iterable[str] | None = None,
    k: int | None = None,
    seed: int | None = None,
    closeness_k: int | None = None,
    top: int | None = None,
    as_of: Any = None,
) -> pd.DataFrame:
    """Centrality measures of every node of a view, as a long table.

    Parameters
    ----------
    graph : Projection or networkx graph
        The network (see :func:`gvcgraph.graph.project.as_projection`).
    measures : iterable of str
        Any of :data:`MEASURES`.
    view : str, optional
        The view name written in the output; its relations are used (``supply``,
        ``ownership``, ``policy``, ``all``) unless the edges have no ``relation`` attribute
        (a bare networkx graph), in which case every edge is used.
    relations : iterable of str, optional
        Use only edges of these relations (overrides the view's).
    k, seed : int, optional
        Sampled betweenness: number of sources and seed (exact when ``k`` is omitted).
    closeness_k : int, optional
        Pivots for estimated closeness (see :func:`closeness`).
    top : int, optional
        Keep the ``top`` highest-scoring nodes of each measure.
    as_of : date, optional
        Use only the facts valid on that date.

    Returns
    -------
    pandas.DataFrame
        Columns ``node, label, view, measure, value``, ordered by measure (as in
        :data:`MEASURES`) and decreasing value.

    Examples
    --------
    >>> import networkx as nx
    >>> g = nx.DiGraph([("a", "b"), ("b", "c")])
    >>> centrality(g, ["in_degree"], view="supply")["value"].tolist()
    [1.0, 1.0, 0.0]
    """
    proj = as_projection(graph, as_of=as_of)
    view = view or proj.view
    if relations is None and view in VIEW_RELATIONS and proj.edges["relation"].notna().any():
        relations = VIEW_RELATIONS[view]
    adj = proj.adjacency(relations)
    unknown = set(measures) - set(MEASURES)
    if unknown:
        raise ValueError(f"unknown measure(s) {sorted(unknown)}; choose from {', '.join(MEASURES)}")
    wanted = [m for m in MEASURES if m in set(measures)]
    values: dict[str, np.ndarray] = {}
    if "in_degree" in wanted or "out_degree" in wanted:
        values["in_degree"], values["out_degree"] = degree(adj)
    if "betweenness" in wanted:
        values["betweenness"] = betweenness(adj, k=k, seed=seed)
    if "closeness" in wanted:
        values["closeness"] = closeness(adj, k=closeness_k, seed=seed)
    if "pagerank" in wanted:
        values["pagerank"] = pagerank(adj)
    if "eigenvector" in wanted:
        try:
            values["eigenvector"] = eigenvector(adj)
        except nx.PowerIterationFailedConvergence:
            warnings.warn(
                f"eigenvector centrality did not converge on the {view} view "
                "(a graph without cycles has no meaningful eigenvector centrality); "
                "values are NaN",
                RuntimeWarning,
                stacklevel=2,
            )
            values["eigenvector"] = np.full(proj.n, np.nan)
    keys = proj.nodes["node"].to_numpy()
    labels = proj.labels().to_numpy()
    frames = []
    for m in wanted:
        v = np.asarray(values[m], dtype=np.float64)
        order = np.lexsort((keys, -np.nan_to_num(v, nan=-np.inf)))
        if top is not None:
            order = order[:top]
        frames.append(
            pd.DataFrame(
                {
                    "node": keys[order],
                    "label": labels[order],
                    "view": view,
                    "measure": m,
                    "value": v[order],
                }
            )
        )
    if not frames:
        return pd.DataFrame({c: [] for c in COLUMNS})
    return pd.concat(frames, ignore_index=True)[COLUMNS]
