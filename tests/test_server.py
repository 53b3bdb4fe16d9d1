"""The SPARQL endpoint (``gvcgraph serve``): a real server on 127.0.0.1 with an ephemeral port,
exercised with urllib, raw http.client and SPARQLWrapper.

Every answer is parsed and checked against the embedded graph: the labels of the sample case's
three firms, its two derived supply edges, the CONSTRUCT graph isomorphic to
``KnowledgeGraph.construct``. Safety: updates refused without the flag, SERVICE and LOAD never
reach the network (a loopback listener sees no connection), a body over the limit is refused
with 413, a slow query gets 503, a silent client is disconnected, connections over the limit
get 503, the page loads nothing from elsewhere, every other answer (results, errors, http.server's
own refusals) is sandboxed plain data, no CORS header by default.
"""

from __future__ import annotations

import contextlib
import csv
import http.client
import io
import json
import re
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from rdflib import Graph
from rdflib.compare import isomorphic

from gvcgraph.graph.sparql_scan import network_operations, query_form
from gvcgraph.graph.store import KnowledgeGraph
from gvcgraph.server import SparqlServer, make_server
from tests.conftest import SAMPLE_YAML

LABELS = ["Harness maker B", "OEM A", "Wire supplier D"]
FIRMS = "SELECT ?label WHERE { ?f a gvc:Firm ; skos:prefLabel ?label } ORDER BY ?label"
SUPPLY = "CONSTRUCT { ?s gvc:suppliesTo ?b } WHERE { ?s gvc:suppliesTo ?b }"
SUPPLY_EDGES = {
    ("https://w3id.org/gvcgraph/id/wire-d", "https://w3id.org/gvcgraph/id/harness-b"),
    ("https://w3id.org/gvcgraph/id/harness-b", "https://w3id.org/gvcgraph/id/oem-a"),
}
SRX = "{http://www.w3.org/2005/sparql-results#}"
OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def _sample_graph() -> KnowledgeGraph:
    kg = KnowledgeGraph()
    kg.ingest([SAMPLE_YAML])
    return kg


@pytest.fixture(scope="module")
def sample_kg() -> KnowledgeGraph:
    return _sample_graph()


@contextlib.contextmanager
def running(kg: KnowledgeGraph, **options: Any) -> Iterator[SparqlServer]:
    """A server on 127.0.0.1, any free port, serving in a thread; stopped on exit."""
    server = make_server(kg, "127.0.0.1", 0, quiet=True, **options)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)


@pytest.fixture(scope="module")
def endpoint(sample_kg: KnowledgeGraph) -> Iterator[str]:
    with running(sample_kg) as server:
        yield server.url + "/sparql"


def fetch(
    url: str,
    data: bytes | None = None,
    headers: dict[str, str] | None = None,
    method: str | None = None,
) -> tuple[int, Any, bytes]:
    """(status, headers, body) of one request, errors included."""
    request = urllib.request.Request(url, data=data, headers=headers or {}, method=method)
    try:
        with OPENER.open(request, timeout=30) as response:
            return response.status, response.headers, response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.headers, exc.read()


def get(endpoint: str, query: str, accept: str | None = None) -> tuple[int, Any, bytes]:
    url = endpoint + "?" + urllib.parse.urlencode({"query": query})
    return fetch(url, headers={"Accept": accept} if accept else {})


def post_form(endpoint: str, accept: str | None = None, **fields: str) -> tuple[int, Any, bytes]:
    headers = {"Content-Type": "application/x-www-form-urlencoded"}
    if accept:
        headers["Accept"] = accept
    return fetch(endpoint, urllib.parse.urlencode(fields).encode(), headers)


def json_labels(body: bytes) -> list[str]:
    data = json.loads(body)
    assert data["head"]["vars"] == ["label"]
    return [b["label"]["value"] for b in data["results"]["bindings"]]


# ---------------------------------------------------------------------------------- queries
def test_get_post_form_and_post_sparql_query_agree(endpoint: str) -> None:
    status, headers, body = get(endpoint, FIRMS)
    assert status == 200
    assert headers["Content-Type"] == "application/sparql-results+json"
    assert json_labels(body) == LABELS

    status, _, body = post_form(endpoint, query=FIRMS)
    assert status == 200 and json_labels(body) == LABELS

    status, _, body = fetch(endpoint, FIRMS.encode(), {"Content-Type": "application/sparql-query"})
    assert status == 200 and json_labels(body) == LABELS

    # /query is the same endpoint (Oxigraph's layout)
    status, _, body = get(endpoint.replace("/sparql", "/query"), FIRMS)
    assert status == 200 and json_labels(body) == LABELS


def _parse_xml(body: bytes) -> list[str]:
    root = ET.fromstring(body)
    names = [v.get("name") for v in root.iter(SRX + "variable")]
    assert names == ["label"]
    return [r.find(f"{SRX}binding/{SRX}literal").text for r in root.iter(SRX + "result")]


def _parse_csv(body: bytes) -> list[str]:
    rows = list(csv.reader(io.StringIO(body.decode("utf-8"))))
    assert rows[0] == ["label"]
    return [r[0] for r in rows[1:]]


def _parse_tsv(body: bytes) -> list[str]:
    lines = body.decode("utf-8").splitlines()
    assert lines[0] == "?label"
    # TSV writes RDF terms: plain literals in double quotes
    return [json.loads(line) for line in lines[1:]]


@pytest.mark.parametrize(
    ("accept", "content_type", "parse"),
    [
        ("application/sparql-results+json", "application/sparql-results+json", json_labels),
        ("application/sparql-results+xml", "application/sparql-results+xml", _parse_xml),
        ("text/csv", "text/csv; charset=utf-8", _parse_csv),
        ("text/tab-separated-values", "text/tab-separated-values; charset=utf-8", _parse_tsv),
        ("application/json", "application/sparql-results+json", json_labels),
        ("text/html, text/csv;q=0.9, */*;q=0.1", "text/csv; charset=utf-8", _parse_csv),
    ],
)
def test_select_result_formats(endpoint: str, accept: str, content_type: str, parse: Any) -> None:
    status, headers, body = post_form(endpoint, accept=accept, query=FIRMS)
    assert status == 200
    assert headers["Content-Type"] == content_type
    assert parse(body) == LABELS


def test_format_parameter_overrides_accept(endpoint: str) -> None:
    url = endpoint + "?" + urllib.parse.urlencode({"query": FIRMS, "format": "csv"})
    status, headers, body = fetch(url, headers={"Accept": "application/sparql-results+json"})
    assert status == 200 and headers["Content-Type"].startswith("text/csv")
    assert _parse_csv(body) == LABELS


def test_ask(endpoint: str) -> None:
    status, _, body = get(endpoint, "ASK { ?s gvc:suppliesTo ?b }")
    assert status == 200 and json.loads(body)["boolean"] is True
    status, _, body = get(
        endpoint, "ASK { ?s gvc:suppliesTo ?s }", "application/sparql-results+xml"
    )
    assert status == 200
    assert ET.fromstring(body).find(SRX + "boolean").text == "false"


@pytest.mark.parametrize(
    ("accept", "content_type", "rdflib_format"),
    [
        (None, "text/turtle; charset=utf-8", "turtle"),
        ("text/turtle", "text/turtle; charset=utf-8", "turtle"),
        ("application/n-triples", "application/n-triples; charset=utf-8", "nt"),
        ("application/rdf+xml", "application/rdf+xml", "xml"),
    ],
)
def test_construct_formats(
    endpoint: str,
    sample_kg: KnowledgeGraph,
    accept: str | None,
    content_type: str,
    rdflib_format: str,
) -> None:
    status, headers, body = get(endpoint, SUPPLY, accept)
    assert status == 200
    assert headers["Content-Type"] == content_type
    g = Graph().parse(data=body.decode("utf-8"), format=rdflib_format)
    assert {(str(s), str(o)) for s, _, o in g} == SUPPLY_EDGES
    assert isomorphic(g, sample_kg.construct(SUPPLY))


def test_dataset_parameters_name_the_graphs(endpoint: str, sample_kg: KnowledgeGraph) -> None:
    source = "https://w3id.org/gvcgraph/graph/source/sample-harness"
    count = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"
    expected = sample_kg.select(
        f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{source}> {{ ?s ?p ?o }} }}"
    )["n"][0]
    status, _, body = post_form(endpoint, query=count, **{"default-graph-uri": source})
    assert status == 200
    assert int(json.loads(body)["results"]["bindings"][0]["n"]["value"]) == expected
    # the derived shortcut edges are not in the source graph
    status, _, body = post_form(
        endpoint, query="ASK { ?s gvc:suppliesTo ?b }", **{"default-graph-uri": source}
    )
    assert json.loads(body)["boolean"] is False


# ---------------------------------------------------------------------------------- errors
def test_errors_are_plain_messages(endpoint: str) -> None:
    status, headers, body = get(endpoint, "SELECT ?x WHERE { ?x ?p }")
    assert status == 400 and headers["Content-Type"].startswith("text/plain")
    assert b"syntax error" in body.lower()
    assert b"Traceback" not in body

    status, _, body = fetch(endpoint, b"x", {"Content-Type": "application/octet-stream"})
    assert status == 415 and b"unsupported Content-Type" in body

    status, _, body = fetch(endpoint)
    assert status == 400 and b"missing the query" in body

    status, _, body = fetch(endpoint.replace("/sparql", "/nowhere"))
    assert status == 404

    status, _, body = get(endpoint, FIRMS, "image/png")
    assert status == 406 and b"application/sparql-results+json" in body

    status, _, _ = post_form(endpoint, query=FIRMS, update="CLEAR ALL")
    assert status == 400


def test_health(endpoint: str) -> None:
    status, headers, body = fetch(endpoint.replace("/sparql", "/health"))
    assert status == 200 and headers["Content-Type"] == "application/json"
    assert json.loads(body) == {"status": "ok", "updates": False}


# ---------------------------------------------------------------------------------- updates
def _count_supply(url: str) -> int:
    status, _, body = get(url, "SELECT (COUNT(*) AS ?n) WHERE { ?s gvc:suppliesTo ?b }")
    assert status == 200
    return int(json.loads(body)["results"]["bindings"][0]["n"]["value"])


def test_update_refused_without_the_flag(endpoint: str, sample_kg: KnowledgeGraph) -> None:
    before = len(sample_kg)
    for fields, headers in (
        ({"update": "CLEAR ALL"}, {"Content-Type": "application/x-www-form-urlencoded"}),
        (None, {"Content-Type": "application/sparql-update"}),
    ):
        data = urllib.parse.urlencode(fields).encode() if fields else b"CLEAR ALL"
        status, _, body = fetch(endpoint, data, headers)
        assert status == 403
        assert b"--allow-update" in body
    assert len(sample_kg) == before
    assert _count_supply(endpoint) == 2


def test_update_with_the_flag_applies_and_rederives() -> None:
    kg = _sample_graph()
    with running(kg, allow_update=True) as server:
        url = server.url + "/sparql"
        assert _count_supply(url) == 2
        # a form update, with the usual prefix declared again and a trailing separator
        update = (
            "PREFIX gvc: <https://w3id.org/gvcgraph/ont#>\n"
            "INSERT DATA { GRAPH <http://example.org/g> { gvc:a gvc:b gvc:c } } ;"
        )
        status, _, body = post_form(url, update=update)
        assert status == 204, body
        assert _count_supply(url) == 2
        assert kg.ask("ASK { GRAPH <http://example.org/g> { gvc:a gvc:b gvc:c } }")
        # gvc: declared as something else would change the derivation rules: refused
        other = update.replace("https://w3id.org/gvcgraph/ont#", "http://example.org/not-gvc#")
        status, _, body = post_form(url, update=other)
        assert status == 400 and b"another prefix name" in body
        # a direct update that removes the supply relations: the shortcut edges go with them
        delete = "DELETE WHERE { GRAPH ?g { ?r a gvc:SupplyRelation ; ?p ?o } }"
        status, _, body = fetch(url, delete.encode(), {"Content-Type": "application/sparql-update"})
        assert status == 204, body
        assert _count_supply(url) == 0
        # a malformed update changes nothing
        status, _, body = post_form(url, update="INSERT DATA { <http://a> }")
        assert status == 400 and b"syntax error" in body.lower()


# ---------------------------------------------------------------------------------- SERVICE
@contextlib.contextmanager
def listener() -> Iterator[socket.socket]:
    """A TCP socket listening on loopback: a stand-in for another endpoint."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    sock.listen(4)
    sock.settimeout(0.5)
    try:
        yield sock
    finally:
        sock.close()


def _was_contacted(sock: socket.socket) -> bool:
    try:
        conn, _ = sock.accept()
    except TimeoutError:
        return False
    conn.close()
    return True


SERVICE_QUERIES = [
    "SELECT * WHERE { SERVICE <{url}> { ?s ?p ?o } }",
    "select * where { service silent <{url}> { ?s ?p ?o } }",
    "SELECT * WHERE { ?a ?b ?c . { SELECT ?s WHERE { SERVICE <{url}> { ?s ?p ?o } } } }",
    "SELECT * WHERE { ?s ?p 1SERVICE <{url}> { ?x ?y ?z } }",
    "SELECT * WHERE { \\u0053ERVICE <{url}> { ?s ?p ?o } }",
    'ASK { ?s ?p "x" SERVICE <{url}> { ?s ?p ?o } }',
]


@pytest.mark.parametrize("template", SERVICE_QUERIES)
def test_service_is_refused_and_never_reaches_the_network(endpoint: str, template: str) -> None:
    with listener() as sock:
        target = f"http://127.0.0.1:{sock.getsockname()[1]}/sparql"
        status, _, body = post_form(endpoint, query=template.replace("{url}", target))
        assert status == 403, body
        assert b"--allow-service" in body
        assert not _was_contacted(sock)


def test_service_words_in_strings_names_and_comments_are_not_service(endpoint: str) -> None:
    q = """SELECT ?label WHERE {  # a SERVICE in a comment
        ?f a gvc:Firm ; skos:prefLabel ?label .
        FILTER(?label != "SERVICE <http://example.org/> { }")
        OPTIONAL { ?f <http://example.org/SERVICE> ?service }
    } ORDER BY ?label"""
    status, _, body = post_form(endpoint, query=q)
    assert status == 200 and json_labels(body) == LABELS


def test_service_would_reach_the_network_without_the_check(sample_kg: KnowledgeGraph) -> None:
    """The control: with --allow-service pyoxigraph does contact the other endpoint."""
    with running(sample_kg, allow_service=True, timeout=10) as server, listener() as sock:
        target = f"http://127.0.0.1:{sock.getsockname()[1]}/sparql"
        query = f"SELECT * WHERE {{ SERVICE <{target}> {{ ?s ?p ?o }} }}"
        answer: dict[str, Any] = {}

        def ask() -> None:
            answer["status"] = post_form(server.url + "/sparql", query=query)[0]

        client = threading.Thread(target=ask, daemon=True)
        client.start()
        sock.settimeout(5)
        assert _was_contacted(sock)  # accepted, then closed: the SERVICE call fails
        client.join(15)
        assert answer.get("status", 0) >= 400


def test_load_is_refused_even_with_updates_allowed() -> None:
    kg = _sample_graph()
    with running(kg, allow_update=True) as server, listener() as sock:
        target = f"http://127.0.0.1:{sock.getsockname()[1]}/data.ttl"
        status, _, body = post_form(server.url + "/sparql", update=f"LOAD <{target}>")
        assert status == 403 and b"LOAD" in body
        assert not _was_contacted(sock)


def test_tokenizer_cases() -> None:
    assert network_operations("SELECT * { ?s ?p ?o }") == []
    assert network_operations("SELECT * { ?s ex:SERVICE ?service }") == []
    assert network_operations('SELECT * { ?s ?p """SERVICE\n<x>""" }') == []
    assert network_operations("SELECT * { ?s ?p ex:a\\#b SERVICE <x> {} }") == ["SERVICE"]
    assert network_operations("SELECT * { FILTER(?a<?b) SERVICE <x> {} }") == ["SERVICE"]
    assert network_operations("LOAD <http://example.org/x.ttl>") == ["LOAD"]
    assert query_form("PREFIX select: <x:> # ASK\nCONSTRUCT WHERE { ?s ?p ?o }") == "CONSTRUCT"
    assert query_form("BASE <x:> DESCRIBE <y>") == "DESCRIBE"
    assert query_form("DROP GRAPH <x:>") == "UPDATE"


# ---------------------------------------------------------------------------------- limits
def test_body_over_the_limit_is_refused_before_it_is_read(endpoint: str) -> None:
    host, port = urllib.parse.urlsplit(endpoint).netloc.split(":")
    conn = http.client.HTTPConnection(host, int(port), timeout=10)
    try:
        conn.putrequest("POST", "/sparql")
        conn.putheader("Content-Type", "application/sparql-query")
        conn.putheader("Content-Length", str(50 * 1024 * 1024))
        conn.endheaders()  # no body is sent: the answer must not wait for it
        response = conn.getresponse()
        assert response.status == 413
        assert b"limit" in response.read()
    finally:
        conn.close()


def test_body_over_a_small_limit(sample_kg: KnowledgeGraph) -> None:
    with running(sample_kg, max_body=1000) as server:
        query = FIRMS + " #" + "x" * 2000
        status, _, body = fetch(
            server.url + "/sparql", query.encode(), {"Content-Type": "application/sparql-query"}
        )
        assert status == 413
        status, _, body = post_form(server.url + "/sparql", query=FIRMS)
        assert status == 200 and json_labels(body) == LABELS


def test_a_slow_query_times_out_and_the_server_carries_on(sample_kg: KnowledgeGraph) -> None:
    with running(sample_kg, timeout=0.3) as server:
        url = server.url + "/sparql"
        cross = "SELECT * WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"  # ~6,400^3 rows
        status, _, body = post_form(url, query=cross)
        assert status == 503
        assert b"did not finish" in body
        status, _, body = post_form(url, query=FIRMS)
        assert status == 200 and json_labels(body) == LABELS


def _raw_exchange(url: str, data: bytes, wait: float = 10.0) -> bytes:
    """Send raw bytes to the server and read until it closes the connection."""
    host, port = urllib.parse.urlsplit(url).netloc.split(":")
    with socket.create_connection((host, int(port)), timeout=wait) as conn:
        conn.sendall(data)
        chunks = []
        while chunk := conn.recv(65536):
            chunks.append(chunk)
    return b"".join(chunks)


def test_a_silent_client_is_disconnected(sample_kg: KnowledgeGraph) -> None:
    with running(sample_kg, client_timeout=0.5) as server:
        started = time.monotonic()
        # half a request line, then silence: the server hangs up without an answer
        answer = _raw_exchange(server.url, b"GET /spa", wait=10)
        assert answer == b"" and time.monotonic() - started < 5
        status, _, body = get(server.url + "/sparql", FIRMS)
        assert status == 200 and json_labels(body) == LABELS


def test_connections_over_the_limit_get_a_503(sample_kg: KnowledgeGraph) -> None:
    with running(sample_kg, max_connections=2, client_timeout=30) as server:
        host, port = urllib.parse.urlsplit(server.url).netloc.split(":")
        idle = [socket.create_connection((host, int(port)), timeout=10) for _ in range(2)]
        try:
            time.sleep(0.3)  # both are being served (waiting for their request line)
            answer = _raw_exchange(server.url, b"GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
            assert answer.startswith(b"HTTP/1.1 503 ") and b"too many connections" in answer
        finally:
            for conn in idle:
                conn.close()
        deadline = time.monotonic() + 10
        while True:  # the idle connections' threads see the close and free their places
            status, _, body = get(server.url + "/sparql", FIRMS)
            if status == 200 or time.monotonic() > deadline:
                break
            time.sleep(0.1)
        assert status == 200 and json_labels(body) == LABELS


def test_http_server_errors_are_plain_text(endpoint: str) -> None:
    # http.server's own refusals (a request line over 64 KiB, over 100 headers) come back as
    # text/plain with the data headers
    long_line = b"GET /sparql?query=" + b"x" * 70000 + b" HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"
    answer = _raw_exchange(endpoint, long_line)
    head, _, body = answer.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 414 ") or head.startswith(b"HTTP/1.0 414 ")
    assert b"Content-Type: text/plain; charset=utf-8" in head and b"sandbox" in head
    assert b"<" not in body
    many = b"".join(b"X-H%d: 1\r\n" % i for i in range(120))
    answer = _raw_exchange(
        endpoint, b"GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n" + many + b"\r\n"
    )
    head, _, body = answer.partition(b"\r\n\r\n")
    assert b" 431 " in head.split(b"\r\n")[0]
    assert b"Content-Type: text/plain; charset=utf-8" in head
    assert b"X-Content-Type-Options: nosniff" in head and b"<" not in body
    # a hostile Host name is refused, and echoed as the text it is
    answer = _raw_exchange(endpoint, b"GET /health HTTP/1.1\r\nHost: <script>x</script>\r\n\r\n")
    head, _, body = answer.partition(b"\r\n\r\n")
    assert b" 403 " in head.split(b"\r\n")[0]
    assert b"Content-Type: text/plain; charset=utf-8" in head and b"sandbox" in head
    assert b"'<script>x</script>'" in body


# ---------------------------------------------------------------------------------- browsers
def test_the_page_loads_nothing_from_elsewhere(endpoint: str) -> None:
    status, headers, body = fetch(endpoint.replace("/sparql", "/"))
    assert status == 200 and headers["Content-Type"] == "text/html; charset=utf-8"
    page = body.decode("utf-8")
    assert "<textarea" in page
    assert not re.search(r"https?://|//[a-z0-9]", page, re.I), "an absolute URL in the page"
    assert not re.search(r"<[a-z][^>]*\s(src|href)\s*=", page, re.I), "a tag loads something"
    assert "@import" not in page and "url(" not in page
    assert "innerHTML" not in page and "insertAdjacentHTML" not in page
    csp = headers["Content-Security-Policy"]
    nonce = re.search(r"'nonce-([^']+)'", csp).group(1)
    assert f'<script nonce="{nonce}">' in page and "default-src 'none'" in csp
    assert "__NONCE__" not in page and "gvc:" in page


def test_the_page_runs_a_query_and_shows_results_as_text(tmp_path: Path) -> None:
    """In a real (headless) browser: the table holds a hostile label as text, no dialog
    opens, no request leaves the machine, and a syntax error shows as a message."""
    from tests.browser.cdp import Browser, find_chromium

    executable = find_chromium()
    if executable is None:
        pytest.skip("no Chromium on this machine")
    kg = _sample_graph()
    kg.store.update(
        "INSERT DATA { GRAPH <http://example.org/g> { <https://w3id.org/gvcgraph/id/evil> "
        "a <https://w3id.org/gvcgraph/ont#Firm> ; <http://www.w3.org/2004/02/skos/core#prefLabel> "
        '"<img src=x onerror=alert(1)>" } }'
    )
    with running(kg) as server, Browser(executable, tmp_path / "chromium") as browser:
        page = browser.new_page()
        page.goto(server.url + "/")
        page.eval("document.getElementById('run').click()")
        assert page.wait_for("document.querySelectorAll('#results tr').length") == 5
        cells = page.eval(
            "Array.from(document.querySelectorAll('#results td')).map(t => t.textContent)"
        )
        assert cells[1::2] == ["<img src=x onerror=alert(1)>", *LABELS]
        assert page.eval("document.querySelectorAll('#results img').length") == 0
        page.eval(
            "document.getElementById('query').value = 'SELECT ?x WHERE { ?x ?p }';"
            "document.getElementById('run').click()"
        )
        assert "HTTP 400" in page.wait_for("document.getElementById('error').textContent")
        assert page.dialogs == []
        local = ("http://127.0.0.1:",)
        assert [u for u in page.remote_requests() if not u.startswith(local)] == []


HOSTILE = "<img src=x onerror=alert(1)>"


@pytest.mark.parametrize(
    ("what", "request_args"),
    [
        ("json results", {"query": FIRMS}),
        ("csv results", {"query": FIRMS, "format": "csv"}),
        ("xml results", {"query": FIRMS, "format": "xml"}),
        ("construct as rdf/xml", {"query": SUPPLY, "format": "rdfxml"}),
        ("syntax error", {"query": f"SELECT * WHERE {{ {HOSTILE} }}"}),
    ],
)
def test_every_answer_but_the_page_is_sandboxed(
    endpoint: str, what: str, request_args: dict[str, str]
) -> None:
    """A result or an error opened in a browser tab runs nothing: CSP sandbox, nosniff."""
    status, headers, _ = fetch(endpoint + "?" + urllib.parse.urlencode(request_args))
    assert status in (200, 400), what
    assert headers["X-Content-Type-Options"] == "nosniff"
    csp = headers["Content-Security-Policy"]
    assert "sandbox" in csp and "default-src 'none'" in csp, what
    assert not headers["Content-Type"].startswith("text/html"), what


def test_a_hostile_path_is_echoed_as_plain_text(endpoint: str) -> None:
    base = endpoint.rsplit("/", 1)[0]
    status, headers, body = fetch(base + "/" + urllib.parse.quote(HOSTILE))
    assert status == 404
    assert headers["Content-Type"] == "text/plain; charset=utf-8"
    assert "sandbox" in headers["Content-Security-Policy"]
    assert body.decode().startswith("no such page: /%3Cimg")


def test_no_cors_header_by_default(endpoint: str) -> None:
    status, headers, _ = get(endpoint, FIRMS)
    assert status == 200 and headers.get("Access-Control-Allow-Origin") is None
    status, _, body = fetch(
        endpoint + "?" + urllib.parse.urlencode({"query": FIRMS}),
        headers={"Origin": "https://elsewhere.example"},
    )
    assert status == 403 and b"--cors" in body
    # a cross-site form post (no preflight in browsers) is refused too
    status, _, _ = fetch(
        endpoint,
        urllib.parse.urlencode({"query": FIRMS}).encode(),
        {
            "Content-Type": "application/x-www-form-urlencoded",
            "Origin": "https://elsewhere.example",
        },
    )
    assert status == 403


def test_cors_for_one_origin(sample_kg: KnowledgeGraph) -> None:
    origin = "https://colleague.example"
    with running(sample_kg, cors=origin) as server:
        url = server.url + "/sparql?" + urllib.parse.urlencode({"query": FIRMS})
        status, headers, body = fetch(url, headers={"Origin": origin})
        assert status == 200 and headers["Access-Control-Allow-Origin"] == origin
        assert json_labels(body) == LABELS
        status, headers, _ = fetch(
            server.url + "/sparql", headers={"Origin": origin}, method="OPTIONS"
        )
        assert status == 204 and "POST" in headers["Access-Control-Allow-Methods"]
        status, _, _ = fetch(url, headers={"Origin": "https://other.example"})
        assert status == 403


def test_a_foreign_host_name_is_refused(endpoint: str) -> None:
    host, port = urllib.parse.urlsplit(endpoint).netloc.split(":")
    conn = http.client.HTTPConnection(host, int(port), timeout=10)
    try:
        conn.request("GET", "/health", headers={"Host": f"attacker.example:{port}"})
        assert conn.getresponse().status == 403
    finally:
        conn.close()


# ---------------------------------------------------------------------------------- SPARQLWrapper
def test_sparqlwrapper_select_ask_construct(endpoint: str, sample_kg: KnowledgeGraph) -> None:
    sw = pytest.importorskip("SPARQLWrapper")
    client = sw.SPARQLWrapper(endpoint)
    prefixes = "PREFIX gvc: <https://w3id.org/gvcgraph/ont#>\n"
    prefixes += "PREFIX skos: <http://www.w3.org/2004/02/skos/core#>\n"

    client.setQuery(prefixes + FIRMS)
    client.setReturnFormat(sw.JSON)
    data = client.query().convert()
    assert [b["label"]["value"] for b in data["results"]["bindings"]] == LABELS

    client.setReturnFormat(sw.XML)
    doc = client.query().convert()  # an xml.dom.minidom document
    literals = [n.firstChild.data for n in doc.getElementsByTagName("literal")]
    assert literals == LABELS

    client.setReturnFormat(sw.CSV)
    assert _parse_csv(client.query().convert()) == LABELS

    client.setMethod(sw.POST)
    client.setReturnFormat(sw.TSV)
    assert _parse_tsv(client.query().convert()) == LABELS

    client.setQuery(prefixes + "ASK { ?s gvc:suppliesTo ?b }")
    client.setReturnFormat(sw.JSON)
    assert client.query().convert()["boolean"] is True

    client.setQuery(prefixes + SUPPLY)
    client.setReturnFormat(sw.TURTLE)
    g = Graph().parse(data=client.query().convert(), format="turtle")
    assert isomorphic(g, sample_kg.construct(SUPPLY))

    client.setReturnFormat(sw.RDFXML)
    g = client.query().convert()  # an rdflib Graph
    assert isomorphic(g, sample_kg.construct(SUPPLY))


def test_sparqlwrapper_update() -> None:
    sw = pytest.importorskip("SPARQLWrapper")
    kg = _sample_graph()
    with running(kg) as server:
        client = sw.SPARQLWrapper(server.url + "/sparql")
        client.setMethod(sw.POST)
        client.setQuery("INSERT DATA { GRAPH <http://example.org/g> { <http://a> <http://b> 1 } }")
        with pytest.raises(Exception) as info:  # 403: SPARQLWrapper raises its own error type
            client.query()
        assert "403" in str(info.value) or "Forbidden" in type(info.value).__name__ + str(
            info.value
        )
    with running(kg, allow_update=True) as server:
        client = sw.SPARQLWrapper(server.url + "/sparql")
        client.setMethod(sw.POST)
        client.setQuery("INSERT DATA { GRAPH <http://example.org/g> { <http://a> <http://b> 1 } }")
        client.query()
        assert kg.ask("ASK { GRAPH <http://example.org/g> { <http://a> <http://b> 1 } }")


# ---------------------------------------------------------------------------------- the command
def test_serve_command_prints_the_url_and_serves(sample_store: Path) -> None:
    code = "from gvcgraph.cli.serve import serve; serve()"
    proc = subprocess.Popen(
        [sys.executable, "-c", code, "--store", str(sample_store), "--port", "0", "--quiet"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        lines: list[str] = []
        reader = threading.Thread(target=lambda: lines.append(proc.stdout.readline()), daemon=True)
        reader.start()
        reader.join(60)
        assert lines and "(read-only)" in lines[0], lines if lines else proc.stderr.read()
        url = re.search(r"http://127\.0\.0\.1:\d+/sparql", lines[0]).group()
        status, _, body = get(url, FIRMS)
        assert status == 200 and json_labels(body) == LABELS
        status, _, _ = post_form(url, update="CLEAR ALL")
        assert status == 403
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(10)
        for stream in (proc.stdout, proc.stderr):
            if stream:
                stream.close()


def test_serve_command_on_a_busy_port_is_a_message(sample_store: Path) -> None:
    from click.testing import CliRunner

    from gvcgraph.cli.serve import serve

    with listener() as sock:
        port = sock.getsockname()[1]
        result = CliRunner().invoke(serve, ["--store", str(sample_store), "--port", str(port)])
    assert result.exit_code == 2
    assert "cannot listen on 127.0.0.1" in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)


def test_serve_refuses_any_origin_with_updates_and_malformed_origins(sample_store: Path) -> None:
    from click.testing import CliRunner

    from gvcgraph.cli.serve import serve

    runner = CliRunner()
    result = runner.invoke(serve, ["--store", str(sample_store), "--cors", "*", "--allow-update"])
    assert result.exit_code == 2 and "would let any web page change the graph" in result.output
    result = runner.invoke(serve, ["--store", str(sample_store), "--cors", "https://x.org/"])
    assert result.exit_code == 2 and "is not an origin" in result.output
    with pytest.raises(ValueError, match="any web page"):
        make_server(KnowledgeGraph(), "127.0.0.1", 0, cors="*", allow_update=True)


def test_a_query_deep_enough_to_crash_the_engine_is_refused_and_the_server_lives_on(
    tmp_path: Path,
) -> None:
    """pyoxigraph overflows its stack (a segfault: the whole server gone) on a query nested a
    few thousand levels deep; the endpoint refuses it first and keeps answering."""
    deep = "SELECT * WHERE " + "{ " * 5000 + "?s ?p ?o " + "} " * 5000
    chain = "SELECT * WHERE { ?s ?p ?o FILTER(" + "!" * 5000 + "true) }"
    with running(_sample_graph()) as server:
        for text in (deep, chain):
            status, _, body = post_form(server.url + "/sparql", query=text)
            assert status == 400 and (b"nested" in body or b"operators" in body), body
        status, _, body = post_form(
            server.url + "/sparql", update=deep.replace("SELECT * WHERE", "INSERT DATA")
        )
        assert status in (400, 403), body
        status, _, _ = post_form(server.url + "/sparql", query="ASK { ?s ?p ?o }")
        assert status == 200
