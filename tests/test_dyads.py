"""Dyads: hand-computed gaps, planted gap/correlation, exact response surface recovery."""

import numpy as np
import pandas as pd
import pytest

from analysis.dyads import dyad_gaps, dyadic_correlation, response_surface


def heads(seed: int, n_units: int = 40, gap: float = 0.5, rho: float = 0.6) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    z = rng.multivariate_normal([0, 0], [[1, rho], [rho, 1]], size=n_units)
    return pd.DataFrame(
        {
            "business_unit": np.repeat([f"u{i}" for i in range(n_units)], 2),
            "department": ["marketing", "sales"] * n_units,
            "alignment": np.column_stack([3.5 + gap + z[:, 0], 3.5 + z[:, 1]]).ravel(),
        }
    )


def test_gap_hand_computed():
    df = pd.DataFrame(
        {
            "business_unit": [1, 1, 2, 2, 3, 3, 4, 4, 5, 5],
            "department": ["marketing", "sales"] * 5,
            "trust": [4, 3, 5, 3, 4, 4, 3, 2, 5, 3],
        }
    )
    row = dyad_gaps(df, ["trust"]).iloc[0]
    # differences 1, 2, 0, 1, 2: mean 1.2, sd sqrt(0.7)
    assert row["gap"] == pytest.approx(1.2)
    assert row["t"] == pytest.approx(1.2 / (np.sqrt(0.7) / np.sqrt(5)))
    assert row["d_z"] == pytest.approx(1.2 / np.sqrt(0.7))
    assert row["dof"] == 4


def test_planted_gap_and_correlation_are_recovered():
    df = heads(seed=2, n_units=60, gap=0.6, rho=0.6)
    gap = dyad_gaps(df, ["alignment"]).iloc[0]
    assert gap["n_dyads"] == 60
    assert gap["p_val"] < 0.001
    assert gap["ci_low"] < 0.6 < gap["ci_high"]
    cor = dyadic_correlation(df, ["alignment"]).iloc[0]
    assert cor["ci_low"] < 0.6 < cor["ci_high"]
    assert cor["p_val"] < 0.001
    null = dyad_gaps(heads(seed=3, gap=0.0), ["alignment"]).iloc[0]
    assert null["p_val"] > 0.05


def test_few_dyads_are_suppressed_and_duplicates_refused():
    df = heads(seed=4, n_units=4)
    assert dyad_gaps(df, ["alignment"])["suppressed"].iloc[0]
    assert dyad_gaps(df, ["alignment"])[["gap", "n_dyads"]].isna().all(axis=None)
    assert dyadic_correlation(df, ["alignment"])["suppressed"].iloc[0]
    doubled = pd.concat([heads(seed=4), heads(seed=4).head(1)])
    with pytest.raises(ValueError, match="more than one"):
        dyad_gaps(doubled, ["alignment"])


def test_response_surface_exact_on_noise_free_surface():
    rng = np.random.default_rng(7)
    d = pd.DataFrame({"m": rng.uniform(1, 5, 50), "s": rng.uniform(1, 5, 50)})
    # Z = 2 + 0.5 X + 0.3 Y - 0.4 X^2 + 0.8 XY - 0.4 Y^2 (centered at 3)
    x, y = d["m"] - 3, d["s"] - 3
    d["perf"] = 2 + 0.5 * x + 0.3 * y - 0.4 * x**2 + 0.8 * x * y - 0.4 * y**2
    rs = response_surface(d, "m", "s", "perf", center=3.0).set_index("parameter")["estimate"]
    expected = {"b1": 0.5, "b2": 0.3, "b3": -0.4, "b4": 0.8, "b5": -0.4}
    expected |= {"a1": 0.8, "a2": 0.0, "a3": 0.2, "a4": -1.6}
    assert rs.to_dict() == pytest.approx(expected, abs=1e-9)


def test_response_surface_planted_incongruence_effect():
    rng = np.random.default_rng(8)
    d = pd.DataFrame({"m": rng.normal(3.5, 0.8, 120), "s": rng.normal(3.2, 0.8, 120)})
    # performance rises with joint level and falls with the squared marketing-sales gap
    d["perf"] = 0.4 * (d["m"] + d["s"]) - 0.5 * (d["m"] - d["s"]) ** 2 + rng.normal(0, 0.4, 120)
    rs = response_surface(d, "m", "s", "perf").set_index("parameter")
    assert rs.loc["a1", "p_val"] < 0.001 and rs.loc["a1", "ci_low"] < 0.8 < rs.loc["a1", "ci_high"]
    assert rs.loc["a4", "p_val"] < 0.001 and rs.loc["a4", "ci_low"] < -2.0 < rs.loc["a4", "ci_high"]
    assert rs.loc["a3", "p_val"] > 0.01 and rs.loc["a2", "p_val"] > 0.01


def test_response_surface_errors():
    d = pd.DataFrame({"m": [1.0, 2.0], "s": [1.0, 2.0], "perf": [1.0, 2.0]})
    with pytest.raises(ValueError, match="at least 7"):
        response_surface(d, "m", "s", "perf")
    with pytest.raises(KeyError, match="revenue"):
        response_surface(d, "m", "s", "revenue")


def test_response_surface_refuses_a_rank_deficient_design():
    rng = np.random.default_rng(3)
    d = pd.DataFrame({"m": rng.normal(4, 1, 60)})
    d["s"] = d["m"]  # the two sides always agree: X = Y, no discrepancy to estimate from
    d["perf"] = 2 + 0.3 * d["m"] + rng.normal(0, 0.5, 60)
    with pytest.raises(ValueError, match="collinear"):
        response_surface(d, "m", "s", "perf")
