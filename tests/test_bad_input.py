"""Bad input: each case gives a clear message at the right place, exit status 1, and leaves the
store exactly as it was (compared as a canonical N-Quads dump before and after)."""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner

from gvcgraph.cli import main
from tests.conftest import SAMPLE_CSV, SAMPLE_YAML, canonical_dump

GOOD = SAMPLE_YAML.read_text("utf-8")


def _edit(old: str, new: str) -> str:
    assert old in GOOD, old
    return GOOD.replace(old, new, 1)


def _line_of(text: str, needle: str) -> int:
    return text[: text.index(needle)].count("\n") + 1


# (case id, file content (str or bytes), expected message pattern, expected line or None)
CASES: list[tuple[str, str | bytes, str, int | None]] = [
    (
        "malformed-yaml",
        "format: gvcgraph-casestudy/1\nsource:\n  id: x\n title: bad indent\n",
        r"invalid YAML",
        4,
    ),
    (
        "unknown-field",
        _edit("buyer: oem-a, supplier: harness-b", "buyr: oem-a, supplier: harness-b"),
        r"unknown field 'buyr' \(did you mean 'buyer'\?\)",
        None,
    ),
    (
        "wrong-type",
        _edit("supplier_dependence: 80", "supplier_dependence: eighty"),
        r"supplier_dependence: expected a percentage from 0 to 100.*got 'eighty'",
        None,
    ),
    (
        "dangling-reference",
        _edit("buyer: harness-b, supplier: wire-d", "buyer: harness-b, supplier: nobody"),
        r"'nobody' is not defined in this file",
        None,
    ),
    (
        "share-140",
        _edit("share_min: 50, share_min_exclusive: true, share_max: 100", "share: 140"),
        r"140 is out of range",
        None,
    ),
    (
        "end-before-start",
        _edit("from: 1990\n    to: 2006-06", "from: 1990\n    to: 1980"),
        r"end date 1980-12-31 is before start date 1990-01-01",
        None,
    ),
    (
        "unknown-governance",
        _edit("governance: captive", "governance: captve"),
        r"'captve' is not a governance code.*did you mean 'captive'",
        None,
    ),
    ("empty-file", "", r"file is empty", None),
    ("whitespace-only", "   \n\n", r"file is empty", None),
    (
        "binary-file",
        b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)),
        r"binary file",
        None,
    ),
    (
        "non-utf8",
        GOOD.replace("Harness maker B", "Harness maker \xe9").encode("latin-1"),
        r"not UTF-8 \(byte 0xe9",
        None,
    ),
    (
        "duplicate-id",
        _edit("- {id: wire-d, type: firm", "- {id: oem-a, type: firm"),
        r"duplicate id 'oem-a'",
        None,
    ),
    ("duplicate-fact-id", _edit("- {id: up1,", "- {id: s1,"), r"duplicate fact id 's1'", None),
    (
        "missing-source",
        GOOD.split("entities:")[0].split("source:")[0] + "entities:" + GOOD.split("entities:")[1],
        r"required section 'source'",
        None,
    ),
    (
        "missing-evidence",
        _edit(',\n     evidence: {line: 21, quote: "D supplies wire"}', ""),
        r"supply\[2\]\.evidence: required field is missing",
        None,
    ),
    (
        "evidence-without-place",
        _edit(
            'evidence: {line: 14, quote: "B used the programme"}',
            'evidence: {quote: "B used the programme"}',
        ),
        r"evidence needs a line or a page",
        None,
    ),
    ("unknown-section", GOOD + "\nsuplies: []\n", r"unknown section 'suplies'", None),
    (
        "wrong-reference-type",
        _edit("owned: harness-b", "owned: mx-chihuahua"),
        r"'mx-chihuahua' is a region; expected a firm or establishment",
        None,
    ),
    (
        "tier-without-lead",
        _edit("chain: chain-mx-harness, lead: oem-a, tier: 2", "chain: chain-mx-harness, tier: 2"),
        r"a tier is relative to a lead firm",
        None,
    ),
    (
        "bad-country",
        _edit("country: US, size: large", "country: USA, size: large"),
        r"'USA' is not an ISO 3166-1 alpha-2 country code",
        None,
    ),
    (
        "yaml-alias",
        "format: gvcgraph-casestudy/1\nsource: &s {id: x, title: t}\nother: *s\n",
        r"anchors \(&name\) are not allowed",
        2,
    ),
    (
        "duplicate-key",
        _edit('  title: "Wire', '  year: 2023\n  title: "Wire'),
        r"duplicate key 'year'",
        None,
    ),
    (
        "bad-date",
        _edit(
            "from: 1995,\n     evidence: [{line: 20", "from: mid-1990s,\n     evidence: [{line: 20"
        ),
        r"expected a date as YYYY, YYYY-MM or YYYY-MM-DD, got 'mid-1990s'",
        None,
    ),
    (
        "share-and-range",
        _edit(
            "share_min: 50, share_min_exclusive: true",
            "share: 60, share_min: 50, share_min_exclusive: true",
        ),
        r"give either share \(exact\) or share_min/share_max",
        None,
    ),
    (
        "wrong-format-version",
        _edit("gvcgraph-casestudy/1", "gvcgraph-casestudy/9"),
        r"expected 'gvcgraph-casestudy/1'",
        2,
    ),
    (
        "buyer-is-supplier",
        _edit("buyer: harness-b, supplier: wire-d", "buyer: wire-d, supplier: wire-d"),
        r"buyer and supplier are the same",
        None,
    ),
    ("top-level-list", "- a\n- b\n", r"a case study is a mapping", None),
    (
        "bad-entity-type",
        _edit("type: business-group", "type: conglomerate"),
        r"expected one of firm, establishment",
        None,
    ),
    (
        "bad-id-pattern",
        _edit("{id: wire-d,", "{id: Wire D,"),
        r"expected an id of lower-case letters",
        None,
    ),
    (
        "share-range-inverted",
        _edit("share_max: 100", "share_max: 40"),
        r"share_max 40 is below share_min 50",
        None,
    ),
]


@pytest.mark.parametrize(("case", "content", "pattern", "line"), CASES, ids=[c[0] for c in CASES])
def test_bad_input_is_reported_and_store_unchanged(
    tmp_path: Path,
    sample_store: Path,
    case: str,
    content: str | bytes,
    pattern: str,
    line: int | None,
) -> None:
    bad = tmp_path / f"{case}.yaml"
    if isinstance(content, bytes):
        bad.write_bytes(content)
    else:
        bad.write_text(content, "utf-8")
    before = canonical_dump(sample_store)
    runner = CliRunner()
    result = runner.invoke(main, ["ingest", str(bad), "--store", str(sample_store)])
    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output
    assert re.search(pattern, result.output), result.output
    assert str(bad) in result.output  # every message names the file
    if line is not None:
        assert f"{bad}:{line}:" in result.output, result.output
    assert "nothing was written" in result.output
    assert canonical_dump(sample_store) == before
    # validate reports the same problem with exit status 1
    result = runner.invoke(main, ["validate", "--no-shacl", str(bad)])
    assert result.exit_code == 1
    assert re.search(pattern, result.output)


def test_messages_carry_the_yaml_line(tmp_path: Path) -> None:
    text = _edit("buyer: harness-b, supplier: wire-d", "buyer: harness-b, supplier: nobody")
    bad = tmp_path / "case.yaml"
    bad.write_text(text, "utf-8")
    result = CliRunner().invoke(main, ["validate", "--no-shacl", str(bad)])
    line = _line_of(text, "supplier: nobody")
    assert f"{bad}:{line}: error: supply[2].supplier: 'nobody' is not defined" in result.output


def test_every_problem_is_reported_at_once(tmp_path: Path) -> None:
    text = _edit("governance: captive", "governance: captve")
    text = text.replace("country: US, size: large", "country: USA, size: large")
    text = text.replace("buyer: harness-b, supplier: wire-d", "buyer: harness-b, supplier: nobody")
    bad = tmp_path / "case.yaml"
    bad.write_text(text, "utf-8")
    result = CliRunner().invoke(main, ["validate", "--no-shacl", str(bad)])
    assert result.exit_code == 1
    assert "captve" in result.output and "USA" in result.output and "nobody" in result.output
    assert "3 error(s)" in result.output


def test_huge_file_is_refused_quickly(tmp_path: Path, sample_store: Path) -> None:
    big = tmp_path / "big.yaml"
    with big.open("w") as fh:
        fh.write("format: gvcgraph-casestudy/1\nsource: {id: big, title: big}\nentities:\n")
        row = "  - {id: f%07d, type: firm, label: firm}\n"
        n = 0
        while fh.tell() < 50 * 1024 * 1024:
            fh.write(row % n)
            n += 1
    before = canonical_dump(sample_store)
    result = CliRunner().invoke(main, ["ingest", str(big), "--store", str(sample_store)])
    assert result.exit_code == 1
    assert "file is too large (50.0 MiB); the limit is 20 MiB" in result.output
    assert canonical_dump(sample_store) == before


def test_csv_errors_name_sheet_row_and_column(tmp_path: Path, sample_store: Path) -> None:
    folder = tmp_path / "case"
    folder.mkdir()
    for f in SAMPLE_CSV.glob("*.csv"):
        (folder / f.name).write_text(f.read_text("utf-8"), "utf-8")
    own = (folder / "ownership.csv").read_text("utf-8").replace(",50,", ",fifty,")
    (folder / "ownership.csv").write_text(own, "utf-8")
    before = canonical_dump(sample_store)
    result = CliRunner().invoke(main, ["ingest", str(folder), "--store", str(sample_store)])
    assert result.exit_code == 1
    assert "ownership.csv, row 2, column 'share_min'" in result.output
    assert "got 'fifty'" in result.output
    assert canonical_dump(sample_store) == before


def test_csv_unknown_column(tmp_path: Path) -> None:
    folder = tmp_path / "case"
    folder.mkdir()
    for f in SAMPLE_CSV.glob("*.csv"):
        (folder / f.name).write_text(f.read_text("utf-8"), "utf-8")
    sup = (folder / "supply.csv").read_text("utf-8").replace("buyer,", "buyerr,", 1)
    (folder / "supply.csv").write_text(sup, "utf-8")
    result = CliRunner().invoke(main, ["validate", str(folder)])
    assert result.exit_code == 1
    assert "unknown column 'buyerr' in sheet 'supply'" in result.output


def test_not_a_workbook(tmp_path: Path) -> None:
    fake = tmp_path / "case.xlsx"
    fake.write_text("not a zip", "utf-8")
    result = CliRunner().invoke(main, ["validate", str(fake)])
    assert result.exit_code == 1
    assert "not an XLSX workbook" in result.output


def test_zip_bomb_workbook_is_refused(tmp_path: Path) -> None:
    bomb = tmp_path / "bomb.xlsx"
    with zipfile.ZipFile(bomb, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("xl/worksheets/sheet1.xml", b"\0" * (120 * 1024 * 1024))
    assert bomb.stat().st_size < 1_000_000
    result = CliRunner().invoke(main, ["validate", str(bomb)])
    assert result.exit_code == 1
    assert "possible zip bomb" in result.output


def test_same_source_id_twice_in_one_ingest(tmp_path: Path, sample_store: Path) -> None:
    copy = tmp_path / "copy.yaml"
    copy.write_text(GOOD, "utf-8")
    before = canonical_dump(sample_store)
    result = CliRunner().invoke(
        main, ["ingest", str(SAMPLE_YAML), str(copy), "--store", str(sample_store)]
    )
    assert result.exit_code == 1
    assert "source id 'sample-harness' is also the id of" in result.output
    assert canonical_dump(sample_store) == before


def test_one_bad_file_blocks_the_good_ones(tmp_path: Path) -> None:
    store = tmp_path / "store"
    bad = tmp_path / "bad.yaml"
    bad.write_text(_edit("governance: captive", "governance: captve"), "utf-8")
    good = tmp_path / "good.yaml"
    good.write_text(GOOD.replace("id: sample-harness", "id: other-source"), "utf-8")
    result = CliRunner().invoke(main, ["ingest", str(good), str(bad), "--store", str(store)])
    assert result.exit_code == 1
    assert not store.exists()  # validation failed before the store was even opened


def test_share_sum_above_100_is_a_warning_not_an_error(tmp_path: Path) -> None:
    text = _edit(
        "ownership:\n",
        "ownership:\n  - {owner: oem-a, owned: wire-d, share: 70, evidence: {line: 31, quote: x}}\n"
        "  - {owner: group-c, owned: wire-d, share: 40, evidence: {line: 32, quote: y}}\n",
    )
    case = tmp_path / "case.yaml"
    case.write_text(text, "utf-8")
    result = CliRunner().invoke(main, ["validate", "--no-shacl", str(case)])
    assert result.exit_code == 0, result.output
    assert (
        "warning: ownership[1]: direct shareholdings in 'wire-d' sum to 110% (above 100%)"
        in result.output
    )
