"""Findings: what the sentences name, their units, and no finding from identical modes."""

from __future__ import annotations

import re

import pytest

from analysis.findings import find_findings, gap_findings
from analysis.pipeline import run_analysis
from survey.synthetic import generate


@pytest.fixture(scope="module")
def results(instrument):
    return run_analysis(generate(units=10, per_department=20, seed=1).responses, instrument)


def test_lead_gap_names_what_its_row_measures_marketing_first(results, instrument):
    lead = next(f for f in find_findings(results, instrument) if f.id == "lead_quality_gap")
    measured = {"lead_management": "das Lead-Management", "LEA_QUALITY": "die Qualität der Leads"}
    code = re.search(r"\[(\w+)\]", lead.evidence).group(1)
    assert measured[code] in lead.text["de"]
    row = results.gaps.set_index("code").loc[code]
    numbers = re.search(r"Marketing (\d+(?:,\d)?), Vertrieb (\d+(?:,\d)?)", lead.text["de"])
    assert numbers, lead.text["de"]  # marketing first, like "n = marketing / sales"
    assert float(numbers.group(1).replace(",", ".")) == pytest.approx(
        row["mean_marketing"], abs=0.51
    )


def test_numbers_carry_their_unit_or_scale(results, instrument):
    texts = {f.evidence: f.text for f in find_findings(results, instrument)}
    rate = texts["perception_gaps[LEA_FOLLOWUP_RATE]"]
    assert "\u00a0%, Vertrieb" in rate["de"] and "Prozentpunkte" in rate["de"]
    assert "percentage points" in rate["en"]
    items = [t for e, t in texts.items() if re.match(r"perception_gaps\[[A-Z]", e)]
    agree = [t for t in items if "auf einer Skala von 1 bis 7" in t["de"]]
    assert agree and all("on a scale from 1 to 7" in t["en"] for t in agree)


def test_identical_modes_are_no_finding(results, instrument):
    gaps = results.gaps.copy()
    row = gaps["code"] == "INF_MEET_FREQ"
    assert "meeting_frequency_gap" in {f.id for f in gap_findings(gaps, instrument)}
    gaps.loc[row, "mode_sales"] = gaps.loc[row, "mode_marketing"]
    assert "meeting_frequency_gap" not in {f.id for f in gap_findings(gaps, instrument)}


def test_no_company_share_is_stated_when_a_department_is_hidden(results, instrument):
    from analysis.findings import _share_yes

    both = _share_yes(results.shares, "LEA_SLA", (1,))
    assert {"marketing", "sales", "all"} <= set(both)
    marketing_only = results.shares[results.shares["group"] == "marketing"]
    assert _share_yes(marketing_only, "LEA_SLA", (1,)) == {}
