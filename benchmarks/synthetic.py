"""Deterministic synthetic data for the benchmarks: firms, value chains, ownership, policies.

One seeded generator (:func:`generate`) draws the network; writers put the same data in the
two input forms gvcgraph reads:

* ``edges.csv``: an edge list for ``gvcgraph ingest --format edgelist`` (one relation per row:
  ``supplies``, ``owns`` with a share, ``member-of``; labels, countries and entity types of
  both ends; a start year on half the rows and an end year on a fifth; a quote on every row);
* ``parts/part-NNN.yaml``: the same rows as case-study files (``gvcgraph-casestudy/1``), each
  holding a slice of the rows (``--part-size``, 25,000 by default) and defining every actor it
  names; each fact's evidence cites the line of ``edges.csv`` the row is on;
* ``context.yaml``: a case study that goes with both forms: the sectors, public bodies and
  clusters (with governance assessments), the policy instruments with their targets (sectors,
  clusters, firm categories, firms), conditions and beneficiaries, which an edge list cannot
  express;
* ``meta.json``: counts, the parameters the benchmark's named queries use, file names.

The network (``n`` firms):

* supply (about 2.9 relations per firm): sector chains of tiers (lead firms at tier 0, about
  0.1% of firms; tiers 1 to 5 of 3, 7, 15, 25 and 50% of the rest) in sectors of about 5,000
  firms; every supplier sells to 1 + Poisson(2) buyers of the next tier down in its sector,
  chosen in proportion to a Pareto fitness (preferential attachment: scale-free in-degree);
  1% reciprocal links (cycles); 2% of firms are commodity suppliers selling to the deepest two
  tiers of any sector;
* ownership (about 0.8 per firm): business groups (random recursive trees under a person)
  holding 60% of firms, 80% majority and 20% minority stakes, 10% extra minority stakes inside
  groups, 0.5% stakes across groups, and cross-holding cycles (a subsidiary holding 5-20% of
  its parent or grandparent) in about 1% of groups; 80% of subsidiaries share their parent's
  country;
* clusters (about 0.3 memberships per firm): one cluster per 500 firms, each in one sector
  and country; 30% of non-lead firms are members of a cluster of their sector; half the
  clusters have a governance assessment (40% of those captive), which supply links of their
  members inherit in the captive-chain analysis;
* policies: one per 2,000 firms, each with one or two instrument types, a jurisdiction and
  administering body, targets and, for a third, a condition with a threshold; 0.2% of firms
  are beneficiaries.

With ``n`` = 1,000,000 that is about 4 million rows. Generation holds the arrays of the
network (about 60 bytes per relation) and writes the files in chunks, so memory is bounded
by the network, never by the text; 1 million firms take about a minute.

Usage::

    python -m benchmarks.synthetic --firms 100000 --dir /tmp/gvc-bench/100000
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

COUNTRIES = np.array(
    [
        "MX",
        "BR",
        "US",
        "CN",
        "DE",
        "JP",
        "KR",
        "TW",
        "CR",
        "CL",
        "AR",
        "IN",
        "MY",
        "TH",
        "VN",
        "FR",
        "IT",
        "ES",
        "GB",
        "CA",
    ],
    dtype=object,
)
SECTOR_NAMES = [
    "automotive",
    "electronics",
    "apparel",
    "footwear",
    "furniture",
    "aerospace",
    "medical-devices",
    "agro-food",
    "chemicals",
    "machinery",
    "textiles",
    "software",
]
INSTRUMENT_TYPES = [
    "tax-incentive",
    "duty-exemption",
    "supplier-development",
    "rd-grant",
    "credit",
    "training",
    "cluster-programme",
    "export-promotion",
    "investment-promotion",
    "technical-assistance",
]
FIRM_CATEGORIES = ["sme", "exporter", "domestic-supplier", "foreign-affiliate", "start-up"]
GOVERNANCE = np.array(["captive", "relational", "market", "modular"], dtype=object)
CSV_NAME = "edges.csv"
CONTEXT_NAME = "context.yaml"
PARTS_DIR = "parts"
CSV_COLUMNS = [
    "source",
    "target",
    "relation",
    "share",
    "date",
    "end_date",
    "evidence",
    "source_label",
    "target_label",
    "source_country",
    "target_country",
    "source_type",
    "target_type",
]

SUPPLY, OWN, MEMBER = 0, 1, 2
RELATION_NAMES = ("supplies", "owns", "member-of")


@dataclass
class Network:
    """The drawn data: actors as integer positions, relations as arrays.

    Actors: firms ``0..n-1``, persons ``n..n+persons-1``, clusters after the persons.
    Relations (``rel_u -> rel_v``, kind :data:`SUPPLY`, :data:`OWN` or :data:`MEMBER`) are in
    file order (shuffled); ``share`` is NaN except on ownership rows.
    """

    n: int
    seed: int
    persons: int
    country: np.ndarray
    sector: np.ndarray
    tier: np.ndarray
    cluster_sector: np.ndarray
    cluster_country: np.ndarray
    cluster_governance: np.ndarray
    kind: np.ndarray
    rel_u: np.ndarray
    rel_v: np.ndarray
    share: np.ndarray
    start: np.ndarray
    end: np.ndarray
    policies: list[dict] = field(default_factory=list)
    beneficiaries: list[tuple[int, int]] = field(default_factory=list)

    @property
    def clusters(self) -> int:
        """Number of clusters."""
        return len(self.cluster_sector)

    @property
    def actors(self) -> int:
        """Number of actor positions (firms, persons, clusters)."""
        return self.n + self.persons + self.clusters

    def actor_id(self, i: int) -> str:
        """The entity id of actor position ``i``."""
        if i < self.n:
            return f"firm-{i}"
        if i < self.n + self.persons:
            return f"person-{i - self.n}"
        c = i - self.n - self.persons
        return cluster_id(c, self.cluster_country[c], sector_name(self.cluster_sector[c]))

    def actor_label(self, i: int) -> str:
        """The label of actor position ``i``."""
        if i < self.n:
            return f"Firm {i}"
        if i < self.n + self.persons:
            return f"Person {i - self.n}"
        c = i - self.n - self.persons
        return f"{sector_name(self.cluster_sector[c]).title()} cluster {c}"

    def actor_country(self, i: int) -> str:
        """ISO code of actor position ``i``."""
        if i < self.n + self.persons:
            return str(self.country[i])
        return str(self.cluster_country[i - self.n - self.persons])

    def actor_type(self, i: int) -> str:
        """Case-study entity type of actor position ``i``."""
        if i < self.n:
            return "firm"
        return "person" if i < self.n + self.persons else "cluster"


def sector_name(s: int) -> str:
    """Name of sector ``s`` (``automotive``, ..., ``automotive-2`` after the first round)."""
    base = SECTOR_NAMES[s % len(SECTOR_NAMES)]
    return base if s < len(SECTOR_NAMES) else f"{base}-{s // len(SECTOR_NAMES) + 1}"


def cluster_id(c: int, country: str, sector: str) -> str:
    """Entity id of cluster ``c`` (``cluster-<country>-<sector>-<c>``)."""
    return f"cluster-{country.lower()}-{sector}-{c}"


# ---------------------------------------------------------------------------------- drawing


def _pick(
    rng: np.random.Generator, starts: np.ndarray, ends: np.ndarray, cumw: np.ndarray
) -> np.ndarray:
    """For each query, a position in [start, end) drawn in proportion to weights (``cumw``
    is the running sum of the weights of the ordered pool)."""
    lo = np.where(starts > 0, cumw[np.maximum(starts - 1, 0)], 0.0)
    hi = cumw[ends - 1]
    u = lo + rng.random(len(starts)) * (hi - lo)
    pos = np.searchsorted(cumw, u, side="right")
    return np.clip(pos, starts, ends - 1)


def _supply(
    rng: np.random.Generator, n: int, sector: np.ndarray, tier: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Supplier -> buyer pairs: tiered sector chains, commodity suppliers, reciprocal links."""
    firm = np.arange(n, dtype=np.int64)
    fitness = rng.pareto(1.5, n) + 1.0
    pool_key = sector * 8 + tier
    order = np.argsort(pool_key, kind="stable")
    sorted_key = pool_key[order]
    cumw = np.cumsum(fitness[order])
    suppliers = firm[(tier >= 1) & (tier <= 5)]
    src = np.repeat(suppliers, 1 + rng.poisson(2.0, len(suppliers)))
    want = sector[src] * 8 + tier[src] - 1
    starts = np.searchsorted(sorted_key, want, side="left")
    ends = np.searchsorted(sorted_key, want, side="right")
    ok = ends > starts
    src, starts, ends = src[ok], starts[ok], ends[ok]
    dst = order[_pick(rng, starts, ends, cumw)]
    commodity = tier == 6
    deep = firm[(tier == 4) | (tier == 5)]
    csrc = np.repeat(firm[commodity], 1 + rng.poisson(4.0, int(commodity.sum())))
    dw = np.cumsum(fitness[deep])
    cdst = deep[np.searchsorted(dw, rng.random(len(csrc)) * dw[-1], side="right").clip(0)]
    rec = rng.random(len(src)) < 0.01
    su = np.concatenate([src, csrc, dst[rec]])
    sv = np.concatenate([dst, cdst, src[rec]])
    pairs = np.unique(su * n + sv)  # one row per (supplier, buyer)
    su, sv = pairs // n, pairs % n
    keep = su != sv
    return su[keep], sv[keep]


def _ownership(
    rng: np.random.Generator, n: int, persons: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Owner -> owned pairs with shares, and each group member's parent (-1 for none)."""
    firm = np.arange(n, dtype=np.int64)
    members = rng.permutation(firm[rng.random(n) < 0.6])
    k = len(members)
    n_groups = max(1, k // 40)
    group_of = np.sort(rng.integers(0, n_groups, k))
    gstart = np.searchsorted(group_of, np.arange(n_groups), side="left")
    pos_in_group = np.arange(k) - gstart[group_of]
    earlier = (rng.random(k) * pos_in_group).astype(np.int64)
    parent = np.where(pos_in_group == 0, -1, members[gstart[group_of] + earlier])
    head = n + rng.integers(0, persons, n_groups)
    owner = np.where(parent < 0, head[group_of], parent)
    share = np.where(rng.random(k) < 0.8, rng.uniform(51, 100, k), rng.uniform(10, 49, k))
    ou, ov, sh = [owner], [members], [share]
    extra = rng.random(k) < 0.1  # minority stakes inside groups
    ou.append(
        members[
            gstart[group_of[extra]]
            + (rng.random(int(extra.sum())) * np.maximum(pos_in_group[extra], 1)).astype(int)
        ]
    )
    ov.append(members[extra])
    sh.append(rng.uniform(1, 20, int(extra.sum())))
    cross = rng.random(k) < 0.005  # stakes across groups
    ou.append(members[rng.integers(0, k, int(cross.sum()))])
    ov.append(members[cross])
    sh.append(rng.uniform(1, 15, int(cross.sum())))
    cyc = (rng.random(k) < 0.00025) & (parent >= 0)  # a subsidiary holds part of its parent
    ou.append(members[cyc])
    ov.append(parent[cyc])
    sh.append(rng.uniform(5, 20, int(cyc.sum())))
    pos_of = np.full(n, -1, dtype=np.int64)
    pos_of[members] = np.arange(k)
    grand = np.where(parent >= 0, parent[np.maximum(pos_of[np.maximum(parent, 0)], 0)], -1)
    grand = np.where(parent >= 0, np.where(pos_of[np.maximum(parent, 0)] >= 0, grand, -1), -1)
    ring = (rng.random(k) < 0.00025) & (grand >= 0)  # ... or of its grandparent
    ou.append(members[ring])
    ov.append(grand[ring])
    sh.append(rng.uniform(5, 20, int(ring.sum())))
    u, v, s = np.concatenate(ou), np.concatenate(ov), np.concatenate(sh).round(1)
    keep = u != v
    u, v, s = u[keep], v[keep], s[keep]
    # one row per (owner, owned): the first stake drawn
    _, first = np.unique(u * (n + persons) + v, return_index=True)
    first.sort()
    u, v, s = u[first], v[first], s[first]
    # shares into a firm sum to at most 100%: the largest stake stays, the others shrink
    total = np.bincount(v, weights=s, minlength=n)
    order = np.lexsort((-s, v))
    largest = np.zeros(len(v), dtype=bool)
    largest[order[np.r_[True, v[order][1:] != v[order][:-1]]]] = True
    top = np.zeros(n)
    top[v[largest]] = s[largest]
    rest = total - top
    room = np.maximum(100.0 - top, 0.0)
    scale = np.where(rest > room, room / np.where(rest > 0, rest, 1.0), 1.0)
    s = np.where(largest, s, np.floor(s * scale[v] * 10) / 10)
    keep = s >= 0.1
    full_parent = np.full(n, -1, dtype=np.int64)
    full_parent[members] = parent
    return u[keep], v[keep], s[keep], full_parent


def generate(n: int, seed: int = 1) -> Network:
    """Draw the synthetic data set of ``n`` firms (see the module docstring)."""
    if n < 100:
        raise ValueError("at least 100 firms")
    rng = np.random.default_rng(seed)
    persons = max(1, n // 30)
    country = COUNTRIES[rng.integers(0, len(COUNTRIES), n + persons)]
    n_sectors = max(1, n // 5000)
    sector = rng.integers(0, n_sectors, n)
    tier = np.searchsorted(np.cumsum([0.001, 0.03, 0.07, 0.15, 0.25]), rng.random(n), "right")
    tier[rng.random(n) < 0.02] = 6  # commodity suppliers
    su, sv = _supply(rng, n, sector, tier)
    ou, ov, osh, parent = _ownership(rng, n, persons)
    # subsidiaries mostly in their parent's country
    has_parent = parent >= 0
    same = has_parent & (rng.random(n) < 0.8)
    country[:n][same] = country[parent[same]]
    # clusters: one per 500 firms, each in a sector (round robin) and a country
    n_clusters = max(4, n // 500)
    cluster_sector = np.arange(n_clusters) % n_sectors
    cluster_country = COUNTRIES[rng.integers(0, len(COUNTRIES), n_clusters)]
    assessed = rng.random(n_clusters) < 0.5
    gov = GOVERNANCE[rng.choice(4, n_clusters, p=[0.4, 0.2, 0.2, 0.2])]
    cluster_governance = np.where(assessed, gov, None)
    joins = np.flatnonzero((rng.random(n) < 0.3) & (tier != 0))
    js = sector[joins]
    per_sector = (n_clusters - js + n_sectors - 1) // n_sectors  # clusters s, s + n_sectors ...
    mc = js + (rng.random(len(joins)) * per_sector).astype(np.int64) * n_sectors
    mu, mv = joins, n + persons + mc
    kind = np.concatenate(
        [np.full(len(su), SUPPLY), np.full(len(ou), OWN), np.full(len(mu), MEMBER)]
    ).astype(np.int8)
    rel_u = np.concatenate([su, ou, mu]).astype(np.int64)
    rel_v = np.concatenate([sv, ov, mv]).astype(np.int64)
    share = np.concatenate([np.full(len(su), np.nan), osh, np.full(len(mu), np.nan)])
    m = len(kind)
    start = np.where(rng.random(m) < 0.5, rng.integers(1990, 2020, m), 0).astype(np.int16)
    end = np.where((start > 0) & (rng.random(m) < 0.4), start + rng.integers(1, 15, m), 0).astype(
        np.int16
    )
    order = rng.permutation(m)
    net = Network(
        n=n,
        seed=seed,
        persons=persons,
        country=country,
        sector=sector,
        tier=tier,
        cluster_sector=cluster_sector,
        cluster_country=cluster_country,
        cluster_governance=cluster_governance,
        kind=kind[order],
        rel_u=rel_u[order],
        rel_v=rel_v[order],
        share=share[order],
        start=start[order],
        end=end[order],
    )
    _policies(rng, net)
    return net


def _policies(rng: np.random.Generator, net: Network) -> None:
    """Draw the policy instruments, their targets and beneficiaries into ``net``."""
    n_pol = max(6, net.n // 2000)
    leads = np.flatnonzero(net.tier == 0)
    n_sectors = int(net.sector.max()) + 1
    for p in range(n_pol):
        c = str(COUNTRIES[rng.integers(0, len(COUNTRIES))])
        k = 1 + int(rng.random() < 0.4)
        types = sorted(set(rng.choice(INSTRUMENT_TYPES, k).tolist()))
        targets: dict[str, list] = {}
        if rng.random() < 0.4:
            targets["sectors"] = [int(rng.integers(0, n_sectors))]
        if rng.random() < 0.7 or not targets:
            targets["clusters"] = sorted(
                set(rng.integers(0, net.clusters, 1 + rng.integers(0, 3)).tolist())
            )
        if rng.random() < 0.3:
            targets["firm_categories"] = sorted(set(rng.choice(FIRM_CATEGORIES, 2).tolist()))
        if rng.random() < 0.2 and len(leads):
            targets["firms"] = sorted(set(rng.choice(leads, 2).tolist()))
        start = int(rng.integers(1985, 2015))
        policy = {
            "index": p,
            "country": c,
            "types": types,
            "from": start,
            "to": start + int(rng.integers(3, 20)) if rng.random() < 0.5 else None,
            "targets": targets,
            "threshold": int(rng.integers(1, 10)) * 10 if rng.random() < 0.33 else None,
        }
        net.policies.append(policy)
    firms = np.flatnonzero(rng.random(net.n) < 0.002)
    net.beneficiaries = [(int(f), int(rng.integers(0, n_pol))) for f in firms]


# ---------------------------------------------------------------------------------- writers


def _row_text(net: Network, i: int, kind: int, u: int, v: int, share: float) -> str:
    lu, lv = net.actor_label(u), net.actor_label(v)
    if kind == SUPPLY:
        return f"{lu} supplies {lv}"
    if kind == OWN:
        return f"{lu} holds {share:g}% of {lv}"
    return f"{lu} is a member of the {lv}"


def _chunks(m: int, size: int = 50_000) -> Iterator[tuple[int, int]]:
    for a in range(0, m, size):
        yield a, min(a + size, m)


def write_csv(net: Network, path: Path) -> int:
    """Write the relations as an edge-list CSV; returns the number of data rows."""
    types = {"firm": "", "person": "person", "cluster": "cluster"}
    with path.open("w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(CSV_COLUMNS)
        for a, b in _chunks(len(net.kind)):
            kinds = net.kind[a:b].tolist()
            us, vs = net.rel_u[a:b].tolist(), net.rel_v[a:b].tolist()
            shares, starts, ends = (
                net.share[a:b].tolist(),
                net.start[a:b].tolist(),
                net.end[a:b].tolist(),
            )
            rows = []
            for j, (k, u, v) in enumerate(zip(kinds, us, vs, strict=True)):
                s = shares[j]
                rows.append(
                    [
                        net.actor_id(u),
                        net.actor_id(v),
                        RELATION_NAMES[k],
                        f"{s:g}" if k == OWN else "",
                        str(starts[j]) if starts[j] else "",
                        str(ends[j]) if ends[j] else "",
                        _row_text(net, a + j, k, u, v, s),
                        net.actor_label(u),
                        net.actor_label(v),
                        net.actor_country(u),
                        net.actor_country(v),
                        types[net.actor_type(u)],
                        types[net.actor_type(v)],
                    ]
                )
            w.writerows(rows)
    return len(net.kind)


def _q(text: str) -> str:
    """A YAML double-quoted scalar (JSON strings are valid YAML)."""
    return json.dumps(text, ensure_ascii=False)


def _entity_line(net: Network, i: int, extra: str = "") -> str:
    return (
        f"  - {{id: {net.actor_id(i)}, type: {net.actor_type(i)}, "
        f"label: {_q(net.actor_label(i))}, country: {net.actor_country(i)}{extra}}}\n"
    )


def _source_block(source_id: str, title: str, file: str) -> str:
    return (
        "format: gvcgraph-casestudy/1\n"
        "source:\n"
        f"  id: {source_id}\n"
        f"  title: {_q(title)}\n"
        "  authors: [gvcgraph benchmarks]\n"
        "  year: 2024\n"
        "  type: database\n"
        f"  file: {file}\n"
        "  note: Synthetic data (benchmarks/synthetic.py); not a real document.\n"
    )


def write_parts(net: Network, folder: Path, part_size: int = 5_000) -> list[Path]:
    """Write the relations as case-study files of ``part_size`` rows each; their paths.

    Each fact cites the line of ``edges.csv`` its row is on (``source.file``), so both
    forms carry the same evidence.
    """
    folder.mkdir(parents=True, exist_ok=True)
    for old in folder.glob("part-*.yaml"):
        old.unlink()
    paths = []
    m = len(net.kind)
    for p, a in enumerate(range(0, m, part_size)):
        b = min(a + part_size, m)
        kinds, us, vs = net.kind[a:b], net.rel_u[a:b], net.rel_v[a:b]
        shares, starts, ends = net.share[a:b], net.start[a:b], net.end[a:b]
        actors = np.unique(np.concatenate([us, vs]))
        sections: dict[int, list[str]] = {SUPPLY: [], OWN: [], MEMBER: []}
        for j in range(b - a):
            k, u, v = int(kinds[j]), int(us[j]), int(vs[j])
            uid, vid = net.actor_id(u), net.actor_id(v)
            if k == SUPPLY:
                head = f"buyer: {vid}, supplier: {uid}"
            elif k == OWN:
                head = f"owner: {uid}, owned: {vid}, share: {float(shares[j]):g}"
            else:
                head = f"member: {uid}, organization: {vid}"
            dates = (f", from: {starts[j]}" if starts[j] else "") + (
                f", to: {ends[j]}" if ends[j] else ""
            )
            quote = _q(_row_text(net, a + j, k, u, v, float(shares[j])))
            sections[k].append(
                f"  - {{{head}{dates}, evidence: {{line: {a + j + 2}, quote: {quote}}}}}\n"
            )
        path = folder / f"part-{p:03d}.yaml"
        with path.open("w", encoding="utf-8") as f:
            f.write(
                _source_block(
                    f"synthetic-part-{p:03d}",
                    f"Synthetic value chains, rows {a + 1} to {b} of {CSV_NAME}",
                    CSV_NAME,
                )
            )
            f.write("entities:\n")
            f.writelines(_entity_line(net, int(i)) for i in actors)
            for name, k in (("supply", SUPPLY), ("ownership", OWN), ("memberships", MEMBER)):
                if sections[k]:
                    f.write(f"{name}:\n")
                    f.writelines(sections[k])
        paths.append(path)
    return paths


def write_context(net: Network, path: Path) -> dict[str, int]:
    """Write the context case study (sectors, bodies, clusters, governance, policies,
    beneficiaries); returns the number of records per section."""
    lines: list[str] = []
    add = lines.append
    add(
        _source_block(
            "synthetic-context", "Synthetic clusters and industrial policies", "context.txt"
        )
    )
    ln = iter(range(10, 10**9))
    ev = lambda quote: f"evidence: {{line: {next(ln)}, quote: {_q(quote)}}}"  # noqa: E731
    add("entities:\n")
    n_sectors = int(net.sector.max()) + 1
    for s in range(n_sectors):
        name = sector_name(s)
        add(f"  - {{id: sector-{name}, type: sector, label: {_q(name.title())}}}\n")
    countries = sorted({str(c) for c in COUNTRIES})
    for c in countries:
        add(
            f"  - {{id: {c.lower()}-ministry, type: public-body, "
            f"label: {_q(f'Ministry of Industry ({c})')}, country: {c}, level: national}}\n"
        )
    base = net.n + net.persons
    for c in range(net.clusters):
        sec = f"sector-{sector_name(int(net.cluster_sector[c]))}"
        add(_entity_line(net, base + c, f", sectors: [{sec}]"))
    firms = sorted(
        {f for p in net.policies for f in p["targets"].get("firms", [])}
        | {f for f, _ in net.beneficiaries}
    )
    for f in firms:
        add(_entity_line(net, f))
    counts = {"entities": n_sectors + len(countries) + net.clusters + len(firms)}
    add("policies:\n")
    for p in net.policies:
        pid = f"policy-{p['country'].lower()}-{p['index']}"
        t = p["targets"]
        tg = []
        if "sectors" in t:
            tg.append(f"sectors: [sector-{sector_name(t['sectors'][0])}]")
        if "clusters" in t:
            tg.append(
                "clusters: [" + ", ".join(net.actor_id(base + c) for c in t["clusters"]) + "]"
            )
        if "firm_categories" in t:
            tg.append("firm_categories: [" + ", ".join(t["firm_categories"]) + "]")
        if "firms" in t:
            tg.append("firms: [" + ", ".join(f"firm-{f}" for f in t["firms"]) + "]")
        label = f"Programme {p['index']} ({p['country']})"
        add(f"  - id: {pid}\n    label: {_q(label)}\n")
        add(f"    types: [{', '.join(p['types'])}]\n    country: {p['country']}\n")
        add(f"    administered_by: {p['country'].lower()}-ministry\n    from: {p['from']}\n")
        if p["to"]:
            add(f"    to: {p['to']}\n")
        add(f"    targets: {{{', '.join(tg)}}}\n")
        if p["threshold"]:
            pct = p["threshold"]
            text = _q(f"exporting at least {pct}% of sales")
            add(
                f"    conditions:\n      - {{text: {text}, type: minimum-export-share, "
                f"threshold: {pct}, unit: percent, {ev(f'at least {pct}%')}}}\n"
            )
        add(f"    {ev(label)}\n")
    counts["policies"] = len(net.policies)
    add("governance:\n")
    assessed = 0
    for c in range(net.clusters):
        g = net.cluster_governance[c]
        if g is None:
            continue
        assessed += 1
        cid = net.actor_id(base + c)
        add(f"  - {{subject: {cid}, governance: {g}, scope: global, {ev(f'{g} governance')}}}\n")
    counts["governance"] = assessed
    if net.beneficiaries:
        add("policy_participation:\n")
        for f, p in net.beneficiaries:
            pol = net.policies[p]
            pid = f"policy-{pol['country'].lower()}-{pol['index']}"
            add(f"  - {{beneficiary: firm-{f}, instrument: {pid}, {ev(f'Firm {f} used it')}}}\n")
    counts["policy_participation"] = len(net.beneficiaries)
    path.write_text("".join(lines), encoding="utf-8")
    return counts


# ---------------------------------------------------------------------------------- the set

GENERATOR_VERSION = 1
"""Bumped whenever the drawn data change, so that cached data sets are regenerated."""


def query_parameters(net: Network) -> dict[str, dict[str, str]]:
    """Parameters of the benchmark's named queries, chosen from the data: the lead firm with
    the most direct suppliers, the person with the most holdings, the largest cluster and the
    cluster the most policies target."""
    sup = net.kind == SUPPLY
    su, sv = net.rel_u[sup], net.rel_v[sup]
    has_buyer = np.zeros(net.n, dtype=bool)
    has_buyer[su] = True
    suppliers = np.bincount(sv, minlength=net.n)
    suppliers[has_buyer] = -1
    lead = int(np.argmax(suppliers))
    own = net.kind == OWN
    holdings = np.bincount(net.rel_u[own], minlength=net.actors)
    holdings[: net.n] = -1
    person = int(np.argmax(holdings))
    mem = net.kind == MEMBER
    base = net.n + net.persons
    sizes = np.bincount(net.rel_v[mem] - base, minlength=net.clusters)
    cluster = base + int(np.argmax(sizes))
    targeted = np.zeros(net.clusters, dtype=np.int64)
    for p in net.policies:
        for c in p["targets"].get("clusters", []):
            targeted[c] += 1
    target = base + int(np.argmax(targeted))
    return {
        "suppliers-of": {"buyer": net.actor_id(lead)},
        "upstream-suppliers": {"buyer": net.actor_id(lead)},
        "ownership-stakes": {"owner": net.actor_id(person)},
        "cluster-members": {"organization": net.actor_id(cluster)},
        "policies-targeting": {"target": net.actor_id(target)},
    }


def prepare(
    firms: int, folder: Path, seed: int = 1, part_size: int = 5_000, parts: bool = True
) -> dict:
    """Generate the data set of ``firms`` firms into ``folder`` unless it is already there
    (same size, seed, part size and generator version); returns its ``meta.json``."""
    folder = Path(folder)
    meta_path = folder / "meta.json"
    want = {"firms": firms, "seed": seed, "part_size": part_size, "version": GENERATOR_VERSION}
    if meta_path.exists():
        meta = json.loads(meta_path.read_text())
        if all(meta.get(k) == v for k, v in want.items()) and (meta["parts"] or not parts):
            return meta
    folder.mkdir(parents=True, exist_ok=True)
    t0 = time.perf_counter()
    net = generate(firms, seed)
    t_draw = time.perf_counter() - t0
    rows = write_csv(net, folder / CSV_NAME)
    context = write_context(net, folder / CONTEXT_NAME)
    part_paths = write_parts(net, folder / PARTS_DIR, part_size) if parts else []
    relations = {name: int((net.kind == k).sum()) for k, name in enumerate(RELATION_NAMES)}
    meta = {
        **want,
        "rows": rows,
        "relations": relations,
        "persons": net.persons,
        "clusters": net.clusters,
        "actors": len(np.unique(np.concatenate([net.rel_u, net.rel_v]))),
        "lead_firms_tier0": int((net.tier == 0).sum()),
        "context": context,
        "csv": CSV_NAME,
        "context_file": CONTEXT_NAME,
        "parts": [str(p.relative_to(folder)) for p in part_paths],
        "queries": query_parameters(net),
        "draw_seconds": round(t_draw, 3),
        "seconds": round(time.perf_counter() - t0, 3),
        "csv_bytes": (folder / CSV_NAME).stat().st_size,
        "parts_bytes": sum(p.stat().st_size for p in part_paths),
    }
    meta_path.write_text(json.dumps(meta, indent=1))
    return meta


def main(argv: list[str] | None = None) -> None:
    """Command line: generate one data set and print its ``meta.json``."""
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--firms", type=int, default=10_000)
    ap.add_argument("--dir", type=Path, required=True)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--part-size", type=int, default=5_000, help="rows per case-study file")
    ap.add_argument("--no-parts", action="store_true", help="skip the case-study files")
    args = ap.parse_args(argv)
    meta = prepare(args.firms, args.dir, args.seed, args.part_size, not args.no_parts)
    json.dump(meta, sys.stdout, indent=1)
    print()


if __name__ == "__main__":
    main()
