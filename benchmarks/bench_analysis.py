"""Speed and memory of the analysis, as ratios measured in one run.

1. ``perception_gaps`` at 2,000 respondents against the plain loop that calls pingouin's
   ``ttest``, ``mwu`` and ``compute_effsize`` per item (target: at least 10x faster), with
   the largest absolute difference between the two (target: below 1e-9).
2. The full analysis (scores, reliability, all gaps, agreement, profiles) at 1,000,000
   respondents against a bare numpy pass computing per-item means and variances of the
   same data (target: within 3x), with peak memory (target: under 4 GB).

    .venv/bin/python benchmarks/bench_analysis.py [--respondents 1000000]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time

import numpy as np


def family_vs_pingouin() -> None:
    import pingouin as pg

    from analysis.gaps import perception_gaps
    from survey import load_instrument
    from survey.responses import answers
    from survey.synthetic import generate

    ins = load_instrument()
    data = generate(units=10, per_department=100, seed=1).responses
    perception_gaps(data, ins)  # warm-up
    start = time.perf_counter()
    gaps = perception_gaps(data, ins).set_index("code")
    ours = time.perf_counter() - start
    values = answers(data, ins)
    numeric = gaps[(gaps["level"] == "item") & (gaps["test"] != "categorical")].index
    is_m = data["department"] == "marketing"
    start = time.perf_counter()
    ref = {}
    for col in numeric:
        x, y = values.loc[is_m, col].dropna(), values.loc[~is_m, col].dropna()
        tt = pg.ttest(x, y, correction=True).iloc[0]
        mw = pg.mwu(x, y).iloc[0]
        ref[col] = (
            tt["T"],
            tt["p_val"],
            mw["U_val"],
            mw["p_val"],
            pg.compute_effsize(x, y, eftype="hedges"),
        )
    loop = time.perf_counter() - start
    diff = max(
        abs(a - b)
        for col, r in ref.items()
        for a, b in zip(r, gaps.loc[col, ["t", "p_welch", "u", "p_mwu", "hedges_g"]], strict=True)
    )
    print(f"[gaps] {len(data)} respondents, {len(numeric)} items compared by both")
    print(
        f"[gaps] perception_gaps (all {len(gaps)} variables): {ours:.3f} s; "
        f"pingouin loop ({len(numeric)} items): {loop:.3f} s"
    )
    print(f"[gaps] ratio pingouin loop / perception_gaps: {loop / ours:.1f} (target >= 10)")
    print(f"[gaps] max abs difference: {diff:.2e} (target < 1e-9)")


MAKE_DATA = """
import sys
from survey.synthetic import generate
from survey.tables import write_table
write_table(generate(units=100, per_department=int(sys.argv[1]) // 200, seed=1).responses,
            sys.argv[2])
"""

CHILD = """
import json, resource, sys, time
import numpy as np
from survey import load_instrument
from survey.tables import read_table
ins = load_instrument()
data = read_table(sys.argv[2], ins)
base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024 ** 2
items = data[ins.columns()].select_dtypes("number").to_numpy(dtype="float64")
start = time.perf_counter()
means = np.nanmean(items, axis=0)
variances = np.nanvar(items, axis=0, ddof=1)
bare = time.perf_counter() - start
del items
from analysis.gaps import mirror_gaps, perception_gaps
from analysis.pipeline import agreement_table, reliability_table
from analysis.profiles import unit_profiles
from analysis.scoring import score_scales
timings = {}
start = time.perf_counter()
t = time.perf_counter(); scores = score_scales(data, ins); timings["scores"] = time.perf_counter() - t
t = time.perf_counter(); reliability_table(data, ins); timings["reliability"] = time.perf_counter() - t
t = time.perf_counter(); perception_gaps(data, ins, scores=scores); mirror_gaps(data, ins); timings["gaps"] = time.perf_counter() - t
t = time.perf_counter(); agreement_table(scores, 5); timings["agreement"] = time.perf_counter() - t
t = time.perf_counter(); unit_profiles(data, ins, scores=scores); timings["profiles"] = time.perf_counter() - t
full = time.perf_counter() - start
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024 ** 2
print(json.dumps({"n": len(data), "bare": bare, "full": full, "peak_gb": peak,
                  "data_gb": base, "timings": timings}))
"""


def full_analysis(n: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        data = f"{tmp}/responses.parquet"
        subprocess.run([sys.executable, "-c", MAKE_DATA, str(n), data], check=True)
        out = subprocess.run(
            [sys.executable, "-c", CHILD, str(n), data],
            capture_output=True,
            text=True,
            check=True,
        )
    res = json.loads(out.stdout.strip().splitlines()[-1])
    print(f"[full] {res['n']:,} respondents")
    print(
        f"[full] bare numpy means+variances: {res['bare']:.2f} s; full analysis: "
        f"{res['full']:.2f} s ("
        + ", ".join(f"{k} {v:.1f} s" for k, v in res["timings"].items())
        + ")"
    )
    print(
        f"[full] ratio full analysis / bare numpy pass: {res['full'] / res['bare']:.1f} "
        f"(target <= 3)"
    )
    print(
        f"[full] peak memory {res['peak_gb']:.2f} GB, of which reading the data "
        f"{res['data_gb']:.2f} GB (target < 4 GB)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--respondents", type=int, default=1_000_000)
    args = parser.parse_args()
    np.seterr(all="ignore")
    family_vs_pingouin()
    full_analysis(args.respondents)


if __name__ == "__main__":
    main()
