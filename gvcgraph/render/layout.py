"""Node positions for maps and figures: a force-directed layout and a supplier-tier layout.

Both are computed in Python, with a fixed seed, so that the interactive map and the static
figure of a view put every node in the same place, and so that a large map opens with its
layout done (the browser then has no physics to run).

* :func:`force_layout`: each connected component laid out on its own, then the components
  packed in rows, largest first, each scaled to the square root of its size. Graphs up to
  :data:`EXACT_MAX` nodes get Kamada & Kawai (1989) for components up to
  :data:`KAMADA_KAWAI_MAX` nodes and otherwise a Fruchterman & Reingold (1991) spring
  embedding with repulsion between all pairs (vectorised with numpy, in blocks of rows);
  larger graphs get :func:`batched_spring`: all components at once, starting from PivotMDS
  (Brandes & Pich 2006) and with the repulsion of Fruchterman & Reingold's grid variant
  (nearest neighbours only), whose cost grows with the number of nodes, not its square
  (about half a second for 5,000 nodes, where the all-pairs embedding took seven).
* :func:`tier_layout`: each lead firm at the top of its own column block, its suppliers in
  rows below by tier (fewest supply hops to the lead firm, as in
  :func:`gvcgraph.graph.tiers.supplier_tiers`), ordered within a row by the mean position of
  their buyers in the row above to limit crossings; nodes outside every supply base in rows at
  the bottom.

Coordinates are in "node spacings": neighbouring nodes are about one unit apart. Callers scale
them to pixels or points.

References
----------
Kamada, T. & Kawai, S. (1989). An algorithm for drawing general undirected graphs.
Information Processing Letters 31(1), 7-15.
Fruchterman, T. M. J. & Reingold, E. M. (1991). Graph drawing by force-directed placement.
Software: Practice and Experience 21(11), 1129-1164.
Brandes, U. & Pich, C. (2006). Eigensolver methods for progressive multidimensional scaling of
large data. Graph Drawing 2006, LNCS 4372, 42-53.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import scipy.sparse as sp
from scipy.sparse.csgraph import connected_components, shortest_path

KAMADA_KAWAI_MAX = 300
"""Components up to this size are laid out with Kamada & Kawai (1989), which reads better
than a spring embedding on small graphs and takes under a second at this size."""

BLOCK_ROWS = 1024
"""Rows of the repulsion matrix computed at once (memory: BLOCK_ROWS x n x 4 bytes x 3)."""

EXACT_MAX = 1500
"""Graphs up to this many nodes get the exact layout (Kamada & Kawai, or a spring embedding
with repulsion between all pairs, per component); larger ones :func:`batched_spring`, whose
cost grows with the number of nodes rather than its square."""

PIVOTS = 50
"""Pivot nodes of :func:`pivot_mds`."""

PIVOT_MIN = 50
"""In :func:`batched_spring`, components larger than this start from :func:`pivot_mds`."""

NEIGHBOUR_RADIUS = 3.0
"""In :func:`batched_spring`, nodes repel each other up to this distance (node spacings) ..."""

NEIGHBOURS = 12
"""... and each node is pushed by at most this many of its nearest neighbours, found anew
every :data:`REFRESH` iterations."""

REFRESH = 4

FAST_ITERATIONS = 60
"""Cooling steps of :func:`batched_spring`."""


def spring(
    n: int, rows: np.ndarray, cols: np.ndarray, *, iterations: int = 80, seed: int = 7
) -> np.ndarray:
    """Fruchterman-Reingold positions of one connected graph, in a unit square.

    Parameters
    ----------
    n:
        Number of nodes.
    rows, cols:
        Edge endpoints (integer positions); direction and multiplicity are ignored except
        that parallel edges pull harder.
    iterations:
        Number of cooling steps.
    seed:
        Seed of the random initial positions.

    Returns
    -------
    numpy.ndarray
        ``n x 2`` float array, centred on 0, with coordinates in [-0.5, 0.5].
    """
    if n == 0:
        return np.zeros((0, 2))
    if n == 1:
        return np.zeros((1, 2))
    rng = np.random.default_rng(seed)
    x = rng.random(n, dtype=np.float32) - np.float32(0.5)
    y = rng.random(n, dtype=np.float32) - np.float32(0.5)
    k2 = np.float32(1.0 / n)
    k = math.sqrt(1.0 / n)
    temp = 0.1
    step = temp / (iterations + 1)
    rows = np.asarray(rows, dtype=np.int64)
    cols = np.asarray(cols, dtype=np.int64)
    for _ in range(iterations):
        fx = np.empty(n, np.float32)
        fy = np.empty(n, np.float32)
        for s in range(0, n, BLOCK_ROWS):
            dx = x[s : s + BLOCK_ROWS, None] - x[None, :]
            dy = y[s : s + BLOCK_ROWS, None] - y[None, :]
            d2 = dx * dx
            d2 += dy * dy
            d2 += np.float32(1e-6)
            np.divide(k2, d2, out=d2)
            fx[s : s + BLOCK_ROWS] = (dx * d2).sum(axis=1)
            fy[s : s + BLOCK_ROWS] = (dy * d2).sum(axis=1)
        if len(rows):
            ex = x[rows] - x[cols]
            ey = y[rows] - y[cols]
            dist = np.sqrt(ex * ex + ey * ey) / np.float32(k)
            ax, ay = ex * dist, ey * dist
            fx -= np.bincount(rows, ax, n).astype(np.float32)
            fx += np.bincount(cols, ax, n).astype(np.float32)
            fy -= np.bincount(rows, ay, n).astype(np.float32)
            fy += np.bincount(cols, ay, n).astype(np.float32)
        length = np.sqrt(fx * fx + fy * fy) + np.float32(1e-9)
        scale = np.minimum(length, np.float32(temp)) / length
        x += fx * scale
        y += fy * scale
        temp -= step
    pos = np.column_stack([x, y]).astype(np.float64)
    pos -= pos.mean(axis=0)
    extent = np.abs(pos).max()
    if extent > 0:
        pos *= 0.5 / extent
    return pos


def kamada_kawai(n: int, rows: np.ndarray, cols: np.ndarray) -> np.ndarray:
    """Kamada-Kawai positions of one connected graph (networkx), in [-0.5, 0.5].

    Deterministic: the start is networkx's circular layout.
    """
    import networkx as nx

    g = nx.Graph()
    g.add_nodes_from(range(n))
    g.add_edges_from(zip(rows.tolist(), cols.tolist(), strict=True))
    pos = nx.kamada_kawai_layout(g)
    arr = np.array([pos[i] for i in range(n)], dtype=np.float64)
    arr -= arr.mean(axis=0)
    extent = np.abs(arr).max()
    if extent > 0:
        arr *= 0.5 / extent
    return arr


def pivot_mds(adj: sp.csr_array, *, pivots: int = PIVOTS, seed: int = 7) -> np.ndarray:
    """Positions of one connected graph by PivotMDS (Brandes & Pich 2006), in 2D.

    Hop distances from ``pivots`` nodes chosen far apart (each the node farthest from the
    ones already chosen, the first at random) stand in for the full distance matrix of
    classical multidimensional scaling: the cost is ``pivots`` breadth-first searches and a
    singular value decomposition of an ``n x pivots`` matrix.

    Parameters
    ----------
    adj:
        Symmetric adjacency matrix (CSR) of a connected graph.

    Returns
    -------
    numpy.ndarray
        ``n x 2`` positions in hops (neighbours are about one unit apart).
    """
    n = adj.shape[0]
    if n < 3:
        return np.column_stack([np.arange(n, dtype=float), np.zeros(n)])
    k = min(pivots, n)
    rng = np.random.default_rng(seed)
    dist = np.empty((n, k))
    nearest = np.full(n, np.inf)
    p = int(rng.integers(n))
    for j in range(k):
        d = shortest_path(adj, unweighted=True, directed=False, indices=p)
        dist[:, j] = d
        nearest = np.minimum(nearest, d)
        p = int(np.argmax(nearest))
    d2 = dist**2
    c = d2 - d2.mean(axis=0, keepdims=True) - d2.mean(axis=1, keepdims=True) + d2.mean()
    c *= -0.5
    # the two leading left singular vectors of c, scaled by their singular values, from the
    # eigenvectors of the small pivots x pivots matrix c'c
    _, vecs = np.linalg.eigh(c.T @ c)
    return c @ vecs[:, ::-1][:, :2]


def batched_spring(
    labels: np.ndarray,
    rows: np.ndarray,
    cols: np.ndarray,
    *,
    iterations: int = FAST_ITERATIONS,
    radius: float = NEIGHBOUR_RADIUS,
    seed: int = 7,
) -> np.ndarray:
    """Force-directed positions of every component of a large graph at once, in [-0.5, 0.5].

    The Fruchterman & Reingold (1991) forces of :func:`spring`, with the repulsion of their
    grid variant: only between nodes of one component less than ``radius`` node spacings
    apart (found with a k-d tree), so an iteration costs about the number of nodes, not its
    square. Components larger than :data:`PIVOT_MIN` nodes start from :func:`pivot_mds`,
    which gives the global shape that local repulsion alone cannot; smaller ones start at
    random. All components are moved in one vectorised step per iteration.

    Parameters
    ----------
    labels:
        Component of each node (``0..c-1``, as :func:`~scipy.sparse.csgraph.connected_components`
        gives them).
    rows, cols:
        Edge endpoints (integer positions).

    Returns
    -------
    numpy.ndarray
        ``n x 2`` positions, each component centred on 0 with coordinates in [-0.5, 0.5].
    """
    from scipy.spatial import cKDTree

    n = len(labels)
    rng = np.random.default_rng(seed)
    size = np.bincount(labels)
    side = np.sqrt(size.astype(float))  # each component's frame, in node spacings
    # frames side by side on a square-ish grid, one frame apart, so that the k-d tree finds
    # few pairs from two components
    cell = float(side.max()) * 2 + radius
    per_row = max(1, math.ceil(math.sqrt(len(size))))
    origin = np.column_stack([np.arange(len(size)) % per_row, np.arange(len(size)) // per_row])
    origin = origin * cell
    pos = rng.random((n, 2)) * side[labels, None]
    big = np.flatnonzero(size > PIVOT_MIN)
    if len(big):
        sym = sp.coo_array((np.ones(len(rows)), (rows, cols)), shape=(n, n)).tocsr()
        sym = ((sym + sym.T) > 0).astype(np.float64).tocsr()
        for c in big:
            m = np.flatnonzero(labels == c)
            p = pivot_mds(sym[m][:, m].tocsr(), seed=seed)
            p -= p.min(axis=0)
            extent = float(np.abs(p).max()) or 1.0
            pos[m] = p * (side[c] / extent) + rng.random((len(m), 2)) * 0.1
    pos += origin[labels]
    x, y = pos[:, 0].copy(), pos[:, 1].copy()
    temp0 = 0.1 * side[labels]
    rows = np.asarray(rows, dtype=np.int64)
    cols = np.asarray(cols, dtype=np.int64)
    near = np.zeros((n, 0), dtype=np.int64)
    ok = np.zeros((n, 0))
    for it in range(iterations):
        temp = temp0 * (1.0 - it / iterations)
        if it % REFRESH == 0:
            # neighbours move little between two searches (a Verlet list)
            _, found = cKDTree(np.column_stack([x, y])).query(
                np.column_stack([x, y]), k=NEIGHBOURS + 1, distance_upper_bound=radius
            )
            found = found[:, 1:]  # the first is the node itself
            near = np.where(found < n, found, 0)
            ok = ((found < n) & (labels[near] == labels[:, None])).astype(np.float64)
        dx = x[:, None] - x[near]
        dy = y[:, None] - y[near]
        w = ok / (dx * dx + dy * dy + 1e-6)
        fx = np.einsum("ij,ij->i", dx, w)
        fy = np.einsum("ij,ij->i", dy, w)
        if len(rows):
            ex, ey = x[rows] - x[cols], y[rows] - y[cols]
            length = np.sqrt(ex * ex + ey * ey)
            ax, ay = ex * length, ey * length
            fx += np.bincount(cols, ax, n) - np.bincount(rows, ax, n)
            fy += np.bincount(cols, ay, n) - np.bincount(rows, ay, n)
        length = np.sqrt(fx * fx + fy * fy) + 1e-9
        scale = np.minimum(length, temp) / length
        x += fx * scale
        y += fy * scale
    pos = np.column_stack([x, y]) - origin[labels]
    # each component centred and scaled to [-0.5, 0.5], as spring() gives it
    for axis in (0, 1):
        pos[:, axis] -= np.bincount(labels, pos[:, axis])[labels] / size[labels]
    extent = np.zeros(len(size))
    np.maximum.at(extent, labels, np.abs(pos).max(axis=1))
    extent[extent == 0] = 1.0
    return pos * (0.5 / extent[labels])[:, None]


def force_layout(
    n: int,
    rows: Sequence[int] | np.ndarray,
    cols: Sequence[int] | np.ndarray,
    *,
    seed: int = 7,
    iterations: int = 80,
    aspect: float = 1.6,
) -> np.ndarray:
    """Force-directed positions of a graph with several components, packed in rows.

    Each connected component (edge direction ignored) gets a :func:`spring` layout scaled so
    that its side is about ``1.3 * sqrt(size)`` node spacings; components are then placed
    left to right in rows, largest first, so that the whole is about ``aspect`` times as wide
    as it is high (a landscape screen or page).

    Returns
    -------
    numpy.ndarray
        ``n x 2`` positions in node spacings (y grows downwards, as on a screen).

    Examples
    --------
    >>> pos = force_layout(3, [0], [1])
    >>> pos.shape
    (3, 2)
    """
    rows = np.asarray(rows, dtype=np.int64)
    cols = np.asarray(cols, dtype=np.int64)
    pos = np.zeros((n, 2))
    if n == 0:
        return pos
    adj = sp.coo_array((np.ones(len(rows)), (rows, cols)), shape=(n, n)).tocsr()
    count, labels = connected_components(adj, directed=False)
    by_label = np.argsort(labels, kind="stable")
    members = np.split(by_label, np.cumsum(np.bincount(labels, minlength=count))[:-1])
    members.sort(key=lambda m: (-len(m), int(m[0])))
    boxes: list[tuple[np.ndarray, np.ndarray, float]] = []
    fast = batched_spring(labels, rows, cols, seed=seed) if n > EXACT_MAX else None
    local = np.full(n, -1, dtype=np.int64)
    for m in members:
        if fast is not None:
            p = fast[m]
        else:
            local[m] = np.arange(len(m))
            keep = np.isin(rows, m)
            if 3 <= len(m) <= KAMADA_KAWAI_MAX:
                p = kamada_kawai(len(m), local[rows[keep]], local[cols[keep]])
            else:
                p = spring(
                    len(m), local[rows[keep]], local[cols[keep]], seed=seed, iterations=iterations
                )
        side = 1.3 * math.sqrt(len(m)) if len(m) > 1 else 0.0
        boxes.append((m, p * side, max(side, 1.0)))
    total = sum(b[2] ** 2 for b in boxes)
    width = max(math.sqrt(total * aspect) * 1.1, max(b[2] for b in boxes))
    x = y = 0.0
    row_height = 0.0
    gap = 1.0
    for m, p, side in boxes:
        if x > 0 and x + side > width:
            x = 0.0
            y += row_height + gap
            row_height = 0.0
        pos[m] = p + np.array([x + side / 2, y + side / 2])
        x += side + gap
        row_height = max(row_height, side)
    return pos


@dataclass
class TierLayout:
    """Positions of a tier layout with the rows to label.

    ``rows`` holds (y, label) pairs: ``lead firms``, ``tier 1`` ... and ``outside supply
    bases``; ``tier`` maps each node position to its tier (-1 outside every supply base) and
    ``lead`` to the lead firm whose block it is drawn in.
    """

    positions: np.ndarray
    rows: list[tuple[float, str]] = field(default_factory=list)
    tier: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    lead: list[str | None] = field(default_factory=list)


def tier_layout(
    keys: Sequence[str],
    tiers: Mapping[str, Mapping[str, int]],
    buyers: Mapping[str, Sequence[str]],
    *,
    row_gap: float = 2.0,
    max_row: int | None = None,
) -> TierLayout:
    """Lead firms on top, their suppliers below by tier.

    Parameters
    ----------
    keys:
        Node keys, in position order.
    tiers:
        ``{lead firm: {supplier: tier}}``, from :func:`gvcgraph.graph.tiers.supplier_tiers`.
        A supplier reached from several lead firms is drawn once, in the block of the lead
        firm it is closest to (ties: the lead firm with the larger supply base).
    buyers:
        ``{supplier: [buyers]}`` for ordering a row by the mean position of the buyers above.
    row_gap:
        Vertical distance between tiers, in node spacings.
    max_row:
        Longest row before it wraps onto a second line (default: about twice the square root
        of the number of nodes, at least 20).

    Returns
    -------
    TierLayout
    """
    n = len(keys)
    index = {k: i for i, k in enumerate(keys)}
    max_row = max_row or max(20, int(2 * math.sqrt(max(n, 1))))
    leads = sorted(
        (lead for lead in tiers if lead in index), key=lambda lead: (-len(tiers[lead]), lead)
    )
    best: dict[str, tuple[int, int, str]] = {}
    for rank, lead in enumerate(leads):
        best[lead] = (0, rank, lead)
    for rank, lead in enumerate(leads):
        for supplier, t in tiers[lead].items():
            if supplier not in index or (supplier in best and best[supplier][0] == 0):
                continue
            cand = (int(t), rank, lead)
            if supplier not in best or cand < best[supplier]:
                best[supplier] = cand
    blocks: dict[str, dict[int, list[str]]] = {lead: {} for lead in leads}
    for k, (t, _, lead) in best.items():
        blocks[lead].setdefault(t, []).append(k)
    widths = {
        lead: max(min(len(v), max_row) for v in by_tier.values())
        for lead, by_tier in blocks.items()
    }
    starts: dict[str, float] = {}
    x0 = 0.0
    for lead in leads:
        starts[lead] = x0
        x0 += widths[lead] + 2
    pos = np.zeros((n, 2))
    tier_of = np.full(n, -1, dtype=np.int64)
    lead_of: list[str | None] = [None] * n
    depth = max((t for t, _, _ in best.values()), default=-1)
    rows: list[tuple[float, str]] = []
    y = 0.0
    for t in range(depth + 1):
        lines_needed = 1
        for lead in leads:
            members = sorted(blocks[lead].get(t, []))
            if not members:
                continue
            if t > 0:

                def bary(k: str, t: int = t, lead: str = lead) -> float:
                    xs = [
                        pos[index[b], 0]
                        for b in buyers.get(k, ())
                        if b in index and tier_of[index[b]] == t - 1 and lead_of[index[b]] == lead
                    ]
                    return float(np.mean(xs)) if xs else math.inf

                members.sort(key=lambda k: (bary(k), k))
            lines = [members[i : i + max_row] for i in range(0, len(members), max_row)]
            lines_needed = max(lines_needed, len(lines))
            for line_no, line in enumerate(lines):
                offset = starts[lead] + (widths[lead] - len(line)) / 2
                for j, k in enumerate(line):
                    i = index[k]
                    pos[i] = (offset + j, y + line_no * row_gap / 2)
                    tier_of[i] = t
                    lead_of[i] = lead
        rows.append((y, "lead firms" if t == 0 else f"tier {t}"))
        y += row_gap + (lines_needed - 1) * row_gap / 2
    rest = [k for k in keys if k not in best]
    if rest:
        y += row_gap * 0.5 if rows else 0.0
        rows.append((y, "outside supply bases"))
        per_line = max(int(x0 - 2), max_row)
        for j, k in enumerate(sorted(rest)):
            pos[index[k]] = (j % per_line, y + (j // per_line) * row_gap / 2)
    return TierLayout(positions=pos, rows=rows, tier=tier_of, lead=lead_of)
