"""Projections kept on disk beside the store version they were read from.

Reading the networks out of an on-disk store of a million firms takes minutes (Oxigraph decodes
every IRI from its dictionary), while the analyses, maps and figures that need them take
seconds. A published store version never changes (:mod:`gvcgraph.graph.storedir`), so what was
read from it once stays true for as long as it exists: :func:`load` and :func:`save` keep the
whole projection (every relation, no date filter) in ``<store>/<version>.cache/projection/``,
and the version's garbage collection deletes the folder with the version. A cache written by
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
import hashlib
import json
import os
import shutil
from pathlib import Path

import numpy as np
import pandas as pd

from gvcgraph import __version__

FORMAT = 1
"""Bumped when the layout of the cache folder changes."""

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
        return {
            name: _restore(pd.read_parquet(folder / f"{name}.parquet"), dtypes)
            for name, dtypes in manifest["frames"].items()
        }
    except (OSError, ValueError, KeyError, TypeError):
        return None  # absent, half-deleted or unreadable: read the store instead


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


def _restore(frame: pd.DataFrame, dtypes: dict[str, str]) -> pd.DataFrame:
    """The column types the frame had when saved (Parquet reads text back as pandas' string
    type, and lists, such as evidence keys, as numpy arrays), missing objects as ``pd.NA``."""
    for col, dtype in dtypes.items():
        if str(frame[col].dtype) != dtype:
            frame[col] = frame[col].astype(dtype)
        if dtype == "object":
            values = frame[col].to_numpy(dtype=object)
            if any(isinstance(v, np.ndarray) for v in values[:100]):
                lists = [v.tolist() if isinstance(v, np.ndarray) else v for v in values]
                frame[col] = pd.Series(lists, index=frame.index, dtype=object)
    return missing_as_na(frame)


def save(cache_dir: Path | None, frames: dict[str, pd.DataFrame]) -> bool:
    """Keep ``frames`` in ``cache_dir`` (atomically); whether it was written."""
    if cache_dir is None:
        return False
    tmp = cache_dir / f".{FOLDER}-{os.getpid()}.tmp"
    try:
        tmp.mkdir(parents=True, exist_ok=True)
        for name, frame in frames.items():
            frame.to_parquet(tmp / f"{name}.parquet", index=False)
        manifest = {
            "fingerprint": fingerprint(),
            "frames": {
                name: {str(c): str(t) for c, t in frame.dtypes.items()}
                for name, frame in sorted(frames.items())
            },
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
