"""Helpers shared by the tests of the bundled case studies: load a file, walk its evidence,
find a record, compare quotes with whitespace collapsed."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import yaml

from tests.conftest import SHARED

CASESTUDIES = Path(__file__).resolve().parent.parent / "gvcgraph" / "casestudies"
SEEDS = SHARED / "seeds"


def load(name: str) -> dict[str, Any]:
    """The case-study file ``name`` (in gvcgraph/casestudies) parsed with the safe loader."""
    with open(CASESTUDIES / name, encoding="utf-8") as handle:
        return yaml.safe_load(handle)


def collapse(text: str) -> str:
    """``text`` with every run of whitespace replaced by one space, trimmed."""
    return re.sub(r"\s+", " ", text).strip()


def evidence_items(node: Any, path: str = "") -> Iterator[tuple[str, dict[str, Any]]]:
    """Every evidence mapping anywhere in ``node``, with a readable path to it."""
    if isinstance(node, dict):
        for key, value in node.items():
            here = f"{path}.{key}" if path else str(key)
            if key == "evidence":
                items = value if isinstance(value, list) else [value]
                for i, item in enumerate(items):
                    yield f"{here}[{i}]", item
            else:
                yield from evidence_items(value, here)
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield from evidence_items(value, f"{path}[{i}]")


def by_id(records: list[dict[str, Any]], ident: str) -> dict[str, Any]:
    """The record of ``records`` whose id is ``ident``."""
    matches = [r for r in records if r.get("id") == ident]
    assert len(matches) == 1, f"{ident}: {len(matches)} records"
    return matches[0]
