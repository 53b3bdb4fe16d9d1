"""Pieces shared by the readers of registry formats (BODS 0.4 JSON, GLEIF Level 1/2 RDF).

Source ids, safe reading of input bytes, dates, Legal Entity Identifiers, countries, and the
nodes every reader writes: one ``gvc:SourceDocument`` per file and ``gvc:Evidence`` nodes that
point into it. Case studies have their own path (:mod:`gvcgraph.ingest.casestudy`); this module
knows nothing of BODS or GLEIF themselves.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from functools import cache
from pathlib import Path
from urllib.parse import quote

from rdflib import RDF, XSD, Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, SKOS

from gvcgraph.ingest.errors import Problem
from gvcgraph.ingest.schema import codes
from gvcgraph.ontology import terms
from gvcgraph.ontology.terms import GVC, OA

SOURCE_ID_PATTERN = re.compile(r"^[a-z0-9][a-z0-9._-]*$")
"""The pattern of a source id (the same as for case-study ids and the SHACL shape)."""

LEI_PATTERN = re.compile(r"^[A-Z0-9]{18}[0-9]{2}$")
"""ISO 17442: 18 capital letters or digits, then 2 check digits."""

_DATE_PREFIX = re.compile(r"^(\d{4})-(\d{2})-(\d{2})")


def source_id_for(path: Path, given: str | None) -> tuple[str, list[Problem]]:
    """The source id of a file: ``given`` if it is well formed, else one made from the file name.

    The default id is the file stem in lower case with every run of other characters than
    ``a-z 0-9 . _ -`` replaced by ``-`` (``L1Data.ttl`` -> ``l1data``).
    """
    if given is not None:
        if not SOURCE_ID_PATTERN.match(given):
            return given, [
                Problem(
                    str(path),
                    None,
                    "file",
                    "source_id",
                    f"source id {given!r} is not valid: use lower-case letters, digits, '.', '_' "
                    "and '-', starting with a letter or digit (e.g. 'gleif-l2-2024')",
                )
            ]
        return given, []
    slug = re.sub(r"[^a-z0-9._-]+", "-", path.stem.lower()).strip("-._")
    return slug or "source", []


def read_input(path: Path, kind: str, max_bytes: int) -> tuple[bytes | None, list[Problem]]:
    """The bytes of an input file, refusing missing, oversized, empty and binary files.

    ``kind`` names what the file should hold ("BODS JSON", "GLEIF RDF (Turtle)"), for messages.
    """
    name = str(path)
    if path.is_dir():
        return None, [Problem(name, None, "file", "", f"this is a folder; expected a {kind} file")]
    try:
        size = path.stat().st_size
    except OSError as exc:
        reason = exc.strerror or str(exc)
        return None, [Problem(name, None, "file", "", f"cannot read the file: {reason}")]
    if size > max_bytes:
        return None, [
            Problem(
                name,
                None,
                "file",
                "",
                f"file is too large ({size / 1_048_576:.1f} MiB); the limit for a {kind} file "
                f"is {max_bytes / 1_048_576:.0f} MiB: split it, or load it into a SPARQL server",
            )
        ]
    try:
        raw = path.read_bytes()
    except OSError as exc:
        reason = exc.strerror or str(exc)
        return None, [Problem(name, None, "file", "", f"cannot read the file: {reason}")]
    if not raw.strip():
        return None, [Problem(name, None, "file", "", f"file is empty; expected {kind}")]
    if b"\x00" in raw[:8192]:
        return None, [
            Problem(name, None, "file", "", f"this is a binary file, not {kind} (UTF-8 text)")
        ]
    return raw, []


def decode_utf8(raw: bytes, name: str) -> tuple[str | None, list[Problem]]:
    """Decode UTF-8 (a byte-order mark is dropped), or say on which line the bad byte is."""
    try:
        return raw.decode("utf-8-sig"), []
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        return None, [
            Problem(
                name,
                line,
                f"line {line}",
                "",
                f"text is not UTF-8 (byte 0x{raw[exc.start]:02x} at offset {exc.start}); "
                "save the file as UTF-8",
            )
        ]


def iri_segment(text: str) -> str:
    """``text`` percent-encoded for use as one segment of an IRI path (``/`` encoded too)."""
    return quote(text, safe="-._~")


def new_graph() -> Graph:
    """An empty rdflib graph with the gvcgraph prefixes bound."""
    g = Graph()
    for prefix, ns in terms.PREFIXES.items():
        g.bind(prefix, str(ns))
    return g


# ---------------------------------------------------------------------------------- dates


def parse_date(text: str) -> dt.date | None:
    """The calendar date at the start of ``text`` (``2017-10-02T19:50:30Z`` -> 2017-10-02).

    The date is taken as written, without moving it to another time zone; None if ``text``
    does not start with a valid ``YYYY-MM-DD``.
    """
    m = _DATE_PREFIX.match(text.strip())
    if not m:
        return None
    try:
        return dt.date(int(m[1]), int(m[2]), int(m[3]))
    except ValueError:
        return None


def date_literal(value: dt.date) -> Literal:
    """An ``xsd:date`` literal."""
    return Literal(value.isoformat(), datatype=XSD.date)


def precision(code: str) -> URIRef:
    """The concept of the ``date-precision`` scheme with notation ``code``."""
    return URIRef(terms.concept_iri("date-precision", code))


def add_validity(
    g: Graph,
    node: URIRef,
    start: dt.date | None,
    end: dt.date | None,
    *,
    start_precision: str = "day",
    end_precision: str = "day",
    as_stated: str | None = None,
) -> None:
    """Add ``gvc:validFrom`` / ``gvc:validTo`` with their precision, and the wording as stated."""
    if start is not None:
        g.add((node, GVC.validFrom, date_literal(start)))
        g.add((node, GVC.validFromPrecision, precision(start_precision)))
    if end is not None:
        g.add((node, GVC.validTo, date_literal(end)))
        g.add((node, GVC.validToPrecision, precision(end_precision)))
    if as_stated:
        g.add((node, GVC.validAsStated, Literal(as_stated)))


# ---------------------------------------------------------------------------------- identifiers


def lei_is_valid(lei: str) -> bool:
    """True if ``lei`` has the ISO 17442 form and its ISO 7064 MOD 97-10 check digits hold.

    >>> lei_is_valid("506700GE1G29325QX363")
    True
    >>> lei_is_valid("506700GE1G29325QX364")
    False
    """
    if not LEI_PATTERN.match(lei):
        return False
    digits = "".join(str(int(c, 36)) for c in lei)
    return int(digits) % 97 == 1


def lei_iri(lei: str) -> URIRef:
    """The entity IRI of the legal entity with this LEI (``id/lei/<LEI>``), shared by sources.

    Every reader names an entity with an LEI this way, so that GLEIF Level 1 and Level 2 files
    and BODS statements about the same legal entity meet in one node.
    """
    return URIRef(terms.entity_iri(f"lei/{lei}"))


@cache
def country_iris() -> dict[str, str]:
    """ISO 3166-1 alpha-2 code -> concept IRI of the ``country`` scheme."""
    return dict(codes("country"))


def country_of(code: str) -> str | None:
    """The alpha-2 country of a country code (``FI``) or subdivision code (``GB-ENG``)."""
    code = code.strip().upper()
    head = code.split("-", 1)[0]
    return head if len(head) == 2 and head in country_iris() else None


@cache
def lcc_countries() -> dict[str, str]:
    """LCC country IRI (OMG Languages, Countries and Codes) -> alpha-2 code.

    Read from the ``skos:exactMatch`` links of ``ontology/vocab/country.ttl``.
    """
    g = Graph()
    g.parse(terms.ontology_dir() / "vocab" / "country.ttl", format="turtle")
    out: dict[str, str] = {}
    for concept, match in g.subject_objects(SKOS.exactMatch):
        notation = g.value(concept, SKOS.notation)
        if notation is not None:
            out[str(match)] = str(notation)
    return out


# ---------------------------------------------------------------------------------- nodes


def add_source_document(
    g: Graph,
    source_id: str,
    *,
    title: str,
    file_name: str,
    source_type: str,
    issued: dt.date | None = None,
    publishers: Iterable[str] = (),
    licenses: Iterable[str] = (),
    note: str | None = None,
) -> URIRef:
    """Add the ``gvc:SourceDocument`` of one input file; returns its IRI.

    ``source_type`` is a code of the ``source-type`` scheme (``register``, ``database``).
    Licences are kept as ``xsd:anyURI`` literals: text from the input never becomes an IRI.
    """
    doc = URIRef(terms.document_iri(source_id))
    g.add((doc, RDF.type, GVC.SourceDocument))
    g.add((doc, GVC.sourceId, Literal(source_id)))
    g.add((doc, DCTERMS.title, Literal(title)))
    g.add((doc, GVC.fileName, Literal(file_name)))
    g.add((doc, GVC.sourceType, URIRef(codes("source-type")[source_type])))
    if issued is not None:
        g.add((doc, DCTERMS.issued, date_literal(issued)))
    for name in dict.fromkeys(publishers):
        g.add((doc, DCTERMS.publisher, Literal(name)))
    for lic in dict.fromkeys(licenses):
        g.add((doc, DCTERMS.license, Literal(lic, datatype=XSD.anyURI)))
    if note:
        g.add((doc, SKOS.note, Literal(note)))
    return doc


def add_evidence(
    g: Graph,
    node: URIRef,
    doc: URIRef,
    *,
    line: int | None,
    page: str | None = None,
    identifier: str | None = None,
    date: Literal | None = None,
    note: str | None = None,
    status: str = "reported",
) -> URIRef:
    """Add a ``gvc:Evidence`` node: the document, the line (or else a page), the upstream id.

    ``line`` is the line of the input file where the record starts; ``page`` is used only
    when no line is known (the shapes require one of the two).
    """
    g.add((node, RDF.type, GVC.Evidence))
    g.add((node, OA.hasSource, doc))
    if line is not None:
        g.add((node, GVC.line, Literal(int(line), datatype=XSD.integer)))
    else:
        g.add((node, GVC.page, Literal(page or "whole file")))
    if identifier is not None:
        g.add((node, DCTERMS.identifier, Literal(identifier)))
    if date is not None:
        g.add((node, DCTERMS.date, date))
    g.add((node, GVC.evidenceStatus, URIRef(codes("evidence-status")[status])))
    if note:
        g.add((node, SKOS.note, Literal(note)))
    return node
