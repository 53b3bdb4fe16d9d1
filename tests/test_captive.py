"""Captive links and chains: one hand-built case for each of the five governance types of
Gereffi, Humphrey & Sturgeon (2005), hand-computed scores, chains up to lead firms with their
reasons, asserted against inferred governance, and the embedded graph's captive and
quasi-hierarchical chains.

Scores use the module constants: weights dependence 0.35 (buyer count 0.15), size 0.15,
design 0.20, determinants 0.10, asserted 0.20; dependence 0 at <= 10%, 1 at >= 75%."""

from __future__ import annotations

from pathlib import Path

import networkx as nx
import pandas as pd
import pytest

from gvcgraph.graph.captive import (
    CAPTIVE_COLUMNS,
    assess_links,
    captive_chains,
    compare_governance,
)
from gvcgraph.graph.project import Projection, as_projection, project
from gvcgraph.graph.store import KnowledgeGraph

SAMPLE = Path(__file__).parent / "data" / "sample-case.yaml"


def _g(sizes: dict[str, str]) -> nx.MultiDiGraph:
    g = nx.MultiDiGraph()
    for node, size in sizes.items():
        g.add_node(node, size_class=size)
    return g


def _supply(g: nx.MultiDiGraph, supplier: str, buyer: str, **attrs: object) -> None:
    g.add_edge(supplier, buyer, relation="supplies", **attrs)


def _by_supplier(df: pd.DataFrame) -> dict[str, dict]:
    return {r["supplier"]: r for r in df.to_dict("records")}


@pytest.fixture
def five_types() -> nx.MultiDiGraph:
    g = _g(
        {
            "oem": "large",
            "cap": "micro",
            "parent": "large",
            "sub": "small",
            "mkt": "medium",
            "b1": "medium",
            "b2": "medium",
            "b3": "medium",
            "b4": "medium",
            "mod": "large",
            "oem2": "large",
            "rel": "medium",
            "oem3": "large",
        }
    )
    # captive: micro supplier sells 90% to a large buyer that sets the design.
    #   dependence (90-10)/65 -> 1; size (3-0)/3 = 1; design 1 -> score 1.0
    _supply(g, "cap", "oem", supplier_dependence=90, buyer_controls_design=True)
    # hierarchy: the same profile, but the buyer owns 100% of the supplier
    _supply(g, "sub", "parent", supplier_dependence=100, buyer_controls_design=True)
    g.add_edge("parent", "sub", relation="owns", share_min=100, share_max=100)
    # market: 5% of sales to each of four equal-sized buyers, no design control
    #   dependence 0, size 0, design 0 -> score 0 -> market
    for b in ("b1", "b2", "b3", "b4"):
        _supply(g, "mkt", b, supplier_dependence=5, buyer_controls_design=False)
    # modular: complex, codifiable, capable supplier (GHS: high, high, high); 30% dependence
    #   score = 0.35*(20/65) / (0.35+0.15+0.10) = 0.1795 (low, but the determinants decide)
    _supply(
        g,
        "mod",
        "oem2",
        supplier_dependence=30,
        complexity="high",
        codifiability="high",
        capability="high",
    )
    # relational: complex, hard to codify, capable (high, low, high); only buyer in the graph
    #   score = (0.15*1 + 0.15*(1/3)) / (0.15+0.15+0.10) = 0.5 -> not captive -> relational
    _supply(g, "rel", "oem3", complexity="high", codifiability="low", capability="high")
    return g


def test_five_governance_types(five_types: nx.MultiDiGraph) -> None:
    a = _by_supplier(assess_links(five_types))
    assert a["cap"]["inferred_governance"] == "captive"
    assert a["cap"]["score"] == pytest.approx(1.0)
    assert a["sub"]["inferred_governance"] == "hierarchy"
    assert a["sub"]["common_controller"] == "parent"
    # captive profile, but common ownership; size (3-1)/3: (0.35 + 0.1 + 0.2) / 0.7
    assert a["sub"]["score"] == pytest.approx(0.928571, abs=1e-6)
    assert {a["mkt"]["inferred_governance"]} == {"market"}
    assert a["mkt"]["score"] == pytest.approx(0.0)
    assert a["mod"]["inferred_governance"] == "modular"
    assert a["mod"]["score"] == pytest.approx(0.35 * 20 / 65 / 0.6, abs=1e-6)
    assert a["rel"]["inferred_governance"] == "relational"
    assert a["rel"]["score"] == pytest.approx(0.5)
    # GHS captive determinants (high, high, low) alone also give captive
    g = _g({"x": "small", "y": "small"})
    _supply(g, "x", "y", complexity="high", codifiability="high", capability="low")
    assert assess_links(g)["inferred_governance"].tolist() == ["captive"]


def test_hand_computed_scores_and_thresholds() -> None:
    g = _g({"s": "small", "b": "medium"})
    # 50% to the buyer, small supplier, medium buyer:
    #   dependence (50-10)/65 = 0.615385, size (2-1)/3 = 0.333333
    #   score = (0.35*0.615385 + 0.15*0.333333) / 0.50 = 0.530769 -> neither captive (< 0.6)
    #   nor market (>= 0.25): undetermined
    _supply(g, "s", "b", supplier_dependence=50)
    a = assess_links(g).iloc[0]
    assert a["score"] == pytest.approx(0.530769, abs=1e-6)
    assert a["inferred_governance"] is None and not a["captive"]
    # the buyer also sets the design: (0.215385 + 0.05 + 0.20) / 0.70 = 0.664835 -> captive
    g.edges["s", "b", 0]["buyer_controls_design"] = True
    a = assess_links(g).iloc[0]
    assert a["score"] == pytest.approx(0.664835, abs=1e-6)
    assert a["inferred_governance"] == "captive"


def test_buyer_count_alone_is_not_enough() -> None:
    # micro supplier whose only recorded buyer is large: score (0.15*1 + 0.15*1)/0.30 = 1.0,
    # but the evidence weight 0.30 is below 0.35: undetermined
    g = _g({"s": "micro", "b": "large"})
    _supply(g, "s", "b")
    a = assess_links(g).iloc[0]
    assert a["score"] == 1.0 and a["evidence_weight"] == pytest.approx(0.30)
    assert a["inferred_governance"] is None
    # exclusive supply is a stated dependence of 100%: (0.35 + 0.15) / 0.5 = 1 -> captive
    g.edges["s", "b", 0]["exclusive"] = True
    a = assess_links(g).iloc[0]
    assert a["dependence_basis"] == "exclusive" and a["inferred_governance"] == "captive"
    # two buyers, nothing stated: estimated dependence 50% -> (50-10)/65 = 0.615385
    g2 = _g({})
    _supply(g2, "s", "b1")
    _supply(g2, "s", "b2")
    assert assess_links(g2)["dependence"].round(6).tolist() == [0.615385, 0.615385]


def test_asserted_against_inferred() -> None:
    g = _g({"a": "micro", "b": "large", "c": "micro", "d": "large", "e": "large", "f": "large"})
    _supply(
        g, "a", "b", supplier_dependence=90, buyer_controls_design=True, governance="relational"
    )
    _supply(
        g,
        "c",
        "d",
        supplier_dependence=90,
        buyer_controls_design=True,
        governance_hs="quasi-hierarchy",
    )
    _supply(
        g,
        "e",
        "f",
        complexity="high",
        codifiability="high",
        capability="high",
        supplier_dependence=20,
        governance_hs="network",
    )
    a = _by_supplier(assess_links(g))
    # a -> b: asserted relational (asserted component 0): (0.35 + 0.15 + 0.2 + 0) / 0.9 = 0.7778
    assert a["a"]["score"] == pytest.approx(0.7 / 0.9, abs=1e-6)
    assert a["a"]["inferred_governance"] == "captive" and a["a"]["agrees"] is False
    assert a["c"]["agrees"] is True  # quasi-hierarchy = captive
    assert a["e"]["inferred_governance"] == "modular" and a["e"]["agrees"] is True
    cmp = compare_governance(assess_links(g))
    assert cmp.set_index("asserted_governance")["agree"].to_dict() == {
        "relational": False,
        "quasi-hierarchy": True,
        "network": True,
    }


def test_inherited_governance_from_chain_and_cluster() -> None:
    # no source characterises the links themselves: s1's link is in a chain assessed
    # quasi-hierarchical; s2 is a member of a cluster scored market 3, quasi-hierarchy 1 and
    # network 0 (absent): the highest score wins -> market.
    nodes = pd.DataFrame(
        {
            "node": ["s1", "s2", "b", "chain-x", "cl"],
            "size_class": [None, None, "large", None, None],
        }
    )
    edges = pd.DataFrame(
        {
            "u": ["s1", "s2", "s2"],
            "v": ["b", "b", "cl"],
            "relation": ["supplies", "supplies", "member-of"],
            "chain": ["chain-x", None, None],
            "exclusive": [True, True, None],
        }
    )
    gov = pd.DataFrame(
        {
            "subject": ["chain-x", "cl", "cl", "cl"],
            "governance": [None] * 4,
            "governance_hs": ["quasi-hierarchy", "market", "quasi-hierarchy", "network"],
            "scope": ["global", "global", "domestic", "absent"],
            "score": [None, 3, 1, 0],
            "lead": [None] * 4,
        }
    )
    proj = Projection(nodes, edges, tables={"governance_assessments": gov})
    a = _by_supplier(assess_links(proj))
    assert a["s1"]["asserted_governance"] == "quasi-hierarchy (chain chain-x)"
    assert a["s1"]["asserted"] == 1.0
    assert a["s2"]["asserted_governance"] == "market (supplier in cl)"
    assert a["s2"]["asserted"] == 0.0


@pytest.fixture
def chain_graph() -> nx.MultiDiGraph:
    g = _g(
        {"oem": "large", "t1": "small", "t2": "micro", "t3": "micro", "x": "micro", "y": "small"}
    )
    _supply(
        g,
        "t1",
        "oem",
        supplier_dependence=80,
        buyer_controls_design=True,
        fact="doc/a/s1",
        evidence=["doc/a/ev/s1/1"],
        source="a",
    )
    _supply(
        g,
        "t2",
        "t1",
        supplier_dependence=90,
        buyer_controls_design=True,
        fact="doc/a/s2",
        evidence=["doc/a/ev/s2/1"],
        source="a",
    )
    _supply(
        g, "t2", "t1", governance="captive", fact="doc/b/s9", evidence=["doc/b/ev/s9/1"], source="b"
    )
    _supply(g, "t3", "t2", supplier_dependence=5, buyer_controls_design=False)  # market
    _supply(g, "x", "y", supplier_dependence=90, buyer_controls_design=True)  # captive ...
    _supply(g, "y", "oem", supplier_dependence=5, buyer_controls_design=False)  # ... but cut
    return g


def test_captive_chains_up_to_lead_firm(chain_graph: nx.MultiDiGraph) -> None:
    c = captive_chains(chain_graph)
    assert list(c.columns) == CAPTIVE_COLUMNS
    # oem <- t1 <- t2 is a chain of captive links; t3's link is market; x -> y is captive but
    # y's link to the lead firm is not, so it is on no captive chain
    assert c[["supplier", "buyer", "lead_firm", "chain_tier", "chain"]].values.tolist() == [
        ["t1", "oem", "oem", 1, "t1>oem"],
        ["t2", "t1", "oem", 2, "t2>t1>oem"],
    ]
    r = _by_supplier(c)
    # t1 -> oem: dependence 1, size (3-1)/3 = 0.6667, design 1:
    #   (0.35 + 0.1 + 0.2) / 0.7 = 0.928571
    assert r["t1"]["score"] == pytest.approx(0.928571, abs=1e-6)
    # t2 -> t1, two facts combined: 90%, design, asserted captive; size (1-0)/3:
    #   (0.35 + 0.05 + 0.2 + 0.2) / 0.9 = 0.888889
    assert r["t2"]["score"] == pytest.approx(0.888889, abs=1e-6)
    assert r["t2"]["asserted_governance"] == "captive"
    why = r["t2"]["reasons"]
    for part in (
        "supplier sells 90% of its output to the buyer",
        "small buyer, micro supplier",
        "buyer sets design or specifications",
        "asserted governance: captive",
        "facts: doc/a/s2, doc/b/s9",
        "evidence: doc/a/ev/s2/1, doc/b/ev/s9/1",
        "sources: a, b",
    ):
        assert part in why
    assert r["t2"]["facts"] == "doc/a/s2;doc/b/s9"
    # every link, with chain columns only on chains
    every = captive_chains(chain_graph, all_links=True)
    assert len(every) == 5
    assert pd.isna(every.set_index("supplier").loc["x", "lead_firm"])


def test_hierarchy_cuts_a_captive_chain() -> None:
    # oem owns 100% of t1: t1 -> oem is hierarchy, so t2's captive link to t1 reaches no lead
    # firm through captive links; with t1 as the lead firm it is a chain of one link
    g = _g({"oem": "large", "t1": "medium", "t2": "micro"})
    _supply(g, "t1", "oem", supplier_dependence=100, buyer_controls_design=True)
    _supply(g, "t2", "t1", supplier_dependence=100, buyer_controls_design=True)
    g.add_edge("oem", "t1", relation="owns", share_min=100, share_max=100)
    assert captive_chains(g).empty
    c = captive_chains(g, ["t1"])
    assert c[["supplier", "lead_firm", "chain_tier"]].values.tolist() == [["t2", "t1", 1]]


def test_on_ingested_case_study() -> None:
    # sample case: harness-b (small, MX) sells 80% to oem-a (large), which controls design;
    # the source calls it captive: (0.35 + 0.15*2/3 + 0.2 + 0.2) / 0.9 = 0.944444.
    # group-c controls harness-b, oem-a does not: not hierarchy. wire-d -> harness-b has no
    # stated fact (buyer count and size only): undetermined, so the chain stops at harness-b.
    kg = KnowledgeGraph()
    kg.ingest([SAMPLE], shacl=False)
    c = captive_chains(project(kg, "all"))
    assert c[["buyer", "supplier", "lead_firm", "chain_tier"]].values.tolist() == [
        ["oem-a", "harness-b", "oem-a", 1]
    ]
    row = c.iloc[0]
    assert row["score"] == pytest.approx(0.944444, abs=1e-6)
    assert "facts: doc/sample-harness/s1" in row["reasons"]
    assert "sources: sample-harness" in row["reasons"]


# ---------------------------------------------------------------------------------- seeds


@pytest.fixture(scope="module")
def embedded() -> tuple[Projection, pd.DataFrame, pd.DataFrame]:
    kg = KnowledgeGraph.default()
    proj = project(kg, "all")
    return proj, assess_links(proj), captive_chains(proj)


def _need(proj: Projection, *keys: str) -> None:
    missing = [k for k in keys if k not in set(proj.nodes["node"])]
    if missing:
        pytest.skip(f"not coded in the embedded graph: {missing}")


def test_seed_vw_puebla_global_suppliers_captive(embedded: tuple) -> None:
    # Altenburg & Meyer-Stamer (1999): "All Mexican models are fully designed at German
    # headquarters"; the Puebla cluster is coded quasi-hierarchical (Humphrey & Schmitz), the
    # captive type of GHS. The global suppliers' link is a captive chain up to the plant.
    proj, _, chains = embedded
    _need(proj, "volkswagen-puebla", "vw-puebla-global-suppliers")
    row = chains[
        (chains["buyer"] == "volkswagen-puebla")
        & (chains["supplier"] == "vw-puebla-global-suppliers")
    ]
    assert len(row) == 1
    row = row.iloc[0]
    assert row["inferred_governance"] == "captive" and row["lead_firm"] == "volkswagen-puebla"
    assert "buyer sets design or specifications" in row["reasons"]
    assert "quasi-hierarchy" in row["asserted_governance"]
    assert "altenburg-meyer-stamer1999" in row["reasons"]


def test_seed_intel_costa_rica_suppliers_quasi_hierarchical(embedded: tuple) -> None:
    # The Costa Rica cluster "revolving around Intel" is coded quasi-hierarchical: Intel's
    # input suppliers form captive chains of one link up to the Intel plant.
    proj, _, chains = embedded
    _need(proj, "intel-costa-rica")
    intel = chains[chains["lead_firm"] == "intel-costa-rica"]
    assert {"hewlett-packard", "photocircuits", "emc-technology"} <= set(intel["supplier"])
    assert (intel["chain_tier"] == 1).all()


def test_seed_asserted_captive_links_are_never_inferred_otherwise(embedded: tuple) -> None:
    # No link that a seed calls captive or quasi-hierarchical (directly or through its chain
    # or cluster) is inferred to be market, modular, relational or hierarchy.
    _, links, chains = embedded
    said = links[links["asserted"] == 1.0]
    assert len(said) > 0
    assert set(said["inferred_governance"].dropna()) <= {"captive"}
    # every captive link on a chain is captive, with a lead firm and its path
    assert (chains["inferred_governance"] == "captive").all()
    assert chains["chain"].notna().all()


def test_as_projection_keeps_projection(chain_graph: nx.MultiDiGraph) -> None:
    p = as_projection(chain_graph)
    assert as_projection(p) is p
