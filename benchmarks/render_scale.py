r"""Time of a map and a figure after the projection, on large views (issue 8, item 3).

The projection (reading the store into node and edge tables) is timed elsewhere: this script
starts from a :class:`~gvcgraph.graph.project.Projection` and times what ``gvcgraph map`` and
``gvcgraph figure`` do after it: :func:`~gvcgraph.render.view.build_view` (aggregation,
layout, styles), then :func:`~gvcgraph.render.html.write_map` or
:func:`~gvcgraph.render.static.write_figure`. Each step is timed in wall and CPU seconds
(user + system of this process).

The projection is either

* synthetic (``--firms N``): firms, persons and clusters drawn by
  :func:`benchmarks.synthetic.generate`, with the columns :func:`~gvcgraph.graph.project.project`
  gives (labels, classes, countries, one fact and one evidence key per relation); or
* read from a store once (``--store PATH``);

and kept as a pickle with ``--cache FILE``, which later runs load instead (your own files
only: a pickle runs code when loaded).

Usage::

    python -m benchmarks.render_scale --firms 1000000 --view all \
        --aggregate-by country cluster group --cache /tmp/render-scale/1m-all.pkl
    python -m benchmarks.render_scale --store /tmp/gvcgraph-bench/100000/store-gvcgraph \
        --view supply --cache /tmp/helper-map/proj-supply.pkl
    python -m benchmarks.render_scale --firms 100000 --view all --aggregate-by cluster group
    python -m benchmarks.render_scale --store /tmp/gvcgraph-bench/100000/store-gvcgraph \
        --view supply --cache /tmp/helper-map/proj-supply.pkl --detail 4999

``--detail N`` times a view just below the aggregation limit instead (the costliest view that
is drawn node by node): the first N nodes reached from the busiest node, with both layouts,
and with ``--store`` the lookup of its evidence in that store (read only).

Each measured step runs once in this process (imports are warmed up on a small view first, so
that the figures are the rendering's and not the imports').
"""

from __future__ import annotations

import argparse
import os
import pickle
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from gvcgraph.graph.project import Projection

_VIEW_KINDS = {"supply": (0,), "ownership": (1,), "all": (0, 1, 2)}


def synthetic_projection(firms: int, view: str = "supply", seed: int = 1) -> Projection:
    """A projection like :func:`~gvcgraph.graph.project.project`'s of the synthetic data set
    of ``firms`` firms (:func:`benchmarks.synthetic.generate`), for ``view`` ``supply``,
    ``ownership`` or ``all`` (supply, ownership and cluster membership)."""
    from benchmarks.synthetic import RELATION_NAMES, generate

    net = generate(firms, seed)
    keep = np.isin(net.kind, _VIEW_KINDS[view])
    kind, u, v = net.kind[keep], net.rel_u[keep], net.rel_v[keep]
    share = net.share[keep]
    actors = net.actors
    used = np.zeros(actors, dtype=bool)
    used[u] = True
    used[v] = True
    if view == "supply":
        used[: net.n] = True
    pos = np.flatnonzero(used)
    n, persons = net.n, net.persons
    cls = np.where(pos < n, "Firm", np.where(pos < n + persons, "Person", "Cluster"))
    country = np.concatenate([net.country, net.cluster_country])[pos]
    ids = np.array([net.actor_id(int(i)) for i in pos], dtype=object)
    labels = np.array([net.actor_label(int(i)) for i in pos], dtype=object)
    key_of = pd.Series(ids, index=pos)
    # text columns of dtype object, as project() and its cache give them
    nodes = pd.DataFrame(
        {
            "node": pd.Series(ids, dtype=object),
            "iri": pd.Series(["https://w3id.org/gvcgraph/id/" + k for k in ids], dtype=object),
            "label": pd.Series(labels, dtype=object),
            "cls": pd.Series(cls, dtype=object),
            "country": pd.Series(country, dtype=object),
            "lead_firm": np.isin(pos, np.flatnonzero(net.tier == 0)),
        }
    )
    rows = np.flatnonzero(keep)
    fact = [f"doc/edges/row-{r + 1}" for r in rows.tolist()]
    edges = pd.DataFrame(
        {
            "u": pd.Series(key_of.reindex(u).to_numpy(), dtype=object),
            "v": pd.Series(key_of.reindex(v).to_numpy(), dtype=object),
            "relation": pd.Series(np.array(RELATION_NAMES, dtype=object)[kind], dtype=object),
            "fact": pd.Series(fact, dtype=object),
            "source": pd.Series(["edges"] * len(fact), dtype=object),
            "share_min": share,
            "share_max": share,
            "evidence": [[f.replace("/row-", "/ev/row-") + "/1"] for f in fact],
        }
    )
    return Projection(nodes, edges, view=view)


def store_projection(store: str, view: str, cache: Path | None) -> Projection:
    """The projection of ``view`` read from the store at ``store`` (kept in ``cache``)."""
    if cache is not None and cache.exists():
        with cache.open("rb") as fh:
            d = pickle.load(fh)
        if hasattr(Projection, "trusted"):  # the frames carry their edge positions
            return Projection.trusted(d["nodes"], d["edges"], view=d["view"], tables=d["tables"])
        return Projection(d["nodes"], d["edges"], view=d["view"], tables=d["tables"])
    from gvcgraph.graph.project import project
    from gvcgraph.graph.store import KnowledgeGraph

    proj = project(KnowledgeGraph(store), view)
    if cache is not None:
        _save(proj, cache)
    return proj


def _save(proj: Projection, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as fh:
        pickle.dump(
            {"nodes": proj.nodes, "edges": proj.edges, "view": proj.view, "tables": proj.tables},
            fh,
        )


def _cpu() -> float:
    t = os.times()
    return t.user + t.system


@contextmanager
def timed(name: str, out: list[tuple[str, float, float]]) -> Iterator[None]:
    """Append (name, wall seconds, CPU seconds) of the block to ``out`` and print it."""
    w, c = time.perf_counter(), _cpu()
    yield
    wall, cpu = time.perf_counter() - w, _cpu() - c
    out.append((name, wall, cpu))
    print(f"  {name:<40} {wall:7.2f} s wall {cpu:7.2f} s CPU", flush=True)


def _warm_up() -> None:
    from gvcgraph.render.html import write_map
    from gvcgraph.render.static import write_figure
    from gvcgraph.render.view import build_view

    small = synthetic_projection(6000, "supply")
    with tempfile.TemporaryDirectory() as tmp:
        mv = build_view(small)
        write_map(mv, Path(tmp) / "m.html")
        write_figure(mv, Path(tmp) / "f.svg")


def run(
    proj: Projection,
    aggregate_by: list[str],
    formats: list[str],
    out_dir: Path,
    step: Callable[..., Any] = timed,
) -> list[tuple[str, float, float]]:
    """Time build_view, write_map and write_figure of ``proj`` for each aggregation."""
    from gvcgraph.render.html import write_map
    from gvcgraph.render.static import write_figure
    from gvcgraph.render.view import build_view

    times: list[tuple[str, float, float]] = []
    for by in aggregate_by:
        print(f"aggregate by {by}:", flush=True)
        with step(f"build_view ({by})", times):
            mv = build_view(proj, aggregate_by=by)
        with step(f"write_map ({len(mv.nodes):,} nodes, {len(mv.edges):,} lines)", times):
            write_map(mv, out_dir / f"map-{by}.html")
        for fmt in formats:
            with step(f"write_figure .{fmt}", times):
                write_figure(mv, out_dir / f"figure-{by}.{fmt}")
    return times


def neighbourhood(proj: Projection, size: int) -> Projection:
    """The first ``size`` nodes reached breadth first from the node with most relations, and
    the relations among them (what ``--focus`` on a large lead firm draws)."""
    e = proj.edges
    iu, iv = e["iu"].to_numpy(np.int64), e["iv"].to_numpy(np.int64)
    degree = np.bincount(iu, minlength=proj.n) + np.bincount(iv, minlength=proj.n)
    seen = np.zeros(proj.n, dtype=bool)
    frontier = np.zeros(proj.n, dtype=bool)
    frontier[int(np.argmax(degree))] = True
    order: list[int] = []
    while frontier.any() and len(order) < size:
        new = np.flatnonzero(frontier & ~seen)
        order.extend(new[: size - len(order)].tolist())
        seen[new] = True
        nxt = np.zeros(proj.n, dtype=bool)
        nxt[iv[frontier[iu]]] = True
        nxt[iu[frontier[iv]]] = True
        frontier = nxt & ~seen
    keep = np.zeros(proj.n, dtype=bool)
    keep[order] = True
    inside = keep[iu] & keep[iv]
    return Projection(
        proj.nodes[keep],
        e.loc[inside].drop(columns=["iu", "iv"]),
        view=proj.view,
        tables=proj.tables,
    )


def run_detail(
    proj: Projection,
    layouts: list[str],
    formats: list[str],
    out_dir: Path,
    store: str | None = None,
) -> list[tuple[str, float, float]]:
    """Time a view below the aggregation limit: build_view per layout, the evidence lookup
    in the store (when given; read only), write_map and write_figure."""
    from gvcgraph.render.html import write_map
    from gvcgraph.render.static import write_figure
    from gvcgraph.render.view import attach_evidence, build_view

    times: list[tuple[str, float, float]] = []
    for layout in layouts:
        print(f"{layout} layout:", flush=True)
        with timed(f"build_view ({proj.n:,} nodes, {len(proj.edges):,} lines)", times):
            mv = build_view(proj, layout=layout)
        if store is not None:
            from gvcgraph.graph.store import KnowledgeGraph

            kg = KnowledgeGraph(store)
            with timed("attach_evidence (map only)", times):
                attach_evidence(kg, mv)
            print(f"  ({len(mv.evidence):,} passages)", flush=True)
        with timed("write_map", times):
            write_map(mv, out_dir / f"map-detail-{layout}.html")
        for fmt in formats:
            with timed(f"write_figure .{fmt}", times):
                write_figure(mv, out_dir / f"figure-detail-{layout}.{fmt}")
    return times


def main(argv: list[str] | None = None) -> None:
    """Command line (see the module docstring)."""
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--firms", type=int, default=None, help="synthetic projection of N firms")
    ap.add_argument("--store", default=None, help="project this store instead")
    ap.add_argument("--cache", type=Path, default=None, help="pickle of the store's projection")
    ap.add_argument("--view", default="supply", choices=sorted(_VIEW_KINDS))
    ap.add_argument("--aggregate-by", nargs="+", default=["country"])
    ap.add_argument("--formats", nargs="+", default=["svg", "png"])
    ap.add_argument("--out", type=Path, default=None, help="folder for the files (default: tmp)")
    ap.add_argument(
        "--detail",
        type=int,
        default=None,
        metavar="N",
        help="time a view of N nodes (breadth first from the busiest node) instead; with "
        "--store, its evidence lookup too",
    )
    ap.add_argument("--layouts", nargs="+", default=["force", "tiers"], help="with --detail")
    args = ap.parse_args(argv)
    cached = args.cache is not None and args.cache.exists()
    if not cached and (args.firms is None) == (args.store is None):
        ap.error("give --firms N, --store PATH or an existing --cache FILE")
    print("warming up imports ...", flush=True)
    _warm_up()
    times: list[tuple[str, float, float]] = []
    with timed("projection (not part of the rendering)", times):
        if args.firms is not None and not cached:
            proj = synthetic_projection(args.firms, args.view)
            if args.cache is not None:
                _save(proj, args.cache)
        else:
            proj = store_projection(args.store, args.view, args.cache)
    print(f"{proj.n:,} nodes, {len(proj.edges):,} edges ({args.view} view)", flush=True)
    with tempfile.TemporaryDirectory() as tmp:
        out = args.out or Path(tmp)
        out.mkdir(parents=True, exist_ok=True)
        if args.detail is not None:
            with timed(f"neighbourhood of {args.detail:,} nodes (not rendering)", times):
                sub = neighbourhood(proj, args.detail)
            run_detail(sub, args.layouts, args.formats, out, args.store)
        else:
            run(proj, args.aggregate_by, args.formats, out)
    sys.stdout.flush()


if __name__ == "__main__":
    main()
