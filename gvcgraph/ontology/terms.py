"""Namespaces and IRIs of gvcgraph: the one place where they are spelled out.

Everything else imports from here: the ontology files use the same IRIs, the ingest mapping
names terms as ``prefix:local`` and resolves them with :data:`PREFIXES`.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from rdflib import Namespace
from rdflib.namespace import DCTERMS, ORG, PROV, RDF, RDFS, SKOS, XSD

BASE = "https://w3id.org/gvcgraph/"

GVC = Namespace(BASE + "ont#")
"""Classes and properties of the gvcgraph ontology."""

ID = Namespace(BASE + "id/")
"""Instances: entities at ``id/<entity-id>``, documents at ``id/doc/<source-id>``."""

VOCAB = Namespace(BASE + "vocab/")
"""SKOS concept schemes at ``vocab/<scheme>``, concepts at ``vocab/<scheme>/<code>``."""

GRAPH = Namespace(BASE + "graph/")
"""Named graphs: ``graph/source/<source-id>``, ``graph/derived``, ``graph/ontology``."""

SHAPES = Namespace(BASE + "shapes#")
"""The SHACL shapes of ``shapes.ttl``."""

OA = Namespace("http://www.w3.org/ns/oa#")
SCHEMA = Namespace("https://schema.org/")
SH = Namespace("http://www.w3.org/ns/shacl#")
WD = Namespace("http://www.wikidata.org/entity/")

PREFIXES: dict[str, Namespace | str] = {
    "gvc": GVC,
    "id": ID,
    "vocab": VOCAB,
    "skos": SKOS,
    "dct": DCTERMS,
    "prov": PROV,
    "oa": OA,
    "org": ORG,
    "schema": SCHEMA,
    "rdf": RDF,
    "rdfs": RDFS,
    "xsd": XSD,
    "sh": SH,
    "wd": WD,
}

DERIVED_GRAPH = GRAPH["derived"]
ONTOLOGY_GRAPH = GRAPH["ontology"]


def source_graph(source_id: str) -> str:
    """IRI of the named graph that holds one source document's facts."""
    return f"{GRAPH}source/{source_id}"


def entity_iri(entity_id: str) -> str:
    """IRI of an entity (firm, cluster, policy ...), global across sources."""
    return f"{ID}{entity_id}"


def document_iri(source_id: str) -> str:
    """IRI of a source document."""
    return f"{ID}doc/{source_id}"


def fact_iri(source_id: str, fact_id: str) -> str:
    """IRI of a qualified fact (supply relation, ownership ...) coded from one source."""
    return f"{ID}doc/{source_id}/{fact_id}"


def concept_iri(scheme: str, code: str) -> str:
    """IRI of the SKOS concept ``code`` in scheme ``scheme``."""
    return f"{VOCAB}{scheme}/{code}"


def scheme_iri(scheme: str) -> str:
    """IRI of the SKOS concept scheme ``scheme``."""
    return f"{VOCAB}{scheme}"


def expand(curie: str) -> str:
    """Expand ``prefix:local`` to a full IRI using :data:`PREFIXES`."""
    prefix, _, local = curie.partition(":")
    try:
        return str(PREFIXES[prefix]) + local
    except KeyError:
        raise ValueError(f"unknown prefix in {curie!r}") from None


def sparql_prefixes() -> str:
    """PREFIX declarations for every namespace in :data:`PREFIXES`."""
    return "".join(f"PREFIX {p}: <{ns}>\n" for p, ns in PREFIXES.items())


def ontology_dir() -> Path:
    """Directory holding gvc.ttl, shapes.ttl, align.ttl and vocab/."""
    return Path(str(resources.files("gvcgraph") / "ontology"))


def ontology_files() -> list[Path]:
    """The Turtle files that make up the ontology graph (OWL, SKOS schemes, alignments)."""
    root = ontology_dir()
    files = [root / "gvc.ttl", root / "align.ttl", *sorted((root / "vocab").glob("*.ttl"))]
    return [f for f in files if f.exists()]


def shapes_file() -> Path:
    """The SHACL shapes file."""
    return ontology_dir() / "shapes.ttl"
