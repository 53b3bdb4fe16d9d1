"""Edge-list ingest: small CSVs with results worked out by hand, every write path (on disk a
bulk load into a new store version; in memory one transaction or a bulk load), the derived
graph, re-ingest, a failure while writing, and bad input (clear message naming row and column,
exit status 1, store unchanged). Killed ingests: tests/test_crash_safety.py."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from pathlib import Path

import pyoxigraph as ox
import pytest
from click.testing import CliRunner
from rdflib import Dataset, Graph
from rdflib.compare import isomorphic

from gvcgraph.cli import main
from gvcgraph.graph.store import KnowledgeGraph, StoreError
from gvcgraph.ingest import edgelist as el
from gvcgraph.ingest.edgelist import entity_id, load_edgelist
from gvcgraph.ingest.errors import InputError
from gvcgraph.ingest.to_rdf import decimal_literal
from gvcgraph.ontology import terms
from tests.conftest import SAMPLE_YAML, canonical_dump

LINKS = """source,target,relation,share,date,end_date,evidence,source_country
Robert Bosch GmbH,oem-a,supplies,,1995,,"Bosch sells harnesses to A, since 1995",DE
group-c,harness-b,owns,51.0,2001-03,2005,C holds 51%,MX
group-c,wire-d,owns,30,,,,
wire-d,harness-b,controls,,,,,
harness-b,assoc-e,member-of,,2010-02-15,,,
wire-d,harness-b,cooperates-with,,,,,
"""
"""Six rows on lines 2..7; row 1 is a name (slug robert-bosch-gmbh), the rest ids."""


def _csv(tmp_path: Path, text: str | bytes, name: str = "links.csv") -> Path:
    path = tmp_path / name
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    return path


def _ingest(path: Path, store: Path, *extra: str) -> object:
    return CliRunner().invoke(
        main, ["ingest", "--format", "edgelist", str(path), "--store", str(store), *extra]
    )


def _rows(kg: KnowledgeGraph, sparql: str) -> list[tuple]:
    df = kg.select(sparql)
    rows = [
        tuple(None if v is None or v != v else v for v in r) for r in df.itertuples(index=False)
    ]
    return sorted(rows, key=repr)


# ---------------------------------------------------------------------------------- units


def test_entity_ids_and_slugs() -> None:
    assert entity_id("intel") == "intel"
    assert entity_id("  oem-a ") == "oem-a"
    assert entity_id("Robert Bosch GmbH") == "robert-bosch-gmbh"
    assert entity_id("Société Générale S.A.") == "societe-generale-s-a"
    assert entity_id("AT&T") == "at-t"
    assert entity_id("ACME Inc.") == entity_id("Acme inc") == "acme-inc"
    only_cjk = entity_id("丰田")
    assert re.fullmatch(r"firm-[0-9a-f]{12}", only_cjk) and only_cjk == entity_id("丰田")


@pytest.mark.parametrize("value", ["51.0", "80", "80.00", "0.5", "100", "33.333"])
def test_decimal_lexical_matches_case_studies(value: str) -> None:
    assert el.decimal_lexical(Decimal(value)) == str(decimal_literal(Decimal(value)))


def test_parse_mapping() -> None:
    assert el.parse_mapping("source=Supplier, target=Buyer,relation=") == {
        "source": "Supplier",
        "target": "Buyer",
        "relation": None,
    }
    with pytest.raises(InputError, match="error"):
        el.parse_mapping("sauce=Supplier")
    with pytest.raises(InputError):
        el.parse_mapping("source")


# ---------------------------------------------------------------------------------- content


WRITE_PATHS = {
    "disk": "bulk load into a new store version",
    "memory-transaction": "one transaction",
    "memory-bulk": "bulk load",
}


def _graph_for(path_kind: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> KnowledgeGraph:
    """A graph whose edge-list loads take the write path ``path_kind`` (see WRITE_PATHS)."""
    monkeypatch.setattr(el, "TRANSACTION_MAX_BYTES", 0 if path_kind == "memory-bulk" else 2**24)
    return KnowledgeGraph(tmp_path / "store" if path_kind == "disk" else None)


def _nquads(kg: KnowledgeGraph) -> list[str]:
    return sorted(kg.dump("nq", include_ontology=True).decode("utf-8").splitlines())


@pytest.fixture(params=list(WRITE_PATHS))
def loaded(
    request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> KnowledgeGraph:
    """The six-row edge list, through each write path."""
    kg = _graph_for(request.param, tmp_path, monkeypatch)
    summary = load_edgelist(kg, _csv(tmp_path, LINKS), progress=False)
    assert summary.mode == WRITE_PATHS[request.param]
    yield kg
    kg.close()


def test_default_mapping_facts(loaded: KnowledgeGraph) -> None:
    kg = loaded
    assert kg.source_ids() == ["links"]
    counts = dict(
        _rows(
            kg, "SELECT ?c (COUNT(?f) AS ?n) WHERE { ?f a ?c ; prov:wasDerivedFrom ?e } GROUP BY ?c"
        )
    )
    assert counts == {
        str(terms.GVC.SupplyRelation): 1,
        str(terms.GVC.Ownership): 2,
        str(terms.GVC.Control): 1,
        str(terms.PREFIXES["org"]) + "Membership": 1,
        str(terms.GVC.Linkage): 1,
    }
    # row 1 (line 2): a name becomes a slug, labelled with the name, country DE
    assert _rows(
        kg,
        """SELECT ?label ?country WHERE { id:robert-bosch-gmbh a gvc:Firm ;
             skos:prefLabel ?label ; gvc:country ?country }""",
    ) == [("Robert Bosch GmbH", terms.concept_iri("country", "DE"))]
    # ids are used as they are; an id no other source defines is a firm labelled with its id;
    # group-c gets its country from row 2
    assert _rows(kg, "SELECT ?c ?l WHERE { id:oem-a a ?c ; skos:prefLabel ?l }") == [
        (str(terms.GVC.Firm), "oem-a")
    ]
    assert kg.ask("ASK { id:group-c gvc:country vocab:country\\/MX }")
    # shares and dates (row 2, line 3): from 2001-03 (month), to 2005 rounded up to 2005-12-31
    assert _rows(
        kg,
        """SELECT ?owned ?share ?from ?fp ?to ?tp WHERE { ?o a gvc:Ownership ; gvc:owner id:group-c ;
             gvc:owned ?owned ; gvc:shareExact ?share
             OPTIONAL { ?o gvc:validFrom ?from ; gvc:validFromPrecision ?fp }
             OPTIONAL { ?o gvc:validTo ?to ; gvc:validToPrecision ?tp } }""",
    ) == sorted(
        [
            (
                terms.entity_iri("harness-b"),
                51.0,
                dt.date(2001, 3, 1),
                terms.concept_iri("date-precision", "month"),
                dt.date(2005, 12, 31),
                terms.concept_iri("date-precision", "year"),
            ),
            (terms.entity_iri("wire-d"), 30.0, None, None, None, None),
        ]
    )
    # the link type and the membership
    assert kg.ask(
        "ASK { ?l a gvc:Linkage ; gvc:linkFrom id:wire-d ; gvc:linkTo id:harness-b ;"
        " gvc:linkType vocab:link-type\\/cooperates-with }"
    )
    assert kg.ask(
        "ASK { ?m a org:Membership ; org:member id:harness-b ; org:organization id:assoc-e ;"
        ' gvc:validFrom "2010-02-15"^^xsd:date }'
    )


def test_evidence_rows(loaded: KnowledgeGraph) -> None:
    kg = loaded
    rows = _rows(
        kg,
        """SELECT ?fact ?line ?quote ?doc WHERE { ?fact prov:wasDerivedFrom ?e .
             ?e a gvc:Evidence ; gvc:line ?line ; oa:hasSource ?doc .
             OPTIONAL { ?e oa:hasSelector/oa:exact ?quote } }""",
    )
    doc = terms.document_iri("links")
    assert [(r[1], r[2], r[3]) for r in rows] == [
        (2, "Bosch sells harnesses to A, since 1995", doc),
        (3, "C holds 51%", doc),
        (4, None, doc),
        (5, None, doc),
        (6, None, doc),
        (7, None, doc),
    ]
    assert rows[0][0] == terms.fact_iri("links", "row-2")
    assert kg.ask(
        f"""ASK {{ <{doc}> a gvc:SourceDocument ; gvc:sourceId "links" ; gvc:fileName "links.csv" ;
             gvc:sourceType vocab:source-type\\/database }}"""
    )


AWKWARD = (
    "source,target,evidence,source_label\n"
    'a-1,b-2,"He said ""no"" \\ then\nleft\tat 5 % — «ok» 丰田 \u0007 😀",'
    '"Zoë \\ ""Q"" Ltd."\n'
)
"""Quotes, a backslash, a newline and a tab inside a quoted cell, non-Latin text, a control
character and a character outside the BMP: each must reach the store unchanged."""


@pytest.mark.parametrize("path_kind", list(WRITE_PATHS))
def test_awkward_text_reaches_the_store_unchanged(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, path_kind: str
) -> None:
    """Every write path (the bulk loader parses leniently) keeps each character of the quote
    and the label; the summary's counts are the store's."""
    with _graph_for(path_kind, tmp_path, monkeypatch) as kg:
        summary = load_edgelist(kg, _csv(tmp_path, AWKWARD), progress=False)
        quote = _rows(kg, "SELECT ?q WHERE { ?e oa:hasSelector/oa:exact ?q }")
        a_1 = terms.entity_iri("a-1")
        label = _rows(kg, f"SELECT ?l WHERE {{ <{a_1}> skos:prefLabel ?l }}")
        assert quote == [('He said "no" \\ then\nleft\tat 5 % — «ok» 丰田 \u0007 😀',)]
        assert label == [('Zoë \\ "Q" Ltd.',)]
        graph = terms.source_graph(summary.source_id)
        in_source = kg.select(f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{graph}> {{ ?s ?p ?o }} }}")
        in_derived = kg.select(
            f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{terms.DERIVED_GRAPH}> {{ ?s ?p ?o }} }}"
        )
        # by hand: fact 4 (type, two ends, evidence link) + evidence 4 + selector 2 + document 5
        # + a-1 (type, label) 2 + b-2 (type, label) 2 = 19; suppliesTo and suppliedBy = 2
        assert (summary.quads, summary.derived) == (19, 2)
        assert (int(in_source.iloc[0, 0]), int(in_derived.iloc[0, 0])) == (19, 2)
        assert "19 triples and 2 shortcut edges" in str(summary)


def test_derived_shortcuts(loaded: KnowledgeGraph) -> None:
    kg = loaded
    shortcuts = _rows(
        kg,
        "SELECT ?s ?p ?o WHERE { GRAPH graph:derived { ?s ?p ?o } }",
    )
    short = sorted(
        (s.rsplit("/", 1)[1], p.rsplit("#", 1)[1], o.rsplit("/", 1)[1]) for s, p, o in shortcuts
    )
    assert short == sorted(
        [
            ("robert-bosch-gmbh", "suppliesTo", "oem-a"),
            ("oem-a", "suppliedBy", "robert-bosch-gmbh"),
            ("harness-b", "directlyOwnedBy", "group-c"),
            ("group-c", "directlyOwns", "harness-b"),
            ("wire-d", "directlyOwnedBy", "group-c"),
            ("group-c", "directlyOwns", "wire-d"),
            # 51 % > 50: control; 30 % is not
            ("harness-b", "controlledBy", "group-c"),
            ("group-c", "controls", "harness-b"),
            # the explicit control row
            ("harness-b", "controlledBy", "wire-d"),
            ("wire-d", "controls", "harness-b"),
            ("harness-b", "memberOf", "assoc-e"),
        ]
    )


@pytest.mark.parametrize("path_kind", list(WRITE_PATHS))
def test_derived_graph_equals_the_rules(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, path_kind: str
) -> None:
    """The shortcut edges written with the facts are exactly what the SPARQL rules give,
    on a graph that already holds a case study."""
    path = _csv(tmp_path, LINKS)
    with _graph_for(path_kind, tmp_path, monkeypatch) as kg:
        kg.ingest([SAMPLE_YAML])
        load_edgelist(kg, path, progress=False)
        loaded = _nquads(kg)
        kg.rederive()
        assert _nquads(kg) == loaded


def test_every_write_path_gives_the_same_graph(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = _csv(tmp_path, LINKS)
    dumps = []
    for kind in WRITE_PATHS:
        with _graph_for(kind, tmp_path / kind, monkeypatch) as kg:
            load_edgelist(kg, path, progress=False)
            dumps.append(_nquads(kg))
    assert dumps[0] == dumps[1] == dumps[2]
    assert any("graph/derived>" in line for line in dumps[0])


def test_shapes_hold(loaded: KnowledgeGraph) -> None:
    """Every fact has evidence with a line in the CSV: the SHACL shapes find no violation."""
    from pyshacl import validate

    from gvcgraph.ingest.shacl import ontology_graph, shapes_graph

    data = loaded.construct(
        f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ GRAPH <{terms.source_graph('links')}> {{ ?s ?p ?o }} }}"
    )
    _conforms, report, text = validate(
        data, shacl_graph=shapes_graph(), ont_graph=ontology_graph(), inference="none"
    )
    sh = terms.SH
    violations = list(report.subjects(sh.resultSeverity, sh.Violation))
    assert violations == [], text


def test_rdf_export_of_an_edge_list_reimports(loaded: KnowledgeGraph) -> None:
    expected = loaded.construct(
        "CONSTRUCT { ?s ?p ?o } WHERE { GRAPH ?g { ?s ?p ?o } FILTER(?g != graph:ontology) }"
    )
    ds = Dataset()
    ds.parse(data=loaded.dump("trig").decode("utf-8"), format="trig")
    got = Graph()
    for s, p, o, _g in ds.quads((None, None, None, None)):
        got.add((s, p, o))
    assert isomorphic(got, expected)
    assert isomorphic(Graph().parse(data=loaded.dump("ttl"), format="turtle"), expected)


# ---------------------------------------------------------------------------------- the CLI


def test_cli_custom_map_semicolons_and_existing_firms(tmp_path: Path, sample_store: Path) -> None:
    text = (
        "Lieferant;Kunde;Art;Anteil;Seit;Beleg\n"
        "Harness maker B;oem-a;supplies;;1999-07;Tabelle 3\n"
        "group-c;harness-b;owns;75,5;;\n"
    )
    path = _csv(tmp_path, text.replace("75,5", "75.5"), "lieferungen.csv")
    result = _ingest(
        path,
        sample_store,
        "--map",
        "source=Lieferant,target=Kunde,relation=Art,share=Anteil,date=Seit,evidence=Beleg",
        "--source-id",
        "de-links",
    )
    assert result.exit_code == 0, result.output
    assert "2 rows (owns 1, supplies 1)" in result.output
    with KnowledgeGraph(sample_store) as kg:
        assert kg.source_ids() == ["de-links", "sample-harness"]
        # "Harness maker B" is a name: slug harness-maker-b, not the case study's harness-b
        assert kg.ask(
            "ASK { ?r gvc:supplier id:harness-maker-b ; gvc:buyer id:oem-a ;"
            ' gvc:validFrom "1999-07-01"^^xsd:date ; prov:wasDerivedFrom/oa:hasSelector/oa:exact'
            ' "Tabelle 3" }'
        )
        assert kg.ask("ASK { ?o gvc:owned id:harness-b ; gvc:shareExact 75.5 ; a gvc:Ownership }")
        # oem-a keeps its one label from the case study
        labels = kg.select("SELECT ?l WHERE { id:oem-a skos:prefLabel ?l }")["l"].tolist()
        assert labels == ["OEM A"]


def test_cli_no_relation_column_means_supplies(tmp_path: Path) -> None:
    path = _csv(tmp_path, "from,to\nA Corp,B Corp\nB Corp,C Corp\n", "chain.csv")
    result = _ingest(path, tmp_path / "store")
    assert result.exit_code == 0, result.output
    with KnowledgeGraph(tmp_path / "store") as kg:
        assert _rows(kg, "SELECT ?s ?b WHERE { ?s gvc:suppliesTo ?b }") == [
            (terms.entity_iri("a-corp"), terms.entity_iri("b-corp")),
            (terms.entity_iri("b-corp"), terms.entity_iri("c-corp")),
        ]


def test_cli_reingest_replaces(tmp_path: Path) -> None:
    store = tmp_path / "store"
    path = _csv(tmp_path, LINKS)
    assert _ingest(path, store).exit_code == 0
    # drop the supply row and change the 51 % holding to 40 %: no more supply or control
    path.write_text(
        LINKS.replace(LINKS.splitlines()[1] + "\n", "").replace("51.0", "40"), encoding="utf-8"
    )
    assert _ingest(path, store).exit_code == 0
    with KnowledgeGraph(store) as kg:
        assert not kg.ask("ASK { ?s gvc:suppliesTo ?b }")
        assert not kg.ask("ASK { id:group-c gvc:controls id:harness-b }")
        assert kg.ask("ASK { id:wire-d gvc:controls id:harness-b }")
        assert not kg.ask("ASK { ?x gvc:shareExact 51 }")


@pytest.mark.parametrize("path_kind", ["disk", "memory-bulk"])
def test_bulk_reingest_replaces_and_rederives(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, path_kind: str
) -> None:
    path = _csv(tmp_path, LINKS)
    with _graph_for(path_kind, tmp_path, monkeypatch) as kg:
        load_edgelist(kg, path, progress=False)
        path.write_text(LINKS.replace("51.0", "40"), encoding="utf-8")
        load_edgelist(kg, path, progress=False)
        replaced = _nquads(kg)
        assert not kg.ask("ASK { id:group-c gvc:controls id:harness-b }")
    with KnowledgeGraph(tmp_path / "fresh") as kg:
        load_edgelist(kg, path, progress=False)
        assert _nquads(kg) == replaced


def test_name_collisions_are_merged_with_a_warning(tmp_path: Path) -> None:
    path = _csv(tmp_path, "source,target\nACME Inc.,oem-a\nAcme inc,oem-b\n")
    result = _ingest(path, tmp_path / "store")
    assert result.exit_code == 0, result.output
    assert re.search(
        r"links.csv:3 \(row 2\): warning: source: 'Acme inc' and 'ACME Inc.' both become the id"
        r" 'acme-inc'",
        result.output,
    )
    with KnowledgeGraph(tmp_path / "store") as kg:
        assert kg.select("SELECT ?l WHERE { id:acme-inc skos:prefLabel ?l }")["l"].tolist() == [
            "ACME Inc."
        ]
        assert len(kg.select("SELECT ?b WHERE { id:acme-inc gvc:suppliesTo ?b }")) == 2


# ---------------------------------------------------------------------------------- bad input

# (case id, file content, --map or None, message pattern, line named in the message or None)
BAD: list[tuple[str, str | bytes, str | None, str, int | None]] = [
    (
        "missing-column",
        "source,relation\nA,supplies\n",
        None,
        r"\(header\): error: target: missing column: no target column .*--map target=COLUMN",
        1,
    ),
    (
        "mapped-column-absent",
        LINKS,
        "target=Buyer",
        r"target: column 'Buyer' \(given with --map target=Buyer\) is not in the header",
        1,
    ),
    (
        "non-numeric-share",
        LINKS.replace("51.0", "about half"),
        None,
        r"\(row 2, column 'share'\): error: share: expected a number from 0 to 100 \(percent\),"
        r" got 'about half'",
        3,
    ),
    (
        "share-over-100",
        LINKS.replace("51.0", "140"),
        None,
        r"\(row 2, column 'share'\): .*got '140'",
        3,
    ),
    (
        "bad-date",
        LINKS.replace("2001-03", "March 2001"),
        None,
        r"\(row 2, column 'date'\): error: date: expected a date as YYYY, YYYY-MM or YYYY-MM-DD,"
        r" got 'March 2001'",
        3,
    ),
    (
        "end-before-start",
        LINKS.replace(",2005,", ",1999,"),
        None,
        r"\(row 2, column 'end_date'\): .*end date 1999-12-31 is before the start 2001-03-01",
        3,
    ),
    (
        "unknown-relation",
        LINKS.replace("controls", "bosses"),
        None,
        r"\(row 4, column 'relation'\): .*expected one of controls, member-of, owns, supplies.*"
        r"got 'bosses'",
        5,
    ),
    (
        "empty-target",
        LINKS.replace("group-c,wire-d", "group-c,"),
        None,
        r"\(row 3, column 'target'\): error: target: the target is empty",
        4,
    ),
    (
        "self-loop",
        LINKS.replace("group-c,wire-d", "group-c,Group C"),
        None,
        r"\(row 3, column 'target'\): .*same actor \('group-c'\)",
        4,
    ),
    (
        "unknown-country",
        LINKS.replace(",DE\n", ",Germany\n"),
        None,
        r"\(row 1, column 'source_country'\): .*ISO 3166-1 alpha-2 code, got 'GERMANY'",
        2,
    ),
    (
        "extra-field",
        LINKS.replace("Robert Bosch GmbH,", "Robert Bosch, GmbH,"),
        None,
        r"\(row 1\): error: the row has 9 fields but the header has 8",
        2,
    ),
    ("empty-file", "", None, r"the file is empty \(no header row\)", None),
    ("blank-lines-only", "\n\n  \n", None, r"the file is empty", None),
    ("header-only", "source,target\n", None, r"the file has a header but no data rows", 1),
    (
        "not-utf8",
        "source,target\nSoci\xe9t\xe9 A,oem-a\n".encode("latin-1"),
        None,
        r"not UTF-8 text",
        2,
    ),
    ("unknown-map-field", LINKS, "buyer=target", r"unknown field 'buyer'", None),
]


@pytest.mark.parametrize(
    ("case", "content", "mapping", "pattern", "line"), BAD, ids=[c[0] for c in BAD]
)
def test_bad_input(
    tmp_path: Path,
    sample_store: Path,
    case: str,
    content: str | bytes,
    mapping: str | None,
    pattern: str,
    line: int | None,
) -> None:
    before = canonical_dump(sample_store)
    path = _csv(tmp_path, content)
    extra = ["--map", mapping] if mapping else []
    result = _ingest(path, sample_store, *extra)
    assert result.exit_code == 1, result.output
    assert re.search(pattern, result.output), result.output
    if line is not None:
        assert f"links.csv:{line}" in result.output, result.output
    assert "nothing was written to the store" in result.output
    assert canonical_dump(sample_store) == before


def test_all_problems_at_once_but_bounded(tmp_path: Path, sample_store: Path) -> None:
    rows = "".join(f"firm-{i},firm-{i + 1},owns,x{i}\n" for i in range(150))
    path = _csv(tmp_path, "source,target,relation,share\n" + rows + "a,b,sells,\n")
    before = canonical_dump(sample_store)
    result = _ingest(path, sample_store)
    assert result.exit_code == 1
    listed = re.findall(r"column 'share'\): error", result.output)
    assert len(listed) == el.MAX_LISTED
    assert "links.csv:2 (row 1, column 'share')" in result.output
    assert "51 more error(s) in later rows not listed (151 in all)" in result.output
    assert canonical_dump(sample_store) == before


# ---------------------------------------------------------------------------------- failures


@pytest.mark.parametrize("path_kind", ["disk", "memory-bulk"])
def test_failure_while_writing_leaves_the_store_as_it_was(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, path_kind: str
) -> None:
    """The bulk loader fails after writing part of the data (a full disk): nothing stays."""

    def failing(store: ox.Store, spool: Path) -> None:
        half = spool.read_bytes().splitlines(keepends=True)
        store.bulk_load(input=b"".join(half[: len(half) // 2]), format=ox.RdfFormat.N_QUADS)
        raise OSError("No space left on device")

    with _graph_for(path_kind, tmp_path, monkeypatch) as kg:
        kg.ingest([SAMPLE_YAML])
        before = _nquads(kg)
        monkeypatch.setattr(el, "_bulk_load", failing)
        with pytest.raises(StoreError, match=r"No space left on device.*as it was"):
            load_edgelist(kg, _csv(tmp_path, LINKS), progress=False)
        assert _nquads(kg) == before
    if path_kind == "disk":
        result = _ingest(_csv(tmp_path, LINKS), tmp_path / "store")
        assert result.exit_code == 2 and "No space left on device" in result.output
        assert "Traceback" not in result.output
        # the failed writes' private copies are removed (at the latest by the next write)
        monkeypatch.undo()
        with KnowledgeGraph(tmp_path / "store") as kg:
            load_edgelist(kg, _csv(tmp_path, LINKS), progress=False)
            assert kg.source_ids() == ["links", "sample-harness"]
        assert [p.name for p in (tmp_path / "store").glob("*.tmp")] == []


def test_a_line_over_the_limit_is_reported_and_the_rest_checked(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A line longer than MAX_LINE_BYTES is an error at its line number, read in pieces (never
    whole); the rows after it are still checked, so every problem is reported at once."""
    monkeypatch.setattr(el, "MAX_LINE_BYTES", 64)
    path = _csv(tmp_path, "source,target,share\na,b,\n" + "c," + "x" * 300 + ",\nd,e,200\n")
    with pytest.raises(InputError) as info:
        el.scan_edgelist(path)
    messages = [str(p) for p in info.value.problems]
    assert any(":3: error: the line is 304 bytes long, over the limit of 64" in m for m in messages)
    assert any(":4 (row 2, column 'share')" in m and "'200'" in m for m in messages), messages
