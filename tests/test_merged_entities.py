"""One node per real-world entity across the seeds: an entity named in several documents is one
node carrying each source's facts side by side, and no id means different kinds of thing in
different documents."""

from __future__ import annotations

import pandas as pd

from gvcgraph.graph.store import KnowledgeGraph

MERGED = """
SELECT ?entity (GROUP_CONCAT(DISTINCT ?source; separator=" ") AS ?sources)
       (COUNT(DISTINCT ?source) AS ?n) (GROUP_CONCAT(DISTINCT ?label; separator=" | ") AS ?labels)
WHERE {
  GRAPH ?g { ?entity a ?class ; skos:prefLabel ?label . ?doc a gvc:SourceDocument ; gvc:sourceId ?source }
  FILTER(STRSTARTS(STR(?entity), STR(id:)) && !STRSTARTS(STR(?entity), CONCAT(STR(id:), "doc/")))
} GROUP BY ?entity HAVING (COUNT(DISTINCT ?source) > 1) ORDER BY DESC(?n) ?entity
"""


def merged_entities() -> pd.DataFrame:
    return KnowledgeGraph.default().select(MERGED)


def test_list_of_merged_entities() -> None:
    df = merged_entities()
    print("\nentities merged across sources:")
    print(df.to_string(index=False))
    rows = {
        r["entity"].rsplit("/", 1)[-1]: set(r["sources"].split()) for r in df.to_dict("records")
    }
    assert {"altenburg-meyer-stamer1999", "giuliani2005"} <= rows["intel"]
    assert {"altenburg-meyer-stamer1999", "giuliani2005"} <= rows["cluster-sinos-valley-footwear"]
    assert {"altenburg-meyer-stamer1999", "giuliani2005"} <= rows["cluster-leon-footwear"]
    assert {"lopez-aymes-gvpc", "vazquez-lopez2012", "giuliani2005"} <= rows["eclac"]
    assert len(rows["region-latin-america"]) >= 4
    assert len(rows) >= 40


def test_no_id_has_two_kinds_across_sources() -> None:
    df = KnowledgeGraph.default().select("""
        SELECT ?entity (GROUP_CONCAT(DISTINCT STR(?class); separator=" ") AS ?classes) WHERE {
          GRAPH ?g { ?entity a ?class } FILTER(STRSTARTS(STR(?class), STR(gvc:)))
          FILTER(?class NOT IN (gvc:Evidence))
        } GROUP BY ?entity HAVING (COUNT(DISTINCT ?class) > 1)""")
    assert df.empty, df.to_string()


def test_facts_of_each_source_stay_side_by_side() -> None:
    kg = KnowledgeGraph.default()
    df = kg.select("""
        SELECT ?source (COUNT(DISTINCT ?fact) AS ?facts) WHERE {
          GRAPH ?g { ?fact ?p id:cluster-sinos-valley-footwear ; prov:wasDerivedFrom ?ev .
                     ?doc a gvc:SourceDocument ; gvc:sourceId ?source }
        } GROUP BY ?source ORDER BY ?source""")
    sources = set(df["source"])
    assert {"altenburg-meyer-stamer1999", "giuliani2005"} <= sources
    assert (df["facts"] > 0).all()
