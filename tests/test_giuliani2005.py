"""Checks on the case study coded from seed 003 (Giuliani, Pietrobelli & Rabellotti 2005).

The paper scores 40 Latin American clusters: Table 3 codes four governance modes per cluster
(0 absent, 1 domestic chain, 2 global chain, 3 domestic and global chain), Tables 5-7 score
four upgrading types (0-3) per cluster of three sector groups and print a Total and an Average
row, and Table 2 prints group averages of external economies (EE), joint action (JA) and a
Collective Efficiency Index. The named query ``giuliani-sector-group-upgrading.rq`` recomputes
the group figures from the cluster facts; these tests compare them with the PRINTED figures
(hard-coded below with their seed lines) and require the disagreements between the paper's
printed figures and its own rows to be exactly the known ones, so that a change in the coding
(or in the paper's reading) makes them fail.

Seed lines are those of /work/shared/seeds/003_e125f91f89a31cd1.txt; the checks that read the
seed are skipped where the shared folder is absent.
"""

from __future__ import annotations

import re
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
import yaml

from tests.casestudy_checks import collapse, evidence_items

ROOT = Path(__file__).resolve().parent.parent
CASESTUDY = ROOT / "gvcgraph" / "casestudies" / "giuliani2005.yaml"
QUERY = ROOT / "gvcgraph" / "queries" / "giuliani-sector-group-upgrading.rq"
SEED = ROOT.parent / "shared" / "seeds" / "003_e125f91f89a31cd1.txt"

SCALE = "0-3 (Giuliani et al. 2005, Tables 5-7)"
UPGRADING_TYPES = ("product", "process", "functional", "intersectoral")
GOVERNANCE_COLUMNS = ("market", "network", "quasi-hierarchy", "hierarchy")
SCOPE_OF_CODE = {0: "absent", 1: "domestic", 2: "global", 3: "domestic-and-global"}
GROUPS = (
    "traditional-manufacturing",
    "natural-resource-based",
    "complex-products",
    "specialised-suppliers",
)

# Rows per group, counted by hand in Table 3 (L230-L280) and Appendix A (L643-L692);
# L161: "A total of 40 case studies were selected for this analysis."
CLUSTERS_PER_GROUP = {
    "traditional-manufacturing": 15,  # Table 3 L232-L249, Table 5 L328-L345
    "natural-resource-based": 11,  # Table 3 L251-L262, Table 6 L390-L400
    "complex-products": 9,  # Table 3 L264-L273, Table 7 L435-L443
    "specialised-suppliers": 5,  # Table 3 L276-L280 (no upgrading table)
}

# ------------------------------------------------------------------ printed figures
# figure -> (seed line, printed text). Totals and averages of Tables 5-7, Table 2 values.
PRINTED: dict[str, dict[str, tuple[int, str]]] = {
    "traditional-manufacturing": {
        # L346 "Total  28  31.5  10.5  1"; L347 "Average  1.86  2.1  0.7  0.06  4.73"
        "product_total": (346, "28"),
        "process_total": (346, "31.5"),
        "functional_total": (346, "10.5"),
        "intersectoral_total": (346, "1"),
        "product_mean": (347, "1.86"),
        "process_mean": (347, "2.1"),
        "functional_mean": (347, "0.7"),
        "intersectoral_mean": (347, "0.06"),
        "sum_mean": (347, "4.73"),
        # L196 "Traditional manufacturing  7.6  5.23  6.31"
        "ee_mean": (196, "7.6"),
        "ja_mean": (196, "5.23"),
        "ce_index": (196, "6.31"),
    },
    "natural-resource-based": {
        # L401 "Total  29  28  6  4"; L402 "Average  2.64  2.55  0.55  0.6  6.09"
        "product_total": (401, "29"),
        "process_total": (401, "28"),
        "functional_total": (401, "6"),
        "intersectoral_total": (401, "4"),
        "product_mean": (402, "2.64"),
        "process_mean": (402, "2.55"),
        "functional_mean": (402, "0.55"),
        "intersectoral_mean": (402, "0.6"),
        "sum_mean": (402, "6.09"),
        # L197 "NR based  8.91  7.36  8.2"
        "ee_mean": (197, "8.91"),
        "ja_mean": (197, "7.36"),
        "ce_index": (197, "8.2"),
    },
    "complex-products": {
        # L444 "Total  22  24  8.5  0"; L445 "Average  2.44  2.7  0.94  0.0  6.06"
        "product_total": (444, "22"),
        "process_total": (444, "24"),
        "functional_total": (444, "8.5"),
        "intersectoral_total": (444, "0"),
        "product_mean": (445, "2.44"),
        "process_mean": (445, "2.7"),
        "functional_mean": (445, "0.94"),
        "intersectoral_mean": (445, "0.0"),
        "sum_mean": (445, "6.06"),
        # L198 "COPs  7.61  4.8  6.19"
        "ee_mean": (198, "7.61"),
        "ja_mean": (198, "4.8"),
        "ce_index": (198, "6.19"),
    },
    "specialised-suppliers": {
        # L199 "Specialized suppliers  9.1  7.8  8.7"; no upgrading table for software.
        "ee_mean": (199, "9.1"),
        "ja_mean": (199, "7.8"),
        "ce_index": (199, "8.7"),
    },
}

# ------------------------------------------------------------------ known discrepancies
# Printed figures that differ from the figure computed from the paper's own rows (or, for
# the CE Index, from its own legend "Collective Efficiency Index = 0.5 * EE + 0.5 * JA",
# L207, note 19 L521). (group, figure) -> (seed line, printed, computed to 4 decimals).
# A printed average agrees when it equals the computed value rounded half-up to the printed
# number of decimals; everything else must be listed here.
KNOWN_DISCREPANCIES: dict[tuple[str, str], tuple[int, str, str]] = {
    # Table 5: 28/15 = 1.8667 is printed 1.86 (truncated, not rounded to 1.87).
    ("traditional-manufacturing", "product_mean"): (347, "1.86", "1.8667"),
    # Table 5: 1/15 = 0.0667 is printed 0.06 (truncated, not rounded to 0.07).
    ("traditional-manufacturing", "intersectoral_mean"): (347, "0.06", "0.0667"),
    # Table 6: the intersectoral total is 4 (L401) over 11 clusters = 0.3636, printed 0.6.
    ("natural-resource-based", "intersectoral_mean"): (402, "0.6", "0.3636"),
    # Table 2: the printed CE Index does not follow the legend in any row.
    ("traditional-manufacturing", "ce_index"): (196, "6.31", "6.415"),  # 0.5*7.6 + 0.5*5.23
    ("natural-resource-based", "ce_index"): (197, "8.2", "8.135"),  # 0.5*8.91 + 0.5*7.36
    ("complex-products", "ce_index"): (198, "6.19", "6.205"),  # 0.5*7.61 + 0.5*4.8
    ("specialised-suppliers", "ce_index"): (199, "8.7", "8.45"),  # 0.5*9.1 + 0.5*7.8
}

# Figures of PRINTED that are compared with a computed value, and how it is computed.
# ee_mean and ja_mean are only coded (no cluster-level EE/JA exists): they are compared with
# the coded observations, and the CE Index with the legend's formula (ce_index_formula).
COMPUTED_FROM = {"ce_index": "ce_index_formula"}


# ------------------------------------------------------------------ helpers
def as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def dec(value: Any) -> Decimal:
    """A number (int, float, Decimal or numeric string) as a Decimal, floats by their repr."""
    return value if isinstance(value, Decimal) else Decimal(str(value))


def agrees(printed: str, computed: Decimal) -> bool:
    """Whether ``printed`` is ``computed`` rounded half-up to the printed number of decimals."""
    places = len(printed.split(".")[1]) if "." in printed else 0
    return computed.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP) == Decimal(printed)


def four(value: Decimal) -> str:
    return f"{value.quantize(Decimal('0.0001')).normalize():f}"


def discrepancies(computed: dict[str, dict[str, Decimal]]) -> dict:
    """Compare computed group figures with PRINTED; the disagreements, as KNOWN_DISCREPANCIES."""
    found = {}
    for group, figures in PRINTED.items():
        for figure, (line, printed) in figures.items():
            value = computed[group][COMPUTED_FROM.get(figure, figure)]
            if not agrees(printed, value):
                found[(group, figure)] = (line, printed, four(value))
    return found


@pytest.fixture(scope="module")
def doc() -> dict[str, Any]:
    with open(CASESTUDY, encoding="utf-8") as handle:
        return yaml.safe_load(handle)


@pytest.fixture(scope="module")
def seed_lines() -> list[str]:
    if not SEED.is_file():
        pytest.skip("../shared (seed texts) is not present")
    return SEED.read_text(encoding="utf-8").split("\n")


@pytest.fixture(scope="module")
def clusters(doc: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """The sample clusters: cluster entities with a sector_group (the 40 table rows)."""
    return {e["id"]: e for e in doc["entities"] if e["type"] == "cluster" and "sector_group" in e}


def table3_records(doc: dict[str, Any], cluster: dict[str, Any]) -> list[dict[str, Any]]:
    """Governance records of a cluster that cite its Table 3 row (L227-L284)."""
    return [
        g
        for g in doc["governance"]
        if g["subject"] == cluster["id"]
        and any(227 <= ev["line"] <= 284 for ev in as_list(g["evidence"]))
    ]


TABLE3_ROW = re.compile(r"( ([0-3]|N/A)){4}$")


def table3_line(cluster: dict[str, Any]) -> int:
    """The line of the cluster's Table 3 row (a label and four codes; sub-headings excluded)."""
    (line,) = [
        ev["line"]
        for ev in cluster["evidence"]
        if 230 <= ev["line"] <= 280 and TABLE3_ROW.search(collapse(ev["quote"]))
    ]
    return line


def score_line(cluster: dict[str, Any]) -> int | None:
    lines = [ev["line"] for ev in cluster["evidence"] if 326 <= ev["line"] <= 445]
    return lines[0] if lines else None


def python_figures(doc: dict[str, Any]) -> dict[str, dict[str, Decimal]]:
    """The group figures computed in plain Python from the case-study file (no store).

    As in the paper, an average is the column total over the clusters of the table; a cell
    printed N/A (no record) adds nothing to the total.
    """
    groups = {e["id"]: e["sector_group"] for e in doc["entities"] if "sector_group" in e}
    out: dict[str, dict[str, Decimal]] = {g: {} for g in GROUPS}
    totals: dict[str, dict[str, Decimal]] = {
        g: dict.fromkeys(UPGRADING_TYPES, Decimal(0)) for g in GROUPS
    }
    scored: dict[str, set[str]] = {g: set() for g in GROUPS}
    for u in doc["upgrading"]:
        if u.get("scale") == SCALE and u["subject"] in groups:
            group = groups[u["subject"]]
            totals[group][u["type"]] += dec(u["score"])
            scored[group].add(u["subject"])
    sums: dict[str, Decimal] = dict.fromkeys(GROUPS, Decimal(0))
    for o in doc["observations"]:
        subject = o["subject"]
        if o["indicator"] == "upgrading-sum" and o["statistic"] == "value" and subject in groups:
            sums[groups[subject]] += dec(o["value"])
        if subject.startswith("sector-group:") and o["statistic"] == "mean":
            key = {
                "external-economies": "ee_mean",
                "joint-action": "ja_mean",
                "collective-efficiency": "ce_index",
            }.get(o["indicator"])
            if key:
                out[subject.removeprefix("sector-group:")][key] = dec(o["value"])
    for group in GROUPS:
        figures = out[group]
        figures["n_clusters"] = Decimal(sum(1 for g in groups.values() if g == group))
        n = len(scored[group])
        if n:
            figures["n_scored"] = Decimal(n)
            for typ in UPGRADING_TYPES:
                figures[f"{typ}_total"] = totals[group][typ]
                figures[f"{typ}_mean"] = totals[group][typ] / n
            figures["components_total"] = sum(totals[group].values(), Decimal(0))
            figures["sum_total"] = sums[group]
            figures["sum_mean"] = sums[group] / n
        figures["ce_index_formula"] = (
            Decimal("0.5") * figures["ee_mean"] + Decimal("0.5") * figures["ja_mean"]
        )
    return out


@pytest.fixture(scope="module")
def query_result() -> pd.DataFrame:
    from gvcgraph.graph.store import KnowledgeGraph

    kg = KnowledgeGraph()
    kg.ingest([CASESTUDY])
    return kg.select(QUERY.read_text(encoding="utf-8"))


def query_figures(frame: pd.DataFrame) -> dict[str, dict[str, Decimal]]:
    out: dict[str, dict[str, Decimal]] = {}
    for row in frame.to_dict("records"):
        out[row["group"]] = {
            k: dec(v) for k, v in row.items() if k != "group" and v is not None and not pd.isna(v)
        }
    return out


# ------------------------------------------------------------------ the file as a whole
def test_file_validates_with_shacl() -> None:
    from gvcgraph.ingest.casestudy import read_casestudy

    result = read_casestudy(CASESTUDY)
    errors = [str(p) for p in result.problems if p.severity == "error"]
    assert result.ok, "\n".join(errors)


def test_source_metadata(doc: dict[str, Any]) -> None:
    source = doc["source"]
    assert source["id"] == "giuliani2005"
    assert source["file"] == "003_e125f91f89a31cd1.txt"
    assert source["year"] == 2005  # L20 "© 2005 Elsevier Ltd."
    assert source["authors"] == ["Elisa Giuliani", "Carlo Pietrobelli", "Roberta Rabellotti"]
    # The text names no journal (only Elsevier, L20, and sciencedirect, L694).
    assert {"venue", "volume", "issue", "pages", "doi"} <= set(source["inferred"])


def test_every_quote_is_on_its_line(doc: dict[str, Any], seed_lines: list[str]) -> None:
    items = list(evidence_items(doc))
    assert len(items) > 800
    problems = []
    for where, item in items:
        first = item["line"]
        last = item.get("line_end", first)
        assert 1 <= first <= last <= len(seed_lines), where
        if len(item["quote"]) > 200:
            problems.append(f"{where}: quote longer than 200 characters")
        if collapse(item["quote"]) not in collapse(" ".join(seed_lines[first - 1 : last])):
            problems.append(f"{where}: {item['quote']!r} not on L{first}-{last}")
    assert not problems, "\n".join(problems)


def test_every_fact_has_evidence(doc: dict[str, Any]) -> None:
    for section, records in doc.items():
        if section in ("format", "source", "entities"):
            continue
        for record in records:
            assert record.get("evidence"), f"{section}: {record.get('id')}"


# ------------------------------------------------------------------ clusters
def test_forty_clusters(clusters: dict[str, dict[str, Any]]) -> None:
    assert len(clusters) == 40  # L161
    counts = {g: sum(1 for c in clusters.values() if c["sector_group"] == g) for g in GROUPS}
    assert counts == CLUSTERS_PER_GROUP
    for cluster in clusters.values():
        assert cluster["country"] in {"BR", "MX", "CO", "PE", "CL", "NI", "CR"}, cluster["id"]
        assert cluster["located_in"] and cluster["sectors"], cluster["id"]
    # Each Table 3 row (L232-L280) is cited by exactly one cluster.
    rows = sorted(table3_line(c) for c in clusters.values())
    assert len(set(rows)) == 40


def test_countries(clusters: dict[str, dict[str, Any]]) -> None:
    # Country markers of Table 3 rows (Br., Mex., Col., Peru/Pe, Ch, Co, Nic, Costa Rica).
    countries: dict[str, int] = {}
    for cluster in clusters.values():
        countries[cluster["country"]] = countries.get(cluster["country"], 0) + 1
    assert countries == {"BR": 20, "MX": 11, "CO": 3, "PE": 2, "CL": 2, "NI": 1, "CR": 1}


def test_canonical_ids(clusters: dict[str, dict[str, Any]]) -> None:
    for ident in (
        "cluster-sinos-valley-footwear",
        "cluster-leon-footwear",
        "cluster-guadalajara-footwear",
        "cluster-jalisco-electronics",
        "cluster-san-jose-electronics",
        "cluster-torreon-apparel",
        "cluster-juarez-automotive",
    ):
        assert ident in clusters


# ------------------------------------------------------------------ Table 3: governance
def test_four_governance_records_or_documented_na(
    doc: dict[str, Any], clusters: dict[str, dict[str, Any]]
) -> None:
    without = []
    for cluster in clusters.values():
        records = table3_records(doc, cluster)
        if records:
            assert sorted(r["governance_hs"] for r in records) == sorted(GOVERNANCE_COLUMNS), (
                cluster["id"]
            )
            line = table3_line(cluster)
            assert all(r["evidence"]["line"] == line for r in records), cluster["id"]
            for r in records:
                assert r["scope"] == SCOPE_OF_CODE[r["score"]], r["id"]
        else:
            without.append(cluster["id"])
            # The N/A is documented on the cluster's Table 3 evidence item.
            (item,) = [ev for ev in cluster["evidence"] if ev["line"] == table3_line(cluster)]
            assert "N/A" in item["quote"] and "N/A" in item["note"]
    # L242: "Campina Grande (Br.)  N/A  N/A  N/A  N/A" is the only row without codes.
    assert without == ["cluster-campina-grande-footwear"]


def test_governance_codes_match_table_3(
    doc: dict[str, Any], clusters: dict[str, dict[str, Any]], seed_lines: list[str]
) -> None:
    assert seed_lines[228].split("\t")[1:] == ["Market", "Network", "Quasi hierarchy", "Hierarchy"]
    for cluster in clusters.values():
        line = table3_line(cluster)
        printed = seed_lines[line - 1].split("\t")[1:5]
        coded = {r["governance_hs"]: r["score"] for r in table3_records(doc, cluster)}
        if printed == ["N/A"] * 4:
            assert coded == {}
        else:
            assert coded == dict(zip(GOVERNANCE_COLUMNS, map(int, printed), strict=True))


def test_monterrey_quasi_hierarchy_contradicts_note_20(
    doc: dict[str, Any], clusters: dict[str, dict[str, Any]]
) -> None:
    # Known inconsistency of the source: Table 3 L280 "Monterrey (Mex.) 1 1 3 0" puts a
    # software cluster in a quasi-hierarchical chain (3 = domestic and global), while note 20
    # (L523) says none of the specialized-supplier cases forms part of one. Coded as printed.
    software_qh = {
        r["subject"]: r["score"]
        for c in clusters.values()
        if c["sector_group"] == "specialised-suppliers"
        for r in table3_records(doc, c)
        if r["governance_hs"] == "quasi-hierarchy" and r["score"] > 0
    }
    assert software_qh == {"cluster-monterrey-software": 3}
    record = next(
        r for r in doc["governance"] if r["id"] == "t3-monterrey-software-quasi-hierarchy"
    )
    assert "note 20" in record["note"]


# ------------------------------------------------------------------ Tables 5-7: upgrading
def test_upgrading_scores_match_tables(
    doc: dict[str, Any], clusters: dict[str, dict[str, Any]], seed_lines: list[str]
) -> None:
    scored = 0
    for cluster in clusters.values():
        line = score_line(cluster)
        records = {
            u["type"]: u
            for u in doc["upgrading"]
            if u["subject"] == cluster["id"] and u.get("scale") == SCALE
        }
        if line is None:
            assert cluster["sector_group"] == "specialised-suppliers" and not records
            continue
        scored += 1
        cells = seed_lines[line - 1].split("\t")
        first = 2 if line < 380 else 3  # Table 5 has no "product" column before the location
        printed = dict(zip(UPGRADING_TYPES, cells[first : first + 4], strict=True))
        for typ, text in printed.items():
            if text == "N/A":
                assert typ not in records, cluster["id"]
                (item,) = [ev for ev in cluster["evidence"] if ev["line"] == line]
                assert "N/A" in item["note"]
            else:
                assert records[typ]["score"] == float(text), (cluster["id"], typ)
                assert records[typ]["evidence"]["line"] == line
        ce = next(
            o
            for o in doc["observations"]
            if o["subject"] == cluster["id"] and o["indicator"] == "collective-efficiency"
        )
        assert ce["level"] == cells[first - 1].strip().lower()
        row_sum = next(
            o
            for o in doc["observations"]
            if o["subject"] == cluster["id"] and o["indicator"] == "upgrading-sum"
        )
        assert row_sum["value"] == float(cells[first + 4])
    assert scored == 35


def test_na_cells() -> None:
    # Only two printed cells are N/A: the four governance codes of Campina Grande (L242)
    # and the functional upgrading of Bucaramanga (L331); neither is given a code.
    with open(CASESTUDY, encoding="utf-8") as handle:
        text = handle.read()
    assert "t5-bucaramanga-apparel-functional" not in text
    assert "t3-campina-grande-footwear-" not in text


def test_printed_row_sums_equal_their_components(doc: dict[str, Any]) -> None:
    # Every printed "Sum of upgrading" equals the sum of its row's four scores (N/A as 0).
    scores: dict[str, Decimal] = {}
    for u in doc["upgrading"]:
        if u.get("scale") == SCALE:
            scores[u["subject"]] = scores.get(u["subject"], Decimal(0)) + dec(u["score"])
    mismatches = [
        (o["subject"], o["value"], scores[o["subject"]])
        for o in doc["observations"]
        if o["indicator"] == "upgrading-sum"
        and o["statistic"] == "value"
        and dec(o["value"]) != scores[o["subject"]]
    ]
    assert len(scores) == 35
    assert mismatches == []


def test_group_rows_are_coded_as_printed(doc: dict[str, Any]) -> None:
    # The Total/Average rows and Table 2 are also in the file, as printed, on their lines.
    coded = {}
    for o in doc["observations"]:
        if not o["subject"].startswith("sector-group:"):
            continue
        group = o["subject"].removeprefix("sector-group:")
        ident = o["id"]
        if ident.startswith("t2-"):
            figure = {
                "external-economies": "ee_mean",
                "joint-action": "ja_mean",
                "collective-efficiency": "ce_index",
            }[o["indicator"]]
        else:
            kind, typ = ident.split("-", 2)[1:]
            figure = f"{typ}_{'total' if kind == 'total' else 'mean'}"
        line = as_list(o["evidence"])[0]["line"]
        coded[(group, figure)] = (line, dec(o["value"]))
    printed = {
        (group, figure): (line, Decimal(text))
        for group, figures in PRINTED.items()
        for figure, (line, text) in figures.items()
    }
    # Table 7 prints no "Total" for the sum column, nor do Tables 5 and 6: nothing extra coded.
    assert coded == printed


# ------------------------------------------------------------------ the named query
def test_plain_python_figures_match_printed_except_known(doc: dict[str, Any]) -> None:
    figures = python_figures(doc)
    for group, n in CLUSTERS_PER_GROUP.items():
        assert figures[group]["n_clusters"] == n
    assert discrepancies(figures) == KNOWN_DISCREPANCIES


def test_query_header() -> None:
    head = QUERY.read_text(encoding="utf-8").splitlines()
    assert head[0].startswith("# title: ")
    assert any(line.startswith("# description: ") for line in head)
    assert "# param: none" in head
    assert any(line.startswith("# example: gvcgraph query -f ") for line in head)


def test_query_matches_plain_python(doc: dict[str, Any], query_result: pd.DataFrame) -> None:
    assert list(query_result["group"]) == list(GROUPS)
    from_query = query_figures(query_result)
    expected = python_figures(doc)
    for group in GROUPS:
        assert set(from_query[group]) - {"n_na"} == set(expected[group]), group
        for figure, value in expected[group].items():
            assert abs(from_query[group][figure] - value) < Decimal("1e-9"), (group, figure)
    # One N/A cell among the scored clusters: Bucaramanga's functional upgrading (L331).
    assert from_query["traditional-manufacturing"]["n_na"] == 1
    assert from_query["natural-resource-based"]["n_na"] == 0
    assert from_query["complex-products"]["n_na"] == 0


def test_query_reproduces_printed_figures_except_known(query_result: pd.DataFrame) -> None:
    figures = query_figures(query_result)
    for group, n in CLUSTERS_PER_GROUP.items():
        assert figures[group]["n_clusters"] == n
    # The column totals of the printed row sums equal the totals of the four columns
    # (71, 67, 54.5), so the Average of "Sum of upgrading" is consistent with the rows.
    for group in ("traditional-manufacturing", "natural-resource-based", "complex-products"):
        assert figures[group]["sum_total"] == figures[group]["components_total"]
        assert figures[group]["n_scored"] == CLUSTERS_PER_GROUP[group]
    assert "product_total" not in figures["specialised-suppliers"]
    assert discrepancies(figures) == KNOWN_DISCREPANCIES
