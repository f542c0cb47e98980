"""Key drivers: relative weights and general dominance against R and the published
worked example, planted drivers recovered, anonymity of the groups."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from r_reference import data as reference_data
from r_reference import load as reference

from analysis.drivers import dominance_analysis, key_drivers, relative_weights
from analysis.scoring import score_scales


@pytest.fixture(scope="module")
def ref():
    return reference("drivers")


def test_relative_weights_match_the_published_example(ref):
    cars = reference_data("mtcars")
    rw = relative_weights(cars, outcome="mpg", predictors=["cyl", "disp", "hp", "gear"], n_boot=0)
    published = ref["mtcars"]["published"]
    assert rw["r2"].iloc[0] == pytest.approx(published["rsquare"], abs=1e-7)
    np.testing.assert_allclose(rw["weight"], published["raw"], atol=1e-7)
    np.testing.assert_allclose(
        rw["weight"], ref["mtcars"]["relative_weights"]["weight"], rtol=1e-10
    )
    assert rw["share"].sum() == pytest.approx(1.0)


@pytest.mark.parametrize("case", ["mtcars", "simulated"])
def test_general_dominance_matches_r(ref, case):
    data = reference_data("mtcars" if case == "mtcars" else "drivers_sim")
    outcome = "mpg" if case == "mtcars" else "y"
    predictors = ref[case]["relative_weights"]["predictor"]
    da = dominance_analysis(data, outcome=outcome, predictors=predictors)
    np.testing.assert_allclose(da["general_dominance"], ref[case]["general_dominance"], rtol=1e-10)
    assert da["general_dominance"].sum() == pytest.approx(da["r2"].iloc[0])
    rw = relative_weights(data, outcome=outcome, predictors=predictors, n_boot=0)
    np.testing.assert_allclose(rw["weight"], ref[case]["relative_weights"]["weight"], rtol=1e-10)


def test_relative_weights_rank_as_general_dominance_on_the_simulated_data(ref):
    """LeBreton, Ployhart & Ladd (2004): the two agree in ranking in most conditions. On
    mtcars they do not (hp ranks first by relative weights, third by dominance), so only
    the simulated case is asserted; both are printed in the R reference."""
    data = reference_data("drivers_sim")
    predictors = ref["simulated"]["relative_weights"]["predictor"]
    rw = relative_weights(data, outcome="y", predictors=predictors, n_boot=0)
    da = dominance_analysis(data, outcome="y", predictors=predictors)
    assert rw["rank"].tolist() == da["rank"].tolist()
    assert np.corrcoef(rw["weight"], da["general_dominance"])[0, 1] > 0.99


def test_bootstrap_interval_covers_the_weight_and_is_reproducible():
    data = reference_data("drivers_sim")
    predictors = [f"s{i}" for i in range(1, 7)]
    a = relative_weights(data, outcome="y", predictors=predictors, n_boot=400, seed=1)
    b = relative_weights(data, outcome="y", predictors=predictors, n_boot=400, seed=1)
    pd.testing.assert_frame_equal(a, b)
    assert (a["ci_low"] <= a["weight"]).all() and (a["weight"] <= a["ci_high"]).all()
    # The planted strongest driver's interval lies above the weakest one's.
    assert a.loc[0, "ci_low"] > a.loc[5, "ci_high"]


def test_groups_below_the_threshold_are_left_out():
    rng = np.random.default_rng(3)
    x = rng.normal(size=(64, 3))
    df = pd.DataFrame(x, columns=["a", "b", "c"]).assign(
        y=x @ [0.5, 0.2, 0.1] + rng.normal(size=64), dept=["m"] * 60 + ["s"] * 4
    )
    rw = relative_weights(df, outcome="y", predictors=["a", "b", "c"], by="dept", n_boot=50)
    assert set(rw["dept"]) == {"m"}
    assert rw.attrs["left_out"] == [{"group": "s", "reason": "fewer than 30 complete answers"}]


def test_bad_input_is_refused():
    df = pd.DataFrame({"y": [1.0, 2, 3, 4] * 10, "a": [1.0] * 40, "b": range(40)})
    with pytest.raises(ValueError, match="at least two predictors"):
        relative_weights(df, outcome="y", predictors=["a"])
    with pytest.raises(ValueError, match="lack column"):
        relative_weights(df, outcome="y", predictors=["a", "zz"])
    rw = relative_weights(df, outcome="y", predictors=["a", "b"], n_boot=0)
    assert rw.empty and "constant" in rw.attrs["left_out"][0]["reason"]


def test_planted_driver_ranks_first(instrument):
    """On a synthetic diagnostic whose grade is rebuilt from one scale, that scale leads."""
    from survey.synthetic import generate

    data = generate(units=8, per_department=30, seed=11).responses.copy()
    scores = score_scales(data, instrument)
    goals = scores[scores["scale"] == "shared_goals"].set_index("respondent_id")["index"]
    rng = np.random.default_rng(0)
    grade = 6 - np.clip(
        np.round(
            goals.reindex(data["respondent_id"]).to_numpy() / 20 + rng.normal(0, 0.4, len(data))
        ),
        0,
        5,
    )
    data["OUT_GRADE"] = np.where(np.isnan(grade), np.nan, grade)
    drivers = key_drivers(data, instrument, scores, n_boot=100)
    top = drivers[(drivers["outcome"] == "overall_grade") & (drivers["rank"] == 1)]
    assert set(top["department"]) == {"marketing", "sales"}
    assert (top["predictor"] == "shared_goals").all()


def test_block_bootstrap_agrees_with_the_row_bootstrap(monkeypatch):
    """Above ROW_BOOTSTRAP_MAX_N rows whole random blocks are resampled; on the same data
    their spread must match the row bootstrap's (within 15% at 1,000 resamples)."""
    from analysis import drivers

    rng = np.random.default_rng(4)
    x = rng.normal(size=(3000, 5))
    x[:, 0] = x[:, 1:] @ [0.5, 0.3, 0.1, 0.0] + rng.normal(size=3000)
    rows = drivers._bootstrap(x, 1000, np.random.default_rng(1))
    monkeypatch.setattr(drivers, "ROW_BOOTSTRAP_MAX_N", 100)
    blocks = drivers._bootstrap(x, 1000, np.random.default_rng(1))
    ratio = np.nanstd(blocks, axis=0) / np.nanstd(rows, axis=0)
    assert np.all((ratio > 0.85) & (ratio < 1.15)), ratio
    assert np.allclose(np.nanmean(blocks, axis=0), np.nanmean(rows, axis=0), atol=0.01)
