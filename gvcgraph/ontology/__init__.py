"""The gvcgraph ontology (OWL), its SKOS schemes, SHACL shapes and alignments."""
