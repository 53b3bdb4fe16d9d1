"""Case studies as spreadsheets: a folder of CSV sheets or one XLSX workbook.

The sheets mirror the YAML sections (``gvcgraph template`` writes an empty workbook):

* ``source``: two columns, ``field`` and ``value``;
* one sheet per list section (``entities``, ``policies``, ``supply`` ...), one row per record,
  one column per field; lists are written ``a; b; c``; a policy's targets are the columns
  ``targets.sectors``, ``targets.firm_categories`` ...; a record's first evidence item is in
  the columns ``evidence.line``, ``evidence.page``, ``evidence.quote``, ``evidence.status``,
  ``evidence.note``;
* ``policy_conditions`` and ``policy_outcomes``: one row per condition or outcome, with the
  ``policy`` id they belong to;
* ``evidence``: further evidence items, with the ``for`` id of the record they support.

Both forms load into the same structure as YAML, with the sheet, row and column of each value
for messages. openpyxl reads workbooks (read-only mode, no formulas evaluated); the workbook's
uncompressed size is checked first so that a zip bomb is refused before it is inflated.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import zipfile
import zlib
from pathlib import Path
from typing import Any

from gvcgraph.ingest.errors import Problem
from gvcgraph.ingest.schema import FieldSpec, load_schema
from gvcgraph.ingest.source_file import MAX_INPUT_BYTES, LoadedDocument, Locator, read_text

MAX_UNCOMPRESSED_BYTES = 100 * 1024 * 1024
"""Largest total uncompressed size of an XLSX workbook accepted (100 MiB)."""

NESTED_SHEETS = {"conditions": "policy_conditions", "outcomes": "policy_outcomes"}
EVIDENCE_SHEET = "evidence"
EVIDENCE_COLUMNS = ("line", "line_end", "page", "quote", "status", "note")


def sheet_columns() -> dict[str, list[str]]:
    """The columns of every sheet, in order (the template and the reader share this)."""
    schema = load_schema()
    sheets: dict[str, list[str]] = {"source": ["field", "value"]}
    for name, spec in schema.sections.items():
        if spec.kind != "list":
            continue
        cols: list[str] = []
        for fname, fspec in spec.fields.items():
            if fspec.type == "evidence":
                continue
            if fspec.type == "mapping":
                cols.extend(f"{fname}.{sub}" for sub in fspec.fields)
            elif fspec.type == "nested":
                continue
            else:
                cols.append(fname)
        if spec.dated:
            cols.extend(schema.date_fields)
        cols.extend(f"evidence.{c}" for c in EVIDENCE_COLUMNS)
        if "id" in cols:
            cols.insert(0, cols.pop(cols.index("id")))
        sheets[name] = cols
        for fname, fspec in spec.fields.items():
            if fspec.type == "nested" and fspec.record is not None:
                sub = [c for c in fspec.record.fields if c != "evidence"]
                sheets[NESTED_SHEETS[fname]] = [
                    "policy",
                    *sub,
                    *(f"evidence.{c}" for c in EVIDENCE_COLUMNS),
                ]
    sheets[EVIDENCE_SHEET] = ["for", *EVIDENCE_COLUMNS]
    return sheets


def load_csv_folder(folder: Path) -> tuple[LoadedDocument | None, list[Problem]]:
    """Read a case study written as CSV sheets (``source.csv``, ``supply.csv`` ...)."""
    if not folder.is_dir():
        return None, [Problem(str(folder), None, "folder", "", "no such folder of CSV sheets")]
    known = sheet_columns()
    tables: dict[str, list[list[str]]] = {}
    problems: list[Problem] = []
    for path in sorted(folder.glob("*.csv")):
        if path.stem not in known:
            problems.append(
                Problem(
                    str(path),
                    None,
                    "file",
                    "",
                    f"unknown sheet {_shown(path.stem)}; expected one of {', '.join(known)}",
                )
            )
            continue
        text, errs = read_text(path)
        if text is None:
            problems.extend(errs)
            continue
        reader = csv.reader(io.StringIO(text, newline=""))
        try:
            tables[path.stem] = list(reader)
        except csv.Error as exc:
            line = reader.line_num or 1
            problems.append(
                Problem(str(path), line, f"line {line}", "", f"invalid CSV: {_csv_reason(exc)}")
            )
    if not tables and not problems:
        problems.append(
            Problem(
                str(folder),
                None,
                "folder",
                "",
                "no case-study sheets found (expected source.csv and others)",
            )
        )
    if problems:
        return None, problems
    return _tables_to_document(str(folder), tables, lambda sheet: f"{sheet}.csv")


def load_xlsx(path: Path) -> tuple[LoadedDocument | None, list[Problem]]:
    """Read a case study written as an XLSX workbook (one sheet per section)."""
    name = str(path)
    try:
        size = path.stat().st_size
    except OSError as exc:
        return None, [Problem(name, None, "file", "", f"cannot read the file: {exc.strerror}")]
    if size > MAX_INPUT_BYTES:
        return None, [
            Problem(name, None, "file", "", f"workbook is too large ({size / 1_048_576:.1f} MiB)")
        ]
    try:
        with zipfile.ZipFile(path) as zf:
            inflated = sum(info.file_size for info in zf.infolist())
            declaring = (
                _members_declaring_entities(zf) if inflated <= MAX_UNCOMPRESSED_BYTES else []
            )
    except (
        zipfile.BadZipFile,
        zlib.error,
        OSError,
        EOFError,
        ValueError,
        NotImplementedError,
    ) as exc:
        reason = (
            "not a valid zip file"
            if isinstance(exc, (zipfile.BadZipFile, zlib.error))
            else _short(str(exc))
        )
        return None, [Problem(name, None, "file", "", f"not an XLSX workbook ({reason})")]
    if inflated > MAX_UNCOMPRESSED_BYTES:
        return None, [
            Problem(
                name,
                None,
                "file",
                "",
                f"workbook inflates to {inflated / 1_048_576:.0f} MiB; the limit is "
                f"{MAX_UNCOMPRESSED_BYTES / 1_048_576:.0f} MiB (possible zip bomb)",
            )
        ]
    if declaring:
        return None, [
            Problem(
                name,
                None,
                f"member {declaring[0]}",
                "",
                f"the workbook's XML ({', '.join(declaring[:3])}) declares a DTD or entities, "
                "which no spreadsheet program writes; refused (XML entity expansion)",
            )
        ]
    from openpyxl import load_workbook

    try:
        wb = load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many types for broken workbooks
        return None, [
            Problem(
                name,
                None,
                "file",
                "",
                f"cannot read the workbook: {type(exc).__name__}: {_short(str(exc))}",
            )
        ]
    known = sheet_columns()
    tables: dict[str, list[list[Any]]] = {}
    problems: list[Problem] = []
    try:
        for ws in wb.worksheets:
            if ws.title.lower() in ("readme", "codes"):
                continue
            if ws.title not in known:
                problems.append(
                    Problem(
                        name,
                        None,
                        f"sheet {ws.title!r}",
                        "",
                        f"unknown sheet {ws.title!r}; expected one of {', '.join(known)}",
                    )
                )
                continue
            try:
                tables[ws.title] = [list(row) for row in ws.iter_rows(values_only=True)]
            except Exception as exc:  # openpyxl reads sheets lazily: XML, value and zip errors
                problems.append(
                    Problem(
                        name,
                        None,
                        f"sheet {ws.title!r}",
                        "",
                        f"the workbook is damaged: sheet {ws.title!r} cannot be read "
                        f"({type(exc).__name__}: {_short(str(exc))})",
                    )
                )
    except Exception as exc:  # the list of sheets itself is damaged
        problems.append(
            Problem(
                name,
                None,
                "file",
                "",
                f"cannot read the workbook: {type(exc).__name__}: {_short(str(exc))}",
            )
        )
    finally:
        wb.close()
    if problems:
        return None, problems
    return _tables_to_document(name, tables, lambda sheet: f"sheet {sheet!r}")


_ENTITY_MARKS = tuple(
    mark.encode(codec)
    for mark in ("<!doctype", "<!entity")
    for codec in ("utf-8", "utf-16-le", "utf-16-be")
)
_CHUNK = 64 * 1024


def _members_declaring_entities(zf: zipfile.ZipFile) -> list[str]:
    """The XML members of a workbook that declare a DTD or entities (read in chunks).

    openpyxl parses with the standard library's expat, whose guard against entity expansion
    still lets a 50 kB sheet grow to a gigabyte of text; spreadsheets never declare entities.
    """
    found = []
    overlap = max(len(m) for m in _ENTITY_MARKS)
    for info in zf.infolist():
        if not info.filename.lower().endswith((".xml", ".rels", ".vml")):
            continue
        tail = b""
        with zf.open(info) as member:
            while chunk := member.read(_CHUNK):
                window = (tail + chunk).lower()
                if any(mark in window for mark in _ENTITY_MARKS):
                    found.append(info.filename)
                    break
                tail = window[-overlap:]
    return found


def _csv_reason(exc: csv.Error) -> str:
    """The csv module's complaint in a researcher's words."""
    text = str(exc)
    if "new-line character seen in unquoted field" in text:
        return (
            "a line break (or a lone carriage return) inside a field that is not in quotes; "
            "put the field in double quotes or remove the break"
        )
    if "NUL" in text or "null byte" in text:
        return "a NUL character; the sheet is not plain text"
    if "field larger than field limit" in text:
        return f"a field longer than {csv.field_size_limit():,} characters"
    return text


def _column_letter(index: int) -> str:
    """The spreadsheet name of a column counted from 0 (0 -> A, 26 -> AA)."""
    name = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        name = chr(ord("A") + rest) + name
    return name


def _shown(value: Any) -> str:
    """A cell value as quoted in a message (``repr``, cut when long)."""
    text = repr(value)
    return text if len(text) <= 60 else f"{str(value)[:40]!r}... ({len(str(value))} characters)"


def _short(text: str, limit: int = 200) -> str:
    """A message from a library, cut to ``limit`` characters."""
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _cell(value: Any) -> Any:
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str):
        value = value.strip()
        return value or None
    return value


def _tables_to_document(
    file: str, tables: dict[str, list[list[Any]]], sheet_name: Any
) -> tuple[LoadedDocument | None, list[Problem]]:
    schema = load_schema()
    known = sheet_columns()
    loc = Locator(file)
    problems: list[Problem] = []
    doc: dict[str, Any] = {"format": schema.format}
    record_paths: dict[str, tuple] = {}

    def where(sheet: str, row: int, column: str | None = None) -> str:
        text = f"{sheet_name(sheet)}, row {row}"
        return f"{text}, column {_shown(column)}" if column else text

    def rows(sheet: str) -> list[tuple[int, dict[str, Any]]]:
        table = tables.get(sheet) or []
        if not table:
            return []
        header = [str(_cell(h) or "").strip() for h in table[0]]
        reported: set[int] = set()  # columns whose header is reported as wrong
        seen: set[str] = set()
        for c, col in enumerate(header):
            if not col:
                continue
            reported.add(c)
            if col not in known[sheet]:
                problems.append(
                    Problem(
                        file,
                        None,
                        where(sheet, 1, col),
                        "",
                        f"unknown column {_shown(col)} in sheet {sheet!r}",
                    )
                )
                header[c] = ""  # reported; its cells are not read
            elif col in seen:
                problems.append(
                    Problem(
                        file,
                        None,
                        where(sheet, 1, col),
                        "",
                        f"column {_shown(col)} appears twice in sheet {sheet!r}",
                    )
                )
                header[c] = ""
            else:
                reported.discard(c)
            seen.add(col)
        out = []
        for r, raw in enumerate(table[1:], start=2):
            values = {}
            for c, v in enumerate(raw):
                value = _cell(v)
                if value is None:
                    continue
                if c < len(header) and header[c]:
                    values[header[c]] = value
                elif c not in reported:  # a value would be dropped without a word
                    problems.append(
                        Problem(
                            file,
                            None,
                            f"{sheet_name(sheet)}, row {r}, column {_column_letter(c)}",
                            "",
                            f"a value ({_shown(value)}) in a column without a header; "
                            "name the column in row 1 or remove the value",
                        )
                    )
                    reported.add(c)
            if values:
                out.append((r, values))
        return out

    # places of problems about the whole file, a whole sheet, or a missing sheet
    loc.set((), None, "file")
    loc.set(("source",), None, sheet_name("source"))
    for name in tables:
        loc.set((name,), None, sheet_name(name))

    # source sheet: field/value pairs
    if "source" in tables:
        src: dict[str, Any] = {}
        first_row: dict[str, int] = {}
        for r, values in rows("source"):
            key = values.get("field")
            if key is None:
                continue
            if str(key) in first_row:
                problems.append(
                    Problem(
                        file,
                        None,
                        where("source", r, "field"),
                        str(key),
                        f"the field {_shown(str(key))} is given twice in the source sheet "
                        f"(rows {first_row[str(key)]} and {r})",
                    )
                )
                continue
            first_row[str(key)] = r
            src[str(key)] = values.get("value")
            loc.set(("source", str(key)), None, where("source", r, "value"))
        doc["source"] = src

    for name, spec in schema.sections.items():
        if spec.kind != "list" or name not in tables:
            continue
        items: list[dict[str, Any]] = []
        for r, values in rows(name):
            i = len(items)
            path = (name, i)
            loc.set(path, None, where(name, r))
            item: dict[str, Any] = {}
            evidence: dict[str, Any] = {}
            for col, value in values.items():
                if col.startswith("evidence."):
                    key = col.split(".", 1)[1]
                    evidence[key] = value
                    loc.set((*path, "evidence", 0, key), None, where(name, r, col))
                    loc.set((*path, "evidence", 0), None, where(name, r, col))
                elif "." in col:
                    parent, key = col.split(".", 1)
                    item.setdefault(parent, {})[key] = _split(
                        spec.fields[parent].fields.get(key), value
                    )
                    loc.set((*path, parent, key), None, where(name, r, col))
                else:
                    item[col] = _split(spec.fields.get(col), value)
                    loc.set((*path, col), None, where(name, r, col))
            if evidence:
                item["evidence"] = [evidence]
                loc.set((*path, "evidence"), None, where(name, r, "evidence.quote"))
            items.append(item)
            ident = item.get("id") or f"{name}-{i + 1}"
            record_paths[str(ident)] = path
        doc[name] = items

    # nested policy records
    for field_name, sheet in NESTED_SHEETS.items():
        for r, values in rows(sheet):
            pid = values.pop("policy", None)
            ppath = record_paths.get(str(pid)) if pid is not None else None
            if ppath is None or ppath[0] != "policies":
                problems.append(
                    Problem(
                        file,
                        None,
                        where(sheet, r, "policy"),
                        "policy",
                        "empty; expected the id of a row in the policies sheet"
                        if pid is None
                        else f"{_shown(pid)} is not the id of a row in the policies sheet",
                    )
                )
                continue
            parent = doc["policies"][ppath[1]]
            rec: dict[str, Any] = {}
            evidence = {}
            k = len(parent.setdefault(field_name, []))
            path = (*ppath, field_name, k)
            loc.set(path, None, where(sheet, r))
            for col, value in values.items():
                if col.startswith("evidence."):
                    evidence[col.split(".", 1)[1]] = value
                    loc.set((*path, "evidence"), None, where(sheet, r, col))
                else:
                    rec[col] = value
                    loc.set((*path, col), None, where(sheet, r, col))
            if evidence:
                rec["evidence"] = [evidence]
            parent[field_name].append(rec)

    # further evidence items
    for r, values in rows(EVIDENCE_SHEET):
        target = values.pop("for", None)
        path = record_paths.get(str(target)) if target is not None else None
        if path is None:
            problems.append(
                Problem(
                    file,
                    None,
                    where(EVIDENCE_SHEET, r, "for"),
                    "for",
                    "empty; expected the id of a record in this workbook"
                    if target is None
                    else f"{_shown(target)} is not the id of a record in this workbook",
                )
            )
            continue
        record = doc[path[0]][path[1]]
        evs = record.setdefault("evidence", [])
        k = len(evs)
        evs.append(values)
        loc.set((*path, "evidence", k), None, where(EVIDENCE_SHEET, r))
        for col in values:
            loc.set((*path, "evidence", k, col), None, where(EVIDENCE_SHEET, r, col))

    if problems:
        return None, problems
    return LoadedDocument(doc, loc), []


def _split(spec: FieldSpec | None, value: Any) -> Any:
    """Split ``a; b`` cells of list-typed fields."""
    if spec is None or not isinstance(value, str):
        return value
    if spec.type.endswith("-list") or spec.type in ("nested",):
        return [part.strip() for part in value.split(";") if part.strip()]
    return value


def write_template(path: Path) -> None:
    """Write an empty case-study workbook: a README sheet, a codes sheet, one sheet per kind."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    from gvcgraph.ingest.schema import vocabulary

    schema = load_schema()
    wb = Workbook()
    readme = wb.active
    readme.title = "README"
    lines = [
        "gvcgraph case-study workbook (format gvcgraph-casestudy/1)",
        "One workbook per source document. Fill the 'source' sheet (field/value) and one row per "
        "record in the other sheets; leave unused sheets empty.",
        "Lists: separate items with ';'. Dates: YYYY, YYYY-MM or YYYY-MM-DD. Countries: ISO 3166-1 "
        "alpha-2 codes (MX, BR, TW).",
        "Every fact needs evidence: evidence.line or evidence.page, and evidence.quote. More "
        "evidence for a record goes in the 'evidence' sheet with the record's id in 'for'.",
        "Controlled values: see the 'codes' sheet. "
        "Check the workbook with: gvcgraph validate FILE.xlsx",
        "",
        "sheet / column / type / required / meaning",
    ]
    for line in lines:
        readme.append([line])
    readme["A1"].font = Font(bold=True)
    for sheet, columns in sheet_columns().items():
        spec = schema.sections.get(sheet)
        for col in columns:
            fspec = spec.fields.get(col.split(".")[0]) if spec else None
            kind = fspec.type if fspec else ""
            if fspec and fspec.scheme:
                kind += f" ({fspec.scheme})"
            if fspec and fspec.to:
                kind += f" -> {'/'.join(fspec.to)}"
            readme.append([sheet, col, kind, "yes" if fspec and fspec.required else ""])
    codes_ws = wb.create_sheet("codes")
    codes_ws.append(["scheme", "code"])
    for scheme, table in sorted(vocabulary().items()):
        if scheme == "country":
            continue
        for code in sorted(table):
            codes_ws.append([scheme, code])
    for sheet, columns in sheet_columns().items():
        ws = wb.create_sheet(sheet)
        ws.append(columns)
        for cell in ws[1]:
            cell.font = Font(bold=True)
        if sheet == "source":
            for fname in schema.sections["source"].fields:
                ws.append([fname, None])
    wb.save(path)
