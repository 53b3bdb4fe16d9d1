"""The case-study format as data: sections and fields from ``casestudy_schema.yaml``, and the
controlled values of each SKOS scheme in ``ontology/vocab/``.

Both are read once and cached. Nothing here knows about YAML lines or RDF output; the
validator (:mod:`gvcgraph.ingest.validate`) and the mapping (:mod:`gvcgraph.ingest.to_rdf`)
use these descriptions.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from typing import Any

import pyoxigraph as ox
import yaml

from gvcgraph.ontology import terms


@dataclass(frozen=True)
class FieldSpec:
    """One field of a section: its type and the RDF term it maps to."""

    name: str
    type: str
    predicate: str | None = None
    required: bool = False
    scheme: str | None = None
    to: tuple[str, ...] = ()
    min: float | None = None
    max: float | None = None
    pattern: str | None = None
    default: Any = None
    true_code: str | None = None
    false_code: str | None = None
    required_for: tuple[str, ...] = ()
    record: SectionSpec | None = None
    fields: dict[str, FieldSpec] = field(default_factory=dict)

    @property
    def predicate_iri(self) -> str:
        assert self.predicate, self.name
        return terms.expand(self.predicate)


@dataclass(frozen=True)
class SectionSpec:
    """A section of a case-study file (``entities``, ``supply`` ...) or a nested record."""

    name: str
    kind: str
    fields: dict[str, FieldSpec]
    cls: str | None = None
    classes: dict[str, str] = field(default_factory=dict)
    common: tuple[str, ...] = ()
    per_type: dict[str, tuple[str, ...]] = field(default_factory=dict)
    dated: bool = False
    entity_like: bool = False
    distinct: tuple[str, ...] = ()
    one_of_required: tuple[str, ...] = ()

    def allowed_fields(self, entity_type: str | None = None) -> list[str]:
        """Fields allowed in a record (for entities: those of its type)."""
        if self.per_type and entity_type in self.per_type:
            return [*self.common, *self.per_type[entity_type]]
        return list(self.fields)


@dataclass(frozen=True)
class CaseStudySchema:
    """The whole format."""

    format: str
    sections: dict[str, SectionSpec]
    evidence: SectionSpec
    evidence_one_of: tuple[str, ...]
    dates: dict[str, dict[str, str]]
    date_fields: tuple[str, ...]
    raw: dict[str, Any]


def _field(name: str, spec: dict[str, Any]) -> FieldSpec:
    record = None
    if spec.get("type") == "nested":
        rec = spec["record"]
        record = SectionSpec(
            name=name,
            kind="record",
            cls=rec.get("class"),
            fields={k: _field(k, v) for k, v in rec["fields"].items()},
        )
    sub = {k: _field(k, v) for k, v in spec.get("fields", {}).items()}
    to = spec.get("to", ())
    return FieldSpec(
        name=name,
        type=spec["type"],
        predicate=spec.get("predicate"),
        required=bool(spec.get("required", False)),
        scheme=spec.get("scheme"),
        to=tuple(to),
        min=spec.get("min"),
        max=spec.get("max"),
        pattern=spec.get("pattern"),
        default=spec.get("default"),
        true_code=spec.get(True) or spec.get("true"),
        false_code=spec.get(False) or spec.get("false"),
        required_for=tuple(spec.get("required_for", ())),
        record=record,
        fields=sub,
    )


@cache
def load_schema() -> CaseStudySchema:
    """Read ``casestudy_schema.yaml`` (cached)."""
    text = (resources.files("gvcgraph.ingest") / "casestudy_schema.yaml").read_text("utf-8")
    raw = yaml.safe_load(text)
    common = {k: _field(k, v) for k, v in raw["fact_common"].items()}
    sections: dict[str, SectionSpec] = {}
    for name, spec in raw["sections"].items():
        fields = {k: _field(k, v) for k, v in spec["fields"].items()}
        is_fact = spec["kind"] == "list" and name != "entities"
        if is_fact:
            for k, v in common.items():
                fields.setdefault(k, v)
        sections[name] = SectionSpec(
            name=name,
            kind=spec["kind"],
            fields=fields,
            cls=spec.get("class"),
            classes=spec.get("classes", {}),
            common=tuple(spec.get("common", ())),
            per_type={k: tuple(v) for k, v in spec.get("per_type", {}).items()},
            dated=bool(spec.get("dated", False)),
            entity_like=bool(spec.get("entity_like", False)),
            distinct=tuple(spec.get("distinct", ())),
            one_of_required=tuple(spec.get("one_of_required", ())),
        )
    ev = raw["evidence"]
    evidence = SectionSpec(
        name="evidence",
        kind="record",
        cls=ev["class"],
        fields={k: _field(k, v) for k, v in ev["fields"].items()},
    )
    return CaseStudySchema(
        format=raw["format"],
        sections=sections,
        evidence=evidence,
        evidence_one_of=tuple(ev["one_of_required"]),
        dates=raw["dates"],
        date_fields=tuple(raw["date_fields"]),
        raw=raw,
    )


@cache
def vocabulary() -> dict[str, dict[str, str]]:
    """Controlled values: ``{scheme: {notation: concept IRI}}`` from ``ontology/vocab/*.ttl``.

    Read with pyoxigraph (fast, about 20 ms for all schemes, countries included).
    """
    store = ox.Store()
    vocab_dir = terms.ontology_dir() / "vocab"
    for path in sorted(vocab_dir.glob("*.ttl")):
        store.load(path.read_bytes(), format=ox.RdfFormat.TURTLE, to_graph=ox.DefaultGraph())
    query = """
        PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
        SELECT ?scheme ?notation ?concept WHERE {
          ?concept skos:inScheme ?scheme ; skos:notation ?notation .
        }"""
    out: dict[str, dict[str, str]] = {}
    prefix = str(terms.VOCAB)
    for row in store.query(query):
        scheme_iri = row["scheme"].value
        if not scheme_iri.startswith(prefix):
            continue
        scheme = scheme_iri[len(prefix) :]
        out.setdefault(scheme, {})[row["notation"].value] = row["concept"].value
    return out


def codes(scheme: str) -> dict[str, str]:
    """The codes of one scheme (notation -> concept IRI); empty if the scheme is unknown."""
    return vocabulary().get(scheme, {})
