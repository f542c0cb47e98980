"""Comparing two runs' published tables: the same figures, whatever the row order."""

from __future__ import annotations

from pathlib import Path

import pandas as pd


def published_tables(out: Path) -> dict[str, pd.DataFrame]:
    """Every CSV table of a run, rows sorted and floats to 9 significant digits (an
    export's random row order moves sums by a unit in the last place)."""
    tables = {}
    for path in sorted((Path(out) / "tables").glob("*.csv")):
        if not path.read_text().strip():
            tables[path.name] = pd.DataFrame()
            continue
        frame = pd.read_csv(path)
        for col in frame.columns:
            if pd.api.types.is_float_dtype(frame[col]):
                frame[col] = frame[col].map(lambda v: float(f"{v:.9g}"))
        tables[path.name] = frame.sort_values(list(frame.columns)).reset_index(drop=True)
    return tables


def assert_same_tables(first: Path, second: Path) -> None:
    a, b = published_tables(first), published_tables(second)
    assert a.keys() == b.keys()
    for name in a:
        # omega's iterative factor fit stops within its tolerance, and the rows reach it in
        # the store's shuffled order: omega_h moves in the fourth digit, nothing is recoverable
        pd.testing.assert_frame_equal(a[name], b[name], obj=name, rtol=1e-3)
