"""Named queries rewritten for large stores give the rows of their plain formulations.

``upstream-suppliers`` and ``policies-targeting`` were rewritten so that Oxigraph evaluates
them from the bound parameter row by row (issue 8: at 100,000 firms they took 73 s and 139 s).
The plain formulations they replace are kept as the reference
(tests/data/queries-before-rewrite/); each test runs both on
the embedded default graph (every entity the query has something to say about, plus a few
others) and on a synthetic network of 2,000 firms (benchmarks/synthetic.py, with the
benchmark's own parameters first), and asserts the same rows in the same order.

Two things are left free, because SPARQL leaves them free: the order of the parts that
``GROUP_CONCAT`` joins (the passages of ``evidence``, the codes of ``types``), and the order
of rows that tie on every ``ORDER BY`` key. The tests compare those parts as sets, and rows
as the same sequence of sort keys holding the same rows. No timings here:
benchmarks/query_scale.py measures them.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from benchmarks import synthetic
from gvcgraph.graph.store import KnowledgeGraph
from gvcgraph.ingest.edgelist import load_edgelist
from gvcgraph.queries.library import get_query, parse_query, run_query

# ---------------------------------------------------------------------- reference queries
BEFORE_REWRITE = Path(__file__).parent / "data" / "queries-before-rewrite"
"""The plain formulations, as they were in gvcgraph/queries/ before the rewrite."""


# name -> (reference text, parameter, ORDER BY keys (column, descending), GROUP_CONCAT columns)
REWRITTEN: dict[str, tuple[str, str, list[tuple[str, bool]], dict[str, str]]] = {
    "upstream-suppliers": (
        (BEFORE_REWRITE / "upstream-suppliers.rq").read_text("utf-8"),
        "buyer",
        [("direct", True), ("supplier_label", False), ("customer_label", False)],
        {"evidence": " | "},
    ),
    "policies-targeting": (
        (BEFORE_REWRITE / "policies-targeting.rq").read_text("utf-8"),
        "target",
        [("route", False), ("policy_label", False)],
        {"evidence": " | ", "types": ", "},
    ),
}


# ---------------------------------------------------------------------- comparing
def _cells(df: pd.DataFrame, concat: dict[str, str]) -> list[tuple[Any, ...]]:
    """The rows as tuples, None for unbound, GROUP_CONCAT cells as sorted tuples of parts."""
    out = df.astype(object).where(df.notna(), None)
    for column, sep in concat.items():
        out[column] = [None if v is None else tuple(sorted(v.split(sep))) for v in out[column]]
    return [tuple(row) for row in out.itertuples(index=False)]


def assert_same_answer(old: pd.DataFrame, new: pd.DataFrame, name: str, label: str) -> None:
    """Same columns, same rows (as a multiset), and the same sequence of ORDER BY keys."""
    _, _, order, concat = REWRITTEN[name]
    assert list(new.columns) == list(old.columns), label
    assert Counter(_cells(new, concat)) == Counter(_cells(old, concat)), label
    # Rows that tie on every ORDER BY key may come in another order (the engine's choice).
    keys = [column for column, _ in order]
    assert _cells(new[keys], {}) == _cells(old[keys], {}), label


def _compare(kg: KnowledgeGraph, name: str, values: list[str]) -> int:
    """Run both formulations for each value; the number of values that give rows."""
    text, param, _, _ = REWRITTEN[name]
    old = parse_query(text, name)
    new = get_query(name)
    answered = 0
    for value in values:
        a = run_query(kg, old, {param: value})
        b = run_query(kg, new, {param: value})
        assert_same_answer(a, b, name, f"{name} {param}={value}")
        answered += len(a) > 0
    return answered


# ---------------------------------------------------------------------- graphs
RELEVANT = {
    "upstream-suppliers": "?s gvc:suppliesTo ?e",
    "policies-targeting": "{ ?p gvc:targets ?e } UNION { ?e gvc:sector ?s } UNION { ?e gvc:locatedIn ?r }",
}


def parameter_values(kg: KnowledgeGraph, name: str, limit: int | None = None) -> list[str]:
    """Entities the query has something to say about (buyers with suppliers; targets of
    policies, actors with a sector or a location), and five entities taken at random."""
    cap = f"LIMIT {limit}" if limit else ""
    query = (
        f"SELECT DISTINCT ?e WHERE {{ {RELEVANT[name]} "
        f"FILTER(STRSTARTS(STR(?e), STR(id:))) }} ORDER BY ?e {cap}"
    )
    values = [str(e).rsplit("/id/", 1)[1] for e in kg.select(query)["e"]]
    others = kg.select(
        "SELECT DISTINCT ?e WHERE { ?e skos:prefLabel ?l FILTER(STRSTARTS(STR(?e), STR(id:))) } "
        "ORDER BY MD5(STR(?e)) LIMIT 5"
    )
    values += [str(e).rsplit("/id/", 1)[1] for e in others["e"]]
    return [v for v in dict.fromkeys(values) if v and "/" not in v]


@pytest.fixture(scope="module")
def default_kg() -> KnowledgeGraph:
    return KnowledgeGraph.default()


@pytest.fixture(scope="module")
def synthetic_kg(tmp_path_factory: pytest.TempPathFactory) -> tuple[KnowledgeGraph, dict]:
    """2,000 synthetic firms (edge list and context, as the benchmark ingests them), in memory."""
    folder = tmp_path_factory.mktemp("synthetic")
    net = synthetic.generate(2_000, seed=1)
    synthetic.write_csv(net, folder / synthetic.CSV_NAME)
    synthetic.write_context(net, folder / synthetic.CONTEXT_NAME)
    kg = KnowledgeGraph()
    kg.ingest([folder / synthetic.CONTEXT_NAME], shacl=False)
    load_edgelist(kg, folder / synthetic.CSV_NAME, progress=False)
    return kg, synthetic.query_parameters(net)


# ---------------------------------------------------------------------- tests
@pytest.mark.parametrize("name", sorted(REWRITTEN))
def test_rewritten_query_matches_its_reference_on_the_default_graph(
    default_kg: KnowledgeGraph, name: str
) -> None:
    answered = _compare(default_kg, name, parameter_values(default_kg, name))
    assert answered >= 5  # the comparison is not vacuous


@pytest.mark.parametrize("name", sorted(REWRITTEN))
def test_rewritten_query_matches_its_reference_on_a_synthetic_network(
    synthetic_kg: tuple[KnowledgeGraph, dict], name: str
) -> None:
    kg, params = synthetic_kg
    param = REWRITTEN[name][1]
    # The benchmark's own choice (the largest supply base, the most targeted cluster) first.
    values = [params[name][param], *parameter_values(kg, name, limit=12)]
    assert _compare(kg, name, list(dict.fromkeys(values))) >= 5


def test_reference_texts_are_the_plain_forms() -> None:
    """The references parse as named queries with the same columns as the rewritten ones."""
    for name, (text, param, _, _) in REWRITTEN.items():
        old = parse_query(text, name, Path(f"{name}.rq"))
        new = get_query(name)
        assert [p.name for p in old.parameters] == [p.name for p in new.parameters] == [param]
