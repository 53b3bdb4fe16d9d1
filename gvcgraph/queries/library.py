"""Named queries: SPARQL files with a header, listed and run with typed parameters.

Each ``gvcgraph/queries/<name>.rq`` answers one competency question. The file opens with a
header of comment lines in a fixed format::

    # title: Which TNCs' local suppliers sit at tier 2 or below?
    # description: Chain participation facts that place a participant at tier min_tier or
    #   deeper relative to a lead firm that some source codes as multinational ...
    # param: min_tier integer 2 The shallowest tier to list (2 = second-level suppliers).
    # param: lead entity - Only this lead firm (an entity id such as volkswagen).
    # example: gvcgraph query tnc-deep-tier-suppliers --param min_tier=3

    SELECT ... WHERE {
      # @params
      GRAPH ?g { ?fact a gvc:ChainParticipation ; gvc:relativeTo ?lead ; gvc:tier ?tier }
      FILTER(?tier >= ?min_tier)
      ...
    }

* ``title`` (one line) and ``description`` are required; a line that starts with ``#`` and
  at least two spaces continues the field above it.
* ``param: NAME TYPE DEFAULT DESCRIPTION``, one line per parameter (``param: none`` for a
  query without parameters). DEFAULT is a value of the type, ``required`` (the caller must
  give it) or ``-`` (optional: left unbound when not given, which the query reads as "no
  restriction"); a default with spaces is written in double quotes.
* ``example:`` at least one command line that runs the query.

Parameter types, and the RDF term each value becomes:

================ ======================================================================
``string``       a plain literal (``xsd:string``)
``integer``      ``xsd:integer``
``decimal``      ``xsd:decimal``
``date``         ``xsd:date``; ``YYYY`` and ``YYYY-MM`` mean the first day
``entity``       an entity id (``intel``) as its IRI, :func:`terms.entity_iri`
``iri``          a full IRI, or ``prefix:local`` with a gvcgraph prefix (``gvc:Firm``)
``code:SCHEME``  a code of a controlled vocabulary as its SKOS concept IRI
================ ======================================================================

Binding. A query with parameters holds one line ``# @params`` at the start of its outermost
``WHERE`` group; :func:`build_sparql` replaces it with a ``VALUES`` block of RDF terms,
serialised by pyoxigraph (IRIs validated, literals quoted and escaped). User text is never
pasted into the query: a crafted value stays one literal (or is rejected as a bad IRI or id)
and cannot change the query's structure. The block sits *inside* the ``WHERE`` group rather
than after the query (:func:`gvcgraph.graph.store.with_values` does both), because a
trailing ``VALUES`` is joined after the ``WHERE`` clause has been evaluated, so ``FILTER``
comparisons (``?tier >= ?min_tier``, as-of dates) would not see the values. Without the
marker line (``gvcgraph query -f FILE.rq``) the parameters stay unbound.

Writing a query: SPARQL evaluates a nested group (a ``UNION`` branch, an ``OPTIONAL``'s
``BIND``, a subquery) on its own, before joining it with the group around it, so a parameter
is seen there only as a join variable. Use parameters in ``FILTER`` and ``BIND`` at the top
level of the ``WHERE`` group (a ``FILTER`` directly inside an ``OPTIONAL`` also sees them:
it is the condition of the left join). An optional parameter is unbound when not given:
write ``FILTER(!BOUND(?p) || ...)``. Never start an ``OPTIONAL`` from a variable that may be
unbound (``OPTIONAL { ?code_iri skos:notation ?code }``): it then matches every concept.
Each row of a fact carries its evidence: ``source`` (source id), ``file``, ``line`` (first
line cited) and ``evidence`` (each passage as ``L<line>[-<end>]: "quote"`` with its status
when it is not ``reported``).

Example
-------
>>> from gvcgraph.graph.store import KnowledgeGraph
>>> from gvcgraph.queries.library import run_query
>>> run_query(KnowledgeGraph.default(), "suppliers-of", {"buyer": "intel"})  # doctest: +SKIP
"""

from __future__ import annotations

import datetime as dt
import difflib
import re
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from importlib import resources
from pathlib import Path
from typing import Any

import pandas as pd
import pyoxigraph as ox

from gvcgraph.graph.store import PARAMS_MARKER, KnowledgeGraph, QueryError, with_values
from gvcgraph.ontology import terms

XSD = "http://www.w3.org/2001/XMLSchema#"
MARKER = PARAMS_MARKER
"""The line of a query that the ``VALUES`` block of its parameters replaces."""

BASE_TYPES = ("iri", "entity", "string", "integer", "decimal", "date")
HEADER_KEYS = ("title", "description", "param", "example")
ENTITY_ID = re.compile(r"^[a-z0-9][a-z0-9._-]*$")
NAME = re.compile(r"^[a-z0-9][a-z0-9-]*$")
PARAM_NAME = re.compile(r"^[a-z][a-z0-9_]*$")
_FIELD = re.compile(r"^# ([a-z_]+):(.*)$")
_CONTINUATION = re.compile(r"^#\s{2,}(\S.*)$")
_TYPE_WORDS = {
    "iri": "an IRI (https://... or prefix:local)",
    "entity": "an entity id (lower-case letters, digits, '.', '_' and '-', e.g. intel)",
    "string": "a text",
    "integer": "a whole number",
    "decimal": "a number",
    "date": "a date YYYY, YYYY-MM or YYYY-MM-DD",
}


MAX_DIGITS = 15
"""Integer and decimal parameters are below 10^15 in magnitude (and decimals above 10^-15)."""

MAX_SHOWN = 60
"""Longest parameter value quoted in full in a message."""


def _show(value: str) -> str:
    """A value as quoted in a message: ``repr``, cut when it is long."""
    text = repr(value)
    return text if len(text) <= MAX_SHOWN else f"{value[:40]!r}... ({len(value)} characters)"


class QueryLibraryError(QueryError):
    """A named query that cannot be found, read or run with the parameters given.

    A subclass of :class:`~gvcgraph.graph.store.QueryError`, so that the command line
    reports it as a message with a non-zero exit status, never a traceback.
    """


@dataclass(frozen=True)
class Parameter:
    """One parameter of a named query, as declared in its header.

    Attributes
    ----------
    name : str
        The SPARQL variable it binds (without ``?``).
    type : str
        ``iri``, ``entity``, ``string``, ``integer``, ``decimal``, ``date`` or
        ``code:<scheme>``.
    default : str or None
        The default value as written in the header; ``None`` when there is none.
    required : bool
        Whether the caller must give a value.
    description : str
        What the parameter means.
    """

    name: str
    type: str
    default: str | None
    required: bool
    description: str

    @property
    def scheme(self) -> str | None:
        """The vocabulary of a ``code:<scheme>`` parameter, else ``None``."""
        return self.type[5:] if self.type.startswith("code:") else None

    def describe_default(self) -> str:
        """The default as shown to people: the value, ``required`` or ``(none)``."""
        if self.required:
            return "required"
        return self.default if self.default is not None else "(none)"

    def to_term(self, value: Any, query: str = "") -> ox.NamedNode | ox.Literal:
        """Convert a value (text from the command line, or a Python value) to an RDF term.

        Raises :class:`QueryLibraryError` when the value is not of the parameter's type.
        """
        text = value.isoformat() if isinstance(value, dt.date) else str(value)
        text = text.strip()
        where = f"parameter {self.name!r}" + (f" of query {query!r}" if query else "")
        scheme = self.scheme
        if scheme is not None:
            return ox.NamedNode(_concept(scheme, text, where))
        kind = self.type
        try:
            if kind == "string":
                return ox.Literal(text)
            if kind == "integer":
                if not re.fullmatch(r"[+-]?\d+", text):
                    raise ValueError
                if len(text.lstrip("+-").lstrip("0")) > MAX_DIGITS:
                    raise QueryLibraryError(f"{where} is out of range: {_show(text)}")
                return ox.Literal(str(int(text)), datatype=ox.NamedNode(XSD + "integer"))
            if kind == "decimal":
                if len(text) > 100:
                    raise ValueError
                number = Decimal(text)
                if not number.is_finite():
                    raise ValueError
                if number and not -MAX_DIGITS <= number.adjusted() < MAX_DIGITS:
                    raise QueryLibraryError(f"{where} is out of range: {_show(text)}")
                return ox.Literal(format(number, "f"), datatype=ox.NamedNode(XSD + "decimal"))
            if kind == "date":
                return ox.Literal(_iso_date(text), datatype=ox.NamedNode(XSD + "date"))
            if kind == "entity":
                if not ENTITY_ID.fullmatch(text):
                    raise ValueError
                return ox.NamedNode(terms.entity_iri(text))
            if kind == "iri":
                return ox.NamedNode(_expand_iri(text))
        except (ValueError, InvalidOperation):
            raise QueryLibraryError(
                f"{where} must be {_TYPE_WORDS[kind]}, not {_show(text)}"
            ) from None
        raise QueryLibraryError(f"{where} has an unknown type {self.type!r}")


@dataclass(frozen=True)
class NamedQuery:
    """A named query: its header fields and its SPARQL text.

    Attributes
    ----------
    name : str
        The file name without ``.rq``.
    title, description : str
        From the header.
    parameters : tuple of Parameter
        In header order.
    examples : tuple of str
        Command lines that run the query.
    sparql : str
        The whole file (header included: it is made of SPARQL comments).
    path : Path
        Where the file is.
    """

    name: str
    title: str
    description: str
    parameters: tuple[Parameter, ...]
    examples: tuple[str, ...]
    sparql: str
    path: Path

    def parameter(self, name: str) -> Parameter:
        """The parameter called ``name``; :class:`QueryLibraryError` if there is none."""
        for p in self.parameters:
            if p.name == name:
                return p
        known = ", ".join(p.name for p in self.parameters)
        raise QueryLibraryError(
            f"query {self.name!r} has no parameter {_show(name)}; "
            + (f"its parameters: {known}" if known else "it takes no parameters")
        )


# ---------------------------------------------------------------------- reading the files
def query_dir() -> Path:
    """The folder that holds the bundled ``*.rq`` files."""
    return Path(str(resources.files("gvcgraph") / "queries"))


def parse_query(text: str, name: str, path: Path | None = None) -> NamedQuery:
    """Parse a named query's header; :class:`QueryLibraryError` names the first mistake.

    Parameters
    ----------
    text : str
        The content of the ``.rq`` file.
    name : str
        The query's name (the file name without ``.rq``).
    path : Path, optional
        The file, for messages.
    """
    where = str(path) if path is not None else name
    if not NAME.fullmatch(name):
        raise QueryLibraryError(f"{where}: a query name is lower-case letters, digits and '-'")
    fields: list[tuple[str, str, int]] = []
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.rstrip()
        if not line.startswith("#"):
            break
        if line.strip() == "#":
            continue
        field = _FIELD.match(line)
        if field and field.group(1) in HEADER_KEYS:
            fields.append((field.group(1), field.group(2).strip(), number))
            continue
        more = _CONTINUATION.match(line)
        if more and fields:
            key, value, start = fields[-1]
            fields[-1] = (key, f"{value} {more.group(1).strip()}".strip(), start)
            continue
        raise QueryLibraryError(
            f"{where}, line {number}: expected '# key: value' (keys: {', '.join(HEADER_KEYS)})"
            " or a continuation line starting with '#' and two spaces"
        )
    found = {key for key, _, _ in fields}
    for key in ("title", "description", "example"):
        if key not in found:
            raise QueryLibraryError(f"{where}: the header has no '# {key}:' line")
    single = {}
    for key, value, number in fields:
        if key in ("title", "description"):
            if key in single:
                raise QueryLibraryError(f"{where}, line {number}: a second '# {key}:' line")
            if not value:
                raise QueryLibraryError(f"{where}, line {number}: empty '# {key}:'")
            single[key] = value
    params = _parameters([(v, n) for k, v, n in fields if k == "param"], where)
    if params and MARKER not in (line.strip() for line in text.splitlines()):
        raise QueryLibraryError(
            f"{where}: a query with parameters needs a line '{MARKER}' at the start of its "
            "WHERE group, where the VALUES block of the parameters goes"
        )
    return NamedQuery(
        name=name,
        title=single["title"],
        description=single["description"],
        parameters=params,
        examples=tuple(v for k, v, _ in fields if k == "example"),
        sparql=text,
        path=path if path is not None else Path(f"{name}.rq"),
    )


def _parameters(lines: list[tuple[str, int]], where: str) -> tuple[Parameter, ...]:
    if len(lines) == 1 and lines[0][0].lower() == "none":
        return ()
    out: list[Parameter] = []
    for value, number in lines:
        at = f"{where}, line {number}"
        match = re.match(r'^(\S+)\s+(\S+)\s+("[^"]*"|\S+)\s*(.*)$', value)
        if not match:
            raise QueryLibraryError(f"{at}: expected '# param: NAME TYPE DEFAULT DESCRIPTION'")
        pname, ptype, default, description = match.groups()
        if not PARAM_NAME.fullmatch(pname):
            raise QueryLibraryError(f"{at}: parameter name {pname!r} is not a SPARQL-safe name")
        if any(p.name == pname for p in out):
            raise QueryLibraryError(f"{at}: parameter {pname!r} is declared twice")
        if ptype not in BASE_TYPES and not ptype.startswith("code:"):
            raise QueryLibraryError(
                f"{at}: unknown parameter type {ptype!r}; types: {', '.join(BASE_TYPES)}, "
                "code:<scheme>"
            )
        if ptype.startswith("code:") and not _codes(ptype[5:]):
            raise QueryLibraryError(f"{at}: unknown vocabulary {ptype[5:]!r}")
        if not description:
            raise QueryLibraryError(f"{at}: parameter {pname!r} has no description")
        required = default == "required"
        value_default = None if default in ("required", "-") else default.strip('"')
        param = Parameter(pname, ptype, value_default, required, description)
        if value_default is not None:
            try:
                param.to_term(value_default)
            except QueryLibraryError as exc:
                raise QueryLibraryError(f"{at}: bad default: {exc}") from None
        out.append(param)
    return tuple(out)


def list_queries(folder: Path | None = None) -> list[NamedQuery]:
    """Every named query of a folder (default: the bundled library), sorted by name."""
    folder = folder or query_dir()
    return [load_query(path) for path in sorted(folder.glob("*.rq"))]


def load_query(path: Path) -> NamedQuery:
    """Read and parse one ``.rq`` file."""
    try:
        text = Path(path).read_text("utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise QueryLibraryError(f"cannot read the query file {path}: {exc}") from None
    return parse_query(text, Path(path).stem, Path(path))


def get_query(name: str, folder: Path | None = None) -> NamedQuery:
    """The named query ``name``; an unknown name gives a message with close matches."""
    folder = folder or query_dir()
    names = sorted(p.stem for p in folder.glob("*.rq"))
    if name not in names:
        close = difflib.get_close_matches(name, names, n=3, cutoff=0.5)
        close += [n for n in names if name and name in n and n not in close][: 3 - len(close)]
        hint = f"; did you mean: {', '.join(close)}?" if close else ""
        raise QueryLibraryError(
            f"unknown query {_show(name)}{hint} (`gvcgraph queries` lists the {len(names)} queries)"
        )
    return load_query(folder / f"{name}.rq")


# ---------------------------------------------------------------------- running
def bind_parameters(
    query: NamedQuery, params: Mapping[str, Any] | None = None
) -> dict[str, ox.NamedNode | ox.Literal]:
    """The RDF term of every parameter that has a value (given, else the default).

    Raises :class:`QueryLibraryError` for an unknown parameter, a missing required one or a
    value of the wrong type. Optional parameters without a default and without a value are
    left out (unbound in the query).
    """
    params = dict(params or {})
    for given in params:
        query.parameter(given)
    out: dict[str, ox.NamedNode | ox.Literal] = {}
    for p in query.parameters:
        if p.name in params and params[p.name] is not None:
            out[p.name] = p.to_term(params[p.name], query.name)
        elif p.required:
            raise QueryLibraryError(
                f"query {query.name!r} needs the parameter {p.name!r} ({p.type}): "
                f"{p.description.rstrip('.')}. Give it as --param {p.name}=VALUE"
            )
        elif p.default is not None:
            out[p.name] = p.to_term(p.default, query.name)
    return out


def build_sparql(query: NamedQuery, bindings: Mapping[str, ox.NamedNode | ox.Literal]) -> str:
    """The query text with its ``# @params`` line replaced by a ``VALUES`` block of terms."""
    if not bindings:
        return query.sparql
    for name in bindings:
        if not PARAM_NAME.fullmatch(name):
            raise QueryLibraryError(f"invalid parameter name {name!r}")
    if not any(line.strip() == MARKER for line in query.sparql.splitlines()):
        raise QueryLibraryError(f"query {query.name!r} has no '{MARKER}' line to bind parameters")
    return with_values(query.sparql, bindings)


def run_query(
    kg: KnowledgeGraph, query: str | NamedQuery, params: Mapping[str, Any] | None = None
) -> pd.DataFrame:
    """Run a named query with typed parameters; a DataFrame as :meth:`KnowledgeGraph.select`.

    Parameters
    ----------
    kg : KnowledgeGraph
        The graph to ask.
    query : str or NamedQuery
        A query name (``suppliers-of``) or a parsed query.
    params : mapping, optional
        Parameter values by name: text as on the command line, or Python values
        (``int``, ``Decimal``, ``datetime.date``).

    Returns
    -------
    pandas.DataFrame
        One column per projected variable.

    Raises
    ------
    QueryLibraryError
        Unknown query or parameter, missing required parameter, value of the wrong type.
    QueryError
        The SPARQL itself failed (syntax error ...).
    """
    named = query if isinstance(query, NamedQuery) else get_query(query)
    sparql = build_sparql(named, bind_parameters(named, params))
    check_sparql(sparql)
    return kg.select(sparql)


def parse_assignments(items: list[str] | tuple[str, ...]) -> dict[str, str]:
    """``["key=value", ...]`` (repeated ``--param``) as a dict; errors name the bad item."""
    out: dict[str, str] = {}
    for item in items:
        key, sep, value = item.partition("=")
        key = key.strip()
        if not sep or not key:
            raise QueryLibraryError(f"--param takes KEY=VALUE, not {_show(item)}")
        if key in out:
            raise QueryLibraryError(f"--param {_show(key)} is given twice")
        out[key] = value
    return out


# ---------------------------------------------------------------------- checking query text
MAX_QUERY_NESTING = 64
"""Deepest nesting of ``{ }``, ``( )`` and ``[ ]`` accepted in a query (real ones use five)."""

MAX_QUERY_OPERATORS = 500
"""Most operators (``! && || + - * / | = < >``) accepted in one group of a query."""

_OPERATOR_CHARS = frozenset("!&|+-*/=<>")


def check_sparql(text: str) -> None:
    """Refuse query text that would crash the SPARQL engine instead of being answered.

    pyoxigraph's parser and optimiser recurse once per level of nesting and once per operator
    of a chain (``1+1+...``, ``!!!...``, ``?a/?b/...``): a query nested a few thousand levels
    deep, or with a few thousand operators in one expression, overflows the stack and kills
    the process (a segmentation fault, no message). Such text is never a real query, so it is
    refused with :class:`QueryLibraryError` before it reaches the engine. Operators are counted
    per group (between ``{ } . ; ,``), outside strings, IRIs, comments and ``VALUES`` blocks.
    """
    from gvcgraph.graph.sparql_scan import tokens

    depth = deepest = operators = 0
    data_block = -1  # the depth of an open VALUES block, whose negative numbers do not count
    for tok in tokens(text):
        if tok in "{([":
            depth += 1
            deepest = max(deepest, depth)
            if deepest > MAX_QUERY_NESTING:
                raise QueryLibraryError(
                    f"the query is nested more than {MAX_QUERY_NESTING} levels deep "
                    "({ }, ( ) or [ ]); the SPARQL engine cannot run it"
                )
        elif tok in "})]":
            if tok == "}" and depth == data_block:
                data_block = -1
            depth = max(depth - 1, 0)
        if tok in ("{", "}", ".", ";", ","):
            operators = 0
        elif tok == "VALUES":
            data_block = depth + 1
        elif tok in _OPERATOR_CHARS and data_block < 0:
            operators += 1
            if operators > MAX_QUERY_OPERATORS:
                raise QueryLibraryError(
                    f"the query has more than {MAX_QUERY_OPERATORS} operators in one "
                    "expression or path; the SPARQL engine cannot run it (use VALUES for long "
                    "lists of alternatives)"
                )


# ---------------------------------------------------------------------- helpers
def _codes(scheme: str) -> dict[str, str]:
    from gvcgraph.ingest.schema import codes

    return codes(scheme)


def _concept(scheme: str, code: str, where: str) -> str:
    codes = _codes(scheme)
    if code in codes:
        return codes[code]
    folded = [c for c in codes if c.lower() == code.lower()]
    if len(folded) == 1:
        return codes[folded[0]]
    close = difflib.get_close_matches(code, list(codes), n=3, cutoff=0.6)
    hint = (
        f"did you mean: {', '.join(close)}?"
        if close
        else (
            f"codes: {', '.join(sorted(codes))}"
            if len(codes) <= 40
            else f"`gvcgraph vocab {scheme}` lists the {len(codes)} codes"
        )
    )
    raise QueryLibraryError(f"{where} must be a code of {scheme}, not {_show(code)}; {hint}")


def _iso_date(text: str) -> str:
    if re.fullmatch(r"\d{4}", text):
        text += "-01-01"
    elif re.fullmatch(r"\d{4}-\d{2}", text):
        text += "-01"
    elif not re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
        raise ValueError(text)
    return dt.date.fromisoformat(text).isoformat()


def _expand_iri(text: str) -> str:
    if text.startswith("<") and text.endswith(">"):
        text = text[1:-1]
    if not re.match(r"^[A-Za-z][A-Za-z0-9+.-]*://", text):
        prefix, sep, local = text.partition(":")
        if not sep or prefix not in terms.PREFIXES or not local:  # "gvc:" names no term
            raise ValueError(text)
        text = terms.expand(text)
    if re.search(r'[\s<>"{}|\\^`]', text):
        raise ValueError(text)
    ox.NamedNode(text)  # raises ValueError for an invalid IRI
    return text
