"""Projection of the knowledge graph to networkx and scipy.sparse (views, attributes, dates,
evidence), writing analysis results back as RDF, and the ``gvcgraph analyze`` commands.

The graphs are small case studies written to tmp_path and ingested with KnowledgeGraph."""

from __future__ import annotations

import gc
import io
import json
import textwrap
from pathlib import Path

import networkx as nx
import pandas as pd
import pytest
import scipy.sparse as sp
from click.testing import CliRunner

from gvcgraph.cli.analyze import analyze
from gvcgraph.graph import analysis_results as results
from gvcgraph.graph.centrality import centrality
from gvcgraph.graph.ownership import ownership_table, ultimate_controllers
from gvcgraph.graph.project import (
    EDGE_COLUMNS,
    NODE_COLUMNS,
    Projection,
    as_projection,
    filter_as_of,
    node_iri,
    node_key,
    project,
    to_networkx,
    to_sparse,
)
from gvcgraph.graph.store import KnowledgeGraph
from gvcgraph.graph.tiers import supplier_tiers

CASE_A = """
format: gvcgraph-casestudy/1
source: {id: proj-a, title: "Projection test A", type: other, file: a.txt}
entities:
  - {id: oem, type: firm, label: OEM, country: US, size: large}
  - {id: t1, type: firm, label: Tier One, country: MX, size: small}
  - {id: t2, type: firm, label: Tier Two, country: MX, size: micro}
  - {id: hold, type: business-group, label: Holding, country: MX}
  - {id: plant, type: establishment, label: OEM plant, of: oem, country: MX,
     evidence: {line: 9, quote: "plant"}}
  - {id: cluster-x, type: cluster, label: Cluster X, country: MX}
  - {id: sector-auto, type: sector, label: Automotive}
  - {id: chain-x, type: value-chain, label: Chain X, lead_firms: [oem]}
  - {id: mx-body, type: public-body, label: Body, country: MX}
policies:
  - id: policy-x
    label: Programme X
    types: [subsidy]
    country: MX
    administered_by: [mx-body]
    from: 1995
    to: 2005
    targets: {sectors: [sector-auto], firm_categories: [sme], firms: [t1]}
    evidence: {line: 8, quote: "programme"}
supply:
  - {id: s1, buyer: oem, supplier: t1, governance: captive, supplier_dependence: 70,
     buyer_controls_design: true, chain: chain-x, from: 1995, to: 2003,
     evidence: {line: 1, quote: "t1 sells to oem"}}
  - {id: s2, buyer: t1, supplier: t2, from: 2000, evidence: {line: 2, quote: "t2 sells to t1"}}
ownership:
  - {id: o1, owner: hold, owned: t1, share_min: 60, share_max: 80, from: 1990,
     evidence: {line: 3, quote: "hold owns t1"}}
  - {id: o2, owner: oem, owned: t2, share: 30, evidence: {line: 4, quote: "oem owns 30%"}}
control:
  - {id: c1, controller: hold, controlled: t1, basis: majority-ownership,
     evidence: {line: 3, quote: "hold owns t1"}}
participation:
  - {id: p1, participant: t1, chain: chain-x, lead: oem, tier: 1,
     evidence: {line: 5, quote: "first tier"}}
  - {id: p2, participant: t2, chain: chain-x, lead: oem, tier: 3,
     evidence: {line: 6, quote: "third tier"}}
governance:
  - {id: g1, subject: chain-x, governance: captive, lead: oem, evidence: {line: 7, quote: "captive"}}
policy_participation:
  - {id: pp1, beneficiary: t1, instrument: policy-x, from: 1996,
     evidence: {line: 8, quote: "t1 used it"}}
memberships:
  - {id: m1, member: t1, organization: cluster-x, evidence: {line: 10, quote: "in the cluster"}}
links:
  - {id: l1, from_actor: mx-body, to_actor: cluster-x, relation: supports,
     evidence: {line: 11, quote: "supports"}}
"""

CASE_B = """
format: gvcgraph-casestudy/1
source: {id: proj-b, title: "Projection test B", type: other, file: b.txt}
entities:
  - {id: oem, type: firm, label: OEM, country: US, size: large}
  - {id: t1, type: firm, label: Tier One, country: MX, size: small}
supply:
  - {id: s1, buyer: oem, supplier: t1, governance: relational, from: 1998,
     evidence: {line: 1, quote: "relational"}}
"""


@pytest.fixture
def case_files(tmp_path: Path) -> list[Path]:
    a, b = tmp_path / "proj-a.yaml", tmp_path / "proj-b.yaml"
    a.write_text(textwrap.dedent(CASE_A), encoding="utf-8")
    b.write_text(textwrap.dedent(CASE_B), encoding="utf-8")
    return [a, b]


@pytest.fixture
def kg(case_files: list[Path]) -> KnowledgeGraph:
    g = KnowledgeGraph()
    g.ingest(case_files, shacl=False)
    return g


def _edges(p: Projection, relation: str | None = None) -> list[tuple[str, ...]]:
    e = p.edges if relation is None else p.edges[p.edges["relation"] == relation]
    return sorted(zip(e["u"], e["v"], e["relation"], e["fact"], strict=True))


# ---------------------------------------------------------------------------------- views


def test_supply_view(kg: KnowledgeGraph) -> None:
    p = project(kg, "supply")
    assert list(p.nodes.columns[: len(NODE_COLUMNS)]) == list(NODE_COLUMNS)
    assert set(EDGE_COLUMNS) <= set(p.edges.columns)
    assert sorted(p.nodes["node"]) == ["oem", "t1", "t2"]
    # two sources state t1 -> oem: two edges, one per fact
    assert _edges(p) == [
        ("t1", "oem", "supplies", "doc/proj-a/s1"),
        ("t1", "oem", "supplies", "doc/proj-b/s1"),
        ("t2", "t1", "supplies", "doc/proj-a/s2"),
    ]
    s1 = p.edges.set_index("fact").loc["doc/proj-a/s1"]
    assert s1["governance"] == "captive" and s1["supplier_dependence"] == 70.0
    assert bool(s1["buyer_controls_design"]) and s1["chain"] == "chain-x"
    assert (s1["valid_from"], s1["valid_to"]) == ("1995-01-01", "2003-12-31")
    assert s1["evidence"] == ["doc/proj-a/ev/s1/1"] and s1["source"] == "proj-a"
    assert p.edges.set_index("fact").loc["doc/proj-b/s1", "governance"] == "relational"
    oem = p.nodes.set_index("node").loc["oem"]
    assert (oem["label"], oem["cls"], oem["country"], oem["size_class"], oem["iri"]) == (
        "OEM",
        "Firm",
        "US",
        "large",
        "https://w3id.org/gvcgraph/id/oem",
    )
    assert bool(oem["lead_firm"])  # gvc:leadFirm of chain-x (and participation lead)
    assert sorted(p.tables["asserted_tiers"][["participant", "tier"]].values.tolist()) == [
        ["t1", 1],
        ["t2", 3],
    ]


def test_ownership_view(kg: KnowledgeGraph) -> None:
    p = project(kg, "ownership")
    assert _edges(p) == [
        ("hold", "t1", "controls", "doc/proj-a/c1"),
        ("hold", "t1", "owns", "doc/proj-a/o1"),
        ("oem", "t2", "owns", "doc/proj-a/o2"),
        ("plant", "oem", "establishment-of", "plant"),
    ]
    e = p.edges.set_index("fact")
    assert (e.loc["doc/proj-a/o1", "share_min"], e.loc["doc/proj-a/o1", "share_max"]) == (60, 80)
    assert (e.loc["doc/proj-a/o2", "share_min"], e.loc["doc/proj-a/o2", "share_max"]) == (30, 30)
    # no interest type given: NA, which the ownership analysis reads as shareholding
    interest = e.loc["doc/proj-a/o1", "interest"]
    assert pd.isna(interest) or interest == "shareholding"
    assert e.loc["doc/proj-a/c1", "basis"] == "majority-ownership"
    assert e.loc["plant", "evidence"] == ["doc/proj-a/ev/e-plant/1"]


def test_policy_view(kg: KnowledgeGraph) -> None:
    p = project(kg, "policy")
    assert _edges(p) == [
        ("mx-body", "policy-x", "administers", "policy-x"),
        ("policy-x", "firm-category:sme", "targets-firm-category", "policy-x"),
        ("policy-x", "sector-auto", "targets-sector", "policy-x"),
        ("policy-x", "t1", "benefits", "doc/proj-a/pp1"),
        ("policy-x", "t1", "targets-firm", "policy-x"),
    ]
    sme = p.nodes.set_index("node").loc["firm-category:sme"]
    assert sme["cls"] == "Concept" and sme["iri"].endswith("/vocab/firm-category/sme")
    # the concept's label comes from the ontology graph, when the store holds it
    if kg.ask("ASK { GRAPH <https://w3id.org/gvcgraph/graph/ontology> { ?s ?p ?o } }"):
        assert sme["label"] == "Small and medium-sized enterprise"
    assert p.labels()[p.positions(["firm-category:sme"])[0]] in (
        "Small and medium-sized enterprise",
        "firm-category:sme",
    )
    target = p.edges[p.edges["relation"] == "targets-sector"].iloc[0]
    assert (target["valid_from"], target["valid_to"]) == ("1995-01-01", "2005-12-31")
    assert target["evidence"] == ["doc/proj-a/ev/e-policy-x/1"]


def test_all_view_and_chain_governance(kg: KnowledgeGraph) -> None:
    p = project(kg, "all")
    rels = set(p.edges["relation"])
    assert rels >= {
        "supplies",
        "owns",
        "controls",
        "establishment-of",
        "benefits",
        "member-of",
        "supports",
        "participates-in",
        "targets-sector",
        "administers",
    }
    assert p.nodes.set_index("node").loc["chain-x", "governance"] == "captive"
    with pytest.raises(ValueError, match="unknown view"):
        project(kg, "trade")


def test_as_of(kg: KnowledgeGraph) -> None:
    # 1996: only proj-a's s1 (1995-2003); 2004: proj-b's s1 (from 1998) and s2 (from 2000)
    assert _edges(project(kg, "supply", as_of="1996")) == [
        ("t1", "oem", "supplies", "doc/proj-a/s1")
    ]
    assert [f for *_, f in _edges(project(kg, "supply", as_of="2004-06-30"))] == [
        "doc/proj-b/s1",
        "doc/proj-a/s2",
    ]
    # the end of a relation dated by year is its last day (2003-12-31)
    assert len(project(kg, "supply", as_of="2003-12-31").edges) == 3
    # policy targets follow the instrument's dates (1995-2005)
    assert project(kg, "policy", as_of="2010").edges["relation"].tolist() == ["benefits"]
    # the same filter on a plain table
    e = pd.DataFrame({"valid_from": ["1990-01-01", None], "valid_to": [None, "1980-12-31"]})
    assert filter_as_of(e, "2000").index.tolist() == [0]


def test_to_networkx(kg: KnowledgeGraph) -> None:
    g = to_networkx(kg, "supply")
    assert isinstance(g, nx.MultiDiGraph)
    assert g.number_of_nodes() == 3 and g.number_of_edges() == 3
    assert g.number_of_edges("t1", "oem") == 2
    d = g.get_edge_data("t1", "oem")["doc/proj-a/s1"]
    assert d["relation"] == "supplies" and d["governance"] == "captive"
    assert d["evidence"] == ["doc/proj-a/ev/s1/1"] and d["source"] == "proj-a"
    assert d["valid_to"] == "2003-12-31"
    assert g.nodes["t1"]["size_class"] == "small" and g.nodes["t1"]["country"] == "MX"
    assert g.nodes["t1"]["iri"] == node_iri("t1")
    # and back: the analyses accept the networkx graph as well as the projection
    back = as_projection(g)
    assert len(back.edges) == 3
    assert supplier_tiers(back, ["oem"]).equals(supplier_tiers(project(kg, "supply"), ["oem"]))


def test_to_sparse(kg: KnowledgeGraph) -> None:
    adj, nodes = to_sparse(kg, "all", relations=["supplies"])
    assert sp.issparse(adj) and adj.shape == (len(nodes), len(nodes))
    pos = {k: i for i, k in enumerate(nodes["node"])}
    assert adj[pos["t1"], pos["oem"]] == 1  # two facts collapse to one entry
    assert adj[pos["t2"], pos["t1"]] == 1
    assert adj.nnz == 2


def test_node_keys() -> None:
    assert node_key("https://w3id.org/gvcgraph/id/intel") == "intel"
    assert node_key("https://w3id.org/gvcgraph/vocab/firm-category/sme") == "firm-category:sme"
    assert node_key("http://example.org/x") == "http://example.org/x"
    for k in ("intel", "firm-category:sme", "http://example.org/x"):
        assert node_key(node_iri(k)) == k


# ---------------------------------------------------------------------------------- write-back


def test_write_back_and_sparql(kg: KnowledgeGraph) -> None:
    sup = project(kg, "supply")
    tiers = supplier_tiers(sup, ["oem"])
    iri = results.write_back(kg, "tiers", results.tiers_to_rdf(tiers))
    assert iri == "https://w3id.org/gvcgraph/graph/analysis/tiers"
    df = kg.select("""SELECT ?s ?tier ?asserted WHERE {
        ?t a gvc:DerivedTier ; gvc:relativeTo id:oem ; gvc:participant ?s ; gvc:tier ?tier ;
           gvc:tierBasis <https://w3id.org/gvcgraph/vocab/tier-basis/derived> .
        OPTIONAL { ?t gvc:assertedTier ?asserted } } ORDER BY ?s""")
    assert df["s"].map(node_key).tolist() == ["t1", "t2"]
    assert df["tier"].tolist() == [1, 2] and df["asserted"].tolist() == [1, 3]
    # centrality scores
    c = centrality(sup, ["in_degree"], view="supply")
    results.write_back(kg, "centrality", results.centrality_to_rdf(c))
    df = kg.select("""SELECT ?n ?v WHERE { ?c a gvc:CentralityScore ; gvc:scoredNode ?n ;
        gvc:measure "in_degree" ; gvc:view "supply" ; gvc:value ?v } ORDER BY ?n""")
    assert dict(zip(df["n"].map(node_key), df["v"], strict=True)) == {"oem": 1, "t1": 1, "t2": 0}
    # ownership: integrated holdings, ultimate controller, group, foreign control
    own = project(kg, "ownership")
    ctl = ultimate_controllers(own)
    results.write_back(kg, "ownership", results.ownership_to_rdf(ownership_table(own), ctl))
    assert kg.ask("ASK { id:t1 gvc:ultimateController id:hold ; gvc:foreignControlled false }")
    assert kg.ask("ASK { id:plant gvc:ultimateController id:oem ; gvc:foreignControlled true }")
    df = kg.select("""SELECT ?min ?max WHERE { ?i a gvc:IntegratedOwnership ; gvc:owner id:hold ;
        gvc:owned id:t1 ; gvc:shareMin ?min ; gvc:shareMax ?max ; gvc:isDirect true }""")
    assert df.values.tolist() == [[60, 80]]
    # every result names the activity that produced it; a second write-back replaces the first
    assert kg.ask("ASK { ?r gvc:tier ?t ; prov:wasGeneratedBy ?a . ?a a prov:Activity }")
    results.write_back(kg, "tiers", results.tiers_to_rdf(tiers.iloc[:1]))
    n = kg.select("SELECT (COUNT(*) AS ?n) WHERE { ?t a gvc:DerivedTier }")["n"].iloc[0]
    assert n == 1
    with pytest.raises(ValueError):
        results.write_back(kg, "nonsense", results.tiers_to_rdf(tiers))


# ---------------------------------------------------------------------------------- CLI


@pytest.fixture
def store(tmp_path: Path, case_files: list[Path]) -> str:
    path = tmp_path / "store"
    g = KnowledgeGraph(path)
    g.ingest(case_files, shacl=False)
    g.close()
    del g
    gc.collect()
    return str(path)


def _run(*args: str) -> str:
    result = CliRunner().invoke(analyze, list(args), catch_exceptions=False)
    assert result.exit_code == 0, result.output
    gc.collect()
    return result.stdout


def _csv(text: str) -> pd.DataFrame:
    return pd.read_csv(io.StringIO(text))


def test_cli_columns(store: str) -> None:
    c = _csv(_run("centrality", "--store", store, "--format", "csv", "--top", "1"))
    assert list(c.columns) == ["node", "label", "view", "measure", "value"]
    assert len(c) == 6  # one row per measure
    t = _csv(_run("tiers", "--store", store, "--format", "csv", "--lead", "oem"))
    assert list(t.columns) == [
        "lead_firm",
        "lead_label",
        "supplier",
        "supplier_label",
        "tier",
        "asserted_tier",
    ]
    assert t[["supplier", "tier", "asserted_tier"]].values.tolist() == [["t1", 1, 1], ["t2", 2, 3]]
    k = _csv(_run("captive", "--store", store, "--format", "csv"))
    assert list(k.columns) == [
        "buyer",
        "buyer_label",
        "supplier",
        "supplier_label",
        "score",
        "asserted_governance",
        "reasons",
    ]
    o = _csv(_run("ownership", "--store", store, "--format", "csv"))
    assert list(o.columns) == [
        "owner",
        "owner_label",
        "owned",
        "owned_label",
        "share_min",
        "share_max",
        "direct",
        "ultimate_controller",
    ]
    assert o.set_index("owner").loc["hold", ["share_min", "share_max"]].tolist() == [60, 80]


def test_cli_tiers_depth_conflicts_and_as_of(store: str) -> None:
    d = _csv(_run("tiers", "--store", store, "--format", "csv", "--depth", "--lead", "oem"))
    assert d.values.tolist() == [["oem", "OEM", 2, 2]]
    c = _csv(_run("tiers", "--store", store, "--format", "csv", "--conflicts"))
    assert c[["supplier", "asserted_tier", "network_tier", "issue"]].values.tolist() == [
        ["t2", 3, 2, "shallower in the network"]
    ]
    # in 1996 t2 does not supply t1 yet
    t = _csv(_run("tiers", "--store", store, "--format", "csv", "--lead", "oem", "--as-of", "1996"))
    assert t["supplier"].tolist() == ["t1"]
    bad = CliRunner().invoke(analyze, ["tiers", "--store", store, "--as-of", "soon"])
    assert bad.exit_code != 0 and "YYYY" in bad.output


def test_cli_json_and_write_back(store: str) -> None:
    out = _run("ownership", "--store", store, "--format", "json", "--write-back")
    rows = json.loads(out)
    assert {(r["owner"], r["owned"]) for r in rows} == {("hold", "t1"), ("oem", "t2")}
    _run("captive", "--store", store, "--write-back", "--details")
    g = KnowledgeGraph(store)
    try:
        assert g.ask("ASK { id:t1 gvc:ultimateController id:hold }")
        df = g.select("""SELECT ?f ?score ?gov WHERE { ?a a gvc:CaptiveAssessment ;
            gvc:supplier id:t1 ; gvc:assessedRelation ?f ; gvc:captiveScore ?score ;
            gvc:inferredGovernance ?gov }""")
        assert sorted(df["f"].map(node_key)) == ["doc/proj-a/s1", "doc/proj-b/s1"]
        assert set(df["gov"]) == {"https://w3id.org/gvcgraph/vocab/governance/captive"}
    finally:
        g.close()
