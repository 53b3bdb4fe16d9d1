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
  corporate group, and the map says so in a visible note;
* a map looks up the sources and evidence of at most :data:`EVIDENCE_NODES_MAX` nodes (the
  largest) and embeds at most :data:`EVIDENCE_PASSAGES_MAX` evidence passages, and says so
  when it leaves some out; a figure looks up none.

Everything after the projection is worked out on whole columns (numpy, pandas), so that a
view of a million nodes is aggregated, laid out and styled in about a second.
"""

from __future__ import annotations

import math
import re
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

EVIDENCE_CHUNK = 500
"""IRIs per VALUES block when looking up evidence (Oxigraph 0.5 plans a block of more than
about a thousand IRIs as a join with the whole store: minutes instead of a second)."""

EVIDENCE_THREADS = 4
"""Evidence queries run at once (the store reads from disk meanwhile)."""

EVIDENCE_NODES_MAX = 1000
"""A map looks up the sources and evidence of at most this many nodes (the largest): about
half a second in a store of a million firms read from disk."""

EVIDENCE_PASSAGES_MAX = 1500
"""A map embeds at most this many evidence passages (the largest nodes' first): about a
second in a store of a million firms read from disk."""


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
    evidence: bool = True,
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
    evidence:
        Look up the sources and evidence passages of the drawn nodes and lines in the
        knowledge graph (for the map's tooltips; a figure does not need them). See
        :func:`attach_evidence` for the limits of a large view.

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
        mv.notes = notes
        if kg is not None and evidence:
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
    return str(proj.nodes["node"].iloc[_find_position(proj, text)])


def _find_position(proj: Projection, text: str) -> int:
    """Position of the node :func:`find_node` names (vectorised comparisons: no set or
    hash index of a million keys is built)."""
    keys = proj.nodes["node"]
    hit = np.flatnonzero((keys.astype(str) == text).to_numpy(dtype=bool))
    if len(hit):
        return int(hit[0])
    labels = proj.nodes["label"].astype("string").fillna("")
    folded = labels.str.casefold()
    hit = np.flatnonzero((folded == text.casefold()).to_numpy(dtype=bool))
    if len(hit):
        return int(hit[0])
    low = text.casefold()
    key_text = keys.astype(str)
    near = key_text[
        (
            folded.str.contains(low, regex=False)
            | key_text.str.casefold().str.contains(low, regex=False)
        )
        .fillna(False)
        .to_numpy(dtype=bool)
    ]
    hint = f"; did you mean: {', '.join(near.head(8))}" if len(near) else ""
    raise ViewError(f"no node {text!r} in the {proj.view} view{hint}")


def focus_on(proj: Projection, text: str, depth: int) -> tuple[Projection, str]:
    """The part of a projection within ``depth`` hops (either direction) of one node.

    Returns the smaller projection and a sentence for the map's notes. Each hop is one pass
    over the edge positions (no adjacency matrix is built).
    """
    if depth < 0:
        raise ViewError("--depth must be 0 or more")
    start = _find_position(proj, text)
    e = proj.edges
    iu, iv = e["iu"].to_numpy(np.int64), e["iv"].to_numpy(np.int64)
    seen = np.zeros(proj.n, dtype=bool)
    seen[start] = True
    frontier = seen.copy()
    for _ in range(depth):
        nxt = np.zeros(proj.n, dtype=bool)
        nxt[iv[frontier[iu]]] = True
        nxt[iu[frontier[iv]]] = True
        nxt &= ~seen
        if not nxt.any():
            break
        seen |= nxt
        frontier = nxt
    keep_nodes = proj.nodes[seen]
    keep = seen[iu] & seen[iv]
    sub = Projection(
        keep_nodes,
        e.loc[keep].drop(columns=["iu", "iv"]),
        view=proj.view,
        as_of=proj.as_of,
        tables=proj.tables,
    )
    label = _labels_at(proj, np.array([start]))[0]
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
    # lists, or arrays as a projection read back from its Parquet cache holds them
    edges["evidence"] = [
        [str(k) for k in x] if isinstance(x, (list, tuple, np.ndarray)) else []
        for x in e["evidence"]
    ]
    edges["facts"] = _edge_fact_lists(e, label_of)
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


def _edge_fact_lists(e: pd.DataFrame, label_of: dict[str, str]) -> list[list[list[str]]]:
    """The tooltip facts of every edge: the relation, then each attribute it has (governance,
    shares, dates, source, fact ...). Worked out column by column: a column with no value
    costs nothing, and repeated values (a governance type, a source) are formatted once."""
    m = len(e)

    def values(col: str) -> list[Any]:
        return e[col].tolist() if col in e.columns else [None] * m

    def present(col: str) -> bool:
        return col in e.columns and bool(e[col].notna().any())

    def cached(func: Callable[[Any], str | None], vals: list[Any]) -> list[str | None]:
        memo: dict[Any, str | None] = {}
        out: list[str | None] = []
        for x in vals:
            try:
                out.append(memo[x])
            except KeyError:
                out.append(memo.setdefault(x, func(x)))
            except TypeError:  # unhashable
                out.append(func(x))
        return out

    def label(key: Any) -> str:
        k = str(key)
        return label_of.get(k, k)

    us, vs = cached(label, values("u")), cached(label, values("v"))
    rels = cached(style.relation_label, values("relation"))
    first = [["Relation", f"{a} {r} {b}"] for a, r, b in zip(us, rels, vs, strict=True)]
    columns: list[tuple[str, list[str | None]]] = []

    def add(name: str, vals: list[str | None]) -> None:
        if any(x is not None for x in vals):
            columns.append((name, vals))

    def label_text(x: Any) -> str | None:
        t = _text(x)
        return style.governance_label(t) if t else None

    def truthy_text(x: Any) -> str | None:
        return _text(x) or None

    for col, name in (("governance", "Governance"), ("governance_hs", "Governance (H&S)")):
        if present(col):
            add(name, cached(label_text, values(col)))
    if present("supplier_dependence"):
        add("Supplier's sales to buyer", cached(_pct, values("supplier_dependence")))
    share_cols = ("share_min", "share_max", "share_min_exclusive", "share_max_exclusive")
    if present("share_min") or present("share_max"):
        share = [
            _share(dict(zip(share_cols, row, strict=True)))
            for row in zip(*(values(c) for c in share_cols), strict=True)
        ]
        add("Share", share)
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
        if present(col):
            add(name, cached(truthy_text, values(col)))
    for col, name, yes, no in (
        ("direct", "Holding", "direct", "indirect"),
        ("exclusive", "Exclusive", "yes", "no"),
        ("buyer_controls_design", "Buyer controls design", "yes", "no"),
    ):
        if present(col):
            add(name, [yes if x is True else no if x is False else None for x in values(col)])
    if present("chain"):
        add("Value chain", cached(lambda x: label(x) if _text(x) else None, values("chain")))
    if present("valid_from") or present("valid_to"):
        valid = []
        for a, b in zip(values("valid_from"), values("valid_to"), strict=True):
            start, end = iso_date(a), iso_date(b)
            valid.append(f"{start or '?'} to {end or 'open'}" if start or end else None)
        add("Valid", valid)
    for col, name in (("source", "Source"), ("fact", "Fact")):
        if present(col):
            add(name, cached(truthy_text, values(col)))
    facts = []
    for i in range(m):
        row = [first[i]]
        for name, vals in columns:
            x = vals[i]
            if x is not None:
                row.append([name, x])
        facts.append(row)
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

    Groups are worked out on integer codes (numpy), so that a view of millions of nodes
    aggregates in about a second; only the groups' own texts are built in Python.
    """
    n = proj.nodes
    size = proj.n
    cls_code, cls_uniques = pd.factorize(n["cls"], use_na_sentinel=False)
    klass_cls = np.array([c if isinstance(c, str) else None for c in cls_uniques], dtype=object)
    klass_keys, kc = _class_codes(klass_cls, cls_code)
    country_keys, cc = _country_codes(n["country"])
    keys = n["node"]
    # a node's group: a class-and-country combination (base) or a node standing for the group
    # (a cluster, a corporate group's head): token base code, or n_base + head position
    nc = len(country_keys) + 1
    base = kc * nc + np.where(cc < 0, len(country_keys), cc)
    head = np.full(size, -1, dtype=np.int64)
    head_name: dict[int, str] = {}
    how = "class and country"
    e = proj.edges
    iu, iv = e["iu"].to_numpy(np.int64), e["iv"].to_numpy(np.int64)
    rel_code, rel_names = pd.factorize(e["relation"], sort=True)
    if by == "cluster":
        is_cluster = np.asarray(klass_cls == "Cluster", dtype=bool)[cls_code]
        member_of = rel_names.get_indexer(["member-of"])[0]
        mem = (rel_code == member_of) & (member_of >= 0) & is_cluster[iv]
        mu, first = np.unique(iu[mem], return_index=True)  # first membership of each member
        head[mu] = iv[mem][first]
        clusters = np.flatnonzero(is_cluster)
        head[clusters] = clusters
        used = np.unique(head[head >= 0])
        labels = _labels_at(proj, used)
        head_name = dict(zip(used.tolist(), labels, strict=True))
        prefix = "cluster:"
        how = "cluster (other nodes by class and country)"
    elif by == "group":
        head, head_name = _corporate_heads(proj, rel_code, rel_names)
        prefix = "corp:"
        how = "corporate group (other nodes by class and country)"
    token = np.where(head >= 0, len(klass_keys) * nc + head, base)
    code, uniq = pd.factorize(token)
    if len(uniq) > limit:
        token = kc * nc + len(country_keys)
        code, uniq = pd.factorize(token)
        how = "class"
    ids: list[str] = []
    names: list[str] = []
    for t in uniq.tolist():
        if t >= len(klass_keys) * nc:
            p = t - len(klass_keys) * nc
            ids.append(prefix + str(keys.iloc[p]))
            names.append(head_name[p])
        else:
            k, c = divmod(t, nc)
            ctry = country_keys[c] if c < len(country_keys) else style.NO_COUNTRY
            ids.append(f"class:{klass_keys[k]}@{ctry}")
            names.append(_class_country_label(ids[-1]))
    # groups in the order of their ids, as before
    order = sorted(range(len(ids)), key=ids.__getitem__)
    rank = np.empty(len(ids), dtype=np.int64)
    rank[order] = np.arange(len(ids))
    group = rank[code]
    ids = [ids[i] for i in order]
    names = [names[i] for i in order]
    n_groups = len(ids)
    members = np.bincount(group, minlength=n_groups)
    classes = _counts_by_group(group, kc, n_groups)
    countries = _counts_by_group(group[cc >= 0], cc[cc >= 0], n_groups)
    with_country = np.bincount(group[cc >= 0], minlength=n_groups)
    # five example labels per group, in node order (a radix sort for small group codes)
    small = group.astype(np.int16) if n_groups < 2**15 else group
    sorted_pos = np.argsort(small, kind="stable")
    starts = np.searchsorted(group[sorted_pos], np.arange(n_groups))
    take = np.concatenate(
        [sorted_pos[s : s + min(5, m)] for s, m in zip(starts, members, strict=True)]
        or [np.zeros(0, dtype=np.int64)]
    )
    example_labels = _labels_at(proj, take)
    examples: list[list[str]] = [[] for _ in range(n_groups)]
    for g, lab in zip(group[take].tolist(), example_labels, strict=True):
        examples[g].append(lab)
    # relations: inside a group, and between two groups by relation
    gu, gv = group[iu], group[iv]
    inner = np.bincount(gu[gu == gv], minlength=n_groups)
    ok = (gu != gv) & (rel_code >= 0)
    n_rel = max(len(rel_names), 1)
    pair = (gu[ok] * n_groups + gv[ok]) * n_rel + rel_code[ok]
    pairs, counts = np.unique(pair, return_counts=True)
    dropped = dropped_rel = 0
    if len(pairs) > AGGREGATE_EDGES_MAX:
        # most relations first, ties by (u, v, relation): the order of the pair codes
        top = np.argsort(-counts, kind="stable")
        dropped = len(pairs) - AGGREGATE_EDGES_MAX
        dropped_rel = int(counts[top[AGGREGATE_EDGES_MAX:]].sum())
        keep = np.sort(top[:AGGREGATE_EDGES_MAX])
        pairs, counts = pairs[keep], counts[keep]
    eu, rest = np.divmod(pairs, n_groups * n_rel)
    ev, er = np.divmod(rest, n_rel)

    rows = []
    for g in range(n_groups):
        cls_counts = classes[g]
        k = cls_counts[0][0] if len(cls_counts) == 1 else None
        ctry_counts = countries[g]
        ctry = (
            country_keys[ctry_counts[0][0]]
            if len(ctry_counts) == 1 and with_country[g] == members[g]
            else None
        )
        m = int(members[g])
        facts = [["Nodes", f"{m:,}"]]
        facts += [[style.class_by_key(klass_keys[c]).label, f"{x:,}"] for c, x in cls_counts]
        if ctry_counts:
            facts.append(
                [
                    "Countries",
                    ", ".join(
                        f"{style.country_name(country_keys[c])} ({x:,})" for c, x in ctry_counts[:8]
                    ),
                ]
            )
        facts.append(["Examples", "; ".join(examples[g])])
        if inner[g]:
            facts.append(["Relations inside", f"{int(inner[g]):,}"])
        rows.append(
            {
                "id": ids[g],
                "full_label": f"{names[g]} ({m:,})",
                "cls": None,
                "klass": klass_keys[k] if k is not None else "group",
                "country": ctry,
                "lead_firm": False,
                "measure": float(m),
                "members": m,
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
    full = nodes["full_label"].tolist()
    edges = pd.DataFrame(
        {
            "id": [f"e{i}" for i in range(len(pairs))],
            "u": pd.Series([ids[i] for i in eu.tolist()], dtype=object),
            "v": pd.Series([ids[i] for i in ev.tolist()], dtype=object),
            "relation": pd.Series([rel_names[i] for i in er.tolist()], dtype=object),
            "governance": style.GOVERNANCE_NOT_STATED,
            "count": counts.astype(int),
        }
    )
    edges["evidence"] = [[] for _ in range(len(edges))]
    edges["facts"] = [
        [
            ["Relations", f"{c:,} x {style.relation_label(rel_names[r])}"],
            ["From", full[a]],
            ["To", full[b]],
        ]
        for a, b, r, c in zip(eu.tolist(), ev.tolist(), er.tolist(), counts.tolist(), strict=True)
    ]
    note = (
        f"Aggregated map: the view has {size:,} nodes and {len(e):,} relations, "
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


def _corporate_heads(
    proj: Projection, rel_code: np.ndarray, rel_names: pd.Index
) -> tuple[np.ndarray, dict[int, str]]:
    """Position of each node's corporate group head (-1 for none) and the groups' names.

    Corporate groups are those of :func:`gvcgraph.graph.ownership.ultimate_controllers`,
    worked out on the ownership and control relations alone (a projection restricted to
    them: the same groups, without reading the view's other relations).
    """
    from gvcgraph.graph.ownership import ultimate_controllers
    from gvcgraph.graph.project import CONTROLS, ESTABLISHMENT_OF, OWNS

    e = proj.edges
    head = np.full(proj.n, -1, dtype=np.int64)
    codes = rel_names.get_indexer([OWNS, CONTROLS, ESTABLISHMENT_OF])
    keep = np.isin(rel_code, codes[codes >= 0])
    if not keep.any():
        return head, {}
    iu, iv = e["iu"].to_numpy(np.int64), e["iv"].to_numpy(np.int64)
    touched = np.zeros(proj.n, dtype=bool)
    touched[iu[keep]] = True
    touched[iv[keep]] = True
    full = np.flatnonzero(touched)  # restrict() keeps the nodes it touches, in order
    sub = proj.restrict(mask=keep)
    ctl = ultimate_controllers(sub).reset_index(drop=True)
    if len(ctl) != sub.n or not (ctl["node"].to_numpy() == sub.nodes["node"].to_numpy()).all():
        ctl = ctl.drop_duplicates("node").set_index("node").reindex(sub.nodes["node"])
        ctl = ctl.reset_index()
    head_code, head_keys = pd.factorize(ctl["group"], use_na_sentinel=True)
    head_sub = sub.positions([str(h) for h in head_keys])
    head_full = np.append(np.where(head_sub >= 0, full[head_sub], -1), -1)
    head[full] = head_full[head_code]
    labels = ctl["group_label"].to_numpy(dtype=object)
    keys = sub.nodes["node"].to_numpy(dtype=object)
    names = {
        int(full[p]): f"group of {labels[p] if isinstance(labels[p], str) else keys[p]}"
        for p in head_sub.tolist()
        if p >= 0
    }
    return head, names


def _class_codes(classes: np.ndarray, codes: np.ndarray) -> tuple[list[str], np.ndarray]:
    """Style class keys (:func:`style.node_class`) of factorized ontology classes
    (``classes[codes]``), as codes into a list of keys in order of first appearance."""
    keys: list[str] = []
    index: dict[str, int] = {}
    remap = np.empty(len(classes), dtype=np.int64)
    for i, c in enumerate(classes):
        k = style.node_class(c).key
        if k not in index:
            index[k] = len(keys)
            keys.append(k)
        remap[i] = index[k]
    return keys, remap[codes]


def _country_codes(country: pd.Series) -> tuple[list[str], np.ndarray]:
    """Country codes (strings) of a country column; -1 where there is none (not a string)."""
    codes, uniques = pd.factorize(country, use_na_sentinel=True)
    values = list(uniques)
    keep = np.array([isinstance(c, str) for c in values] + [False], dtype=bool)
    keys = [c for c in values if isinstance(c, str)]
    remap = np.full(len(values) + 1, -1, dtype=np.int64)
    remap[:-1][keep[:-1]] = np.arange(len(keys))
    return keys, remap[codes]


def _counts_by_group(
    group: np.ndarray, value: np.ndarray, n_groups: int
) -> list[list[tuple[int, int]]]:
    """Per group, (value, count) pairs by decreasing count, ties by first appearance (as
    :meth:`collections.Counter.most_common` gives them)."""
    out: list[list[tuple[int, int]]] = [[] for _ in range(n_groups)]
    if not len(group):
        return out
    width = int(value.max()) + 1
    pair = group.astype(np.int64) * width + value
    counts = np.bincount(pair, minlength=n_groups * width)
    first = np.full(n_groups * width, len(pair), dtype=np.int64)
    first[pair[::-1]] = np.arange(len(pair) - 1, -1, -1)  # the last write, the first index
    present = np.flatnonzero(counts)
    g, v = np.divmod(present, width)
    order = np.lexsort((first[present], -counts[present], g))
    for gi, vi, ci in zip(
        g[order].tolist(), v[order].tolist(), counts[present][order].tolist(), strict=True
    ):
        out[gi].append((vi, ci))
    return out


def _labels_at(proj: Projection, positions: np.ndarray) -> list[str]:
    """Labels (else keys) of the nodes at some positions, as :meth:`Projection.labels`."""
    pos = np.asarray(positions, dtype=np.int64)
    label = proj.nodes["label"].take(pos).to_numpy(dtype=object)
    key = proj.nodes["node"].take(pos).to_numpy(dtype=object)
    return [str(k) if _missing(lab) else str(lab) for lab, k in zip(label, key, strict=True)]


def _missing(value: Any) -> bool:
    return value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value))


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


_WHERE = re.compile(r"\bWHERE\s*\{", re.IGNORECASE)


def with_values(query: str, var: str, iris: Iterable[str]) -> str:
    r"""``query`` with a ``VALUES ?var { ... }`` block at the start of its WHERE clause.

    Inside the clause the store starts from the given IRIs; a VALUES block after the clause
    is joined only once the whole pattern has been matched against the store (40 s for ten
    nodes of a store of 100,000 firms, instead of 0.03 s).

    >>> with_values("SELECT ?s WHERE { ?s a ?c }", "s", ["https://e.org/a"])
    'SELECT ?s WHERE {\n  VALUES ?s { <https://e.org/a> }\n ?s a ?c }'
    """
    values = _values(var, iris)
    match = _WHERE.search(query)
    if match is None:
        return f"{query}\n{values}"
    return f"{query[: match.end()]}\n  {values}\n{query[match.end() :]}"


def _select_chunks(kg: Any, query: str, var: str, iris: list[str]) -> pd.DataFrame:
    return _select_many(kg, [(query, var, iris)])[0]


def _select_many(kg: Any, jobs: list[tuple[str, str, list[str]]]) -> list[pd.DataFrame]:
    """Run each ``(query, var, iris)`` with ``VALUES ?var`` in chunks of
    :data:`EVIDENCE_CHUNK` IRIs, all chunks at once on :data:`EVIDENCE_THREADS` threads (the
    store reads from disk while Python waits: a third of the time on a cold store), and give
    each job's rows in one frame."""
    from concurrent.futures import ThreadPoolExecutor

    from gvcgraph.graph.project import select_frame

    chunks = [
        (j, with_values(query, var, iris[s : s + EVIDENCE_CHUNK]))
        for j, (query, var, iris) in enumerate(jobs)
        for s in range(0, len(iris), EVIDENCE_CHUNK)
    ]
    if len(chunks) > 1:
        with ThreadPoolExecutor(min(EVIDENCE_THREADS, len(chunks))) as pool:
            frames = list(pool.map(lambda c: select_frame(kg, c[1]), chunks))
    else:
        frames = [select_frame(kg, c[1]) for c in chunks]
    out = []
    for j in range(len(jobs)):
        parts = [f for (k, _), f in zip(chunks, frames, strict=True) if k == j]
        out.append(pd.concat(parts, ignore_index=True) if parts else pd.DataFrame())
    return out


def evidence_table(kg: Any, keys: Iterable[str]) -> dict[str, dict[str, Any]]:
    """Evidence passages by evidence key (``doc/<source>/ev/...``): source id, title, year,
    file, line, last line, page, quote and status (absent values are left out), in key order.

    What ``assets/evidence.rq`` gives, read with four queries that each start from the
    evidence items' IRIs (their own properties; their quotes; their statuses; their
    documents' id, title, year and file), so that each item costs a few index look-ups even
    in a store of millions of facts. An item that is not a ``gvc:Evidence`` with an
    ``oa:hasSource`` is left out; where an item has several values for a field, the first in
    text order is shown.
    """
    wanted = sorted({k for k in keys if k})
    if not wanted:
        return {}
    iris = [node_iri(k) for k in wanted]
    rows = _select_many(kg, [(q, "s", iris) for q in (_EV_OWN, _EV_QUOTE, _EV_STATUS, _EV_DOC)])
    own = _first_values(rows[0])
    own = {s: props for s, props in own.items() if _EVIDENCE in props.get(_RDF_TYPE, ())}
    own = {s: props for s, props in own.items() if _HAS_SOURCE in props}
    if not own:
        return {}
    quotes, states, docs = _first_objects(rows[1]), _first_objects(rows[2]), rows[3]
    doc_fields: dict[str, dict[str, list[str]]] = {}
    if not docs.empty:
        docs = docs.dropna(subset=["s", "doc", "p", "o"]).sort_values(["s", "doc", "p", "o"])
        first_doc = docs.drop_duplicates("s").set_index("s")["doc"]
        docs = docs[docs["doc"].to_numpy() == first_doc.reindex(docs["s"]).to_numpy()]
        doc_fields = _first_values(docs.rename(columns={"doc": "_doc"}))

    def first(props: dict[str, list[str]], p: str) -> str | None:
        values = props.get(p)
        return values[0] if values else None

    out: dict[str, dict[str, Any]] = {}
    for iri in sorted(own, key=node_key):
        props, doc = own[iri], doc_fields.get(iri, {})
        entry = {
            "source": first(doc, _SOURCE_ID),
            "title": first(doc, _TITLE),
            "year": first(doc, _ISSUED),
            "file": first(doc, _FILE_NAME),
            "line": first(props, _LINE),
            "line_end": first(props, _LINE_END),
            "page": first(props, _PAGE),
            "quote": quotes.get(iri),
            "status": states.get(iri),
        }
        out[node_key(iri)] = {k: v for k, v in entry.items() if _text(v) is not None}
    return out


_EV_OWN = "SELECT ?s ?p ?o WHERE { GRAPH ?g { ?s ?p ?o } }"
_EV_QUOTE = (
    "SELECT ?s ?o WHERE { GRAPH ?g { ?s oa:hasSelector ?sel } GRAPH ?h { ?sel oa:exact ?o } }"
)
_EV_STATUS = (
    "SELECT ?s ?o WHERE { GRAPH ?g { ?s gvc:evidenceStatus ?st } "
    "GRAPH ?h { ?st skos:notation ?o } }"
)
_EV_DOC = (
    "SELECT ?s ?doc ?p ?o WHERE { GRAPH ?g { ?s oa:hasSource ?doc } GRAPH ?h { ?doc ?p ?o } "
    "FILTER(?p IN (gvc:sourceId, dct:title, dct:issued, gvc:fileName)) }"
)
"""The queries behind :func:`evidence_table` (the renderer adds ``VALUES ?s``)."""


_RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
_GVC = "https://w3id.org/gvcgraph/ont#"
_OA = "http://www.w3.org/ns/oa#"
_DCT = "http://purl.org/dc/terms/"
_EVIDENCE = _GVC + "Evidence"
_HAS_SOURCE = _OA + "hasSource"
_SOURCE_ID = _GVC + "sourceId"
_TITLE = _DCT + "title"
_ISSUED = _DCT + "issued"
_FILE_NAME = _GVC + "fileName"
_LINE = _GVC + "line"
_LINE_END = _GVC + "lineEnd"
_PAGE = _GVC + "page"
_DERIVED_FROM = "http://www.w3.org/ns/prov#wasDerivedFrom"


def _first_values(triples: pd.DataFrame) -> dict[str, dict[str, list[str]]]:
    """Subject -> predicate -> its objects in text order (the first is the one shown)."""
    out: dict[str, dict[str, list[str]]] = {}
    if triples.empty:
        return out
    t = triples.dropna(subset=["s", "p", "o"]).sort_values(["s", "p", "o"])
    for s, p, o in zip(t["s"], t["p"], t["o"], strict=True):
        out.setdefault(s, {}).setdefault(p, []).append(o)
    return out


def _first_objects(rows: pd.DataFrame) -> dict[str, str]:
    """Subject -> its first object in text order, from rows ``s``, ``o``."""
    if rows.empty:
        return {}
    rows = rows.dropna(subset=["s", "o"]).sort_values(["s", "o"]).drop_duplicates("s")
    return dict(zip(rows["s"], rows["o"], strict=True))


def attach_evidence(
    kg: Any,
    mv: MapView,
    *,
    max_nodes: int | None = None,
    max_passages: int | None = None,
) -> None:
    """Fill the nodes' evidence and sources, and the view's evidence table, from the store.

    The sources and evidence of the ``max_nodes`` largest nodes (default
    :data:`EVIDENCE_NODES_MAX`; by their sizing measure, then in order) are looked up, and
    at most ``max_passages`` passages (default :data:`EVIDENCE_PASSAGES_MAX`): those of these
    nodes first, then those of the lines, the lines between the largest nodes first. A view
    that needs more says so in its notes, and the tooltips of the items left out say so.
    """
    max_nodes = EVIDENCE_NODES_MAX if max_nodes is None else max_nodes
    max_passages = EVIDENCE_PASSAGES_MAX if max_passages is None else max_passages
    nodes, edges = mv.nodes, mv.edges
    measure = pd.to_numeric(nodes["measure"], errors="coerce").to_numpy(dtype=float)
    order = np.lexsort((np.arange(len(nodes)), -np.nan_to_num(measure, nan=-np.inf)))
    looked = np.zeros(len(nodes), dtype=bool)
    looked[order[:max_nodes]] = True
    keys = nodes["id"].to_numpy(dtype=object)
    ev_of, src_of = _node_evidence(kg, [str(k) for k in keys[order[:max_nodes]]])
    mv.nodes["evidence"] = [sorted(ev_of.get(k, ())) for k in keys]
    mv.nodes["sources"] = [sorted(src_of.get(k, ())) for k in keys]
    mv.nodes["facts"] = [
        f[:-1] + ([["Sources", ", ".join(s)]] if s else []) + f[-1:]
        for f, s in zip(mv.nodes["facts"], mv.nodes["sources"], strict=True)
    ]
    # passages: the nodes' (largest first), then the lines' (between the largest first)
    rank = np.empty(len(nodes), dtype=np.int64)
    rank[order] = np.arange(len(nodes))
    index = pd.Index(keys)
    eu = rank[index.get_indexer(edges["u"])] if len(edges) else np.zeros(0, dtype=np.int64)
    ev_ = rank[index.get_indexer(edges["v"])] if len(edges) else np.zeros(0, dtype=np.int64)
    edge_order = np.lexsort((np.arange(len(edges)), np.maximum(eu, ev_)))
    wanted: dict[str, None] = {}
    node_lists = mv.nodes["evidence"].to_numpy(dtype=object)
    edge_lists = edges["evidence"].to_numpy(dtype=object)
    for lst in [*node_lists[order], *edge_lists[edge_order]]:
        for k in lst:
            if k:
                wanted[k] = None
    keys_wanted = list(wanted)
    mv.evidence = evidence_table(kg, keys_wanted[:max_passages])
    left = len(nodes) - int(looked.sum())
    if left:
        mv.nodes["facts"] = [
            f if ok else [*f[:-1], ["Evidence", _NOT_LOOKED_UP], f[-1]]
            for f, ok in zip(mv.nodes["facts"], looked, strict=True)
        ]
        mv.nodes["evidence_missing"] = ~looked
    if len(keys_wanted) > max_passages:
        shown = set(keys_wanted[:max_passages])
        missing = [any(k not in shown for k in lst) for lst in edge_lists]
        mv.edges["facts"] = [
            [*f, ["Evidence", _NOT_EMBEDDED]] if m else f
            for f, m in zip(edges["facts"], missing, strict=True)
        ]
    if left or len(keys_wanted) > max_passages:
        mv.notes.append(
            f"A map this large carries the sources and evidence of its {max_nodes:,} largest "
            f"nodes and at most {max_passages:,} evidence passages; the other tooltips "
            "show the facts and keys only (gvcgraph report, or a query on the fact key, "
            "gives their evidence)."
        )


_NOT_LOOKED_UP = "not looked up for a map this large"
_NOT_EMBEDDED = "passage not embedded in a map this large"


def _node_evidence(kg: Any, keys: list[str]) -> tuple[dict[str, set[str]], dict[str, set[str]]]:
    """Evidence keys and source ids of entities (the semantics of
    ``assets/node_evidence.rq``: the source documents of the graphs that type the entity, and
    what the entity was derived from in those graphs)."""
    ev_of: dict[str, set[str]] = {}
    src_of: dict[str, set[str]] = {}
    if not keys:
        return ev_of, src_of
    from gvcgraph.graph.project import select_frame

    iris = [node_iri(k) for k in keys]
    docs = select_frame(
        kg,
        "SELECT ?g ?source WHERE { GRAPH ?g { ?doc a gvc:SourceDocument } "
        "?doc gvc:sourceId ?source }",
    ).dropna()
    if docs.empty:
        return ev_of, src_of
    sources: dict[str, set[str]] = {}
    for g, src in zip(docs["g"], docs["source"], strict=True):
        sources.setdefault(g, set()).add(src)
    typed, derived = _select_many(
        kg,
        [
            ("SELECT ?s ?g WHERE { GRAPH ?g { ?s a ?class } }", "s", iris),
            (f"SELECT ?s ?g ?ev WHERE {{ GRAPH ?g {{ ?s <{_DERIVED_FROM}> ?ev }} }}", "s", iris),
        ],
    )
    graphs: set[tuple[str, str]] = set()
    for s, g in zip(typed.get("s", []), typed.get("g", []), strict=True):
        if g in sources:
            graphs.add((s, g))
            src_of.setdefault(node_key(s), set()).update(sources[g])
    for s, g, ev in zip(
        derived.get("s", []), derived.get("g", []), derived.get("ev", []), strict=True
    ):
        if (s, g) in graphs and isinstance(ev, str):
            ev_of.setdefault(node_key(s), set()).add(node_key(ev))
    return ev_of, src_of


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
            label_of: dict[str, str] = {}
            for k, lab in zip(nodes["id"], nodes["full_label"], strict=True):
                label_of.setdefault(k, lab)
            nodes["facts"] = [
                [*f[:-1], ["Tier", f"{t_} (below {label_of.get(lead, lead)})"], f[-1]]
                if t_ > 0 and lead is not None
                else f
                for f, t_, lead in zip(nodes["facts"], tl.tier.tolist(), tl.lead, strict=True)
            ]
            return
    pos = lay.force_layout(len(nodes), rows, cols, seed=seed)
    nodes["x"], nodes["y"] = pos[:, 0], pos[:, 1]
    nodes["tier"] = -1


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
