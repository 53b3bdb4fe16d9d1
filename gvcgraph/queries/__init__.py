"""The named query library: competency questions as SPARQL files (``*.rq``) with a header.

See :mod:`gvcgraph.queries.library` for the header format, the parameter types and the API.
"""
