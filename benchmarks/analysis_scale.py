"""The analysis suite at any size on a cached projection, without a store to read first.

At a million firms, reading the projection out of the store the first time takes many
minutes (Oxigraph decodes every term from its dictionary: see BENCHMARKS.md); after that it
comes from the cache beside the store version (:mod:`gvcgraph.graph.projection_cache`). This
script measures that second situation at sizes where building the store first is out of reach
of a test run: it builds the projection straight from the synthetic data
(:func:`benchmarks.synthetic.generate`: the same firms, relations, shares, dates and cluster
governance the edge list and the context case study carry; fact and evidence keys as the
edge-list ingest names them), writes it with :func:`projection_cache.save`, and times what
every later command does: :func:`projection_cache.load`, building the views, and the
analyses of :func:`benchmarks.gvc_steps.analyse` (PageRank, sampled betweenness, tier depth
under all lead firms, captive chains with ultimate controllers, integrated ownership).

Lead firms are the tier-0 firms of the generator (in the store they come from the context
case study's value chains); there are no asserted tiers (the edge list has none).

Usage::

    python -m benchmarks.analysis_scale --firms 1000000 [--json out.json]
"""

from __future__ import annotations

import argparse
import json
import resource
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from benchmarks.gvc_steps import _supply_projection, analyse, projection_record
from benchmarks.measure import StepMeter
from benchmarks.synthetic import MEMBER, OWN, SUPPLY, Network, generate

RELATIONS = {SUPPLY: "supplies", OWN: "owns", MEMBER: "member-of"}


def whole_projection(net: Network) -> dict[str, pd.DataFrame]:
    """The frames :func:`gvcgraph.graph.project._whole` would keep for this data (nodes
    sorted by key, edges with the integer positions of their ends)."""
    from gvcgraph.graph.project import (
        ASSERTED_TIER_COLUMNS,
        EDGE_COLUMNS,
        GOVERNANCE_COLUMNS,
        NODE_COLUMNS,
    )
    from gvcgraph.graph.projection_cache import missing_as_na

    ids = np.array([net.actor_id(i) for i in range(net.actors)], dtype=object)
    firms = net.n
    cls = np.array(["Firm"] * firms + ["Person"] * net.persons + ["Cluster"] * net.clusters)
    countries = [*net.country, *net.cluster_country]
    lead = np.zeros(net.actors, dtype=bool)
    lead[:firms] = net.tier == 0
    nodes = pd.DataFrame(
        {
            "node": ids,
            "iri": ["https://w3id.org/gvcgraph/id/" + i for i in ids],
            "label": [net.actor_label(i) for i in range(net.actors)],
            "cls": cls,
            "country": countries,
            "lead_firm": lead,
        }
    ).reindex(columns=list(NODE_COLUMNS))
    m = len(net.kind)
    line = np.arange(2, m + 2).astype(str).astype(object)
    share = np.where(net.kind == OWN, net.share, np.nan)
    start = np.where(net.start > 0, pd.Series(net.start).astype(str) + "-01-01", None)
    end = np.where(net.end > 0, pd.Series(net.end).astype(str) + "-12-31", None)
    edges = pd.DataFrame(
        {
            "u": ids[net.rel_u],
            "v": ids[net.rel_v],
            "relation": pd.Series(net.kind).map(RELATIONS).to_numpy(dtype=object),
            "fact": "doc/edges/row-" + line,
            "source": "edges",
            "share_min": share,
            "share_max": share,
            "valid_from": start,
            "valid_to": end,
            "evidence": [[f"doc/edges/ev/row-{x}/1"] for x in line],
        }
    ).reindex(columns=list(EDGE_COLUMNS))
    edges = edges.sort_values(["relation", "u", "v", "fact"], kind="stable")
    assessed = np.flatnonzero(pd.notna(net.cluster_governance))
    cluster_ids = ids[net.n + net.persons + assessed]
    gov = pd.DataFrame(
        {
            "subject": cluster_ids,
            "governance": net.cluster_governance[assessed],
            "fact": [f"doc/synthetic-context/gov-{c}" for c in cluster_ids],
            "source": "synthetic-context",
            "evidence": [[] for _ in cluster_ids],
        }
    )
    nodes = nodes.sort_values("node", kind="stable").reset_index(drop=True)
    index = pd.Index(nodes["node"], dtype=object)
    edges = edges.assign(iu=index.get_indexer(edges["u"]), iv=index.get_indexer(edges["v"]))
    frames = {
        "nodes": nodes,
        "edges": edges.reset_index(drop=True),
        "table-asserted_tiers": pd.DataFrame({c: [] for c in ASSERTED_TIER_COLUMNS}, dtype=object),
        "table-governance_assessments": gov.reindex(columns=list(GOVERNANCE_COLUMNS)),
        "table-participation_leads": pd.DataFrame({"lead": []}, dtype=object),
    }
    return {name: missing_as_na(frame) for name, frame in frames.items()}


def run(firms: int, k: int = 64, seed: int = 1) -> dict[str, Any]:
    """Generate, cache, then time loading the cache, the views and the analyses."""
    from gvcgraph.graph import projection_cache
    from gvcgraph.graph.project import Projection

    t0 = time.perf_counter()
    net = generate(firms, seed)
    frames = whole_projection(net)
    prepared = time.perf_counter() - t0
    with tempfile.TemporaryDirectory() as tmp:
        cache_dir = Path(tmp)
        assert projection_cache.save(cache_dir, frames)
        del frames
        size_mb = sum(p.stat().st_size for p in cache_dir.rglob("*")) / 2**20
        with StepMeter() as m:
            whole = projection_cache.load(cache_dir)
            assert whole is not None
            tables = {k[6:]: f for k, f in whole.items() if k.startswith("table-")}
            proj = Projection.trusted(whole["nodes"], whole["edges"], tables=tables)
            supply = _supply_projection(proj)
        steps = [
            projection_record(
                "projection, from the cache", m, proj, supply, cache_mb=round(size_mb, 1)
            )
        ]
    steps += analyse(proj, supply, k, seed, None)
    return {
        "firms": firms,
        "relations": len(net.kind),
        "prepare_s": round(prepared, 1),
        "steps": steps,
        "suite_s": round(sum(s["seconds"] for s in steps), 2),
        "peak_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
    }


def main(argv: list[str] | None = None) -> None:
    """Print the timings as a table (and JSON with ``--json``)."""
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--firms", type=int, default=1_000_000)
    ap.add_argument("--betweenness-k", type=int, default=64)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--json", type=Path)
    args = ap.parse_args(argv)
    out = run(args.firms, args.betweenness_k, args.seed)
    print(
        f"{out['firms']:,} firms, {out['relations']:,} relations (prepared in "
        f"{out['prepare_s']} s, not timed)"
    )
    print("| step | s | peak MB |\n|---|---:|---:|")
    for s in out["steps"]:
        print(f"| {s['step']} | {s['seconds']:.2f} | {s['peak_mb']:,.0f} |")
    print(f"| **analysis suite, total** | {out['suite_s']:.2f} | {out['peak_mb']:,} |")
    if args.json:
        args.json.write_text(json.dumps(out, indent=1, default=str))
    sys.stdout.flush()


if __name__ == "__main__":
    main()
