"""The benchmark runner: gvcgraph against an rdflib + networkx + pyvis baseline, per scale.

For each ``--firms N`` it generates the synthetic data set (:mod:`benchmarks.synthetic`,
cached in ``--dir/N``), then times each step of gvcgraph through its public entry points,
each in a fresh child process so that the peak memory (``ru_maxrss``) is the step's own:

* ``ingest-context``: ``gvcgraph ingest context.yaml --store DIR`` (the clusters, policies and
  governance assessments; validated, SHACL shapes included, into a new on-disk store);
* ``ingest-edgelist``: ``gvcgraph ingest --format edgelist edges.csv --store DIR``;
* ``ingest-edgelist-memory``: the same edge list into an in-memory graph with the Python API
  (like for like with the baseline's in-memory rdflib graph);
* ``ingest-casestudy``: ``gvcgraph ingest context.yaml parts/part-000.yaml ...`` into a second
  store, with the first ``--casestudy-parts`` case-study files (the same rows as the start of
  the CSV): the case-study path validates every record and runs the SHACL shapes, which is
  far slower per row, so only a sample is timed and the rows per second are reported;
* ``query:NAME``: a named query with parameters chosen from the data
  (:func:`benchmarks.synthetic.query_parameters`), run with
  :func:`gvcgraph.queries.library.run_query` on the on-disk store;
* the analysis suite in one child (:mod:`benchmarks.gvc_steps`; each step with its own
  peak, see :class:`~benchmarks.measure.StepMeter`): ``projection``, ``pagerank``,
  ``betweenness`` (sampled), ``tiers`` (all lead firms), ``captive`` (with ultimate
  controllers), ``ownership`` (integrated ownership); then the suite again in a second
  child on the same store version (``again:...``), whose projection comes from the cache the
  first left beside the version (:mod:`gvcgraph.graph.projection_cache`);
* ``map``: ``gvcgraph map --view supply`` and ``figure``: ``gvcgraph figure --view supply``
  (each includes opening the store and the projection of the view, which the analyses
  cached: a researcher's map after an analysis).

With ``--baseline`` the same work is done the way a researcher would with rdflib, networkx
and pyvis alone (:mod:`benchmarks.baseline`), in one child process (an in-memory rdflib graph
cannot be shared between processes), each step with its own peak memory; above
``--baseline-max-firms`` (100,000) the baseline is skipped and the report says so (rdflib
needs about 1.2 KB a triple). The results of both are compared (:mod:`benchmarks.crosscheck`).

Times are wall-clock seconds; the CLI steps include starting Python and importing gvcgraph
(about a second), the in-process steps only the work. Results go to ``--json`` and
``--markdown`` (:mod:`benchmarks.report`), the markdown also to standard output.

Usage::

    python -m benchmarks.run --firms 10000 --firms 100000 --baseline --json bench.json
    python -m benchmarks.run --firms 1000000 --casestudy-parts 0 --json bench-1m.json
"""

from __future__ import annotations

import argparse
import json
import re
import shlex
import shutil
import sys
import time
from pathlib import Path
from typing import Any

from benchmarks import crosscheck, report, synthetic
from benchmarks.measure import (
    ProcessResult,
    library_versions,
    machine_facts,
    python_command,
    run_process,
    source_revision,
)

ROOT = Path(__file__).resolve().parents[1]


def gvcgraph_command() -> list[str]:
    """The ``gvcgraph`` command line program of this interpreter's environment."""
    script = Path(sys.executable).parent / "gvcgraph"
    if script.exists():
        return [str(script)]
    found = shutil.which("gvcgraph")
    if found:
        return [found]
    return [sys.executable, "-c", "import sys; from gvcgraph.cli import main; sys.exit(main())"]


def _status(p: ProcessResult) -> str:
    return "timeout" if p.timed_out else ("ok" if p.returncode == 0 else "error")


def _tail(text: str, n: int = 800) -> str:
    return text[-n:].strip()


def cli_step(key: str, name: str, args: list[str], timeout: float, **result: Any) -> dict:
    """Run one ``gvcgraph`` command as a step: process wall time and peak memory."""
    cmd = [*gvcgraph_command(), *args]
    p = run_process(cmd, timeout=timeout, cwd=ROOT)
    step = {
        "tool": "gvcgraph",
        "key": key,
        "step": name,
        "command": shlex.join(["gvcgraph", *args]),
        "seconds": p.seconds,
        "peak_mb": p.peak_mb,
        "peak_scope": "process",
        "status": _status(p),
        "result": result,
    }
    if step["status"] != "ok":
        step["error"] = _tail(p.stderr or p.stdout)
    found = re.search(r"([\d,]+) triples", p.stdout + p.stderr)
    if found:
        step["result"]["triples_reported"] = int(found.group(1).replace(",", ""))
    print(f"  gvcgraph {key}: {step['status']} {p.seconds:.1f} s", file=sys.stderr, flush=True)
    return step


def child_steps(tool: str, module: str, args: list[str], timeout: float) -> tuple[list, dict]:
    """Run a child that prints ``{"steps": [...]}``; its steps (tagged) and the whole output."""
    p = run_process(python_command(module, *args), timeout=timeout, cwd=ROOT)
    lines = [x for x in p.stdout.strip().splitlines() if x.startswith("{")]
    if p.returncode != 0 or not lines:
        status = _status(p)
        print(f"  {tool} {module}: {status}\n{_tail(p.stderr, 2000)}", file=sys.stderr)
        return [], {"status": status, "error": _tail(p.stderr or p.stdout), "seconds": p.seconds}
    out = json.loads(lines[-1])
    for s in out["steps"]:
        s["tool"] = tool
        print(f"  {tool} {s['key']}: {s['status']} {s['seconds']:.2f} s", file=sys.stderr)
    out["process_seconds"] = p.seconds
    # the per-step reset of the high-water mark also resets ru_maxrss: the process's peak is
    # the largest of its steps' peaks and what the kernel reports after the last reset
    out["process_peak_mb"] = max([p.peak_mb, *(s.get("peak_mb") or 0 for s in out["steps"])])
    return out["steps"], out


# ---------------------------------------------------------------------------------- gvcgraph


def bench_gvcgraph(folder: Path, meta: dict, args: argparse.Namespace) -> tuple[list, list]:
    """All of gvcgraph's steps on one data set; (steps, notes)."""
    store = folder / "store-gvcgraph"
    shutil.rmtree(store, ignore_errors=True)
    out = folder / "out-gvcgraph"
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir(parents=True)
    steps, notes = [], []
    context, csv_path = folder / meta["context_file"], folder / meta["csv"]
    steps.append(
        cli_step(
            "ingest-context",
            "ingest: context case study (CLI)",
            ["ingest", str(context), "--store", str(store)],
            args.timeout,
        )
    )
    steps.append(
        cli_step(
            "ingest-edgelist",
            "ingest: edge list (CLI)",
            ["ingest", "--format", "edgelist", str(csv_path), "--store", str(store)],
            args.timeout,
            rows=meta["rows"],
        )
    )
    if "ingest-memory" not in args.skip:
        got, whole = child_steps(
            "gvcgraph",
            "benchmarks.gvc_steps",
            ["ingest-memory", "--csv", str(csv_path)],
            args.timeout,
        )
        steps += got
        if not got:
            notes.append(f"gvcgraph in-memory ingest failed: {whole.get('error')}")
    if args.casestudy_parts and meta["parts"] and "ingest-casestudy" not in args.skip:
        parts = meta["parts"][: args.casestudy_parts]
        rows = min(meta["rows"], len(parts) * meta["part_size"])
        cs_store = folder / "store-casestudy"
        shutil.rmtree(cs_store, ignore_errors=True)
        step = cli_step(
            "ingest-casestudy",
            f"ingest: case-study files, {len(parts)} of {len(meta['parts'])} (CLI)",
            ["ingest", str(context), *(str(folder / p) for p in parts), "--store", str(cs_store)],
            args.timeout,
            rows=rows,
            files=len(parts),
        )
        if step["status"] == "ok":
            step["result"]["rows_per_second"] = round(rows / step["seconds"], 1)
            step["result"]["all_parts_estimate_s"] = round(meta["rows"] / rows * step["seconds"])
        steps.append(step)
        shutil.rmtree(cs_store, ignore_errors=True)
    first_query = True
    for name, params in meta["queries"].items() if "queries" not in args.skip else ():
        got, _ = child_steps(
            "gvcgraph",
            "benchmarks.gvc_steps",
            ["query", "--store", str(store), "--name", name, "--params", json.dumps(params)],
            args.timeout,
        )
        steps += [s for s in got if s["key"] != "open-store" or first_query]
        first_query = False
    if "analysis" in args.skip:
        got, whole = [], {}
    else:
        got, whole = child_steps(
            "gvcgraph",
            "benchmarks.gvc_steps",
            [
                "analysis",
                "--store",
                str(store),
                "--results",
                str(out),
                "--betweenness-k",
                str(args.betweenness_k),
                "--seed",
                str(args.seed),
            ],
            args.timeout,
        )
    steps += got
    if not got and "analysis" not in args.skip:
        notes.append(f"gvcgraph analysis child failed: {whole.get('error')}")
    if got and "analysis-again" not in args.skip:
        again, whole = child_steps(
            "gvcgraph",
            "benchmarks.gvc_steps",
            [
                *("analysis", "--store", str(store), "--results", str(out), "--again"),
                *("--betweenness-k", str(args.betweenness_k), "--seed", str(args.seed)),
            ],
            args.timeout,
        )
        steps += again
        if not again:
            notes.append(f"gvcgraph second analysis child failed: {whole.get('error')}")
    for key, ext in (("map", "html"), ("figure", "svg")):
        if key in args.skip:
            continue
        steps.append(
            cli_step(
                key,
                f"{key} (CLI, supply view{', SVG' if ext == 'svg' else ''})",
                [key, "--view", "supply", "--store", str(store), "--out", str(out / f"map.{ext}")],
                args.timeout,
            )
        )
    if args.skip:
        notes.append("gvcgraph steps skipped (--skip): " + ", ".join(sorted(args.skip)))
    return steps, notes


def store_quads(store: Path) -> int | None:
    """Quads in the store outside the ontology graph (None if it cannot be opened)."""
    from gvcgraph import KnowledgeGraph
    from gvcgraph.ontology import terms

    try:
        kg = KnowledgeGraph(store)
    except Exception:
        return None
    try:
        import pyoxigraph as ox

        onto = ox.NamedNode(str(terms.ONTOLOGY_GRAPH))
        in_onto = sum(1 for _ in kg.store.quads_for_pattern(None, None, None, onto))
        return len(kg) - in_onto
    finally:
        kg.close()


# ---------------------------------------------------------------------------------- baseline


def baseline_inputs(folder: Path, meta: dict, args: argparse.Namespace) -> Path:
    """Write the baseline's config: the context as N-Quads and the query texts."""
    from gvcgraph import KnowledgeGraph
    from gvcgraph.ontology import terms
    from gvcgraph.queries.library import bind_parameters, build_sparql, get_query

    nq = folder / "context.nq"
    if not nq.exists() or nq.stat().st_mtime < (folder / meta["context_file"]).stat().st_mtime:
        kg = KnowledgeGraph()
        kg.ingest([folder / meta["context_file"]], shacl=False)
        nq.write_bytes(kg.dump("nq"))
    prefixes = terms.sparql_prefixes() + f"PREFIX graph: <{terms.GRAPH}>\n"
    queries = {}
    for name, params in meta["queries"].items():
        q = get_query(name)
        queries[name] = prefixes + build_sparql(q, bind_parameters(q, params))
    cfg = {
        "csv": str(folder / meta["csv"]),
        "source_id": Path(meta["csv"]).stem,
        "context_nq": str(nq),
        "ontology": [str(p) for p in terms.ontology_files()],
        "queries": queries,
        "betweenness_k": args.betweenness_k,
        "seed": args.seed,
        "results": str(folder / "out-baseline"),
        "step_timeout": args.step_timeout,
    }
    path = folder / "baseline-config.json"
    path.write_text(json.dumps(cfg, indent=1))
    return path


def bench_baseline(folder: Path, meta: dict, args: argparse.Namespace) -> tuple[list, dict]:
    """The baseline's steps on one data set; (steps, the child's whole output)."""
    shutil.rmtree(folder / "out-baseline", ignore_errors=True)
    cfg = baseline_inputs(folder, meta, args)
    steps, whole = child_steps(
        "baseline", "benchmarks.baseline", ["--config", str(cfg)], args.timeout
    )
    return steps, whole


# ---------------------------------------------------------------------------------- a scale


def bench_scale(firms: int, args: argparse.Namespace) -> dict[str, Any]:
    """Generate (or reuse) the data set of ``firms`` firms and run every step on it."""
    folder = args.dir / str(firms)
    print(f"{firms:,} firms: data in {folder}", file=sys.stderr, flush=True)
    meta = synthetic.prepare(firms, folder, args.seed, args.part_size)
    if args.queries:
        wanted = [q.strip() for q in args.queries.split(",") if q.strip()]
        unknown = sorted(set(wanted) - set(meta["queries"]))
        if unknown:
            raise SystemExit(f"unknown benchmark queries: {', '.join(unknown)}")
        meta = {**meta, "queries": {q: meta["queries"][q] for q in wanted}}
    run: dict[str, Any] = {"data": meta, "notes": [], "started": time.strftime("%FT%T")}
    steps, notes = bench_gvcgraph(folder, meta, args)
    run["notes"] += notes
    run["triples"] = {"gvcgraph": store_quads(folder / "store-gvcgraph")}
    if args.baseline and firms <= args.baseline_max_firms:
        bsteps, whole = bench_baseline(folder, meta, args)
        steps += bsteps
        if bsteps:
            run["baseline_process"] = {
                k: whole.get(k) for k in ("process_seconds", "process_peak_mb", "write_results_s")
            }
            t = whole.get("triples", {})
            run["triples"]["baseline"] = t.get("outside_ontology")
            run["checks"] = crosscheck.compare(folder / "out-gvcgraph", folder / "out-baseline")
        else:
            run["notes"].append(f"the baseline failed: {whole.get('error')}")
    elif args.baseline:
        run["notes"].append(
            f"baseline skipped: {firms:,} firms is above --baseline-max-firms "
            f"{args.baseline_max_firms:,} (an rdflib memory graph takes about 1.2 KB a triple)"
        )
    if any(s["key"] == "ingest-casestudy" for s in steps):
        cs = next(s for s in steps if s["key"] == "ingest-casestudy")
        if cs["status"] == "ok":
            r = cs["result"]
            run["notes"].append(
                f"case-study ingest timed on {r['files']} file(s), {r['rows']:,} rows: "
                f"{r['rows_per_second']:,} rows/s, so all {meta['rows']:,} rows would take "
                f"about {r['all_parts_estimate_s']:,} s"
            )
    run["steps"] = steps
    run["finished"] = time.strftime("%FT%T")
    if not args.keep_stores:
        for name in ("store-gvcgraph", "store-casestudy"):
            shutil.rmtree(folder / name, ignore_errors=True)
    return run


def main(argv: list[str] | None = None) -> dict[str, Any]:
    """Command line: run the benchmark at each scale; write JSON and markdown."""
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--firms", type=int, action="append", help="number of firms (repeatable)")
    ap.add_argument("--dir", type=Path, default=Path("/tmp/gvcgraph-bench"), help="data cache")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--part-size", type=int, default=5_000, help="rows per case-study file")
    ap.add_argument("--baseline", action="store_true", help="also run the baseline")
    ap.add_argument("--baseline-max-firms", type=int, default=100_000)
    ap.add_argument(
        "--casestudy-parts", type=int, default=1, help="case-study files to ingest (0: none)"
    )
    ap.add_argument("--queries", help="comma-separated named queries to run (default: all five)")
    ap.add_argument(
        "--skip",
        default="",
        help="gvcgraph steps to leave out, comma-separated: ingest-memory, ingest-casestudy, "
        "queries, analysis, analysis-again, map, figure",
    )
    ap.add_argument("--betweenness-k", type=int, default=64)
    ap.add_argument("--step-timeout", type=float, default=600, help="seconds per baseline step")
    ap.add_argument("--timeout", type=float, default=3600, help="seconds per child process")
    ap.add_argument("--keep-stores", action="store_true", help="keep the on-disk stores")
    ap.add_argument("--json", type=Path, help="write the results as JSON")
    ap.add_argument("--markdown", type=Path, help="write the markdown report")
    args = ap.parse_args(argv)
    args.dir = args.dir.resolve()
    args.skip = {x.strip() for x in args.skip.split(",") if x.strip()}
    unknown = args.skip - {
        "ingest-casestudy",
        "ingest-memory",
        "queries",
        "analysis",
        "analysis-again",
        "map",
        "figure",
    }
    if unknown:
        ap.error(f"--skip: unknown steps {', '.join(sorted(unknown))}")
    doc: dict[str, Any] = {
        "command": shlex.join(["python", "-m", "benchmarks.run", *(argv or sys.argv[1:])]),
        "machine": machine_facts(),
        "versions": library_versions(),
        "revision": source_revision(ROOT),
        "runs": [],
    }
    for firms in args.firms or [10_000]:
        doc["runs"].append(bench_scale(firms, args))
        doc["machine"]["load_average_end"] = machine_facts()["load_average"]
        if args.json:
            args.json.write_text(json.dumps(doc, indent=1, default=str))
    text = report.markdown(doc)
    if args.markdown:
        args.markdown.write_text(text)
    sys.stdout.write(text)
    return doc


if __name__ == "__main__":
    main()
