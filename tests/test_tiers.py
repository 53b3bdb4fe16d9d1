"""Supplier-tier depth on hand-built chains (cycles, several lead firms, disconnected parts,
asserted tiers that disagree), checked against networkx shortest paths on random graphs, and
on a case study ingested into a store."""

from __future__ import annotations

from pathlib import Path

import networkx as nx
import pandas as pd
import pytest

from gvcgraph.graph.project import project
from gvcgraph.graph.store import KnowledgeGraph
from gvcgraph.graph.tiers import (
    CONFLICT_COLUMNS,
    DEPTH_COLUMNS,
    TIER_COLUMNS,
    lead_firms,
    supplier_tiers,
    tier_conflicts,
    tier_depth,
)

SAMPLE = Path(__file__).parent / "data" / "sample-case.yaml"


def _tiers(
    g: nx.DiGraph, leads: list[str] | None = None, **kw: object
) -> dict[tuple[str, str], int]:
    t = supplier_tiers(g, leads, **kw)
    return {(r.lead_firm, r.supplier): r.tier for r in t.itertuples()}


def test_simple_chain() -> None:
    # t3 -> t2 -> t1 -> oem (supplier -> buyer): tiers 1, 2, 3; depth 3
    g = nx.DiGraph([("t3", "t2"), ("t2", "t1"), ("t1", "oem")])
    assert _tiers(g, ["oem"]) == {("oem", "t1"): 1, ("oem", "t2"): 2, ("oem", "t3"): 3}
    depth = tier_depth(supplier_tiers(g, ["oem"]))
    assert list(depth.columns) == DEPTH_COLUMNS
    assert depth.iloc[0].tolist() == ["oem", "oem", 3, 3]


def test_fewest_hops_wins() -> None:
    # t2 supplies t1 and also oem directly: its tier is 1, not 2; t3 (supplier of t2) is 2
    g = nx.DiGraph([("t2", "t1"), ("t1", "oem"), ("t2", "oem"), ("t3", "t2")])
    assert _tiers(g, ["oem"]) == {("oem", "t1"): 1, ("oem", "t2"): 1, ("oem", "t3"): 2}


def test_cycle_terminates_and_keeps_shortest() -> None:
    # a <-> b supply each other; b -> oem; c -> a. Tiers: b 1, a 2, c 3. The lead firm is in
    # a cycle too (oem -> a): oem is not its own supplier.
    g = nx.DiGraph([("a", "b"), ("b", "a"), ("b", "oem"), ("c", "a"), ("oem", "a")])
    assert _tiers(g, ["oem"]) == {("oem", "b"): 1, ("oem", "a"): 2, ("oem", "c"): 3}


def test_several_lead_firms_each_get_their_tiers() -> None:
    # s supplies vw directly (tier 1) and ford through d (tier 2); x supplies only vw.
    # vw also supplies ford: a lead firm in another lead firm's supply base.
    g = nx.DiGraph([("s", "vw"), ("s", "d"), ("d", "ford"), ("x", "vw"), ("vw", "ford")])
    got = _tiers(g, ["vw", "ford"])
    assert got == {
        ("vw", "s"): 1,
        ("vw", "x"): 1,
        ("ford", "d"): 1,
        ("ford", "vw"): 1,
        ("ford", "s"): 2,
        ("ford", "x"): 2,
    }
    depth = tier_depth(supplier_tiers(g, ["vw", "ford"]))
    assert depth.set_index("lead_firm")["max_tier"].to_dict() == {"ford": 2, "vw": 1}
    assert depth.set_index("lead_firm")["suppliers"].to_dict() == {"ford": 4, "vw": 2}


def test_disconnected_parts_and_default_leads() -> None:
    # two separate chains; the default lead firms are the buyers with no buyer (oem, shop)
    g = nx.DiGraph([("t1", "oem"), ("t2", "t1"), ("m", "shop")])
    g.add_node("lonely")
    assert lead_firms(g) == ["oem", "shop"]
    assert _tiers(g) == {("oem", "t1"): 1, ("oem", "t2"): 2, ("shop", "m"): 1}
    # a lead firm with no supplier is listed with depth 0 when asked for
    depth = tier_depth(supplier_tiers(g, ["oem", "lonely"]), ["oem", "lonely"])
    assert depth.set_index("lead_firm")["max_tier"].to_dict() == {"oem": 2, "lonely": 0}


def test_flagged_lead_firm_that_also_supplies() -> None:
    # tier1 supplies oem, oem sells to a distributor: oem is no "buyer with no buyer", but a
    # value chain names it lead firm (node attribute lead_firm)
    g = nx.DiGraph([("tier1", "oem"), ("oem", "dist")])
    g.nodes["oem"]["lead_firm"] = True
    assert lead_firms(g) == ["dist", "oem"]
    assert _tiers(g, ["oem"]) == {("oem", "tier1"): 1}


def test_max_tier() -> None:
    g = nx.DiGraph([("t3", "t2"), ("t2", "t1"), ("t1", "oem")])
    assert _tiers(g, ["oem"], max_tier=2) == {("oem", "t1"): 1, ("oem", "t2"): 2}


def test_as_of_drops_expired_relations() -> None:
    # the direct link t2 -> oem ended in 1999: in 2005 t2 is back at tier 2
    g = nx.MultiDiGraph()
    g.add_edge("t1", "oem", relation="supplies")
    g.add_edge("t2", "t1", relation="supplies", valid_from="1990-01-01")
    g.add_edge("t2", "oem", relation="supplies", valid_from="1990-01-01", valid_to="1999-12-31")
    assert _tiers(g, ["oem"], as_of="1995")[("oem", "t2")] == 1
    assert _tiers(g, ["oem"], as_of="2005-06-01")[("oem", "t2")] == 2
    # before 1990 t2 supplies no one
    assert ("oem", "t2") not in _tiers(g, ["oem"], as_of="1985")


def test_asserted_tiers_and_conflicts() -> None:
    # network: t1 -> oem, t2 -> t1, t3 -> oem; island: z -> y
    g = nx.DiGraph([("t1", "oem"), ("t2", "t1"), ("t3", "oem"), ("z", "y")])
    asserted = pd.DataFrame(
        {
            "participant": ["t1", "t2", "t3", "z", "oem"],
            "lead": ["oem"] * 5,
            "tier": [1, 1, 2, 1, 0],
            "fact": ["doc/a/p1", "doc/a/p2", "doc/b/p3", "doc/b/p4", "doc/a/p0"],
            "source": ["a", "a", "b", "b", "a"],
            "evidence": [["doc/a/ev/p1/1"], ["doc/a/ev/p2/1"], [], [], []],
        }
    )
    t = supplier_tiers(g, ["oem"], asserted=asserted)
    assert list(t.columns) == TIER_COLUMNS
    assert t.set_index("supplier")["asserted_tier"].to_dict() == {"t1": 1, "t3": 2, "t2": 1}
    c = tier_conflicts(g, asserted)
    assert list(c.columns) == CONFLICT_COLUMNS
    got = {r.supplier: (r.asserted_tier, r.network_tier, r.issue, r.fact) for r in c.itertuples()}
    # t1 (1 = 1) and the lead itself (0 = 0) agree and are not listed
    assert set(got) == {"t2", "t3", "z"}
    assert got["t2"][:3] == (1, 2, "deeper in the network")
    assert got["t3"][:3] == (2, 1, "shallower in the network")
    assert got["z"][1] is pd.NA and got["z"][2] == "no supply path"
    assert got["t2"][3] == "doc/a/p2"


@pytest.mark.parametrize("seed", [1, 2, 3, 4])
def test_equals_networkx_shortest_paths_on_random_graphs(seed: int) -> None:
    g = nx.gnp_random_graph(80, 0.04, seed=seed, directed=True)
    g = nx.relabel_nodes(g, {i: f"n{i:02d}" for i in g})
    leads = ["n00", "n01", "n02", "n10"]
    got = _tiers(g, leads)
    ref = {}
    rev = g.reverse()
    for lead in leads:
        for node, d in nx.single_source_shortest_path_length(rev, lead).items():
            if node != lead:
                ref[(lead, node)] = d
    assert got == ref


def test_on_ingested_case_study(tmp_path: Path) -> None:
    # sample case: harness-b supplies oem-a (tier 1, asserted 1), wire-d supplies harness-b
    # (tier 2, asserted 2): no conflicts. The supply link s1 starts in 1995.
    kg = KnowledgeGraph()
    kg.ingest([SAMPLE], shacl=False)
    proj = project(kg, "supply")
    t = supplier_tiers(proj)
    assert t[["lead_firm", "supplier", "tier", "asserted_tier"]].values.tolist() == [
        ["oem-a", "harness-b", 1, 1],
        ["oem-a", "wire-d", 2, 2],
    ]
    assert t["lead_label"].unique().tolist() == ["OEM A"]
    assert tier_conflicts(proj).empty
    # as of 1990 harness-b does not yet supply oem-a: the asserted tiers have no supply path
    old = project(kg, "supply", as_of="1990")
    c = tier_conflicts(old)
    assert set(c["supplier"]) == {"harness-b", "wire-d"}
    assert set(c["issue"]) == {"no supply path"}
    assert c["evidence"].map(len).tolist() == [1, 1]
