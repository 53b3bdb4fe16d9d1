# Shortcut edges for buyer-supplier relations: supplier gvc:suppliesTo buyer, and the inverse.
# Validity dates stay on the qualified gvc:SupplyRelation node; use it for as-of questions.
INSERT { GRAPH graph:derived { ?supplier gvc:suppliesTo ?buyer . ?buyer gvc:suppliedBy ?supplier } }
WHERE { GRAPH ?g { ?r a gvc:SupplyRelation ; gvc:buyer ?buyer ; gvc:supplier ?supplier } }
