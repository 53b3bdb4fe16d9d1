"""Do gvcgraph and the baseline compute the same things? Compares their result tables.

Both sides write ``centrality.csv`` (node, pagerank, betweenness), ``tiers.csv`` (lead firm,
suppliers, deepest tier), ``captive.csv`` (supplier, buyer, lead firm, position) and
``ownership.csv`` (owner, owned, integrated share in percent). :func:`compare` reads the two
folders and says how far they agree; it never looks at timings.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd


def _read(folder: Path, name: str) -> pd.DataFrame | None:
    path = folder / name
    return pd.read_csv(path, keep_default_na=False, na_values=[""]) if path.exists() else None


def _top(df: pd.DataFrame, col: str, n: int = 10) -> list[str]:
    return df.sort_values([col, "node"], ascending=[False, True])["node"].head(n).tolist()


def compare(gvc: Path, base: Path) -> dict[str, Any]:
    """Agreement of the two result folders, measure by measure."""
    out: dict[str, Any] = {}
    a, b = _read(gvc, "centrality.csv"), _read(base, "centrality.csv")
    if a is not None and b is not None:
        m = a.merge(b, on="node", suffixes=("_g", "_b"), how="outer")
        out["same_nodes"] = bool(m.notna().all(axis=None))
        out["pagerank_top10_same"] = _top(a, "pagerank") == _top(b, "pagerank")
        out["pagerank_max_abs_diff"] = float((m["pagerank_g"] - m["pagerank_b"]).abs().max())
        out["betweenness_top10_same"] = _top(a, "betweenness") == _top(b, "betweenness")
        out["betweenness_max_abs_diff"] = float(
            (m["betweenness_g"] - m["betweenness_b"]).abs().max()
        )
        out["pagerank_top10"] = _top(a, "pagerank")
    a, b = _read(gvc, "tiers.csv"), _read(base, "tiers.csv")
    if a is not None and b is not None:
        m = a.merge(b, on="lead_firm", suffixes=("_g", "_b"), how="outer", indicator=True)
        both = m["_merge"] == "both"
        out["lead_firms"] = len(a)
        out["lead_firms_same"] = bool(both.all())
        out["tier_depth_same"] = bool(
            both.all()
            and (m["suppliers_g"] == m["suppliers_b"]).all()
            and (m["max_tier_g"] == m["max_tier_b"]).all()
        )
        out["tier_depth"] = {
            r.lead_firm: [int(r.suppliers), int(r.max_tier)] for r in a.itertuples(index=False)
        }
    a, b = _read(gvc, "captive.csv"), _read(base, "captive.csv")
    if a is not None and b is not None:
        ka = set(zip(a["supplier"], a["buyer"], a["chain_tier"].astype(int), strict=True))
        kb = set(zip(b["supplier"], b["buyer"], b["chain_tier"].astype(int), strict=True))
        out["captive_links"] = len(ka)
        out["captive_links_same"] = ka == kb
    a, b = _read(gvc, "ownership.csv"), _read(base, "ownership.csv")
    if a is not None and b is not None:
        m = a.merge(b, on=["owner", "owned"], suffixes=("_g", "_b"), how="outer")
        both = m["share_g"].notna() & m["share_b"].notna()
        close = (m["share_g"] - m["share_b"]).abs() < 1e-6
        out["ownership_pairs"] = len(a)
        out["ownership_pairs_same"] = bool(both.all())
        out["ownership_shares_agree"] = round(float((close & both).sum()) / max(len(m), 1), 6)
    return out
