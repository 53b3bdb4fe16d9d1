"""gvcgraph's side of the benchmark, run in a child process: named queries and the analyses.

Only public entry points are used: :class:`gvcgraph.KnowledgeGraph`,
:func:`gvcgraph.queries.library.run_query`, :func:`gvcgraph.graph.project.project`,
:class:`~gvcgraph.graph.project.Projection` and the analysis functions of
:mod:`gvcgraph.graph` (the ingest, map and figure steps run the ``gvcgraph`` command line
instead; see :mod:`benchmarks.run`).

``ingest-memory``: ingests the edge list into an in-memory graph with the Python API.

``query``: opens the store, then runs one named query with its parameters and reads every
row into a DataFrame (timed).

``analysis``: opens the store and runs, each timed with its own peak memory
(:class:`~benchmarks.measure.StepMeter`):

1. projection: ``project(kg, "all")`` (every fact of the store, read with a few SPARQL
   SELECTs) and the supply network (its supply edges and their end nodes);
2. PageRank of the supply network (supplier -> buyer);
3. betweenness, sampled from ``k`` sources;
4. tiers: the lead firms and every supplier's tier under each of them, and the depth per lead;
5. captive chains: ultimate controllers, link scores and chains of captive links;
6. integrated ownership (direct plus indirect) of every owner in every firm.

With ``--again`` the same steps are timed on a store version that was projected before: the
projection then comes from the cache kept beside the version, as for a researcher's second
command (keys ``again:...``).

Results for the cross-check with the baseline go to CSV files in ``--results`` (written after
the timed part). Prints one JSON object: ``{"steps": [...]}``.

Usage::

    python -m benchmarks.gvc_steps query --store DIR --name suppliers-of \
        --params '{"buyer": "firm-1"}'
    python -m benchmarks.gvc_steps analysis --store DIR --results DIR --betweenness-k 64
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path
from typing import Any

import pandas as pd

from benchmarks.measure import StepMeter

AGAIN = "again:"
"""Key prefix of the steps of a second analysis run on the same store version."""


def _record(key: str, name: str, meter: StepMeter, **result: Any) -> dict[str, Any]:
    return {
        "key": key,
        "step": name,
        "seconds": meter.seconds,
        "peak_mb": meter.peak_mb,
        "peak_scope": meter.peak_scope,
        "status": "ok",
        "result": result,
    }


def run_named_query(store: Path, name: str, params: dict[str, str]) -> list[dict[str, Any]]:
    """Open the store and run one named query; the timed steps."""
    from gvcgraph import KnowledgeGraph
    from gvcgraph.queries.library import run_query

    with StepMeter() as opening:
        kg = KnowledgeGraph(store)
    with StepMeter() as meter:
        df = run_query(kg, name, params)
    kg.close()
    return [
        _record("open-store", "open the store", opening),
        _record(f"query:{name}", f"query {name}", meter, rows=len(df)),
    ]


def _supply_projection(proj: Any) -> Any:
    """The supply network: supply edges and only the nodes they touch (as ``--view supply``)."""
    from gvcgraph.graph.project import SUPPLIES

    return proj.restrict([SUPPLIES])


def run_memory_ingest(csv_path: Path) -> list[dict[str, Any]]:
    """Ingest the edge list into an in-memory graph (Python API); the timed step.

    The store the baseline fills is rdflib's in-memory graph: this is gvcgraph's like for
    like (Oxigraph in memory, everything checked, the same quads), as in a notebook.
    """
    from gvcgraph import KnowledgeGraph
    from gvcgraph.ingest.edgelist import load_edgelist

    with StepMeter() as m:
        kg = KnowledgeGraph()
        summary = load_edgelist(kg, csv_path, progress=False)
        quads = len(kg)
    return [
        _record(
            "ingest-edgelist-memory",
            "ingest: edge list (gvcgraph: Python API, in memory)",
            m,
            rows=getattr(summary, "rows", None),
            quads=quads,
        )
    ]


def projection_record(
    name: str, meter: StepMeter, proj: Any, supply: Any, **extra: Any
) -> dict[str, Any]:
    """The ``projection`` step's record: sizes of the whole projection and of its supply view."""
    return _record(
        "projection",
        name,
        meter,
        nodes=proj.n,
        edges=len(proj.edges),
        supply_nodes=supply.n,
        supply_edges=len(supply.edges),
        **extra,
    )


def run_analysis(
    store: Path, results: Path, k: int, seed: int, again: bool = False
) -> list[dict[str, Any]]:
    """The analysis suite on the store; the timed steps (results written to ``results``).

    ``again``: a later run on the same store version, whose projection comes from the cache
    the first run left beside the version (:mod:`gvcgraph.graph.projection_cache`); its steps'
    keys start with ``again:``, and no results are written.
    """
    from gvcgraph import KnowledgeGraph
    from gvcgraph.graph.project import project

    kg = KnowledgeGraph(store)
    with StepMeter() as m:
        proj = project(kg, "all")
        supply = _supply_projection(proj)
    first = projection_record("projection: read the networks from the graph", m, proj, supply)
    kg.close()
    steps = [first, *analyse(proj, supply, k, seed, None if again else results)]
    if again:
        for step in steps:
            step["key"] = AGAIN + step["key"]
            step["step"] = "again, projection cached: " + step["step"]
    return steps


def analyse(
    proj: Any, supply: Any, k: int, seed: int, results: Path | None
) -> list[dict[str, Any]]:
    """The analyses of the suite on a projection and its supply network; the timed steps
    (PageRank to integrated ownership). With ``results``, the result tables are written
    there for the cross-check, after the timed part."""
    from gvcgraph.graph.captive import captive_chains
    from gvcgraph.graph.centrality import betweenness, pagerank
    from gvcgraph.graph.ownership import integrated_ownership, ultimate_controllers
    from gvcgraph.graph.project import SUPPLIES
    from gvcgraph.graph.tiers import lead_firms, supplier_tiers, tier_depth

    steps = []
    keys = supply.nodes["node"].to_numpy()
    with StepMeter() as m:
        pr = pagerank(supply.adjacency([SUPPLIES]))
    steps.append(_record("pagerank", "PageRank", m, nodes=len(pr)))
    with StepMeter() as m:
        bc = betweenness(supply.adjacency([SUPPLIES]), k=min(k, supply.n), seed=seed)
    steps.append(
        _record("betweenness", f"betweenness, sampled (k={k})", m, nonzero=int((bc > 0).sum()))
    )
    with StepMeter() as m:
        leads = lead_firms(supply)
        tiers = supplier_tiers(supply, leads)
        depth = tier_depth(tiers, leads)
    steps.append(
        _record(
            "tiers",
            "tier depth, all lead firms",
            m,
            leads=len(leads),
            pairs=len(tiers),
            max_tier=int(depth["max_tier"].max()) if len(depth) else 0,
        )
    )
    with StepMeter() as m:
        ctl = ultimate_controllers(proj)
        cap = captive_chains(proj, leads, controllers=ctl)
    steps.append(
        _record("captive", "captive chains (with ultimate controllers)", m, links=len(cap))
    )
    with StepMeter() as m:
        io_ = integrated_ownership(proj)
    steps.append(_record("ownership", "integrated ownership", m, pairs=len(io_)))
    if results is None:
        return steps
    t0 = time.perf_counter()
    results.mkdir(parents=True, exist_ok=True)
    pd.DataFrame({"node": keys, "pagerank": pr, "betweenness": bc}).to_csv(
        results / "centrality.csv", index=False
    )
    depth[["lead_firm", "suppliers", "max_tier"]].to_csv(results / "tiers.csv", index=False)
    cap[["supplier", "buyer", "lead_firm", "chain_tier"]].to_csv(
        results / "captive.csv", index=False
    )
    io_[["owner", "owned", "share_max"]].rename(columns={"share_max": "share"}).to_csv(
        results / "ownership.csv", index=False
    )
    steps[-1]["result"]["write_results_s"] = round(time.perf_counter() - t0, 3)
    return steps


def main(argv: list[str] | None = None) -> None:
    """Command line of the child process (see the module docstring)."""
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("what", choices=["query", "analysis", "ingest-memory"])
    ap.add_argument("--csv", type=Path, help="ingest-memory: the edge list")
    ap.add_argument("--store", type=Path)
    ap.add_argument("--name", help="query: the named query")
    ap.add_argument("--params", default="{}", help="query: parameters as JSON")
    ap.add_argument("--results", type=Path, help="analysis: folder for the result tables")
    ap.add_argument("--betweenness-k", type=int, default=64)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--again", action="store_true", help="analysis: a second run (see above)")
    args = ap.parse_args(argv)
    if args.what == "ingest-memory":
        steps = run_memory_ingest(args.csv)
    elif args.what == "query":
        steps = run_named_query(args.store, args.name, json.loads(args.params))
    else:
        steps = run_analysis(
            args.store, args.results, args.betweenness_k, args.seed, again=args.again
        )
    print(json.dumps({"steps": steps}))


if __name__ == "__main__":
    main()
