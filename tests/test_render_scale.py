"""Maps and figures of large views: aggregation worked out on integer codes, the layout of
views above the exact layout's limit, evidence looked up subject by subject and capped, and
figures with many lines.

Expected values are worked out by hand (the small cases) or independently with pandas
group-bys on the inputs (the 200,000-node projection). No timing is asserted here; see
benchmarks/render_scale.py for the timings.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp
from scipy.sparse.csgraph import connected_components

from gvcgraph.graph.project import Projection, node_iri, node_key, select_frame
from gvcgraph.graph.store import KnowledgeGraph
from gvcgraph.render import layout as lay
from gvcgraph.render import style
from gvcgraph.render.html import map_data
from gvcgraph.render.static import MERGED_LINES_MIN, draw, write_figure
from gvcgraph.render.view import (
    AGGREGATE_EDGES_MAX,
    aggregate,
    attach_evidence,
    build_view,
    evidence_table,
    with_values,
)

ASSETS = Path(__file__).resolve().parents[1] / "gvcgraph" / "render" / "assets"


# ------------------------------------------------------------------------------ small cases


def hand_projection() -> Projection:
    """Seven nodes, worked out by hand below.

    Groups by class and country: firms@MX {a, b, c}, firms@US {d}, firms@none {e},
    clusters@MX {k}, persons@MX {p}. Relations: a->b, b->c supplies (inside firms@MX);
    a->d, b->d, c->d supplies (3 from firms@MX to firms@US); a->d owns (1); e->a supplies (1
    from firms@none to firms@MX); a->k, b->k member-of (2 from firms@MX to clusters@MX);
    p->a owns 60% (1 from persons@MX to firms@MX).
    """
    nodes = pd.DataFrame(
        {
            "node": ["a", "b", "c", "d", "e", "k", "p"],
            "label": ["A", "B", None, "D", "E", "Cluster K", "P"],
            "cls": ["Firm", "Firm", "Firm", "Firm", "Firm", "Cluster", "Person"],
            "country": ["MX", "MX", "MX", "US", None, "MX", "MX"],
        }
    )
    edges = pd.DataFrame(
        {
            "u": ["a", "b", "a", "b", "c", "a", "e", "a", "b", "p"],
            "v": ["b", "c", "d", "d", "d", "d", "a", "k", "k", "a"],
            "relation": ["supplies"] * 5 + ["owns", "supplies", "member-of", "member-of", "owns"],
            "share_min": [None] * 9 + [60.0],
            "share_max": [None] * 9 + [60.0],
        }
    )
    return Projection(nodes, edges, view="all")


def test_aggregate_by_class_and_country_by_hand() -> None:
    nodes, edges, note = aggregate(hand_projection(), "country", limit=100)
    got = dict(zip(nodes["id"], nodes["members"], strict=True))
    assert got == {
        "class:firm@MX": 3,
        "class:firm@US": 1,
        "class:firm@none": 1,
        "class:cluster@MX": 1,
        "class:institution@MX": 1,
    }
    assert list(nodes["id"]) == sorted(got)  # groups in the order of their ids
    mx = nodes.set_index("id").loc["class:firm@MX"]
    assert mx["full_label"] == "firms, Mexico (3)" and mx["country"] == "MX"
    facts = dict(map(tuple, mx["facts"]))
    assert facts["Nodes"] == "3" and facts["Relations inside"] == "2"
    assert facts["Examples"] == "A; B; c"  # label, else key, in node order
    assert pd.isna(nodes.set_index("id").loc["class:firm@none", "country"])
    lines = {(u, v, r): c for u, v, r, c in edges[["u", "v", "relation", "count"]].to_numpy()}
    assert lines == {
        ("class:firm@MX", "class:firm@US", "supplies"): 3,
        ("class:firm@MX", "class:firm@US", "owns"): 1,
        ("class:firm@none", "class:firm@MX", "supplies"): 1,
        ("class:firm@MX", "class:cluster@MX", "member-of"): 2,
        ("class:institution@MX", "class:firm@MX", "owns"): 1,
    }
    assert "into 5 groups" in note and "left out" not in note


def test_aggregate_by_cluster_by_hand() -> None:
    nodes, edges, _ = aggregate(hand_projection(), "cluster", limit=100)
    got = dict(zip(nodes["id"], nodes["members"], strict=True))
    # a and b are members of K: they form its group with it; c stays with the firms of MX
    assert got == {
        "cluster:k": 3,
        "class:firm@MX": 1,
        "class:firm@US": 1,
        "class:firm@none": 1,
        "class:institution@MX": 1,
    }
    k = nodes.set_index("id").loc["cluster:k"]
    assert k["full_label"] == "Cluster K (3)" and k["klass"] == "group"
    facts = dict(map(tuple, k["facts"]))
    assert facts["Relations inside"] == "3"  # a->b, a->k, b->k
    lines = {(u, v, r): c for u, v, r, c in edges[["u", "v", "relation", "count"]].to_numpy()}
    assert lines[("cluster:k", "class:firm@US", "supplies")] == 2  # a->d, b->d
    assert lines[("class:firm@MX", "class:firm@US", "supplies")] == 1  # c->d
    assert lines[("cluster:k", "class:firm@MX", "supplies")] == 1  # b->c
    assert lines[("class:institution@MX", "cluster:k", "owns")] == 1


def test_aggregate_by_corporate_group_by_hand() -> None:
    nodes, _, note = aggregate(hand_projection(), "group", limit=100)
    got = dict(zip(nodes["id"], nodes["members"], strict=True))
    # p holds 60% of a: p and a form p's corporate group; other nodes by class and country
    assert got["corp:p"] == 2
    assert nodes.set_index("id").loc["corp:p", "full_label"] == "group of P (2)"
    assert got["class:firm@MX"] == 2  # b, c
    assert int(nodes["members"].sum()) == 7
    assert "corporate group" in note


def test_aggregate_falls_back_to_class_above_the_limit() -> None:
    nodes, _, note = aggregate(hand_projection(), "country", limit=4)
    assert dict(zip(nodes["id"], nodes["members"], strict=True)) == {
        "class:cluster@none": 1,
        "class:firm@none": 5,
        "class:institution@none": 1,
    }
    assert "grouped by class into 3 groups" in note


# ------------------------------------------------------------------------------ 200,000 nodes


def big_projection(n: int = 200_000, m: int = 600_000, seed: int = 5) -> Projection:
    rng = np.random.default_rng(seed)
    cls = np.array(["Firm", "Firm", "Firm", "Cluster", "Person", None], dtype=object)
    countries = np.array(["MX", "US", "BR", "CN", "DE", None], dtype=object)
    nodes = pd.DataFrame(
        {
            "node": [f"n{i}" for i in range(n)],
            "label": [f"Node {i}" for i in range(n)],
            "cls": cls[rng.integers(0, len(cls), n)],
            "country": countries[rng.integers(0, len(countries), n)],
        }
    )
    u = rng.integers(0, n, m)
    v = (rng.pareto(1.2, m) * 50).astype(np.int64) % n  # hubs: a few groups get most lines
    rel = np.array(["supplies", "owns", "member-of"], dtype=object)[rng.integers(0, 3, m)]
    edges = pd.DataFrame({"u": nodes["node"].to_numpy()[u], "v": nodes["node"].to_numpy()[v]})
    edges["relation"] = rel
    return Projection(nodes, edges, view="all")


@pytest.fixture(scope="module")
def big() -> Projection:
    return big_projection()


def _group_of(proj: Projection) -> pd.Series:
    klass = proj.nodes["cls"].map(lambda c: style.node_class(c).key)
    country = proj.nodes["country"].astype(object).where(proj.nodes["country"].notna(), "none")
    return "class:" + klass.astype(str) + "@" + country.astype(str)


def test_a_large_view_aggregates_to_the_groups_worked_out_with_pandas(big: Projection) -> None:
    mv = build_view(big)
    assert mv.aggregated and not mv.physics
    assert mv.graph_nodes == 200_000
    group = _group_of(big)
    expected = group.value_counts()
    got = mv.nodes.set_index("id")["members"]
    assert got.sort_index().to_dict() == expected.sort_index().to_dict()
    # the lines: relations between two groups by type, the ones standing for most drawn
    e = big.edges
    gu = group.to_numpy()[e["iu"].to_numpy()]
    gv = group.to_numpy()[e["iv"].to_numpy()]
    frame = pd.DataFrame({"u": gu, "v": gv, "relation": e["relation"].to_numpy()})
    between = frame[frame["u"] != frame["v"]].groupby(["u", "v", "relation"]).size()
    assert len(between) > AGGREGATE_EDGES_MAX
    assert len(mv.edges) == AGGREGATE_EDGES_MAX
    drawn = mv.edges.set_index(["u", "v", "relation"])["count"]
    for key, count in drawn.items():
        assert between[key] == count
    smallest_drawn = int(drawn.min())
    left = between.drop(drawn.index)
    assert int(left.max()) <= smallest_drawn
    note = mv.notes[0]
    assert f"{len(left):,} lines for {int(left.sum()):,} relations are left out" in note
    inside = frame[frame["u"] == frame["v"]].groupby("u").size()
    facts = {i: dict(map(tuple, f)) for i, f in zip(mv.nodes["id"], mv.nodes["facts"], strict=True)}
    for g, count in inside.items():
        assert facts[g]["Relations inside"] == f"{count:,}"


def test_a_large_view_by_cluster_keeps_each_cluster_with_its_first_members(
    big: Projection,
) -> None:
    nodes, _, _ = aggregate(big, "cluster", limit=1_000_000)
    e = big.edges
    is_cluster = (big.nodes["cls"] == "Cluster").to_numpy()
    mem = e[(e["relation"] == "member-of").to_numpy() & is_cluster[e["iv"].to_numpy()]]
    first = mem.drop_duplicates("u").set_index("u")["v"]
    group = np.array(first.reindex(big.nodes["node"]).to_numpy(dtype=object))
    keys = big.nodes["node"].to_numpy(dtype=object)
    group[is_cluster] = keys[is_cluster]
    clusters = pd.Series(group).dropna().value_counts()
    got = nodes.set_index("id")["members"]
    for c, count in clusters.head(50).items():
        assert got["cluster:" + c] == count
    assert int(got.sum()) == big.n


def test_large_view_map_and_figure(big: Projection, tmp_path: Path) -> None:
    mv = build_view(big, aggregate_by="country")
    data = map_data(mv)
    assert len(data["nodes"]) == len(mv.nodes) and len(data["edges"]) == len(mv.edges)
    path = write_figure(mv, tmp_path / "big.svg")
    assert path.stat().st_size > 0


# ------------------------------------------------------------------------------ layout


def random_graph(n: int, seed: int = 1) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    rows = np.arange(1, n)
    cols = (rng.random(n - 1) ** 2 * np.arange(1, n)).astype(np.int64)  # a tree with hubs
    keep = rng.random(n - 1) > 0.1  # some pieces break off: several components
    return rows[keep], cols[keep]


def test_layout_above_the_exact_limit_spreads_every_component() -> None:
    n = lay.EXACT_MAX + 700
    rows, cols = random_graph(n)
    pos = lay.force_layout(n, rows, cols, seed=3)
    assert pos.shape == (n, 2) and np.isfinite(pos).all()
    assert np.array_equal(pos, lay.force_layout(n, rows, cols, seed=3))  # reproducible
    adj = sp.coo_array((np.ones(len(rows)), (rows, cols)), shape=(n, n))
    count, labels = connected_components(adj, directed=False)
    assert count > 1
    # no two nodes of the view on one spot
    from scipy.spatial import cKDTree

    dist, _ = cKDTree(pos).query(pos, k=2)
    assert dist[:, 1].min() > 1e-3
    # neighbours closer than nodes at random
    edge_len = np.hypot(*(pos[rows] - pos[cols]).T).mean()
    rng = np.random.default_rng(0)
    a, b = rng.integers(0, n, 5000), rng.integers(0, n, 5000)
    assert edge_len < np.hypot(*(pos[a] - pos[b]).T).mean() / 3
    # components do not overlap: each one's box is apart from the others
    boxes = [(pos[labels == c].min(axis=0), pos[labels == c].max(axis=0)) for c in range(count)]
    big = [i for i in range(count) if (labels == i).sum() > 20]
    for i in big:
        for j in big:
            if i < j:
                (lo1, hi1), (lo2, hi2) = boxes[i], boxes[j]
                assert (hi1 < lo2).any() or (hi2 < lo1).any()


def test_exact_layout_is_kept_up_to_its_limit() -> None:
    rows, cols = random_graph(200)
    pos = lay.force_layout(200, rows, cols, seed=7)
    # the exact layout: per component, Kamada-Kawai or the all-pairs spring
    adj = sp.coo_array((np.ones(len(rows)), (rows, cols)), shape=(200, 200))
    _, labels = connected_components(adj, directed=False)
    biggest = np.bincount(labels).argmax()
    m = np.flatnonzero(labels == biggest)
    local = np.full(200, -1)
    local[m] = np.arange(len(m))
    keep = np.isin(rows, m)
    if len(m) <= lay.KAMADA_KAWAI_MAX:
        ref = lay.kamada_kawai(len(m), local[rows[keep]], local[cols[keep]])
    else:
        ref = lay.spring(len(m), local[rows[keep]], local[cols[keep]], seed=7)
    got = pos[m] - pos[m].mean(axis=0)
    ref = ref - ref.mean(axis=0)
    scale = np.abs(got).max() / np.abs(ref).max()
    assert np.allclose(got, ref * scale, atol=1e-9)


def test_pivot_mds_unfolds_a_path() -> None:
    n = 60
    rows, cols = np.arange(n - 1), np.arange(1, n)
    adj = sp.coo_array((np.ones(n - 1), (rows, cols)), shape=(n, n)).tocsr()
    pos = lay.pivot_mds(((adj + adj.T) > 0).astype(float).tocsr(), pivots=10)
    first = pos[:, 0] if np.ptp(pos[:, 0]) > np.ptp(pos[:, 1]) else pos[:, 1]
    steps = np.diff(first)
    assert (steps > 0).all() or (steps < 0).all()


# ------------------------------------------------------------------------------ evidence


@pytest.fixture(scope="module")
def kg() -> KnowledgeGraph:
    return KnowledgeGraph.default()


def test_with_values_binds_inside_the_where_clause() -> None:
    q = with_values("SELECT ?s WHERE { ?s a ?c }", "s", ["https://example.org/a"])
    assert re.fullmatch(
        r"SELECT \?s WHERE \{\s*VALUES \?s \{ <https://example.org/a> \}\s*\?s a \?c \}", q
    )


def _reference_passages(kg: KnowledgeGraph, keys: list[str]) -> dict[str, dict[str, str]]:
    """The passages as assets/evidence.rq gives them (one row per item here)."""
    query = (ASSETS / "evidence.rq").read_text("utf-8")
    df = select_frame(kg, with_values(query, "ev", [node_iri(k) for k in keys]))
    out: dict[str, dict[str, str]] = {}
    for rec in df.to_dict("records"):
        key = node_key(rec.pop("ev"))
        out.setdefault(key, {k: str(v) for k, v in rec.items() if isinstance(v, str) and v})
    return out


def test_evidence_table_gives_what_the_evidence_query_gives(kg: KnowledgeGraph) -> None:
    mv = build_view(kg)
    keys = sorted({k for lst in [*mv.nodes["evidence"], *mv.edges["evidence"]] for k in lst})
    assert len(keys) > 100
    assert evidence_table(kg, keys) == _reference_passages(kg, keys)
    assert mv.evidence == _reference_passages(kg, keys)
    assert list(mv.evidence) == sorted(mv.evidence)  # reproducible order


def test_node_evidence_gives_what_the_node_evidence_query_gives(kg: KnowledgeGraph) -> None:
    mv = build_view(kg)
    query = (ASSETS / "node_evidence.rq").read_text("utf-8")
    iris = [node_iri(k) for k in mv.nodes["id"]]
    df = select_frame(kg, with_values(query, "s", iris))
    ev: dict[str, set[str]] = {}
    src: dict[str, set[str]] = {}
    for s, e, source in zip(df["s"], df["ev"], df["source"], strict=True):
        if isinstance(e, str):
            ev.setdefault(node_key(s), set()).add(node_key(e))
        src.setdefault(node_key(s), set()).add(source)
    for key, got_ev, got_src in zip(
        mv.nodes["id"], mv.nodes["evidence"], mv.nodes["sources"], strict=True
    ):
        assert got_ev == sorted(ev.get(key, ())), key
        assert got_src == sorted(src.get(key, ())), key


def test_a_large_map_caps_the_evidence_it_carries(kg: KnowledgeGraph) -> None:
    full = build_view(kg, view="all")
    mv = build_view(kg, view="all", evidence=False)
    assert mv.evidence == {} and all(not e for e in mv.nodes["evidence"])
    attach_evidence(kg, mv, max_nodes=5, max_passages=10)
    assert len(mv.evidence) == 10
    assert set(mv.evidence) <= set(full.evidence)
    looked = ~mv.nodes["evidence_missing"]
    assert int(looked.sum()) == 5
    # the five largest nodes by degree are the ones looked up
    top = full.nodes.sort_values("measure", ascending=False, kind="stable")["id"].head(5)
    assert set(mv.nodes.loc[looked, "id"]) == set(top)
    others = mv.nodes.loc[~looked, "facts"]
    assert all(["Evidence", "not looked up for a map this large"] in f for f in others)
    assert any("evidence passages" in n for n in mv.notes)
    data = map_data(mv)
    by_id = {n["id"]: n for n in data["nodes"]}
    for key in mv.nodes.loc[~looked, "id"]:
        assert by_id[key]["ev"] == [""]  # no "no evidence recorded" hint in the tooltip
    lines = [
        f
        for f in mv.edges["facts"]
        if ["Evidence", "passage not embedded in a map this large"] in f
    ]
    assert lines


def test_figure_builds_without_evidence(kg: KnowledgeGraph, tmp_path: Path) -> None:
    mv = build_view(kg, view="supply", evidence=False)
    assert mv.evidence == {}
    assert write_figure(mv, tmp_path / "f.svg").exists()


def test_default_graph_map_needs_no_cap(kg: KnowledgeGraph) -> None:
    mv = build_view(kg)
    assert "evidence_missing" not in mv.nodes
    assert not any("evidence passages" in n for n in mv.notes)


# ------------------------------------------------------------------------------ figures


def test_many_lines_are_drawn_as_one_path_per_style(tmp_path: Path) -> None:
    n = MERGED_LINES_MIN + 500
    rng = np.random.default_rng(2)
    nodes = pd.DataFrame({"node": [f"f{i}" for i in range(n)], "cls": "Firm", "country": "MX"})
    u = np.arange(1, n)
    v = rng.integers(0, u)
    edges = pd.DataFrame(
        {"u": [f"f{i}" for i in u], "v": [f"f{i}" for i in v], "relation": "supplies"}
    )
    mv = build_view(Projection(nodes, edges, view="supply"), aggregate_limit=10 * n)
    assert len(mv.edges) > MERGED_LINES_MIN
    svg = write_figure(mv, tmp_path / "lines.svg").read_text("utf-8")
    # the lines: one path (all supply lines here have one style) of one move and one line
    # segment per edge; the other paths are markers, legend and frame
    paths = re.findall(r'<path d="([^"]*)"', svg)
    longest = max(paths, key=len)
    assert longest.count("M ") == len(mv.edges) and longest.count("L ") == len(mv.edges)


def test_notes_of_several_lines_do_not_overlap() -> None:
    mv = build_view(big_projection(6000, 6000), aggregate_limit=50)
    mv.notes.append("A second note.")
    fig = draw(mv)
    texts = [t for t in fig.texts if t.get_text().startswith(("Aggregated", "A second"))]
    assert len(texts) == 2
    first, second = sorted(texts, key=lambda t: -t.get_position()[1])
    lines = first.get_text().count("\n") + 1
    assert lines > 1
    height = fig.get_size_inches()[1]
    gap = (first.get_position()[1] - second.get_position()[1]) * height
    assert gap == pytest.approx(0.13 * lines)


def test_evidence_keys_held_in_arrays_reach_the_map() -> None:
    """A projection read back from its Parquet cache holds each edge's evidence keys in a
    numpy array, not a list: the map must still carry them."""
    proj = hand_projection()
    edges = proj.edges.drop(columns=["iu", "iv"]).copy()
    edges["evidence"] = [np.array([f"doc/x/ev/{i}/1"], dtype=object) for i in range(len(edges))]
    mv = build_view(Projection(proj.nodes, edges, view="all"))
    assert list(mv.edges["evidence"]) == [[f"doc/x/ev/{i}/1"] for i in range(len(edges))]
    data = map_data(mv)
    assert [e["ev"] for e in data["edges"]] == [[f"doc/x/ev/{i}/1"] for i in range(len(edges))]
