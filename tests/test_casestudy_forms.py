"""The same case study written as YAML, as CSV sheets and as an XLSX workbook gives isomorphic
graphs; the template workbook has the sheets the reader expects."""

from __future__ import annotations

import csv
from pathlib import Path

from openpyxl import Workbook, load_workbook
from rdflib.compare import isomorphic, to_isomorphic

from gvcgraph.ingest.casestudy import read_casestudy
from gvcgraph.ingest.tabular import sheet_columns, write_template
from tests.conftest import SAMPLE_CSV, SAMPLE_YAML


def _csv_folder_to_xlsx(folder: Path, out: Path) -> None:
    """Copy each CSV sheet cell by cell into a workbook (plain openpyxl, not our writer)."""
    wb = Workbook()
    wb.remove(wb.active)
    for path in sorted(folder.glob("*.csv")):
        ws = wb.create_sheet(path.stem)
        with path.open(encoding="utf-8") as fh:
            for row in csv.reader(fh):
                ws.append([_typed(cell) for cell in row])
    wb.save(out)


def _typed(cell: str) -> object:
    """Numbers as numbers, as a person typing into Excel would get them."""
    try:
        return int(cell)
    except ValueError:
        pass
    try:
        return float(cell)
    except ValueError:
        return cell or None


def test_yaml_csv_and_xlsx_give_isomorphic_graphs(tmp_path: Path) -> None:
    yaml_result = read_casestudy(SAMPLE_YAML, shacl=False)
    csv_result = read_casestudy(SAMPLE_CSV, shacl=False)
    xlsx = tmp_path / "sample.xlsx"
    _csv_folder_to_xlsx(SAMPLE_CSV, xlsx)
    xlsx_result = read_casestudy(xlsx, shacl=False)
    for result in (yaml_result, csv_result, xlsx_result):
        assert result.ok, [str(p) for p in result.problems]
    assert len(yaml_result.graph) > 300
    assert isomorphic(yaml_result.graph, csv_result.graph)
    assert isomorphic(yaml_result.graph, xlsx_result.graph)
    assert to_isomorphic(yaml_result.graph) == to_isomorphic(xlsx_result.graph)


def test_template_has_one_sheet_per_kind_and_a_readme(tmp_path: Path) -> None:
    out = tmp_path / "template.xlsx"
    write_template(out)
    wb = load_workbook(out)
    expected = set(sheet_columns())
    assert {"README", "codes"} | expected == set(wb.sheetnames)
    supply = [c.value for c in wb["supply"][1]]
    assert supply == sheet_columns()["supply"]
    assert "buyer" in supply and "evidence.quote" in supply
    codes = {(r[0], r[1]) for r in wb["codes"].iter_rows(min_row=2, values_only=True)}
    assert ("governance", "captive") in codes and ("governance-hs", "quasi-hierarchy") in codes


def test_empty_template_filled_with_a_minimal_case_validates(tmp_path: Path) -> None:
    out = tmp_path / "case.xlsx"
    write_template(out)
    wb = load_workbook(out)
    ws = wb["source"]
    for row in ws.iter_rows(min_row=2):
        if row[0].value == "id":
            row[1].value = "mini"
        if row[0].value == "title":
            row[1].value = "A minimal case"
    cols = sheet_columns()["entities"]
    wb["entities"].append([{"id": "f1", "type": "firm", "label": "Firm 1"}.get(c) for c in cols])
    wb["entities"].append(
        [{"id": "f2", "type": "firm", "label": "Firm 2", "country": "BR"}.get(c) for c in cols]
    )
    scols = sheet_columns()["supply"]
    wb["supply"].append(
        [
            {
                "buyer": "f1",
                "supplier": "f2",
                "governance": "relational",
                "evidence.line": 4,
                "evidence.quote": "f2 sells to f1",
            }.get(c)
            for c in scols
        ]
    )
    wb.save(out)
    result = read_casestudy(out, shacl=False)
    assert result.ok, [str(p) for p in result.problems]
    assert result.casestudy is not None
    assert [r.values["governance"] for r in result.casestudy.section("supply")] == ["relational"]
