"""Reading and writing the canonical wide response table.

CSV and Parquet for alignmeter itself; SPSS (``.sav``) and Stata (``.dta``) with variable
and value labels for researchers (via pyreadstat); ``csv-excel`` for spreadsheet users:
UTF-8 with BOM, ``;`` and decimal commas as German Excel expects, with cells that Excel
would run as formulas neutralised.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd

from survey.instrument import Instrument
from survey.responses import conform

TABLE_FORMATS = ("csv", "parquet", "spss", "stata", "csv-excel")
SUFFIX_FORMATS = {"csv": "csv", "parquet": "parquet", "sav": "spss", "dta": "stata"}
READABLE = ("csv", "parquet", "spss", "stata")
# Cells Excel would evaluate (OWASP "CSV injection"): a leading =, +, -, @, tab or CR.
FORMULA = re.compile(r"^[=+\-@\t\r]")
STATA_LABEL_LENGTH = 80


def table_format(path: str | Path, fmt: str | None = None) -> str:
    """The format named, else the one the file suffix implies."""
    fmt = fmt or SUFFIX_FORMATS.get(Path(path).suffix.lstrip(".").lower(), "")
    if fmt not in TABLE_FORMATS:
        raise ValueError(f"{path}: unknown table format {fmt!r}; use one of {TABLE_FORMATS}")
    return fmt


def write_table(
    wide: pd.DataFrame,
    path: str | Path,
    fmt: str | None = None,
    *,
    instrument: Instrument | None = None,
    lang: str = "en",
) -> Path:
    """Write a wide table in ``fmt`` (see :data:`TABLE_FORMATS`).

    CSV is UTF-8 with ISO dates, so equal tables give equal bytes. SPSS and Stata files
    carry the item texts as variable labels and the answer labels as value labels, in
    ``lang``, from ``instrument`` (the shipped one when None).
    """
    path = Path(path)
    fmt = table_format(path, fmt)
    path.parent.mkdir(parents=True, exist_ok=True)
    if fmt == "csv":
        wide.to_csv(path, index=False, date_format="%Y-%m-%dT%H:%M:%SZ", lineterminator="\n")
    elif fmt == "parquet":
        wide.to_parquet(path, index=False)
    elif fmt == "csv-excel":
        excel_safe(wide).to_csv(
            path,
            index=False,
            sep=";",
            decimal=",",
            encoding="utf-8-sig",
            date_format="%Y-%m-%d %H:%M:%S",
            lineterminator="\r\n",
        )
    else:
        _write_labelled(wide, path, fmt, instrument, lang)
    return path


def excel_safe(wide: pd.DataFrame) -> pd.DataFrame:
    """Text cells that Excel would run as formulas, prefixed with ``'``.

    Examples
    --------
    >>> excel_safe(pd.DataFrame({"a": ["=1+1", "ok", "-x", None]}))["a"].tolist()
    ["'=1+1", 'ok', "'-x", None]
    """
    out = wide.copy()
    for col in out.columns:
        if out[col].dtype == object or pd.api.types.is_string_dtype(out[col]):
            out[col] = (
                out[col]
                .map(lambda v: f"'{v}" if isinstance(v, str) and FORMULA.match(v) else v)
                .astype(out[col].dtype)
            )
    return out


def labels(instrument: Instrument, lang: str = "en") -> tuple[dict[str, str], dict[str, dict]]:
    """Variable labels and value labels of every column of the wide table."""
    from survey.responses import META_COLUMNS

    variable = {c: c.replace("_", " ") for c in META_COLUMNS}
    values: dict[str, dict] = {}
    for q in instrument.context:
        variable[q.column] = q.text[lang]
    for col, item in instrument.column_map.items():
        # Mirror texts name departments; the label keeps it general with "own"/"other".
        text = item.text[lang].replace("{own}", "[own]").replace("{other}", "[other]")
        kind = instrument.kind(item)
        if kind == "multiple":
            code = int(col.rsplit("_", 1)[1])
            option = next(o for o in instrument.options(item) if o.code == code)
            variable[col] = f"{text} - {option.label[lang]}"
            values[col] = {0.0: "-", 1.0: option.label[lang]}
        elif kind == "constant_sum":
            part = next(p for p in item.parts if col.endswith(f"_{p.code}"))
            variable[col] = f"{text} - {part.label[lang]}"
        else:
            variable[col] = text
            opts = {float(o.code): o.label[lang] for o in instrument.options(item)}
            if item.dont_know:
                opts[float(instrument.dont_know.code)] = instrument.dont_know.label[lang]
            if opts:
                values[col] = opts
    return variable, values


def _write_labelled(wide, path: Path, fmt: str, instrument: Instrument | None, lang: str) -> None:
    import pyreadstat

    from survey.instrument import load_instrument

    instrument = instrument or load_instrument()
    variable, values = labels(instrument, lang)
    data = wide.copy()
    for col in data.columns:
        if isinstance(data[col].dtype, pd.DatetimeTZDtype):
            data[col] = data[col].dt.tz_convert(None).astype("datetime64[ns]")
        elif pd.api.types.is_string_dtype(data[col]):
            data[col] = data[col].astype(object).where(data[col].notna(), "")
    names = [variable.get(c, c) for c in data.columns]
    value_labels = {c: v for c, v in values.items() if c in data.columns}
    if fmt == "spss":
        pyreadstat.write_sav(data, path, column_labels=names, variable_value_labels=value_labels)
    else:
        names = [n[:STATA_LABEL_LENGTH] for n in names]
        # Stata labels integer values only; codes are whole numbers already.
        value_labels = {
            c: {int(k): v[:STATA_LABEL_LENGTH] for k, v in m.items()}
            for c, m in value_labels.items()
        }
        pyreadstat.write_dta(
            data, path, column_labels=names, variable_value_labels=value_labels, version=15
        )


def read_table(path: str | Path, instrument: Instrument, fmt: str | None = None) -> pd.DataFrame:
    """Read a wide table written by :func:`write_table` into canonical dtypes."""
    path = Path(path)
    fmt = table_format(path, fmt)
    if fmt not in READABLE:
        raise ValueError(f"{path}: {fmt} is an export for spreadsheets; read the CSV or Parquet")
    if not path.exists():
        raise FileNotFoundError(f"{path}: no such file")
    if fmt == "csv":
        raw = pd.read_csv(path, dtype={"respondent_id": "str"}, keep_default_na=True)
    elif fmt == "parquet":
        raw = pd.read_parquet(path)
    else:
        import pyreadstat

        reader = pyreadstat.read_sav if fmt == "spss" else pyreadstat.read_dta
        raw, _ = reader(str(path))
        for col in raw.columns:
            if pd.api.types.is_string_dtype(raw[col]):  # SPSS/Stata store missing text as ""
                raw[col] = raw[col].replace("", np.nan)
        raw["submitted_at"] = pd.to_datetime(raw["submitted_at"]).dt.tz_localize("UTC")
    try:
        return conform(raw, instrument)
    except ValueError as exc:
        raise ValueError(f"{path}: {exc}") from None
