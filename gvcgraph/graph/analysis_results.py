"""Analysis results as RDF, written back to the graph so that SPARQL can use them.

Each analysis writes one named graph, ``graph/analysis/<name>`` (``centrality``, ``tiers``,
``captive``, ``ownership``), replaced as a whole on every write-back. Results are typed with
the ontology's analysis classes and reuse the properties of the facts they are derived from:

============================= ==============================================================
class                         properties
============================= ==============================================================
``gvc:CentralityScore``       ``gvc:scoredNode``, ``gvc:measure``, ``gvc:view``,
                              ``gvc:value``
``gvc:DerivedTier``           ``gvc:participant`` (the supplier), ``gvc:relativeTo`` (the
                              lead firm), ``gvc:tier``, ``gvc:tierBasis`` (``derived``),
                              ``gvc:assertedTier`` where a source asserts one
``gvc:CaptiveAssessment``     ``gvc:assessedRelation`` (the supply facts), ``gvc:buyer``,
                              ``gvc:supplier``, ``gvc:captiveScore``,
                              ``gvc:inferredGovernance``, ``gvc:reason``, and on a captive
                              chain ``gvc:leadFirm`` and ``gvc:tier`` (position)
``gvc:IntegratedOwnership``   ``gvc:owner``, ``gvc:owned``, ``gvc:shareMin``,
                              ``gvc:shareMax``, ``gvc:isDirect``
(on the firm itself)          ``gvc:ultimateController``, ``gvc:corporateGroup``,
                              ``gvc:foreignControlled``
============================= ==============================================================

Every result is ``prov:wasGeneratedBy`` an activity node ``id/analysis/<name>`` that records
the command and its parameters (``dct:description``) and the time (``prov:endedAtTime``).
Result IRIs are deterministic (``id/analysis/<name>/<hash of the result's key>``), so two
write-backs of the same analysis give the same IRIs.

Example (SPARQL over written-back tiers)::

    SELECT ?supplier ?tier WHERE {
      ?t a gvc:DerivedTier ; gvc:relativeTo id:oem-a ; gvc:participant ?supplier ;
         gvc:tier ?tier }
"""

from __future__ import annotations

import datetime as dt
import hashlib
from decimal import Decimal
from typing import Any

import numpy as np
import pandas as pd
from rdflib import RDF, RDFS, XSD, Graph, Literal, URIRef

from gvcgraph.graph.project import node_iri
from gvcgraph.ontology import terms
from gvcgraph.ontology.terms import DCTERMS, GVC, PROV

ANALYSES = ("centrality", "tiers", "captive", "ownership")


def analysis_graph(name: str) -> str:
    """IRI of the named graph holding the results of analysis ``name``."""
    return str(terms.GRAPH[f"analysis/{name}"])


def _iri_of(key: Any, iris: dict[str, str] | None) -> URIRef:
    key = str(key)
    if iris and key in iris and isinstance(iris[key], str):
        return URIRef(iris[key])
    return URIRef(node_iri(key))


def _result_iri(name: str, *parts: Any) -> URIRef:
    digest = hashlib.sha1("\x1f".join(str(p) for p in parts).encode("utf-8")).hexdigest()[:16]
    return URIRef(f"{terms.ID}analysis/{name}/{digest}")


def _decimal(value: float) -> Literal:
    return Literal(Decimal(repr(float(value))), datatype=XSD.decimal)


def _present(value: Any) -> bool:
    if value is None or value is pd.NA:
        return False
    return not (isinstance(value, float) and np.isnan(value))


def _new_graph(name: str, description: str) -> tuple[Graph, URIRef]:
    g = Graph()
    for prefix, ns in terms.PREFIXES.items():
        g.bind(prefix, str(ns))
    activity = URIRef(f"{terms.ID}analysis/{name}")
    g.add((activity, RDF.type, PROV.Activity))
    g.add((activity, RDFS.label, Literal(f"gvcgraph analysis: {name}")))
    g.add((activity, DCTERMS.description, Literal(description)))
    now = dt.datetime.now(dt.UTC).replace(microsecond=0)
    g.add((activity, PROV.endedAtTime, Literal(now.isoformat(), datatype=XSD.dateTime)))
    return g, activity


def centrality_to_rdf(
    df: pd.DataFrame,
    *,
    iris: dict[str, str] | None = None,
    description: str = "gvcgraph analyze centrality",
) -> Graph:
    """``gvc:CentralityScore`` nodes for a :func:`~gvcgraph.graph.centrality.centrality`
    table (columns ``node, view, measure, value``; NaN values are skipped)."""
    g, activity = _new_graph("centrality", description)
    for node, view, measure, value in zip(
        df["node"], df["view"], df["measure"], df["value"], strict=True
    ):
        if not _present(value):
            continue
        r = _result_iri("centrality", view, measure, node)
        g.add((r, RDF.type, GVC.CentralityScore))
        g.add((r, GVC.scoredNode, _iri_of(node, iris)))
        g.add((r, GVC.measure, Literal(str(measure))))
        g.add((r, GVC.view, Literal(str(view))))
        g.add((r, GVC.value, _decimal(value)))
        g.add((r, PROV.wasGeneratedBy, activity))
    return g


def tiers_to_rdf(
    df: pd.DataFrame,
    *,
    iris: dict[str, str] | None = None,
    description: str = "gvcgraph analyze tiers",
) -> Graph:
    """``gvc:DerivedTier`` nodes for a :func:`~gvcgraph.graph.tiers.supplier_tiers` table."""
    g, activity = _new_graph("tiers", description)
    derived = URIRef(terms.concept_iri("tier-basis", "derived"))
    for rec in df[["lead_firm", "supplier", "tier", "asserted_tier"]].itertuples(index=False):
        r = _result_iri("tiers", rec.lead_firm, rec.supplier)
        g.add((r, RDF.type, GVC.DerivedTier))
        g.add((r, GVC.participant, _iri_of(rec.supplier, iris)))
        g.add((r, GVC.relativeTo, _iri_of(rec.lead_firm, iris)))
        g.add((r, GVC.tier, Literal(int(rec.tier), datatype=XSD.integer)))
        g.add((r, GVC.tierBasis, derived))
        if _present(rec.asserted_tier):
            g.add((r, GVC.assertedTier, Literal(int(rec.asserted_tier), datatype=XSD.integer)))
        g.add((r, PROV.wasGeneratedBy, activity))
    return g


def captive_to_rdf(
    df: pd.DataFrame,
    *,
    iris: dict[str, str] | None = None,
    description: str = "gvcgraph analyze captive",
) -> Graph:
    """``gvc:CaptiveAssessment`` nodes for a :func:`~gvcgraph.graph.captive.captive_chains`
    table (its ``facts`` column links each assessment to the supply facts)."""
    g, activity = _new_graph("captive", description)
    for rec in df.to_dict("records"):
        r = _result_iri("captive", rec["buyer"], rec["supplier"])
        g.add((r, RDF.type, GVC.CaptiveAssessment))
        g.add((r, GVC.buyer, _iri_of(rec["buyer"], iris)))
        g.add((r, GVC.supplier, _iri_of(rec["supplier"], iris)))
        for fact in str(rec.get("facts") or "").split(";"):
            if fact:
                g.add((r, GVC.assessedRelation, URIRef(node_iri(fact))))
        if _present(rec.get("score")):
            g.add((r, GVC.captiveScore, _decimal(rec["score"])))
        inferred = rec.get("inferred_governance")
        if isinstance(inferred, str):
            g.add((r, GVC.inferredGovernance, URIRef(terms.concept_iri("governance", inferred))))
        for reason in str(rec.get("reasons") or "").split("; "):
            if reason:
                g.add((r, GVC.reason, Literal(reason)))
        if isinstance(rec.get("lead_firm"), str):
            g.add((r, GVC.leadFirm, _iri_of(rec["lead_firm"], iris)))
            if _present(rec.get("chain_tier")):
                g.add((r, GVC.tier, Literal(int(rec["chain_tier"]), datatype=XSD.integer)))
        g.add((r, PROV.wasGeneratedBy, activity))
    return g


def ownership_to_rdf(
    integrated: pd.DataFrame,
    controllers: pd.DataFrame | None = None,
    *,
    iris: dict[str, str] | None = None,
    description: str = "gvcgraph analyze ownership",
) -> Graph:
    """``gvc:IntegratedOwnership`` nodes, and ``gvc:ultimateController``,
    ``gvc:corporateGroup`` and ``gvc:foreignControlled`` on the firms.

    ``integrated`` is an :func:`~gvcgraph.graph.ownership.integrated_ownership` table,
    ``controllers`` an :func:`~gvcgraph.graph.ownership.ultimate_controllers` table. A
    corporate group is a node ``id/analysis/ownership/group/<hash>`` labelled after its head.
    """
    g, activity = _new_graph("ownership", description)
    cols = ["owner", "owned", "share_min", "share_max", "direct"]
    for rec in integrated[cols].itertuples(index=False):
        r = _result_iri("ownership", rec.owner, rec.owned)
        g.add((r, RDF.type, GVC.IntegratedOwnership))
        g.add((r, GVC.owner, _iri_of(rec.owner, iris)))
        g.add((r, GVC.owned, _iri_of(rec.owned, iris)))
        g.add((r, GVC.shareMin, _decimal(rec.share_min)))
        g.add((r, GVC.shareMax, _decimal(rec.share_max)))
        g.add((r, GVC.isDirect, Literal(bool(rec.direct))))
        g.add((r, PROV.wasGeneratedBy, activity))
    if controllers is None:
        return g
    groups: dict[str, URIRef] = {}
    for rec in controllers.to_dict("records"):
        firm = _iri_of(rec["node"], iris)
        if isinstance(rec.get("ultimate_controller"), str):
            for uc in rec["ultimate_controller"].split(";"):
                g.add((firm, GVC.ultimateController, _iri_of(uc, iris)))
        if isinstance(rec.get("group"), str):
            head = rec["group"]
            if head not in groups:
                node = _result_iri("ownership/group", head)
                groups[head] = node
                g.add((node, RDF.type, GVC.AnalysisResult))
                g.add((node, RDFS.label, Literal(f"corporate group of {rec.get('group_label')}")))
                g.add((node, PROV.wasGeneratedBy, activity))
            g.add((firm, GVC.corporateGroup, groups[head]))
        if _present(rec.get("foreign_controlled")):
            g.add((firm, GVC.foreignControlled, Literal(bool(rec["foreign_controlled"]))))
    return g


def write_back(kg: Any, name: str, graph: Graph) -> str:
    """Replace the named graph ``graph/analysis/<name>`` of ``kg`` with ``graph``.

    Returns the named graph's IRI.
    """
    if name not in ANALYSES:
        raise ValueError(f"unknown analysis {name!r}; choose one of {', '.join(ANALYSES)}")
    iri = analysis_graph(name)
    kg.replace_graph(iri, graph)
    return iri
