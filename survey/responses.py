"""The canonical response table, wide (one row per respondent) and long (respondent x item).

Wide columns: the metadata in :data:`META_COLUMNS`, then one column per item column of the
instrument (:meth:`survey.instrument.Instrument.columns`). Answers are stored as codes:
numeric items as float (NaN = not answered, the instrument's "don't know" code, -9 by
default, kept as given), multiple-choice options as 0/1, constant sums as points per part,
free text as strings. :func:`answers` turns "don't know" into NaN for analysis.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from survey.instrument import Instrument

META_COLUMNS: tuple[str, ...] = (
    "respondent_id",
    "submitted_at",
    "department",
    "business_unit",
    "role",
    "tenure",
    "language",
    "duration_s",
    "status",
)
STATUSES = ("complete", "partial")
LONG_COLUMNS: tuple[str, ...] = (*META_COLUMNS, "column", "item", "value", "text")


def text_columns(instrument: Instrument) -> list[str]:
    return [c for c, item in instrument.column_map.items() if instrument.kind(item) == "text"]


def numeric_columns(instrument: Instrument) -> list[str]:
    return [c for c, item in instrument.column_map.items() if instrument.kind(item) != "text"]


def empty_wide(instrument: Instrument, n: int = 0) -> pd.DataFrame:
    """A wide table of ``n`` unanswered rows with the canonical columns and dtypes."""
    data: dict[str, object] = {
        "respondent_id": pd.Series([""] * n, dtype="str"),
        "submitted_at": pd.Series(pd.NaT, index=range(n), dtype="datetime64[s, UTC]"),
        "department": pd.Series([""] * n, dtype="str"),
        "business_unit": pd.Series([""] * n, dtype="str"),
        "role": pd.Series([None] * n, dtype="str"),
        "tenure": pd.Series([None] * n, dtype="str"),
        "language": pd.Series(["en"] * n, dtype="str"),
        "duration_s": np.full(n, np.nan),
        "status": pd.Series(["complete"] * n, dtype="str"),
    }
    texts = set(text_columns(instrument))
    for col in instrument.columns():
        data[col] = pd.Series([None] * n, dtype="str") if col in texts else np.full(n, np.nan)
    return pd.DataFrame(data)


def conform(wide: pd.DataFrame, instrument: Instrument) -> pd.DataFrame:
    """Canonical column order and dtypes; missing item columns are added empty.

    Unknown columns raise ``ValueError`` (they belong in an import mapping, not here).
    """
    missing_meta = [c for c in META_COLUMNS if c not in wide.columns]
    if missing_meta:
        raise ValueError(f"response table lacks metadata column(s): {missing_meta}")
    known = set(META_COLUMNS) | set(instrument.columns())
    unknown = [c for c in wide.columns if c not in known]
    if unknown:
        raise ValueError(f"response table has column(s) the instrument does not know: {unknown}")
    out = empty_wide(instrument, len(wide))
    out.index = wide.index
    for col in wide.columns:
        if col == "submitted_at":
            out[col] = pd.to_datetime(wide[col], utc=True).astype("datetime64[s, UTC]")
        elif out[col].dtype == "float64":
            out[col] = pd.to_numeric(wide[col], errors="raise").astype("float64")
        else:
            out[col] = wide[col].astype("str").where(wide[col].notna(), None)
    return out.reset_index(drop=True)


def to_long(wide: pd.DataFrame, instrument: Instrument) -> pd.DataFrame:
    """The tidy long form: one row per respondent and item column, unanswered included.

    Examples
    --------
    >>> from survey import load_instrument
    >>> from survey.responses import empty_wide, to_long, to_wide
    >>> ins = load_instrument()
    >>> wide = empty_wide(ins, 2)
    >>> wide["respondent_id"] = ["r1", "r2"]
    >>> wide["OUT_GRADE"] = [2.0, 5.0]
    >>> long = to_long(wide, ins)
    >>> long.loc[long["column"] == "OUT_GRADE", ["respondent_id", "value"]].to_numpy().tolist()
    [['r1', 2.0], ['r2', 5.0]]
    >>> to_wide(long, ins).equals(wide)
    True
    """
    wide = conform(wide, instrument)
    texts = text_columns(instrument)
    numeric = numeric_columns(instrument)
    num = wide.melt(id_vars=list(META_COLUMNS), value_vars=numeric, var_name="column")
    num["text"] = pd.Series(None, index=num.index, dtype="str")
    txt = wide.melt(
        id_vars=list(META_COLUMNS), value_vars=texts, var_name="column", value_name="text"
    )
    txt["value"] = np.nan
    long = pd.concat([num, txt], ignore_index=True)
    item_of = {col: item.code for col, item in instrument.column_map.items()}
    long["item"] = long["column"].map(item_of)
    order = {col: i for i, col in enumerate(instrument.columns())}
    long["_pos"] = long["column"].map(order)
    ids = pd.Index(wide["respondent_id"])
    long["_row"] = ids.get_indexer(long["respondent_id"]) if ids.is_unique else 0
    long = long.sort_values(["_row", "_pos"], kind="stable").drop(columns=["_row", "_pos"])
    return long[list(LONG_COLUMNS)].reset_index(drop=True)


def to_wide(long: pd.DataFrame, instrument: Instrument) -> pd.DataFrame:
    """Back from the long form to the canonical wide table (inverse of :func:`to_long`)."""
    missing = [c for c in LONG_COLUMNS if c not in long.columns]
    if missing:
        raise ValueError(f"long table lacks column(s): {missing}")
    if long.duplicated(["respondent_id", "column"]).any():
        raise ValueError("long table has more than one row for a respondent and column")
    meta = long.drop_duplicates("respondent_id")[list(META_COLUMNS)].set_index("respondent_id")
    texts = set(text_columns(instrument))
    value = long["text"].where(long["column"].isin(texts), long["value"])
    grid = (
        long.assign(_v=value)
        .pivot(index="respondent_id", columns="column", values="_v")
        .reindex(index=meta.index)
    )
    wide = meta.join(grid).reset_index()
    for col in instrument.columns():
        if col not in wide.columns:
            wide[col] = np.nan
    return conform(wide[list(META_COLUMNS) + instrument.columns()], instrument)


def answers(wide: pd.DataFrame, instrument: Instrument) -> pd.DataFrame:
    """Numeric item columns with "don't know" codes set to NaN, ready for statistics."""
    cols = numeric_columns(instrument)
    values = wide[cols].to_numpy(dtype="float64", copy=True)
    values[values == instrument.dont_know.code] = np.nan
    return pd.DataFrame(values, columns=cols, index=wide.index)
