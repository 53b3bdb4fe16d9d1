"""Benchmark: edge-list ingest (``gvcgraph ingest --format edgelist``) at scale.

Generates a synthetic edge list (about one firm per four rows, preferential attachment so that
degrees are skewed like real supply networks; 80 % ``supplies``, 15 % ``owns`` with a share,
5 % ``controls``; half the rows dated, a third with an evidence quote; half the firms given
as names that become slugs, half as ids), then ingests it into a fresh on-disk store in a
child process, timing each phase and recording the peak resident memory (``ru_maxrss``).

Usage::

    python benchmarks/bench_edgelist.py --rows 100000 --rows 1000000 [--dir /tmp/gvc-bench]
    python benchmarks/bench_edgelist.py --rows 100000 --memory   # in-memory store

Prints a markdown table: rows, how the store was written (one transaction up to
``ATOMIC_MAX_ROWS`` rows, else bulk load), triples in the source and derived graphs, seconds
for pass 1 (check) and for writing (pass 2 and the store updates), the total, and the peak
RSS in MB. ``--replace`` times replacing an already ingested version instead.
"""

from __future__ import annotations

import argparse
import csv
import json
import random
import resource
import shutil
import subprocess
import sys
import time
from pathlib import Path


def generate(path: Path, rows: int, seed: int = 7) -> None:
    """Write a synthetic edge list of ``rows`` rows to ``path``."""
    rng = random.Random(seed)
    firms = max(rows // 4, 10)
    # preferential attachment, cheaply: targets are drawn from a growing list of past endpoints
    pool = list(range(min(firms, 100)))

    def name(i: int) -> str:
        return f"firm-{i}" if i % 2 == 0 else f"Firm {i} Ltd."

    with path.open("w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(
            [
                "source",
                "target",
                "relation",
                "share",
                "date",
                "end_date",
                "evidence",
                "source_country",
            ]
        )
        for r in range(rows):
            u = r % firms if r < firms else rng.randrange(firms)
            v = rng.choice(pool) if rng.random() < 0.7 else rng.randrange(firms)
            if v == u:
                v = (u + 1) % firms
            pool.append(v)
            if len(pool) > 200_000:
                pool = pool[100_000:]
            x = rng.random()
            rel, share = (
                ("supplies", "")
                if x < 0.8
                else (("owns", f"{rng.uniform(1, 100):.2f}") if x < 0.95 else ("controls", ""))
            )
            date = str(rng.randrange(1990, 2020)) if r % 2 == 0 else ""
            end = str(rng.randrange(2020, 2025)) if r % 4 == 0 else ""
            quote = f"{name(u)} and {name(v)}: see table {r % 97}" if r % 3 == 0 else ""
            country = ("MX", "US", "DE", "CN", "JP")[u % 5] if u % 7 == 0 else ""
            w.writerow([name(u), name(v), rel, share, date, end, quote, country])


def child(csv_path: Path, store_dir: Path | None, replace: bool) -> dict:
    """Run one ingest with phase timings; returns the figures (runs in a fresh process)."""
    from gvcgraph.graph.store import KnowledgeGraph
    from gvcgraph.ingest import edgelist as el
    from gvcgraph.ontology import terms

    def rss_mb() -> float:
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

    out: dict = {}
    kg = KnowledgeGraph(store_dir)
    if replace:  # a first version to replace (not timed)
        el.load_edgelist(kg, csv_path, progress=False)
    base = len(kg.store)
    t0 = time.perf_counter()
    plan = el.scan_edgelist(csv_path)
    out["scan_s"] = time.perf_counter() - t0
    out["scan_rss_mb"] = rss_mb()
    out["rows"] = plan.rows
    out["actors"] = len(plan.entities)
    counts = el.QuadCounts()
    target = terms.source_graph(plan.source_id)
    t = time.perf_counter()
    el.mark_known_actors(kg, plan, target)
    out["mark_s"] = time.perf_counter() - t
    if plan.rows <= el.ATOMIC_MAX_ROWS:
        out["mode"] = "transaction"
        el._load_atomic(kg, plan, target, replace, counts)
    else:
        out["mode"] = "bulk"
        el._load_bulk(kg, plan, target, replace, counts, False, csv_path.stat().st_size)
    out["load_s"] = time.perf_counter() - t
    out["total_s"] = time.perf_counter() - t0
    out["peak_rss_mb"] = rss_mb()
    out["triples"] = counts.source
    out["derived"] = counts.derived
    out["store_quads_added"] = len(kg.store) - base
    if store_dir is not None:
        kg.close()
        del kg
        files = [f for f in store_dir.rglob("*") if f.is_file()]
        out["disk_mb"] = sum(f.stat().st_size for f in files) / 2**20
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--rows", type=int, action="append", help="rows (repeatable)")
    ap.add_argument("--dir", type=Path, default=Path("/tmp/gvc-bench-edgelist"))
    ap.add_argument("--memory", action="store_true", help="in-memory store instead of disk")
    ap.add_argument("--replace", action="store_true", help="time replacing an ingested version")
    ap.add_argument("--child", nargs=2, metavar=("CSV", "STORE"), help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        store = None if args.child[1] == "-" else Path(args.child[1])
        print(json.dumps(child(Path(args.child[0]), store, args.replace)))
        return
    args.dir.mkdir(parents=True, exist_ok=True)
    print(
        "| rows | store | mode | actors | source triples | derived triples | check s | write s |"
        " total s | peak RSS MB | CSV MB |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    for rows in args.rows or [100_000]:
        csv_path = args.dir / f"edges-{rows}.csv"
        if not csv_path.exists():
            t = time.perf_counter()
            generate(csv_path, rows)
            took = time.perf_counter() - t
            print(f"<!-- generated {csv_path} in {took:.1f} s -->", file=sys.stderr)
        store = args.dir / f"store-{rows}"
        shutil.rmtree(store, ignore_errors=True)
        cmd = [sys.executable, __file__, "--child", str(csv_path)]
        cmd.append("-" if args.memory else str(store))
        if args.replace:
            cmd.append("--replace")
        res = subprocess.run(cmd, capture_output=True, text=True, check=False)
        if res.returncode:
            print(res.stderr, file=sys.stderr)
            raise SystemExit(res.returncode)
        r = json.loads(res.stdout.strip().splitlines()[-1])
        mb = csv_path.stat().st_size / 2**20
        kind = ("memory" if args.memory else "disk") + (", replacing" if args.replace else "")
        print(
            f"| {r['rows']:,} | {kind} | {r['mode']} | {r['actors']:,} | {r['triples']:,} "
            f"| {r['derived']:,} | {r['scan_s']:.1f} | {r['load_s']:.1f} | {r['total_s']:.1f} "
            f"| {r['peak_rss_mb']:,.0f} | {mb:.0f} |",
            flush=True,
        )
        print(f"<!-- {rows}: {json.dumps(r)} -->", file=sys.stderr)
        shutil.rmtree(store, ignore_errors=True)


if __name__ == "__main__":
    main()
