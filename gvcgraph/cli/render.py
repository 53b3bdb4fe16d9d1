"""``gvcgraph map``, ``gvcgraph figure`` and ``gvcgraph report``: maps, figures, the report.

All three draw a view built by :func:`gvcgraph.render.view.build_view`, so a map and a figure
made with the same options show the same nodes, edges, positions, colours and legend.

Size limits of maps: up to 1,500 nodes the map settles its layout with physics for a moment;
above 1,500 the layout is computed beforehand and physics is off; above 5,000 nodes are
aggregated (by class and country, cluster or corporate group) and the map says so. A map
carries the sources and evidence of at most 1,000 nodes (the largest) and 1,500 evidence
passages, and says so when it leaves some out; a figure looks up no evidence.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from gvcgraph.cli.common import open_graph, store_option
from gvcgraph.graph.project import VIEWS, iso_date
from gvcgraph.render.view import AGGREGATE_BY, COLOR_BY, LAYOUTS, SIZE_MEASURES, ViewError

DEFAULT_REPORT_DIR = "gvcgraph-report"


def _date(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    if value is None:
        return None
    try:
        import datetime as dt

        day = iso_date(value.strip())
        dt.date.fromisoformat(day or "")
    except (ValueError, TypeError):
        raise click.BadParameter(f"expected YYYY, YYYY-MM or YYYY-MM-DD, not {value!r}") from None
    return day


def _measure(ctx: click.Context, param: click.Parameter, value: str) -> str:
    name = value.strip().lower().replace("-", "_")
    if name not in SIZE_MEASURES:
        choices = ", ".join(m.replace("_", "-") for m in SIZE_MEASURES)
        raise click.BadParameter(f"{value!r} is not a measure; choose one of {choices}")
    return name


def _progress(message: str) -> None:
    click.echo(message, err=True)


def _view_options(func: Any) -> Any:
    """Options shared by ``map`` and ``figure``."""
    options = [
        click.option("--title", default=None, help="Title (default: from the view)."),
        click.option(
            "--aggregate-by",
            type=click.Choice(AGGREGATE_BY),
            default="country",
            show_default=True,
            help="How to group nodes when the view has more than 5,000 nodes.",
        ),
        click.option(
            "--color-by",
            type=click.Choice(COLOR_BY),
            default="class",
            show_default=True,
            help="Colour nodes by class or by country.",
        ),
        click.option(
            "--layout",
            type=click.Choice(LAYOUTS),
            default="force",
            show_default=True,
            help="force, or tiers: each lead firm above its suppliers by tier.",
        ),
        click.option(
            "--size-by",
            default="degree",
            show_default=True,
            callback=_measure,
            metavar="MEASURE",
            help="Node size: degree, in-degree, out-degree, betweenness, closeness, "
            "pagerank, eigenvector or none.",
        ),
        click.option(
            "--depth",
            type=click.IntRange(min=0),
            default=1,
            show_default=True,
            help="With --focus: hops from the focus node.",
        ),
        click.option(
            "--focus",
            default=None,
            metavar="NODE",
            help="Only the nodes within --depth hops of NODE (key or exact label).",
        ),
        click.option(
            "--as-of",
            callback=_date,
            default=None,
            metavar="DATE",
            help="Only the facts valid on this date (YYYY[-MM[-DD]]).",
        ),
        click.option(
            "--view",
            type=click.Choice(VIEWS),
            default="all",
            show_default=True,
            help="Network view: supply, ownership, policy or all relations.",
        ),
        store_option,
    ]
    for option in options:
        func = option(func)
    return func


def _build(store: str | None, **kwargs: Any) -> Any:
    from gvcgraph.render.view import build_view

    kg = open_graph(store)
    try:
        return build_view(kg, progress=_progress, **kwargs)
    except ViewError as exc:
        raise click.UsageError(str(exc)) from None


@click.command("map")
@_view_options
@click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    required=True,
    help="The HTML file to write.",
)
def map_cmd(
    out: Path,
    store: str | None,
    view: str,
    as_of: str | None,
    focus: str | None,
    depth: int,
    size_by: str,
    layout: str,
    color_by: str,
    aggregate_by: str,
    title: str | None,
) -> None:
    """Write an interactive network map as one self-contained HTML file.

    The file opens offline (vis-network is inlined; no CDN, no other request): legend, search,
    filters by class, country, relation and governance, and on click the facts of a node or
    line with the citation of their evidence. Above 1,500 nodes the layout is computed
    beforehand and physics is off; above 5,000 nodes are aggregated, with a note on the map.
    The evidence of at most 1,000 nodes and 1,500 passages is embedded (the largest nodes
    first); the map says so when it leaves some out.

    Example: gvcgraph map --view supply --layout tiers --out map.html
    """
    from gvcgraph.render.html import AssetError, write_map

    mv = _build(
        store,
        view=view,
        as_of=as_of,
        focus=focus,
        depth=depth,
        size_by=size_by,
        layout=layout,
        color_by=color_by,
        aggregate_by=aggregate_by,
        title=title,
    )
    try:
        path = write_map(mv, out)
    except AssetError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"wrote {path} ({len(mv.nodes):,} nodes, {len(mv.edges):,} lines)")


def _figure_path(ctx: click.Context, param: click.Parameter, value: Path) -> Path:
    from gvcgraph.render.static import FigureError, figure_format

    try:
        figure_format(value)
    except FigureError as exc:
        raise click.BadParameter(str(exc)) from None
    return value


@click.command("figure")
@_view_options
@click.option(
    "--labels",
    type=click.Choice(["auto", "all", "none"]),
    default="auto",
    show_default=True,
    help="auto: all labels up to 60 nodes, else the largest nodes without overlaps.",
)
@click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    required=True,
    callback=_figure_path,
    help="FILE.svg, FILE.pdf (vector) or FILE.png (300 dpi).",
)
def figure_cmd(
    out: Path,
    labels: str,
    store: str | None,
    view: str,
    as_of: str | None,
    focus: str | None,
    depth: int,
    size_by: str,
    layout: str,
    color_by: str,
    aggregate_by: str,
    title: str | None,
) -> None:
    """Draw a view as a static figure for papers: SVG, PDF or PNG.

    Same view, palette and legend as `gvcgraph map` with the same options; text stays text
    in SVG and PDF.

    Example: gvcgraph figure --view supply --layout tiers --out tiers.pdf
    """
    from gvcgraph.render.static import write_figure

    # a figure shows no tooltips: no evidence to look up
    mv = _build(
        store,
        evidence=False,
        view=view,
        as_of=as_of,
        focus=focus,
        depth=depth,
        size_by=size_by,
        layout=layout,
        color_by=color_by,
        aggregate_by=aggregate_by,
        title=title,
    )
    _progress("drawing the figure")
    path = write_figure(mv, out, labels=labels)
    click.echo(f"wrote {path}")


@click.command("report")
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path(DEFAULT_REPORT_DIR),
    show_default=True,
    help="Folder to write the report to.",
)
@click.option(
    "--as-of",
    callback=_date,
    default=None,
    metavar="DATE",
    help="Only the facts valid on this date (YYYY[-MM[-DD]]).",
)
@store_option
def report_cmd(out: Path, as_of: str | None, store: str | None) -> None:
    """Write the report: index.html, evidence.html, map.html, figures and graph.ttl.

    index.html tells what is in the graph per source and gives tables of centrality, supplier
    tier depth, captive chains and ownership, each row linked to its evidence (file, line,
    quote). With no arguments it reports on the embedded default graph.

    Example: gvcgraph report --out my-report
    """
    kg = open_graph(store)
    from gvcgraph.render.report import write_report

    report = write_report(
        kg,
        out,
        as_of=as_of,
        store_label=f"the store {store}" if store else None,
        progress=_progress,
    )
    click.echo(f"wrote the report to {report.folder}/:")
    for role in ("index", "evidence", "map", "turtle"):
        click.echo(f"  {report.files[role]}")
    figures = sorted(p for k, p in report.files.items() if k.startswith("figure:"))
    for path in figures:
        click.echo(f"  {path}")
    click.echo(f"open {report.files['index'].resolve().as_uri()} in a browser")


COMMANDS = (map_cmd, figure_cmd, report_cmd)
"""The commands of this module, for registration on the ``gvcgraph`` group."""
