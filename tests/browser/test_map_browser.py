"""The map in a real browser (headless Chromium): it loads from file:// with no console error
and no network request, draws as many nodes and edges as the view has, shows a node's facts
and evidence on click, shows a label made of markup as text without running it, and stays
usable above the size limits. A screenshot is kept in test-artifacts/map.png."""

from __future__ import annotations

import json
import random
from pathlib import Path

import networkx as nx
import pytest

from gvcgraph.graph.project import project
from gvcgraph.graph.store import KnowledgeGraph
from gvcgraph.render import build_view, write_map
from tests.browser.cdp import Page
from tests.test_render_html import XSS_LABEL, XSS_QUOTE, xss_case

READY = "window.gvcMap && window.gvcMap.ready"


@pytest.fixture(scope="module")
def xss_kg(tmp_path_factory: pytest.TempPathFactory) -> KnowledgeGraph:
    kg = KnowledgeGraph()
    kg.ingest([xss_case(tmp_path_factory.mktemp("case"))])
    return kg


@pytest.fixture(scope="module")
def xss_map(xss_kg: KnowledgeGraph, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_map(build_view(xss_kg), tmp_path_factory.mktemp("map") / "map.html")


def open_map(page: Page, path: Path) -> None:
    page.goto(path.resolve().as_uri())
    page.wait_for(READY, timeout=60)


def assert_clean(page: Page) -> None:
    assert page.errors == [], page.errors
    assert page.remote_requests() == [], page.remote_requests()
    assert page.dialogs == [], page.dialogs


def node_point(page: Page, node: str) -> tuple[float, float]:
    """Page coordinates of a node's centre."""
    x, y = page.eval(f"""(() => {{
        const net = gvcMap.network;
        const p = net.canvasToDOM(net.getPosition({json.dumps(node)}));
        const r = document.getElementById("map").getBoundingClientRect();
        return [r.left + p.x, r.top + p.y];
    }})()""")
    return float(x), float(y)


def test_map_loads_offline_and_draws_the_whole_view(
    page: Page, xss_kg: KnowledgeGraph, xss_map: Path, artifacts: Path
) -> None:
    open_map(page, xss_map)
    assert_clean(page)
    assert page.requests == [xss_map.resolve().as_uri()]  # the page itself, nothing else
    proj = project(xss_kg, "all")
    drawn = page.eval("gvcMap.drawn()")
    assert drawn == {"nodes": proj.n, "edges": len(proj.edges)}
    # the legend lists every class on the map with its count
    classes = page.eval(
        "Array.from(document.querySelectorAll('#legend-classes li')).map(li => li.textContent)"
    )
    assert any(c.startswith("Firm, plant or corporate group") for c in classes)
    page.screenshot(artifacts / "map.png")


def test_click_on_a_node_shows_its_facts_and_evidence(page: Page, xss_map: Path) -> None:
    open_map(page, xss_map)
    x, y = node_point(page, "harness-b")
    page.click(x, y)
    page.wait_for("document.getElementById('tip').getAttribute('data-for') === 'node:harness-b'")
    tip = page.eval("document.getElementById('tip').textContent")
    assert "Harness maker B" in tip
    assert "Mexico (MX)" in tip and "Domestic private" in tip
    assert page.eval("!document.getElementById('tip').hidden")
    # a click on the middle of the captive supply line shows the relation and its evidence
    (ax, ay), (bx, by) = node_point(page, "harness-b"), node_point(page, "oem-a")
    page.click((ax + bx) / 2, (ay + by) / 2)
    page.wait_for(
        "(document.getElementById('tip').getAttribute('data-for') || '').startsWith('edge:')"
    )
    tip = page.eval("document.getElementById('tip').textContent")
    assert "supplies" in tip and "Captive (GHS 2005)" in tip
    assert "B sells 80% to A" in tip
    assert "sample-harness.txt, line 20" in tip
    # a click on an empty spot closes it
    page.click(5 + page.eval("document.getElementById('map').getBoundingClientRect().left"), 890)
    page.wait_for("document.getElementById('tip').hidden")
    assert_clean(page)


def test_markup_in_labels_and_quotes_is_shown_as_text(
    page: Page, xss_map: Path, artifacts: Path
) -> None:
    open_map(page, xss_map)
    x, y = node_point(page, "oem-a")
    page.click(x, y)
    page.wait_for("document.getElementById('tip').getAttribute('data-for') === 'node:oem-a'")
    heading = page.eval("document.querySelector('#tip h3').textContent")
    assert heading == XSS_LABEL
    quotes = page.eval("Array.from(document.querySelectorAll('#tip q')).map(q => q.textContent)")
    assert XSS_QUOTE in quotes
    # nothing was parsed as markup, nothing ran
    assert page.eval("document.querySelectorAll('img').length") == 0
    assert page.eval("document.querySelectorAll('script').length") == 3
    assert page.eval("typeof window.alert") == "function"
    page.screenshot(artifacts / "map-tooltip.png")
    assert_clean(page)


def test_search_and_filters(page: Page, xss_map: Path) -> None:
    open_map(page, xss_map)
    found = page.eval("gvcMap.search('harness')")
    assert "harness-b" in found and "chain-mx-harness" in found
    assert page.eval("document.getElementById('search-result').textContent").endswith("matches")
    before = page.eval("gvcMap.drawn()")
    policies = page.eval("gvcMap.data.nodes.filter(n => n.cls === 'policy').length")
    page.eval("document.querySelector('input[data-group=cls][data-key=policy]').click()")
    after = page.eval("gvcMap.drawn()")
    assert after["nodes"] == before["nodes"] - policies
    assert after["edges"] < before["edges"]
    page.eval("document.getElementById('show-all').click()")
    assert page.eval("gvcMap.drawn()") == before
    # colour by country recolours nodes
    page.eval(
        "(() => { const s = document.getElementById('color-by'); s.value = 'country';"
        " s.dispatchEvent(new Event('change')); })()"
    )
    color = page.eval("gvcMap.nodes.get('harness-b').color.background")
    assert color == page.eval("gvcMap.data.nodes.find(n => n.id === 'harness-b').k")
    assert_clean(page)


def test_tier_map(page: Page, xss_kg: KnowledgeGraph, tmp_path: Path, artifacts: Path) -> None:
    path = write_map(build_view(xss_kg, view="supply", layout="tiers"), tmp_path / "t.html")
    open_map(page, path)
    ys = page.eval(
        "(() => { const p = gvcMap.network.getPositions(); return "
        "[p['oem-a'].y, p['harness-b'].y, p['wire-d'].y]; })()"
    )
    assert ys[0] < ys[1] < ys[2]
    page.screenshot(artifacts / "map-tiers.png")
    assert_clean(page)


def synthetic(n: int, seed: int = 5) -> nx.MultiDiGraph:
    rng = random.Random(seed)
    g = nx.MultiDiGraph()
    for i in range(n):
        g.add_node(
            f"n{i}",
            label=f"Firm {i}",
            cls="Firm",
            country=rng.choice(["MX", "US", "BR", "CN", "DE"]),
        )
    for i in range(1, n):
        g.add_edge(
            f"n{i}",
            f"n{rng.randrange(i)}",
            relation="supplies",
            governance=rng.choice(["captive", "market", None]),
        )
    return g


def test_large_maps_stay_usable(page: Page, tmp_path: Path) -> None:
    big = build_view(synthetic(1600))
    assert not big.physics
    path = write_map(big, tmp_path / "big.html")
    open_map(page, path)
    assert page.eval("gvcMap.drawn()") == {"nodes": 1600, "edges": 1599}
    assert page.eval("gvcMap.network.physics.physicsEnabled") is False
    assert "computed beforehand" in page.eval("document.getElementById('notes').textContent")
    huge = build_view(synthetic(5200))
    assert huge.aggregated
    path = write_map(huge, tmp_path / "huge.html")
    open_map(page, path)
    assert page.eval("gvcMap.drawn()") == {"nodes": len(huge.nodes), "edges": len(huge.edges)}
    assert "Aggregated map" in page.eval("document.getElementById('notes').textContent")
    assert_clean(page)


def test_default_graph_map(page: Page, tmp_path: Path, artifacts: Path) -> None:
    kg = KnowledgeGraph.default()
    path = write_map(build_view(kg), tmp_path / "default.html")
    open_map(page, path)
    proj = project(kg, "all")
    assert page.eval("gvcMap.drawn()") == {"nodes": proj.n, "edges": len(proj.edges)}
    page.screenshot(artifacts / "map-default.png")
    assert_clean(page)
