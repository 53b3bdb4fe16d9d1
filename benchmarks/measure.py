"""Measuring: wall time and peak memory of a step, child processes, machine and library facts.

Peak memory is the peak resident set size (RSS):

* of a whole child process: ``ru_maxrss`` from ``os.wait4`` (:func:`run_process`);
* of one step inside a process that runs several (:class:`StepMeter`): the kernel's
  high-water mark is reset before the step (``echo 5 > /proc/self/clear_refs``, Linux 4.0
  and later) and read after it (``VmHWM``), so the figure is the most the process held while
  the step ran, including what was already resident before it. Where the reset is not
  possible the process peak so far is reported and ``peak_scope`` says so. The reset also
  resets ``ru_maxrss``: a parent reading it after such a child ends gets the peak since the
  child's last reset, so a child's process peak is the largest of its steps' peaks and that.
"""

from __future__ import annotations

import importlib.metadata
import os
import platform
import resource
import signal
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

LIBRARIES = (
    "gvcgraph",
    "pyoxigraph",
    "rdflib",
    "networkx",
    "pyvis",
    "scipy",
    "numpy",
    "pandas",
    "igraph",
    "pyshacl",
    "PyYAML",
    "matplotlib",
)


def library_versions() -> dict[str, str | None]:
    """Installed versions of the libraries the benchmark touches, and Python's."""
    out: dict[str, str | None] = {"python": platform.python_version()}
    for name in LIBRARIES:
        try:
            out[name] = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            out[name] = None
    return out


def _read(path: str) -> str:
    try:
        return Path(path).read_text()
    except OSError:
        return ""


def machine_facts() -> dict[str, Any]:
    """Cores, memory, CPU model, operating system and load of this machine."""
    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in _read("/proc/cpuinfo").splitlines()
            if line.startswith("model name")
        ),
        platform.processor() or None,
    )
    mem = next(
        (
            int(line.split()[1]) * 1024
            for line in _read("/proc/meminfo").splitlines()
            if line.startswith("MemTotal:")
        ),
        None,
    )
    try:
        usable = len(os.sched_getaffinity(0))
    except AttributeError:
        usable = os.cpu_count()
    return {
        "cpu_model": cpu,
        "cores": os.cpu_count(),
        "cores_usable": usable,
        "memory_gb": round(mem / 2**30, 1) if mem else None,
        "os": platform.platform(),
        "load_average": list(os.getloadavg()) if hasattr(os, "getloadavg") else None,
    }


def source_revision(root: Path) -> dict[str, Any]:
    """The git commit of the checkout at ``root`` and its files changed since (the code that
    was measured; empty when git is not available)."""
    try:
        head = subprocess.run(
            ["git", "rev-parse", "HEAD"], cwd=root, capture_output=True, text=True, timeout=30
        ).stdout.strip()
        changed = subprocess.run(
            ["git", "status", "--porcelain", "--", "gvcgraph", "benchmarks"],
            cwd=root,
            capture_output=True,
            text=True,
            timeout=30,
        ).stdout.splitlines()
    except (OSError, subprocess.SubprocessError):
        return {}
    return {"commit": head, "uncommitted": [line[3:] for line in changed]}


# ---------------------------------------------------------------------------------- in-process


def _hwm_kb() -> int | None:
    for line in _read("/proc/self/status").splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    return None


def _reset_hwm() -> bool:
    try:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")
        return True
    except OSError:
        return False


class StepTimeout(Exception):
    """A step ran past its time limit."""


@dataclass
class StepMeter:
    """Wall time and peak RSS of one step inside the current process.

    Use as a context manager; ``timeout`` (seconds, main thread only) interrupts a step that
    runs too long with :class:`StepTimeout` (Python code only: a long call into C finishes
    first).
    """

    timeout: float | None = None
    seconds: float = 0.0
    peak_mb: float = 0.0
    peak_scope: str = "step"
    _t0: float = field(default=0.0, repr=False)

    def __enter__(self) -> StepMeter:
        if not _reset_hwm():
            self.peak_scope = "process"
        if self.timeout:
            signal.signal(signal.SIGALRM, _on_alarm)
            signal.setitimer(signal.ITIMER_REAL, self.timeout)
        self._t0 = time.perf_counter()
        return self

    def __exit__(self, *exc: object) -> None:
        self.seconds = time.perf_counter() - self._t0
        if self.timeout:
            signal.setitimer(signal.ITIMER_REAL, 0)
        kb = _hwm_kb()
        if kb is None:
            kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        self.peak_mb = kb / 1024


def _on_alarm(signum: int, frame: Any) -> None:
    raise StepTimeout()


@contextmanager
def no_timeout() -> Iterator[None]:
    """A block during which no step timeout fires."""
    old = signal.getitimer(signal.ITIMER_REAL)
    signal.setitimer(signal.ITIMER_REAL, 0)
    try:
        yield
    finally:
        if old[0]:
            signal.setitimer(signal.ITIMER_REAL, old[0])


# ---------------------------------------------------------------------------------- children


@dataclass
class ProcessResult:
    """What a child process did: exit status, wall time, peak RSS and its output."""

    returncode: int
    seconds: float
    peak_mb: float
    timed_out: bool
    stdout: str
    stderr: str


def run_process(
    cmd: Sequence[str],
    *,
    timeout: float | None = None,
    env: dict[str, str] | None = None,
    cwd: Path | None = None,
) -> ProcessResult:
    """Run ``cmd`` in a fresh process; its wall time and peak RSS (``ru_maxrss``).

    The child runs in its own process group; past ``timeout`` seconds the whole group is
    killed and ``timed_out`` is set. Output is collected through files (no pipe deadlock).
    """
    import tempfile

    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        t0 = time.perf_counter()
        proc = subprocess.Popen(
            list(cmd), stdout=out, stderr=err, env=env, cwd=cwd, start_new_session=True
        )
        timed_out = False
        while True:
            pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
            if pid:
                break
            if timeout is not None and time.perf_counter() - t0 > timeout:
                timed_out = True
                os.killpg(proc.pid, signal.SIGKILL)
                pid, status, usage = os.wait4(proc.pid, 0)
                break
            time.sleep(0.02)
        seconds = time.perf_counter() - t0
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        return ProcessResult(
            proc.returncode,
            seconds,
            usage.ru_maxrss / 1024,
            timed_out,
            out.read().decode("utf-8", "replace"),
            err.read().decode("utf-8", "replace"),
        )


def python_command(module: str, *args: str) -> list[str]:
    """The command line running ``python -m module args`` with this interpreter."""
    return [sys.executable, "-m", module, *args]
