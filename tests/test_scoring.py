"""Scale scores, benchmarks and power on hand-made and planted data."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from analysis.benchmarks import compare_benchmarks
from analysis.power import detectable_effect, required_n
from analysis.scoring import cooperation_index, scale_summary, score_scales
from survey.responses import empty_wide


def _one(instrument, **answers):
    wide = empty_wide(instrument, 1)
    wide[["respondent_id", "department", "business_unit"]] = ["r1", "sales", "u"]
    for col, value in answers.items():
        wide[col] = float(value)
    return wide


def test_reverse_keying_index_and_min_answered(instrument):
    wide = _one(instrument, LEA_QUALITY=7, LEA_OUTCOME_FEEDBACK=1, LEA_SAME_CRITERIA=-9, LEA_LOST=7)
    row = score_scales(wide, instrument, scales=["lead_management"]).iloc[0]
    # LEA_LOST is reverse-keyed: 1 + 7 - 7 = 1; "don't know" is missing
    assert row["mean"] == pytest.approx((7 + 1 + 1) / 3)
    assert row["index"] == pytest.approx((100 + 0 + 0) / 3)
    assert row["n_answered"] == 3
    few = _one(instrument, LEA_QUALITY=7)
    assert np.isnan(score_scales(few, instrument, scales=["lead_management"])["mean"].iloc[0])
    assert (
        score_scales(few, instrument, scales=["lead_management"], min_answered=0.25)["mean"].iloc[0]
        == 7.0
    )


def test_constant_sum_scale_scores_the_marketing_part(instrument):
    parts = {
        f"{c}_marketing": 60
        for c in (
            "POW_PRICING",
            "POW_PRODUCT",
            "POW_SEGMENTS",
            "POW_COMMUNICATION",
            "POW_KEY_ACCOUNTS",
        )
    }
    row = score_scales(_one(instrument, **parts), instrument, scales=["marketing_power"]).iloc[0]
    assert row["mean"] == 60 and row["index"] == 60


def test_scale_summary_and_cooperation(instrument, diagnostic):
    scores = score_scales(diagnostic.responses, instrument)
    summary = scale_summary(scores).set_index(["scale", "group"])
    coop = cooperation_index(scores)
    assert summary.loc[("cooperation", "all"), "mean"] == pytest.approx(coop["index"].mean())
    part = scores[scores["scale"] == "shared_goals"].dropna(subset=["index"])
    assert summary.loc[("shared_goals", "sales"), "n"] == (part["department"] == "sales").sum()
    with pytest.raises(ValueError, match="min_answered"):
        score_scales(diagnostic.responses, instrument, min_answered=0)
    with pytest.raises(ValueError, match="unknown scale"):
        score_scales(diagnostic.responses, instrument, scales=["nope"])


def test_scale_summary_hides_a_department_recoverable_from_all(instrument, diagnostic):
    data = diagnostic.responses
    keep = pd.concat(
        [data[data["department"] == "marketing"], data[data["department"] == "sales"].head(3)]
    )
    summary = scale_summary(score_scales(keep, instrument))
    # all - marketing would give the three sales respondents' mean: marketing is hidden too.
    assert set(summary["group"]) == {"all"}
    full = scale_summary(score_scales(data, instrument))
    assert set(full["group"]) == {"all", "marketing", "sales"}


def test_benchmarks_shares_and_wilson_intervals(instrument, diagnostic):
    from statsmodels.stats.proportion import proportion_confint

    data = diagnostic.responses
    table = compare_benchmarks(data, instrument).set_index("benchmark")
    grade = data.loc[data["department"] == "marketing", "OUT_GRADE"].dropna()
    k, n = int((grade >= 4).sum()), len(grade)
    row = table.loc["grade_4_to_6_marketing"]
    assert (row["n"], row["share"]) == (n, pytest.approx(k / n))
    assert (row["ci_low"], row["ci_high"]) == pytest.approx(
        proportion_confint(k, n, method="wilson")
    )
    assert row["published"] == 0.64 and bool(row["verified"])
    follow = table.loc[table.index.str.startswith("follow_up"), "share"]
    assert follow.sum() == pytest.approx(1.0)


def test_power_matches_textbook_values():
    # Cohen (1988): d = 0.5, alpha .05, power .8 needs 64 per group
    assert required_n(0.5)["n_per_department"].iloc[0] == 64
    assert detectable_effect(64, 64)["d"].iloc[0] == pytest.approx(0.5, abs=0.01)
    assert detectable_effect(30, 300)["d"].iloc[0] > detectable_effect(165, 165)["d"].iloc[0]
    with pytest.raises(ValueError):
        required_n(0)


def test_suppressed_benchmark_rows(instrument):
    wide = pd.concat([_one(instrument, OUT_GRADE=5)] * 3, ignore_index=True)
    wide["respondent_id"] = ["a", "b", "c"]
    wide["department"] = "marketing"
    row = compare_benchmarks(wide, instrument).set_index("benchmark").loc["grade_4_to_6_marketing"]
    assert np.isnan(row["n"]) and np.isnan(row["share"])  # n below the threshold is hidden too
