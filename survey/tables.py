"""Reading and writing the canonical wide response table.

CSV and Parquet for alignmeter itself; SPSS (.sav) and Stata (.dta) with variable and value
labels, and an Excel-friendly CSV (UTF-8 with BOM, ``;``, decimal comma, formula-looking
cells neutralised) for researchers and consultants.
"""

from __future__ import annotations

import csv
import os
import warnings
from collections.abc import Sequence
from pathlib import Path

import pandas as pd

from survey.errors import UserError, shorten, shorten_message
from survey.instrument import Instrument
from survey.responses import conform

TABLE_FORMATS = ("csv", "parquet", "spss", "stata", "csv-excel")
READ_FORMATS = ("csv", "parquet")
SUFFIXES = {"sav": "spss", "dta": "stata"}
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def table_format(path: str | Path, fmt: str | None = None) -> str:
    """The format named, else the one the file suffix implies."""
    suffix = Path(path).suffix.lstrip(".").lower()
    fmt = fmt or SUFFIXES.get(suffix, suffix)
    if fmt not in TABLE_FORMATS:
        raise UserError(f"{path}: unknown table format {fmt!r}; use one of {TABLE_FORMATS}")
    return fmt


def _labels(instrument: Instrument, lang: str) -> tuple[dict[str, str], dict[str, dict]]:
    """Variable labels (item texts, rendered neutrally) and value labels (option codes)."""
    variable, values = {}, {}
    for col, item in instrument.column_map.items():
        text = item.text[lang].replace("{own}", "[own]").replace("{other}", "[other]")
        if col != item.code:
            part = col[len(item.code) + 1 :]
            text = f"{text} [{part}]"
        variable[col] = text[:255]
        kind = instrument.kind(item)
        if kind in ("text", "percent", "constant_sum", "multiple"):
            codes = {}
        else:
            codes = {o.code: o.label[lang] for o in instrument.options(item)}
        if item.dont_know and kind != "multiple":
            codes[instrument.dont_know.code] = instrument.dont_know.label[lang]
        if codes:
            values[col] = codes
    return variable, values


def _neutralise(value: object) -> object:
    # A cell like "=HYPERLINK(...)" would run as a formula in Excel: make it text.
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def neutralise_formulas(wide: pd.DataFrame) -> pd.DataFrame:
    """A copy in which text cells that a spreadsheet would run as a formula start with '."""
    safe = wide.copy()
    for col in safe.columns:
        if safe[col].dtype == object or pd.api.types.is_string_dtype(safe[col]):
            safe[col] = safe[col].map(_neutralise)
    return safe


def write_table(
    wide: pd.DataFrame,
    path: str | Path,
    fmt: str | None = None,
    *,
    instrument: Instrument | None = None,
    lang: str = "en",
) -> Path:
    """Write a wide table (readable by its owner only: respondent-level data); CSV is UTF-8
    with ISO dates, so equal tables give equal bytes.

    ``spss`` and ``stata`` need the ``instrument`` for labels (in ``lang``).

    Examples
    --------
    >>> import tempfile, pandas as pd
    >>> from survey import load_instrument
    >>> from survey.responses import empty_wide
    >>> ins = load_instrument()
    >>> wide = empty_wide(ins, 1)
    >>> wide["OUT_ONE_CHANGE"] = "=1+1"
    >>> path = write_table(wide, tempfile.mkdtemp() + "/t.csv", "csv-excel")
    >>> path.read_bytes()[:3] == b"\\xef\\xbb\\xbf" and "'=1+1" in path.read_text("utf-8-sig")
    True
    """
    path = Path(path)
    fmt = table_format(path, fmt)
    path.parent.mkdir(parents=True, exist_ok=True)
    # respondent-level data: readable by its owner only, from the first byte written
    path.touch(mode=0o600, exist_ok=True)
    path.chmod(0o600)
    if fmt == "csv":
        wide.to_csv(path, index=False, date_format="%Y-%m-%dT%H:%M:%SZ", lineterminator="\n")
    elif fmt == "parquet":
        wide.to_parquet(path, index=False)
    elif fmt == "csv-excel":
        neutralise_formulas(wide).to_csv(
            path,
            index=False,
            sep=";",
            decimal=",",
            encoding="utf-8-sig",
            date_format="%d.%m.%Y %H:%M:%S",
            lineterminator="\r\n",
        )
    else:
        if instrument is None:
            raise UserError(f"{fmt} export needs the instrument for its labels")
        variable, values = _labels(instrument, lang)
        out = wide.copy()
        out["submitted_at"] = out["submitted_at"].dt.tz_localize(None)
        for col in out.columns:
            if pd.api.types.is_string_dtype(out[col]):
                out[col] = out[col].astype(object).where(out[col].notna(), "")
        out.columns = [c.lower() if fmt == "stata" else c for c in out.columns]
        names = dict(zip(wide.columns, out.columns, strict=True))
        labels = {names[c]: t for c, t in variable.items()}
        value_labels = {names[c]: v for c, v in values.items()}
        if fmt == "spss":
            import pyreadstat

            pyreadstat.write_sav(
                out,
                path,
                column_labels=labels,
                variable_value_labels=value_labels,
                missing_ranges={c: [instrument.dont_know.code] for c in value_labels},
            )
        else:
            import pyreadstat

            labels = {c: t[:80] for c, t in labels.items()}  # Stata's label limit
            pyreadstat.write_dta(
                out,
                path,
                column_labels=labels,
                variable_value_labels={
                    c: {int(k): v for k, v in lab.items()} for c, lab in value_labels.items()
                },
            )
    return path


def read_table(
    path: str | Path,
    instrument: Instrument,
    fmt: str | None = None,
    *,
    rejects: list[dict] | None = None,
) -> pd.DataFrame:
    """Read a wide table written by :func:`write_table` (CSV or Parquet) into canonical
    dtypes; the error names the file. With ``rejects`` (a list), cells that are not
    numbers or dates are emptied and listed there instead of raising (see
    :func:`survey.responses.conform`)."""
    path = Path(path)
    if path.is_dir():
        raise UserError(f"{path}: is a folder, not a response table")
    fmt = table_format(path, fmt)
    if fmt not in READ_FORMATS:
        raise UserError(f"{path}: alignmeter reads {READ_FORMATS} tables, not {fmt}")
    if not path.exists():
        raise UserError(f"{path}: no such file")
    try:
        if fmt == "csv":
            with warnings.catch_warnings():
                # More fields than the header: pandas would take the surplus as an index
                # (index_col=None) or drop it with a warning (False); either shifts or
                # loses cells without a word, so the warning is an error here.
                warnings.simplefilter("error", pd.errors.ParserWarning)
                raw = pd.read_csv(
                    path, dtype={"respondent_id": "str"}, keep_default_na=True, index_col=False
                )
        else:
            raw = pd.read_parquet(path)
            _release_arrow_memory()  # decoding buffers
    except UnicodeDecodeError as exc:
        raise UserError(
            f"{path}: not UTF-8 text (byte {exc.start}); alignmeter tables are UTF-8. "
            "Import a tool's export with 'alignmeter ingest'"
        ) from None
    except pd.errors.EmptyDataError:
        raise UserError(f"{path}: the file is empty") from None
    except pd.errors.ParserWarning:
        raise UserError(
            f"{path}: not a readable CSV table (the first data row has more fields than the header)"
        ) from None
    except pd.errors.ParserError as exc:
        raise UserError(f"{path}: not a readable CSV table ({shorten_message(exc, 200)})") from None
    except (OSError, ValueError) as exc:  # pyarrow: not a Parquet file, truncated footer
        if isinstance(exc, FileNotFoundError):
            raise
        raise UserError(
            f"{path}: not a readable {fmt} table ({shorten_message(exc, 200)})"
        ) from None
    found: list[dict] = [] if rejects is None else rejects
    try:
        wide = conform(raw, instrument, rejects=found)
    except ValueError as exc:
        raise UserError(f"{path}: {exc}") from None
    if rejects is None and found:
        # Where a person finds the cell: the line of the file, the column by name.
        first = found[0]
        line = file_rows(path, [int(first["index"])])[0]
        where = "line" if fmt == "csv" else "row"
        raise UserError(
            f"{path}: {where} {line}, column {first['column']!r}: "
            f"{shorten(first['failure_case'])!r} is {first['reason']}"
            f" ({len(found)} such cell{'s' if len(found) > 1 else ''})"
        )
    if fmt == "parquet":
        del raw  # conform copied the numbers out of Arrow's buffers
        _release_arrow_memory()
    return wide


def quarantine_path(source: str | Path) -> Path:
    """Where the quarantine of an input goes: next to the input (``x.csv`` ->
    ``x.quarantine.csv``), never into an output folder that is handed around."""
    source = Path(source)
    return source.with_name(source.stem + ".quarantine.csv")


QUARANTINE_EXCERPT = 80  # characters of a cell a quarantine file shows


def write_quarantine(quarantine: pd.DataFrame, path: str | Path) -> Path:
    """Write a quarantine table for a person to open in Excel: cells that a spreadsheet
    would run as formulas are neutralised (as the csv-excel export does), values are cut
    to a short excerpt (a quarantine never holds a long free-text answer in full), and
    the file is readable by its owner only (it holds respondent-level values).

    Examples
    --------
    >>> import tempfile, pandas as pd
    >>> q = pd.DataFrame({"row": [2], "respondent_id": ["r1"], "column": ["OUT_ONE_CHANGE"],
    ...                   "value": ['=HYPERLINK("http://x")' + "x" * 500], "reason": ["too long"]})
    >>> out = write_quarantine(q, tempfile.mkdtemp() + "/q.csv").read_text()
    >>> "'=HYPERLINK" in out and "x" * 200 not in out
    True
    """
    path = Path(path)
    safe = quarantine.copy()
    for col in safe.columns:
        if safe[col].dtype == object or pd.api.types.is_string_dtype(safe[col]):
            safe[col] = safe[col].map(
                lambda v: v if not isinstance(v, str) else shorten(v, QUARANTINE_EXCERPT)
            )
    safe = neutralise_formulas(safe)
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.exists():
        path.unlink()  # a fresh file, created 0600 below
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8", newline="") as handle:
        safe.to_csv(handle, index=False, lineterminator="\n")
    return path


def file_rows(path: str | Path, positions: Sequence[int]) -> list[int]:
    """Where 0-based data rows of a table file start, as its user would look them up: the
    line of a CSV file (the header is line 1; a quoted cell may span lines), the record
    number (from 1) of a Parquet file.

    Examples
    --------
    >>> import tempfile
    >>> path = Path(tempfile.mkdtemp()) / "t.csv"
    >>> _ = path.write_text('id,text\\na,"two\\nlines"\\n\\nb,x\\n')
    >>> file_rows(path, [0, 1])
    [2, 5]
    """
    if table_format(path, None) != "csv":
        return [int(i) + 1 for i in positions]
    # pandas does not report line numbers: walk the records with the csv module instead.
    starts = []
    with open(path, newline="", encoding="utf-8", errors="replace") as handle:
        reader = csv.reader(handle)
        next(reader, None)
        line = reader.line_num + 1
        for record in reader:
            if record:  # pandas skips blank lines too
                starts.append(line)
            line = reader.line_num + 1
    return [starts[i] if i < len(starts) else int(i) + 2 for i in positions]


def _release_arrow_memory() -> None:
    """Give memory Arrow has freed back to the system; its allocator keeps it otherwise
    (about the size of the table again after reading a large Parquet file)."""
    import pyarrow as pa

    pa.default_memory_pool().release_unused()
