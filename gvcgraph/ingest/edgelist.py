"""Edge-list ingest: a CSV of links (one relation per row) streamed into the store.

This is how researchers bring their own spreadsheets of links: each row names two actors and
how they are related; actors (firms by default) are created from the names or ids found.

Columns (found by name, case-insensitively, or chosen with ``--map FIELD=COLUMN,...``):

================= =============================================== ==========================
field             meaning                                         default column names
================= =============================================== ==========================
source            the actor the relation goes from                source, from, src
target            the actor it goes to                            target, to, dst
relation          ``supplies`` (source supplies target), ``owns``, relation, relationship,
                  ``controls``, ``member-of``, or a link type     rel
                  (``cooperates-with``, ``finances`` ...);
                  ``supplies`` when there is no relation column
share             owned share in percent (``owns`` rows), 0-100   share, share_pct, percent
date              start of validity: YYYY, YYYY-MM or YYYY-MM-DD  date, start_date, valid_from
end_date          end of validity (rounded up: 2005 = 2005-12-31) end_date, valid_to
evidence          a quote from the source behind the row          evidence, quote
source_label ...  label, country (ISO 3166 alpha-2) and entity    source_label,
target_country    type (``firm``, ``cluster`` ...; default firm)  target_country, ...
                  of either end
================= =============================================== ==========================

``--map relation=`` (an empty column) switches a default column off.

Actor ids: a value that is already a valid id (``^[a-z0-9][a-z0-9._-]*$``) is used as is, so
an edge list can point at firms of the case studies (``intel``): an id that another source
already defines is only referred to, an unknown id becomes a firm labelled with its id (see
:func:`mark_known_actors`). Any other value is a name and becomes a slug (``"Robert Bosch
GmbH"`` -> ``robert-bosch-gmbh``, labelled with the name; a name with no Latin letters or
digits becomes ``firm-<hash>``). Two spellings that give the
same slug (``"ACME Inc."``, ``"Acme inc"``) are one actor: the first spelling is its label and
the merge is reported as a warning. An actor's label, country and type come from the first row
that gives them; later different values are reported as warnings.

RDF: each row becomes one qualified fact ``id/doc/<source>/row-<line>`` (a
``gvc:SupplyRelation``, ``gvc:Ownership`` with ``gvc:shareExact``, ``gvc:Control``,
``org:Membership`` or ``gvc:Linkage``), with validity dates as in case studies and one
``gvc:Evidence`` pointing at the CSV (``oa:hasSource`` the source document, ``gvc:line`` the
row's line in the file, ``oa:exact`` the quote), so the facts satisfy the SHACL shapes.

How it runs, and why (the scale target is about 4 million rows and 1 million firms):

1. Pass 1 streams the file and checks every row, collecting every problem (the first
   :data:`MAX_LISTED` are listed, the rest counted); it keeps one small record per actor
   (memory grows with the number of actors, not of rows). Any error: :class:`InputError`, and
   the store is not touched.
2. Pass 2 streams the file again as pyoxigraph quads (a generator, never an rdflib graph),
   with the shortcut edges of the derived graph computed on the way (:func:`edgelist_quads`).
3. Writing: up to :data:`ATOMIC_MAX_ROWS` rows, one SPARQL update replaces the source graph
   and updates the derived graph in one transaction. Larger files are bulk-loaded
   (``Store.bulk_extend``) between a "pending" marker and its removal, because Oxigraph's
   transactions on disk cost 5 to 10 times more per quad than its bulk loader and keep every
   write in memory until the commit (a staging graph moved into place in one transaction
   took 200 s and 4 GB for 100,000 rows; see ``benchmarks/bench_edgelist.py``). A failure
   removes the partial load; a killed process leaves the marker, and the next ingest removes
   the partial load (:func:`recover_interrupted`).
"""

from __future__ import annotations

import csv
import hashlib
import re
import sys
import time
import unicodedata
from collections import Counter
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

import pyoxigraph as ox

from gvcgraph.ingest.errors import InputError, Problem
from gvcgraph.ingest.schema import codes, load_schema
from gvcgraph.ingest.validate import ID_PATTERN, DateValue, parse_date
from gvcgraph.ontology import terms
from gvcgraph.ontology.terms import DCTERMS, GVC, OA, ORG, PROV, RDF, SKOS, XSD

MAX_LISTED = 100
"""Errors listed in full; further errors are counted in one closing message."""

MAX_WARNINGS = 20
"""Warnings listed per kind; further ones are counted."""

FIELDS: dict[str, tuple[str, ...]] = {
    "source": ("source", "from", "src"),
    "target": ("target", "to", "dst"),
    "relation": ("relation", "relationship", "rel"),
    "share": ("share", "share_pct", "percent"),
    "date": ("date", "start_date", "valid_from"),
    "end_date": ("end_date", "valid_to"),
    "evidence": ("evidence", "quote"),
    "source_label": ("source_label",),
    "target_label": ("target_label",),
    "source_country": ("source_country",),
    "target_country": ("target_country",),
    "source_type": ("source_type",),
    "target_type": ("target_type",),
}
"""Fields of an edge list and the column names looked for when ``--map`` does not name one."""

DEFAULT_RELATION = "supplies"

_ALIASES = {
    "supplies": "supplies",
    "supply": "supplies",
    "supplies-to": "supplies",
    "supplier-of": "supplies",
    "sells-to": "supplies",
    "owns": "owns",
    "ownership": "owns",
    "owner-of": "owns",
    "shareholder-of": "owns",
    "controls": "controls",
    "control": "controls",
    "controller-of": "controls",
    "member-of": "member-of",
    "member": "member-of",
    "membership": "member-of",
}

# relation -> (class, predicate of the source end, predicate of the target end)
_ROLES: dict[str, tuple[str, str, str]] = {
    "supplies": (str(GVC.SupplyRelation), str(GVC.supplier), str(GVC.buyer)),
    "owns": (str(GVC.Ownership), str(GVC.owner), str(GVC.owned)),
    "controls": (str(GVC.Control), str(GVC.controller), str(GVC.controlled)),
    "member-of": (str(ORG.Membership), str(ORG.member), str(ORG.organization)),
    "link": (str(GVC.Linkage), str(GVC.linkFrom), str(GVC.linkTo)),
}

_SLUG_DROP = re.compile(r"[^a-z0-9]+")


# ---------------------------------------------------------------------------------- helpers


def entity_id(value: str) -> str:
    """The actor id for a cell: the value itself if it is a valid id, else a slug of it.

    >>> entity_id("intel"), entity_id("Robert Bosch GmbH"), entity_id("Société Générale")
    ('intel', 'robert-bosch-gmbh', 'societe-generale')
    """
    text = value.strip()
    if ID_PATTERN.match(text):
        return text
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    slug = _SLUG_DROP.sub("-", ascii_text.lower()).strip("-")
    if not slug:
        slug = "firm-" + hashlib.sha1(text.encode("utf-8")).hexdigest()[:12]
    return slug


def decimal_lexical(value: Decimal) -> str:
    """The ``xsd:decimal`` lexical form used for case studies (80, 80.0 and 80.00 -> ``80``).

    Same result as :func:`gvcgraph.ingest.to_rdf.decimal_literal`, without building an rdflib
    literal per row.
    """
    d = value.normalize()
    if d == d.to_integral_value():
        d = d.quantize(Decimal(1))
    return format(d, "f")


def parse_mapping(spec: str | Mapping[str, str | None] | None) -> dict[str, str | None]:
    """``"source=Firm A,target=Firm B"`` -> ``{"source": "Firm A", "target": "Firm B"}``.

    An empty column (``relation=``) maps the field to no column. Raises :class:`InputError`
    for an unknown field or a malformed item.
    """
    if spec is None:
        return {}
    items: list[tuple[str, str]] = []
    if isinstance(spec, str):
        for part in spec.split(","):
            if not part.strip():
                continue
            if "=" not in part:
                raise InputError(
                    [Problem("--map", None, "option", part.strip(), "expected FIELD=COLUMN")]
                )
            key, _, col = part.partition("=")
            items.append((key.strip(), col.strip()))
    else:
        items = [(k, v or "") for k, v in spec.items()]
    out: dict[str, str | None] = {}
    bad = [k for k, _ in items if k not in FIELDS]
    if bad:
        raise InputError(
            [
                Problem(
                    "--map",
                    None,
                    "option",
                    k,
                    f"unknown field {k!r}; fields: {', '.join(FIELDS)}",
                )
                for k in bad
            ]
        )
    for key, col in items:
        out[key] = col or None
    return out


def _detect_delimiter(path: Path) -> str:
    if path.suffix.lower() in (".tsv", ".tab"):
        return "\t"
    with path.open("rb") as f:
        first = f.readline().decode("utf-8", errors="replace")
    counts = {d: first.count(d) for d in (",", ";", "\t", "|")}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] else ","


@dataclass
class _Problems:
    """Bounded collector: every error counted, the first :data:`MAX_LISTED` kept."""

    file: str
    errors: list[Problem] = field(default_factory=list)
    more_errors: int = 0
    warnings: dict[str, list[Problem]] = field(default_factory=dict)
    more_warnings: Counter[str] = field(default_factory=Counter)

    def error(self, line: int | None, where: str, fld: str, message: str) -> None:
        if len(self.errors) < MAX_LISTED:
            self.errors.append(Problem(self.file, line, where, fld, message))
        else:
            self.more_errors += 1

    def warn(self, kind: str, line: int | None, where: str, fld: str, message: str) -> None:
        listed = self.warnings.setdefault(kind, [])
        if len(listed) < MAX_WARNINGS:
            listed.append(Problem(self.file, line, where, fld, message, "warning"))
        else:
            self.more_warnings[kind] += 1

    def warning_list(self) -> list[Problem]:
        out = [p for items in self.warnings.values() for p in items]
        for kind, n in self.more_warnings.items():
            out.append(
                Problem(
                    self.file, None, "file", "", f"{n:,} more warning(s) like: {kind}", "warning"
                )
            )
        return out

    def raise_if_errors(self) -> None:
        if not self.errors:
            return
        problems = list(self.errors)
        if self.more_errors:
            total = len(self.errors) + self.more_errors
            problems.append(
                Problem(
                    self.file,
                    None,
                    "file",
                    "",
                    f"{self.more_errors:,} more error(s) in later rows not listed "
                    f"({total:,} in all); fix these and run again",
                )
            )
        raise InputError(problems + self.warning_list())


class _Reader:
    """Streams (line, fields) records of a CSV file, counting bytes for the progress bar."""

    def __init__(self, path: Path, delimiter: str, problems: _Problems | None):
        self.path = path
        self.delimiter = delimiter
        self.problems = problems
        self.bytes_read = 0

    def _lines(self, f: Any) -> Iterator[str]:
        first = True
        for n, raw in enumerate(f, start=1):
            self.bytes_read += len(raw)
            if first:
                raw = raw.removeprefix(b"\xef\xbb\xbf")
                first = False
            try:
                yield raw.decode("utf-8")
            except UnicodeDecodeError as exc:
                if self.problems is not None:
                    self.problems.error(
                        n,
                        f"line {n}",
                        "",
                        f"not UTF-8 text (byte {exc.start + 1} of the line);"
                        " save the file as UTF-8",
                    )
                yield raw.decode("utf-8", errors="replace")

    def records(self) -> Iterator[tuple[int, list[str]]]:
        with self.path.open("rb") as f:
            reader = csv.reader(self._lines(f), delimiter=self.delimiter)
            start = 1
            while True:
                try:
                    fields = next(reader)
                except StopIteration:
                    return
                except csv.Error as exc:
                    if self.problems is not None:
                        self.problems.error(start, f"line {start}", "", f"malformed CSV: {exc}")
                    start = reader.line_num + 1
                    continue
                line = start
                start = reader.line_num + 1
                if not fields or (len(fields) == 1 and not fields[0].strip()):
                    continue
                yield line, fields


@dataclass
class _Row:
    line: int
    relation: str
    link_type: str | None
    u: str
    v: str
    share: Decimal | None
    start: DateValue | None
    end: DateValue | None
    quote: str | None


@dataclass
class EdgeListPlan:
    """What pass 1 found: the columns used, the actors and the counts."""

    path: Path
    source_id: str
    delimiter: str
    header: list[str]
    columns: dict[str, int]
    rows: int = 0
    relations: Counter[str] = field(default_factory=Counter)
    entities: dict[str, list[Any]] = field(default_factory=dict)
    """actor id -> [label, country, type, reference_only]: the first value given wins; a label
    of None means "labelled with its id"; ``reference_only`` (set by
    :func:`mark_known_actors`) means another source defines the actor, so this one only
    refers to it."""
    warnings: list[Problem] = field(default_factory=list)


def _resolve_columns(
    header: list[str], mapping: dict[str, str | None], problems: _Problems
) -> dict[str, int]:
    names = [h.strip() for h in header]
    lower: dict[str, list[int]] = {}
    for i, h in enumerate(names):
        lower.setdefault(h.lower(), []).append(i)
    columns: dict[str, int] = {}
    listing = ", ".join(repr(h) for h in names)
    for fld, candidates in FIELDS.items():
        if fld in mapping:
            col = mapping[fld]
            if col is None:
                continue
            hits = [i for i, h in enumerate(names) if h == col] or lower.get(col.lower(), [])
            if not hits:
                problems.error(
                    1,
                    "header",
                    fld,
                    f"column {col!r} (given with --map {fld}={col}) is not in the header; "
                    f"columns: {listing}",
                )
                continue
        else:
            hits = next((lower[c] for c in candidates if c in lower), [])
            if not hits:
                if fld in ("source", "target"):
                    problems.error(
                        1,
                        "header",
                        fld,
                        f"missing column: no {fld} column (looked for "
                        f"{', '.join(repr(c) for c in candidates)}); name one with "
                        f"--map {fld}=COLUMN; columns: {listing}",
                    )
                continue
        if len(hits) > 1:
            problems.error(1, "header", fld, f"column {names[hits[0]]!r} appears {len(hits)} times")
            continue
        columns[fld] = hits[0]
    return columns


class _RowParser:
    """Checks and normalises one row; shared by both passes so they agree exactly."""

    def __init__(self, plan: EdgeListPlan, problems: _Problems | None):
        self.plan = plan
        self.problems = problems
        self.cols = plan.columns
        self.width = len(plan.header)
        self.link_types = codes("link-type")
        self.countries = codes("country")
        self.entity_types = load_schema().sections["entities"].classes
        self.data_row = 0

    def _err(self, line: int, fld: str | None, message: str) -> None:
        if self.problems is None:
            return
        if fld is None:
            where = f"row {self.data_row}"
            name = ""
        else:
            col = self.plan.header[self.cols[fld]].strip()
            where = f"row {self.data_row}, column {col!r}"
            name = fld
        self.problems.error(line, where, name, message)

    def cell(self, fields: list[str], fld: str) -> str:
        i = self.cols.get(fld)
        if i is None or i >= len(fields):
            return ""
        return fields[i].strip()

    def parse(self, line: int, fields: list[str]) -> _Row | None:
        self.data_row += 1
        ok = True
        if len(fields) != self.width:
            self._err(
                line,
                None,
                f"the row has {len(fields)} fields but the header has {self.width}; "
                "quote cells that contain the delimiter",
            )
            return None
        raw_rel = self.cell(fields, "relation") if "relation" in self.cols else DEFAULT_RELATION
        key = raw_rel.lower().replace("_", "-").replace(" ", "-")
        relation = _ALIASES.get(key)
        link_type = None
        if relation is None and key in self.link_types:
            relation, link_type = "link", key
        if relation is None:
            ok = False
            allowed = ", ".join([*sorted(set(_ALIASES.values())), *sorted(self.link_types)])
            got = f"got {raw_rel!r}" if raw_rel else "the cell is empty"
            self._err(line, "relation", f"expected one of {allowed}; {got}")
        ends = []
        for fld in ("source", "target"):
            value = self.cell(fields, fld)
            if not value:
                ok = False
                self._err(line, fld, f"the {fld} is empty")
                ends.append("")
            else:
                ends.append(value)
        u_raw, v_raw = ends
        u = entity_id(u_raw) if u_raw else ""
        v = entity_id(v_raw) if v_raw else ""
        if u and u == v:
            ok = False
            self._err(
                line,
                "target",
                f"source and target are the same actor ({u!r}); a relation "
                "links two different actors",
            )
        share = None
        raw_share = self.cell(fields, "share")
        if raw_share:
            try:
                share = Decimal(raw_share.removesuffix("%").strip())
                if not share.is_finite() or not (0 <= share <= 100):
                    raise InvalidOperation
            except InvalidOperation:
                ok = False
                self._err(
                    line, "share", f"expected a number from 0 to 100 (percent), got {raw_share!r}"
                )
                share = None
            if share is not None and relation not in ("owns", None) and self.problems:
                self.problems.warn(
                    "share given on a row that is not 'owns' (ignored)",
                    line,
                    f"row {self.data_row}",
                    "share",
                    f"share is used only on 'owns' rows; ignored on this {relation!r} row",
                )
                share = None
        start = end = None
        for fld, up in (("date", False), ("end_date", True)):
            raw = self.cell(fields, fld)
            if not raw:
                continue
            parsed = parse_date(raw, round_up=up)
            if parsed is None:
                ok = False
                self._err(line, fld, f"expected a date as YYYY, YYYY-MM or YYYY-MM-DD, got {raw!r}")
            elif up:
                end = parsed
            else:
                start = parsed
        if start and end and end.value < start.value:
            ok = False
            self._err(
                line, "end_date", f"the end date {end.value} is before the start {start.value}"
            )
        quote = self.cell(fields, "evidence") or None
        if self.problems is not None:
            for side, raw_value, ident in (("source", u_raw, u), ("target", v_raw, v)):
                if ident and not self._entity(line, fields, side, raw_value, ident):
                    ok = False
        if not ok or relation is None:
            return None
        return _Row(line, relation, link_type, u, v, share, start, end, quote)

    def _entity(self, line: int, fields: list[str], side: str, raw: str, ident: str) -> bool:
        """Record what the row says about one actor (pass 1 only); False on an error."""
        ok = True
        label = self.cell(fields, f"{side}_label") or (None if raw == ident else raw)
        country = self.cell(fields, f"{side}_country").upper() or None
        etype = self.cell(fields, f"{side}_type").lower() or None
        if country and country not in self.countries:
            ok = False
            self._err(
                line, f"{side}_country", f"expected an ISO 3166-1 alpha-2 code, got {country!r}"
            )
            country = None
        if etype and etype not in self.entity_types:
            ok = False
            self._err(
                line,
                f"{side}_type",
                f"expected one of {', '.join(sorted(self.entity_types))}, got {etype!r}",
            )
            etype = None
        known = self.plan.entities.get(ident)
        if known is None:
            self.plan.entities[ident] = [label, country, etype, False]
            return ok
        assert self.problems is not None
        for k, (name, value) in enumerate(
            (("label", label), ("country", country), ("type", etype))
        ):
            if value is None:
                continue
            if known[k] is None:
                known[k] = value
            elif known[k] != value:
                if name == "label" and raw != ident and self.cell(fields, f"{side}_label") == "":
                    self.problems.warn(
                        "two names give the same actor id (merged)",
                        line,
                        f"row {self.data_row}",
                        side,
                        f"{raw!r} and {known[k]!r} both become the id {ident!r} and are "
                        f"treated as one actor, labelled {known[k]!r}",
                    )
                else:
                    self.problems.warn(
                        f"an actor's {name} differs between rows (first kept)",
                        line,
                        f"row {self.data_row}",
                        f"{side}_{name}",
                        f"{ident!r} already has {name} {known[k]!r}; {value!r} ignored",
                    )
        return ok


# ---------------------------------------------------------------------------------- pass 1


def scan_edgelist(
    path: str | Path,
    mapping: str | Mapping[str, str | None] | None = None,
    source_id: str | None = None,
    progress: Callable[[int], None] | None = None,
) -> EdgeListPlan:
    """Pass 1: read the whole file and check every row; nothing is written anywhere.

    Parameters
    ----------
    path:
        The CSV (comma, semicolon, tab or ``|`` separated; UTF-8; header on the first line).
    mapping:
        ``--map`` text or a dict field -> column (see the module docstring).
    source_id:
        Id of the source; default: a slug of the file name.
    progress:
        Called now and then with the number of bytes read so far.

    Returns
    -------
    EdgeListPlan
        The columns, counts and actors, for :func:`edgelist_quads`.

    Raises
    ------
    InputError
        With every problem found (the first :data:`MAX_LISTED` errors, and a count of the
        rest): a missing column, a non-numeric or out-of-range share, a bad date, an unknown
        relation, an empty cell, an empty file.
    """
    path = Path(path)
    name = str(path)
    explicit = parse_mapping(mapping)
    problems = _Problems(name)
    sid = source_id or entity_id(path.stem)
    if not ID_PATTERN.match(sid):
        raise InputError(
            [
                Problem(
                    name,
                    None,
                    "option",
                    "source_id",
                    f"the source id must match ^[a-z0-9][a-z0-9._-]*$, got {sid!r}",
                )
            ]
        )
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise InputError(
            [Problem(name, None, "file", "", f"cannot read the file: {exc.strerror}")]
        ) from None
    if size == 0:
        raise InputError([Problem(name, None, "file", "", "the file is empty (no header row)")])
    delimiter = _detect_delimiter(path)
    reader = _Reader(path, delimiter, problems)
    records = reader.records()
    first = next(records, None)
    if first is None:
        raise InputError([Problem(name, None, "file", "", "the file is empty (no header row)")])
    header_line, header = first
    plan = EdgeListPlan(path, sid, delimiter, header, {})
    plan.columns = _resolve_columns(header, explicit, problems)
    if problems.errors:
        problems.raise_if_errors()
    parser = _RowParser(plan, problems)
    for line, fields in records:
        row = parser.parse(line, fields)
        plan.rows += 1
        if row is not None:
            plan.relations[row.link_type or row.relation] += 1
        if progress is not None and plan.rows % 16384 == 0:
            progress(reader.bytes_read)
    if progress is not None:
        progress(reader.bytes_read)
    if plan.rows == 0:
        problems.error(header_line, "header", "", "the file has a header but no data rows")
    problems.raise_if_errors()
    plan.warnings = problems.warning_list()
    return plan


# ---------------------------------------------------------------------------------- pass 2


def mark_known_actors(kg: Any, plan: EdgeListPlan, target: str) -> int:
    """Mark the actors given only by id (no label) that another source already defines.

    Such an edge list only refers to them (no type or label of its own: a case study's
    ``oem-a`` keeps its one label "OEM A"); any other actor becomes an entity of the edge
    list, labelled with its name, its label column or, failing both, its id. Graphs other
    than ``target`` (the source's own older version) count. Returns the number marked.

    Note: this depends on what the store holds when the edge list is ingested; a case study
    ingested later that defines one of its id-labelled actors adds a second label, until the
    edge list is ingested again.
    """
    rdf_type = ox.NamedNode(str(RDF.type))
    prefix = terms.entity_iri("")
    own = ox.NamedNode(target)
    marked = 0
    for ident, info in plan.entities.items():
        if info[0] is not None:
            continue
        node = ox.NamedNode(prefix + ident)
        for q in kg.store.quads_for_pattern(node, rdf_type, None, None):
            if q.graph_name != own:
                info[3] = True
                marked += 1
                break
    return marked


@dataclass
class QuadCounts:
    """Quads produced by :func:`edgelist_quads`: in the source graph and in the derived graph."""

    source: int = 0
    derived: int = 0


def edgelist_quads(
    plan: EdgeListPlan,
    graph: str,
    *,
    derived: bool = True,
    counts: QuadCounts | None = None,
    progress: Callable[[int], None] | None = None,
) -> Iterator[ox.Quad]:
    """Pass 2: the quads of a checked edge list, streamed.

    Parameters
    ----------
    plan:
        The result of :func:`scan_edgelist`; its ``entities`` are consumed (each actor's
        triples are emitted the first time it appears).
    graph:
        IRI of the named graph for the source's facts.
    derived:
        Also emit the shortcut edges the rules of ``graph/rules/*.ru`` derive from these
        facts, in ``graph/derived`` (``gvc:suppliesTo``/``suppliedBy``,
        ``directlyOwnedBy``/``directlyOwns``, ``controlledBy``/``controls`` for control and
        for holdings above 50 %, ``gvc:memberOf``), so that a first ingest needs no
        rematerialisation. The test suite checks that they equal what the rules give.
    counts:
        Filled with the number of quads emitted per graph.
    progress:
        Called now and then with the number of bytes read.
    """
    counts = counts if counts is not None else QuadCounts()
    g = ox.NamedNode(graph)
    dg = ox.NamedNode(str(terms.DERIVED_GRAPH))
    nn = ox.NamedNode
    lit = ox.Literal
    quad = ox.Quad
    a = nn(str(RDF.type))
    xsd_integer, xsd_date = nn(str(XSD.integer)), nn(str(XSD.date))
    xsd_decimal = nn(str(XSD.decimal))
    was_derived, has_source = nn(str(PROV.wasDerivedFrom)), nn(str(OA.hasSource))
    line_p = nn(str(GVC.line))
    evidence_c, selector_c = nn(str(GVC.Evidence)), nn(str(OA.TextQuoteSelector))
    has_selector, exact = nn(str(OA.hasSelector)), nn(str(OA.exact))
    share_p, link_type_p = nn(str(GVC.shareExact)), nn(str(GVC.linkType))
    valid_from, valid_to = nn(str(GVC.validFrom)), nn(str(GVC.validTo))
    from_prec, to_prec = nn(str(GVC.validFromPrecision)), nn(str(GVC.validToPrecision))
    precision = {p: nn(terms.concept_iri("date-precision", p)) for p in ("year", "month", "day")}
    label_p, country_p = nn(str(SKOS.prefLabel)), nn(str(GVC.country))
    roles = {rel: (nn(c), nn(s), nn(t)) for rel, (c, s, t) in _ROLES.items()}
    link_types = {k: nn(v) for k, v in codes("link-type").items()}
    classes = {
        k: nn(terms.expand(v)) for k, v in load_schema().sections["entities"].classes.items()
    }
    firm = classes["firm"]
    # shortcut predicates (forward: source end -> target end; backward: target -> source)
    shortcuts: dict[str, tuple[ox.NamedNode | None, ox.NamedNode | None]] = {
        "supplies": (nn(str(GVC.suppliesTo)), nn(str(GVC.suppliedBy))),
        "owns": (nn(str(GVC.directlyOwns)), nn(str(GVC.directlyOwnedBy))),
        "controls": (nn(str(GVC.controls)), nn(str(GVC.controlledBy))),
        "member-of": (nn(str(GVC.memberOf)), None),
        "link": (None, None),
    }
    controls, controlled_by = shortcuts["controls"]
    fifty = Decimal(50)
    entity_prefix = terms.entity_iri("")
    fact_prefix = terms.fact_iri(plan.source_id, "row-")
    ev_prefix = terms.fact_iri(plan.source_id, "ev/row-")

    doc = nn(terms.document_iri(plan.source_id))
    head = [
        quad(doc, a, nn(str(GVC.SourceDocument)), g),
        quad(doc, nn(str(GVC.sourceId)), lit(plan.source_id), g),
        quad(doc, nn(str(DCTERMS.title)), lit(f"Edge list {plan.path.name}"), g),
        quad(doc, nn(str(GVC.fileName)), lit(plan.path.name), g),
        quad(doc, nn(str(GVC.sourceType)), nn(codes("source-type")["database"]), g),
    ]
    counts.source += len(head)
    yield from head

    entities = plan.entities
    reader = _Reader(plan.path, plan.delimiter, None)
    records = reader.records()
    next(records, None)  # the header
    parser = _RowParser(plan, None)
    n = 0
    for line, fields in records:
        row = parser.parse(line, fields)
        n += 1
        if progress is not None and n % 16384 == 0:
            progress(reader.bytes_read)
        if row is None:  # cannot happen after scan_edgelist; be safe
            continue
        out: list[ox.Quad] = []
        add = out.append
        u = nn(entity_prefix + row.u)
        v = nn(entity_prefix + row.v)
        for ident, node in ((row.u, u), (row.v, v)):
            info = entities.pop(ident, None)
            if info is None:
                continue
            label, country, etype, reference_only = info
            if not reference_only:
                add(quad(node, a, classes[etype] if etype else firm, g))
                add(quad(node, label_p, lit(label or ident), g))
            if country:
                add(quad(node, country_p, nn(terms.concept_iri("country", country)), g))
        cls, p_from, p_to = roles[row.relation]
        ln = str(row.line)
        fact = nn(fact_prefix + ln)
        ev = nn(ev_prefix + ln + "/1")
        add(quad(fact, a, cls, g))
        add(quad(fact, p_from, u, g))
        add(quad(fact, p_to, v, g))
        add(quad(fact, was_derived, ev, g))
        if row.link_type is not None:
            add(quad(fact, link_type_p, link_types[row.link_type], g))
        if row.share is not None:
            add(quad(fact, share_p, lit(decimal_lexical(row.share), datatype=xsd_decimal), g))
        if row.start is not None:
            add(quad(fact, valid_from, lit(row.start.value.isoformat(), datatype=xsd_date), g))
            add(quad(fact, from_prec, precision[row.start.precision], g))
        if row.end is not None:
            add(quad(fact, valid_to, lit(row.end.value.isoformat(), datatype=xsd_date), g))
            add(quad(fact, to_prec, precision[row.end.precision], g))
        add(quad(ev, a, evidence_c, g))
        add(quad(ev, has_source, doc, g))
        add(quad(ev, line_p, lit(ln, datatype=xsd_integer), g))
        if row.quote is not None:
            sel = nn(ev_prefix + ln + "/1/quote")
            add(quad(ev, has_selector, sel, g))
            add(quad(sel, a, selector_c, g))
            add(quad(sel, exact, lit(row.quote), g))
        counts.source += len(out)
        yield from out
        if not derived:
            continue
        forward, backward = shortcuts[row.relation]
        extra = []
        if forward is not None:
            extra.append(quad(u, forward, v, dg))
        if backward is not None:
            extra.append(quad(v, backward, u, dg))
        if row.relation == "owns" and row.share is not None and row.share > fifty:
            extra.append(quad(u, controls, v, dg))
            extra.append(quad(v, controlled_by, u, dg))
        counts.derived += len(extra)
        yield from extra
    if progress is not None:
        progress(reader.bytes_read)


# ---------------------------------------------------------------------------------- the store

ATOMIC_MAX_ROWS = 5_000
"""Edge lists up to this many rows are written in one transaction; larger ones bulk-loaded.

Measured on a 2-core machine (``benchmarks/bench_edgelist.py``): Oxigraph's transactional
writes on disk cost about 80 to 100 microseconds a quad (10 s for the 120,000 quads of
10,000 rows; moving a 100,000-row staging graph into place, 200 s and 4 GB), its bulk loader
about 6 (78 s for the 12.3 million quads of 1 million rows, 1.8 GB)."""


def pending_graph(source_id: str) -> str:
    """IRI of the marker graph that records a bulk load in progress for ``source_id``."""
    return str(terms.GRAPH[f"pending/{source_id}"])


def recover_interrupted(kg: Any) -> list[str]:
    """Undo bulk loads that were interrupted (process killed): their ids.

    A bulk load first writes a marker graph ``graph/pending/<source>``; if the marker is
    still there, the load did not finish: the partly loaded source graph is dropped, the
    marker removed and the derived graph rematerialised, in one transaction. (A source being
    replaced had its old version dropped when the load began: ingest it again.)
    """
    from gvcgraph.graph.store import derive_updates

    prefix = pending_graph("")
    ids = sorted(
        g.value[len(prefix) :]
        for g in kg.store.named_graphs()
        if isinstance(g, ox.NamedNode) and g.value.startswith(prefix)
    )
    if ids:
        parts = []
        for sid in ids:
            parts.append(f"DROP SILENT GRAPH <{terms.source_graph(sid)}>")
            parts.append(f"DROP SILENT GRAPH <{pending_graph(sid)}>")
        kg._update(" ;\n".join([*parts, *derive_updates()]))
    return ids


@dataclass
class EdgeListSummary:
    """What an edge-list ingest did."""

    source_id: str
    path: Path
    rows: int
    relations: Counter[str]
    actors: int
    quads: int
    derived: int
    mode: str
    seconds: float
    warnings: list[Problem]
    store: str

    def __str__(self) -> str:
        rels = ", ".join(f"{k} {v:,}" for k, v in sorted(self.relations.items()))
        lines = [
            f"ingested {self.path.name} as source {self.source_id!r} into {self.store}: "
            f"{self.rows:,} rows ({rels}), {self.actors:,} actors, {self.quads:,} triples "
            f"({self.mode}, {self.seconds:.1f} s)"
        ]
        lines += [str(w) for w in self.warnings]
        return "\n".join(lines)


class _Bar:
    """A click progress bar over the file's bytes, on stderr (nothing when ``show`` is off)."""

    def __init__(self, show: bool, label: str, length: int):
        self.bar: Any = None
        self.done = 0
        if show:
            import click

            self.bar = click.progressbar(
                length=max(length, 1), label=label, file=sys.stderr, show_eta=True
            )
            self.bar.__enter__()

    def __call__(self, position: int) -> None:
        if self.bar is not None and position > self.done:
            self.bar.update(position - self.done)
            self.done = position

    def close(self) -> None:
        if self.bar is not None:
            self.bar.__exit__(None, None, None)
            self.bar = None


def _say(show: bool, text: str) -> None:
    if show:
        print(text, file=sys.stderr, flush=True)


def load_edgelist(
    kg: Any,
    path: str | Path,
    mapping: str | Mapping[str, str | None] | None = None,
    source_id: str | None = None,
    progress: bool = True,
    atomic_max_rows: int = ATOMIC_MAX_ROWS,
) -> EdgeListSummary:
    """Check an edge-list CSV and load it as one source, replacing an older version.

    Parameters
    ----------
    kg:
        A :class:`~gvcgraph.graph.store.KnowledgeGraph` (in memory or on disk).
    path, mapping, source_id:
        See :func:`scan_edgelist`.
    progress:
        Show a progress bar on stderr for each pass.
    atomic_max_rows:
        Up to this many rows, write in one transaction; above, bulk-load (see Notes).

    Returns
    -------
    EdgeListSummary
        Rows, relations by type, actors, triples written, mode, time and warnings.

    Raises
    ------
    InputError
        If any row has an error; the store is then not touched.
    StoreError
        If the store could not be written; what was loaded is removed again.

    Notes
    -----
    Every row is checked (pass 1) before anything is written, so bad input never changes
    the store. Then:

    * small files (``rows <= atomic_max_rows``): one SPARQL update drops the old source
      graph, inserts the new one and updates the derived graph, in one transaction, like a
      case study;
    * large files: a marker graph ``graph/pending/<source>`` is written (and an older version
      of the source dropped), the facts and their shortcut edges are streamed into the store
      with its bulk loader (constant memory, several times faster than a transaction), the
      derived graph is rematerialised if an older version was replaced, and the marker is
      removed. A failure in between removes what was loaded; a killed process leaves the
      marker, and :func:`recover_interrupted` (run by the next edge-list ingest) removes the
      partial load. A large source that is *replaced* is therefore absent, not in its old
      version, after an interrupted load.
    """
    from gvcgraph.graph.store import StoreError

    t0 = time.perf_counter()
    path = Path(path)
    size = path.stat().st_size if path.is_file() else 0
    bar = _Bar(progress, f"checking {path.name}", size)
    try:
        plan = scan_edgelist(path, mapping, source_id, progress=bar)
    finally:
        bar.close()
    actors = len(plan.entities)
    recover_interrupted(kg)
    target = terms.source_graph(plan.source_id)
    mark_known_actors(kg, plan, target)
    replacing = kg.store.contains_named_graph(ox.NamedNode(target))
    counts = QuadCounts()
    try:
        if plan.rows <= atomic_max_rows:
            mode = "one transaction"
            _load_atomic(kg, plan, target, replacing, counts)
        else:
            mode = "bulk load"
            _load_bulk(kg, plan, target, replacing, counts, progress, size)
    except OSError as exc:
        raise StoreError(
            f"the store could not be written ({exc}); the partial load was removed"
        ) from None
    where = str(kg.location) if getattr(kg, "location", None) else "the in-memory graph"
    return EdgeListSummary(
        plan.source_id,
        path,
        plan.rows,
        plan.relations,
        actors,
        counts.source,
        counts.derived,
        mode,
        time.perf_counter() - t0,
        plan.warnings,
        where,
    )


def _load_atomic(
    kg: Any, plan: EdgeListPlan, target: str, replacing: bool, counts: QuadCounts
) -> None:
    from gvcgraph.graph.store import derive_updates

    source: list[ox.Triple] = []
    derived: list[ox.Triple] = []
    for q in edgelist_quads(plan, target, derived=not replacing, counts=counts):
        t = ox.Triple(q.subject, q.predicate, q.object)
        (source if q.graph_name.value == target else derived).append(t)
    nt = ox.serialize(source, format=ox.RdfFormat.N_TRIPLES).decode("utf-8")
    parts = [f"DROP SILENT GRAPH <{target}>", f"INSERT DATA {{ GRAPH <{target}> {{\n{nt}\n}} }}"]
    if replacing:  # the old version's shortcut edges must go: rematerialise
        parts.extend(derive_updates())
    elif derived:
        dnt = ox.serialize(derived, format=ox.RdfFormat.N_TRIPLES).decode("utf-8")
        parts.append(f"INSERT DATA {{ GRAPH <{terms.DERIVED_GRAPH}> {{\n{dnt}\n}} }}")
    kg._update(" ;\n".join(parts))


def _load_bulk(
    kg: Any,
    plan: EdgeListPlan,
    target: str,
    replacing: bool,
    counts: QuadCounts,
    progress: bool,
    size: int,
) -> None:
    from gvcgraph.graph.store import derive_updates

    pending = pending_graph(plan.source_id)
    now = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    start = [
        f'INSERT DATA {{ GRAPH <{pending}> {{ <{target}> <{DCTERMS.modified}> "{now}"'
        f"^^<{XSD.dateTime}> }} }}"
    ]
    if replacing:
        _say(progress, f"dropping the old version of {plan.source_id!r} ...")
        start.append(f"DROP GRAPH <{target}>")
    kg._update(" ;\n".join(start))
    done = False
    bar = _Bar(progress, f"loading {plan.path.name}", size)
    try:
        quads = edgelist_quads(plan, target, counts=counts, progress=bar)
        store = kg.store
        if hasattr(store, "bulk_extend"):
            store.bulk_extend(quads)
        else:  # a store without a bulk loader: bounded chunks
            chunk: list[ox.Quad] = []
            for q in quads:
                chunk.append(q)
                if len(chunk) >= 100_000:
                    store.extend(chunk)
                    chunk = []
            store.extend(chunk)
        bar.close()
        if replacing:
            _say(progress, "updating the derived graph ...")
            kg.rederive()
        kg._update(f"DROP GRAPH <{pending}>")
        done = True
    finally:
        bar.close()
        if not done:
            _say(progress, "removing the partial load ...")
            kg._update(
                " ;\n".join(
                    [
                        f"DROP SILENT GRAPH <{target}>",
                        f"DROP SILENT GRAPH <{pending}>",
                        *derive_updates(),
                    ]
                )
            )


def ingest_edgelist(
    kg: Any,
    path: str | Path,
    mapping: str | Mapping[str, str | None] | None = None,
    source_id: str | None = None,
    progress: bool = True,
) -> str:
    """:func:`load_edgelist`, returning its summary as text (what ``gvcgraph ingest`` prints)."""
    return str(load_edgelist(kg, path, mapping=mapping, source_id=source_id, progress=progress))
