"""ICC(1)/ICC(2) against pingouin and by hand (unequal groups); rwg and AD by hand."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pingouin as pg
import pytest
import r_reference

from analysis.agreement import icc, rwg


def test_icc_matches_pingouin_on_balanced_data():
    rng = np.random.default_rng(2)
    df = pd.DataFrame(
        {
            "u": np.repeat(list("abcdefgh"), 6),
            "v": rng.normal(size=48) + np.repeat(rng.normal(size=8), 6),
        }
    )
    df["rater"] = np.tile(range(6), 8)
    ref = pg.intraclass_corr(df, targets="u", raters="rater", ratings="v").set_index("Type")
    res = icc(df, value="v", group="u").iloc[0]
    assert res["icc1"] == pytest.approx(ref.loc["ICC(1,1)", "ICC"], abs=1e-12)
    assert res["icc2"] == pytest.approx(ref.loc["ICC(1,k)", "ICC"], abs=1e-12)
    assert res["f"] == pytest.approx(ref.loc["ICC(1,1)", "F"], abs=1e-12)


def test_icc_unequal_groups_by_hand():
    df = pd.DataFrame(
        {"u": list("aaaaabbbbbbbccccc"), "v": [1, 2, 3, 2, 2, 5, 6, 5, 7, 6, 5, 6, 3, 4, 3, 4, 3]}
    )
    res = icc(df, value="v", group="u").iloc[0]
    sizes = np.array([5, 7, 5])
    means = np.array([2.0, 40 / 7, 3.4])
    grand = df["v"].mean()
    msb = (sizes * (means - grand) ** 2).sum() / 2
    msw = df.groupby("u")["v"].var().mul(sizes - 1).sum() / (17 - 3)
    k = (17 - (sizes**2).sum() / 17) / 2
    assert res["icc1"] == pytest.approx((msb - msw) / (msb + (k - 1) * msw))
    assert res["icc2"] == pytest.approx((msb - msw) / msb)
    assert res["k"] == pytest.approx(k)


def test_icc_drops_groups_below_threshold():
    df = pd.DataFrame({"u": list("aaaaabbbbbcc"), "v": [1, 2, 3, 2, 2, 5, 6, 5, 7, 6, 9, 9]})
    assert icc(df, value="v", group="u")["n_groups"].iloc[0] == 2
    with pytest.raises(ValueError, match="at least 2 groups"):
        icc(df, value="v", group="u", threshold=6)


def test_rwg_by_hand():
    df = pd.DataFrame(
        {
            "unit": ["a"] * 5 + ["b"] * 5 + ["c"] * 2,
            "x": [4, 4, 5, 5, 4, 1, 7, 1, 7, 4, 3, 3],
            "y": [3, 4, 4, 4, 5, 7, 1, 7, 1, 4, 3, 3],
        }
    )
    res = rwg(df, ["x", "y"], group="unit", n_options=7).set_index("group")
    assert list(res.index) == ["a", "b"]  # c is below the threshold
    null = (49 - 1) / 12
    ratio = np.mean([0.3, 0.5]) / null
    assert res.loc["a", "rwg_j"] == pytest.approx(2 * (1 - ratio) / (2 * (1 - ratio) + ratio))
    assert res.loc["b", "rwg_j"] == 0.0  # more spread than the uniform null: set to 0
    assert res.loc["a", "ad_j"] == pytest.approx(np.mean([0.48, 0.4]))


def test_icc_degenerate_variance_gives_nan_not_zero_division():
    split = pd.DataFrame({"u": list("aaaaabbbbb"), "v": [1.0] * 5 + [2.0] * 5})
    res = icc(split, value="v", group="u").iloc[0]
    assert (res["icc1"], res["icc2"], res["f"], res["p"]) == (1.0, 1.0, np.inf, 0.0)
    flat = icc(split.assign(v=3.0), value="v", group="u").iloc[0]
    assert np.isnan([flat["icc1"], flat["icc2"], flat["f"], flat["p"]]).all()
    single = icc(
        pd.DataFrame({"u": list("ab"), "v": [1.0, 2.0]}), value="v", group="u", threshold=1
    )
    assert single["df_within"].iloc[0] == 0 and np.isnan(single["icc1"].iloc[0])


def test_rwg_refuses_dont_know_codes_and_counts_answers():
    df = pd.DataFrame({"unit": ["a"] * 6, "x": [4, 4, 5, 5, 4, 4], "y": [3, 4, 4, 4, 5, 4]})
    with pytest.raises(ValueError, match=r"\['x'\] hold codes outside 1..7"):
        rwg(df.assign(x=[-9, 4, 5, 5, 4, 4]), ["x", "y"], group="unit", n_options=7)
    # Six rows but only four answered anything: below the threshold of 5.
    holes = df.astype({"x": float, "y": float})
    holes.loc[[0, 1], ["x", "y"]] = np.nan
    assert rwg(holes, ["x", "y"], group="unit", n_options=7).empty
    res = rwg(holes, ["x", "y"], group="unit", n_options=7, threshold=4).iloc[0]
    assert res["n"] == 4
    null = 48 / 12
    ratio = np.mean([holes["x"].var(), holes["y"].var()]) / null
    assert res["rwg_j"] == pytest.approx(2 * (1 - ratio) / (2 * (1 - ratio) + ratio))


def test_icc_of_constant_non_integer_values_is_nan_not_rounding_noise():
    df = pd.DataFrame({"u": np.repeat(list("abcde"), 7), "v": 100 / 3})
    assert np.isnan(icc(df, value="v", group="u")["icc1"].iloc[0])


# --- against R multilevel (tests/reference/agreement.R) -------------------------------------


@pytest.mark.parametrize("scale", [k for k in r_reference.load("agreement") if k != "versions"])
def test_rwg_ad_and_icc_match_multilevel(scale):
    ref = r_reference.load("agreement")[scale]
    data = r_reference.synthetic()
    res = rwg(data, ref["items"], group="business_unit", n_options=ref["n_options"]).set_index(
        "group"
    )
    assert res.index.tolist() == ref["groups"]
    np.testing.assert_allclose(res["rwg_j"], ref["rwg_j"], atol=1e-9)
    np.testing.assert_allclose(res["ad_j"], ref["ad_j"], atol=1e-9)
    np.testing.assert_array_equal(res["n"], ref["gsize"])
    score = data.assign(score=data[ref["items"]].mean(axis=1))
    out = icc(score, value="score", group="business_unit").iloc[0]
    assert out["icc2"] == pytest.approx(ref["icc2"], abs=1e-9)
    # Unequal units: Bliese's adjusted group size, from R's ANOVA mean squares
    # (multilevel::ICC1 itself uses N/G, which differs in the fourth decimal here).
    assert out["icc1"] == pytest.approx(ref["icc1_adjusted"], abs=1e-9)
    assert out["k"] == pytest.approx(ref["k_adjusted"], abs=1e-9)
    assert out["icc1"] == pytest.approx(ref["icc1_multilevel"], abs=1e-3)
