"""Map a validated case study to RDF, following ``casestudy_schema.yaml``.

IRIs are deterministic (entity ids are global; facts, evidence and nested records are minted
under the source document), so the same case study written as YAML, CSV or XLSX gives the
same graph, and re-ingesting a source replaces exactly its own triples. No blank nodes are
used. Every record of a fact section becomes a qualified node with ``prov:wasDerivedFrom``
links to :class:`gvc:Evidence` nodes, each pointing at the document (``oa:hasSource``) with
its line or page and an ``oa:TextQuoteSelector`` holding the quote.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from rdflib import RDF, XSD, Graph, Literal, URIRef

from gvcgraph.ingest.schema import FieldSpec, SectionSpec, codes, load_schema
from gvcgraph.ingest.validate import CaseStudy, DateValue, Record
from gvcgraph.ontology import terms
from gvcgraph.ontology.terms import GVC, OA, WD


def casestudy_to_rdf(cs: CaseStudy) -> tuple[Graph, dict[str, Record]]:
    """The RDF graph of one case study, and the record behind each subject IRI."""
    schema = load_schema()
    g = Graph()
    for prefix, ns in terms.PREFIXES.items():
        g.bind(prefix, str(ns))
    origin: dict[str, Record] = {}
    doc = URIRef(terms.document_iri(cs.source_id))
    fact_ids = {r.id for r in cs.records if r.section not in ("entities", "policies")}
    _Mapper(g, cs.source_id, doc, origin).record(doc, cs.source, schema.sections["source"])
    g.add((doc, RDF.type, URIRef(terms.expand(schema.sections["source"].cls or ""))))
    for rec in cs.records:
        spec = schema.sections[rec.section]
        mapper = _Mapper(g, cs.source_id, doc, origin)
        mapper.fact_ids = fact_ids
        if rec.section == "entities":
            subject = URIRef(terms.entity_iri(rec.id))
            g.add((subject, RDF.type, URIRef(terms.expand(spec.classes[rec.entity_type or ""]))))
            mapper.owner = f"e-{rec.id}"
        elif spec.entity_like:
            subject = URIRef(terms.entity_iri(rec.id))
            g.add((subject, RDF.type, URIRef(terms.expand(spec.cls or ""))))
            mapper.owner = f"e-{rec.id}"
        else:
            subject = URIRef(terms.fact_iri(cs.source_id, rec.id))
            g.add((subject, RDF.type, URIRef(terms.expand(spec.cls or ""))))
            mapper.owner = rec.id
        origin[str(subject)] = rec
        mapper.record(subject, rec, spec)
    return g, origin


def decimal_literal(value: Decimal | int | float) -> Literal:
    """An ``xsd:decimal`` literal in one lexical form whatever the input (80, 80.0, "80.00")."""
    d = Decimal(str(value)).normalize()
    if d == d.to_integral_value():
        d = d.quantize(Decimal(1))
    return Literal(format(d, "f"), datatype=XSD.decimal)


class _Mapper:
    def __init__(self, g: Graph, source_id: str, doc: URIRef, origin: dict[str, Record]):
        self.g = g
        self.source_id = source_id
        self.doc = doc
        self.origin = origin
        self.owner = "source"
        self.current: Record | None = None
        self.fact_ids: set[str] = set()

    def record(self, subject: URIRef, rec: Record, spec: SectionSpec) -> None:
        self.current = rec
        self.fields(subject, rec.values, spec, rec)

    def fields(
        self, subject: URIRef, values: dict[str, Any], spec: SectionSpec, rec: Record
    ) -> None:
        schema = load_schema()
        for name, value in values.items():
            if spec.dated and name in schema.date_fields:
                continue
            fspec = spec.fields.get(name)
            if fspec is None or (fspec.predicate is None and fspec.type not in ("mapping",)):
                continue
            self.value(subject, fspec, value, rec)
        if spec.dated:
            self.dates(subject, values)

    def dates(self, subject: URIRef, values: dict[str, Any]) -> None:
        schema = load_schema()
        override = values.get("precision")
        for key in ("from", "to", "date"):
            value = values.get(key)
            if not isinstance(value, DateValue):
                continue
            d = schema.dates[key]
            self.g.add(
                (
                    subject,
                    URIRef(terms.expand(d["predicate"])),
                    Literal(value.value, datatype=XSD.date),
                )
            )
            precision = override or value.precision
            self.g.add(
                (
                    subject,
                    URIRef(terms.expand(d["precision_predicate"])),
                    URIRef(terms.concept_iri("date-precision", precision)),
                )
            )
        if "as_stated" in values:
            self.g.add(
                (
                    subject,
                    URIRef(terms.expand(schema.dates["as_stated"]["predicate"])),
                    Literal(values["as_stated"]),
                )
            )

    def value(self, subject: URIRef, spec: FieldSpec, value: Any, rec: Record) -> None:
        t = spec.type
        if t == "mapping":
            for key, sub in value.items():
                self.value(subject, spec.fields[key], sub, rec)
            return
        pred = URIRef(spec.predicate_iri)
        add = self.g.add
        if t == "id" or t in ("text", "lei"):
            add((subject, pred, Literal(value)))
        elif t == "text-list":
            for item in value:
                add((subject, pred, Literal(item)))
        elif t == "wikidata":
            add((subject, pred, WD[value]))
        elif t in ("integer",):
            add((subject, pred, Literal(int(value), datatype=XSD.integer)))
        elif t == "year":
            datatype = XSD.gYear if spec.predicate == "dct:issued" else XSD.integer
            add(
                (
                    subject,
                    pred,
                    Literal(str(value) if datatype == XSD.gYear else int(value), datatype=datatype),
                )
            )
        elif t in ("number", "percent"):
            add((subject, pred, decimal_literal(value)))
        elif t == "boolean":
            if spec.scheme:  # a yes/no field stored as a concept (direct/indirect)
                code = spec.true_code if value else spec.false_code
                add((subject, pred, URIRef(codes(spec.scheme)[code or ""])))
            else:
                add((subject, pred, Literal(bool(value))))
        elif t == "code":
            add((subject, pred, URIRef(codes(spec.scheme or "")[value])))
        elif t == "code-list":
            for code in value:
                add((subject, pred, URIRef(codes(spec.scheme or "")[code])))
        elif t == "country":
            add((subject, pred, URIRef(terms.concept_iri("country", value))))
        elif t == "country-list":
            for code in value:
                add((subject, pred, URIRef(terms.concept_iri("country", code))))
        elif t == "ref":
            add((subject, pred, URIRef(terms.entity_iri(value))))
        elif t == "ref-list":
            for ident in value:
                add((subject, pred, URIRef(terms.entity_iri(ident))))
        elif t == "fact-ref-list":
            for ident in value:
                add((subject, pred, URIRef(self.resolve_any(ident))))
        elif t == "subject":
            if ":" in value:
                scheme, _, code = value.partition(":")
                add((subject, pred, URIRef(codes(scheme)[code])))
            else:
                add((subject, pred, URIRef(terms.entity_iri(value))))
        elif t == "evidence":
            for k, ev in enumerate(value, start=1):
                add((subject, pred, self.evidence(ev, k)))
        elif t == "nested":
            assert spec.record is not None
            for k, item in enumerate(value, start=1):
                node = URIRef(
                    terms.fact_iri(
                        self.source_id, f"{self.owner.removeprefix('e-')}/{spec.name}/{k}"
                    )
                )
                add((node, RDF.type, URIRef(terms.expand(spec.record.cls or ""))))
                add((subject, pred, node))
                self.origin[str(node)] = rec
                saved = self.owner
                self.owner = f"{saved}/{spec.name}/{k}"
                self.fields(node, item, spec.record, rec)
                self.owner = saved
        else:
            raise AssertionError(t)

    def resolve_any(self, ident: str) -> str:
        """An id in a fact-ref-list: entity/policy ids are global, other ids are facts."""
        if ident in self.fact_ids:
            return terms.fact_iri(self.source_id, ident)
        return terms.entity_iri(ident)

    def evidence(self, ev: dict[str, Any], k: int) -> URIRef:
        schema = load_schema()
        spec = schema.evidence
        node = URIRef(terms.fact_iri(self.source_id, f"ev/{self.owner}/{k}"))
        g = self.g
        g.add((node, RDF.type, GVC.Evidence))
        self.origin[str(node)] = self.current
        g.add((node, OA.hasSource, self.doc))
        for name, value in ev.items():
            if name == "quote":
                selector = URIRef(f"{node}/quote")
                g.add((node, OA.hasSelector, selector))
                g.add((selector, RDF.type, OA.TextQuoteSelector))
                g.add((selector, OA.exact, Literal(value)))
                continue
            fspec = spec.fields[name]
            if name == "status":
                g.add((node, URIRef(fspec.predicate_iri), URIRef(codes("evidence-status")[value])))
            elif fspec.type == "integer":
                g.add(
                    (node, URIRef(fspec.predicate_iri), Literal(int(value), datatype=XSD.integer))
                )
            else:
                g.add((node, URIRef(fspec.predicate_iri), Literal(str(value))))
        return node
