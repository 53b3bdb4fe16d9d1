"""Bad BODS and GLEIF input through the command line: a clear message naming the file and the
statement, record or line, exit status 1, and the store exactly as it was (compared as a
canonical N-Quads dump before and after). Good files go in with exit status 0."""

from __future__ import annotations

import copy
import json
import re
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from gvcgraph.cli import main
from tests.conftest import SHARED, canonical_dump

BODS_EXAMPLE = SHARED / "reference-data" / "bods-examples" / "bods-package-fi-soe.json"
GLEIF_SAMPLE = SHARED / "reference-data" / "gleif-rdf-sample"

ENTITY = {
    "statementId": "bad-input-entity-0000-0000-0000-000000000001",
    "declarationSubject": "rec-a",
    "statementDate": "2020-01-01",
    "recordId": "rec-a",
    "recordType": "entity",
    "recordStatus": "new",
    "recordDetails": {
        "isComponent": False,
        "entityType": {"type": "registeredEntity"},
        "name": "A",
    },
}
PERSON = {
    "statementId": "bad-input-person-0000-0000-0000-000000000002",
    "declarationSubject": "rec-a",
    "statementDate": "2020-01-01",
    "recordId": "rec-p",
    "recordType": "person",
    "recordStatus": "new",
    "recordDetails": {"isComponent": False, "personType": "knownPerson"},
}
RELATIONSHIP = {
    "statementId": "bad-input-relation-0000-0000-0000-00000000003",
    "declarationSubject": "rec-a",
    "statementDate": "2020-01-01",
    "recordId": "rec-r",
    "recordType": "relationship",
    "recordStatus": "new",
    "recordDetails": {
        "isComponent": False,
        "subject": "rec-a",
        "interestedParty": "rec-p",
        "interests": [{"type": "shareholding", "share": {"exact": 40}}],
    },
}


def statements(**changes: Any) -> str:
    """The three good statements as a JSON array, with ``changes`` applied to the relationship."""
    rel = copy.deepcopy(RELATIONSHIP)
    for path, value in changes.items():
        target = rel
        *head, last = path.split("__")
        for key in head:
            target = target[int(key)] if key.isdigit() else target[key]
        if value is None:
            del target[last]
        else:
            target[last] = value
    return json.dumps([ENTITY, PERSON, rel], indent=2)


STARTS = [i for i, t in enumerate(statements().splitlines(), start=1) if t == "  {"]
LINE_OF_RELATIONSHIP = STARTS[2]  # where the third statement starts

# (case, format, file name, content, message pattern, expected line or None)
_NAN = statements(recordDetails__interests__0__share={"minimum": 25}).replace(
    '"minimum": 25', '"minimum": NaN'
)

CASES: list[tuple[str, str, str, str | bytes, str, int | None]] = [
    (
        "bods-nan-share",
        "bods",
        "nan.json",
        _NAN,
        r"not valid JSON: NaN is not a valid JSON number",
        next(i for i, t in enumerate(_NAN.splitlines(), 1) if "NaN" in t),
    ),
    (
        "bods-share-with-5000-digit-exponent",
        "bods",
        "huge.json",
        statements(recordDetails__interests__0__share={"exact": 1}).replace(
            '"exact": 1', '"exact": 1E+5000'
        ),
        r"share\.exact: Infinity is above the maximum of 100",
        LINE_OF_RELATIONSHIP,
    ),
    (
        "bods-share-above-100",
        "bods",
        "share.json",
        statements(recordDetails__interests__0__share={"exact": 140}),
        r"statement 3 \(statementId bad-input-relation.*recordDetails\.interests\[0\]\.share\.exact: "
        r"140 is above the maximum of 100",
        LINE_OF_RELATIONSHIP,
    ),
    (
        "bods-unknown-interest-type",
        "bods",
        "type.json",
        statements(recordDetails__interests__0__type="ownership"),
        r'recordDetails\.interests\[0\]\.type: "ownership" is not a BODS 0\.4 code here; expected '
        r"one of: shareholding, votingRights",
        LINE_OF_RELATIONSHIP,
    ),
    (
        "bods-missing-required",
        "bods",
        "missing.json",
        statements(recordDetails__interestedParty=None),
        r"recordDetails\.interestedParty: missing: BODS 0\.4 requires it",
        LINE_OF_RELATIONSHIP,
    ),
    (
        "bods-dangling-reference",
        "bods",
        "dangling.json",
        statements(recordDetails__subject="rec-nobody"),
        r"recordDetails\.subject: 'rec-nobody' is not the recordId of any entity statement",
        LINE_OF_RELATIONSHIP,
    ),
    (
        "bods-subject-is-a-person",
        "bods",
        "person-subject.json",
        statements(recordDetails__subject="rec-p", recordDetails__interestedParty="rec-a"),
        r"'rec-p' is a person record; the subject of a relationship must be an entity",
        LINE_OF_RELATIONSHIP,
    ),
    (
        "bods-bad-date",
        "bods",
        "date.json",
        statements(recordDetails__interests__0__startDate="2020-02-30"),
        r'startDate: "2020-02-30" is not a date YYYY-MM-DD',
        LINE_OF_RELATIONSHIP,
    ),
    (
        "bods-empty-range",
        "bods",
        "range.json",
        statements(recordDetails__interests__0__share={"minimum": 60, "exclusiveMaximum": 50}),
        r"the range from 60 to 50 holds no share",
        LINE_OF_RELATIONSHIP,
    ),
    (
        "bods-old-version",
        "bods",
        "version.json",
        statements(
            publicationDetails={
                "publicationDate": "2020-01-01",
                "bodsVersion": "0.3",
                "publisher": {"name": "P"},
            }
        ),
        r"this reader reads BODS 0\.4; the statement declares bodsVersion \"0\.3\"",
        LINE_OF_RELATIONSHIP,
    ),
    (
        "bods-duplicate-statement-id",
        "bods",
        "duplicate.json",
        statements(statementId=ENTITY["statementId"]),
        r"is also the id of statement 1 \(line 2\), which says something else",
        LINE_OF_RELATIONSHIP,
    ),
    (
        "bods-not-json",
        "bods",
        "broken.json",
        '[\n  {"statementId": "x",\n  }\n]\n',
        r"not valid JSON: Expecting property name enclosed in double quotes",
        3,
    ),
    (
        "bods-object-not-array",
        "bods",
        "object.json",
        json.dumps(ENTITY),
        r"expected a JSON array of BODS statements; the file holds a JSON object \(it looks like "
        r"one statement: put it in \[ \]\)",
        1,
    ),
    (
        "bods-string-not-array",
        "bods",
        "string.json",
        '"hello"',
        r"expected a JSON array of BODS statements; the file holds a string",
        1,
    ),
    ("bods-empty-file", "bods", "empty.json", "  \n", r"file is empty; expected a BODS", None),
    ("bods-empty-array", "bods", "none.json", "[]", r"the array holds no BODS statements", 1),
    (
        "bods-binary",
        "bods",
        "binary.json",
        b"\x89PNG\r\n\x1a\n\x00\x00\x00",
        r"this is a binary file",
        None,
    ),
    (
        "gleif-broken-turtle",
        "gleif",
        "broken.ttl",
        "@prefix a: <https://ex.org/> .\na:s a:p a:o .\na:t a:p a:o ;\n  a:q .\n",
        r"not valid Turtle: objectList expected",
        4,
    ),
    (
        "gleif-no-entities",
        "gleif",
        "nothing.ttl",
        "@prefix a: <https://ex.org/> .\na:s a:p a:o .\n",
        r"no GLEIF data found: expected Level 1 legal entities",
        None,
    ),
    (
        "gleif-wrong-file-type",
        "gleif",
        "data.jsonld",
        "{}",
        r"unsupported file type '\.jsonld'; expected GLEIF RDF as Turtle \(\.ttl\) or N-Triples",
        None,
    ),
    (
        "gleif-parent-without-lei",
        "gleif",
        "nolei.ttl",
        "@prefix l2: <https://www.gleif.org/ontology/L2/> .\n"
        "@prefix d: <https://ex.org/> .\n\n"
        "d:R-1\n  a l2:DirectConsolidation ;\n"
        "  l2:hasChild d:L-549300PSHWOM1D1JVL23 ;\n  l2:hasParent d:some-parent .\n",
        r"record R-1\): error: parent: the relationship's parent \(https://ex\.org/some-parent\) "
        r"has no LEI",
        4,
    ),
    (
        "gleif-broken-ntriples",
        "gleif",
        "broken.nt",
        '<https://ex.org/s> <https://ex.org/p> <https://ex.org/o> .\n<https://ex.org/s> <https://ex.org/p> "x .\n',
        r"not valid N-Triples: .*line 2",
        2,
    ),
]


@pytest.mark.parametrize(
    ("case", "fmt", "file_name", "content", "pattern", "line"),
    CASES,
    ids=[c[0] for c in CASES],
)
def test_bad_input_is_reported_and_store_unchanged(
    tmp_path: Path,
    sample_store: Path,
    case: str,
    fmt: str,
    file_name: str,
    content: str | bytes,
    pattern: str,
    line: int | None,
) -> None:
    bad = tmp_path / file_name
    if isinstance(content, bytes):
        bad.write_bytes(content)
    else:
        bad.write_text(content, "utf-8")
    if case.startswith("bods") and line == LINE_OF_RELATIONSHIP:
        starts = [i for i, t in enumerate(bad.read_text("utf-8").splitlines(), 1) if t == "  {"]
        assert starts[2] == LINE_OF_RELATIONSHIP
    before = canonical_dump(sample_store)
    result = CliRunner().invoke(
        main, ["ingest", "--format", fmt, str(bad), "--store", str(sample_store)]
    )
    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output
    assert re.search(pattern, result.output), result.output
    assert str(bad) in result.output  # every message names the file
    if line is not None:
        assert f"{bad}:{line}" in result.output, result.output
    assert "nothing was written" in result.output
    assert canonical_dump(sample_store) == before


def test_every_problem_of_a_bods_file_at_once(tmp_path: Path, sample_store: Path) -> None:
    data = json.loads(statements(recordDetails__interests__0__share={"exact": -5}))
    data[0]["recordDetails"]["entityType"]["type"] = "company"
    del data[1]["statementDate"]
    bad = tmp_path / "many.json"
    bad.write_text(json.dumps(data, indent=2), "utf-8")
    before = canonical_dump(sample_store)
    result = CliRunner().invoke(
        main, ["ingest", "--format", "bods", str(bad), "--store", str(sample_store)]
    )
    assert result.exit_code == 1
    assert "3 error(s); nothing was written" in result.output
    starts = [i for i, t in enumerate(bad.read_text("utf-8").splitlines(), 1) if t == "  {"]
    for n, line in enumerate(starts, start=1):
        assert f"{bad}:{line} (statement {n}" in result.output, result.output
    assert canonical_dump(sample_store) == before


def test_bad_source_id_is_refused(tmp_path: Path, sample_store: Path, shared_dir: Path) -> None:
    before = canonical_dump(sample_store)
    result = CliRunner().invoke(
        main,
        [
            "ingest",
            "--format",
            "bods",
            str(BODS_EXAMPLE),
            "--source-id",
            "Not Valid",
            "--store",
            str(sample_store),
        ],
    )
    assert result.exit_code == 1
    assert "source id 'Not Valid' is not valid" in result.output
    assert canonical_dump(sample_store) == before


def test_good_files_are_ingested(sample_store: Path, shared_dir: Path) -> None:
    runner = CliRunner()
    result = runner.invoke(
        main, ["ingest", "--format", "bods", str(BODS_EXAMPLE), "--store", str(sample_store)]
    )
    assert result.exit_code == 0, result.output
    result = runner.invoke(
        main,
        [
            "ingest",
            "--format",
            "gleif",
            str(GLEIF_SAMPLE / "L1Data.ttl"),
            str(GLEIF_SAMPLE / "L2Data.ttl"),
            "--store",
            str(sample_store),
        ],
    )
    assert result.exit_code == 0, result.output
    assert "bods-package-fi-soe" in result.output
    assert "l1data, l2data" in result.output
    # one bad file among good ones: nothing of the good ones is written either
    before = canonical_dump(sample_store)
    bad = sample_store.parent / "bad.ttl"
    bad.write_text("@prefix a: <https://ex.org/> .\na:s a:p .\n", "utf-8")
    result = runner.invoke(
        main,
        [
            "ingest",
            "--format",
            "gleif",
            str(GLEIF_SAMPLE / "ReportingExceptionData.ttl"),
            str(bad),
            "--store",
            str(sample_store),
        ],
    )
    assert result.exit_code == 1
    assert canonical_dump(sample_store) == before
