"""The benchmark's markdown report, made from the runner's JSON (:mod:`benchmarks.run`).

``python -m benchmarks.report results.json`` prints it again from a saved JSON file.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

ORDER = [
    "ingest-context",
    "ingest-edgelist",
    "ingest-edgelist-memory",
    "ingest-casestudy",
    "query:",
    "queries-total",
    "projection",
    "pagerank",
    "betweenness",
    "tiers",
    "captive",
    "ownership",
    "analysis-suite",
    "again:",
    "analysis-suite-again",
    "map",
    "figure",
]
"""Row order of the table (keys, ``query:`` standing for every query)."""

ANALYSIS_STEPS = ("projection", "pagerank", "betweenness", "tiers", "captive", "ownership")
"""Steps that make up the analysis suite (its total row)."""

NOT_COMPARABLE = {"ingest-context"}
"""Steps whose two sides do different work: no ratio."""

NAMES = {
    "ingest-context": "ingest: context (gvcgraph: case study, CLI; baseline: N-Quads + ontology)",
    "ingest-edgelist": "ingest: edge list (gvcgraph: CLI, on disk; baseline: rdflib in memory)",
    "projection": "projection: read the networks from the graph",
    "map": "map (gvcgraph: CLI, supply view; baseline: pyvis)",
    "analysis-suite": "**analysis suite, total (projection to ownership)**",
    "analysis-suite-again": "**analysis suite again, projection cached: total**",
    "queries-total": "**named queries, total**",
}
"""Row names where the two sides' own step names differ."""


SAME_BASELINE = {
    "ingest-edgelist-memory": "ingest-edgelist",
    "analysis-suite-again": "analysis-suite",
    **{f"again:{k}": k for k in ANALYSIS_STEPS},
}
"""gvcgraph steps compared with a baseline step of another key: the in-memory ingest with the
baseline's (in memory too), and the second analysis run with the baseline's only run (it has
no cache: its second run costs what its first did)."""


def _rank(key: str) -> tuple[int, str]:
    if key.startswith("again:") and key[6:] in ANALYSIS_STEPS:  # in the suite's order
        return ORDER.index("again:"), str(ANALYSIS_STEPS.index(key[6:]))
    for i, prefix in enumerate(ORDER):
        if key == prefix or (prefix.endswith(":") and key.startswith(prefix)):
            return i, key
    return len(ORDER), key


def _seconds(step: dict[str, Any] | None) -> str:
    if step is None:
        return ""
    if step["status"] == "timeout":
        return f"> {step['seconds']:,.0f} (timeout)"
    if step["status"] == "error":
        return "error"
    if step["status"] == "skipped":
        return "skipped"
    s = step["seconds"]
    if s < 1:
        return f"{s:.2g}"  # 0.0042: short steps keep two significant digits
    return f"{s:,.2f}" if s < 100 else f"{s:,.0f}"


def _mb(step: dict[str, Any] | None) -> str:
    if step is None or step["status"] in ("error", "skipped") or not step.get("peak_mb"):
        return ""
    return f"{step['peak_mb']:,.0f}"


def ratio(gvc: dict[str, Any] | None, base: dict[str, Any] | None) -> str:
    """Baseline time over gvcgraph's, as text (``> x`` when the baseline timed out)."""
    if not gvc or not base or gvc["status"] != "ok" or base["status"] not in ("ok", "timeout"):
        return ""
    if gvc["key"] in NOT_COMPARABLE:
        return "n/c"
    r = base["seconds"] / max(gvc["seconds"], 1e-6)
    text = f"{r:,.1f}x" if r < 100 else f"{r:,.0f}x"
    return ("> " + text) if base["status"] == "timeout" else text


def _total(parts: list[dict[str, Any]], key: str, tool: str) -> dict[str, Any]:
    bad = [s for s in parts if s["status"] != "ok"]
    return {
        "key": key,
        "tool": tool,
        "step": key,
        "status": bad[0]["status"] if bad else "ok",
        "seconds": sum(s["seconds"] for s in parts),
        "peak_mb": max(s.get("peak_mb") or 0 for s in parts),
    }


def suite_total(steps: list[dict[str, Any]], tool: str, prefix: str = "") -> dict[str, Any] | None:
    """The analysis suite's total for one tool (sum of its steps), or None if one is missing;
    ``prefix="again:"`` for the second run on the same store version."""
    wanted = {prefix + k for k in ANALYSIS_STEPS}
    parts = [s for s in steps if s["tool"] == tool and s["key"] in wanted]
    if len(parts) != len(ANALYSIS_STEPS):
        return None
    return _total(parts, "analysis-suite-again" if prefix else "analysis-suite", tool)


def queries_total(steps: list[dict[str, Any]], tool: str) -> dict[str, Any] | None:
    """All named queries of one tool together (None without queries); a lower bound when one
    timed out."""
    parts = [s for s in steps if s["tool"] == tool and s["key"].startswith("query:")]
    return _total(parts, "queries-total", tool) if parts else None


def scale_table(run: dict[str, Any]) -> str:
    """The markdown table of one scale: a row per step, both tools side by side."""
    steps = run["steps"]
    by: dict[tuple[str, str], dict[str, Any]] = {(s["tool"], s["key"]): s for s in steps}
    for tool in ("gvcgraph", "baseline"):
        totals = (suite_total(steps, tool), suite_total(steps, tool, "again:"))
        for total in (*totals, queries_total(steps, tool)):
            if total:
                by[(tool, total["key"])] = total
    keys = sorted({k for _, k in by}, key=_rank)
    names = {k: s["step"] for (t, k), s in sorted(by.items())}
    names.update(NAMES)
    lines = [
        "| step | gvcgraph s | gvcgraph peak MB | baseline s | baseline peak MB "
        "| baseline / gvcgraph |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for k in keys:
        g, b = by.get(("gvcgraph", k)), by.get(("baseline", k))
        if k in SAME_BASELINE:
            b = by.get(("baseline", SAME_BASELINE[k]))
        name = names[k]
        lines.append(
            f"| {name} | {_seconds(g)} | {_mb(g)} | {_seconds(b)} | {_mb(b)} | {ratio(g, b)} |"
        )
    return "\n".join(lines)


def _facts(doc: dict[str, Any]) -> list[str]:
    m, v = doc["machine"], doc["versions"]
    libs = ", ".join(f"{k} {x}" for k, x in v.items() if x)
    return [
        f"Machine: {m.get('cpu_model')}, {m.get('cores')} cores ({m.get('cores_usable')} usable), "
        f"{m.get('memory_gb')} GB, {m.get('os')}; load average at start "
        f"{', '.join(f'{x:.2f}' for x in m.get('load_average') or [])}.",
        f"Libraries: {libs}.",
        f"Code: commit {doc.get('revision', {}).get('commit', '?')[:12]}"
        + (
            f", with uncommitted changes in {', '.join(doc['revision']['uncommitted'])}"
            if doc.get("revision", {}).get("uncommitted")
            else ""
        )
        + ".",
        f"Command: `{doc['command']}`",
    ]


def _scale_notes(run: dict[str, Any]) -> list[str]:
    d = run["data"]
    rel = ", ".join(f"{k} {n:,}" for k, n in d["relations"].items())
    out = [
        f"Data: {d['firms']:,} firms, {d['rows']:,} edge-list rows ({rel}), "
        f"{len(d['parts'])} case-study files; generated in {d['seconds']:.1f} s."
    ]
    if run.get("triples"):
        t = run["triples"]
        out.append(
            "Quads outside the ontology graph: "
            + ", ".join(f"{k} {v:,}" for k, v in t.items() if v is not None)
            + "."
        )
    out += [f"Note: {n}" for n in run.get("notes", [])]
    checks = run.get("checks")
    if checks:
        out.append(
            "Cross-check with the baseline: "
            + "; ".join(f"{k}: {v}" for k, v in checks.items() if not isinstance(v, dict | list))
            + "."
        )
    return out


def markdown(doc: dict[str, Any]) -> str:
    """The whole report: facts of the run, then a table and notes per scale."""
    parts = ["# gvcgraph benchmarks", "", *_facts(doc), ""]
    for run in doc["runs"]:
        parts += [f"## {run['data']['firms']:,} firms", "", scale_table(run), ""]
        parts += [*_scale_notes(run), ""]
    return "\n".join(parts)


def main(argv: list[str] | None = None) -> None:
    """Print the markdown report of a saved JSON file."""
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("json", type=Path)
    args = ap.parse_args(argv)
    sys.stdout.write(markdown(json.loads(args.json.read_text())))


if __name__ == "__main__":
    main()
