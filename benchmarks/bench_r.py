"""alignmeter against R (psych 2.2.9, lavaan 0.6.14, semTools 0.5.6) on the same data, in
one run on this machine: the ordinal invariance sequence of every 5- and 7-point scale of
the instrument, the polychoric correlations of all those items, and omega of all items.

Run: .venv/bin/python benchmarks/bench_r.py [--repeat N]
Data: the synthetic diagnostic of tests/reference (12 units, 45 per department, seed 3;
keyed items, complete rows). R's times exclude loading its packages; each side's time
is the best of N runs (default 3). Prints seconds and the ratio R / alignmeter (above 1:
alignmeter is faster). No absolute targets.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import tempfile
import time
from pathlib import Path

import pandas as pd
from threadpoolctl import threadpool_limits

from analysis.invariance import ORDINAL_OPTIONS, measurement_invariance
from analysis.reliability import omega, polychoric
from survey import load_instrument

ROOT = Path(__file__).parents[1]
DATA = ROOT / "tests" / "reference" / "data" / "synth_u12_p45_s3.csv"

R_CODE = r"""
suppressPackageStartupMessages({library(psych); library(GPArotation); library(lavaan); library(semTools); library(jsonlite)})
args <- commandArgs(trailingOnly = TRUE)
d <- read.csv(args[1]); scales <- fromJSON(args[2]); ordinal <- fromJSON(args[3]); reps <- as.integer(args[4])
items <- d[, setdiff(names(d), c("department", "business_unit"))]
best <- function(f) min(sapply(seq_len(reps), function(i) system.time(f())[["elapsed"]]))
inv <- function() for (nm in names(scales)) {
  v <- scales[[nm]]; m <- paste(nm, "=~", paste(v, collapse = " + "))
  for (eq in list("", "thresholds", c("thresholds", "loadings"), c("thresholds", "loadings", "intercepts")))
    suppressMessages(measEq.syntax(m, data = d, ordered = v, parameterization = "delta",
      ID.fac = "std.lv", ID.cat = "Wu.Estabrook.2016", group = "department",
      group.equal = eq, estimator = "WLSMV", return.fit = TRUE))
}
out <- list(
  invariance = best(inv),
  polychoric = best(function() suppressWarnings(suppressMessages(polychoric(d[, ordinal])))),
  omega = best(function() suppressWarnings(suppressMessages(omega(items, nfactors = 3, plot = FALSE))))
)
cat(toJSON(out, auto_unbox = TRUE, digits = NA))
"""


def ordinal_scales(data: pd.DataFrame) -> dict[str, list[str]]:
    ins = load_instrument()
    out = {}
    for scale in ins.scales:
        cols = ins.scale_columns(scale.code)
        try:
            ranges = [ins.value_range(ins.item(c)) for c in cols]
        except KeyError:
            continue
        if all(r and r[1] - r[0] + 1 in ORDINAL_OPTIONS for r in ranges):
            out[scale.code] = cols
    return out


def best(fn, reps: int) -> float:
    times = []
    for _ in range(reps):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=3)
    reps = parser.parse_args().repeat
    data = pd.read_csv(DATA)
    scales = ordinal_scales(data)
    ordinal = [c for cols in scales.values() for c in cols]
    items = data.drop(columns=["department", "business_unit"])

    def invariance() -> None:
        for code, cols in scales.items():
            measurement_invariance(data, {code: cols}, group="department", ordered=True)

    with threadpool_limits(limits=1, user_api="blas"):
        ours = {
            "invariance": best(invariance, reps),
            "polychoric": best(lambda: polychoric(data[ordinal]), reps),
            "omega": best(lambda: omega(items, n_factors=3), reps),
        }
    with tempfile.TemporaryDirectory() as tmp:
        script = Path(tmp) / "bench.R"
        script.write_text(R_CODE)
        run = subprocess.run(
            ["Rscript", str(script), str(DATA), json.dumps(scales), json.dumps(ordinal), str(reps)],
            capture_output=True, text=True, check=True,
        )  # fmt: skip
    theirs = json.loads(run.stdout.strip().splitlines()[-1])
    labels = {
        "invariance": f"ordinal invariance, {len(scales)} scales x 4 levels (semTools+lavaan)",
        "polychoric": f"polychoric correlations, {len(ordinal)} items (psych)",
        "omega": f"omega, {items.shape[1]} items, 3 factors (psych)",
    }
    print(f"n = {len(data)} respondents; best of {reps} runs; ratio = R / alignmeter")
    for key, label in labels.items():
        print(
            f"{label:62s} R {theirs[key]:7.2f} s   alignmeter {ours[key]:7.2f} s   "
            f"ratio {theirs[key] / ours[key]:5.1f}"
        )


if __name__ == "__main__":
    main()
