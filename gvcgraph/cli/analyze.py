"""``gvcgraph analyze``: centrality, supplier tiers, captive chains, ownership and control.

Every subcommand projects the graph (optionally as of a date), runs one analysis from
:mod:`gvcgraph.graph`, prints a table, and with ``--write-back`` stores the results in the
named graph ``graph/analysis/<name>`` so that SPARQL can use them
(:mod:`gvcgraph.graph.analysis_results`).

Output columns (stable; ``--details`` appends the extra columns listed):

* centrality: ``node,label,view,measure,value``
* tiers: ``lead_firm,lead_label,supplier,supplier_label,tier,asserted_tier``;
  ``--depth``: ``lead_firm,lead_label,suppliers,max_tier``; ``--conflicts``:
  ``lead_firm,lead_label,supplier,supplier_label,asserted_tier,network_tier,issue,fact,
  source,evidence``
* captive: ``buyer,buyer_label,supplier,supplier_label,score,asserted_governance,reasons``
  (details: ``inferred_governance,lead_firm,chain_tier,chain,facts``); ``--compare``:
  ``asserted_governance,inferred_governance,links,agree``
* ownership: ``owner,owner_label,owned,owned_label,share_min,share_max,direct,
  ultimate_controller``; ``--controllers``: ``node,label,cls,country,ultimate_controller,
  ultimate_label,ultimate_country,foreign_controlled,status,chain_length,
  immediate_controller,group,group_label,group_size,note``
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from typing import Any

import click
import pandas as pd

from gvcgraph.cli.common import emit_table, format_option, open_graph, store_option
from gvcgraph.graph import analysis_results as results
from gvcgraph.graph.captive import CAPTIVE_COLUMNS, captive_chains, compare_governance
from gvcgraph.graph.centrality import MEASURES, centrality
from gvcgraph.graph.ownership import OWNERSHIP_COLUMNS, ownership_table, ultimate_controllers
from gvcgraph.graph.project import VIEWS, iso_date, project
from gvcgraph.graph.tiers import TIER_COLUMNS, supplier_tiers, tier_conflicts, tier_depth

CAPTIVE_CLI_COLUMNS = CAPTIVE_COLUMNS[:7]


def _date(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    if value is None:
        return None
    text = value.strip()
    try:
        day = iso_date(text)
        pd.Timestamp(day)
    except (ValueError, TypeError):
        raise click.BadParameter(f"expected YYYY, YYYY-MM or YYYY-MM-DD, not {value!r}") from None
    return day


def _common(default_view: str, views: tuple[str, ...] = VIEWS) -> Callable[..., Any]:
    def deco(func: Callable[..., Any]) -> Callable[..., Any]:
        func = click.option(
            "--write-back",
            is_flag=True,
            help="Store the results as derived facts in graph/analysis/<name>.",
        )(func)
        func = format_option(func)
        func = click.option(
            "--top",
            type=click.IntRange(min=1),
            default=None,
            metavar="N",
            help="Show only the first N rows (per measure for centrality).",
        )(func)
        func = click.option(
            "--as-of",
            callback=_date,
            default=None,
            metavar="DATE",
            help="Use only the facts valid on this date (YYYY[-MM[-DD]]).",
        )(func)
        func = click.option(
            "--view",
            type=click.Choice(views),
            default=default_view,
            show_default=True,
            help="Network view to project.",
        )(func)
        return store_option(func)

    return deco


def _iris(proj: Any) -> dict[str, str]:
    nodes = proj.nodes.dropna(subset=["iri"])
    return dict(zip(nodes["node"], nodes["iri"], strict=True))


def _write(kg: Any, name: str, graph: Any, store: str | None) -> None:
    iri = results.write_back(kg, name, graph)
    where = store or "the in-memory default graph (use --store DIR to keep it)"
    click.echo(f"wrote {len(graph)} triples to <{iri}> in {where}", err=True)


def _describe(name: str, **params: Any) -> str:
    given = " ".join(
        f"--{k.replace('_', '-')} {v}" for k, v in params.items() if v not in (None, False, ())
    )
    return f"gvcgraph analyze {name} {given}".strip()


@click.group("analyze")
def analyze() -> None:
    """Network analyses: centrality, supplier tiers, captive chains, ownership and control.

    Definitions, references and the treatment of cycles, missing data and dates are in the
    docstrings of gvcgraph.graph.centrality, .tiers, .captive and .ownership.
    """


@analyze.command("centrality")
@_common("supply")
@click.option(
    "--measure",
    "measures",
    multiple=True,
    type=click.Choice(MEASURES),
    help="Measure(s) to compute (repeat the option; default all).",
)
@click.option(
    "--k",
    "k",
    type=click.IntRange(min=1),
    default=None,
    help="Sampled betweenness and closeness from K source nodes (default exact).",
)
@click.option("--seed", type=int, default=0, show_default=True, help="Seed of the sample.")
def centrality_cmd(
    store: str | None,
    view: str,
    as_of: str | None,
    top: int | None,
    fmt: str,
    write_back: bool,
    measures: tuple[str, ...],
    k: int | None,
    seed: int,
) -> None:
    """Degree, betweenness, closeness, PageRank and eigenvector centrality of every node.

    Columns: node,label,view,measure,value.

    Example: gvcgraph analyze centrality --view supply --measure pagerank --top 10
    """
    kg = open_graph(store)
    proj = project(kg, view, as_of)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        df = centrality(
            proj, measures or MEASURES, view=view, k=k, seed=seed, closeness_k=k, top=top
        )
    for w in caught:
        click.echo(f"note: {w.message}", err=True)
    emit_table(df, fmt)
    if write_back:
        desc = _describe(
            "centrality",
            view=view,
            as_of=as_of,
            measure=",".join(measures),
            k=k,
            seed=seed if k else None,
            top=top,
        )
        _write(
            kg,
            "centrality",
            results.centrality_to_rdf(df, iris=_iris(proj), description=desc),
            store,
        )


@analyze.command("tiers")
@_common("supply", ("supply", "all"))
@click.option(
    "--lead",
    "leads",
    multiple=True,
    metavar="ID",
    help="Lead firm(s) (default: value-chain and participation leads and every "
    "buyer with no buyer).",
)
@click.option("--max-tier", type=click.IntRange(min=1), default=None, help="Stop at this tier.")
@click.option("--depth", is_flag=True, help="Show the deepest tier per lead firm instead.")
@click.option(
    "--conflicts",
    is_flag=True,
    help="Show the asserted tiers that disagree with the network instead.",
)
def tiers_cmd(
    store: str | None,
    view: str,
    as_of: str | None,
    top: int | None,
    fmt: str,
    write_back: bool,
    leads: tuple[str, ...],
    max_tier: int | None,
    depth: bool,
    conflicts: bool,
) -> None:
    """Supplier tier of every supplier relative to each lead firm (fewest supply hops).

    Columns: lead_firm,lead_label,supplier,supplier_label,tier,asserted_tier.

    Example: gvcgraph analyze tiers --lead volkswagen --as-of 1998
    """
    kg = open_graph(store)
    proj = project(kg, view, as_of)
    _check_leads(proj, leads)
    df = supplier_tiers(proj, leads or None, max_tier=max_tier)
    if write_back:
        desc = _describe("tiers", view=view, as_of=as_of, lead=",".join(leads), max_tier=max_tier)
        _write(kg, "tiers", results.tiers_to_rdf(df, iris=_iris(proj), description=desc), store)
    if depth:
        labels = dict(zip(proj.nodes["node"], proj.labels(), strict=True))
        out = tier_depth(df, leads or None, labels)
    elif conflicts:
        out = tier_conflicts(proj, tiers=None)
        out["evidence"] = out["evidence"].map(lambda x: ";".join(x) if isinstance(x, list) else x)
    else:
        out = df[TIER_COLUMNS]
    emit_table(out.head(top) if top else out, fmt)


def _check_leads(proj: Any, leads: tuple[str, ...]) -> None:
    missing = [x for x in leads if x not in set(proj.nodes["node"])]
    if missing:
        raise click.BadParameter(
            f"not in the {proj.view} view: {', '.join(missing)}", param_hint="--lead"
        )


@analyze.command("captive")
@_common("all", ("all", "supply"))
@click.option("--lead", "leads", multiple=True, metavar="ID", help="Lead firm(s).")
@click.option(
    "--all-links",
    is_flag=True,
    help="Every assessed supply link, not only captive links on chains.",
)
@click.option(
    "--details", is_flag=True, help="Add inferred_governance,lead_firm,chain_tier,chain,facts."
)
@click.option("--compare", is_flag=True, help="Show inferred against asserted governance instead.")
def captive_cmd(
    store: str | None,
    view: str,
    as_of: str | None,
    top: int | None,
    fmt: str,
    write_back: bool,
    leads: tuple[str, ...],
    all_links: bool,
    details: bool,
    compare: bool,
) -> None:
    """Captive supply links on chains of captive links up to a lead firm, with reasons.

    Columns: buyer,buyer_label,supplier,supplier_label,score,asserted_governance,reasons.
    The view must hold the ownership facts (default all) for hierarchy to be told apart.

    Example: gvcgraph analyze captive --details --format csv
    """
    kg = open_graph(store)
    proj = project(kg, view, as_of)
    _check_leads(proj, leads)
    if compare:
        from gvcgraph.graph.captive import assess_links

        emit_table(compare_governance(assess_links(proj)), fmt)
        return
    df = captive_chains(proj, leads or None, all_links=all_links)
    if write_back:
        desc = _describe(
            "captive", view=view, as_of=as_of, lead=",".join(leads), all_links=all_links
        )
        _write(kg, "captive", results.captive_to_rdf(df, iris=_iris(proj), description=desc), store)
    if top:
        df = df.sort_values("score", ascending=False, kind="stable").head(top)
    emit_table(df[CAPTIVE_COLUMNS if details else CAPTIVE_CLI_COLUMNS], fmt)


@analyze.command("ownership")
@_common("ownership", ("ownership", "all"))
@click.option(
    "--controllers",
    is_flag=True,
    help="Show the ultimate controller, group and foreign control of every firm instead.",
)
def ownership_cmd(
    store: str | None,
    view: str,
    as_of: str | None,
    top: int | None,
    fmt: str,
    write_back: bool,
    controllers: bool,
) -> None:
    """Integrated (direct plus indirect) ownership, ultimate controllers, groups.

    Columns: owner,owner_label,owned,owned_label,share_min,share_max,direct,
    ultimate_controller (shares in percent; a range when the sources give ranges).

    Example: gvcgraph analyze ownership --as-of 2005 --format json
    """
    kg = open_graph(store)
    proj = project(kg, view, as_of)
    ctl = ultimate_controllers(proj)
    table = ownership_table(proj, controllers=ctl)
    if write_back:
        desc = _describe("ownership", view=view, as_of=as_of)
        _write(
            kg,
            "ownership",
            results.ownership_to_rdf(table, ctl, iris=_iris(proj), description=desc),
            store,
        )
    if controllers:
        involved = (
            set(table["owner"]) | set(table["owned"]) | set(ctl.loc[ctl["group"].notna(), "node"])
        )
        out = ctl[ctl["node"].isin(involved)]
    else:
        out = (
            table[OWNERSHIP_COLUMNS].sort_values("share_max", ascending=False, kind="stable")
            if top
            else table
        )
    emit_table(out.head(top) if top else out, fmt)
