"""The baseline: the same work done the way a researcher would with rdflib, networkx and pyvis.

No gvcgraph code runs here (the process imports only rdflib, networkx, pyvis and the standard
library, plus numpy/scipy through networkx). What it does, each step timed with its own
peak memory (:class:`~benchmarks.measure.StepMeter`), all in one process because an
in-memory rdflib graph has to be built again in every new process:

1. ``ingest-context``: parse gvcgraph's ontology and vocabulary files (Turtle) and the
   context case study into an :class:`rdflib.Dataset`. The context arrives as N-Quads that
   gvcgraph converted once from ``context.yaml`` (source graph and derived shortcuts): turning
   the YAML into RDF is not what is compared, so this row is not comparable with gvcgraph's
   (which validates the YAML, runs the SHACL shapes and writes an on-disk store).
2. ``ingest-edgelist``: read ``edges.csv`` with :mod:`csv` and add, per row, the same triples
   gvcgraph's edge-list ingest writes (see :func:`load_edgelist`): the qualified fact node
   with its class, both ends, share and dates with their precision, one evidence node with
   the line, the document and the quote selector; each actor's class, label and country the
   first time it appears; and the shortcut edges gvcgraph keeps in its derived graph
   (``suppliesTo``/``suppliedBy``, ``directlyOwns``/``directlyOwnedBy``, ``controls``/
   ``controlledBy`` above 50%, ``memberOf``). Same named graphs, same IRIs, so the triple
   count equals gvcgraph's (the runner checks it) and the named queries see the same data.
3. ``query:NAME``: the same named-query text (with the same ``VALUES`` bindings and prefixes)
   run by rdflib's SPARQL engine over the union of the graphs, every row read.
4. ``projection``: SPARQL SELECTs for the supply, ownership, membership and governance facts,
   into a networkx ``DiGraph`` of supply (supplier -> buyer; nodes added in sorted order so
   that sampled betweenness draws the same sources as gvcgraph) and one of ownership (owner
   -> owned, share as a fraction).
5. ``pagerank``: ``nx.pagerank``. ``betweenness``: ``nx.betweenness_centrality(k, seed)``.
6. ``tiers``: lead firms (buyers that are nobody's supplier), then one breadth-first search
   per lead firm up the supply graph (``nx.single_source_shortest_path_length``).
7. ``captive``: written plainly: each link's score from the supplier's number of buyers and the
   governance asserted for a cluster the supplier belongs to (gvcgraph's weights), hierarchy
   when both ends have the same ultimate controller (majority owners followed up), and the
   captive links that chain up to a lead firm (multi-source BFS over captive links).
8. ``ownership``: integrated ownership as the matrix series ``A + A^2 + ...`` over
   ``nx.to_scipy_sparse_array`` (walk sums; gvcgraph uses first-passage sums, which differ
   only on pairs touched by cross-holding cycles).
9. ``map``: ``pyvis.network.Network.from_nx`` of the supply graph and ``write_html``.

A step past ``--step-timeout`` seconds is interrupted and reported as ``timeout`` (pure
Python code is interrupted; a long call into C finishes first). Prints one JSON object
``{"steps": [...], "triples": {...}}``.

Usage (the runner writes the config)::

    python -m benchmarks.baseline --config baseline-config.json
"""

from __future__ import annotations

import argparse
import calendar
import csv
import json
import time
from collections import deque
from collections.abc import Callable
from pathlib import Path
from typing import Any

import networkx as nx
from rdflib import Dataset, Literal, URIRef
from rdflib.namespace import RDF, XSD

from benchmarks.measure import StepMeter, StepTimeout, no_timeout

BASE = "https://w3id.org/gvcgraph/"
GVC = BASE + "ont#"
ID = BASE + "id/"
VOCAB = BASE + "vocab/"
GRAPH = BASE + "graph/"
PROV = "http://www.w3.org/ns/prov#"
OA = "http://www.w3.org/ns/oa#"
ORG = "http://www.w3.org/ns/org#"
SKOS = "http://www.w3.org/2004/02/skos/core#"
DCT = "http://purl.org/dc/terms/"


def _u(ns: str, local: str) -> URIRef:
    return URIRef(ns + local)


CLASSES = {
    "firm": _u(GVC, "Firm"),
    "person": _u(GVC, "Person"),
    "cluster": _u(GVC, "Cluster"),
}
ROLES = {
    "supplies": (_u(GVC, "SupplyRelation"), _u(GVC, "supplier"), _u(GVC, "buyer")),
    "owns": (_u(GVC, "Ownership"), _u(GVC, "owner"), _u(GVC, "owned")),
    "controls": (_u(GVC, "Control"), _u(GVC, "controller"), _u(GVC, "controlled")),
    "member-of": (_u(ORG, "Membership"), _u(ORG, "member"), _u(ORG, "organization")),
}
SHORTCUTS = {
    "supplies": (_u(GVC, "suppliesTo"), _u(GVC, "suppliedBy")),
    "owns": (_u(GVC, "directlyOwns"), _u(GVC, "directlyOwnedBy")),
    "controls": (_u(GVC, "controls"), _u(GVC, "controlledBy")),
    "member-of": (_u(GVC, "memberOf"), None),
}

# captive-link rule (the weights and thresholds of gvcgraph's documented rule)
W_DEPENDENCE_BY_BUYERS = 0.15
W_ASSERTED = 0.20
CAPTIVE_THRESHOLD = 0.6
MIN_EVIDENCE = 0.35
CAPTIVE_CODES = {"captive", "quasi-hierarchy"}


def key(iri: Any) -> str:
    """The short key of an entity IRI (``.../id/firm-1`` -> ``firm-1``)."""
    text = str(iri)
    return text[len(ID) :] if text.startswith(ID) else text


# ---------------------------------------------------------------------------------- loading


def _date(text: str, end: bool) -> tuple[str, str]:
    """``YYYY``, ``YYYY-MM`` or ``YYYY-MM-DD`` -> (ISO day, precision); ends rounded up."""
    parts = text.split("-")
    if len(parts) == 1:
        return (f"{text}-12-31" if end else f"{text}-01-01"), "year"
    if len(parts) == 2:
        y, m = int(parts[0]), int(parts[1])
        last = calendar.monthrange(y, m)[1]
        return (f"{y:04d}-{m:02d}-{last if end else 1:02d}"), "month"
    return text, "day"


def load_edgelist(ds: Dataset, path: Path, source_id: str) -> int:
    """Add the triples of an edge-list CSV to ``ds``; returns how many were added."""
    g = ds.graph(URIRef(f"{GRAPH}source/{source_id}"))
    derived = ds.graph(URIRef(f"{GRAPH}derived"))
    doc = URIRef(f"{ID}doc/{source_id}")
    before = len(g) + len(derived)
    g.add((doc, RDF.type, _u(GVC, "SourceDocument")))
    g.add((doc, _u(GVC, "sourceId"), Literal(source_id)))
    g.add((doc, _u(DCT, "title"), Literal(f"Edge list {path.name}")))
    g.add((doc, _u(GVC, "fileName"), Literal(path.name)))
    g.add((doc, _u(GVC, "sourceType"), _u(VOCAB, "source-type/database")))
    label_p, country_p = _u(SKOS, "prefLabel"), _u(GVC, "country")
    derived_from, has_source = _u(PROV, "wasDerivedFrom"), _u(OA, "hasSource")
    controls, controlled_by = SHORTCUTS["controls"]
    seen: set[str] = set()
    with path.open(newline="", encoding="utf-8") as f:
        for line, row in enumerate(csv.DictReader(f), start=2):
            ends = []
            for side in ("source", "target"):
                ident = row[side]
                node = URIRef(ID + ident)
                ends.append(node)
                if ident not in seen:
                    seen.add(ident)
                    g.add((node, RDF.type, CLASSES[row[f"{side}_type"] or "firm"]))
                    g.add((node, label_p, Literal(row[f"{side}_label"] or ident)))
                    if row[f"{side}_country"]:
                        g.add((node, country_p, _u(VOCAB, f"country/{row[f'{side}_country']}")))
            u, v = ends
            relation = row["relation"]
            cls, p_from, p_to = ROLES[relation]
            fact = URIRef(f"{ID}doc/{source_id}/row-{line}")
            ev = URIRef(f"{ID}doc/{source_id}/ev/row-{line}/1")
            g.add((fact, RDF.type, cls))
            g.add((fact, p_from, u))
            g.add((fact, p_to, v))
            g.add((fact, derived_from, ev))
            if row["share"] and relation == "owns":
                g.add((fact, _u(GVC, "shareExact"), Literal(row["share"], datatype=XSD.decimal)))
            for col, end, p, pp in (
                ("date", False, "validFrom", "validFromPrecision"),
                ("end_date", True, "validTo", "validToPrecision"),
            ):
                if row[col]:
                    day, precision = _date(row[col], end)
                    g.add((fact, _u(GVC, p), Literal(day, datatype=XSD.date)))
                    g.add((fact, _u(GVC, pp), _u(VOCAB, f"date-precision/{precision}")))
            g.add((ev, RDF.type, _u(GVC, "Evidence")))
            g.add((ev, has_source, doc))
            g.add((ev, _u(GVC, "line"), Literal(str(line), datatype=XSD.integer)))
            if row["evidence"]:
                sel = URIRef(f"{ev}/quote")
                g.add((ev, _u(OA, "hasSelector"), sel))
                g.add((sel, RDF.type, _u(OA, "TextQuoteSelector")))
                g.add((sel, _u(OA, "exact"), Literal(row["evidence"])))
            forward, backward = SHORTCUTS[relation]
            derived.add((u, forward, v))
            if backward is not None:
                derived.add((v, backward, u))
            if relation == "owns" and row["share"] and float(row["share"]) > 50:
                derived.add((u, controls, v))
                derived.add((v, controlled_by, u))
    return len(g) + len(derived) - before


def load_context(ds: Dataset, ontology: list[str], context_nq: str) -> None:
    """Parse the ontology files into ``graph/ontology`` and the context's N-Quads."""
    onto = ds.graph(URIRef(f"{GRAPH}ontology"))
    for path in ontology:
        onto.parse(path, format="turtle")
    ds.parse(context_nq, format="nquads")


# ---------------------------------------------------------------------------------- network


SUPPLY_Q = f"""PREFIX gvc: <{GVC}>
SELECT ?s ?b WHERE {{ ?f a gvc:SupplyRelation ; gvc:supplier ?s ; gvc:buyer ?b }}"""
OWNERSHIP_Q = f"""PREFIX gvc: <{GVC}>
SELECT ?o ?d ?share WHERE {{ ?f a gvc:Ownership ; gvc:owner ?o ; gvc:owned ?d .
  OPTIONAL {{ ?f gvc:shareExact ?share }} }}"""
MEMBERSHIP_Q = f"""PREFIX org: <{ORG}>
SELECT ?m ?c WHERE {{ ?f a org:Membership ; org:member ?m ; org:organization ?c }}"""
GOVERNANCE_Q = f"""PREFIX gvc: <{GVC}> PREFIX skos: <{SKOS}>
SELECT ?unit ?code WHERE {{ ?a a gvc:GovernanceAssessment ; gvc:assessedUnit ?unit ;
  gvc:governanceType/skos:notation ?code }}"""


class Network:
    """The networks the analyses need, read from the rdflib dataset with SPARQL."""

    def __init__(self, ds: Dataset):
        edges = [(key(s), key(b)) for s, b in ds.query(SUPPLY_Q)]
        self.supply = nx.DiGraph()
        self.supply.add_nodes_from(sorted({x for e in edges for x in e}))
        self.supply.add_edges_from(edges)
        self.ownership = nx.DiGraph()
        for o, d, share in ds.query(OWNERSHIP_Q):
            if share is not None:
                self.ownership.add_edge(key(o), key(d), share=float(share) / 100.0)
        self.members: dict[str, set[str]] = {}
        for m, c in ds.query(MEMBERSHIP_Q):
            self.members.setdefault(key(m), set()).add(key(c))
        self.governance: dict[str, set[str]] = {}
        for unit, code in ds.query(GOVERNANCE_Q):
            self.governance.setdefault(key(unit), set()).add(str(code))


def lead_firms(supply: nx.DiGraph) -> list[str]:
    """Buyers that sell to nobody."""
    return sorted(n for n in supply if supply.in_degree(n) > 0 and supply.out_degree(n) == 0)


def tier_depth(supply: nx.DiGraph, leads: list[str]) -> list[tuple[str, int, int]]:
    """(lead firm, number of suppliers upstream, deepest tier) per lead firm."""
    up = supply.reverse(copy=False)
    out = []
    for lead in leads:
        dist = nx.single_source_shortest_path_length(up, lead)
        out.append((lead, len(dist) - 1, max(dist.values())))
    return out


def ultimate_controller(ownership: nx.DiGraph) -> Callable[[str], str | None]:
    """A function giving each node's ultimate controller (itself when nobody controls it,
    None inside a control cycle), following majority holdings (> 50%) up."""
    parent = {d: o for o, d, s in ownership.edges(data="share") if s is not None and s > 0.5}
    memo: dict[str, str | None] = {}

    def top(x: str) -> str | None:
        path, seen = [], set()
        while x in parent and x not in memo:
            if x in seen:  # a control cycle
                for y in path:
                    memo[y] = None
                return None
            seen.add(x)
            path.append(x)
            x = parent[x]
        result = memo.get(x, x)
        for y in path:
            memo[y] = result
        return result

    return top


def captive_chains(net: Network, leads: list[str]) -> list[tuple[str, str, str, int]]:
    """(supplier, buyer, lead firm, position) of each captive link on a chain to a lead."""
    supply = net.supply
    top = ultimate_controller(net.ownership)
    captive = nx.DiGraph()
    for s, b in supply.edges:
        k = supply.out_degree(s)
        dep = min(max((100.0 / k - 10.0) / 65.0, 0.0), 1.0)
        codes: set[str] = set()
        for c in net.members.get(s, ()):
            codes |= net.governance.get(c, set())
        if not codes:
            continue  # the buyer count alone is not evidence enough
        asserted = 1.0 if codes & CAPTIVE_CODES else 0.0
        score = (W_DEPENDENCE_BY_BUYERS * dep + W_ASSERTED * asserted) / (
            W_DEPENDENCE_BY_BUYERS + W_ASSERTED
        )
        same_group = top(s) is not None and top(s) == top(b)
        if score >= CAPTIVE_THRESHOLD and not same_group:
            captive.add_edge(s, b)
    # nearest lead firm over captive links (multi-source breadth-first search)
    dist: dict[str, int] = {}
    lead_of: dict[str, str] = {}
    queue = deque()
    for lead in leads:
        if lead in captive:
            dist[lead], lead_of[lead] = 0, lead
            queue.append(lead)
    while queue:
        x = queue.popleft()
        for s in captive.predecessors(x):
            if s not in dist:
                dist[s], lead_of[s] = dist[x] + 1, lead_of[x]
                queue.append(s)
    return [(s, b, lead_of[b], dist[b] + 1) for s, b in captive.edges if b in dist]


def integrated_ownership(ownership: nx.DiGraph) -> dict[tuple[str, str], float]:
    """Integrated ownership as the series A + A^2 + ... (until the terms vanish)."""
    nodes = list(ownership)
    a = nx.to_scipy_sparse_array(ownership, nodelist=nodes, weight="share", format="csr")
    total = a.copy()
    term = a
    for _ in range(200):
        term = term @ a
        term.data[term.data < 1e-12] = 0.0
        term.eliminate_zeros()
        if term.nnz == 0:
            break
        total = total + term
    coo = total.tocoo()
    return {
        (nodes[i], nodes[j]): float(x)
        for i, j, x in zip(coo.row, coo.col, coo.data, strict=True)
        if i != j
    }


def draw_map(supply: nx.DiGraph, path: Path) -> None:
    """The supply network as a pyvis HTML map (vis-network inlined)."""
    from pyvis.network import Network as PyvisNetwork

    net = PyvisNetwork(height="800px", width="100%", directed=True, cdn_resources="in_line")
    net.from_nx(supply.copy())  # from_nx changes the graph it is given
    net.write_html(str(path), open_browser=False, notebook=False)


# ---------------------------------------------------------------------------------- running


class Session:
    """Runs the steps in order, measuring each; a failed or timed-out step is recorded."""

    def __init__(self, timeout: float | None):
        self.timeout = timeout
        self.steps: list[dict[str, Any]] = []

    def run(
        self, key: str, name: str, fn: Callable[[], Any], describe: Callable[[Any], dict]
    ) -> Any:
        """Run ``fn`` as step ``key``; returns its result (None when it failed)."""
        record: dict[str, Any] = {"key": key, "step": name, "status": "ok", "result": {}}
        meter = StepMeter(timeout=self.timeout)
        value = None
        try:
            with meter:
                value = fn()
        except StepTimeout:
            record["status"] = "timeout"
        except Exception as exc:  # recorded, the next steps still run
            record["status"] = "error"
            record["error"] = f"{type(exc).__name__}: {exc}"[:500]
        record.update(seconds=meter.seconds, peak_mb=meter.peak_mb, peak_scope=meter.peak_scope)
        if record["status"] == "ok":
            with no_timeout():
                record["result"] = describe(value)
        self.steps.append(record)
        return value


def main(argv: list[str] | None = None) -> None:
    """Run the baseline as the config says; print the steps as JSON."""
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--config", type=Path, required=True)
    args = ap.parse_args(argv)
    cfg = json.loads(args.config.read_text())
    results = Path(cfg["results"])
    results.mkdir(parents=True, exist_ok=True)
    session = Session(cfg.get("step_timeout"))
    ds = Dataset(default_union=True)
    session.run(
        "ingest-context",
        "ingest: ontology and context (N-Quads)",
        lambda: load_context(ds, cfg["ontology"], cfg["context_nq"]),
        lambda _: {"quads": len(ds)},
    )
    added = session.run(
        "ingest-edgelist",
        "ingest: edge list",
        lambda: load_edgelist(ds, Path(cfg["csv"]), cfg["source_id"]),
        lambda n: {"triples": n},
    )
    onto = URIRef(f"{GRAPH}ontology")
    triples = {
        "edgelist": added,
        "outside_ontology": sum(len(g) for g in ds.graphs() if g.identifier != onto),
    }
    for name, text in cfg["queries"].items():
        session.run(
            f"query:{name}",
            f"query {name}",
            lambda t=text: list(ds.query(t)),
            lambda r: {"rows": len(r)},
        )
    net = session.run(
        "projection",
        "projection: SPARQL into networkx graphs",
        lambda: Network(ds),
        lambda n: {
            "supply_nodes": n.supply.number_of_nodes(),
            "supply_edges": n.supply.number_of_edges(),
            "ownership_edges": n.ownership.number_of_edges(),
        },
    )
    if net is None:
        print(json.dumps({"steps": session.steps, "triples": triples}))
        return
    k = min(int(cfg["betweenness_k"]), net.supply.number_of_nodes())
    pr = session.run(
        "pagerank", "PageRank", lambda: nx.pagerank(net.supply), lambda r: {"nodes": len(r)}
    )
    bc = session.run(
        "betweenness",
        f"betweenness, sampled (k={k})",
        lambda: nx.betweenness_centrality(net.supply, k=k, seed=int(cfg["seed"])),
        lambda r: {"nonzero": sum(1 for x in r.values() if x > 0)},
    )
    depth = session.run(
        "tiers",
        "tier depth, all lead firms",
        lambda: tier_depth(net.supply, lead_firms(net.supply)),
        lambda r: {"leads": len(r), "max_tier": max((t for _, _, t in r), default=0)},
    )
    cap = session.run(
        "captive",
        "captive chains (with ultimate controllers)",
        lambda: captive_chains(net, lead_firms(net.supply)),
        lambda r: {"links": len(r)},
    )
    own = session.run(
        "ownership",
        "integrated ownership",
        lambda: integrated_ownership(net.ownership),
        lambda r: {"pairs": len(r)},
    )
    session.run(
        "map",
        "map (pyvis, whole supply network)",
        lambda: draw_map(net.supply, results / "map.html"),
        lambda _: {"bytes": (results / "map.html").stat().st_size},
    )
    t0 = time.perf_counter()
    _write_results(results, net, pr, bc, depth, cap, own)
    print(
        json.dumps(
            {
                "steps": session.steps,
                "triples": triples,
                "write_results_s": time.perf_counter() - t0,
            }
        )
    )


def _write_results(
    folder: Path, net: Network, pr: Any, bc: Any, depth: Any, cap: Any, own: Any
) -> None:
    """The analyses' results as CSV files, for the cross-check with gvcgraph."""
    if pr is not None and bc is not None:
        with (folder / "centrality.csv").open("w", newline="") as f:
            w = csv.writer(f)
            w.writerow(["node", "pagerank", "betweenness"])
            w.writerows((n, pr[n], bc[n]) for n in net.supply)
    tables = {
        "tiers.csv": (["lead_firm", "suppliers", "max_tier"], depth),
        "captive.csv": (["supplier", "buyer", "lead_firm", "chain_tier"], cap),
        "ownership.csv": (
            ["owner", "owned", "share"],
            [(o, d, x * 100.0) for (o, d), x in own.items()] if own is not None else None,
        ),
    }
    for name, (header, rows) in tables.items():
        if rows is None:
            continue
        with (folder / name).open("w", newline="") as f:
            w = csv.writer(f)
            w.writerow(header)
            w.writerows(rows)


if __name__ == "__main__":
    main()
