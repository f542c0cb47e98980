"""Start-up time of ``alignmeter --help`` (target: under 0.3 s) against a bare interpreter.

    .venv/bin/python benchmarks/bench_cli.py [--repeat 10]

Prints the median of several runs of each, measured in one run of this script, and the
ratios (help / bare interpreter, help / 0.3 s target).
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path


def _median_seconds(cmd: list[str], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        subprocess.run(cmd, check=True, capture_output=True)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=10)
    repeat = parser.parse_args().repeat
    exe = shutil.which("alignmeter") or str(Path(sys.executable).with_name("alignmeter"))
    bare = _median_seconds([sys.executable, "-c", "pass"], repeat)
    help_ = _median_seconds([exe, "--help"], repeat)
    print(f"bare interpreter: {bare:.3f} s (median of {repeat})")
    print(f"alignmeter --help: {help_:.3f} s (median of {repeat}; target < 0.3 s)")
    print(f"ratio help / bare interpreter: {help_ / bare:.2f}")
    print(f"ratio help / 0.3 s target: {help_ / 0.3:.2f}")


if __name__ == "__main__":
    main()
