"""Crash safety: `gvcgraph ingest` killed with SIGKILL at every step of a write, and at
moments found by watching the store directory (while it reads the file, during the bulk load),
leaves the on-disk store exactly as it was before that ingest or exactly as it is after it,
never a part; the next ingest then works and cleans up what the killed one left.

The mechanism (gvcgraph/graph/storedir.py): a write goes to a private copy of the current
version, published by one atomic replacement of the HEAD file. ``GVCGRAPH_CRASH_AT`` makes the
process kill itself at a named step of that protocol.
"""

from __future__ import annotations

import shutil
import signal
import time
from pathlib import Path

import pytest

from gvcgraph.graph.storedir import StoreDirectory
from tests.conftest import SAMPLE_YAML, canonical_dump
from tests.store_processes import gvcgraph, run_gvcgraph, write_edgelist

STEPS = ["copied", "written", "closed", "renamed", "published"]
"""The steps of a write (see StoreDirectory.begin_write and commit), in order."""

LARGE_ROWS = 10_000


@pytest.fixture(scope="module")
def states(tmp_path_factory: pytest.TempPathFactory) -> dict[str, object]:
    """A store holding the sample case study and a first version of an edge list ``links``
    (the state "before"), a second, larger version of that edge list, a changed version of
    the case study, and the state of the store after ingesting each of them."""
    root = tmp_path_factory.mktemp("crash")
    base = root / "base"
    (root / "old").mkdir()
    old = write_edgelist(root / "old" / "links.csv", 500, salt=" (old)")
    new = write_edgelist(root / "links.csv", LARGE_ROWS)
    case = root / "case.yaml"
    case.write_text(
        SAMPLE_YAML.read_text(encoding="utf-8").replace("Harness", "Harnesses", 1),
        encoding="utf-8",
    )
    assert run_gvcgraph("ingest", str(SAMPLE_YAML), "--store", str(base))[0] == 0
    assert run_gvcgraph("ingest", "--format", "edgelist", str(old), "--store", str(base))[0] == 0
    before = canonical_dump(base)
    after, seconds = {}, {}
    for kind, args in {
        "edgelist": ["--format", "edgelist", str(new)],
        "casestudy": [str(case)],
    }.items():
        copy = root / f"after-{kind}"
        shutil.copytree(base, copy)
        t0 = time.monotonic()
        code, out = run_gvcgraph("ingest", *args, "--store", str(copy))
        seconds[kind] = time.monotonic() - t0
        assert code == 0, out
        after[kind] = canonical_dump(copy)
        assert after[kind] != before
    return {
        "base": base,
        "before": before,
        "after": after,
        "seconds": seconds,
        "new": new,
        "case": case,
    }


def _args(states: dict[str, object], kind: str) -> list[str]:
    if kind == "edgelist":
        return ["--format", "edgelist", str(states["new"])]
    return [str(states["case"])]


def _fresh_store(states: dict[str, object], tmp_path: Path) -> Path:
    store = tmp_path / "store"
    shutil.copytree(states["base"], store)  # type: ignore[arg-type]
    return store


@pytest.mark.parametrize(
    ("kind", "step"),
    [("edgelist", step) for step in STEPS] + [("casestudy", "written"), ("casestudy", "renamed")],
)
def test_killed_at_each_step_leaves_before_or_after(
    states: dict[str, object], tmp_path: Path, kind: str, step: str
) -> None:
    store = _fresh_store(states, tmp_path)
    code, out = run_gvcgraph(
        "ingest", *_args(states, kind), "--store", str(store), env={"GVCGRAPH_CRASH_AT": step}
    )
    assert code == -signal.SIGKILL, out
    expected = states["after"][kind] if step == "published" else states["before"]  # type: ignore[index]
    assert canonical_dump(store) == expected


def test_the_next_ingest_after_a_kill_works_and_cleans_up(
    states: dict[str, object], tmp_path: Path
) -> None:
    store = _fresh_store(states, tmp_path)
    args = _args(states, "edgelist")
    code, _ = run_gvcgraph(
        "ingest", *args, "--store", str(store), env={"GVCGRAPH_CRASH_AT": "closed"}
    )
    assert code == -signal.SIGKILL
    assert list(store.glob("v*.tmp")), "the killed write left its unpublished copy"
    code, out = run_gvcgraph("ingest", *args, "--store", str(store))
    assert code == 0, out
    assert canonical_dump(store) == states["after"]["edgelist"]  # type: ignore[index]
    assert list(store.glob("*.tmp")) == []
    assert StoreDirectory(store).versions() == [StoreDirectory(store).head()]


def _kill_when(store: Path, args: list[str], seen: str) -> bool:
    """Start the ingest, SIGKILL it as soon as the store shows ``seen`` ("spool": the RDF being
    written while the file is read; "loading": the bulk loader writing the new version's
    files). Returns whether the kill came at that moment (not after the process ended)."""
    proc = gvcgraph("ingest", *args, "--store", str(store))
    deadline = time.monotonic() + 300
    hit = False
    while proc.poll() is None and time.monotonic() < deadline:
        if seen == "spool":
            hit = any(p.stat().st_size > 0 for p in store.glob("load-*.nq.tmp"))
        else:
            hit = any(len(list(d.glob("*.sst"))) > 12 for d in store.glob("v*.tmp"))
        if hit:
            proc.send_signal(signal.SIGKILL)
            break
        time.sleep(0.005)
    proc.communicate(timeout=60)
    return hit and proc.returncode == -signal.SIGKILL


@pytest.mark.parametrize("seen", ["spool", "loading"])
def test_killed_while_reading_or_bulk_loading_leaves_before(
    states: dict[str, object], tmp_path: Path, seen: str
) -> None:
    store = _fresh_store(states, tmp_path)
    killed = _kill_when(store, _args(states, "edgelist"), seen)
    dump = canonical_dump(store)
    assert dump in (states["before"], states["after"]["edgelist"])  # type: ignore[index]
    if killed:
        assert dump == states["before"]
    else:  # the ingest ended before the moment was seen: the test proves less; say so
        pytest.xfail(f"the ingest finished before {seen!r} could be seen")


@pytest.mark.parametrize("fraction", [0.15, 0.4, 0.65, 0.9])
def test_killed_at_random_moments_leaves_before_or_after(
    states: dict[str, object], tmp_path: Path, fraction: float
) -> None:
    """Kill at a fraction of the time a whole ingest took here (in the fixture)."""
    store = _fresh_store(states, tmp_path)
    args = _args(states, "edgelist")
    whole = states["seconds"]["edgelist"]  # type: ignore[index]
    proc = gvcgraph("ingest", *args, "--store", str(store))
    time.sleep(whole * fraction)
    proc.send_signal(signal.SIGKILL)
    proc.communicate(timeout=60)
    assert canonical_dump(store) in (states["before"], states["after"]["edgelist"])  # type: ignore[index]
