"""Reading and writing the canonical wide response table (CSV or Parquet)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from survey.instrument import Instrument
from survey.responses import conform

TABLE_FORMATS = ("csv", "parquet")


def table_format(path: str | Path, fmt: str | None = None) -> str:
    """The format named, else the one the file suffix implies."""
    fmt = fmt or Path(path).suffix.lstrip(".").lower()
    if fmt not in TABLE_FORMATS:
        raise ValueError(f"{path}: unknown table format {fmt!r}; use one of {TABLE_FORMATS}")
    return fmt


def write_table(wide: pd.DataFrame, path: str | Path, fmt: str | None = None) -> Path:
    """Write a wide table; CSV is UTF-8 with ISO dates, so equal tables give equal bytes."""
    path = Path(path)
    fmt = table_format(path, fmt)
    path.parent.mkdir(parents=True, exist_ok=True)
    if fmt == "csv":
        wide.to_csv(path, index=False, date_format="%Y-%m-%dT%H:%M:%SZ", lineterminator="\n")
    else:
        wide.to_parquet(path, index=False)
    return path


def read_table(path: str | Path, instrument: Instrument, fmt: str | None = None) -> pd.DataFrame:
    """Read a wide table written by :func:`write_table` into canonical dtypes."""
    path = Path(path)
    fmt = table_format(path, fmt)
    if not path.exists():
        raise FileNotFoundError(f"{path}: no such file")
    if fmt == "csv":
        raw = pd.read_csv(path, dtype={"respondent_id": "str"}, keep_default_na=True)
    else:
        raw = pd.read_parquet(path)
    try:
        return conform(raw, instrument)
    except ValueError as exc:
        raise ValueError(f"{path}: {exc}") from None
