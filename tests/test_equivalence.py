"""Equivalence tests (TOST, Wellek's chi-square) against R and pingouin, their verdicts,
and their error rates under the null."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pingouin as pg
import pytest
from r_reference import data as reference_data
from r_reference import load as reference

from analysis import twosample
from analysis.gaps import gap_verdict, perception_gaps


@pytest.fixture(scope="module")
def ref():
    return reference("equivalence")


@pytest.fixture(scope="module")
def data():
    return reference_data("equivalence")


def test_tost_welch_matches_r(ref, data):
    a, b = data[data.group == "a"], data[data.group == "b"]
    for row in ref["tost"]:
        x, y = a[[row["variable"]]].to_numpy(float), b[[row["variable"]]].to_numpy(float)
        da, db = twosample.describe(x), twosample.describe(y)
        bound = ref["sesoi"] * twosample.pooled_sd(da, db)
        assert bound[0] == pytest.approx(row["bound"], abs=1e-12)
        res = twosample.tost_welch(da, db, bound)
        for key in ("p_lower", "p_upper", "p_equivalence"):
            assert res[key][0] == pytest.approx(row[key], rel=1e-9, abs=1e-15), key


def test_tost_welch_matches_pingouin(data):
    a, b = data[data.group == "a"], data[data.group == "b"]
    for v in ("x1", "x2", "x3", "x4"):
        x, y = a[v].to_numpy(float), b[v].to_numpy(float)
        res = twosample.tost_welch(
            twosample.describe(x[:, None]), twosample.describe(y[:, None]), 0.5
        )
        expected = pg.tost(x, y, bound=0.5, correction=True)["pval"].iloc[0]
        assert res["p_equivalence"][0] == pytest.approx(expected, rel=1e-9)


def test_equivalence_chi2_matches_r(ref):
    for row in ref["chisq"]:
        p = twosample.equivalence_chi2(
            np.array([row["chi2"]]), np.array([row["n"]]), np.array([row["dof"]]), row["w0"]
        )
        assert p[0] == pytest.approx(row["p_equivalence"], rel=1e-9)
    assert twosample.d_to_w(ref["sesoi"]) == pytest.approx(ref["chisq"][0]["w0"], rel=1e-12)


def test_chi2_of_contingency_matches_r(ref, data):
    for row in ref["chisq"]:
        v = row["variable"]
        x = data.loc[data.group == "a", v].to_numpy(float)
        y = data.loc[data.group == "b", v].to_numpy(float)
        values = np.union1d(x, y)
        cx = np.array([(x == u).sum() for u in values])
        cy = np.array([(y == u).sum() for u in values])
        ct = twosample.contingency_counts([(values, cx, cy)])
        assert ct["chi2"][0] == pytest.approx(row["chi2"], rel=1e-9)
        assert ct["dof"][0] == row["dof"]


def test_verdicts_on_the_example(diagnostic, instrument):
    example = diagnostic.responses
    gaps = perception_gaps(example, instrument).set_index("code")
    shown = gaps[~gaps["suppressed"]]
    assert set(shown["verdict"].dropna()) <= {"different", "equivalent", "inconclusive"}
    assert shown["verdict"].notna().all()
    assert gaps.loc[gaps["suppressed"], "verdict"].isna().all()
    different = shown[shown["verdict"] == "different"]
    assert (different["p_adj"] < 0.05).all()
    assert (different["p_equivalence_adj"] >= 0.05).all()
    # A gap inside a CI narrower than the bounds is equivalent and must not be "different".
    numeric = shown[shown["test"] == "numeric"]
    inside = (numeric["ci_low"] > -numeric["eq_bound"]) & (numeric["ci_high"] < numeric["eq_bound"])
    assert (numeric.loc[inside, "verdict"] != "different").all()


def test_sesoi_is_checked(diagnostic, instrument):
    example = diagnostic.responses
    with pytest.raises(ValueError, match="sesoi"):
        perception_gaps(example, instrument, sesoi=0)


def test_wider_bounds_give_more_equivalence(diagnostic, instrument):
    example = diagnostic.responses
    narrow = perception_gaps(example, instrument, sesoi=0.1)
    wide = perception_gaps(example, instrument, sesoi=1.0)
    assert (wide["verdict"] == "equivalent").sum() > (narrow["verdict"] == "equivalent").sum()
    assert (wide["p_equivalence"] <= narrow["p_equivalence"] + 1e-12).all()


def test_gap_verdict_rules():
    out = gap_verdict(pd.Series([0.01, 0.01, 0.5, np.nan]), pd.Series([0.5, 0.01, 0.5, np.nan]))
    assert out.tolist() == ["different", "equivalent", "inconclusive", "inconclusive"]


@pytest.mark.slow
def test_error_rates_under_the_null():
    """400 simulated diagnostics: TOST declares equivalence at the boundary (true d = 0.3)
    in about 5% of them, and Holm keeps the family-wise error of "different" (20 variables,
    no true gap) near 5%."""
    rng = np.random.default_rng(7)
    sims, n, k = 400, 80, 20
    false_equivalent = 0
    family_errors = 0
    for _ in range(sims):
        x = rng.normal(0.3, 1.0, size=(n, 1))
        y = rng.normal(0.0, 1.0, size=(n, 1))
        da, db = twosample.describe(x), twosample.describe(y)
        p = twosample.tost_welch(da, db, 0.3 * twosample.pooled_sd(da, db))["p_equivalence"][0]
        false_equivalent += p < 0.05
        xa, yb = rng.normal(size=(n, k)), rng.normal(size=(n, k))
        p_null = twosample.welch(twosample.describe(xa), twosample.describe(yb))["p_welch"]
        family_errors += (twosample.adjust_p(p_null, "holm") < 0.05).any()
    rate_eq, fwer = false_equivalent / sims, family_errors / sims
    # Binomial 99% band around 5% for 400 draws: about 2.2% to 8.3%.
    print(f"false equivalence {rate_eq:.3f}, Holm family-wise error {fwer:.3f}")
    assert 0.015 <= rate_eq <= 0.085, rate_eq
    assert 0.015 <= fwer <= 0.085, fwer
