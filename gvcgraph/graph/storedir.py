"""The on-disk store: immutable versions of an Oxigraph database, switched atomically.

Why: Oxigraph's bulk loader, the only way to load millions of triples in minutes, is not
transactional, and Oxigraph documents that opening a database read-only while another process
writes it is undefined behaviour. Both are solved the way LMDB and Git solve them, by never
writing a published version: a writer copies the current version (a RocksDB checkpoint, made of
hard links, so it costs milliseconds whatever the size), writes the copy with whatever it
needs (transactions, bulk loads), closes it and publishes it by replacing one small pointer
file with :func:`os.replace`, which is atomic. So:

* a write that fails or is killed at any point leaves the store exactly as it was (its copy is
  an unpublished directory, removed by the next writer); one that reaches the switch is
  complete (**crash safety**);
* readers open the version that was current when they started, read-only, and see it whole
  however long they run, while a writer prepares the next (**old or new, never a mix**);
* writers take an exclusive lock (``write.lock``): a second writer waits for the first, up to
  a timeout, then fails with a message naming the process that holds it;
* a version is deleted once it is neither current nor open by a reader (readers hold a shared
  lock on ``<version>.readers``).

Layout of a store directory::

    gvcgraph-store.json   {"layout": 1}: marks the directory as a gvcgraph store
    HEAD                  the name of the current version, e.g. "v000007"
    v000007/              an Oxigraph (RocksDB) database, never written once published
    v000007.readers       lock file: shared by every process reading v000007
    v000007.cache/        what was computed from v000007 (projections), deleted with it
    v000008.tmp/          a write in progress (or left by a killed writer)
    load-<pid>-*.nq.tmp   RDF spooled by a load in progress (edge lists)
    write.lock            lock file: held by the one writer

Locks are POSIX advisory locks (:func:`fcntl.flock`), released by the operating system when a
process ends, however it ends, so a killed process never leaves a store locked.

Test hook: when the environment variable ``GVCGRAPH_CRASH_AT`` names a step (``copied``,
``written``, ``closed``, ``renamed``, ``published``), the process kills itself with SIGKILL at
that step; the crash-safety tests use it to stop a write at exact points.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import gc
import json
import os
import re
import shutil
import signal
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

import pyoxigraph as ox

MARKER = "gvcgraph-store.json"
LAYOUT = 1
HEAD = "HEAD"
CACHE_SUFFIX = ".cache"
"""``<version>.cache/``: data computed from a version (:mod:`gvcgraph.graph.projection_cache`)."""
WRITE_LOCK = "write.lock"
_VERSION = re.compile(r"^v(\d{6,})$")
_TMP = re.compile(r"^v(\d{6,})\.tmp$")
_SPOOL = re.compile(r"^load-(\d+)-.*\.tmp$")
"""Spool files of loads in progress (``gvcgraph.ingest.edgelist``), named by process id."""

_ISSUED: dict[str, int] = {}
"""Highest version number this process has given out, per store directory."""

DEFAULT_LOCK_TIMEOUT = 600.0
"""Seconds a writer waits for another writer before giving up (``GVCGRAPH_LOCK_TIMEOUT``)."""


class StoreLayoutError(OSError):
    """A directory that is not a gvcgraph store, or a store in use beyond the lock timeout."""


def _crash_point(step: str) -> None:
    if os.environ.get("GVCGRAPH_CRASH_AT") == step:
        os.kill(os.getpid(), signal.SIGKILL)


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _lock_timeout() -> float:
    value = os.environ.get("GVCGRAPH_LOCK_TIMEOUT")
    try:
        return float(value) if value else DEFAULT_LOCK_TIMEOUT
    except ValueError:
        return DEFAULT_LOCK_TIMEOUT


@dataclass
class Snapshot:
    """A published version opened read-only; holds the readers' lock until :meth:`close`."""

    store: ox.Store
    version: str | None
    _lock: IO[bytes] | None = field(default=None, repr=False)
    users: int = 0
    """Readers using it now (:meth:`KnowledgeGraph.reading`); it is closed when it is retired
    (a newer version was opened) and the last of them is done."""
    retired: bool = False

    def close(self) -> None:
        """Release the version (another process may then delete it once it is not current;
        a handle still alive in a reference cycle keeps reading its open files)."""
        self.store = None  # type: ignore[assignment]
        if self._lock is not None:
            self._lock.close()
            self._lock = None


@dataclass
class WriteSession:
    """A private read-write copy of the current version, published by :meth:`commit`."""

    directory: StoreDirectory
    store: ox.Store
    base: str | None
    name: str
    _lock: IO[bytes] = field(repr=False)


class StoreDirectory:
    """A gvcgraph store directory (see the module docstring for the layout).

    Parameters
    ----------
    path:
        The directory; created (empty) if missing. A non-empty directory must be a gvcgraph
        store.

    Raises
    ------
    StoreLayoutError
        If the directory holds something else (another program's files, or an Oxigraph
        database written directly by an older gvcgraph).
    """

    def __init__(self, path: str | Path):
        self.path = Path(path)
        self.path.mkdir(parents=True, exist_ok=True)
        marker = self.path / MARKER
        if marker.is_file():
            try:
                layout = json.loads(marker.read_text(encoding="utf-8")).get("layout")
            except (ValueError, AttributeError):
                layout = None
            if layout != LAYOUT:
                raise StoreLayoutError(
                    f"{self.path} is a gvcgraph store of an unknown layout ({MARKER} says "
                    f"{layout!r}, this gvcgraph reads layout {LAYOUT})"
                )
            return
        entries = [p.name for p in self.path.iterdir()]
        if "CURRENT" in entries and any(n.startswith("MANIFEST-") for n in entries):
            raise StoreLayoutError(
                f"{self.path} is an Oxigraph database written directly (gvcgraph 0.1 before "
                "versioned stores); export it with `oxigraph dump` and ingest the files into a "
                "new store"
            )
        if entries:
            raise StoreLayoutError(
                f"{self.path} is not a gvcgraph store and not empty ({len(entries)} entries); "
                "give an empty or new directory"
            )
        tmp = self.path / (MARKER + ".tmp")
        tmp.write_text(json.dumps({"layout": LAYOUT}) + "\n", encoding="utf-8")
        os.replace(tmp, marker)

    # ------------------------------------------------------------------ versions
    def head(self) -> str | None:
        """The name of the current version, or None for a store never written."""
        try:
            name = (self.path / HEAD).read_text(encoding="ascii").strip()
        except FileNotFoundError:
            return None
        if not _VERSION.match(name):
            raise StoreLayoutError(f"{self.path / HEAD} is damaged: {name[:40]!r}")
        return name

    def versions(self) -> list[str]:
        """Names of the published version directories, oldest first."""
        return sorted(p.name for p in self.path.iterdir() if _VERSION.match(p.name) and p.is_dir())

    def _next_name(self) -> str:
        # Never a number this process used before: an aborted copy whose handle is still
        # alive (held by a traceback) keeps RocksDB's in-process lock on its path.
        key = str(self.path.resolve())
        numbers = [_ISSUED.get(key, 0)]
        for p in self.path.iterdir():
            m = _VERSION.match(p.name) or _TMP.match(p.name)
            if m:
                numbers.append(int(m.group(1)))
        _ISSUED[key] = max(numbers) + 1
        return f"v{_ISSUED[key]:06d}"

    # ------------------------------------------------------------------ reading
    def open_snapshot(self) -> Snapshot:
        """Open the current version read-only (an empty in-memory store if there is none)."""
        for _ in range(100):
            name = self.head()
            if name is None:
                return Snapshot(ox.Store(), None)
            lock = (self.path / f"{name}.readers").open("ab")
            fcntl.flock(lock, fcntl.LOCK_SH)
            if (self.path / name).is_dir():  # not deleted between reading HEAD and locking
                try:
                    store = ox.Store.read_only(str(self.path / name))
                except OSError:
                    lock.close()
                    raise
                return Snapshot(store, name, lock)
            lock.close()
        raise StoreLayoutError(f"{self.path}: could not open the current version")

    # ------------------------------------------------------------------ writing
    def _acquire_write_lock(self, timeout: float | None) -> IO[bytes]:
        timeout = _lock_timeout() if timeout is None else timeout
        lock = (self.path / WRITE_LOCK).open("a+b")
        deadline = time.monotonic() + timeout
        while True:
            try:
                fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except OSError as exc:
                if exc.errno not in (errno.EAGAIN, errno.EACCES):
                    lock.close()
                    raise
            if time.monotonic() >= deadline:
                lock.seek(0)
                holder = lock.read().decode("ascii", "replace").strip() or "another process"
                lock.close()
                raise StoreLayoutError(
                    f"the store {self.path} is being written by {holder}; waited {timeout:g} s "
                    "(set GVCGRAPH_LOCK_TIMEOUT to wait longer); try again when it has finished"
                )
            time.sleep(0.05)
        lock.seek(0)
        lock.truncate()
        lock.write(f"process {os.getpid()}".encode("ascii"))
        lock.flush()
        return lock

    def begin_write(self, timeout: float | None = None) -> WriteSession:
        """Lock the store for writing and open a private copy of the current version.

        The copy is a RocksDB checkpoint of the current version (hard links to its immutable
        files), so it takes milliseconds however large the store.
        """
        lock = self._acquire_write_lock(timeout)
        try:
            self._remove_unfinished()
            self._collect_garbage()
            base = self.head()
            name = self._next_name()
            tmp = self.path / f"{name}.tmp"
            if base is None:
                store = ox.Store(str(tmp))
            else:
                source = ox.Store.read_only(str(self.path / base))
                source.backup(str(tmp))
                del source
                store = ox.Store(str(tmp))
            _crash_point("copied")
            return WriteSession(self, store, base, name, lock)
        except BaseException:
            lock.close()
            raise

    def commit(self, session: WriteSession) -> str:
        """Publish the session's copy as the current version; returns its name.

        Steps: flush and close the copy, rename ``vN.tmp`` to ``vN``, write ``HEAD.tmp`` and
        replace ``HEAD`` with it (atomic), then delete versions nobody reads. A crash before
        the replacement leaves the old version current; after it, the new one.
        """
        try:
            session.store.flush()
            _crash_point("written")
            session.store = None  # type: ignore[assignment]
            gc.collect()  # the RocksDB handle closes when the object is freed
            _crash_point("closed")
            tmp = self.path / f"{session.name}.tmp"
            final = self.path / session.name
            os.rename(tmp, final)
            _fsync_dir(self.path)
            _crash_point("renamed")
            head_tmp = self.path / f"{HEAD}.tmp"
            with head_tmp.open("w", encoding="ascii") as f:
                f.write(session.name + "\n")
                f.flush()
                os.fsync(f.fileno())
            os.replace(head_tmp, self.path / HEAD)
            _fsync_dir(self.path)
            _crash_point("published")
            return session.name
        finally:
            session._lock.close()

    def abort(self, session: WriteSession) -> None:
        """Discard the session's copy; the current version is untouched."""
        try:
            session.store = None  # type: ignore[assignment]
            gc.collect()
            shutil.rmtree(self.path / f"{session.name}.tmp", ignore_errors=True)
        finally:
            session._lock.close()

    def _remove_unfinished(self) -> None:
        """Remove copies left by writers that were killed (call with the write lock held)."""
        for p in self.path.iterdir():
            if _TMP.match(p.name):
                shutil.rmtree(p, ignore_errors=True)
            elif (m := _SPOOL.match(p.name)) and not _alive(int(m.group(1))):
                p.unlink(missing_ok=True)
        with contextlib.suppress(FileNotFoundError):
            (self.path / f"{HEAD}.tmp").unlink()

    def collect_garbage(self) -> list[str]:
        """Delete versions that are not current and that no process reads; their names.

        Runs only when no writer is at work (it takes the write lock without waiting), so that
        a version being published is never mistaken for an old one.
        """
        lock = (self.path / WRITE_LOCK).open("a+b")
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            lock.close()
            return []
        try:
            return self._collect_garbage()
        finally:
            lock.close()

    def _collect_garbage(self) -> list[str]:
        current = self.head()
        removed = []
        for p in sorted(self.path.iterdir()):
            m = _VERSION.match(p.name) or re.match(r"^(v\d{6,})\.(readers|cache)$", p.name)
            if not m:
                continue
            name = p.name.split(".")[0]
            if name == current or name in removed:
                continue
            lock_path = self.path / f"{name}.readers"
            with lock_path.open("ab") as lock:
                try:
                    fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
                except OSError:
                    continue  # a reader still has it open
                shutil.rmtree(self.path / name, ignore_errors=True)
                shutil.rmtree(self.path / f"{name}{CACHE_SUFFIX}", ignore_errors=True)
                with contextlib.suppress(FileNotFoundError):
                    lock_path.unlink()
            removed.append(name)
        return removed


@contextlib.contextmanager
def writing(directory: StoreDirectory, timeout: float | None = None) -> Iterator[WriteSession]:
    """A write session: commit when the block ends normally, discard when it raises."""
    session = directory.begin_write(timeout)
    try:
        yield session
    except BaseException:
        directory.abort(session)
        raise
    directory.commit(session)
