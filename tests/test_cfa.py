"""ML CFA engine: lavaan's published Holzinger-Swineford results, gradient, input errors.

Reference values: lavaan tutorial "CFA" and "Multiple groups" (lavaan.ugent.be/tutorial),
HS.model on HolzingerSwineford1939 (n = 301). The printed output is in the tutorial's source,
github.com/yrosseel/lavaan.org.old, tutorial.src/cfa.tex and groups.tex (lavaan 0.5): every
figure below matches it to the printed precision except the x2 loading, printed there as
0.553 (z 5.554, so 0.5535 before rounding) and as 0.554 by lavaan 0.6.
"""

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import r_reference
from scipy import optimize

from analysis import cfa as cfa_module
from analysis.cfa import cfa
from analysis.model_syntax import parse_model

HS_CSV = Path(__file__).parent / "fixtures" / "research" / "holzinger_swineford_1939.csv"
HS_MODEL = """
visual  =~ x1 + x2 + x3
textual =~ x4 + x5 + x6
speed   =~ x7 + x8 + x9
"""


@pytest.fixture(scope="module")
def hs():
    return pd.read_csv(HS_CSV)


def test_fixture_is_the_published_data(hs):
    assert hs.shape == (301, 15)
    assert hs["school"].value_counts().to_dict() == {"Pasteur": 156, "Grant-White": 145}


def test_single_group_matches_lavaan(hs):
    fit = cfa(hs, HS_MODEL).fit.iloc[0]
    assert round(fit["chi2"], 3) == 85.306
    assert fit["df"] == 24
    assert round(fit["chi2_baseline"], 3) == 918.852
    assert fit["df_baseline"] == 36
    assert round(fit["cfi"], 3) == 0.931
    assert round(fit["tli"], 3) == 0.896
    assert round(fit["rmsea"], 3) == 0.092
    assert (round(fit["rmsea_ci_low"], 3), round(fit["rmsea_ci_high"], 3)) == (0.071, 0.114)
    assert round(fit["srmr"], 3) == 0.065
    assert fit["converged"]


def test_single_group_estimates_match_lavaan(hs):
    est = cfa(hs, HS_MODEL).estimates
    loads = est[est["op"] == "=~"].set_index("rhs")["estimate"]
    # lavaan tutorial "CFA": x2 0.554, x3 0.729, x5 1.113, x6 0.926, x8 1.180, x9 1.082
    expected = {"x2": 0.554, "x3": 0.729, "x5": 1.113, "x6": 0.926, "x8": 1.180, "x9": 1.082}
    assert {k: round(loads[k], 3) for k in expected} == expected
    # standard errors (expected information) and z values as printed by lavaan
    se = est[est["op"] == "=~"].set_index("rhs")["se"]
    expected_se = {"x2": 0.100, "x3": 0.109, "x5": 0.065, "x6": 0.055, "x8": 0.165, "x9": 0.151}
    assert {k: round(se[k], 3) for k in expected_se} == expected_se
    cov = est[(est["op"] == "~~") & (est["lhs"] != est["rhs"])].set_index(["lhs", "rhs"])
    assert round(cov.loc[("visual", "textual"), "estimate"], 3) == 0.408
    assert round(cov.loc[("visual", "textual"), "z"], 3) == 5.552
    assert est.loc[~est["free"], "se"].isna().all()


def test_configural_model_matches_lavaan(hs):
    fit = cfa(hs, HS_MODEL, group="school").fit.iloc[0]
    assert round(fit["chi2"], 3) == 115.851
    assert fit["df"] == 48
    assert fit["n_parameters"] == 60


def test_analytic_gradient_matches_numeric(hs):
    factors = parse_model(HS_MODEL)
    items = [x for f in factors.values() for x in f]
    moments, _, sizes = cfa_module._group_moments(hs, items, "school", 5)
    lay = cfa_module._layout(factors, 2, ("loadings", "intercepts"), ("x3 ~ 1",))
    x0 = cfa_module._start(lay, factors, moments)
    rng = np.random.default_rng(0)
    x = x0 * (1 + 0.05 * rng.standard_normal(len(x0)))
    w = sizes / sizes.sum()

    def f(v):
        return cfa_module._objective(v, lay, moments, w)[0]

    def g(v):
        return cfa_module._objective(v, lay, moments, w)[1]

    assert optimize.check_grad(f, g, x, epsilon=1e-7) < 1e-4 * np.linalg.norm(g(x))


def test_parse_model_rejects_bad_syntax():
    with pytest.raises(ValueError, match="line 2"):
        parse_model("f =~ a + b\ny ~ f")
    with pytest.raises(ValueError, match="at least two"):
        parse_model("f =~ a")
    with pytest.raises(ValueError, match="cross-loadings"):
        parse_model("f =~ a + b; g =~ b + c")


def test_input_errors_name_the_problem(hs):
    with pytest.raises(KeyError, match="x10"):
        cfa(hs, "f =~ x1 + x2 + x10")
    with pytest.raises(ValueError, match="marker"):
        cfa(hs, HS_MODEL, group="school", equal=("loadings",), free=["visual =~ x1"])
    with pytest.raises(ValueError, match="needs at least"):
        cfa(hs.head(160), HS_MODEL, group="school")
    with pytest.raises(ValueError, match="unknown equality"):
        cfa(hs, HS_MODEL, group="school", equal=("residuals",))


# --- against R lavaan (tests/reference/cfa_ml.R) ----------------------------------------

FIT_NAMES = {"chi2": "chisq", "df": "df", "p_val": "pvalue", "cfi": "cfi", "tli": "tli",
             "rmsea": "rmsea", "rmsea_ci_low": "rmsea.ci.lower", "rmsea_ci_high": "rmsea.ci.upper",
             "srmr": "srmr", "chi2_baseline": "baseline.chisq", "df_baseline": "baseline.df"}  # fmt: skip


@pytest.mark.parametrize("case", [k for k in r_reference.load("cfa_ml") if k != "versions"])
def test_ml_cfa_matches_lavaan(case):
    ref = r_reference.load("cfa_ml")[case]
    data = r_reference.data("holzinger_swineford_1939") if case == "hs" else r_reference.synthetic()
    res = cfa(data, ref["model"])
    for ours, theirs in FIT_NAMES.items():
        assert res.fit[ours].iloc[0] == pytest.approx(ref["fit"][theirs], abs=1e-4), ours
    est = pd.DataFrame(ref["estimates"])
    loads = est[est["op"] == "=~"].set_index(["lhs", "rhs"])
    mine = res.estimates[res.estimates["op"] == "=~"].set_index(["lhs", "rhs"])
    np.testing.assert_allclose(mine.loc[loads.index, "estimate"], loads["est"], atol=1e-4)
    free = loads["se"] > 0
    np.testing.assert_allclose(mine.loc[loads.index[free], "se"], loads.loc[free, "se"], atol=1e-4)


# --- ordered items: lavaan WLSMV (tests/reference/cfa_ordinal.R) -------------------------


@pytest.mark.parametrize("case", [k for k in r_reference.load("cfa_ordinal") if k != "versions"])
def test_wlsmv_cfa_matches_lavaan(case):
    ref = r_reference.load("cfa_ordinal")[case]
    data = (
        r_reference.data("bfi").iloc[:, :10].dropna()
        if case.startswith("bfi")
        else r_reference.synthetic()
    )
    res = cfa(data, ref["model"], ordered=True)
    fit, want = res.fit.iloc[0], ref["fit"]
    assert fit["estimator"] == "WLSMV" and fit["n"] == ref["n"]
    assert fit["df"] == want["df.scaled"]
    assert fit["chi2"] == pytest.approx(want["chisq.scaled"], abs=1e-3)
    assert fit["chi2_unscaled"] == pytest.approx(want["chisq"], abs=1e-3)
    assert fit["shift"] == pytest.approx(ref["shift"], abs=1e-3)
    for ours, theirs in [("cfi", "cfi.scaled"), ("tli", "tli.scaled"), ("rmsea", "rmsea.scaled")]:
        assert fit[ours] == pytest.approx(want[theirs], abs=1e-5), ours
    assert fit["chi2_baseline"] == pytest.approx(want["baseline.chisq.scaled"], rel=1e-6)
    est = pd.DataFrame(ref["estimates"]).set_index(["lhs", "op", "rhs"])
    mine = res.estimates.set_index(["lhs", "op", "rhs"])
    common = est.index.intersection(mine.index)
    # lavaan also lists the items' residual variances, which the delta parameterisation
    # fixes (1 - communality); everything else must be there.
    assert len(est.index.difference(common)) == sum(len(v) for v in res.factors.values())
    np.testing.assert_allclose(mine.loc[common, "estimate"], est.loc[common, "est"], atol=1e-4)
    free = est.loc[common, "se"] > 0
    np.testing.assert_allclose(mine.loc[common[free], "se"], est.loc[common[free], "se"], atol=1e-4)


def test_wlsmv_refuses_mixed_items_and_constraints():
    data = r_reference.synthetic()
    model = "goals =~ GOA_SHARED_TARGETS + GOA_INCENTIVES + GOA_REPORTS_READ"
    with pytest.raises(ValueError, match="mixed ordered and continuous"):
        cfa(data, model, ordered=["GOA_SHARED_TARGETS"])
    with pytest.raises(ValueError, match="measurement_invariance"):
        cfa(data, model, ordered=True, group="department", equal=["loadings"])
    with pytest.raises(ValueError, match="integer"):
        cfa(data.assign(GOA_INCENTIVES=data["GOA_INCENTIVES"] + 0.5), model, ordered=True)
