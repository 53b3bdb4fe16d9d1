# Participation shortcuts: a firm gvc:participatesIn a value chain; a member gvc:memberOf an
# organisation (cluster, association, group).
INSERT { GRAPH graph:derived { ?firm gvc:participatesIn ?chain } }
WHERE { GRAPH ?g { ?p a gvc:ChainParticipation ; gvc:participant ?firm ; gvc:inChain ?chain } } ;
INSERT { GRAPH graph:derived { ?member gvc:memberOf ?org } }
WHERE { GRAPH ?g { ?m a org:Membership ; org:member ?member ; org:organization ?org } }
