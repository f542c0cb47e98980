"""The key-driver chart draws what the table holds."""

from __future__ import annotations

import pandas as pd
import pytest

from analysis.charts.drivers import driver_rows, plot_drivers


@pytest.fixture
def drivers():
    return pd.DataFrame(
        {
            "outcome": ["overall_grade"] * 4 + ["cooperation"] * 2,
            "predictor": ["a", "b", "a", "b", "x", "y"],
            "department": ["marketing", "marketing", "sales", "sales", "sales", "sales"],
            "weight": [0.1, 0.3, 0.2, 0.2, 0.1, 0.1],
            "share": [0.25, 0.75, 0.5, 0.5, 0.5, 0.5],
            "ci_low": [0.05, 0.2, 0.1, 0.1, 0.05, 0.05],
            "ci_high": [0.2, 0.4, 0.3, 0.3, 0.15, 0.15],
            "r2": [0.4, 0.4, 0.4, 0.4, 0.2, 0.2],
        }
    )


def test_bars_are_the_shares(drivers):
    ax = plot_drivers(drivers, outcome="overall_grade", labels={"a": "Alpha", "b": "Beta"})
    widths = sorted(round(p.get_width(), 6) for p in ax.patches)
    assert widths == [25.0, 50.0, 50.0, 75.0]
    # b has the larger mean share, so it comes first (top)
    assert [t.get_text() for t in ax.get_yticklabels()] == ["Beta", "Alpha"]


def test_rows_of_one_outcome_with_share_intervals(drivers):
    rows = driver_rows(drivers, outcome="cooperation")
    assert set(rows["predictor"]) == {"x", "y"}
    assert rows["ci_high_share"].tolist() == pytest.approx([0.75, 0.75])


def test_missing_columns_are_named(drivers):
    with pytest.raises(ValueError, match="share"):
        plot_drivers(drivers.drop(columns="share"))
