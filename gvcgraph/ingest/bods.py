"""BODS 0.4 (Beneficial Ownership Data Standard) JSON to gvcgraph RDF.

Input
-----
A BODS 0.4 package: a JSON array of statements (or JSON Lines, one statement per line, in a
``.jsonl`` / ``.ndjson`` file). Every statement is checked against the BODS 0.4 JSON Schema
(``bods_schema/``, shipped with gvcgraph, see its ``ATTRIBUTION.md``; nothing is fetched over
the network) and then against the rules the schema cannot express: unique ``statementId``,
``bodsVersion`` 0.4, one ``recordType`` per ``recordId``, relationships that point to entity
and person records of the same file, consistent share ranges and dates. Every problem of every
statement is reported at once, with the statement's number, ``statementId``, the line where it
starts and the field (``recordDetails.interests[0].share.exact``); nothing is returned if any
statement has an error.

Records and statements
----------------------
A record (``recordId``) may have several statements: BODS publishes a new statement with a
later ``statementDate`` when a record changes, and a ``closed`` statement when it ends. The
latest statement of each record (by ``statementDate``, then by position in the file) is its
current state and the only one whose details become facts. Every statement, superseded ones
included, becomes a ``gvc:Evidence`` node, so the history stays queryable: a superseded
statement's evidence points to the statement that replaced it (``dct:isReplacedBy``).

Mapping (facts sit in the source's named graph; IRIs are deterministic, no blank nodes)
--------------------------------------------------------------------------------------------
* the file -> one ``gvc:SourceDocument`` (``gvc:sourceId``, title from the publishers in
  ``publicationDetails``, ``dct:issued`` = latest ``publicationDate``, ``dct:publisher``,
  ``dct:license``, ``gvc:fileName``; ``gvc:sourceType`` ``register`` when a statement's source
  is an ``officialRegister``, else ``database``);
* statement -> ``gvc:Evidence``: ``oa:hasSource`` the document, ``gvc:line`` = the line where
  the statement starts, ``dct:identifier`` = ``statementId``, ``dct:date`` = ``statementDate``,
  ``gvc:evidenceStatus`` reported, and a ``skos:note`` with the record, its status and the
  statement's ``source`` (types, description, URL, retrieval date, asserted by);
* entity record -> ``gvc:Firm`` (``state`` / ``stateBody`` -> ``gvc:PublicBody``; anonymous
  and unknown entities get a label saying so and the reason in a note; arrangements such as
  trusts are firms too, noted as such): ``skos:prefLabel`` name, ``skos:altLabel`` other
  names, ``gvc:country`` from the jurisdiction code, ``gvc:foundingYear``, ``dct:identifier``
  ``scheme:id``, and ``gvc:lei`` for an ``XI-LEI`` identifier. An entity with a valid LEI is the
  node ``id/lei/<LEI>``, shared with GLEIF data and other sources; other records are
  ``id/bods/<source-id>/<recordId>`` (BODS record ids are unique only within one publisher);
* person record -> ``gvc:Person`` with the legal (or first) name, other names as
  ``skos:altLabel`` and nationalities as ``gvc:country``; anonymous and unknown persons are
  labelled so. Birth dates, addresses and personal identifiers are not copied;
* relationship record -> one fact per interest, ``prov:wasDerivedFrom`` the statement's
  evidence, with ``gvc:interestType`` (the BODS code; ``unknownInterest`` when the interest has
  no type), ``gvc:directOrIndirect`` (direct / indirect / unknown) and validity:

  - a ``shareholding`` interest, or any interest that states a ``share`` -> ``gvc:Ownership``
    (owner = interested party, owned = subject) with ``gvc:shareExact``, or ``gvc:shareMin`` /
    ``gvc:shareMax`` with ``gvc:shareMinExclusive`` / ``gvc:shareMaxExclusive`` (a BODS
    ``exclusiveMinimum`` is a minimum with the exclusive flag). Voting rights with a share are
    thus kept with their quantum; the derived rules turn a majority into control;
  - a control interest without a share -> ``gvc:Control`` (controller = interested party)
    with ``gvc:controlBasis``: see :data:`CONTROL_BASIS`;
  - ``boardMember`` / ``boardChair`` -> ``org:Membership`` of the person in the subject with
    ``gvc:roleLabel``;
  - any other interest (settlor, protector, nominee, unknown or unpublished interests, rights
    without a share ...) -> ``gvc:Linkage`` of type ``other`` described in words;
  - a relationship without interests -> one ``gvc:Linkage`` (the relationship is kept);
  - an interested party given inline as an unspecified record (``reason``) -> a node
    ``id/bods/<source-id>/<recordId>/interested-party`` that is not a person, labelled with the
    reason code, with the BODS description as ``dct:description``.

  Dates: ``startDate`` -> ``gvc:validFrom``; BODS ``endDate`` is the first day the interest no
  longer exists, so ``gvc:validTo`` (the last day it holds) is the day before, and the BODS
  wording is kept in ``gvc:validAsStated``. A relationship whose record is ``closed`` ends at
  the closing statement's date at the latest (``gvc:validTo`` with precision ``approximate``)
  unless its interests give an end date; a closed statement that lists no interests closes the
  interests of the record's previous statement.

Example
-------
>>> sid, graph, warnings = read(Path("bods-package-fi-soe.json"))   # doctest: +SKIP
>>> sid
'bods-package-fi-soe'
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

from rdflib import RDF, XSD, Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, ORG, PROV, SKOS

from gvcgraph.ingest.errors import InputError, Problem
from gvcgraph.ingest.external import (
    add_evidence,
    add_source_document,
    add_validity,
    country_iris,
    country_of,
    decode_utf8,
    iri_segment,
    lei_iri,
    lei_is_valid,
    new_graph,
    parse_date,
    read_input,
    source_id_for,
)
from gvcgraph.ingest.schema import codes
from gvcgraph.ingest.to_rdf import decimal_literal
from gvcgraph.ontology import terms
from gvcgraph.ontology.terms import GVC
from gvcgraph.text import printable

MAX_BYTES = 512 * 1024 * 1024
"""Largest BODS file read (512 MiB); bigger registers belong in a SPARQL server."""

MAX_PROBLEMS = 1000
"""At most this many problems are listed for one file (then a count of the rest)."""

SCHEMA_FILES = (
    "statement.json",
    "components.json",
    "entity-record.json",
    "person-record.json",
    "relationship-record.json",
)
"""The BODS 0.4 schema files in ``bods_schema/`` (their ``$id`` values are ``urn:...``)."""

JSON_LINES_SUFFIXES = {".jsonl", ".ndjson"}

CONTROL_BASIS = {
    "votingRights": "voting-rights",
    "appointmentOfBoard": "board-appointment",
    "otherInfluenceOrControl": "other",
    "seniorManagingOfficial": "other",
    "controlViaCompanyRulesOrArticles": "contract",
    "controlByLegalFramework": "state",
    "trustee": "other",
}
"""BODS interest types that are control (when no share is stated) -> ``control-basis`` code."""

BOARD_ROLES = {"boardMember": "board member", "boardChair": "board chair"}
"""BODS interest types that are board seats -> ``gvc:roleLabel`` of the ``org:Membership``."""

PUBLIC_ENTITY_TYPES = {"state", "stateBody"}
LEI_SCHEMES = {"XI-LEI", "LEI"}


# ---------------------------------------------------------------------------------- schema


def schema_dir() -> Path:
    """The folder holding the BODS 0.4 JSON Schema files shipped with gvcgraph."""
    return Path(str(resources.files("gvcgraph.ingest") / "bods_schema"))


@cache
def statement_validator() -> Any:
    """A JSON Schema (2020-12) validator for one BODS 0.4 statement, from the local files.

    The ``urn:`` references between the schema files are resolved from a registry built from
    the shipped files only; any other reference fails instead of being fetched.
    """
    from jsonschema import Draft202012Validator
    from referencing import Registry, Resource
    from referencing.exceptions import NoSuchResource

    def refuse(uri: str) -> Any:
        raise NoSuchResource(ref=uri)

    folder = schema_dir()
    pairs = []
    for name in SCHEMA_FILES:
        contents = json.loads((folder / name).read_text("utf-8"))
        pairs.append((contents["$id"], Resource.from_contents(contents)))
    registry = Registry(retrieve=refuse).with_resources(pairs)  # type: ignore[call-arg]
    return Draft202012Validator(
        {"$ref": "urn:statement#/$defs/Statement"},
        registry=registry,
        format_checker=_format_checker(),
    )


_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_DATE_TIME = re.compile(
    r"(\d{4}-\d{2}-\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(\.\d+)?([Zz]|[+-](\d{2}):(\d{2}))"
)
_URI = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*:[^\s<>\"{}|\\^`]+")


def _format_checker() -> Any:
    """Checks of the formats BODS uses (date, date-time, uri), without optional packages."""
    from jsonschema import FormatChecker

    checker = FormatChecker(formats=())

    @checker.checks("date", raises=ValueError)
    def is_date(value: object) -> bool:
        if not isinstance(value, str):
            return True
        if not _DATE.fullmatch(value):
            return False
        dt.date.fromisoformat(value)
        return True

    @checker.checks("date-time", raises=ValueError)
    def is_date_time(value: object) -> bool:
        if not isinstance(value, str):
            return True
        m = _DATE_TIME.fullmatch(value)
        if not m:
            return False
        dt.date.fromisoformat(m[1])
        hour, minute, second = int(m[2]), int(m[3]), int(m[4])
        return hour < 24 and minute < 60 and second <= 60

    @checker.checks("uri")
    def is_uri(value: object) -> bool:
        return not isinstance(value, str) or bool(_URI.fullmatch(value))

    del is_date, is_date_time, is_uri
    return checker


# ---------------------------------------------------------------------------------- reading


@dataclass
class _Statement:
    """One statement of the file, where it starts, and whether it passed the checks."""

    n: int
    line: int
    data: Any
    valid: bool = True
    duplicate: bool = False

    def get(self, key: str) -> Any:
        return self.data.get(key) if isinstance(self.data, dict) else None

    @property
    def statement_id(self) -> str | None:
        value = self.get("statementId")
        return value if isinstance(value, str) else None

    @property
    def record_id(self) -> str | None:
        value = self.get("recordId")
        return value if isinstance(value, str) else None

    @property
    def record_type(self) -> str | None:
        value = self.get("recordType")
        return value if isinstance(value, str) else None

    @property
    def details(self) -> dict[str, Any]:
        value = self.get("recordDetails")
        return value if isinstance(value, dict) else {}

    @property
    def status(self) -> str:
        return str(self.get("recordStatus") or "")

    @property
    def date(self) -> str:
        return str(self.get("statementDate") or "")

    @property
    def where(self) -> str:
        sid = self.statement_id
        # the id is the file's text: control characters shown, never acted on by a terminal
        return (
            f"statement {self.n} (statementId {printable(sid)})" if sid else f"statement {self.n}"
        )

    def order(self) -> tuple[str, str, int]:
        """Sort key: statement date, then time of day when given, then position in the file."""
        date, _, rest = self.date.partition("T")
        return (date, rest, self.n)


def read(path: Path, source_id: str | None = None) -> tuple[str, Graph, list[Problem]]:
    """Read one BODS 0.4 file: its source id, its RDF graph and the warnings.

    Parameters
    ----------
    path:
        A JSON file holding an array of BODS 0.4 statements, or a ``.jsonl`` file with one
        statement per line.
    source_id:
        The id of the source (its named graph is ``graph/source/<id>``); by default made from
        the file name.

    Returns
    -------
    tuple
        ``(source_id, graph, warnings)``.

    Raises
    ------
    InputError
        With every problem found (file, line and statement, field, what was expected) when the
        file is not valid BODS 0.4 or breaks the rules listed in the module docstring.
    """
    path = Path(path)
    name = str(path)
    sid, problems = source_id_for(path, source_id)
    raw, more = read_input(path, "a BODS 0.4 JSON file", MAX_BYTES)
    problems += more
    if raw is None:
        raise InputError(problems)
    text, more = decode_utf8(raw, name)
    problems += more
    if text is None:
        raise InputError(problems)
    if path.suffix.lower() in JSON_LINES_SUFFIXES:
        statements, more = _parse_json_lines(text, name)
    else:
        statements, more = _parse_json_array(text, name)
    problems += more
    if statements is None:
        raise InputError(problems)
    checker = _Checker(name, statements)
    problems += checker.run()
    errors = [p for p in problems if p.severity == "error"]
    if errors:
        raise InputError(_capped(problems))
    mapper = _Mapper(path, sid, checker.current_statements())
    graph = mapper.graph()
    return sid, graph, [*problems, *mapper.warnings]


def _a(word: str) -> str:
    """The indefinite article before ``word``."""
    return "an" if word[:1].lower() in "aeiou" else "a"


def _capped(problems: list[Problem]) -> list[Problem]:
    if len(problems) <= MAX_PROBLEMS:
        return problems
    rest = len(problems) - MAX_PROBLEMS
    last = problems[MAX_PROBLEMS]
    return [
        *problems[:MAX_PROBLEMS],
        Problem(last.file, None, "file", "", f"... and {rest} more problem(s) not listed"),
    ]


def _json_decoder(duplicates: list[str]) -> json.JSONDecoder:
    """A decoder that keeps numbers exact, refuses NaN/Infinity and notes duplicate keys."""

    def pairs(items: list[tuple[str, Any]]) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for key, value in items:
            if key in out:
                duplicates.append(key)
            out[key] = value
        return out

    def constant(name: str) -> Any:
        raise ValueError(f"{name} is not a valid JSON number")

    return json.JSONDecoder(
        object_pairs_hook=pairs, parse_float=Decimal, parse_constant=constant, strict=True
    )


def _json_problem(name: str, exc: Exception, text: str) -> Problem:
    if isinstance(exc, json.JSONDecodeError):
        return Problem(
            name,
            exc.lineno,
            f"line {exc.lineno}, column {exc.colno}",
            "",
            f"not valid JSON: {exc.msg}",
        )
    if isinstance(exc, RecursionError):
        return Problem(name, None, "file", "", "not usable JSON: nested too deeply")
    if "is not a valid JSON number" in str(exc):  # NaN or Infinity (see _json_decoder)
        m = re.search(r'(?<![\w."])-?(?:NaN|Infinity)(?![\w"])', text)
        line = text.count("\n", 0, m.start()) + 1 if m else None
        return Problem(name, line, f"line {line}" if line else "file", "", f"not valid JSON: {exc}")
    if "integer string conversion" in str(exc):  # Python's limit on the digits of an int
        m = re.search(r"\d{4301,}", text)
        line = text.count("\n", 0, m.start()) + 1 if m else None
        return Problem(
            name,
            line,
            f"line {line}" if line else "file",
            "",
            "not usable JSON: a number has more than 4300 digits",
        )
    return Problem(name, None, "file", "", f"not valid JSON: {exc}")


def _describe(value: Any) -> str:
    if isinstance(value, dict):
        return "a JSON object"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, (int, float, Decimal)):
        return "a number"
    if value is None:
        return "null"
    return "a JSON array"


def _parse_json_array(text: str, name: str) -> tuple[list[_Statement] | None, list[Problem]]:
    """The statements of a JSON array, each with the line it starts on."""
    duplicates: list[str] = []
    decoder = _json_decoder(duplicates)
    ws = re.compile(r"[ \t\n\r]*")
    i = ws.match(text, 0).end()  # type: ignore[union-attr]
    if not text.startswith("[", i):
        try:
            value = decoder.decode(text)
        except (ValueError, RecursionError) as exc:
            return None, [_json_problem(name, exc, text)]
        hint = ""
        if isinstance(value, dict) and "statementId" in value:
            hint = " (it looks like one statement: put it in [ ])"
        return None, [
            Problem(
                name,
                1,
                "line 1",
                "",
                f"expected a JSON array of BODS statements; the file holds {_describe(value)}"
                f"{hint}",
            )
        ]
    statements: list[_Statement] = []
    problems: list[Problem] = []
    line = 1
    last = 0
    i += 1
    try:
        i = ws.match(text, i).end()  # type: ignore[union-attr]
        if text.startswith("]", i):
            i += 1
        else:
            while True:
                line += text.count("\n", last, i)
                last = i
                duplicates.clear()
                value, i = decoder.raw_decode(text, i)
                statement = _Statement(len(statements) + 1, line, value)
                statements.append(statement)
                for key in dict.fromkeys(duplicates):
                    problems.append(
                        Problem(
                            name,
                            line,
                            statement.where,
                            key,
                            f"key {key!r} is given twice in one object",
                        )
                    )
                i = ws.match(text, i).end()  # type: ignore[union-attr]
                if text.startswith(",", i):
                    i = ws.match(text, i + 1).end()  # type: ignore[union-attr]
                    continue
                if text.startswith("]", i):
                    i += 1
                    break
                raise json.JSONDecodeError("expected ',' or ']' after a statement", text, i)
        i = ws.match(text, i).end()  # type: ignore[union-attr]
        if i != len(text):
            raise json.JSONDecodeError("extra data after the array", text, i)
    except (ValueError, RecursionError) as exc:
        return None, [_json_problem(name, exc, text)]
    if not statements:
        return None, [Problem(name, 1, "line 1", "", "the array holds no BODS statements")]
    return statements, problems


def _parse_json_lines(text: str, name: str) -> tuple[list[_Statement] | None, list[Problem]]:
    """The statements of a JSON Lines file (one statement per non-blank line)."""
    duplicates: list[str] = []
    decoder = _json_decoder(duplicates)
    statements: list[_Statement] = []
    problems: list[Problem] = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        duplicates.clear()
        try:
            value = decoder.decode(line)
        except (ValueError, RecursionError) as exc:
            p = _json_problem(name, exc, line)
            problems.append(Problem(name, number, f"line {number}", "", p.message))
            continue
        statement = _Statement(len(statements) + 1, number, value)
        statements.append(statement)
        for key in dict.fromkeys(duplicates):
            problems.append(
                Problem(name, number, statement.where, key, f"key {key!r} is given twice")
            )
    if problems:
        return None, problems
    if not statements:
        return None, [Problem(name, None, "file", "", "the file holds no BODS statements")]
    return statements, []


# ---------------------------------------------------------------------------------- checks


def _plain(value: Any) -> Any:
    if isinstance(value, Decimal):
        # a whole number as an int, unless it has more digits than Python prints (1E+5000)
        whole = value.is_finite() and value == value.to_integral_value()
        return int(value) if whole and value.adjusted() < 4000 else float(value)
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


def _show(value: Any, limit: int = 80) -> str:
    text = json.dumps(_plain(value), ensure_ascii=False)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _dotted(path: Iterator[Any] | Any) -> str:
    out = ""
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + str(part)
    return out


_REQUIRED = re.compile(r"^'(.+)' is a required property$")
_TYPE_NAMES = {
    "string": "a string",
    "object": "a JSON object",
    "array": "an array",
    "number": "a number",
    "integer": "a whole number",
    "boolean": "true or false",
    "null": "null",
}


def _schema_message(err: Any) -> tuple[list[Any], str]:
    """The path and a readable message of one JSON Schema error (descending into anyOf)."""
    from jsonschema.exceptions import best_match

    path = list(err.absolute_path)
    kind = err.validator
    value = err.validator_value
    instance = err.instance
    if kind in ("anyOf", "oneOf") and err.context:
        leaves = list(err.context)
        if all(e.validator == "required" for e in leaves):
            names = sorted({m[1] for e in leaves if (m := _REQUIRED.match(e.message))})
            return path, f"needs at least one of: {', '.join(names)}"
        if all(e.validator == "type" for e in leaves if not e.relative_path):
            types = [
                _TYPE_NAMES.get(str(e.validator_value), str(e.validator_value))
                for e in leaves
                if not e.relative_path
            ]
            if types:
                return (
                    path,
                    f"expected {' or '.join(dict.fromkeys(types))}, found {_show(instance)}",
                )
        return _schema_message(best_match(leaves))
    if kind == "required":
        m = _REQUIRED.match(err.message)
        missing = m[1] if m else "?"
        return [*path, missing], "missing: BODS 0.4 requires it"
    if kind == "type":
        wanted = value if isinstance(value, list) else [value]
        names = " or ".join(_TYPE_NAMES.get(str(t), str(t)) for t in wanted)
        return path, f"expected {names}, found {_show(instance)}"
    if kind == "enum":
        allowed = ", ".join(str(v) for v in value)
        return path, f"{_show(instance)} is not a BODS 0.4 code here; expected one of: {allowed}"
    if kind == "const":
        return path, f"expected {_show(value)} here, found {_show(instance)}"
    if kind in ("maximum", "exclusiveMaximum"):
        return path, f"{_show(instance)} is above the maximum of {_show(value)}"
    if kind in ("minimum", "exclusiveMinimum"):
        return path, f"{_show(instance)} is below the minimum of {_show(value)}"
    if kind == "minLength":
        return path, f"{_show(instance)} is too short: at least {value} characters"
    if kind == "maxLength":
        return path, f"{_show(instance)} is too long: at most {value} characters"
    if kind == "pattern":
        return path, f"{_show(instance)} does not have the expected form ({value})"
    if kind == "format":
        forms = {"date": "a date YYYY-MM-DD", "date-time": "a date-time YYYY-MM-DDThh:mm:ssZ"}
        return path, f"{_show(instance)} is not {forms.get(str(value), 'a valid ' + str(value))}"
    return path, err.message.replace("Decimal(", "(")


class _Checker:
    """Schema and cross-statement checks of one file."""

    def __init__(self, name: str, statements: list[_Statement]):
        self.name = name
        self.statements = statements
        self.problems: list[Problem] = []

    def problem(self, st: _Statement, field: str, message: str, severity: str = "error") -> None:
        self.problems.append(
            Problem(self.name, st.line, st.where, field, message, severity)  # type: ignore[arg-type]
        )

    def run(self) -> list[Problem]:
        validator = statement_validator()
        for st in self.statements:
            errors = sorted(validator.iter_errors(st.data), key=lambda e: _dotted(e.absolute_path))
            for err in errors:
                path, message = _schema_message(err)
                self.problem(st, _dotted(path), message)
            if errors or not self._version_ok(st):
                st.valid = False
        self._unique_statement_ids()
        self._records()
        return self.problems

    def _version_ok(self, st: _Statement) -> bool:
        details = st.get("publicationDetails")
        version = details.get("bodsVersion") if isinstance(details, dict) else None
        if version is None or str(version) == "0.4":
            return True
        self.problem(
            st,
            "publicationDetails.bodsVersion",
            f"this reader reads BODS 0.4; the statement declares bodsVersion {_show(version)}",
        )
        return False

    def _unique_statement_ids(self) -> None:
        seen: dict[str, _Statement] = {}
        for st in self.statements:
            sid = st.statement_id
            if sid is None:
                continue
            first = seen.get(sid)
            if first is None:
                seen[sid] = st
            elif first.data == st.data:
                self.problem(
                    st,
                    "statementId",
                    f"repeats statement {first.n} (line {first.line}) exactly; the copy is ignored",
                    "warning",
                )
                st.valid = False
                st.duplicate = True
            else:
                self.problem(
                    st,
                    "statementId",
                    f"statementId {sid!r} is also the id of statement {first.n} (line "
                    f"{first.line}), which says something else; statement ids must be unique",
                )
                st.valid = False

    def _records(self) -> None:
        types: dict[str, tuple[str, _Statement]] = {}
        for st in self.statements:
            rid, rtype = st.record_id, st.record_type
            if rid is None or rtype is None or st.duplicate:
                continue
            if rid in types and types[rid][0] != rtype:
                other = types[rid][1]
                self.problem(
                    st,
                    "recordType",
                    f"record {rid!r} is {_a(rtype)} {rtype} here but {_a(types[rid][0])} "
                    f"{types[rid][0]} in statement "
                    f"{other.n} (line {other.line}); one record has one type",
                )
                st.valid = False
                continue
            types.setdefault(rid, (rtype, st))
        kinds = {rid: t for rid, (t, _) in types.items()}
        for st in self.statements:
            if st.valid and st.record_type == "relationship":
                self._relationship(st, kinds)

    def _relationship(self, st: _Statement, types: dict[str, str]) -> None:
        d = st.details
        subject, party = d.get("subject"), d.get("interestedParty")
        if isinstance(subject, str):
            kind = types.get(subject)
            if kind is None:
                self.problem(
                    st,
                    "recordDetails.subject",
                    f"{subject!r} is not the recordId of any entity statement in this file",
                )
            elif kind != "entity":
                self.problem(
                    st,
                    "recordDetails.subject",
                    f"{subject!r} is a {kind} record; the subject of a relationship must be an "
                    "entity",
                )
        if isinstance(party, str):
            kind = types.get(party)
            if kind is None:
                self.problem(
                    st,
                    "recordDetails.interestedParty",
                    f"{party!r} is not the recordId of any entity or person statement in this file",
                )
            elif kind == "relationship":
                self.problem(
                    st,
                    "recordDetails.interestedParty",
                    f"{party!r} is a relationship record; the interested party must be an entity "
                    "or a person",
                )
        if isinstance(subject, str) and subject == party:
            self.problem(
                st,
                "recordDetails.interestedParty",
                f"the interested party is the subject itself ({subject!r})",
            )
        for k, interest in enumerate(d.get("interests") or []):
            self._interest(st, f"recordDetails.interests[{k}]", interest)

    def _interest(self, st: _Statement, where: str, interest: dict[str, Any]) -> None:
        share = interest.get("share") or {}
        lo_inc, lo_exc = share.get("minimum"), share.get("exclusiveMinimum")
        hi_inc, hi_exc = share.get("maximum"), share.get("exclusiveMaximum")
        exact = share.get("exact")
        if lo_inc is not None and lo_exc is not None:
            self.problem(
                st, f"{where}.share", "give minimum or exclusiveMinimum, not both", "error"
            )
        if hi_inc is not None and hi_exc is not None:
            self.problem(
                st, f"{where}.share", "give maximum or exclusiveMaximum, not both", "error"
            )
        lo = lo_inc if lo_inc is not None else lo_exc
        hi = hi_inc if hi_inc is not None else hi_exc
        if lo is not None and hi is not None:
            empty = lo > hi or (lo == hi and (lo_exc is not None or hi_exc is not None))
            if empty:
                self.problem(
                    st,
                    f"{where}.share",
                    f"the range from {_show(lo)} to {_show(hi)} holds no share "
                    "(the minimum must be below the maximum)",
                )
        if exact is not None and (lo is not None or hi is not None):
            inside = (lo is None or exact > lo or (exact == lo and lo_exc is None)) and (
                hi is None or exact < hi or (exact == hi and hi_exc is None)
            )
            if inside:
                self.problem(
                    st,
                    f"{where}.share",
                    f"both an exact share ({_show(exact)}) and a range are given; the exact "
                    "share is used",
                    "warning",
                )
            else:
                self.problem(
                    st,
                    f"{where}.share.exact",
                    f"the exact share {_show(exact)} lies outside the range also given",
                )
        start, end = interest.get("startDate"), interest.get("endDate")
        if isinstance(start, str) and isinstance(end, str) and end < start:
            self.problem(
                st, f"{where}.endDate", f"endDate {end} is before startDate {start}", "error"
            )

    def current_statements(self) -> list[_Statement]:
        """The statements to map (valid ones, duplicates dropped), in file order."""
        return [st for st in self.statements if st.valid and not st.duplicate]


# ---------------------------------------------------------------------------------- mapping


@dataclass
class _Record:
    """All statements of one record, oldest first."""

    record_id: str
    record_type: str
    statements: list[_Statement]

    @property
    def latest(self) -> _Statement:
        return self.statements[-1]


class _Mapper:
    """Builds the RDF graph of one checked file."""

    def __init__(self, path: Path, source_id: str, statements: list[_Statement]):
        self.path = path
        self.name = str(path)
        self.sid = source_id
        self.statements = statements
        self.g = new_graph()
        self.warnings: list[Problem] = []
        grouped: dict[str, list[_Statement]] = {}
        for st in statements:
            grouped.setdefault(st.record_id or "", []).append(st)
        self.records = {
            rid: _Record(rid, sts[0].record_type or "", sorted(sts, key=_Statement.order))
            for rid, sts in grouped.items()
        }
        self.doc = URIRef(terms.document_iri(source_id))
        self.nodes: dict[str, URIRef] = {}
        self.leis: dict[str, str] = {}

    def warn(self, st: _Statement, field: str, message: str) -> None:
        self.warnings.append(Problem(self.name, st.line, st.where, field, message, "warning"))

    # ------------------------------------------------------------------ top level
    def graph(self) -> Graph:
        self._document()
        for st in self.statements:
            self._statement_evidence(st)
        for rec in self.records.values():
            for older, newer in zip(rec.statements, rec.statements[1:], strict=False):
                self.g.add(
                    (self.evidence_iri(older), DCTERMS.isReplacedBy, self.evidence_iri(newer))
                )
        for rid, rec in self.records.items():
            lei = self._lei(rec.latest) if rec.record_type == "entity" else None
            if lei:
                self.leis[rid] = lei
                self.nodes[rid] = lei_iri(lei)
            else:
                self.nodes[rid] = URIRef(terms.entity_iri(f"bods/{self.sid}/{iri_segment(rid)}"))
        for rec in self.records.values():
            if rec.record_type == "entity":
                self._entity(rec)
            elif rec.record_type == "person":
                self._person(rec)
        for rec in self.records.values():
            if rec.record_type == "relationship":
                self._relationship(rec)
        return self.g

    def _document(self) -> None:
        publishers: list[str] = []
        licenses: list[str] = []
        issued: dt.date | None = None
        register = False
        for st in self.statements:
            pub = st.get("publicationDetails") or {}
            publisher = pub.get("publisher") or {}
            if publisher.get("name"):
                publishers.append(str(publisher["name"]))
            elif publisher.get("url"):
                publishers.append(str(publisher["url"]))
            if pub.get("license"):
                licenses.append(str(pub["license"]))
            date = parse_date(str(pub.get("publicationDate") or ""))
            if date is not None and (issued is None or date > issued):
                issued = date
            source = st.get("source") or {}
            register = register or "officialRegister" in (source.get("type") or [])
        names = list(dict.fromkeys(publishers))
        title = (
            f"BODS 0.4 statements published by {', '.join(names)} ({self.path.name})"
            if names
            else f"BODS 0.4 statements ({self.path.name})"
        )
        add_source_document(
            self.g,
            self.sid,
            title=title,
            file_name=self.path.name,
            source_type="register" if register else "database",
            issued=issued,
            publishers=names,
            licenses=licenses,
            note=f"{len(self.statements)} BODS statement(s) about {len(self.records)} record(s).",
        )

    # ------------------------------------------------------------------ evidence
    def evidence_iri(self, st: _Statement) -> URIRef:
        return URIRef(terms.fact_iri(self.sid, f"statement/{iri_segment(st.statement_id or '')}"))

    def _statement_evidence(self, st: _Statement) -> None:
        parts = [
            f"BODS {st.record_type} statement about record {st.record_id}"
            + (f" (recordStatus {st.status})" if st.status else "")
        ]
        source = st.get("source") or {}
        if source.get("type"):
            parts.append("source type: " + ", ".join(source["type"]))
        if source.get("description"):
            parts.append(f"source: {source['description']}")
        if source.get("url"):
            parts.append(f"source URL: {source['url']}")
        if source.get("retrievedAt"):
            parts.append(f"retrieved at {source['retrievedAt']}")
        asserted = [a.get("name") or a.get("uri") for a in source.get("assertedBy") or []]
        if any(asserted):
            parts.append("asserted by " + ", ".join(str(a) for a in asserted if a))
        if st.get("declaration"):
            parts.append(f"declaration {st.get('declaration')}")
        date = st.date
        literal = Literal(date, datatype=XSD.date if _DATE.fullmatch(date) else XSD.dateTime)
        add_evidence(
            self.g,
            self.evidence_iri(st),
            self.doc,
            line=st.line,
            identifier=st.statement_id,
            date=literal,
            note="; ".join(parts),
        )

    # ------------------------------------------------------------------ entities and persons
    def _lei(self, st: _Statement) -> str | None:
        for k, ident in enumerate(st.details.get("identifiers") or []):
            scheme = str(ident.get("scheme") or "")
            scheme_name = str(ident.get("schemeName") or "")
            is_lei = scheme in LEI_SCHEMES or "legal entity identifier" in scheme_name.lower()
            if not is_lei or not ident.get("id"):
                continue
            lei = str(ident["id"]).strip().upper()
            if lei_is_valid(lei):
                return lei
            self.warn(
                st,
                f"recordDetails.identifiers[{k}].id",
                f"{lei!r} is not a valid LEI (20 characters with correct check digits); "
                "it is kept as an identifier only",
            )
        return None

    def _common(self, node: URIRef, st: _Statement, cls: URIRef) -> None:
        g = self.g
        g.add((node, RDF.type, cls))
        g.add((node, PROV.wasDerivedFrom, self.evidence_iri(st)))
        if st.status == "closed":
            g.add((node, SKOS.note, Literal(f"BODS record closed by the statement of {st.date}.")))

    def _entity(self, rec: _Record) -> None:
        st = rec.latest
        d = st.details
        node = self.nodes[rec.record_id]
        etype = (d.get("entityType") or {}).get("type", "")
        cls = GVC.PublicBody if etype in PUBLIC_ENTITY_TYPES else GVC.Firm
        self._common(node, st, cls)
        g = self.g
        labels = {
            "anonymousEntity": "Anonymous entity",
            "unknownEntity": "Unknown entity",
        }
        name = d.get("name")
        if name:
            g.add((node, SKOS.prefLabel, Literal(str(name))))
        else:
            label = labels.get(etype, "Unnamed entity")
            g.add((node, SKOS.prefLabel, Literal(f"{label} (BODS record {rec.record_id})")))
        for alt in d.get("alternateNames") or []:
            g.add((node, SKOS.altLabel, Literal(str(alt))))
        kind = d.get("entityType") or {}
        note = f"BODS entity type: {etype}"
        if kind.get("subtype"):
            note += f" ({kind['subtype']})"
        if kind.get("details"):
            note += f"; {kind['details']}"
        g.add((node, SKOS.note, Literal(note)))
        self._unspecified(node, d.get("unspecifiedEntityDetails"))
        self._country(node, st, "recordDetails.jurisdiction.code", (d.get("jurisdiction") or {}))
        founding = parse_date(str(d.get("foundingDate") or ""))
        if founding is not None and cls == GVC.Firm and 1000 <= founding.year <= 2999:
            g.add((node, GVC.foundingYear, Literal(founding.year, datatype=XSD.integer)))
        if d.get("dissolutionDate"):
            g.add((node, SKOS.note, Literal(f"Dissolved on {d['dissolutionDate']} (BODS).")))
        if rec.record_id in self.leis:
            g.add((node, GVC.lei, Literal(self.leis[rec.record_id])))
        for ident in d.get("identifiers") or []:
            scheme = ident.get("scheme") or ident.get("schemeName")
            if ident.get("id") and scheme:
                g.add((node, DCTERMS.identifier, Literal(f"{scheme}:{ident['id']}")))

    def _person(self, rec: _Record) -> None:
        st = rec.latest
        d = st.details
        node = self.nodes[rec.record_id]
        self._common(node, st, GVC.Person)
        g = self.g
        names = [n for n in d.get("names") or [] if n.get("fullName")]
        names.sort(key=lambda n: n.get("type") != "legal")
        if names:
            g.add((node, SKOS.prefLabel, Literal(str(names[0]["fullName"]))))
            for other in names[1:]:
                if other["fullName"] != names[0]["fullName"]:
                    g.add((node, SKOS.altLabel, Literal(str(other["fullName"]))))
        else:
            ptype = d.get("personType")
            label = {"anonymousPerson": "Anonymous person", "unknownPerson": "Unknown person"}
            text = label.get(str(ptype), "Unnamed person")
            g.add((node, SKOS.prefLabel, Literal(f"{text} (BODS record {rec.record_id})")))
        g.add((node, SKOS.note, Literal(f"BODS person type: {d.get('personType')}")))
        self._unspecified(node, d.get("unspecifiedPersonDetails"))
        for k, nationality in enumerate(d.get("nationalities") or []):
            self._country(node, st, f"recordDetails.nationalities[{k}].code", nationality)

    def _unspecified(self, node: URIRef, details: Any) -> None:
        if not isinstance(details, dict) or not details.get("reason"):
            return
        self.g.add((node, SKOS.note, Literal(f"BODS unspecifiedReason: {details['reason']}")))
        if details.get("description"):
            self.g.add((node, DCTERMS.description, Literal(str(details["description"]))))

    def _country(self, node: URIRef, st: _Statement, field: str, place: dict[str, Any]) -> None:
        code = place.get("code")
        if not code:
            return
        country = country_of(str(code))
        if country is None:
            self.warn(st, field, f"{code!r} is not an ISO 3166 country code; no country is set")
            return
        self.g.add((node, GVC.country, URIRef(country_iris()[country])))

    # ------------------------------------------------------------------ relationships
    def _party(self, rec: _Record, value: Any, role: str) -> URIRef:
        """The node of a subject or interested party: a record, or an unspecified party."""
        if isinstance(value, str):
            return self.nodes[value]
        node = URIRef(terms.entity_iri(f"bods/{self.sid}/{iri_segment(rec.record_id)}/{role}"))
        reason = str(value.get("reason", "unknown"))
        what = "interested party" if role == "interested-party" else "subject"
        g = self.g
        g.add((node, SKOS.prefLabel, Literal(f"Unspecified {what} ({reason})")))
        g.add((node, SKOS.note, Literal(f"BODS unspecifiedReason: {reason}")))
        if value.get("description"):
            g.add((node, DCTERMS.description, Literal(str(value["description"]))))
        g.add((node, PROV.wasDerivedFrom, self.evidence_iri(rec.latest)))
        if role == "subject":
            g.add((node, RDF.type, GVC.Firm))
        return node

    def _relationship(self, rec: _Record) -> None:
        st = rec.latest
        d = st.details
        subject = self._party(rec, d.get("subject"), "subject")
        party = self._party(rec, d.get("interestedParty"), "interested-party")
        interests = list(d.get("interests") or [])
        sources = [st]
        if st.status == "closed" and not interests:
            for earlier in reversed(rec.statements[:-1]):
                if earlier.details.get("interests"):
                    interests = list(earlier.details["interests"])
                    sources = [earlier, st]
                    break
        base = f"relationship/{iri_segment(rec.record_id)}"
        if not interests:
            node = URIRef(terms.fact_iri(self.sid, base))
            self._linkage(node, party, subject, "BODS relationship that states no interests")
            self._fact_common(node, sources, None, st)
            return
        for k, interest in enumerate(interests, start=1):
            node = URIRef(terms.fact_iri(self.sid, f"{base}/interest/{k}"))
            itype = interest.get("type") or "unknownInterest"
            if interest.get("share") or itype == "shareholding":
                self._ownership(node, party, subject, interest.get("share") or {})
            elif itype in CONTROL_BASIS:
                g = self.g
                g.add((node, RDF.type, GVC.Control))
                g.add((node, GVC.controller, party))
                g.add((node, GVC.controlled, subject))
                basis = codes("control-basis")[CONTROL_BASIS[itype]]
                g.add((node, GVC.controlBasis, URIRef(basis)))
            elif itype in BOARD_ROLES:
                g = self.g
                g.add((node, RDF.type, ORG.Membership))
                g.add((node, ORG.member, party))
                g.add((node, ORG.organization, subject))
                g.add((node, GVC.roleLabel, Literal(BOARD_ROLES[itype])))
            else:
                stated = interest.get("type") or "not stated"
                self._linkage(node, party, subject, f"BODS interest of type {stated}")
            self.g.add((node, GVC.interestType, URIRef(codes("interest-type")[itype])))
            self._fact_common(node, sources, interest, st)

    def _linkage(self, node: URIRef, party: URIRef, subject: URIRef, text: str) -> None:
        g = self.g
        g.add((node, RDF.type, GVC.Linkage))
        g.add((node, GVC.linkFrom, party))
        g.add((node, GVC.linkTo, subject))
        g.add((node, GVC.linkType, URIRef(codes("link-type")["other"])))
        g.add((node, DCTERMS.description, Literal(f"{text}: interested party -> subject")))

    def _ownership(self, node: URIRef, owner: URIRef, owned: URIRef, share: dict[str, Any]) -> None:
        g = self.g
        g.add((node, RDF.type, GVC.Ownership))
        g.add((node, GVC.owner, owner))
        g.add((node, GVC.owned, owned))
        if share.get("exact") is not None:
            g.add((node, GVC.shareExact, decimal_literal(share["exact"])))
            return
        for inc, exc, value_p, flag_p in (
            ("minimum", "exclusiveMinimum", GVC.shareMin, GVC.shareMinExclusive),
            ("maximum", "exclusiveMaximum", GVC.shareMax, GVC.shareMaxExclusive),
        ):
            value = share.get(inc) if share.get(inc) is not None else share.get(exc)
            if value is None:
                continue
            g.add((node, value_p, decimal_literal(value)))
            exclusive = share.get(inc) is None
            g.add((node, flag_p, Literal(exclusive, datatype=XSD.boolean)))

    def _fact_common(
        self,
        node: URIRef,
        sources: list[_Statement],
        interest: dict[str, Any] | None,
        latest: _Statement,
    ) -> None:
        g = self.g
        for st in sources:
            g.add((node, PROV.wasDerivedFrom, self.evidence_iri(st)))
        interest = interest or {}
        direct = interest.get("directOrIndirect")
        if direct:
            concept = codes("direct-or-indirect")[direct]
            g.add((node, GVC.directOrIndirect, URIRef(concept)))
        notes = []
        if "beneficialOwnershipOrControl" in interest:
            flag = "true" if interest["beneficialOwnershipOrControl"] else "false"
            notes.append(f"beneficialOwnershipOrControl {flag}")
        if interest.get("details"):
            notes.append(f"details: {interest['details']}")
        if notes:
            g.add((node, SKOS.note, Literal("BODS interest: " + "; ".join(notes))))
        self._dates(node, interest, latest)

    def _dates(self, node: URIRef, interest: dict[str, Any], latest: _Statement) -> None:
        start = parse_date(str(interest.get("startDate") or ""))
        end_stated = parse_date(str(interest.get("endDate") or ""))
        stated = []
        if interest.get("startDate"):
            stated.append(f"startDate {interest['startDate']}")
        end: dt.date | None = None
        end_precision = "day"
        if end_stated is not None:
            end = end_stated - dt.timedelta(days=1)
            if start is not None and end < start:
                end = end_stated
            stated.append(f"endDate {interest['endDate']} (first day without the interest)")
        elif latest.status == "closed":
            closed = parse_date(latest.date)
            if closed is not None and (start is None or closed >= start):
                end = closed
                end_precision = "approximate"
                stated.append(f"record closed by the statement of {latest.date}")
            else:
                self.warn(
                    latest,
                    "statementDate",
                    "the record is closed on a date before the interest's startDate; "
                    "no end date is set",
                )
        as_stated = "BODS " + "; ".join(stated) if (end is not None and stated) else None
        add_validity(self.g, node, start, end, end_precision=end_precision, as_stated=as_stated)
