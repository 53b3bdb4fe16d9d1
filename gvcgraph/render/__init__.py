"""Maps and reports: the interactive HTML map, static figures and the HTML report.

* :func:`build_view` (in :mod:`gvcgraph.render.view`): what a map or figure shows;
* :func:`write_map` / :class:`MapHTML` (:mod:`gvcgraph.render.html`): the offline HTML map;
* :func:`write_figure` (:mod:`gvcgraph.render.static`): SVG, PDF or PNG figure;
* :func:`write_report` (:mod:`gvcgraph.render.report`): the report folder;
* :mod:`gvcgraph.render.style`: the one palette and legend of all of them.

Example
-------
>>> from gvcgraph.graph.store import KnowledgeGraph          # doctest: +SKIP
>>> from gvcgraph.render import build_view, write_map, write_figure
>>> mv = build_view(KnowledgeGraph.default(), view="all")    # doctest: +SKIP
>>> write_map(mv, "map.html"); write_figure(mv, "map.svg")   # doctest: +SKIP
"""

from __future__ import annotations

from typing import Any

from gvcgraph.render.html import MapHTML, map_html, write_map
from gvcgraph.render.view import AGGREGATE_LIMIT, LAYOUT_LIMIT, MapView, ViewError, build_view

__all__ = [
    "AGGREGATE_LIMIT",
    "LAYOUT_LIMIT",
    "MapHTML",
    "MapView",
    "ViewError",
    "build_view",
    "map_html",
    "write_figure",
    "write_map",
    "write_report",
]


def write_figure(*args: Any, **kwargs: Any) -> Any:
    """See :func:`gvcgraph.render.static.write_figure` (imports matplotlib on first use)."""
    from gvcgraph.render.static import write_figure as _write

    return _write(*args, **kwargs)


def write_report(*args: Any, **kwargs: Any) -> Any:
    """See :func:`gvcgraph.render.report.write_report`."""
    from gvcgraph.render.report import write_report as _write

    return _write(*args, **kwargs)
