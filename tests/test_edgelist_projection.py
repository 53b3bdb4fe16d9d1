"""The projection an edge-list ingest keeps for the new store version
(gvcgraph/ingest/edgelist_projection.py).

It must equal, frame for frame, what a read of the new version gives; where it could not, no
projection is kept and the first reader reads the store."""

from __future__ import annotations

import shutil
import textwrap
from pathlib import Path

import pandas as pd
import pytest

from gvcgraph.graph import project as project_module
from gvcgraph.graph import projection_cache
from gvcgraph.graph.store import KnowledgeGraph
from gvcgraph.ingest.edgelist import load_edgelist

CASESTUDIES = Path(__file__).resolve().parent.parent / "gvcgraph" / "casestudies"

# Every relation and link type the edge list knows, shares in several lexical forms, dates of
# each precision, quotes or none, names that become slugs, types and countries, an actor only
# used as a target, an actor named twice with different countries (first kept).
EDGES = """\
source,target,relation,share,date,end_date,evidence,source_label,target_label,source_country,target_country,source_type,target_type
Acme Parts,Big Buyer Inc.,supplies,,2001,,"Acme sells ""brakes"" to Big Buyer",,,MX,US,,
acme-parts,big-buyer-inc,supplies,,2003-04,2009,,,,,,,
Holding One,Acme Parts,owns,50.10,2000-01-15,,,,,DE,,,
Holding One,Big Buyer Inc.,owns,051,,,a stake,,,,,,
Holding One,Tiny Co,owns,0.5,,,,,Tiny Company,,,,
Holding One,Tiny Co,controls,,,,,,,,,,
Acme Parts,Auto Cluster,member-of,,,,,,,,,,cluster
Auto Cluster,Acme Parts,supports,,1999,2000-06,,,,,BR,cluster,
Jane Roe,Holding One,owns,100,,,,Jane Roe,,GB,,person,
Big Buyer Inc.,Acme Parts,cooperates-with,,,,,,,,,,
Tiny Co,Widget,supplies,,,,,,,FR,,,product
"""


def _edge_list(folder: Path, text: str = EDGES, name: str = "edges.csv") -> Path:
    path = folder / name
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def _frames_equal(a: dict[str, pd.DataFrame], b: dict[str, pd.DataFrame]) -> None:
    assert sorted(a) == sorted(b)
    for name in a:
        pd.testing.assert_frame_equal(a[name], b[name], obj=name)


def _kept(kg: KnowledgeGraph) -> dict[str, pd.DataFrame] | None:
    """The projection the ingest kept for the version ``kg`` reads (None if none)."""
    return projection_cache.load(kg.cache_dir())


def _read(kg: KnowledgeGraph) -> dict[str, pd.DataFrame]:
    """The whole projection read from the store itself."""
    return project_module._read_whole(kg)


def test_a_new_store_keeps_the_projection_a_read_gives(tmp_path: Path) -> None:
    kg = KnowledgeGraph(tmp_path / "store")
    load_edgelist(kg, _edge_list(tmp_path), progress=False)
    kept = _kept(kg)
    assert kept is not None
    _frames_equal(kept, _read(kg))
    edges = kept["edges"]
    assert len(edges) == 11
    stake = edges[(edges["u"] == "holding-one") & (edges["v"] == "big-buyer-inc")].iloc[0]
    assert (stake["relation"], stake["share_min"], stake["share_max"]) == ("owns", 51.0, 51.0)
    assert stake["evidence"] == ["doc/edges/ev/row-5/1"] and stake["fact"] == "doc/edges/row-5"
    nodes = kept["nodes"].set_index("node")
    assert nodes.loc["auto-cluster", "cls"] == "Cluster"
    assert nodes.loc["tiny-co", "label"] == "Tiny Company"
    assert nodes.loc["widget", "cls"] == "Product"
    assert nodes.loc["big-buyer-inc", "country"] == "US"
    # the analyses and maps of the new version use it: nothing is read from the store
    project_module._LAST.clear()
    assert project_module._whole(kg)["edges"].equals(kept["edges"])


@pytest.fixture(scope="module")
def casestudy_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A store with the five embedded case studies (copied by each test that writes it)."""
    folder = tmp_path_factory.mktemp("cs") / "store"
    kg = KnowledgeGraph(folder)
    kg.ingest(sorted(CASESTUDIES.glob("*.yaml")), shacl=False)
    kg.close()
    return folder


def _copy(store: Path, tmp_path: Path) -> KnowledgeGraph:
    target = tmp_path / "store"
    shutil.copytree(store, target)
    project_module._LAST.clear()
    return KnowledgeGraph(target)


REFERENCES = """\
source,target,relation,share,source_country,target_country
intel,new-supplier-a,supplies,,US,MX
new-supplier-a,intel,supplies,,MX,
embraer,new-holding,owns,30,,
New Holding,volkswagen,owns,12.5,,
new-supplier-a,cluster-sinos-valley-footwear,member-of,,,
"""


def test_references_to_case_study_actors_give_the_projection_a_read_gives(
    casestudy_store: Path, tmp_path: Path
) -> None:
    kg = _copy(casestudy_store, tmp_path)
    # the base version has no cache: the ingest reads it once, then keeps the new one
    load_edgelist(kg, _edge_list(tmp_path, REFERENCES), progress=False)
    kept = _kept(kg)
    assert kept is not None
    read = _read(kg)
    _frames_equal(kept, read)
    nodes = read["nodes"].set_index("node")
    assert nodes.loc["intel", "label"] == "Intel"  # the case study's label, not the id
    assert nodes.loc["intel", "country"] == "US"  # the case studies give none; the list does
    assert bool(nodes.loc["volkswagen", "lead_firm"]) is True
    # a second edge list on the cached version keeps a cached projection too
    more = "source,target\nnew-supplier-b,new-supplier-a\nnew-supplier-b,volkswagen\n"
    load_edgelist(kg, _edge_list(tmp_path, more, "more.csv"), progress=False)
    kept = _kept(kg)
    assert kept is not None
    _frames_equal(kept, _read(kg))


@pytest.mark.parametrize(
    "text, why",
    [
        ("source,target,source_label\nintel,x-firm,Intel Corp\n", "defines an existing node"),
        ("source,target,source_country\nintel-costa-rica,x-firm,DE\n", "gives another country"),
    ],
)
def test_nothing_is_kept_where_a_read_might_differ(
    casestudy_store: Path, tmp_path: Path, text: str, why: str
) -> None:
    kg = _copy(casestudy_store, tmp_path)
    load_edgelist(kg, _edge_list(tmp_path, text), progress=False)
    assert _kept(kg) is None, why
    # the first reader reads the store and keeps that
    project_module._LAST.clear()
    _frames_equal(project_module._whole(kg), _read(kg))
    assert _kept(kg) is not None


def test_replacing_a_source_keeps_nothing_and_reads(tmp_path: Path) -> None:
    kg = KnowledgeGraph(tmp_path / "store")
    path = _edge_list(tmp_path)
    load_edgelist(kg, path, progress=False)
    assert _kept(kg) is not None
    path.write_text("source,target\nacme-parts,other-buyer\n", encoding="utf-8")
    load_edgelist(kg, path, progress=False)
    assert _kept(kg) is None
    project_module._LAST.clear()
    whole = project_module._whole(kg)
    assert whole["edges"][["u", "v"]].values.tolist() == [["acme-parts", "other-buyer"]]
    _frames_equal(whole, _read(kg))


def test_a_synthetic_network_keeps_the_projection_a_read_gives(tmp_path: Path) -> None:
    from benchmarks import synthetic

    meta = synthetic.prepare(2_000, tmp_path / "data", seed=3)
    kg = KnowledgeGraph(tmp_path / "store")
    kg.ingest([tmp_path / "data" / meta["context_file"]], shacl=False)
    load_edgelist(kg, tmp_path / "data" / meta["csv"], progress=False)
    kept = _kept(kg)
    assert kept is not None
    assert len(kept["edges"]) > 5_000
    _frames_equal(kept, _read(kg))


GHOST = """PREFIX gvc: <https://w3id.org/gvcgraph/ont#>
PREFIX id: <https://w3id.org/gvcgraph/id/>
INSERT DATA { GRAPH <https://w3id.org/gvcgraph/graph/source/ghost> {
  id:ghost-link a gvc:SupplyRelation ; gvc:supplier id:ghost-supplier ; gvc:buyer id:ghost-buyer .
  id:ghost-supplier a gvc:Firm .
} }"""


def test_an_edge_end_nobody_defined_becomes_the_edge_lists_actor(tmp_path: Path) -> None:
    kg = KnowledgeGraph(tmp_path / "store")
    kg.update(GHOST)  # a source that names a buyer it does not define
    base = project_module.whole_frames(kg)
    assert base["nodes"].set_index("node")["cls"].isna()["ghost-buyer"]  # a bare edge end
    text = "source,target,target_label,target_country\nghost-supplier,ghost-buyer,Ghost,NL\n"
    load_edgelist(kg, _edge_list(tmp_path, text), progress=False)
    kept = _kept(kg)
    assert kept is not None
    _frames_equal(kept, _read(kg))
    ghost = kept["nodes"].set_index("node").loc["ghost-buyer"]
    assert (ghost["cls"], ghost["label"], ghost["country"]) == ("Firm", "Ghost", "NL")
