"""Shared fixtures: paths to test data and to the shared reference material."""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox
import pytest

from gvcgraph.graph.store import KnowledgeGraph
from gvcgraph.graph.storedir import StoreDirectory

DATA = Path(__file__).parent / "data"
SAMPLE_YAML = DATA / "sample-case.yaml"
SAMPLE_CSV = DATA / "sample-case-csv"
SHARED = Path(__file__).resolve().parents[1].parent / "shared"


def canonical_dump(store_dir: Path) -> list[str]:
    """Every quad of an on-disk store's current version as sorted N-Quads lines (content, not
    bytes on disk); read without gvcgraph's own opening code, which may write."""
    snapshot = StoreDirectory(store_dir).open_snapshot()
    data = ox.serialize(snapshot.store, format=ox.RdfFormat.N_QUADS).decode("utf-8")
    snapshot.close()
    return sorted(data.splitlines())


@pytest.fixture
def sample_store(tmp_path: Path) -> Path:
    """An on-disk store holding the sample case study."""
    path = tmp_path / "store"
    with KnowledgeGraph(path) as kg:
        kg.ingest([SAMPLE_YAML])
    return path


@pytest.fixture(scope="session")
def shared_dir() -> Path:
    """The shared folder (seeds, reference data); tests that need it skip without it."""
    if not SHARED.exists():
        pytest.skip("../shared is not present")
    return SHARED
