"""The report: every file written, the tables with evidence links that resolve, escaping,
the default-graph run of `gvcgraph report` with progress on stderr."""

from __future__ import annotations

from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest
from click.testing import CliRunner
from rdflib import Graph

from gvcgraph.cli.render import report_cmd
from gvcgraph.graph.store import KnowledgeGraph
from gvcgraph.render.report import write_report
from tests.test_render_html import XSS_LABEL, XSS_QUOTE, xss_case


class _Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.hrefs: list[str] = []
        self.srcs: list[str] = []
        self.ids: set[str] = set()
        self.rows: list[list[str]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if a.get("id"):
            self.ids.add(str(a["id"]))
        if tag == "a" and a.get("href"):
            self.hrefs.append(str(a["href"]))
        if tag in ("img", "script", "link") and (a.get("src") or a.get("href")):
            self.srcs.append(str(a.get("src") or a.get("href")))


def links_of(path: Path) -> _Links:
    p = _Links()
    p.feed(path.read_text("utf-8"))
    return p


def check_links(page: Path) -> int:
    """Assert that every link and image of a page resolves; returns how many were checked."""
    parsed = links_of(page)
    checked = 0
    for ref in parsed.hrefs + parsed.srcs:
        parts = urlsplit(ref)
        assert not parts.scheme and not parts.netloc, f"{page.name}: external link {ref}"
        target = page if not parts.path else (page.parent / unquote(parts.path))
        assert target.exists(), f"{page.name}: {ref} -> missing {target}"
        if parts.fragment:
            assert parts.fragment in links_of(target).ids, f"{page.name}: {ref} has no target"
        checked += 1
    return checked


@pytest.fixture(scope="module")
def sample_report(tmp_path_factory: pytest.TempPathFactory):
    folder = tmp_path_factory.mktemp("report")
    kg = KnowledgeGraph()
    kg.ingest([xss_case(folder)])
    lines: list[str] = []
    report = write_report(kg, folder / "out", progress=lines.append)
    return report, lines


def test_report_writes_every_file(sample_report) -> None:
    report, lines = sample_report
    folder = report.folder
    for name in ("index.html", "evidence.html", "map.html", "graph.ttl"):
        assert (folder / name).stat().st_size > 0, name
    for stem in ("all", "supply-tiers", "ownership"):
        for fmt in ("svg", "pdf", "png"):
            assert (folder / "figures" / f"{stem}.{fmt}").stat().st_size > 0
    g = Graph()
    g.parse(folder / "graph.ttl", format="turtle")
    assert len(g) > 100
    assert lines[0].startswith("[1/7]") and lines[-1].startswith("[7/7]")


def test_report_links_resolve(sample_report) -> None:
    report, _ = sample_report
    assert check_links(report.folder / "index.html") > 20
    assert check_links(report.folder / "evidence.html") > 10


def test_report_tables_and_evidence(sample_report) -> None:
    report, _ = sample_report
    index = (report.folder / "index.html").read_text("utf-8")
    evidence = (report.folder / "evidence.html").read_text("utf-8")
    assert "sample-harness" in index and "Wire harnesses in Northern Mexico" in index
    for section in ("Centrality", "Supplier tiers", "Captive chains", "Ownership and control"):
        assert f">{section}" in index
    # the captive link harness-b -> oem-a links to its evidence passage, line 20
    assert 'href="evidence.html#ev-doc-sample-harness-ev-s1-1"' in index
    assert 'id="ev-doc-sample-harness-ev-s1-1"' in evidence
    assert "<q>B sells 80% to A</q>" in evidence and "line 20" in evidence
    # the ownership row links to the ownership fact's passage
    assert "majority-owned by C" in evidence


def test_report_escapes_source_text(sample_report) -> None:
    report, _ = sample_report
    for name in ("index.html", "evidence.html"):
        text = (report.folder / name).read_text("utf-8")
        assert "<img src=x" not in text and "<script" not in text, name
    evidence = (report.folder / "evidence.html").read_text("utf-8")
    assert "&lt;/script&gt;&lt;script&gt;alert(2)&lt;/script&gt;" in evidence
    assert "&lt;img src=x onerror=alert(1)&gt;" in evidence
    assert XSS_QUOTE not in evidence and XSS_LABEL not in evidence


def test_report_command_on_the_default_graph(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("GVCGRAPH_STORE", raising=False)
    result = CliRunner().invoke(report_cmd, [])
    assert result.exit_code == 0, result.output
    folder = tmp_path / "gvcgraph-report"
    assert (folder / "index.html").exists() and (folder / "map.html").exists()
    assert "gvcgraph-report/index.html" in result.stdout
    assert "[1/7] projecting the views" in result.stderr
    index = (folder / "index.html").read_text("utf-8")
    sources = KnowledgeGraph.default().source_ids()
    assert sources and all(s in index for s in sources)
    assert check_links(folder / "index.html") > 20
