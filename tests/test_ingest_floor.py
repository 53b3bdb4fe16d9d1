"""The store-floor benchmark cuts the quad sets it says it cuts, and runs end to end."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from benchmarks import ingest_floor
from gvcgraph.ontology.terms import GVC, OA, PROV, RDF

EDGES = (
    "source,target,relation,share,date,evidence\n"
    'Acme,Beta,supplies,,2010,"Acme supplies Beta"\n'
    'Acme,Gamma,owns,51,2012-03,"Acme owns 51% of Gamma"\n'
)


@pytest.fixture
def spool(tmp_path: Path) -> Path:
    csv_path = tmp_path / "e.csv"
    csv_path.write_text(EDGES, encoding="utf-8")
    out = tmp_path / "full.nq"
    rows, quads = ingest_floor.write_full_spool(csv_path, out)
    # by hand: supply row 6 fact + 4 evidence + 2 selector + 2 shortcuts = 14; ownership row
    # 7 + 4 + 2 + 4 (directlyOwns/OwnedBy, controls/controlledBy at 51 %) = 17; the source
    # document 5; three firms with type and label 6
    assert (rows, quads) == (2, 42)
    return out


def _predicates(path: Path) -> Counter[str]:
    return Counter(line.split(" ", 2)[1] for line in path.read_text().splitlines())


def test_design_minimum_drops_the_selector_node_and_unnamed_shortcuts(
    spool: Path, tmp_path: Path
) -> None:
    out = tmp_path / "min.nq"
    assert ingest_floor.cut(spool, "design-minimum", out) == 35
    dropped = _predicates(spool) - _predicates(out)
    assert dropped == Counter(
        {
            f"<{OA.hasSelector}>": 2,
            f"<{RDF.type}>": 2,  # the two TextQuoteSelector types
            f"<{GVC.suppliedBy}>": 1,
            f"<{GVC.directlyOwns}>": 1,
            f"<{GVC.controls}>": 1,
        }
    )
    text = out.read_text()
    assert str(OA.TextQuoteSelector) not in text
    # what the design needs stays: quotes, evidence links, dates, the named shortcut edges
    kept = _predicates(out)
    assert kept[f"<{OA.exact}>"] == 2 and kept[f"<{PROV.wasDerivedFrom}>"] == 2
    assert kept[f"<{GVC.validFrom}>"] == 2 and kept[f"<{GVC.validFromPrecision}>"] == 2
    assert kept[f"<{GVC.suppliesTo}>"] == 1 and kept[f"<{GVC.directlyOwnedBy}>"] == 1
    assert kept[f"<{GVC.controlledBy}>"] == 1


def test_network_only_keeps_one_shortcut_per_relation(spool: Path, tmp_path: Path) -> None:
    out = tmp_path / "net.nq"
    assert ingest_floor.cut(spool, "network-only", out) == 3
    assert _predicates(out) == Counter(
        {f"<{GVC.suppliesTo}>": 1, f"<{GVC.directlyOwnedBy}>": 1, f"<{GVC.controlledBy}>": 1}
    )


def test_unknown_model_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown model 'lean'"):
        ingest_floor.keeps("lean", "<s> <p> <o> <g> .")


def test_command_loads_each_cut_and_prints_the_table(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    csv_path = tmp_path / "e.csv"
    csv_path.write_text(EDGES, encoding="utf-8")
    models = ["--models", "design-minimum,network-only", "--parsing", "strict,lenient"]
    ingest_floor.main([str(csv_path), *models, "--work", str(tmp_path)])
    table = capsys.readouterr().out.split("| quads |")[-1].splitlines()
    rows = [line for line in table if line.startswith("| ")]
    cells = [[c.strip() for c in r.split("|")[1:-1]] for r in rows]
    assert [c[0] for c in cells] == ["design-minimum: 35"] * 4 + ["network-only: 3"] * 4
    assert [c[2] for c in cells] == ["disk", "disk", "memory", "memory"] * 2
    assert [c[3] for c in cells] == ["strict", "lenient"] * 4
    assert all(float(c[7]) > 0 for c in cells)  # a peak memory was read
    assert not list(tmp_path.glob("gvc-floor-*"))  # the work folder is removed
