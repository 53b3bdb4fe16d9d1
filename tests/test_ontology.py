"""The ontology files: OWL declarations, SKOS schemes, alignments and SHACL shapes.

Checks that every gvc: term used anywhere (the case-study schema, the shapes, the vocabularies,
the alignments, the derivation rules) is declared exactly once in gvc.ttl with a label and a
definition; that every scheme the schema names exists with well-formed concepts; and that the
shapes catch the mistakes they are meant to catch on small hand-written data graphs.
"""

from __future__ import annotations

import re
from collections import Counter
from functools import cache
from pathlib import Path

import pytest
import yaml
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, OWL, RDF, RDFS, SKOS

from gvcgraph.ontology import terms
from gvcgraph.ontology.terms import GVC, SH

ONT_DIR = terms.ontology_dir()
REPO = ONT_DIR.parent.parent
SCHEMA_FILE = ONT_DIR.parent / "ingest" / "casestudy_schema.yaml"
DOC_FILE = REPO / "docs" / "casestudy-format.md"
ONTOLOGY_IRI = URIRef("https://w3id.org/gvcgraph/ont")
DECLARATION_TYPES = (OWL.Class, OWL.ObjectProperty, OWL.DatatypeProperty, OWL.AnnotationProperty)
VALUE_SCHEME = GVC.valueScheme


# --------------------------------------------------------------------------- helpers


def ttl_files() -> list[Path]:
    return sorted(ONT_DIR.rglob("*.ttl"))


@cache
def parsed(path: Path) -> Graph:
    return Graph().parse(path, format="turtle")


@cache
def gvc_graph() -> Graph:
    return parsed(ONT_DIR / "gvc.ttl")


@cache
def ontology_graph() -> Graph:
    """What pySHACL gets as ont_graph: gvc.ttl, align.ttl and every vocabulary."""
    g = Graph()
    for path in terms.ontology_files():
        g += parsed(path)
    return g


@cache
def shapes_graph() -> Graph:
    return parsed(terms.shapes_file())


@cache
def schema() -> dict:
    return yaml.safe_load(SCHEMA_FILE.read_text(encoding="utf-8"))


def walk(node: object):
    """Every (key, value) pair in a nested YAML structure."""
    if isinstance(node, dict):
        for key, value in node.items():
            yield key, value
            yield from walk(value)
    elif isinstance(node, list):
        for item in node:
            yield from walk(item)


def schema_terms() -> set[str]:
    """Full IRIs of every predicate and class the case-study schema names."""
    out: set[str] = set()
    for key, value in walk(schema()):
        if not isinstance(key, str):  # YAML reads the keys `true:` / `false:` as booleans
            continue
        if key in ("predicate", "class") or key.endswith("_predicate"):
            out.add(terms.expand(value))
        elif key in ("classes", "selector_class") and isinstance(value, (dict, str)):
            values = value.values() if isinstance(value, dict) else [value]
            out.update(terms.expand(v) for v in values)
    return out


def schema_code_fields() -> list[tuple[str, str]]:
    """(predicate IRI, scheme) of every code-valued field in the schema."""
    out = []
    for _key, value in walk(schema()):
        if isinstance(value, dict) and "scheme" in value and "predicate" in value:
            out.append((terms.expand(value["predicate"]), value["scheme"]))
    return out


def schema_schemes() -> set[str]:
    return {v for k, v in walk(schema()) if k == "scheme" and isinstance(v, str)}


def gvc_terms_in_graph(g: Graph) -> set[str]:
    used = {str(x) for triple in g for x in triple if str(x).startswith(str(GVC))}
    for literal in g.objects(None, SH.select):
        used.update(str(GVC) + local for local in re.findall(r"\bgvc:(\w+)", str(literal)))
    used.discard(str(GVC))
    return used


def gvc_terms_in_rules() -> set[str]:
    rules = ONT_DIR.parent / "graph" / "rules"
    used: set[str] = set()
    for path in sorted(rules.glob("*.ru")) if rules.exists() else []:
        text = "\n".join(
            line
            for line in path.read_text(encoding="utf-8").splitlines()
            if not line.lstrip().startswith("#")
        )
        used.update(str(GVC) + local for local in re.findall(r"\bgvc:(\w+)", text))
    return used


def declarations() -> Counter[str]:
    """How many times each gvc: term is declared (typed as an OWL class or property), all files."""
    count: Counter[str] = Counter()
    for path in ttl_files():
        g = parsed(path)
        for kind in DECLARATION_TYPES:
            for s in g.subjects(RDF.type, kind):
                if str(s).startswith(str(GVC)):
                    count[str(s)] += 1
    return count


def doc_code_table() -> dict[str, list[str]]:
    """The "Controlled vocabularies" table of docs/casestudy-format.md: scheme -> codes."""
    text = DOC_FILE.read_text(encoding="utf-8").split("## Controlled vocabularies", 1)[1]
    table = {}
    for line in text.splitlines():
        m = re.match(r"^\| ([a-z][a-z0-9-]*) \| (.+) \|$", line)
        if m and m.group(1) != "scheme":  # not the header row
            codes = m.group(2).split(":", 1)[1] if m.group(1) == "interest-type" else m.group(2)
            table[m.group(1)] = [c.strip() for c in codes.split(",")]
    return table


def scheme_graph(scheme: str) -> Graph:
    return parsed(ONT_DIR / "vocab" / f"{scheme}.ttl")


def concepts(scheme: str) -> dict[str, URIRef]:
    """notation -> concept IRI of one scheme."""
    g = scheme_graph(scheme)
    return {
        str(g.value(c, SKOS.notation)): c
        for c in g.subjects(SKOS.inScheme, URIRef(terms.scheme_iri(scheme)))
    }


# --------------------------------------------------------------------------- parsing, header


@pytest.mark.parametrize("path", ttl_files(), ids=lambda p: p.name)
def test_every_turtle_file_parses(path: Path) -> None:
    assert len(parsed(path)) > 0


def test_expected_files_exist() -> None:
    for name in ("gvc.ttl", "shapes.ttl", "align.ttl", "vocab/country.ttl"):
        assert (ONT_DIR / name).is_file(), name


def test_ontology_header() -> None:
    g = gvc_graph()
    assert (ONTOLOGY_IRI, RDF.type, OWL.Ontology) in g
    assert g.value(ONTOLOGY_IRI, OWL.versionInfo) is not None
    assert g.value(ONTOLOGY_IRI, DCTERMS.license) == URIRef("https://opensource.org/licenses/MIT")
    assert str(g.value(ONTOLOGY_IRI, DCTERMS.creator)) == "gvcgraph developers"


def test_no_owl_imports_anywhere() -> None:
    for path in ttl_files():
        assert not list(parsed(path).objects(None, OWL.imports)), path.name


# --------------------------------------------------------------------------- declarations


def test_every_declaration_is_in_gvc_ttl_and_unique() -> None:
    count = declarations()
    twice = sorted(t for t, n in count.items() if n != 1)
    assert not twice, f"declared more than once: {twice}"
    outside = set(count) - set(declarations_in_gvc())
    assert not outside, f"gvc: terms declared outside gvc.ttl: {sorted(outside)}"


def declarations_in_gvc() -> set[str]:
    g = gvc_graph()
    return {str(s) for kind in DECLARATION_TYPES for s in g.subjects(RDF.type, kind)}


@pytest.mark.parametrize(
    "source",
    ["casestudy_schema.yaml", "shapes.ttl", "align.ttl", "vocab", "gvc.ttl", "rules"],
)
def test_every_used_gvc_term_is_declared(source: str) -> None:
    if source == "casestudy_schema.yaml":
        used = {t for t in schema_terms() if t.startswith(str(GVC))}
    elif source == "vocab":
        used = set().union(*(gvc_terms_in_graph(parsed(p)) for p in ONT_DIR.glob("vocab/*.ttl")))
    elif source == "rules":
        used = gvc_terms_in_rules()
    else:
        used = gvc_terms_in_graph(parsed(ONT_DIR / source))
    missing = sorted(used - declarations_in_gvc())
    assert not missing, f"used in {source} but not declared in gvc.ttl: {missing}"


def test_schema_classes_are_classes_and_predicates_are_properties() -> None:
    g = gvc_graph()
    for key, value in walk(schema()):
        if key == "class" and value.startswith("gvc:"):
            assert (URIRef(terms.expand(value)), RDF.type, OWL.Class) in g, value
        if key == "classes":
            for v in value.values():
                assert (URIRef(terms.expand(v)), RDF.type, OWL.Class) in g, v
        if key == "predicate" and value.startswith("gvc:"):
            kinds = set(g.objects(URIRef(terms.expand(value)), RDF.type))
            assert kinds & {OWL.ObjectProperty, OWL.DatatypeProperty}, value


def test_schema_required_terms_present() -> None:
    required = [
        "Country",
        "QualifiedFact",
        "Consolidation",
        "DirectConsolidation",
        "UltimateConsolidation",
        "suppliesTo",
        "suppliedBy",
        "directlyOwnedBy",
        "directlyOwns",
        "controlledBy",
        "controls",
        "participatesIn",
        "memberOf",
        "benefitedFrom",
        "targets",
        "assertedTier",
        "AnalysisResult",
        "CentralityScore",
        "scoredNode",
        "measure",
        "view",
        "DerivedTier",
        "tierBasis",
        "CaptiveAssessment",
        "assessedRelation",
        "captiveScore",
        "inferredGovernance",
        "reason",
        "IntegratedOwnership",
        "isDirect",
        "ultimateController",
        "corporateGroup",
        "foreignControlled",
        "iso3166Alpha3",
    ]
    missing = [t for t in required if str(GVC[t]) not in declarations_in_gvc()]
    assert not missing


@pytest.mark.parametrize("term", sorted(declarations_in_gvc()), ids=lambda t: t.split("#")[1])
def test_every_declared_term_is_documented(term: str) -> None:
    g = gvc_graph()
    iri = URIRef(term)
    labels = [lab for lab in g.objects(iri, RDFS.label) if getattr(lab, "language", None) == "en"]
    assert len(labels) == 1, "needs exactly one rdfs:label@en"
    definition = g.value(iri, SKOS.definition) or g.value(iri, RDFS.comment)
    assert definition is not None and len(str(definition)) > 15
    assert g.value(iri, RDFS.isDefinedBy) == ONTOLOGY_IRI


def test_class_hierarchy() -> None:
    g = gvc_graph()
    org = "http://www.w3.org/ns/org#"
    prov = "http://www.w3.org/ns/prov#"
    expected = {
        "Firm": org + "FormalOrganization",
        "PublicBody": org + "FormalOrganization",
        "Institution": org + "FormalOrganization",
        "Establishment": org + "Site",
        "Evidence": prov + "Entity",
        "SourceDocument": prov + "Entity",
        "UpgradingEvent": prov + "Activity",
        "Country": str(GVC.Region),
        "Consolidation": str(GVC.Control),
        "DirectConsolidation": str(GVC.Consolidation),
        "UltimateConsolidation": str(GVC.Consolidation),
    }
    for local, parent in expected.items():
        assert (GVC[local], RDFS.subClassOf, URIRef(parent)) in g, local
    for local in (
        "SupplyRelation",
        "Ownership",
        "Control",
        "ChainParticipation",
        "GovernanceAssessment",
        "PolicyParticipation",
        "UpgradingEvent",
        "Observation",
        "Linkage",
        "PolicyCondition",
        "PolicyOutcome",
    ):
        assert (GVC[local], RDFS.subClassOf, GVC.QualifiedFact) in g, local
    assert (GVC.suppliesTo, OWL.inverseOf, GVC.suppliedBy) in g
    assert (GVC.directlyOwnedBy, OWL.inverseOf, GVC.directlyOwns) in g
    assert (GVC.controlledBy, OWL.inverseOf, GVC.controls) in g


def test_code_fields_name_their_scheme_in_the_ontology() -> None:
    g = gvc_graph()
    for predicate, scheme in schema_code_fields():
        schemes = {str(s) for s in g.objects(URIRef(predicate), VALUE_SCHEME)}
        assert terms.scheme_iri(scheme) in schemes, (predicate, scheme)


# --------------------------------------------------------------------------- vocabularies


def vocab_names() -> list[str]:
    return sorted(p.stem for p in (ONT_DIR / "vocab").glob("*.ttl"))


def test_every_schema_scheme_has_a_vocab_file() -> None:
    missing = sorted(s for s in schema_schemes() if s not in vocab_names())
    assert not missing


def test_vocab_codes_match_the_documentation() -> None:
    table = doc_code_table()
    assert len(table) >= 30
    for scheme, codes in table.items():
        assert sorted(concepts(scheme)) == sorted(codes), scheme


@pytest.mark.parametrize("scheme", vocab_names())
def test_concepts_are_complete(scheme: str) -> None:
    g = scheme_graph(scheme)
    scheme_iri = URIRef(terms.scheme_iri(scheme))
    assert (scheme_iri, RDF.type, SKOS.ConceptScheme) in g
    assert g.value(scheme_iri, SKOS.prefLabel) is not None
    assert g.value(scheme_iri, SKOS.definition) is not None
    found = list(g.subjects(RDF.type, SKOS.Concept))
    assert found
    for c in found:
        code = g.value(c, SKOS.notation)
        assert isinstance(code, Literal) and code.datatype is None and code.language is None
        assert str(c) == terms.concept_iri(scheme, str(code))
        assert list(g.objects(c, SKOS.inScheme)) == [scheme_iri]
        labels = [lab for lab in g.objects(c, SKOS.prefLabel) if lab.language == "en"]
        assert len(labels) == 1, c
        assert g.value(c, SKOS.definition) is not None, c
        top = (c, SKOS.topConceptOf, scheme_iri) in g
        broader = g.value(c, SKOS.broader)
        assert top or (broader is not None and (broader, SKOS.inScheme, scheme_iri) in g), c
        # pySHACL copies only owl:NamedIndividual nodes of ont_graph into the data graph
        assert (c, RDF.type, OWL.NamedIndividual) in g, c


def test_tier_basis_scheme() -> None:
    assert sorted(concepts("tier-basis")) == ["asserted", "derived"]


def test_governance_hs_maps_to_governance() -> None:
    g = scheme_graph("governance-hs")
    hs, ghs = concepts("governance-hs"), concepts("governance")
    expected = {
        "market": (SKOS.exactMatch, {"market"}),
        "hierarchy": (SKOS.exactMatch, {"hierarchy"}),
        "network": (SKOS.closeMatch, {"relational", "modular"}),
        "quasi-hierarchy": (SKOS.closeMatch, {"captive"}),
    }
    for code, (prop, targets) in expected.items():
        assert set(g.objects(hs[code], prop)) == {ghs[t] for t in targets}, code
        assert g.value(hs[code], SKOS.note) is not None


def test_governance_determinant_profiles() -> None:
    """Gereffi, Humphrey & Sturgeon (2005), Table 1: complexity, codifiability, capability."""
    g = scheme_graph("governance")
    level = concepts("determinant-level")
    table = {
        "market": ("low", "high", "high"),
        "modular": ("high", "high", "high"),
        "relational": ("high", "low", "high"),
        "captive": ("high", "high", "low"),
        "hierarchy": ("high", "low", "low"),
    }
    for code, c in concepts("governance").items():
        got = tuple(
            g.value(c, GVC[p])
            for p in ("transactionComplexity", "codifiability", "supplierCapability")
        )
        assert got == tuple(level[x] for x in table[code]), code
        assert "Gereffi" in str(g.value(c, DCTERMS.source))


def test_ordinal_codes() -> None:
    scope = scheme_graph("governance-scope")
    expected = {"absent": 0, "domestic": 1, "global": 2, "domestic-and-global": 3}
    for code, c in concepts("governance-scope").items():
        assert scope.value(c, GVC.tableCode).toPython() == expected[code]
    level = scheme_graph("level")
    ranks = {"absent": 0, "low": 1, "medium": 2, "high": 3}
    for code, c in concepts("level").items():
        assert level.value(c, GVC.ordinal).toPython() == ranks[code]


def test_interest_types_match_bods() -> None:
    g = scheme_graph("interest-type")
    found = concepts("interest-type")
    assert "shareholding" in found and "votingRights" in found and len(found) == 23
    for code, c in found.items():
        assert g.value(c, SKOS.exactMatch) == URIRef(
            f"https://standard.openownership.org/codelists#{code}"
        )


def test_country_scheme() -> None:
    g = scheme_graph("country")
    found = concepts("country")
    assert len(found) >= 249
    for code in ("MX", "BR", "TW", "CN", "US", "DE"):
        assert code in found
    assert (found["TW"], RDF.type, GVC.Country) in g
    assert str(g.value(found["MX"], GVC.iso3166Alpha3)) == "MEX"
    assert str(g.value(found["TW"], SKOS.prefLabel)) == "Taiwan"
    assert all(re.fullmatch(r"[A-Z]{2}", code) for code in found)


# --------------------------------------------------------------------------- alignments


def test_alignments_reference_only_external_terms_or_declared_gvc_terms() -> None:
    g = parsed(ONT_DIR / "align.ttl")
    gleif = "https://www.gleif.org/ontology/L2/"
    assert (URIRef(gleif + "DirectConsolidation"), RDFS.subClassOf, GVC.DirectConsolidation) in g
    assert (
        URIRef(gleif + "UltimateConsolidation"),
        RDFS.subClassOf,
        GVC.UltimateConsolidation,
    ) in g
    wdt = "http://www.wikidata.org/prop/direct/"
    assert (GVC.directlyOwnedBy, SKOS.closeMatch, URIRef(wdt + "P127")) in g
    assert (GVC.controlledBy, SKOS.closeMatch, URIRef(wdt + "P749")) in g
    for kind in DECLARATION_TYPES:
        assert not list(g.subjects(RDF.type, kind))


# --------------------------------------------------------------------------- shapes


BASE = """
id:doc\\/s1 a gvc:SourceDocument ; gvc:sourceId "s1" ; dct:title "A case study" .
id:ev1 a gvc:Evidence ; oa:hasSource id:doc\\/s1 ; gvc:line 12 .
id:oem a gvc:Firm ; skos:prefLabel "OEM" ; gvc:country vocab:country\\/US .
id:harness a gvc:Firm ; skos:prefLabel "Harness maker" ; gvc:country vocab:country\\/MX .
id:group a gvc:Firm ; skos:prefLabel "Group" .
id:assoc a gvc:Institution ; skos:prefLabel "Business association" .
"""


def shapes_report(turtle: str) -> list[tuple[str, str, str]]:
    """Validate BASE + ``turtle``; return (focus, path, severity) local names per SHACL result."""
    from pyshacl import validate

    prefixes = "".join(f"@prefix {p}: <{ns}> .\n" for p, ns in terms.PREFIXES.items())
    data = Graph().parse(data=prefixes + BASE + turtle, format="turtle")
    _conforms, report, _text = validate(
        data,
        shacl_graph=shapes_graph(),
        ont_graph=ontology_graph(),
        inference="none",
        advanced=True,
        allow_warnings=True,
    )
    out = []
    for result in report.subjects(RDF.type, SH.ValidationResult):
        focus = str(report.value(result, SH.focusNode)).rsplit("/", 1)[-1]
        path = report.value(result, SH.resultPath)
        path_name = re.split(r"[#/]", str(path))[-1] if path is not None else ""
        severity = str(report.value(result, SH.resultSeverity)).rsplit("#", 1)[-1]
        out.append((focus, path_name, severity))
    return out


def test_shapes_graph_is_valid_shacl() -> None:
    """pySHACL loads the shapes and an empty data graph conforms."""
    from pyshacl import validate

    conforms, _report, text = validate(
        Graph(),
        shacl_graph=shapes_graph(),
        ont_graph=ontology_graph(),
        inference="none",
        advanced=True,
    )
    assert conforms, text
    assert len(list(shapes_graph().subjects(RDF.type, SH.NodeShape))) > 30


def test_every_shape_explains_itself() -> None:
    g = shapes_graph()
    for shape in g.subjects(RDF.type, SH.NodeShape):
        assert g.value(shape, RDFS.comment) or g.value(shape, SH.message), shape
    for shape in g.subjects(RDF.type, SH.NodeShape):
        for prop_shape in g.objects(shape, SH.property):
            assert g.value(prop_shape, SH.message) is not None, (shape, prop_shape)


def test_shapes_reference_existing_schemes() -> None:
    schemes = set(ontology_graph().subjects(RDF.type, SKOS.ConceptScheme))
    for value in shapes_graph().objects(None, SH.hasValue):
        if str(value).startswith(str(terms.VOCAB)):
            assert value in schemes, value


def test_correct_facts_conform() -> None:
    data = """
id:r1 a gvc:SupplyRelation ; gvc:buyer id:oem ; gvc:supplier id:harness ;
    gvc:governanceType vocab:governance\\/captive, vocab:governance-hs\\/quasi-hierarchy ;
    gvc:supplierDependence 80.0 ; gvc:transactionComplexity vocab:determinant-level\\/high ;
    gvc:validFrom "1995-01-01"^^xsd:date ; gvc:validTo "2000-12-31"^^xsd:date ;
    gvc:validFromPrecision vocab:date-precision\\/year ;
    prov:wasDerivedFrom id:ev1 .
id:o1 a gvc:Ownership ; gvc:owner id:group ; gvc:owned id:harness ;
    gvc:shareMin 50.0 ; gvc:shareMinExclusive true ; gvc:shareMax 100.0 ;
    gvc:interestType vocab:interest-type\\/shareholding ;
    gvc:directOrIndirect vocab:direct-or-indirect\\/direct ; prov:wasDerivedFrom id:ev1 .
id:p1 a gvc:ChainParticipation ; gvc:participant id:harness ; gvc:relativeTo id:oem ;
    gvc:tier 1 ; gvc:chainRole vocab:chain-role\\/tier-1-supplier ; prov:wasDerivedFrom id:ev1 .
id:m1 a org:Membership ; org:member id:harness ; org:organization id:assoc ;
    prov:wasDerivedFrom id:ev1 .
"""
    report = shapes_report(data)
    assert report == []


def test_supply_relation_without_evidence_is_a_violation() -> None:
    data = """
id:r1 a gvc:SupplyRelation ; gvc:buyer id:oem ; gvc:supplier id:harness .
"""
    report = shapes_report(data)
    assert ("r1", "wasDerivedFrom", "Violation") in report


def test_membership_without_evidence_is_a_violation() -> None:
    data = """
id:m1 a org:Membership ; org:member id:harness ; org:organization id:group .
"""
    report = shapes_report(data)
    assert ("m1", "wasDerivedFrom", "Violation") in report


def test_share_above_100_is_a_violation() -> None:
    data = """
id:o1 a gvc:Ownership ; gvc:owner id:group ; gvc:owned id:harness ; gvc:shareExact 140.0 ;
    prov:wasDerivedFrom id:ev1 .
"""
    report = shapes_report(data)
    assert ("o1", "shareExact", "Violation") in report


def test_share_range_must_be_ordered_and_exclusive_of_exact() -> None:
    data = """
id:o1 a gvc:Ownership ; gvc:owner id:group ; gvc:owned id:harness ;
    gvc:shareMin 60.0 ; gvc:shareMax 40.0 ; prov:wasDerivedFrom id:ev1 .
id:o2 a gvc:Ownership ; gvc:owner id:group ; gvc:owned id:oem ;
    gvc:shareExact 30.0 ; gvc:shareMin 20.0 ; prov:wasDerivedFrom id:ev1 .
"""
    report = shapes_report(data)
    assert ("o1", "shareMin", "Violation") in report
    assert ("o2", "", "Violation") in report


def test_self_ownership_and_self_supply_are_violations() -> None:
    data = """
id:o1 a gvc:Ownership ; gvc:owner id:harness ; gvc:owned id:harness ; prov:wasDerivedFrom id:ev1 .
id:r1 a gvc:SupplyRelation ; gvc:buyer id:oem ; gvc:supplier id:oem ; prov:wasDerivedFrom id:ev1 .
"""
    report = shapes_report(data)
    assert ("o1", "owned", "Violation") in report
    assert ("r1", "supplier", "Violation") in report


def test_direct_shares_summing_above_100_is_a_warning() -> None:
    over_data = """
id:o1 a gvc:Ownership ; gvc:owner id:group ; gvc:owned id:harness ; gvc:shareExact 60.0 ;
    gvc:interestType vocab:interest-type\\/shareholding ; prov:wasDerivedFrom id:ev1 .
id:o2 a gvc:Ownership ; gvc:owner id:oem ; gvc:owned id:harness ; gvc:shareExact 50.0 ;
    prov:wasDerivedFrom id:ev1 .
"""
    over = shapes_report(over_data)
    assert over == [("harness", "", "Warning")]
    # the same holdings one after the other in time: no warning
    in_turn_data = """
id:o1 a gvc:Ownership ; gvc:owner id:group ; gvc:owned id:harness ; gvc:shareExact 60.0 ;
    gvc:validFrom "1990-01-01"^^xsd:date ; gvc:validTo "1999-12-31"^^xsd:date ;
    prov:wasDerivedFrom id:ev1 .
id:o2 a gvc:Ownership ; gvc:owner id:oem ; gvc:owned id:harness ; gvc:shareExact 50.0 ;
    gvc:validFrom "2000-01-01"^^xsd:date ; prov:wasDerivedFrom id:ev1 .
id:o3 a gvc:Ownership ; gvc:owner id:oem ; gvc:owned id:group ; gvc:shareExact 100.0 ;
    prov:wasDerivedFrom id:ev1 .
"""
    in_turn = shapes_report(in_turn_data)
    assert in_turn == []


def test_tier_without_lead_firm_is_a_violation() -> None:
    data = """
id:p1 a gvc:ChainParticipation ; gvc:participant id:harness ; gvc:tier 2 ;
    prov:wasDerivedFrom id:ev1 .
"""
    report = shapes_report(data)
    assert ("p1", "relativeTo", "Violation") in report


def test_negative_tier_is_a_violation() -> None:
    data = """
id:p1 a gvc:ChainParticipation ; gvc:participant id:harness ; gvc:tier -1 ;
    gvc:relativeTo id:oem ; prov:wasDerivedFrom id:ev1 .
"""
    report = shapes_report(data)
    assert ("p1", "tier", "Violation") in report


def test_valid_to_before_valid_from_is_a_violation() -> None:
    data = """
id:r1 a gvc:SupplyRelation ; gvc:buyer id:oem ; gvc:supplier id:harness ;
    gvc:validFrom "2001-01-01"^^xsd:date ; gvc:validTo "2000-12-31"^^xsd:date ;
    prov:wasDerivedFrom id:ev1 .
"""
    report = shapes_report(data)
    assert ("r1", "validFrom", "Violation") in report


def test_unknown_governance_concept_is_a_violation() -> None:
    data = """
id:r1 a gvc:SupplyRelation ; gvc:buyer id:oem ; gvc:supplier id:harness ;
    gvc:governanceType vocab:governance\\/feudal ; prov:wasDerivedFrom id:ev1 .
id:r2 a gvc:SupplyRelation ; gvc:buyer id:oem ; gvc:supplier id:group ;
    gvc:governanceType vocab:upgrading-type\\/process ; prov:wasDerivedFrom id:ev1 .
"""
    report = shapes_report(data)
    assert ("r1", "governanceType", "Violation") in report
    assert ("r2", "governanceType", "Violation") in report


def test_governance_assessment_needs_a_governance_type() -> None:
    data = """
id:g1 a gvc:GovernanceAssessment ; gvc:assessedUnit id:oem ; prov:wasDerivedFrom id:ev1 .
"""
    report = shapes_report(data)
    assert ("g1", "governanceType", "Violation") in report


def test_evidence_needs_line_or_page_and_one_source() -> None:
    data = """
id:ev2 a gvc:Evidence ; oa:hasSource id:doc\\/s1 .
id:ev3 a gvc:Evidence ; gvc:page "12" .
"""
    report = shapes_report(data)
    assert ("ev2", "", "Violation") in report
    assert ("ev3", "hasSource", "Violation") in report


def test_policy_instrument_needs_type_and_evidence() -> None:
    data = """
id:policy-x a gvc:PolicyInstrument ; skos:prefLabel "X" ; gvc:jurisdiction vocab:country\\/MX .
"""
    report = shapes_report(data)
    assert ("policy-x", "instrumentType", "Violation") in report
    assert ("policy-x", "wasDerivedFrom", "Violation") in report


def test_identifiers_and_country_codes_are_checked() -> None:
    data = """
id:f1 a gvc:Firm ; skos:prefLabel "F" ; gvc:lei "not-an-lei" ; gvc:country vocab:country\\/QQ .
id:s1 a gvc:Sector ; skos:prefLabel "S" ; gvc:isicCode "29x" .
id:f2 a gvc:Firm ; skos:prefLabel "G" ; gvc:lei "529900T8BM49AURSDO55" .
"""
    report = shapes_report(data)
    assert ("f1", "lei", "Violation") in report
    assert ("f1", "country", "Violation") in report
    assert ("s1", "isicCode", "Violation") in report
    assert not [r for r in report if r[0] == "f2"]


def test_subclass_facts_are_checked_through_the_ontology() -> None:
    """A gvc:DirectConsolidation is a gvc:Control and a gvc:QualifiedFact (via gvc.ttl)."""
    data = """
id:c1 a gvc:DirectConsolidation ; gvc:controller id:group ; gvc:controlled id:harness .
"""
    report = shapes_report(data)
    assert ("c1", "wasDerivedFrom", "Violation") in report
    data = """
id:c2 a gvc:UltimateConsolidation ; gvc:controller id:group ; prov:wasDerivedFrom id:ev1 .
"""
    report = shapes_report(data)
    assert report == [("c2", "controlled", "Violation")]


def test_value_schemes_exist() -> None:
    schemes = set(ontology_graph().subjects(RDF.type, SKOS.ConceptScheme))
    for prop, scheme in gvc_graph().subject_objects(VALUE_SCHEME):
        assert scheme in schemes, (prop, scheme)
