"""What a map or figure shows: the nodes and edges of a view, their positions, styles, facts,
evidence and legend, computed once and drawn by both renderers.

:func:`build_view` turns the knowledge graph (or a projection, or a networkx graph) into a
:class:`MapView`. The interactive map (:func:`gvcgraph.render.html.write_map`) and the static
figure (:func:`gvcgraph.render.static.write_figure`) only draw a :class:`MapView`, so the two
show the same nodes, edges, positions, colours and legend.

Size limits (documented in the README and in ``gvcgraph map --help``):

* up to :data:`LAYOUT_LIMIT` nodes the map starts from the precomputed layout and lets
  vis-network's physics settle it for a moment, then stops the physics;
* above :data:`LAYOUT_LIMIT` nodes the layout is computed in Python beforehand and the physics
  is off (the browser only draws), and edges are hidden while the map is dragged or zoomed;
* above :data:`AGGREGATE_LIMIT` nodes, nodes are aggregated by class and country, cluster or
  corporate group, and the map says so in a visible note.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from importlib import resources
from typing import Any

import networkx as nx
import numpy as np
import pandas as pd

from gvcgraph.graph.project import (
    SUPPLIES,
    Projection,
    as_projection,
    iso_date,
    node_iri,
    node_key,
    project,
)
from gvcgraph.render import layout as lay
from gvcgraph.render import style

LAYOUT_LIMIT = 1500
"""Above this many nodes the layout is computed in Python and the map's physics is off."""

AGGREGATE_LIMIT = 5000
"""Above this many nodes the map and figure aggregate nodes (see :func:`aggregate`)."""

SIZE_MEASURES = (
    "degree",
    "in_degree",
    "out_degree",
    "betweenness",
    "closeness",
    "pagerank",
    "eigenvector",
    "none",
)
"""Measures that can size the nodes (see :mod:`gvcgraph.graph.centrality`)."""

MEASURE_LABELS = {
    "degree": "degree (in + out)",
    "in_degree": "in-degree",
    "out_degree": "out-degree",
    "betweenness": "betweenness",
    "closeness": "closeness",
    "pagerank": "PageRank",
    "eigenvector": "eigenvector centrality",
    "members": "number of nodes aggregated",
    "none": "",
}

AGGREGATE_BY = ("country", "cluster", "group")
"""Ways of aggregating a large view: by class and country, by cluster, by corporate group."""

LAYOUTS = ("force", "tiers")
COLOR_BY = ("class", "country")

LABEL_MAX = 32
"""Longest label drawn on the map (the tooltip shows the whole label)."""

AGGREGATE_EDGES_MAX = 400
"""An aggregated map draws at most this many lines: the ones that stand for most relations."""

EVIDENCE_CHUNK = 2000
"""IRIs per VALUES block when looking up evidence."""


class ViewError(ValueError):
    """A view that cannot be built as asked (unknown node to focus on, unknown measure ...)."""


@dataclass
class MapView:
    """Everything a renderer needs to draw one view.

    Attributes
    ----------
    nodes:
        One row per drawn node: ``id`` (node key), ``label`` (shortened), ``full_label``,
        ``cls`` (ontology class), ``klass`` (style class key), ``country``, ``x``, ``y``
        (node spacings, y downwards), ``size`` (radius in px), ``measure`` (the sizing value),
        ``color_class``, ``color_country``, ``shape``, ``facts`` (list of [name, value]),
        ``evidence`` (list of evidence keys), ``members`` (aggregated nodes: how many).
    edges:
        One row per drawn edge: ``id``, ``u``, ``v``, ``relation``, ``family``,
        ``governance``, ``color``, ``width``, ``dashes``, ``roundness`` (signed curvature of
        parallel edges), ``facts``, ``evidence``, ``count`` (aggregated edges: how many).
    evidence:
        Evidence key -> passage (``source``, ``title``, ``year``, ``file``, ``line``,
        ``line_end``, ``page``, ``quote``, ``status``).
    legend:
        ``classes``, ``countries``, ``families``, ``governance`` (lists of entries with
        ``key``, ``label``, ``color`` ... and ``count``) and ``size``.
    notes:
        Sentences the map and figure show about how the view was drawn (aggregation,
        precomputed layout, focus).
    physics:
        Whether the map may run vis-network's physics to settle the layout.
    rows:
        Tier layout: (y, label) of each row to label.
    graph_nodes, graph_edges:
        Size of the view before aggregation.
    """

    title: str
    view: str
    as_of: str | None
    nodes: pd.DataFrame
    edges: pd.DataFrame
    evidence: dict[str, dict[str, Any]] = field(default_factory=dict)
    legend: dict[str, Any] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    physics: bool = True
    layout: str = "force"
    size_by: str = "degree"
    color_by: str = "class"
    rows: list[tuple[float, str]] = field(default_factory=list)
    aggregated: bool = False
    graph_nodes: int = 0
    graph_edges: int = 0


def build_view(
    source: Any,
    *,
    view: str = "all",
    as_of: Any = None,
    focus: str | None = None,
    depth: int = 1,
    size_by: str = "degree",
    layout: str = "force",
    color_by: str = "class",
    aggregate_by: str = "country",
    title: str | None = None,
    seed: int = 7,
    layout_limit: int = LAYOUT_LIMIT,
    aggregate_limit: int = AGGREGATE_LIMIT,
    progress: Callable[[str], None] | None = None,
) -> MapView:
    """Build the drawable view of a knowledge graph, a projection or a networkx graph.

    Parameters
    ----------
    source:
        A :class:`~gvcgraph.graph.store.KnowledgeGraph` (its facts' evidence is looked up for
        the tooltips), a :class:`~gvcgraph.graph.project.Projection` or a networkx graph
        (node attributes ``label``, ``cls``, ``country``; edge attributes ``relation``,
        ``governance`` ...).
    view:
        ``supply``, ``ownership``, ``policy`` or ``all`` (for a knowledge graph).
    as_of:
        Keep only the facts valid on that date (``YYYY``, ``YYYY-MM-DD``).
    focus, depth:
        Keep only the nodes within ``depth`` hops (either direction) of ``focus``, a node key
        or an exact label.
    size_by:
        One of :data:`SIZE_MEASURES`.
    layout:
        ``force`` or ``tiers`` (lead firms above their suppliers; needs supply relations).
    color_by:
        ``class`` or ``country`` (the map can switch; the figure uses this one).
    aggregate_by:
        How to aggregate a view with more than ``aggregate_limit`` nodes (:data:`AGGREGATE_BY`).
    title:
        Title shown on the map and figure.
    seed:
        Seed of the force layout.
    layout_limit, aggregate_limit:
        The size limits (defaults :data:`LAYOUT_LIMIT`, :data:`AGGREGATE_LIMIT`).
    progress:
        Called with a short message before each long step.

    Returns
    -------
    MapView

    Examples
    --------
    >>> import networkx as nx
    >>> g = nx.MultiDiGraph()
    >>> g.add_node("a", label="Supplier A", cls="Firm", country="MX")
    >>> g.add_node("b", label="OEM B", cls="Firm", country="US")
    >>> _ = g.add_edge("a", "b", relation="supplies", governance="captive")
    >>> v = build_view(g)
    >>> len(v.nodes), len(v.edges), v.edges.loc[0, "family"]
    (2, 1, 'supply')
    """
    say = progress or (lambda _msg: None)
    if size_by not in SIZE_MEASURES:
        raise ViewError(f"unknown measure {size_by!r}; choose one of {', '.join(SIZE_MEASURES)}")
    if layout not in LAYOUTS:
        raise ViewError(f"unknown layout {layout!r}; choose one of {', '.join(LAYOUTS)}")
    if color_by not in COLOR_BY:
        raise ViewError(f"unknown colouring {color_by!r}; choose one of {', '.join(COLOR_BY)}")
    if aggregate_by not in AGGREGATE_BY:
        raise ViewError(
            f"unknown aggregation {aggregate_by!r}; choose one of {', '.join(AGGREGATE_BY)}"
        )
    kg = None
    if isinstance(source, (Projection, nx.Graph)):
        proj = as_projection(source, as_of=as_of, view=view)
    else:
        kg = source
        say(f"projecting the {view} view")
        proj = project(kg, view, as_of)
    notes: list[str] = []
    if focus is not None:
        proj, text = focus_on(proj, focus, depth)
        notes.append(text)
    graph_nodes, graph_edges = proj.n, len(proj.edges)
    the_title = title or _default_title(proj.view, proj.as_of, focus)

    if proj.n > aggregate_limit:
        say(f"aggregating {proj.n:,} nodes by {aggregate_by}")
        nodes, edges, text = aggregate(proj, aggregate_by, aggregate_limit)
        notes.append(text)
        mv = MapView(
            the_title,
            proj.view,
            proj.as_of,
            nodes,
            edges,
            aggregated=True,
            size_by="members",
            color_by=color_by,
            layout="force",
            graph_nodes=graph_nodes,
            graph_edges=graph_edges,
        )
        if layout == "tiers":
            notes.append(
                "The tier layout is not available for an aggregated map; the force layout is used."
            )
    else:
        nodes, edges = _detail_frames(proj)
        mv = MapView(
            the_title,
            proj.view,
            proj.as_of,
            nodes,
            edges,
            size_by=size_by,
            color_by=color_by,
            layout=layout,
            graph_nodes=graph_nodes,
            graph_edges=graph_edges,
        )
        if size_by != "none" and len(nodes):
            say(f"computing {MEASURE_LABELS[size_by]}")
            mv.nodes["measure"] = measure(proj, size_by).reindex(mv.nodes["id"]).to_numpy()
        if kg is not None:
            say("looking up evidence")
            attach_evidence(kg, mv)
    mv.notes = notes
    say(f"laying out {len(mv.nodes):,} nodes")
    _position(mv, proj, seed)
    mv.physics = len(mv.nodes) <= layout_limit and mv.layout == "force" and not mv.aggregated
    if not mv.physics and len(mv.nodes) > layout_limit:
        mv.notes.append(
            f"The view has more than {layout_limit:,} nodes: the layout was computed "
            "beforehand and the map's physics is off."
        )
    _style(mv)
    return mv


def _default_title(view: str, as_of: str | None, focus: str | None) -> str:
    title = {
        "all": "All relations",
        "supply": "Supply relations",
        "ownership": "Ownership and control",
        "policy": "Policies and their targets",
    }.get(view, f"View {view}")
    if focus:
        title += f" around {focus}"
    if as_of:
        title += f", as of {as_of}"
    return title


# ---------------------------------------------------------------------------------- selection


def find_node(proj: Projection, text: str) -> str:
    """The key of the node named by ``text``: a node key, else an exact label (any case).

    Raises :class:`ViewError` listing close candidates when there is no such node.
    """
    keys = proj.nodes["node"].astype(str)
    if text in set(keys):
        return text
    labels = proj.nodes["label"].astype("string").fillna("")
    exact = keys[labels.str.casefold() == text.casefold()]
    if len(exact):
        return str(exact.iloc[0])
    low = text.casefold()
    near = keys[
        labels.str.casefold().str.contains(low, regex=False)
        | keys.str.casefold().str.contains(low, regex=False)
    ]
    hint = f"; did you mean: {', '.join(near.head(8))}" if len(near) else ""
    raise ViewError(f"no node {text!r} in the {proj.view} view{hint}")


def focus_on(proj: Projection, text: str, depth: int) -> tuple[Projection, str]:
    """The part of a projection within ``depth`` hops (either direction) of one node.

    Returns the smaller projection and a sentence for the map's notes.
    """
    if depth < 0:
        raise ViewError("--depth must be 0 or more")
    key = find_node(proj, text)
    start = int(proj.positions([key])[0])
    adj = proj.adjacency()
    sym = (adj + adj.T).tocsr()
    seen = np.zeros(proj.n, dtype=bool)
    seen[start] = True
    frontier = np.array([start])
    for _ in range(depth):
        if not len(frontier):
            break
        nxt = np.unique(sym[frontier].indices) if len(frontier) else np.array([], dtype=int)
        nxt = nxt[~seen[nxt]]
        seen[nxt] = True
        frontier = nxt
    keep_nodes = proj.nodes[seen]
    e = proj.edges
    keep = seen[e["iu"].to_numpy()] & seen[e["iv"].to_numpy()]
    sub = Projection(
        keep_nodes,
        e.loc[keep].drop(columns=["iu", "iv"]),
        view=proj.view,
        as_of=proj.as_of,
        tables=proj.tables,
    )
    label = proj.labels().iloc[start]
    return sub, (
        f"Focus: {label} and the nodes within {depth} "
        f"hop{'s' if depth != 1 else ''} of it ({sub.n:,} of {proj.n:,} nodes)."
    )


def measure(proj: Projection, name: str) -> pd.Series:
    """Values of one :data:`SIZE_MEASURES` measure by node key (see
    :func:`gvcgraph.graph.centrality.centrality`; ``degree`` is in- plus out-degree)."""
    from gvcgraph.graph.centrality import centrality

    keys = proj.nodes["node"]
    if name == "none" or proj.n == 0:
        return pd.Series(np.nan, index=keys)
    wanted = ["in_degree", "out_degree"] if name == "degree" else [name]
    table = centrality(proj, wanted, view="all", seed=1)
    wide = table.pivot_table(index="node", columns="measure", values="value", aggfunc="first")
    values = wide.sum(axis=1, min_count=1) if name == "degree" else wide[name]
    return values.reindex(keys)


# ---------------------------------------------------------------------------------- frames


def _text(value: Any) -> str | None:
    if value is None or value is pd.NA:
        return None
    if isinstance(value, float) and math.isnan(value):
        return None
    text = str(value)
    return text if text else None


def _short(label: str) -> str:
    return label if len(label) <= LABEL_MAX else label[: LABEL_MAX - 1].rstrip() + "\u2026"


def _concept_label(label: str) -> str:
    """``scheme:code`` (a concept without a label in the graph) as its SKOS label."""
    if ":" in label and "://" not in label:
        scheme, _, code = label.partition(":")
        return style.concept_labels(scheme).get(code, label)
    return label


def _detail_frames(proj: Projection) -> tuple[pd.DataFrame, pd.DataFrame]:
    n = proj.nodes
    labels = proj.labels().map(_concept_label)
    nodes = pd.DataFrame(
        {
            "id": n["node"].astype(str).to_numpy(),
            "full_label": labels.to_numpy(),
            "cls": n["cls"].to_numpy(),
            "country": n["country"].to_numpy(),
            "lead_firm": n["lead_firm"].fillna(False).astype(bool).to_numpy()
            if "lead_firm" in n
            else False,
        }
    )
    nodes["label"] = nodes["full_label"].map(_short)
    nodes["klass"] = nodes["cls"].map(lambda c: style.node_class(c).key)
    nodes["measure"] = np.nan
    nodes["members"] = 1
    nodes["evidence"] = [[] for _ in range(len(nodes))]
    nodes["sources"] = [[] for _ in range(len(nodes))]
    label_of = dict(zip(nodes["id"], nodes["full_label"], strict=True))
    nodes["facts"] = [_node_facts(rec) for rec in n.to_dict("records")]

    e = proj.edges
    edges = pd.DataFrame(
        {
            "id": [f"e{i}" for i in range(len(e))],
            "u": e["u"].astype(str).to_numpy(),
            "v": e["v"].astype(str).to_numpy(),
            "relation": e["relation"].to_numpy(),
        }
    )
    gov = [
        style.governance_key(g, h)
        if style.edge_family(r).key == "supply"
        else style.GOVERNANCE_NOT_STATED
        for r, g, h in zip(e["relation"], e["governance"], e["governance_hs"], strict=True)
    ]
    edges["governance"] = gov
    edges["count"] = 1
    edges["evidence"] = [list(x) if isinstance(x, (list, tuple)) else [] for x in e["evidence"]]
    edges["facts"] = [_edge_facts(rec, label_of) for rec in e.to_dict("records")]
    return nodes, edges


_NODE_FACTS = (
    ("cls", "Class"),
    ("country", "Country"),
    ("size_class", "Size"),
    ("ownership_category", "Ownership"),
    ("governance", "Governance (assessed)"),
)


def _node_facts(rec: dict[str, Any]) -> list[list[str]]:
    facts: list[list[str]] = []
    for col, name in _NODE_FACTS:
        value = _text(rec.get(col))
        if value is None:
            continue
        if col == "country":
            value = f"{style.country_name(value)} ({value})"
        elif col == "size_class":
            value = style.concept_labels("size-class").get(value, value)
        elif col == "ownership_category":
            value = style.concept_labels("ownership-category").get(value, value)
        elif col == "governance":
            value = "; ".join(
                style.governance_label(style.governance_key(g, g)).split(" (")[0]
                for g in value.split(";")
            )
        facts.append([name, value])
    if rec.get("lead_firm") is True:
        facts.append(["Lead firm", "yes"])
    facts.append(["Key", str(rec.get("node"))])
    return facts


def _pct(value: Any) -> str | None:
    if value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value)):
        return None
    return f"{float(value):g}%"


def _share(rec: dict[str, Any]) -> str | None:
    lo, hi = _pct(rec.get("share_min")), _pct(rec.get("share_max"))
    if lo is None and hi is None:
        return None
    if lo == hi:
        return lo
    left = (">" if rec.get("share_min_exclusive") is True else "") + (lo or "0%")
    right = ("<" if rec.get("share_max_exclusive") is True else "") + (hi or "100%")
    return f"{left} to {right}"


def _edge_facts(rec: dict[str, Any], label_of: dict[str, str]) -> list[list[str]]:
    u, v = str(rec["u"]), str(rec["v"])
    facts = [
        [
            "Relation",
            f"{label_of.get(u, u)} {style.relation_label(rec.get('relation'))} "
            f"{label_of.get(v, v)}",
        ]
    ]
    gov = _text(rec.get("governance"))
    if gov:
        facts.append(["Governance", style.governance_label(gov)])
    hs = _text(rec.get("governance_hs"))
    if hs:
        facts.append(["Governance (H&S)", style.governance_label(hs)])
    dep = _pct(rec.get("supplier_dependence"))
    if dep:
        facts.append(["Supplier's sales to buyer", dep])
    share = _share(rec)
    if share:
        facts.append(["Share", share])
    for col, name in (
        ("interest", "Interest"),
        ("basis", "Basis"),
        ("item", "Item"),
        ("relation_type", "Relation type"),
        ("complexity", "Complexity"),
        ("codifiability", "Codifiability"),
        ("capability", "Supplier capability"),
        ("amount", "Amount"),
    ):
        value = _text(rec.get(col))
        if value:
            facts.append([name, value])
    for col, name, yes, no in (
        ("direct", "Holding", "direct", "indirect"),
        ("exclusive", "Exclusive", "yes", "no"),
        ("buyer_controls_design", "Buyer controls design", "yes", "no"),
    ):
        value = rec.get(col)
        if value is True or value is False:
            facts.append([name, yes if value else no])
    chain = _text(rec.get("chain"))
    if chain:
        facts.append(["Value chain", label_of.get(chain, chain)])
    start, end = iso_date(rec.get("valid_from")), iso_date(rec.get("valid_to"))
    if start or end:
        facts.append(["Valid", f"{start or '?'} to {end or 'open'}"])
    for col, name in (("source", "Source"), ("fact", "Fact")):
        value = _text(rec.get(col))
        if value:
            facts.append([name, value])
    return facts


# ---------------------------------------------------------------------------------- aggregation


def aggregate(
    proj: Projection, by: str, limit: int = AGGREGATE_LIMIT
) -> tuple[pd.DataFrame, pd.DataFrame, str]:
    """Aggregate the nodes of a large view into groups, and its edges between the groups.

    Parameters
    ----------
    proj:
        The view.
    by:
        ``country``: nodes of one class in one country form a group (``firms, Mexico``);
        ``cluster``: the members of a cluster (``member-of`` a ``Cluster`` node) and the
        cluster form a group, other nodes are grouped by class and country; ``group``: the
        firms of one corporate group (:func:`gvcgraph.graph.ownership.ultimate_controllers`)
        form a group, other nodes are grouped by class and country.
    limit:
        If the groups are still more than ``limit``, nodes are grouped by class alone.

    Returns
    -------
    (nodes, edges, note)
        Frames like :class:`MapView`'s (``members`` counts the nodes of a group, ``count``
        the relations an edge stands for), and the note shown on the map.
    """
    n = proj.nodes
    klass = n["cls"].map(lambda c: style.node_class(c).key)
    country = n["country"].astype("string").fillna(style.NO_COUNTRY)
    keys = n["node"].astype(str)
    group = ("class:" + klass + "@" + country).astype(str)
    names = {g: _class_country_label(g) for g in pd.unique(group)}
    how = "class and country"
    if by == "cluster":
        e = proj.edges
        clusters = set(keys[n["cls"] == "Cluster"])
        mem = e[(e["relation"] == "member-of") & e["v"].isin(clusters)].drop_duplicates("u")
        cluster_of = dict(zip(mem["u"], mem["v"], strict=True)) | {c: c for c in clusters}
        label_of = dict(zip(keys, proj.labels(), strict=True))
        mapped = keys.map(cluster_of)
        group = group.where(mapped.isna(), "cluster:" + mapped.astype(str))
        for c in set(cluster_of.values()):
            names["cluster:" + c] = label_of.get(c, c)
        how = "cluster (other nodes by class and country)"
    elif by == "group":
        from gvcgraph.graph.ownership import ultimate_controllers

        ctl = ultimate_controllers(proj)
        head = ctl.set_index("node")["group"].reindex(keys)
        head_label = ctl.set_index("node")["group_label"].dropna().to_dict()
        group = group.where(head.isna().to_numpy(), ("corp:" + head.astype(str)).to_numpy())
        for h in head.dropna().unique():
            names["corp:" + h] = f"group of {head_label.get(h, h)}"
        how = "corporate group (other nodes by class and country)"
    if group.nunique() > limit:
        group = ("class:" + klass + "@" + style.NO_COUNTRY).astype(str)
        names = {g: _class_country_label(g) for g in pd.unique(group)}
        how = "class"
    group = group.to_numpy()
    frame = pd.DataFrame(
        {
            "group": group,
            "klass": klass.to_numpy(),
            "country": n["country"].to_numpy(),
            "label": proj.labels().to_numpy(),
        }
    )
    rows = []
    for g, part in frame.groupby("group", sort=True):
        classes = Counter(part["klass"])
        countries = Counter(c for c in part["country"] if isinstance(c, str))
        k = next(iter(classes)) if len(classes) == 1 else "group"
        ctry = (
            next(iter(countries))
            if len(countries) == 1 and sum(countries.values()) == len(part)
            else None
        )
        size = len(part)
        name = names.get(g, str(g))
        facts = [["Nodes", f"{size:,}"]]
        facts += [[style.class_by_key(c).label, f"{m:,}"] for c, m in classes.most_common()]
        if countries:
            facts.append(
                [
                    "Countries",
                    ", ".join(
                        f"{style.country_name(c)} ({m:,})" for c, m in countries.most_common(8)
                    ),
                ]
            )
        facts.append(["Examples", "; ".join(part["label"].head(5))])
        rows.append(
            {
                "id": str(g),
                "full_label": f"{name} ({size:,})",
                "cls": None,
                "klass": k,
                "country": ctry,
                "lead_firm": False,
                "measure": float(size),
                "members": size,
                "evidence": [],
                "sources": [],
                "facts": facts,
            }
        )
    nodes = pd.DataFrame(
        rows,
        columns=[
            "id",
            "full_label",
            "cls",
            "klass",
            "country",
            "lead_firm",
            "measure",
            "members",
            "evidence",
            "sources",
            "facts",
        ],
    )
    nodes["label"] = nodes["full_label"].map(_short)
    e = proj.edges
    gu, gv = group[e["iu"].to_numpy()], group[e["iv"].to_numpy()]
    agg = pd.DataFrame({"u": gu, "v": gv, "relation": e["relation"].to_numpy()})
    inside = agg[agg["u"] == agg["v"]]
    inner = inside.groupby("u").size()
    nodes["facts"] = [
        f + ([["Relations inside", f"{int(inner[i]):,}"]] if i in inner.index else [])
        for f, i in zip(nodes["facts"], nodes["id"], strict=True)
    ]
    between = agg[agg["u"] != agg["v"]].groupby(["u", "v", "relation"], sort=True).size()
    between = between.reset_index(name="count")
    dropped = 0
    if len(between) > AGGREGATE_EDGES_MAX:
        order = between.sort_values(
            ["count", "u", "v", "relation"], ascending=[False, True, True, True], kind="stable"
        )
        dropped = len(between) - AGGREGATE_EDGES_MAX
        dropped_rel = int(order["count"].iloc[AGGREGATE_EDGES_MAX:].sum())
        between = order.head(AGGREGATE_EDGES_MAX).sort_values(["u", "v", "relation"])
        between = between.reset_index(drop=True)
    label_of = dict(zip(nodes["id"], nodes["full_label"], strict=True))
    edges = pd.DataFrame(
        {
            "id": [f"e{i}" for i in range(len(between))],
            "u": between["u"].astype(str),
            "v": between["v"].astype(str),
            "relation": between["relation"],
            "governance": style.GOVERNANCE_NOT_STATED,
            "count": between["count"].astype(int),
        }
    )
    edges["evidence"] = [[] for _ in range(len(edges))]
    edges["facts"] = [
        [
            ["Relations", f"{c:,} x {style.relation_label(r)}"],
            ["From", label_of.get(u, u)],
            ["To", label_of.get(v, v)],
        ]
        for u, v, r, c in zip(
            edges["u"], edges["v"], edges["relation"], edges["count"], strict=True
        )
    ]
    note = (
        f"Aggregated map: the view has {proj.n:,} nodes and {len(proj.edges):,} relations, "
        f"more than the {limit:,} nodes a browser map stays usable with, so its "
        f"nodes are grouped by {how} into {len(nodes):,} groups, and each line stands for "
        "all relations of one type between two groups. Use --focus NODE --depth K, a "
        "narrower --view or --as-of to map single nodes."
    )
    if dropped:
        note += (
            f" Only the {AGGREGATE_EDGES_MAX:,} lines that stand for the most relations "
            f"are drawn; {dropped:,} lines for {dropped_rel:,} relations are left out."
        )
    return nodes, edges, note


def _class_country_label(group: str) -> str:
    body = group.split(":", 1)[1]
    k, _, ctry = body.partition("@")
    plural = style.class_by_key(k).plural
    if ctry == style.NO_COUNTRY:
        return f"{plural}, no country"
    return f"{plural}, {style.country_name(ctry)}"


# ---------------------------------------------------------------------------------- evidence


def _load_query(name: str) -> str:
    return (resources.files("gvcgraph.render") / "assets" / name).read_text("utf-8")


def _values(var: str, iris: Iterable[str]) -> str:
    import pyoxigraph as ox

    return f"VALUES ?{var} {{ {' '.join(str(ox.NamedNode(i)) for i in iris)} }}"


def _select_chunks(kg: Any, query: str, var: str, iris: list[str]) -> pd.DataFrame:
    from gvcgraph.graph.project import select_frame

    parts = []
    for s in range(0, len(iris), EVIDENCE_CHUNK):
        chunk = iris[s : s + EVIDENCE_CHUNK]
        parts.append(select_frame(kg, f"{query}\n{_values(var, chunk)}"))
    return pd.concat(parts, ignore_index=True) if parts else pd.DataFrame()


def evidence_table(kg: Any, keys: Iterable[str]) -> dict[str, dict[str, Any]]:
    """Evidence passages by evidence key (``doc/<source>/ev/...``): source id, title, year,
    file, line, last line, page, quote and status (absent values are left out)."""
    wanted = sorted({k for k in keys if k})
    if not wanted:
        return {}
    df = _select_chunks(kg, _load_query("evidence.rq"), "ev", [node_iri(k) for k in wanted])
    out: dict[str, dict[str, Any]] = {}
    for rec in df.to_dict("records"):
        key = node_key(rec.pop("ev"))
        if key in out:
            continue
        entry = {k: _text(v) for k, v in rec.items()}
        out[key] = {k: v for k, v in entry.items() if v is not None}
    return out


def attach_evidence(kg: Any, mv: MapView) -> None:
    """Fill the nodes' evidence and sources, and the view's evidence table, from the store."""
    iris = [node_iri(k) for k in mv.nodes["id"]]
    df = _select_chunks(kg, _load_query("node_evidence.rq"), "s", iris)
    ev_of: dict[str, set[str]] = {}
    src_of: dict[str, set[str]] = {}
    for s, ev, src in zip(df.get("s", []), df.get("ev", []), df.get("source", []), strict=True):
        key = node_key(s)
        if isinstance(ev, str):
            ev_of.setdefault(key, set()).add(node_key(ev))
        if isinstance(src, str):
            src_of.setdefault(key, set()).add(src)
    mv.nodes["evidence"] = [sorted(ev_of.get(k, ())) for k in mv.nodes["id"]]
    mv.nodes["sources"] = [sorted(src_of.get(k, ())) for k in mv.nodes["id"]]
    mv.nodes["facts"] = [
        f[:-1] + ([["Sources", ", ".join(s)]] if s else []) + f[-1:]
        for f, s in zip(mv.nodes["facts"], mv.nodes["sources"], strict=True)
    ]
    keys = [k for lst in mv.nodes["evidence"] for k in lst]
    keys += [k for lst in mv.edges["evidence"] for k in lst]
    mv.evidence = evidence_table(kg, keys)


# ---------------------------------------------------------------------------------- layout


def _position(mv: MapView, proj: Projection, seed: int) -> None:
    nodes, edges = mv.nodes, mv.edges
    index = {k: i for i, k in enumerate(nodes["id"])}
    rows = edges["u"].map(index).to_numpy(dtype=np.int64)
    cols = edges["v"].map(index).to_numpy(dtype=np.int64)
    mv.rows = []
    if mv.layout == "tiers":
        supply = edges[edges["relation"] == SUPPLIES]
        if supply.empty:
            mv.notes.append(
                "The view has no supply relations, so there are no tiers to draw; "
                "the force layout is used."
            )
            mv.layout = "force"
        else:
            from gvcgraph.graph.tiers import supplier_tiers

            t = supplier_tiers(proj)
            tiers: dict[str, dict[str, int]] = {}
            for lead, sup, tier in zip(t["lead_firm"], t["supplier"], t["tier"], strict=True):
                tiers.setdefault(str(lead), {})[str(sup)] = int(tier)
            buyers: dict[str, list[str]] = {}
            for u, v in zip(supply["u"], supply["v"], strict=True):
                buyers.setdefault(u, []).append(v)
            tl = lay.tier_layout(list(nodes["id"]), tiers, buyers)
            nodes["x"], nodes["y"] = tl.positions[:, 0], tl.positions[:, 1]
            nodes["tier"] = tl.tier
            mv.rows = tl.rows
            for i, (t_, lead) in enumerate(zip(tl.tier, tl.lead, strict=True)):
                if t_ > 0 and lead is not None:
                    nodes.at[i, "facts"] = [
                        *nodes.at[i, "facts"][:-1],
                        ["Tier", f"{t_} (below {_label(nodes, lead)})"],
                        nodes.at[i, "facts"][-1],
                    ]
            return
    pos = lay.force_layout(len(nodes), rows, cols, seed=seed)
    nodes["x"], nodes["y"] = pos[:, 0], pos[:, 1]
    nodes["tier"] = -1


def _label(nodes: pd.DataFrame, key: str) -> str:
    hit = nodes.loc[nodes["id"] == key, "full_label"]
    return str(hit.iloc[0]) if len(hit) else key


# ---------------------------------------------------------------------------------- styles


def _style(mv: MapView) -> None:
    nodes, edges = mv.nodes, mv.edges
    classes = [style.class_by_key(k) for k in nodes["klass"]]
    nodes["color_class"] = [c.color for c in classes]
    nodes["shape"] = [c.shape for c in classes]
    counts = Counter(c for c in nodes["country"] if isinstance(c, str) and c)
    ccolors = style.country_colors(counts.items())
    nodes["color_country"] = [style.country_color(c, ccolors) for c in nodes["country"]]
    values = pd.to_numeric(nodes["measure"], errors="coerce").to_numpy(dtype=float)
    nodes["size"] = node_sizes(values)

    fams = [style.edge_family(r) for r in edges["relation"]]
    edges["family"] = [f.key for f in fams]
    edges["color"] = [
        style.edge_color(r, g) if f.key == "supply" else f.color
        for r, g, f in zip(edges["relation"], edges["governance"], fams, strict=True)
    ]
    edges["dashes"] = [list(f.dashes) for f in fams]
    base = np.array([f.width for f in fams], dtype=float)
    if mv.aggregated:
        base = base + np.log2(edges["count"].to_numpy(dtype=float).clip(1)) * 0.8
    edges["width"] = base
    edges["roundness"] = parallel_roundness(edges["u"], edges["v"])

    present = Counter(nodes["klass"])
    legend: dict[str, Any] = {
        "classes": [
            {
                "key": c.key,
                "label": c.label,
                "color": c.color,
                "border": style.darker(c.color),
                "shape": c.shape,
                "count": present[c.key],
            }
            for c in style.NODE_CLASSES
            if present[c.key]
        ],
        "countries": [],
        "families": [],
        "governance": [],
        "size": None,
    }
    ranked = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
    other = 0
    for code, count in ranked:
        color = ccolors[code]
        if color == style.OTHER_COUNTRY_COLOR:
            other += count
            continue
        legend["countries"].append(
            {
                "key": code,
                "label": style.country_name(code),
                "color": color,
                "border": style.darker(color),
                "count": count,
            }
        )
    if other:
        legend["countries"].append(
            {
                "key": style.OTHER_COUNTRY,
                "label": "Other countries",
                "color": style.OTHER_COUNTRY_COLOR,
                "border": style.darker(style.OTHER_COUNTRY_COLOR),
                "count": other,
            }
        )
    missing = int(sum(1 for c in nodes["country"] if not (isinstance(c, str) and c)))
    if missing:
        legend["countries"].append(
            {
                "key": style.NO_COUNTRY,
                "label": "No country",
                "color": style.NO_COUNTRY_COLOR,
                "border": style.darker(style.NO_COUNTRY_COLOR, 0.7),
                "count": missing,
            }
        )
    fam_count = Counter(edges["family"])
    legend["families"] = [
        {
            "key": f.key,
            "label": f.label,
            "color": f.color,
            "width": f.width,
            "dashes": list(f.dashes),
            "count": fam_count[f.key],
        }
        for f in style.EDGE_FAMILIES
        if fam_count[f.key]
    ]
    supply = edges[edges["family"] == "supply"]
    gov_count = Counter(supply["governance"])
    order = [*style.GOVERNANCE_COLORS, style.GOVERNANCE_NOT_STATED]
    legend["governance"] = [
        {
            "key": g,
            "label": style.governance_label(g),
            "color": style.governance_color(g),
            "count": gov_count[g],
        }
        for g in order
        if gov_count[g]
    ]
    finite = values[np.isfinite(values)]
    if mv.size_by != "none" and len(finite):
        legend["size"] = {
            "measure": mv.size_by,
            "label": MEASURE_LABELS.get(mv.size_by, mv.size_by),
            "min": float(finite.min()),
            "max": float(finite.max()),
        }
    mv.legend = legend


def node_sizes(values: np.ndarray) -> np.ndarray:
    """Node radius in px: square-root scaled from :data:`style.NODE_SIZE_MIN` to
    :data:`style.NODE_SIZE_MAX` over the finite values (missing values get the minimum).

    >>> node_sizes(np.array([0.0, 1.0, np.nan])).tolist()
    [8.0, 30.0, 8.0]
    """
    values = np.asarray(values, dtype=float)
    out = np.full(len(values), style.NODE_SIZE_MIN)
    ok = np.isfinite(values)
    if not ok.any():
        return out
    lo, hi = values[ok].min(), values[ok].max()
    if hi > lo:
        frac = np.sqrt((values[ok] - lo) / (hi - lo))
        out[ok] = style.NODE_SIZE_MIN + frac * (style.NODE_SIZE_MAX - style.NODE_SIZE_MIN)
    else:
        out[ok] = (style.NODE_SIZE_MIN + style.NODE_SIZE_MAX) / 3
    return out


def parallel_roundness(u: Iterable[str], v: Iterable[str]) -> list[float]:
    """Signed curvature for each edge so that parallel edges (same two nodes, either
    direction) fan out instead of overlapping; 0 for an edge with no parallel.

    >>> parallel_roundness(["a", "a", "b"], ["b", "b", "a"])
    [-0.2, 0.0, -0.2]
    """
    pairs = [(a, b) if a <= b else (b, a) for a, b in zip(u, v, strict=True)]
    sizes = Counter(pairs)
    seen: Counter[tuple[str, str]] = Counter()
    out = []
    for (a, b), uu in zip(pairs, u, strict=True):
        m = sizes[(a, b)]
        k = seen[(a, b)]
        seen[(a, b)] += 1
        r = 0.2 * (k - (m - 1) / 2)
        out.append(round(r if uu == a else -r, 4) + 0.0 if m > 1 else 0.0)
    return out
