"""Static figures: SVG and PDF keep text as text, PNG at 300 dpi, the palette and legend of
the map, labels printed literally, reproducible output, clear errors."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

import networkx as nx
import pytest
from click.testing import CliRunner

from gvcgraph.cli.render import figure_cmd
from gvcgraph.graph.store import KnowledgeGraph
from gvcgraph.render import build_view, style
from gvcgraph.render.static import FigureError, write_figure, write_figures
from tests.conftest import SAMPLE_YAML

SVG = "{http://www.w3.org/2000/svg}"


@pytest.fixture(scope="module")
def sample_view():
    kg = KnowledgeGraph()
    kg.ingest([SAMPLE_YAML])
    return build_view(kg)


def svg_texts(path: Path) -> list[str]:
    root = ET.parse(path).getroot()
    return ["".join(t.itertext()) for t in root.iter(f"{SVG}text")]


def test_svg_is_vector_with_text_labels_and_the_legend(sample_view, tmp_path: Path) -> None:
    path = write_figure(sample_view, tmp_path / "map.svg")
    texts = svg_texts(path)
    for label in ("Harness maker B", "OEM A", "Wire supplier D", "In-bond programme X"):
        assert label in texts
    for entry in sample_view.legend["classes"] + sample_view.legend["families"]:
        assert entry["label"] in texts
    assert "Captive (GHS 2005)" in texts
    body = path.read_text("utf-8").lower()
    assert "<image" not in body  # no raster inside the vector figure
    # the palette of the map: every class colour present and the captive edge colour
    for entry in sample_view.legend["classes"]:
        assert entry["color"].lower() in body, entry
    assert style.GOVERNANCE_COLORS["captive"].lower() in body


def test_labels_are_printed_literally(tmp_path: Path) -> None:
    g = nx.MultiDiGraph()
    g.add_node("a", label="US$ 5 million $x^2$ fund", cls="PolicyInstrument")
    g.add_node("b", label="<b>Firm</b> & Co", cls="Firm", country="MX")
    g.add_edge("a", "b", relation="benefits")
    path = write_figure(build_view(g), tmp_path / "labels.svg")
    texts = svg_texts(path)
    assert "US$ 5 million $x^2$ fund" in texts
    assert "<b>Firm</b> & Co" in texts


def test_pdf_embeds_truetype_fonts(sample_view, tmp_path: Path) -> None:
    data = write_figure(sample_view, tmp_path / "map.pdf").read_bytes()
    assert data.startswith(b"%PDF")
    assert b"/FontFile2" in data  # TrueType (fonttype 42), as journals ask
    assert b"/Type3" not in data


def test_png_is_300_dpi(sample_view, tmp_path: Path) -> None:
    from PIL import Image

    path = write_figure(sample_view, tmp_path / "map.png")
    with Image.open(path) as im:
        dpi = im.info["dpi"]
        assert round(dpi[0]) == 300 and round(dpi[1]) == 300
        assert im.width > 1500  # about 7 to 10 inches wide at 300 dpi


def test_output_is_reproducible(sample_view, tmp_path: Path) -> None:
    a, b = write_figures(sample_view, [tmp_path / "a.svg", tmp_path / "b.svg"])
    c = write_figure(sample_view, tmp_path / "c.svg")
    assert a.read_bytes() == b.read_bytes() == c.read_bytes()
    p1 = write_figure(sample_view, tmp_path / "a.pdf").read_bytes()
    p2 = write_figure(sample_view, tmp_path / "b.pdf").read_bytes()
    assert p1 == p2


def test_tier_figure_labels_rows(tmp_path: Path) -> None:
    kg = KnowledgeGraph()
    kg.ingest([SAMPLE_YAML])
    path = write_figure(build_view(kg, view="supply", layout="tiers"), tmp_path / "t.svg")
    texts = svg_texts(path)
    assert {"lead firms", "tier 1", "tier 2"} <= set(texts)


def test_unknown_format_is_refused(sample_view, tmp_path: Path) -> None:
    with pytest.raises(FigureError, match=r"\.svg, \.pdf, \.png"):
        write_figure(sample_view, tmp_path / "map.gif")
    result = CliRunner().invoke(figure_cmd, ["--out", str(tmp_path / "x.jpg")])
    assert result.exit_code == 2 and "cannot write a figure" in result.output


def test_cli_figure(sample_store: Path, tmp_path: Path) -> None:
    out = tmp_path / "fig.svg"
    result = CliRunner().invoke(
        figure_cmd,
        ["--store", str(sample_store), "--view", "supply", "--layout", "tiers", "--out", str(out)],
    )
    assert result.exit_code == 0, result.output
    assert "Harness maker B" in svg_texts(out)
