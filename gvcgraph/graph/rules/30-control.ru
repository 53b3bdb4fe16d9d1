# Control shortcuts: controlled gvc:controlledBy controller, from explicit gvc:Control facts and
# from direct majority holdings (exact share above 50, or a range whose minimum is above 50, or
# is 50 exclusive) of shares or voting rights.
INSERT { GRAPH graph:derived { ?controlled gvc:controlledBy ?controller . ?controller gvc:controls ?controlled } }
WHERE {
  {
    GRAPH ?g { ?c a gvc:Control ; gvc:controller ?controller ; gvc:controlled ?controlled }
  } UNION {
    GRAPH ?g { ?o a gvc:Ownership ; gvc:owner ?controller ; gvc:owned ?controlled .
               OPTIONAL { ?o gvc:interestType ?it }
               OPTIONAL { ?o gvc:directOrIndirect ?d }
               OPTIONAL { ?o gvc:shareExact ?exact }
               OPTIONAL { ?o gvc:shareMin ?min }
               OPTIONAL { ?o gvc:shareMinExclusive ?minx } }
    FILTER(!BOUND(?it) || ?it IN (vocab:interest-type\/shareholding, vocab:interest-type\/votingRights))
    FILTER(!BOUND(?d) || ?d != vocab:direct-or-indirect\/indirect)
    FILTER((BOUND(?exact) && ?exact > 50) || (BOUND(?min) && ?min > 50)
           || (BOUND(?min) && ?min = 50 && BOUND(?minx) && ?minx = true))
  }
}
