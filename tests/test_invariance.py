"""Measurement invariance: lavaan's published HS-by-school sequence and planted effects.

Published values: lavaan tutorial "Multiple groups" (lavaan.ugent.be/tutorial/groups.html;
its source with the printed output: github.com/yrosseel/lavaan.org.old,
tutorial.src/groups.tex), semTools::measurementInvariance(HS.model, group = "school"):
configural chi-square 115.851 (df 48, CFI 0.923, RMSEA 0.097), weak 124.044 (df 54, CFI
0.921, RMSEA 0.093; difference 8.192 on 6 df, p 0.224, delta CFI 0.002), strong 164.103
(df 60, CFI 0.882, RMSEA 0.107; against weak 40.059 on 6 df, delta CFI 0.038); and the
equal-loadings fit's loadings x2 0.599 (SE 0.100), x3 0.784 (0.108), x5 1.083 (0.067),
x6 0.912 (0.058), x8 1.201 (0.155), x9 1.038 (0.136).
"""

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import r_reference

from analysis.invariance import (
    invariance_by_scale,
    locate_noninvariance,
    measurement_invariance,
    model_from_scales,
)

HS_CSV = Path(__file__).parent / "fixtures" / "research" / "holzinger_swineford_1939.csv"
HS_MODEL = "visual =~ x1 + x2 + x3\ntextual =~ x4 + x5 + x6\nspeed =~ x7 + x8 + x9"
TWO_FACTORS = "coop =~ a1 + a2 + a3 + a4\ninfo =~ b1 + b2 + b3"


def planted_departments(seed: int, shift: float = 0.0, n: int = 300) -> pd.DataFrame:
    """Two departments, two factors; sales reads item a3 with intercept shifted by `shift`."""
    rng = np.random.default_rng(seed)
    loads = {"a1": 1.0, "a2": 0.8, "a3": 0.9, "a4": 0.7, "b1": 1.0, "b2": 0.9, "b3": 0.6}
    frames = []
    for dept, mean in (("marketing", 0.0), ("sales", -0.4)):
        f = rng.multivariate_normal([mean, mean / 2], [[1.0, 0.4], [0.4, 0.8]], size=n)
        cols = {}
        for item, lam in loads.items():
            eta = f[:, 0] if item.startswith("a") else f[:, 1]
            cols[item] = 3.0 + lam * eta + rng.normal(scale=0.6, size=n)
        if dept == "sales":
            cols["a3"] = cols["a3"] + shift
        frames.append(pd.DataFrame(cols).assign(department=dept))
    return pd.concat(frames, ignore_index=True)


@pytest.fixture(scope="module")
def hs():
    return pd.read_csv(HS_CSV)


def test_hs_sequence_matches_lavaan(hs):
    mi = measurement_invariance(hs, HS_MODEL, group="school").set_index("level")
    assert mi["chi2"].round(3).to_dict() == {
        "configural": 115.851,
        "metric": 124.044,
        "scalar": 164.103,
    }
    assert mi["df"].to_dict() == {"configural": 48, "metric": 54, "scalar": 60}
    assert mi["cfi"].round(3).tolist() == [0.923, 0.921, 0.882]
    assert mi["rmsea"].round(3).tolist() == [0.097, 0.093, 0.107]
    assert round(mi.loc["metric", "chi2_diff"], 3) == 8.192
    assert round(mi.loc["metric", "p_diff"], 3) == 0.224
    assert round(mi.loc["scalar", "chi2_diff"], 3) == 40.059
    # semTools prints the CFI drop as a positive number
    assert (-mi["delta_cfi"].iloc[1:]).round(3).tolist() == [0.002, 0.038]
    assert mi.loc["metric", "df_diff"] == 6
    # metric invariance holds, scalar does not (the textbook conclusion for this example)
    assert mi.loc["metric", "p_diff"] > 0.05 and mi.loc["metric", "holds"]
    assert mi.loc["scalar", "p_diff"] < 0.001 and not mi.loc["scalar", "holds"]


def test_planted_intercept_shift_is_found_and_freeing_it_restores_scalar():
    data = planted_departments(seed=11, shift=0.8)
    mi = measurement_invariance(data, TWO_FACTORS, group="department").set_index("level")
    assert mi.loc["metric", "p_diff"] > 0.01
    assert mi.loc["scalar", "p_diff"] < 1e-6
    assert not mi.loc["scalar", "holds"]

    found = locate_noninvariance(data, TWO_FACTORS, group="department")
    assert found["parameter"].iloc[0] == "a3 ~ 1"
    assert found["p_holm"].iloc[0] < 1e-6
    # the shift smears onto same-factor intercepts one at a time; once a3 is freed, none remain
    rest = locate_noninvariance(data, TWO_FACTORS, group="department", partial=["a3 ~ 1"])
    assert "a3 ~ 1" not in set(rest["parameter"])
    assert (rest["p_holm"] > 0.01).all()

    partial = measurement_invariance(data, TWO_FACTORS, group="department", partial=["a3 ~ 1"])
    scalar = partial.set_index("level").loc["scalar"]
    assert scalar["freed"] == "a3 ~ 1"
    assert scalar["df_diff"] == 4  # 7 intercepts - 1 freed - 2 latent means now free
    assert scalar["p_diff"] > 0.05 and scalar["holds"]


def test_groups_below_threshold_are_left_out():
    data = planted_departments(seed=12)
    tiny = data.head(4).assign(department="management")
    mi = measurement_invariance(pd.concat([data, tiny]), TWO_FACTORS, group="department")
    assert (mi["groups"] == "marketing, sales").all()
    assert (mi["suppressed_groups"] == 1).all()
    assert "management" not in mi.to_string()


def test_no_planted_shift_means_scalar_holds():
    data = planted_departments(seed=12, shift=0.0)
    mi = measurement_invariance(data, TWO_FACTORS, group="department").set_index("level")
    assert mi.loc["scalar", "p_diff"] > 0.05
    assert mi["holds"].all()


def test_planted_loading_difference_is_found_at_metric_level():
    data = planted_departments(seed=13)
    sales = data["department"] == "sales"
    data.loc[sales, "b2"] = 3.0 + 2.0 * (data.loc[sales, "b2"] - 3.0)  # sales: loading doubled
    found = locate_noninvariance(data, TWO_FACTORS, group="department", level="metric")
    assert found["parameter"].iloc[0] == "info =~ b2"


def test_model_from_instrument_scales():
    from survey.instrument import load_instrument

    ins = load_instrument()
    model = model_from_scales(ins)
    assert list(model) == [s.code for s in ins.scales]
    assert all(model[s.code] == ins.scale_columns(s) for s in ins.scales)
    with pytest.raises(KeyError, match="unknown scale"):
        model_from_scales(ins, ["no_such_scale"])


def test_invariance_input_errors(hs):
    with pytest.raises(KeyError, match="group column"):
        measurement_invariance(hs, HS_MODEL, group="classroom")
    with pytest.raises(ValueError, match="two or more"):
        measurement_invariance(hs.assign(one="a"), HS_MODEL, group="one")
    tiny = hs.assign(split=np.where(hs.index < 3, "tiny", "rest"))
    with pytest.raises(ValueError, match="two or more") as err:
        measurement_invariance(tiny, HS_MODEL, group="split")
    assert "tiny" not in str(err.value) and ": 3" not in str(err.value)  # no size below 5
    dk = hs.assign(x5=hs["x5"].where(hs.index != 3, -9))
    with pytest.raises(ValueError, match="don't-know"):
        measurement_invariance(dk, HS_MODEL, group="school")
    with pytest.raises(ValueError, match="cannot free"):
        measurement_invariance(hs, HS_MODEL, group="school", partial=["x42 ~ 1"])


def test_planted_item_in_synthetic_survey_is_found():
    """Project pipeline: synthetic diagnostic -> answers -> instrument scales -> invariance."""
    from survey.instrument import load_instrument
    from survey.responses import answers
    from survey.synthetic import generate

    ins = load_instrument()
    raw = generate(units=12, per_department=20, seed=3, scenario="clean").responses
    data = answers(raw, ins).assign(department=raw["department"].to_numpy())
    model = model_from_scales(ins, ["information_quality", "shared_goals"])
    clean = measurement_invariance(data, model, group="department").set_index("level")
    assert clean["holds"].all() and clean.loc["scalar", "p_diff"] > 0.05
    codes = ["information_quality", "shared_goals"]
    assert invariance_by_scale(data, ins, scales=codes)["means_comparable"].all()

    sales = data["department"] == "sales"
    data.loc[sales, "INF_CUSTOMER_FEEDBACK"] += 1.0  # sales reads this item one point higher
    shifted = measurement_invariance(data, model, group="department").set_index("level")
    assert shifted.loc["scalar", "p_diff"] < 1e-4 and not shifted.loc["scalar", "holds"]
    found = locate_noninvariance(data, model, group="department")
    assert found["parameter"].iloc[0] == "INF_CUSTOMER_FEEDBACK ~ 1"
    by_scale = invariance_by_scale(data, ins, scales=codes).set_index("scale")
    assert by_scale["supported_level"].to_dict() == {
        "information_quality": "metric",
        "shared_goals": "scalar",
    }
    partial = measurement_invariance(
        data, model, group="department", partial=["INF_CUSTOMER_FEEDBACK ~ 1"]
    ).set_index("level")
    assert partial.loc["scalar", "p_diff"] > 0.05 and partial.loc["scalar", "holds"]


def test_rmsea_criterion_skipped_at_small_df():
    """A four-item factor: the metric model has 7 df, where RMSEA moves on noise."""
    data = planted_departments(seed=11, shift=0.1)
    model = "coop =~ a1 + a2 + a3 + a4"
    mi = measurement_invariance(data, model, group="department").set_index("level")
    scalar = mi.loc["scalar"]
    assert mi.loc["metric", "df"] == 7
    assert scalar["p_diff"] > 0.05 and scalar["delta_cfi"] > -0.01
    assert scalar["delta_rmsea"] > 0.015  # would fail the RMSEA criterion ...
    assert mi["holds"].all()  # ... which does not apply below 10 df
    strict = measurement_invariance(data, model, group="department", rmsea_min_df=0)
    assert not strict.set_index("level").loc["scalar", "holds"]


def test_by_scale_reports_untestable_scales_instead_of_failing():
    from survey.instrument import load_instrument
    from survey.responses import answers
    from survey.synthetic import generate

    ins = load_instrument()
    codes = ["information_quality", "shared_goals"]
    raw = generate(units=2, per_department=10, seed=3, scenario="clean").responses
    small = answers(raw, ins).assign(department=raw["department"].to_numpy())
    out = invariance_by_scale(small, ins, scales=codes)
    assert (out["status"] == "too_few").all() and not out["means_comparable"].any()
    assert out["supported_level"].isna().all()
    # the note gives the rule, never a group's size
    assert set(out["note"]) == {"fewer than two groups with 30 complete answers"}

    raw = generate(units=12, per_department=20, seed=3, scenario="clean").responses
    data = answers(raw, ins).assign(department=raw["department"].to_numpy())
    data.loc[data["department"] == "sales", "INF_TIMELY"] = 4.0  # a constant: singular
    out = invariance_by_scale(data, ins, scales=codes).set_index("scale")
    assert out.loc["information_quality", "status"] == "no_fit"
    assert "singular" in out.loc["information_quality", "note"]
    assert out.loc["shared_goals", "status"] == "tested"
    with pytest.raises(ValueError, match="don't-know"):
        invariance_by_scale(data.assign(GOA_INCENTIVES=-9.0), ins, scales=codes)


def test_converged_accepts_a_vanishing_projected_gradient():
    from scipy.optimize import OptimizeResult

    from analysis.cfa import _converged

    bounds = [(None, None), (1e-6, None)]
    at_bound = OptimizeResult(success=False, jac=np.array([1e-9, 0.5]), x=np.array([0.3, 1e-6]))
    assert _converged(at_bound, bounds)  # the second parameter is held at its bound
    stuck = OptimizeResult(success=False, jac=np.array([1e-3, 0.0]), x=np.array([0.3, 1.0]))
    assert not _converged(stuck, bounds)


def test_equal_loadings_estimates_match_lavaans_printed_output(hs):
    from analysis.cfa import cfa

    fit = cfa(hs, HS_MODEL, group="school", equal=["loadings"])
    assert round(fit.fit.iloc[0]["chi2"], 3) == 124.044
    est = fit.estimates
    loads = est[(est["op"] == "=~") & est["free"]].set_index(["group", "rhs"])
    printed = {  # estimate, SE, z: the same in both schools (held equal)
        "x2": (0.599, 0.100, 5.979),
        "x3": (0.784, 0.108, 7.267),
        "x5": (1.083, 0.067, 16.049),
        "x6": (0.912, 0.058, 15.785),
        "x8": (1.201, 0.155, 7.738),
        "x9": (1.038, 0.136, 7.629),
    }
    for school in ("Pasteur", "Grant-White"):
        for item, values in printed.items():
            row = loads.loc[(school, item)]
            assert (round(row["estimate"], 3), round(row["se"], 3), round(row["z"], 3)) == values


# --- against R lavaan (tests/reference/invariance_ml.R) ---------------------------------


@pytest.mark.parametrize("case", [k for k in r_reference.load("invariance_ml") if k != "versions"])
def test_ml_invariance_sequence_matches_lavaan(case):
    ref = r_reference.load("invariance_ml")[case]
    data = (
        r_reference.data("holzinger_swineford_1939")
        if case.startswith("hs")
        else r_reference.synthetic()
    )
    mi = measurement_invariance(data, ref["model"], group=ref["group"]).set_index("level")
    assert mi["groups"].iloc[0] == ", ".join(ref["groups"])
    for level in ("configural", "metric", "scalar"):
        for ours, theirs in [("chi2", "chisq"), ("df", "df"), ("cfi", "cfi"), ("tli", "tli"),
                             ("rmsea", "rmsea"), ("srmr", "srmr")]:  # fmt: skip
            assert mi.loc[level, ours] == pytest.approx(ref[level][theirs], abs=1e-4), (level, ours)


# --- ordered items: semTools measEq.syntax + lavaan WLSMV (invariance_ordinal.R) ----------

ORDERED_STEPS = {"configural": "configural", "thresholds": "thresholds", "metric": "loadings",
                 "scalar": "intercepts"}  # fmt: skip


@pytest.mark.parametrize(
    "case", [k for k in r_reference.load("invariance_ordinal") if k != "versions"]
)
def test_ordinal_invariance_sequence_matches_lavaan(case):
    ref = r_reference.load("invariance_ordinal")[case]
    name = "synth_u12_p45_s3_shifted" if case.startswith("shifted") else "synth_u12_p45_s3"
    data = r_reference.data(name)
    mi = measurement_invariance(data, ref["model"], group="department", ordered=True)
    mi = mi.set_index("level")
    assert list(mi.index) == list(ORDERED_STEPS)
    assert (mi["estimator"] == "WLSMV").all() and mi["converged"].all()
    assert mi["groups"].iloc[0] == ", ".join(ref["groups"])
    for ours, theirs in ORDERED_STEPS.items():
        want = ref[theirs]
        assert mi.loc[ours, "df"] == want["df.scaled"]
        assert mi.loc[ours, "chi2"] == pytest.approx(want["chisq.scaled"], rel=2e-5, abs=1e-3)
        for col, key in [("cfi", "cfi.scaled"), ("tli", "tli.scaled"), ("rmsea", "rmsea.scaled")]:
            assert mi.loc[ours, col] == pytest.approx(want[key], abs=1e-5), (ours, col)
        if ours != "configural":  # lavTestLRT's scaled-shifted difference test
            lrt = ref["lrt"][theirs]
            assert mi.loc[ours, "df_diff"] == lrt["df_diff"]
            assert mi.loc[ours, "chi2_diff"] == pytest.approx(lrt["chisq_diff"], rel=1e-4)
            assert mi.loc[ours, "p_diff"] == pytest.approx(lrt["p"], abs=1e-4)


def test_planted_threshold_shift_is_found_by_the_ordinal_test():
    """STR_PLANNING_WORKS moved up a category for two in three sales respondents (see
    tests/reference/synthetic.py): scalar invariance fails; without the shift it holds."""
    from survey import load_instrument

    ins = load_instrument()
    shifted = invariance_by_scale(
        r_reference.data("synth_u12_p45_s3_shifted"), ins, scales=["structural_linkages"]
    ).iloc[0]
    clean = invariance_by_scale(
        r_reference.data("synth_u12_p45_s3"), ins, scales=["structural_linkages"]
    ).iloc[0]
    assert shifted["model"] == clean["model"] == "ordinal"
    assert shifted["estimator"] == "WLSMV"
    assert clean["supported_level"] == "scalar" and clean["means_comparable"]
    assert shifted["supported_level"] == "metric" and not shifted["means_comparable"]
    assert shifted["delta_rmsea_scalar"] > 0.015
    assert shifted["p_scalar"] < 1e-4 < clean["p_scalar"]


def test_invariance_by_scale_says_which_model_and_falls_back():
    from survey import load_instrument

    ins = load_instrument()
    data = r_reference.data("synth_u12_p45_s3")
    res = invariance_by_scale(data, ins, scales=["marketing_power", "mutual_learning"]).set_index(
        "scale"
    )
    assert res.loc["marketing_power", "model"] == "continuous"  # percentages, not ordinal
    assert res.loc["mutual_learning", "model"] == "ordinal"
    few = invariance_by_scale(data, ins, scales=["mutual_learning"], min_ordinal_n=1000).iloc[0]
    assert few["model"] == "continuous" and few["estimator"] == "ML"
    assert "fewer than 1000 answers per group" in few["note"]
    # A category nobody in one department chose: lavaan cannot fit; continuous model.
    gap = data.copy()
    item = "LRN_BRAND"
    gap.loc[(gap["department"] == "sales") & (gap[item] == 1), item] = 2
    res = invariance_by_scale(gap, ins, scales=["mutual_learning"]).iloc[0]
    assert res["model"] == "continuous" and "category is empty" in res["note"]
