"""Network exports: GraphML, GEXF, CSV, Cytoscape.js JSON and Neo4j import files.

Every format holds the same network: the projection of one view of the graph
(:func:`gvcgraph.graph.project.project`, optionally as of a date), one node per actor and one
edge per fact, with

* node attributes: ``label`` (the key where an actor has no label), ``cls``, ``iri``,
  ``country``, ``size_class``, ``ownership_category``, ``governance``, ``lead_firm``, and
  the analysis results written back to the graph (``graph/analysis/<name>``):
  ``centrality_<measure>_<view>`` (``gvc:CentralityScore``), ``tier`` (the lowest derived
  tier) and ``tiers`` (``lead:tier;...``, ``gvc:DerivedTier``), ``ultimate_controller``,
  ``corporate_group`` and ``foreign_controlled`` (ownership analysis);
* edge attributes: ``relation``, ``fact`` (the fact's key), ``source_document`` (the id of the
  source the fact was coded from), ``evidence`` (evidence keys), ``evidence_quote`` (the
  quotes, `` | ``-separated), ``evidence_location`` (``line 12``, ``p. 4``), ``valid_from``,
  ``valid_to``, the fact's own attributes (``share_min``, ``governance`` ...), and the
  captive-chain results (``captive_score``, ``inferred_governance``).

Formats that hold only scalars get lists joined with ``;``. Columns that no node (or no
edge) has are left out. Edge ids are the fact keys (``doc/<source>/<fact>``), made unique
where one fact gives several edges (policy targets).

==========  ==================================================================================
format      files
==========  ==================================================================================
graphml     one GraphML file (networkx writer; typed keys; read by Gephi, Cytoscape, igraph)
gexf        one GEXF 1.2 file (Gephi)
csv         ``nodes.csv`` and ``edges.csv`` in the directory ``out`` (Gephi's spreadsheet
            import recognises ``id``, ``label``, ``source``, ``target``)
cyjs        one Cytoscape.js JSON file (``elements.nodes`` / ``elements.edges``; Cytoscape
            desktop imports it as "Cytoscape.js JSON"; node ``name`` is the label, edge
            ``interaction`` the relation)
neo4j       ``nodes.csv``, ``relationships.csv`` (headers ``:ID``, ``:LABEL``,
            ``:START_ID``, ``:END_ID``, ``:TYPE``, typed properties, ``evidence:string[]``)
            and ``import.sh`` running ``neo4j-admin database import full``, in ``out``
==========  ==================================================================================
"""

from __future__ import annotations

import json
import math
import re
from pathlib import Path
from typing import Any

import networkx as nx
import numpy as np
import pandas as pd

from gvcgraph.graph.analysis_results import analysis_graph
from gvcgraph.graph.project import VIEWS, iso_date, node_key, project, select_frame
from gvcgraph.ontology.terms import GVC, OA, RDFS

NETWORK_FORMATS = ("graphml", "gexf", "csv", "cyjs", "neo4j")
"""Formats written by :func:`export_network`."""

DIRECTORY_FORMATS = ("csv", "neo4j")
"""Formats whose ``out`` is a directory (several files)."""

NODE_CORE = ("id", "label", "cls")
EDGE_CORE = ("id", "source", "target", "relation", "fact", "source_document")
_EDGE_FIRST = (
    *EDGE_CORE,
    "evidence",
    "evidence_quote",
    "evidence_location",
    "valid_from",
    "valid_to",
)

LIST_SEPARATOR = ";"
QUOTE_SEPARATOR = " | "


# ---------------------------------------------------------------------------------- tables


def network_tables(
    kg: Any, view: str = "all", as_of: Any = None
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The node table and the edge table every network format is written from.

    Parameters
    ----------
    kg:
        A :class:`~gvcgraph.graph.store.KnowledgeGraph`.
    view:
        ``supply``, ``ownership``, ``policy`` or ``all``.
    as_of:
        Keep only the facts valid on that date (``YYYY``, ``YYYY-MM`` or ``YYYY-MM-DD``).

    Returns
    -------
    (nodes, edges)
        ``nodes`` has the column ``id`` and the node attributes; ``edges`` has ``id``,
        ``source``, ``target`` (node ids) and the edge attributes (see the module docstring).
        Every cell is a Python scalar (``str``, ``int``, ``float``, ``bool``) or ``None``;
        lists are joined with ``;``.
    """
    if view not in VIEWS:
        raise ValueError(f"unknown view {view!r}; choose one of {', '.join(VIEWS)}")
    day = _check_date(as_of)
    p = project(kg, view, day)
    nodes = p.nodes.rename(columns={"node": "id"}).copy()
    nodes["label"] = nodes["label"].where(nodes["label"].notna(), nodes["id"])
    edges = p.edges.drop(columns=["iu", "iv"]).rename(
        columns={"source": "source_document", "u": "source", "v": "target"}
    )
    node_attrs, edge_attrs = analysis_attributes(kg)
    if not node_attrs.empty:
        nodes = nodes.join(node_attrs, on="id")
    if not edge_attrs.empty:
        edges = edges.join(edge_attrs, on="fact")
    edges = _with_evidence(kg, edges)
    edges = edges.sort_values(["relation", "source", "target", "fact"], kind="stable")
    edges.insert(0, "id", _edge_ids(edges, set(nodes["id"])))
    first = [c for c in _EDGE_FIRST if c in edges.columns]
    edges = edges[first + [c for c in edges.columns if c not in first]]
    nodes = nodes[["id", *[c for c in nodes.columns if c != "id"]]]
    return (
        _normalise(nodes.reset_index(drop=True), NODE_CORE),
        _normalise(edges.reset_index(drop=True), EDGE_CORE),
    )


def _check_date(as_of: Any) -> str | None:
    if as_of is None or (isinstance(as_of, str) and not as_of.strip()):
        return None
    day = iso_date(as_of)
    try:
        pd.Timestamp(day)
    except (ValueError, TypeError):
        raise ValueError(f"expected a date as YYYY, YYYY-MM or YYYY-MM-DD, not {as_of!r}") from None
    return day


def _edge_ids(edges: pd.DataFrame, node_ids: set[str]) -> list[str]:
    fact = edges["fact"].astype(object).where(edges["fact"].notna(), "")
    clash = fact.duplicated(keep=False) | (fact == "") | fact.isin(node_ids)
    ids = fact.where(
        ~clash, fact + "|" + edges["relation"].astype(str) + "|" + edges["target"].astype(str)
    )
    n = ids.groupby(ids).cumcount()
    return [i if k == 0 else f"{i}#{k}" for i, k in zip(ids, n, strict=True)]


def _with_evidence(kg: Any, edges: pd.DataFrame) -> pd.DataFrame:
    """Evidence keys joined, plus the quotes and locations of the evidence passages."""
    details = select_frame(
        kg,
        f"""SELECT ?e ?line ?line_end ?page ?quote WHERE {{
          ?e a <{GVC.Evidence}> .
          OPTIONAL {{ ?e <{GVC.line}> ?line }}
          OPTIONAL {{ ?e <{GVC.lineEnd}> ?line_end }}
          OPTIONAL {{ ?e <{GVC.page}> ?page }}
          OPTIONAL {{ ?e <{OA.hasSelector}> ?sel . ?sel <{OA.exact}> ?quote }}
        }}""",
    )
    quotes: dict[str, str] = {}
    places: dict[str, str] = {}
    for rec in details.itertuples(index=False):
        key = node_key(rec.e)
        if isinstance(rec.quote, str) and key not in quotes:
            quotes[key] = rec.quote
        if key in places:
            continue
        if isinstance(rec.line, str):
            end = f"-{rec.line_end}" if isinstance(rec.line_end, str) else ""
            places[key] = f"line {rec.line}{end}"
        elif isinstance(rec.page, str):
            places[key] = f"p. {rec.page}"

    def keys(value: Any) -> list[str]:
        return list(value) if isinstance(value, (list, tuple, np.ndarray)) else []

    ev = edges["evidence"].map(keys)
    edges = edges.copy()
    edges["evidence"] = ev.map(lambda k: LIST_SEPARATOR.join(k) or None)
    edges["evidence_quote"] = ev.map(
        lambda k: QUOTE_SEPARATOR.join(quotes[i] for i in k if i in quotes) or None
    )
    edges["evidence_location"] = ev.map(
        lambda k: LIST_SEPARATOR.join(places[i] for i in k if i in places) or None
    )
    return edges


def analysis_attributes(kg: Any) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Analysis results written back to the graph, as node and edge attributes.

    Returns a node table indexed by node key (``centrality_<measure>_<view>``, ``tier``,
    ``tiers``, ``ultimate_controller``, ``corporate_group``, ``foreign_controlled``) and an
    edge table indexed by fact key (``captive_score``, ``inferred_governance``); empty frames
    where nothing was written back.
    """
    node_parts: list[pd.DataFrame] = []
    cent = select_frame(
        kg,
        f"""SELECT ?n ?measure ?view ?value WHERE {{ GRAPH <{analysis_graph("centrality")}> {{
          ?r a <{GVC.CentralityScore}> ; <{GVC.scoredNode}> ?n ; <{GVC.measure}> ?measure ;
             <{GVC.view}> ?view ; <{GVC.value}> ?value }} }}""",
    )
    if not cent.empty:
        cent["col"] = "centrality_" + (cent["measure"] + "_" + cent["view"]).map(_name)
        cent["node"] = cent["n"].map(node_key)
        cent["value"] = pd.to_numeric(cent["value"], errors="coerce")
        node_parts.append(
            cent.pivot_table(index="node", columns="col", values="value", aggfunc="first")
        )
    tiers = select_frame(
        kg,
        f"""SELECT ?s ?lead ?tier WHERE {{ GRAPH <{analysis_graph("tiers")}> {{
          ?r a <{GVC.DerivedTier}> ; <{GVC.participant}> ?s ; <{GVC.relativeTo}> ?lead ;
             <{GVC.tier}> ?tier }} }}""",
    )
    if not tiers.empty:
        tiers["node"] = tiers["s"].map(node_key)
        tiers["lead"] = tiers["lead"].map(node_key)
        tiers["tier"] = pd.to_numeric(tiers["tier"]).astype(int)
        tiers = tiers.sort_values(["node", "lead"])
        grouped = tiers.groupby("node")
        node_parts.append(
            pd.DataFrame(
                {
                    "tier": grouped["tier"].min(),
                    "tiers": grouped.apply(
                        lambda d: LIST_SEPARATOR.join(
                            f"{lead}:{t}" for lead, t in zip(d["lead"], d["tier"], strict=True)
                        ),
                        include_groups=False,
                    ),
                }
            )
        )
    own_graph = analysis_graph("ownership")
    uc = select_frame(
        kg,
        f"""SELECT ?n ?uc WHERE {{ GRAPH <{own_graph}> {{
          ?n <{GVC.ultimateController}> ?uc }} }}""",
    )
    if not uc.empty:
        uc["node"] = uc["n"].map(node_key)
        uc["uc"] = uc["uc"].map(node_key)
        node_parts.append(
            uc.sort_values("uc")
            .groupby("node")["uc"]
            .agg(LIST_SEPARATOR.join)
            .rename("ultimate_controller")
            .to_frame()
        )
    groups = select_frame(
        kg,
        f"""SELECT ?n ?label ?foreign WHERE {{ GRAPH <{own_graph}> {{
          {{ ?n <{GVC.corporateGroup}> ?g OPTIONAL {{ ?g <{RDFS.label}> ?label }} }}
          UNION {{ ?n <{GVC.foreignControlled}> ?foreign }} }} }}""",
    )
    if not groups.empty:
        groups["node"] = groups["n"].map(node_key)
        part = pd.DataFrame(index=pd.Index(sorted(set(groups["node"])), name="node"))
        label = groups.dropna(subset=["label"]).drop_duplicates("node").set_index("node")
        part["corporate_group"] = label["label"].reindex(part.index)
        foreign = groups.dropna(subset=["foreign"]).drop_duplicates("node").set_index("node")
        part["foreign_controlled"] = (
            foreign["foreign"]
            .map({"true": True, "false": False, "1": True, "0": False})
            .reindex(part.index)
        )
        node_parts.append(part)
    captive = select_frame(
        kg,
        f"""SELECT ?fact ?score ?gov WHERE {{ GRAPH <{analysis_graph("captive")}> {{
          ?r a <{GVC.CaptiveAssessment}> ; <{GVC.assessedRelation}> ?fact .
          OPTIONAL {{ ?r <{GVC.captiveScore}> ?score }}
          OPTIONAL {{ ?r <{GVC.inferredGovernance}> ?gov }} }} }}""",
    )
    edge_attrs = pd.DataFrame()
    if not captive.empty:
        captive["fact"] = captive["fact"].map(node_key)
        captive = captive.drop_duplicates("fact").set_index("fact")
        edge_attrs = pd.DataFrame(
            {
                "captive_score": pd.to_numeric(captive["score"], errors="coerce"),
                "inferred_governance": captive["gov"].str.rsplit("/", n=1).str[-1],
            }
        )
    node_attrs = pd.concat(node_parts, axis=1) if node_parts else pd.DataFrame()
    return node_attrs, edge_attrs


def _name(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9]+", "_", text).strip("_")


def _scalar(value: Any) -> Any:
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and math.isnan(value):
        return None
    if isinstance(value, (list, tuple, set, np.ndarray)):
        return LIST_SEPARATOR.join(str(v) for v in value) or None
    return value


def _kind(values: list[Any]) -> type:
    present = [v for v in values if v is not None]
    if present and all(isinstance(v, bool) for v in present):
        return bool
    if present and all(isinstance(v, int) and not isinstance(v, bool) for v in present):
        return int
    if present and all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in present):
        return float
    return str


def _normalise(df: pd.DataFrame, core: tuple[str, ...]) -> pd.DataFrame:
    """One Python type per column (bool, int, float or str; None where missing); columns
    with no value at all are dropped, except the ``core`` ones."""
    out: dict[str, list[Any]] = {}
    for col in df.columns:
        values = [_scalar(v) for v in df[col].tolist()]
        kind = _kind(values)
        if col not in core and all(v is None for v in values):
            continue
        out[col] = [None if v is None else kind(v) for v in values]
    frame = pd.DataFrame(out, dtype=object, index=range(len(df)))
    frame.attrs["kinds"] = {c: _kind(v).__name__ for c, v in out.items()}
    return frame


# ---------------------------------------------------------------------------------- writers


def to_export_graph(
    nodes: pd.DataFrame, edges: pd.DataFrame, **graph_attrs: Any
) -> nx.MultiDiGraph:
    """A MultiDiGraph of the tables: node keys = ``id``, edge keys = edge ``id``; only the
    attributes that are present (GraphML and GEXF have no missing values)."""
    g = nx.MultiDiGraph(**{k: v for k, v in graph_attrs.items() if v is not None})
    node_cols = [c for c in nodes.columns if c != "id"]
    for rec in nodes.itertuples(index=False, name=None):
        attrs = dict(zip(["id", *node_cols], rec, strict=True))
        key = attrs.pop("id")
        g.add_node(key, **{k: v for k, v in attrs.items() if v is not None})
    edge_cols = list(edges.columns)
    for rec in edges.itertuples(index=False, name=None):
        attrs = dict(zip(edge_cols, rec, strict=True))
        key, u, v = attrs.pop("id"), attrs.pop("source"), attrs.pop("target")
        g.add_edge(u, v, key=key, **{k: x for k, x in attrs.items() if x is not None})
    return g


def write_graphml(nodes: pd.DataFrame, edges: pd.DataFrame, out: Path, **meta: Any) -> list[Path]:
    """GraphML (networkx writer): typed ``<key>`` declarations, edge ``id`` = edge id."""
    nx.write_graphml(to_export_graph(nodes, edges, **meta), out)
    return [out]


def write_gexf(nodes: pd.DataFrame, edges: pd.DataFrame, out: Path, **meta: Any) -> list[Path]:
    """GEXF 1.2 (networkx writer), for Gephi; edge ``id`` = edge id."""
    g = to_export_graph(nodes, edges, **meta)
    for _u, _v, key, data in g.edges(keys=True, data=True):
        data["id"] = key  # the GEXF writer takes the edge id from this attribute
    nx.write_gexf(g, out)
    return [out]


def write_cyjs(nodes: pd.DataFrame, edges: pd.DataFrame, out: Path, **meta: Any) -> list[Path]:
    """Cytoscape.js JSON (:func:`networkx.cytoscape_data`): node ``name`` is the label,
    edges carry ``id``, ``source``, ``target`` and ``interaction`` (the relation)."""
    g = to_export_graph(nodes, edges, **meta)
    data = nx.cytoscape_data(g, name="label", ident="id")
    for element in data["elements"]["edges"]:
        d = element["data"]
        d["id"] = d["key"]  # "key" stays for networkx.cytoscape_graph
        d["interaction"] = d.get("relation")
    data["format_version"] = "1.0"
    data["generated_by"] = "gvcgraph"
    data["target_cytoscapejs_version"] = "~3"
    out.write_text(json.dumps(data, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    return [out]


def write_csv(nodes: pd.DataFrame, edges: pd.DataFrame, out: Path, **meta: Any) -> list[Path]:
    """``nodes.csv`` and ``edges.csv`` in the directory ``out``."""
    out.mkdir(parents=True, exist_ok=True)
    paths = [out / "nodes.csv", out / "edges.csv"]
    nodes.to_csv(paths[0], index=False)
    edges.to_csv(paths[1], index=False)
    return paths


_NEO4J_TYPES = {"bool": "boolean", "int": "long", "float": "double", "str": ""}

NEO4J_IMPORT = """#!/bin/sh
# Import this network into a new Neo4j 5 database with neo4j-admin (written by gvcgraph).
# Usage: sh import.sh [DATABASE]   (default: neo4j). Stop the database first; on Neo4j 5.19+
# the database name comes before the options. --overwrite-destination replaces the database.
# Neo4j 4.x: neo4j-admin import --database="$DB" --nodes=nodes.csv \\
#            --relationships=relationships.csv --multiline-fields=true --array-delimiter=";"
set -e
DB="${{1:-neo4j}}"
HERE="$(cd "$(dirname "$0")" && pwd)"
ADMIN="${{NEO4J_HOME:+$NEO4J_HOME/bin/}}neo4j-admin"
"$ADMIN" database import full "$DB" \\
  --nodes="$HERE/nodes.csv" \\
  --relationships="$HERE/relationships.csv" \\
  --multiline-fields=true \\
  --array-delimiter="{array}" \\
  --overwrite-destination=true
echo "imported {nodes} nodes and {edges} relationships into $DB;"
echo "start it, then e.g.: MATCH (a)-[r:SUPPLIES]->(b) RETURN a.label, b.label LIMIT 10"
"""


def _neo4j_header(col: str, kind: str) -> str:
    t = _NEO4J_TYPES.get(kind, "")
    return f"{col}:{t}" if t else col


def write_neo4j(nodes: pd.DataFrame, edges: pd.DataFrame, out: Path, **meta: Any) -> list[Path]:
    """``nodes.csv`` / ``relationships.csv`` with neo4j-admin headers, and ``import.sh``.

    Nodes: ``id:ID`` (the node key, kept as property ``id``), typed properties and
    ``:LABEL`` (the class: ``Firm``, ``Cluster`` ... or ``Node``). Relationships:
    ``:START_ID``, ``:END_ID``, ``:TYPE`` (the relation in capitals: ``SUPPLIES``, ``OWNS``,
    ``TARGETS_SECTOR``), typed properties, ``evidence:string[]`` (``;`` between keys).
    """
    out.mkdir(parents=True, exist_ok=True)
    kinds = {**nodes.attrs.get("kinds", {})}
    n = nodes.copy()
    header = {c: _neo4j_header(c, kinds.get(c, "str")) for c in n.columns}
    header["id"] = "id:ID"
    n[":LABEL"] = [c if isinstance(c, str) and c else "Node" for c in n.get("cls", [None] * len(n))]
    n = n.rename(columns=header)
    ekinds = {**edges.attrs.get("kinds", {})}
    e = edges.copy()
    e[":TYPE"] = [_name(str(r)).upper() or "RELATED_TO" for r in e["relation"]]
    rename = {c: _neo4j_header(c, ekinds.get(c, "str")) for c in e.columns}
    rename.update({"source": ":START_ID", "target": ":END_ID", "evidence": "evidence:string[]"})
    e = e.rename(columns=rename)
    first = [":START_ID", ":END_ID", ":TYPE"]
    e = e[first + [c for c in e.columns if c not in first]]
    paths = [out / "nodes.csv", out / "relationships.csv", out / "import.sh"]
    n.to_csv(paths[0], index=False)
    e.to_csv(paths[1], index=False)
    paths[2].write_text(
        NEO4J_IMPORT.format(array=LIST_SEPARATOR, nodes=len(n), edges=len(e)), encoding="utf-8"
    )
    paths[2].chmod(0o755)
    return paths


WRITERS = {
    "graphml": write_graphml,
    "gexf": write_gexf,
    "csv": write_csv,
    "cyjs": write_cyjs,
    "neo4j": write_neo4j,
}


def export_network(kg: Any, fmt: str, out: str | Path, view: str = "all", as_of: Any = None) -> str:
    """Write the network view of the graph in one of :data:`NETWORK_FORMATS`.

    Parameters
    ----------
    kg:
        A :class:`~gvcgraph.graph.store.KnowledgeGraph`.
    fmt:
        ``graphml``, ``gexf``, ``cyjs`` (one file ``out``), ``csv`` or ``neo4j`` (a
        directory ``out``, created if missing).
    out:
        The file or directory to write.
    view, as_of:
        See :func:`network_tables`.

    Returns
    -------
    str
        A one-line summary naming the files written and the node and edge counts.

    Raises
    ------
    ValueError
        An unknown format or view, or a malformed date.

    Examples
    --------
    >>> from gvcgraph.graph.store import KnowledgeGraph
    >>> export_network(KnowledgeGraph.default(), "graphml", "gvc.graphml")  # doctest: +SKIP
    'wrote gvc.graphml (view all: 120 nodes, 180 edges)'
    """
    if fmt not in WRITERS:
        raise ValueError(f"unknown network format {fmt!r}; choose one of {', '.join(WRITERS)}")
    out = Path(out)
    if fmt in DIRECTORY_FORMATS and out.exists() and not out.is_dir():
        raise ValueError(f"{fmt} writes several files: --out must be a directory, not {out}")
    if fmt not in DIRECTORY_FORMATS:
        if out.is_dir():
            raise ValueError(f"{fmt} writes one file: --out must be a file name, not {out}/")
        out.parent.mkdir(parents=True, exist_ok=True)
    nodes, edges = network_tables(kg, view, as_of)
    day = _check_date(as_of)
    paths = WRITERS[fmt](nodes, edges, out, view=view, as_of=day)
    when = f" as of {day}" if day else ""
    return (
        f"wrote {', '.join(str(p) for p in paths)} (view {view}{when}: "
        f"{len(nodes):,} nodes, {len(edges):,} edges)"
    )
