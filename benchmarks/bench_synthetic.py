"""Speed and memory of the synthetic generator at 1,000,000 respondents.

Targets (issue "Foundation"): under a minute and under 4 GB on a 2-core machine. Machines
are noisy, so beside the absolute figures the script prints the ratio to a bare numpy pass
that draws, rounds and clips the same number of values (the floor for any generator).

    .venv/bin/python benchmarks/bench_synthetic.py [--respondents 1000000]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys


def _child(kind: str, n: int) -> dict:
    code = f"""
import json, resource, time
import numpy as np
n = {n}
t = time.perf_counter()
if "{kind}" == "generator":
    from survey.synthetic import generate
    per_dept = n // (100 * 2)
    diag = generate(units=100, per_department=per_dept, seed=1, scenario="default")
    rows, cols = diag.responses.shape
else:
    from survey import load_instrument
    cols = len(load_instrument().columns())
    rng = np.random.default_rng(1)
    out = np.empty((n, cols))
    for j in range(cols):
        out[:, j] = np.clip(np.rint(4 + rng.normal(0, 1.5, n)), 1, 7)
    rows = n
seconds = time.perf_counter() - t
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024 ** 2
print(json.dumps({{"seconds": seconds, "peak_gb": peak, "rows": rows, "cols": cols}}))
"""
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return json.loads(out.stdout)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--respondents", type=int, default=1_000_000)
    n = parser.parse_args().respondents
    gen = _child("generator", n)
    base = _child("numpy", n)
    print(f"respondents: {gen['rows']:,} x {gen['cols']} columns")
    print(
        f"generator: {gen['seconds']:.1f} s, peak RSS {gen['peak_gb']:.2f} GB "
        f"(targets: < 60 s, < 4 GB)"
    )
    print(f"bare numpy draw/round/clip: {base['seconds']:.1f} s, peak RSS {base['peak_gb']:.2f} GB")
    print(f"ratio generator / bare numpy time: {gen['seconds'] / base['seconds']:.2f}")
    print(f"ratio generator time / 60 s target: {gen['seconds'] / 60:.2f}")
    print(f"ratio generator peak / 4 GB target: {gen['peak_gb'] / 4:.2f}")


if __name__ == "__main__":
    main()
