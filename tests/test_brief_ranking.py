"""One effect scale for every perception gap: conversions checked against R, the Cliff's delta
conversion by simulation, and page 1's ranking by it."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from analysis.brief.ranking import d_equivalent, rank_gap_findings
from analysis.brief.summary import index_band, top_gaps
from analysis.findings import find_findings
from analysis.gaps import perception_gaps
from analysis.pipeline import run_analysis
from survey.synthetic import generate

REFERENCE = Path(__file__).parent / "reference" / "effect_conversions.json"


@pytest.mark.parametrize("kind", ["cramers_v", "cliffs_delta"])
def test_conversions_match_r(kind):
    ref = json.loads(REFERENCE.read_text())[kind]
    out = d_equivalent(ref["effect"], kind)
    np.testing.assert_allclose(out["d"], ref["d"], rtol=1e-12, atol=1e-12)
    assert (out["abs_d"] == np.abs(out["d"])).all()


def test_hedges_g_is_kept_and_bad_input_is_refused():
    assert d_equivalent([-0.7], "hedges_g")["d"].tolist() == [-0.7]
    with pytest.raises(ValueError, match="unknown effect type"):
        d_equivalent([0.2], "eta")
    with pytest.raises(ValueError, match="Cliff's delta"):
        d_equivalent([1.2], "cliffs_delta")
    with pytest.raises(ValueError, match="Cramér's V"):
        d_equivalent([-0.1], "cramers_v")


@pytest.mark.parametrize("d", [0.3, 0.8, 1.5])
def test_delta_conversion_recovers_a_known_d(d):
    """Two continuous normal samples d apart: delta converted back gives d."""
    rng = np.random.default_rng(1)
    x, y = rng.normal(d, 1, 4000), rng.normal(0, 1, 4000)
    delta = (np.sign(x[:, None] - y[None, :])).mean()
    assert d_equivalent([delta], "cliffs_delta")["d"].iloc[0] == pytest.approx(d, abs=0.06)


def test_index_bands_follow_the_answer_steps():
    assert [index_band(v) for v in (0, 33.2, 33.4, 49.9, 50, 66.6, 66.7, 83.3, 83.4, 100)] == [
        *("poor", "poor", "weak", "weak", "middling", "middling", "good", "good", "strong"),
        "strong",
    ]


@pytest.fixture(scope="module")
def demo(instrument):
    res = run_analysis(generate(units=12, per_department=20, seed=1).responses, instrument)
    return res, find_findings(res, instrument)


def test_ranking_puts_the_meeting_puzzle_among_the_top_three(demo, instrument):
    res, findings = demo
    ranked = rank_gap_findings(findings, res.gaps, res.mirror)
    assert ranked["abs_d"].is_monotonic_decreasing
    assert not any(f.kind == "orientation" for f in ranked["finding"])
    # the raw effects put the meeting frequency (a Cliff's delta of about 0.7) below
    # several smaller g; on one scale it is the second largest gap
    top = top_gaps(findings, res, instrument)
    codes = [r["code"] if "code" in r else r["self_item"] for r in top["row"]]
    assert "INF_MEET_FREQ" in codes[:3]
    meeting = ranked[[f.id == "meeting_frequency_gap" for f in ranked["finding"]]].iloc[0]
    assert meeting["effect_type"] == "cliffs_delta" and meeting["abs_d"] > abs(meeting["effect"])


def test_a_scale_and_its_own_items_are_not_both_named(demo, instrument):
    res, findings = demo
    top = top_gaps(findings, res, instrument, top=6)
    named = [r["code"] for r in top["row"] if "code" in r]
    for scale in instrument.scales:
        if scale.code in named:
            assert not set(instrument.scale_columns(scale)) & set(named), scale.code


def test_gap_rows_are_the_gap_tables_rows(demo, instrument):
    res, findings = demo
    ranked = rank_gap_findings(findings, res.gaps, res.mirror)
    fresh = perception_gaps(res.responses, instrument).set_index("code")
    for r in ranked.itertuples():
        if r.table == "gaps":
            assert r.row["effect"] == pytest.approx(fresh.loc[r.row["code"], "effect"], abs=1e-12)
