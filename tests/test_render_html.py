"""The interactive map: self-contained HTML, escaped data, the view's nodes and edges, styles
from the one palette, size limits (precomputed layout, aggregation), focus, tiers, CLI.

Expected counts are worked out by hand from tests/data/sample-case.yaml: its supply view has
3 firms (OEM A, harness maker B, wire supplier D) and 2 relations; in the view of all
relations there are 2 supply, 1 ownership, 1 control, 1 supports link and 5 policy relations
(benefits, and the in-bond programme's administers, targets-sector, applies-in-zone and
targets-firm-category). The map must draw exactly the nodes and edges of the projection.
"""

from __future__ import annotations

import base64
import hashlib
import json
import random
import re
from html.parser import HTMLParser
from pathlib import Path

import networkx as nx
import pandas as pd
import pytest
from click.testing import CliRunner

from gvcgraph.cli.render import figure_cmd, map_cmd
from gvcgraph.graph.project import project
from gvcgraph.graph.store import KnowledgeGraph
from gvcgraph.render import style
from gvcgraph.render.html import json_for_html, map_data, map_html, write_map
from gvcgraph.render.view import ViewError, build_view, parallel_roundness
from tests.conftest import SAMPLE_YAML

XSS_LABEL = "<img src=x onerror=alert(1)>"
XSS_QUOTE = "</script><script>alert(2)</script>"
ASSETS = Path(__file__).resolve().parents[1] / "gvcgraph" / "render" / "assets"


def xss_case(folder: Path) -> Path:
    """The sample case with OEM A's label and evidence quote replaced by markup."""
    text = SAMPLE_YAML.read_text("utf-8")
    text = text.replace("label: OEM A,", f'label: "{XSS_LABEL}",')
    text = text.replace('quote: "OEM A"', f'quote: "{XSS_QUOTE}"')
    path = folder / "xss-case.yaml"
    path.write_text(text, "utf-8")
    return path


@pytest.fixture(scope="module")
def sample_kg() -> KnowledgeGraph:
    kg = KnowledgeGraph()
    kg.ingest([SAMPLE_YAML])
    return kg


@pytest.fixture(scope="module")
def xss_kg(tmp_path_factory: pytest.TempPathFactory) -> KnowledgeGraph:
    kg = KnowledgeGraph()
    kg.ingest([xss_case(tmp_path_factory.mktemp("xss"))])
    return kg


class _Elements(HTMLParser):
    """Every start tag with its attributes, and the text of each script element."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.scripts: list[tuple[dict[str, str | None], str]] = []
        self._in: dict[str, str | None] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))
        if tag == "script":
            self._in = dict(attrs)
            self.scripts.append((self._in, ""))

    def handle_endtag(self, tag: str) -> None:
        if tag == "script":
            self._in = None

    def handle_data(self, data: str) -> None:
        if self._in is not None:
            attrs, text = self.scripts[-1]
            self.scripts[-1] = (attrs, text + data)


def parse(html_text: str) -> _Elements:
    p = _Elements()
    p.feed(html_text)
    return p


def page_data(html_text: str) -> dict:
    (data,) = [
        text for attrs, text in parse(html_text).scripts if attrs.get("type") == "application/json"
    ]
    return json.loads(data)


def test_map_is_self_contained(sample_kg: KnowledgeGraph, tmp_path: Path) -> None:
    path = write_map(build_view(sample_kg), tmp_path / "map.html")
    text = path.read_text("utf-8")
    doc = parse(text)
    # no element loads anything: no src, no stylesheet link, no external reference
    for tag, attrs in doc.tags:
        assert "src" not in attrs, (tag, attrs)
        assert tag not in ("link", "iframe", "object", "embed", "img"), tag
        assert not (attrs.get("href") or "").startswith(("http:", "https:", "//"))
    assert len(doc.scripts) == 3  # the data, vis-network, our script; all inline
    assert "vis-network" in doc.scripts[1][1] and "@version 9.1.2" in doc.scripts[1][1]
    csp = [
        a for t, a in doc.tags if t == "meta" and a.get("http-equiv") == "Content-Security-Policy"
    ]
    assert csp and "default-src 'none'" in (csp[0]["content"] or "")
    for url in re.findall(r"https?://[^\s\"')]+", text):
        # only URLs inside licence comments and the SVG namespace of vis-network
        assert any(
            x in url
            for x in (
                "w3.org",
                "github.com",
                "visjs",
                "almende",
                "apache.org",
                "opensource.org",
                "w3id.org/gvcgraph",
            )
        ), url


def test_csp_allows_exactly_the_pages_two_scripts(sample_kg: KnowledgeGraph) -> None:
    doc = parse(map_html(build_view(sample_kg)))
    (csp,) = [
        a["content"]
        for t, a in doc.tags
        if t == "meta" and a.get("http-equiv") == "Content-Security-Policy"
    ]
    directives = dict(d.strip().split(" ", 1) for d in (csp or "").split(";") if d.strip())
    allowed = set(directives["script-src"].split())
    assert "'unsafe-inline'" not in allowed and "'unsafe-eval'" not in allowed
    code = [text for attrs, text in doc.scripts if attrs.get("type") != "application/json"]
    assert len(code) == 2
    hashes = {
        "'sha256-" + base64.b64encode(hashlib.sha256(t.encode()).digest()).decode() + "'"
        for t in code
    }
    assert allowed == hashes


def test_our_script_never_parses_text_as_html() -> None:
    js = (ASSETS / "map.js").read_text("utf-8")
    for banned in (
        "innerHTML",
        "outerHTML",
        "insertAdjacentHTML",
        "document.write",
        "eval(",
        "new Function",
        "fetch(",
        "XMLHttpRequest",
        "import(",
    ):
        assert banned not in js, banned
    assert "textContent" in js


def test_source_text_is_escaped_and_round_trips(xss_kg: KnowledgeGraph) -> None:
    text = map_html(build_view(xss_kg))
    assert XSS_LABEL not in text
    assert "<img" not in text
    assert text.count("</script>") == 3  # only the three script elements end
    data = page_data(text)
    labels = {n["id"]: n["full"] for n in data["nodes"]}
    assert labels["oem-a"] == XSS_LABEL
    quotes = {e.get("quote") for e in data["evidence"].values()}
    assert XSS_QUOTE in quotes


def test_json_for_html_escapes_markup_characters() -> None:
    out = json_for_html({"a": "<b>&</b>\u2028"})
    assert not set("<>&") & set(out)
    assert json.loads(out) == {"a": "<b>&</b>\u2028"}


def test_map_draws_the_views_nodes_and_edges(sample_kg: KnowledgeGraph) -> None:
    data = map_data(build_view(sample_kg))
    proj = project(sample_kg, "all")
    assert {n["id"] for n in data["nodes"]} == set(proj.nodes["node"])
    assert sorted((e["from"], e["to"]) for e in data["edges"]) == sorted(
        zip(proj.edges["u"], proj.edges["v"], strict=True)
    )
    rel = sorted(e["fam"] for e in data["edges"])
    assert rel.count("supply") == 2 and rel.count("ownership") == 1
    assert rel.count("control") == 1 and rel.count("policy") == 5
    assert rel.count("link") == 1
    supply = map_data(build_view(sample_kg, view="supply"))
    assert {n["id"] for n in supply["nodes"]} == {"oem-a", "harness-b", "wire-d"}
    assert len(supply["edges"]) == 2


def test_styles_come_from_the_palette(sample_kg: KnowledgeGraph) -> None:
    data = map_data(build_view(sample_kg))
    nodes = {n["id"]: n for n in data["nodes"]}
    assert nodes["oem-a"]["c"] == style.class_by_key("firm").color
    assert nodes["oem-a"]["shape"] == style.class_by_key("firm").shape
    assert nodes["cluster-chihuahua-auto"]["c"] == style.class_by_key("cluster").color
    assert nodes["policy-sample-inbond"]["shape"] == "diamond"
    # MX has 7 nodes, the most, so it gets the first country colour
    assert nodes["harness-b"]["k"] == style.COUNTRY_COLORS[0]
    assert nodes["oem-a"]["k"] == style.COUNTRY_COLORS[1]
    captive = [e for e in data["edges"] if e["from"] == "harness-b" and e["to"] == "oem-a"]
    assert captive[0]["color"] == style.GOVERNANCE_COLORS["captive"]
    assert captive[0]["gov"] == "captive"
    control = next(e for e in data["edges"] if e["fam"] == "control")
    assert control["dashes"] == list(style.family_by_key("control").dashes)
    legend = data["legend"]
    assert [c["key"] for c in legend["governance"]] == ["captive", "not-stated"]
    assert {c["key"] for c in legend["classes"]} == {
        "firm",
        "cluster",
        "public-body",
        "institution",
        "policy",
        "place",
        "sector",
        "category",
    }


def test_tooltips_carry_facts_and_evidence(sample_kg: KnowledgeGraph) -> None:
    data = map_data(build_view(sample_kg))
    s1 = next(e for e in data["edges"] if e["from"] == "harness-b" and e["to"] == "oem-a")
    facts = dict(s1["facts"])
    assert facts["Relation"] == "Harness maker B supplies OEM A"
    assert facts["Supplier's sales to buyer"] == "80%"
    assert facts["Source"] == "sample-harness"
    (ev,) = s1["ev"]
    passage = data["evidence"][ev]
    assert passage["quote"] == "B sells 80% to A"
    assert passage["line"] == "20" and passage["file"] == "sample-harness.txt"
    own = next(e for e in data["edges"] if e["fam"] == "ownership")
    assert dict(own["facts"])["Share"] == ">50% to 100%"
    oem = next(n for n in data["nodes"] if n["id"] == "oem-a")
    assert dict(oem["facts"])["Country"] == "United States (US)"
    assert [data["evidence"][k]["quote"] for k in oem["ev"]] == ["OEM A"]


def test_parallel_edges_fan_out(sample_kg: KnowledgeGraph) -> None:
    data = map_data(build_view(sample_kg))
    pair = [e["r"] for e in data["edges"] if e["from"] == "group-c" and e["to"] == "harness-b"]
    assert sorted(pair) == [-0.1, 0.1]
    assert parallel_roundness(["a"], ["b"]) == [0.0]


def test_tier_layout_puts_the_lead_firm_on_top(sample_kg: KnowledgeGraph) -> None:
    mv = build_view(sample_kg, view="supply", layout="tiers")
    y = dict(zip(mv.nodes["id"], mv.nodes["y"], strict=True))
    assert y["oem-a"] < y["harness-b"] < y["wire-d"]
    tier = dict(zip(mv.nodes["id"], mv.nodes["tier"], strict=True))
    assert tier == {"oem-a": 0, "harness-b": 1, "wire-d": 2}
    assert [label for _, label in mv.rows] == ["lead firms", "tier 1", "tier 2"]
    assert not mv.physics


def test_tier_layout_without_supply_falls_back(sample_kg: KnowledgeGraph) -> None:
    mv = build_view(sample_kg, view="policy", layout="tiers")
    assert mv.layout == "force"
    assert any("no supply relations" in n for n in mv.notes)


def test_focus_keeps_the_neighbourhood(sample_kg: KnowledgeGraph) -> None:
    mv = build_view(sample_kg, focus="wire-d", depth=1)
    # wire-d supplies harness-b and participates in the harness chain
    assert set(mv.nodes["id"]) == {"wire-d", "harness-b", "chain-mx-harness"}
    assert len(mv.edges) == 3  # wire-d->harness-b, wire-d->chain, harness-b->chain
    by_label = build_view(sample_kg, focus="Wire supplier D", depth=0)
    assert list(by_label.nodes["id"]) == ["wire-d"]
    with pytest.raises(ViewError, match=r"did you mean: .*wire-d"):
        build_view(sample_kg, focus="wire")


def synthetic(n: int, seed: int = 3) -> nx.MultiDiGraph:
    rng = random.Random(seed)
    g = nx.MultiDiGraph()
    for i in range(n):
        g.add_node(
            f"n{i}",
            label=f"Firm {i}",
            cls=rng.choice(["Firm", "Firm", "Cluster"]),
            country=rng.choice(["MX", "US", "BR", None]),
        )
    for i in range(1, n):
        g.add_edge(f"n{i}", f"n{rng.randrange(i)}", relation="supplies")
    return g


def test_large_view_gets_a_precomputed_layout_without_physics() -> None:
    mv = build_view(synthetic(60), layout_limit=50)
    assert not mv.physics
    assert mv.nodes[["x", "y"]].notna().all().all()
    assert any("computed beforehand" in n for n in mv.notes)
    assert build_view(synthetic(40), layout_limit=50).physics


def test_very_large_view_is_aggregated_with_a_note() -> None:
    g = synthetic(120)
    mv = build_view(g, aggregate_limit=100)
    assert mv.aggregated and not mv.physics
    attrs = pd.DataFrame(
        [{"cls": d["cls"], "country": d["country"]} for _, d in g.nodes(data=True)]
    )
    expected = attrs.fillna({"country": "-"}).groupby(["cls", "country"]).size()
    assert len(mv.nodes) == len(expected)
    assert int(mv.nodes["members"].sum()) == 120
    assert sorted(mv.nodes["members"]) == sorted(expected.tolist())
    assert any(n.startswith("Aggregated map") for n in mv.notes)
    # every relation between two groups is counted once on the lines
    between = sum(1 for u, v in g.edges() if _group(g, u) != _group(g, v))
    assert int(mv.edges["count"].sum()) == between
    assert "Aggregated map" in map_html(mv)


def _group(g: nx.MultiDiGraph, node: str) -> tuple[str, str | None]:
    return g.nodes[node]["cls"], g.nodes[node]["country"]


def test_cli_map_and_errors(tmp_path: Path, sample_store: Path) -> None:
    runner = CliRunner()
    out = tmp_path / "m.html"
    result = runner.invoke(
        map_cmd,
        [
            "--store",
            str(sample_store),
            "--view",
            "supply",
            "--layout",
            "tiers",
            "--size-by",
            "in-degree",
            "--out",
            str(out),
        ],
    )
    assert result.exit_code == 0, result.output
    assert f"wrote {out}" in result.output
    assert len(page_data(out.read_text("utf-8"))["nodes"]) == 3
    bad = runner.invoke(
        map_cmd, ["--store", str(sample_store), "--size-by", "fame", "--out", str(out)]
    )
    assert bad.exit_code == 2 and "not a measure" in bad.output
    missing = runner.invoke(
        map_cmd, ["--store", str(sample_store), "--focus", "nobody", "--out", str(out)]
    )
    assert missing.exit_code == 2 and "no node 'nobody'" in missing.output
    assert "Example" in runner.invoke(map_cmd, ["--help"]).output
    assert "Example" in runner.invoke(figure_cmd, ["--help"]).output
