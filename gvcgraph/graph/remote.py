"""A SPARQL 1.1 server as the graph store, for graphs that outgrow a laptop.

:class:`RemoteStore` implements the part of the :class:`pyoxigraph.Store` interface that
:class:`~gvcgraph.graph.store.KnowledgeGraph` uses (``query``, ``update``, ``named_graphs``,
``contains_named_graph``, ``quads_for_pattern``, ``quad in store``, ``len(store)``) over the
`SPARQL 1.1 Protocol <https://www.w3.org/TR/sparql11-protocol/>`_, plus loading through the
`SPARQL 1.1 Graph Store Protocol <https://www.w3.org/TR/sparql11-http-rdf-update/>`_. It
returns pyoxigraph objects, so the rest of the package cannot tell it from the embedded store:
``SELECT`` and ``ASK`` results are :func:`pyoxigraph.parse_query_results` of the server's
SPARQL JSON, ``CONSTRUCT`` and ``DESCRIBE`` results a :class:`pyoxigraph.QueryTriples`.

The store URL
-------------
``--store`` (or ``KnowledgeGraph(url)``) takes the URL of the server, with options as URL
query parameters::

    http[s]://[user:password@]host[:port][/path][?option=value&...]

Without options, the URL is a *base URL* laid out like Oxigraph server: queries go to
``<base>/query``, updates to ``<base>/update`` and Graph Store Protocol requests to
``<base>/store``. The options (all optional) are:

``query=``, ``update=``, ``gsp=``
    Where queries, updates and Graph Store Protocol requests go: an absolute URL, a path
    relative to the base URL (``update=statements`` is ``<base>/statements``), ``.`` for the
    base URL itself, or ``none`` (no updates: a read-only endpoint; no Graph Store Protocol:
    loads go through ``INSERT DATA`` updates). Example for Apache Jena Fuseki:
    ``http://localhost:3030/gvc?gsp=data``.
``union=list`` (default), ``union=oxigraph`` or ``union=server``
    How queries see the union of all named graphs as their default graph, as gvcgraph's
    queries expect. ``list``: portable; gvcgraph lists the named graphs and names each as a
    ``default-graph-uri`` and a ``named-graph-uri`` protocol parameter (SPARQL 1.1 Protocol,
    section 2.1.4), which any conforming server honours. ``oxigraph``: sends Oxigraph
    server's ``union-default-graph`` parameter instead (shorter requests when there are many
    sources). ``server``: sends nothing, for servers whose default graph already is the union
    (Fuseki with ``tdb2:unionDefaultGraph true``, Oxigraph started with
    ``--union-default-graph``, GraphDB, Virtuoso, QLever).
``graphs=all`` (default) or ``graphs=gvcgraph``
    Which named graphs belong to the knowledge graph: all of them, or only those under
    gvcgraph's graph namespace (for a server that also holds other data, or Virtuoso's
    system graphs).
``timeout=SECONDS``
    How long to wait for the server (default 120). A server that does not answer in time
    gives a clear error, never a hang.

Any other parameter (an ``access-token`` for QLever, say) is sent with every request.
``user:password@`` in the URL is sent as HTTP Basic authentication and never printed.

Notes
-----
Queries are sent with ``POST`` and ``application/x-www-form-urlencoded`` (Protocol 2.1.2)
so that long queries and long lists of graphs fit; updates with ``POST`` and
``application/sparql-update`` (2.2.2). gvcgraph's predeclared prefixes are sent as ``PREFIX``
lines in front of the text. Syntax errors are reported by the server, in its words.

A whole update request is one transaction on Oxigraph, Fuseki (TDB2), GraphDB and Virtuoso,
so an ingest or a removal either completes or leaves the server as it was. For large loads,
:meth:`RemoteStore.replace_graphs` puts the data into staging graphs with the Graph Store
Protocol (``PUT`` of N-Triples, streamed by the server) and switches them in with one
``MOVE`` update, which keeps that property.

Local hosts (``localhost``, ``127.0.0.0/8``, ``::1``) are reached directly; other hosts
through the proxies named by the usual ``http_proxy`` / ``https_proxy`` / ``no_proxy``
variables.
"""

from __future__ import annotations

import base64
import contextlib
import http.client
import ipaddress
import re
import socket
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import pyoxigraph as ox

from gvcgraph.graph.sparql_scan import query_form
from gvcgraph.graph.store import QueryError, StoreError
from gvcgraph.ontology import terms

DEFAULT_TIMEOUT = 120.0
"""Seconds to wait for the server, unless the URL says ``timeout=``."""

BULK_THRESHOLD = 16 * 1024 * 1024
"""Above this many bytes of N-Triples, :meth:`RemoteStore.replace_graphs` loads through the
Graph Store Protocol instead of one ``INSERT DATA`` update."""

NAMED_GRAPHS_TTL = 5.0
"""Seconds for which the list of named graphs is reused (it is refreshed after every write)."""

_RESULTS_ACCEPT = (
    "application/sparql-results+json, application/sparql-results+xml;q=0.9, "
    "text/tab-separated-values;q=0.8"
)
_RDF_ACCEPT = "application/n-triples, text/turtle;q=0.9, application/rdf+xml;q=0.8"
_EMPTY_GRAPH = "urn:x-gvcgraph:no-graph"
_OPTIONS = ("query", "update", "gsp", "union", "graphs", "timeout")


@dataclass(frozen=True)
class Endpoints:
    """Where a :class:`RemoteStore` sends each kind of request, read from a store URL."""

    query: str
    update: str | None
    gsp: str | None
    params: tuple[tuple[str, str], ...] = ()
    union: str = "list"
    graphs: str = "all"
    timeout: float = DEFAULT_TIMEOUT
    authorization: str | None = None
    base: str = ""

    @property
    def local(self) -> bool:
        """Whether the server is on this machine (reached without a proxy)."""
        host = urllib.parse.urlsplit(self.query).hostname or ""
        if host == "localhost":
            return True
        try:
            return ipaddress.ip_address(host).is_loopback
        except ValueError:
            return False


def parse_store_url(url: str) -> Endpoints:
    """Read a store URL (see the module documentation) into :class:`Endpoints`.

    Raises :class:`~gvcgraph.graph.store.StoreError` for an option with a bad value.

    >>> e = parse_store_url("http://localhost:3030/gvc?gsp=data&union=server")
    >>> e.query, e.update, e.union
    ('http://localhost:3030/gvc/query', 'http://localhost:3030/gvc/update', 'server')
    >>> e.gsp
    'http://localhost:3030/gvc/data'
    """
    parts = urllib.parse.urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise StoreError(f"not an http(s) URL of a SPARQL server: {url!r}")
    netloc = parts.hostname if ":" not in parts.hostname else f"[{parts.hostname}]"
    try:
        port = parts.port
    except ValueError:
        raise StoreError(f"bad port in the store URL {_safe(url)}") from None
    if port is not None:
        netloc += f":{port}"
    base = urllib.parse.urlunsplit((parts.scheme, netloc, parts.path.rstrip("/"), "", ""))
    authorization = None
    if parts.username is not None:
        user = urllib.parse.unquote(parts.username)
        password = urllib.parse.unquote(parts.password or "")
        token = base64.b64encode(f"{user}:{password}".encode()).decode("ascii")
        authorization = f"Basic {token}"
    options: dict[str, str] = {}
    passthrough: list[tuple[str, str]] = []
    for key, value in urllib.parse.parse_qsl(parts.query, keep_blank_values=True):
        if key in _OPTIONS:
            options[key] = value
        else:
            passthrough.append((key, value))
    union = options.get("union", "list")
    if union not in ("list", "oxigraph", "server"):
        raise StoreError(f"union= must be list, oxigraph or server, not {union!r}")
    graphs = options.get("graphs", "all")
    if graphs not in ("all", "gvcgraph"):
        raise StoreError(f"graphs= must be all or gvcgraph, not {graphs!r}")
    try:
        timeout = float(options.get("timeout", DEFAULT_TIMEOUT))
        if not timeout > 0:
            raise ValueError
    except ValueError:
        raise StoreError(
            f"timeout= must be a number of seconds, not {options.get('timeout')!r}"
        ) from None
    query = _resolve(base, options.get("query", "query"))
    if query is None:
        raise StoreError("query=none: a store needs a query endpoint")
    return Endpoints(
        query=query,
        update=_resolve(base, options.get("update", "update")),
        gsp=_resolve(base, options.get("gsp", "store")),
        params=tuple(passthrough),
        union=union,
        graphs=graphs,
        timeout=timeout,
        authorization=authorization,
        base=base,
    )


def _resolve(base: str, value: str) -> str | None:
    if value.lower() == "none":
        return None
    if value in ("", "."):
        return base
    if urllib.parse.urlsplit(value).scheme in ("http", "https"):
        return value
    return f"{base}/{value.lstrip('/')}"


def _safe(url: str) -> str:
    """A URL without its password, for messages."""
    parts = urllib.parse.urlsplit(url)
    if parts.password is None:
        return url
    netloc = parts.netloc.rsplit("@", 1)[1]
    return urllib.parse.urlunsplit(parts._replace(netloc=f"{parts.username}:***@{netloc}"))


def _prologue(prefixes: Mapping[str, str] | None) -> str:
    return "".join(f"PREFIX {p}: <{iri}>\n" for p, iri in (prefixes or {}).items())


_POSITIONS = (
    re.compile(r"(?<=error at )(\d+)(?=:\d+)"),  # Oxigraph: "error at 16:39"
    re.compile(r"(?<=line )(\d+)(?=, column)"),  # Jena: "at line 16, column 39"
)


def _shift_lines(message: str, lines: int) -> str:
    """Line numbers in a server's syntax error, counted from the caller's first line (the
    predeclared PREFIX lines come before it)."""
    if not lines:
        return message
    for pattern in _POSITIONS:
        message = pattern.sub(lambda m: str(max(1, int(m.group()) - lines)), message)
    return message


def _media_type(content_type: str) -> str:
    return content_type.split(";", 1)[0].strip().lower()


def _graph_iri(graph: Any) -> str:
    if isinstance(graph, ox.NamedNode):
        return graph.value
    if isinstance(graph, str):
        return graph
    raise StoreError(f"a remote store addresses named graphs by IRI, not {graph!r}")


class RemoteStore:
    """A SPARQL 1.1 Protocol endpoint with the interface of :class:`pyoxigraph.Store` that
    :class:`~gvcgraph.graph.store.KnowledgeGraph` needs.

    Parameters
    ----------
    url:
        The store URL: a base URL (Oxigraph layout) with options, see the module
        documentation.
    timeout:
        Seconds to wait for the server; overrides ``timeout=`` in the URL.

    Examples
    --------
    >>> store = RemoteStore("http://127.0.0.1:7878")          # doctest: +SKIP
    >>> bool(store.query("ASK { ?s ?p ?o }"))                 # doctest: +SKIP
    True
    """

    def __init__(self, url: str, timeout: float | None = None):
        self.url = url
        self.endpoints = parse_store_url(url)
        self.timeout = timeout if timeout is not None else self.endpoints.timeout
        handlers: list[urllib.request.BaseHandler] = []
        if self.endpoints.local:
            handlers.append(urllib.request.ProxyHandler({}))
        self._opener = urllib.request.build_opener(*handlers)
        self._graphs: tuple[float, list[ox.NamedNode]] | None = None

    def __repr__(self) -> str:
        return f"RemoteStore({_safe(self.url)!r})"

    @property
    def read_only(self) -> bool:
        """True when the URL says ``update=none``."""
        return self.endpoints.update is None

    # ------------------------------------------------------------------ HTTP
    def _request(
        self,
        method: str,
        url: str,
        *,
        body: bytes | None = None,
        content_type: str | None = None,
        accept: str | None = None,
        params: Sequence[tuple[str, str]] = (),
        what: str = "request",
        prologue_lines: int = 0,
    ) -> tuple[bytes, str]:
        query = urllib.parse.urlencode([*self.endpoints.params, *params])
        full = url + (("&" if "?" in url else "?") + query if query else "")
        headers = {"User-Agent": "gvcgraph"}
        if content_type:
            headers["Content-Type"] = content_type
        if accept:
            headers["Accept"] = accept
        if self.endpoints.authorization:
            headers["Authorization"] = self.endpoints.authorization
        request = urllib.request.Request(full, data=body, method=method, headers=headers)
        shown = _safe(url)
        try:
            with self._opener.open(request, timeout=self.timeout) as response:
                return response.read(), response.headers.get("Content-Type", "")
        except urllib.error.HTTPError as exc:
            raise self._http_error(exc, shown, what, prologue_lines) from None
        except urllib.error.URLError as exc:
            reason = exc.reason
            if isinstance(reason, TimeoutError):
                raise self._timeout(shown, what) from None
            raise StoreError(self._unreachable(shown, reason)) from None
        except TimeoutError:
            raise self._timeout(shown, what) from None
        except (http.client.HTTPException, OSError) as exc:
            raise StoreError(self._unreachable(shown, exc)) from None

    def _timeout(self, url: str, what: str) -> QueryError:
        return QueryError(
            f"the SPARQL server at {url} did not answer the {what} within {self.timeout:g} s; "
            "make the query more selective, or wait longer with ?timeout=SECONDS in the "
            "--store URL"
        )

    @staticmethod
    def _unreachable(url: str, reason: object) -> str:
        if isinstance(reason, ConnectionRefusedError):
            why = "connection refused (is the server running, on that host and port?)"
        elif isinstance(reason, socket.gaierror):
            why = "unknown host name"
        elif isinstance(reason, BaseException):
            why = str(reason) or type(reason).__name__
        else:
            why = str(reason)
        return f"cannot reach the SPARQL server at {url}: {why}"

    @staticmethod
    def _http_error(exc: urllib.error.HTTPError, url: str, what: str, lines: int = 0) -> Exception:
        try:
            text = exc.read(4000).decode("utf-8", "replace").strip()
        except (OSError, http.client.HTTPException):
            text = ""
        if "<html" in text[:200].lower():
            text = ""
        detail = f": {text}" if text else ""
        code = exc.code
        if code == 400:
            return SyntaxError(f"the server rejected the {what}{_shift_lines(detail, lines)}")
        if code in (401, 403):
            return StoreError(
                f"the SPARQL server at {url} refused the {what} (HTTP {code}){detail}; give "
                "credentials as http://user:password@host/... or check its access settings"
            )
        if code == 404:
            return StoreError(
                f"no SPARQL endpoint at {url} (HTTP 404); check the --store URL "
                "(see 'Remote stores' in the README for each server's layout)"
            )
        if code in (405, 501):
            return StoreError(
                f"the SPARQL server at {url} does not accept this {what} (HTTP {code}){detail}; "
                "it may be read-only, or the --store URL may point at the wrong endpoint"
            )
        if code in (408, 503, 504):
            return QueryError(
                f"the SPARQL server at {url} gave up on the {what} (HTTP {code}){detail}"
            )
        return QueryError(f"the SPARQL server at {url} failed on the {what} (HTTP {code}){detail}")

    # ------------------------------------------------------------------ queries
    def _dataset_params(
        self,
        use_default_graph_as_union: bool,
        default_graph: Any = None,
        named_graphs: Any = None,
    ) -> list[tuple[str, str]]:
        if default_graph is not None or named_graphs is not None:
            defaults = default_graph if isinstance(default_graph, list) else [default_graph]
            params = [
                ("default-graph-uri", _graph_iri(g))
                for g in defaults
                if g is not None and not isinstance(g, ox.DefaultGraph)
            ]
            params += [("named-graph-uri", _graph_iri(g)) for g in named_graphs or []]
            return params
        if not use_default_graph_as_union:
            return []
        if self.endpoints.union == "oxigraph":
            return [("union-default-graph", "")]
        if self.endpoints.union == "server":
            return []
        graphs = [g.value for g in self.named_graphs()] or [_EMPTY_GRAPH]
        return [("default-graph-uri", g) for g in graphs] + [("named-graph-uri", g) for g in graphs]

    def query(
        self,
        query: str,
        *,
        prefixes: Mapping[str, str] | None = None,
        use_default_graph_as_union: bool = False,
        default_graph: Any = None,
        named_graphs: Any = None,
    ) -> Any:
        """Run a SPARQL query on the server; results as pyoxigraph objects.

        Returns :class:`pyoxigraph.QuerySolutions` (``SELECT``), :class:`pyoxigraph.QueryBoolean`
        (``ASK``) or :class:`pyoxigraph.QueryTriples` (``CONSTRUCT``, ``DESCRIBE``), like
        :meth:`pyoxigraph.Store.query`. Raises :class:`SyntaxError` for a query the server
        rejects as malformed, :class:`~gvcgraph.graph.store.QueryError` for a timeout or a
        server failure and :class:`~gvcgraph.graph.store.StoreError` for an unreachable or
        misconfigured server.
        """
        form = query_form(query)
        if form == "UPDATE":
            raise SyntaxError("this is a SPARQL update, not a query")
        rdf = form in ("CONSTRUCT", "DESCRIBE")
        prologue = _prologue(prefixes)
        params = [
            ("query", prologue + query),
            *self._dataset_params(use_default_graph_as_union, default_graph, named_graphs),
        ]
        body, content_type = self._request(
            "POST",
            self.endpoints.query,
            body=urllib.parse.urlencode(params).encode("utf-8"),
            content_type="application/x-www-form-urlencoded",
            accept=_RDF_ACCEPT if rdf else _RESULTS_ACCEPT,
            what="query",
            prologue_lines=prologue.count("\n"),
        )
        return (
            self._parse_triples(body, content_type)
            if rdf
            else self._parse_results(body, content_type)
        )

    def _not_sparql(self, content_type: str, body: bytes) -> StoreError:
        head = body[:200].decode("utf-8", "replace").strip()
        return StoreError(
            f"the server at {_safe(self.endpoints.query)} answered with "
            f"{content_type or 'no content type'}, not SPARQL results ({head[:80]!r}...); "
            "is the --store URL the SPARQL endpoint?"
        )

    def _parse_results(self, body: bytes, content_type: str) -> Any:
        fmt = ox.QueryResultsFormat.from_media_type(_media_type(content_type))
        if fmt is None or fmt == ox.QueryResultsFormat.CSV:
            raise self._not_sparql(content_type, body)
        try:
            return ox.parse_query_results(body, format=fmt)
        except (SyntaxError, ValueError):
            raise self._not_sparql(content_type, body) from None

    def _parse_triples(self, body: bytes, content_type: str) -> Any:
        fmt = ox.RdfFormat.from_media_type(_media_type(content_type))
        if fmt is None:
            raise self._not_sparql(content_type, body)
        # A real pyoxigraph QueryTriples, so that callers need no special case: load the
        # triples into a scratch in-memory store and read them back with CONSTRUCT.
        scratch = ox.Store()
        try:
            scratch.load(body, format=fmt, to_graph=ox.DefaultGraph())
        except (SyntaxError, ValueError):
            raise self._not_sparql(content_type, body) from None
        return scratch.query("CONSTRUCT WHERE { ?s ?p ?o }")

    def _select(self, sparql: str) -> list[Any]:
        """Solutions of a SELECT on the server's own dataset (no protocol dataset)."""
        return list(self.query(sparql))

    # ------------------------------------------------------------------ updates
    def update(self, update: str, *, prefixes: Mapping[str, str] | None = None) -> None:
        """Run a SPARQL update on the server (one request: one transaction on most servers)."""
        self._check_writable()
        self._graphs = None
        prologue = _prologue(prefixes)
        try:
            self._request(
                "POST",
                self.endpoints.update,  # type: ignore[arg-type]
                body=(prologue + update).encode("utf-8"),
                content_type="application/sparql-update",
                what="update",
                prologue_lines=prologue.count("\n"),
            )
        finally:
            self._graphs = None

    def _check_writable(self) -> None:
        if self.endpoints.update is None:
            raise StoreError(
                f"the SPARQL server at {_safe(self.endpoints.base)} is read-only "
                "(update=none in the --store URL)"
            )

    def put_graph(
        self, graph: Any, data: bytes | str, format: ox.RdfFormat = ox.RdfFormat.N_TRIPLES
    ) -> None:
        """Replace one named graph with ``data`` (Graph Store Protocol ``PUT``)."""
        self._graph_store("PUT", graph, data, format)

    def load(
        self,
        input: bytes | str,
        format: ox.RdfFormat = ox.RdfFormat.N_TRIPLES,
        *,
        to_graph: Any,
    ) -> None:
        """Add triples to one named graph (Graph Store Protocol ``POST``), like
        :meth:`pyoxigraph.Store.load` with ``to_graph``."""
        self._graph_store("POST", to_graph, input, format)

    def _graph_store(self, method: str, graph: Any, data: bytes | str, fmt: ox.RdfFormat) -> None:
        iri = _graph_iri(graph)
        payload = data.encode("utf-8") if isinstance(data, str) else data
        if self.endpoints.gsp is None:
            triples = ox.serialize(
                [
                    ox.Triple(q.subject, q.predicate, q.object)
                    for q in ox.parse(payload, format=fmt)
                ],
                format=ox.RdfFormat.N_TRIPLES,
            ).decode("utf-8")
            drop = f"DROP SILENT GRAPH <{iri}> ;\n" if method == "PUT" else ""
            self.update(f"{drop}INSERT DATA {{ GRAPH <{iri}> {{\n{triples}\n}} }}")
            return
        self._check_writable()
        self._graphs = None
        try:
            self._request(
                method,
                self.endpoints.gsp,
                body=payload,
                content_type=fmt.media_type,
                params=[("graph", iri)],
                what="graph upload",
            )
        except SyntaxError as exc:
            raise QueryError(str(exc)) from None
        finally:
            self._graphs = None

    def replace_graphs(
        self,
        graphs: Mapping[str, bytes | str],
        then: Iterable[str] = (),
        *,
        prefixes: Mapping[str, str] | None = None,
        bulk_threshold: int = BULK_THRESHOLD,
    ) -> None:
        """Replace named graphs with N-Triples and run more updates, as one transaction.

        Small loads are one update (``DROP SILENT GRAPH`` and ``INSERT DATA`` for each graph,
        then the updates in ``then``). Above ``bulk_threshold`` bytes, and when the server
        has a Graph Store Protocol endpoint, each graph is first ``PUT`` into a staging graph
        (``urn:x-gvcgraph:staging:...``), then one update moves them into place and runs
        ``then``; staging graphs are dropped if anything fails.
        """
        texts = {
            iri: data.decode("utf-8") if isinstance(data, bytes) else data
            for iri, data in graphs.items()
        }
        size = sum(len(t) for t in texts.values())
        then = list(then)
        if self.endpoints.gsp is None or size <= bulk_threshold:
            parts = []
            for iri, text in texts.items():
                parts.append(f"DROP SILENT GRAPH <{iri}>")
                parts.append(f"INSERT DATA {{ GRAPH <{iri}> {{\n{text}\n}} }}")
            self.update(" ;\n".join([*parts, *then]), prefixes=prefixes)
            return
        token = uuid.uuid4().hex
        staging = {iri: f"urn:x-gvcgraph:staging:{token}:{i}" for i, iri in enumerate(texts)}
        try:
            for iri, text in texts.items():
                self.put_graph(staging[iri], text)
            moves = []
            for iri, stage in staging.items():
                moves.append(f"DROP SILENT GRAPH <{iri}>")
                moves.append(f"MOVE SILENT GRAPH <{stage}> TO GRAPH <{iri}>")
            self.update(" ;\n".join([*moves, *then]), prefixes=prefixes)
        except BaseException:
            with contextlib.suppress(StoreError, QueryError, SyntaxError):
                self.update(" ;\n".join(f"DROP SILENT GRAPH <{s}>" for s in staging.values()))
            raise

    # ------------------------------------------------------------------ the dataset
    def named_graphs(self) -> list[ox.NamedNode]:
        """The named graphs, sorted by IRI (only gvcgraph's with ``graphs=gvcgraph``)."""
        now = time.monotonic()
        if self._graphs is not None and now - self._graphs[0] < NAMED_GRAPHS_TTL:
            return list(self._graphs[1])
        try:
            rows = self._select("SELECT DISTINCT ?g WHERE { GRAPH ?g { } }")
        except SyntaxError:
            rows = []
        if not rows:  # some servers do not match an empty pattern in GRAPH ?g
            rows = self._select("SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }")
        prefix = str(terms.GRAPH)
        graphs = sorted(
            (
                row["g"]
                for row in rows
                if isinstance(row["g"], ox.NamedNode)
                and (self.endpoints.graphs == "all" or row["g"].value.startswith(prefix))
            ),
            key=lambda g: g.value,
        )
        self._graphs = (now, graphs)
        return list(graphs)

    def contains_named_graph(self, graph: Any) -> bool:
        """Whether the store has this named graph."""
        iri = _graph_iri(graph)
        return any(g.value == iri for g in self.named_graphs())

    def quads_for_pattern(
        self,
        subject: Any = None,
        predicate: Any = None,
        object: Any = None,
        graph_name: Any = None,
    ) -> list[ox.Quad]:
        """The quads matching a pattern (None matches anything), like
        :meth:`pyoxigraph.Store.quads_for_pattern`; a named graph's quads come as one
        ``CONSTRUCT`` answer in N-Triples."""
        s = str(subject) if subject is not None else "?s"
        p = str(predicate) if predicate is not None else "?p"
        o = str(object) if object is not None else "?o"
        if isinstance(graph_name, ox.NamedNode):
            triples = self.query(
                f"CONSTRUCT {{ {s} {p} {o} }} WHERE {{ GRAPH {graph_name} {{ {s} {p} {o} }} }}"
            )
            return [ox.Quad(t.subject, t.predicate, t.object, graph_name) for t in triples]
        quads: list[ox.Quad] = []
        if graph_name is None or isinstance(graph_name, ox.DefaultGraph):
            for row in self._select(f"SELECT * WHERE {{ {s} {p} {o} }}"):
                quads.append(
                    ox.Quad(*self._terms(row, subject, predicate, object), ox.DefaultGraph())
                )
        if graph_name is None:
            for row in self._select(f"SELECT * WHERE {{ GRAPH ?g {{ {s} {p} {o} }} }}"):
                quads.append(ox.Quad(*self._terms(row, subject, predicate, object), row["g"]))
        return quads

    @staticmethod
    def _terms(row: Any, subject: Any, predicate: Any, object: Any) -> tuple[Any, Any, Any]:
        return (
            subject if subject is not None else row["s"],
            predicate if predicate is not None else row["p"],
            object if object is not None else row["o"],
        )

    def __contains__(self, quad: Any) -> bool:
        pattern = f"{quad.subject} {quad.predicate} {quad.object}"
        if isinstance(quad.graph_name, ox.DefaultGraph):
            return bool(self.query(f"ASK {{ {pattern} }}"))
        return bool(self.query(f"ASK {{ GRAPH {quad.graph_name} {{ {pattern} }} }}"))

    def __len__(self) -> int:
        if self.endpoints.graphs == "gvcgraph":
            where = f'GRAPH ?g {{ ?s ?p ?o }} FILTER(STRSTARTS(STR(?g), "{terms.GRAPH}"))'
        elif self.endpoints.union == "server":
            where = "GRAPH ?g { ?s ?p ?o }"
        else:
            where = "{ ?s ?p ?o } UNION { GRAPH ?g { ?s ?p ?o } }"
        rows = self._select(f"SELECT (COUNT(*) AS ?n) WHERE {{ {where} }}")
        return int(rows[0]["n"].value) if rows else 0

    def close(self) -> None:
        """Nothing to release: every request has its own connection."""
