"""``gvcgraph queries`` (list the named queries) and :func:`run_named`, the body of
``gvcgraph query NAME --param key=value``.

Errors (unknown query, unknown or missing parameter, a value of the wrong type) are raised as
:class:`~gvcgraph.queries.library.QueryLibraryError`, a
:class:`~gvcgraph.graph.store.QueryError`, which the ``gvcgraph`` command group prints as one
line with exit status 2.
"""

from __future__ import annotations

import textwrap

import click

from gvcgraph.cli.common import compact_iris, emit_table, open_graph
from gvcgraph.queries.library import (
    bind_parameters,
    build_sparql,
    check_sparql,
    get_query,
    list_queries,
    parse_assignments,
)


def run_named(name: str, params: tuple[str, ...] | list[str], store: str | None, fmt: str) -> None:
    """Run the named query ``name`` with ``--param KEY=VALUE`` items and print the table.

    Parameters
    ----------
    name : str
        The query name (file name without ``.rq``).
    params : sequence of str
        ``KEY=VALUE`` items.
    store : str or None
        ``--store`` (None: the embedded default graph).
    fmt : str
        ``table``, ``csv``, ``tsv`` or ``json``; ``table`` shortens IRIs to ``prefix:local``.
    """
    query = get_query(name)
    values = parse_assignments(list(params))
    # every parameter is checked before the store is opened
    sparql = build_sparql(query, bind_parameters(query, values))
    check_sparql(sparql)
    with open_graph(store) as kg:
        df = kg.select(sparql)
    emit_table(compact_iris(df) if fmt == "table" else df, fmt)


@click.command("queries")
@click.argument("name", required=False)
def queries(name: str | None) -> None:
    """List the named queries, or show one query's description and parameters.

    Run one with: gvcgraph query NAME --param KEY=VALUE

    Example: gvcgraph queries tnc-deep-tier-suppliers
    """
    if name is None:
        items = list_queries()
        width = max((len(q.name) for q in items), default=0)
        for q in items:
            click.echo(f"{q.name:<{width}}  {q.title}")
        click.echo(f"\n{len(items)} queries; `gvcgraph queries NAME` shows one.", err=True)
        return
    q = get_query(name)
    wrap = textwrap.TextWrapper(width=96, initial_indent="  ", subsequent_indent="  ")
    click.echo(f"{q.name}: {q.title}\n")
    click.echo(wrap.fill(q.description))
    click.echo("\nparameters:" if q.parameters else "\nparameters: none")
    for p in q.parameters:
        click.echo(f"  {p.name} ({p.type}, default: {p.describe_default()})")
        click.echo(
            textwrap.fill(
                p.description, width=96, initial_indent="      ", subsequent_indent="      "
            )
        )
    click.echo("\nexample:" if len(q.examples) == 1 else "\nexamples:")
    for example in q.examples:
        click.echo(f"  {example}")
