"""Static figures of a view for papers and printed reports: SVG, PDF (vector) and PNG (300 dpi).

:func:`write_figure` draws a :class:`~gvcgraph.render.view.MapView` with matplotlib, with the
positions, colours, shapes, dash patterns and legend of the interactive map (all from
:mod:`gvcgraph.render.style`). Text stays text: SVG keeps labels as ``<text>`` elements
(``svg.fonttype = "none"``) and PDF embeds TrueType fonts (``pdf.fonttype = 42``), which
journals ask for. Labels are drawn as plain text (no TeX, no mathtext, so a ``$`` in a firm's
name prints as a ``$``). Output is reproducible: no creation date is written.

matplotlib is imported only here, so the rest of the package does not need it at start-up.
"""

from __future__ import annotations

import math
import textwrap
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from gvcgraph.render import style
from gvcgraph.render.view import MapView

FORMATS = ("svg", "pdf", "png")
PNG_DPI = 300
FIG_WIDTH_IN = 7.2
"""Width of the drawing (a two-column journal page, 183 mm); the legend is added on the right."""

LEGEND_WIDTH_IN = 2.6
MAX_HEIGHT_IN = 8.5
MAX_UNIT_IN = 0.8
"""Largest distance between neighbouring nodes, in inches (small views stay compact)."""
LABEL_ALL_MAX = 60
"""Views with at most this many nodes get every label; larger ones label the biggest nodes."""

LABEL_TOP = 30
ARROWS_MAX = 600
"""Above this many edges, edges are drawn as plain lines (no arrow heads), in one collection."""

MERGED_LINES_MIN = 2000
"""Above this many edges, the lines of one style are drawn as one path (one element in SVG
and PDF: seconds fewer for a figure of ten thousand lines; where lines cross, the
translucent colour does not darken)."""

FONT_SIZE = 7.0
TIER_LABEL_ROTATION = 30.0


class FigureError(ValueError):
    """A figure that cannot be written as asked (unknown format ...)."""


def _rc() -> dict[str, Any]:
    return {
        "svg.fonttype": "none",
        "pdf.fonttype": 42,
        "ps.fonttype": 42,
        "font.family": "sans-serif",
        "font.sans-serif": [f.strip() for f in style.FONT_FAMILY.split(",")],
        "svg.hashsalt": "gvcgraph",
        "path.simplify": False,
    }


def figure_format(path: str | Path) -> str:
    """The output format from a file name (``.svg``, ``.pdf``, ``.png``)."""
    suffix = Path(path).suffix.lower().lstrip(".")
    if suffix not in FORMATS:
        raise FigureError(
            f"cannot write a figure as {Path(path).name!r}: give a file name "
            f"ending in {', '.join('.' + f for f in FORMATS)}"
        )
    return suffix


def _labelled(mv: MapView, labels: str) -> np.ndarray:
    n = len(mv.nodes)
    if labels == "none" or n == 0:
        return np.zeros(n, dtype=bool)
    if labels == "all" or n <= LABEL_ALL_MAX:
        return np.ones(n, dtype=bool)
    size = mv.nodes["size"].to_numpy(dtype=float)
    order = np.argsort(-size, kind="stable")[:LABEL_TOP]
    keep = np.zeros(n, dtype=bool)
    keep[order] = True
    if "lead_firm" in mv.nodes:
        keep |= mv.nodes["lead_firm"].fillna(False).to_numpy(dtype=bool) & (n <= 1000)
    return keep


def draw(mv: MapView, *, labels: str = "auto", legend: bool = True) -> Any:
    """Draw a view on a new matplotlib :class:`~matplotlib.figure.Figure` and return it.

    Parameters
    ----------
    mv:
        The view (:func:`gvcgraph.render.view.build_view`).
    labels:
        ``auto`` (every label up to :data:`LABEL_ALL_MAX` nodes, else the
        :data:`LABEL_TOP` largest nodes and the lead firms), ``all`` or ``none``.
    legend:
        Draw the legend to the right of the network.
    """
    import matplotlib as mpl
    from matplotlib.collections import LineCollection
    from matplotlib.figure import Figure
    from matplotlib.lines import Line2D
    from matplotlib.patches import FancyArrowPatch, PathPatch
    from matplotlib.path import Path

    if labels not in ("auto", "all", "none"):
        raise FigureError("labels must be auto, all or none")
    with mpl.rc_context(_rc()):
        nodes, edges = mv.nodes, mv.edges
        xs = nodes["x"].to_numpy(dtype=float) if len(nodes) else np.zeros(0)
        ys = -nodes["y"].to_numpy(dtype=float) if len(nodes) else np.zeros(0)
        margin_left = 1.8 if mv.rows else 0.0
        span_x = (float(np.ptp(xs)) if len(xs) else 0.0) + 2 + margin_left
        span_y = (float(np.ptp(ys)) if len(ys) else 0.0) + 2
        # room for the slanted labels of a tier layout: above the lead firms, below the
        # last row and to the right of the last lead firm (inches)
        top_in, bottom_in, left_in, right_in = _tier_margins(mv) if mv.rows else (0.0,) * 4
        unit_in = min(
            (FIG_WIDTH_IN - left_in - right_in) / span_x,
            (MAX_HEIGHT_IN - top_in - bottom_in) / span_y,
            MAX_UNIT_IN,
        )
        draw_w = max(span_x * unit_in + left_in + right_in, 3.0)
        draw_h = max(span_y * unit_in + top_in + bottom_in, 1.5)
        notes = [textwrap.fill(t, 110) for t in mv.notes]
        note_h = 0.13 * sum(t.count("\n") + 1 for t in notes) + (0.1 if notes else 0.0)
        legend_w = LEGEND_WIDTH_IN if legend else 0.0
        legend_h = 0.15 * _legend_rows(mv) + 0.3 if legend else 0.0
        width = draw_w + legend_w
        title_h = 0.35
        height = max(draw_h, legend_h) + title_h + note_h
        fig = Figure(figsize=(width, height), facecolor=style.BACKGROUND)
        bottom = note_h + max(0.0, (legend_h - draw_h) / 2)
        ax = fig.add_axes((0.0, bottom / height, draw_w / width, draw_h / height))
        ax.set_axis_off()
        x0 = float(xs.min()) - 1 - margin_left - left_in / unit_in if len(xs) else -1.0
        y0 = float(ys.min()) - 1 - bottom_in / unit_in if len(ys) else -1.0
        ax.set_xlim(x0, x0 + draw_w / unit_in)
        ax.set_ylim(y0, y0 + draw_h / unit_in)
        fig.text(
            0.1 / width,
            1 - 0.08 / height,
            mv.title,
            ha="left",
            va="top",
            fontsize=10,
            fontweight="bold",
            parse_math=False,
        )
        above = 0  # lines of the notes above this one
        for text in notes:
            fig.text(
                0.1 / width,
                (note_h - 0.05 - 0.13 * above) / height,
                text,
                ha="left",
                va="top",
                fontsize=6.5,
                color=style.MUTED_TEXT,
                parse_math=False,
            )
            above += text.count("\n") + 1

        # node radius in points: the map's radius (px, 110 px per layout unit) at this scale
        unit_pt = unit_in * 72
        radius_pt = (
            np.clip(nodes["size"].to_numpy(dtype=float) / 110.0 * unit_pt, 1.6, 12.0)
            if len(nodes)
            else np.zeros(0)
        )

        for k, (y, label) in enumerate(mv.rows):
            if k:
                ax.axhline(-y + 1.0, color=style.GRID, linewidth=0.6, zorder=0)
            ax.text(
                float(xs.min()) - margin_left - 0.6,
                -y,
                label,
                ha="left",
                va="center",
                fontsize=FONT_SIZE + 0.5,
                fontweight="bold",
                color=style.MUTED_TEXT,
                parse_math=False,
            )

        index = {k: i for i, k in enumerate(nodes["id"])}
        colors = nodes["color_country"] if mv.color_by == "country" else nodes["color_class"]
        if len(edges) > ARROWS_MAX:
            groups: dict[tuple[str, float, tuple[float, ...]], list[int]] = {}
            for e, (c, w, d) in enumerate(
                zip(edges["color"], edges["width"], edges["dashes"], strict=True)
            ):
                groups.setdefault((c, float(w) * 0.45, tuple(d)), []).append(e)
            iu = np.array([index[u] for u in edges["u"]], dtype=np.int64)
            iv = np.array([index[v] for v in edges["v"]], dtype=np.int64)
            for (c, w, d), rows in groups.items():
                ls = (0, tuple(x * 0.5 for x in d)) if d else "solid"
                a, b = iu[rows], iv[rows]
                if len(edges) > MERGED_LINES_MIN:
                    # one path per style: one SVG or PDF element instead of one per line
                    verts = np.empty((2 * len(rows), 2))
                    verts[0::2, 0], verts[0::2, 1] = xs[a], ys[a]
                    verts[1::2, 0], verts[1::2, 1] = xs[b], ys[b]
                    codes = np.tile(np.array([Path.MOVETO, Path.LINETO], dtype=np.uint8), len(rows))
                    ax.add_artist(
                        PathPatch(
                            Path(verts, codes),
                            fill=False,
                            edgecolor=c,
                            linewidth=w,
                            linestyle=ls,
                            alpha=0.7,
                            zorder=1,
                        )
                    )
                else:
                    segs = np.stack(
                        [np.column_stack([xs[a], ys[a]]), np.column_stack([xs[b], ys[b]])], axis=1
                    )
                    ax.add_collection(
                        LineCollection(
                            list(segs), colors=c, linewidths=w, linestyles=[ls], alpha=0.7, zorder=1
                        )
                    )
        else:
            for rec in edges.to_dict("records"):
                i, j = index[rec["u"]], index[rec["v"]]
                d = rec["dashes"]
                ls = (0, tuple(x * 0.5 for x in d)) if d else "solid"
                arrow = FancyArrowPatch(
                    (xs[i], ys[i]),
                    (xs[j], ys[j]),
                    connectionstyle=f"arc3,rad={-float(rec['roundness']) * 1.5:.3f}",
                    arrowstyle="-|>,head_length=3.2,head_width=1.6",
                    color=rec["color"],
                    linewidth=float(rec["width"]) * 0.5,
                    linestyle=ls,
                    shrinkA=float(radius_pt[i]),
                    shrinkB=float(radius_pt[j]) + 0.5,
                    mutation_scale=1.0,
                    zorder=1,
                )
                # add_artist, not add_patch: the limits are set, and add_patch would work
                # out every arrow's path once more to update them
                ax.add_artist(arrow)

        borders = [style.darker(c, 0.6 if mv.color_by == "class" else 0.7) for c in colors]
        for shape in pd_unique(nodes["shape"]):
            sel = (nodes["shape"] == shape).to_numpy()
            ax.scatter(
                xs[sel],
                ys[sel],
                s=(2 * radius_pt[sel]) ** 2,
                marker=style.MARKERS.get(shape, "o"),
                c=list(colors[sel]),
                edgecolors=[b for b, s in zip(borders, sel, strict=True) if s],
                linewidths=0.4,
                zorder=2,
            )

        # a translucent box rather than a stroke path effect, which would turn SVG text
        # into outlines
        halo = {
            "boxstyle": "round,pad=0.08",
            "facecolor": "white",
            "edgecolor": "none",
            "alpha": 0.75,
        }
        chosen = _labelled(mv, labels)
        force = labels == "all" or len(nodes) <= LABEL_ALL_MAX
        placed = _place_labels(
            nodes,
            chosen,
            (xs - x0) * unit_pt,
            (ys - y0) * unit_pt,
            radius_pt,
            force,
            draw_w * 72,
            draw_h * 72,
        )
        if mv.rows:
            placed = _tier_labels(mv, chosen, radius_pt)
        for i, (dx, dy, ha, va) in sorted(placed.items()):
            rotation = TIER_LABEL_ROTATION if mv.rows else 0
            ax.annotate(
                str(nodes["label"].iloc[i]),
                (xs[i], ys[i]),
                xytext=(dx, dy),
                textcoords="offset points",
                ha=ha,
                va=va,
                fontsize=FONT_SIZE,
                color=style.LABEL_COLOR,
                bbox=halo,
                zorder=3,
                rotation=rotation,
                rotation_mode="anchor",
                annotation_clip=False,
                parse_math=False,
            )

        if legend:
            _legend(fig, mv, Line2D, width, height)
        return fig


def _place_labels(
    nodes: Any,
    chosen: np.ndarray,
    x_pt: np.ndarray,
    y_pt: np.ndarray,
    radius_pt: np.ndarray,
    force: bool,
    width_pt: float,
    height_pt: float,
) -> dict[int, tuple[float, float, str, str]]:
    """Where to put each chosen label: below, above, right or left of its node, the first
    that stays inside the drawing and overlaps no label placed before (largest nodes
    first). A label with no free spot is dropped, or put below its node when ``force``.

    Returns ``{node position: (dx, dy, ha, va)}`` offsets in points.
    """
    order = np.argsort(-nodes["size"].to_numpy(dtype=float), kind="stable")
    boxes: list[tuple[float, float, float, float]] = []
    out: dict[int, tuple[float, float, str, str]] = {}
    h = FONT_SIZE * 1.2
    for i in order:
        if not chosen[i]:
            continue
        w = 0.55 * FONT_SIZE * len(str(nodes["label"].iloc[i]))
        r = radius_pt[i] + 1.0
        x, y = x_pt[i], y_pt[i]
        spots = [
            ((0.0, -r, "center", "top"), (x - w / 2, y - r - h, x + w / 2, y - r)),
            ((0.0, r, "center", "bottom"), (x - w / 2, y + r, x + w / 2, y + r + h)),
            ((r, 0.0, "left", "center"), (x + r, y - h / 2, x + r + w, y + h / 2)),
            ((-r, 0.0, "right", "center"), (x - r - w, y - h / 2, x - r, y + h / 2)),
        ]

        def inside(box: tuple[float, float, float, float]) -> bool:
            return box[0] >= 0 and box[2] <= width_pt and box[1] >= 0 and box[3] <= height_pt

        def free(box: tuple[float, float, float, float]) -> bool:
            return not any(
                box[0] < b[2] and b[0] < box[2] and box[1] < b[3] and b[1] < box[3] for b in boxes
            )

        pick = next((s for s in spots if inside(s[1]) and free(s[1])), None)
        if pick is None and force:
            pick = next((s for s in spots if inside(s[1])), spots[0])
        if pick is not None:
            boxes.append(pick[1])
            out[int(i)] = pick[0]
    return out


def _tier_labels(
    mv: MapView, chosen: np.ndarray, radius_pt: np.ndarray
) -> dict[int, tuple[float, float, str, str]]:
    """Tier layout: lead firms labelled above, suppliers below with slanted labels (rows of
    suppliers are too dense for level text)."""
    tier = mv.nodes["tier"].to_numpy() if "tier" in mv.nodes else np.zeros(len(mv.nodes))
    out: dict[int, tuple[float, float, str, str]] = {}
    for i in np.flatnonzero(chosen):
        r = float(radius_pt[i]) + 1.0
        out[int(i)] = (
            (r * 0.5, r, "left", "bottom") if tier[i] == 0 else (r * 0.5, -r, "right", "top")
        )
    return out


def _label_pt(label: str) -> float:
    """Approximate length of a label in points at :data:`FONT_SIZE`."""
    return 0.55 * FONT_SIZE * len(label)


def _tier_margins(mv: MapView) -> tuple[float, float, float, float]:
    """Inches needed above, below, left and right of a tier layout for slanted labels."""
    nodes = mv.nodes
    if not len(nodes):
        return 0.0, 0.0, 0.0, 0.0
    tier = nodes["tier"].to_numpy() if "tier" in nodes else np.zeros(len(nodes))
    sin = math.sin(math.radians(TIER_LABEL_ROTATION))
    cos = math.cos(math.radians(TIER_LABEL_ROTATION))
    lengths = np.array([_label_pt(str(x)) for x in nodes["label"]])
    lead = tier == 0
    top = (lengths[lead].max() * sin + 12) / 72 if lead.any() else 0.0
    y = nodes["y"].to_numpy(dtype=float)
    last = y >= y.max() - 1e-9
    bottom = (lengths[last].max() * sin + 12) / 72
    x = nodes["x"].to_numpy(dtype=float)
    right = left = 0.0
    if lead.any():
        rightmost = int(np.argmax(np.where(lead, x, -np.inf)))
        right = max(0.0, lengths[rightmost] * cos / 72 - 0.3)
    if (~lead).any():
        leftmost = int(np.argmin(np.where(~lead, x, np.inf)))
        left = max(0.0, lengths[leftmost] * cos / 72 - 0.5)
    return float(top), float(bottom), float(left), float(right)


def _legend_rows(mv: MapView) -> int:
    lg = mv.legend
    rows = 1 + len(lg.get("classes", [])) + 1 + len(lg.get("families", []))
    if mv.color_by == "country" and lg.get("countries"):
        rows += 1 + len(lg["countries"])
    if lg.get("governance"):
        rows += 1 + len(lg["governance"])
    if lg.get("size"):
        rows += 3
    return rows


def pd_unique(values: Any) -> list[Any]:
    """Distinct values in order of first appearance."""
    seen: dict[Any, None] = {}
    for v in values:
        seen.setdefault(v, None)
    return list(seen)


def _legend(fig: Any, mv: MapView, line2d: Any, width: float, height: float) -> None:
    handles: list[Any] = []
    names: list[str] = []
    headers: list[int] = []

    def header(text: str) -> None:
        headers.append(len(names))
        handles.append(line2d([], [], linestyle="none"))
        names.append(text)

    by_country = mv.color_by == "country"
    header("Node classes")
    for c in mv.legend.get("classes", []):
        fill = style.NEUTRAL_FILL if by_country else c["color"]
        edge = style.NEUTRAL_BORDER if by_country else c["border"]
        handles.append(
            line2d(
                [],
                [],
                linestyle="none",
                marker=style.MARKERS.get(c["shape"], "o"),
                markersize=6,
                markerfacecolor=fill,
                markeredgecolor=edge,
                markeredgewidth=0.5,
            )
        )
        names.append(c["label"])
    if by_country and mv.legend.get("countries"):
        header("Countries")
        for c in mv.legend["countries"]:
            handles.append(
                line2d(
                    [],
                    [],
                    linestyle="none",
                    marker="o",
                    markersize=6,
                    markerfacecolor=c["color"],
                    markeredgecolor=c["border"],
                    markeredgewidth=0.5,
                )
            )
            names.append(c["label"])
    header("Relations")
    for f in mv.legend.get("families", []):
        ls = (0, tuple(x * 0.5 for x in f["dashes"])) if f["dashes"] else "solid"
        handles.append(line2d([], [], color=f["color"], linewidth=f["width"] * 0.6, linestyle=ls))
        names.append(f["label"])
    if mv.legend.get("governance"):
        header("Governance of supply links")
        for g in mv.legend["governance"]:
            handles.append(line2d([], [], color=g["color"], linewidth=1.6))
            names.append(g["label"])
    size = mv.legend.get("size")
    if size:
        header(f"Node size: {size['label']}")
        for value, px in ((size["min"], style.NODE_SIZE_MIN), (size["max"], style.NODE_SIZE_MAX)):
            handles.append(
                line2d(
                    [],
                    [],
                    linestyle="none",
                    marker="o",
                    markersize=px * 0.35,
                    markerfacecolor=style.NEUTRAL_FILL,
                    markeredgecolor=style.NEUTRAL_BORDER,
                    markeredgewidth=0.5,
                )
            )
            names.append(_fmt(value))
    leg = fig.legend(
        handles,
        names,
        loc="upper left",
        bbox_to_anchor=(1 - (LEGEND_WIDTH_IN - 0.1) / width, 1 - 0.4 / height),
        frameon=False,
        fontsize=FONT_SIZE,
        handlelength=2.6,
        labelspacing=0.45,
        borderaxespad=0.0,
    )
    for i, text in enumerate(leg.get_texts()):
        text.set_parse_math(False)
        if i in headers:
            text.set_fontweight("bold")
            text.set_x(-22)


def _fmt(x: float) -> str:
    if not math.isfinite(x):
        return str(x)
    if float(x).is_integer() or abs(x) >= 100:
        return f"{x:,.0f}"
    return f"{x:.3g}"


def write_figure(
    mv: MapView, path: str | Path, *, labels: str = "auto", legend: bool = True, dpi: int = PNG_DPI
) -> Path:
    """Write a view as a figure: SVG or PDF (vector) or PNG (``dpi``, 300 by default).

    Parameters
    ----------
    mv:
        The view (:func:`gvcgraph.render.view.build_view`).
    path:
        Output file; the format follows the suffix (``.svg``, ``.pdf``, ``.png``).
    labels, legend:
        As for :func:`draw`.
    dpi:
        Resolution of a PNG.

    Returns
    -------
    pathlib.Path
        The file written.

    Examples
    --------
    >>> from gvcgraph.render.view import build_view       # doctest: +SKIP
    >>> write_figure(build_view(kg, view="supply", layout="tiers"), "tiers.pdf")  # doctest: +SKIP
    """
    return write_figures(mv, [path], labels=labels, legend=legend, dpi=dpi)[0]


def write_figures(
    mv: MapView,
    paths: Sequence[str | Path],
    *,
    labels: str = "auto",
    legend: bool = True,
    dpi: int = PNG_DPI,
) -> list[Path]:
    """Draw a view once and write it to several files (formats from the suffixes)."""
    import matplotlib as mpl

    formats = [figure_format(p) for p in paths]
    fig = draw(mv, labels=labels, legend=legend)
    out = []
    for path, fmt in zip(paths, formats, strict=True):
        target = Path(path)
        target.parent.mkdir(parents=True, exist_ok=True)
        metadata: dict[str, Any] = {
            "svg": {"Date": None, "Creator": "gvcgraph"},
            "pdf": {"CreationDate": None, "Creator": "gvcgraph"},
            "png": {"Software": "gvcgraph"},
        }[fmt]
        with mpl.rc_context(_rc()):
            # the figure is sized to its content, so no "tight" bounding box (which would
            # draw everything twice)
            fig.savefig(
                target,
                format=fmt,
                dpi=dpi if fmt == "png" else 72,
                metadata=metadata,
                facecolor=style.BACKGROUND,
            )
        out.append(target)
    return out
