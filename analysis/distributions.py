"""Category counts and shares per department, for distribution charts and benchmarks."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from analysis.anonymity import DEFAULT_THRESHOLD
from survey.instrument import Instrument


def category_shares(
    responses: pd.DataFrame,
    instrument: Instrument,
    columns: Sequence[str],
    *,
    by: str = "department",
    threshold: int = DEFAULT_THRESHOLD,
) -> pd.DataFrame:
    """Counts and shares of every answer option per group ("don't know" left out).

    Returns
    -------
    DataFrame
        Tidy: ``column``, ``group``, ``code``, ``label_de``, ``label_en``, ``count``,
        ``share`` (of the group's substantive answers), ``n``. Groups with fewer than
        ``threshold`` answers to a column are left out.

    Examples
    --------
    >>> from survey import load_instrument
    >>> from survey.synthetic import generate
    >>> ins = load_instrument()
    >>> data = generate(units=4, per_department=10, seed=1, scenario="clean").responses
    >>> shares = category_shares(data, ins, [ins.role("meeting_frequency")])
    >>> shares.groupby("group")["share"].sum().round(6).tolist()
    [1.0, 1.0]
    """
    missing = [c for c in [*columns, by] if c not in responses.columns]
    if missing:
        raise ValueError(f"responses lack column(s) {missing}")
    dk = instrument.dont_know.code
    rows = []
    for col in columns:
        options = instrument.options(col)
        if not options:
            raise ValueError(f"{col} has no answer options")
        for group, part in responses.groupby(by, sort=True):
            values = part[col].to_numpy(dtype="float64")
            values = values[~np.isnan(values) & (values != dk)]
            n = len(values)
            if n < threshold:
                continue
            for opt in options:
                count = int((values == opt.code).sum())
                rows.append(
                    {
                        "column": col,
                        "group": group,
                        "code": opt.code,
                        "label_de": opt.label.de,
                        "label_en": opt.label.en,
                        "count": count,
                        "share": count / n,
                        "n": n,
                    }
                )
    return pd.DataFrame(
        rows, columns=["column", "group", "code", "label_de", "label_en", "count", "share", "n"]
    )
