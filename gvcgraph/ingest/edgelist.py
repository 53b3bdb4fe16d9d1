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

1. One pass streams the file, checks every row and collects every problem (the first
   :data:`MAX_LISTED` are listed, the rest counted), keeping one small record per actor
   (memory grows with the number of actors, not of rows). While the file is good, each row's
   RDF is written as N-Quads text to a spool file (:class:`NQuadsWriter`), with the shortcut
   edges of the derived graph computed on the way; actors are written at the end. Any error:
   :class:`InputError`, and the store is not touched.
2. The spool is loaded with Oxigraph's bulk loader, which parses N-Quads on several threads
   and costs 5 to 10 times less per quad than its transactions, in bounded memory. On disk it
   loads into a private copy of the store that one atomic switch publishes
   (:mod:`gvcgraph.graph.storedir`): a failure or a killed process leaves the store exactly
   as it was, and readers see the old version until the switch. See :func:`load_edgelist`
   for memory and remote stores, and ``BENCHMARKS.md`` for the figures.
3. On disk, an edge list that is a new source also keeps the new version's network
   projection, computed from its rows while they are written and the previous version's
   projection (:mod:`gvcgraph.ingest.edgelist_projection`), so that the first analysis,
   map or figure reads no fact back out of the store (40 s at 100,000 firms, minutes at a
   million).
"""

from __future__ import annotations

import csv
import hashlib
import io
import os
import re
import sys
import tempfile
import time
import unicodedata
from collections import Counter
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

import pyoxigraph as ox

from gvcgraph.ingest.errors import InputError, Problem
from gvcgraph.ingest.schema import codes, load_schema
from gvcgraph.ingest.validate import ID_PATTERN, DateValue, parse_date
from gvcgraph.ontology import terms
from gvcgraph.ontology.terms import DCTERMS, GVC, OA, ORG, PROV, RDF, SKOS, XSD

if TYPE_CHECKING:
    from gvcgraph.ingest.edgelist_projection import EdgeListProjection

MAX_LISTED = 100
"""Errors listed in full; further errors are counted in one closing message."""

MAX_WARNINGS = 20
"""Warnings listed per kind; further ones are counted."""

MAX_LINE_BYTES = 1 << 20
"""Longest line read (1 MiB): a longer one is reported without being held in memory."""

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

ROW_FACT_PREFIX = "row-"
"""The fact of the row on line N is ``id/doc/<source>/row-N``."""
ROW_EVIDENCE_PREFIX, ROW_EVIDENCE_SUFFIX = "ev/row-", "/1"
"""Its evidence passage is ``id/doc/<source>/ev/row-N/1``."""


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
        first = f.readline(MAX_LINE_BYTES).decode("utf-8", errors="replace")
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

    def _physical_lines(self, f: Any) -> Iterator[bytes]:
        """The file's lines; one longer than :data:`MAX_LINE_BYTES` is reported and skipped
        without being held in memory."""
        n = 0
        while raw := f.readline(MAX_LINE_BYTES + 1):
            n += 1
            if len(raw) > MAX_LINE_BYTES and not raw.endswith(b"\n"):
                skipped = len(raw)
                while (more := f.readline(MAX_LINE_BYTES)) and not more.endswith(b"\n"):
                    skipped += len(more)
                skipped += len(more)
                self.bytes_read += skipped
                if self.problems is not None:
                    self.problems.error(
                        n,
                        f"line {n}",
                        "",
                        f"the line is {skipped:,} bytes long, over the limit of "
                        f"{MAX_LINE_BYTES:,}; is this an edge list (one link per line)?",
                    )
                yield b"\n"
                continue
            yield raw

    def _lines(self, f: Any) -> Iterator[str]:
        first = True
        for n, raw in enumerate(self._physical_lines(f), start=1):
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
                if fld in ("source", "target"):
                    problems.error(
                        None,
                        "option",
                        fld,
                        f"--map {fld}= maps the {fld} to no column; every row needs a {fld}: "
                        f"name its column with --map {fld}=COLUMN",
                    )
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


# ---------------------------------------------------------------------------------- reading


@dataclass
class _Scan:
    """An edge list being read: its plan, problems, reader and remaining records."""

    plan: EdgeListPlan
    problems: _Problems
    reader: _Reader
    records: Iterator[tuple[int, list[str]]]
    header_line: int

    def rows(self, progress: Callable[[int], None] | None = None) -> Iterator[_Row]:
        """Check every remaining row; yield the good ones (problems are collected)."""
        plan, reader = self.plan, self.reader
        parser = _RowParser(plan, self.problems)
        for line, fields in self.records:
            row = parser.parse(line, fields)
            plan.rows += 1
            if row is not None:
                plan.relations[row.link_type or row.relation] += 1
                yield row
            if progress is not None and plan.rows % 16384 == 0:
                progress(reader.bytes_read)
        if progress is not None:
            progress(reader.bytes_read)

    def finish(self) -> EdgeListPlan:
        """Raise :class:`InputError` with every problem, or return the plan with its warnings."""
        if self.plan.rows == 0:
            self.problems.error(
                self.header_line, "header", "", "the file has a header but no data rows"
            )
        self.problems.raise_if_errors()
        self.plan.warnings = self.problems.warning_list()
        return self.plan


def _open_scan(
    path: str | Path,
    mapping: str | Mapping[str, str | None] | None,
    source_id: str | None,
) -> _Scan:
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
    return _Scan(plan, problems, reader, records, header_line)


def scan_edgelist(
    path: str | Path,
    mapping: str | Mapping[str, str | None] | None = None,
    source_id: str | None = None,
    progress: Callable[[int], None] | None = None,
) -> EdgeListPlan:
    """Read the whole file and check every row; nothing is written anywhere.

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
        The columns, counts, actors and warnings.

    Raises
    ------
    InputError
        With every problem found (the first :data:`MAX_LISTED` errors, and a count of the
        rest): a missing column, a non-numeric or out-of-range share, a bad date, an unknown
        relation, an empty cell, an empty file.
    """
    scan = _open_scan(path, mapping, source_id)
    for _ in scan.rows(progress):
        pass
    return scan.finish()


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


# ---------------------------------------------------------------------------------- RDF


@dataclass
class QuadCounts:
    """Quads written by :class:`NQuadsWriter`: in the source graph and in the derived graph."""

    source: int = 0
    derived: int = 0


_NQ_SPECIAL = re.compile(r'[\\"\x00-\x1f\x7f]')
_NQ_ESCAPES = {"\\": "\\\\", '"': '\\"', "\n": "\\n", "\r": "\\r", "\t": "\\t"}


def _nq_string(text: str) -> str:
    """An N-Quads string literal (quotes, backslashes and control characters escaped)."""
    if _NQ_SPECIAL.search(text):
        text = _NQ_SPECIAL.sub(
            lambda m: _NQ_ESCAPES.get(m.group(), f"\\u{ord(m.group()):04X}"), text
        )
    return f'"{text}"'


class NQuadsWriter:
    """Writes the RDF of an edge list as N-Quads text: the one mapping from rows to triples.

    Each row becomes one qualified fact ``id/doc/<source>/row-<line>`` with its evidence (see
    the module docstring); with ``derived``, also the shortcut edges the rules of
    ``graph/rules/*.ru`` derive from it, in ``graph/derived`` (``gvc:suppliesTo``/
    ``suppliedBy``, ``directlyOwns``/``directlyOwnedBy``, ``controls``/``controlledBy`` for
    control and for holdings above 50 %, ``gvc:memberOf``), so that a first load needs no
    rematerialisation (the tests check that they equal what the rules give). Actors are
    written last (:meth:`actors`), when every row has said what it knows of them.

    Text, not pyoxigraph objects: formatting a line costs a fraction of building four term
    objects per quad, and Oxigraph's bulk loader parses a file of N-Quads on several threads.
    """

    def __init__(self, plan: EdgeListPlan, graph: str, out: IO[str], derived: bool = True):
        self.plan, self.out, self.derived = plan, out, derived
        self.counts = QuadCounts()

        def iri(value: object) -> str:
            return f"<{value}>"

        self.g = f" <{graph}> .\n"
        self.dg = f" <{terms.DERIVED_GRAPH}> .\n"
        self.a = iri(RDF.type)
        self.was_derived, self.has_source = iri(PROV.wasDerivedFrom), iri(OA.hasSource)
        self.line_p = iri(GVC.line)
        self.evidence_c, self.selector_c = iri(GVC.Evidence), iri(OA.TextQuoteSelector)
        self.has_selector, self.exact = iri(OA.hasSelector), iri(OA.exact)
        self.share_p, self.link_type_p = iri(GVC.shareExact), iri(GVC.linkType)
        self.valid_from, self.valid_to = iri(GVC.validFrom), iri(GVC.validTo)
        self.from_prec, self.to_prec = iri(GVC.validFromPrecision), iri(GVC.validToPrecision)
        self.precision = {
            p: iri(terms.concept_iri("date-precision", p)) for p in ("year", "month", "day")
        }
        self.label_p, self.country_p = iri(SKOS.prefLabel), iri(GVC.country)
        self.xsd_integer, self.xsd_date = f"^^<{XSD.integer}>", f"^^<{XSD.date}>"
        self.xsd_decimal = f"^^<{XSD.decimal}>"
        self.roles = {rel: tuple(iri(x) for x in v) for rel, v in _ROLES.items()}
        self.link_types = {k: iri(v) for k, v in codes("link-type").items()}
        self.classes = {
            k: iri(terms.expand(v)) for k, v in load_schema().sections["entities"].classes.items()
        }
        self.country_prefix = terms.concept_iri("country", "")
        self.entity_prefix = "<" + terms.entity_iri("")
        self.fact_prefix = "<" + terms.fact_iri(plan.source_id, ROW_FACT_PREFIX)
        self.ev_prefix = "<" + terms.fact_iri(plan.source_id, ROW_EVIDENCE_PREFIX)
        # shortcut predicates (forward: source end -> target end; backward: target -> source)
        self.shortcuts: dict[str, tuple[str | None, str | None]] = {
            "supplies": (iri(GVC.suppliesTo), iri(GVC.suppliedBy)),
            "owns": (iri(GVC.directlyOwns), iri(GVC.directlyOwnedBy)),
            "controls": (iri(GVC.controls), iri(GVC.controlledBy)),
            "member-of": (iri(GVC.memberOf), None),
            "link": (None, None),
        }
        self.doc = iri(terms.document_iri(plan.source_id))

    def head(self) -> None:
        """The source document's own triples."""
        g, doc, p = self.g, self.doc, self.plan
        lines = [
            f"{doc} {self.a} <{GVC.SourceDocument}>{g}",
            f"{doc} <{GVC.sourceId}> {_nq_string(p.source_id)}{g}",
            f"{doc} <{DCTERMS.title}> {_nq_string(f'Edge list {p.path.name}')}{g}",
            f"{doc} <{GVC.fileName}> {_nq_string(p.path.name)}{g}",
            f"{doc} <{GVC.sourceType}> <{codes('source-type')['database']}>{g}",
        ]
        self.counts.source += len(lines)
        self.out.write("".join(lines))

    def row(self, row: _Row) -> None:
        """One row's fact, its evidence and (with ``derived``) its shortcut edges."""
        g = self.g
        u = f"{self.entity_prefix}{row.u}>"
        v = f"{self.entity_prefix}{row.v}>"
        cls, p_from, p_to = self.roles[row.relation]
        ln = str(row.line)
        fact = f"{self.fact_prefix}{ln}>"
        ev = f"{self.ev_prefix}{ln}{ROW_EVIDENCE_SUFFIX}>"
        lines = [
            f"{fact} {self.a} {cls}{g}",
            f"{fact} {p_from} {u}{g}",
            f"{fact} {p_to} {v}{g}",
            f"{fact} {self.was_derived} {ev}{g}",
            f"{ev} {self.a} {self.evidence_c}{g}",
            f"{ev} {self.has_source} {self.doc}{g}",
            f'{ev} {self.line_p} "{ln}"{self.xsd_integer}{g}',
        ]
        add = lines.append
        if row.link_type is not None:
            add(f"{fact} {self.link_type_p} {self.link_types[row.link_type]}{g}")
        if row.share is not None:
            add(f'{fact} {self.share_p} "{decimal_lexical(row.share)}"{self.xsd_decimal}{g}')
        if row.start is not None:
            add(f'{fact} {self.valid_from} "{row.start.value.isoformat()}"{self.xsd_date}{g}')
            add(f"{fact} {self.from_prec} {self.precision[row.start.precision]}{g}")
        if row.end is not None:
            add(f'{fact} {self.valid_to} "{row.end.value.isoformat()}"{self.xsd_date}{g}')
            add(f"{fact} {self.to_prec} {self.precision[row.end.precision]}{g}")
        if row.quote is not None:
            sel = f"{self.ev_prefix}{ln}{ROW_EVIDENCE_SUFFIX}/quote>"
            add(f"{ev} {self.has_selector} {sel}{g}")
            add(f"{sel} {self.a} {self.selector_c}{g}")
            add(f"{sel} {self.exact} {_nq_string(row.quote)}{g}")
        self.counts.source += len(lines)
        if self.derived:
            dg = self.dg
            n = len(lines)
            forward, backward = self.shortcuts[row.relation]
            if forward is not None:
                add(f"{u} {forward} {v}{dg}")
            if backward is not None:
                add(f"{v} {backward} {u}{dg}")
            if row.relation == "owns" and row.share is not None and row.share > _FIFTY:
                controls, controlled_by = self.shortcuts["controls"]
                add(f"{u} {controls} {v}{dg}")
                add(f"{v} {controlled_by} {u}{dg}")
            self.counts.derived += len(lines) - n
        self.out.write("".join(lines))

    def actors(self) -> None:
        """Each actor's type, label and country (after :func:`mark_known_actors`)."""
        g, lines = self.g, []
        add = lines.append
        firm = self.classes["firm"]
        for ident, (label, country, etype, reference_only) in self.plan.entities.items():
            node = f"{self.entity_prefix}{ident}>"
            if not reference_only:
                add(f"{node} {self.a} {self.classes[etype] if etype else firm}{g}")
                add(f"{node} {self.label_p} {_nq_string(label or ident)}{g}")
            if country:
                add(f"{node} {self.country_p} <{self.country_prefix}{country}>{g}")
            if len(lines) >= 4096:
                self.counts.source += len(lines)
                self.out.write("".join(lines))
                lines.clear()
        self.counts.source += len(lines)
        self.out.write("".join(lines))


_FIFTY = Decimal(50)


def edgelist_quads(plan: EdgeListPlan, graph: str, derived: bool = True) -> list[ox.Quad]:
    """The quads of a checked edge list (:func:`scan_edgelist`), as pyoxigraph objects.

    For tests and small files: it reads the file again and holds every quad in memory;
    :func:`load_edgelist` streams the same text (:class:`NQuadsWriter`) to the store instead.
    """
    records = _Reader(plan.path, plan.delimiter, None).records()
    next(records, None)  # the header
    out = io.StringIO()
    writer = NQuadsWriter(plan, graph, out, derived=derived)
    writer.head()
    parser = _RowParser(plan, None)
    for line, fields in records:
        row = parser.parse(line, fields)
        if row is not None:
            writer.row(row)
    writer.actors()
    return list(ox.parse(out.getvalue().encode("utf-8"), format=ox.RdfFormat.N_QUADS))


# ---------------------------------------------------------------------------------- the store

TRANSACTION_MAX_BYTES = 16 * 2**20
"""In memory, edge lists whose RDF is up to this size are written in one transaction; larger
ones with the bulk loader (on disk the bulk loader always writes a new version)."""


@dataclass
class EdgeListSummary:
    """What an edge-list ingest did: ``quads`` triples written to the source's named graph
    and ``derived`` shortcut edges to the derived graph."""

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
            f"and {self.derived:,} shortcut edges ({self.mode}, {self.seconds:.1f} s)"
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


def _bulk_load(store: Any, path: Path) -> None:
    """Oxigraph's bulk loader on the spool this module wrote (parsed on several threads).

    ``lenient=True`` skips the parser's IRI checks: every IRI in the spool was built here from
    checked ids, codes and vocabulary terms, and every literal escaped by :func:`_nq_string`, so
    the checks could not fail. In memory that makes the load about 30 % faster (5.7 million
    quads: 21.0 s instead of 30.2 s); on disk, where writing the indexes dominates, it makes
    no measurable difference (``python -m benchmarks.ingest_floor --parsing strict,lenient``).
    """
    store.bulk_load(path=str(path), format=ox.RdfFormat.N_QUADS, lenient=True)


def load_edgelist(
    kg: Any,
    path: str | Path,
    mapping: str | Mapping[str, str | None] | None = None,
    source_id: str | None = None,
    progress: bool = True,
) -> EdgeListSummary:
    """Check an edge-list CSV and load it as one source, replacing an older version.

    Parameters
    ----------
    kg:
        A :class:`~gvcgraph.graph.store.KnowledgeGraph` (on disk, in memory or remote).
    path, mapping, source_id:
        See :func:`scan_edgelist`.
    progress:
        Show a progress bar on stderr.

    Returns
    -------
    EdgeListSummary
        Rows, relations by type, actors, triples written, mode, time and warnings.

    Raises
    ------
    InputError
        If any row has an error; the store is then not touched.
    StoreError
        If the store could not be written; it is then as it was.

    Notes
    -----
    One pass over the file checks every row and writes its RDF as N-Quads to a spool file
    next to the store (:class:`NQuadsWriter`); rows stop being written at the first error,
    but every row is still checked, so that every problem is reported at once, and the store
    is never touched by bad input. Then:

    * on disk, inside one write of the store (:meth:`KnowledgeGraph.writing
      <gvcgraph.graph.store.KnowledgeGraph.writing>`): an older version of the source is
      dropped, the spool is bulk-loaded (Oxigraph's bulk loader, several times faster than
      its transactions and in bounded memory) and, if a version was replaced, the derived
      graph rematerialised. The write goes to a private copy of the store published by one
      atomic switch, so a failure or a killed process leaves the store as it was, and other
      processes read the old version until the switch;
    * in memory: one transaction up to :data:`TRANSACTION_MAX_BYTES` of RDF, else the bulk
      loader, with what was loaded removed again if it fails;
    * on a remote SPARQL store: the source graph is uploaded and moved into place with the
      derived graph's rules in one update (:meth:`RemoteStore.replace_graphs
      <gvcgraph.graph.remote.RemoteStore.replace_graphs>`).
    """
    from gvcgraph.graph.store import StoreError

    t0 = time.perf_counter()
    path = Path(path)
    size = path.stat().st_size if path.is_file() else 0
    scan = _open_scan(path, mapping, source_id)
    plan = scan.plan
    target = terms.source_graph(plan.source_id)
    remote = getattr(kg, "url", None) is not None
    spool_dir = kg.location if getattr(kg, "_dir", None) is not None else None
    fd, spool_name = tempfile.mkstemp(
        prefix=f"load-{os.getpid()}-", suffix=".nq.tmp", dir=spool_dir
    )
    spool = Path(spool_name)
    versioned = getattr(kg, "_dir", None) is not None
    network = None
    if versioned and not kg.store.contains_named_graph(ox.NamedNode(target)):
        from gvcgraph.ingest.edgelist_projection import EdgeListProjection

        network = EdgeListProjection(plan)
    try:
        with open(fd, "w", encoding="utf-8", newline="\n", buffering=1 << 20) as out:
            writer = NQuadsWriter(plan, target, out, derived=not remote)
            writer.head()
            bar = _Bar(progress, f"reading {path.name}", size)
            try:
                for row in scan.rows(bar):
                    if not scan.problems.errors:  # a bad file is checked to the end, not written
                        writer.row(row)
                        if network is not None:
                            network.add(row)
            finally:
                bar.close()
            scan.finish()
            mark_known_actors(kg, plan, target)
            writer.actors()
        counts = writer.counts
        _say(progress, f"loading {counts.source + counts.derived:,} quads ...")
        try:
            if versioned:
                mode = "bulk load into a new store version"
                _write_versioned(kg, target, spool, progress, network)
            elif remote:
                mode = "graph upload"
                _write_remote(kg, target, spool)
            else:
                mode = _write_memory(kg, target, spool, progress)
        except OSError as exc:
            raise StoreError(f"the store could not be written ({exc}); it is as it was") from None
    finally:
        spool.unlink(missing_ok=True)
    where = (
        str(kg.location)
        if getattr(kg, "location", None)
        else (getattr(kg, "url", None) or "the in-memory graph")
    )
    return EdgeListSummary(
        plan.source_id,
        path,
        plan.rows,
        plan.relations,
        len(plan.entities),
        counts.source,
        counts.derived,
        mode,
        time.perf_counter() - t0,
        plan.warnings,
        where,
    )


def _write_versioned(
    kg: Any, target: str, spool: Path, progress: bool, network: EdgeListProjection | None
) -> None:
    """Load the spool into a new version; with ``network`` (a new source), also keep the new
    version's projection, computed from the previous one and the rows, so that no later
    command reads the facts back out of the store (:mod:`.edgelist_projection`)."""
    from gvcgraph.graph import project, projection_cache

    base: dict[str, Any] | None = None
    base_version, leads = kg.version, set()
    if network is not None:
        _say(progress, "reading the network of the store as it is ...")
        base = project.whole_frames(kg)
        leads = project.lead_keys(kg, project.side_tables(base))
    frames = None
    with kg.writing() as store:
        replacing = store.contains_named_graph(ox.NamedNode(target))
        if replacing or kg._session.base != base_version:  # another process wrote meanwhile
            base = None
        if replacing:
            _say(progress, "dropping the old version of the source ...")
            kg._update(f"DROP GRAPH <{target}>")
        _bulk_load(store, spool)
        if replacing:  # the old version's shortcut edges must go: rematerialise
            _say(progress, "updating the derived graph ...")
            kg.rederive()
        # The bulk loader leaves many overlapping files; compacting them once costs about a
        # fifth of the load and makes every later scan about twice as fast (BENCHMARKS.md).
        _say(progress, "compacting the new version ...")
        store.optimize()
        if base is not None and network is not None:
            _say(progress, "adding the rows to the network of the store ...")
            with projection_cache.gc_paused():
                frames = network.frames(base, leads)
        _say(progress, "publishing the new version ...")
    if frames is not None:
        project.keep_whole(kg, frames)


def _write_memory(kg: Any, target: str, spool: Path, progress: bool) -> str:
    from gvcgraph.graph.store import derive_updates

    replacing = kg.store.contains_named_graph(ox.NamedNode(target))
    if spool.stat().st_size <= TRANSACTION_MAX_BYTES:
        source: list[ox.Triple] = []
        derived: list[ox.Triple] = []
        for q in ox.parse(path=str(spool), format=ox.RdfFormat.N_QUADS):
            t = ox.Triple(q.subject, q.predicate, q.object)
            (source if q.graph_name.value == target else derived).append(t)
        nt = ox.serialize(source, format=ox.RdfFormat.N_TRIPLES).decode("utf-8")
        parts = [
            f"DROP SILENT GRAPH <{target}>",
            f"INSERT DATA {{ GRAPH <{target}> {{\n{nt}\n}} }}",
        ]
        if replacing:
            parts.extend(derive_updates())
        elif derived:
            dnt = ox.serialize(derived, format=ox.RdfFormat.N_TRIPLES).decode("utf-8")
            parts.append(f"INSERT DATA {{ GRAPH <{terms.DERIVED_GRAPH}> {{\n{dnt}\n}} }}")
        kg._update(" ;\n".join(parts))
        return "one transaction"
    done = False
    try:
        if replacing:
            kg._update(f"DROP GRAPH <{target}>")
        _bulk_load(kg.store, spool)
        if replacing:
            _say(progress, "updating the derived graph ...")
            kg.rederive()
        done = True
    finally:
        if not done:
            kg._update(" ;\n".join([f"DROP SILENT GRAPH <{target}>", *derive_updates()]))
    return "bulk load"


def _write_remote(kg: Any, target: str, spool: Path) -> None:
    from gvcgraph.graph.store import derive_updates

    triples = (
        ox.Triple(q.subject, q.predicate, q.object)
        for q in ox.parse(path=str(spool), format=ox.RdfFormat.N_QUADS)
    )
    nt = ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES)
    kg.store.replace_graphs({target: nt}, then=derive_updates(), prefixes=kg._prefixes)


def ingest_edgelist(
    kg: Any,
    path: str | Path,
    mapping: str | Mapping[str, str | None] | None = None,
    source_id: str | None = None,
    progress: bool = True,
) -> str:
    """:func:`load_edgelist`, returning its summary as text (what ``gvcgraph ingest`` prints)."""
    return str(load_edgelist(kg, path, mapping=mapping, source_id=source_id, progress=progress))
