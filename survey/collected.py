"""From the web survey's store to the canonical wide table and the masked status table."""

from __future__ import annotations

import numpy as np
import pandas as pd

from survey.instrument import Instrument
from survey.responses import conform, empty_wide
from survey.store import Store

STATUS_COUNTS = ("invited", "in_progress", "complete")


def collected_responses(
    store: Store, instrument: Instrument, *, partial: bool = False
) -> pd.DataFrame:
    """The canonical wide table of finished responses (and, with ``partial``, of
    questionnaires saved for later, status ``"partial"``), in random order.

    Examples
    --------
    >>> from survey import load_instrument
    >>> store = Store("sqlite://", "demo")
    >>> state = {"id": "1" * 32, "language": "de", "department": "sales",
    ...          "business_unit": "north", "answers": {"INF_TIMELY": 6}, "started": 0}
    >>> _ = store.finish(state, instrument_version="1.0")
    >>> table = collected_responses(store, load_instrument())
    >>> table.loc[0, ["department", "business_unit", "language"]].tolist()
    ['sales', 'north', 'de']
    >>> float(table.loc[0, "INF_TIMELY"])
    6.0
    """
    rows = [(r, "complete") for r in store.response_rows()]
    if partial:
        rows += [(r, "partial") for r in store.partial_rows()]
    wide = empty_wide(instrument, len(rows))
    columns = set(instrument.columns())
    for i, (row, status) in enumerate(rows):
        wide.loc[i, "respondent_id"] = row.get("respondent_id") or f"partial-{i + 1}"
        if row.get("submitted_on"):
            wide.loc[i, "submitted_at"] = pd.Timestamp(row["submitted_on"], tz="UTC")
        for col in ("department", "business_unit", "role", "tenure", "language"):
            wide.loc[i, col] = row.get(col)
        wide.loc[i, "duration_s"] = row.get("duration_s", np.nan)
        wide.loc[i, "status"] = status
        answers = {k: v for k, v in row["answers"].items() if k in columns}
        if answers:
            wide.loc[i, list(answers)] = list(answers.values())
    return conform(wide, instrument)


def coarsen_context(wide: pd.DataFrame, threshold: int) -> pd.DataFrame:
    """Blank ``role`` and ``tenure`` where fewer than ``threshold`` respondents of one
    department and unit share the value: "the only head of sales in the north" is a name.

    Examples
    --------
    >>> wide = pd.DataFrame({"department": ["sales"] * 6, "business_unit": ["north"] * 6,
    ...                      "role": ["head"] + ["staff"] * 5, "tenure": ["lt1"] * 6})
    >>> coarsen_context(wide, 5)["role"].tolist()
    [nan, 'staff', 'staff', 'staff', 'staff', 'staff']
    """
    out = wide.copy()
    for col in ("role", "tenure"):
        size = out.groupby(["department", "business_unit", col], observed=True, dropna=False)[
            col
        ].transform("size")
        out[col] = out[col].where(size >= threshold)
    return out


def status_table(store: Store, threshold: int) -> pd.DataFrame:
    """Invited, in progress, complete and completion rate per department and unit.

    Any count below ``threshold`` (but above zero) is masked as ``"<threshold"``, and so
    is the completion rate of such a cell. A column's total is masked whenever one of its
    cells is (subtraction would give the masked cells away, alone or summed), and so is the
    overall completion rate (the rate and the visible cells pin the masked ones down).
    """
    counts = pd.DataFrame(store.counts(), columns=["department", "business_unit", *STATUS_COUNTS])
    total = counts[list(STATUS_COUNTS)].sum()
    started = counts["in_progress"] + counts["complete"]
    rate = counts["complete"] / started.where(started > 0)
    small = (counts[list(STATUS_COUNTS)] > 0) & (counts[list(STATUS_COUNTS)] < threshold)
    out = counts.astype({c: object for c in STATUS_COUNTS})
    for col in STATUS_COUNTS:
        out.loc[small[col], col] = f"<{threshold}"
    hidden_rate = small["complete"] | small["in_progress"]
    out["completion"] = [
        "" if np.isnan(r) else (f"<{threshold}" if h else f"{r:.0%}")
        for r, h in zip(rate.fillna(np.nan), hidden_rate, strict=True)
    ]
    total_row = {"department": "total", "business_unit": ""}
    for col in STATUS_COUNTS:
        exposed = small[col].any() or 0 < total[col] < threshold
        total_row[col] = f"<{threshold}" if exposed else int(total[col])
    all_started = total["in_progress"] + total["complete"]
    hidden = small[["in_progress", "complete"]].any(axis=None) or 0 < total["complete"] < threshold
    if not all_started:
        total_row["completion"] = ""
    else:
        total_row["completion"] = (
            f"<{threshold}" if hidden else f"{total['complete'] / all_started:.0%}"
        )
    return pd.concat([out, pd.DataFrame([total_row])], ignore_index=True)
