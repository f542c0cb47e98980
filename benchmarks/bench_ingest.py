"""Speed of ``ingest`` on vendor exports, as a ratio to reading the same file with pandas.

Target (issue 16): within 15x pandas.read_csv on a 2,000-respondent export. The ratio shows what mapping, label conversion and
validation cost on top of parsing. Files are rendered from a synthetic diagnostic by the
test helpers (LimeSurvey codes with ``;`` and a Google Forms German export with labels).

    .venv/bin/python benchmarks/bench_ingest.py [--respondents 2000]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

import ingest_helpers as helpers

from survey import load_instrument
from survey.importers import ingest
from survey.synthetic import generate


def _best(fn, repeat: int = 3) -> float:
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return min(times)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--respondents", type=int, default=2000)
    n = parser.parse_args().respondents
    ins = load_instrument()
    wide = generate(units=10, per_department=max(n // 20, 1), seed=1).responses
    tmp = Path(tempfile.mkdtemp())
    cases = {
        "limesurvey": (helpers.limesurvey_csv(wide, ins, tmp / "l.csv"), {"sep": ";"}),
        "google_de": (helpers.google_csv(wide, ins, tmp / "g.csv", lang="de"), {}),
    }
    print(f"{len(wide)} respondents, {len(ins.columns())} item columns")
    for name, (path, kwargs) in cases.items():
        ours = _best(lambda p=path: ingest(p, ins))
        floor = _best(lambda p=path, k=kwargs: pd.read_csv(p, dtype=str, encoding="utf-8-sig", **k))
        print(
            f"{name:12s} ingest {ours:6.2f} s  pandas.read_csv {floor:6.2f} s  "
            f"ratio {ours / floor:5.1f} ({'within' if ours / floor <= 15 else 'OVER'} 15x)"
        )


if __name__ == "__main__":
    main()
