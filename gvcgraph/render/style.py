"""The one palette of gvcgraph's maps and figures: node classes, countries, relations, governance.

The interactive map (:mod:`gvcgraph.render.html`) and the static figure
(:mod:`gvcgraph.render.static`) take every colour, shape, dash pattern and legend label from
here, so that a map and a figure of the same view read the same way. Nothing else in the
package spells out a colour.

Choices
-------
* Node classes use the Okabe & Ito (2008) colour-blind-safe palette, and each class also has
  its own shape, so that a map coloured by country (or printed in grey) still shows classes.
* Countries get a qualitative palette of twelve colours (Paul Tol's "bright" and "vibrant"
  schemes) in order of how many nodes each country has; the rest share one "other countries"
  grey, and nodes without a country a lighter grey.
* Relations are grouped in families; a family has a dash pattern, a width and (except for
  supply) a colour. Supply links are coloured by their governance type. The five types of
  Gereffi, Humphrey & Sturgeon (2005) run in order of rising explicit coordination and power
  asymmetry (market, modular, relational, captive, hierarchy); the Humphrey & Schmitz (2002)
  types that have no GHS counterpart of the same name (network, quasi-hierarchy) get their own
  colours (Paul Tol's colour-blind-safe "muted" scheme).

References
----------
Okabe, M. & Ito, K. (2008). Color Universal Design (CUD): how to make figures and
presentations that are friendly to colorblind people. https://jfly.uni-koeln.de/color/
Tol, P. (2021). Colour schemes. SRON technical note SRON/EPS/TN/09-002.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from typing import Any

from gvcgraph.ontology import terms


@dataclass(frozen=True)
class NodeClass:
    """A class of nodes on a map: legend label, fill colour and shape.

    ``shape`` is a vis-network shape name; :data:`MARKERS` gives the matplotlib marker.
    """

    key: str
    label: str
    color: str
    shape: str
    plural: str


@dataclass(frozen=True)
class EdgeFamily:
    """A family of relations: legend label, colour, width (px) and dash pattern.

    ``dashes`` is a list of dash and gap lengths in pixels (empty: solid line), used as is by
    vis-network and, in points, by matplotlib.
    """

    key: str
    label: str
    color: str
    width: float
    dashes: tuple[float, ...]


NODE_CLASSES: tuple[NodeClass, ...] = (
    NodeClass("firm", "Firm, plant or corporate group", "#0072B2", "dot", "firms"),
    NodeClass("cluster", "Cluster", "#E69F00", "hexagon", "clusters"),
    NodeClass("public-body", "Public body", "#D55E00", "square", "public bodies"),
    NodeClass(
        "institution",
        "Institution or person",
        "#CC79A7",
        "triangleDown",
        "institutions and persons",
    ),
    NodeClass("policy", "Policy instrument", "#009E73", "diamond", "policy instruments"),
    NodeClass("place", "Place (region, zone, country)", "#56B4E9", "triangle", "places"),
    NodeClass(
        "sector",
        "Sector, product or value chain",
        "#F0E442",
        "star",
        "sectors, products and chains",
    ),
    NodeClass("category", "Firm category or function", "#999999", "star", "categories"),
    NodeClass("group", "Group of nodes of several classes", "#6F6F6F", "dot", "nodes"),
    NodeClass("other", "Other", "#BBBBBB", "dot", "other nodes"),
)
"""Node classes, in legend order."""

CLASS_OF: dict[str, str] = {
    "Firm": "firm",
    "Establishment": "firm",
    "BusinessGroup": "firm",
    "Cluster": "cluster",
    "PublicBody": "public-body",
    "Institution": "institution",
    "Person": "institution",
    "PolicyInstrument": "policy",
    "Region": "place",
    "Zone": "place",
    "Country": "place",
    "Sector": "sector",
    "Product": "sector",
    "ValueChain": "sector",
    "Concept": "category",
}
"""Ontology class (local name, as in the projection's ``cls`` column) -> node class key."""

MARKERS: dict[str, str] = {
    "dot": "o",
    "square": "s",
    "triangle": "^",
    "triangleDown": "v",
    "diamond": "D",
    "star": "*",
    "hexagon": "h",
}
"""vis-network shape -> matplotlib marker."""

COUNTRY_COLORS: tuple[str, ...] = (
    "#4477AA",
    "#EE6677",
    "#228833",
    "#CCBB44",
    "#66CCEE",
    "#AA3377",
    "#EE7733",
    "#009988",
    "#332288",
    "#999933",
    "#882255",
    "#CC3311",
)
"""Colours given to the most frequent countries, in order."""

OTHER_COUNTRY_COLOR = "#C8C8C8"
NO_COUNTRY_COLOR = "#EFEFEF"
OTHER_COUNTRY = "other"
NO_COUNTRY = "none"

EDGE_FAMILIES: tuple[EdgeFamily, ...] = (
    EdgeFamily("supply", "Supplies (supplier to buyer)", "#555555", 2.0, ()),
    EdgeFamily("ownership", "Owns (owner to owned)", "#222222", 2.5, ()),
    EdgeFamily("control", "Controls", "#222222", 2.0, (8.0, 4.0)),
    EdgeFamily("policy", "Policy: targets, administers, benefits", "#009E73", 1.2, (2.0, 3.0)),
    EdgeFamily(
        "membership", "Member of, participates in, plant of", "#8C8C8C", 1.2, (6.0, 3.0, 2.0, 3.0)
    ),
    EdgeFamily("link", "Other link (supports, trains ...)", "#A0522D", 1.2, (5.0, 4.0)),
)
"""Edge families, in legend order."""

FAMILY_OF: dict[str, str] = {
    "supplies": "supply",
    "owns": "ownership",
    "controls": "control",
    "targets-sector": "policy",
    "targets-region": "policy",
    "applies-in-zone": "policy",
    "targets-cluster": "policy",
    "targets-firm": "policy",
    "targets-firm-category": "policy",
    "targets-function": "policy",
    "administers": "policy",
    "part-of": "policy",
    "benefits": "policy",
    "member-of": "membership",
    "participates-in": "membership",
    "establishment-of": "membership",
}
"""Relation name (the projection's ``relation`` column) -> edge family; others are links."""

RELATION_LABELS: dict[str, str] = {
    "supplies": "supplies",
    "owns": "owns",
    "controls": "controls",
    "targets-sector": "targets sector",
    "targets-region": "targets region",
    "applies-in-zone": "applies in zone",
    "targets-cluster": "targets cluster",
    "targets-firm": "targets firm",
    "targets-firm-category": "targets firm category",
    "targets-function": "targets function",
    "administers": "administers",
    "part-of": "is part of",
    "benefits": "benefits",
    "member-of": "is member of",
    "participates-in": "participates in",
    "establishment-of": "is a plant of",
}
"""Reading of each relation from the edge's tail to its head (links use the link-type label)."""

GOVERNANCE_COLORS: dict[str, str] = {
    "market": "#88CCEE",
    "modular": "#44AA99",
    "network": "#DDCC77",
    "relational": "#117733",
    "quasi-hierarchy": "#AA4499",
    "captive": "#CC6677",
    "hierarchy": "#882255",
}
"""Governance code (GHS five types and Humphrey & Schmitz four types) -> supply edge colour,
in legend order."""

GOVERNANCE_NOT_STATED = "not-stated"
GOVERNANCE_NOT_STATED_COLOR = "#555555"

FONT_FAMILY = "DejaVu Sans, Helvetica, Arial, sans-serif"
"""Font stack for labels (the static figure uses the first family)."""

LABEL_COLOR = "#1A1A1A"
BACKGROUND = "#FFFFFF"
HIGHLIGHT = "#000000"
"""Border of a selected or hovered node, colour of a selected line."""
NEUTRAL_FILL = "#BDBDBD"
NEUTRAL_BORDER = "#616161"
"""Class symbols in the legend when nodes are coloured by country; size legend circles."""
MUTED_TEXT = "#5C5C5C"
"""Tier row names and notes."""
GRID = "#E6E6E6"
"""Lines between tier rows."""


def chrome() -> dict[str, str]:
    """The non-data colours both renderers use (the map receives them in its JSON)."""
    return {
        "label": LABEL_COLOR,
        "background": BACKGROUND,
        "highlight": HIGHLIGHT,
        "neutralFill": NEUTRAL_FILL,
        "neutralBorder": NEUTRAL_BORDER,
        "muted": MUTED_TEXT,
        "grid": GRID,
    }


NODE_SIZE_MIN = 8.0
NODE_SIZE_MAX = 30.0
"""Node radius range in pixels on the map (the figure scales it to points)."""


def node_class(cls: Any) -> NodeClass:
    """The node class of an ontology class name (``Firm``, ``PolicyInstrument`` ...).

    >>> node_class("Establishment").key
    'firm'
    >>> node_class(None).key
    'other'
    """
    key = CLASS_OF.get(str(cls), "other") if isinstance(cls, str) else "other"
    return _CLASSES[key]


def class_by_key(key: str) -> NodeClass:
    """The node class with this key (``firm``, ``cluster`` ..., ``group``, ``other``)."""
    return _CLASSES[key]


def edge_family(relation: Any) -> EdgeFamily:
    """The family of a relation name: supply, ownership, control, policy, membership or link.

    >>> edge_family("targets-sector").key
    'policy'
    >>> edge_family("cooperates-with").key
    'link'
    """
    if not isinstance(relation, str):
        return _FAMILIES["link"]
    return _FAMILIES[FAMILY_OF.get(relation, "link")]


def family_by_key(key: str) -> EdgeFamily:
    """The edge family with this key."""
    return _FAMILIES[key]


def governance_key(governance: Any, governance_hs: Any = None) -> str:
    """The governance code that colours a supply edge: the GHS type, else the Humphrey &
    Schmitz type, else :data:`GOVERNANCE_NOT_STATED`.

    >>> governance_key(None, "quasi-hierarchy")
    'quasi-hierarchy'
    """
    for value in (governance, governance_hs):
        if isinstance(value, str) and value in GOVERNANCE_COLORS:
            return value
    return GOVERNANCE_NOT_STATED


def governance_color(key: str) -> str:
    """Colour of a governance code (see :func:`governance_key`)."""
    return GOVERNANCE_COLORS.get(key, GOVERNANCE_NOT_STATED_COLOR)


def edge_color(relation: Any, governance: str) -> str:
    """Colour of an edge: its governance colour for supply links, else its family's colour."""
    family = edge_family(relation)
    if family.key == "supply":
        return governance_color(governance)
    return family.color


def relation_label(relation: Any) -> str:
    """How a relation reads in a tooltip or legend (``targets-sector`` -> ``targets sector``)."""
    if not isinstance(relation, str):
        return "related to"
    if relation in RELATION_LABELS:
        return RELATION_LABELS[relation]
    return concept_labels("link-type").get(relation, relation.replace("-", " ")).lower()


def country_colors(counts: Iterable[tuple[str, int]]) -> dict[str, str]:
    """Colours for countries, given (code, number of nodes) pairs.

    The :data:`COUNTRY_COLORS` go to the most frequent countries (ties by code); every other
    country maps to :data:`OTHER_COUNTRY_COLOR`. Look up a node's colour with
    :func:`country_color`.
    """
    ranked = sorted(counts, key=lambda item: (-item[1], item[0]))
    return {
        code: COUNTRY_COLORS[i] if i < len(COUNTRY_COLORS) else OTHER_COUNTRY_COLOR
        for i, (code, _) in enumerate(ranked)
    }


def country_color(country: Any, colors: dict[str, str]) -> str:
    """A node's colour when the map is coloured by country."""
    if not isinstance(country, str) or not country:
        return NO_COUNTRY_COLOR
    return colors.get(country, OTHER_COUNTRY_COLOR)


def darker(color: str, factor: float = 0.6) -> str:
    """A darker shade of a ``#RRGGBB`` colour (node borders).

    >>> darker("#FFFFFF", 0.5)
    '#808080'
    """
    r, g, b = (int(color[i : i + 2], 16) for i in (1, 3, 5))
    return "#{:02X}{:02X}{:02X}".format(*(round(c * factor) for c in (r, g, b)))


@cache
def concept_labels(scheme: str) -> dict[str, str]:
    """English ``skos:prefLabel`` of every code of a SKOS scheme of the ontology.

    Read from ``ontology/vocab/<scheme>.ttl``; an unknown scheme gives an empty mapping.

    >>> concept_labels("governance")["captive"]
    'Captive'
    """
    import pyoxigraph as ox

    path = terms.ontology_dir() / "vocab" / f"{scheme}.ttl"
    if not path.exists():
        return {}
    notation = "http://www.w3.org/2004/02/skos/core#notation"
    pref = "http://www.w3.org/2004/02/skos/core#prefLabel"
    codes: dict[str, str] = {}
    labels: dict[str, str] = {}
    for quad in ox.parse(path=str(path), format=ox.RdfFormat.TURTLE):
        subject = quad.subject.value
        if quad.predicate.value == notation:
            codes[subject] = quad.object.value
        elif quad.predicate.value == pref and getattr(quad.object, "language", None) in (
            "en",
            None,
        ):
            labels[subject] = quad.object.value
    return {code: labels.get(iri, code) for iri, code in codes.items()}


def country_name(code: Any) -> str:
    """English name of an ISO 3166-1 alpha-2 code (the code itself if unknown)."""
    if not isinstance(code, str) or not code:
        return "no country"
    return concept_labels("country").get(code, code)


def governance_label(key: str) -> str:
    """Legend label of a governance code."""
    if key == GOVERNANCE_NOT_STATED:
        return "Governance not stated"
    ghs = concept_labels("governance")
    if key in ghs:
        return f"{ghs[key]} (GHS 2005)"
    hs = concept_labels("governance-hs")
    return f"{hs.get(key, key)} (Humphrey & Schmitz)"


_CLASSES = {c.key: c for c in NODE_CLASSES}
_FAMILIES = {f.key: f for f in EDGE_FAMILIES}
