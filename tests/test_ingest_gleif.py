"""GLEIF Level 1 / Level 2 RDF ingest: the GLEIF sample files give the legal entities with
their LEI and jurisdiction, direct and ultimate consolidation as control with the relationship
period, and the registration records as evidence at their line in the file."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from rdflib import Graph

from gvcgraph.graph.store import KnowledgeGraph
from gvcgraph.ingest import gleif
from gvcgraph.ingest.errors import InputError
from gvcgraph.ontology.terms import VOCAB
from tests.conftest import SHARED
from tests.test_ingest_bods import shacl_violations

SAMPLE = SHARED / "reference-data" / "gleif-rdf-sample"
ID = "https://w3id.org/gvcgraph/id/"

# read by hand from L1Data.ttl: gleif-base:hasLegalJurisdiction of each entity
JURISDICTIONS = {
    "506700GE1G29325QX363": "CH",
    "506700LOLO7M6V0E4247": "CH",
    "549300J43MRRHUL8JX64": "GB",
    "549300NRE2M9GQ3DTH08": "DK",
    "549300PSHWOM1D1JVL23": "US",
    "549300RK1FB0VMTPD087": "US",
    "549300Z97UQPIB27EY09": "US",
    "6SHGI4ZSSLCXXQSBB395": "US",
    "E57ODZWZ7FF32TWEFA76": "US",
}


def select(kg: KnowledgeGraph, sparql: str) -> pd.DataFrame:
    """``kg.select`` with concept IRIs shown as their code (see test_ingest_bods.select)."""
    df = kg.select(sparql.replace("/skos:notation ?", " ?"))
    vocab = str(VOCAB)
    for col in df.columns:
        df[col] = [
            v.rsplit("/", 1)[-1] if isinstance(v, str) and v.startswith(vocab) else v
            for v in df[col]
        ]
    return df.astype(object).where(df.notna(), None)


def line_of(path: Path, start: str) -> int:
    """The line of ``path`` that starts with ``start`` (a subject written at column 0)."""
    lines = path.read_text("utf-8").splitlines()
    hits = [i for i, line in enumerate(lines, start=1) if line.startswith(start)]
    assert len(hits) == 1, (start, hits)
    return hits[0]


@pytest.fixture(scope="module")
def both(shared_dir: Path) -> KnowledgeGraph:
    """Level 1 and Level 2 samples ingested as two sources of one graph."""
    kg = KnowledgeGraph()
    graphs = {}
    for name in ("L1Data.ttl", "L2Data.ttl"):
        sid, g, warnings = gleif.read(SAMPLE / name)
        assert warnings == []
        graphs[sid] = g
    kg.replace_sources(graphs)
    return kg


def test_level1_entities_with_lei_and_jurisdiction(shared_dir: Path) -> None:
    sid, g, warnings = gleif.read(SAMPLE / "L1Data.ttl")
    assert (sid, warnings) == ("l1data", [])
    assert shacl_violations(g) == []
    kg = KnowledgeGraph()
    kg.replace_sources({sid: g})
    rows = select(
        kg,
        """SELECT ?lei ?country ?label WHERE { ?f a gvc:Firm ; gvc:lei ?lei ;
        gvc:country/skos:notation ?country ; skos:prefLabel ?label }""",
    )
    assert dict(zip(rows["lei"], rows["country"], strict=True)) == JURISDICTIONS
    assert len(rows) == 9
    # one evidence node per LEI registration record, at its line in the file
    ev = select(
        kg,
        """SELECT ?lei ?record ?line ?note WHERE { ?f gvc:lei ?lei ; prov:wasDerivedFrom ?e .
        ?e a gvc:Evidence ; dct:identifier ?record ; gvc:line ?line ; skos:note ?note }""",
    )
    assert len(ev) == 9
    for row in ev.itertuples():
        assert row.record == f"https://rdf.gleif.org/sample/L1/L-{row.lei}-LEI"
        assert row.line == line_of(SAMPLE / "L1Data.ttl", f"gleif-L1-data:L-{row.lei}-LEI")
    gleif_row = ev[ev["lei"] == "506700GE1G29325QX363"].iloc[0]
    assert "FullyCorroborated" in gleif_row["note"]
    assert "initial registration 2018-03-16" in gleif_row["note"]
    names = select(
        kg,
        """SELECT ?label ?alt WHERE { ?f gvc:lei "6SHGI4ZSSLCXXQSBB395" ; skos:prefLabel ?label ;
        skos:altLabel ?alt } ORDER BY ?alt""",
    )
    assert set(names["label"]) == {"Citigroup Inc."}
    assert list(names["alt"]) == [
        "Primerica Corporation",
        "The Travelers Inc.",
        "Travelers Group Inc.",
    ]
    doc = select(
        kg,
        """SELECT ?title ?issued ?type WHERE { ?d a gvc:SourceDocument ; dct:title ?title ;
        dct:issued ?issued ; gvc:sourceType/skos:notation ?type }""",
    ).iloc[0]
    assert doc["title"] == "Global Legal Entity Identifier Foundation Level 1 sample data"
    assert doc["issued"].isoformat() == "2019-02-01"
    assert doc["type"] == "register"


def test_level2_consolidations_are_control(shared_dir: Path) -> None:
    sid, g, warnings = gleif.read(SAMPLE / "L2Data.ttl")
    assert (sid, warnings) == ("l2data", [])
    assert shacl_violations(g) == []
    kg = KnowledgeGraph()
    kg.replace_sources({sid: g})
    table = kg.counts_by_class()
    counts = dict(zip(table["class"], table["count"], strict=True))
    assert counts["gvc:DirectConsolidation"] == 3
    assert counts["gvc:UltimateConsolidation"] == 3
    assert counts["gvc:Control"] == 6
    assert counts["gvc:Linkage"] == 1  # the international branch relationship
    assert counts["gvc:Evidence"] == 7  # one per relationship record
    # every consolidation is backed by its -REC record
    rows = select(
        kg,
        """SELECT ?rel ?rec WHERE { ?c a gvc:Control ; dct:identifier ?rel ;
        prov:wasDerivedFrom/dct:identifier ?rec }""",
    )
    assert len(rows) == 6
    assert all(rec == f"{rel}-REC" for rel, rec in zip(rows["rel"], rows["rec"], strict=True))


def test_citicorp_and_its_parent_with_period(both: KnowledgeGraph) -> None:
    citicorp = f"{ID}lei/549300PSHWOM1D1JVL23"
    row = select(
        both,
        f"""SELECT ?label ?country WHERE {{ <{citicorp}> a gvc:Firm ; skos:prefLabel ?label ;
        gvc:country/skos:notation ?country }}""",
    ).iloc[0]
    assert (row["label"], row["country"]) == ("Citicorp LLC", "US")
    parents = select(
        both,
        f"""SELECT ?cls ?parent ?basis ?from ?prec ?to ?rec ?line ?note WHERE {{
        ?c gvc:controlled <{citicorp}> ; a ?k ; gvc:controller/skos:prefLabel ?parent ;
           gvc:controlBasis/skos:notation ?basis ; gvc:validFrom ?from ;
           gvc:validFromPrecision/skos:notation ?prec ;
           prov:wasDerivedFrom [ dct:identifier ?rec ; gvc:line ?line ; skos:note ?note ] .
        OPTIONAL {{ ?c gvc:validTo ?to }}
        FILTER(?k IN (gvc:DirectConsolidation, gvc:UltimateConsolidation))
        BIND(STRAFTER(STR(?k), "#") AS ?cls) }} ORDER BY ?cls""",
    )
    assert len(parents) == 2
    direct, ultimate = parents.to_dict("records")
    assert direct["cls"] == "DirectConsolidation"
    assert direct["parent"] == "Citigroup Inc."
    assert direct["basis"] == "direct-consolidation"
    assert direct["from"].isoformat() == "2017-10-02"
    assert (direct["prec"], direct["to"]) == ("day", None)
    rec = "R-549300PSHWOM1D1JVL23-6SHGI4ZSSLCXXQSBB395-D-REC"
    assert direct["rec"] == f"https://rdf.gleif.org/sample/L2/{rec}"
    assert direct["line"] == line_of(SAMPLE / "L2Data.ttl", f"gleif-L2-data:{rec}")
    assert "accounting period 2017-02-02 to 2018-02-02" in direct["note"]
    assert "PartiallyCorroborated" in direct["note"]
    assert (ultimate["cls"], ultimate["parent"], ultimate["basis"]) == (
        "UltimateConsolidation",
        "Citigroup Inc.",
        "ultimate-consolidation",
    )
    # the two sources meet in the LEI nodes: derived control shortcuts link named firms
    derived = select(
        both,
        """SELECT ?child ?parent WHERE { GRAPH graph:derived { ?c gvc:controlledBy ?p }
        ?c skos:prefLabel ?child . ?p skos:prefLabel ?parent } ORDER BY ?child ?parent""",
    )
    assert ("Citibank, National Association", "Citicorp LLC") in set(
        zip(derived["child"], derived["parent"], strict=True)
    )
    assert len(derived) == 5  # 6 consolidations, 2 of them the same pair


def test_reporting_exceptions_become_notes(shared_dir: Path) -> None:
    _sid, g, warnings = gleif.read(SAMPLE / "ReportingExceptionData.ttl")
    assert warnings == []
    notes = sorted(
        str(o) for s, o in g.subject_objects() if str(s) == f"{ID}lei/506700GE1G29325QX363"
    )
    assert notes == [
        "GLEIF reporting exception (DirectConsolidationReportingException): NoKnownPerson.",
        "GLEIF reporting exception (UltimateConsolidationReportingException): NoKnownPerson.",
    ]


def test_reading_twice_gives_the_same_triples_and_ntriples_work(
    shared_dir: Path, tmp_path: Path
) -> None:
    _sid, g1, _w = gleif.read(SAMPLE / "L2Data.ttl")
    _sid, g2, _w = gleif.read(SAMPLE / "L2Data.ttl")
    assert set(g1) == set(g2)
    # the same data as N-Triples gives the same facts; evidence lines point into the .nt file
    nt = tmp_path / "L2Data.nt"
    source = Graph()
    source.parse(SAMPLE / "L2Data.ttl", format="turtle")
    text = source.serialize(format="nt")
    nt.write_text(text, "utf-8")
    sid, g3, _w = gleif.read(nt)
    assert sid == "l2data"
    kg = KnowledgeGraph()
    kg.replace_sources({sid: g3})
    rows = select(
        kg,
        """SELECT ?rec ?line WHERE { ?c a gvc:Control ; prov:wasDerivedFrom ?e .
        ?e dct:identifier ?rec ; gvc:line ?line }""",
    )
    assert len(rows) == 6
    lines = text.splitlines()
    for rec, line in zip(rows["rec"], rows["line"], strict=True):
        first = next(i for i, t in enumerate(lines, start=1) if t.startswith(f"<{rec}> "))
        assert line == first


def test_inactive_relationship_ends_at_its_last_update(tmp_path: Path) -> None:
    ttl = tmp_path / "inactive.ttl"
    ttl.write_text(
        """@prefix gleif-L2: <https://www.gleif.org/ontology/L2/> .
@prefix gleif-base: <https://www.gleif.org/ontology/Base/> .
@prefix d: <https://example.org/> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .

d:R-549300PSHWOM1D1JVL23-6SHGI4ZSSLCXXQSBB395-D
    a gleif-L2:DirectConsolidation ;
    gleif-L2:hasChild d:L-549300PSHWOM1D1JVL23 ;
    gleif-L2:hasParent d:L-6SHGI4ZSSLCXXQSBB395 ;
    gleif-L2:hasRelationshipPeriod [ gleif-base:hasStart "2015-01-01T00:00:00Z"^^xsd:dateTime ] ;
    gleif-L2:hasRelationshipStatus gleif-L2:RelationshipStatusInactive .

d:R-549300PSHWOM1D1JVL23-6SHGI4ZSSLCXXQSBB395-D-REC
    a gleif-L2:LegalEntityRelationshipRecord ;
    gleif-base:records d:R-549300PSHWOM1D1JVL23-6SHGI4ZSSLCXXQSBB395-D ;
    gleif-base:hasLastUpdateDate "2019-06-30T12:00:00Z"^^xsd:dateTime .
""",
        "utf-8",
    )
    sid, g, warnings = gleif.read(ttl)
    assert warnings == []
    kg = KnowledgeGraph()
    kg.replace_sources({sid: g})
    row = select(
        kg,
        """SELECT ?from ?to ?prec ?line WHERE { ?c a gvc:DirectConsolidation ;
        gvc:validFrom ?from ; gvc:validTo ?to ; gvc:validToPrecision/skos:notation ?prec ;
        prov:wasDerivedFrom/gvc:line ?line }""",
    ).iloc[0]
    assert (row["from"].isoformat(), row["to"].isoformat(), row["prec"]) == (
        "2015-01-01",
        "2019-06-30",
        "approximate",
    )
    assert row["line"] == 13
    assert shacl_violations(g) == []


def test_subject_lines_follow_prefixes_and_base() -> None:
    text = """@base <https://ex.org/data/> .
@prefix a: <https://ex.org/a/> .
PREFIX b: <sub/>

a:one a a:Thing .
<two> a a:Thing ;
    a:p a:three .
b:four\\.x a a:Thing .
<https://other.org/five> a a:Thing .
"""
    assert gleif.subject_lines(text) == {
        "https://ex.org/a/one": 5,
        "https://ex.org/data/two": 6,
        "https://ex.org/data/sub/four.x": 8,
        "https://other.org/five": 9,
    }


def test_file_with_only_an_ontology_header_is_refused(shared_dir: Path) -> None:
    with pytest.raises(InputError) as info:
        gleif.read(SAMPLE / "DataWithInferences.ttl")
    assert "no GLEIF data found" in info.value.report()


def test_an_escape_that_writes_a_non_iri_is_refused_at_its_line(
    tmp_path: Path, sample_store: Path
) -> None:
    """rdflib's Turtle parser unescapes ``\\u003E`` into ``>`` inside an IRI; such a term
    cannot be stored (it used to end the ingest with a traceback), so it is refused."""
    from click.testing import CliRunner

    from gvcgraph.cli import main
    from tests.conftest import canonical_dump

    bad = tmp_path / "escaped.ttl"
    bad.write_text(
        "@prefix gleif-L1: <https://www.gleif.org/ontology/L1/> .\n\n"
        "<https://ex.org/L-549300PSHWOM1D1JVL23> a gleif-L1:LegalEntity ;\n"
        '    gleif-L1:hasLegalName "Fine" .\n'
        "<https://ex.org/x\\u003E\\u0020\\u007D549300RK1FB0VMTPD087> a gleif-L1:LegalEntity ;\n"
        '    gleif-L1:hasLegalName "Broken" .\n',
        "utf-8",
    )
    before = canonical_dump(sample_store)
    result = CliRunner().invoke(
        main, ["ingest", "--format", "gleif", str(bad), "--store", str(sample_store)]
    )
    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output
    assert f"{bad}:5: error: not valid Turtle: Invalid IRI code point '>'" in result.output
    assert canonical_dump(sample_store) == before


def test_nesting_and_numbers_beyond_pythons_limits_are_located(tmp_path: Path) -> None:
    """rdflib gives up with Python's own words and no line (recursion limit, 4,300-digit
    numbers): the reader names the cause and finds the line (found by tests/test_fuzz.py)."""
    from gvcgraph.ingest import gleif
    from gvcgraph.ingest.errors import InputError

    deep = tmp_path / "deep.ttl"
    deep.write_text(
        "@prefix ex: <http://e/> .\nex:a ex:p " + "[ ex:q " * 3000 + "1" + " ]" * 3000 + " .\n"
    )
    big = tmp_path / "big.ttl"
    big.write_text("@prefix ex: <http://e/> .\n\nex:a ex:p " + "9" * 5000 + " .\n")
    for path, expected in (
        (deep, ":2: error: not valid Turtle: blank nodes or lists nested more than 200 deep"),
        (big, ":3: error: not valid Turtle: a number with more than 4,300 digits"),
    ):
        with pytest.raises(InputError) as info:
            gleif.read(path)
        assert [str(p) for p in info.value.problems] == [f"{path}{expected}"]
