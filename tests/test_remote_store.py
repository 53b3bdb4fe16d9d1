"""A remote SPARQL 1.1 server as the store: a real Oxigraph server (PyPI package ``oxigraph``,
which installs the ``oxigraph`` binary) on 127.0.0.1, against which the command line runs
ingest, info, query, export, analyze and map with the same results as the embedded store.

Also: the store URL scheme, the RemoteStore's pyoxigraph-like interface compared with the
embedded store's, Graph Store Protocol loads (atomic through staging graphs), bad input and
failing updates leaving the server unchanged, and an unreachable or silent server giving a
clear message and exit status 2.
"""

from __future__ import annotations

import contextlib
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pyoxigraph as ox
import pytest
from click.testing import CliRunner
from rdflib import Graph
from rdflib.compare import isomorphic

from gvcgraph.cli import main
from gvcgraph.graph.remote import RemoteStore, parse_store_url
from gvcgraph.graph.store import KnowledgeGraph, QueryError, StoreError
from gvcgraph.ontology import terms
from tests.conftest import SAMPLE_YAML

SOURCE_GRAPH = terms.source_graph("sample-harness")


# ---------------------------------------------------------------------------------- fixtures
def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _oxigraph_binary() -> str | None:
    beside = Path(sys.executable).parent / "oxigraph"
    if beside.exists():
        return str(beside)
    return shutil.which("oxigraph")


@pytest.fixture(scope="session")
def oxigraph_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """An Oxigraph server on a free loopback port with its data in a temporary directory."""
    binary = _oxigraph_binary()
    if binary is None:
        pytest.skip("the oxigraph server binary is not installed (pip install oxigraph)")
    location = tmp_path_factory.mktemp("oxigraph")
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    log = (location.parent / "oxigraph.log").open("wb")
    proc = subprocess.Popen(
        [binary, "serve", "--location", str(location), "--bind", f"127.0.0.1:{port}"],
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    try:
        deadline = time.monotonic() + 30
        while True:
            if proc.poll() is not None:
                pytest.skip(f"the oxigraph server did not start (exit {proc.returncode})")
            try:
                with opener.open(f"{url}/query?query=ASK%7B%7D", timeout=2):
                    break
            except OSError:
                if time.monotonic() > deadline:
                    pytest.fail("the oxigraph server did not answer within 30 s")
                time.sleep(0.1)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(10)
        log.close()


def cli(*args: str) -> str:
    result = CliRunner().invoke(main, list(args))
    assert result.exit_code == 0, result.output
    return result.output


def _reset(url: str) -> None:
    RemoteStore(url).update("DROP ALL")


@pytest.fixture(scope="module")
def remote(oxigraph_server: str) -> str:
    """The Oxigraph server holding the sample case, ingested through the command line."""
    _reset(oxigraph_server)
    output = cli("ingest", str(SAMPLE_YAML), "--store", oxigraph_server)
    assert "sources now: sample-harness" in output
    return oxigraph_server


@pytest.fixture(scope="module")
def embedded(tmp_path_factory: pytest.TempPathFactory) -> str:
    """An on-disk embedded store holding the sample case, ingested through the command line."""
    path = tmp_path_factory.mktemp("embedded") / "store"
    cli("ingest", str(SAMPLE_YAML), "--store", str(path))
    return str(path)


def _nquads(store: str, tmp_path: Path, name: str) -> list[str]:
    out = tmp_path / f"{name}.nq"
    cli("export", "--format", "nq", "--out", str(out), "--store", store)
    return sorted(out.read_text("utf-8").splitlines())


@contextlib.contextmanager
def closed_port() -> Iterator[int]:
    """A loopback port with nothing listening on it."""
    yield _free_port()


@contextlib.contextmanager
def silent_server() -> Iterator[int]:
    """A loopback port that accepts connections (the kernel's backlog) and never answers."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    sock.listen(8)
    try:
        yield sock.getsockname()[1]
    finally:
        sock.close()


# ---------------------------------------------------------------------------------- the URL
def test_store_url_scheme() -> None:
    e = parse_store_url("http://127.0.0.1:7878")
    assert (e.query, e.update, e.gsp) == (
        "http://127.0.0.1:7878/query",
        "http://127.0.0.1:7878/update",
        "http://127.0.0.1:7878/store",
    )
    assert e.union == "list" and e.graphs == "all" and e.local

    e = parse_store_url("http://localhost:3030/gvc/?gsp=data")  # Fuseki
    assert (e.query, e.update, e.gsp) == (
        "http://localhost:3030/gvc/query",
        "http://localhost:3030/gvc/update",
        "http://localhost:3030/gvc/data",
    )

    e = parse_store_url(  # GraphDB
        "http://db.example:7200/repositories/gvc?query=.&update=statements"
        "&gsp=rdf-graphs/service&union=server&timeout=600"
    )
    assert e.query == "http://db.example:7200/repositories/gvc"
    assert e.update == "http://db.example:7200/repositories/gvc/statements"
    assert e.gsp == "http://db.example:7200/repositories/gvc/rdf-graphs/service"
    assert e.union == "server" and e.timeout == 600 and not e.local

    e = parse_store_url(  # QLever, read-only, with a token passed through
        "https://qlever.example/api/gvc?query=.&update=none&gsp=none&access-token=abc"
    )
    assert e.query == "https://qlever.example/api/gvc" and e.update is None and e.gsp is None
    assert e.params == (("access-token", "abc"),)

    e = parse_store_url("http://alice:s%40cret@host:8890?query=sparql&update=sparql")
    assert e.query == "http://host:8890/sparql"
    assert e.authorization == "Basic YWxpY2U6c0BjcmV0"  # alice:s@cret
    assert "s@cret" not in repr(RemoteStore("http://alice:s%40cret@host:8890"))

    for bad in ("http://h?union=maybe", "http://h?graphs=some", "http://h?timeout=-1", "ftp://h"):
        with pytest.raises(StoreError):
            parse_store_url(bad)


# ---------------------------------------------------------------------------------- the CLI
def test_info_is_the_same(remote: str, embedded: str) -> None:
    assert cli("info", "--format", "csv", "--store", remote) == cli(
        "info", "--format", "csv", "--store", embedded
    )
    r = cli("info", "--store", remote).splitlines()
    e = cli("info", "--store", embedded).splitlines()
    assert r[0].replace(remote, "STORE") == e[0].replace(embedded, "STORE")
    assert r[1:] == e[1:]


QUERIES = [
    # derived shortcut edges
    "SELECT ?s ?b WHERE { ?s gvc:suppliesTo ?b } ORDER BY ?s ?b",
    "SELECT ?owned ?owner WHERE { ?owned gvc:directlyOwnedBy ?owner } ORDER BY ?owned",
    "SELECT ?x ?y WHERE { ?x gvc:controlledBy ?y } ORDER BY ?x ?y",
    # named graphs, aggregates, labels from the ontology graph
    "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g ORDER BY ?g",
    "SELECT ?class (COUNT(?s) AS ?n) WHERE { ?s a ?class } GROUP BY ?class ORDER BY ?class",
    "SELECT ?label ?country WHERE { ?f a gvc:Firm ; skos:prefLabel ?label . "
    "OPTIONAL { ?f gvc:headquartersCountry ?country } } ORDER BY ?label",
    # typed values and dates
    "SELECT ?o ?share WHERE { ?o a gvc:Ownership . OPTIONAL { ?o gvc:shareExact ?share } } "
    "ORDER BY ?o",
    "ASK { ?s gvc:suppliesTo ?b }",
    "ASK { ?s gvc:suppliesTo ?s }",
]


@pytest.mark.parametrize("fmt", ["table", "csv", "json"])
@pytest.mark.parametrize("query", QUERIES)
def test_queries_give_the_same_answers(remote: str, embedded: str, query: str, fmt: str) -> None:
    assert cli("query", "-e", query, "--format", fmt, "--store", remote) == cli(
        "query", "-e", query, "--format", fmt, "--store", embedded
    )


def test_construct_is_the_same_graph(remote: str, embedded: str) -> None:
    q = "CONSTRUCT { ?s gvc:suppliesTo ?b . ?s skos:prefLabel ?l } WHERE { ?s gvc:suppliesTo ?b ; skos:prefLabel ?l }"
    r = Graph().parse(data=cli("query", "-e", q, "--store", remote), format="turtle")
    e = Graph().parse(data=cli("query", "-e", q, "--store", embedded), format="turtle")
    assert len(r) == 4 and isomorphic(r, e)
    with KnowledgeGraph(remote) as kg_r, KnowledgeGraph(embedded) as kg_e:
        assert isomorphic(kg_r.construct(q), kg_e.construct(q))
        assert kg_r.select(QUERIES[0]).equals(kg_e.select(QUERIES[0]))
        assert kg_r.sources().equals(kg_e.sources())


def test_export_gives_the_same_quads(remote: str, embedded: str, tmp_path: Path) -> None:
    r = _nquads(remote, tmp_path, "remote")
    e = _nquads(embedded, tmp_path, "embedded")
    assert len(r) > 300 and r == e
    out_r, out_e = tmp_path / "r.ttl", tmp_path / "e.ttl"
    cli("export", "--format", "ttl", "--out", str(out_r), "--store", remote)
    cli("export", "--format", "ttl", "--out", str(out_e), "--store", embedded)
    assert out_r.read_bytes() == out_e.read_bytes()  # sorted, so byte for byte
    out_r, out_e = tmp_path / "r.trig", tmp_path / "e.trig"
    cli("export", "--format", "trig", "--out", str(out_r), "--store", remote)
    cli("export", "--format", "trig", "--out", str(out_e), "--store", embedded)
    quads_r = set(ox.parse(path=out_r, format=ox.RdfFormat.TRIG))
    assert quads_r == set(ox.parse(path=out_e, format=ox.RdfFormat.TRIG))
    assert len(quads_r) == len(r)


ANALYSES = [
    ["centrality"],
    ["centrality", "--view", "ownership"],
    ["tiers"],
    ["tiers", "--depth"],
    ["captive"],
    ["ownership"],
    ["ownership", "--controllers"],
]


@pytest.mark.parametrize("args", ANALYSES, ids=lambda a: " ".join(a))
def test_analyses_give_the_same_tables(remote: str, embedded: str, args: list[str]) -> None:
    if "analyze" not in main.commands:
        pytest.skip("gvcgraph analyze is not available")
    r = cli("analyze", *args, "--format", "csv", "--store", remote)
    e = cli("analyze", *args, "--format", "csv", "--store", embedded)
    assert r == e and len(r.splitlines()) > 1


def test_map_writes_a_file(remote: str, tmp_path: Path) -> None:
    command = main.commands.get("map")
    if command is None:
        pytest.skip("gvcgraph map is not available")
    out = tmp_path / "map.html"
    names = {p.name for p in command.params}
    args = ["map", "--store", remote]
    args += ["--out", str(out)] if "out" in names else [str(out)]
    cli(*args)
    assert out.exists() and out.stat().st_size > 0


def test_write_back_and_remove_work_remotely(oxigraph_server: str, tmp_path: Path) -> None:
    """Writes through the CLI leave the remote and embedded stores with the same quads."""
    if "analyze" not in main.commands:
        pytest.skip("gvcgraph analyze is not available")
    embedded = str(tmp_path / "store")
    _reset(oxigraph_server)
    try:
        for store in (oxigraph_server, embedded):
            cli("ingest", str(SAMPLE_YAML), "--store", store)
            cli("analyze", "centrality", "--write-back", "--format", "csv", "--store", store)

        def untimed(lines: list[str]) -> list[str]:  # the runs' timestamps differ
            return [line for line in lines if "XMLSchema#dateTime>" not in line]

        r = untimed(_nquads(oxigraph_server, tmp_path, "r"))
        assert any("graph/analysis/centrality" in line for line in r)
        assert r == untimed(_nquads(embedded, tmp_path, "e"))
        for store in (oxigraph_server, embedded):
            cli("remove", "sample-harness", "--store", store)
        r = untimed(_nquads(oxigraph_server, tmp_path, "r"))
        assert not any("graph/source/" in line for line in r)
        assert r == untimed(_nquads(embedded, tmp_path, "e"))
    finally:
        _reset(oxigraph_server)
        cli("ingest", str(SAMPLE_YAML), "--store", oxigraph_server)  # as the module found it


# ---------------------------------------------------------------------------------- the API
def test_remote_store_interface_matches_pyoxigraph(remote: str, embedded: str) -> None:
    r = RemoteStore(remote)
    with KnowledgeGraph(embedded) as kg:
        e = kg.store
        assert [g.value for g in r.named_graphs()] == sorted(g.value for g in e.named_graphs())
        assert len(r) == len(e)
        graph = ox.NamedNode(SOURCE_GRAPH)
        assert r.contains_named_graph(graph)
        assert not r.contains_named_graph(ox.NamedNode("http://example.org/none"))
        quads = r.quads_for_pattern(None, None, None, graph)
        assert set(quads) == set(e.quads_for_pattern(None, None, None, graph))
        assert quads[0] in r
        assert ox.Quad(quads[0].subject, quads[0].predicate, quads[0].object) not in r
        supplies = ox.NamedNode(terms.GVC["suppliesTo"])
        assert set(r.quads_for_pattern(None, supplies, None)) == set(
            e.quads_for_pattern(None, supplies, None)
        )
        csv = ox.QueryResultsFormat.CSV
        for q in QUERIES[:3]:
            sparql = "\n".join(f"PREFIX {p}: <{ns}>" for p, ns in terms.PREFIXES.items()) + q
            assert r.query(sparql, use_default_graph_as_union=True).serialize(
                format=csv
            ) == e.query(sparql, use_default_graph_as_union=True).serialize(format=csv)


def test_union_modes_agree(remote: str) -> None:
    q = "SELECT ?class (COUNT(?s) AS ?n) WHERE { ?s a ?class } GROUP BY ?class ORDER BY ?class"
    answers = []
    for options in ("", "?union=oxigraph", "?graphs=gvcgraph"):
        with KnowledgeGraph(remote + options) as kg:
            answers.append(kg.select(q))
    assert len(answers[0]) > 10
    assert answers[0].equals(answers[1]) and answers[0].equals(answers[2])


def test_graph_store_protocol_loads(remote: str) -> None:
    store = RemoteStore(remote)
    graph = ox.NamedNode("http://example.org/test/gsp")
    nt = '<http://example.org/a> <http://example.org/p> "1" .\n'
    try:
        store.put_graph(graph, nt)
        assert store.contains_named_graph(graph)
        store.load('<http://example.org/b> <http://example.org/p> "2" .\n', to_graph=graph)
        assert len(store.quads_for_pattern(None, None, None, graph)) == 2
        store.put_graph(graph, nt)  # PUT replaces
        assert len(store.quads_for_pattern(None, None, None, graph)) == 1
        # without the Graph Store Protocol, loads become updates
        fallback = RemoteStore(remote + "?gsp=none")
        fallback.put_graph(graph, '<http://example.org/c> <http://example.org/p> "3" .\n')
        assert [q.object.value for q in store.quads_for_pattern(None, None, None, graph)] == ["3"]
    finally:
        store.update(f"DROP SILENT GRAPH {graph}")


def test_bulk_replace_is_atomic_and_leaves_no_staging_graphs(remote: str) -> None:
    store = RemoteStore(remote)
    g1, g2 = "http://example.org/test/bulk1", "http://example.org/test/bulk2"
    count = "SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } FILTER(?g = <%s>) }"
    before = len(store)
    try:
        store.replace_graphs(
            {g1: '<http://example.org/a> <http://example.org/p> "1" .\n', g2: ""},
            then=[
                f"INSERT DATA {{ GRAPH <{g2}> {{ <http://example.org/x> <http://example.org/p> 2 }} }}"
            ],
            bulk_threshold=0,  # take the staging path
        )
        assert int(store._select(count % g1)[0]["n"].value) == 1
        assert int(store._select(count % g2)[0]["n"].value) == 1
        assert not [g for g in store.named_graphs() if "staging" in g.value]
        # a failing final update: nothing moves, staging graphs are dropped
        with pytest.raises(SyntaxError):
            store.replace_graphs(
                {g1: '<http://example.org/b> <http://example.org/p> "9" .\n'},
                then=["INSERT DATA { this is not sparql }"],
                bulk_threshold=0,
            )
        assert [
            q.object.value for q in store.quads_for_pattern(None, None, None, ox.NamedNode(g1))
        ] == ["1"]
        assert not [g for g in store.named_graphs() if "staging" in g.value]
    finally:
        store.update(f"DROP SILENT GRAPH <{g1}> ; DROP SILENT GRAPH <{g2}>")
    assert len(store) == before


def test_a_failing_update_changes_nothing(remote: str, tmp_path: Path) -> None:
    before = _nquads(remote, tmp_path, "before")
    store = RemoteStore(remote)
    # the second operation fails at run time (the graph exists): the first is rolled back
    with pytest.raises((QueryError, StoreError, SyntaxError)):
        store.update(
            "INSERT DATA { GRAPH <http://example.org/test/x> { <http://a> <http://b> <http://c> } } ;"
            f" CREATE GRAPH <{SOURCE_GRAPH}>"
        )
    assert _nquads(remote, tmp_path, "after") == before


def test_bad_input_leaves_the_remote_store_unchanged(remote: str, tmp_path: Path) -> None:
    before = _nquads(remote, tmp_path, "before")
    bad = tmp_path / "bad.yaml"
    text = SAMPLE_YAML.read_text("utf-8").replace("buyer: oem-a", "buyr: oem-a", 1)
    assert text != SAMPLE_YAML.read_text("utf-8")
    bad.write_text(text.replace("id: sample-harness", "id: bad-source", 1), "utf-8")
    result = CliRunner().invoke(main, ["ingest", str(bad), "--store", remote])
    assert result.exit_code == 1
    assert "buyr" in result.output and "nothing was written" in result.output
    assert _nquads(remote, tmp_path, "after") == before


def test_read_only_endpoint(remote: str) -> None:
    with KnowledgeGraph(remote + "?update=none") as kg:
        assert kg.source_ids() == ["sample-harness"]
    result = CliRunner().invoke(
        main, ["ingest", str(SAMPLE_YAML), "--store", remote + "?update=none"]
    )
    assert result.exit_code == 2 and "read-only" in result.output
    assert "Traceback" not in result.output


# ---------------------------------------------------------------------------------- errors
def test_query_errors_are_messages(remote: str) -> None:
    result = CliRunner().invoke(
        main, ["query", "-e", "SELECT ?s WHERE { ?s ?p }", "--store", remote]
    )
    assert result.exit_code == 2
    assert "syntax error" in result.output and "error at 1:" in result.output
    assert "Traceback" not in result.output
    result = CliRunner().invoke(main, ["query", "-e", "CLEAR ALL", "--store", remote])
    assert result.exit_code == 2 and "not a query" in result.output


@pytest.mark.parametrize(
    "args",
    [
        ["info"],
        ["query", "-e", "SELECT * WHERE { ?s ?p ?o } LIMIT 1"],
        ["ingest", str(SAMPLE_YAML)],
        ["export", "--format", "nq", "--out", "{tmp}/never-written.nq"],
    ],
    ids=lambda a: a[0],
)
def test_unreachable_endpoint_is_a_message(args: list[str], tmp_path: Path) -> None:
    args = [a.replace("{tmp}", str(tmp_path)) for a in args]
    with closed_port() as port:
        url = f"http://127.0.0.1:{port}"
        result = CliRunner().invoke(main, [*args, "--store", url])
    assert result.exit_code == 2, result.output
    assert f"cannot reach the SPARQL server at {url}" in result.output
    assert "connection refused" in result.output
    assert "Traceback" not in result.output
    assert not (tmp_path / "never-written.nq").exists()


def test_a_silent_server_times_out_with_a_message() -> None:
    with silent_server() as port:
        url = f"http://127.0.0.1:{port}?timeout=0.5"
        result = CliRunner().invoke(main, ["info", "--store", url])
    assert result.exit_code == 2, result.output
    assert "did not answer" in result.output and "timeout=SECONDS" in result.output
    assert "Traceback" not in result.output


def test_a_wrong_url_is_a_message(oxigraph_server: str) -> None:
    result = CliRunner().invoke(main, ["info", "--store", oxigraph_server + "/nowhere"])
    assert result.exit_code == 2
    assert "HTTP 404" in result.output or "no SPARQL endpoint" in result.output
    assert "Traceback" not in result.output
