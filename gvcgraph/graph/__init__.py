"""The knowledge graph store, its derived layer, the networkx projection and the analyses."""
