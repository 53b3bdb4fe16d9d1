"""GLEIF Level 1 and Level 2 RDF (the GLEIF ontologies' data) to gvcgraph RDF.

Input
-----
A GLEIF RDF file in Turtle (``.ttl``) or N-Triples (``.nt``), parsed with rdflib. Nothing is
fetched: ``owl:imports`` of the GLEIF files are ignored, and only these two formats are
accepted: GLEIF's RDF/XML and JSON-LD are refused by extension, so no XML entity is ever
expanded and no JSON-LD context is ever loaded (the ``rdf`` reader, :mod:`gvcgraph.ingest.rdf`,
reads those formats safely for other data). IRIs that rdflib's parser lets through although
they are not IRIs (an escape such as ``\\u003E`` writing ``>``) are refused with their line,
found by pyoxigraph. Level 1 (who is who) and Level 2 (who owns whom)
data may come in one file or in separate files ingested as separate sources: entities are
named by their LEI, so the files meet in the same nodes.

Mapping
-------
* the file -> one ``gvc:SourceDocument`` (title, ``dct:issued`` and licence from the file's
  ``owl:Ontology`` header when present; ``gvc:sourceType`` ``register``);
* Level 1 entity (``gleif-L1:LegalEntity``, ``Fund``, ``SoleProprietor``, ``Branch``, or any
  subject with ``gleif-L1:hasLegalName``) -> ``gvc:Firm`` at ``id/lei/<LEI>`` with
  ``gvc:lei``, ``skos:prefLabel`` (legal name, its language tag kept), ``skos:altLabel``
  (previous names), ``gvc:country`` from ``gleif-base:hasLegalJurisdiction`` (the LCC country
  IRI matched through the ``skos:exactMatch`` links of ``vocab/country.ttl``; a subdivision
  such as ``US-DE`` gives its country), ``rdfs:seeAlso`` the GLEIF IRI, and a note with the
  GLEIF kind and entity status. Branches are firms here too: gvcgraph's establishments need
  their firm in the same source, which Level 1 data does not give. Level 2 data names its
  parents and children by LEI only (``gvc:lei``); their class and name come with Level 1;
* LEI registration record (``gleif-L1:LegalEntityIdentifierRegistryEntry``) -> the entity's
  ``gvc:Evidence`` (``dct:identifier`` = the record IRI, ``dct:date`` = last update, a note with
  registration status, dates, validation sources and managing LOU);
* Level 2 ``DirectConsolidation`` / ``UltimateConsolidation`` -> ``gvc:DirectConsolidation`` /
  ``gvc:UltimateConsolidation`` (also typed ``gvc:Consolidation`` and ``gvc:Control`` so that
  queries and rules without inference find them): ``gvc:controller`` = parent,
  ``gvc:controlled`` = child, ``gvc:controlBasis`` direct- or ultimate-consolidation, the
  relationship period as validity (the date part of ``hasStart`` / ``hasEnd``, precision day),
  ``dct:identifier`` = the GLEIF relationship IRI. An inactive relationship without an end date
  ends, approximately, at its record's last update. Consolidation is not an ownership share:
  no ``gvc:Ownership`` is made;
* relationship record (``gleif-L2:LegalEntityRelationshipRecord``) -> the fact's
  ``gvc:Evidence`` (record IRI, last update, a note with registration status, validation
  sources and documents, accounting period);
* ``InternationalBranchRelationship`` -> ``gvc:Linkage`` (type ``other``) from the branch to its
  head office; other relationship kinds are skipped with a warning;
* reporting exceptions (``gleif-repex:``) -> a note on the reporting entity.

Evidence points at the line of the input where the record's subject starts (found by a scan of
the subject lines of the Turtle text); when no line is found, ``gvc:page`` names the record.

Example
-------
>>> sid, graph, warnings = read(Path("L2Data.ttl"))   # doctest: +SKIP
>>> sid
'l2data'
"""

from __future__ import annotations

import datetime as dt
import logging
import re
from pathlib import Path
from urllib.parse import urljoin

from rdflib import RDF, Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCTERMS, OWL, PROV, RDFS, SKOS
from rdflib.term import Node

from gvcgraph.ingest.errors import InputError, Problem
from gvcgraph.ingest.external import (
    LEI_PATTERN,
    add_evidence,
    add_source_document,
    add_validity,
    country_iris,
    country_of,
    date_literal,
    decode_utf8,
    iri_segment,
    lcc_countries,
    lei_iri,
    lei_is_valid,
    new_graph,
    parse_date,
    read_input,
    source_id_for,
)
from gvcgraph.ingest.schema import codes
from gvcgraph.ontology import terms
from gvcgraph.ontology.terms import GVC

GLEIF_BASE = Namespace("https://www.gleif.org/ontology/Base/")
GLEIF_L1 = Namespace("https://www.gleif.org/ontology/L1/")
GLEIF_L2 = Namespace("https://www.gleif.org/ontology/L2/")
GLEIF_REPEX = Namespace("https://www.gleif.org/ontology/ReportingException/")
"""The GLEIF ontologies read here (external vocabularies, used only by this reader)."""

LCC_COUNTRIES = "https://www.omg.org/spec/LCC/Countries/"

MAX_BYTES = 512 * 1024 * 1024
"""Largest GLEIF file read (512 MiB); the full golden copy belongs in a SPARQL server."""

FORMATS = {".ttl": "turtle", ".turtle": "turtle", ".nt": "nt"}

ENTITY_KINDS = {
    GLEIF_L1.LegalEntity: "legal entity",
    GLEIF_L1.Fund: "fund",
    GLEIF_L1.SoleProprietor: "sole proprietor",
    GLEIF_L1.Branch: "branch",
}
"""Level 1 classes whose instances become firms, with the kind named in the note."""

CONSOLIDATIONS = {
    GLEIF_L2.DirectConsolidation: (GVC.DirectConsolidation, "direct-consolidation"),
    GLEIF_L2.UltimateConsolidation: (GVC.UltimateConsolidation, "ultimate-consolidation"),
}
"""Level 2 consolidation classes -> gvc class and ``control-basis`` code."""

_LEI_AT_END = re.compile(r"([A-Z0-9]{18}[0-9]{2})$")


def read(path: Path, source_id: str | None = None) -> tuple[str, Graph, list[Problem]]:
    """Read one GLEIF Level 1 / Level 2 RDF file: its source id, its RDF graph and warnings.

    Parameters
    ----------
    path:
        A Turtle (``.ttl``) or N-Triples (``.nt``) file of GLEIF RDF data.
    source_id:
        The id of the source (its named graph is ``graph/source/<id>``); by default made from
        the file name (``L2Data.ttl`` -> ``l2data``).

    Returns
    -------
    tuple
        ``(source_id, graph, warnings)``.

    Raises
    ------
    InputError
        With every problem found when the file cannot be parsed, holds no GLEIF entities,
        relationships or reporting exceptions, or names an entity without a usable LEI.
    """
    path = Path(path)
    name = str(path)
    sid, problems = source_id_for(path, source_id)
    fmt = FORMATS.get(path.suffix.lower())
    if fmt is None and not path.is_dir():
        problems.append(
            Problem(
                name,
                None,
                "file",
                "",
                f"unsupported file type {path.suffix or '(none)'!r}; expected GLEIF RDF as "
                "Turtle (.ttl) or N-Triples (.nt)",
            )
        )
        raise InputError(problems)
    raw, more = read_input(path, "GLEIF RDF (Turtle or N-Triples)", MAX_BYTES)
    problems += more
    if raw is None:
        raise InputError(problems)
    text, more = decode_utf8(raw, name)
    problems += more
    if text is None:
        raise InputError(problems)
    source = Graph()
    rdflib_terms = logging.getLogger("rdflib.term")
    level = rdflib_terms.level
    rdflib_terms.setLevel(logging.ERROR)  # bad IRIs are reported below, with their lines
    try:
        source.parse(data=text, format=fmt, publicID=path.resolve().as_uri())
    except Exception as exc:  # rdflib raises several types; every one is a syntax problem
        problems.append(
            _beyond_parser(name, fmt or "", exc, text) or _syntax_problem(name, fmt or "", exc, raw)
        )
        raise InputError(problems) from None
    finally:
        rdflib_terms.setLevel(level)
    problems += _invalid_iris(name, fmt or "", source, raw)
    if any(p.severity == "error" for p in problems):
        raise InputError(problems)
    mapper = _Mapper(path, sid, source, subject_lines(text))
    graph = mapper.graph()
    problems += mapper.problems
    if any(p.severity == "error" for p in problems):
        raise InputError(problems)
    return sid, graph, problems


def _oxigraph_errors(raw: bytes, fmt: str, limit: int = 50) -> list[tuple[int | None, str]]:
    """The syntax errors pyoxigraph finds in the file (it checks IRIs and gives lines)."""
    import pyoxigraph as ox

    form = ox.RdfFormat.TURTLE if fmt == "turtle" else ox.RdfFormat.N_TRIPLES
    found: list[tuple[int | None, str]] = []
    quads = ox.parse(raw, format=form, base_iri="http://gleif.invalid/")
    while len(found) < limit:
        try:
            next(quads)
        except StopIteration:
            break
        except SyntaxError as exc:
            found.append((exc.lineno or None, exc.msg or str(exc)))
    return found


def _invalid_iris(name: str, fmt: str, source: Graph, raw: bytes) -> list[Problem]:
    """IRIs that rdflib accepted but that are not IRIs (``<a\\u003Eb>`` unescapes to ``a>b``).

    rdflib's Turtle parser lets escapes write characters that IRIs may not hold; such a term
    could not be stored. pyoxigraph, which checks IRIs, then gives the lines.
    """
    bad = sorted(
        {str(t) for triple in source for t in triple if isinstance(t, URIRef) and not _iri_ok(t)}
    )
    if not bad:
        return []
    what = "Turtle" if fmt == "turtle" else "N-Triples"
    located = [
        Problem(
            name,
            line,
            f"line {line}" if line else "file",
            "",
            f"not valid {what}: {re.sub(r'^Parser error [^:]*: ', '', message)}",
        )
        for line, message in _oxigraph_errors(raw, fmt)
    ]
    if located:
        return located
    return [
        Problem(name, None, "file", "", f"not a valid IRI (after unescaping): {iri[:200]!r}")
        for iri in bad[:50]
    ]


def _iri_ok(term: URIRef) -> bool:
    from rdflib.term import _is_valid_uri

    return _is_valid_uri(str(term))


MAX_NESTING = 200
"""Brackets and parentheses nested deeper than this are named as the cause when rdflib's
parser runs out of Python's recursion limit."""


def _beyond_parser(name: str, fmt: str, exc: Exception, text: str) -> Problem | None:
    """A file rdflib cannot read for want of Python's limits, not of syntax: nesting deeper
    than its recursion limit, a number longer than Python converts (4,300 digits); located by
    scanning the text, since the parser gives no line."""
    what = "Turtle" if fmt == "turtle" else "N-Triples"
    if isinstance(exc, RecursionError):
        depth, line = 0, 1
        for char in text:
            if char == "\n":
                line += 1
            elif char in "[(":
                depth += 1
                if depth > MAX_NESTING:
                    break
            elif char in ")]":
                depth -= 1
        where = line if depth > MAX_NESTING else None
        return Problem(
            name,
            where,
            f"line {where}" if where else "file",
            "",
            f"not valid {what}: blank nodes or lists nested more than {MAX_NESTING} deep",
        )
    if isinstance(exc, ValueError) and "digits" in str(exc):
        found = re.search(r"\d{4301,}", text)
        where = text.count("\n", 0, found.start()) + 1 if found else None
        return Problem(
            name,
            where,
            f"line {where}" if where else "file",
            "",
            f"not valid {what}: a number with more than 4,300 digits",
        )
    return None


def _syntax_problem(name: str, fmt: str, exc: Exception, raw: bytes) -> Problem:
    """The syntax error rdflib raised, at its line; pyoxigraph finds the line when rdflib gives
    none (its N-Triples parser, and errors such as a file cut inside a directive)."""
    what = "Turtle" if fmt == "turtle" else "N-Triples"
    lines = getattr(exc, "lines", None)
    why = getattr(exc, "_why", None)
    if isinstance(lines, int) and why:
        line = lines + 1
        return Problem(name, line, f"line {line}", "", f"not valid {what}: {why}")
    for line, message in _oxigraph_errors(raw, fmt, limit=1):
        return Problem(
            name, line, f"line {line}" if line else "file", "", f"not valid {what}: {message}"
        )
    return Problem(name, None, "file", "", f"not valid {what}: {exc}")


# ---------------------------------------------------------------------------------- lines

_PREFIX = re.compile(r"^\s*(?:@prefix|PREFIX)\s+([A-Za-z][\w.-]*)?:\s*<([^>]*)>", re.IGNORECASE)
_BASE = re.compile(r"^\s*(?:@base|BASE)\s+<([^>]*)>", re.IGNORECASE)
_SUBJECT = re.compile(r"^(?:<([^>\s]*)>|([A-Za-z][\w.-]*)?:((?:[^\s;,\\]|\\.)*))")


def subject_lines(text: str) -> dict[str, int]:
    """Line (from 1) where each subject IRI is first written at the start of a line.

    A scan of pretty-printed Turtle or N-Triples: prefix and base declarations are followed,
    subjects written as ``<iri>`` or ``prefix:local`` at the start of a line are resolved.
    Subjects written otherwise are simply not found (their evidence then names the record).
    """
    prefixes: dict[str, str] = {}
    base = ""
    out: dict[str, int] = {}
    for number, line in enumerate(text.splitlines(), start=1):
        if not line or line[0] in " \t#[\"'(":
            continue
        if m := _PREFIX.match(line):
            prefixes[m[1] or ""] = urljoin(base, m[2]) if base else m[2]
            continue
        if m := _BASE.match(line):
            base = urljoin(base, m[1]) if base else m[1]
            continue
        m = _SUBJECT.match(line)
        if not m:
            continue
        if m[1] is not None:
            iri = urljoin(base, m[1]) if base else m[1]
        elif (m[2] or "") in prefixes:
            local = re.sub(r"\\(.)", r"\1", m[3]).rstrip(".")
            iri = prefixes[m[2] or ""] + local
        else:
            continue
        out.setdefault(iri, number)
    return out


# ---------------------------------------------------------------------------------- mapping


def _local(node: Node) -> str:
    text = str(node)
    return re.split(r"[/#]", text.rstrip("/#"))[-1]


class _Mapper:
    """Builds the gvcgraph RDF of one parsed GLEIF graph."""

    def __init__(self, path: Path, source_id: str, source: Graph, lines: dict[str, int]):
        self.path = path
        self.name = str(path)
        self.sid = source_id
        self.src = source
        self.lines = lines
        self.g = new_graph()
        self.problems: list[Problem] = []
        self.doc = URIRef(terms.document_iri(source_id))
        self.leis: dict[Node, str] = {}
        self.used_keys: set[str] = set()

    def problem(self, node: Node, field: str, message: str, severity: str = "error") -> None:
        line = self.lines.get(str(node))
        where = f"record {_local(node)}"
        self.problems.append(Problem(self.name, line, where, field, message, severity))  # type: ignore[arg-type]

    # ------------------------------------------------------------------ top level
    def graph(self) -> Graph:
        src = self.src
        entities = sorted(
            {s for cls in ENTITY_KINDS for s in src.subjects(RDF.type, cls)}
            | set(src.subjects(GLEIF_L1.hasLegalName, None)),
            key=str,
        )
        relationships = sorted(set(src.subjects(GLEIF_L2.hasChild, None)), key=str)
        exceptions = sorted(set(src.subjects(GLEIF_REPEX.hasReportingEntity, None)), key=str)
        if not (entities or relationships or exceptions):
            self.problems.append(
                Problem(
                    self.name,
                    None,
                    "file",
                    "",
                    "no GLEIF data found: expected Level 1 legal entities (gleif-L1:LegalEntity "
                    "with gleif-L1:hasLegalName), Level 2 relationships (gleif-L2:hasChild / "
                    "hasParent) or reporting exceptions",
                )
            )
            return self.g
        self._document()
        for entity in entities:
            self._entity(entity)
        skipped: dict[str, int] = {}
        for rel in relationships:
            kind = self._relationship(rel)
            if kind:
                skipped[kind] = skipped.get(kind, 0) + 1
        for kind, count in sorted(skipped.items()):
            self.problems.append(
                Problem(
                    self.name,
                    None,
                    "file",
                    "",
                    f"{count} relationship(s) of type {kind} are not mapped and were skipped",
                    "warning",
                )
            )
        for exc in exceptions:
            self._exception(exc)
        return self.g

    def _document(self) -> None:
        src = self.src
        header = next(iter(src.subjects(RDF.type, OWL.Ontology)), None)
        title = src.value(header, DCTERMS.title) if header is not None else None
        issued = src.value(header, DCTERMS.issued) if header is not None else None
        lic = src.value(header, DCTERMS.license) if header is not None else None
        add_source_document(
            self.g,
            self.sid,
            title=str(title) if title else f"GLEIF LEI data ({self.path.name})",
            file_name=self.path.name,
            source_type="register",
            issued=parse_date(str(issued)) if issued is not None else None,
            publishers=["Global Legal Entity Identifier Foundation (GLEIF)"],
            licenses=[str(lic)] if lic else [],
        )

    # ------------------------------------------------------------------ helpers
    def _key(self, prefix: str, node: Node) -> str:
        """A unique, readable fact id for a GLEIF node (its local name)."""
        key = f"{prefix}/{iri_segment(_local(node))}"
        base, k = key, 2
        while key in self.used_keys:
            key, k = f"{base}-{k}", k + 1
        self.used_keys.add(key)
        return key

    def _date(self, node: Node | None, prop: URIRef) -> dt.date | None:
        if node is None:
            return None
        value = self.src.value(node, prop)
        return parse_date(str(value)) if value is not None else None

    def lei_of(self, node: Node) -> str | None:
        """The LEI of an entity IRI: from its registration record, else from the IRI."""
        if node in self.leis:
            return self.leis[node]
        lei: str | None = None
        for record in self.src.subjects(GLEIF_L1.identifiesAndRecords, node):
            value = self.src.value(record, GLEIF_L1.LEI)
            if value is not None:
                lei = str(value).strip().upper()
                break
        if lei is None:
            m = _LEI_AT_END.search(str(node))
            lei = m[1] if m else None
        if lei is not None:
            self.leis[node] = lei
        return lei

    def _evidence(self, record: Node, kind: str, extra: list[str]) -> URIRef:
        src = self.src
        node = URIRef(terms.fact_iri(self.sid, self._key("record", record)))
        parts = [kind, *extra]
        status = src.value(record, GLEIF_BASE.hasRegistrationStatus)
        if status is not None:
            parts.append(f"registration status {_local(status).removeprefix('RegistrationStatus')}")
        for label, prop in (
            ("initial registration", GLEIF_BASE.hasInitialRegistrationDate),
            ("last update", GLEIF_BASE.hasLastUpdateDate),
            ("next renewal", GLEIF_BASE.hasNextRenewalDate),
        ):
            date = self._date(record, prop)
            if date is not None:
                parts.append(f"{label} {date.isoformat()}")
        sources = src.value(record, GLEIF_L2.hasValidationSources) or src.value(
            record, GLEIF_L1.hasValidationSources
        )
        if sources is not None:
            parts.append(
                f"validation sources {_local(sources).removeprefix('ValidationSourceKind')}"
            )
        docs = src.value(record, GLEIF_L2.hasValidationDocuments)
        if docs is not None:
            kind_name = _local(docs).removeprefix("RelationshipValidationDocumentsKind")
            parts.append(f"validation documents {kind_name}")
        lou = src.value(record, GLEIF_L1.hasManagingLOU)
        if lou is not None:
            parts.append(f"managing LOU {self.lei_of(lou) or lou}")
        updated = self._date(record, GLEIF_BASE.hasLastUpdateDate)
        line = self.lines.get(str(record))
        return add_evidence(
            self.g,
            node,
            self.doc,
            line=line,
            page=None if line else f"record {_local(record)}",
            identifier=str(record),
            date=date_literal(updated) if updated else None,
            note="; ".join(parts),
        )

    # ------------------------------------------------------------------ entities
    def _entity(self, entity: Node) -> None:
        src, g = self.src, self.g
        lei = self.lei_of(entity)
        if lei is None or not LEI_PATTERN.match(lei):
            self.problem(
                entity,
                "LEI",
                f"cannot find a well-formed LEI for {entity} (expected gleif-L1:LEI on its "
                "registration record, or an IRI ending in the LEI)",
            )
            return
        if not lei_is_valid(lei):
            self.problem(entity, "LEI", f"LEI {lei} fails its check digits (ISO 17442)", "warning")
        node = lei_iri(lei)
        kinds = [ENTITY_KINDS[c] for c in src.objects(entity, RDF.type) if c in ENTITY_KINDS]
        g.add((node, RDF.type, GVC.Firm))
        g.add((node, GVC.lei, Literal(lei)))
        g.add((node, RDFS.seeAlso, URIRef(str(entity))))
        names = sorted(src.objects(entity, GLEIF_L1.hasLegalName), key=str)
        if names:
            g.add((node, SKOS.prefLabel, names[0]))
        else:
            g.add((node, SKOS.prefLabel, Literal(f"LEI {lei}")))
        for previous in sorted(src.objects(entity, GLEIF_L1.hasPreviousLegalName), key=str):
            g.add((node, SKOS.altLabel, previous))
        note = f"GLEIF Level 1 {kinds[0] if kinds else 'entity'}"
        status = src.value(entity, GLEIF_BASE.hasEntityStatus)
        if status is not None:
            note += f", entity status {_local(status).removeprefix('EntityStatus')}"
        g.add((node, SKOS.note, Literal(note + ".")))
        jurisdiction = src.value(entity, GLEIF_BASE.hasLegalJurisdiction)
        if jurisdiction is not None:
            country = self._country(jurisdiction)
            if country:
                g.add((node, GVC.country, URIRef(country_iris()[country])))
            else:
                self.problem(
                    entity,
                    "hasLegalJurisdiction",
                    f"jurisdiction {jurisdiction} is not an ISO 3166 country; no country is set",
                    "warning",
                )
        records = sorted(src.subjects(GLEIF_L1.identifiesAndRecords, entity), key=str)
        for record in records:
            evidence = self._evidence(record, "GLEIF LEI registration record", [f"LEI {lei}"])
            g.add((node, PROV.wasDerivedFrom, evidence))

    def _country(self, place: Node) -> str | None:
        code = lcc_countries().get(str(place))
        if code:
            return code
        if str(place).startswith(LCC_COUNTRIES):
            return country_of(_local(place))
        return None

    # ------------------------------------------------------------------ relationships
    def _party(self, rel: Node, prop: URIRef, role: str) -> URIRef | None:
        value = self.src.value(rel, prop)
        lei = self.lei_of(value) if value is not None else None
        if lei is None or not LEI_PATTERN.match(lei):
            self.problem(
                rel,
                role,
                f"the relationship's {role} ({value}) has no LEI: expected an entity IRI ending "
                "in the LEI, or its Level 1 record in the same file",
            )
            return None
        node = lei_iri(lei)
        self.g.add((node, GVC.lei, Literal(lei)))
        return node

    def _relationship(self, rel: Node) -> str | None:
        """Map one relationship; returns its class name when it is of a kind not mapped."""
        src, g = self.src, self.g
        types = set(src.objects(rel, RDF.type))
        consolidation = next((CONSOLIDATIONS[t] for t in types if t in CONSOLIDATIONS), None)
        branch = GLEIF_L2.InternationalBranchRelationship in types
        if consolidation is None and not branch:
            return ", ".join(sorted(_local(t) for t in types)) or "(untyped)"
        child = self._party(rel, GLEIF_L2.hasChild, "child")
        parent = self._party(rel, GLEIF_L2.hasParent, "parent")
        if child is None or parent is None:
            return None
        node = URIRef(terms.fact_iri(self.sid, self._key("relationship", rel)))
        if consolidation is not None:
            cls, basis = consolidation
            for c in (cls, GVC.Consolidation, GVC.Control):
                g.add((node, RDF.type, c))
            g.add((node, GVC.controller, parent))
            g.add((node, GVC.controlled, child))
            g.add((node, GVC.controlBasis, URIRef(codes("control-basis")[basis])))
        else:
            g.add((node, RDF.type, GVC.Linkage))
            g.add((node, GVC.linkFrom, child))
            g.add((node, GVC.linkTo, parent))
            g.add((node, GVC.linkType, URIRef(codes("link-type")["other"])))
            g.add(
                (
                    node,
                    DCTERMS.description,
                    Literal("international branch of (GLEIF Level 2 relationship)"),
                )
            )
        g.add((node, DCTERMS.identifier, Literal(str(rel))))
        records = sorted(src.subjects(GLEIF_BASE.records, rel), key=str)
        for record in records:
            g.add((node, PROV.wasDerivedFrom, self._evidence(record, *self._record_note(record))))
        if not records:
            evidence = self._evidence(
                rel, "GLEIF relationship (no relationship record in file)", []
            )
            g.add((node, PROV.wasDerivedFrom, evidence))
        self._period(rel, node, records)
        return None

    def _record_note(self, record: Node) -> tuple[str, list[str]]:
        extra = []
        period = self.src.value(record, GLEIF_L2.hasAccountingPeriod)
        if period is not None:
            start = self._date(period, GLEIF_BASE.hasStart)
            end = self._date(period, GLEIF_BASE.hasEnd)
            extra.append(f"accounting period {start or '?'} to {end or '?'}")
        return "GLEIF relationship record", extra

    def _period(self, rel: Node, node: URIRef, records: list[Node]) -> None:
        src = self.src
        period = src.value(rel, GLEIF_L2.hasRelationshipPeriod)
        start = self._date(period, GLEIF_BASE.hasStart)
        end = self._date(period, GLEIF_BASE.hasEnd)
        status = src.value(rel, GLEIF_L2.hasRelationshipStatus)
        status_name = _local(status).removeprefix("RelationshipStatus") if status else ""
        end_precision = "day"
        stated = None
        if status_name:
            self.g.add((node, SKOS.note, Literal(f"GLEIF relationship status: {status_name}.")))
        if end is None and status_name.lower() == "inactive":
            updates = [d for r in records if (d := self._date(r, GLEIF_BASE.hasLastUpdateDate))]
            last = max(updates) if updates else None
            if last is not None and (start is None or last >= start):
                end, end_precision = last, "approximate"
                stated = f"GLEIF: inactive at the record's last update ({last.isoformat()})"
        if start is not None and end is not None and end < start:
            self.problem(
                rel,
                "hasRelationshipPeriod",
                f"the relationship period ends ({end}) before it starts ({start})",
            )
            return
        add_validity(self.g, node, start, end, end_precision=end_precision, as_stated=stated)

    # ------------------------------------------------------------------ reporting exceptions
    def _exception(self, exc: Node) -> None:
        src = self.src
        entity = src.value(exc, GLEIF_REPEX.hasReportingEntity)
        lei = self.lei_of(entity) if entity is not None else None
        if lei is None or not LEI_PATTERN.match(lei):
            self.problem(exc, "hasReportingEntity", "the reporting entity has no LEI", "warning")
            return
        kinds = sorted(_local(t) for t in src.objects(exc, RDF.type))
        reason = src.value(exc, GLEIF_REPEX.hasExceptionReason)
        reason_name = _local(reason).removeprefix("ExceptionReasonKind") if reason else "?"
        text = f"GLEIF reporting exception ({', '.join(kinds) or 'unspecified'}): {reason_name}."
        self.g.add((lei_iri(lei), SKOS.note, Literal(text)))
