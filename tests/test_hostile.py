"""Hostile content: files from others and text from sources, against every reader and renderer.

Three families, one section each (SECURITY.md names the test of every risk):

* nothing is fetched: a listener on 127.0.0.1 records every connection; remote JSON-LD
  contexts, XML external entities and DTDs, ``owl:imports`` (RDF and GLEIF readers) and
  ``SERVICE`` point at it, and it must see none, while the reader says clearly what it refused;
* bounded memory and time: a YAML "billion laughs", a zip-bomb workbook, a 1 GiB line in a
  case-study CSV sheet, an edge list and an RDF file, RDF/XML entity bombs, deep JSON-LD and a
  JSON-LD context bomb are refused, by a child process whose peak memory (``ru_maxrss``) and
  time are measured; the 1 GiB files are sparse, so no gigabyte is written or read here;
* escaping: a case study and an RDF file whose labels, quotes and titles are markup
  (``<img onerror>``, ``</script>``, an attribute break-out, a ``javascript:`` IRI) go through
  the map, the figure, the report and the endpoint's query page; the markup must stay text,
  in the files and in a real browser (headless Chromium, skipped without one).

The endpoint's own limits (413, time limit, no CORS, read-only, SERVICE and LOAD refused) are
tested in ``test_server.py``; the zip bomb's message in ``test_bad_input.py``.
"""

from __future__ import annotations

import contextlib
import json
import re
import socket
import subprocess
import sys
import threading
import time
import xml.etree.ElementTree as ET
import zipfile
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from click.testing import CliRunner, Result

from gvcgraph.cli import main
from gvcgraph.graph.store import KnowledgeGraph
from gvcgraph.ingest import gleif, rdf
from gvcgraph.ingest.errors import InputError
from gvcgraph.render import build_view, write_figure, write_map, write_report
from tests.conftest import SAMPLE_CSV, SAMPLE_YAML, SHARED, canonical_dump

IMG = "<img src=x onerror=alert(1)>"
SCRIPT = "</script><script>alert(1)</script>"
ATTR = "\"'><svg onload=alert(1)>"
JS = "javascript:alert(1)"
PAYLOADS = (IMG, SCRIPT, ATTR, JS)

PEAK_MIB = 400
"""Peak memory allowed to a refused hostile input (the command line alone takes ~160 MiB)."""

GIB = 1024**3


# ---------------------------------------------------------------------------------- helpers


class Listener:
    """A TCP server on 127.0.0.1 that records every connection (and answers like a web
    server, so that a fetch, if one happened, would succeed)."""

    def __init__(self) -> None:
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.sock.settimeout(0.2)
        self.connections: list[bytes] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.sock.getsockname()[1]}"

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except (TimeoutError, OSError):
                continue
            with conn:
                conn.settimeout(2)
                try:
                    self.connections.append(conn.recv(4096))
                    body = b'{"@context": {"name": "http://schema.org/name"}}'
                    conn.sendall(
                        b"HTTP/1.0 200 OK\r\nContent-Type: application/ld+json\r\n"
                        + f"Content-Length: {len(body)}\r\n\r\n".encode()
                        + body
                    )
                except OSError:
                    self.connections.append(b"")

    def close(self) -> None:
        time.sleep(0.3)  # a connection in flight is still counted
        self._stop.set()
        self._thread.join(5)
        self.sock.close()


@contextlib.contextmanager
def listening() -> Iterator[Listener]:
    server = Listener()
    try:
        yield server
    finally:
        server.close()


def cli(*args: str | Path) -> Result:
    return CliRunner().invoke(main, [str(a) for a in args])


def run_bounded(*args: str | Path, timeout: float = 240) -> tuple[int, str, float, float]:
    """Run ``gvcgraph ARGS`` in a child process: (exit status, output, peak MiB, seconds).

    The peak is the largest resident set of the command and of any process it waited for
    (the RDF parser's child included), measured by a small wrapper process.
    """
    wrapper = (
        "import resource, subprocess, sys, time\n"
        "t = time.monotonic()\n"
        "p = subprocess.run(sys.argv[1:], capture_output=True, text=True)\n"
        "peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024\n"
        "sys.stdout.write(p.stdout + p.stderr)\n"
        "sys.stdout.write(f'\\n@@ {p.returncode} {peak:.0f} {time.monotonic() - t:.1f}\\n')\n"
    )
    command = [sys.executable, "-c", wrapper, sys.executable, "-c"]
    command += ["from gvcgraph.cli import main; main()", *map(str, args)]
    done = subprocess.run(command, capture_output=True, text=True, timeout=timeout, check=False)
    output, _, tail = done.stdout.rpartition("@@ ")
    code, peak, seconds = tail.split()
    return int(code), output, float(peak), float(seconds)


def sparse_file(path: Path, head: bytes, size: int = GIB, tail: bytes = b"x\n") -> Path:
    """A file of ``size`` bytes that is one long line after ``head``: a hole in the middle,
    so that nothing near that size is written to the disk or held in memory here."""
    with path.open("wb") as fh:
        fh.write(head)
        fh.seek(size - len(tail))
        fh.write(tail)
    assert path.stat().st_size == size
    return path


# ---------------------------------------------------------------------------------- nothing is fetched


@pytest.mark.parametrize(
    "context",
    [
        '"{url}/context.jsonld"',
        '["{url}/context.jsonld", {{"ex": "http://example.org/"}}]',
        '{{"@version": 1.1, "@import": "{url}/context.jsonld"}}',
    ],
    ids=["string", "array", "import"],
)
def test_jsonld_remote_context_is_refused_and_not_fetched(
    tmp_path: Path, sample_store: Path, context: str
) -> None:
    with listening() as server:
        doc = tmp_path / "remote.jsonld"
        ctx = context.format(url=server.url)
        doc.write_text(
            f'{{"@context": {ctx},\n "@id": "http://example.org/a", "name": "A"}}\n', "utf-8"
        )
        before = canonical_dump(sample_store)
        result = cli("ingest", "--format", "rdf", doc, "--store", sample_store)
        assert result.exit_code == 1, result.output
        assert f"'{server.url}/context.jsonld', which is not fetched" in result.output
        assert "put the context inline" in result.output
        assert canonical_dump(sample_store) == before
    assert server.connections == []


def test_jsonld_inline_context_is_fine(tmp_path: Path) -> None:
    doc = tmp_path / "inline.jsonld"
    doc.write_text(
        '{"@context": {"name": "http://schema.org/name"}, "@id": "http://example.org/a", '
        '"name": "A"}',
        "utf-8",
    )
    _sid, graph, _warnings = rdf.read(doc)
    assert ("http://example.org/a", "http://schema.org/name", "A") in {
        (str(s), str(p), str(o)) for s, p, o in graph
    }


XML_HEAD = '<?xml version="1.0"?>\n'
XML_BODY = """<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"
         xmlns:ex="http://example.org/">
  <rdf:Description rdf:about="http://example.org/a"><ex:p>{value}</ex:p></rdf:Description>
</rdf:RDF>
"""


@pytest.mark.parametrize(
    ("doctype", "value", "message"),
    [
        (
            '<!DOCTYPE rdf:RDF [ <!ENTITY ext SYSTEM "{url}/secret.txt"> ]>',
            "&ext;",
            "XML external entity &ext; ('{url}/secret.txt') is refused",
        ),
        (
            '<!DOCTYPE rdf:RDF [ <!ENTITY ext PUBLIC "-//X//EN" "{url}/secret.txt"> ]>',
            "&ext;",
            "XML external entity &ext; ('{url}/secret.txt') is refused",
        ),
        (
            '<!DOCTYPE rdf:RDF [ <!ENTITY % pe SYSTEM "{url}/evil.dtd"> %pe; ]>',
            "x",
            "XML parameter entity %pe; is refused",
        ),
        (
            '<!DOCTYPE rdf:RDF [ <!ENTITY passwd SYSTEM "file:///etc/passwd"> ]>',
            "&passwd;",
            "XML external entity &passwd; ('file:///etc/passwd') is refused",
        ),
    ],
    ids=["system-entity", "public-entity", "parameter-entity", "local-file"],
)
def test_rdfxml_external_entities_are_refused_and_not_fetched(
    tmp_path: Path, sample_store: Path, doctype: str, value: str, message: str
) -> None:
    with listening() as server:
        doc = tmp_path / "xxe.rdf"
        text = XML_HEAD + doctype.format(url=server.url) + "\n" + XML_BODY.format(value=value)
        doc.write_text(text, "utf-8")
        before = canonical_dump(sample_store)
        result = cli("ingest", "--format", "rdf", doc, "--store", sample_store)
        assert result.exit_code == 1, result.output
        assert f"{doc}:2: error: " + message.format(url=server.url) in result.output
        assert "root:" not in result.output  # nothing of /etc/passwd
        assert canonical_dump(sample_store) == before
    assert server.connections == []


def test_rdfxml_external_dtd_is_not_read(tmp_path: Path) -> None:
    with listening() as server:
        doc = tmp_path / "dtd.rdf"
        doctype = f'<!DOCTYPE rdf:RDF SYSTEM "{server.url}/rdf.dtd">'
        doc.write_text(XML_HEAD + doctype + "\n" + XML_BODY.format(value="plain"), "utf-8")
        _sid, graph, warnings = rdf.read(doc)
        assert ("http://example.org/a", "http://example.org/p", "plain") in {
            (str(s), str(p), str(o)) for s, p, o in graph
        }
        assert [w.line for w in warnings] == [2]
        assert f"the external DTD '{server.url}/rdf.dtd' named by the DOCTYPE is not read" in (
            warnings[0].message
        )
    assert server.connections == []


@pytest.mark.parametrize("ext", ["ttl", "rdf", "jsonld"])
def test_owl_imports_are_kept_but_never_followed(tmp_path: Path, ext: str) -> None:
    with listening() as server:
        target = f"{server.url}/ontology.ttl"
        texts = {
            "ttl": f"<http://example.org/o> a <http://www.w3.org/2002/07/owl#Ontology> ;\n"
            f"    <http://www.w3.org/2002/07/owl#imports> <{target}> .\n",
            "rdf": XML_HEAD + '<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"\n'
            '         xmlns:owl="http://www.w3.org/2002/07/owl#">\n'
            f'  <owl:Ontology rdf:about="http://example.org/o"><owl:imports rdf:resource="{target}"/>'
            "</owl:Ontology>\n</rdf:RDF>\n",
            "jsonld": json.dumps(
                {
                    "@id": "http://example.org/o",
                    "@type": "http://www.w3.org/2002/07/owl#Ontology",
                    "http://www.w3.org/2002/07/owl#imports": {"@id": target},
                }
            ),
        }
        doc = tmp_path / f"onto.{ext}"
        doc.write_text(texts[ext], "utf-8")
        store = tmp_path / "store"
        result = cli("ingest", "--format", "rdf", doc, "--store", store)
        assert result.exit_code == 0, result.output
        assert f"owl:imports <{target}> is kept as a triple but not followed" in result.output
        with KnowledgeGraph(store) as kg:
            ask = f"ASK {{ ?o <http://www.w3.org/2002/07/owl#imports> <{target}> }}"
            assert kg.ask(ask)
    assert server.connections == []


def test_gleif_owl_imports_are_not_followed(tmp_path: Path, shared_dir: Path) -> None:
    sample = SHARED / "reference-data" / "gleif-rdf-sample" / "L1Data.ttl"
    with listening() as server:
        text = sample.read_text("utf-8").replace(
            "<https://www.gleif.org/ontology/L1/> ,", f"<{server.url}/L1.ttl> ,", 1
        )
        assert server.url in text
        doc = tmp_path / "L1Data.ttl"
        doc.write_text(text, "utf-8")
        sid, graph, _warnings = gleif.read(doc)
        assert sid == "l1data" and len(graph) > 50
    assert server.connections == []


def test_gleif_reader_refuses_rdfxml_and_jsonld(tmp_path: Path) -> None:
    """GLEIF's other serialisations are not read at all: no XML entity, no JSON-LD context."""
    for name in ("L1Data.rdf", "L1Data.xml", "L1Data.jsonld"):
        doc = tmp_path / name
        doc.write_text(XML_HEAD + XML_BODY.format(value="x"), "utf-8")
        with pytest.raises(InputError) as info:
            gleif.read(doc)
        assert "expected GLEIF RDF as Turtle (.ttl) or N-Triples (.nt)" in info.value.report()


def test_service_in_a_query_file_is_not_fetched(tmp_path: Path) -> None:
    with listening() as server:
        query = tmp_path / "from-a-colleague.rq"
        query.write_text(f"SELECT * WHERE {{ SERVICE <{server.url}/sparql> {{ ?s ?p ?o }} }}\n")
        result = cli("query", "-f", query)
        assert result.exit_code != 0 and "SERVICE" in result.output
    assert server.connections == []


# ---------------------------------------------------------------------------------- bounded memory and time


def test_yaml_billion_laughs_is_refused(tmp_path: Path) -> None:
    lines = ["format: gvcgraph-casestudy/1", 'a0: &a0 ["lol", "lol", "lol", "lol", "lol"]']
    lines += [f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 9)}]" for i in range(1, 12)]
    lines.append("source: {id: laughs, title: *a11}")
    bomb = tmp_path / "laughs.yaml"
    bomb.write_text("\n".join(lines) + "\n", "utf-8")
    store = tmp_path / "store"
    code, output, peak, seconds = run_bounded("ingest", bomb, "--store", store)
    assert code == 1, output
    assert f"{bomb}:2: error: invalid YAML: YAML anchors (&name) are not allowed" in output
    assert peak < PEAK_MIB and seconds < 60, (peak, seconds)
    assert not store.exists() or not list(store.iterdir()), "nothing written"


def test_zip_bomb_workbook_stays_small_in_memory(tmp_path: Path) -> None:
    """test_bad_input.py checks the message; here the memory and time of the refusal."""
    bomb = tmp_path / "bomb.xlsx"
    with zipfile.ZipFile(bomb, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for k in range(4):
            zf.writestr(f"xl/worksheets/sheet{k}.xml", b"\0" * (256 * 1024 * 1024))
    assert bomb.stat().st_size < 2_000_000  # 1 GiB inflated
    code, output, peak, seconds = run_bounded("validate", bomb)
    assert code == 1 and "possible zip bomb" in output, output
    assert peak < PEAK_MIB and seconds < 60, (peak, seconds)


def xlsx_entity_bomb(path: Path, sheet: str = "supply") -> Path:
    """A 50 kB workbook whose sheet XML declares a 1,000-character entity and cites it
    1,000,000 times, padded so that expat's amplification limit (100x) lets it through:
    ~1 GB of cell text once parsed."""
    from gvcgraph.ingest.tabular import write_template

    template = path.with_name("template.xlsx")
    write_template(template)
    with zipfile.ZipFile(template) as zf:
        parts = {name: zf.read(name) for name in zf.namelist()}
    rid = re.search(rf'name="{sheet}"[^>]*r:id="(rId\d+)"', parts["xl/workbook.xml"].decode())
    rels = parts["xl/_rels/workbook.xml.rels"].decode()
    target = re.search(rf'Target="/?([^"]+)" Id="{rid.group(1)}"', rels).group(1)  # type: ignore[union-attr]
    cell = ("&a;" + "p" * 8) * 100_000
    rows = "".join(
        f'<row r="{r}"><c r="A{r}" t="inlineStr"><is><t>{cell}</t></is></c></row>'
        for r in range(2, 12)
    )
    xml = parts[target].decode()
    xml = re.sub(r"<dimension [^>]*/>", "", xml[xml.index("<worksheet") :])  # rows not capped
    start, end = xml.index("<sheetData>") + len("<sheetData>"), xml.index("</sheetData>")
    head = f'<?xml version="1.0"?><!DOCTYPE worksheet [<!ENTITY a "{"x" * 1000}">]>'
    parts[target] = (head + xml[:start] + rows + xml[end:]).encode()
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for name, data in parts.items():
            zf.writestr(name, data)
    return path


def _xlsx_entities_checked() -> bool:
    from gvcgraph.ingest import tabular

    return hasattr(tabular, "_ENTITY_MARKS")  # the check helper "fuzz" is adding


@pytest.mark.xfail(
    not _xlsx_entities_checked(),
    strict=False,
    reason="hostile -> fuzz (notes/HELPERS.md): tabular.py lets openpyxl expand XML entities "
    "(expat's 100x amplification limit still allows ~1 GB from a 50 kB workbook)",
)
def test_xlsx_xml_entity_bomb_is_refused(tmp_path: Path) -> None:
    book = xlsx_entity_bomb(tmp_path / "entities.xlsx")
    assert book.stat().st_size < 200_000
    code, output, peak, seconds = run_bounded("validate", book)
    assert code == 1 and "DTD" in output, output
    assert peak < PEAK_MIB and seconds < 60, (peak, seconds)


def test_a_1gib_line_in_a_case_study_csv_sheet_is_refused(tmp_path: Path) -> None:
    folder = tmp_path / "case"
    folder.mkdir()
    for sheet in SAMPLE_CSV.glob("*.csv"):
        (folder / sheet.name).write_bytes(sheet.read_bytes())
    supply = folder / "supply.csv"
    header = supply.read_bytes().splitlines()[0] + b"\n"
    sparse_file(supply, header + b"oem-a,harness-b," + b"x" * 1000)
    code, output, peak, seconds = run_bounded("validate", folder)
    assert code == 1, output
    assert f"{supply} (file): error: file is too large (1024.0 MiB)" in output
    assert peak < PEAK_MIB and seconds < 60, (peak, seconds)


def test_a_1gib_line_in_an_rdf_file_is_refused(tmp_path: Path) -> None:
    doc = sparse_file(tmp_path / "long.nt", b'<http://example.org/a> <http://example.org/b> "')
    code, output, peak, seconds = run_bounded(
        "ingest", "--format", "rdf", doc, "--store", tmp_path / "store"
    )
    assert code == 1, output
    assert "file is too large (1024.0 MiB); the limit for a Turtle, N-Triples" in output
    assert peak < PEAK_MIB and seconds < 60, (peak, seconds)


def test_a_1gib_line_in_an_edge_list_is_refused(tmp_path: Path) -> None:
    doc = sparse_file(tmp_path / "links.csv", b"source,target\noem-a,")
    code, output, peak, seconds = run_bounded(
        "ingest",
        "--format",
        "edgelist",
        doc,
        "--map",
        "source=source,target=target",
        "--store",
        tmp_path / "store",
    )
    assert code == 1, output
    assert str(doc) in output and "Traceback" not in output
    assert peak < PEAK_MIB and seconds < 120, (peak, seconds)


def test_rdfxml_entity_bombs_are_refused_before_expansion(tmp_path: Path) -> None:
    laughs = XML_HEAD + '<!DOCTYPE rdf:RDF [\n  <!ENTITY a0 "lollollollol">\n'
    laughs += "".join(f'  <!ENTITY a{i} "{f"&a{i - 1};" * 10}">\n' for i in range(1, 10))
    laughs += "]>\n" + XML_BODY.format(value="&a9;")  # 12 GB if expanded
    wide = XML_HEAD + f'<!DOCTYPE rdf:RDF [ <!ENTITY big "{"x" * 4000}"> ]>\n'
    wide += XML_BODY.format(value="&big;" * 20000)  # 80 MB from a 100 kB file
    for name, text, message in (
        ("laughs.rdf", laughs, "XML entity &a1; holds other entities or markup"),
        ("wide.rdf", wide, "the references to XML entities would add 80,000,000 characters"),
    ):
        doc = tmp_path / name
        doc.write_text(text, "utf-8")
        code, output, peak, seconds = run_bounded(
            "ingest", "--format", "rdf", doc, "--store", tmp_path / "store"
        )
        assert code == 1 and message in output, output
        assert peak < PEAK_MIB and seconds < 60, (name, peak, seconds)


def test_deep_nesting_is_refused_before_parsing(tmp_path: Path) -> None:
    """pyoxigraph's JSON-LD parser crashes (stack overflow) past ~5,000 levels and needs
    ~1 GB at 2,000; its RDF/XML parser takes time growing with the square of the depth."""
    n = 100_000
    deep_json = tmp_path / "deep.jsonld"
    deep_json.write_text(
        '{"@id": "http://example.org/a",\n "http://example.org/p": '
        + '{"http://example.org/p": ' * n
        + '"x"'
        + "}" * n
        + "}",
        "utf-8",
    )
    deep_xml = tmp_path / "deep.rdf"
    deep_xml.write_text(
        '<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" '
        'xmlns:ex="http://example.org/">\n<rdf:Description rdf:about="http://example.org/a">'
        + "<ex:p><rdf:Description>" * n
        + "</rdf:Description></ex:p>" * n
        + "</rdf:Description></rdf:RDF>",
        "utf-8",
    )
    for doc, message in (
        (deep_json, f"{deep_json}:2: error: JSON arrays and objects are nested more than 100"),
        (deep_xml, f"{deep_xml}:2: error: XML elements are nested more than 256 deep"),
    ):
        code, output, peak, seconds = run_bounded(
            "ingest", "--format", "rdf", doc, "--store", tmp_path / "store"
        )
        assert code == 1 and message in output, output
        assert peak < PEAK_MIB and seconds < 60, (doc.name, peak, seconds)


def _context_bomb(path: Path, terms: int = 10_000, nodes: int = 1_000) -> Path:
    """JSON-LD whose expansion costs terms x scoped contexts: ~20 s for these 330 kB."""
    context: dict[str, Any] = {f"t{i}": f"http://example.org/t{i}" for i in range(terms)}
    context["p"] = {"@id": "http://example.org/p", "@context": {"q": "http://example.org/q"}}
    graph = [
        {
            "@id": f"http://example.org/n{j}",
            "@context": {"r": "http://example.org/r"},
            "p": {"q": 1},
        }
        for j in range(nodes)
    ]
    path.write_text(json.dumps({"@context": context, "@graph": graph}), "utf-8")
    return path


def test_jsonld_context_bomb_is_stopped_at_the_time_limit(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(rdf, "PARSE_SECONDS", 2.0)
    doc = _context_bomb(tmp_path / "contexts.jsonld")
    started = time.monotonic()
    with pytest.raises(InputError) as info:
        rdf.read(doc)
    assert time.monotonic() - started < 15
    assert "reading the JSON-LD took longer than 2 s and was stopped" in info.value.report()


def test_the_parser_process_memory_is_capped(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With the depth check off, 3,000 levels of JSON-LD would take over 1 GB: the parser's
    process hits its memory cap and the reader says so (no crash of the caller)."""
    monkeypatch.setattr(rdf, "MAX_JSON_DEPTH", 10**6)
    monkeypatch.setattr(rdf, "PARSE_MEMORY_BYTES", 300 * 1024 * 1024)
    n = 3000
    doc = tmp_path / "deep.jsonld"
    doc.write_text(
        '{"@id": "http://example.org/a", "http://example.org/p": '
        + '{"http://example.org/p": ' * n
        + '"x"'
        + "}" * n
        + "}",
        "utf-8",
    )
    with pytest.raises(InputError) as info:
        rdf.read(doc)
    assert "needed more than the 300 MiB of memory the parser may use" in info.value.report()


def test_messages_quote_input_without_terminal_control_characters(tmp_path: Path) -> None:
    """Text quoted from a file in a message cannot drive the terminal (escape sequences) or
    fake a message line of its own."""
    doc = tmp_path / "controls.nt"
    doc.write_text(
        '<http://example.org/a> <http://example.org/n> "\\u001B]0;owned\\u0007\\u001B[2J'
        '\\nfake.ttl:1: error: x"^^<http://www.w3.org/2001/XMLSchema#integer> .\n'
        "<http://example.org/a> <http://example.org/b> <<( <http://example.org/a> "
        '<http://example.org/b> "\\u001B[31m" )>> .\n',
        "utf-8",
    )
    with pytest.raises(InputError) as info:
        rdf.read(doc)
    report = info.value.report()
    assert "RDF 1.2 triple terms" in report and "[31m" in report
    _sid, _graph, warnings = rdf.read(_first_line(doc, tmp_path / "one.nt"))
    (warning,) = warnings
    assert "\\x1b]0;owned\\x07\\x1b[2J\\x0afake.ttl:1" in warning.message
    for text in (report, warning.message):
        assert not re.search(r"[\x00-\x08\x0a-\x1f\x7f-\x9f]", text.replace("\n", "")), text
    assert "\n" not in warning.message


def _first_line(doc: Path, out: Path) -> Path:
    out.write_text(doc.read_text("utf-8").splitlines()[0] + "\n", "utf-8")
    return out


# ---------------------------------------------------------------------------------- escaping


def _yaml(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _turtle(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def hostile_case(folder: Path) -> Path:
    """The sample case study with labels, quotes, title and file name made of markup."""
    text = SAMPLE_YAML.read_text("utf-8")
    for old, new in (
        ("label: OEM A,", f"label: {_yaml(IMG)},"),
        ('label: "Harness maker B"', f"label: {_yaml(SCRIPT)}"),
        ("label: Wire supplier D,", f"label: {_yaml(ATTR)},"),
        ("label: Group C,", f"label: {_yaml(JS)},"),
        ("label: In-bond programme X", f"label: {_yaml(ATTR + ' ' + JS)}"),
        (
            'title: "Wire harnesses in Northern Mexico: a fictional case study"',
            f"title: {_yaml(IMG + SCRIPT)}",
        ),
        ("file: sample-harness.txt", f"file: {_yaml(IMG + '.txt')}"),
        ('quote: "B sells 80% to A"', f"quote: {_yaml(SCRIPT)}"),
        ('quote: "majority-owned by C"', f"quote: {_yaml(ATTR)}"),
        ('quote: "D supplies wire"', f"quote: {_yaml(JS)}"),
    ):
        assert old in text, old
        text = text.replace(old, new)
    path = folder / "hostile-case.yaml"
    path.write_text(text, "utf-8")
    return path


HOSTILE_RDF = """@prefix gvc: <https://w3id.org/gvcgraph/ont#> .
@prefix id: <https://w3id.org/gvcgraph/id/> .
@prefix f: <https://w3id.org/gvcgraph/id/doc/hostile-rdf/> .
@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
@prefix prov: <http://www.w3.org/ns/prov#> .
@prefix oa: <http://www.w3.org/ns/oa#> .

<javascript:alert(1)> a gvc:Firm ; skos:prefLabel {label} .
f:s9 a gvc:SupplyRelation ;
    gvc:buyer id:oem-a ;
    gvc:supplier <javascript:alert(1)> ;
    prov:wasDerivedFrom f:ev9 .
f:ev9 a gvc:Evidence ;
    oa:hasSource <https://w3id.org/gvcgraph/id/doc/hostile-rdf> ;
    gvc:line 9 ;
    gvc:evidenceStatus <https://w3id.org/gvcgraph/vocab/evidence-status/reported> ;
    oa:hasSelector [ a oa:TextQuoteSelector ; oa:exact {quote} ] .
"""


@pytest.fixture(scope="module")
def hostile_kg(tmp_path_factory: pytest.TempPathFactory) -> KnowledgeGraph:
    """The hostile case study, plus an RDF file whose firm is the IRI ``javascript:alert(1)``."""
    folder = tmp_path_factory.mktemp("hostile")
    kg = KnowledgeGraph()
    kg.ingest([hostile_case(folder)])
    doc = folder / "hostile-rdf.ttl"
    doc.write_text(
        HOSTILE_RDF.format(label=_turtle(ATTR + " " + JS), quote=_turtle(IMG + SCRIPT + ATTR)),
        "utf-8",
    )
    sid, graph, _warnings = rdf.read(doc)
    kg.replace_sources({sid: graph})
    return kg


@pytest.fixture(scope="module")
def hostile_out(hostile_kg: KnowledgeGraph, tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("hostile-out")
    write_map(build_view(hostile_kg), folder / "map.html")
    write_figure(build_view(hostile_kg), folder / "map.svg")
    write_report(hostile_kg, folder / "report")
    return folder


class _Tags(HTMLParser):
    """Every start tag with its attributes, and the text of script elements."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.scripts: list[str] = []
        self._script = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))
        self._script = tag == "script"
        if self._script:
            self.scripts.append("")

    def handle_endtag(self, tag: str) -> None:
        self._script = False

    def handle_data(self, data: str) -> None:
        if self._script:
            self.scripts[-1] += data


def tags_of(path: Path) -> _Tags:
    parser = _Tags()
    parser.feed(path.read_text("utf-8"))
    return parser


def assert_no_active_markup(doc: _Tags, images: str | None = None) -> None:
    """No event handler attribute, no link or source to a script URL, no foreign element;
    ``img`` only with a ``src`` under ``images`` (the report's figures)."""
    for tag, attrs in doc.tags:
        if tag == "img" and images is not None:
            assert (attrs.get("src") or "").startswith(images), attrs
        else:
            assert tag not in ("img", "svg", "iframe", "object", "embed", "base"), (tag, attrs)
        for key, value in attrs.items():
            assert not key.startswith("on"), (tag, key, value)
            if key in ("href", "src", "action", "formaction", "xlink:href"):
                scheme = urlsplit(value or "").scheme
                assert scheme in ("", "http", "https"), (tag, key, value)


def test_hostile_sources_ingest_as_plain_text(hostile_kg: KnowledgeGraph) -> None:
    labels = set(hostile_kg.select("SELECT ?l WHERE { ?x skos:prefLabel ?l }")["l"])
    assert {IMG, SCRIPT, ATTR, JS, ATTR + " " + JS} <= labels
    assert hostile_kg.ask("ASK { <javascript:alert(1)> a gvc:Firm }")


def test_map_holds_hostile_text_only_as_data(hostile_out: Path) -> None:
    text = (hostile_out / "map.html").read_text("utf-8")
    doc = tags_of(hostile_out / "map.html")
    assert_no_active_markup(doc)
    assert len(doc.scripts) == 3 and text.count("</script") == 3
    for payload in PAYLOADS[:3]:
        assert payload not in text
    data = json.loads(doc.scripts[0])
    labels = {n["full"] for n in data["nodes"]}
    assert {IMG, SCRIPT, ATTR, JS} <= labels
    quotes = {e.get("quote") for e in data["evidence"].values()}
    assert {SCRIPT, ATTR, JS, IMG + SCRIPT + ATTR} <= quotes
    assert "javascript:alert(1)" in {n["id"] for n in data["nodes"]}  # an id, never a link


def test_figure_labels_are_svg_text(hostile_out: Path) -> None:
    root = ET.parse(hostile_out / "map.svg").getroot()
    svg = "{http://www.w3.org/2000/svg}"
    for element in root.iter():
        name = element.tag.removeprefix(svg)
        assert name not in ("script", "foreignObject", "a", "image", "iframe"), name
        for key, value in element.attrib.items():
            assert not key.lower().startswith("on"), (name, key)
            if key.endswith("href"):
                assert value.startswith("#"), (name, key, value)
    texts = ["".join(t.itertext()) for t in root.iter(f"{svg}text")]
    for payload in (IMG, ATTR, JS):
        assert payload in texts, payload
    assert any(t.startswith(SCRIPT[:20]) for t in texts)  # long labels are shortened


def test_report_pages_hold_hostile_text_as_text(hostile_out: Path) -> None:
    report = hostile_out / "report"
    for page in ("index.html", "evidence.html"):
        path = report / page
        text = path.read_text("utf-8")
        doc = tags_of(path)
        assert_no_active_markup(doc, images="figures/")
        for _tag, attrs in doc.tags:
            if "href" in attrs:
                assert not urlsplit(attrs["href"] or "").scheme, attrs  # relative links only
        assert doc.scripts == [], page
        for payload in (IMG, SCRIPT, ATTR):
            assert payload not in text, (page, payload)
    evidence = (report / "evidence.html").read_text("utf-8")
    assert "&lt;img src=x onerror=alert(1)&gt;" in evidence
    assert "&quot;&#x27;&gt;&lt;svg onload=alert(1)&gt;" in evidence
    assert "&lt;/script&gt;&lt;script&gt;alert(1)&lt;/script&gt;" in evidence
    index = (report / "index.html").read_text("utf-8")
    assert 'title="javascript:alert(1)"' in index  # the node's IRI, as a tooltip's text
    assert_no_active_markup(tags_of(report / "map.html"))


def _chromium() -> str:
    from tests.browser.cdp import find_chromium

    executable = find_chromium()
    if executable is None:
        pytest.skip("no Chromium on this machine")
    return executable


ACTIVE = (
    "Array.from(document.querySelectorAll('*')).filter(e => "
    "Array.from(e.attributes).some(a => a.name.startsWith('on') || "
    "(['href', 'src', 'action', 'formaction', 'xlink:href'].includes(a.name) && "
    "/^\\s*javascript:/i.test(a.value)))).map(e => e.outerHTML.slice(0, 120))"
)
"""Elements of the page with an event handler attribute or a javascript: URL."""


def test_map_and_report_in_a_browser(hostile_out: Path, tmp_path: Path) -> None:
    from tests.browser.cdp import Browser

    with Browser(_chromium(), tmp_path / "chromium") as browser:
        page = browser.new_page()
        page.goto((hostile_out / "map.html").resolve().as_uri())
        page.wait_for("window.gvcMap && window.gvcMap.ready", timeout=60)
        shown = page.eval("""(() => {
            const out = [];
            for (const n of gvcMap.data.nodes) {
                gvcMap.show('node', n.id);
                out.push(document.querySelector('#tip h3').textContent);
            }
            for (const e of gvcMap.data.edges) { gvcMap.show('edge', e.id); }
            return out; })()""")
        assert {IMG, SCRIPT, ATTR, JS} <= set(shown)
        assert page.eval(ACTIVE) == []
        assert page.eval("document.querySelectorAll('img, iframe, object').length") == 0
        assert page.eval("document.querySelectorAll('script').length") == 3
        assert page.dialogs == [] and page.errors == [] and page.remote_requests() == []
        for name in ("index.html", "evidence.html"):
            page.goto((hostile_out / "report" / name).resolve().as_uri())
            assert page.eval(ACTIVE) == [], name
            assert page.eval("document.querySelectorAll('script, iframe, svg').length") == 0
            sources = page.eval("Array.from(document.images).map(i => i.getAttribute('src'))")
            assert all(s.startswith("figures/") for s in sources), sources
            schemes = page.eval("Array.from(document.links).map(a => a.protocol)")
            assert set(schemes) <= {"file:"}, schemes
        text = page.eval("document.body.textContent")
        assert IMG in text and SCRIPT in text and ATTR in text
        assert page.dialogs == [] and page.remote_requests() == []


def test_the_map_runs_only_its_own_scripts(hostile_out: Path, tmp_path: Path) -> None:
    """Defence in depth: markup slipped into the map file (as a broken escape would) does not
    run, because the page's CSP allows its two scripts by hash only; the map still works."""
    from tests.browser.cdp import Browser

    text = (hostile_out / "map.html").read_text("utf-8")
    injected = f"<body>{IMG}<svg onload=alert(2)></svg><script>alert(3)</script>"
    tampered = tmp_path / "tampered.html"
    tampered.write_text(text.replace("<body>", injected, 1), "utf-8")
    with Browser(_chromium(), tmp_path / "chromium") as browser:
        page = browser.new_page()
        page.goto(tampered.resolve().as_uri())
        page.wait_for("window.gvcMap && window.gvcMap.ready", timeout=60)
        time.sleep(0.5)
        assert page.dialogs == []
        assert page.eval("document.querySelectorAll('img').length") == 1  # there, inert
        assert page.eval("gvcMap.drawn().nodes") == len(gvcmap_nodes(hostile_out / "map.html"))


def gvcmap_nodes(path: Path) -> list[dict[str, Any]]:
    return json.loads(tags_of(path).scripts[0])["nodes"]


def test_endpoint_query_page_shows_hostile_results_as_text(
    hostile_kg: KnowledgeGraph, tmp_path: Path
) -> None:
    from gvcgraph.server import make_server
    from tests.browser.cdp import Browser

    server = make_server(hostile_kg, "127.0.0.1", 0, quiet=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        with Browser(_chromium(), tmp_path / "chromium") as browser:
            page = browser.new_page()
            page.goto(server.url + "/")
            query = "SELECT ?firm ?label WHERE { ?firm skos:prefLabel ?label } ORDER BY ?label"
            page.eval(
                f"document.getElementById('query').value = {json.dumps(query)};"
                "document.getElementById('run').click()"
            )
            page.wait_for("document.querySelectorAll('#results tr').length > 5")
            cells = page.eval(
                "Array.from(document.querySelectorAll('#results td')).map(t => t.textContent)"
            )
            assert {IMG, SCRIPT, ATTR, JS} <= set(cells)
            assert JS in cells[0::2]  # the firm's IRI, shown as text
            assert page.eval(ACTIVE) == []
            assert (
                page.eval("document.querySelectorAll('#results *:not(table,tr,th,td)').length") == 0
            )
            # an error message holding markup is shown as text too
            bad = f"SELECT * WHERE {{ ?s ?p {_turtle(IMG)} . {IMG} }}"
            page.eval(
                f"document.getElementById('query').value = {json.dumps(bad)};"
                "document.getElementById('run').click()"
            )
            error = page.wait_for("document.getElementById('error').textContent")
            assert error.startswith("HTTP 400")
            assert page.eval("document.querySelectorAll('#error *').length") == 0
            assert page.dialogs == []
            assert [e for e in page.errors if not e.startswith("log (network)")] == []
            assert [u for u in page.remote_requests() if not u.startswith(server.url)] == []
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)
