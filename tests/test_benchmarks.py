"""The benchmark suite keeps working: one small run of ``benchmarks/run.py`` (10,000 firms by
default, gvcgraph and the rdflib + networkx + pyvis baseline) and checks of what it produced.

No timing is asserted: only that every step ran and was measured, that the report has a row
per step, that the two forms of the synthetic data hold the same relations and pass
validation, and that gvcgraph and the baseline compute the same results.

To keep the run short, only the named query that rdflib answers in seconds runs (the others
take minutes in rdflib at this size; ``benchmarks/run.py`` runs all five by default), and the
case-study path is timed on one file of 500 rows (the SHACL shapes cost tens of
milliseconds a row). ``GVCGRAPH_BENCH_TEST_FIRMS`` sets another size.
"""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
FIRMS = int(os.environ.get("GVCGRAPH_BENCH_TEST_FIRMS", "10000"))
QUERY = "ownership-stakes"
ANALYSES = ["projection", "pagerank", "betweenness", "tiers", "captive", "ownership"]
GVCGRAPH_STEPS = {
    "ingest-context",
    "ingest-edgelist",
    "ingest-edgelist-memory",
    "ingest-casestudy",
    "open-store",
    f"query:{QUERY}",
    *ANALYSES,
    *(f"again:{a}" for a in ANALYSES),
    "map",
    "figure",
}
ANALYSIS_NAMES = (
    "projection",
    "PageRank",
    "betweenness",
    "tier depth",
    "captive chains",
    "integrated ownership",
)
BASELINE_STEPS = {"ingest-context", "ingest-edgelist", f"query:{QUERY}", *ANALYSES, "map"}


@pytest.fixture(scope="module")
def bench(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """Run the benchmark once; its JSON document, markdown report and data folder."""
    work = tmp_path_factory.mktemp("bench")
    cmd = [
        sys.executable,
        "-m",
        "benchmarks.run",
        "--firms",
        str(FIRMS),
        "--baseline",
        "--dir",
        str(work / "data"),
        "--queries",
        QUERY,
        "--part-size",
        "500",
        "--casestudy-parts",
        "1",
        "--step-timeout",
        "300",
        "--keep-stores",
        "--json",
        str(work / "bench.json"),
        "--markdown",
        str(work / "bench.md"),
    ]
    done = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=1800)
    assert done.returncode == 0, done.stderr[-3000:]
    doc = json.loads((work / "bench.json").read_text())
    return {
        "doc": doc,
        "run": doc["runs"][0],
        "markdown": (work / "bench.md").read_text(),
        "stdout": done.stdout,
        "data": work / "data" / str(FIRMS),
    }


def test_every_step_ran_and_was_measured(bench: dict[str, Any]) -> None:
    steps = bench["run"]["steps"]
    for tool, expected in (("gvcgraph", GVCGRAPH_STEPS), ("baseline", BASELINE_STEPS)):
        mine = {s["key"]: s for s in steps if s["tool"] == tool}
        assert set(mine) == expected, tool
        for key, step in mine.items():
            assert step["status"] == "ok", (tool, key, step.get("error"))
            assert step["seconds"] > 0, (tool, key)
            assert step["peak_mb"] > 0, (tool, key)
    ingest = next(s for s in steps if s["tool"] == "gvcgraph" and s["key"] == "ingest-edgelist")
    assert ingest["command"].startswith("gvcgraph ingest --format edgelist ")
    assert ingest["result"]["rows"] == bench["run"]["data"]["rows"]
    memory = next(s for s in steps if s["key"] == "ingest-edgelist-memory")
    assert memory["result"]["rows"] == bench["run"]["data"]["rows"]
    assert memory["result"]["quads"] > bench["run"]["triples"]["gvcgraph"]  # + the ontology


def test_run_records_machine_versions_and_command(bench: dict[str, Any]) -> None:
    doc = bench["doc"]
    assert doc["machine"]["cores"] >= 1
    assert doc["machine"]["memory_gb"] > 0
    assert doc["machine"]["cpu_model"]
    for lib in ("python", "pyoxigraph", "rdflib", "networkx", "pyvis", "scipy"):
        assert doc["versions"][lib], lib
    assert doc["command"].startswith("python -m benchmarks.run --firms")
    assert bench["run"]["data"]["firms"] == FIRMS


def _table(markdown: str) -> dict[str, list[str]]:
    rows = {}
    for line in markdown.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if line.startswith("| ") and len(cells) == 6 and cells[0] != "step":
            rows[cells[0]] = cells[1:]
    return rows


def test_markdown_has_a_row_per_step_with_ratios(bench: dict[str, Any]) -> None:
    rows = _table(bench["markdown"])
    assert bench["markdown"] in bench["stdout"]
    expected = {
        "ingest: edge list (gvcgraph: CLI": True,
        "ingest: edge list (gvcgraph: Python API, in memory)": True,
        "ingest: context": False,  # different work on the two sides: no ratio
        "ingest: case-study files": None,  # gvcgraph only
        f"query {QUERY}": True,
        "named queries, total": True,
        "projection": True,
        "PageRank": True,
        "betweenness": True,
        "tier depth": True,
        "captive chains": True,
        "integrated ownership": True,
        "analysis suite, total": True,
        **{f"again, projection cached: {name}": True for name in ANALYSIS_NAMES},
        "analysis suite again, projection cached: total": True,
        "map": True,
        "figure": None,
        "open the store": None,
    }
    for start, has_ratio in expected.items():
        found = [cells for name, cells in rows.items() if name.strip("*").startswith(start)]
        assert len(found) == 1, start
        g_s, g_mb, b_s, b_mb, ratio = found[0]
        assert float(g_s.replace(",", "")) > 0 and float(g_mb.replace(",", "")) > 0, start
        if has_ratio:
            assert float(b_s.replace(",", "")) > 0 and float(b_mb.replace(",", "")) > 0, start
            assert ratio.endswith("x") and float(ratio[:-1].replace(",", "")) > 0, start
        elif has_ratio is False:
            assert ratio == "n/c"
        else:
            assert b_s == "" and ratio == "", start
    assert len(rows) == len(expected)


def test_second_analysis_reads_the_cached_projection_and_finds_the_same(
    bench: dict[str, Any],
) -> None:
    steps = {s["key"]: s for s in bench["run"]["steps"] if s["tool"] == "gvcgraph"}
    for name in ANALYSES:
        first = {k: v for k, v in steps[name]["result"].items() if k != "write_results_s"}
        assert steps[f"again:{name}"]["result"] == first, name
    store = bench["data"] / "store-gvcgraph"
    version = (store / "HEAD").read_text(encoding="utf-8").strip()
    manifest = store / f"{version}.cache" / "projection" / "manifest.json"
    assert set(json.loads(manifest.read_text(encoding="utf-8"))["frames"]) >= {"nodes", "edges"}


def _csv_relations(path: Path) -> Counter[tuple]:
    with path.open(newline="", encoding="utf-8") as f:
        return Counter(
            (r["relation"], r["source"], r["target"], r["share"], r["date"], r["end_date"], line)
            for line, r in enumerate(csv.DictReader(f), start=2)
        )


def _yaml_relations(paths: list[Path]) -> Counter[tuple]:
    out: Counter[tuple] = Counter()
    sections = {
        "supply": ("supplies", "supplier", "buyer"),
        "ownership": ("owns", "owner", "owned"),
        "memberships": ("member-of", "member", "organization"),
    }
    for path in paths:
        doc = yaml.load(path.read_text(encoding="utf-8"), Loader=yaml.CSafeLoader)
        assert doc["source"]["file"] == "edges.csv"
        for section, (relation, source, target) in sections.items():
            for r in doc.get(section, []):
                share = f"{r['share']:g}" if "share" in r else ""
                out[
                    (
                        relation,
                        r[source],
                        r[target],
                        share,
                        str(r.get("from", "")),
                        str(r.get("to", "")),
                        r["evidence"]["line"],
                    )
                ] += 1
    return out


def test_csv_and_casestudy_files_hold_the_same_relations(bench: dict[str, Any]) -> None:
    data, meta = bench["data"], bench["run"]["data"]
    from_csv = _csv_relations(data / meta["csv"])
    from_yaml = _yaml_relations([data / p for p in meta["parts"]])
    assert sum(from_csv.values()) == meta["rows"] == sum(from_yaml.values())
    assert from_csv == from_yaml
    kinds = Counter(k[0] for k in from_csv.elements())
    assert dict(kinds) == meta["relations"]
    assert meta["rows"] / FIRMS > 3.5  # about four relations a firm
    assert len(meta["parts"]) == -(-meta["rows"] // 500)


def test_casestudy_files_pass_validation(bench: dict[str, Any]) -> None:
    # The first file and the context passed `gvcgraph ingest` in the run (which validates,
    # SHACL shapes included, and writes nothing on an error); here the last file.
    data, meta = bench["data"], bench["run"]["data"]
    step = next(s for s in bench["run"]["steps"] if s["key"] == "ingest-casestudy")
    assert step["status"] == "ok" and step["result"]["files"] == 1
    last = data / meta["parts"][-1]
    done = subprocess.run(
        [sys.executable, "-c", "from gvcgraph.cli import main; main()", "validate", str(last)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "0 error(s)" in done.stdout + done.stderr


def test_gvcgraph_and_baseline_agree(bench: dict[str, Any]) -> None:
    run = bench["run"]
    checks = run["checks"]
    # the same data: the baseline's triples are gvcgraph's, one for one
    assert run["triples"]["gvcgraph"] == run["triples"]["baseline"] > 10 * FIRMS
    assert checks["same_nodes"]
    assert checks["pagerank_top10_same"] and checks["pagerank_max_abs_diff"] < 1e-9
    assert checks["betweenness_top10_same"] and checks["betweenness_max_abs_diff"] < 1e-9
    assert checks["lead_firms"] > 0 and checks["lead_firms_same"]
    assert checks["tier_depth_same"]
    assert max(t for _, t in checks["tier_depth"].values()) >= 5  # tiers under lead firms
    assert checks["captive_links"] > 0 and checks["captive_links_same"]
    assert checks["ownership_pairs"] > FIRMS / 2 and checks["ownership_pairs_same"]
    # walk sums and first-passage sums differ only on pairs touched by cross-holding cycles
    assert checks["ownership_shares_agree"] > 0.95
    query = [s for s in run["steps"] if s["key"] == f"query:{QUERY}"]
    assert len({s["result"]["rows"] for s in query}) == 1 and query[0]["result"]["rows"] > 0


def test_analysis_scale_stands_in_for_the_store_read(bench: dict[str, Any]) -> None:
    """benchmarks/analysis_scale.py builds the projection from the generator instead of the
    store: its supply and ownership edges must be the store's, and its analyses must run."""
    from benchmarks.analysis_scale import run, whole_projection
    from benchmarks.synthetic import generate
    from gvcgraph import KnowledgeGraph
    from gvcgraph.graph.project import project

    seed = bench["run"]["data"].get("seed", 1)
    frames = whole_projection(generate(FIRMS, seed))
    kg = KnowledgeGraph(bench["data"] / "store-gvcgraph")
    read = project(kg, "all").edges
    kg.close()
    read = read[read["source"] == "edges"]

    def rows(e: Any) -> Counter[tuple]:
        share = e["share_max"].astype(float).round(6).fillna(-1)
        return Counter(zip(e["relation"], e["u"], e["v"], share, e["fact"], strict=True))

    assert rows(frames["edges"]) == rows(read)
    out = run(2_000, k=8, seed=seed)
    steps = {s["key"]: s for s in out["steps"]}
    assert set(steps) == set(ANALYSES)
    assert all(s["status"] == "ok" for s in steps.values())
    assert steps["tiers"]["result"]["leads"] > 0 and steps["ownership"]["result"]["pairs"] > 0
