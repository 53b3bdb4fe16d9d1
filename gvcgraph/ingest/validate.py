"""Structural validation of a case study: every problem at once, each with its place.

Checks types, required fields, unknown fields (with a "did you mean"), identifier patterns and
uniqueness, references to ids not defined in the file, controlled values, date order, share
bounds and ranges, and warns when direct shareholdings in one firm sum above 100 %. The result
is a :class:`CaseStudy` whose values are normalised (dates parsed, numbers as ``Decimal``),
ready for :mod:`gvcgraph.ingest.to_rdf`. SHACL runs afterwards on the RDF.
"""

from __future__ import annotations

import datetime as dt
import difflib
import re
from calendar import monthrange
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from gvcgraph.ingest.errors import Problem
from gvcgraph.ingest.schema import FieldSpec, SectionSpec, codes, load_schema, vocabulary
from gvcgraph.ingest.source_file import Locator, PathKey

ID_PATTERN = re.compile(r"^[a-z0-9][a-z0-9._-]*$")
WIKIDATA_PATTERN = re.compile(r"^Q[1-9][0-9]*$")
LEI_PATTERN = re.compile(r"^[A-Z0-9]{18}[0-9]{2}$")
DATE_PATTERN = re.compile(r"^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?$")
MIN_EXPONENT, MAX_EXPONENT = -15, 14
"""Numbers are zero or between 1e-15 and 1e15 in magnitude (money in a currency's units fits);
beyond that a number is a typo, and would become a literal of thousands of digits."""
TRUE_WORDS = {"true", "yes", "y", "1"}
FALSE_WORDS = {"false", "no", "n", "0"}


@dataclass(frozen=True)
class DateValue:
    """A normalised date: ``value`` rounded down (starts) or up (ends), with its precision."""

    value: dt.date
    precision: str


@dataclass
class Record:
    """One validated record: normalised field values and its path in the document."""

    section: str
    path: PathKey
    values: dict[str, Any]
    id: str = ""
    entity_type: str | None = None


@dataclass
class CaseStudy:
    """A validated case study, ready to become RDF."""

    source_id: str
    source: Record
    records: list[Record] = field(default_factory=list)
    locator: Locator | None = None

    def section(self, name: str) -> list[Record]:
        return [r for r in self.records if r.section == name]


class _Checker:
    def __init__(self, locator: Locator):
        self.loc = locator
        self.problems: list[Problem] = []

    def error(self, path: PathKey, message: str) -> None:
        self.problems.append(self.loc.problem(path, message))

    def warn(self, path: PathKey, message: str) -> None:
        self.problems.append(self.loc.problem(path, message, "warning"))


def validate_document(data: Any, locator: Locator) -> tuple[CaseStudy | None, list[Problem]]:
    """Validate a loaded case-study document; returns the normalised case study and problems."""
    schema = load_schema()
    ck = _Checker(locator)
    if not isinstance(data, dict):
        ck.error(
            (), f"a case study is a mapping with 'format', 'source' and sections; got {_kind(data)}"
        )
        return None, ck.problems
    fmt = data.get("format")
    if fmt is None:
        ck.error((), f"missing 'format: {schema.format}' at the top of the file")
    elif fmt != schema.format:
        ck.error(("format",), f"expected {schema.format!r}, got {_show(fmt)}")
    known = {"format", *schema.sections}
    for key in data:
        if key not in known:
            ck.error((key,), f"unknown section {_show(key)}{_suggest(key, known)}")

    source_spec = schema.sections["source"]
    src = data.get("source")
    if not isinstance(src, dict):
        ck.error(
            ("source",),
            "required section 'source' (a mapping with at least id and title) is missing",
        )
        source = Record("source", ("source",), {})
    else:
        source = Record(
            "source",
            ("source",),
            _check_fields(ck, src, ("source",), source_spec, source_spec.allowed_fields(), {}),
        )
    source_id = str(source.values.get("id", ""))

    # First pass: collect entity and policy ids with their types, and fact ids.
    defined: dict[str, str] = {}
    fact_ids: dict[str, PathKey] = {}
    lists: dict[str, list[tuple[PathKey, dict]]] = {}
    for name, spec in schema.sections.items():
        if spec.kind != "list" or name not in data:
            continue
        items = data[name]
        if items is None:
            continue
        if not isinstance(items, list):
            ck.error(
                (name,),
                f"section {name!r} must be a list of records (items starting with '-'), "
                f"got {_kind(items)}",
            )
            continue
        good: list[tuple[PathKey, dict]] = []
        for i, item in enumerate(items):
            path = (name, i)
            if not isinstance(item, dict):
                ck.error(
                    path, f"each item of {name!r} must be a mapping of fields, got {_kind(item)}"
                )
                continue
            good.append((path, item))
            if name == "entities" or spec.entity_like:
                ident = item.get("id")
                if not isinstance(ident, str) or not ident:
                    continue  # reported by the field check
                kind = "policy" if spec.entity_like else str(item.get("type", ""))
                if not spec.entity_like and kind not in spec.classes:
                    kind = ""  # its type is reported; references to it are not checked by type
                if ident in defined:
                    ck.error(
                        (*path, "id"), f"duplicate id {_show(ident)}: already defined in this file"
                    )
                else:
                    defined[ident] = kind
            else:
                ident = item.get("id") or f"{name}-{i + 1}"
                ident = str(ident)
                if ident in fact_ids:
                    ck.error(
                        (*path, "id"),
                        f"duplicate fact id {_show(ident)} (also {_where(ck, fact_ids[ident])})",
                    )
                else:
                    fact_ids[ident] = path
        lists[name] = good
    for ident in fact_ids:
        if ident in defined:
            ck.error(
                (*fact_ids[ident], "id"), f"fact id {_show(ident)} is also an entity or policy id"
            )

    context = {"defined": defined, "fact_ids": set(fact_ids)}
    records: list[Record] = []
    for name, items in lists.items():
        spec = schema.sections[name]
        for path, item in items:
            etype = None
            if spec.classes:
                etype = item.get("type")
                if etype not in spec.classes:
                    ck.error(
                        (*path, "type"),
                        f"expected one of {', '.join(spec.classes)}; got {_show(etype)}"
                        + _suggest(str(etype), spec.classes),
                    )
                    etype = None
                    allowed = list(spec.common)
                else:
                    allowed = spec.allowed_fields(etype)
            else:
                allowed = spec.allowed_fields()
            values = _check_fields(ck, item, path, spec, allowed, context, etype)
            if etype:
                for fname, fspec in spec.fields.items():
                    if etype in fspec.required_for and fname not in values:
                        ck.error((*path, fname), f"required for an entity of type {_show(etype)}")
            _check_record_rules(ck, spec, path, values, item)
            ident = str(
                values.get("id")
                or (item.get("id") if spec.classes or spec.entity_like else f"{name}-{path[1] + 1}")
            )
            records.append(Record(name, path, values, ident, etype))

    _warn_share_sums(ck, [r for r in records if r.section == "ownership"])
    if any(p.severity == "error" for p in ck.problems):
        return None, ck.problems
    return CaseStudy(source_id, source, records, locator), ck.problems


def _check_fields(
    ck: _Checker,
    item: dict,
    path: PathKey,
    spec: SectionSpec,
    allowed: list[str],
    context: dict,
    etype: str | None = None,
) -> dict[str, Any]:
    schema = load_schema()
    values: dict[str, Any] = {}
    date_fields = set(schema.date_fields) if spec.dated else set()
    allowed_set = set(allowed) | date_fields
    for key, raw in item.items():
        fpath = (*path, key)
        if key not in allowed_set:
            hint = ""
            if etype and key in spec.fields:
                hint = f" (not a field of an entity of type {_show(etype)})"
            else:
                hint = _suggest(str(key), allowed_set)
            ck.error(fpath, f"unknown field {_show(key)}{hint}")
            continue
        if raw is None or raw == "" or raw == []:
            continue
        if key in date_fields:
            value = _check_date_field(ck, fpath, key, raw)
        else:
            value = _check_value(ck, fpath, spec.fields[key], raw, context)
        if value is not None:
            values[key] = value
    for fname in allowed:
        fspec = spec.fields.get(fname)
        if fspec and fspec.required and fname not in values and item.get(fname) in (None, "", []):
            ck.error((*path, fname), f"required field is missing; expected {_expected(fspec)}")
    if spec.dated:
        frm, to = values.get("from"), values.get("to")
        if isinstance(frm, DateValue) and isinstance(to, DateValue) and to.value < frm.value:
            ck.error((*path, "to"), f"end date {to.value} is before start date {frm.value}")
    return values


def _check_record_rules(
    ck: _Checker, spec: SectionSpec, path: PathKey, values: dict, item: dict
) -> None:
    if spec.distinct:
        a, b = (values.get(f) for f in spec.distinct)
        if a is not None and a == b:
            ck.error(
                (*path, spec.distinct[1]),
                f"{spec.distinct[0]} and {spec.distinct[1]} are the same ({_show(a)})",
            )
    one_of = spec.one_of_required
    if one_of and not any(f in values for f in one_of) and not any(f in item for f in one_of):
        ck.error(path, f"one of {' or '.join(spec.one_of_required)} is required")
    if spec.name == "ownership":
        _check_share(ck, path, values)
    if spec.name == "participation" and "tier" in values and "lead" not in values:
        ck.error(
            (*path, "lead"), "a tier is relative to a lead firm: give 'lead' (the lead firm id)"
        )


def _check_share(ck: _Checker, path: PathKey, values: dict) -> None:
    exact = values.get("share")
    lo, hi = values.get("share_min"), values.get("share_max")
    if exact is not None and (lo is not None or hi is not None):
        ck.error(
            (*path, "share"), "give either share (exact) or share_min/share_max (a range), not both"
        )
    if lo is not None and hi is not None and lo > hi:
        ck.error((*path, "share_max"), f"share_max {hi} is below share_min {lo}")
    if values.get("share_min_exclusive") and lo is None:
        ck.error((*path, "share_min_exclusive"), "share_min_exclusive needs share_min")
    if values.get("share_max_exclusive") and hi is None:
        ck.error((*path, "share_max_exclusive"), "share_max_exclusive needs share_max")


def _warn_share_sums(ck: _Checker, ownership: list[Record]) -> None:
    totals: dict[tuple, Decimal] = {}
    first: dict[tuple, PathKey] = {}
    for rec in ownership:
        v = rec.values
        share = v.get("share")
        if share is None or v.get("direct") is False:
            continue
        if v.get("interest", "shareholding") != "shareholding":
            continue
        key = (v["owned"], v.get("from"), v.get("to"))
        totals[key] = totals.get(key, Decimal(0)) + share
        first.setdefault(key, rec.path)
    for key, total in totals.items():
        if total > 100:
            ck.warn(first[key], f"direct shareholdings in {key[0]!r} sum to {total}% (above 100%)")


def _check_value(ck: _Checker, path: PathKey, spec: FieldSpec, raw: Any, context: dict) -> Any:
    t = spec.type
    if t in ("text", "id", "wikidata", "lei"):
        if isinstance(raw, (dict, list)):
            ck.error(path, f"expected a single value ({t}), got {_kind(raw)}")
            return None
        text = str(raw).strip() if not isinstance(raw, bool) else str(raw).lower()
        if t == "id" and not ID_PATTERN.match(text):
            ck.error(
                path,
                f"expected an id of lower-case letters, digits, '.', '_' or '-' "
                f"(pattern ^[a-z0-9][a-z0-9._-]*$), got {_show(text)}",
            )
            return None
        if t == "wikidata" and not WIKIDATA_PATTERN.match(text):
            ck.error(path, f"expected a Wikidata item id such as Q42, got {_show(text)}")
            return None
        if t == "lei" and not LEI_PATTERN.match(text):
            ck.error(
                path,
                "expected a 20-character LEI (18 letters/digits and 2 check digits), "
                f"got {_show(text)}",
            )
            return None
        if spec.pattern and not re.match(spec.pattern, text):
            ck.error(path, f"{_show(text)} is not well formed (expected pattern {spec.pattern})")
            return None
        return text
    if t == "text-list":
        items = _as_list(raw)
        out = []
        for i, item in enumerate(items):
            if isinstance(item, (dict, list)):
                ck.error((*path, i), f"expected text, got {_kind(item)}")
            else:
                out.append(str(item).strip())
        return out
    if t in ("integer", "number", "percent", "year"):
        return _check_number(ck, path, spec, raw)
    if t == "boolean":
        if isinstance(raw, bool):
            return raw
        word = str(raw).strip().lower()
        if word in TRUE_WORDS:
            return True
        if word in FALSE_WORDS:
            return False
        ck.error(path, f"expected true or false, got {_show(raw)}")
        return None
    if t in ("code", "code-list"):
        items = _as_list(raw) if t == "code-list" else [raw]
        valid = codes(spec.scheme or "")
        out = []
        for i, item in enumerate(items):
            ipath = (*path, i) if t == "code-list" else path
            code = str(item).strip()
            if code not in valid:
                ck.error(
                    ipath,
                    f"{_show(code)} is not {_a(spec.scheme or '')} {spec.scheme} code; "
                    "expected one of "
                    f"{', '.join(sorted(valid))}{_suggest(code, valid)}",
                )
            else:
                out.append(code)
        return out if t == "code-list" else (out[0] if out else None)
    if t in ("country", "country-list"):
        items = _as_list(raw) if t == "country-list" else [raw]
        valid = codes("country")
        out = []
        for item in items:
            code = str(item).strip().upper()
            if code not in valid:
                ck.error(
                    path,
                    f"{_show(item)} is not an ISO 3166-1 alpha-2 country code (e.g. MX, BR, TW)",
                )
            else:
                out.append(code)
        return out if t == "country-list" else (out[0] if out else None)
    if t in ("ref", "ref-list", "fact-ref-list"):
        items = _as_list(raw) if t != "ref" else [raw]
        out = []
        for i, item in enumerate(items):
            ipath = (*path, i) if t != "ref" else path
            ident = str(item).strip()
            if t == "fact-ref-list":
                if ident not in context["defined"] and ident not in context["fact_ids"]:
                    ck.error(
                        ipath,
                        f"{_show(ident)} is not the id of an entity, policy or fact in this file",
                    )
                    continue
            else:
                kind = context["defined"].get(ident)
                if kind is None:
                    ck.error(
                        ipath,
                        f"{_show(ident)} is not defined in this file; expected the id of a "
                        f"{' or '.join(spec.to)} declared under 'entities'"
                        + (" or 'policies'" if "policy" in spec.to else "")
                        + _suggest(ident, context["defined"]),
                    )
                    continue
                if kind and kind not in spec.to:
                    ck.error(
                        ipath, f"{_show(ident)} is a {kind}; expected a {' or '.join(spec.to)}"
                    )
                    continue
            out.append(ident)
        return out if t != "ref" else (out[0] if out else None)
    if t == "subject":
        ident = str(raw).strip()
        if ":" in ident:
            scheme, _, code = ident.partition(":")
            if code not in vocabulary().get(scheme, {}):
                ck.error(path, f"{_show(ident)} is not a concept (scheme:code) of the vocabularies")
                return None
            return ident
        kind = context["defined"].get(ident)
        if kind is None:
            ck.error(
                path,
                f"{_show(ident)} is not defined in this file; expected an entity id or scheme:code"
                + _suggest(ident, context["defined"]),
            )
            return None
        if kind and kind not in spec.to:
            ck.error(path, f"{_show(ident)} is a {kind}; expected a {' or '.join(spec.to)}")
            return None
        return ident
    if t == "evidence":
        return _check_evidence(ck, path, raw)
    if t == "mapping":
        if not isinstance(raw, dict):
            ck.error(
                path, f"expected a mapping with keys {', '.join(spec.fields)}, got {_kind(raw)}"
            )
            return None
        out_map = {}
        for key, value in raw.items():
            if key not in spec.fields:
                ck.error(
                    (*path, key), f"unknown field {_show(key)}{_suggest(str(key), spec.fields)}"
                )
                continue
            if value in (None, "", []):
                continue
            checked = _check_value(ck, (*path, key), spec.fields[key], value, context)
            if checked is not None:
                out_map[key] = checked
        return out_map
    if t == "nested":
        assert spec.record is not None
        out_list = []
        for i, item in enumerate(_as_list(raw)):
            ipath = (*path, i)
            if not isinstance(item, dict):
                ck.error(
                    ipath,
                    f"expected a mapping with {', '.join(spec.record.fields)}, got {_kind(item)}",
                )
                continue
            out_list.append(
                _check_fields(ck, item, ipath, spec.record, list(spec.record.fields), context)
            )
        return out_list
    raise AssertionError(f"unknown field type {t}")


def _check_number(ck: _Checker, path: PathKey, spec: FieldSpec, raw: Any) -> Any:
    t = spec.type
    expected = {
        "integer": "a whole number",
        "year": "a year (e.g. 1994)",
        "number": "a number",
        "percent": "a percentage from 0 to 100 (a number, without '%')",
    }[t]
    if isinstance(raw, (bool, dict, list, dt.date)):
        ck.error(path, f"expected {expected}, got {_show(raw)}")
        return None
    try:
        num = Decimal(str(raw).strip())
    except InvalidOperation:
        ck.error(path, f"expected {expected}, got {_show(raw)}")
        return None
    if not num.is_finite():
        ck.error(path, f"expected {expected}, got {_show(raw)}")
        return None
    if num and not MIN_EXPONENT <= num.adjusted() <= MAX_EXPONENT:
        ck.error(
            path,
            f"{_show(raw, quote=False)} is out of range; expected {expected} of magnitude "
            f"between 1e{MIN_EXPONENT} and 1e{MAX_EXPONENT + 1}",
        )
        return None
    lo, hi = spec.min, spec.max
    if t == "percent":
        lo, hi = 0, 100
    if t == "year":
        lo, hi = 1000, 2999
    if t in ("integer", "year"):
        if num != num.to_integral_value():
            ck.error(path, f"expected {expected}, got {_show(raw)}")
            return None
        num = int(num)
    if (lo is not None and num < lo) or (hi is not None and num > hi):
        bounds = (
            f"from {lo} to {hi}"
            if lo is not None and hi is not None
            else (f"at least {lo}" if lo is not None else f"at most {hi}")
        )
        ck.error(path, f"{_show(raw, quote=False)} is out of range; expected {expected} {bounds}")
        return None
    return num


def _check_date_field(ck: _Checker, path: PathKey, key: str, raw: Any) -> Any:
    if key == "as_stated":
        return str(raw).strip()
    if key == "precision":
        code = str(raw).strip()
        valid = codes("date-precision")
        if code not in valid:
            ck.error(
                path,
                f"{_show(code)} is not a date precision; expected one of "
                f"{', '.join(sorted(valid))}",
            )
            return None
        return code
    parsed = parse_date(raw, round_up=(key == "to"))
    if parsed is None:
        ck.error(path, f"expected a date as YYYY, YYYY-MM or YYYY-MM-DD, got {_show(raw)}")
    return parsed


def parse_date(raw: Any, round_up: bool = False) -> DateValue | None:
    """Parse ``YYYY``, ``YYYY-MM`` or ``YYYY-MM-DD``; a start rounds down, an end rounds up.

    >>> parse_date("1994").value, parse_date(1994, round_up=True).value
    (datetime.date(1994, 1, 1), datetime.date(1994, 12, 31))
    """
    if isinstance(raw, dt.datetime):
        return DateValue(raw.date(), "day")
    if isinstance(raw, dt.date):
        return DateValue(raw, "day")
    if isinstance(raw, bool):
        return None
    m = DATE_PATTERN.match(str(raw).strip())
    if not m:
        return None
    year, month, day = int(m[1]), m[2], m[3]
    try:
        if day:
            return DateValue(dt.date(year, int(month), int(day)), "day")
        if month:
            mo = int(month)
            last = monthrange(year, mo)[1] if 1 <= mo <= 12 else 0
            return DateValue(dt.date(year, mo, last if round_up else 1), "month")
        return DateValue(dt.date(year, 12, 31) if round_up else dt.date(year, 1, 1), "year")
    except ValueError:
        return None


def _check_evidence(ck: _Checker, path: PathKey, raw: Any) -> list[dict] | None:
    schema = load_schema()
    spec = schema.evidence
    items = raw if isinstance(raw, list) else [raw]
    out = []
    for i, item in enumerate(items):
        ipath = (*path, i) if isinstance(raw, list) else path
        if not isinstance(item, dict):
            ck.error(
                ipath, f"evidence is a mapping with line or page, and quote; got {_kind(item)}"
            )
            continue
        values = _check_fields(ck, item, ipath, spec, list(spec.fields), {})
        if not any(k in values for k in schema.evidence_one_of):
            ck.error(ipath, "evidence needs a line or a page")
            continue
        if "line_end" in values and "line" in values and values["line_end"] < values["line"]:
            ck.error((*ipath, "line_end"), "line_end is before line")
        values.setdefault("status", spec.fields["status"].default)
        out.append(values)
    return out or None


def _as_list(raw: Any) -> list:
    if isinstance(raw, list):
        return raw
    if isinstance(raw, str) and ";" in raw:
        return [part.strip() for part in raw.split(";") if part.strip()]
    return [raw]


def _kind(value: Any) -> str:
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    if value is None:
        return "nothing"
    return f"{type(value).__name__} {_show(value)}"


def _expected(spec: FieldSpec) -> str:
    """What a field holds, in words (for a missing required field)."""
    t = spec.type
    if t == "evidence":
        return "evidence (line or page, and a short quote)"
    if t in ("ref", "ref-list"):
        return f"the id of {_a(spec.to[0])} {' or '.join(spec.to)}" if spec.to else "an id"
    if t in ("code", "code-list"):
        return f"{_a(spec.scheme or '')} {spec.scheme} code (`gvcgraph vocab {spec.scheme}`)"
    if t == "subject":
        return "an entity id or scheme:code"
    words = {
        "id": "an id",
        "text": "text",
        "text-list": "text",
        "integer": "a whole number",
        "number": "a number",
        "percent": "a percentage",
        "year": "a year",
        "boolean": "true or false",
        "country": "a country code (e.g. MX)",
        "country-list": "country codes (e.g. MX)",
    }
    return words.get(t, t)


def _a(word: str) -> str:
    """The indefinite article before ``word``."""
    return "an" if word[:1].lower() in "aeiou" else "a"


MAX_SHOWN = 60
"""Longest value quoted in full in a message; longer ones are cut, with their length."""


def _show(value: Any, quote: bool = True) -> str:
    """A value from the input as quoted in a message: ``repr``, cut when it is long."""
    text = repr(value) if quote else str(value)
    if len(text) <= MAX_SHOWN:
        return text
    whole = str(value)
    head = repr(whole[:40]) if quote else whole[:40]
    return f"{head}... ({len(whole)} characters)"


def _suggest(word: str, options: Any) -> str:
    if len(str(word)) > MAX_SHOWN:
        return ""
    close = difflib.get_close_matches(str(word), [str(o) for o in options], n=1, cutoff=0.75)
    return f" (did you mean {close[0]!r}?)" if close else ""


def _where(ck: _Checker, path: PathKey) -> str:
    line, where = ck.loc.find(path)
    return where or f"line {line}"
