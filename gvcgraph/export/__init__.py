"""Exports of the knowledge graph to other tools, one module per family of formats.

* :mod:`gvcgraph.export.network`: the network view (nodes, edges and their attributes) as
  GraphML, GEXF, CSV, Cytoscape.js JSON and Neo4j import files.

The RDF serialisations (Turtle, N-Triples, N-Quads, TriG, JSON-LD) are written by
:meth:`gvcgraph.graph.store.KnowledgeGraph.dump`.
"""

from gvcgraph.export.network import NETWORK_FORMATS, export_network, network_tables

__all__ = ["NETWORK_FORMATS", "export_network", "network_tables"]
