"""Run the SHACL shapes (``ontology/shapes.ttl``) on one source's RDF with pySHACL.

pySHACL is the maintained SHACL Core + SHACL-SPARQL engine for rdflib; the axioms of the
ontology and the SKOS schemes are mixed into the data graph (as pySHACL's ``ont_graph`` does,
but computed once: :func:`ontology_mixin`) so that shapes can check that a value is a concept
of the right scheme. Each violation is reported at the place of the record it
concerns (file and line, or sheet and row).
"""

from __future__ import annotations

from functools import cache

from rdflib import Graph, URIRef
from rdflib.namespace import RDF

from gvcgraph.ingest.errors import Problem
from gvcgraph.ingest.schema import load_schema
from gvcgraph.ingest.source_file import Locator
from gvcgraph.ingest.validate import Record
from gvcgraph.ontology import terms
from gvcgraph.ontology.terms import SH

SKIPPED_SHAPES = {terms.SHAPES.ShareSumShape}
"""Shapes whose check :mod:`gvcgraph.ingest.validate` already makes, with the record's line."""


@cache
def shapes_graph() -> Graph:
    """The SHACL shapes graph (parsed once)."""
    g = Graph()
    path = terms.shapes_file()
    if path.exists():
        g.parse(path, format="turtle")
    return g


@cache
def ontology_graph() -> Graph:
    """The ontology, alignment and vocabulary files as one rdflib graph (parsed once)."""
    g = Graph()
    for path in terms.ontology_files():
        g.parse(path, format="turtle")
    return g


@cache
def ontology_mixin() -> Graph:
    """The triples pySHACL mixes from the ontology into every data graph, computed once.

    pySHACL's ``ont_graph`` argument copies the RDFS and OWL axioms of the ontology into a
    clone of the data graph on every call ("inoculation"), which took two thirds of the time
    of validating a case study. The copy is the same every time, so it is made once here with
    pySHACL's own function and added to each data graph before validation.
    """
    from pyshacl.rdfutil.inoculate import inoculate

    return inoculate(Graph(), ontology_graph())


def shacl_problems(data: Graph, origin: dict[str, Record], locator: Locator) -> list[Problem]:
    """Validate ``data`` against the shapes; one :class:`Problem` per SHACL result."""
    shapes = shapes_graph()
    if len(shapes) == 0:
        return []
    from pyshacl import validate  # imported here: it takes a second to import

    mixed = Graph()
    mixed.addN((s, p, o, mixed) for s, p, o in data)
    mixed.addN((s, p, o, mixed) for s, p, o in ontology_mixin())
    _conforms, results, _text = validate(
        mixed,
        shacl_graph=shapes,
        ont_graph=None,
        inference="none",
        advanced=True,
        allow_warnings=True,
        abort_on_first=False,
        inplace=True,
    )
    predicate_to_field = _predicate_fields()
    problems: list[Problem] = []
    for result in results.subjects(RDF.type, SH.ValidationResult):
        if results.value(result, SH.sourceShape) in SKIPPED_SHAPES:
            continue
        focus = results.value(result, SH.focusNode)
        path = results.value(result, SH.resultPath)
        message = results.value(result, SH.resultMessage)
        severity = results.value(result, SH.resultSeverity)
        value = results.value(result, SH.value)
        rec = origin.get(str(focus))
        field = predicate_to_field.get(str(path), _local(path)) if isinstance(path, URIRef) else ""
        text = str(message) if message else "violates a SHACL shape"
        if value is not None and str(value) not in text:
            text += f" (value: {_short(value)})"
        level = "warning" if severity in (SH.Warning, SH.Info) else "error"
        if rec is not None:
            problem = locator.problem(
                (*rec.path, field) if field else rec.path, f"SHACL: {text}", level
            )
        else:
            problem = Problem(locator.file, None, "graph", _short(focus), f"SHACL: {text}", level)  # type: ignore[arg-type]
        problems.append(problem)
    return problems


@cache
def _predicate_fields() -> dict[str, str]:
    out: dict[str, str] = {}
    schema = load_schema()

    def walk(fields: dict) -> None:
        for name, spec in fields.items():
            if spec.predicate and spec.predicate_iri not in out:
                out[spec.predicate_iri] = name
            walk(spec.fields)
            if spec.record:
                walk(spec.record.fields)

    for section in schema.sections.values():
        walk(section.fields)
    for key, d in schema.dates.items():
        if "predicate" in d:
            out.setdefault(terms.expand(d["predicate"]), key)
    return out


def _local(iri: URIRef) -> str:
    text = str(iri)
    return text.rsplit("#", 1)[-1].rsplit("/", 1)[-1]


def _short(node: object) -> str:
    text = str(node)
    for prefix, ns in terms.PREFIXES.items():
        if text.startswith(str(ns)):
            return f"{prefix}:{text[len(str(ns)) :]}"
    return text
