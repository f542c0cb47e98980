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
    texts = set(text_columns(instrument))
    return pd.DataFrame(
        {c: _empty_column(c, n, texts) for c in (*META_COLUMNS, *instrument.columns())}
    )


def _empty_column(col: str, n: int, texts: set[str]) -> pd.Series | np.ndarray:
    """``n`` unanswered cells of one canonical column, in its dtype."""
    defaults = {
        "respondent_id": "",
        "department": "",
        "business_unit": "",
        "role": None,
        "tenure": None,
        "language": "en",
        "status": "complete",
    }
    if col == "submitted_at":
        return pd.Series(pd.NaT, index=range(n), dtype="datetime64[s, UTC]")
    if col in defaults:
        return pd.Series([defaults[col]] * n, dtype="str")
    if col in texts:
        return pd.Series([None] * n, dtype="str")
    return np.full(n, np.nan)  # duration_s and numeric items


INSTRUMENT_COLUMNS = ("instrument_id", "instrument_version")  # written at the end of a file


def instrument_columns(instrument: Instrument) -> dict[str, str]:
    """The columns that record which instrument (and version) a table file follows."""
    return dict(zip(INSTRUMENT_COLUMNS, (instrument.id, instrument.version), strict=True))


def check_instrument_columns(wide: pd.DataFrame, instrument: Instrument) -> None:
    """A table that records another instrument or version is refused, naming the columns."""
    expected = instrument_columns(instrument)
    for col, want in expected.items():
        if col not in wide.columns:
            continue  # a table from another tool, or older: checked by its columns
        found = sorted({str(v) for v in wide[col].dropna().unique()} - {want})
        if found:
            raise ValueError(
                f"column {col} says the table follows {', '.join(found)}, not "
                f"{want} (instrument {instrument.id!r} {instrument.version}); pass the "
                "instrument the table was collected with (--instrument FILE)"
            )


def conform(
    wide: pd.DataFrame, instrument: Instrument, *, rejects: list[dict] | None = None
) -> pd.DataFrame:
    """Canonical column order and dtypes; missing item columns are added empty.

    Unknown columns raise ``ValueError`` (they belong in an import mapping, not here). A
    cell that is not a number (or, in ``submitted_at``, not a date) raises ``ValueError``
    naming its row and column, unless ``rejects`` is a list: then the cell becomes empty
    and is appended to it as ``{"index", "column", "failure_case", "reason"}``, for
    :func:`survey.schema.validate_responses` to quarantine its row.

    Examples
    --------
    >>> from survey import load_instrument
    >>> ins = load_instrument()
    >>> wide = empty_wide(ins, 2).astype({"duration_s": object})
    >>> wide["duration_s"] = [300, "fast"]
    >>> rejects = []
    >>> conform(wide, ins, rejects=rejects)["duration_s"].tolist(), rejects[0]["index"]
    ([300.0, nan], 1)
    """
    missing_meta = [c for c in META_COLUMNS if c not in wide.columns]
    if missing_meta:
        raise ValueError(f"response table lacks metadata column(s): {missing_meta}")
    check_instrument_columns(wide, instrument)
    known = set(META_COLUMNS) | set(instrument.columns()) | set(INSTRUMENT_COLUMNS)
    unknown = [c for c in wide.columns if c not in known]
    if unknown:
        raise ValueError(
            f"response table has column(s) instrument {instrument.id!r} {instrument.version} "
            f"does not know: {unknown}; is it a table of another instrument?"
        )
    # Column by column into a new frame: filling a frame of empty columns would hold the
    # whole table twice (a million respondents: 0.8 GB more).
    texts = set(text_columns(instrument))
    out: dict[str, object] = {}
    for col in (*META_COLUMNS, *instrument.columns()):
        if col not in wide.columns:
            out[col] = _empty_column(col, len(wide), texts)
        elif col == "submitted_at":
            stamps = _parsed(wide[col], col, rejects, dates=True)
            out[col] = stamps.astype("datetime64[s, UTC]").array
        elif col == "duration_s" or (col not in META_COLUMNS and col not in texts):
            numeric = _parsed(wide[col], col, rejects, dates=False)
            out[col] = numeric.to_numpy(dtype="float64", copy=True)  # writable, own memory
        else:
            out[col] = wide[col].astype("str").where(wide[col].notna(), None).array
    return pd.DataFrame(out, copy=False)


def _parsed(values: pd.Series, col: str, rejects: list[dict] | None, *, dates: bool) -> pd.Series:
    """Numbers or UTC dates; what does not parse is reported or raises, never guessed."""
    reason = "not a date" if dates else "not a number"
    if dates:
        parsed = pd.to_datetime(values, utc=True, errors="coerce")  # format from the first
        odd = parsed.isna() & values.notna()
        if odd.any():  # another way of writing a date is still a date
            parsed[odd] = pd.to_datetime(values[odd], utc=True, errors="coerce", format="mixed")
    elif pd.api.types.is_numeric_dtype(values):
        return values
    else:
        parsed = pd.to_numeric(values, errors="coerce")
    bad = np.flatnonzero(values.notna().to_numpy() & parsed.isna().to_numpy())
    if len(bad) and rejects is None:
        first = bad[0]
        raise ValueError(
            f"column {col!r}, data row {first + 1}: {values.iloc[first]!r} is {reason}"
            f" ({len(bad)} such cell{'s' if len(bad) > 1 else ''})"
        )
    for i in bad:
        rejects.append(
            {"index": int(i), "column": col, "failure_case": values.iloc[i], "reason": reason}
        )
    return parsed


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
