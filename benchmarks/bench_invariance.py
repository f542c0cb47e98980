"""Speed of the ML CFA engine: analytic vs finite-difference gradient, full-instrument model.

Run: .venv/bin/python benchmarks/bench_invariance.py
Prints times measured in this one run and their ratios (no absolute targets).
"""

import time
from pathlib import Path

import numpy as np
import pandas as pd
from scipy import optimize

from analysis import cfa as engine
from analysis.invariance import measurement_invariance, model_from_scales
from analysis.model_syntax import parse_model
from survey.instrument import load_instrument

HS = Path(__file__).parents[1] / "tests" / "fixtures" / "research" / "holzinger_swineford_1939.csv"
HS_MODEL = "visual =~ x1 + x2 + x3; textual =~ x4 + x5 + x6; speed =~ x7 + x8 + x9"


def fit_seconds(jac: bool) -> tuple[float, float]:
    data = pd.read_csv(HS)
    factors = parse_model(HS_MODEL)
    items = [x for f in factors.values() for x in f]
    moments, _, sizes = engine._group_moments(data, items, "school", 5)
    lay = engine._layout(factors, 2, ("loadings", "intercepts"), ())
    w = sizes / sizes.sum()
    x0 = engine._start(lay, factors, moments)
    bounds = [(1e-6, None) if v else (None, None) for v in lay.variances]
    fun = (
        (lambda v: engine._objective(v, lay, moments, w))
        if jac
        else (lambda v: engine._objective(v, lay, moments, w)[0])
    )
    start = time.perf_counter()
    res = optimize.minimize(
        fun,
        x0,
        jac=jac,
        method="L-BFGS-B",
        bounds=bounds,
        options={"maxiter": 20000, "ftol": 1e-15, "gtol": 1e-10},
    )
    return time.perf_counter() - start, sizes.sum() * res.fun


def instrument_data(n: int, seed: int = 0) -> tuple[pd.DataFrame, dict]:
    model = model_from_scales(load_instrument())
    rng = np.random.default_rng(seed)
    loadings = {item: rng.uniform(0.5, 1.0) for items in model.values() for item in items}
    frames = []
    for dept in ("marketing", "sales"):
        cols = {}
        for items in model.values():
            eta = rng.normal(size=n)
            for item in items:
                cols[item] = 3 + loadings[item] * eta + rng.normal(scale=0.7, size=n)
        frames.append(pd.DataFrame(cols).assign(department=dept))
    return pd.concat(frames, ignore_index=True), model


if __name__ == "__main__":
    t_analytic, chi_a = fit_seconds(jac=True)
    t_numeric, chi_n = fit_seconds(jac=False)
    print(
        f"HS scalar model: analytic gradient {t_analytic:.3f}s (chi2 {chi_a:.3f}), "
        f"finite differences {t_numeric:.3f}s (chi2 {chi_n:.3f}), "
        f"speed-up {t_numeric / t_analytic:.1f}x"
    )
    data, model = instrument_data(400)
    start = time.perf_counter()
    mi = measurement_invariance(data, model, group="department")
    took = time.perf_counter() - start
    p = sum(map(len, model.values()))
    print(
        f"instrument model ({len(model)} factors, {p} items, 2 x 400 rows): "
        f"3 levels in {took:.2f}s; chi2 by level "
        + ", ".join(f"{r.level} {r.chi2:.1f}/{r.df}" for r in mi.itertuples())
    )
    print(f"ratio full-instrument sequence / HS scalar fit: {took / t_analytic:.1f}x")
