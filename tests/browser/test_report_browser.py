"""The report in a real browser: index.html, evidence.html and map.html load from file://
with no console error and no network request, the figures display, and every link resolves
(files exist, anchors exist on the page they point to)."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest

from gvcgraph.graph.store import KnowledgeGraph
from gvcgraph.render.report import write_report
from tests.browser.cdp import Page
from tests.conftest import SAMPLE_YAML


@pytest.fixture(scope="module")
def report_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    kg = KnowledgeGraph()
    kg.ingest([SAMPLE_YAML])
    return write_report(kg, tmp_path_factory.mktemp("report") / "out").folder


def test_report_pages_load_and_links_resolve(page: Page, report_dir: Path, artifacts: Path) -> None:
    index = (report_dir / "index.html").resolve()
    page.goto(index.as_uri())
    images = page.eval(
        "Array.from(document.images).map(i => [i.getAttribute('src'), "
        "i.complete && i.naturalWidth > 0])"
    )
    assert images and all(ok for _, ok in images), images
    links = page.eval("Array.from(document.links).map(a => a.href)")
    assert len(links) > 20
    page.screenshot(artifacts / "report.png", full_page=True)
    targets: dict[str, set[str]] = {}
    for href in links:
        parts = urlsplit(href)
        assert parts.scheme == "file", href
        path = Path(unquote(parts.path))
        assert path.exists(), href
        if parts.fragment:
            targets.setdefault(path.as_uri(), set()).add(parts.fragment)
    assert targets, "the tables link to evidence anchors"
    for uri, fragments in targets.items():
        page.goto(uri)
        missing = page.eval(f"{sorted(fragments)!r}.filter(f => !document.getElementById(f))")
        assert missing == [], (uri, missing)
    page.goto((report_dir / "map.html").resolve().as_uri())
    page.wait_for("window.gvcMap && window.gvcMap.ready", timeout=60)
    assert page.errors == [], page.errors
    assert page.remote_requests() == [], page.remote_requests()
    assert page.dialogs == []
