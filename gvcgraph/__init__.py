"""gvcgraph: a knowledge graph of firms, global value chains and industrial policies.

Case studies go in as YAML, CSV or XLSX files; out come an RDF graph with an explicit
ontology, SPARQL answers, network measures and maps. The Python API mirrors the command line::

    from gvcgraph import KnowledgeGraph
    kg = KnowledgeGraph.default()          # the bundled case studies
    kg.select("SELECT ?c WHERE { ?c a gvc:Cluster }")
"""

from gvcgraph.graph.store import KnowledgeGraph

__all__ = ["KnowledgeGraph", "__version__"]
__version__ = "0.1.0"
