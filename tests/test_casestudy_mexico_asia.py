"""Checks on the case studies coded from seeds 002 (Vázquez López 2012) and 000 (López Aymes).

Every evidence quote must occur on its seed line (or within line..line_end) once whitespace is
collapsed; the seed texts live in /work/shared and those checks are skipped where it is absent.
The fact checks compare the files with values read by hand from the seed lines cited beside
each assertion.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.casestudy_checks import SEEDS, by_id, collapse, evidence_items, load

FILES = ["vazquez-lopez2012.yaml", "lopez-aymes-gvpc.yaml"]


@pytest.fixture(scope="module")
def vazquez() -> dict[str, Any]:
    return load("vazquez-lopez2012.yaml")


@pytest.fixture(scope="module")
def aymes() -> dict[str, Any]:
    return load("lopez-aymes-gvpc.yaml")


@pytest.mark.skipif(not SEEDS.is_dir(), reason="seed texts (/work/shared) not available")
@pytest.mark.parametrize("name", FILES)
def test_every_quote_is_on_its_line(name: str) -> None:
    doc = load(name)
    seed = (SEEDS / doc["source"]["file"]).read_text(encoding="utf-8").splitlines()
    missing = []
    count = 0
    for where, ev in evidence_items(doc):
        if "quote" not in ev:
            continue
        count += 1
        first = ev["line"]
        last = ev.get("line_end", first)
        assert 1 <= first <= last <= len(seed), f"{where}: lines {first}-{last} out of range"
        passage = collapse(" ".join(seed[first - 1 : last]))
        if collapse(ev["quote"]) not in passage:
            missing.append(f"{where} (line {first}-{last}): {ev['quote']!r}")
    assert count > 50
    assert not missing, "\n".join(missing)


@pytest.mark.parametrize("name", FILES)
def test_entity_and_policy_ids_are_unique(name: str) -> None:
    doc = load(name)
    ids = [e["id"] for e in doc.get("entities", [])] + [p["id"] for p in doc.get("policies", [])]
    assert len(ids) == len(set(ids))


def test_vazquez_metadata(vazquez: dict[str, Any]) -> None:
    src = vazquez["source"]
    # L13: "vol. 6, núm. 3, septiembre-diciembre, 2012, pp. 119-130"; L49: DOI.
    assert (src["year"], src["volume"], src["issue"], src["pages"]) == (2012, "6", "3", "119-130")
    assert src["doi"] == "10.3232/GCG.2012.V6.N3.07"
    assert src["file"] == "002_bc3933cf746f5d6a.txt"


def test_vazquez_stray_abstract_is_not_coded(vazquez: dict[str, Any]) -> None:
    # L45 carries the abstract of an unrelated paper (EU project bonds); nothing may cite it.
    assert all(ev.get("line") != 45 for _, ev in evidence_items(vazquez))


def test_pitex_export_threshold(vazquez: dict[str, Any]) -> None:
    # L101/L113: "Pitex originally established a minimum export requirement of USD 500,000,
    # or 10% of the corresponding products' sales of the company".
    pitex = by_id(vazquez["policies"], "policy-mx-pitex")
    conditions = {(c.get("threshold"), c.get("unit")): c for c in pitex["conditions"]}
    assert set(conditions) == {(500000, "USD"), (10, "percent")}
    assert conditions[(10, "percent")]["type"] == "minimum-export-share"
    assert "temporary-import-programme" in pitex["types"]
    # L115: the IMMEX Decree included PITEX as of November 1, 2006.
    assert str(pitex["to"]) == "2006-11"


def test_immex_decree(vazquez: dict[str, Any]) -> None:
    # L115: published by the Ministry of the Economy as of November 1, 2006; it included the
    # Maquila programme and PITEX; ~5,108 establishments export 64.8% of manufactured goods and
    # import 84.9% of their sales abroad.
    immex = by_id(vazquez["policies"], "policy-mx-immex")
    assert str(immex["from"]) == "2006-11-01"
    assert immex["administered_by"] == ["mx-se"]
    assert str(by_id(vazquez["policies"], "policy-mx-maquila")["to"]) == "2006-11"
    values = {
        (o["indicator"], o["value"])
        for o in vazquez["observations"]
        if o["subject"] == "policy-mx-immex"
    }
    assert values == {("establishments", 5108), ("export-share", 64.8), ("import-content", 84.9)}


def test_other_mexican_programmes(vazquez: dict[str, Any]) -> None:
    policies = vazquez["policies"]
    # L99: Ecex created in 1990; a small group of large companies were the main beneficiaries.
    ecex = by_id(policies, "policy-mx-ecex")
    assert ecex["from"] == 1990
    assert ecex["outcomes"][0]["assessment"] == "negative"
    # L119: the 60% minimum domestic content of the Automotive Decree (until 1998).
    auto = by_id(policies, "policy-mx-automotive-decree")
    local = [c for c in auto["conditions"] if c.get("type") == "minimum-local-content"]
    assert [(c["threshold"], c["unit"]) for c in local] == [(60, "percent")]
    # L121: competitive sectorial programs as of 1990, chain-integration schemes since 1996.
    assert by_id(policies, "policy-mx-competitive-sectorial-programs")["from"] == 1990
    assert by_id(policies, "policy-mx-production-chain-integration-support")["from"] == 1996
    # L97, L123: SECOFI published the 1996 programme; the software programme covers 2001-2006.
    programme = by_id(policies, "policy-mx-foreign-trade-industrial-policy-program")
    assert programme["administered_by"] == ["mx-secofi"]
    software = by_id(policies, "policy-mx-software-program")
    assert (software["from"], software["to"]) == (2001, 2006)


def test_taiwan_measures(vazquez: dict[str, Any]) -> None:
    policies = vazquez["policies"]
    # L155: ITRI created in 1973; STP and the Hsinchu park in 1979; the Strategic Program in the
    # 1980s, continued through 1991 as the SUI.
    assert by_id(policies, "policy-tw-itri")["from"] == 1973
    assert by_id(policies, "policy-tw-stp")["from"] == 1979
    assert by_id(policies, "policy-tw-hsinchu-sipa")["from"] == 1979
    strategic = by_id(policies, "policy-tw-strategic-industrial-development")
    assert (strategic["from"], strategic["to"], strategic["precision"]) == (1980, 1991, "decade")
    obs = vazquez["observations"]
    # L157: R&D spending 0.83% of GDP in 1979, 2.02% by 2000.
    rd = {
        o["year"]: o["value"]
        for o in obs
        if o["subject"] == "country:TW" and o["unit"] == "% of GDP"
    }
    assert rd == {1979: 0.83, 2000: 2.02}
    # L165, L167: in 2001 SIPA had 312 companies and sales of USD 19 billion.
    park = {(o["indicator"], o["value"]) for o in obs if o["subject"] == "zone-tw-hsinchu-sipa"}
    assert {("firms", 312), ("firms", 293), ("sales", 19)} <= park


def test_aymes_metadata_is_marked_inferred(aymes: dict[str, Any]) -> None:
    src = aymes["source"]
    assert src["authors"] == ["Juan Felipe López Aymes"]
    # No year in the text; the latest work cited is López Aymes 2015 (L347).
    assert "year" in src["inferred"] and src["year"] == 2015
    assert "venue" not in src


def test_samsung_joint_ventures(aymes: dict[str, Any]) -> None:
    # L366-L370: Samsung Electronics started as a joint venture with Sanyo in 1969 and later
    # formed joint ventures with Sony, NEC, JVC and "Toshiba Sumitomo".
    (own,) = aymes["ownership"]
    assert (own["owner"], own["owned"], own["from"]) == ("sanyo", "samsung-electronics", 1969)
    partners = {
        link["to_actor"] for link in aymes["links"] if link["from_actor"] == "samsung-electronics"
    }
    assert partners == {"sony", "nec", "jvc", "toshiba-sumitomo"}


def test_southeast_asian_zone_policies(aymes: dict[str, Any]) -> None:
    policies = aymes["policies"]
    counts = {
        o["subject"]: o["value"] for o in aymes["observations"] if o.get("statistic") == "count"
    }
    # L699-L703: five development corridors in Malaysia, nine economic zones in Vietnam.
    assert counts == {"policy-my-development-corridors": 5, "policy-vn-key-economic-zones": 9}
    assert by_id(policies, "policy-vn-key-economic-zones")["part_of"] == "policy-vn-doi-moi"
    # L553-L555: ASEAN's regional trade and services agreement of 1992.
    assert by_id(policies, "policy-asean-trade-services-agreement-1992")["from"] == 1992
    # L522-L524: Thailand prolonged ISI until the late 1980s.
    assert by_id(policies, "policy-th-isi")["to"] == 1989
