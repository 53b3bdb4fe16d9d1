"""A SPARQL 1.1 Protocol endpoint over a knowledge graph (``gvcgraph serve``).

The endpoint, on Python's standard :mod:`http.server`, answers:

* ``GET /sparql?query=...``, ``POST /sparql`` with a form (``query=``) or with
  ``Content-Type: application/sparql-query`` (SPARQL 1.1 Protocol, 2.1); ``/query`` is the
  same, for clients that expect Oxigraph's layout (``--store http://host:port`` of another
  gvcgraph works against it);
* ``POST /sparql`` (or ``/update``) with a form (``update=``) or ``application/sparql-update``,
  only when started with ``allow_update`` (``--allow-update``); otherwise 403. Each update is
  followed, in the same transaction, by the rematerialisation of the derived graph, as every
  change made through :class:`~gvcgraph.graph.store.KnowledgeGraph` is;
* ``GET /`` a page to type queries and read the results (no external script or style sheet;
  results are written into the page as text, never as HTML), ``GET /health`` a JSON status.

Queries see the union of all named graphs as their default graph, and the prefixes of
:data:`gvcgraph.ontology.terms.PREFIXES` are predeclared, as on the command line. A request
may name its own dataset with ``default-graph-uri`` and ``named-graph-uri`` (Protocol 2.1.4).

Results follow the ``Accept`` header (or a ``format=`` parameter): ``SELECT`` and ``ASK`` as
SPARQL JSON (the default), XML, CSV or TSV; ``CONSTRUCT`` and ``DESCRIBE`` as Turtle (the
default), N-Triples, RDF/XML or JSON-LD. Errors come back as ``text/plain`` with a status code:
400 (malformed query), 403 (update, ``SERVICE``/``LOAD``, or a foreign origin refused), 406 (no
acceptable format), 411/413/415 (body missing its length, too large, of an unknown type), 503
(time limit reached, or every worker busy).

Safety
------
* It listens on 127.0.0.1 unless told otherwise; on a loopback address it also refuses
  requests whose ``Host`` header is not a loopback name (DNS rebinding).
* Updates are refused unless ``allow_update``; ``SERVICE`` (federated query) and ``LOAD``
  (both make the store fetch a URL: pyoxigraph has an HTTP client) are refused unless
  ``allow_service``. They are found with a tokenizer that follows SPARQL's lexical rules
  (:mod:`gvcgraph.graph.sparql_scan`), before the query reaches the store.
* Browsers: no ``Access-Control-Allow-Origin`` header unless ``cors`` names an origin, and a
  request carrying an ``Origin`` other than the server's own (or that one) is refused, which
  also stops cross-site form posts. The page is served with a strict Content-Security-Policy.
* Every answer but the query page carries ``X-Content-Type-Options: nosniff`` and a
  ``Content-Security-Policy`` of ``default-src 'none'; sandbox``: a result or error message
  opened in a browser tab is shown as data and can run nothing. Errors are ``text/plain``,
  the errors of :mod:`http.server` itself (request line too long, bad headers) included.
* A request body over ``max_body`` bytes (1 MiB) is refused before it is read. A query gets
  ``timeout`` seconds (30): its answer is written through a writer that stops the
  serialisation at the deadline; at most ``workers`` queries run at once. pyoxigraph cannot
  interrupt a query that is still sorting or aggregating; such a query occupies its worker
  until it ends (it no longer holds the client, which got a 503).
* A client that sends or reads nothing for ``client_timeout`` seconds (60) is disconnected,
  and at most ``max_connections`` (64) connections are served at once; others get a 503 at
  once, so slow or idle connections cannot pile up threads.

Example
-------
>>> from gvcgraph.graph.store import KnowledgeGraph
>>> server = make_server(KnowledgeGraph(), port=0)        # doctest: +SKIP
>>> server.serve_forever()                                  # doctest: +SKIP
"""

from __future__ import annotations

import contextlib
import html
import io
import ipaddress
import json
import secrets
import socket
import sys
import threading
import time
import urllib.parse
from collections.abc import Sequence
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from importlib import resources
from typing import Any

import pyoxigraph as ox

from gvcgraph.graph.sparql_scan import (
    ends_with_separator,
    has_operation,
    network_operations,
    prefix_declarations,
)
from gvcgraph.graph.store import KnowledgeGraph, QueryError, StoreError, derive_updates

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 7878
DEFAULT_TIMEOUT = 30.0
MAX_BODY = 1024 * 1024
MAX_RESULT_BYTES = 512 * 1024 * 1024
WORKERS = 4
CLIENT_TIMEOUT = 60.0
MAX_CONNECTIONS = 64
DATA_CSP = "default-src 'none'; frame-ancestors 'none'; sandbox"
"""Content-Security-Policy of every answer except the query page (which has its own)."""


@dataclass(frozen=True)
class Offer:
    """A result format the endpoint can send: its name (for ``format=``), the media type it
    is sent as, the media types that ask for it, and the pyoxigraph format."""

    name: str
    media_type: str
    aliases: tuple[str, ...]
    format: Any


RESULT_OFFERS: tuple[Offer, ...] = (
    Offer(
        "json",
        "application/sparql-results+json",
        ("application/sparql-results+json", "application/json"),
        ox.QueryResultsFormat.JSON,
    ),
    Offer(
        "xml",
        "application/sparql-results+xml",
        ("application/sparql-results+xml", "application/xml", "text/xml"),
        ox.QueryResultsFormat.XML,
    ),
    Offer("csv", "text/csv", ("text/csv",), ox.QueryResultsFormat.CSV),
    Offer(
        "tsv",
        "text/tab-separated-values",
        ("text/tab-separated-values",),
        ox.QueryResultsFormat.TSV,
    ),
)
GRAPH_OFFERS: tuple[Offer, ...] = (
    Offer(
        "turtle",
        "text/turtle",
        ("text/turtle", "application/turtle", "application/x-turtle"),
        ox.RdfFormat.TURTLE,
    ),
    Offer("ntriples", "application/n-triples", ("application/n-triples",), ox.RdfFormat.N_TRIPLES),
    Offer("rdfxml", "application/rdf+xml", ("application/rdf+xml",), ox.RdfFormat.RDF_XML),
    Offer("jsonld", "application/ld+json", ("application/ld+json",), ox.RdfFormat.JSON_LD),
)


def _accept_ranges(accept: str) -> list[tuple[str, float]]:
    ranges = []
    for part in accept.split(","):
        fields = [f.strip() for f in part.split(";")]
        media = fields[0].lower()
        if not media:
            continue
        q = 1.0
        for field in fields[1:]:
            if field.lower().startswith("q="):
                try:
                    q = float(field[2:])
                except ValueError:
                    q = 0.0
        ranges.append((media, q))
    return ranges


def _quality(offer: Offer, ranges: list[tuple[str, float]]) -> float:
    best = 0.0
    for alias in offer.aliases:
        major = alias.split("/", 1)[0]
        # the most specific range that matches decides (RFC 9110, 12.5.1)
        for pattern in (alias, f"{major}/*", "*/*"):
            qs = [q for media, q in ranges if media == pattern]
            if qs:
                best = max(best, max(qs))
                break
    return best


def negotiate(accept: str | None, offers: Sequence[Offer], name: str | None = None) -> Offer | None:
    """The format to answer in: the one ``format=`` names (by name or media type), else the
    best by the ``Accept`` header's quality values (the first offer on a tie, or without a
    header); None if nothing offered is acceptable.

    >>> negotiate("text/csv, */*;q=0.1", RESULT_OFFERS).name
    'csv'
    >>> negotiate(None, GRAPH_OFFERS).media_type
    'text/turtle'
    """
    if name:
        key = name.strip().lower()
        return next((o for o in offers if key == o.name or key in o.aliases), None)
    if not accept or not accept.strip():
        return offers[0]
    ranges = _accept_ranges(accept)
    chosen, chosen_q = None, 0.0
    for offer in offers:
        q = _quality(offer, ranges)
        if q > chosen_q:
            chosen, chosen_q = offer, q
    return chosen


class _Refused(Exception):
    """An answer other than 200, with its status and message."""

    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status = status
        self.message = message


class _DeadlineWriter(io.RawIOBase):
    """Collects a serialisation; stops it (by raising from ``write``) at a deadline or a size."""

    def __init__(self, deadline: float, limit: int):
        super().__init__()
        self.buffer = io.BytesIO()
        self.deadline = deadline
        self.limit = limit
        self.expired = False
        self.too_large = False

    def writable(self) -> bool:
        return True

    def write(self, data: Any) -> int:
        if time.monotonic() > self.deadline:
            self.expired = True
            raise TimeoutError("time limit reached")
        if self.buffer.tell() + len(data) > self.limit:
            self.too_large = True
            raise OverflowError("result too large")
        return self.buffer.write(data)


def _check_shape(text: str) -> None:
    """Refuse text nested or chained deeply enough to crash the engine (and the server)."""
    from gvcgraph.queries.library import check_sparql

    try:
        check_sparql(text)
    except QueryError as exc:
        raise _Refused(400, str(exc)) from None


def _is_loopback_host(host: str) -> bool:
    if host.lower() in ("localhost", "localhost."):
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


class SparqlServer(ThreadingHTTPServer):
    """The HTTP server: a :class:`~http.server.ThreadingHTTPServer` holding the graph and the
    endpoint's settings (see :func:`make_server`)."""

    daemon_threads = True

    def __init__(
        self,
        kg: KnowledgeGraph,
        host: str = DEFAULT_HOST,
        port: int = DEFAULT_PORT,
        *,
        allow_update: bool = False,
        allow_service: bool = False,
        cors: str | None = None,
        timeout: float = DEFAULT_TIMEOUT,
        max_body: int = MAX_BODY,
        workers: int = WORKERS,
        client_timeout: float = CLIENT_TIMEOUT,
        max_connections: int = MAX_CONNECTIONS,
        quiet: bool = False,
    ):
        if cors == "*" and allow_update:
            raise ValueError("cors='*' with allow_update would let any web page change the graph")
        self.address_family = socket.AF_INET6 if ":" in host else socket.AF_INET
        super().__init__((host.strip("[]"), port), SparqlHandler)
        self.kg = kg
        if allow_service:  # the endpoint checks SERVICE and LOAD itself; let the graph run them
            kg.allow_service = True
        self.allow_update = allow_update
        self.allow_service = allow_service
        self.cors = cors
        self.timeout_s = timeout
        self.max_body = max_body
        self.quiet = quiet
        self.slots = threading.BoundedSemaphore(workers)
        self.client_timeout = client_timeout
        self.connections = threading.BoundedSemaphore(max_connections)
        self.update_lock = threading.Lock()
        self.loopback = _is_loopback_host(host)
        prefixes = getattr(kg, "_prefixes", {})
        self.prefixes: dict[str, str] = dict(prefixes)

    def process_request(self, request: Any, client_address: Any) -> None:
        """Serve a connection in its own thread, or answer 503 when too many are open."""
        if not self.connections.acquire(blocking=False):
            body = b"too many connections to this endpoint; try again later\n"
            with contextlib.suppress(OSError):
                request.sendall(
                    b"HTTP/1.1 503 Service Unavailable\r\n"
                    b"Content-Type: text/plain; charset=utf-8\r\n"
                    b"X-Content-Type-Options: nosniff\r\n"
                    + f"Content-Length: {len(body)}\r\n".encode()
                    + b"Connection: close\r\n\r\n"
                    + body
                )
            self.shutdown_request(request)
            return
        try:
            super().process_request(request, client_address)
        except BaseException:
            self.connections.release()
            raise

    def process_request_thread(self, request: Any, client_address: Any) -> None:
        try:
            super().process_request_thread(request, client_address)
        finally:
            self.connections.release()

    @property
    def url(self) -> str:
        """The server's base URL (``http://127.0.0.1:7878``)."""
        host, port = self.server_address[:2]
        host = f"[{host}]" if ":" in str(host) else host
        return f"http://{host}:{port}"


def make_server(
    kg: KnowledgeGraph,
    host: str = DEFAULT_HOST,
    port: int = DEFAULT_PORT,
    **options: Any,
) -> SparqlServer:
    """A SPARQL endpoint over ``kg``, bound and ready to ``serve_forever()``.

    Parameters
    ----------
    kg:
        The knowledge graph to serve (embedded or remote).
    host, port:
        Where to listen; 127.0.0.1 by default, port 0 for any free port (read it back from
        ``server.url``).
    **options:
        ``allow_update`` (False), ``allow_service`` (False), ``cors`` (an origin, or None),
        ``timeout`` (seconds per query, 30), ``max_body`` (bytes, 1 MiB), ``workers``
        (queries at once, 4), ``client_timeout`` (seconds a client may stay silent, 60),
        ``max_connections`` (connections at once, 64), ``quiet`` (no request log).

    Returns
    -------
    SparqlServer
        Call ``serve_forever()``; ``shutdown()`` and ``server_close()`` stop it.
    """
    return SparqlServer(kg, host, port, **options)


class SparqlHandler(BaseHTTPRequestHandler):
    """One request to the endpoint (see the module documentation)."""

    server: SparqlServer
    server_version = "gvcgraph"

    def version_string(self) -> str:
        return self.server_version

    def setup(self) -> None:
        self.timeout = self.server.client_timeout  # applied to the socket by StreamRequestHandler
        super().setup()

    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        """http.server's own errors (bad request line, too long, bad headers) as plain text."""
        short = self.responses.get(code, ("error", ""))[0]
        self.close_connection = True
        self._text(code, f"{code} {message or short}" + (f": {explain}" if explain else ""))

    # ------------------------------------------------------------------ plumbing
    def log_message(self, format: str, *args: Any) -> None:
        if not self.server.quiet:
            sys.stderr.write(f"{self.address_string()} - {format % args}\n")

    def _send(
        self,
        status: int,
        body: bytes,
        content_type: str,
        extra: dict[str, str] | None = None,
    ) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("X-Content-Type-Options", "nosniff")
        self.send_header("Referrer-Policy", "no-referrer")
        self.send_header("Cache-Control", "no-store")
        headers = getattr(self, "headers", None)  # None when the request line was refused
        origin = headers.get("Origin") if headers is not None else None
        if self.server.cors and (self.server.cors == "*" or origin == self.server.cors):
            self.send_header("Access-Control-Allow-Origin", self.server.cors)
            self.send_header("Vary", "Origin")
        extra = dict(extra or {})
        extra.setdefault("Content-Security-Policy", DATA_CSP)
        for key, value in extra.items():
            self.send_header(key, value)
        self.end_headers()
        if self.command != "HEAD" and body:
            self.wfile.write(body)

    def _text(self, status: int, message: str) -> None:
        self._send(status, (message.rstrip() + "\n").encode("utf-8"), "text/plain; charset=utf-8")

    def _guard(self) -> bool:
        """Refuse requests from a foreign Host name (on loopback) or a foreign Origin."""
        host = self.headers.get("Host", "")
        if self.server.loopback:
            name = urllib.parse.urlsplit("//" + host).hostname or ""
            if not _is_loopback_host(name):
                self._text(403, f"this server answers only to a loopback host name, not {host!r}")
                return False
        origin = self.headers.get("Origin")
        if origin is not None:
            allowed = {f"http://{host}"}
            if self.server.cors:
                allowed.add(self.server.cors)
            if origin not in allowed and self.server.cors != "*":
                self._text(
                    403,
                    f"cross-origin requests from {origin} are refused; start the server with "
                    "--cors ORIGIN to allow one origin",
                )
                return False
        return True

    def _split(self) -> tuple[str, dict[str, list[str]]]:
        parts = urllib.parse.urlsplit(self.path)
        params = urllib.parse.parse_qs(parts.query, keep_blank_values=True, max_num_fields=10000)
        return parts.path, params

    def _read_body(self) -> bytes:
        if self.headers.get("Transfer-Encoding"):
            raise _Refused(411, "send the request body with a Content-Length, not chunked")
        length = self.headers.get("Content-Length")
        if length is None:
            raise _Refused(411, "a POST request needs a Content-Length header")
        try:
            size = int(length)
            if size < 0:
                raise ValueError
        except ValueError:
            raise _Refused(400, f"bad Content-Length {length!r}") from None
        if size > self.server.max_body:
            self.close_connection = True
            raise _Refused(
                413,
                f"the request body ({size:,} bytes) is over this endpoint's limit of "
                f"{self.server.max_body:,} bytes",
            )
        return self.rfile.read(size)

    # ------------------------------------------------------------------ methods
    def do_OPTIONS(self) -> None:
        if not self._guard():
            return
        if not self.server.cors:
            self._text(405, "cross-origin requests are not enabled on this endpoint")
            return
        self._send(
            204,
            b"",
            "text/plain",
            {
                "Access-Control-Allow-Methods": "GET, POST, OPTIONS",
                "Access-Control-Allow-Headers": "Content-Type, Accept",
                "Access-Control-Max-Age": "600",
            },
        )

    def do_GET(self) -> None:
        if not self._guard():
            return
        path, params = self._split()
        try:
            if path == "/":
                self._page()
            elif path == "/favicon.ico":
                self._send(204, b"", "image/x-icon")
            elif path == "/health":
                body = json.dumps({"status": "ok", "updates": self.server.allow_update})
                self._send(200, body.encode("utf-8"), "application/json")
            elif path in ("/sparql", "/query"):
                if "update" in params:
                    raise _Refused(405, "send updates with POST")
                if "query" not in params:
                    if "text/html" in self.headers.get("Accept", ""):
                        self._page()
                        return
                    raise _Refused(400, "missing the query parameter (?query=SPARQL)")
                self._query(self._one(params, "query"), params)
            elif path == "/update":
                raise _Refused(405, "send updates with POST")
            else:
                raise _Refused(404, f"no such page: {path}; the SPARQL endpoint is /sparql")
        except _Refused as exc:
            self._text(exc.status, exc.message)

    def do_POST(self) -> None:
        if not self._guard():
            return
        path, params = self._split()
        try:
            if path not in ("/sparql", "/query", "/update"):
                raise _Refused(404, f"no such endpoint: {path}; the SPARQL endpoint is /sparql")
            body = self._read_body()
            media = self.headers.get("Content-Type", "").split(";", 1)[0].strip().lower()
            try:
                text = body.decode("utf-8")
            except UnicodeDecodeError:
                raise _Refused(400, "the request body is not UTF-8") from None
            if media == "application/x-www-form-urlencoded":
                form = urllib.parse.parse_qs(text, keep_blank_values=True, max_num_fields=10000)
                for key, values in form.items():
                    params.setdefault(key, []).extend(values)
            elif media == "application/sparql-query":
                params["query"] = [text]
            elif media == "application/sparql-update":
                params["update"] = [text]
            else:
                raise _Refused(
                    415,
                    f"unsupported Content-Type {media or '(none)'!r}; send "
                    "application/x-www-form-urlencoded, application/sparql-query or "
                    "application/sparql-update",
                )
            if "query" in params and "update" in params:
                raise _Refused(400, "give either a query or an update, not both")
            if "update" in params:
                self._update(self._one(params, "update"), params)
            elif "query" in params:
                self._query(self._one(params, "query"), params)
            else:
                raise _Refused(400, "missing the query (or update) parameter")
        except _Refused as exc:
            self._text(exc.status, exc.message)

    @staticmethod
    def _one(params: dict[str, list[str]], key: str) -> str:
        values = params.get(key, [])
        if len(values) != 1:
            raise _Refused(400, f"give exactly one {key} parameter")
        return values[0]

    # ------------------------------------------------------------------ the page
    def _page(self) -> None:
        nonce = secrets.token_urlsafe(16)
        template = (resources.files("gvcgraph") / "server_page.html").read_text("utf-8")
        prefixes = ", ".join(f"{p}:" for p in sorted(self.server.prefixes))
        page = (
            template.replace("__NONCE__", nonce)
            .replace("__PREFIXES__", html.escape(prefixes))
            .replace("__UPDATES__", "enabled" if self.server.allow_update else "disabled")
        )
        csp = (
            f"default-src 'none'; script-src 'nonce-{nonce}'; style-src 'nonce-{nonce}'; "
            "connect-src 'self'; img-src 'self'; form-action 'self'; base-uri 'none'; "
            "frame-ancestors 'none'"
        )
        self._send(
            200, page.encode("utf-8"), "text/html; charset=utf-8", {"Content-Security-Policy": csp}
        )

    # ------------------------------------------------------------------ queries
    def _dataset(self, params: dict[str, list[str]]) -> tuple[list[Any], list[Any]] | None:
        defaults = params.get("default-graph-uri", [])
        named = params.get("named-graph-uri", [])
        if not defaults and not named:
            return None
        try:
            return [ox.NamedNode(g) for g in defaults], [ox.NamedNode(g) for g in named]
        except ValueError as exc:
            raise _Refused(400, f"bad graph IRI: {exc}") from None

    def _query(self, text: str, params: dict[str, list[str]]) -> None:
        _check_shape(text)
        if not self.server.allow_service and "SERVICE" in network_operations(text):
            raise _Refused(
                403,
                "SERVICE (federated query) is disabled on this endpoint: it would make the "
                "server fetch other URLs; start it with --allow-service to allow it",
            )
        dataset = self._dataset(params)
        accept = self.headers.get("Accept")
        name = params.get("format", [None])[-1]
        timeout = self.server.timeout_s
        if not self.server.slots.acquire(timeout=timeout):
            raise _Refused(503, "every query worker is busy; try again later")
        deadline = time.monotonic() + timeout
        outcome: dict[str, Any] = {}
        done = threading.Event()

        def work() -> None:
            try:
                outcome["answer"] = self._evaluate(text, dataset, accept, name, deadline)
            except BaseException as exc:
                # Hand the request thread a fresh exception: the original's traceback holds
                # pyoxigraph results, which must be dropped in the thread that made them.
                outcome["error"] = _Refused(*self._refusal(exc))
            finally:
                self.server.slots.release()
                done.set()

        threading.Thread(target=work, name="sparql-query", daemon=True).start()
        if not done.wait(timeout):
            raise _Refused(
                503,
                f"the query did not finish within {timeout:g} s; make it more selective "
                "(filters, LIMIT) or start the server with a longer --timeout",
            )
        if "error" in outcome:
            raise outcome["error"]
        status, content_type, body = outcome["answer"]
        self._send(status, body, content_type)

    @staticmethod
    def _refusal(exc: BaseException) -> tuple[int, str]:
        """Status and message for an exception (no reference to it is kept: no cycles)."""
        if isinstance(exc, _Refused):
            return exc.status, exc.message
        if isinstance(exc, (QueryError, SyntaxError)):
            return 400, str(exc)
        if isinstance(exc, StoreError):
            return 502, str(exc)
        return 500, f"the query failed: {exc}"

    def _evaluate(
        self,
        text: str,
        dataset: tuple[list[Any], list[Any]] | None,
        accept: str | None,
        name: str | None,
        deadline: float,
    ) -> tuple[int, str, bytes]:
        # One whole version of an on-disk store per request, even while an ingest in another
        # process publishes the next one (KnowledgeGraph.reading).
        with self.server.kg.reading() as store:
            return self._answer(store, text, dataset, accept, name, deadline)

    def _answer(
        self,
        store: Any,
        text: str,
        dataset: tuple[list[Any], list[Any]] | None,
        accept: str | None,
        name: str | None,
        deadline: float,
    ) -> tuple[int, str, bytes]:
        if dataset is None:
            chosen: dict[str, Any] = {"use_default_graph_as_union": True}
        else:
            chosen = {"default_graph": dataset[0], "named_graphs": dataset[1]}
        try:
            result = store.query(text, prefixes=self.server.prefixes, **chosen)
        except SyntaxError as exc:
            raise QueryError(f"SPARQL syntax error: {exc}") from None
        except OSError as exc:
            raise QueryError(f"the query failed: {exc}") from None
        graph = isinstance(result, ox.QueryTriples)
        offers = GRAPH_OFFERS if graph else RESULT_OFFERS
        offer = negotiate(accept, offers, name)
        if offer is None:
            types = ", ".join(o.media_type for o in offers)
            return (
                406,
                "text/plain; charset=utf-8",
                f"no acceptable format; offered: {types}\n".encode(),
            )
        out = _DeadlineWriter(deadline, MAX_RESULT_BYTES)
        try:
            if graph:
                prefixes = self.server.prefixes if offer.name == "turtle" else None
                ox.serialize(result, out, format=offer.format, prefixes=prefixes)
            else:
                result.serialize(out, format=offer.format)
        except Exception:
            if out.expired:
                raise _Refused(503, "the query did not finish within the time limit") from None
            if out.too_large:
                raise _Refused(
                    503, f"the result is larger than {MAX_RESULT_BYTES:,} bytes; use LIMIT"
                ) from None
            raise
        content_type = offer.media_type
        if offer.name in ("csv", "tsv", "turtle", "ntriples"):
            content_type += "; charset=utf-8"
        return 200, content_type, out.buffer.getvalue()

    # ------------------------------------------------------------------ updates
    def _update(self, text: str, params: dict[str, list[str]]) -> None:
        if not self.server.allow_update:
            raise _Refused(
                403,
                "updates are disabled on this endpoint; start it with --allow-update to allow them",
            )
        network = network_operations(text)
        if network and not self.server.allow_service:
            raise _Refused(
                403,
                f"{' and '.join(network)} is disabled on this endpoint: it would make the "
                "server fetch other URLs; start it with --allow-service to allow it",
            )
        if params.get("using-graph-uri") or params.get("using-named-graph-uri"):
            raise _Refused(400, "using-graph-uri and using-named-graph-uri are not supported")
        if not has_operation(text):
            raise _Refused(400, "the update has no operation")
        _check_shape(text)
        for name, iri in prefix_declarations(text).items():
            if self.server.prefixes.get(name, iri) != iri:
                raise _Refused(
                    400,
                    f"this update declares {name}: as <{iri}>, but the endpoint predeclares "
                    f"{name}: as <{self.server.prefixes[name]}> for the rules that rederive "
                    "the shortcut edges after every update; use another prefix name",
                )
        kg = self.server.kg
        # Rederive in the same request, so in the same transaction.
        separator = "\n" if ends_with_separator(text) else "\n;\n"
        combined = text + separator + " ;\n".join(derive_updates())
        with self.server.update_lock:
            try:
                kg.update(combined)
            except SyntaxError as exc:
                raise _Refused(400, f"SPARQL update syntax error: {exc}") from None
            except (QueryError, StoreError) as exc:
                raise _Refused(502 if isinstance(exc, StoreError) else 400, str(exc)) from None
            except OSError as exc:
                raise _Refused(500, f"the update failed: {exc}") from None
        self._send(204, b"", "text/plain")


def serve(
    kg: KnowledgeGraph, host: str = DEFAULT_HOST, port: int = DEFAULT_PORT, **options: Any
) -> None:
    """Serve ``kg`` until interrupted (Ctrl-C); see :func:`make_server` for the options."""
    server = make_server(kg, host, port, **options)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
