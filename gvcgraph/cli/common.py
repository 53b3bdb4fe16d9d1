"""Shared pieces of the command line: the --store option, opening a graph, printing tables."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from typing import Any

import click
import pandas as pd

from gvcgraph.graph.store import KnowledgeGraph
from gvcgraph.text import printable

STORE_HELP = (
    "Graph store: a directory for an on-disk store. Default: $GVCGRAPH_STORE, or else "
    "the embedded default graph (the bundled case studies)."
)

TABLE_FORMATS = ("table", "csv", "tsv", "json")


def store_option(func: Callable[..., Any]) -> Callable[..., Any]:
    """The ``--store`` option (environment variable ``GVCGRAPH_STORE``)."""
    return click.option(
        "--store", envvar="GVCGRAPH_STORE", default=None, metavar="DIR|URL", help=STORE_HELP
    )(func)


def format_option(func: Callable[..., Any]) -> Callable[..., Any]:
    """The ``--format table|csv|tsv|json`` option for tabular output."""
    return click.option(
        "--format",
        "fmt",
        type=click.Choice(TABLE_FORMATS),
        default="table",
        show_default=True,
        help="Output format.",
    )(func)


def open_graph(store: str | None) -> KnowledgeGraph:
    """The graph named by ``--store``, or the embedded default graph.

    Use it as a context manager (``with open_graph(store) as kg:``) so that an on-disk store
    is released when the command ends.
    """
    if store:
        return KnowledgeGraph(store)
    return KnowledgeGraph.default()


def emit_table(df: pd.DataFrame, fmt: str = "table", out: Any = None) -> None:
    """Print a DataFrame as an aligned table, CSV, TSV or JSON (records)."""
    out = out or sys.stdout
    if fmt == "csv":
        df.to_csv(out, index=False)
    elif fmt == "tsv":
        df.to_csv(out, index=False, sep="\t")
    elif fmt == "json":
        records = json.loads(df.to_json(orient="records", date_format="iso", force_ascii=False))
        out.write(json.dumps(records, ensure_ascii=False, indent=1) + "\n")
    else:
        if df.empty:
            out.write("(no rows)\n" if len(df.columns) else "(no results)\n")
            return
        # labels come from sources: no escape sequence reaches the terminal (csv/json stay exact)
        df = df.map(lambda v: printable(v) if isinstance(v, str) else v)
        with pd.option_context(
            "display.max_rows",
            None,
            "display.max_columns",
            None,
            "display.width",
            200,
            "display.max_colwidth",
            80,
        ):
            out.write(df.to_string(index=False) + "\n")


def compact_iris(df: pd.DataFrame) -> pd.DataFrame:
    """Shorten IRIs to ``prefix:local`` (``id:harness-b``) for reading in a terminal."""
    from gvcgraph.ontology.terms import PREFIXES

    table = sorted(((str(ns), p) for p, ns in PREFIXES.items()), key=lambda t: -len(t[0]))

    def short(value: Any) -> Any:
        if isinstance(value, str) and value.startswith("http"):
            for ns, prefix in table:
                if (value.startswith(ns) and "/" not in value[len(ns) :].strip("/")) or (
                    value.startswith(ns) and prefix == "id"
                ):
                    return f"{prefix}:{value[len(ns) :]}"
        return value

    return df.map(short) if not df.empty else df
