"""The interactive network map: one self-contained HTML file that opens offline.

:func:`map_html` fills our own template (``assets/map.html.tmpl``) with

* the view as JSON inside ``<script type="application/json">``, with ``<``, ``>`` and ``&``
  written as ``\\u003c``, ``\\u003e`` and ``\\u0026`` so that no text from a source can close
  the script element or open a tag;
* vis-network 9.1.2 (standalone UMD build, Apache-2.0 or MIT, licence header kept), inlined;
* our script (``assets/map.js``), which builds the legend, filters, search and tooltips with
  ``textContent`` and DOM nodes only, never ``innerHTML``.

The page loads nothing else: no CDN, no font, no image; a Content-Security-Policy of
``default-src 'none'`` makes the browser refuse any request the page might still try, and its
``script-src`` names the two scripts by their SHA-256, so no other script or event handler
can run in the page.

Why vis-network from the pyvis package: pyvis is already a dependency and ships the
standalone vis-network build (``pyvis/lib/vis-9.1.2/vis-network.min.js``), so the map needs no
download and no vendored copy in this repository. pyvis's own templates are not used: even
in ``cdn_resources="in_line"`` mode they load Bootstrap (and for "local", vis-network) from
CDNs (pyvis issues #228, #229), have no legend and freeze large graphs. If a future pyvis
drops the file, :func:`vis_network_js` says so and which file it expected.
"""

from __future__ import annotations

import base64
import hashlib
import html
import json
import math
import re
from importlib import resources
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

from gvcgraph.render import style
from gvcgraph.render.view import LAYOUT_LIMIT, MapView

VIS_NETWORK = ("lib", "vis-9.1.2", "vis-network.min.js")
"""Path of the vis-network build inside the installed pyvis package."""

SPACING_PX = 110.0
"""Pixels per node spacing of the layout (see :mod:`gvcgraph.render.layout`)."""

_JSON_ESCAPES = {
    "<": "\\u003c",
    ">": "\\u003e",
    "&": "\\u0026",
    "\u2028": "\\u2028",
    "\u2029": "\\u2029",
}


class AssetError(RuntimeError):
    """A file the map needs (vis-network, the template) is missing."""


def vis_network_js() -> str:
    """The vis-network standalone script, read from the installed pyvis package.

    Raises :class:`AssetError` when pyvis or the file is missing.
    """
    try:
        base = resources.files("pyvis")
    except ModuleNotFoundError:
        raise AssetError(
            "the map needs the pyvis package (it ships vis-network); "
            "install it with: pip install 'pyvis>=0.3.2'"
        ) from None
    path = base.joinpath(*VIS_NETWORK)
    try:
        text = path.read_text("utf-8")
    except (FileNotFoundError, OSError):
        raise AssetError(
            f"vis-network not found in the pyvis package (expected "
            f"pyvis/{'/'.join(VIS_NETWORK)}); reinstall pyvis 0.3.2"
        ) from None
    return safe_inline_script(text)


def safe_inline_script(text: str) -> str:
    """A script's text made safe to place inside ``<script>...</script>``.

    Only ``</script`` and ``<!--`` can end or confuse a script element; in JavaScript they
    can only occur inside strings, comments or regular expressions, where ``<\\/`` and
    ``<\\!--`` mean the same.
    """
    text = re.sub(r"</(script)", r"<\\/\1", text, flags=re.IGNORECASE)
    return text.replace("<!--", "<\\!--")


def _asset(name: str) -> str:
    return (resources.files("gvcgraph.render") / "assets" / name).read_text("utf-8")


def json_for_html(data: Any) -> str:
    """JSON that can sit inside an HTML ``<script>`` element and never be read as markup.

    >>> json_for_html({"label": "<img src=x onerror=alert(1)>"})
    '{"label":"\\\\u003cimg src=x onerror=alert(1)\\\\u003e"}'
    """
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    return re.sub("[<>&\u2028\u2029]", lambda m: _JSON_ESCAPES[m.group(0)], text)


def _num(x: Any, digits: int = 2) -> float | None:
    try:
        f = float(x)
    except (TypeError, ValueError):
        return None
    return round(f, digits) if math.isfinite(f) else None


def _subtitle(mv: MapView) -> str:
    parts = [f"view: {mv.view}"]
    if mv.as_of:
        parts.append(f"as of {mv.as_of}")
    parts.append(f"{len(mv.nodes):,} nodes, {len(mv.edges):,} lines")
    if mv.aggregated:
        parts.append(f"aggregated from {mv.graph_nodes:,} nodes and {mv.graph_edges:,} relations")
    return "; ".join(parts)


def map_data(mv: MapView) -> dict[str, Any]:
    """The JSON document the map's script reads (see ``assets/map.js``)."""
    nd, ed = mv.nodes, mv.edges

    def col(frame: Any, name: str) -> list[Any]:
        return frame[name].tolist() if name in frame.columns else [None] * len(frame)

    darker: dict[tuple[str, float], str] = {}

    def dark(color: str, factor: float = 0.6) -> str:
        key = (color, factor)
        if key not in darker:
            darker[key] = _darker(color, factor)
        return darker[key]

    # country keys that share the "other countries" colour are filtered together
    named = {c["key"] for c in mv.legend.get("countries", [])}
    missing = col(nd, "evidence_missing")
    nodes = []
    for (
        key,
        label,
        full,
        klass,
        country,
        shape,
        color_class,
        color_country,
        size,
        measure,
        x,
        y,
        facts,
        evidence,
        no_lookup,
    ) in zip(
        col(nd, "id"),
        col(nd, "label"),
        col(nd, "full_label"),
        col(nd, "klass"),
        col(nd, "country"),
        col(nd, "shape"),
        col(nd, "color_class"),
        col(nd, "color_country"),
        col(nd, "size"),
        col(nd, "measure"),
        col(nd, "x"),
        col(nd, "y"),
        col(nd, "facts"),
        col(nd, "evidence"),
        missing,
        strict=True,
    ):
        ck = country if isinstance(country, str) and country else "none"
        ev = [str(k) for k in evidence]
        if no_lookup is True and not ev:
            # not looked up (see attach_evidence): a key that is not in the table, so that
            # the tooltip shows the fact saying so and not "no evidence recorded"
            ev = [""]
        nodes.append(
            {
                "id": str(key),
                "label": str(label),
                "full": str(full),
                "cls": klass,
                "ck": ck if ck in named else "other",
                "shape": shape,
                "c": color_class,
                "cb": dark(color_class),
                "k": color_country,
                "kb": dark(color_country, 0.7),
                "size": _num(size, 1),
                "measure": _num(measure, 6),
                "x": _num(x * SPACING_PX, 1),
                "y": _num(y * SPACING_PX, 1),
                "facts": [[str(a), str(b)] for a, b in facts],
                "ev": ev,
            }
        )
    edges = []
    for key, u, v, fam, gov, color, width, dashes, roundness, facts, evidence in zip(
        col(ed, "id"),
        col(ed, "u"),
        col(ed, "v"),
        col(ed, "family"),
        col(ed, "governance"),
        col(ed, "color"),
        col(ed, "width"),
        col(ed, "dashes"),
        col(ed, "roundness"),
        col(ed, "facts"),
        col(ed, "evidence"),
        strict=True,
    ):
        facts = [[str(a), str(b)] for a, b in facts]
        title = facts[0][1] if facts and facts[0][0] == "Relation" else "Relations between groups"
        edges.append(
            {
                "id": str(key),
                "from": str(u),
                "to": str(v),
                "fam": fam,
                "gov": gov,
                "color": color,
                "width": _num(width, 2),
                "dashes": [float(d) for d in dashes],
                "r": _num(roundness, 3) or 0,
                "title": title,
                "facts": facts,
                "ev": [str(k) for k in evidence],
            }
        )
    return {
        "title": mv.title,
        "subtitle": _subtitle(mv),
        "view": mv.view,
        "asOf": mv.as_of,
        "notes": list(mv.notes),
        "colorBy": mv.color_by,
        "physics": bool(mv.physics),
        "layoutLimit": LAYOUT_LIMIT,
        "spacing": SPACING_PX,
        "rows": [[_num(y * SPACING_PX, 1), str(label)] for y, label in mv.rows],
        "legend": mv.legend,
        "nodes": nodes,
        "edges": edges,
        "evidence": {
            str(k): {str(a): str(b) for a, b in v.items()} for k, v in mv.evidence.items()
        },
        "hasEvidence": bool(mv.evidence),
        "palette": style.chrome(),
    }


def _darker(color: str, factor: float = 0.6) -> str:
    return style.darker(color, factor)


def _generator() -> str:
    try:
        return f"gvcgraph {version('gvcgraph')}"
    except PackageNotFoundError:
        return "gvcgraph"


def script_hash(text: str) -> str:
    """The Content-Security-Policy source that allows one inline script: ``'sha256-...'``."""
    digest = hashlib.sha256(text.encode("utf-8")).digest()
    return f"'sha256-{base64.b64encode(digest).decode('ascii')}'"


def map_html(mv: MapView) -> str:
    """The map of a view as one self-contained HTML document (a string).

    The page's Content-Security-Policy allows exactly its two scripts, by their SHA-256: were
    text from a source ever to become markup, a script or event handler in it would not run.
    """
    vis, app = vis_network_js(), safe_inline_script(_asset("map.js"))
    values = {
        "TITLE": html.escape(mv.title),
        "GENERATOR": html.escape(_generator()),
        "DATA": json_for_html(map_data(mv)),
        "VIS": vis,
        "APP": app,
        # the template writes each script between two newlines
        "SCRIPTS": " ".join(script_hash(f"\n{text}\n") for text in (vis, app)),
    }
    template = _asset("map.html.tmpl")
    # one pass, so that text inside the data can never be taken for a placeholder
    return re.sub(r"\{\{([A-Z]+)\}\}", lambda m: values[m.group(1)], template)


def write_map(mv: MapView, path: str | Path) -> Path:
    """Write the map of a view to ``path`` (UTF-8); returns the path."""
    out = Path(path)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(map_html(mv), encoding="utf-8")
    return out


class MapHTML:
    """A map for Jupyter: displays in an isolated ``<iframe srcdoc>``, which works in
    JupyterLab, VS Code and Colab where pyvis's output stays blank (pyvis #203).

    >>> from gvcgraph.render import build_view, MapHTML   # doctest: +SKIP
    >>> MapHTML(build_view(kg, view="supply"))              # doctest: +SKIP
    """

    def __init__(self, mv: MapView, height: int = 600):
        self.view = mv
        self.height = height
        self.html = map_html(mv)

    def _repr_html_(self) -> str:
        doc = html.escape(self.html, quote=True)
        return (
            f'<iframe srcdoc="{doc}" style="width:100%;height:{int(self.height)}px;'
            f'border:1px solid #ddd" sandbox="allow-scripts"></iframe>'
        )

    def save(self, path: str | Path) -> Path:
        """Write the map to a file."""
        out = Path(path)
        out.write_text(self.html, encoding="utf-8")
        return out
