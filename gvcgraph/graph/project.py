"""Projection of the knowledge graph to a network: node and edge tables, networkx, scipy.sparse.

The knowledge graph stores every relation as a qualified fact node (a ``gvc:SupplyRelation``,
``gvc:Ownership`` ...) with its attributes, dates and evidence. The analyses need a plain
network: one node per actor and one edge per fact. :func:`project` reads the facts of a *view*
from the store with a few SPARQL SELECTs and returns a :class:`Projection`, which holds

* ``nodes``: one row per node (``node`` key, ``iri``, ``label``, ``cls``, ``country``,
  ``size_class``, ``ownership_category``, ``governance``, ``lead_firm``), in a fixed order
  that is the index of every sparse matrix built from the projection;
* ``edges``: one row per fact (``u``, ``v``, ``relation``, ``fact``, ``source``, the fact's
  attributes, ``valid_from``, ``valid_to`` and ``evidence``, a list of evidence IRIs);
* ``tables``: side tables the analyses need (asserted tiers, governance assessments).

:meth:`Projection.to_networkx` turns it into a :class:`networkx.MultiDiGraph` with the same
attributes, :meth:`Projection.adjacency` into a :class:`scipy.sparse.csr_array` over the node
index. Analyses accept a projection or a networkx graph (:func:`as_projection`), and run on
the sparse matrices, so they scale to millions of nodes.

Views and edge directions (``u -> v``):

========== ===================================================================================
view       relations
========== ===================================================================================
supply     ``supplies``: supplier -> buyer (goods flow towards the lead firm)
ownership  ``owns``: owner -> owned; ``controls``: controller -> controlled;
           ``establishment-of``: plant -> the firm it belongs to (``gvc:establishmentOf``)
policy     ``targets-sector``, ``targets-region``, ``applies-in-zone``, ``targets-cluster``,
           ``targets-firm``, ``targets-firm-category``, ``targets-function``: instrument ->
           target; ``administers``: body -> instrument; ``part-of``: instrument -> umbrella;
           ``benefits``: instrument -> beneficiary
all        all of the above, plus ``member-of`` (member -> organisation), ``participates-in``
           (participant -> value chain) and the link types of ``gvc:Linkage`` facts
           (``supports``, ``finances`` ...: from -> to)
========== ===================================================================================

Node keys are entity ids (``intel`` for ``https://w3id.org/gvcgraph/id/intel``), concepts are
``scheme:code`` (``firm-category:sme``), any other IRI stays whole.

Dates: ``as_of="YYYY-MM-DD"`` (or ``YYYY``, ``YYYY-MM``, a :class:`datetime.date`) keeps the
facts valid on that day: ``valid_from <= as_of <= valid_to``, an open bound counting as valid.
Starts are stored rounded down and ends rounded up (``to: 2000`` is 2000-12-31), so
``as_of=2000`` (2000-01-01) keeps a relation that the source dates "until 2000".
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import networkx as nx
import numpy as np
import pandas as pd
import scipy.sparse as sp

from gvcgraph.graph import projection_cache
from gvcgraph.graph.projection_cache import missing_as_na
from gvcgraph.ontology import terms
from gvcgraph.ontology.terms import DCTERMS, GVC, ORG, PROV, SKOS

VIEWS = ("supply", "ownership", "policy", "all")

SUPPLIES = "supplies"
OWNS = "owns"
CONTROLS = "controls"
BENEFITS = "benefits"
ADMINISTERS = "administers"
PART_OF = "part-of"
MEMBER_OF = "member-of"
PARTICIPATES_IN = "participates-in"
ESTABLISHMENT_OF = "establishment-of"

POLICY_TARGETS: dict[str, str] = {
    str(GVC.targetsSector): "targets-sector",
    str(GVC.targetsRegion): "targets-region",
    str(GVC.appliesInZone): "applies-in-zone",
    str(GVC.targetsCluster): "targets-cluster",
    str(GVC.targetsFirm): "targets-firm",
    str(GVC.targetsFirmCategory): "targets-firm-category",
    str(GVC.targetsFunction): "targets-function",
}
POLICY_RELATIONS = frozenset([*POLICY_TARGETS.values(), ADMINISTERS, PART_OF, BENEFITS])

VIEW_RELATIONS: dict[str, frozenset[str] | None] = {
    "supply": frozenset([SUPPLIES]),
    "ownership": frozenset([OWNS, CONTROLS, ESTABLISHMENT_OF]),
    "policy": POLICY_RELATIONS,
    "all": None,
}
"""Relations kept by each view (``None``: every relation)."""

NODE_COLUMNS = (
    "node",
    "iri",
    "label",
    "cls",
    "country",
    "size_class",
    "ownership_category",
    "governance",
    "lead_firm",
)
EDGE_COLUMNS = (
    "u",
    "v",
    "relation",
    "fact",
    "source",
    "governance",
    "governance_hs",
    "share_min",
    "share_max",
    "share_min_exclusive",
    "share_max_exclusive",
    "interest",
    "direct",
    "basis",
    "supplier_dependence",
    "exclusive",
    "buyer_controls_design",
    "complexity",
    "codifiability",
    "capability",
    "relation_type",
    "chain",
    "item",
    "amount",
    "valid_from",
    "valid_to",
    "evidence",
)
"""Columns of :attr:`Projection.edges` (``u``, ``v`` are node keys); absent values are NA."""

ASSERTED_TIER_COLUMNS = ("participant", "lead", "tier", "chain", "fact", "source", "evidence")
"""Columns of ``Projection.tables["asserted_tiers"]``."""
GOVERNANCE_COLUMNS = (
    "subject",
    "governance",
    "governance_hs",
    "scope",
    "score",
    "lead",
    "fact",
    "source",
    "evidence",
)
"""Columns of ``Projection.tables["governance_assessments"]``."""

_FLOAT_EDGE = ("share_min", "share_max", "supplier_dependence", "amount")
_BOOL_EDGE = (
    "share_min_exclusive",
    "share_max_exclusive",
    "direct",
    "exclusive",
    "buyer_controls_design",
)


# ---------------------------------------------------------------------------------- keys


def node_key(iri: str) -> str:
    """The short key of a node IRI: entity id, ``scheme:code`` for a concept, else the IRI.

    >>> node_key("https://w3id.org/gvcgraph/id/intel")
    'intel'
    >>> node_key("https://w3id.org/gvcgraph/vocab/firm-category/sme")
    'firm-category:sme'
    """
    ident, vocab = str(terms.ID), str(terms.VOCAB)
    if iri.startswith(ident):
        return iri[len(ident) :]
    if iri.startswith(vocab):
        scheme, _, code = iri[len(vocab) :].partition("/")
        if code:
            return f"{scheme}:{code}"
    return iri


def node_iri(key: str) -> str:
    """Inverse of :func:`node_key` (keys that are already IRIs are returned unchanged)."""
    if "://" in key:
        return key
    if ":" in key:
        scheme, _, code = key.partition(":")
        return terms.concept_iri(scheme, code)
    return terms.entity_iri(key)


def iso_date(value: Any) -> str | None:
    """A date as ``YYYY-MM-DD`` (``YYYY`` and ``YYYY-MM`` are rounded down); None if absent."""
    if value is None or (isinstance(value, float) and np.isnan(value)) or value is pd.NA:
        return None
    if isinstance(value, (dt.date, dt.datetime, pd.Timestamp)):
        return value.strftime("%Y-%m-%d")
    text = str(value).strip()
    if not text:
        return None
    if len(text) == 4:
        return f"{text}-01-01"
    if len(text) == 7:
        return f"{text}-01"
    return text[:10]


# ---------------------------------------------------------------------------------- projection


@dataclass
class Projection:
    """A network view of the knowledge graph: node table, edge table and side tables.

    Parameters
    ----------
    nodes:
        One row per node, with at least the column ``node`` (the key). Row order is the index
        of the sparse matrices; the frame is re-indexed 0..n-1.
    edges:
        One row per edge with at least ``u``, ``v`` (node keys) and ``relation``. Endpoints
        missing from ``nodes`` are added. Integer positions ``iu``, ``iv`` are computed.
    view:
        The view's name (``supply``, ``ownership``, ``policy``, ``all`` or any label).
    as_of:
        The date the facts were filtered on, if any.
    tables:
        Side tables: ``asserted_tiers`` (participant, lead, tier, chain, fact, source,
        evidence) and ``governance_assessments`` (subject, governance, governance_hs, lead,
        fact, source, evidence).
    """

    nodes: pd.DataFrame
    edges: pd.DataFrame
    view: str = "all"
    as_of: str | None = None
    tables: dict[str, pd.DataFrame] = field(default_factory=dict)

    def __post_init__(self) -> None:
        nodes = self.nodes.copy() if self.nodes is not None else pd.DataFrame({"node": []})
        edges = self.edges.copy() if self.edges is not None else pd.DataFrame()
        for col in EDGE_COLUMNS:
            if col not in edges.columns:
                edges[col] = pd.NA
        if "node" not in nodes.columns:
            nodes["node"] = []
        nodes["node"] = _text_keys(nodes["node"])
        nodes = nodes.drop_duplicates("node", keep="first")
        edges["u"] = _text_keys(edges["u"])
        edges["v"] = _text_keys(edges["v"])
        known = pd.Index(nodes["node"], dtype=object)
        ends = pd.unique(np.concatenate([edges["u"].to_numpy(), edges["v"].to_numpy()]))
        missing = ends[~pd.Index(ends, dtype=object).isin(known)]
        if len(missing):
            nodes = pd.concat([nodes, pd.DataFrame({"node": missing})], ignore_index=True)
        for col in NODE_COLUMNS:
            if col not in nodes.columns:
                nodes[col] = pd.NA
        nodes = nodes.reset_index(drop=True)
        self.index = pd.Index(nodes["node"], dtype=object)
        edges = edges.reset_index(drop=True)
        edges["iu"] = self.index.get_indexer(edges["u"]).astype(np.int64)
        edges["iv"] = self.index.get_indexer(edges["v"]).astype(np.int64)
        self.nodes = nodes
        self.edges = edges

    @classmethod
    def trusted(
        cls,
        nodes: pd.DataFrame,
        edges: pd.DataFrame,
        view: str = "all",
        as_of: str | None = None,
        tables: dict[str, pd.DataFrame] | None = None,
    ) -> Projection:
        """A projection of frames already in shape, without the checks of the constructor:
        unique keys in ``nodes`` (with every column of :data:`NODE_COLUMNS`), edges with
        every column of :data:`EDGE_COLUMNS` and integer positions ``iu``, ``iv`` of their
        ends in ``nodes``. The frames are shared, not copied (pandas' copy-on-write keeps
        the caller's frames unchanged when the projection's are written)."""
        self = cls.__new__(cls)
        self.nodes = nodes.reset_index(drop=True)
        self.edges = edges.reset_index(drop=True)
        self.view, self.as_of, self.tables = view, as_of, dict(tables or {})
        self.index = pd.Index(self.nodes["node"], dtype=object)
        return self

    def restrict(
        self, relations: Iterable[str] | None = None, *, mask: np.ndarray | None = None
    ) -> Projection:
        """The edges of ``relations`` (all if None) where ``mask`` holds, and only the nodes
        they touch (in the same order). Positions are remapped with integer arrays, so this
        costs milliseconds where building a projection from keys costs seconds at a million
        edges.
        """
        keep = (
            np.ones(len(self.edges), dtype=bool)
            if relations is None
            else self.edges["relation"].isin(set(relations)).to_numpy()
        )
        if mask is not None:
            keep = keep & mask
        rows = np.flatnonzero(keep)
        if len(rows) and rows[-1] - rows[0] + 1 == len(rows):
            # one run of rows (a view of the whole projection, sorted by relation): a slice,
            # which pandas shares instead of copying 30 columns of millions of rows
            e = self.edges.iloc[rows[0] : rows[-1] + 1]
        else:
            e = self.edges.iloc[rows]
        iu, iv = e["iu"].to_numpy(np.int64), e["iv"].to_numpy(np.int64)
        used = np.zeros(self.n, dtype=bool)
        used[iu] = True
        used[iv] = True
        position = np.cumsum(used) - 1
        e = e.assign(iu=position[iu], iv=position[iv])
        return Projection.trusted(
            self.nodes.loc[used], e, view=self.view, as_of=self.as_of, tables=self.tables
        )

    # ------------------------------------------------------------------ basic accessors
    @property
    def n(self) -> int:
        """Number of nodes."""
        return len(self.nodes)

    def positions(self, keys: Iterable[str]) -> np.ndarray:
        """Integer positions of node keys (-1 for keys not in the projection)."""
        return self.index.get_indexer(list(keys))

    def labels(self) -> pd.Series:
        """Node label by position, falling back to the key where a node has no label."""
        return self.nodes["label"].fillna(self.nodes["node"]).astype(str)

    def select(self, relations: Iterable[str] | None) -> Projection:
        """A projection with the same nodes and only the edges of ``relations``."""
        if relations is None:
            return self
        keep = self.edges["relation"].isin(set(relations)).to_numpy()
        return Projection.trusted(
            self.nodes, self.edges.loc[keep], view=self.view, as_of=self.as_of, tables=self.tables
        )

    # ------------------------------------------------------------------ matrices
    def adjacency(
        self,
        relations: Iterable[str] | None = None,
        *,
        weight: str | None = None,
        reverse: bool = False,
        mask: np.ndarray | None = None,
    ) -> sp.csr_array:
        """The n x n adjacency matrix ``A[u, v]`` over the node index (CSR).

        Parallel edges (several facts on the same pair) collapse to one entry: 1 without
        ``weight``, else the largest value of the ``weight`` column (NA counts as 0). Self
        loops are kept. ``reverse=True`` gives the transpose (``A[v, u]``); ``mask`` (a
        boolean array over the edge rows) restricts the edges further.
        """
        e = self.edges
        keep = (
            np.ones(len(e), dtype=bool)
            if relations is None
            else e["relation"].isin(set(relations)).to_numpy()
        )
        if mask is not None:
            keep &= mask
        rows, cols = e["iu"].to_numpy()[keep], e["iv"].to_numpy()[keep]
        if reverse:
            rows, cols = cols, rows
        if weight is None:
            data = np.ones(len(rows), dtype=np.float64)
        else:
            data = pd.to_numeric(e[weight], errors="coerce").fillna(0.0).to_numpy(np.float64)[keep]
        return csr_from_pairs(rows, cols, data, self.n, combine="max")

    # ------------------------------------------------------------------ conversions
    def to_networkx(self) -> nx.MultiDiGraph:
        """The projection as a MultiDiGraph with typed, attributed nodes and edges.

        Node keys are the projection's keys; attributes are the non-missing node columns.
        Edges carry every non-missing edge column except the endpoints and positions; the
        edge key is the fact IRI where there is one. The side tables travel in
        ``G.graph["tables"]`` (and come back with :func:`as_projection`).
        """
        g = nx.MultiDiGraph(view=self.view, as_of=self.as_of, tables=self.tables)
        cols = [c for c in self.nodes.columns if c != "node"]
        for rec in self.nodes.to_dict("records"):
            key = rec.pop("node")
            g.add_node(key, **{k: v for k, v in rec.items() if k in cols and _present(v)})
        skip = {"u", "v", "iu", "iv"}
        for rec in self.edges.to_dict("records"):
            attrs = {k: v for k, v in rec.items() if k not in skip and _present(v)}
            g.add_edge(rec["u"], rec["v"], key=attrs.get("fact"), **attrs)
        return g

    def to_sparse(
        self, relations: Iterable[str] | None = None, *, weight: str | None = None
    ) -> tuple[sp.csr_array, pd.DataFrame]:
        """The adjacency matrix and the node table that indexes it."""
        return self.adjacency(relations, weight=weight), self.nodes


def _text_keys(keys: pd.Series) -> pd.Series:
    """Node keys as ``str`` objects in an object column (networkx nodes may be numbers); not
    pandas' ``str`` dtype, which with pyarrow installed is Arrow-backed and slow to index
    (see :func:`select_frame`)."""
    values = keys.to_numpy(dtype=object)
    if pd.api.types.infer_dtype(values, skipna=False) != "string":
        values = np.array([str(x) for x in values], dtype=object)
    return pd.Series(values, index=keys.index, dtype=object)


def _present(value: Any) -> bool:
    if value is None or value is pd.NA:
        return False
    if isinstance(value, float) and np.isnan(value):
        return False
    return not (isinstance(value, (list, tuple)) and len(value) == 0)


def csr_from_pairs(
    rows: np.ndarray, cols: np.ndarray, data: np.ndarray, n: int, combine: str = "max"
) -> sp.csr_array:
    """An n x n CSR matrix from (row, col, value) triples; duplicates combined by
    ``max`` or ``sum``. Entries equal to zero are kept as explicit zeros only for ``max``
    with zero weights (so that the pattern still shows the edge)."""
    rows = np.asarray(rows, dtype=np.int64)
    cols = np.asarray(cols, dtype=np.int64)
    data = np.asarray(data, dtype=np.float64)
    if combine == "sum":
        m = sp.coo_array((data, (rows, cols)), shape=(n, n)).tocsr()
        m.sum_duplicates()
        return m
    if len(rows) == 0:
        return sp.csr_array((n, n), dtype=np.float64)
    key = rows * n + cols
    order = np.lexsort((-data, key))
    key, data = key[order], data[order]
    first = np.ones(len(key), dtype=bool)
    first[1:] = key[1:] != key[:-1]
    key, data = key[first], data[first]
    r, c = key // n, key % n
    indptr = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(np.bincount(r, minlength=n), out=indptr[1:])
    return sp.csr_array((data, c, indptr), shape=(n, n))


def filter_as_of(edges: pd.DataFrame, as_of: Any) -> pd.DataFrame:
    """The edges valid on ``as_of`` (``valid_from <= as_of <= valid_to``, open bounds valid)."""
    day = iso_date(as_of)
    if day is None or edges.empty:
        return edges
    start = edges["valid_from"].map(iso_date) if "valid_from" in edges else None
    end = edges["valid_to"].map(iso_date) if "valid_to" in edges else None
    keep = np.ones(len(edges), dtype=bool)
    if start is not None:
        keep &= (start.isna() | (start.fillna("") <= day)).to_numpy()
    if end is not None:
        keep &= (end.isna() | (end.fillna("9999") >= day)).to_numpy()
    return edges.loc[keep]


def as_projection(
    graph: Any, *, default_relation: str | None = None, as_of: Any = None, view: str | None = None
) -> Projection:
    """A :class:`Projection` from a projection or a networkx graph.

    Parameters
    ----------
    graph:
        A :class:`Projection` (returned as is, or filtered by ``as_of``), or any networkx
        graph. Node order is kept (it is the index of the sparse matrices); node attributes
        become node columns, edge attributes edge columns.
    default_relation:
        Relation given to edges of a networkx graph that have no ``relation`` attribute, so
        that a bare ``nx.DiGraph`` of supplier -> buyer edges can be passed to the tier
        analysis, or one of owner -> owned edges with ``share_min``/``share_max`` to the
        ownership analysis.
    as_of:
        Keep only the edges valid on that date.
    """
    if isinstance(graph, Projection):
        if as_of is None:
            return graph
        edges = filter_as_of(graph.edges, as_of).drop(columns=["iu", "iv"])
        return Projection(
            graph.nodes, edges, view=graph.view, as_of=iso_date(as_of), tables=graph.tables
        )
    if isinstance(graph, nx.Graph):
        return from_networkx(
            graph,
            default_relation=default_relation,
            as_of=as_of,
            view=view or graph.graph.get("view", "all"),
        )
    raise TypeError(f"expected a Projection or a networkx graph, not {type(graph).__name__}")


def from_networkx(
    g: nx.Graph, *, default_relation: str | None = None, as_of: Any = None, view: str = "all"
) -> Projection:
    """A :class:`Projection` of a networkx graph (see :func:`as_projection`)."""
    node_rows = [{"node": str(n), **attrs} for n, attrs in g.nodes(data=True)]
    nodes = pd.DataFrame(node_rows) if node_rows else pd.DataFrame({"node": []})
    if g.is_multigraph():
        edge_iter: Iterable[tuple[Any, Any, dict[str, Any]]] = (
            (u, v, d) for u, v, _, d in g.edges(keys=True, data=True)
        )
    else:
        edge_iter = g.edges(data=True)
    rows = [{**d, "u": str(u), "v": str(v)} for u, v, d in edge_iter]
    edges = pd.DataFrame(rows) if rows else pd.DataFrame({"u": [], "v": []})
    if "relation" not in edges.columns:
        edges["relation"] = default_relation
    elif default_relation is not None:
        edges["relation"] = edges["relation"].fillna(default_relation)
    if not g.is_directed() and len(edges):
        back = edges.rename(columns={"u": "v", "v": "u"})
        edges = pd.concat([edges, back], ignore_index=True)
    edges = _coerce_edges(edges)
    if as_of is not None:
        edges = filter_as_of(edges, as_of)
    tables = g.graph.get("tables")
    return Projection(
        nodes,
        edges,
        view=view,
        as_of=iso_date(as_of),
        tables=dict(tables) if isinstance(tables, dict) else {},
    )


def _coerce_edges(edges: pd.DataFrame) -> pd.DataFrame:
    for col in _FLOAT_EDGE:
        if col in edges.columns:
            edges[col] = pd.to_numeric(edges[col], errors="coerce")
    return edges


# ---------------------------------------------------------------------------------- the store

ENTITY_CLASSES = (
    "Firm",
    "Establishment",
    "PublicBody",
    "Institution",
    "Person",
    "BusinessGroup",
    "Cluster",
    "Region",
    "Zone",
    "Sector",
    "Product",
    "ValueChain",
    "PolicyInstrument",
)
"""Local names of the ``gvc:`` classes whose instances are nodes (with label, country ...)."""

_FACT_CLASSES = {
    str(GVC.SupplyRelation): "supply",
    str(GVC.Ownership): "ownership",
    str(GVC.Control): "control",
    str(GVC.PolicyParticipation): "policy_participation",
    str(ORG.Membership): "membership",
    str(GVC.Linkage): "link",
    str(GVC.ChainParticipation): "participation",
    str(GVC.GovernanceAssessment): "governance",
}

# predicate -> (column, kind); kinds: node, code, code-gov, bool, float, int, date, text,
# direct, evidence
_FACT_PREDICATES: dict[str, tuple[str, str]] = {
    str(GVC.supplier): ("supplier", "node"),
    str(GVC.buyer): ("buyer", "node"),
    str(GVC.owner): ("owner", "node"),
    str(GVC.owned): ("owned", "node"),
    str(GVC.controller): ("controller", "node"),
    str(GVC.controlled): ("controlled", "node"),
    str(GVC.beneficiary): ("beneficiary", "node"),
    str(GVC.instrument): ("instrument", "node"),
    str(ORG.member): ("member", "node"),
    str(ORG.organization): ("organization", "node"),
    str(GVC.linkFrom): ("link_from", "node"),
    str(GVC.linkTo): ("link_to", "node"),
    str(GVC.linkType): ("link_type", "code"),
    str(GVC.participant): ("participant", "node"),
    str(GVC.relativeTo): ("lead", "node"),
    str(GVC.tier): ("tier", "int"),
    str(GVC.assessedUnit): ("subject", "node"),
    str(GVC.leadFirm): ("lead", "node"),
    str(GVC.governanceScope): ("scope", "code"),
    str(GVC.score): ("score", "float"),
    str(GVC.inChain): ("chain", "node"),
    str(GVC.governanceType): ("governance", "code-gov"),
    str(GVC.supplierDependence): ("supplier_dependence", "float"),
    str(GVC.exclusive): ("exclusive", "bool"),
    str(GVC.buyerControlsDesign): ("buyer_controls_design", "bool"),
    str(GVC.transactionComplexity): ("complexity", "code"),
    str(GVC.codifiability): ("codifiability", "code"),
    str(GVC.supplierCapability): ("capability", "code"),
    str(GVC.supplyRelationType): ("relation_type", "code"),
    str(GVC.suppliedItem): ("item", "text"),
    str(GVC.shareExact): ("share_exact", "float"),
    str(GVC.shareMin): ("share_min", "float"),
    str(GVC.shareMax): ("share_max", "float"),
    str(GVC.shareMinExclusive): ("share_min_exclusive", "bool"),
    str(GVC.shareMaxExclusive): ("share_max_exclusive", "bool"),
    str(GVC.interestType): ("interest", "code"),
    str(GVC.directOrIndirect): ("direct", "direct"),
    str(GVC.controlBasis): ("basis", "code"),
    str(GVC.amount): ("amount", "float"),
    str(GVC.validFrom): ("valid_from", "date"),
    str(GVC.validTo): ("valid_to", "date"),
    str(PROV.wasDerivedFrom): ("evidence", "evidence"),
}

_NODE_PREDICATES: dict[str, tuple[str, str]] = {
    str(SKOS.prefLabel): ("label", "text"),
    str(GVC.country): ("country", "code"),
    str(GVC.sizeClass): ("size_class", "code"),
    str(GVC.ownershipCategory): ("ownership_category", "code"),
}

_POLICY_PREDICATES: dict[str, tuple[str, str]] = {
    **{p: (rel, "node") for p, rel in POLICY_TARGETS.items()},
    str(GVC.administeredBy): (ADMINISTERS, "node"),
    str(DCTERMS.isPartOf): (PART_OF, "node"),
    str(GVC.validFrom): ("valid_from", "date"),
    str(GVC.validTo): ("valid_to", "date"),
    str(PROV.wasDerivedFrom): ("evidence", "evidence"),
}


def select_frame(kg: Any, sparql: str) -> pd.DataFrame:
    """Run a SELECT on a :class:`~gvcgraph.graph.store.KnowledgeGraph` as a string DataFrame.

    Uses pyoxigraph's CSV serialisation and :func:`pandas.read_csv` (about ten times faster
    than iterating over solutions in Python): IRIs and literals become their lexical form,
    unbound values NA. Falls back to ``kg.select`` for stores without ``kg.query``.
    """
    import pyoxigraph as ox

    result = kg.query(sparql) if hasattr(kg, "query") else None
    if result is not None and hasattr(result, "serialize"):
        data = result.serialize(format=ox.QueryResultsFormat.CSV)
        names = [v.value for v in result.variables]
        if not data:
            return pd.DataFrame({n: pd.Series(dtype=object) for n in names})
        # object, not str: with pyarrow installed pandas stores str columns in Arrow, whose
        # isin and get_indexer loop in Python (145 s instead of 1 s at 100,000 firms)
        df = pd.read_csv(io.BytesIO(data), dtype=object, keep_default_na=False, na_values=[""])
        return df
    df = kg.select(sparql)
    return df.apply(
        lambda col: col.map(
            lambda v: (
                None
                if v is None or v is pd.NA
                else (str(v).lower() if isinstance(v, bool) else str(v))
            )
        )
    )


def _values(var: str, iris: Iterable[str]) -> str:
    return f"VALUES ?{var} {{ {' '.join(f'<{i}>' for i in iris)} }}"


def _typed(kg: Any, classes: Iterable[str]) -> pd.DataFrame:
    """Subjects of the given classes: columns ``s``, ``cls`` (one row per subject)."""
    q = f"SELECT ?s ?cls WHERE {{ {_values('cls', classes)} ?s a ?cls }}"
    return select_frame(kg, q).drop_duplicates("s")


def _long(
    kg: Any, classes: Iterable[str], predicates: Iterable[str], typed: pd.DataFrame | None = None
) -> pd.DataFrame:
    """Rows ``s, cls, p, o``: every value of the predicates on subjects of the classes.

    Few subjects (policies): one SPARQL join, subjects first. Many (facts, actors): one scan
    per predicate, joined to the subjects' classes in pandas; a SPARQL join then costs
    Oxigraph an index lookup per row and took twice as long (52 s against 25 s for the
    394,000 facts of 100,000 firms). ``typed``: the subjects, if already read (:func:`_typed`).
    """
    typed = _typed(kg, classes) if typed is None else typed
    if typed.empty:
        return pd.DataFrame({c: pd.Series(dtype=object) for c in ("s", "cls", "p", "o")})
    if len(typed) <= _FEW_SUBJECTS:
        q = f"""SELECT ?s ?cls ?p ?o WHERE {{
          {_values("cls", classes)}
          ?s a ?cls .
          {_values("p", predicates)}
          ?s ?p ?o .
        }}"""
        return select_frame(kg, q)
    cls_of = typed.set_index("s")["cls"]
    parts = []
    for p in predicates:
        part = select_frame(kg, f"SELECT ?s ?o WHERE {{ ?s <{p}> ?o }}")
        part = part[part["s"].isin(cls_of.index)]
        if not part.empty:
            parts.append(part.assign(p=p))
    if not parts:
        return pd.DataFrame({c: pd.Series(dtype=object) for c in ("s", "cls", "p", "o")})
    long = pd.concat(parts, ignore_index=True)
    long["cls"] = long["s"].map(cls_of)
    return long[["s", "cls", "p", "o"]]


_FEW_SUBJECTS = 5_000
"""Up to this many subjects :func:`_long` joins in SPARQL, above it scans per predicate."""


def _sources(kg: Any, classes: Iterable[str]) -> pd.Series:
    q = f"SELECT ?s ?g WHERE {{ {_values('cls', classes)} GRAPH ?g {{ ?s a ?cls }} }}"
    df = select_frame(kg, q)
    prefix = terms.source_graph("")
    df = df[df["g"].str.startswith(prefix, na=False)]
    return df.drop_duplicates("s").set_index("s")["g"].str.slice(len(prefix))


def _code(iri: pd.Series) -> pd.Series:
    return iri.str.rsplit("/", n=1).str[-1]


def _sorted_sets(part: pd.DataFrame) -> pd.Series:
    """Per subject ``s``, the sorted distinct values ``o``, as lists (vectorised: a groupby
    with a Python function per group took 12 s for the 394,000 facts of 100,000 firms)."""
    distinct = part.drop_duplicates(["s", "o"]).sort_values(["s", "o"])
    keys, values = distinct["s"].to_numpy(), distinct["o"].to_numpy()
    if len(keys) == 0:
        return pd.Series(dtype=object)
    starts = np.flatnonzero(np.r_[True, keys[1:] != keys[:-1]])
    groups = [chunk.tolist() for chunk in np.split(values, starts[1:])]
    return pd.Series(groups, index=pd.Index(keys[starts], name="s", dtype=object), dtype=object)


def _pivot(long: pd.DataFrame, spec: dict[str, tuple[str, str]]) -> pd.DataFrame:
    """One row per subject, one column per predicate (first value; evidence as a list)."""
    subjects = pd.unique(long["s"])
    out = pd.DataFrame(index=pd.Index(subjects, name="s", dtype=object))
    out["cls"] = long.drop_duplicates("s").set_index("s")["cls"].reindex(out.index)
    for pred, (col, kind) in spec.items():
        part = long[long["p"] == pred]
        if part.empty:
            if col not in out:
                out[col] = pd.NA
            continue
        if kind == "evidence":
            out[col] = _sorted_sets(part).reindex(out.index)
            continue
        if kind == "code-gov":
            ghs = part[part["o"].str.startswith(terms.scheme_iri("governance") + "/")]
            hs = part[part["o"].str.startswith(terms.scheme_iri("governance-hs") + "/")]
            for col_name, sel in (("governance", ghs), ("governance_hs", hs)):
                first = sel.drop_duplicates("s").set_index("s")["o"]
                out[col_name] = _code(first).reindex(out.index)
            continue
        values = part.drop_duplicates("s").set_index("s")["o"]
        if kind == "node":
            values = values.map(node_key)
        elif kind == "code":
            values = _code(values)
        elif kind == "bool":
            values = values.map({"true": True, "false": False, "1": True, "0": False})
        elif kind == "float":
            values = pd.to_numeric(values, errors="coerce")
        elif kind == "int":
            values = pd.to_numeric(values, errors="coerce").astype("Int64")
        elif kind == "direct":
            values = _code(values).map({"direct": True, "indirect": False})
        elif kind == "date":
            values = values.str.slice(0, 10)
        if col in out and out[col].notna().any():
            out[col] = out[col].fillna(values.reindex(out.index))
        else:
            out[col] = values.reindex(out.index)
    return out


def _fact_edges(facts: pd.DataFrame) -> pd.DataFrame:
    """Edge rows (u, v, relation, attributes) for the pivoted fact table."""
    kinds = facts["cls"].map(_FACT_CLASSES)
    parts = []

    def take(kind: str, u: str, v: str, relation: str | pd.Series) -> None:
        f = facts[kinds == kind]
        if f.empty or u not in f or v not in f:
            return
        f = f.assign(
            u=f[u],
            v=f[v],
            relation=relation if isinstance(relation, str) else relation[kinds == kind],
        )
        parts.append(f[f["u"].notna() & f["v"].notna()])

    take("supply", "supplier", "buyer", SUPPLIES)
    take("ownership", "owner", "owned", OWNS)
    take("control", "controller", "controlled", CONTROLS)
    take("policy_participation", "instrument", "beneficiary", BENEFITS)
    take("membership", "member", "organization", MEMBER_OF)
    if "link_type" in facts:
        take("link", "link_from", "link_to", facts["link_type"])
    take("participation", "participant", "chain", PARTICIPATES_IN)
    if not parts:
        return pd.DataFrame({c: [] for c in EDGE_COLUMNS})
    edges = pd.concat(parts)
    if "share_exact" in edges:
        exact = edges["share_exact"]
        edges["share_min"] = exact.where(exact.notna(), edges.get("share_min"))
        edges["share_max"] = exact.where(exact.notna(), edges.get("share_max"))
    edges["fact"] = edges.index
    return edges.reset_index(drop=True)


def _establishment_edges(kg: Any) -> pd.DataFrame:
    """``establishment-of`` edges: plant -> firm, with the plant's evidence."""
    df = select_frame(
        kg,
        f"""SELECT ?e ?f ?ev WHERE {{
        ?e a <{GVC.Establishment}> ; <{GVC.establishmentOf}> ?f .
        OPTIONAL {{ ?e <{PROV.wasDerivedFrom}> ?ev }} }}""",
    )
    if df.empty:
        return pd.DataFrame({c: [] for c in ("u", "v", "relation", "fact", "evidence")})
    ev = df.dropna(subset=["ev"]).groupby("e")["ev"].agg(lambda x: sorted(set(x)))
    first = df.drop_duplicates("e")
    return pd.DataFrame(
        {
            "u": first["e"].map(node_key).to_numpy(),
            "v": first["f"].map(node_key).to_numpy(),
            "relation": ESTABLISHMENT_OF,
            "fact": first["e"].to_numpy(),
            "evidence": first["e"].map(ev).to_numpy(),
        }
    )


def _policy_edges(kg: Any) -> pd.DataFrame:
    long = _long(kg, [str(GVC.PolicyInstrument)], _POLICY_PREDICATES)
    if long.empty:
        return pd.DataFrame({c: [] for c in EDGE_COLUMNS})
    meta = _pivot(
        long[long["p"].isin([str(GVC.validFrom), str(GVC.validTo), str(PROV.wasDerivedFrom)])],
        {k: v for k, v in _POLICY_PREDICATES.items() if v[1] in ("date", "evidence")},
    )
    rel_map = {p: rel for p, (rel, kind) in _POLICY_PREDICATES.items() if kind == "node"}
    rel = long[long["p"].isin(list(rel_map))].copy()
    rel["relation"] = rel["p"].map(rel_map)
    rel["instrument"] = rel["s"].map(node_key)
    rel["other"] = rel["o"].map(node_key)
    administers = rel["relation"] == ADMINISTERS
    rel["u"] = np.where(administers, rel["other"], rel["instrument"])
    rel["v"] = np.where(administers, rel["instrument"], rel["other"])
    rel["fact"] = rel["s"]
    rel = rel.join(meta[["valid_from", "valid_to", "evidence"]], on="s")
    return rel[["u", "v", "relation", "fact", "valid_from", "valid_to", "evidence"]]


def project(kg: Any, view: str = "all", as_of: Any = None) -> Projection:
    """Project the knowledge graph to a network view.

    Parameters
    ----------
    kg:
        A :class:`~gvcgraph.graph.store.KnowledgeGraph`.
    view:
        ``supply``, ``ownership``, ``policy`` or ``all`` (see the module docstring).
    as_of:
        Keep only the facts valid on that date (see :func:`filter_as_of`).

    Returns
    -------
    Projection
        Node and edge tables; ``tables["asserted_tiers"]`` holds the tiers the sources assert
        (``gvc:ChainParticipation`` with ``gvc:tier`` relative to ``gvc:relativeTo``) and
        ``tables["governance_assessments"]`` the governance assessments.

    Examples
    --------
    >>> from gvcgraph.graph.store import KnowledgeGraph
    >>> p = project(KnowledgeGraph.default(), "supply")          # doctest: +SKIP
    >>> p.to_networkx().number_of_edges() == len(p.edges)        # doctest: +SKIP
    True
    """
    if view not in VIEWS:
        raise ValueError(f"unknown view {view!r}; choose one of {', '.join(VIEWS)}")
    whole = _whole(kg)
    tables = {k: f.copy() for k, f in side_tables(whole).items()}
    everything = Projection.trusted(whole["nodes"], whole["edges"], view=view, tables=tables)
    edges = everything.edges
    mask = None
    if as_of is not None:
        mask = np.zeros(len(edges), dtype=bool)
        mask[filter_as_of(edges, as_of).index.to_numpy()] = True
    part = everything.restrict(VIEW_RELATIONS[view], mask=mask)
    part.as_of = iso_date(as_of)
    return part


_TABLE = "table-"
_LAST: dict[tuple[str, str], dict[str, pd.DataFrame]] = {}
"""The whole projection last read in this process, by (store folder, version)."""


def _whole(kg: Any) -> dict[str, pd.DataFrame]:
    """Every edge (sorted by relation, u, v, fact; no date filter), every node (sorted by
    key) and the side tables (``table-<name>``), from the cache of the store's version when
    there is one (:mod:`gvcgraph.graph.projection_cache`), else read from the store."""
    cache_dir = kg.cache_dir() if hasattr(kg, "cache_dir") else None
    key = (str(cache_dir), str(getattr(kg, "version", None)))
    if cache_dir is not None:
        if key in _LAST:
            return _LAST[key]
        frames = projection_cache.load(cache_dir)
        if frames is not None:
            _LAST.clear()
            _LAST[key] = frames
            return frames
    with projection_cache.gc_paused():
        frames = _read_whole(kg)
    if cache_dir is not None:
        projection_cache.save(cache_dir, frames)
        _LAST.clear()
        _LAST[key] = frames
    return frames


def _read_whole(kg: Any) -> dict[str, pd.DataFrame]:
    """:func:`_whole` read from the store (missing values of object columns are ``pd.NA``)."""
    long = _long(kg, _FACT_CLASSES, _FACT_PREDICATES)
    facts = (
        _pivot(long, _FACT_PREDICATES)
        if not long.empty
        else pd.DataFrame({"cls": []}, index=pd.Index([], name="s"))
    )
    sources = _sources(kg, [*_FACT_CLASSES, str(GVC.PolicyInstrument), str(GVC.Establishment)])
    edges = pd.concat(
        [_fact_edges(facts), _establishment_edges(kg), _policy_edges(kg)], ignore_index=True
    )
    edges["source"] = edges["fact"].map(sources)
    edges["fact"] = edges["fact"].map(node_key)
    edges["evidence"] = edges["evidence"].map(
        lambda x: [node_key(i) for i in x] if isinstance(x, list) else []
    )
    tables = {
        name: table.sort_values("fact", kind="stable").reset_index(drop=True)
        if "fact" in table
        else table
        for name, table in _side_tables(facts, sources).items()
    }
    return _assemble(_nodes(kg, tables), edges, tables)


def _assemble(
    nodes: pd.DataFrame, edges: pd.DataFrame, tables: dict[str, pd.DataFrame]
) -> dict[str, pd.DataFrame]:
    """The frames of :func:`_whole` from node rows, edge rows and side tables: edges sorted by
    relation, u, v, fact; every node, the bare ends of edges too (an IRI only used as a
    target), sorted by key; the edges' integer positions among them (``iu``, ``iv``), which
    views remap without key lookups; missing values of object columns ``pd.NA``."""
    edges = _coerce_edges(edges.reindex(columns=list(EDGE_COLUMNS)))
    edges = edges.sort_values(["relation", "u", "v", "fact"], kind="stable")
    edges = edges.reset_index(drop=True)
    whole = Projection(nodes, edges)
    order = whole.nodes.sort_values("node", kind="stable").index.to_numpy()  # old positions
    nodes = whole.nodes.loc[order].reset_index(drop=True)
    position = np.empty(len(order), dtype=np.int64)
    position[order] = np.arange(len(order))
    edges = whole.edges.assign(
        iu=position[whole.edges["iu"].to_numpy()], iv=position[whole.edges["iv"].to_numpy()]
    )
    frames = {"nodes": nodes, "edges": edges, **{_TABLE + k: v for k, v in tables.items()}}
    return {name: _column_types(frame) for name, frame in frames.items()}


_NUMBER_COLUMNS = {
    **dict.fromkeys(_FLOAT_EDGE, "float64"),
    "score": "float64",
    "tier": "Int64",
    "iu": "int64",
    "iv": "int64",
}
"""Columns of the whole projection's frames that hold numbers, and their types."""


def _column_types(frame: pd.DataFrame) -> pd.DataFrame:
    """Numbers in their types (:data:`_NUMBER_COLUMNS`), every other column (text, codes,
    booleans with gaps, lists) as objects with ``pd.NA`` for missing values, whatever the
    parts it was built from (an all-missing column comes out of pandas as floats)."""
    for col in frame.columns:
        want = _NUMBER_COLUMNS.get(col)
        if want is None:
            if frame[col].dtype != object:
                frame[col] = frame[col].astype(object)
        elif str(frame[col].dtype) != want:
            frame[col] = pd.to_numeric(frame[col], errors="coerce").astype(want)
    return missing_as_na(frame)


def whole_frames(kg: Any) -> dict[str, pd.DataFrame]:
    """The whole projection of ``kg`` as frames (``nodes``, ``edges``, ``table-<name>``):
    every relation, no date filter, from the version's cache when there is one. The frames
    are shared with later calls: do not modify them."""
    return _whole(kg)


def side_tables(frames: dict[str, pd.DataFrame]) -> dict[str, pd.DataFrame]:
    """The side tables of :func:`whole_frames` by name (``asserted_tiers`` ...)."""
    return {k[len(_TABLE) :]: v for k, v in frames.items() if k.startswith(_TABLE)}


def keep_whole(kg: Any, frames: dict[str, pd.DataFrame]) -> bool:
    """Keep ``frames`` as the whole projection of the version ``kg`` now reads: in the
    version's cache (:mod:`gvcgraph.graph.projection_cache`) and for this process. Returns
    whether the cache was written (not in memory, on a remote store or a read-only one)."""
    cache_dir = kg.cache_dir() if hasattr(kg, "cache_dir") else None
    if cache_dir is None:
        return False
    _LAST.clear()
    _LAST[(str(cache_dir), str(kg.version))] = frames
    return projection_cache.save(cache_dir, frames)


def extend_whole(
    base: dict[str, pd.DataFrame],
    nodes: pd.DataFrame,
    edges: pd.DataFrame,
    fill: dict[str, dict[str, str]] | None = None,
) -> dict[str, pd.DataFrame]:
    """The whole projection after a source that adds only actors and relations is loaded.

    ``base``: the frames of the version before (:func:`whole_frames`); ``nodes``: rows of
    :data:`NODE_COLUMNS` for new nodes (they replace base rows with the same key: bare edge
    ends the source now defines); ``edges``: rows of :data:`EDGE_COLUMNS` for the new facts;
    ``fill``: column -> node key -> value, for base nodes where that column is missing (a
    country the source gives to another source's actor). The side tables are the base's
    (such a source adds no tier, governance or value-chain facts). The result equals what
    :func:`_read_whole` reads from the new version (``tests/test_edgelist_projection.py``).
    """
    old = base["nodes"]
    for column, values in (fill or {}).items():
        if values:
            given = old["node"].map(values)
            old = old.assign(**{column: old[column].where(old[column].notna(), given)})
    nodes = pd.concat([nodes.reindex(columns=list(NODE_COLUMNS)), old], ignore_index=True)
    edges = pd.concat([base["edges"].drop(columns=["iu", "iv"]), edges], ignore_index=True)
    return _assemble(nodes, edges, side_tables(base))


def lead_keys(kg: Any, tables: dict[str, pd.DataFrame]) -> set[str]:
    """Keys of the lead firms: value chains' ``gvc:leadFirm`` and the leads named by tier
    assertions (``participation_leads``) and governance assessments."""
    chain_leads = select_frame(
        kg, f"SELECT DISTINCT ?l WHERE {{ ?c a <{GVC.ValueChain}> ; <{GVC.leadFirm}> ?l }}"
    )
    leads = set(chain_leads["l"].map(node_key)) if not chain_leads.empty else set()
    leads |= set(tables["participation_leads"]["lead"].dropna())
    leads |= set(tables["governance_assessments"]["lead"].dropna())
    return leads


def _side_tables(facts: pd.DataFrame, sources: pd.Series) -> dict[str, pd.DataFrame]:
    kinds = facts["cls"].map(_FACT_CLASSES)
    out: dict[str, pd.DataFrame] = {}
    part = facts[kinds == "participation"]
    cols = list(ASSERTED_TIER_COLUMNS)
    if not part.empty and "tier" in part:
        t = part[part["tier"].notna()].copy()
        t["fact"] = t.index.map(node_key)
        t["source"] = t.index.map(sources)
        t["evidence"] = t["evidence"].map(
            lambda x: [node_key(i) for i in x] if isinstance(x, list) else []
        )
        out["asserted_tiers"] = t.reindex(columns=cols).reset_index(drop=True)
    else:
        out["asserted_tiers"] = pd.DataFrame({c: [] for c in cols})
    gov = facts[kinds == "governance"]
    cols = list(GOVERNANCE_COLUMNS)
    g = gov.copy()
    g["fact"] = g.index.map(node_key)
    g["source"] = g.index.map(sources)
    g["evidence"] = (
        g["evidence"].map(lambda x: [node_key(i) for i in x] if isinstance(x, list) else [])
        if "evidence" in g
        else [[] for _ in range(len(g))]
    )
    out["governance_assessments"] = g.reindex(columns=cols).reset_index(drop=True)
    leads = facts[kinds == "participation"]["lead"].dropna() if "lead" in facts else pd.Series([])
    out["participation_leads"] = pd.DataFrame({"lead": pd.unique(leads)})
    return out


def _nodes(kg: Any, tables: dict[str, pd.DataFrame]) -> pd.DataFrame:
    classes = [str(GVC[c]) for c in ENTITY_CLASSES]
    typed = _typed(kg, classes)
    long = _long(kg, classes, _NODE_PREDICATES, typed)
    nodes = _pivot(long, _NODE_PREDICATES) if not long.empty else pd.DataFrame(index=pd.Index([]))
    cls = typed.drop_duplicates("s").set_index("s")["cls"]
    nodes = nodes.reindex(nodes.index.union(cls.index))
    nodes["cls"] = cls.reindex(nodes.index).str.rsplit("#", n=1).str[-1]
    nodes["iri"] = nodes.index
    nodes["node"] = nodes.index.map(node_key)
    nodes["lead_firm"] = nodes["node"].isin(lead_keys(kg, tables))
    gov = tables["governance_assessments"]
    if not gov.empty:
        nodes["governance"] = nodes["node"].map(asserted_governance(gov))
    else:
        nodes["governance"] = pd.NA
    # concept nodes (policy targets): key scheme:code, label from the ontology graph
    concepts = select_frame(
        kg,
        f"""SELECT ?c ?label WHERE {{
        ?i a <{GVC.PolicyInstrument}> ; ?p ?c .
        {_values("p", [str(GVC.targetsFirmCategory), str(GVC.targetsFunction)])}
        OPTIONAL {{ ?c <{SKOS.prefLabel}> ?label
                    FILTER(LANG(?label) = "" || LANGMATCHES(LANG(?label), "en")) }}
    }}""",
    )
    if not concepts.empty:
        c = concepts.drop_duplicates("c")
        extra = pd.DataFrame(
            {
                "node": c["c"].map(node_key),
                "iri": c["c"],
                "label": c["label"],
                "cls": "Concept",
                "lead_firm": False,
            }
        )
        nodes = pd.concat([nodes.reset_index(drop=True), extra], ignore_index=True)
    return nodes.reset_index(drop=True).reindex(columns=list(NODE_COLUMNS))


def asserted_governance(assessments: pd.DataFrame) -> pd.Series:
    """The governance a source asserts for each assessed unit (cluster, chain, firm ...).

    Assessments with scope ``absent`` are left out (Giuliani et al. 2005 score every type of
    every cluster, 0 for absent); where several remain, those with the highest ``score`` are
    kept (assessments without a score count as highest). Codes (GHS or Humphrey-Schmitz) of
    one unit are joined by ``;``.
    """
    g = assessments.assign(code=assessments["governance"].fillna(assessments["governance_hs"]))
    if "scope" in g:
        g = g[g["scope"].astype(object).fillna("") != "absent"]
    g = g.dropna(subset=["subject", "code"])
    if g.empty:
        return pd.Series(dtype=object)
    score = (
        pd.to_numeric(g["score"], errors="coerce")
        if "score" in g
        else pd.Series(np.nan, index=g.index)
    )
    g = g.assign(rank=score.fillna(np.inf))
    g = g[g["rank"] == g.groupby("subject")["rank"].transform("max")]
    return g.groupby("subject")["code"].agg(lambda x: ";".join(sorted(set(x))))


def to_networkx(kg: Any, view: str = "all", as_of: Any = None) -> nx.MultiDiGraph:
    """Shortcut: ``project(kg, view, as_of).to_networkx()``."""
    return project(kg, view, as_of).to_networkx()


def to_sparse(
    kg: Any, view: str = "all", as_of: Any = None, relations: Sequence[str] | None = None
) -> tuple[sp.csr_array, pd.DataFrame]:
    """Shortcut: the view's adjacency matrix (CSR) and the node table indexing it."""
    return project(kg, view, as_of).to_sparse(relations)
