"""Checks on the case study coded from seed 001 (SELA 2012, value chains, SMEs and policies).

Every evidence quote must occur on its seed line (or within line..line_end) once whitespace is
collapsed; the seed text lives in /work/shared and that check is skipped where it is absent.
The fact checks compare the file with values read by hand from the seed lines cited beside
each assertion.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.casestudy_checks import SEEDS, by_id, collapse, evidence_items

CASESTUDY = Path(__file__).resolve().parent.parent / "gvcgraph" / "casestudies" / "sela2012.yaml"


@pytest.fixture(scope="module")
def doc() -> dict[str, Any]:
    with open(CASESTUDY, encoding="utf-8") as handle:
        return yaml.safe_load(handle)


@pytest.fixture(scope="module")
def seed_lines(doc: dict[str, Any]) -> list[str]:
    path = SEEDS / doc["source"]["file"]
    if not path.exists():
        pytest.skip(f"seed text {path} not available")
    return path.read_text(encoding="utf-8").split("\n")


def test_every_quote_occurs_on_its_line(doc: dict[str, Any], seed_lines: list[str]) -> None:
    missing = []
    count = 0
    for where, item in evidence_items(doc):
        count += 1
        first = item["line"]
        last = item.get("line_end", first)
        text = collapse(" ".join(seed_lines[first - 1 : last]))
        quote = collapse(item.get("quote", ""))
        if not quote or quote not in text:
            missing.append(f"{where} (line {first}): {quote[:80]!r}")
    assert count > 600
    assert not missing, "\n".join(missing)


def test_quotes_are_short(doc: dict[str, Any]) -> None:
    too_long = [w for w, item in evidence_items(doc) if len(item.get("quote", "")) > 200]
    assert not too_long


def test_every_fact_and_policy_has_evidence(doc: dict[str, Any]) -> None:
    sections = ["policies", "participation", "ownership", "governance", "policy_participation"]
    sections += ["upgrading", "observations", "memberships", "links"]
    for name in sections:
        for record in doc[name]:
            assert record.get("evidence"), f"{name}: {record.get('id')}"


def test_source_has_no_personal_author(doc: dict[str, Any]) -> None:
    # Lines 28-29: copyright SELA, printed in its Permanent Secretariat; no person is named.
    source = doc["source"]
    assert source["id"] == "sela2012"
    assert source["year"] == 2012
    assert source["authors"] == ["SELA Permanent Secretariat"]
    assert "authors" in source["inferred"]


def test_three_programmes_country_and_type(doc: dict[str, Any]) -> None:
    policies = doc["policies"]
    # Line 592: CADELEC, a support programme for local companies in Guadalajara (Jalisco).
    cadelec = by_id(policies, "policy-mx-cadelec")
    assert cadelec["country"] == "MX"
    assert "supplier-development" in cadelec["types"]
    assert cadelec["targets"]["clusters"] == ["cluster-jalisco-electronics"]
    assert cadelec["outcomes"][0]["assessment"] == "positive"
    # Line 568: Tokyo's metropolitan government launched AMATERAS in 2009 (aerospace SMEs).
    amateras = by_id(policies, "policy-jp-tokyo-amateras")
    assert amateras["country"] == "JP"
    assert amateras["from"] == 2009
    assert amateras["administered_by"] == ["jp-tokyo-metropolitan-government"]
    assert amateras["part_of"] == "policy-jp-meti-industrial-clusters"
    # Line 181: MERCOSUR Council decision CMC n. 12/08 (July 2008) detailed the PIP.
    pip = by_id(policies, "policy-mercosur-pip")
    assert "country" not in pip
    assert pip["region"] == "region-mercosur"
    assert "regional-integration" in pip["types"]
    assert pip["from"] == "2008-07"
    # Line 554: the Small Business Administration was created by Congress in 1953.
    sba = by_id(policies, "policy-us-sba")
    assert (sba["country"], sba["types"], sba["from"]) == ("US", ["agency"], 1953)


def test_maquila_incentives_in_six_countries(doc: dict[str, Any]) -> None:
    # Lines 75 and 161: maquila incentives in Mexico, Costa Rica, El Salvador, Honduras,
    # Jamaica and the Dominican Republic, with no increase in domestic integration.
    maquila = [p for p in doc["policies"] if "maquila" in p["id"]]
    assert sorted(p["country"] for p in maquila) == ["CR", "DO", "HN", "JM", "MX", "SV"]
    for policy in maquila:
        assert policy["outcomes"][0]["assessment"] == "negative"


def test_supplier_tiers(doc: dict[str, Any]) -> None:
    # Line 592: IBM and Hewlett Packard involved local Guadalajara firms only at the second level.
    tiers = {
        (p["participant"], p.get("lead"), p.get("tier"))
        for p in doc["participation"]
        if "tier" in p
    }
    assert ("cluster-jalisco-electronics", "ibm", 2) in tiers
    assert ("cluster-jalisco-electronics", "hewlett-packard", 2) in tiers
    # Line 516: Mexican SMEs are second and third level suppliers for Volkswagen.
    assert ("cluster-puebla-automotive", "volkswagen", 2) in tiers
    assert ("cluster-puebla-automotive", "volkswagen", 3) in tiers
    # Line 510: seven lead firms of the UNCTAD case studies, each at tier 0 of its chain.
    leads = {p["participant"] for p in doc["participation"] if p.get("tier") == 0}
    assert {"toyota", "volkswagen", "tata-motors", "microsoft", "ibm", "caracol"} < leads


def test_nicaraguan_dairy_governance(doc: dict[str, Any]) -> None:
    # Line 530: hierarchic governance in the chains led by the multinational and by agents from
    # El Salvador; network governance in the chain led by local cooperatives.
    found = {g["subject"]: g.get("governance_hs") for g in doc["governance"]}
    assert found["chain-nicaragua-dairy-tnc"] == "hierarchy"
    assert found["chain-nicaragua-dairy-salvadoran"] == "hierarchy"
    assert found["chain-nicaragua-dairy-cooperatives"] == "network"


def test_metal_leve_sold_to_mahle(doc: dict[str, Any]) -> None:
    # Line 524: Metal Leve was sold in 1996 to German Mahle.
    (own,) = doc["ownership"]
    assert (own["owner"], own["owned"], own["from"]) == ("mahle", "metal-leve", 1996)
    assert by_id(doc["entities"], "mahle")["country"] == "DE"


def test_observations_read_by_hand(doc: dict[str, Any]) -> None:
    obs = doc["observations"]
    # Line 303: Brazil 2007 exports by size, 92% large, 6% mid-sized, 2% micro and small.
    brazil = [
        by_id(obs, f"obs-br-{k}-export-share-2007") for k in ("large", "medium", "micro-small")
    ]
    assert [o["value"] for o in brazil] == [92, 6, 2]
    assert all(o["subject"] == "country:BR" and o["year"] == 2007 for o in brazil)
    # Line 371: 3,177 Chinese-owned companies of 7,582 textile and clothing companies, 2011.
    assert by_id(obs, "obs-prato-chinese-firms-2011")["value"] == 3177
    assert by_id(obs, "obs-prato-textile-clothing-firms-2011")["value"] == 7582
    # Line 482: ENGTEK had nine affiliates and 2,000 employees in 2007.
    assert by_id(obs, "obs-engtek-employment-2007")["value"] == 2000
    assert by_id(obs, "obs-engtek-affiliates-2007")["value"] == 9
    # Line 307: Brazil spends 0.085% of GDP on SME support.
    assert by_id(obs, "obs-br-sme-support-spending")["value"] == pytest.approx(0.085)
    # Line 610: 80 of 299 dollars of a video iPod went back to Apple (27%).
    assert by_id(obs, "obs-ipod-apple-value")["value"] == 80
    assert by_id(obs, "obs-ipod-total-value")["value"] == 299
    assert by_id(obs, "obs-ipod-apple-share")["value"] == 27


def test_references_resolve(doc: dict[str, Any]) -> None:
    defined = {e["id"] for e in doc["entities"]} | {p["id"] for p in doc["policies"]}
    fields = ["participant", "lead", "chain", "owner", "owned", "subject", "beneficiary"]
    fields += ["instrument", "member", "organization", "from_actor", "to_actor"]
    for name in ["participation", "ownership", "governance", "policy_participation"]:
        for record in doc[name]:
            for key in fields:
                if key in record:
                    assert record[key] in defined, f"{name}.{record['id']}.{key}"
    for name in ["upgrading", "memberships", "links"]:
        for record in doc[name]:
            for key in fields:
                if key in record and not (key == "subject" and record[key].startswith("country:")):
                    assert record[key] in defined, f"{name}.{record['id']}.{key}"
    for record in doc["observations"]:
        assert ":" in record["subject"] or record["subject"] in defined, record["id"]
