"""Helpers for tests that run `gvcgraph` in other processes against one on-disk store: a
deterministic edge-list generator and a runner for the command line in a child process."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

CLI = [sys.executable, "-c", "from gvcgraph.cli import main; main()"]


def write_edgelist(path: Path, rows: int, firms: int = 2_000, salt: str = "") -> Path:
    """A deterministic edge list: supplies, owns (with shares) and controls rows, dates and
    quotes, between ``firms`` firms; ``salt`` changes every quote (a new version of a file)."""
    lines = ["source,target,relation,share,date,evidence"]
    for i in range(rows):
        u = i % firms
        v = (i * 7 + 1 + i // firms) % firms
        if v == u:
            v = (u + 1) % firms
        kind = i % 10
        if kind < 8:
            rel, share = "supplies", ""
        elif kind == 8:
            rel, share = "owns", str(10 + i % 80)
        else:
            rel, share = "controls", ""
        date = str(1990 + i % 30) if i % 2 else ""
        lines.append(f'firm-{u},firm-{v},{rel},{share},{date},"row {i}{salt}: a quote"')
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def gvcgraph(*args: str, env: dict[str, str] | None = None, **kwargs: object) -> subprocess.Popen:
    """Start ``gvcgraph ARGS`` in a child process (stdout and stderr piped together)."""
    full_env = {**os.environ, **(env or {})}
    return subprocess.Popen(
        [*CLI, *args],
        env=full_env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        **kwargs,  # type: ignore[arg-type]
    )


def run_gvcgraph(*args: str, env: dict[str, str] | None = None) -> tuple[int, str]:
    """Run ``gvcgraph ARGS`` to the end; its exit status and output."""
    proc = gvcgraph(*args, env=env)
    out, _ = proc.communicate(timeout=600)
    return proc.returncode, out
