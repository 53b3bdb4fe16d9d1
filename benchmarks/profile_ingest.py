"""Where an edge-list ingest spends its time: the Python pass against Oxigraph's bulk loader.

Measures, for one edge-list CSV: the one pass that checks every row and writes N-Quads text
(CPU seconds), Oxigraph's bulk loader on that text, called as the ingest calls it, into a new
on-disk store and into memory (wall and CPU seconds: the loader runs threads),
``Store.optimize()`` of the loaded store, and, with ``--project``, the projection (``project(kg, "all")``) of a gvcgraph store before
and after compaction. The figures of BENCHMARKS.md's idle-machine table come from it.

Usage::

    python -m benchmarks.profile_ingest edges.csv [--project STORE_DIR]
"""

from __future__ import annotations

import argparse
import resource
import shutil
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import pyoxigraph as ox


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _timed(label: str, work: Callable[[], object]) -> None:
    wall, cpu = time.perf_counter(), _cpu()
    work()
    print(f"{label}: {time.perf_counter() - wall:.1f} s wall, {_cpu() - cpu:.1f} s CPU", flush=True)


def profile(csv_path: Path, project_store: Path | None) -> None:
    """Print the time of each phase (see the module docstring)."""
    from benchmarks.ingest_floor import write_full_spool
    from gvcgraph.ingest.edgelist import _bulk_load  # as the ingest loads: lenient parsing

    work = Path(tempfile.mkdtemp(prefix="gvc-profile-"))
    spool = work / "spool.nq"
    try:

        def one_pass() -> None:
            rows, quads = write_full_spool(csv_path, spool)
            print(f"  {rows:,} rows, {quads:,} quads")

        _timed("one pass: check and write N-Quads", one_pass)
        disk = ox.Store(str(work / "store"))
        _timed(
            "bulk loader, on disk",
            lambda store=disk: _bulk_load(store, spool),
        )
        _timed("optimize (compaction)", disk.optimize)
        memory = ox.Store()
        _timed(
            "bulk loader, in memory",
            lambda store=memory: _bulk_load(store, spool),
        )
        if project_store is not None:
            _profile_projection(project_store, work)
    finally:
        shutil.rmtree(work, ignore_errors=True)


def _profile_projection(store: Path, work: Path) -> None:
    from gvcgraph.graph.project import project
    from gvcgraph.graph.store import KnowledgeGraph
    from gvcgraph.graph.storedir import StoreDirectory

    with KnowledgeGraph(store) as kg:
        _timed("projection, store as it is", lambda: project(kg, "all"))
    copy = work / "compacted"
    shutil.copytree(store, copy, ignore=shutil.ignore_patterns("*.readers", "write.lock"))
    head = StoreDirectory(copy).head()
    compacted = ox.Store(str(copy / str(head)))
    _timed("optimize (compaction) of the store", compacted.optimize)
    del compacted
    with KnowledgeGraph(copy) as kg:
        _timed("projection, compacted store", lambda: project(kg, "all"))


def main() -> None:
    """Command line: ``python -m benchmarks.profile_ingest CSV [--project STORE]``."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("csv", type=Path)
    parser.add_argument("--project", type=Path, default=None, help="a gvcgraph store directory")
    args = parser.parse_args()
    profile(args.csv, args.project)


if __name__ == "__main__":
    main()
