"""``gvcgraph ingest --format rdf``: RDF files in six formats, each as one source graph.

The same small graph (two firms, a supply link, an ontology header) is written by hand as
Turtle, RDF/XML (with plain-text entities) and JSON-LD (with an inline context), and as
N-Triples, N-Quads and TriG; each file must give the same triples, queryable in the store.
Bad files give every problem at once with file and line, exit status 1 and an unchanged store
(compared with ``canonical_dump``). Hostile input (remote contexts, external entities, deep
nesting, time and memory limits) is tested in ``test_hostile.py``.
"""

from __future__ import annotations

import re
from pathlib import Path

import pyoxigraph as ox
import pytest
from click.testing import CliRunner, Result
from rdflib import Literal, URIRef

from gvcgraph.cli import main
from gvcgraph.graph.store import KnowledgeGraph
from gvcgraph.ingest import rdf
from gvcgraph.ingest.errors import InputError
from tests.conftest import canonical_dump

EX = "http://example.org/"

TURTLE = """@prefix ex: <http://example.org/> .
@prefix owl: <http://www.w3.org/2002/07/owl#> .
@prefix dct: <http://purl.org/dc/terms/> .

ex:data a owl:Ontology ;
    dct:title "Example supplier list" ;
    owl:imports <http://example.org/other-ontology> .

ex:acme ex:name "Acme Wires"@en ;
    ex:employees 120 ;
    ex:supplies ex:bolt .

ex:bolt ex:name "Bolt Motors"@en .
"""

RDFXML = """<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE rdf:RDF [
  <!ENTITY ex "http://example.org/">
  <!ENTITY xsd "http://www.w3.org/2001/XMLSchema#">
]>
<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"
         xmlns:owl="http://www.w3.org/2002/07/owl#"
         xmlns:dct="http://purl.org/dc/terms/"
         xmlns:ex="&ex;">
  <owl:Ontology rdf:about="&ex;data">
    <dct:title>Example supplier list</dct:title>
    <owl:imports rdf:resource="&ex;other-ontology"/>
  </owl:Ontology>
  <rdf:Description rdf:about="&ex;acme">
    <ex:name xml:lang="en">Acme Wires</ex:name>
    <ex:employees rdf:datatype="&xsd;integer">120</ex:employees>
    <ex:supplies rdf:resource="&ex;bolt"/>
  </rdf:Description>
  <rdf:Description rdf:about="&ex;bolt">
    <ex:name xml:lang="en">Bolt Motors</ex:name>
  </rdf:Description>
</rdf:RDF>
"""

JSONLD = """{
  "@context": {
    "ex": "http://example.org/",
    "owl": "http://www.w3.org/2002/07/owl#",
    "name": {"@id": "ex:name", "@language": "en"},
    "employees": {"@id": "ex:employees", "@type": "http://www.w3.org/2001/XMLSchema#integer"},
    "supplies": {"@id": "ex:supplies", "@type": "@id"},
    "title": "http://purl.org/dc/terms/title",
    "imports": {"@id": "owl:imports", "@type": "@id"}
  },
  "@graph": [
    {"@id": "ex:data", "@type": "owl:Ontology", "title": "Example supplier list",
     "imports": "ex:other-ontology"},
    {"@id": "ex:acme", "name": "Acme Wires", "employees": "120", "supplies": "ex:bolt"},
    {"@id": "ex:bolt", "name": "Bolt Motors"}
  ]
}
"""

NAMES = "SELECT ?firm ?name WHERE { ?firm <http://example.org/name> ?name } ORDER BY ?name"


def _serialised(fmt: ox.RdfFormat, graph_name: str | None = None) -> str:
    quads = ox.parse(TURTLE.encode(), format=ox.RdfFormat.TURTLE)
    if graph_name is None:
        return ox.serialize(
            [ox.Triple(q.subject, q.predicate, q.object) for q in quads], format=fmt
        ).decode()
    g = ox.NamedNode(graph_name)
    return ox.serialize(
        [ox.Quad(q.subject, q.predicate, q.object, g) for q in quads], format=fmt
    ).decode()


def write_all(folder: Path) -> dict[str, Path]:
    """The example graph in every format, by extension."""
    files = {
        "ttl": TURTLE,
        "rdf": RDFXML,
        "jsonld": JSONLD,
        "nt": _serialised(ox.RdfFormat.N_TRIPLES),
        "nq": _serialised(ox.RdfFormat.N_QUADS, "http://example.org/graph-1"),
        "trig": _serialised(ox.RdfFormat.TRIG, "http://example.org/graph-1"),
    }
    out = {}
    for ext, text in files.items():
        path = folder / f"suppliers.{ext}"
        path.write_text(text, "utf-8")
        out[ext] = path
    return out


def ingest(*args: str | Path) -> Result:
    return CliRunner().invoke(main, ["ingest", "--format", "rdf", *map(str, args)])


# ---------------------------------------------------------------------------------- formats


def file_triples(path: Path) -> set[tuple[str, str, str]]:
    """The file's own triples (the source document that the reader adds left out)."""
    _sid, graph, _warnings = rdf.read(path)
    doc = "https://w3id.org/gvcgraph/id/doc/"
    return {(str(s), str(p), o.n3()) for s, p, o in graph if not str(s).startswith(doc)}


def test_every_format_gives_the_same_triples(tmp_path: Path) -> None:
    files = write_all(tmp_path)
    expected = file_triples(files["ttl"])
    assert len(expected) == 7
    assert (EX + "acme", EX + "name", '"Acme Wires"@en') in expected
    assert (
        EX + "acme",
        EX + "employees",
        '"120"^^<http://www.w3.org/2001/XMLSchema#integer>',
    ) in expected
    for ext, path in files.items():
        assert file_triples(path) == expected, ext


@pytest.mark.parametrize("ext", ["ttl", "nt", "nq", "trig", "rdf", "jsonld"])
def test_each_format_ingests_and_can_be_queried(tmp_path: Path, ext: str) -> None:
    path = write_all(tmp_path)[ext]
    store = tmp_path / "store"
    result = ingest(path, "--source-id", f"sup-{ext}", "--store", store)
    assert result.exit_code == 0, result.output
    assert f"sources now: sup-{ext}" in result.output
    # owl:imports is kept, never followed, and said so
    assert (
        "owl:imports <http://example.org/other-ontology> is kept as a triple but not followed"
        in (result.output)
    )
    if ext in ("nq", "trig"):
        assert "1 named graph(s) (<http://example.org/graph-1>) were put into the one graph" in (
            result.output
        )
    with KnowledgeGraph(store) as kg:
        rows = kg.select(NAMES)
        assert list(rows["name"]) == ["Acme Wires", "Bolt Motors"]
        assert kg.ask(
            "ASK { <http://example.org/data> <http://www.w3.org/2002/07/owl#imports> "
            "<http://example.org/other-ontology> }"
        )
        sources = kg.sources()
        assert list(sources["source"]) == [f"sup-{ext}"]
        assert list(sources["title"]) == ["Example supplier list"]
        assert list(sources["file"]) == [path.name]
        assert list(sources["type"]) == ["other"]


def test_triples_sit_in_the_source_graph_only(tmp_path: Path) -> None:
    path = write_all(tmp_path)["trig"]
    kg = KnowledgeGraph()
    sid, graph, _warnings = rdf.read(path)
    kg.replace_sources({sid: graph})
    graphs = kg.select("SELECT DISTINCT ?g WHERE { GRAPH ?g { <http://example.org/acme> ?p ?o } }")
    assert list(graphs["g"]) == ["https://w3id.org/gvcgraph/graph/source/suppliers"]


def test_blank_nodes_of_two_files_stay_apart(tmp_path: Path) -> None:
    a, b = tmp_path / "a.ttl", tmp_path / "b.ttl"
    a.write_text('_:x <http://example.org/v> "1" .\n', "utf-8")
    b.write_text('_:x <http://example.org/v> "2" .\n', "utf-8")
    store = tmp_path / "store"
    result = ingest(a, b, "--store", store)
    assert result.exit_code == 0, result.output
    with KnowledgeGraph(store) as kg:
        n = kg.select("SELECT (COUNT(DISTINCT ?s) AS ?n) WHERE { ?s <http://example.org/v> ?v }")
        assert n["n"][0] == 2


def test_read_returns_the_source_id_graph_and_warnings(tmp_path: Path) -> None:
    path = tmp_path / "Firm List 2024.ttl"
    path.write_text(TURTLE, "utf-8")
    sid, graph, warnings = rdf.read(path)
    assert sid == "firm-list-2024"
    assert (URIRef(EX + "bolt"), URIRef(EX + "name"), Literal("Bolt Motors", lang="en")) in graph
    assert [w.severity for w in warnings] == ["warning"]
    assert warnings[0].line == 5 and warnings[0].field == "owl:imports"


def test_ill_typed_literals_are_kept_with_one_warning(tmp_path: Path) -> None:
    path = tmp_path / "typed.ttl"
    path.write_text(
        '<http://example.org/a> <http://example.org/n> "many"^^<http://www.w3.org/2001/XMLSchema#integer> .\n'
        '<http://example.org/b> <http://example.org/n> "few"^^<http://www.w3.org/2001/XMLSchema#integer> .\n',
        "utf-8",
    )
    _sid, graph, warnings = rdf.read(path)
    assert len(warnings) == 1 and "2 literal(s) do not match their datatype" in str(warnings[0])
    assert len([o for o in graph.objects(None, URIRef(EX + "n"))]) == 2


# ---------------------------------------------------------------------------------- gvc data


GVC_DATA = """@prefix gvc: <https://w3id.org/gvcgraph/ont#> .
@prefix id: <https://w3id.org/gvcgraph/id/> .
@prefix f: <https://w3id.org/gvcgraph/id/doc/rdf-case/> .
@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
@prefix prov: <http://www.w3.org/ns/prov#> .
@prefix oa: <http://www.w3.org/ns/oa#> .

id:rdf-buyer a gvc:Firm ; skos:prefLabel "RDF buyer" .
id:rdf-seller a gvc:Firm ; skos:prefLabel "RDF seller" .

f:s1 a gvc:SupplyRelation ;
    gvc:buyer id:rdf-buyer ;
    gvc:supplier id:rdf-seller ;
    prov:wasDerivedFrom f:ev1 .
f:ev1 a gvc:Evidence ;
    oa:hasSource <https://w3id.org/gvcgraph/id/doc/rdf-case> ;
    gvc:line 12 ;
    gvc:evidenceStatus <https://w3id.org/gvcgraph/vocab/evidence-status/reported> ;
    oa:hasSelector [ a oa:TextQuoteSelector ; oa:exact "B buys from A" ] .
"""


def test_gvc_data_with_evidence_is_checked_and_derived(tmp_path: Path) -> None:
    path = tmp_path / "rdf-case.ttl"
    path.write_text(GVC_DATA, "utf-8")
    store = tmp_path / "store"
    result = ingest(path, "--store", store)
    assert result.exit_code == 0, result.output
    with KnowledgeGraph(store) as kg:
        # the derived graph holds the shortcut edge of the supply relation
        assert kg.ask("ASK { id:rdf-seller gvc:suppliesTo id:rdf-buyer }")


def test_gvc_fact_without_evidence_is_refused_at_its_line(tmp_path: Path) -> None:
    text = GVC_DATA.replace(" ;\n    prov:wasDerivedFrom f:ev1 .", " .")
    assert text != GVC_DATA
    path = tmp_path / "rdf-case.ttl"
    path.write_text(text, "utf-8")
    with pytest.raises(InputError) as info:
        rdf.read(path)
    (problem,) = [p for p in info.value.problems if p.severity == "error"]
    assert problem.line == 11 and problem.field == "prov:wasDerivedFrom"
    assert "SHACL" in problem.message and "evidence" in problem.message


# ---------------------------------------------------------------------------------- bad input


BAD_CASES = [
    (
        "turtle-two-errors",
        "bad.ttl",
        "@prefix ex: <http://example.org/> .\nex:a ex:b ex:c .\nex:a ex:b .\nex:d ex:e ex:f .\n"
        "ex:a b ex:c .\n",
        [
            (3, r"not valid Turtle: \. is not a valid RDF object \(column 11\)"),
            (5, r"not valid Turtle: b is not a valid predicate"),
        ],
    ),
    (
        "ntriples-relative-iri",
        "bad.nt",
        '<http://example.org/a> <http://example.org/b> "c" .\n<a> <http://example.org/b> "c" .\n',
        [(2, r"not valid N-Triples: No scheme found in an absolute IRI")],
    ),
    (
        "nquads-unterminated",
        "bad.nq",
        '<http://example.org/a> <http://example.org/b> "c <http://example.org/g> .\n',
        [(1, r"not valid N-Quads")],
    ),
    (
        "trig-unclosed-graph",
        "bad.trig",
        "<http://example.org/g> {\n  <http://example.org/a> <http://example.org/b> 1 .\n",
        [(3, r"not valid TriG: Unexpected end")],
    ),
    (
        "rdfxml-not-well-formed",
        "bad.rdf",
        '<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">\n'
        '  <rdf:Description rdf:about="http://example.org/a">\n'
        "  </rdf:Descriptio>\n</rdf:RDF>\n",
        [(3, r"not well-formed XML: mismatched tag")],
    ),
    (
        "rdfxml-bad-iri",
        "bad.owl",
        '<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"\n'
        '         xmlns:ex="http://example.org/">\n'
        '  <rdf:Description rdf:about="http://example.org/a"><ex:p>1</ex:p></rdf:Description>\n'
        '  <rdf:Description rdf:about="http://example.org/a b"><ex:p>1</ex:p></rdf:Description>\n'
        "</rdf:RDF>\n",
        [(4, r"not valid RDF/XML: .*Invalid IRI code point ' '")],
    ),
    (
        "jsonld-syntax",
        "bad.jsonld",
        '{\n  "@id": "http://example.org/a",\n  "http://example.org/p": [1, }\n',
        [(3, r"not valid JSON-LD: .*(column \d+)")],
    ),
    (
        "rdf12-triple-term",
        "star.ttl",
        "<http://example.org/a> <http://example.org/says>\n"
        "    <<( <http://example.org/b> <http://example.org/c> <http://example.org/d> )>> .\n",
        [(2, r"RDF 1\.2 triple terms .* are not supported")],
    ),
    (
        "not-utf8",
        "latin1.ttl",
        b'<http://example.org/a> <http://example.org/b> "ok" .\n'
        b'<http://example.org/a> <http://example.org/b> "caf\xe9" .\n',
        [(2, r"text is not UTF-8 \(byte 0xe9")],
    ),
    (
        "empty",
        "empty.ttl",
        "  \n",
        [(None, r"file is empty; expected Turtle, N-Triples, N-Quads, TriG, RDF/XML or JSON-LD")],
    ),
    (
        "binary",
        "image.ttl",
        b"\x89PNG\r\n\x1a\n\x00\x00\x00",
        [(None, r"this is a binary file")],
    ),
    (
        "unknown-extension",
        "data.n3",
        "<http://example.org/a> <http://example.org/b> <http://example.org/c> .\n",
        [(None, r"unsupported file type '\.n3'; expected RDF as one of \.json \.jsonld")],
    ),
    (
        "xml-literal-with-doctype",
        "xmllit.ttl",
        '<http://example.org/a> <http://example.org/b> "<!DOCTYPE x [<!ENTITY a \\"b\\">]><x>&a;</x>"'
        "^^<http://www.w3.org/1999/02/22-rdf-syntax-ns#XMLLiteral> .\n",
        [(1, r"rdf:XMLLiteral holds a DOCTYPE or entity declaration; it is refused")],
    ),
]


@pytest.mark.parametrize(
    ("case", "file_name", "content", "expected"), BAD_CASES, ids=[c[0] for c in BAD_CASES]
)
def test_bad_file_is_reported_and_the_store_unchanged(
    tmp_path: Path,
    sample_store: Path,
    case: str,
    file_name: str,
    content: str | bytes,
    expected: list[tuple[int | None, str]],
) -> None:
    bad = tmp_path / file_name
    if isinstance(content, bytes):
        bad.write_bytes(content)
    else:
        bad.write_text(content, "utf-8")
    before = canonical_dump(sample_store)
    result = ingest(bad, "--store", sample_store)
    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output
    assert "nothing was written to the store" in result.output
    for line, pattern in expected:
        place = re.escape(f"{bad}:{line}: error:" if line else f"{bad} (file): error:")
        assert re.search(place + ".*" + pattern, result.output), result.output
    assert canonical_dump(sample_store) == before


def test_problems_of_several_files_come_at_once(tmp_path: Path, sample_store: Path) -> None:
    good = write_all(tmp_path)["ttl"]
    bad1 = tmp_path / "one.nt"
    bad1.write_text("<http://example.org/a> <http://example.org/b> .\n", "utf-8")
    bad2 = tmp_path / "two.jsonld"
    bad2.write_text('{"@id": "http://example.org/a", "http://example.org/p": }', "utf-8")
    before = canonical_dump(sample_store)
    result = ingest(good, bad1, bad2, "--store", sample_store)
    assert result.exit_code == 1
    assert f"{bad1}:1: error:" in result.output and f"{bad2}:1: error:" in result.output
    assert "2 error(s); nothing was written to the store." in result.output
    assert canonical_dump(sample_store) == before


def test_file_over_the_limit_is_refused_before_reading(tmp_path: Path, sample_store: Path) -> None:
    big = tmp_path / "big.nt"
    with big.open("wb") as fh:  # sparse: no 21 MiB written
        fh.truncate(21 * 1024 * 1024)
    before = canonical_dump(sample_store)
    result = ingest(big, "--store", sample_store)
    assert result.exit_code == 1
    assert "file is too large (21.0 MiB); the limit for a Turtle, N-Triples" in result.output
    assert canonical_dump(sample_store) == before
