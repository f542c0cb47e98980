"""Reading whatever a survey tool or a spreadsheet wrote: encodings, separators, numbers, dates.

Python's csv module and pandas cover the parsing; what is hand-written here is the
guessing (encoding, separator, date form), which no library does for German and English
exports together.
"""

from __future__ import annotations

import csv
import io
import math
import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

import pandas as pd

SEPARATORS = (",", ";", "\t")
EXCEL_EPOCH = datetime(1899, 12, 30)


class IngestError(ValueError):
    """A file that cannot be imported; the message says which file and what was seen."""


@dataclass
class Sheet:
    """A table as read: header rows and data rows of strings, with how it was read."""

    path: Path
    rows: list[list[str]]
    encoding: str = ""
    separator: str = ""
    notes: list[str] = field(default_factory=list)


def decode(path: Path) -> tuple[str, str]:
    """The text of a file and the encoding it was in (UTF-8/BOM/UTF-16, else cp1252)."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise IngestError(f"{path}: cannot read ({exc.strerror})") from None
    if not data.strip():
        raise IngestError(f"{path}: the file is empty")
    if data[:2] in (b"\xff\xfe", b"\xfe\xff"):
        return data.decode("utf-16"), "utf-16"
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8", errors="strict"), "utf-8-sig"
    if b"\x00" in data[:4096]:
        raise IngestError(f"{path}: binary content, not a text table (is it a spreadsheet?)")
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp1252"), "cp1252"
    except UnicodeDecodeError as exc:
        raise IngestError(
            f"{path}: neither UTF-8 nor Windows-1252 text (byte {exc.start})"
        ) from None


def sniff_separator(text: str) -> str:
    """The separator that splits the first line into the most cells (quotes respected)."""
    first = text.lstrip("\ufeff").splitlines()[0] if text.strip() else ""
    counts = {sep: len(next(csv.reader([first], delimiter=sep))) for sep in SEPARATORS}
    return max(SEPARATORS, key=lambda sep: (counts[sep], sep == ","))


def read_delimited(path: Path) -> Sheet:
    text, encoding = decode(path)
    sep = sniff_separator(text)
    rows = [row for row in csv.reader(io.StringIO(text.lstrip("\ufeff")), delimiter=sep)]
    rows = [row for row in rows if any(cell.strip() for cell in row)]
    if len(rows) < 2 and (not rows or len(rows[0]) < 2):
        raise IngestError(f"{path}: found no table (one column and no data rows)")
    return Sheet(path, rows, encoding=encoding, separator=sep)


def read_xlsx(path: Path) -> Sheet:
    from openpyxl import load_workbook

    try:
        book = load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for broken files
        raise IngestError(f"{path}: not a readable .xlsx workbook ({exc})") from None
    sheet = book.worksheets[0]
    rows = [[_cell(v) for v in row] for row in sheet.iter_rows(values_only=True)]
    book.close()
    rows = [row for row in rows if any(cell.strip() for cell in row)]
    if not rows:
        raise IngestError(f"{path}: the first worksheet is empty")
    return Sheet(path, rows, encoding="xlsx", separator="")


def _cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def parse_number(text: str) -> float:
    """A number written either way: ``3``, ``3.5``, ``3,5``, ``1.234,5``; empty = NaN.

    Examples
    --------
    >>> parse_number("3,5"), parse_number(" 1.234,5 "), parse_number("")
    (3.5, 1234.5, nan)
    """
    s = text.strip().replace("\u00a0", "").replace(" ", "")
    if not s:
        return math.nan
    if re.fullmatch(r"-?\d{1,3}(\.\d{3})+,\d+", s):
        s = s.replace(".", "").replace(",", ".")
    elif re.fullmatch(r"-?\d*,\d+", s):
        s = s.replace(",", ".")
    return float(s)


_DATE_FORMATS = (
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%d %H:%M",
    "%Y-%m-%dT%H:%M:%S",
    "%Y-%m-%d",
    "%d.%m.%Y %H:%M:%S",
    "%d.%m.%Y %H:%M",
    "%d.%m.%Y",
    "%m/%d/%Y %H:%M:%S",
    "%m/%d/%Y %I:%M:%S %p",
    "%m/%d/%Y %H:%M",
    "%Y/%m/%d %I:%M:%S %p",
    "%Y/%m/%d %H:%M:%S",
)


def parse_datetime(text: str) -> pd.Timestamp:
    """A timestamp in ISO, German (``22.11.2026 13:40``), US form or as an Excel serial.

    Times without a zone are taken as UTC; unreadable text raises ``ValueError``.

    Examples
    --------
    >>> str(parse_datetime("22.11.2026 13:40")), str(parse_datetime("46348.5"))
    ('2026-11-22 13:40:00+00:00', '2026-11-22 12:00:00+00:00')
    """
    s = re.sub(r"\s+(GMT|UTC|MEZ|MESZ|CET|CEST)([+-]\d+(:\d+)?)?$", "", text.strip())
    if not s:
        return pd.NaT
    if re.fullmatch(r"\d{5}([.,]\d+)?", s):  # Excel serial day number, either decimal mark
        days = float(s.replace(",", "."))
        return pd.Timestamp(EXCEL_EPOCH + timedelta(days=days), tz="UTC").round("s")
    for fmt in _DATE_FORMATS:
        try:
            return pd.Timestamp(datetime.strptime(s, fmt), tz="UTC")
        except ValueError:
            continue
    try:
        ts = pd.Timestamp(s)
    except ValueError:
        raise ValueError(f"not a date: {text!r}") from None
    return ts.tz_convert("UTC") if ts.tzinfo else ts.tz_localize("UTC")
