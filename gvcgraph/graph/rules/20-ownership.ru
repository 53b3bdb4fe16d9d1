# Direct ownership shortcuts (facts not marked indirect): owned gvc:directlyOwnedBy owner.
INSERT { GRAPH graph:derived { ?owned gvc:directlyOwnedBy ?owner . ?owner gvc:directlyOwns ?owned } }
WHERE {
  GRAPH ?g { ?o a gvc:Ownership ; gvc:owner ?owner ; gvc:owned ?owned .
             OPTIONAL { ?o gvc:directOrIndirect ?d } }
  FILTER(!BOUND(?d) || ?d != vocab:direct-or-indirect\/indirect)
}
