"""Network exports read back by other tools: GraphML by networkx and python-igraph, GEXF by
networkx, CSV by pandas, Cytoscape.js JSON by networkx, Neo4j import files by their headers.
Each must hold the projection's nodes and edges with the same attributes, each edge's source
document and evidence, and the analysis results written back to the graph."""

from __future__ import annotations

import csv
import json
import math
from pathlib import Path
from typing import Any

import networkx as nx
import pandas as pd
import pytest
from click.testing import CliRunner

from gvcgraph.cli import EXPORT_FORMATS as CLI_EXPORT_FORMATS
from gvcgraph.cli import main
from gvcgraph.export.network import NETWORK_FORMATS, export_network, network_tables
from gvcgraph.graph import analysis_results as results
from gvcgraph.graph.centrality import centrality
from gvcgraph.graph.ownership import ownership_table, ultimate_controllers
from gvcgraph.graph.project import VIEW_RELATIONS, node_key, project
from gvcgraph.graph.store import KnowledgeGraph
from gvcgraph.graph.tiers import supplier_tiers
from tests.conftest import SAMPLE_YAML

SEP = ";"

CAPTIVE = pd.DataFrame(
    {
        "buyer": ["oem-a"],
        "supplier": ["harness-b"],
        "facts": ["doc/sample-harness/s1"],
        "score": [0.875],
        "inferred_governance": ["captive"],
        "reasons": ["supplier sells 80% to buyer; buyer controls design"],
        "lead_firm": [None],
        "chain_tier": [None],
    }
)
"""A captive-chain result for the sample supply fact s1, written back as
:mod:`gvcgraph.graph.captive` would (the table's columns, values chosen by hand)."""


@pytest.fixture(scope="module")
def kg() -> KnowledgeGraph:
    """The sample case study plus the bundled case studies, with centrality (supply view)
    and supplier tiers written back."""
    from gvcgraph.graph.store import bundled_casestudies

    graph = KnowledgeGraph()
    graph.ingest([SAMPLE_YAML, *bundled_casestudies()], shacl=False)
    supply = project(graph, "supply")
    scores = centrality(supply, ["in_degree", "pagerank"], view="supply")
    results.write_back(graph, "centrality", results.centrality_to_rdf(scores))
    results.write_back(graph, "tiers", results.tiers_to_rdf(supplier_tiers(supply)))
    results.write_back(graph, "captive", results.captive_to_rdf(CAPTIVE))
    owners = project(graph, "ownership")
    ctl = ultimate_controllers(owners)
    table = ownership_table(owners, controllers=ctl)
    results.write_back(graph, "ownership", results.ownership_to_rdf(table, ctl))
    return graph


def _flat(value: Any) -> Any:
    if isinstance(value, list):
        return SEP.join(value) or None
    if value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value)):
        return None
    if hasattr(value, "item"):
        return value.item()
    return value


def _expected(kg: KnowledgeGraph, view: str = "all", as_of: Any = None) -> tuple[dict, dict]:
    """Node attributes by key and edge attributes by fact, computed from the projection."""
    p = project(kg, view, as_of)
    nodes = {}
    for rec in p.nodes.to_dict("records"):
        key = rec.pop("node")
        attrs = {k: _flat(v) for k, v in rec.items()}
        attrs["label"] = attrs["label"] or key
        nodes[key] = {k: v for k, v in attrs.items() if v is not None}
    edges: dict[tuple[str, str, str, str], list[dict]] = {}
    for rec in p.edges.to_dict("records"):
        attrs = {k: _flat(v) for k, v in rec.items() if k not in ("iu", "iv", "u", "v")}
        attrs["source_document"] = attrs.pop("source")
        key = (rec["u"], rec["v"], rec["relation"], rec["fact"])
        # a fact can give the same edge twice (a policy coded in two sources): a multiset
        edges.setdefault(key, []).append({k: v for k, v in attrs.items() if v is not None})
    return nodes, edges


def _n_edges(edges: dict) -> int:
    return sum(len(v) for v in edges.values())


def _same(expected: dict, got: dict) -> bool:
    for name, value in expected.items():
        have = got.get(name)
        if isinstance(value, float) and not isinstance(value, bool):
            if not isinstance(have, (int, float)) or have != pytest.approx(value):
                return False
        elif have != value:
            return False
    return True


def _check_edge(expected: dict, ident: tuple, got: dict) -> None:
    """``got`` has every attribute of one of the expected edges ``ident``; that one is used."""
    candidates = expected.get(ident, [])
    for i, attrs in enumerate(candidates):
        if _same(attrs, got):
            del candidates[i]
            return
    raise AssertionError(f"no expected edge {ident} with attributes {got}; have {candidates}")


def test_tables_match_the_projection(kg: KnowledgeGraph) -> None:
    nodes, edges = network_tables(kg)
    exp_nodes, exp_edges = _expected(kg)
    assert sorted(nodes["id"]) == sorted(exp_nodes)
    assert len(edges) == _n_edges(exp_edges) > 0
    assert edges["id"].is_unique
    assert {"source_document", "evidence", "evidence_quote", "evidence_location"} <= set(edges)
    # the sample case's supply fact s1: source document, evidence, quote and line
    s1 = edges.set_index("fact").loc["doc/sample-harness/s1"]
    assert (s1["source"], s1["target"], s1["relation"]) == ("harness-b", "oem-a", "supplies")
    assert s1["source_document"] == "sample-harness"
    assert s1["evidence"] == "doc/sample-harness/ev/s1/1"
    assert s1["evidence_quote"] == "B sells 80% to A"
    assert s1["evidence_location"] == "line 20"
    assert s1["supplier_dependence"] == 80.0 and s1["governance"] == "captive"
    assert s1["id"] == "doc/sample-harness/s1"


def test_analysis_results_travel_as_attributes(kg: KnowledgeGraph) -> None:
    nodes, _ = network_tables(kg, "supply")
    by_id = nodes.set_index("id")
    supply = project(kg, "supply")
    scores = centrality(supply, ["in_degree", "pagerank"], view="supply")
    for measure in ("in_degree", "pagerank"):
        col = f"centrality_{measure}_supply"
        want = scores[scores["measure"] == measure].set_index("node")["value"]
        got = by_id.loc[want.index, col].astype(float)
        assert got.to_numpy() == pytest.approx(want.to_numpy(), rel=1e-9)
    # oem-a: two direct suppliers in the sample case (harness-b; wire-d is tier 2)
    assert by_id.loc["oem-a", "centrality_in_degree_supply"] == pytest.approx(
        float(scores.query("measure == 'in_degree' and node == 'oem-a'")["value"].iloc[0])
    )
    assert by_id.loc["harness-b", "tier"] == 1
    assert by_id.loc["wire-d", "tier"] == 2
    assert "oem-a:2" in by_id.loc["wire-d", "tiers"].split(SEP)


def test_captive_and_ownership_results_travel(kg: KnowledgeGraph) -> None:
    nodes, edges = network_tables(kg)
    by_fact = edges.set_index("fact")
    assert by_fact.loc["doc/sample-harness/s1", "captive_score"] == pytest.approx(0.875)
    assert by_fact.loc["doc/sample-harness/s1", "inferred_governance"] == "captive"
    assert by_fact["captive_score"].notna().sum() == 1
    ctl = ultimate_controllers(project(kg, "ownership")).set_index("node")
    by_id = nodes.set_index("id")
    # the sample case: group C holds more than 50 % of harness maker B and controls it
    assert by_id.loc["harness-b", "ultimate_controller"] == "group-c"
    want = {n for n, uc in ctl["ultimate_controller"].items() if isinstance(uc, str)}
    got = set(by_id.index[by_id["ultimate_controller"].notna()])
    assert got == want & set(by_id.index)


def test_graphml_read_back_by_networkx(kg: KnowledgeGraph, tmp_path: Path) -> None:
    out = tmp_path / "g.graphml"
    summary = export_network(kg, "graphml", out)
    exp_nodes, exp_edges = _expected(kg)
    assert f"{len(exp_nodes):,} nodes, {_n_edges(exp_edges):,} edges" in summary
    g = nx.read_graphml(out, force_multigraph=True)
    assert g.is_directed()
    assert g.number_of_nodes() == len(exp_nodes)
    assert g.number_of_edges() == _n_edges(exp_edges)
    for key, attrs in exp_nodes.items():
        got = g.nodes[key]
        for name, value in attrs.items():
            assert got[name] == value, (key, name)
    for u, v, k, data in g.edges(keys=True, data=True):
        _check_edge(exp_edges, (u, v, data["relation"], data["fact"]), data)
        assert k  # the edge id
    assert _n_edges(exp_edges) == 0


def test_graphml_read_back_by_igraph(kg: KnowledgeGraph, tmp_path: Path) -> None:
    ig = pytest.importorskip("igraph")
    out = tmp_path / "g.graphml"
    export_network(kg, "graphml", out)
    exp_nodes, exp_edges = _expected(kg)
    g = ig.Graph.Read_GraphML(str(out))
    assert g.is_directed()
    assert g.vcount() == len(exp_nodes)
    assert g.ecount() == _n_edges(exp_edges)
    ids = g.vs["id"]
    assert sorted(ids) == sorted(exp_nodes)
    for vertex in g.vs:
        for name, value in exp_nodes[vertex["id"]].items():
            assert vertex[name] == value, (vertex["id"], name)
    for e in g.es:
        data = e.attributes()
        ident = (ids[e.source], ids[e.target], data["relation"], data["fact"])
        # igraph fills attributes an edge lacks with "" / nan / False: compare present ones
        _check_edge(exp_edges, ident, data)
    assert _n_edges(exp_edges) == 0


def test_gexf_read_back_by_networkx(kg: KnowledgeGraph, tmp_path: Path) -> None:
    out = tmp_path / "g.gexf"
    export_network(kg, "gexf", out)
    exp_nodes, exp_edges = _expected(kg)
    g = nx.read_gexf(out)
    assert g.number_of_nodes() == len(exp_nodes)
    assert g.number_of_edges() == _n_edges(exp_edges)
    for key, attrs in exp_nodes.items():
        for name, value in attrs.items():
            assert g.nodes[key][name] == value, (key, name)
    _nodes, edges = network_tables(kg)
    ids = dict(
        zip(
            zip(edges["source"], edges["target"], edges["fact"], strict=True),
            edges["id"],
            strict=True,
        )
    )
    for u, v, data in g.edges(data=True):
        _check_edge(exp_edges, (u, v, data["relation"], data["fact"]), data)
        assert data["id"] == ids[(u, v, data["fact"])] or data["id"].startswith(data["fact"])


def test_csv_nodes_and_edges(kg: KnowledgeGraph, tmp_path: Path) -> None:
    out = tmp_path / "csv"
    export_network(kg, "csv", out, view="ownership")
    exp_nodes, exp_edges = _expected(kg, "ownership")
    nodes = pd.read_csv(out / "nodes.csv", dtype=str, keep_default_na=False)
    edges = pd.read_csv(out / "edges.csv", dtype=str, keep_default_na=False)
    assert len(nodes) == len(exp_nodes) and len(edges) == _n_edges(exp_edges) > 0
    assert nodes.columns[0] == "id" and {"label", "cls"} <= set(nodes.columns)
    assert list(edges.columns[:6]) == [
        "id",
        "source",
        "target",
        "relation",
        "fact",
        "source_document",
    ]
    assert {"owns", "controls"} <= set(edges["relation"]) <= VIEW_RELATIONS["ownership"]
    assert set(edges["source"]) | set(edges["target"]) <= set(nodes["id"])
    row = edges[(edges["source"] == "group-c") & (edges["relation"] == "owns")]
    assert len(row) == 1 and row["source_document"].iloc[0] == "sample-harness"
    assert row["share_min"].iloc[0] == "50.0" and row["share_max"].iloc[0] == "100.0"
    assert row["evidence_quote"].iloc[0] == "majority-owned by C"
    assert row["valid_from"].iloc[0] == "2001-01-01"


def test_cyjs_structure(kg: KnowledgeGraph, tmp_path: Path) -> None:
    out = tmp_path / "g.cyjs"
    export_network(kg, "cyjs", out, view="supply")
    exp_nodes, exp_edges = _expected(kg, "supply")
    n_edges = _n_edges(exp_edges)
    data = json.loads(out.read_text("utf-8"))
    assert data["directed"] is True and data["multigraph"] is True
    nodes, edges = data["elements"]["nodes"], data["elements"]["edges"]
    assert len(nodes) == len(exp_nodes) and len(edges) == _n_edges(exp_edges)
    ids = [n["data"]["id"] for n in nodes] + [e["data"]["id"] for e in edges]
    assert len(ids) == len(set(ids))  # Cytoscape.js: one id space for nodes and edges
    node_ids = {n["data"]["id"] for n in nodes}
    for n in nodes:
        assert n["data"]["name"] == exp_nodes[n["data"]["id"]]["label"]
    for e in edges:
        d = e["data"]
        assert d["source"] in node_ids and d["target"] in node_ids
        assert d["interaction"] == d["relation"] == "supplies"
        _check_edge(exp_edges, (d["source"], d["target"], "supplies", d["fact"]), d)
    back = nx.cytoscape_graph(data)
    assert back.number_of_nodes() == len(exp_nodes)
    assert back.number_of_edges() == n_edges


def test_neo4j_import_files(kg: KnowledgeGraph, tmp_path: Path) -> None:
    out = tmp_path / "neo4j"
    summary = export_network(kg, "neo4j", out)
    exp_nodes, exp_edges = _expected(kg)
    assert "import.sh" in summary
    with (out / "nodes.csv").open(encoding="utf-8", newline="") as f:
        node_rows = list(csv.reader(f))
    with (out / "relationships.csv").open(encoding="utf-8", newline="") as f:
        rel_rows = list(csv.reader(f))
    nh, rh = node_rows[0], rel_rows[0]
    assert nh[0] == "id:ID" and ":LABEL" in nh and "lead_firm:boolean" in nh
    assert rh[:3] == [":START_ID", ":END_ID", ":TYPE"]
    assert {"evidence:string[]", "source_document", "share_min:double", "fact"} <= set(rh)
    assert len(node_rows) - 1 == len(exp_nodes) and len(rel_rows) - 1 == _n_edges(exp_edges)
    node_ids = {r[0] for r in node_rows[1:]}
    labels = {r[nh.index(":LABEL")] for r in node_rows[1:]}
    assert "Firm" in labels and "" not in labels
    types = {r[2] for r in rel_rows[1:]}
    assert {"SUPPLIES", "OWNS", "CONTROLS", "TARGETS_SECTOR"} <= types
    assert all(t.replace("_", "").isalnum() and t.isupper() for t in types)
    for r in rel_rows[1:]:
        assert r[0] in node_ids and r[1] in node_ids
    script = (out / "import.sh").read_text("utf-8")
    assert "neo4j-admin" in script and 'database import full "$DB"' in script
    assert (
        "--nodes=" in script and "--relationships=" in script and '--array-delimiter=";"' in script
    )


def test_view_and_as_of(kg: KnowledgeGraph, tmp_path: Path) -> None:
    _, supply = network_tables(kg, "supply")
    assert set(supply["relation"]) == {"supplies"}
    _, early = network_tables(kg, "supply", as_of="1990")
    # s1 runs from 1995: not valid in 1990; the undated sample link harness-b <- wire-d is
    assert "doc/sample-harness/s1" in set(supply["fact"])
    assert "doc/sample-harness/s1" not in set(early["fact"])
    assert len(early) == len(project(kg, "supply", "1990").edges)
    summary = export_network(kg, "graphml", tmp_path / "g.graphml", view="supply", as_of="1990")
    assert "view supply as of 1990-01-01" in summary
    assert nx.read_graphml(tmp_path / "g.graphml").graph["as_of"] == "1990-01-01"


def test_bad_arguments(kg: KnowledgeGraph, tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="unknown view"):
        export_network(kg, "graphml", tmp_path / "g.graphml", view="trade")
    with pytest.raises(ValueError, match="YYYY"):
        export_network(kg, "graphml", tmp_path / "g.graphml", as_of="last year")
    with pytest.raises(ValueError, match="unknown network format"):
        export_network(kg, "dot", tmp_path / "g.dot")
    (tmp_path / "file.txt").write_text("x")
    with pytest.raises(ValueError, match="must be a directory"):
        export_network(kg, "csv", tmp_path / "file.txt")
    with pytest.raises(ValueError, match="one file"):
        export_network(kg, "graphml", tmp_path)
    assert set(NETWORK_FORMATS) == {"graphml", "gexf", "csv", "cyjs", "neo4j"}


def test_edge_list_source_exports(tmp_path: Path) -> None:
    """A graph fed from an edge list: ids, labels, evidence line and quote reach the export."""
    from gvcgraph.ingest.edgelist import load_edgelist

    path = tmp_path / "links.csv"
    path.write_text(
        'source,target,evidence\nAlpha SA,beta,"Alpha sells to ""Beta"", p. 3"\n', "utf-8"
    )
    graph = KnowledgeGraph()
    load_edgelist(graph, path, progress=False)
    nodes, edges = network_tables(graph)
    assert dict(zip(nodes["id"], nodes["label"], strict=True)) == {
        "alpha-sa": "Alpha SA",
        "beta": "beta",
    }
    row = edges.iloc[0]
    assert (row["source"], row["target"], row["source_document"]) == ("alpha-sa", "beta", "links")
    assert row["evidence_quote"] == 'Alpha sells to "Beta", p. 3'
    assert row["evidence_location"] == "line 2"
    assert node_key(row["fact"]) == "doc/links/row-2"


@pytest.mark.skipif(
    "graphml" not in CLI_EXPORT_FORMATS,
    reason="the export command does not dispatch the network formats yet",
)
@pytest.mark.parametrize("fmt", NETWORK_FORMATS)
def test_cli_export_network(sample_store: Path, tmp_path: Path, fmt: str) -> None:
    out = tmp_path / ("net" if fmt in ("csv", "neo4j") else f"net.{fmt}")
    args = ["export", "--format", fmt, "--out", str(out), "--store", str(sample_store)]
    result = CliRunner().invoke(main, [*args, "--view", "supply", "--as-of", "2000"])
    assert result.exit_code == 0, result.output
    assert "view supply as of 2000-01-01" in result.output
    assert out.exists()
    bad = CliRunner().invoke(main, [*args, "--as-of", "soon"])
    assert bad.exit_code == 2 and "YYYY" in bad.output
