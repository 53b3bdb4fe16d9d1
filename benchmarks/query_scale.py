"""Time named queries on a store, each in a fresh process: wall and CPU time, rows.

The benchmark's five named queries with the parameters it chose for the data set
(``meta.json`` of a ``benchmarks.run`` folder), or the queries named with ``--query``; with
``--reference``, also the plain formulations that ``upstream-suppliers`` and
``policies-targeting`` replace (kept in tests/data/queries-before-rewrite/), so that the two can be
compared on the same store. The store is only read.

    python -m benchmarks.query_scale --dir /tmp/gvcgraph-bench/100000
    python -m benchmarks.query_scale --dir /tmp/gvcgraph-bench/100000 --reference \\
        --query upstream-suppliers --query policies-targeting --timeout 300

Each run is a child process (``python -m benchmarks.query_scale --child ...``) that opens the
store, runs the query once and reports its wall time, its CPU time (user + system of that
process while the query ran, so other work on the machine does not count) and its rows.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path


def _child(store: str, name: str, params: dict, reference: bool) -> dict:
    from gvcgraph.graph.store import KnowledgeGraph
    from gvcgraph.queries.library import get_query, parse_query, run_query

    kg = KnowledgeGraph(store)
    if reference:
        sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))
        from test_queries_scale import REWRITTEN

        query = parse_query(REWRITTEN[name][0], name)
    else:
        query = get_query(name)
    r0 = resource.getrusage(resource.RUSAGE_SELF)
    t0 = time.perf_counter()
    df = run_query(kg, query, params)
    wall = time.perf_counter() - t0
    r1 = resource.getrusage(resource.RUSAGE_SELF)
    cpu = (r1.ru_utime - r0.ru_utime) + (r1.ru_stime - r0.ru_stime)
    return {"rows": len(df), "wall_s": round(wall, 3), "cpu_s": round(cpu, 3)}


def _run(store: Path, name: str, params: dict, reference: bool, timeout: float) -> dict:
    cmd = [
        sys.executable,
        "-m",
        "benchmarks.query_scale",
        "--child",
        str(store),
        name,
        json.dumps(params),
    ] + (["--reference"] if reference else [])
    try:
        done = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, check=False)
    except subprocess.TimeoutExpired:
        return {"status": f"timeout ({timeout:g} s)"}
    if done.returncode:
        return {"status": "failed", "error": done.stderr.strip().splitlines()[-1:]}
    return {"status": "ok", **json.loads(done.stdout.strip().splitlines()[-1])}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--dir", type=Path, help="a benchmarks.run data folder (meta.json)")
    parser.add_argument("--store", type=Path, help="the store (default: DIR/store-gvcgraph)")
    parser.add_argument("--query", action="append", help="only these queries (repeatable)")
    parser.add_argument(
        "--reference",
        action="store_true",
        help="also run the plain formulations the rewritten queries replace",
    )
    parser.add_argument("--timeout", type=float, default=600.0, help="seconds per run")
    parser.add_argument("--json", type=Path, help="write the results here too")
    parser.add_argument(
        "--child", nargs=3, metavar=("STORE", "NAME", "PARAMS"), help=argparse.SUPPRESS
    )
    args = parser.parse_args(argv)
    if args.child:
        store, name, params = args.child
        print(json.dumps(_child(store, name, json.loads(params), args.reference)))
        return
    if args.dir is None:
        parser.error("--dir is required")
    meta = json.loads((args.dir / "meta.json").read_text())
    store = args.store or args.dir / "store-gvcgraph"
    queries = {n: p for n, p in meta["queries"].items() if not args.query or n in args.query}
    load = os.getloadavg()[0]
    print(f"store {store} ({meta['firms']:,} firms), load average {load:.2f}")
    results = []
    for name, params in queries.items():
        forms = ["rewritten", "reference"] if args.reference and _has_reference(name) else [""]
        for form in forms:
            got = _run(store, name, params, form == "reference", args.timeout)
            results.append({"query": name, "form": form or "current", "params": params, **got})
            shown = (
                f"{got['wall_s']:8.2f} s wall {got['cpu_s']:8.2f} s CPU {got['rows']:>7} rows"
                if got["status"] == "ok"
                else got["status"]
            )
            print(f"{name:<22} {form or 'current':<10} {shown}", flush=True)
    if args.json:
        args.json.write_text(
            json.dumps({"store": str(store), "load": load, "runs": results}, indent=1)
        )


def _has_reference(name: str) -> bool:
    return name in {"upstream-suppliers", "policies-targeting"}


if __name__ == "__main__":
    main()
