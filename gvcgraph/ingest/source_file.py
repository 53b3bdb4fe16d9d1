"""Reading input files safely: size limit, binary and encoding checks, YAML with line numbers.

A case study read from YAML, CSV or XLSX becomes the same plain structure (dicts, lists,
scalars) plus a :class:`Locator` that tells, for any path in that structure, where it came
from (a YAML line, or a sheet/row/column), so that every message can point at its place.

YAML is parsed with PyYAML's safe loader. Anchors and aliases are refused: case studies never
need them, and refusing them makes "billion laughs" inputs impossible.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Hashable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from gvcgraph.ingest.errors import Problem

MAX_INPUT_BYTES = 20 * 1024 * 1024
"""Largest case-study file accepted (20 MiB); real case studies are a few hundred KiB."""

PathKey = tuple[Hashable, ...]


@dataclass
class Locator:
    """Where each part of a loaded document came from."""

    file: str
    places: dict[PathKey, tuple[int | None, str]] = field(default_factory=dict)

    def set(self, path: PathKey, line: int | None, where: str) -> None:
        self.places[path] = (line, where)

    def find(self, path: PathKey) -> tuple[int | None, str]:
        """The place of ``path``, or of its nearest ancestor that has one."""
        while True:
            if path in self.places:
                return self.places[path]
            if not path:
                return (None, "")
            path = path[:-1]

    def problem(self, path: PathKey, message: str, severity: str = "error") -> Problem:
        """A :class:`Problem` located at ``path``; the field is the dotted path."""
        line, where = self.find(path)
        return Problem(self.file, line, where, dotted(path), message, severity)  # type: ignore[arg-type]


def dotted(path: PathKey) -> str:
    """``("supply", 2, "buyer")`` -> ``supply[3].buyer`` (records counted from 1)."""
    out = ""
    for part in path:
        if isinstance(part, int):
            out += f"[{part + 1}]"
        else:
            out += ("." if out else "") + str(part)
    return out


@dataclass
class LoadedDocument:
    """A parsed input document and the locator of its parts."""

    data: Any
    locator: Locator


def read_text(path: Path, max_bytes: int = MAX_INPUT_BYTES) -> tuple[str | None, list[Problem]]:
    """Read a UTF-8 text file, refusing empty, oversized, binary and non-UTF-8 input."""
    name = str(path)
    try:
        size = path.stat().st_size
    except OSError as exc:
        return None, [Problem(name, None, "file", "", f"cannot read the file: {exc.strerror}")]
    if size > max_bytes:
        return None, [
            Problem(
                name,
                None,
                "file",
                "",
                f"file is too large ({size / 1_048_576:.1f} MiB); the limit is "
                f"{max_bytes / 1_048_576:.0f} MiB for a case-study file",
            )
        ]
    raw = path.read_bytes()
    if not raw.strip():
        return None, [Problem(name, None, "file", "", "file is empty; expected a case study")]
    if b"\x00" in raw[:8192]:
        return None, [Problem(name, None, "file", "", "this is a binary file, not UTF-8 text")]
    try:
        text = raw.decode("utf-8-sig")
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
    return text, []


class _NoAliasLoader(yaml.SafeLoader):
    """Safe loader that refuses anchors and aliases."""

    def compose_node(self, parent, index):  # type: ignore[no-untyped-def]
        if self.check_event(yaml.AliasEvent):
            event = self.peek_event()
            raise yaml.MarkedYAMLError(
                None, None, "YAML aliases (*name) are not allowed in case studies", event.start_mark
            )
        event = self.peek_event()
        if getattr(event, "anchor", None):
            raise yaml.MarkedYAMLError(
                None, None, "YAML anchors (&name) are not allowed in case studies", event.start_mark
            )
        return super().compose_node(parent, index)


def load_yaml(path: Path) -> tuple[LoadedDocument | None, list[Problem]]:
    """Parse a YAML file into plain Python data with the line of every mapping key and item."""
    text, problems = read_text(path)
    if text is None:
        return None, problems
    name = str(path)
    try:
        loader = _NoAliasLoader(text)
    except yaml.reader.ReaderError as exc:  # a character YAML does not allow
        line = text[: exc.position].count("\n") + 1
        return None, [
            Problem(
                name,
                line,
                f"line {line}",
                "",
                f"invalid YAML: the character U+{exc.character:04X} is not allowed in YAML "
                "(a control or non-printable character); remove it",
            )
        ]
    try:
        node = loader.get_single_node()
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else None
        what = exc.problem or exc.context or "invalid YAML"
        return None, [Problem(name, line, f"line {line}", "", f"invalid YAML: {what}")]
    except yaml.YAMLError as exc:
        return None, [Problem(name, None, "file", "", f"invalid YAML: {exc}")]
    except RecursionError:
        # PyYAML composes nested collections recursively: a file nested hundreds of levels
        # deep (a "recursion bomb") exhausts Python's stack before it is parsed.
        line = loader.line + 1
        return None, [
            Problem(
                name,
                line,
                f"line {line}",
                "",
                f"invalid YAML: nested more than {MAX_NESTING} levels deep; a case study needs "
                "a handful",
            )
        ]
    finally:
        loader.dispose()
    if node is None:
        return None, [Problem(name, None, "file", "", "file is empty; expected a case study")]
    locator = Locator(name)
    errors: list[Problem] = []
    try:
        data = _convert(node, (), locator, loader, errors, 0)
    except _TooDeep as exc:
        return None, [
            Problem(
                name,
                exc.line,
                f"line {exc.line}",
                "",
                f"invalid YAML: nested more than {MAX_NESTING} levels deep; a case study needs "
                "a handful",
            )
        ]
    return LoadedDocument(data, locator), errors


MAX_NESTING = 50
"""Deepest nesting of mappings and lists accepted in a case study (real ones use four)."""


def _describe_key(key: Any) -> str:
    """What a key that is not text is, in YAML's words."""
    if key is None:
        return "an empty key (~ or null)"
    if isinstance(key, bool):
        return f"the boolean {str(key).lower()}"
    if isinstance(key, (int, float)):
        return f"the number {key}"
    if isinstance(key, (dt.date, dt.datetime)):
        return f"the date {key.isoformat()}"
    if not isinstance(key, Hashable) or isinstance(key, (list, dict)):
        return "a list or a mapping"
    return f"{type(key).__name__} {key!r}"[:80]


_PLAIN_COLLECTIONS = ("tag:yaml.org,2002:map", "tag:yaml.org,2002:seq")


class _TooDeep(Exception):
    """A document nested deeper than :data:`MAX_NESTING`; ``line`` is where it got too deep."""

    def __init__(self, line: int):
        super().__init__(line)
        self.line = line


def _construct_scalar(
    node: yaml.Node, path: PathKey, loc: Locator, loader: yaml.SafeLoader, errors: list[Problem]
) -> Any:
    """The Python value of a scalar node; a value PyYAML cannot construct becomes a problem.

    A plain scalar that PyYAML reads as a date or a number but cannot build (``2020-02-30``,
    an integer of thousands of digits) is kept as the text written, so that validation says
    what the field expects. An explicit tag that does not fit its value (``!!int x``) or that
    the safe loader does not know (``!!python/object:...``) is an error at its line.
    """
    try:
        return loader.construct_object(node, deep=True)
    except Exception as exc:  # PyYAML raises ValueError, KeyError, ConstructorError ... here
        implicit = isinstance(node, yaml.ScalarNode) and node.tag == loader.resolve(
            yaml.ScalarNode, node.value, (True, False)
        )
        if implicit:
            return node.value
        line = node.start_mark.line + 1
        tag = node.tag.replace("tag:yaml.org,2002:", "!!")
        if isinstance(exc, yaml.MarkedYAMLError):
            reason = f"the tag {tag} is not allowed in a case study; write a plain value"
        else:
            reason = f"{str(node.value)[:80]!r} is not a valid {tag} value"
        errors.append(
            Problem(loc.file, line, f"line {line}", dotted(path), f"invalid YAML: {reason}")
        )
        return None


def _convert(
    node: yaml.Node,
    path: PathKey,
    loc: Locator,
    loader: yaml.SafeLoader,
    errors: list[Problem],
    depth: int,
) -> Any:
    line = node.start_mark.line + 1
    if depth > MAX_NESTING:
        raise _TooDeep(line)
    loc.set(path, line, f"line {line}")
    if isinstance(node, yaml.CollectionNode) and node.tag not in _PLAIN_COLLECTIONS:
        tag = node.tag.replace("tag:yaml.org,2002:", "!!")
        errors.append(
            Problem(
                loc.file,
                line,
                f"line {line}",
                dotted(path),
                f"invalid YAML: the tag {tag} is not allowed in a case study; write a plain "
                "list or mapping",
            )
        )
        return None
    if isinstance(node, yaml.MappingNode):
        out: dict[Any, Any] = {}
        for key_node, value_node in node.value:
            key_line = key_node.start_mark.line + 1
            known = len(errors)
            key = (
                _construct_scalar(key_node, path, loc, loader, errors)
                if isinstance(key_node, yaml.ScalarNode)
                else []
            )
            if len(errors) > known:
                continue
            if not isinstance(key, str):
                # every section and field name is text: 123, true, ~ or 2020-01-01 as a key
                # is a mistake (and a number would read as a list index in messages)
                what = _describe_key(key)
                errors.append(
                    Problem(
                        loc.file,
                        key_line,
                        f"line {key_line}",
                        dotted(path),
                        f"expected a field or section name (text) as the key, got {what}",
                    )
                )
                continue
            if key in out:
                errors.append(
                    Problem(
                        loc.file,
                        key_line,
                        f"line {key_line}",
                        dotted((*path, key)),
                        f"duplicate key {key!r} (first given on line {loc.find((*path, key))[0]})",
                    )
                )
                continue
            out[key] = _convert(value_node, (*path, key), loc, loader, errors, depth + 1)
            # a field's place is its key's line (the value's own node may start elsewhere)
            loc.set((*path, key), key_line, f"line {key_line}")
        return out
    if isinstance(node, yaml.SequenceNode):
        return [
            _convert(item, (*path, i), loc, loader, errors, depth + 1)
            for i, item in enumerate(node.value)
        ]
    return _construct_scalar(node, path, loc, loader, errors)
