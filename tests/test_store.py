"""The KnowledgeGraph store: named graph per source, replace on re-ingest, remove, queries into
DataFrames and rdflib graphs, counts by class, the derived shortcut graph, atomic updates."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from rdflib import URIRef

from gvcgraph.graph.store import KnowledgeGraph, QueryError, StoreError
from gvcgraph.ontology import terms
from tests.conftest import SAMPLE_YAML, canonical_dump

SAMPLE = SAMPLE_YAML.read_text("utf-8")


def _variant(tmp_path: Path, name: str, **replacements: str) -> Path:
    text = SAMPLE
    for old, new in replacements.items():
        assert old in text
        text = text.replace(old, new)
    path = tmp_path / f"{name}.yaml"
    path.write_text(text, "utf-8")
    return path


def test_ingest_puts_each_source_in_its_own_graph(tmp_path: Path) -> None:
    kg = KnowledgeGraph()
    other = _variant(tmp_path, "other", **{"id: sample-harness": "id: other-source"})
    kg.ingest([SAMPLE_YAML, other])
    assert kg.source_ids() == ["other-source", "sample-harness"]
    sources = kg.sources()
    assert list(sources["source"]) == ["other-source", "sample-harness"]
    assert sources.loc[sources.source == "sample-harness", "type"].item() == "journal-article"
    # entities are global: the same firm id in two sources is one node
    df = kg.select("SELECT (COUNT(DISTINCT ?f) AS ?n) WHERE { ?f a gvc:Firm }")
    assert df["n"].item() == 3
    # facts are per source: two supply relations per source
    df = kg.select(
        "SELECT ?g (COUNT(?r) AS ?n) WHERE { GRAPH ?g { ?r a gvc:SupplyRelation } } GROUP BY ?g ORDER BY ?g"
    )
    assert list(df["n"]) == [2, 2]


def test_reingest_replaces_the_source(tmp_path: Path) -> None:
    kg = KnowledgeGraph()
    kg.ingest([SAMPLE_YAML])
    changed = _variant(
        tmp_path, "changed", **{"supplier_dependence: 80": "supplier_dependence: 65"}
    )
    kg.ingest([changed])
    df = kg.select("SELECT ?d WHERE { ?r gvc:supplierDependence ?d }")
    assert list(df["d"]) == [65.0]


def test_remove_source_and_derived_graph_follows(tmp_path: Path) -> None:
    kg = KnowledgeGraph()
    kg.ingest([SAMPLE_YAML])
    assert kg.ask("ASK { id:harness-b gvc:suppliesTo id:oem-a }")
    kg.remove_source("sample-harness")
    assert kg.source_ids() == []
    assert not kg.ask("ASK { ?s gvc:suppliesTo ?o }")
    with pytest.raises(StoreError, match="no source 'nope'"):
        kg.remove_source("nope")


def test_derived_shortcuts() -> None:
    kg = KnowledgeGraph()
    kg.ingest([SAMPLE_YAML])
    assert kg.ask(
        "ASK { GRAPH graph:derived { id:harness-b gvc:suppliesTo id:oem-a . id:oem-a gvc:suppliedBy id:harness-b } }"
    )
    assert kg.ask("ASK { GRAPH graph:derived { id:wire-d gvc:suppliesTo id:harness-b } }")
    # share_min 50 exclusive: a majority holding, so it is control as well as ownership
    assert kg.ask(
        "ASK { GRAPH graph:derived { id:harness-b gvc:directlyOwnedBy id:group-c ; gvc:controlledBy id:group-c } }"
    )
    assert kg.ask(
        "ASK { GRAPH graph:derived { id:harness-b gvc:memberOf id:cluster-chihuahua-auto ; gvc:benefitedFrom id:policy-sample-inbond } }"
    )
    assert kg.ask(
        "ASK { GRAPH graph:derived { id:policy-sample-inbond gvc:targets id:sector-auto-parts } }"
    )
    upstream = kg.select("SELECT ?s WHERE { id:oem-a gvc:suppliedBy+ ?s } ORDER BY ?s")
    assert list(upstream["s"]) == [terms.entity_iri("harness-b"), terms.entity_iri("wire-d")]


def test_minority_holding_is_not_control(tmp_path: Path) -> None:
    kg = KnowledgeGraph()
    minority = _variant(
        tmp_path,
        "minority",
        **{
            "share_min: 50, share_min_exclusive: true, share_max: 100": "share: 30",
            '  - {controller: group-c, controlled: harness-b, basis: majority-ownership, evidence: {line: 30, quote: "C controls B"}}\n': "",
        },
    )
    kg.ingest([minority])
    assert kg.ask("ASK { id:harness-b gvc:directlyOwnedBy id:group-c }")
    assert not kg.ask("ASK { id:harness-b gvc:controlledBy ?x }")


def test_select_converts_values_and_binds_parameters() -> None:
    kg = KnowledgeGraph()
    kg.ingest([SAMPLE_YAML])
    df = kg.select(
        """SELECT ?from ?dep ?design WHERE { ?r a gvc:SupplyRelation ; gvc:supplier ?s ;
                      gvc:validFrom ?from ; gvc:supplierDependence ?dep ; gvc:buyerControlsDesign ?design }""",
        bindings={"s": URIRef(terms.entity_iri("harness-b"))},
    )
    assert df.to_dict("records") == [{"from": dt.date(1995, 1, 1), "dep": 80.0, "design": True}]
    df = kg.select("SELECT ?to WHERE { ?p a gvc:PolicyInstrument ; gvc:validTo ?to }")
    assert df["to"].item() == dt.date(2006, 6, 30)  # an end date rounds up to the month's last day


def test_construct_returns_an_rdflib_graph() -> None:
    kg = KnowledgeGraph()
    kg.ingest([SAMPLE_YAML])
    g = kg.construct("CONSTRUCT { ?s gvc:suppliesTo ?b } WHERE { ?s gvc:suppliesTo ?b }")
    assert len(g) == 2
    assert (
        URIRef(terms.entity_iri("wire-d")),
        URIRef(str(terms.GVC.suppliesTo)),
        URIRef(terms.entity_iri("harness-b")),
    ) in g


def test_counts_by_class() -> None:
    kg = KnowledgeGraph()
    kg.ingest([SAMPLE_YAML])
    counts = {r["class"]: r["count"] for r in kg.counts_by_class().to_dict("records")}
    assert counts["gvc:Firm"] == 3
    assert counts["gvc:SupplyRelation"] == 2
    assert counts["gvc:Evidence"] == 19
    assert counts["org:Membership"] == 2


def test_evidence_is_traceable_to_line_and_quote() -> None:
    kg = KnowledgeGraph()
    kg.ingest([SAMPLE_YAML])
    df = kg.select("""SELECT ?file ?line ?quote WHERE {
        ?r a gvc:SupplyRelation ; gvc:governanceType/skos:notation "captive" ; prov:wasDerivedFrom ?ev .
        ?ev oa:hasSource ?doc ; gvc:line ?line ; oa:hasSelector/oa:exact ?quote . ?doc gvc:fileName ?file }""")
    assert df.to_dict("records") == [
        {"file": "sample-harness.txt", "line": 20, "quote": "B sells 80% to A"}
    ]


def test_query_errors_are_clear() -> None:
    kg = KnowledgeGraph()
    with pytest.raises(QueryError, match="SPARQL syntax error"):
        kg.select("SELEC ?x WHERE { ?x ?p ?o }")
    with pytest.raises(QueryError, match="expected a SELECT query"):
        kg.select("ASK { ?x ?p ?o }")


def test_a_failing_update_leaves_the_store_unchanged(tmp_path: Path) -> None:
    path = tmp_path / "store"
    with KnowledgeGraph(path) as kg:
        kg.ingest([SAMPLE_YAML])
    before = canonical_dump(path)
    # the second operation fails (CREATE of a graph that exists) after the first
    # has dropped the source graph: the whole update must roll back
    with KnowledgeGraph(path) as kg, pytest.raises(Exception):  # noqa: B017 - pyoxigraph's own type
        kg.update(
            f"DROP GRAPH <{terms.source_graph('sample-harness')}> ; "
            f"CREATE GRAPH <{terms.DERIVED_GRAPH}>"
        )
    assert canonical_dump(path) == before
    assert list(path.glob("*.tmp")) == []  # the failed write's private copy is gone


def test_on_disk_store_persists(tmp_path: Path) -> None:
    path = tmp_path / "store"
    with KnowledgeGraph(path) as kg:
        kg.ingest([SAMPLE_YAML])
    with KnowledgeGraph(path) as kg:
        assert kg.source_ids() == ["sample-harness"]
        assert kg.ask("ASK { id:harness-b gvc:suppliesTo id:oem-a }")


def test_ontology_is_loaded_once_and_versioned(tmp_path: Path) -> None:
    path = tmp_path / "store"
    with KnowledgeGraph(path) as kg:
        n = len(kg)
        assert kg.ask('ASK { GRAPH graph:ontology { ?c skos:notation "captive" } }')
    with KnowledgeGraph(path) as kg:
        assert len(kg) == n
    assert any(f" <{terms.ONTOLOGY_GRAPH}> ." in line for line in canonical_dump(path))


def test_service_and_load_are_refused_unless_allowed() -> None:
    """SERVICE and LOAD would make pyoxigraph fetch a URL named in the text: refused before the
    store sees them (tests/test_hostile.py proves with a listener that nothing connects)."""
    kg = KnowledgeGraph()
    with pytest.raises(QueryError, match="SERVICE would make gvcgraph fetch a URL"):
        kg.query("SELECT * WHERE { SERVICE <http://127.0.0.1:9/sparql> { ?s ?p ?o } }")
    with pytest.raises(QueryError, match="LOAD would make gvcgraph fetch a URL"):
        kg.update("LOAD <http://127.0.0.1:9/data.ttl>")
    allowed = KnowledgeGraph(allow_service=True)  # handed to the store (results are lazy)
    assert allowed.query("SELECT * WHERE { SERVICE <http://127.0.0.1:9/sparql> { ?s ?p ?o } }")


@pytest.mark.parametrize("bulk_above", [0, 2**30], ids=["bulk-load", "load"])
def test_disk_and_memory_ingests_give_the_same_graph(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, bulk_above: int
) -> None:
    """On disk a case study is loaded with Oxigraph's loaders into the write's private copy,
    in memory with one SPARQL update: the same quads, derived graph included; re-ingesting
    replaces rather than adds."""
    import gvcgraph.graph.store as store_module

    monkeypatch.setattr(store_module, "BULK_LOAD_BYTES", bulk_above)
    dumps = []
    for location in (tmp_path / "store", None):
        with KnowledgeGraph(location) as kg:
            kg.ingest([SAMPLE_YAML])
            kg.ingest([SAMPLE_YAML])
            dumps.append(sorted(kg.dump("nq", include_ontology=True).decode().splitlines()))
    assert dumps[0] == dumps[1]
    assert any("graph/derived>" in line for line in dumps[0])
