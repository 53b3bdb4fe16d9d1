"""How fast can any edge-list ingest into Oxigraph be? The store's own floor, per model.

The edge-list ingest (:mod:`gvcgraph.ingest.edgelist`) ends in Oxigraph's bulk loader, which
costs a few microseconds per quad whatever writes the quads. This benchmark measures that cost
on the quads gvcgraph itself writes for one edge list, and on two smaller sets cut from them,
so that a target can be checked against what the store alone needs, before any Python runs:

``full``
    Every quad the ingest writes (the qualified fact, its evidence node and quote selector,
    validity dates with their precision, shares, actors, and both directions of each shortcut
    edge in the derived graph).
``design-minimum``
    What the model of ``DESIGN.md`` cannot do without: ``full`` less the quote selector node
    (its ``oa:hasSelector`` link and its type; the quote itself is kept) and less the shortcut
    edges DESIGN.md does not name (``suppliedBy``, ``directlyOwns``, ``controls``; it names
    ``suppliesTo``, ``directlyOwnedBy``, ``controlledBy``). Each fact still has its type, its
    two ends, its dates with their precision, ``prov:wasDerivedFrom`` an Evidence node
    (document, line, quote) and one shortcut edge, as DESIGN.md's ontology section requires.
``network-only``
    One shortcut edge per relation and nothing else: no fact, no evidence, no date. No model
    of DESIGN.md is this small; it is the cost of the bare network.

Each set is loaded with ``Store.bulk_load(..., lenient=True)`` (the fastest setting, as the
ingest uses; ``--parsing strict,lenient`` also measures the parser's checks) into a new
on-disk store and into a new in-memory store; the table gives wall
and CPU seconds, microseconds of wall time per quad, and the peak resident memory of the
process that loaded (each load runs in a process of its own, so that one load's memory does
not hide another's).

Usage::

    python -m benchmarks.ingest_floor EDGES.csv [--models full,design-minimum,network-only]
        [--stores disk,memory] [--parsing lenient] [--work DIR]
"""

from __future__ import annotations

import argparse
import multiprocessing
import resource
import shutil
import tempfile
import time
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox

from gvcgraph.ontology.terms import GVC, OA, RDF

_SELECTOR_TYPE = f"<{RDF.type}> <{OA.TextQuoteSelector}>"
_UNNAMED_SHORTCUTS = {f"<{GVC[name]}>" for name in ("suppliedBy", "directlyOwns", "controls")}
_SHORTCUTS = {
    f"<{GVC[name]}>" for name in ("suppliesTo", "directlyOwnedBy", "controlledBy", "memberOf")
}
MODELS = ("full", "design-minimum", "network-only")
"""The quad sets measured, largest first (see the module docstring)."""


def keeps(model: str, quad: str) -> bool:
    """Whether ``model`` keeps one N-Quads line of the full ingest.

    Parameters
    ----------
    model : str
        One of :data:`MODELS`.
    quad : str
        One line of N-Quads as :class:`gvcgraph.ingest.edgelist.NQuadsWriter` writes it
        (``<s> <p> <o> <g> .``).
    """
    if model == "full":
        return True
    predicate = quad.split(" ", 2)[1]
    if model == "network-only":
        return predicate in _SHORTCUTS
    if model == "design-minimum":
        if predicate == f"<{OA.hasSelector}>" or predicate in _UNNAMED_SHORTCUTS:
            return False
        return _SELECTOR_TYPE not in quad
    raise ValueError(f"unknown model {model!r}; expected one of {', '.join(MODELS)}")


def write_full_spool(csv_path: Path, spool: Path) -> tuple[int, int]:
    """Write the N-Quads the edge-list ingest writes for ``csv_path``; return (rows, quads)."""
    from gvcgraph.ingest import edgelist
    from gvcgraph.ontology import terms

    scan = edgelist._open_scan(csv_path, None, None)
    graph = terms.source_graph(scan.plan.source_id)
    with spool.open("w", encoding="utf-8", buffering=1 << 20) as out:
        writer = edgelist.NQuadsWriter(scan.plan, graph, out)
        writer.head()
        for row in scan.rows():
            writer.row(row)
        scan.finish()
        writer.actors()
    return scan.plan.rows, writer.counts.source + writer.counts.derived


def cut(full: Path, model: str, out: Path) -> int:
    """Write the lines of ``full`` that ``model`` keeps to ``out``; return their number."""
    kept = 0
    with full.open(encoding="utf-8") as src, out.open("w", encoding="utf-8") as dst:
        for line in src:
            if keeps(model, line):
                dst.write(line)
                kept += 1
    return kept


@dataclass(frozen=True)
class Load:
    """One bulk load: which quads, into which store, and what it cost."""

    model: str
    store: str
    lenient: bool
    quads: int
    wall_s: float
    cpu_s: float
    peak_rss_gb: float

    @property
    def us_per_quad(self) -> float:
        """Microseconds of wall time per quad."""
        return self.wall_s / self.quads * 1e6


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _peak_rss_gb() -> float:
    """The peak resident memory of this process (``VmHWM``), in GB."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024**2
    return float("nan")


def _load_here(
    spool: Path, model: str, quads: int, where: str, lenient: bool, folder: Path
) -> Load:
    store = ox.Store(str(folder)) if where == "disk" else ox.Store()
    wall, cpu = time.perf_counter(), _cpu()
    store.bulk_load(path=str(spool), format=ox.RdfFormat.N_QUADS, lenient=lenient)
    wall, cpu = time.perf_counter() - wall, _cpu() - cpu
    return Load(model, where, lenient, quads, wall, cpu, _peak_rss_gb())


def bulk_load(
    spool: Path, model: str, quads: int, where: str, work: Path, lenient: bool = True
) -> Load:
    """Load ``spool`` with Oxigraph's bulk loader into a new store ``where`` (disk or memory),
    parsing leniently or not.

    The load runs in a new process, whose peak resident memory is reported.
    """
    folder = Path(tempfile.mkdtemp(dir=work, prefix=f"{where}-"))
    try:
        with multiprocessing.get_context("spawn").Pool(1) as pool:
            return pool.apply(_load_here, (spool, model, quads, where, lenient, folder))
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def markdown(rows: int, loads: Iterable[Load]) -> str:
    """The loads as a markdown table, with quads per relation."""
    lines = [
        "| quads | per relation | store | parsing | wall s | CPU s | µs per quad "
        "| peak memory GB |",
        "|---|---:|---|---|---:|---:|---:|---:|",
    ]
    for load in loads:
        lines.append(
            f"| {load.model}: {load.quads:,} | {load.quads / rows:.1f} | {load.store} "
            f"| {'lenient' if load.lenient else 'strict'} | {load.wall_s:.1f} "
            f"| {load.cpu_s:.1f} | {load.us_per_quad:.2f} | {load.peak_rss_gb:.2f} |"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    """Command line: see the module docstring."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("csv", type=Path)
    parser.add_argument("--models", default=",".join(MODELS))
    parser.add_argument("--stores", default="disk,memory")
    parser.add_argument("--parsing", default="lenient", help="lenient, strict or both")
    parser.add_argument("--work", type=Path, default=None, help="folder for spools and stores")
    args = parser.parse_args(argv)
    models = [m for m in args.models.split(",") if m]
    for model in models:
        keeps(model, "<s> <p> <o> <g> .")  # unknown names fail before the long work
    if not set(args.parsing.split(",")) <= {"lenient", "strict"}:
        parser.error(f"--parsing: expected lenient, strict or both, got {args.parsing!r}")
    if not set(args.stores.split(",")) <= {"disk", "memory"}:
        parser.error(f"--stores: expected disk, memory or both, got {args.stores!r}")
    work = Path(tempfile.mkdtemp(prefix="gvc-floor-", dir=args.work))
    try:
        full = work / "full.nq"
        started = time.perf_counter()
        rows, quads = write_full_spool(args.csv, full)
        print(f"{rows:,} rows, {quads:,} quads written in {time.perf_counter() - started:.1f} s")
        loads = []
        for model in models:
            spool = full if model == "full" else work / f"{model}.nq"
            kept = quads if model == "full" else cut(full, model, spool)
            for where in args.stores.split(","):
                for parsing in args.parsing.split(","):
                    lenient = {"lenient": True, "strict": False}[parsing]
                    loads.append(bulk_load(spool, model, kept, where, work, lenient))
                    print(markdown(rows, loads[-1:]).splitlines()[-1], flush=True)
            if spool != full:
                spool.unlink()
        print(markdown(rows, loads))
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
