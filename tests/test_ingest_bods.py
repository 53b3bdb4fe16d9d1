"""BODS 0.4 ingest: every published example and every conformance case of the
``bods-v04-fixtures`` package ingests, conforms to the shapes, and gives the facts read by hand
from the JSON (shares, ranges, direct or indirect, dates, record history, evidence lines)."""

from __future__ import annotations

import copy
import json
import re
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from rdflib import Graph

from gvcgraph.graph.store import KnowledgeGraph
from gvcgraph.ingest import bods
from gvcgraph.ingest.errors import InputError
from gvcgraph.ingest.shacl import ontology_graph, shapes_graph
from gvcgraph.ontology.terms import SH, VOCAB
from tests.conftest import SHARED

EXAMPLES_DIR = SHARED / "reference-data" / "bods-examples"
EXAMPLES = sorted(EXAMPLES_DIR.glob("*.json")) if EXAMPLES_DIR.exists() else []


def shacl_violations(g: Graph) -> list[str]:
    """Messages of the SHACL results of severity Violation (warnings are allowed)."""
    from pyshacl import validate

    _ok, results, _text = validate(
        g,
        shacl_graph=shapes_graph(),
        ont_graph=ontology_graph(),
        inference="none",
        advanced=True,
        allow_warnings=True,
    )
    out = []
    for r in results.subjects(None, SH.ValidationResult):
        if results.value(r, SH.resultSeverity) == SH.Violation:
            out.append(f"{results.value(r, SH.focusNode)}: {results.value(r, SH.resultMessage)}")
    return out


def load(path: Path, source_id: str | None = None) -> tuple[str, Graph, KnowledgeGraph]:
    sid, g, warnings = bods.read(path, source_id)
    assert all(w.severity == "warning" for w in warnings)
    kg = KnowledgeGraph()
    kg.replace_sources({sid: g})
    return sid, g, kg


def select(kg: KnowledgeGraph, sparql: str) -> pd.DataFrame:
    """``kg.select`` with concepts shown as their code (``X/skos:notation ?v`` reads the IRI).

    The code is the last segment of the concept IRI, so the tests do not depend on the
    vocabulary files being loaded into the store.
    """
    df = kg.select(sparql.replace("/skos:notation ?", " ?"))
    vocab = str(VOCAB)
    for col in df.columns:
        df[col] = [
            v.rsplit("/", 1)[-1] if isinstance(v, str) and v.startswith(vocab) else v
            for v in df[col]
        ]
    return df.astype(object).where(df.notna(), None)


def statement_lines(text: str) -> list[int]:
    """Lines where the top-level statement objects start (pretty-printed, two-space indent)."""
    return [i for i, line in enumerate(text.splitlines(), start=1) if re.match(r"^  \{", line)]


OWNERSHIP = """
SELECT ?owner ?owned ?exact ?min ?minx ?max ?maxx ?direct ?interest ?from ?to WHERE {
  ?o a gvc:Ownership ; gvc:owner/skos:prefLabel ?owner ; gvc:owned/skos:prefLabel ?owned .
  OPTIONAL { ?o gvc:shareExact ?exact } OPTIONAL { ?o gvc:shareMin ?min }
  OPTIONAL { ?o gvc:shareMinExclusive ?minx } OPTIONAL { ?o gvc:shareMax ?max }
  OPTIONAL { ?o gvc:shareMaxExclusive ?maxx }
  OPTIONAL { ?o gvc:directOrIndirect/skos:notation ?direct }
  OPTIONAL { ?o gvc:interestType/skos:notation ?interest }
  OPTIONAL { ?o gvc:validFrom ?from } OPTIONAL { ?o gvc:validTo ?to }
} ORDER BY ?owner ?owned ?from"""


# --------------------------------------------------------------------------- every example


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.name)
def test_every_example_ingests(path: Path, shared_dir: Path) -> None:
    sid, g, kg = load(path)
    assert sid == path.stem
    assert shacl_violations(g) == []
    text = path.read_text("utf-8")
    data = json.loads(text)
    # one evidence node per statement, at the line where the statement starts
    lines = statement_lines(text)
    assert len(lines) == len(data)
    ev = select(
        kg, "SELECT ?id ?line WHERE { ?e a gvc:Evidence ; dct:identifier ?id ; gvc:line ?line }"
    )
    assert dict(zip(ev["id"], ev["line"], strict=True)) == {
        s["statementId"]: line for s, line in zip(data, lines, strict=True)
    }
    # one node per entity and person record, one fact per interest (or per relationship
    # without interests): every example has one statement per record
    kinds = [s["recordType"] for s in data]
    entities = select(
        kg,
        "SELECT (COUNT(DISTINCT ?e) AS ?n) WHERE { ?e a ?c VALUES ?c { gvc:Firm gvc:PublicBody } }",
    )
    persons = select(kg, "SELECT (COUNT(?p) AS ?n) WHERE { ?p a gvc:Person }")
    assert entities["n"][0] == kinds.count("entity")
    assert persons["n"][0] == kinds.count("person")
    interests = sum(
        max(1, len(s["recordDetails"].get("interests") or []))
        for s in data
        if s["recordType"] == "relationship"
    )
    facts = select(
        kg,
        """SELECT (COUNT(?f) AS ?n) WHERE {
        ?f a ?c VALUES ?c { gvc:Ownership gvc:Control gvc:Linkage org:Membership } }""",
    )
    assert facts["n"][0] == interests
    # every fact is derived from the evidence of its statement
    assert not kg.ask("""ASK { ?f a ?c VALUES ?c { gvc:Ownership gvc:Control gvc:Linkage }
                               FILTER NOT EXISTS { ?f prov:wasDerivedFrom/a gvc:Evidence } }""")
    # the source document
    sources = kg.sources()
    assert list(sources["source"]) == [sid]
    assert sources["file"][0] == path.name


def test_fi_soe_shares_control_and_public_bodies(shared_dir: Path) -> None:
    _sid, _g, kg = load(EXAMPLES_DIR / "bods-package-fi-soe.json")
    rows = select(kg, OWNERSHIP)
    got = {
        (r.owner, r.owned, r.exact, r.direct, r.interest, str(r["from"]))
        for _, r in rows.iterrows()
    }
    assert got == {
        (
            "Suomen Kaasuverkko Oy",
            "Gasgrid Finland Oy",
            76.5,
            "direct",
            "shareholding",
            "2020-01-01",
        ),
        (
            "Valtiovarainministerio",
            "Gasgrid Finland Oy",
            23.5,
            "direct",
            "shareholding",
            "2020-01-01",
        ),
        (
            "Valtiovarainministerio",
            "Suomen Kaasuverkko Oy",
            100.0,
            "direct",
            "shareholding",
            "2020-01-01",
        ),
        ("Suomen tasavalta", "Gasgrid Finland Oy", 100.0, "indirect", "shareholding", "2020-01-01"),
    }
    assert rows["to"].isna().all()
    control = select(
        kg,
        """SELECT ?controller ?controlled ?basis ?interest ?direct WHERE {
        ?c a gvc:Control ; gvc:controller/skos:prefLabel ?controller ;
           gvc:controlled/skos:prefLabel ?controlled ; gvc:controlBasis/skos:notation ?basis ;
           gvc:interestType/skos:notation ?interest ; gvc:directOrIndirect/skos:notation ?direct }""",
    )
    assert control.to_dict("records") == [
        {
            "controller": "Suomen tasavalta",
            "controlled": "Valtiovarainministerio",
            "basis": "other",
            "interest": "otherInfluenceOrControl",
            "direct": "direct",
        }
    ]
    classes = select(
        kg,
        """SELECT ?label ?cls ?country WHERE { ?e a ?c ; skos:prefLabel ?label ;
        gvc:country/skos:notation ?country VALUES ?c { gvc:Firm gvc:PublicBody }
        BIND(STRAFTER(STR(?c), "#") AS ?cls) } ORDER BY ?label""",
    )
    assert classes.to_dict("records") == [
        {"label": "Gasgrid Finland Oy", "cls": "Firm", "country": "FI"},
        {"label": "Suomen Kaasuverkko Oy", "cls": "Firm", "country": "FI"},
        {"label": "Suomen tasavalta", "cls": "PublicBody", "country": "FI"},
        {"label": "Valtiovarainministerio", "cls": "PublicBody", "country": "FI"},
    ]
    # the derived one-hop edges leave the indirect holding out
    owners = select(
        kg,
        """SELECT ?owner WHERE { GRAPH graph:derived {
        ?f gvc:directlyOwnedBy ?o } ?f skos:prefLabel "Gasgrid Finland Oy" .
        ?o skos:prefLabel ?owner } ORDER BY ?owner""",
    )
    assert list(owners["owner"]) == ["Suomen Kaasuverkko Oy", "Valtiovarainministerio"]
    # source document from publicationDetails; primary research is not an official register
    doc = select(
        kg,
        """SELECT ?title ?issued ?type ?publisher WHERE { ?d a gvc:SourceDocument ;
        dct:title ?title ; dct:issued ?issued ; gvc:sourceType/skos:notation ?type ;
        dct:publisher ?publisher }""",
    )
    assert doc["issued"][0].isoformat() == "2022-04-01"
    assert doc["type"][0] == "database"
    assert doc["publisher"][0] == "X Register"
    assert "X Register" in doc["title"][0]
    # evidence keeps the statement date and the source type
    ev = select(
        kg,
        """SELECT ?date ?note WHERE { ?e dct:identifier
        "xregi-oocs-00000384456595684844606" ; dct:date ?date ; skos:note ?note }""",
    )
    assert ev["date"][0].isoformat() == "2022-02-14"
    assert "primaryResearch" in ev["note"][0]


def test_entity_owning_entity_share_range(shared_dir: Path) -> None:
    _sid, _g, kg = load(EXAMPLES_DIR / "bods-package-entity-owning-entity.json")
    rows = select(kg, OWNERSHIP).to_dict("records")
    assert len(rows) == 1
    r = rows[0]
    assert (r["owner"], r["owned"]) == ("MVJ LIMITED", "JENEX LIMITED")
    assert r["exact"] is None
    assert (r["min"], r["minx"], r["max"], r["maxx"]) == (75.0, False, 100.0, True)
    assert r["direct"] == "direct"
    ids = select(kg, 'SELECT ?id WHERE { ?e skos:prefLabel "JENEX LIMITED" ; dct:identifier ?id }')
    assert list(ids["id"]) == ["GB-COH:03209885"]
    years = select(kg, 'SELECT ?y WHERE { ?e skos:prefLabel "MVJ LIMITED" ; gvc:foundingYear ?y }')
    assert list(years["y"]) == [2012]


def test_indirect_ownership_is_marked_indirect(shared_dir: Path) -> None:
    _sid, g, kg = load(EXAMPLES_DIR / "indirect-ownership.json")
    rows = select(kg, OWNERSHIP)
    person = rows[rows["owner"] == "Person 1"].to_dict("records")
    assert len(person) == 1
    assert (person[0]["owned"], person[0]["exact"], person[0]["direct"]) == (
        "Company A",
        30.0,
        "indirect",
    )
    assert str(person[0]["from"]) == "2017-11-01"
    direct = rows[rows["owner"] == "Company B"].to_dict("records")
    assert [(r["owned"], r["exact"], r["direct"]) for r in direct] == [
        ("Company A", 60.0, "direct")
    ]
    # the interest without a type (Person 1 in Company B) is kept as a linkage, not ownership
    link = select(
        kg,
        """SELECT ?from ?to ?interest ?direct WHERE { ?l a gvc:Linkage ;
        gvc:linkFrom/skos:prefLabel ?from ; gvc:linkTo/skos:prefLabel ?to ;
        gvc:interestType/skos:notation ?interest ; gvc:directOrIndirect/skos:notation ?direct }""",
    )
    assert link.to_dict("records") == [
        {"from": "Person 1", "to": "Company B", "interest": "unknownInterest", "direct": "unknown"}
    ]
    # the beneficial-ownership flag is kept; the person's birth date is not copied
    note = select(
        kg,
        """SELECT ?n WHERE { ?o a gvc:Ownership ; gvc:directOrIndirect
        vocab:direct-or-indirect\\/indirect ; skos:note ?n }""",
    )
    assert "beneficialOwnershipOrControl true" in note["n"][0]
    assert "1965" not in g.serialize(format="nt")
    country = select(kg, "SELECT ?c WHERE { ?p a gvc:Person ; gvc:country/skos:notation ?c }")
    assert list(country["c"]) == ["GB"]


def test_mixed_direct_and_indirect_interests_of_one_relationship(shared_dir: Path) -> None:
    _sid, _g, kg = load(EXAMPLES_DIR / "mixed-direct-and-indirect-ownership.json")
    rows = select(kg, OWNERSHIP)
    person = rows[rows["owner"] == "Person 1"]
    got = [(r.owned, r.exact, r.direct, str(r["from"])) for _, r in person.iterrows()]
    assert got == [
        ("Company A", 50.0, "indirect", "2017-11-01"),
        ("Company A", 50.0, "direct", "2019-05-01"),
    ]


def test_joint_ownership_through_an_arrangement(shared_dir: Path) -> None:
    _sid, _g, kg = load(EXAMPLES_DIR / "joint-ownership.json")
    rows = select(kg, OWNERSHIP)
    arrangement = select(
        kg,
        """SELECT ?label WHERE { ?a a gvc:Firm ; skos:prefLabel ?label ;
        skos:note ?n FILTER(CONTAINS(?n, "arrangement")) }""",
    )
    assert len(arrangement) == 1
    name = arrangement["label"][0]
    held = rows[rows["owned"] == name]
    assert sorted(held["exact"]) == [50.0, 50.0]
    assert len(rows[rows["owner"] == name]) == 1


# --------------------------------------------------------------------------- conformance suite

try:
    import bods_fixtures as fixtures
except ImportError:  # the test extra installs it
    fixtures = None
CASES = fixtures.list_cases() if fixtures is not None else []
needs_fixtures = pytest.mark.skipif(fixtures is None, reason="bods-v04-fixtures is not installed")


def fixture_file(tmp_path: Path, name: str) -> tuple[Path, Any]:
    fx = fixtures.load(name)
    path = tmp_path / f"{name.rsplit('/', 1)[-1]}.json"
    path.write_text(json.dumps(fx.statements, indent=2), "utf-8")
    return path, fx


@pytest.mark.parametrize("name", CASES)
def test_every_conformance_case_ingests(tmp_path: Path, name: str) -> None:
    path, fx = fixture_file(tmp_path, name)
    assert fx.description, f"{name} has no .expected.md"
    _sid, g, _kg = load(path)
    assert shacl_violations(g) == []
    # every record of the fixture is in the graph, under its own recordId
    nt = g.serialize(format="nt")
    for rid in set(fx.record_ids):
        assert f"/{rid}" in nt, rid


@needs_fixtures
def test_case_01_direct_ownership(tmp_path: Path) -> None:
    path, _fx = fixture_file(tmp_path, "core/01-direct-ownership")
    _sid, g, kg = load(path)
    assert select(kg, "SELECT (COUNT(?e) AS ?n) WHERE { ?e a gvc:Firm }")["n"][0] == 1
    assert select(kg, "SELECT (COUNT(?e) AS ?n) WHERE { ?e a gvc:Person }")["n"][0] == 1
    rows = select(kg, OWNERSHIP)
    # both interest types kept, each with its 75 % quantum (not collapsed into one)
    assert [(r.owner, r.owned, r.exact, r.interest, r.direct) for _, r in rows.iterrows()] in (
        [
            ("Jane Smith", "Acme Holdings Ltd", 75.0, "shareholding", "direct"),
            ("Jane Smith", "Acme Holdings Ltd", 75.0, "votingRights", "direct"),
        ],
        [
            ("Jane Smith", "Acme Holdings Ltd", 75.0, "votingRights", "direct"),
            ("Jane Smith", "Acme Holdings Ltd", 75.0, "shareholding", "direct"),
        ],
    )
    assert {str(d) for d in rows["from"]} == {"2010-01-01"}
    notes = select(kg, "SELECT ?n WHERE { ?o a gvc:Ownership ; skos:note ?n }")
    assert list(notes["n"]) == ["BODS interest: beneficialOwnershipOrControl true"] * 2
    # provenance: the statement id, the source description, the publisher and licence
    ev = select(
        kg,
        """SELECT ?note WHERE { ?o a gvc:Ownership ; prov:wasDerivedFrom ?e .
        ?e dct:identifier "f01-r1-3b88-4cbb-bb4f-72e9c7c4d201" ; skos:note ?note }""",
    )
    assert "Synthetic fixture for conformance testing" in ev["note"][0]
    doc = select(
        kg, "SELECT ?p ?l WHERE { ?d a gvc:SourceDocument ; dct:publisher ?p ; dct:license ?l }"
    )
    assert doc.to_dict("records") == [
        {"p": "bods-fixtures", "l": "https://creativecommons.org/licenses/by-sa/4.0/"}
    ]
    # Jane is one hop from Acme, and her 75 % majority gives a control shortcut
    derived = select(
        kg,
        """SELECT ?p WHERE { GRAPH graph:derived { ?acme gvc:controlledBy ?j ;
        gvc:directlyOwnedBy ?j } ?acme skos:prefLabel "Acme Holdings Ltd" .
        ?j skos:prefLabel ?p }""",
    )
    assert list(derived["p"]) == ["Jane Smith"]
    # record ids are stable across runs: a second read gives the same triples
    _sid2, g2, _w = bods.read(path)
    assert set(g) == set(g2)
    assert any("rec-jane-smith-1975" in str(s) for s in g.subjects())


@needs_fixtures
def test_case_10_circular_ownership_keeps_both_edges(tmp_path: Path) -> None:
    path, _fx = fixture_file(tmp_path, "edge-cases/10-circular-ownership")
    _sid, _g, kg = load(path)
    rows = select(kg, OWNERSHIP)
    assert sorted((r.owner, r.owned, r.exact) for _, r in rows.iterrows()) == [
        ("Alpha Corp Ltd", "Beta Corp Ltd", 100.0),
        ("Beta Corp Ltd", "Alpha Corp Ltd", 100.0),
    ]
    assert select(kg, "SELECT (COUNT(?p) AS ?n) WHERE { ?p a gvc:Person }")["n"][0] == 0


@needs_fixtures
def test_case_11_declared_unknown_owner_is_kept_with_its_reason(tmp_path: Path) -> None:
    path, fx = fixture_file(tmp_path, "edge-cases/11-anonymous-person")
    _sid, _g, kg = load(path)
    inline = fx.by_record_type("relationship")[0]["recordDetails"]["interestedParty"]
    # the relationship is not dropped: a linkage from the unspecified party to the subject
    rows = select(
        kg,
        """SELECT ?party ?label ?note ?desc ?to WHERE { ?l a gvc:Linkage ;
        gvc:linkFrom ?party ; gvc:linkTo/skos:prefLabel ?to .
        ?party skos:prefLabel ?label ; skos:note ?note ; dct:description ?desc }""",
    )
    assert len(rows) == 1
    row = rows.to_dict("records")[0]
    assert row["to"] == "Opaque Holdings SA"
    # the reason code verbatim and the free-text description are preserved
    assert row["note"] == f"BODS unspecifiedReason: {inline['reason']}"
    assert inline["reason"] in row["label"]
    assert row["desc"] == inline["description"]
    # no placeholder person is made up
    assert select(kg, "SELECT (COUNT(?p) AS ?n) WHERE { ?p a gvc:Person }")["n"][0] == 0
    assert not kg.ask(f"ASK {{ <{row['party']}> a ?any }}")


# --------------------------------------------------------------------------- record history

ENTITY_A = {"isComponent": False, "entityType": {"type": "registeredEntity"}, "name": "A Ltd"}
ENTITY_B = {"isComponent": False, "entityType": {"type": "registeredEntity"}, "name": "B Ltd"}


def stmt(n: int, rid: str, rtype: str, details: dict[str, Any], date: str, **extra: Any) -> dict:
    return {
        "statementId": f"test-statement-{n:04d}-0000-0000-0000-000000000000",
        "declarationSubject": "rec-a",
        "statementDate": date,
        "recordId": rid,
        "recordType": rtype,
        "recordStatus": extra.pop("status", "new"),
        "recordDetails": details,
        "publicationDetails": {
            "publicationDate": date,
            "bodsVersion": "0.4",
            "publisher": {"name": "Test Register"},
        },
        "source": {"type": ["officialRegister"]},
        **extra,
    }


def rel(interests: list[dict[str, Any]] | None, party: str = "rec-b") -> dict[str, Any]:
    d: dict[str, Any] = {"isComponent": False, "subject": "rec-a", "interestedParty": party}
    if interests is not None:
        d["interests"] = interests
    return d


def write(tmp_path: Path, statements: list[dict], name: str = "case.json") -> Path:
    path = tmp_path / name
    path.write_text(json.dumps(statements, indent=2), "utf-8")
    return path


def test_latest_statement_wins_and_history_stays_as_evidence(tmp_path: Path) -> None:
    old = [
        {
            "type": "shareholding",
            "directOrIndirect": "direct",
            "share": {"exact": 100},
            "startDate": "2018-01-01",
        }
    ]
    new = [
        {
            "type": "shareholding",
            "directOrIndirect": "direct",
            "share": {"exact": 100},
            "startDate": "2018-01-01",
            "endDate": "2020-05-01",
        },
        {
            "type": "shareholding",
            "directOrIndirect": "direct",
            "share": {"exact": 60},
            "startDate": "2020-05-01",
        },
    ]
    statements = [
        stmt(1, "rec-a", "entity", ENTITY_A, "2018-01-05"),
        stmt(2, "rec-b", "entity", ENTITY_B, "2018-01-05"),
        # the update comes first in the file but is dated later: it still wins
        stmt(3, "rec-r", "relationship", rel(new), "2020-06-01", status="updated"),
        stmt(4, "rec-r", "relationship", rel(old), "2018-01-05"),
    ]
    _sid, g, kg = load(write(tmp_path, statements))
    assert shacl_violations(g) == []
    rows = select(kg, OWNERSHIP)
    got = [(r.exact, str(r["from"]), str(r["to"]) if r["to"] else None) for _, r in rows.iterrows()]
    assert got == [(100.0, "2018-01-01", "2020-04-30"), (60.0, "2020-05-01", None)]
    stated = select(
        kg, "SELECT ?s WHERE { ?o gvc:shareExact ?x ; gvc:validAsStated ?s FILTER(?x = 100) }"
    )
    assert "endDate 2020-05-01" in stated["s"][0]
    # the facts come from the latest statement; the older one was replaced by it
    src = select(
        kg,
        """SELECT DISTINCT ?id WHERE { ?o a gvc:Ownership ; prov:wasDerivedFrom ?e .
        ?e dct:identifier ?id }""",
    )
    assert list(src["id"]) == [statements[2]["statementId"]]
    replaced = select(
        kg,
        """SELECT ?old ?new WHERE { ?a dct:isReplacedBy ?b .
        ?a dct:identifier ?old . ?b dct:identifier ?new }""",
    )
    assert replaced.to_dict("records") == [
        {"old": statements[3]["statementId"], "new": statements[2]["statementId"]}
    ]
    doc = select(kg, "SELECT ?t WHERE { ?d gvc:sourceType/skos:notation ?t }")
    assert list(doc["t"]) == ["register"]


def test_closed_relationship_ends_at_the_closing_statement(tmp_path: Path) -> None:
    interests = [
        {
            "type": "shareholding",
            "directOrIndirect": "direct",
            "share": {"exact": 40},
            "startDate": "2018-03-01",
        }
    ]
    statements = [
        stmt(1, "rec-a", "entity", ENTITY_A, "2018-03-05"),
        stmt(2, "rec-b", "entity", ENTITY_B, "2018-03-05"),
        stmt(3, "rec-r", "relationship", rel(interests), "2019-01-01"),
        stmt(4, "rec-r", "relationship", rel(None), "2021-02-03", status="closed"),
    ]
    _sid, g, kg = load(write(tmp_path, statements))
    assert shacl_violations(g) == []
    rows = select(
        kg,
        """SELECT ?to ?p ?s WHERE { ?o a gvc:Ownership ; gvc:shareExact ?x ;
        gvc:validTo ?to ; gvc:validToPrecision/skos:notation ?p ; gvc:validAsStated ?s
        FILTER(?x = 40) }""",
    )
    assert rows.to_dict("records")[0]["to"].isoformat() == "2021-02-03"
    assert rows["p"][0] == "approximate"
    assert "closed" in rows["s"][0]
    ids = select(
        kg,
        """SELECT ?id WHERE { ?o a gvc:Ownership ; prov:wasDerivedFrom/dct:identifier ?id }
                       ORDER BY ?id""",
    )
    assert list(ids["id"]) == [statements[2]["statementId"], statements[3]["statementId"]]


def test_each_kind_of_interest(tmp_path: Path) -> None:
    person = {
        "isComponent": False,
        "personType": "knownPerson",
        "names": [{"type": "legal", "fullName": "P Person"}],
    }
    interests = [
        {"type": "votingRights", "directOrIndirect": "direct"},
        {"type": "boardMember", "directOrIndirect": "direct", "startDate": "2015-01-01"},
        {"type": "settlor"},
        {"type": "rightsToProfitOrIncome", "share": {"exclusiveMinimum": 25, "maximum": 50}},
        {"type": "controlByLegalFramework"},
    ]
    statements = [
        stmt(1, "rec-a", "entity", ENTITY_A, "2020-01-01"),
        stmt(2, "rec-p", "person", person, "2020-01-01"),
        stmt(3, "rec-r", "relationship", rel(interests, party="rec-p"), "2020-01-01"),
    ]
    _sid, g, kg = load(write(tmp_path, statements))
    assert shacl_violations(g) == []
    kinds = select(
        kg,
        """SELECT ?interest ?cls ?basis ?role WHERE { ?f gvc:interestType/skos:notation ?interest ;
        a ?c . BIND(REPLACE(STR(?c), "^.*[#/]", "") AS ?cls)
        OPTIONAL { ?f gvc:controlBasis/skos:notation ?basis } OPTIONAL { ?f gvc:roleLabel ?role } }
        ORDER BY ?interest""",
    )
    assert [tuple(r) for r in kinds.itertuples(index=False)] == [
        ("boardMember", "Membership", None, "board member"),
        ("controlByLegalFramework", "Control", "state", None),
        ("rightsToProfitOrIncome", "Ownership", None, None),
        ("settlor", "Linkage", None, None),
        ("votingRights", "Control", "voting-rights", None),
    ]
    share = select(kg, OWNERSHIP).to_dict("records")[0]
    assert (share["min"], share["minx"], share["max"], share["maxx"]) == (25.0, True, 50.0, False)


def test_an_lei_names_the_entity_shared_with_gleif(tmp_path: Path) -> None:
    citicorp = copy.deepcopy(ENTITY_A)
    citicorp["identifiers"] = [{"scheme": "XI-LEI", "id": "549300PSHWOM1D1JVL23"}]
    bad = copy.deepcopy(ENTITY_B)
    bad["identifiers"] = [{"scheme": "XI-LEI", "id": "549300PSHWOM1D1JVL24"}]
    statements = [
        stmt(1, "rec-a", "entity", citicorp, "2020-01-01"),
        stmt(2, "rec-b", "entity", bad, "2020-01-01"),
    ]
    sid, g, warnings = bods.read(write(tmp_path, statements))
    subjects = {str(s) for s in g.subjects()}
    assert "https://w3id.org/gvcgraph/id/lei/549300PSHWOM1D1JVL23" in subjects
    assert f"https://w3id.org/gvcgraph/id/bods/{sid}/rec-b" in subjects
    assert [(w.severity, w.field) for w in warnings] == [
        ("warning", "recordDetails.identifiers[0].id")
    ]
    assert "not a valid LEI" in warnings[0].message


def test_json_lines(tmp_path: Path) -> None:
    statements = [
        stmt(1, "rec-a", "entity", ENTITY_A, "2020-01-01"),
        stmt(2, "rec-b", "entity", ENTITY_B, "2020-01-01"),
        stmt(
            3,
            "rec-r",
            "relationship",
            rel([{"type": "shareholding", "share": {"exact": 12.5}}]),
            "2020-01-01",
        ),
    ]
    path = tmp_path / "stream.jsonl"
    path.write_text("\n".join(json.dumps(s) for s in statements) + "\n", "utf-8")
    _sid, _g, kg = load(path)
    assert list(select(kg, OWNERSHIP)["exact"]) == [12.5]
    lines = select(kg, "SELECT ?line WHERE { ?e gvc:line ?line } ORDER BY ?line")
    assert list(lines["line"]) == [1, 2, 3]


def test_all_problems_of_all_statements_at_once(tmp_path: Path) -> None:
    bad_share = rel([{"type": "shareholding", "share": {"exact": 150}}])
    bad_type = rel([{"type": "sharehodling"}])
    statements = [
        stmt(1, "rec-a", "entity", ENTITY_A, "2020-01-01"),
        stmt(2, "rec-b", "entity", ENTITY_B, "2020-01-01"),
        stmt(3, "rec-r", "relationship", bad_share, "2020-01-01"),
        stmt(4, "rec-s", "relationship", bad_type, "2020-13-01"),
    ]
    del statements[0]["statementId"]
    with pytest.raises(InputError) as info:
        bods.read(write(tmp_path, statements))
    got = {(p.line, p.field) for p in info.value.problems}
    lines = statement_lines(write(tmp_path, statements).read_text("utf-8"))
    assert got == {
        (lines[0], "statementId"),
        (lines[2], "recordDetails.interests[0].share.exact"),
        (lines[3], "recordDetails.interests[0].type"),
        (lines[3], "statementDate"),
        (lines[3], "publicationDetails.publicationDate"),
    }
    text = info.value.report()
    assert "150 is above the maximum of 100" in text
    assert '"sharehodling" is not a BODS 0.4 code' in text
    assert "statement 3 (statementId test-statement-0003" in text


def test_packaged_schema_is_the_shared_copy(shared_dir: Path) -> None:
    shared = shared_dir / "reference-data" / "bods-schema"
    for name in bods.SCHEMA_FILES:
        assert (bods.schema_dir() / name).read_bytes() == (shared / name).read_bytes(), name
    assert (bods.schema_dir() / "LICENSE").read_bytes() == (shared / "LICENSE").read_bytes()
