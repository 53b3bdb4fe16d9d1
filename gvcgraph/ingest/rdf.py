"""RDF files (Turtle, N-Triples, N-Quads, TriG, RDF/XML, JSON-LD) as one source graph each.

Input
-----
One RDF file; its format is told by its extension:

* ``.ttl`` ``.turtle``: Turtle;
* ``.nt`` ``.ntriples``: N-Triples;
* ``.nq`` ``.nquads``: N-Quads;
* ``.trig``: TriG;
* ``.rdf`` ``.owl`` ``.xml`` ``.rdfxml``: RDF/XML;
* ``.jsonld`` ``.json``: JSON-LD.

Every triple of the file goes, as it is, into the source's named graph
(``graph/source/<id>``); the triples of the named graphs of an N-Quads or TriG file go there
too (a warning names those graphs). The file also gets its ``gvc:SourceDocument`` (title from
the file's ``owl:Ontology`` header when it has one, else from the file name). When the file
uses gvcgraph's own classes and properties, the SHACL shapes check it as they check case
studies, so a ``gvc:SupplyRelation`` without its evidence is refused here too.

Nothing is fetched
------------------
Reading never touches the network or any other file:

* parsing is done by pyoxigraph (Rust), which has no document loader: a JSON-LD ``@context``
  (or ``@import``) that names another document, remote or local, is refused with a message
  naming it (an inline context is fine);
* RDF/XML is checked with expat first: external entities (``SYSTEM`` / ``PUBLIC``), parameter
  entities, and entities whose text holds other entities or markup are refused (XXE, "billion
  laughs"); plain-text entities (``<!ENTITY owl "http://www.w3.org/2002/07/owl#">``) are
  accepted as long as their expansion stays under :data:`MAX_ENTITY_EXPANSION`. An external DTD
  named by the ``DOCTYPE`` is not read (warning);
* ``owl:imports`` are kept as triples and never followed (warning).

Bounded memory and time
-----------------------
Files over :data:`MAX_BYTES` are refused before they are read. JSON-LD deeper than
:data:`MAX_JSON_DEPTH` and XML deeper than :data:`MAX_XML_DEPTH` are refused before parsing:
pyoxigraph's JSON-LD parser overflows its stack on deep nesting and both parsers slow down with
the square of the depth. The parser itself runs in a child process limited to
:data:`PARSE_MEMORY_BYTES` of memory and :data:`PARSE_SECONDS` of time (JSON-LD with many
scoped contexts takes time that grows with contexts times terms); the child writes N-Triples
back, which are read here.

Problems
--------
Syntax errors are reported with their line (and column when the parser gives it; pyoxigraph
gives no position in RDF/XML and JSON-LD, so the line is the one the parser had reached), every
one of them for the line-based formats (up to :data:`MAX_SYNTAX_ERRORS`). RDF 1.2 triple terms
and directional language tags are refused: the store keeps RDF 1.1. An ``rdf:XMLLiteral`` that
holds a DOCTYPE is refused (rdflib would parse it, entities and all). Input quoted in a message
has its control characters written as ``\\xNN`` (:func:`printable`).

Example
-------
>>> sid, graph, warnings = read(Path("firms.ttl"))   # doctest: +SKIP
>>> sid
'firms'
"""

from __future__ import annotations

import json
import logging
import re
import subprocess
import sys
import xml.parsers.expat as expat
from pathlib import Path

import pyoxigraph as ox
from rdflib import RDF, BNode, Graph, Literal, URIRef
from rdflib.namespace import DC, DCTERMS, OWL, RDFS
from rdflib.term import Node

from gvcgraph.ingest.errors import InputError, Problem
from gvcgraph.ingest.external import (
    add_source_document,
    decode_utf8,
    new_graph,
    read_input,
    source_id_for,
)
from gvcgraph.ontology.terms import GVC, PREFIXES, SH
from gvcgraph.text import printable

MAX_BYTES = 20 * 1024 * 1024
"""Largest RDF file read (20 MiB, as for case-study files); a larger graph belongs in a SPARQL
server (``oxigraph load``), which gvcgraph can use as its store."""

MAX_JSON_DEPTH = 100
"""Deepest nesting of JSON arrays and objects accepted in JSON-LD."""

MAX_XML_DEPTH = 256
"""Deepest nesting of XML elements accepted in RDF/XML."""

MAX_ENTITY_CHARS = 4096
"""Longest replacement text of an XML entity (namespace IRIs are a few dozen characters)."""

MAX_ENTITY_EXPANSION = 16 * 1024 * 1024
"""Most characters the references to XML entities may add to an RDF/XML file."""

PARSE_SECONDS = 60.0
"""Time the parser may take for one file before it is stopped."""

PARSE_MEMORY_BYTES = 1024 * 1024 * 1024
"""Address space of the parser process (1 GiB; enforced where the OS allows it)."""

MAX_SYNTAX_ERRORS = 50
"""Syntax errors reported per file before the parser gives up."""

FORMATS: dict[str, tuple[str, str]] = {
    ".ttl": ("TURTLE", "Turtle"),
    ".turtle": ("TURTLE", "Turtle"),
    ".nt": ("N_TRIPLES", "N-Triples"),
    ".ntriples": ("N_TRIPLES", "N-Triples"),
    ".nq": ("N_QUADS", "N-Quads"),
    ".nquads": ("N_QUADS", "N-Quads"),
    ".trig": ("TRIG", "TriG"),
    ".rdf": ("RDF_XML", "RDF/XML"),
    ".owl": ("RDF_XML", "RDF/XML"),
    ".xml": ("RDF_XML", "RDF/XML"),
    ".rdfxml": ("RDF_XML", "RDF/XML"),
    ".jsonld": ("JSON_LD", "JSON-LD"),
    ".json": ("JSON_LD", "JSON-LD"),
}
"""File extension -> (pyoxigraph ``RdfFormat`` name, name in messages)."""

KIND = "Turtle, N-Triples, N-Quads, TriG, RDF/XML or JSON-LD"
"""What an RDF file may hold, for messages."""

_XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"

# The parser process: only the standard library and pyoxigraph (it starts in 0.1 s, where
# importing gvcgraph would take over a second). It reads the file from stdin, writes the
# triples as N-Triples to stdout and one JSON object per line to stderr: "error" (a syntax
# error), "unsupported" (an RDF 1.2 term), "xml-literal" (an rdf:XMLLiteral with a DOCTYPE,
# which rdflib would parse, entities and all), "graph" (a named graph merged), "done".
_WORKER = r"""
import io, json, re, sys
fmt_name, base, max_errors, memory = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
try:
    import resource
    if memory > 0:
        resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
except (ImportError, ValueError, OSError):
    pass
import pyoxigraph as ox

def say(**fields):
    sys.stderr.write(json.dumps(fields) + "\n")

class Lines(io.RawIOBase):
    # hands the parser one line per read, so that the line it had reached is known
    def __init__(self, data):
        self.data, self.pos, self.line, self.partial = data, 0, 0, False
    def readable(self):
        return True
    def readinto(self, buffer):
        if self.pos >= len(self.data):
            return 0
        end = self.data.find(b"\n", self.pos)
        end = len(self.data) if end < 0 else end + 1
        end = min(end, self.pos + len(buffer))
        n = end - self.pos
        buffer[:n] = self.data[self.pos:end]
        self.partial = self.data[end - 1:end] != b"\n"
        if not self.partial:
            self.line += 1
        self.pos = end
        return n

data = sys.stdin.buffer.read()
reader = Lines(data)
recovers = fmt_name in ("TURTLE", "N_TRIPLES", "N_QUADS", "TRIG")
quads = ox.parse(reader, format=getattr(ox.RdfFormat, fmt_name), base_iri=base or None,
                 rename_blank_nodes=True)
XML_LITERAL = "http://www.w3.org/1999/02/22-rdf-syntax-ns#XMLLiteral"
prefix = re.compile(
    r"^Parser error (?:at line \d+ (?:column \d+|between columns \d+ and \d+)"
    r"|between line \d+ column \d+ and line \d+ column \d+): "
)
state = {"errors": 0, "unsupported": 0, "triples": 0}
graphs = {}
seen = set()

def where():
    # the line of the last byte the parser was given
    return reader.line + (1 if reader.partial else 0)

def triples():
    while True:
        try:
            q = next(quads)
        except StopIteration:
            return
        except SyntaxError as e:
            line = e.lineno or where()
            message = prefix.sub("", e.msg or str(e))
            message = re.sub(r" \(line \d+\)$", "", message)
            if (line, message) not in seen:
                seen.add((line, message))
                state["errors"] += 1
                say(kind="error", line=line, exact=bool(e.lineno), column=e.offset,
                    message=message)
            if not recovers or state["errors"] >= max_errors:
                return
            continue
        terms = (q.subject, q.object)
        if any(isinstance(t, ox.Triple) for t in terms) or any(
            isinstance(t, ox.Literal) and t.direction for t in terms
        ):
            state["unsupported"] += 1
            if state["unsupported"] <= 5:
                say(kind="unsupported", line=where(), quad=str(q)[:300])
            continue
        o = q.object
        if isinstance(o, ox.Literal) and o.datatype.value == XML_LITERAL and "<!" in o.value:
            say(kind="xml-literal", line=where(), quad=str(q)[:300])
            continue
        if not isinstance(q.graph_name, ox.DefaultGraph):
            name = str(q.graph_name)
            graphs[name] = graphs.get(name, 0) + 1
        state["triples"] += 1
        yield ox.Triple(q.subject, q.predicate, q.object)

ox.serialize(triples(), sys.stdout.buffer, format=ox.RdfFormat.N_TRIPLES)
sys.stdout.buffer.flush()
for name, count in sorted(graphs.items())[:10]:
    say(kind="graph", name=name, count=count)
say(kind="done", triples=state["triples"], graphs=len(graphs), unsupported=state["unsupported"])
"""


def read(path: Path, source_id: str | None = None) -> tuple[str, Graph, list[Problem]]:
    """Read one RDF file: its source id, its RDF graph and the warnings.

    Parameters
    ----------
    path:
        The RDF file; the format comes from its extension (see the module documentation).
    source_id:
        The id of the source (its named graph is ``graph/source/<id>``); by default made from
        the file name (``Firms 2024.ttl`` -> ``firms-2024``).

    Returns
    -------
    tuple
        ``(source_id, graph, warnings)``.

    Raises
    ------
    InputError
        With every problem found: unknown extension, a file too large, empty, binary or not
        UTF-8, syntax errors with their lines, anything that would make the reader fetch a
        document, input too deep or too costly to parse, RDF 1.2 terms, SHACL violations.
    """
    path = Path(path)
    name = str(path)
    sid, problems = source_id_for(path, source_id)
    spec = FORMATS.get(path.suffix.lower())
    if spec is None and not path.is_dir():
        known = " ".join(sorted(FORMATS))
        problems.append(
            Problem(
                name,
                None,
                "file",
                "",
                f"unsupported file type {path.suffix or '(none)'!r}; expected RDF as one of "
                f"{known}",
            )
        )
        raise InputError(problems)
    raw, more = read_input(path, KIND, MAX_BYTES)
    problems += more
    if raw is None:
        raise InputError(problems)
    text, more = decode_utf8(raw, name)
    problems += more
    if text is None or spec is None:
        raise InputError(problems)
    fmt, label = spec
    if fmt == "RDF_XML":
        problems += check_xml(raw, name)
    elif fmt == "JSON_LD":
        problems += check_json_depth(text, name)
    if _has_errors(problems):
        raise InputError(problems)
    graph, more = parse_rdf(raw, fmt, path.resolve().as_uri(), name, label, text)
    problems += more
    if graph is None or _has_errors(problems):
        raise InputError(problems)
    lines = _subject_lines(text) if fmt in ("TURTLE", "N_TRIPLES") else {}
    problems += _imports(graph, name, lines)
    uses_gvc = _uses_gvc(graph)
    _document(graph, sid, path)
    if uses_gvc:
        problems += shacl_check(graph, name, lines)
    if _has_errors(problems):
        raise InputError(problems)
    return sid, graph, problems


def _has_errors(problems: list[Problem]) -> bool:
    return any(p.severity == "error" for p in problems)


def _subject_lines(text: str) -> dict[str, int]:
    from gvcgraph.ingest.gleif import subject_lines

    return subject_lines(text)


# ---------------------------------------------------------------------------------- checks


class _Stop(Exception):
    """Ends the expat scan early (a problem was found that makes going on pointless)."""


def check_xml(raw: bytes, name: str) -> list[Problem]:
    """Check RDF/XML with expat before it is parsed: entities, DTD, nesting, well-formedness.

    Refused (errors): external entities (``<!ENTITY x SYSTEM "...">``, XXE), parameter
    entities, unparsed entities, entities whose text holds ``&`` or ``<`` (entities within
    entities: "billion laughs"), entities over :data:`MAX_ENTITY_CHARS` characters, references
    that would add more than :data:`MAX_ENTITY_EXPANSION` characters, elements nested deeper
    than :data:`MAX_XML_DEPTH`, and XML that is not well formed. An external DTD named in the
    ``DOCTYPE`` is never read (a warning says so). expat itself never opens a file or URL.
    """
    parser = expat.ParserCreate()
    parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
    problems: list[Problem] = []
    entities: dict[str, int] = {}
    depth = 0

    def problem(message: str, severity: str = "error") -> None:
        line = parser.CurrentLineNumber
        problems.append(Problem(name, line, f"line {line}", "", message, severity))  # type: ignore[arg-type]

    def doctype(
        doctype_name: str, system_id: str | None, public_id: str | None, _internal: int
    ) -> None:
        if system_id or public_id:
            problem(
                f"the external DTD {system_id or public_id!r} named by the DOCTYPE is not read "
                "(gvcgraph never fetches files or URLs named in its input)",
                "warning",
            )

    def entity(
        entity_name: str,
        is_parameter: int,
        value: str | None,
        _base: str | None,
        system_id: str | None,
        public_id: str | None,
        notation: str | None,
    ) -> None:
        if is_parameter:
            problem(
                f"XML parameter entity %{entity_name}; is refused: gvcgraph accepts only "
                "plain-text entities in RDF/XML"
            )
        elif value is None:
            target = system_id or public_id or "?"
            kind = "unparsed" if notation else "external"
            problem(
                f"XML {kind} entity &{entity_name}; ({target!r}) is refused: gvcgraph never "
                "reads files or URLs named in its input (XML external entities, XXE)"
            )
        elif "&" in value or "<" in value:
            problem(
                f"XML entity &{entity_name}; holds other entities or markup; only plain-text "
                "entities (such as namespace IRIs) are accepted (this refuses 'billion laughs' "
                "inputs)"
            )
        elif len(value) > MAX_ENTITY_CHARS:
            problem(
                f"XML entity &{entity_name}; is {len(value):,} characters long; the limit is "
                f"{MAX_ENTITY_CHARS:,}"
            )
        else:
            entities[entity_name] = len(value)

    def end_doctype() -> None:
        if _has_errors(problems):
            raise _Stop
        added = 0
        for key, size in entities.items():
            added += raw.count(f"&{key};".encode()) * size
        if added > MAX_ENTITY_EXPANSION:
            problem(
                f"the references to XML entities would add {added:,} characters to the file; "
                f"the limit is {MAX_ENTITY_EXPANSION:,}"
            )
            raise _Stop

    def start(_tag: str, _attrs: dict[str, str]) -> None:
        nonlocal depth
        depth += 1
        if depth > MAX_XML_DEPTH:
            problem(f"XML elements are nested more than {MAX_XML_DEPTH} deep")
            raise _Stop

    def end(_tag: str) -> None:
        nonlocal depth
        depth -= 1

    parser.StartDoctypeDeclHandler = doctype
    parser.EntityDeclHandler = entity
    parser.EndDoctypeDeclHandler = end_doctype
    parser.StartElementHandler = start
    parser.EndElementHandler = end
    try:
        parser.Parse(raw, True)
    except _Stop:
        pass
    except expat.ExpatError as exc:
        line = exc.lineno or None
        what = expat.errors.messages.get(exc.code, str(exc)) if exc.code else str(exc)
        problems.append(
            Problem(
                name,
                line,
                f"line {line}" if line else "file",
                "",
                f"not well-formed XML: {what} (column {exc.offset + 1})",
            )
        )
    return problems


_JSON_TOKEN = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"|[\[\]{}]')


def check_json_depth(text: str, name: str) -> list[Problem]:
    """Refuse JSON nested deeper than :data:`MAX_JSON_DEPTH` (a scan that skips strings)."""
    depth = 0
    for match in _JSON_TOKEN.finditer(text):
        token = match.group()
        if token in "[{":
            depth += 1
            if depth > MAX_JSON_DEPTH:
                line = text.count("\n", 0, match.start()) + 1
                return [
                    Problem(
                        name,
                        line,
                        f"line {line}",
                        "",
                        f"JSON arrays and objects are nested more than {MAX_JSON_DEPTH} deep",
                    )
                ]
        elif token in "]}":
            depth -= 1
    return []


# ---------------------------------------------------------------------------------- parsing


def parse_rdf(
    raw: bytes, fmt: str, base: str, name: str, label: str, text: str | None = None
) -> tuple[Graph | None, list[Problem]]:
    """Parse RDF bytes in a child process with limits; the triples as an rdflib graph.

    ``fmt`` is the name of a pyoxigraph ``RdfFormat`` (``TURTLE``), ``label`` its name in
    messages. The graph is None when the file has errors (all of them are returned).
    """
    command = [
        sys.executable,
        "-I",
        "-c",
        _WORKER,
        fmt,
        base,
        str(MAX_SYNTAX_ERRORS),
        str(PARSE_MEMORY_BYTES),
    ]
    try:
        done = subprocess.run(
            command, input=raw, capture_output=True, timeout=PARSE_SECONDS, check=False
        )
    except subprocess.TimeoutExpired:
        return None, [
            Problem(
                name,
                None,
                "file",
                "",
                f"reading the {label} took longer than {PARSE_SECONDS:g} s and was stopped "
                "(JSON-LD with many scoped contexts is slow to expand); convert the file to "
                "N-Triples or split it",
            )
        ]
    except OSError as exc:
        return None, [Problem(name, None, "file", "", f"cannot start the RDF parser: {exc}")]
    problems: list[Problem] = []
    reports, other = _reports(done.stderr)
    summary = next((r for r in reports if r.get("kind") == "done"), None)
    for report in reports:
        problems.extend(_report_problem(report, name, label, text))
    if done.returncode != 0 or summary is None:
        problems.append(_crash_problem(done.returncode, other, name, label))
        return None, problems
    if summary.get("graphs") and not _has_errors(problems):
        graphs = [str(r["name"]) for r in reports if r.get("kind") == "graph"]
        shown = ", ".join(graphs[:3]) + (", ..." if len(graphs) > 3 else "")
        problems.append(
            Problem(
                name,
                None,
                "file",
                "",
                f"the triples of {summary['graphs']} named graph(s) ({shown}) were put into the "
                "one graph of this source; their graph names are not kept",
                "warning",
            )
        )
    if _has_errors(problems):
        return None, problems
    graph, more = _to_rdflib(done.stdout, name)
    return graph, problems + more


def _reports(stderr: bytes) -> tuple[list[dict[str, object]], list[str]]:
    reports: list[dict[str, object]] = []
    other: list[str] = []
    for line in stderr.decode("utf-8", "replace").splitlines():
        try:
            value = json.loads(line)
        except ValueError:
            value = None
        if isinstance(value, dict) and "kind" in value:
            reports.append(value)
        elif line.strip():
            other.append(line.strip())
    return reports, other


_REMOTE_CONTEXT = re.compile(r'"@(?:context|import)"\s*:\s*(\[[^\]]*\]|"(?:[^"\\]|\\.)*")')


def _remote_contexts(text: str | None) -> list[str]:
    """The documents a JSON-LD text names as its context (strings only, not inline objects)."""
    if not text:
        return []
    found: list[str] = []
    for match in _REMOTE_CONTEXT.finditer(text):
        value = match.group(1)
        while True:  # inline context objects in an array are not documents: drop them
            shorter = re.sub(r"\{[^{}]*\}", "", value)
            if shorter == value:
                break
            value = shorter
        for item in re.findall(r'"((?:[^"\\]|\\.)*)"', value):
            if item not in found:
                found.append(item)
    return found


def _report_problem(
    report: dict[str, object], name: str, label: str, text: str | None
) -> list[Problem]:
    kind = report.get("kind")
    line = report.get("line")
    line = line if isinstance(line, int) and line > 0 else None
    where = f"line {line}" if line else "file"
    if kind == "error":
        message = printable(str(report.get("message", "")))
        if "LoadDocumentCallback" in message:
            names = _remote_contexts(text)
            named = ", ".join(repr(n) for n in names) if names else "another document"
            return [
                Problem(
                    name,
                    line,
                    where,
                    "@context",
                    f"the JSON-LD @context refers to {named}, which is not fetched: gvcgraph "
                    "never reads URLs or other files while reading input; put the context "
                    "inline in the file (an @context object)",
                )
            ]
        column = report.get("column")
        if report.get("exact") and isinstance(column, int) and column > 0:
            message += f" (column {column})"
        return [Problem(name, line, where, "", f"not valid {label}: {message}")]
    if kind == "unsupported":
        return [
            Problem(
                name,
                line,
                where,
                "",
                "RDF 1.2 triple terms (<< ... >>) and directional language tags (@en--ltr) are "
                f"not supported; the store keeps RDF 1.1: {printable(str(report.get('quad', '')))}",
            )
        ]
    if kind == "xml-literal":
        return [
            Problem(
                name,
                line,
                where,
                "",
                "an rdf:XMLLiteral holds a DOCTYPE or entity declaration; it is refused (XML "
                f"entities are never expanded): {printable(str(report.get('quad', '')))}",
            )
        ]
    return []


def _crash_problem(code: int, other: list[str], name: str, label: str) -> Problem:
    tail = " ".join(other[-2:])
    memory = PARSE_MEMORY_BYTES // (1024 * 1024)
    if "memory" in tail.lower() or code in (-6, -9):
        why = f"it needed more than the {memory:,} MiB of memory the parser may use"
    elif code in (-11, -7):
        why = "the parser crashed (input nested too deeply?)"
    else:
        why = f"the parser stopped (exit status {code}{': ' + tail[-300:] if tail else ''})"
    return Problem(name, None, "file", "", f"cannot read this {label} file: {why}")


def _term(term: object) -> Node:
    if isinstance(term, ox.NamedNode):
        return URIRef(term.value)
    if isinstance(term, ox.BlankNode):
        return BNode(term.value)
    if isinstance(term, ox.Literal):
        if term.language:
            return Literal(term.value, lang=term.language)
        datatype = term.datatype.value
        if datatype == _XSD_STRING:
            return Literal(term.value)
        return Literal(term.value, datatype=URIRef(datatype))
    raise ValueError(f"unsupported RDF term {term}")


def _to_rdflib(ntriples: bytes, name: str) -> tuple[Graph, list[Problem]]:
    """The parser's N-Triples as an rdflib graph; ill-typed literals are reported once."""
    graph = new_graph()
    problems: list[Problem] = []
    ill_typed: list[str] = []
    rdflib_terms = logging.getLogger("rdflib.term")
    level = rdflib_terms.level
    rdflib_terms.setLevel(logging.ERROR)  # ill-typed literals are reported below, once
    try:
        for triple in ox.parse(ntriples, format=ox.RdfFormat.N_TRIPLES):
            o = _term(triple.object)
            if isinstance(o, Literal) and o.ill_typed:
                ill_typed.append(o.n3())
            graph.add((_term(triple.subject), _term(triple.predicate), o))
    finally:
        rdflib_terms.setLevel(level)
    if ill_typed:
        problems.append(
            Problem(
                name,
                None,
                "file",
                "",
                f"{len(ill_typed)} literal(s) do not match their datatype and are kept as "
                f"written (first: {printable(ill_typed[0][:120])})",
                "warning",
            )
        )
    return graph, problems


# ---------------------------------------------------------------------------------- content


def _imports(graph: Graph, name: str, lines: dict[str, int]) -> list[Problem]:
    problems = []
    for subject, target in sorted(graph.subject_objects(OWL.imports), key=str):
        line = lines.get(str(subject))
        problems.append(
            Problem(
                name,
                line,
                f"line {line}" if line else "file",
                "owl:imports",
                f"owl:imports <{target}> is kept as a triple but not followed (gvcgraph never "
                "fetches); ingest that file too if its triples are needed",
                "warning",
            )
        )
    return problems


def _document(graph: Graph, sid: str, path: Path) -> None:
    """Add the file's ``gvc:SourceDocument``, titled from its ``owl:Ontology`` header if any."""
    header = next(iter(sorted(graph.subjects(RDF.type, OWL.Ontology), key=str)), None)
    title = None
    if header is not None:
        for prop in (DCTERMS.title, DC.title, RDFS.label):
            title = graph.value(header, prop)
            if title is not None:
                break
    add_source_document(
        graph,
        sid,
        title=str(title) if title else f"RDF data ({path.name})",
        file_name=path.name,
        source_type="other",
    )


def _uses_gvc(graph: Graph) -> bool:
    ns = str(GVC)
    for _s, p, o in graph:
        if str(p).startswith(ns) or (p == RDF.type and str(o).startswith(ns)):
            return True
    return False


def shacl_check(graph: Graph, name: str, lines: dict[str, int]) -> list[Problem]:
    """The SHACL shapes on a graph; one problem per result, at its subject's line if known."""
    from gvcgraph.ingest.shacl import ontology_graph, shapes_graph

    shapes = shapes_graph()
    if len(shapes) == 0:
        return []
    from pyshacl import validate  # imported here: it takes a second to import

    try:
        _conforms, results, _text = validate(
            graph,
            shacl_graph=shapes,
            ont_graph=ontology_graph(),
            inference="none",
            advanced=True,
            allow_warnings=True,
            abort_on_first=False,
            do_owl_imports=False,
        )
    except Exception as exc:  # pySHACL raises several types; report, never crash
        return [Problem(name, None, "file", "", f"the SHACL check could not run: {exc}")]
    problems = []
    for result in results.subjects(RDF.type, SH.ValidationResult):
        focus = results.value(result, SH.focusNode)
        path = results.value(result, SH.resultPath)
        message = results.value(result, SH.resultMessage)
        severity = results.value(result, SH.resultSeverity)
        value = results.value(result, SH.value)
        line = lines.get(str(focus))
        where = f"line {line}" if line else f"record {_short(focus)}"
        text = str(message) if message else "violates a SHACL shape"
        if value is not None and str(value) not in text:
            text += f" (value: {_short(value)})"
        level = "warning" if severity in (SH.Warning, SH.Info) else "error"
        field = _short(path) if isinstance(path, URIRef) else ""
        problems.append(Problem(name, line, where, field, f"SHACL: {text}", level))  # type: ignore[arg-type]
    return problems


def _short(node: object) -> str:
    text = str(node)
    for prefix, ns in PREFIXES.items():
        if text.startswith(str(ns)):
            return f"{prefix}:{text[len(str(ns)) :]}"
    return text
