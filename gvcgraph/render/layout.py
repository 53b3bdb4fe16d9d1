"""Node positions for maps and figures: a force-directed layout and a supplier-tier layout.

Both are computed in Python, with a fixed seed, so that the interactive map and the static
figure of a view put every node in the same place, and so that a large map opens with its
layout done (the browser then has no physics to run).

* :func:`force_layout`: each connected component laid out on its own, with Kamada & Kawai
  (1989) up to :data:`KAMADA_KAWAI_MAX` nodes and otherwise a Fruchterman & Reingold (1991)
  spring embedding vectorised with numpy (the repulsion is computed in blocks of rows, so memory
  stays at a few megabytes; about 4 s for 5,000 nodes on a laptop core), then the
  components packed in rows, largest first, each scaled to the square root of its size.
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
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import scipy.sparse as sp
from scipy.sparse.csgraph import connected_components

KAMADA_KAWAI_MAX = 300
"""Components up to this size are laid out with Kamada & Kawai (1989), which reads better
than a spring embedding on small graphs and takes under a second at this size."""

BLOCK_ROWS = 1024
"""Rows of the repulsion matrix computed at once (memory: BLOCK_ROWS x n x 4 bytes x 3)."""


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
    members = [np.flatnonzero(labels == c) for c in range(count)]
    members.sort(key=lambda m: (-len(m), int(m[0])))
    boxes: list[tuple[np.ndarray, np.ndarray, float]] = []
    local = np.full(n, -1, dtype=np.int64)
    for m in members:
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
