"""The projection cache kept beside each on-disk store version (graph/projection_cache.py).

A cached projection must be indistinguishable from one read from the store, for every view and
date; it is deleted with its version, ignored when stale or damaged, and never needed: a store
where it cannot be written still projects."""

from __future__ import annotations

import gc
import json
import textwrap
from pathlib import Path

import pandas as pd
import pytest

from gvcgraph.graph import project as project_module
from gvcgraph.graph import projection_cache
from gvcgraph.graph.project import VIEWS, Projection, project
from gvcgraph.graph.store import KnowledgeGraph
from tests.test_projection import CASE_A, CASE_B

CASE_C = """
format: gvcgraph-casestudy/1
source: {id: proj-c, title: "Projection test C", type: other, file: c.txt}
entities:
  - {id: t3, type: firm, label: "Tier <Three>", country: MX}
  - {id: t1, type: firm, label: Tier One, country: MX}
supply:
  - {id: s3, buyer: t1, supplier: t3, from: 2001, evidence: {line: 1, quote: "t3 sells to t1"}}
"""


def _write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


@pytest.fixture
def files(tmp_path: Path) -> list[Path]:
    return [_write(tmp_path, "proj-a.yaml", CASE_A), _write(tmp_path, "proj-b.yaml", CASE_B)]


@pytest.fixture
def disk(tmp_path: Path, files: list[Path]) -> KnowledgeGraph:
    kg = KnowledgeGraph(tmp_path / "store")
    kg.ingest(files, shacl=False)
    project_module._LAST.clear()
    return kg


def _same(a: Projection, b: Projection) -> None:
    pd.testing.assert_frame_equal(a.nodes, b.nodes)
    pd.testing.assert_frame_equal(a.edges, b.edges)
    assert sorted(a.tables) == sorted(b.tables)
    for name in a.tables:
        pd.testing.assert_frame_equal(
            a.tables[name].reset_index(drop=True), b.tables[name].reset_index(drop=True)
        )
    assert (a.view, a.as_of) == (b.view, b.as_of)


@pytest.mark.parametrize("as_of", [None, "1996", "2004-06-30"])
def test_cached_projection_equals_one_read_from_the_store(
    disk: KnowledgeGraph, files: list[Path], as_of: str | None
) -> None:
    memory = KnowledgeGraph()
    memory.ingest(files, shacl=False)
    assert memory.cache_dir() is None
    for view in VIEWS:
        project_module._LAST.clear()
        read = project(disk, view, as_of)  # reads the store (or the file another view wrote)
        project_module._LAST.clear()
        cached = project(disk, view, as_of)  # from the parquet files
        remembered = project(disk, view, as_of)  # from this process's memory
        in_memory = project(memory, view, as_of)  # never cached
        _same(read, cached)
        _same(read, remembered)
        _same(read, in_memory)
        for p in (read, cached):  # lists, as the analyses and exports expect (not arrays)
            assert all(isinstance(x, list) for x in p.edges["evidence"])
            assert all(isinstance(x, str) for x in p.edges["u"])
            for table in p.tables.values():
                if "evidence" in table:
                    assert all(isinstance(x, list) for x in table["evidence"])
    assert len(project(disk, "all", as_of).edges) > 0


def test_cache_lives_beside_its_version_and_goes_with_it(
    disk: KnowledgeGraph, tmp_path: Path
) -> None:
    before = project(disk, "supply")
    first = disk.version
    folder = tmp_path / "store" / f"{first}.cache" / projection_cache.FOLDER
    assert disk.cache_dir() == folder.parent
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["fingerprint"] == projection_cache.fingerprint()
    assert {f"{name}.parquet" for name in manifest["frames"]} <= {p.name for p in folder.iterdir()}

    disk.ingest([_write(tmp_path, "proj-c.yaml", CASE_C)], shacl=False)
    gc.collect()
    assert disk.version != first
    assert not folder.parent.exists(), "the old version's cache is deleted with the version"
    after = project(disk, "supply")
    added = set(zip(after.edges["u"], after.edges["v"], strict=True)) - set(
        zip(before.edges["u"], before.edges["v"], strict=True)
    )
    assert added == {("t3", "t1")}
    assert after.nodes.set_index("node").loc["t3", "label"] == "Tier <Three>"
    assert (tmp_path / "store" / f"{disk.version}.cache" / projection_cache.FOLDER).is_dir()


def test_a_stale_or_damaged_cache_is_read_again_from_the_store(
    disk: KnowledgeGraph, tmp_path: Path
) -> None:
    expected = project(disk, "all")
    folder = disk.cache_dir() / projection_cache.FOLDER
    manifest = folder / "manifest.json"
    stale = json.loads(manifest.read_text(encoding="utf-8"))
    stale["fingerprint"] = "0:0.0.0:another-release"
    manifest.write_text(json.dumps(stale), encoding="utf-8")
    assert projection_cache.load(disk.cache_dir()) is None
    project_module._LAST.clear()
    _same(project(disk, "all"), expected)
    assert json.loads(manifest.read_text(encoding="utf-8"))["fingerprint"] == (
        projection_cache.fingerprint()
    ), "the stale cache was replaced"

    (folder / "edges.parquet").write_bytes(b"PAR1 not really parquet")
    assert projection_cache.load(disk.cache_dir()) is None
    project_module._LAST.clear()
    _same(project(disk, "all"), expected)


def test_a_store_where_no_cache_can_be_written_still_projects(
    disk: KnowledgeGraph, files: list[Path]
) -> None:
    cache_dir = disk.cache_dir()
    cache_dir.write_text("a file where the cache folder would go", encoding="utf-8")
    assert projection_cache.save(cache_dir, {"nodes": pd.DataFrame({"node": ["a"]})}) is False
    memory = KnowledgeGraph()
    memory.ingest(files, shacl=False)
    _same(project(disk, "ownership"), project(memory, "ownership"))
    assert cache_dir.is_file()
    assert not list(cache_dir.parent.glob(f".{projection_cache.FOLDER}-*.tmp"))


def test_no_cache_inside_a_write(disk: KnowledgeGraph) -> None:
    with disk.writing():
        assert disk.cache_dir() is None


def test_reading_facts_by_join_or_by_scans_gives_the_same_projection(
    files: list[Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    kg = KnowledgeGraph()
    kg.ingest(files, shacl=False)
    joined = {view: project(kg, view) for view in VIEWS}
    monkeypatch.setattr(project_module, "_FEW_SUBJECTS", 0)  # as for a large graph
    for view in VIEWS:
        _same(project(kg, view), joined[view])


@pytest.mark.parametrize("relations", [["supplies"], ["owns", "controls"], None])
def test_restrict_equals_a_projection_built_from_keys(
    files: list[Path], relations: list[str] | None
) -> None:
    kg = KnowledgeGraph()
    kg.ingest(files, shacl=False)
    p = project(kg, "all")
    mask = p.edges["valid_to"].isna().to_numpy()  # any mask: the open-ended facts
    fast = p.restrict(relations, mask=mask)
    keep = mask & (p.edges["relation"].isin(relations).to_numpy() if relations else True)
    edges = p.edges.loc[keep]
    used = set(edges["u"]) | set(edges["v"])
    slow = Projection(
        p.nodes[p.nodes["node"].isin(used)], edges.drop(columns=["iu", "iv"]), tables=p.tables
    )
    _same(fast, slow)
    assert 0 < len(fast.edges) < len(p.edges) and fast.n < p.n
    keys = fast.nodes["node"].to_numpy()
    assert list(keys[fast.edges["iu"]]) == list(fast.edges["u"])
    assert list(keys[fast.edges["iv"]]) == list(fast.edges["v"])


def test_arrow_columns_come_back_as_the_python_objects_they_were() -> None:
    """Chunked and sliced Arrow columns (as Parquet row groups give them): lists of no, one
    or several items and null lists, text and booleans with nulls, an all-null column."""
    import pyarrow as pa

    lists = pa.array([["a"], [], ["b", "c"], None, ["d"], ["e", "f", "g"]])
    column = pa.chunked_array([lists.slice(0, 2), lists.slice(2, 3), lists.slice(5, 1)])
    got = projection_cache._objects(column)
    assert got[:3].tolist() == [["a"], [], ["b", "c"]]
    assert got[3] is pd.NA
    assert got[4:].tolist() == [["d"], ["e", "f", "g"]]
    assert all(type(x) is list for i, x in enumerate(got) if i != 3)
    text = pa.chunked_array([pa.array(["x", None]), pa.array([None, "y"])])
    assert projection_cache._objects(text).tolist() == ["x", pd.NA, pd.NA, "y"]
    flags = pa.chunked_array([pa.array([True, None, False])])
    assert projection_cache._objects(flags).tolist() == [True, pd.NA, False]
    empty = pa.chunked_array([pa.nulls(3)])
    assert projection_cache._objects(empty).tolist() == [pd.NA, pd.NA, pd.NA]


def test_edge_ends_are_rebuilt_from_node_keys_and_missing_columns_stay_apart(
    disk: KnowledgeGraph, tmp_path: Path
) -> None:
    """The whole projection's edge ends are not saved but taken from the node keys at their
    positions; the all-missing text columns, which share one array when loaded, still change
    one at a time."""
    import pyarrow.parquet as pq

    read = project(disk, "all")
    folder = disk.cache_dir() / projection_cache.FOLDER
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["rebuilt"] == {"u": "iu", "v": "iv"}
    assert {"u", "v"}.isdisjoint(pq.read_schema(folder / "edges.parquet").names)
    assert list(manifest["frames"]["edges"])[:2] == ["u", "v"]  # still columns of the frame
    project_module._LAST.clear()
    cached = project(disk, "all")
    _same(read, cached)

    frames = projection_cache.load(disk.cache_dir())
    assert frames is not None
    edges = frames["edges"]
    empty = [c for c in edges if edges[c].dtype == object and edges[c].isna().all()]
    assert len(empty) >= 2, "the case studies leave several edge columns empty"
    first, second = empty[:2]
    edges.loc[0, first] = "changed"
    assert edges.loc[0, first] == "changed"
    assert edges[second].isna().all()
    assert all(frames["edges"][c].isna().all() for c in empty[1:])


def test_ends_that_are_not_the_keys_at_their_positions_are_saved(tmp_path: Path) -> None:
    nodes = pd.DataFrame({"node": ["a", "b", "c"]}, dtype=object)
    good = pd.DataFrame({"u": ["a", "c"], "v": ["b", "a"], "iu": [0, 2], "iv": [1, 0]})
    good[["u", "v"]] = good[["u", "v"]].astype(object)
    assert projection_cache._ends_from_positions({"nodes": nodes, "edges": good}) == {
        "u": "iu",
        "v": "iv",
    }
    bad = good.assign(v=pd.Series(["b", "b"], dtype=object))  # second edge's v is not keys[0]
    assert projection_cache._ends_from_positions({"nodes": nodes, "edges": bad}) == {}
    outside = good.assign(iv=[1, 3])
    assert projection_cache._ends_from_positions({"nodes": nodes, "edges": outside}) == {}
    assert projection_cache.save(tmp_path, {"nodes": nodes, "edges": bad})
    loaded = projection_cache.load(tmp_path)
    assert loaded is not None
    pd.testing.assert_frame_equal(loaded["edges"], bad)
    pd.testing.assert_frame_equal(loaded["nodes"], nodes)
