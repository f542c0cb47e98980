"""From the web survey's store to the canonical wide table and the masked status table."""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path

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


CONTEXT = ("role", "tenure", "language")  # blanked in the reverse of this order
CELL = ["department", "business_unit"]


def _class_sizes(out: pd.DataFrame, columns: list[str]) -> pd.Series:
    keys = CELL + columns
    # Blank is a value of its own: a blanked row hides among the other blank ones.
    filled = out[keys].astype(object).where(out[keys].notna(), "\x00blank")
    return filled.groupby(keys, dropna=False, sort=False)[keys[0]].transform("size")


def coarsen_context(wide: pd.DataFrame, threshold: int) -> pd.DataFrame:
    """Blank ``role``, ``tenure`` and ``language`` jointly so that, within each department
    and unit, every combination of them shown is shared by at least ``threshold``
    respondents: "the only head with under a year who answered in German" is a name even
    when each of the three values alone is common.

    Rows whose combination is too rare lose ``language`` first, then ``tenure``, then
    ``role`` (the most useful for the analysis is kept longest). Rows left with all three
    blank form a class of their own; if it is smaller than the threshold (the one blank row
    among shown ones would be found by elimination), whole classes from the smallest up
    are blanked into it until it is large enough.

    Examples
    --------
    >>> wide = pd.DataFrame({"department": ["sales"] * 10, "business_unit": ["north"] * 10,
    ...     "role": ["head"] * 5 + ["staff"] * 5,
    ...     "tenure": ["lt1"] + ["gt10"] * 4 + ["lt1"] * 4 + ["gt10"],
    ...     "language": ["de"] + ["en"] * 9})
    >>> coarsen_context(wide, 5).iloc[0][["role", "tenure", "language"]].tolist()
    ['head', nan, nan]
    """
    out = wide.copy()
    present = [c for c in CONTEXT if c in out]
    if not present or out.empty:
        return out
    for col in present:
        out[col] = out[col].astype(object)
    for col in reversed(present):
        small = _class_sizes(out, present) < threshold
        if not small.any():
            break
        out.loc[small, col] = np.nan
    blank = out[present].isna().all(axis=1)
    for _, part in out.groupby(CELL, dropna=False, sort=False):
        idx = part.index
        while 0 < blank[idx].sum() < threshold and not blank[idx].all():
            sizes = _class_sizes(out.loc[idx], present)[~blank[idx]]
            smallest = sizes.min()
            rows = sizes.index[sizes == smallest]
            # the whole class (all rows sharing the smallest class's values) goes blank
            first = out.loc[rows[0], present]
            same = (
                out.loc[idx, present].astype(object).fillna("\x00")
                == first.astype(object).fillna("\x00")
            ).all(axis=1)
            target = idx[same.to_numpy() & ~blank[idx].to_numpy()]
            out.loc[target, present] = np.nan
            blank.loc[target] = True
    for col in present:
        if col in wide and isinstance(wide[col].dtype, pd.CategoricalDtype | pd.StringDtype):
            out[col] = out[col].astype(wide[col].dtype)
    return out


def project_cells(project) -> list[tuple[str, str]]:
    """Every department x unit of a project, for :func:`status_table`."""
    return [(d, u) for d in project.departments for u in project.business_units]


def status_table(
    store: Store, threshold: int, cells: Iterable[tuple[str, str]] | None = None
) -> pd.DataFrame:
    """Invited, in progress, complete and completion rate per department and unit.

    Any count below ``threshold``, zero included, is shown as ``"<threshold"``, and so is
    the completion rate of such a cell: a poller must not see the moment the first person
    of a cell starts or submits. ``cells`` (every department x unit of the project) lists
    each cell from the start, so that a row appearing does not tell it either. A column's
    total is masked whenever one of its cells is (subtraction would give the masked cells
    away, alone or summed), and so is the overall completion rate.

    Examples
    --------
    >>> store = Store("sqlite://", "demo")
    >>> status_table(store, 5, [("sales", "north")])["complete"].tolist()
    ['<5', '<5']
    """
    counts = pd.DataFrame(store.counts(), columns=["department", "business_unit", *STATUS_COUNTS])
    if cells is not None:
        grid = pd.DataFrame(list(cells), columns=["department", "business_unit"])
        counts = grid.merge(counts, how="outer", on=["department", "business_unit"])
        counts[list(STATUS_COUNTS)] = counts[list(STATUS_COUNTS)].fillna(0).astype(int)
        counts = counts.sort_values(["department", "business_unit"], ignore_index=True)
    total = counts[list(STATUS_COUNTS)].sum()
    started = counts["in_progress"] + counts["complete"]
    rate = counts["complete"] / started.where(started > 0)
    small = counts[list(STATUS_COUNTS)] < threshold
    out = counts.astype({c: object for c in STATUS_COUNTS})
    for col in STATUS_COUNTS:
        out.loc[small[col], col] = f"<{threshold}"
    hidden_rate = small["complete"] | small["in_progress"]
    out["completion"] = [
        f"<{threshold}" if h else ("" if np.isnan(r) else f"{r:.0%}")
        for r, h in zip(rate.fillna(np.nan), hidden_rate, strict=True)
    ]
    total_row = {"department": "total", "business_unit": ""}
    for col in STATUS_COUNTS:
        exposed = small[col].any() or total[col] < threshold
        total_row[col] = f"<{threshold}" if exposed else int(total[col])
    all_started = total["in_progress"] + total["complete"]
    hidden = (
        small[["in_progress", "complete"]].any(axis=None)
        or total["complete"] < threshold
        or total["in_progress"] < threshold
    )
    if hidden:
        total_row["completion"] = f"<{threshold}"
    else:
        total_row["completion"] = f"{total['complete'] / all_started:.0%}"
    return pd.concat([out, pd.DataFrame([total_row])], ignore_index=True)


def write_responses(
    wide: pd.DataFrame, path: str | Path, fmt: str | None = None, **kwargs: object
) -> Path:
    """Write a respondent-level table owner-only (0600, whatever the umask), with text
    cells a spreadsheet would run as formulas (``=HYPERLINK(...)``) neutralised in CSV.

    ``kwargs`` go to :func:`survey.tables.write_table` (``instrument``, ``lang``).
    """
    from survey.tables import neutralise_formulas, table_format, write_table

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fmt = table_format(path, fmt)
    # Created 0600 before any byte is written; writers that reopen it keep that mode.
    os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600))
    os.chmod(path, 0o600)
    safe = neutralise_formulas(wide) if fmt == "csv" else wide
    written = write_table(safe, path, fmt, **kwargs)
    os.chmod(written, 0o600)
    return written
