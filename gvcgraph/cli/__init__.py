"""The ``gvcgraph`` command line: a thin layer of click commands over the Python API."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from gvcgraph.cli.common import compact_iris, emit_table, format_option, open_graph, store_option
from gvcgraph.graph.project import VIEWS
from gvcgraph.graph.store import KnowledgeGraph, QueryError, StoreError, read_sources
from gvcgraph.ingest.errors import InputError, Problem


class _Group(click.Group):
    """Turns known failures into a clear message and exit status, never a traceback."""

    def invoke(self, ctx: click.Context) -> object:
        try:
            return super().invoke(ctx)
        except InputError as exc:
            _print_problems(exc.problems)
            errors = sum(p.severity == "error" for p in exc.problems)
            click.echo(f"{errors} error(s); nothing was written to the store.", err=True)
            sys.exit(1)
        except (StoreError, QueryError) as exc:
            click.echo(f"error: {exc}", err=True)
            sys.exit(2)
        except MemoryError:
            click.echo("error: out of memory while reading the input", err=True)
            sys.exit(2)


def _print_problems(problems: list[Problem]) -> None:
    for p in sorted(problems, key=lambda p: (p.file, p.line or 0, p.where, p.field)):
        click.echo(str(p), err=True)


@click.group(cls=_Group)
@click.version_option(package_name="gvcgraph")
def main() -> None:
    """gvcgraph: a knowledge graph of firms, global value chains and industrial policies.

    Without --store, commands work on the embedded default graph (the bundled case studies).
    """


@main.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--no-shacl", is_flag=True, help="Skip the SHACL shapes (structural checks only).")
def validate(paths: tuple[Path, ...], no_shacl: bool) -> None:
    """Check case-study files and report every problem at once.

    Exit status 1 when any file has errors, 0 otherwise (warnings are printed but do not fail).

    Example: gvcgraph validate my-case.yaml
    """
    from gvcgraph.ingest.casestudy import read_casestudy

    problems: list[Problem] = []
    for path in paths:
        problems.extend(read_casestudy(path, shacl=not no_shacl).problems)
    _print_problems(problems)
    errors = sum(p.severity == "error" for p in problems)
    warnings = len(problems) - errors
    click.echo(f"{len(paths)} file(s): {errors} error(s), {warnings} warning(s)", err=True)
    sys.exit(1 if errors else 0)


INGEST_FORMATS = ("casestudy", "bods", "gleif", "edgelist", "rdf")


@main.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option(
    "--format",
    "fmt",
    type=click.Choice(INGEST_FORMATS),
    default="casestudy",
    show_default=True,
    help="casestudy: YAML, XLSX or a folder of CSV sheets; bods: BODS 0.4 JSON; "
    "gleif: GLEIF Level 1/2 RDF; edgelist: a CSV of links; rdf: any RDF file.",
)
@click.option(
    "--map",
    "mapping",
    default=None,
    metavar="FIELD=COLUMN,...",
    help="edgelist: which columns hold source, target, relation, share, date, evidence.",
)
@click.option(
    "--source-id",
    default=None,
    help="bods, gleif, edgelist, rdf: the source id (default: from the file name).",
)
@store_option
def ingest(
    paths: tuple[Path, ...], fmt: str, mapping: str | None, source_id: str | None, store: str | None
) -> None:
    """Validate input files and add each to the store as its own source graph.

    Nothing is written if any file has an error. Ingesting a source again replaces it.

    Example: gvcgraph ingest my-case.yaml --store ./graph
    """
    if not store:
        raise click.UsageError(
            "give --store DIR (or set GVCGRAPH_STORE): the embedded default graph is read-only"
        )
    if fmt == "edgelist":
        from gvcgraph.ingest.edgelist import ingest_edgelist

        for path in paths:
            with KnowledgeGraph(store) as kg:
                summary = ingest_edgelist(kg, path, mapping=mapping, source_id=source_id)
            click.echo(summary)
        return
    if fmt == "casestudy":
        graphs, warnings = read_sources(paths)  # validate everything before opening the store
    else:
        from gvcgraph.ingest.readers import read_files

        graphs, warnings = read_files(fmt, paths, source_id=source_id)
    _print_problems(warnings)
    with KnowledgeGraph(store) as kg:
        kg.replace_sources(graphs)
        click.echo(
            f"ingested {len(paths)} file(s) into {store}; sources now: {', '.join(kg.source_ids())}"
        )


@main.command()
@click.argument("source_id")
@store_option
def remove(source_id: str, store: str | None) -> None:
    """Remove one source (and its facts) from the store.

    Example: gvcgraph remove my-case --store ./graph
    """
    if not store:
        raise click.UsageError("give --store DIR: the embedded default graph is read-only")
    with KnowledgeGraph(store) as kg:
        kg.remove_source(source_id)
    click.echo(f"removed {source_id}")


@main.command()
@store_option
@format_option
def info(store: str | None, fmt: str) -> None:
    """Show the sources in the graph and, per source, the number of instances by class.

    Example: gvcgraph info
    """
    with open_graph(store) as kg:
        sources = kg.sources()
        counts = kg.counts_by_class()
        size = len(kg)
    if fmt != "table":
        emit_table(counts, fmt)
        return
    click.echo(
        f"graph: {store or 'embedded default graph'}; {size} triples; {len(sources)} source(s)\n"
    )
    emit_table(sources, "table")
    if not counts.empty:
        click.echo("")
        pivot = counts.pivot_table(
            index="class", columns="source", values="count", fill_value=0, aggfunc="sum"
        ).astype(int)
        pivot.columns.name = None
        click.echo(pivot.reset_index().to_string(index=False))


@main.command()
@click.argument("name", required=False)
@click.option(
    "--param",
    "params",
    multiple=True,
    metavar="KEY=VALUE",
    help="A parameter of the named query (repeatable); `gvcgraph queries NAME` lists them.",
)
@click.option("-e", "--expr", "expr", help="SPARQL query text.")
@click.option(
    "-f",
    "--file",
    "file",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="File with a SPARQL query (.rq).",
)
@click.option(
    "--allow-service",
    is_flag=True,
    help="Let SERVICE (federated query) fetch the URLs the query names; refused otherwise.",
)
@store_option
@format_option
def query(
    name: str | None,
    params: tuple[str, ...],
    expr: str | None,
    file: Path | None,
    allow_service: bool,
    store: str | None,
    fmt: str,
) -> None:
    """Run a SPARQL query over the graph (all named graphs as the default graph).

    The prefixes gvc:, skos:, dct:, prov:, oa:, org:, schema:, rdf:, rdfs:, xsd:, vocab:, id: and
    graph: are predeclared.

    Example: gvcgraph query suppliers-of --param buyer=intel
             gvcgraph query -e 'SELECT ?c ?l WHERE { ?c a gvc:Cluster ; skos:prefLabel ?l }'
    """
    if name is not None:
        if expr or file:
            raise click.UsageError("give a query NAME, or -e SPARQL, or -f FILE.rq, not several")
        from gvcgraph.cli.queries import run_named

        run_named(name, params, store, fmt)
        return
    if params:
        raise click.UsageError("--param needs a query NAME (gvcgraph queries lists them)")
    if bool(expr) == bool(file):
        raise click.UsageError("give a query NAME, or exactly one of -e SPARQL or -f FILE.rq")
    text = expr if expr else _read_query_file(file)  # type: ignore[arg-type]
    import pandas as pd
    import pyoxigraph as ox

    from gvcgraph.graph.store import python_value
    from gvcgraph.queries.library import check_sparql

    with open_graph(store) as kg:
        previous, kg.allow_service = kg.allow_service, allow_service
        try:
            check_sparql(text)
            result = kg.query(text)
        except QueryError as exc:
            if file is None:
                raise
            raise QueryError(f"{file}: {exc}") from None
        finally:
            kg.allow_service = previous  # the embedded default graph is shared in a process
        if isinstance(result, ox.QueryBoolean):
            click.echo("true" if bool(result) else "false")
        elif isinstance(result, ox.QueryTriples):
            turtle = ox.serialize(result, format=ox.RdfFormat.TURTLE).decode("utf-8")
            # no triples: a Turtle comment, so that the output still parses and says so
            click.echo(turtle or "# the query gave no triples", nl=not turtle)
        else:
            names = [v.value for v in result.variables]
            try:
                rows = [[python_value(sol[n]) for n in names] for sol in result]
            except (OSError, RuntimeError) as exc:  # an error while the solutions are computed
                raise QueryError(f"the query failed: {exc}") from None
            df = pd.DataFrame(rows, columns=names)
            emit_table(compact_iris(df) if fmt == "table" else df, fmt)


MAX_QUERY_FILE_BYTES = 16 * 1024 * 1024
"""Largest query file read by ``query -f`` (16 MiB; real queries are a few KiB)."""


def _read_query_file(path: Path) -> str:
    """The text of a ``.rq`` file; :class:`QueryError` (exit status 2) when it is unreadable,
    too large or not UTF-8."""
    try:
        size = path.stat().st_size
        if size > MAX_QUERY_FILE_BYTES:
            raise QueryError(
                f"{path}: the query file is too large ({size / 1_048_576:.1f} MiB; the limit is "
                f"{MAX_QUERY_FILE_BYTES // 1_048_576} MiB)"
            )
        raw = path.read_bytes()
    except OSError as exc:
        raise QueryError(f"{path}: cannot read the query file: {exc.strerror or exc}") from None
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise QueryError(
            f"{path}:{line}: the query file is not UTF-8 text (byte 0x{raw[exc.start]:02x} at "
            f"offset {exc.start}); save it as UTF-8"
        ) from None


RDF_EXPORT_FORMATS = ("ttl", "nt", "nq", "trig", "jsonld")
NETWORK_EXPORT_FORMATS = ("graphml", "gexf", "csv", "cyjs", "neo4j")
EXPORT_FORMATS = RDF_EXPORT_FORMATS + NETWORK_EXPORT_FORMATS


@main.command()
@click.option(
    "--format",
    "fmt",
    type=click.Choice(EXPORT_FORMATS),
    required=True,
    help="ttl, nt, jsonld: all facts as one graph; nq, trig: with the named graphs; "
    "graphml, gexf, csv, cyjs (Cytoscape.js), neo4j: the network of a view.",
)
@click.option(
    "--out",
    type=click.Path(path_type=Path),
    required=True,
    help="The file to write; a directory for csv and neo4j.",
)
@click.option(
    "--view",
    type=click.Choice(VIEWS),
    default="all",
    show_default=True,
    help="Network formats: which facts become edges.",
)
@click.option(
    "--as-of",
    "as_of",
    default=None,
    metavar="DATE",
    help="Network formats: keep only facts valid on this date (YYYY-MM-DD).",
)
@click.option(
    "--with-ontology", is_flag=True, help="RDF formats: include the ontology and vocabularies."
)
@store_option
def export(
    fmt: str, out: Path, view: str, as_of: str | None, with_ontology: bool, store: str | None
) -> None:
    """Write the graph to a file: RDF, or a network for Gephi, Cytoscape, Neo4j or spreadsheets.

    Example: gvcgraph export --format ttl --out graph.ttl
             gvcgraph export --format graphml --view supply --out supply.graphml
    """
    if fmt in NETWORK_EXPORT_FORMATS:
        if with_ontology:
            raise click.UsageError("--with-ontology applies to the RDF formats only")
        from gvcgraph.export.network import export_network

        with open_graph(store) as kg:
            try:
                summary = export_network(kg, fmt, out, view=view, as_of=as_of)
            except ValueError as exc:
                raise click.UsageError(str(exc)) from None
        click.echo(summary)
        return
    if view != "all" or as_of:
        raise click.UsageError("--view and --as-of apply to the network formats only")
    if out.is_dir():
        raise click.UsageError(f"--out must be a file for {fmt}, not the directory {out}")
    with open_graph(store) as kg:
        data = kg.dump(fmt, include_ontology=with_ontology)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_bytes(data)
    click.echo(f"wrote {out} ({len(data):,} bytes)")


@main.command()
@click.argument("scheme", required=False)
def vocab(scheme: str | None) -> None:
    """List the controlled vocabularies, or the codes of one scheme.

    Example: gvcgraph vocab governance
    """
    from gvcgraph.ingest.schema import vocabulary

    schemes = vocabulary()
    if scheme is None:
        for name in sorted(schemes):
            click.echo(f"{name} ({len(schemes[name])} codes)")
        return
    if scheme not in schemes:
        raise click.UsageError(f"unknown scheme {scheme!r}; schemes: {', '.join(sorted(schemes))}")
    for code in sorted(schemes[scheme]):
        click.echo(code)


@main.command()
@click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    required=True,
    help="The workbook to write (.xlsx).",
)
def template(out: Path) -> None:
    """Write an empty case-study workbook: one sheet per kind of fact and a README sheet.

    Example: gvcgraph template --out my-case.xlsx
    """
    from gvcgraph.ingest.tabular import write_template

    write_template(out)
    click.echo(f"wrote {out}")


def _register_commands() -> None:
    """Attach the commands that live in their own modules."""
    import importlib

    for module, name in (
        ("gvcgraph.cli.analyze", "analyze"),
        ("gvcgraph.cli.queries", "queries"),
        ("gvcgraph.cli.serve", "serve"),
        ("gvcgraph.cli.render", "map_cmd"),
        ("gvcgraph.cli.render", "figure_cmd"),
        ("gvcgraph.cli.render", "report_cmd"),
    ):
        main.add_command(getattr(importlib.import_module(module), name))


_register_commands()
