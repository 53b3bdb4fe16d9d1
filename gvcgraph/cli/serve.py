"""``gvcgraph serve``: the graph as a SPARQL 1.1 Protocol endpoint (:mod:`gvcgraph.server`)."""

from __future__ import annotations

import re

import click

from gvcgraph.cli.common import open_graph, store_option
from gvcgraph.server import DEFAULT_HOST, DEFAULT_PORT, DEFAULT_TIMEOUT, make_server


def _origin(_ctx: click.Context, _param: click.Parameter, value: str | None) -> str | None:
    """Check ``--cors``: ``*`` or one origin as browsers send it (scheme, host, port)."""
    if value is None or value == "*":
        return value
    if not re.fullmatch(r"https?://[A-Za-z0-9.\-\[\]:]+", value):
        raise click.BadParameter(
            f"{value!r} is not an origin; give scheme, host and port only, as browsers send "
            "it (e.g. https://example.org or http://localhost:8080), or *"
        )
    return value


class ListenError(click.ClickException):
    """The server could not listen on the address (exit status 2, like other store errors)."""

    exit_code = 2


@click.command()
@store_option
@click.option(
    "--host",
    default=DEFAULT_HOST,
    show_default=True,
    help="Address to listen on. Anything but a loopback address makes the graph "
    "readable by every machine that can reach this one.",
)
@click.option(
    "--port",
    type=click.IntRange(0, 65535),
    default=DEFAULT_PORT,
    show_default=True,
    help="Port to listen on (0: any free port).",
)
@click.option(
    "--allow-update",
    is_flag=True,
    help="Accept SPARQL updates (POST update=...); refused with 403 otherwise.",
)
@click.option(
    "--allow-service",
    is_flag=True,
    help="Run SERVICE (federated) queries and LOAD updates, which fetch other URLs.",
)
@click.option(
    "--cors",
    metavar="ORIGIN",
    default=None,
    callback=_origin,
    help="Let web pages from this origin (e.g. https://example.org) read results; * for any "
    "page (not with --allow-update).",
)
@click.option(
    "--timeout",
    type=click.FloatRange(min=0, min_open=True),
    default=DEFAULT_TIMEOUT,
    show_default=True,
    metavar="SECONDS",
    help="Time limit for each query.",
)
@click.option("--quiet", is_flag=True, help="Do not log requests.")
def serve(
    store: str | None,
    host: str,
    port: int,
    allow_update: bool,
    allow_service: bool,
    cors: str | None,
    timeout: float,
    quiet: bool,
) -> None:
    """Serve the graph as a SPARQL 1.1 endpoint, with a page to type queries.

    GET or POST /sparql (query=..., or application/sparql-query); results as SPARQL JSON,
    XML, CSV or TSV by the Accept header, CONSTRUCT as Turtle or N-Triples. Read-only unless
    --allow-update. Stop it with Ctrl-C.

    Example: gvcgraph serve --store ./graph --port 7878
    """
    if cors == "*" and allow_update:
        raise click.UsageError(
            "--cors '*' with --allow-update would let any web page change the graph; "
            "name the one origin that may (--cors https://...)"
        )
    kg = open_graph(store)
    try:
        server = make_server(
            kg,
            host,
            port,
            allow_update=allow_update,
            allow_service=allow_service,
            cors=cors,
            timeout=timeout,
            quiet=quiet,
        )
    except OSError as exc:
        kg.close()
        raise ListenError(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from None
    if not server.loopback:
        click.echo(
            f"warning: listening on {host}: anyone who can reach this machine can query the graph",
            err=True,
        )
    mode = "read-write" if allow_update else "read-only"
    click.echo(f"SPARQL endpoint ({mode}): {server.url}/sparql", err=False)
    click.echo(f"query page: {server.url}/  (Ctrl-C to stop)")
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        click.echo("stopped", err=True)
    finally:
        server.server_close()
        kg.close()
