"""Polychoric correlations, ordinal alpha and omega against R psych and lavaan
(tests/reference/polychoric.R), and the bivariate normal CDF against SciPy."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import r_reference
from scipy.stats import multivariate_normal

from analysis.ordinal import bivariate_normal_cdf
from analysis.reliability import alpha, omega, polychoric

CASES = [k for k in r_reference.load("polychoric") if k != "versions"]


def _items(case: str) -> pd.DataFrame:
    ref = r_reference.load("polychoric")[case]
    if case.startswith("bfi"):
        data = r_reference.data("bfi")[ref["items"]]
        return data.assign(A1=7 - data["A1"]) if case == "bfi_agreeableness" else data
    name = "synth_u8_p30_s7" if case.startswith("synth7") else "synth_u12_p45_s3"
    return r_reference.synthetic(name)[ref["items"]]


def _tau(raw) -> np.ndarray:
    return np.array(
        [[np.inf if v == "Inf" else (-np.inf if v == "-Inf" else v) for v in row] for row in raw],
        dtype=float,
    )


@pytest.mark.parametrize("case", CASES)
def test_polychoric_matches_psych_and_lavaan(case):
    ref = r_reference.load("polychoric")[case]
    res = polychoric(_items(case))
    assert list(res.index) == list(res.columns) == ref["items"]
    np.testing.assert_allclose(res.to_numpy(), ref["rho"], atol=1e-4)  # psych's optimize tol
    np.testing.assert_allclose(res.attrs["thresholds"].to_numpy(), _tau(ref["tau"]), atol=1e-12)
    if "rho_lavaan" in ref and case != "synth_likert":  # lavaan: exact two-step ML
        np.testing.assert_allclose(res.to_numpy(), ref["rho_lavaan"], atol=1e-6)


@pytest.mark.parametrize("case", CASES)
def test_ordinal_alpha_and_omega_match_psych(case):
    ref = r_reference.load("polychoric")[case]
    items = _items(case)
    assert alpha(items, ordinal=True)["alpha"].iloc[0] == pytest.approx(
        ref["ordinal_alpha"], abs=1e-3
    )
    if "ordinal_omega" not in ref:
        return
    # From psych's own polychoric matrix: omega's steps alone.
    on_psych = omega(pd.DataFrame(ref["rho"]), n_factors=3).iloc[0]
    assert on_psych["omega_h"] == pytest.approx(ref["ordinal_omega"]["omega_h"], abs=1e-3)
    assert on_psych["omega_total"] == pytest.approx(ref["ordinal_omega"]["omega_tot"], abs=1e-3)
    # Seven items, three factors, the third weak: moving the correlations by psych's
    # optimize tolerance (4e-5) lands the rotation in another solution, in R as here.
    if case != "synth7_conflict":
        res = omega(items, n_factors=3, ordinal=True).iloc[0]
        assert res["correlation"] == "polychoric"
        assert res["omega_h"] == pytest.approx(ref["ordinal_omega"]["omega_h"], abs=1e-3)
        assert res["omega_total"] == pytest.approx(ref["ordinal_omega"]["omega_tot"], abs=1e-3)


def test_bivariate_normal_cdf_matches_scipy_including_zero_and_infinite_limits():
    rng = np.random.default_rng(5)
    h = np.concatenate([rng.normal(size=40), [0.0, 0.0, 1.0, -np.inf, np.inf, 0.3]])
    k = np.concatenate([rng.normal(size=40), [0.0, 0.7, 0.0, 0.2, 0.4, np.inf]])
    r = np.concatenate([rng.uniform(-0.95, 0.95, 40), [0.5, -0.3, 0.8, 0.1, 0.2, 0.3]])
    ours = bivariate_normal_cdf(h, k, r)
    for hi, ki, ri, o in zip(h, k, r, ours, strict=True):
        ref = multivariate_normal(mean=[0, 0], cov=[[1, ri], [ri, 1]]).cdf(
            [np.clip(hi, -40, 40), np.clip(ki, -40, 40)]
        )
        assert o == pytest.approx(ref, abs=1e-7)


def test_polychoric_recovers_a_planted_correlation_and_refuses_bad_input():
    rng = np.random.default_rng(11)
    z = rng.multivariate_normal([0, 0, 0], [[1, 0.5, 0.3], [0.5, 1, 0.4], [0.3, 0.4, 1]], 20000)
    cats = pd.DataFrame(np.digitize(z, [-1.2, -0.3, 0.5, 1.4]) + 1, columns=list("abc"))
    res = polychoric(cats)
    assert res.loc["a", "b"] == pytest.approx(0.5, abs=0.02)
    assert res.loc["b", "c"] == pytest.approx(0.4, abs=0.02)
    np.testing.assert_allclose(res.attrs["thresholds"].loc["a"], [-1.2, -0.3, 0.5, 1.4], atol=0.03)
    with pytest.raises(ValueError, match=r"\['c'\] are constant"):
        polychoric(cats.assign(c=3))
    with pytest.raises(ValueError, match="integer"):
        polychoric(cats.assign(c=cats["c"] + 0.5))
    with pytest.raises(ValueError, match="categories"):
        polychoric(pd.DataFrame({"a": range(20), "b": range(20)}))
    with pytest.raises(ValueError, match="raw items"):
        omega(res, ordinal=True)
