"""The report: one folder with an HTML overview, the map, figures and the graph as Turtle.

:func:`write_report` writes

* ``index.html``: what is in the graph, per source; tables of centrality, supplier-tier depth,
  captive chains and ownership and control, each row linked to the evidence behind it;
* ``evidence.html``: the passages those links point to (source, file, line or page, quote)
  and, for every node a table names, the facts about it with their evidence;
* ``map.html``: the interactive map of all relations (:mod:`gvcgraph.render.html`);
* ``figures/``: the same view as SVG, PDF and PNG, and the supplier tiers and the ownership
  network when the graph has them (:mod:`gvcgraph.render.static`);
* ``graph.ttl``: the graph (sources and derived facts) as Turtle.

Every piece of text from the graph is escaped (:func:`html.escape`); the pages hold no script.
"""

from __future__ import annotations

import datetime as dt
import html
import math
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

import pandas as pd

from gvcgraph.graph.project import OWNS, SUPPLIES, Projection, project
from gvcgraph.render import style
from gvcgraph.render.view import build_view, evidence_table

TOP = 25
"""Rows shown per table (the full tables come from ``gvcgraph analyze``)."""

NODE_FACTS_MAX = 40
"""Facts listed per node in ``evidence.html``."""

FIGURE_FORMATS = ("svg", "pdf", "png")


@dataclass
class Cell:
    """A table cell: text (escaped when written), optional link, and CSS class."""

    text: str
    href: str | None = None
    cls: str | None = None
    title: str | None = None
    links: list[tuple[str, str, str]] = field(default_factory=list)
    """Several links (text, href, title) instead of text."""


@dataclass
class Report:
    """What :func:`write_report` wrote: the folder and every file, by role."""

    folder: Path
    files: dict[str, Path] = field(default_factory=dict)


# ---------------------------------------------------------------------------------- helpers


def _e(value: Any) -> str:
    return html.escape("" if value is None else str(value), quote=True)


def _present(value: Any) -> bool:
    if value is None or value is pd.NA:
        return False
    return not (isinstance(value, float) and math.isnan(value))


def _num(value: Any) -> str:
    if not _present(value):
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    try:
        f = float(value)
    except (TypeError, ValueError):
        return str(value)
    if f.is_integer() and abs(f) < 1e15:
        return f"{int(f):,}"
    return f"{f:.3g}"


def _template() -> str:
    return (resources.files("gvcgraph.render") / "assets" / "report.html.tmpl").read_text("utf-8")


def _page(title: str, body: str) -> str:
    from gvcgraph.render.html import _generator

    values = {"TITLE": _e(title), "GENERATOR": _e(_generator()), "BODY": body}
    return re.sub(r"\{\{([A-Z]+)\}\}", lambda m: values[m.group(1)], _template())


def _table(
    headers: Sequence[str], rows: Iterable[Sequence[Cell | str]], numeric: Iterable[int] = ()
) -> str:
    num = set(numeric)
    out = ["<table><thead><tr>", *(f"<th>{_e(h)}</th>" for h in headers), "</tr></thead><tbody>"]
    count = 0
    for row in rows:
        count += 1
        out.append("<tr>")
        for i, cell in enumerate(row):
            c = cell if isinstance(cell, Cell) else Cell(str(cell))
            classes = " ".join(x for x in (c.cls, "num" if i in num else None) if x)
            attr = f' class="{classes}"' if classes else ""
            if c.links:
                inner = (
                    "".join(f'<a href="{_e(h)}" title="{_e(t)}">{_e(x)}</a>' for x, h, t in c.links)
                    or ""
                )
            elif c.href:
                tip = f' title="{_e(c.title)}"' if c.title else ""
                inner = f'<a href="{_e(c.href)}"{tip}>{_e(c.text)}</a>'
            else:
                inner = _e(c.text)
            out.append(f"<td{attr}>{inner}</td>")
        out.append("</tr>")
    out.append("</tbody></table>")
    if not count:
        return '<p class="hint">No rows.</p>'
    return "".join(out)


class Anchors:
    """Stable, unique HTML ids for evidence passages and nodes."""

    def __init__(self) -> None:
        self.ids: dict[tuple[str, str], str] = {}
        self.used: set[str] = set()

    def get(self, kind: str, key: str) -> str:
        """The id of ``key`` (kind ``ev`` or ``n``), made once."""
        if (kind, key) not in self.ids:
            base = f"{kind}-" + re.sub(r"[^A-Za-z0-9_.-]+", "-", key).strip("-")
            ident, k = base, 1
            while ident in self.used:
                k += 1
                ident = f"{base}-{k}"
            self.used.add(ident)
            self.ids[(kind, key)] = ident
        return self.ids[(kind, key)]


# ---------------------------------------------------------------------------------- report


class _Builder:
    """Collects the evidence and nodes the tables link to, then writes both pages."""

    def __init__(self, kg: Any, proj_all: Projection, top: int):
        self.kg = kg
        self.all = proj_all
        self.top = top
        self.anchors = Anchors()
        self.evidence_keys: set[str] = set()
        self.node_keys: set[str] = set()
        self.labels = dict(zip(proj_all.nodes["node"], proj_all.labels(), strict=True))
        e = proj_all.edges
        self.facts_by_pair: dict[tuple[str, str, str], list[int]] = {}
        self.facts_by_node: dict[str, list[int]] = {}
        for i, (u, v, r) in enumerate(zip(e["u"], e["v"], e["relation"], strict=True)):
            self.facts_by_pair.setdefault((u, v, r), []).append(i)
            self.facts_by_node.setdefault(u, []).append(i)
            self.facts_by_node.setdefault(v, []).append(i)
        self.passages: dict[str, dict[str, Any]] = {}

    def label(self, key: Any) -> str:
        return self.labels.get(key, str(key)) if _present(key) else ""

    def node(self, key: Any) -> Cell:
        """A cell naming a node, linked to its section in evidence.html."""
        if not _present(key):
            return Cell("")
        key = str(key)
        self.node_keys.add(key)
        return Cell(self.label(key), href=f"evidence.html#{self.anchors.get('n', key)}", title=key)

    def evidence(self, keys: Iterable[str]) -> Cell:
        """A cell of links to evidence passages."""
        keys = sorted({str(k) for k in keys if _present(k) and str(k)})
        self.evidence_keys.update(keys)
        links = [
            (f"[{i}]", f"evidence.html#{self.anchors.get('ev', k)}", k)
            for i, k in enumerate(keys, 1)
        ]
        return Cell("", cls="ev", links=links)

    def pair_evidence(self, u: Any, v: Any, relations: Iterable[str]) -> list[str]:
        keys: list[str] = []
        ev = self.all.edges["evidence"]
        for r in relations:
            for i in self.facts_by_pair.get((str(u), str(v), r), []):
                x = ev.iloc[i]
                keys.extend(x if isinstance(x, list) else [])
        return keys

    def incoming_evidence(self, v: Any, relations: Iterable[str]) -> list[str]:
        rel = set(relations)
        e = self.all.edges
        keys: list[str] = []
        for i in self.facts_by_node.get(str(v), []):
            if e["v"].iloc[i] == str(v) and e["relation"].iloc[i] in rel:
                x = e["evidence"].iloc[i]
                keys.extend(x if isinstance(x, list) else [])
        return keys

    # ------------------------------------------------------------------ evidence page
    def passage_html(self, key: str) -> str:
        ev = self.passages.get(key, {})
        where = []
        if ev.get("source"):
            where.append(ev["source"] + (f" ({ev['year']})" if ev.get("year") else ""))
        if ev.get("title"):
            where.append(ev["title"])
        if ev.get("file"):
            where.append(ev["file"])
        if ev.get("line"):
            where.append(
                f"line {ev['line']}" + (f"\u2013{ev['line_end']}" if ev.get("line_end") else "")
            )
        if ev.get("page"):
            where.append(f"p. {ev['page']}")
        if ev.get("status"):
            where.append(f"status: {ev['status']}")
        quote = (
            f"<q>{_e(ev['quote'])}</q>"
            if ev.get("quote")
            else '<span class="hint">(no quote recorded)</span>'
        )
        return (
            f'<div class="passage" id="{self.anchors.get("ev", key)}">{quote}'
            f'<span class="cite">{_e(", ".join(where))}</span>'
            f'<span class="cite"><code>{_e(key)}</code></span></div>'
        )

    def node_section(self, key: str, node_evidence: dict[str, list[str]]) -> str:
        e = self.all.edges
        parts = [
            f'<section id="{self.anchors.get("n", key)}"><h3>{_e(self.label(key))} '
            f"<code>{_e(key)}</code></h3>"
        ]
        own = node_evidence.get(key, [])
        if own:
            parts.append(
                "<p>Named in: "
                + " ".join(
                    f'<a href="#{self.anchors.get("ev", k)}">[{i}]</a>'
                    for i, k in enumerate(own, 1)
                )
                + "</p>"
            )
        rows = []
        facts = self.facts_by_node.get(key, [])
        for i in facts[:NODE_FACTS_MAX]:
            u, v, r = e["u"].iloc[i], e["v"].iloc[i], e["relation"].iloc[i]
            ev = e["evidence"].iloc[i] if isinstance(e["evidence"].iloc[i], list) else []
            rows.append(
                [
                    Cell(f"{self.label(u)} {style.relation_label(r)} {self.label(v)}"),
                    Cell(str(e["source"].iloc[i]) if _present(e["source"].iloc[i]) else ""),
                    Cell(
                        "",
                        cls="ev",
                        links=[
                            (f"[{j}]", f"#{self.anchors.get('ev', k)}", k)
                            for j, k in enumerate(ev, 1)
                        ],
                    ),
                ]
            )
        if rows:
            parts.append(_table(["Fact", "Source", "Evidence"], rows))
        if len(facts) > NODE_FACTS_MAX:
            parts.append(
                f'<p class="hint">and {len(facts) - NODE_FACTS_MAX:,} more facts '
                "(see gvcgraph query).</p>"
            )
        if not rows and not own:
            parts.append('<p class="hint">No fact in the graph names this node with evidence.</p>')
        parts.append("</section>")
        return "".join(parts)

    def evidence_page(self) -> str:
        from gvcgraph.graph.project import node_iri, node_key
        from gvcgraph.render.view import _load_query, _select_chunks

        nodes = sorted(self.node_keys)
        node_ev: dict[str, list[str]] = {}
        if nodes:
            df = _select_chunks(
                self.kg, _load_query("node_evidence.rq"), "s", [node_iri(k) for k in nodes]
            )
            for s, ev in zip(df.get("s", []), df.get("ev", []), strict=True):
                if isinstance(ev, str):
                    node_ev.setdefault(node_key(s), []).append(node_key(ev))
        node_ev = {k: sorted(set(v)) for k, v in node_ev.items()}
        e = self.all.edges
        keys = set(self.evidence_keys)
        for k in nodes:
            keys.update(node_ev.get(k, []))
            for i in self.facts_by_node.get(k, [])[:NODE_FACTS_MAX]:
                x = e["evidence"].iloc[i]
                keys.update(x if isinstance(x, list) else [])
        self.passages = evidence_table(self.kg, keys)
        body = [
            '<p><a href="index.html">Back to the report</a></p>',
            "<h1>Evidence</h1>",
            '<p class="meta">The passages of the source documents that the report\'s '
            "tables rely on, and the facts about every node the tables name.</p>",
            "<h2>Nodes</h2>",
        ]
        body.extend(self.node_section(k, node_ev) for k in nodes)
        body.append("<h2>Passages</h2>")
        body.extend(self.passage_html(k) for k in sorted(keys))
        return _page("Evidence", "\n".join(body))


def _say(progress: Callable[[str], None] | None, step: int, total: int, text: str) -> None:
    if progress:
        progress(f"[{step}/{total}] {text}")


def write_report(
    kg: Any,
    out_dir: str | Path = "gvcgraph-report",
    *,
    as_of: Any = None,
    store_label: str | None = None,
    top: int = TOP,
    progress: Callable[[str], None] | None = None,
) -> Report:
    """Write the report folder for a knowledge graph.

    Parameters
    ----------
    kg:
        A :class:`~gvcgraph.graph.store.KnowledgeGraph`.
    out_dir:
        Folder to write (created; files of the same name are replaced).
    as_of:
        Analyse and draw only the facts valid on that date.
    store_label:
        How to name the graph on the page (default: "the embedded default graph").
    top:
        Rows per table.
    progress:
        Called with a line of text before each step (the CLI prints it on stderr).

    Returns
    -------
    Report
        The folder and the files written, by role (``index``, ``evidence``, ``map``,
        ``turtle``, ``figure:<name>.<format>``).
    """
    from gvcgraph.graph.captive import captive_chains
    from gvcgraph.graph.centrality import centrality
    from gvcgraph.graph.ownership import ownership_table, ultimate_controllers
    from gvcgraph.graph.tiers import supplier_tiers, tier_conflicts, tier_depth
    from gvcgraph.render.html import write_map
    from gvcgraph.render.static import write_figures

    folder = Path(out_dir)
    (folder / "figures").mkdir(parents=True, exist_ok=True)
    report = Report(folder)
    total = 7
    _say(progress, 1, total, "projecting the views")
    p_all = project(kg, "all", as_of)
    p_sup = project(kg, "supply", as_of)
    p_own = project(kg, "ownership", as_of)
    b = _Builder(kg, p_all, top)

    _say(progress, 2, total, "computing centrality, tiers, captive chains and ownership")
    cent = {
        v: centrality(p, ["in_degree", "out_degree", "betweenness", "pagerank"], view=v, seed=0)
        for v, p in (("all", p_all), ("supply", p_sup))
        if len(p.edges)
    }
    tiers = supplier_tiers(p_sup) if len(p_sup.edges) else None
    depth = tier_depth(tiers) if tiers is not None else None
    conflicts = tier_conflicts(p_sup) if len(p_sup.edges) else None
    captive = captive_chains(p_all) if len(p_sup.edges) else None
    ctl = ultimate_controllers(p_own) if len(p_own.edges) else None
    owners = ownership_table(p_own, controllers=ctl) if ctl is not None else None

    _say(progress, 3, total, f"drawing the map ({p_all.n:,} nodes)")
    mv_all = build_view(kg, view="all", as_of=as_of, title="All relations")
    report.files["map"] = write_map(mv_all, folder / "map.html")

    figures: list[tuple[str, str, str]] = [("all", "All relations", "")]
    views = {"all": mv_all}
    if len(p_sup.edges):
        views["supply-tiers"] = build_view(
            kg, view="supply", as_of=as_of, layout="tiers", title="Supplier tiers"
        )
        figures.append(
            (
                "supply-tiers",
                "Supplier tiers",
                "Lead firms on top, each supplier in the row of its tier.",
            )
        )
    if len(p_own.edges):
        views["ownership"] = build_view(
            kg, view="ownership", as_of=as_of, title="Ownership and control"
        )
        figures.append(("ownership", "Ownership and control", ""))
    _say(progress, 4, total, f"drawing {len(figures)} figure(s) as SVG, PDF and PNG")
    for name, _title, _caption in figures:
        paths = write_figures(
            views[name], [folder / "figures" / f"{name}.{fmt}" for fmt in FIGURE_FORMATS]
        )
        for fmt, path in zip(FIGURE_FORMATS, paths, strict=True):
            report.files[f"figure:{name}.{fmt}"] = path

    _say(progress, 5, total, "writing the graph as Turtle")
    ttl = kg.dump("ttl")
    (folder / "graph.ttl").write_bytes(ttl)
    report.files["turtle"] = folder / "graph.ttl"

    _say(progress, 6, total, "writing index.html")
    body = _index_body(
        kg,
        b,
        p_all,
        p_sup,
        p_own,
        cent,
        tiers,
        depth,
        conflicts,
        captive,
        owners,
        ctl,
        figures,
        store_label,
        as_of,
        len(ttl),
    )
    (folder / "index.html").write_text(_page("gvcgraph report", body), encoding="utf-8")
    report.files["index"] = folder / "index.html"

    _say(progress, 7, total, "writing evidence.html")
    (folder / "evidence.html").write_text(b.evidence_page(), encoding="utf-8")
    report.files["evidence"] = folder / "evidence.html"
    return report


def _describe_store(kg: Any) -> str:
    from gvcgraph.graph.store import KnowledgeGraph

    if getattr(kg, "location", None) is not None:
        return f"the store {kg.location}"
    if kg is KnowledgeGraph._default:
        return "the embedded default graph (the bundled case studies)"
    return "an in-memory graph"


def _index_body(
    kg: Any,
    b: _Builder,
    p_all: Projection,
    p_sup: Projection,
    p_own: Projection,
    cent: dict[str, pd.DataFrame],
    tiers: pd.DataFrame | None,
    depth: pd.DataFrame | None,
    conflicts: pd.DataFrame | None,
    captive: pd.DataFrame | None,
    owners: pd.DataFrame | None,
    ctl: pd.DataFrame | None,
    figures: list[tuple[str, str, str]],
    store_label: str | None,
    as_of: Any,
    ttl_bytes: int,
) -> str:
    top = b.top
    out: list[str] = []
    sources = kg.sources()
    where = store_label or _describe_store(kg)
    when = f"; facts valid on {_e(as_of)}" if as_of else ""
    out.append("<h1>gvcgraph report</h1>")
    out.append(
        f'<p class="meta">Graph: {_e(where)}{when}. {len(kg):,} triples from '
        f"{len(sources):,} source(s); {p_all.n:,} nodes and {len(p_all.edges):,} "
        f"relations in the view of all relations. Written "
        f"{_e(dt.date.today().isoformat())}.</p>"
    )
    out.append(
        '<nav><ul><li><a href="#sources">What is in the graph</a></li>'
        '<li><a href="#maps">Map and figures</a></li>'
        '<li><a href="#centrality">Centrality</a></li>'
        '<li><a href="#tiers">Supplier tiers</a></li>'
        '<li><a href="#captive">Captive chains</a></li>'
        '<li><a href="#ownership">Ownership and control</a></li>'
        '<li><a href="#files">Files</a></li>'
        '<li><a href="evidence.html">Evidence</a></li></ul></nav>'
    )

    # sources
    out.append('<h2 id="sources">What is in the graph, per source</h2>')
    counts = kg.counts_by_class()
    by_source: dict[str, str] = {}
    if not counts.empty:
        for src, part in counts.groupby("source"):
            by_source[str(src)] = ", ".join(
                f"{str(c).split(':', 1)[-1]} {int(n):,}"
                for c, n in sorted(
                    zip(part["class"], part["count"], strict=True),
                    key=lambda x: (-int(x[1]), str(x[0])),
                )
            )
    rows = []
    for rec in sources.to_dict("records"):
        rows.append(
            [
                Cell(str(rec.get("source", ""))),
                Cell(str(rec.get("title") or "")),
                Cell(str(rec.get("year")) if _present(rec.get("year")) else ""),
                Cell(str(rec.get("type") or "")),
                Cell(str(rec.get("file") or "")),
                Cell(_num(rec.get("triples"))),
                Cell(by_source.get(str(rec.get("source")), "")),
            ]
        )
    out.append(
        _table(
            ["Source", "Title", "Year", "Type", "File", "Triples", "Instances by class"],
            rows,
            numeric=[2, 5],
        )
    )

    # map and figures
    out.append('<h2 id="maps">Map and figures</h2>')
    out.append(
        '<p><a href="map.html">Open the interactive map</a> of all relations (one file; '
        "opens offline in any browser: search, filters by class, country, relation and "
        "governance, and the evidence of every node and line on click).</p>"
    )
    for name, title, caption in figures:
        links = " ".join(f'<a href="figures/{name}.{f}">{f.upper()}</a>' for f in FIGURE_FORMATS)
        out.append(
            f'<figure><img src="figures/{name}.svg" alt="{_e(title)}">'
            f"<figcaption>{_e(title)}. {_e(caption)} Download: {links}</figcaption>"
            "</figure>"
        )

    # centrality
    out.append('<h2 id="centrality">Centrality</h2>')
    out.append(
        f'<p class="hint">The {top} nodes with the highest betweenness (then PageRank) '
        "in each view; definitions in <code>gvcgraph.graph.centrality</code>. Each name "
        "links to the facts about the node and their evidence.</p>"
    )
    info = p_all.nodes.set_index("node")
    for view, df in cent.items():
        wide = df.pivot_table(index="node", columns="measure", values="value", aggfunc="first")
        wide = wide.sort_values(["betweenness", "pagerank"], ascending=False).head(top)
        rows = []
        for key, rec in wide.iterrows():
            cls = info["cls"].get(key) if key in info.index else None
            ctry = info["country"].get(key) if key in info.index else None
            rows.append(
                [
                    b.node(key),
                    Cell(str(cls) if _present(cls) else ""),
                    Cell(style.country_name(ctry) if _present(ctry) else ""),
                    Cell(_num(rec.get("in_degree"))),
                    Cell(_num(rec.get("out_degree"))),
                    Cell(_num(rec.get("betweenness"))),
                    Cell(_num(rec.get("pagerank"))),
                ]
            )
        name = {"all": "All relations", "supply": "Supply relations"}[view]
        out.append(f"<h3>{_e(name)}</h3>")
        out.append(
            _table(
                ["Node", "Class", "Country", "In-degree", "Out-degree", "Betweenness", "PageRank"],
                rows,
                numeric=[3, 4, 5, 6],
            )
        )
    if not cent:
        out.append('<p class="hint">The graph has no relations.</p>')

    # tiers
    out.append('<h2 id="tiers">Supplier tiers</h2>')
    if tiers is None or depth is None:
        out.append('<p class="hint">The graph has no supply relations.</p>')
    else:
        out.append(
            '<p class="hint">Tier = fewest supply hops from the supplier to the lead '
            "firm (<code>gvcgraph.graph.tiers</code>). Evidence: the supplier's supply "
            "relations on its way to the lead firm.</p>"
        )
        out.append("<h3>Depth of each lead firm's supply base</h3>")
        out.append(
            _table(
                ["Lead firm", "Suppliers", "Deepest tier"],
                (
                    [b.node(r["lead_firm"]), Cell(_num(r["suppliers"])), Cell(_num(r["max_tier"]))]
                    for r in depth.head(top).to_dict("records")
                ),
                numeric=[1, 2],
            )
        )
        out.append("<h3>Suppliers by tier</h3>")
        rows = []
        sup_edges = p_sup.edges
        for r in tiers.head(top).to_dict("records"):
            buyers = sup_edges.loc[sup_edges["u"] == r["supplier"], "v"]
            keys = [k for v in buyers for k in b.pair_evidence(r["supplier"], v, [SUPPLIES])]
            rows.append(
                [
                    b.node(r["lead_firm"]),
                    b.node(r["supplier"]),
                    Cell(_num(r["tier"])),
                    Cell(_num(r["asserted_tier"])),
                    b.evidence(keys),
                ]
            )
        out.append(
            _table(
                ["Lead firm", "Supplier", "Tier", "Asserted tier", "Evidence"], rows, numeric=[2, 3]
            )
        )
        if len(tiers) > top:
            out.append(
                f'<p class="hint">{len(tiers) - top:,} more rows: '
                "<code>gvcgraph analyze tiers</code>.</p>"
            )
        if conflicts is not None and len(conflicts):
            out.append("<h3>Asserted tiers that disagree with the network</h3>")
            out.append(
                _table(
                    ["Lead firm", "Supplier", "Asserted", "Network", "Issue", "Evidence"],
                    (
                        [
                            b.node(r["lead_firm"]),
                            b.node(r["supplier"]),
                            Cell(_num(r["asserted_tier"])),
                            Cell(_num(r["network_tier"])),
                            Cell(str(r["issue"])),
                            b.evidence(
                                r["evidence"]
                                if isinstance(r["evidence"], list)
                                else str(r["evidence"] or "").split(";")
                            ),
                        ]
                        for r in conflicts.head(top).to_dict("records")
                    ),
                    numeric=[2, 3],
                )
            )

    # captive
    out.append('<h2 id="captive">Captive chains</h2>')
    if captive is None:
        out.append('<p class="hint">The graph has no supply relations.</p>')
    else:
        out.append(
            '<p class="hint">Captive supply links (Gereffi, Humphrey &amp; Sturgeon '
            "2005) on chains of captive links that end at a lead firm, with the score "
            "and reasons of <code>gvcgraph.graph.captive</code>.</p>"
        )
        rows = []
        for r in captive.head(top).to_dict("records"):
            keys = b.pair_evidence(r["supplier"], r["buyer"], [SUPPLIES])
            rows.append(
                [
                    b.node(r["supplier"]),
                    b.node(r["buyer"]),
                    b.node(r["lead_firm"]),
                    Cell(_num(r["chain_tier"])),
                    Cell(_num(r["score"])),
                    Cell(
                        str(r["asserted_governance"]) if _present(r["asserted_governance"]) else ""
                    ),
                    Cell(str(r["reasons"]) if _present(r["reasons"]) else ""),
                    b.evidence(keys),
                ]
            )
        out.append(
            _table(
                [
                    "Supplier",
                    "Buyer",
                    "Lead firm",
                    "Position",
                    "Score",
                    "Asserted",
                    "Reasons",
                    "Evidence",
                ],
                rows,
                numeric=[3, 4],
            )
        )

    # ownership
    out.append('<h2 id="ownership">Ownership and control</h2>')
    if owners is None or ctl is None:
        out.append('<p class="hint">The graph has no ownership or control facts.</p>')
    else:
        out.append(
            '<p class="hint">Integrated (direct plus indirect) ownership in percent, a '
            "range where the sources give ranges, and the owned firm's ultimate "
            "controller (<code>gvcgraph.graph.ownership</code>).</p>"
        )
        rows = []
        for r in owners.head(top).to_dict("records"):
            keys = b.pair_evidence(r["owner"], r["owned"], [OWNS])
            if not keys:
                keys = b.incoming_evidence(r["owned"], [OWNS])
            lo, hi = _num(r["share_min"]), _num(r["share_max"])
            share = lo if lo == hi else f"{lo or '?'} to {hi or '?'}"
            rows.append(
                [
                    b.node(r["owner"]),
                    b.node(r["owned"]),
                    Cell(share),
                    Cell(_num(r["direct"])),
                    b.node(r["ultimate_controller"])
                    if _present(r["ultimate_controller"])
                    and ";" not in str(r["ultimate_controller"])
                    else Cell(
                        str(r["ultimate_controller"]) if _present(r["ultimate_controller"]) else ""
                    ),
                    b.evidence(keys),
                ]
            )
        out.append(
            _table(
                ["Owner", "Owned", "Share (%)", "Direct", "Ultimate controller", "Evidence"],
                rows,
                numeric=[2],
            )
        )
        involved = ctl[ctl["status"].astype(str) != "independent"]
        out.append("<h3>Ultimate controllers</h3>")
        rows = []
        for r in involved.head(top).to_dict("records"):
            keys = b.incoming_evidence(r["node"], [OWNS, "controls"])
            uc = r["ultimate_controller"]
            rows.append(
                [
                    b.node(r["node"]),
                    b.node(uc)
                    if _present(uc) and ";" not in str(uc)
                    else Cell(str(uc) if _present(uc) else ""),
                    Cell(str(r["status"])),
                    Cell(_num(r["chain_length"])),
                    Cell(_num(r["foreign_controlled"])),
                    Cell(str(r["group_label"]) if _present(r["group_label"]) else ""),
                    b.evidence(keys),
                ]
            )
        out.append(
            _table(
                [
                    "Node",
                    "Ultimate controller",
                    "Status",
                    "Chain length",
                    "Foreign controlled",
                    "Group",
                    "Evidence",
                ],
                rows,
                numeric=[3],
            )
        )

    # files
    out.append('<h2 id="files">Files</h2><ul>')
    out.append('<li><a href="map.html">map.html</a>: interactive map (self-contained)</li>')
    out.append('<li><a href="evidence.html">evidence.html</a>: evidence behind the tables</li>')
    for name, title, _ in figures:
        for f in FIGURE_FORMATS:
            out.append(f'<li><a href="figures/{name}.{f}">figures/{name}.{f}</a>: {_e(title)}</li>')
    out.append(
        f'<li><a href="graph.ttl">graph.ttl</a>: the graph as Turtle '
        f"({ttl_bytes:,} bytes)</li></ul>"
    )
    return "\n".join(out)
