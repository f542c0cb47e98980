"""Perception and mirror gaps: same numbers as pingouin, planted gaps recovered, no false
gaps under the null, and Holm keeping the family-wise error near 5%."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pingouin as pg
import pytest
from scipy import stats

from analysis import twosample
from analysis.gaps import mirror_gaps, perception_gaps
from analysis.scoring import score_scales
from survey.responses import answers
from survey.synthetic import generate


@pytest.fixture(scope="module")
def clean(instrument):
    diag = generate(units=15, per_department=30, seed=21, scenario="clean")
    return diag, perception_gaps(diag.responses, instrument)


def test_welch_by_hand():
    a = np.array([[1.0], [2.0], [3.0], [4.0]])
    b = np.array([[2.0], [4.0], [6.0]])
    w = twosample.welch(twosample.describe(a), twosample.describe(b))
    va, vb = np.var([1, 2, 3, 4], ddof=1) / 4, np.var([2, 4, 6], ddof=1) / 3
    t = (2.5 - 4.0) / np.sqrt(va + vb)
    df = (va + vb) ** 2 / (va**2 / 3 + vb**2 / 2)
    assert w["t"][0] == pytest.approx(t) and w["dof"][0] == pytest.approx(df)
    assert w["p_welch"][0] == pytest.approx(2 * stats.t.sf(abs(t), df))


@pytest.mark.parametrize(
    "column",
    [
        "LEA_QUALITY",
        "OUT_GRADE",
        "LEA_FOLLOWUP_RATE",
        "POW_PRICING_marketing",
        "INF_MEET_FREQ",
        "KNW_CUSTOMERS_OWN",
    ],
)
def test_same_numbers_as_pingouin(instrument, diagnostic, column):
    data = diagnostic.responses
    gaps = perception_gaps(data, instrument).set_index("code")
    values = answers(data, instrument)
    x = values.loc[data["department"] == "marketing", column].dropna()
    y = values.loc[data["department"] == "sales", column].dropna()
    tt = pg.ttest(x, y, correction=True).iloc[0]
    mw = pg.mwu(x, y).iloc[0]
    row = gaps.loc[column]
    assert row["t"] == pytest.approx(tt["T"], abs=1e-9)
    assert row["dof"] == pytest.approx(tt["dof"], abs=1e-9)
    assert row["p_welch"] == pytest.approx(tt["p_val"], abs=1e-9)
    assert row["u"] == pytest.approx(mw["U_val"], abs=1e-9)
    assert row["p_mwu"] == pytest.approx(mw["p_val"], abs=1e-9)
    assert row["hedges_g"] == pytest.approx(pg.compute_effsize(x, y, eftype="hedges"), abs=1e-9)
    ci = pg.compute_esci(stat=row["hedges_g"], nx=len(x), ny=len(y), eftype="cohen", decimals=12)
    assert [row["g_ci_low"], row["g_ci_high"]] == pytest.approx(list(ci), abs=1e-9)
    # Cliff's delta from its definition
    delta = (np.sign(x.to_numpy()[:, None] - y.to_numpy()[None, :])).mean()
    assert row["cliffs_delta"] == pytest.approx(delta, abs=1e-12)


def test_categorical_tests_match_scipy(instrument, diagnostic):
    data = diagnostic.responses
    gaps = perception_gaps(data, instrument).set_index("code")
    table = pd.crosstab(
        data["department"], data["LEA_SCORING_JOINT"].where(data["LEA_SCORING_JOINT"] != -9)
    ).to_numpy()
    res = stats.chi2_contingency(table, correction=False)
    assert gaps.loc["LEA_SCORING_JOINT", "chi2"] == pytest.approx(res.statistic)
    assert gaps.loc["LEA_SCORING_JOINT", "p"] == pytest.approx(res.pvalue)
    small = np.array([[3.0, 1.0], [1.0, 3.0]])
    a = np.array([[1.0]] * 3 + [[2.0]])
    b = np.array([[1.0]] + [[2.0]] * 3)
    out = twosample.contingency(a, b)
    assert out["p_chi2"][0] == pytest.approx(stats.fisher_exact(small).pvalue)


def test_planted_gaps_are_recovered(clean, instrument):
    diag, gaps = clean
    g = gaps.set_index("code")
    truth = diag.truth["expected_item_means"]
    for col in ("LEA_QUALITY", "INF_TIMELY", "KNW_CUSTOMERS_OWN"):
        planted = truth[col]["marketing"] - truth[col]["sales"]
        assert g.loc[col, "diff"] == pytest.approx(planted, abs=0.2), col
    assert g.loc["LEA_QUALITY", "p_adj"] < 0.001 and g.loc["LEA_QUALITY", "diff"] > 0
    assert g.loc["lead_management", "diff"] > 10  # planted: 18 index points
    assert (g.loc["INF_MEET_FREQ", "mode_marketing"], g.loc["INF_MEET_FREQ", "mode_sales"]) == (
        3.0,
        5.0,
    )
    assert g.loc["LEA_FOLLOWUP_RATE", "diff"] == pytest.approx(45 - 75, abs=3)


def test_mirror_gaps_show_self_flattery_with_opposite_interpretations(clean, instrument):
    diag, _ = clean
    mirror = mirror_gaps(diag.responses, instrument)
    comp = mirror[mirror["gap_type"] == "competence"]
    assert len(comp) == 6 and (comp["diff"] > 0).all() and (comp["p_adj"] < 0.05).all()
    assert set(mirror["interpretation"]) >= {
        "competence differences hurt cooperation",
        "different orientations can help market performance",
    }
    horizon = mirror[mirror["construct"] == "short_vs_long_term"].set_index("target")
    assert horizon.loc["marketing", "self_mean"] > horizon.loc["sales", "self_mean"] + 1


def test_no_false_gaps_under_the_null(instrument):
    diag = generate(units=10, per_department=30, seed=5, scenario="null")
    gaps = perception_gaps(diag.responses, instrument)
    assert (gaps["p_adj"] < 0.05).sum() == 0
    mirror = mirror_gaps(diag.responses, instrument)
    assert (mirror["p_adj"] < 0.05).sum() == 0


def test_holm_keeps_the_familywise_error_near_five_percent():
    rng = np.random.default_rng(3)
    sims, k, n = 400, 40, 60
    hits = 0
    for _ in range(sims):
        a, b = rng.normal(size=(n, k)), rng.normal(size=(n, k))
        p = twosample.welch(twosample.describe(a), twosample.describe(b))["p_welch"]
        hits += (twosample.adjust_p(p, "holm") < 0.05).any()
    rate = hits / sims
    assert 0.02 <= rate <= 0.08  # binomial 95% range around 0.05 for 400 simulations
    unadjusted = (
        sum(
            (
                twosample.welch(
                    twosample.describe(rng.normal(size=(n, k))),
                    twosample.describe(rng.normal(size=(n, k))),
                )["p_welch"]
                < 0.05
            ).any()
            for _ in range(50)
        )
        / 50
    )
    assert unadjusted > 0.6  # without correction a long questionnaire "finds" gaps


def test_small_groups_are_suppressed(instrument):
    data = generate(units=3, per_department=10, seed=1).responses
    few = pd.concat(
        [data[data["department"] == "marketing"], data[data["department"] == "sales"].head(4)]
    )
    gaps = perception_gaps(few, instrument)
    assert gaps["suppressed"].all() and gaps["mean_sales"].isna().all()
    assert gaps["p_adj"].isna().all()


def test_mirror_hides_counts_of_suppressed_cells(instrument):
    data = generate(units=3, per_department=10, seed=1).responses
    few = pd.concat(
        [data[data["department"] == "marketing"], data[data["department"] == "sales"].head(3)]
    )
    mirror = mirror_gaps(few, instrument)
    hidden = mirror[mirror["suppressed"]]
    assert len(hidden) and hidden[["n_self", "n_other", "self_mean"]].isna().all().all()


def test_scores_are_matched_by_respondent_not_by_row_order(instrument, diagnostic):
    data = diagnostic.responses
    scores = score_scales(data, instrument)
    expected = perception_gaps(data, instrument).set_index("code")["diff"]
    shuffled = scores.sample(frac=1, random_state=0)
    got = perception_gaps(data, instrument, scores=shuffled).set_index("code")["diff"]
    pd.testing.assert_series_equal(got, expected)
    with pytest.raises(ValueError, match="scores lack scale"):
        perception_gaps(
            data, instrument, scores=score_scales(data, instrument, scales=["lead_management"])
        )
    with pytest.raises(ValueError, match="lack 1 respondent"):
        one = data["respondent_id"].iloc[0]
        perception_gaps(data, instrument, scores=scores[scores["respondent_id"] != one])


def test_bad_input(instrument, diagnostic):
    with pytest.raises(ValueError, match="group column"):
        perception_gaps(diagnostic.responses, instrument, by="nope")
    bad = diagnostic.responses.assign(department="finance")
    with pytest.raises(ValueError, match="must hold"):
        perception_gaps(bad, instrument)
    with pytest.raises(ValueError, match="unknown padjust"):
        perception_gaps(diagnostic.responses, instrument, padjust="magic")


@pytest.mark.parametrize(
    ("ours", "theirs"), [("holm", "holm"), ("fdr_bh", "fdr_bh"), ("bonf", "bonferroni")]
)
def test_p_adjustment_matches_statsmodels(ours, theirs):
    from statsmodels.stats.multitest import multipletests

    p = np.random.default_rng(8).uniform(0, 0.2, 30) ** 2
    assert twosample.adjust_p(p, ours) == pytest.approx(
        multipletests(p, method=theirs)[1], abs=1e-12
    )


def test_medians_from_counts_match_numpy():
    rng = np.random.default_rng(0)
    a = rng.integers(1, 8, (101, 3)).astype(float)
    a[5, 0] = np.nan
    b = rng.normal(size=(50, 3))
    res = twosample.mann_whitney(a, b)
    assert res["median_a"] == pytest.approx(np.nanmedian(a, axis=0))
    assert res["median_b"] == pytest.approx(np.median(b, axis=0))


def test_missing_department_values_are_a_clear_error(instrument, diagnostic):
    data = diagnostic.responses.copy()
    data["department"] = data["department"].astype(object)
    data.loc[data.index[0], "department"] = None
    with pytest.raises(ValueError, match="'department' has missing values"):
        perception_gaps(data, instrument)
