"""``alignmeter demo`` end to end (target: under 60 s on a 2-core machine).

    .venv/bin/python benchmarks/bench_demo.py

Prints the wall time of the whole demo (synthetic data, analysis, two briefs, tables,
executed notebooks) and of the same demo without notebooks, measured in one run, and the
ratios to the 60 s target.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def _seconds(*extra: str) -> float:
    exe = shutil.which("alignmeter") or str(Path(sys.executable).with_name("alignmeter"))
    with tempfile.TemporaryDirectory() as out:
        start = time.perf_counter()
        subprocess.run([exe, "-q", "demo", "-o", out, *extra], check=True, capture_output=True)
        return time.perf_counter() - start


def main() -> None:
    full = _seconds()
    without = _seconds("--no-notebooks")
    print(f"alignmeter demo: {full:.1f} s; without notebooks: {without:.1f} s")
    print(f"ratio demo / 60 s target: {full / 60:.2f}")
    print(f"share of the demo spent running notebooks: {(full - without) / full:.0%}")


if __name__ == "__main__":
    main()
