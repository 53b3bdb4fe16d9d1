"""The command line: every command has help with an example; info, query, export, vocab,
template, remove, and GVCGRAPH_STORE work on a real on-disk store."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from rdflib import Dataset, Graph
from rdflib.compare import isomorphic

from gvcgraph.cli import main
from gvcgraph.graph.store import KnowledgeGraph
from tests.conftest import SAMPLE_YAML


def test_every_command_has_help_with_an_example() -> None:
    runner = CliRunner()
    for name, command in main.commands.items():
        result = runner.invoke(main, [name, "--help"])
        assert result.exit_code == 0, name
        if getattr(command, "commands", None):  # a group: its subcommands carry the examples
            continue
        assert "Example" in result.output, f"{name} --help has no example"


def test_ingest_info_and_env_store(sample_store: Path) -> None:
    runner = CliRunner()
    result = runner.invoke(main, ["info"], env={"GVCGRAPH_STORE": str(sample_store)})
    assert result.exit_code == 0, result.output
    assert "sample-harness" in result.output
    assert "gvc:SupplyRelation" in result.output
    result = runner.invoke(main, ["info", "--store", str(sample_store), "--format", "csv"])
    rows = list(csv.DictReader(io.StringIO(result.output)))
    counts = {r["class"]: int(r["count"]) for r in rows}
    assert counts["gvc:Firm"] == 3 and counts["gvc:Ownership"] == 1


@pytest.mark.parametrize("fmt", ["table", "csv", "tsv", "json"])
def test_query_formats(sample_store: Path, fmt: str) -> None:
    q = "SELECT ?label WHERE { ?f a gvc:Firm ; skos:prefLabel ?label } ORDER BY ?label"
    result = CliRunner().invoke(
        main, ["query", "-e", q, "--format", fmt, "--store", str(sample_store)]
    )
    assert result.exit_code == 0, result.output
    labels = ["Harness maker B", "OEM A", "Wire supplier D"]
    if fmt == "json":
        assert [r["label"] for r in json.loads(result.output)] == labels
    elif fmt in ("csv", "tsv"):
        sep = "," if fmt == "csv" else "\t"
        assert result.output.splitlines() == ["label", *labels] or sep
        assert result.output.splitlines()[1:] == labels
    else:
        for label in labels:
            assert label in result.output


def test_query_from_file_ask_and_construct(sample_store: Path, tmp_path: Path) -> None:
    rq = tmp_path / "q.rq"
    rq.write_text("ASK { id:harness-b gvc:suppliesTo id:oem-a }", "utf-8")
    runner = CliRunner()
    result = runner.invoke(main, ["query", "-f", str(rq), "--store", str(sample_store)])
    assert result.output.strip() == "true"
    result = runner.invoke(
        main,
        [
            "query",
            "-e",
            "CONSTRUCT { ?s gvc:suppliesTo ?o } WHERE { ?s gvc:suppliesTo ?o }",
            "--store",
            str(sample_store),
        ],
    )
    g = Graph().parse(data=result.output, format="turtle")
    assert len(g) == 2
    # no triples: still Turtle (a comment) and still an answer
    result = runner.invoke(
        main,
        [
            "query",
            "-e",
            "CONSTRUCT { ?s gvc:x ?o } WHERE { ?s gvc:x ?o }",
            "--store",
            str(sample_store),
        ],
    )
    assert result.exit_code == 0
    assert result.output == "# the query gave no triples\n"
    assert len(Graph().parse(data=result.output, format="turtle")) == 0


def test_query_errors_are_messages_not_tracebacks(sample_store: Path, tmp_path: Path) -> None:
    runner = CliRunner()
    result = runner.invoke(main, ["query", "-e", "SELEC ?x", "--store", str(sample_store)])
    assert result.exit_code == 2
    assert "SPARQL syntax error" in result.output
    assert "Traceback" not in result.output
    result = runner.invoke(main, ["query", "--store", str(sample_store)])
    assert result.exit_code == 2 and "exactly one of" in result.output


@pytest.mark.parametrize("fmt", ["ttl", "nt", "nq", "trig", "jsonld"])
def test_export_reimports_isomorphic(sample_store: Path, tmp_path: Path, fmt: str) -> None:
    out = tmp_path / f"graph.{fmt}"
    result = CliRunner().invoke(
        main, ["export", "--format", fmt, "--out", str(out), "--store", str(sample_store)]
    )
    assert result.exit_code == 0, result.output
    with KnowledgeGraph(sample_store) as kg:
        expected = kg.construct("""CONSTRUCT { ?s ?p ?o } WHERE { GRAPH ?g { ?s ?p ?o }
                                   FILTER(?g != graph:ontology) }""")
        n_graphs = len([g for g in kg.store.named_graphs() if "ontology" not in g.value])
    if fmt in ("nq", "trig"):
        ds = Dataset()
        ds.parse(out, format={"nq": "nquads", "trig": "trig"}[fmt])
        got = Graph()
        for s, p, o, _g in ds.quads((None, None, None, None)):
            got.add((s, p, o))
        assert len({str(c) for c in ds.graphs() if len(c)}) == n_graphs
    else:
        got = Graph().parse(out, format={"ttl": "turtle", "nt": "nt", "jsonld": "json-ld"}[fmt])
    assert isomorphic(got, expected)


def test_remove_and_template_and_vocab(sample_store: Path, tmp_path: Path) -> None:
    runner = CliRunner()
    result = runner.invoke(main, ["remove", "sample-harness", "--store", str(sample_store)])
    assert result.exit_code == 0
    with KnowledgeGraph(sample_store) as kg:
        assert kg.source_ids() == []
    result = runner.invoke(main, ["template", "--out", str(tmp_path / "t.xlsx")])
    assert result.exit_code == 0 and (tmp_path / "t.xlsx").exists()
    result = runner.invoke(main, ["vocab", "governance"])
    assert result.output.split() == ["captive", "hierarchy", "market", "modular", "relational"]
    result = runner.invoke(main, ["vocab", "nope"])
    assert result.exit_code == 2 and "unknown scheme" in result.output


def test_ingest_needs_a_store() -> None:
    result = CliRunner().invoke(main, ["ingest", str(SAMPLE_YAML)], env={"GVCGRAPH_STORE": ""})
    assert result.exit_code == 2
    assert "give --store" in result.output


def test_store_being_written_reads_old_version_and_second_writer_gets_a_clear_message(
    sample_store: Path,
) -> None:
    holder = KnowledgeGraph(sample_store)
    runner = CliRunner()
    try:
        with holder.writing() as store:
            store.update("DROP GRAPH <https://w3id.org/gvcgraph/graph/source/sample-harness>")
            reading = runner.invoke(main, ["info", "--store", str(sample_store)])
            writing = runner.invoke(
                main,
                ["remove", "sample-harness", "--store", str(sample_store)],
                env={"GVCGRAPH_LOCK_TIMEOUT": "0.3"},
            )
    finally:
        holder.close()
    assert reading.exit_code == 0, reading.output
    assert "sample-harness" in reading.output  # the published version, not the one being written
    assert writing.exit_code == 2, writing.output
    assert "is being written by process" in writing.output
    assert "GVCGRAPH_LOCK_TIMEOUT" in writing.output


def test_table_output_shows_control_characters_of_labels_as_text() -> None:
    """A label holding terminal escape sequences (title change, clear screen) is printed with
    them made visible in the table format, and kept exact in CSV."""
    import io

    import pandas as pd

    from gvcgraph.cli.common import emit_table

    df = pd.DataFrame({"label": ["ACME\x1b]0;pwned\x07\x1b[2J Ltd"], "n": [1]})
    table, csv = io.StringIO(), io.StringIO()
    emit_table(df, "table", table)
    emit_table(df, "csv", csv)
    assert "\x1b" not in table.getvalue() and "\x07" not in table.getvalue()
    assert "ACME\\x1b]0;pwned\\x07\\x1b[2J Ltd" in table.getvalue()
    assert "ACME\x1b]0;pwned\x07\x1b[2J Ltd" in csv.getvalue()


def test_printable_keeps_quoted_text_on_one_line() -> None:
    """Separators that str.splitlines (and some terminals) treat as line breaks are shown as
    escapes, so a statement id of "\\x1e" cannot split a message (found by the BODS fuzz test)."""
    from gvcgraph.text import printable

    assert printable("id\x1e\u2028x\n") == "id\\x1e\\u2028x\\x0a"
    assert printable("id\x1e\u2028x").splitlines() == ["id\\x1e\\u2028x"]
    assert printable("tab\tkept") == "tab\tkept"
