"""The knowledge graph: an RDF dataset in embedded Oxigraph, one named graph per source.

Why Oxigraph (pyoxigraph): it loads and queries 10 to 60 times faster than rdflib's memory
store with a quarter of the memory (see shared/research/perf-baseline.md), stores on disk
(RocksDB) as well as in memory, and applies every SPARQL update in one transaction. rdflib
stays the toolkit for parsing case studies, SHACL (pySHACL) and serialisations.

Layout of the dataset:

* ``graph/source/<id>``: the facts coded from one source document (replaced on re-ingest);
* ``graph/derived``: shortcut edges (``gvc:suppliesTo``, ``gvc:directlyOwnedBy``, ...),
  rematerialised from the source graphs by the SPARQL rules in ``graph/rules/*.ru`` inside the
  same transaction as every change;
* ``graph/ontology``: the ontology and SKOS schemes, so that queries can use labels;
* ``graph/analysis/<name>``: analysis results written back on request.

Queries see the union of all named graphs as their default graph.

Atomicity: an ingest is validated completely before anything is written. In memory, the
removal of the old source graph, the insertion of the new one and the recomputation of the
derived graph are one SPARQL update, which Oxigraph applies in a single transaction. On disk,
every write goes to a private copy of the current version that is published by one atomic
file replacement (:mod:`gvcgraph.graph.storedir`): a write completes or leaves the store
exactly as it was, even when the process is killed, and readers in other processes see the old
or the new version, never a mix.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import io
import threading
from collections.abc import Iterable, Iterator, Mapping
from decimal import Decimal
from importlib import resources
from pathlib import Path
from typing import Any

import pandas as pd
import pyoxigraph as ox
from rdflib import Graph
from rdflib import Literal as RLiteral
from rdflib.term import BNode as RBNode
from rdflib.term import Node
from rdflib.term import URIRef as RURIRef

from gvcgraph.graph.storedir import (
    CACHE_SUFFIX,
    Snapshot,
    StoreDirectory,
    StoreLayoutError,
    WriteSession,
)
from gvcgraph.ingest.errors import InputError, Problem
from gvcgraph.ontology import terms

XSD = "http://www.w3.org/2001/XMLSchema#"
_INTEGER_TYPES = {
    XSD + t
    for t in (
        "integer",
        "int",
        "long",
        "short",
        "nonNegativeInteger",
        "positiveInteger",
        "nonPositiveInteger",
        "negativeInteger",
        "unsignedInt",
        "unsignedLong",
        "byte",
        "unsignedShort",
    )
}
_FLOAT_TYPES = {XSD + "decimal", XSD + "double", XSD + "float"}


BULK_LOAD_BYTES = 4 * 2**20
"""On disk, source graphs larger than this (as N-Triples) are written with the bulk loader."""


class StoreError(Exception):
    """A store that cannot be opened or used (in use by another process, unreadable ...)."""


class QueryError(Exception):
    """A SPARQL query or update that could not be run (syntax error, unknown prefix ...)."""


def _prefix_map() -> dict[str, str]:
    prefixes = {p: str(ns) for p, ns in terms.PREFIXES.items()}
    prefixes["graph"] = str(terms.GRAPH)
    return prefixes


class KnowledgeGraph:
    """A gvcgraph knowledge graph over embedded Oxigraph, in memory or in a directory.

    Parameters
    ----------
    location:
        ``None`` for an in-memory graph, a directory for an on-disk store (created if
        missing), or the URL of a SPARQL server.
    allow_service:
        Let queries use ``SERVICE`` and updates ``LOAD``, which make the store fetch a URL
        (pyoxigraph has an HTTP client). Off by default: a query file from someone else must
        not make gvcgraph contact a server of their choosing.

    Examples
    --------
    >>> kg = KnowledgeGraph()
    >>> kg.ingest(["my-case.yaml"])                          # doctest: +SKIP
    >>> kg.select("SELECT (COUNT(*) AS ?n) WHERE { ?f a gvc:Firm }")  # doctest: +SKIP
    """

    def __init__(self, location: str | Path | None = None, *, allow_service: bool = False):
        self.allow_service = allow_service
        self.url: str | None = None
        self.location: Path | None = None
        self._dir: StoreDirectory | None = None
        self._snapshot: Snapshot | None = None
        self._session: WriteSession | None = None
        self._readers_lock = threading.RLock()
        if isinstance(location, str) and location.startswith(("http://", "https://")):
            from gvcgraph.graph.remote import RemoteStore

            self.url = location
            self.store = RemoteStore(location)
        else:
            self.location = Path(location) if location is not None else None
            try:
                if self.location is None:
                    self.store = ox.Store()
                else:
                    self._dir = StoreDirectory(self.location)
                    self._snapshot = self._dir.open_snapshot()
                    self.store = self._snapshot.store
                    self._dir.collect_garbage()
            except OSError as exc:
                raise StoreError(_store_open_message(self.location, exc)) from None
        self._prefixes = _prefix_map()
        if self.url is None or not self.store.read_only:  # not on a read-only SPARQL server
            self._ensure_ontology()

    # ------------------------------------------------------------------ construction
    _default: KnowledgeGraph | None = None

    @classmethod
    def default(cls, fresh: bool = False) -> KnowledgeGraph:
        """The embedded default graph: the bundled case studies, in memory.

        The bundled files are validated (SHACL included) by the test suite, so here they are
        only checked structurally, which keeps start-up under a second or two.
        """
        if cls._default is None or fresh:
            kg = cls()
            files = bundled_casestudies()
            if files:
                kg.ingest(files, shacl=False)
            if fresh:
                return kg
            cls._default = kg
        return cls._default

    def _ensure_ontology(self) -> None:
        files = terms.ontology_files()
        digest = hashlib.sha256()
        for path in files:
            digest.update(path.read_bytes())
        version = digest.hexdigest()
        graph = ox.NamedNode(str(terms.ONTOLOGY_GRAPH))
        marker = ox.Quad(
            graph, ox.NamedNode("http://purl.org/dc/terms/hasVersion"), ox.Literal(version), graph
        )
        if marker in self.store:
            return
        if self._dir is not None and self._session is None:
            # A reader must not wait for a long ingest to refresh the ontology: try the write
            # lock without waiting, and read with the ontology as it is if it is busy.
            try:
                with self.writing(timeout=0):
                    self._ensure_ontology()
            except StoreError:
                pass
            return
        data = io.BytesIO()
        for path in files:
            data.write(path.read_bytes())
            data.write(b"\n")
        # One transaction: drop the old ontology graph, load the new one with its marker.
        nt = _to_ntriples_bytes(data.getvalue())
        update = (
            f"DROP SILENT GRAPH <{graph.value}> ;\n"
            f"INSERT DATA {{ GRAPH <{graph.value}> {{\n{nt}\n"
            f'<{graph.value}> <http://purl.org/dc/terms/hasVersion> "{version}" .\n}} }}'
        )
        self._update(update)

    # ------------------------------------------------------------------ writing
    def ingest(self, paths: Iterable[str | Path], shacl: bool = True) -> list[Problem]:
        """Validate case-study files and load each into its own named graph.

        Every file is read and validated first; if any has an error, :class:`InputError` is
        raised with every problem of every file and nothing is written. Ingesting a source
        again replaces its graph. Returns the warnings.
        """
        graphs, warnings = read_sources(paths, shacl=shacl)
        self.replace_sources(graphs)
        return warnings

    def replace_sources(self, graphs: Mapping[str, Graph]) -> None:
        """Replace (or add) source graphs and rematerialise the derived graph, atomically.

        On disk the graphs are loaded into the write's private copy with Oxigraph's loader
        (bulk above :data:`BULK_LOAD_BYTES`), which is much faster than one ``INSERT DATA``
        update for large files; elsewhere the whole change is one SPARQL update.
        """
        if self._dir is not None:
            with self.writing() as store:
                for source_id, graph in graphs.items():
                    iri = terms.source_graph(source_id)
                    store.update(f"DROP SILENT GRAPH <{iri}>")
                    data = _graph_to_ntriples(graph).encode("utf-8")
                    load = store.bulk_load if len(data) > BULK_LOAD_BYTES else store.load
                    load(data, format=ox.RdfFormat.N_TRIPLES, to_graph=ox.NamedNode(iri))
                self.rederive()
            return
        parts = []
        for source_id, graph in graphs.items():
            iri = terms.source_graph(source_id)
            parts.append(f"DROP SILENT GRAPH <{iri}>")
            parts.append(f"INSERT DATA {{ GRAPH <{iri}> {{\n{_graph_to_ntriples(graph)}\n}} }}")
        parts.extend(derive_updates())
        self._update(" ;\n".join(parts))

    def remove_source(self, source_id: str) -> None:
        """Remove one source's graph and rematerialise the derived graph, atomically."""
        iri = terms.source_graph(source_id)
        if not self.store.contains_named_graph(ox.NamedNode(iri)):
            raise StoreError(
                f"no source {source_id!r} in this graph; "
                f"sources: {', '.join(self.source_ids()) or '(none)'}"
            )
        self._update(" ;\n".join([f"DROP GRAPH <{iri}>", *derive_updates()]))

    def replace_graph(self, graph_iri: str, graph: Graph) -> None:
        """Replace the content of one named graph (e.g. analysis results), atomically."""
        self._update(
            f"DROP SILENT GRAPH <{graph_iri}> ;\n"
            f"INSERT DATA {{ GRAPH <{graph_iri}> {{\n{_graph_to_ntriples(graph)}\n}} }}"
        )

    def rederive(self) -> None:
        """Rematerialise the derived graph from the source graphs."""
        self._update(" ;\n".join(derive_updates()))

    def update(self, update: str) -> None:
        """Run a SPARQL update as one atomic write (on disk: a new version of the store).

        The derived graph is not rematerialised: follow with :meth:`rederive` in the same
        :meth:`writing` block, or put ``derive_updates()`` in the same update text.
        """
        self._refuse_fetching(update)
        with self.writing() as store:
            try:
                store.update(update, prefixes=self._prefixes)
            except SyntaxError as exc:
                raise QueryError(f"SPARQL update syntax error: {exc}") from None
            except OSError as exc:
                raise StoreError(f"the store could not be written: {exc}") from None
            except RuntimeError as exc:  # pyoxigraph's errors of evaluation (LOAD failing ...)
                raise QueryError(f"the update failed: {exc}") from None

    def _refuse_fetching(self, sparql: str) -> None:
        """Refuse SPARQL text that would make the store fetch a URL (unless allowed) or that
        would crash the engine (nesting and operator chains deep enough to overflow its
        stack: :func:`gvcgraph.queries.library.check_sparql`)."""
        from gvcgraph.graph.sparql_scan import network_operations
        from gvcgraph.queries.library import check_sparql

        check_sparql(sparql)
        found = network_operations(sparql) if not self.allow_service else []
        if found:
            raise QueryError(
                f"{' and '.join(found)} would make gvcgraph fetch a URL named in the query; "
                "refused (a query from someone else must not contact servers of their "
                "choosing). Run it where fetching is intended, with KnowledgeGraph(..., "
                "allow_service=True)"
            )

    @contextlib.contextmanager
    def writing(self, timeout: float | None = None) -> Iterator[Any]:
        """A block whose writes are published together, or not at all; yields the store.

        On disk the block works on a private copy of the current version, published when the
        block ends normally and discarded when it raises (or the process dies): the store is
        then exactly as before, and other processes read the old version until the switch.
        Inside the block, :attr:`store` is the copy, so reads see the block's own writes, and
        the copy may be written without transactions (``bulk_extend``, ``bulk_load``). Blocks
        nest: an inner block joins the outer one. In memory and on a remote store each update
        is its own transaction and the block only groups them.

        Parameters
        ----------
        timeout:
            Seconds to wait for another process that is writing the same store (default:
            ``$GVCGRAPH_LOCK_TIMEOUT`` or 600); then :class:`StoreError`.
        """
        if self._dir is None or self._session is not None:
            yield self.store
            return
        try:
            session = self._dir.begin_write(timeout)
        except OSError as exc:
            raise StoreError(_store_open_message(self.location, exc)) from None
        self._session, previous = session, self.store
        self.store = session.store
        try:
            yield session.store
        except BaseException:
            self._session, self.store = None, previous
            self._dir.abort(session)
            raise
        self._session = None
        try:
            self._dir.commit(session)
        except OSError as exc:
            self.store = previous
            raise StoreError(f"the store {self.location} could not be written: {exc}") from None
        self._reopen()

    _update = update

    def _reopen(self) -> None:
        """Read the current version (after a write, or when another process published one).

        The version read until now is closed at once, or, if :meth:`reading` blocks still use
        it, when the last of them ends.
        """
        assert self._dir is not None
        with self._readers_lock:
            old = self._snapshot
            self.store = None
            try:
                self._snapshot = self._dir.open_snapshot()
            except OSError as exc:
                self._snapshot = old
                self.store = old.store if old is not None else None
                raise StoreError(_store_open_message(self.location, exc)) from None
            self.store = self._snapshot.store
            if old is not None:
                old.retired = True
                if old.users == 0:
                    old.close()
        self._dir.collect_garbage()

    @contextlib.contextmanager
    def reading(self) -> Iterator[Any]:
        """The store of the current version, kept whole for the length of the block.

        For long-running readers that serve requests from several threads (``gvcgraph
        serve``): the block first moves to the newest published version (:meth:`refresh`),
        and a version is closed only when no block uses it any more, so a query that started
        on one version finishes on it while a writer publishes the next.
        """
        if self._dir is None or self._session is not None:
            yield self.store
            return
        with self._readers_lock:
            with contextlib.suppress(StoreError):  # unreadable newer version: keep this one
                self.refresh()
            snap = self._snapshot
            assert snap is not None
            snap.users += 1
        try:
            yield snap.store
        finally:
            with self._readers_lock:
                snap.users -= 1
                if snap.retired and snap.users == 0:
                    snap.close()

    @property
    def version(self) -> str | None:
        """The on-disk version this graph reads (``v000007``); None in memory or remote."""
        return self._snapshot.version if self._snapshot is not None else None

    def cache_dir(self) -> Path | None:
        """A folder for what is computed from the version this graph reads, or None.

        ``<store>/<version>.cache``: a published version never changes, so what was computed
        from it stays valid until the version is deleted, and the folder is deleted with it
        (:meth:`StoreDirectory.collect_garbage`). None in memory, on a remote store and inside
        a write (the copy being written is not a version yet).
        """
        if self._dir is None or self._session is not None or self.version is None:
            return None
        return self._dir.path / f"{self.version}{CACHE_SUFFIX}"

    def refresh(self) -> bool:
        """Move to the store's current version if another process published a newer one.

        Long-running readers (``gvcgraph serve``) call it between requests; each request then
        sees one whole version. Returns whether the graph moved.
        """
        if self._dir is None or self._session is not None or self.store is None:
            return False
        with self._readers_lock:
            if self._dir.head() == self.version:
                return False
            self._reopen()
            return True

    # ------------------------------------------------------------------ reading
    def query(self, sparql: str, bindings: Mapping[str, Any] | None = None) -> Any:
        """Run any SPARQL query over the union of all graphs; returns pyoxigraph results."""
        if bindings:
            sparql = with_values(sparql, bindings)
        self._refuse_fetching(sparql)
        try:
            return self.store.query(
                sparql, prefixes=self._prefixes, use_default_graph_as_union=True
            )
        except SyntaxError as exc:
            raise QueryError(f"SPARQL syntax error: {exc}") from None
        except (OSError, RuntimeError) as exc:
            raise QueryError(f"the query failed: {exc}") from None

    def select(self, sparql: str, bindings: Mapping[str, Any] | None = None) -> pd.DataFrame:
        """Run a SELECT query; a DataFrame with one column per variable.

        IRIs become strings, numeric and boolean literals Python numbers and booleans,
        ``xsd:date`` literals :class:`datetime.date`, other literals strings; unbound is None.
        """
        result = self.query(sparql, bindings)
        if not isinstance(result, ox.QuerySolutions):
            raise QueryError("expected a SELECT query")
        names = [v.value for v in result.variables]
        rows = [[python_value(sol[name]) for name in names] for sol in result]
        return pd.DataFrame(rows, columns=names)

    def ask(self, sparql: str, bindings: Mapping[str, Any] | None = None) -> bool:
        """Run an ASK query."""
        result = self.query(sparql, bindings)
        if not isinstance(result, ox.QueryBoolean):
            raise QueryError("expected an ASK query")
        return bool(result)

    def construct(self, sparql: str, bindings: Mapping[str, Any] | None = None) -> Graph:
        """Run a CONSTRUCT or DESCRIBE query into an rdflib Graph."""
        result = self.query(sparql, bindings)
        if not isinstance(result, ox.QueryTriples):
            raise QueryError("expected a CONSTRUCT or DESCRIBE query")
        data = ox.serialize(result, format=ox.RdfFormat.N_TRIPLES)
        g = Graph()
        for prefix, ns in terms.PREFIXES.items():
            g.bind(prefix, str(ns))
        if data:
            g.parse(data=data.decode("utf-8"), format="nt")
        return g

    def source_ids(self) -> list[str]:
        """Ids of the sources in the graph, sorted."""
        prefix = terms.source_graph("")
        return sorted(
            g.value[len(prefix) :]
            for g in self.store.named_graphs()
            if isinstance(g, ox.NamedNode) and g.value.startswith(prefix)
        )

    def sources(self) -> pd.DataFrame:
        """One row per source: id, title, year, type, file and number of triples."""
        df = self.select("""
            SELECT ?source ?title ?year ?type ?file (COUNT(*) AS ?triples) WHERE {
              GRAPH ?g { ?doc a gvc:SourceDocument ; gvc:sourceId ?source ; dct:title ?title .
                         OPTIONAL { ?doc dct:issued ?year } OPTIONAL { ?doc gvc:fileName ?file }
                         OPTIONAL { ?doc gvc:sourceType ?t } }
              OPTIONAL { ?t skos:notation ?type }
              GRAPH ?g { ?s ?p ?o }
            } GROUP BY ?source ?title ?year ?type ?file ORDER BY ?source""")
        return df

    def counts_by_class(self, source: str | None = None) -> pd.DataFrame:
        """Number of instances per source and class (gvc: and org: classes), sorted."""
        bindings = {"g": RURIRef(terms.source_graph(source))} if source else None
        return self.select(
            """
            SELECT ?source ?class (COUNT(DISTINCT ?s) AS ?count) WHERE {
              GRAPH ?g { ?s a ?c . ?doc a gvc:SourceDocument ; gvc:sourceId ?source }
              FILTER(STRSTARTS(STR(?c), STR(gvc:)) || ?c = org:Membership)
              BIND(REPLACE(REPLACE(STR(?c), STR(gvc:), "gvc:"), STR(org:), "org:") AS ?class)
            } GROUP BY ?source ?class ORDER BY ?source ?class""",
            bindings,
        )

    def close(self) -> None:
        """Release an on-disk store so that another process can open it.

        Python may keep the object alive for a while (a traceback in a reference cycle), so
        code that opens a store for a short task should close it, or use ``with``. An in-memory
        graph stays usable: closing it does nothing.
        """
        if self.location is not None:
            self.store = None  # type: ignore[assignment]
            if self._snapshot is not None:
                self._snapshot.close()
                self._snapshot = None

    def __enter__(self) -> KnowledgeGraph:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __len__(self) -> int:
        return len(self.store)

    def dump(self, fmt: str, include_ontology: bool = False) -> bytes:
        """Serialise the graph: ``nq`` and ``trig`` keep the named graphs; ``ttl``, ``nt`` and
        ``jsonld`` give the union of the source, derived and analysis graphs."""
        graphs = [
            g
            for g in self.store.named_graphs()
            if include_ontology or g.value != str(terms.ONTOLOGY_GRAPH)
        ]
        if fmt in ("nq", "trig"):
            out = ox.Dataset()
            for graph in graphs:
                for q in self.store.quads_for_pattern(None, None, None, graph):
                    out.add(q)
            form = ox.RdfFormat.N_QUADS if fmt == "nq" else ox.RdfFormat.TRIG
            return (
                ox.serialize(out, format=form, prefixes=self._prefixes)
                if fmt == "trig"
                else ox.serialize(out, format=form)
            )
        triples = {
            ox.Triple(q.subject, q.predicate, q.object)
            for graph in graphs
            for q in self.store.quads_for_pattern(None, None, None, graph)
        }
        if fmt == "jsonld":
            g = Graph()
            g.parse(
                data=ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES).decode("utf-8"),
                format="nt",
            )
            context = {p: str(ns) for p, ns in terms.PREFIXES.items()}
            return g.serialize(format="json-ld", context=context, auto_compact=True).encode("utf-8")
        form = {"ttl": ox.RdfFormat.TURTLE, "nt": ox.RdfFormat.N_TRIPLES}[fmt]
        if fmt == "ttl":
            return ox.serialize(sorted(triples, key=str), format=form, prefixes=self._prefixes)
        return ox.serialize(sorted(triples, key=str), format=form)


def read_sources(
    paths: Iterable[str | Path], shacl: bool = True
) -> tuple[dict[str, Graph], list[Problem]]:
    """Read and validate case-study files without touching any store.

    Returns the RDF graph of each source (by source id) and the warnings; raises
    :class:`InputError` with every problem of every file if any file has an error.
    """
    from gvcgraph.ingest.casestudy import read_casestudy

    results = [read_casestudy(p, shacl=shacl) for p in paths]
    problems = [p for r in results for p in r.problems]
    seen: dict[str, Path] = {}
    for r in results:
        if r.casestudy is None:
            continue
        sid = r.casestudy.source_id
        if sid in seen:
            problems.append(
                Problem(
                    str(r.path),
                    None,
                    "source",
                    "source.id",
                    f"source id {sid!r} is also the id of {seen[sid]}; "
                    "each file needs its own source id",
                )
            )
        seen[sid] = r.path
    if any(p.severity == "error" for p in problems) or any(not r.ok for r in results):
        raise InputError(problems)
    graphs = {
        r.casestudy.source_id: r.graph
        for r in results  # type: ignore[union-attr]
        if r.graph is not None
    }
    return graphs, [p for p in problems if p.severity == "warning"]


def bundled_casestudies() -> list[Path]:
    """The case-study files of the embedded default graph."""
    folder = Path(str(resources.files("gvcgraph") / "casestudies"))
    return sorted(folder.glob("*.yaml"))


def derive_updates() -> list[str]:
    """The SPARQL updates that rematerialise the derived graph (``graph/rules/*.ru``)."""
    folder = resources.files("gvcgraph.graph") / "rules"
    rules = sorted((p for p in folder.iterdir() if p.name.endswith(".ru")), key=lambda p: p.name)
    return [
        f"DROP SILENT GRAPH <{terms.DERIVED_GRAPH}>",
        *(p.read_text("utf-8").strip() for p in rules),
    ]


PARAMS_MARKER = "# @params"
"""A comment line in a query's ``WHERE`` group where :func:`with_values` puts the bindings."""


def with_values(sparql: str, bindings: Mapping[str, Any]) -> str:
    """Bind variables with a SPARQL ``VALUES`` block of RDF terms.

    The values are RDF terms serialised by pyoxigraph (IRIs in ``<>``, literals quoted and
    escaped), never user text pasted into the query, so a value cannot change the query's
    structure. The block replaces the query's ``# @params`` line when it has one: inside the
    ``WHERE`` group, so that ``FILTER`` sees the values. Otherwise it is appended after the
    query, where it is joined with the results of the whole query (SPARQL 1.1, 18.2.4.3).
    """
    names = list(bindings)
    for name in names:
        if not name.isidentifier():
            raise QueryError(f"invalid parameter name {name!r}")
    row = " ".join(str(to_oxigraph_term(bindings[n])) for n in names)
    block = f"VALUES ({' '.join('?' + n for n in names)}) {{ ({row}) }}"
    lines = sparql.splitlines()
    for i, line in enumerate(lines):
        if line.strip() == PARAMS_MARKER:
            lines[i] = line[: len(line) - len(line.lstrip())] + block
            return "\n".join(lines) + "\n"
    return f"{sparql}\n{block}"


def _graph_to_ntriples(graph: Graph) -> str:
    return graph.serialize(format="nt")


def _to_ntriples_bytes(turtle: bytes) -> str:
    quads = ox.parse(turtle, format=ox.RdfFormat.TURTLE)
    return ox.serialize(
        [ox.Triple(q.subject, q.predicate, q.object) for q in quads], format=ox.RdfFormat.N_TRIPLES
    ).decode("utf-8")


def python_value(term: Any) -> Any:
    """A pyoxigraph term as a plain Python value (see :meth:`KnowledgeGraph.select`)."""
    if term is None:
        return None
    if isinstance(term, ox.NamedNode):
        return term.value
    if isinstance(term, ox.BlankNode):
        return f"_:{term.value}"
    if isinstance(term, ox.Literal):
        dtype = term.datatype.value
        try:
            if dtype in _INTEGER_TYPES:
                return int(term.value)
            if dtype in _FLOAT_TYPES:
                return float(term.value)
            if dtype == XSD + "boolean":
                return term.value in ("true", "1")
            if dtype == XSD + "date":
                return dt.date.fromisoformat(term.value)
        except ValueError:
            return term.value
        return term.value
    return str(term)


def to_oxigraph_term(value: Any) -> Any:
    """A Python value or rdflib term as a pyoxigraph term, for query bindings."""
    if isinstance(value, (ox.NamedNode, ox.Literal, ox.BlankNode)):
        return value
    if isinstance(value, RURIRef):
        return ox.NamedNode(str(value))
    if isinstance(value, RBNode):
        return ox.BlankNode(str(value))
    if isinstance(value, RLiteral):
        if value.language:
            return ox.Literal(str(value), language=value.language)
        if value.datatype:
            return ox.Literal(str(value), datatype=ox.NamedNode(str(value.datatype)))
        return ox.Literal(str(value))
    if isinstance(value, bool):
        return ox.Literal("true" if value else "false", datatype=ox.NamedNode(XSD + "boolean"))
    if isinstance(value, int):
        return ox.Literal(str(value), datatype=ox.NamedNode(XSD + "integer"))
    if isinstance(value, (float, Decimal)):
        return ox.Literal(str(value), datatype=ox.NamedNode(XSD + "decimal"))
    if isinstance(value, dt.date):
        return ox.Literal(value.isoformat(), datatype=ox.NamedNode(XSD + "date"))
    if isinstance(value, Node):
        return ox.Literal(str(value))
    return ox.Literal(str(value))


def _store_open_message(location: Path | None, exc: OSError) -> str:
    if isinstance(exc, StoreLayoutError):
        return str(exc)
    return f"cannot open the store {location}: {exc}"
