"""Centrality measures: checked against networkx's own results on random graphs, and on a
small supply chain worked out by hand."""

from __future__ import annotations

import networkx as nx
import numpy as np
import pytest

from gvcgraph.graph.centrality import (
    MEASURES,
    betweenness,
    centrality,
    closeness,
    degree,
    eigenvector,
    pagerank,
)
from gvcgraph.graph.project import as_projection


def _random_digraph(n: int, p: float, seed: int) -> nx.DiGraph:
    g = nx.gnp_random_graph(n, p, seed=seed, directed=True)
    return nx.relabel_nodes(g, {i: f"n{i:03d}" for i in g})


def _as_array(g: nx.DiGraph, values: dict[str, float]) -> np.ndarray:
    return np.array([values[v] for v in g])


GRAPHS = [(40, 0.05, 1), (60, 0.04, 2), (80, 0.08, 3), (120, 0.02, 4), (30, 0.2, 5)]


@pytest.mark.parametrize(("n", "p", "seed"), GRAPHS)
def test_measures_equal_networkx_on_random_graphs(n: int, p: float, seed: int) -> None:
    g = _random_digraph(n, p, seed)
    adj = as_projection(g).adjacency()
    in_deg, out_deg = degree(adj)
    assert in_deg.tolist() == [d for _, d in g.in_degree()]
    assert out_deg.tolist() == [d for _, d in g.out_degree()]
    np.testing.assert_allclose(
        betweenness(adj), _as_array(g, nx.betweenness_centrality(g)), atol=1e-12
    )
    np.testing.assert_allclose(closeness(adj), _as_array(g, nx.closeness_centrality(g)), atol=1e-12)
    np.testing.assert_allclose(pagerank(adj), _as_array(g, nx.pagerank(g)), atol=1e-12)


@pytest.mark.parametrize(("n", "p", "seed"), GRAPHS)
@pytest.mark.parametrize("k", [1, 5, 17])
def test_sampled_betweenness_equals_networkx_with_same_seed(
    n: int, p: float, seed: int, k: int
) -> None:
    # networkx draws random.Random(seed).sample(list(G), k); with the same node order the
    # same sources are drawn, so the estimates are identical (including the rescaling of
    # sampled sources versus other nodes, and NaN for sources when k = 1).
    g = _random_digraph(n, p, seed)
    mine = betweenness(as_projection(g).adjacency(), k=k, seed=seed + 10)
    ref = _as_array(g, nx.betweenness_centrality(g, k=k, seed=seed + 10))
    np.testing.assert_allclose(mine, ref, atol=1e-12)


@pytest.mark.parametrize("seed", [11, 12, 13])
def test_eigenvector_equals_networkx_on_strongly_connected_graphs(seed: int) -> None:
    g = _random_digraph(50, 0.15, seed)
    g = g.subgraph(max(nx.strongly_connected_components(g), key=len)).copy()
    ref = nx.eigenvector_centrality(g)
    np.testing.assert_allclose(
        eigenvector(as_projection(g).adjacency()), _as_array(g, ref), atol=1e-9
    )


def test_multigraph_parallel_facts_count_once() -> None:
    # two sources state the same supply relation: one edge in the simple graph
    g = nx.MultiDiGraph()
    g.add_edge("s", "b", relation="supplies", fact="doc/x/1")
    g.add_edge("s", "b", relation="supplies", fact="doc/y/7")
    g.add_edge("t", "b", relation="supplies", fact="doc/x/2")
    t = centrality(g, ["in_degree", "out_degree"], view="supply")
    values = {(r.node, r.measure): r.value for r in t.itertuples()}
    assert values[("b", "in_degree")] == 2
    assert values[("s", "out_degree")] == 1


def test_supply_chain_by_hand() -> None:
    # t2 -> t1 -> oem and t3 -> t1 (supplier -> buyer), four nodes.
    # Betweenness of t1: it lies on the only shortest paths t2->oem and t3->oem, 2 of the
    # (n-1)(n-2) = 6 ordered pairs of other nodes -> 2/6 = 1/3; every other node 0.
    # Closeness of oem (incoming): reached by t1 at 1, t2 and t3 at 2: r-1 = 3, sum = 5,
    # (3/5) * (3/3) = 0.6. Closeness of t1: reached by t2, t3 at 1: (2/2) * (2/3) = 2/3.
    g = nx.DiGraph([("t2", "t1"), ("t3", "t1"), ("t1", "oem")])
    with pytest.warns(RuntimeWarning):  # no cycle: eigenvector centrality is NaN
        t = centrality(g, view="supply")
    v = {(r.node, r.measure): r.value for r in t.itertuples()}
    assert v[("t1", "betweenness")] == pytest.approx(1 / 3)
    assert v[("oem", "betweenness")] == 0
    assert v[("oem", "closeness")] == pytest.approx(0.6)
    assert v[("t1", "closeness")] == pytest.approx(2 / 3)
    assert v[("oem", "in_degree")] == 1 and v[("t1", "in_degree")] == 2
    assert set(t["measure"]) == set(MEASURES)


def test_output_columns_top_and_order() -> None:
    g = _random_digraph(30, 0.1, 7)
    t = centrality(g, ["pagerank", "in_degree"], view="all", top=5)
    assert list(t.columns) == ["node", "label", "view", "measure", "value"]
    # measures in MEASURES order, each with its five highest values, decreasing
    assert t["measure"].tolist() == ["in_degree"] * 5 + ["pagerank"] * 5
    for _, part in t.groupby("measure"):
        assert part["value"].is_monotonic_decreasing
    ref = nx.pagerank(g)
    best = sorted(ref.values(), reverse=True)[:5]
    np.testing.assert_allclose(t[t["measure"] == "pagerank"]["value"], best, atol=1e-12)


def test_view_relations_select_edges() -> None:
    # on a mixed graph the supply view ignores ownership edges
    g = nx.MultiDiGraph()
    g.add_edge("s", "b", relation="supplies")
    g.add_edge("h", "s", relation="owns", share_min=60.0, share_max=60.0)
    p = as_projection(g)
    t = centrality(p, ["in_degree"], view="supply")
    assert dict(zip(t["node"], t["value"], strict=True)) == {"b": 1, "h": 0, "s": 0}
    t = centrality(p, ["in_degree"], view="ownership")
    assert dict(zip(t["node"], t["value"], strict=True)) == {"s": 1, "b": 0, "h": 0}


def test_sampled_closeness_is_exact_with_all_pivots_and_close_with_many() -> None:
    g = _random_digraph(200, 0.03, 21)
    adj = as_projection(g).adjacency()
    exact = _as_array(g, nx.closeness_centrality(g))
    np.testing.assert_allclose(closeness(adj, k=200), exact, atol=1e-12)
    est = closeness(adj, k=150, seed=3)
    assert np.corrcoef(est, exact)[0, 1] > 0.9


def test_eigenvector_on_acyclic_view_warns_and_gives_nan() -> None:
    g = nx.DiGraph([("a", "b"), ("b", "c")])
    with pytest.warns(RuntimeWarning, match="did not converge"):
        t = centrality(g, ["eigenvector"], view="supply")
    assert t["value"].isna().all()
