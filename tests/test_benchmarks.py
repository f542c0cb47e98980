"""Benchmark rows cannot reveal a department that the share tables hide."""

from __future__ import annotations

import numpy as np
import pandas as pd

from analysis.benchmarks import compare_benchmarks
from analysis.distributions import category_shares
from survey.synthetic import generate


def test_pooled_row_is_hidden_with_a_hidden_department(instrument):
    data = generate(units=4, per_department=10, seed=2).responses
    sales = data[data["department"] == "sales"]
    keep = pd.concat([data[data["department"] == "marketing"], sales.head(3)])
    shares = category_shares(keep, instrument, ["LEA_FOLLOWUP_TIME"])
    assert set(shares["group"]) == {"marketing"}  # sales is hidden there ...
    table = compare_benchmarks(keep, instrument).set_index("benchmark")
    # ... so the pooled follow-up row (all - marketing = sales) is hidden, n included.
    assert table.loc["follow_up_within_1h", ["n", "share", "ci_low"]].isna().all()
    assert np.isfinite(table.loc["grade_4_to_6_marketing", "share"])
    full = compare_benchmarks(data, instrument).set_index("benchmark")
    assert full.loc["follow_up_within_1h", "n"] > 5
    small = compare_benchmarks(keep[keep["department"] == "sales"], instrument)
    assert small[["n", "share"]].isna().all().all()  # three answers: not even n
