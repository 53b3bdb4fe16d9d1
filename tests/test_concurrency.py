"""Concurrent use of one on-disk store while `gvcgraph ingest` runs in another process:
queries and the SPARQL endpoint keep answering and see the old or the new state, never a mix;
a second writer waits for the first, or fails with a clear message when told not to wait;
nothing is corrupted, and old versions are deleted once nobody reads them.
"""

from __future__ import annotations

import json
import threading
import time
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

from gvcgraph.graph.store import KnowledgeGraph, StoreError
from gvcgraph.graph.storedir import StoreDirectory
from gvcgraph.ingest.edgelist import load_edgelist
from gvcgraph.ontology import terms
from gvcgraph.server import make_server
from tests.conftest import SAMPLE_YAML, canonical_dump
from tests.store_processes import gvcgraph, run_gvcgraph, write_edgelist

ROWS = 10_000

STATE = f"""
SELECT ?facts ?edges ?quotes WHERE {{
  {{ SELECT (COUNT(*) AS ?facts) WHERE {{
       GRAPH <{terms.source_graph("links")}> {{ ?f a gvc:SupplyRelation }} }} }}
  {{ SELECT (COUNT(*) AS ?edges) WHERE {{ GRAPH graph:derived {{ ?s gvc:suppliesTo ?o }} }} }}
  {{ SELECT (COUNT(*) AS ?quotes) WHERE {{
       GRAPH <{terms.source_graph("links")}> {{ ?q oa:exact ?text FILTER(CONTAINS(?text, "old")) }}
  }} }}
}}"""
"""Three counts that an ingest half-done would put out of step: facts of the edge list,
shortcut edges derived from all sources, and quotes of the old version of the edge list."""


def _state(kg: KnowledgeGraph) -> tuple[int, int, int]:
    row = kg.select(STATE).iloc[0]
    return int(row["facts"]), int(row["edges"]), int(row["quotes"])


@pytest.fixture
def setup(tmp_path: Path) -> dict[str, object]:
    """A store with the sample case and a first version of ``links``; a larger second
    version to ingest; the state (counts) before and after that ingest."""
    store = tmp_path / "store"
    (tmp_path / "old").mkdir()
    old = write_edgelist(tmp_path / "old" / "links.csv", 500, salt=" (old)")
    new = write_edgelist(tmp_path / "links.csv", ROWS)
    with KnowledgeGraph(store) as kg:
        kg.ingest([SAMPLE_YAML])
        load_edgelist(kg, old, progress=False)
        before = _state(kg)
    with KnowledgeGraph(tmp_path / "reference") as kg:
        kg.ingest([SAMPLE_YAML])
        load_edgelist(kg, new, progress=False)
        after = _state(kg)
    assert before != after and before[2] > 0 and after[2] == 0
    return {"store": store, "new": new, "before": before, "after": after}


def _start_ingest(setup: dict[str, object]):
    return gvcgraph(
        "ingest", "--format", "edgelist", str(setup["new"]), "--store", str(setup["store"])
    )


def test_queries_during_an_ingest_see_old_or_new(setup: dict[str, object]) -> None:
    proc = _start_ingest(setup)
    seen: list[tuple[int, int, int]] = []
    while proc.poll() is None:
        with KnowledgeGraph(setup["store"]) as kg:  # type: ignore[arg-type]
            seen.append(_state(kg))
    out, _ = proc.communicate()
    assert proc.returncode == 0, out
    with KnowledgeGraph(setup["store"]) as kg:  # type: ignore[arg-type]
        assert _state(kg) == setup["after"]
    assert seen, "no query ran while the ingest did"
    assert set(seen) <= {setup["before"], setup["after"]}
    assert setup["before"] in seen  # queries answered during the ingest, from the old state


def _post(url: str, query: str) -> tuple[int, int, int]:
    data = urllib.parse.urlencode({"query": query}).encode()
    request = urllib.request.Request(
        url, data=data, headers={"Accept": "application/sparql-results+json"}
    )
    with urllib.request.urlopen(request, timeout=60) as response:
        rows = json.load(response)["results"]["bindings"]
    return tuple(int(rows[0][k]["value"]) for k in ("facts", "edges", "quotes"))  # type: ignore[return-value]


def test_endpoint_answers_during_an_ingest_and_moves_to_the_new_version(
    setup: dict[str, object],
) -> None:
    store: Path = setup["store"]  # type: ignore[assignment]
    kg = KnowledgeGraph(store)
    server = make_server(kg, "127.0.0.1", 0)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    url = server.url + "/sparql"
    try:
        assert _post(url, STATE) == setup["before"]
        proc = _start_ingest(setup)
        seen = []
        while proc.poll() is None:
            seen.append(_post(url, STATE))
        out, _ = proc.communicate()
        assert proc.returncode == 0, out
        assert seen and set(seen) <= {setup["before"], setup["after"]}
        assert _post(url, STATE) == setup["after"]  # the endpoint moved to the new version
        # ... and the version it read before is gone, nobody reading it any more
        directory = StoreDirectory(store)
        assert directory.versions() == [directory.head()]
    finally:
        server.shutdown()
        server.server_close()
        kg.close()


def _wait_for_writer(store: Path, proc) -> bool:
    """Wait until ``proc`` holds the write lock (its private copy exists)."""
    deadline = time.monotonic() + 300
    while proc.poll() is None and time.monotonic() < deadline:
        if list(store.glob("v*.tmp")):
            return True
        time.sleep(0.005)
    return False


def test_a_second_writer_fails_clearly_or_waits(setup: dict[str, object], tmp_path: Path) -> None:
    store: Path = setup["store"]  # type: ignore[assignment]
    other = write_edgelist(tmp_path / "other.csv", 50, firms=40)
    proc = _start_ingest(setup)
    if not _wait_for_writer(store, proc):
        proc.communicate()
        pytest.fail("the ingest ended before it was seen writing")
    with KnowledgeGraph(store) as kg:
        # told not to wait: a clear message naming the writer
        with (
            pytest.raises(StoreError, match=rf"being written by process {proc.pid}.*waited 0\.2 s"),
            kg.writing(timeout=0.2),
        ):
            pass
        # the default: wait for the first writer, then write
        load_edgelist(kg, other, progress=False)
        assert proc.poll() is not None, "the second write finished before the first"
        assert kg.source_ids() == ["links", "other", "sample-harness"]
        assert _state(kg)[0] == setup["after"][0]  # type: ignore[index]
    out, _ = proc.communicate()
    assert proc.returncode == 0, out
    # nothing corrupted: the same content as the two ingests run one after the other
    reference = tmp_path / "sequential"
    with KnowledgeGraph(reference) as kg:
        kg.ingest([SAMPLE_YAML])
        load_edgelist(kg, setup["new"], progress=False)  # type: ignore[arg-type]
        load_edgelist(kg, other, progress=False)
    assert canonical_dump(store) == canonical_dump(reference)


def test_cli_writer_refused_while_another_writes(setup: dict[str, object]) -> None:
    store: Path = setup["store"]  # type: ignore[assignment]
    with KnowledgeGraph(store) as holder, holder.writing():
        code, out = run_gvcgraph(
            "remove", "links", "--store", str(store), env={"GVCGRAPH_LOCK_TIMEOUT": "0.1"}
        )
        query_code, query_out = run_gvcgraph("info", "--store", str(store))
    assert code == 2, out
    assert "is being written by process" in out and "Traceback" not in out
    assert query_code == 0 and "links" in query_out
