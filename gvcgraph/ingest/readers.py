"""Dispatch of the non-case-study input formats (BODS, GLEIF, RDF files) to their readers.

Each reader module exposes ``read(path, source_id=None) -> (source_id, rdflib.Graph, warnings)``
and raises :class:`~gvcgraph.ingest.errors.InputError` with every problem it found. Every file
is read and checked before anything is written.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterable
from pathlib import Path

from rdflib import Graph

from gvcgraph.ingest.errors import InputError, Problem

READERS = {
    "bods": "gvcgraph.ingest.bods",
    "gleif": "gvcgraph.ingest.gleif",
    "rdf": "gvcgraph.ingest.rdf",
}


def read_files(
    fmt: str, paths: Iterable[Path], source_id: str | None = None
) -> tuple[dict[str, Graph], list[Problem]]:
    """Read every file with the reader of ``fmt``; all problems of all files at once."""
    module = importlib.import_module(READERS[fmt])
    graphs: dict[str, Graph] = {}
    problems: list[Problem] = []
    failed = False
    for path in paths:
        try:
            sid, graph, warnings = module.read(Path(path), source_id=source_id)
        except InputError as exc:
            problems.extend(exc.problems)
            failed = True
            continue
        problems.extend(warnings)
        if sid in graphs:
            problems.append(
                Problem(
                    str(path),
                    None,
                    "file",
                    "source_id",
                    f"source id {sid!r} given to two files; use --source-id per file",
                )
            )
            failed = True
        graphs[sid] = graph
    if failed:
        raise InputError(problems)
    return graphs, problems
