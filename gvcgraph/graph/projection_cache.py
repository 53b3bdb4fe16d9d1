"""Projections kept on disk beside the store version they were read from.

Reading the networks out of an on-disk store of a million firms takes minutes (Oxigraph decodes
every IRI from its dictionary), while the analyses, maps and figures that need them take
seconds. A published store version never changes (:mod:`gvcgraph.graph.storedir`), so what was
read from it once stays true for as long as it exists: :func:`load` and :func:`save` keep the
whole projection (every relation, no date filter) in ``<store>/<version>.cache/projection/``,
and the version's garbage collection deletes the folder with the version. It is written by
the first reader of a version, or, for a version that adds an edge list, by the ingest itself
(:mod:`gvcgraph.ingest.edgelist_projection`). A cache written by
another release of gvcgraph, or by another ``project.py``, is ignored and rewritten (the
manifest records a fingerprint of the code that made it, :func:`fingerprint`).

Format: Apache Parquet through pyarrow (columnar, compressed, read back with its pandas
types, lists of evidence keys included), one file per frame and ``manifest.json``. Parquet
files are data, never code: a store shared by someone else cannot run anything by its cache
(unlike :mod:`pickle`). A folder is written under a temporary name and renamed into place,
so a reader sees a whole cache or none, and two processes filling it at once do no harm.
A cache that cannot be written (a read-only store) is simply not kept.
"""

from __future__ import annotations

import contextlib
import gc
import hashlib
import json
import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from gvcgraph import __version__

FORMAT = 2
"""Bumped when the layout of the cache folder changes (2: edge ends left out, ``rebuilt``)."""

FOLDER = "projection"


_CODE = ("graph/project.py", "graph/projection_cache.py", "ingest/edgelist_projection.py")
"""The modules whose code decides what a cached projection holds."""


def fingerprint() -> str:
    """What must match for a cache to be used: format, release and the code that made it
    (:data:`_CODE`: the store read, this module and the projection written at ingest)."""
    package = Path(__file__).parent.parent
    code = b"".join((package / name).read_bytes() for name in _CODE)
    return f"{FORMAT}:{__version__}:{hashlib.sha256(code).hexdigest()[:16]}"


def load(cache_dir: Path | None) -> dict[str, pd.DataFrame] | None:
    """The frames saved in ``cache_dir`` by :func:`save`, or None (no cache, or a stale one)."""
    if cache_dir is None:
        return None
    folder = cache_dir / FOLDER
    try:
        manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
        if manifest.get("fingerprint") != fingerprint():
            return None
        rebuilt: dict[str, str] = manifest.get("rebuilt", {})
        frames: dict[str, pd.DataFrame] = {}
        with gc_paused():
            # nodes first: the edges' ends are rebuilt from its keys
            for name in sorted(manifest["frames"], key=lambda n: n != "nodes"):
                path, dtypes = folder / f"{name}.parquet", manifest["frames"][name]
                if name == "edges" and rebuilt:
                    frames[name] = _read_frame(path, dtypes, rebuilt, frames["nodes"]["node"])
                else:
                    frames[name] = _read_frame(path, dtypes)
        return {name: frames[name] for name in manifest["frames"]}
    except (OSError, ValueError, KeyError, TypeError, IndexError, pa.ArrowException):
        return None  # absent, half-deleted or unreadable: read the store instead


@contextlib.contextmanager
def gc_paused() -> Iterator[None]:
    """Python's cyclic garbage collector off for the block. Making millions of small lists
    (evidence keys) triggers it again and again, each pass walking every object made so far:
    4 million one-item lists took 2.4 s with it and 0.3 s without. What the block makes
    holds no reference cycles, so nothing is left for it to collect."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _read_frame(
    path: Path,
    dtypes: dict[str, str],
    rebuilt: dict[str, str] | None = None,
    keys: pd.Series | None = None,
) -> pd.DataFrame:
    """A frame saved by :func:`save`, with the column types it had (``dtypes``).

    Read with pyarrow directly rather than :func:`pandas.read_parquet`, which makes text
    columns Arrow-backed strings and lists numpy arrays that must be converted back
    afterwards: 13 s for the 3.9 million edges of a million firms, against about 5 s here.
    The columns named in ``rebuilt`` (edge ends ``u``, ``v``) were not saved and are taken
    from ``keys`` (the node keys) at their integer positions (``iu``, ``iv``).
    Every all-missing text column shares one array of ``pd.NA`` (26 columns of 3.9 million
    rows cost 1.2 s to fill one by one); pandas' copy-on-write keeps a change to one column
    from reaching the others.
    """
    table = pq.read_table(path)
    columns: dict[str, pd.Series] = {}
    missing: pd.Series | None = None
    rebuilt = rebuilt or {}
    for name, dtype in dtypes.items():
        if name in rebuilt and keys is not None:
            positions = table.column(rebuilt[name]).to_numpy()
            columns[name] = pd.Series(keys.to_numpy()[positions], dtype=object, copy=False)
            continue
        column = table.column(name)
        if dtype == "object" and column.null_count == len(column):
            if missing is None:
                missing = pd.Series(_objects(column), dtype=object, copy=False)
            columns[name] = missing.copy(deep=False)
        elif dtype == "object":
            columns[name] = pd.Series(_objects(column), dtype=object, copy=False)
        else:
            columns[name] = column.to_pandas().astype(dtype)
    # copy=False: one block per column, not one 2-D block that costs a copy of them all
    return pd.DataFrame(columns, index=pd.RangeIndex(table.num_rows), copy=False)


def _objects(column: pa.ChunkedArray) -> np.ndarray:
    """An Arrow column as an array of Python objects (str, bool, lists of str ...), with
    ``pd.NA`` where it is null. Lists are cut from one flat list by their offsets."""
    if column.null_count == len(column):
        return np.full(len(column), pd.NA, dtype=object)
    if pa.types.is_list(column.type) or pa.types.is_large_list(column.type):
        values = np.concatenate([_lists(chunk) for chunk in column.chunks])
    elif pa.types.is_string(column.type) and _few_values(column):
        # relation, source, dates: one Python string per distinct value, taken by index
        # (0.07 s instead of 0.25 s for 3.9 million rows)
        encoded = pc.dictionary_encode(column).combine_chunks()
        words = encoded.dictionary.to_numpy(zero_copy_only=False)
        values = words[encoded.indices.fill_null(0).to_numpy()]
    else:
        values = column.to_numpy().astype(object, copy=False)
    if column.null_count:
        values[column.is_null().to_numpy()] = pd.NA
    return values


def _few_values(column: pa.ChunkedArray, sample: int = 10_000) -> bool:
    """Whether a text column repeats a few values (judged on its first ``sample`` rows)."""
    head = column.slice(0, sample)
    return len(head) > 0 and pc.count_distinct(head).as_py() * 20 <= len(head)


def _lists(chunk: pa.ListArray) -> np.ndarray:
    """A list array as Python lists, in an object array (lists of one or no item, such as
    most evidence keys, are made without slicing: 4 million in 0.5 s instead of 2.5 s)."""
    flat = chunk.flatten().to_numpy(zero_copy_only=False)  # this chunk's items only
    offsets = chunk.offsets.to_numpy()
    offsets = offsets - offsets[0]
    starts, sizes = offsets[:-1], np.diff(offsets)
    out = np.empty(len(chunk), dtype=object)
    one = np.flatnonzero(sizes == 1)
    out[one] = np.fromiter([[x] for x in flat[starts[one]].tolist()], dtype=object, count=len(one))
    none = np.flatnonzero(sizes == 0)
    out[none] = np.fromiter(([] for _ in none), dtype=object, count=len(none))
    more = np.flatnonzero(sizes > 1)
    items = flat.tolist() if len(more) else []
    cuts = zip(starts[more].tolist(), sizes[more].tolist(), strict=True)
    out[more] = np.fromiter((items[a : a + k] for a, k in cuts), dtype=object, count=len(more))
    return out


_ENDS = {"u": "iu", "v": "iv"}
"""Edge columns that hold the key of the node at an integer position, and that position."""


def _ends_from_positions(frames: dict[str, pd.DataFrame]) -> dict[str, str]:
    """:data:`_ENDS` where every edge's end is the node key at its position (as the whole
    projection is built), so that :func:`save` can leave the ends out and :func:`load` take
    them from the keys; else nothing. The ends are then the keys' own string objects, not
    7.9 million new ones at a million firms (with the shared missing columns of
    :func:`_read_frame`: peak memory of ``figure`` 4.0 -> 2.9 GB, see BENCHMARKS.md)."""
    edges, nodes = frames.get("edges"), frames.get("nodes")
    if edges is None or nodes is None or "node" not in nodes:
        return {}
    keys = nodes["node"].to_numpy(dtype=object)
    for end, position in _ENDS.items():
        if end not in edges or position not in edges:
            return {}
        at = edges[position].to_numpy()
        if len(at) and (at.min() < 0 or at.max() >= len(keys)):
            return {}
        ends = pd.Series(edges[end].to_numpy(dtype=object), dtype=object)
        if not ends.equals(pd.Series(keys[at], dtype=object)):
            return {}
    return dict(_ENDS)


def missing_as_na(frame: pd.DataFrame) -> pd.DataFrame:
    """The frame with its text columns as Python objects and every missing value of those
    ``pd.NA`` (a frame built by concatenation mixes ``NaN``, ``None`` and ``NA``; Parquet
    reads all as None). Object, not pandas' ``str``: with pyarrow installed that is stored in
    Arrow, whose ``isin`` loops in Python over the values looked for (seconds per call on
    100,000 node keys)."""
    for col, dtype in frame.dtypes.items():
        if pd.api.types.is_object_dtype(dtype) or pd.api.types.is_string_dtype(dtype):
            values = frame[col].to_numpy(dtype=object, copy=True)
            values[pd.isna(frame[col]).to_numpy()] = pd.NA
            frame[col] = pd.Series(values, index=frame.index, dtype=object)
    return frame


def save(cache_dir: Path | None, frames: dict[str, pd.DataFrame]) -> bool:
    """Keep ``frames`` in ``cache_dir`` (atomically); whether it was written."""
    if cache_dir is None:
        return False
    tmp = cache_dir / f".{FOLDER}-{os.getpid()}.tmp"
    try:
        tmp.mkdir(parents=True, exist_ok=True)
        rebuilt = _ends_from_positions(frames)
        for name, frame in frames.items():
            if name == "edges" and rebuilt:
                frame = frame.drop(columns=list(rebuilt))
            frame.to_parquet(tmp / f"{name}.parquet", index=False)
        manifest = {
            "fingerprint": fingerprint(),
            "frames": {
                name: {str(c): str(t) for c, t in frame.dtypes.items()}
                for name, frame in sorted(frames.items())
            },
            "rebuilt": rebuilt,
        }
        (tmp / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
        target = cache_dir / FOLDER
        if target.exists():  # stale (another code version) or written meanwhile by another
            shutil.rmtree(target, ignore_errors=True)
        os.replace(tmp, target)
        return True
    except (OSError, ValueError, TypeError, ImportError):
        with contextlib.suppress(OSError):
            shutil.rmtree(tmp, ignore_errors=True)
        return False
