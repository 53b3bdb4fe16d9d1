# Policy shortcuts: instrument gvc:targets what it targets (sectors, regions, zones, clusters,
# firms, firm categories); beneficiary gvc:benefitedFrom instrument.
INSERT { GRAPH graph:derived { ?i gvc:targets ?t } }
WHERE {
  GRAPH ?g { ?i a gvc:PolicyInstrument ; ?p ?t }
  VALUES ?p { gvc:targetsSector gvc:targetsRegion gvc:appliesInZone gvc:targetsCluster
              gvc:targetsFirm gvc:targetsFirmCategory }
} ;
INSERT { GRAPH graph:derived { ?b gvc:benefitedFrom ?i } }
WHERE { GRAPH ?g { ?pp a gvc:PolicyParticipation ; gvc:beneficiary ?b ; gvc:instrument ?i } }
