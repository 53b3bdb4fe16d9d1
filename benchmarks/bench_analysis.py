"""Benchmark of the network analyses on a synthetic graph of N firms.

The graph is built directly as node and edge tables (a :class:`Projection`), without the
store, so that the figures are those of the analyses alone:

* supply: sector chains of tiers (lead firms at tier 0, about 0.1% of firms; tiers 1 to 5 of
  3, 7, 15, 25 and 50% of the rest) in sectors of about 5,000 firms; every supplier sells to
  1 + Poisson(2) buyers of the next tier down in its sector, chosen in proportion to a Pareto
  fitness (scale-free in-degree); 1% reciprocal links (cycles); 2% of firms are commodity
  suppliers that sell to firms of the deepest tiers of any sector (the shared upstream);
  dependence shares, design control and size classes are drawn for part of the links;
* ownership: business groups (random recursive trees under a person or holding firm) holding
  about 60% of firms with majority stakes (20% minority stakes, 10% share ranges, 2% unknown
  shares), 10% extra minority stakes inside groups, 0.5% stakes across groups, and 1% of
  groups with a cross-holding cycle (a subsidiary holding 5-20% of its parent, or a
  three-firm ring); 20% of subsidiaries in another country than their parent.

With N = 1,000,000 that is about 2.9 million supply and 0.8 million ownership relations.

Usage::

    python benchmarks/bench_analysis.py --firms 100000
    python benchmarks/bench_analysis.py --firms 1000000 --betweenness-k 64

Prints a markdown table: step, wall time, peak resident memory during the step (sampled
every 20 ms from /proc), and the size of the result.
"""

from __future__ import annotations

import argparse
import gc
import os
import resource
import sys
import threading
import time
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd

from gvcgraph.graph.captive import captive_chains
from gvcgraph.graph.centrality import betweenness, degree, pagerank
from gvcgraph.graph.ownership import integrated_ownership, ultimate_controllers
from gvcgraph.graph.project import OWNS, SUPPLIES, Projection
from gvcgraph.graph.tiers import lead_firms, supplier_tiers, tier_depth

SIZES = np.array(["micro", "small", "medium", "large"], dtype=object)
COUNTRIES = np.array(
    [
        "MX",
        "BR",
        "US",
        "CN",
        "DE",
        "JP",
        "KR",
        "TW",
        "CR",
        "CL",
        "AR",
        "IN",
        "MY",
        "TH",
        "VN",
        "FR",
        "IT",
        "ES",
        "GB",
        "CA",
    ],
    dtype=object,
)


# ---------------------------------------------------------------------------------- generator


def _pick(
    rng: np.random.Generator,
    block: np.ndarray,
    starts: np.ndarray,
    ends: np.ndarray,
    cumw: np.ndarray,
) -> np.ndarray:
    """For each query i, a position in [starts[i], ends[i]) drawn in proportion to weights
    (cumw is the running sum of the weights of the ordered pool)."""
    lo = np.where(starts > 0, cumw[np.maximum(starts - 1, 0)], 0.0)
    hi = cumw[ends - 1]
    u = lo + rng.random(len(block)) * (hi - lo)
    pos = np.searchsorted(cumw, u, side="right")
    return np.clip(pos, starts, ends - 1)


def generate(n: int, seed: int = 1) -> Projection:
    """The synthetic graph described in the module docstring."""
    rng = np.random.default_rng(seed)
    firm = np.arange(n, dtype=np.int64)
    size = SIZES[rng.choice(4, n, p=[0.4, 0.4, 0.15, 0.05])]
    country = COUNTRIES[rng.integers(0, len(COUNTRIES), n)]
    fitness = rng.pareto(1.5, n) + 1.0
    # sectors and tiers
    commodity = rng.random(n) < 0.02
    n_sectors = max(1, n // 5000)
    sector = rng.integers(0, n_sectors, n)
    tier = np.full(n, -1, dtype=np.int64)
    u = rng.random(n)
    bounds = np.cumsum([0.001, 0.03, 0.07, 0.15, 0.25])
    tier[:] = np.searchsorted(bounds, u, side="right")  # 0..5
    tier[commodity] = 6
    lead = tier == 0
    size[lead] = "large"
    # pool of buyers ordered by (sector, tier)
    pool_key = sector * 8 + tier
    order = np.argsort(pool_key, kind="stable")
    sorted_key = pool_key[order]
    cumw = np.cumsum(fitness[order])
    suppliers = firm[(tier >= 1) & (tier <= 5)]
    d = 1 + rng.poisson(2.0, len(suppliers))
    src = np.repeat(suppliers, d)
    want = sector[src] * 8 + tier[src] - 1
    starts = np.searchsorted(sorted_key, want, side="left")
    ends = np.searchsorted(sorted_key, want, side="right")
    ok = ends > starts
    src, starts, ends = src[ok], starts[ok], ends[ok]
    dst = order[_pick(rng, src, starts, ends, cumw)]
    # commodity suppliers sell to deep-tier firms of any sector
    deep = firm[(tier == 4) | (tier == 5)]
    csrc = np.repeat(firm[commodity], 1 + rng.poisson(4.0, int(commodity.sum())))
    dw = np.cumsum(fitness[deep])
    cdst = deep[
        np.searchsorted(dw, rng.random(len(csrc)) * dw[-1], side="right").clip(0, len(deep) - 1)
    ]
    su = np.concatenate([src, csrc])
    sv = np.concatenate([dst, cdst])
    # reciprocal links inside sector chains (cycles)
    rec = np.concatenate([rng.random(len(src)) < 0.01, np.zeros(len(csrc), dtype=bool)])
    su, sv = np.concatenate([su, sv[rec]]), np.concatenate([sv, su[rec]])
    keep = su != sv
    su, sv = su[keep], sv[keep]
    m = len(su)
    dep = np.where(rng.random(m) < 0.3, rng.uniform(5, 100, m).round(), np.nan)
    design = np.where(rng.random(m) < 0.2, rng.random(m) < 0.5, None)
    supply = pd.DataFrame(
        {
            "u": su,
            "v": sv,
            "relation": SUPPLIES,
            "supplier_dependence": dep,
            "buyer_controls_design": design,
        }
    )
    # ownership: groups as random recursive trees
    persons = max(1, n // 30)
    member = rng.random(n) < 0.6
    members = rng.permutation(firm[member])
    n_groups = max(1, len(members) // 40)
    group_of = rng.integers(0, n_groups, len(members))
    order_g = np.argsort(group_of, kind="stable")
    members, group_of = members[order_g], group_of[order_g]
    gstart = np.searchsorted(group_of, np.arange(n_groups), side="left")
    pos_in_group = np.arange(len(members)) - gstart[group_of]
    # parent: a random earlier member of the same group, the first member's parent a person
    earlier = (rng.random(len(members)) * pos_in_group).astype(np.int64)
    parent = np.where(pos_in_group == 0, -1, members[gstart[group_of] + earlier])
    head_person = n + rng.integers(0, persons, n_groups)
    owner = np.where(parent < 0, head_person[group_of], parent)
    k = len(members)
    share = np.where(rng.random(k) < 0.8, rng.uniform(51, 100, k), rng.uniform(10, 49, k)).round(1)
    smin, smax = share.copy(), share.copy()
    ranged = rng.random(k) < 0.1
    smin[ranged] = np.floor(share[ranged] / 25) * 25
    smax[ranged] = np.minimum(smin[ranged] + 25, 100)
    unknown = rng.random(k) < 0.02
    smin[unknown], smax[unknown] = np.nan, np.nan
    ou, ov, omin, omax = [owner], [members], [smin], [smax]
    # extra minority stakes inside groups
    extra = rng.random(k) < 0.1
    e_mem = members[extra]
    e_own = members[
        gstart[group_of[extra]]
        + (rng.random(extra.sum()) * np.maximum(pos_in_group[extra], 1)).astype(int)
    ]
    x = rng.uniform(1, 20, extra.sum()).round(1)
    ou.append(e_own), ov.append(e_mem), omin.append(x), omax.append(x)
    # stakes across groups
    cross = rng.random(k) < 0.005
    c_own = members[rng.integers(0, k, cross.sum())]
    x = rng.uniform(1, 15, cross.sum()).round(1)
    ou.append(c_own), ov.append(members[cross]), omin.append(x), omax.append(x)
    # cross-holding cycles (about 1% of groups each): a subsidiary holds 5-20% of its
    # parent (two-firm cycle), or of its grandparent (three-firm ring)
    cyc = (rng.random(k) < 0.00025) & (parent >= 0)
    x = rng.uniform(5, 20, cyc.sum()).round(1)
    ou.append(members[cyc]), ov.append(parent[cyc]), omin.append(x), omax.append(x)
    pos_of = np.full(n, -1, dtype=np.int64)
    pos_of[members] = np.arange(k)
    grand = np.where(parent >= 0, parent[np.maximum(pos_of[np.maximum(parent, 0)], 0)], -1)
    ring = (rng.random(k) < 0.00025) & (grand >= 0)
    x = rng.uniform(5, 20, ring.sum()).round(1)
    ou.append(members[ring]), ov.append(grand[ring]), omin.append(x), omax.append(x)
    own = pd.DataFrame(
        {
            "u": np.concatenate(ou),
            "v": np.concatenate(ov),
            "relation": OWNS,
            "share_min": np.concatenate(omin),
            "share_max": np.concatenate(omax),
        }
    )
    own = own[own["u"] != own["v"]]
    # foreign subsidiaries
    par_country = np.where(parent >= 0, country[np.maximum(parent, 0)], country[members])
    foreign = rng.random(k) < 0.2
    country[members[~foreign]] = par_country[~foreign]
    names = np.array([f"f{i}" for i in range(n)] + [f"p{i}" for i in range(persons)], dtype=object)
    nodes = pd.DataFrame(
        {
            "node": names,
            "label": names,
            "cls": np.array(["Firm"] * n + ["Person"] * persons, dtype=object),
            "country": np.concatenate(
                [country, COUNTRIES[rng.integers(0, len(COUNTRIES), persons)]]
            ),
            "size_class": np.concatenate([size, np.full(persons, None, dtype=object)]),
            "lead_firm": np.concatenate([lead, np.zeros(persons, dtype=bool)]),
        }
    )
    edges = pd.concat([supply, own], ignore_index=True)
    edges["u"] = names[edges["u"].to_numpy(np.int64)]
    edges["v"] = names[edges["v"].to_numpy(np.int64)]
    return Projection(nodes, edges, view="all")


# ---------------------------------------------------------------------------------- timing


class PeakRSS:
    """Peak resident set size (bytes) of this process while the context is open."""

    def __enter__(self) -> PeakRSS:
        self.peak = self._rss()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()
        return self

    def _run(self) -> None:
        while not self._stop.wait(0.02):
            self.peak = max(self.peak, self._rss())

    @staticmethod
    def _rss() -> int:
        with open("/proc/self/statm") as f:
            return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, self._rss())


def step(
    rows: list[dict[str, Any]], name: str, fn: Callable[[], Any], size: Callable[[Any], str]
) -> Any:
    gc.collect()
    with PeakRSS() as mem:
        t0 = time.perf_counter()
        result = fn()
        wall = time.perf_counter() - t0
    rows.append(
        {"step": name, "wall_s": wall, "peak_rss_gb": mem.peak / 1e9, "result": size(result)}
    )
    print(f"  {name}: {wall:.1f} s", file=sys.stderr, flush=True)
    return result


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--firms", type=int, default=100_000)
    ap.add_argument("--betweenness-k", type=int, default=64)
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args(argv)
    t0 = time.perf_counter()
    print(f"generating {args.firms} firms ...", file=sys.stderr, flush=True)
    proj = generate(args.firms, args.seed)
    gen = time.perf_counter() - t0
    e = proj.edges
    n_sup = int((e["relation"] == SUPPLIES).sum())
    n_own = int((e["relation"] == OWNS).sum())
    supply = proj.select([SUPPLIES])
    rows: list[dict[str, Any]] = []
    t_all = time.perf_counter()
    adj = step(
        rows,
        "supply adjacency (CSR)",
        lambda: supply.adjacency([SUPPLIES]),
        lambda a: f"{a.nnz:,} edges",
    )
    step(rows, "degree (in, out)", lambda: degree(adj), lambda r: f"{len(r[0]):,} nodes")
    step(rows, "PageRank", lambda: pagerank(adj), lambda r: f"{len(r):,} scores")
    step(
        rows,
        f"betweenness, sampled k={args.betweenness_k}",
        lambda: betweenness(adj, k=args.betweenness_k, seed=args.seed),
        lambda r: f"{int((r > 0).sum()):,} nonzero",
    )
    leads = step(rows, "lead firms", lambda: lead_firms(supply), lambda r: f"{len(r):,} leads")
    tiers = step(
        rows,
        "tier depth, all lead firms",
        lambda: supplier_tiers(
            supply, leads, asserted=pd.DataFrame({"participant": [], "lead": [], "tier": []})
        ),
        lambda r: f"{len(r):,} (lead, supplier) rows",
    )
    step(
        rows,
        "deepest tier per lead firm",
        lambda: tier_depth(tiers),
        lambda r: f"max tier {int(r['max_tier'].max()) if len(r) else 0}",
    )
    io_ = step(
        rows,
        "integrated ownership",
        lambda: integrated_ownership(proj),
        lambda r: f"{len(r):,} (owner, owned) pairs",
    )
    ctl = step(
        rows,
        "ultimate controllers, groups, foreign control",
        lambda: ultimate_controllers(proj),
        lambda r: (
            f"{int((r['status'] == 'controlled').sum()):,} controlled, "
            f"{int(r['group'].nunique()):,} groups"
        ),
    )
    step(
        rows,
        "captive chains (scores, chains, reasons)",
        lambda: captive_chains(proj, leads, controllers=ctl),
        lambda r: f"{len(r):,} captive links in chains",
    )
    total = time.perf_counter() - t_all
    del io_
    maxrss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    print(f"\n### Analysis benchmark: {args.firms:,} firms\n")
    print(
        f"Graph: {proj.n:,} nodes ({args.firms:,} firms), {n_sup:,} supply and {n_own:,} "
        f"ownership relations; generated in {gen:.1f} s. CPU cores: {os.cpu_count()}.\n"
    )
    print("| step | wall (s) | peak RSS (GB) | result |")
    print("|---|---:|---:|---|")
    for r in rows:
        print(f"| {r['step']} | {r['wall_s']:.2f} | {r['peak_rss_gb']:.2f} | {r['result']} |")
    print(f"| **analysis suite, total** | **{total:.2f}** | {maxrss / 1e9:.2f} (process peak) | |")


if __name__ == "__main__":
    main()
