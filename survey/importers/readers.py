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

from survey.errors import UserError, shorten

SEPARATORS = (",", ";", "\t")
EXCEL_EPOCH = datetime(1899, 12, 30)


class IngestError(UserError):
    """A file that cannot be imported; the message says which file and what was seen."""


MAX_CELL = 1_000_000  # characters; a longer cell is no survey answer (the csv default: 131,072)


@dataclass
class Sheet:
    """A table as read: rows of strings, with how it was read.

    ``lines`` holds, per row, where a person finds it: the line of a text file where the
    record starts, or the sheet row of a workbook. ``bad`` holds rows that are not whole
    records (cut off, more fields than the header) with the reason; they are quarantined.
    ``findings`` are things the consultant should know that cost no row (mixed encodings,
    a file without a final line break).
    """

    path: Path
    rows: list[list[str]]
    encoding: str = ""
    separator: str = ""
    notes: list[str] = field(default_factory=list)
    lines: list[int] = field(default_factory=list)
    bad: dict[int, str] = field(default_factory=dict)
    findings: list[str] = field(default_factory=list)
    line_endings: str = ""
    other_lines: list[int] = field(default_factory=list)  # cp1252 lines of a UTF-8 file
    unterminated: bool = False  # a whole last row, but no line break after it

    def __post_init__(self) -> None:
        if not self.lines:
            self.lines = list(range(1, len(self.rows) + 1))


@dataclass
class Decoded:
    text: str
    encoding: str
    other_lines: list[int] = field(default_factory=list)  # lines in cp1252 inside UTF-8


def _read_bytes(path: Path) -> bytes:
    try:
        data = path.read_bytes()
    except IsADirectoryError:
        raise IngestError(f"{path}: is a folder, not a file") from None
    except OSError as exc:
        raise IngestError(f"{path}: cannot read ({exc.strerror})") from None
    if not data.strip():
        raise IngestError(f"{path}: the file is empty")
    return data


def decode_text(path: Path) -> Decoded:
    """The text of a file: UTF-16 by its BOM, else UTF-8 line by line.

    A UTF-8 file with some lines in Windows-1252 (a row pasted in from an old Excel file)
    is decoded per line, so "Süd" stays "Süd" on every line, and the lines are reported.
    A file with no UTF-8 line holding non-ASCII text is Windows-1252 throughout.
    """
    data = _read_bytes(path)
    if data[:2] in (b"\xff\xfe", b"\xfe\xff"):
        try:
            return Decoded(data.decode("utf-16"), "utf-16")
        except UnicodeDecodeError as exc:
            raise IngestError(f"{path}: broken UTF-16 text (byte {exc.start})") from None
    bom = data.startswith(b"\xef\xbb\xbf")
    body = data[3:] if bom else data
    if b"\x00" in body[:4096]:
        raise IngestError(f"{path}: binary content, not a text table (is it a spreadsheet?)")
    try:
        return Decoded(body.decode("utf-8"), "utf-8-sig" if bom else "utf-8")
    except UnicodeDecodeError:
        pass
    parts = body.split(b"\n")
    texts: list[str] = []
    utf8_non_ascii = 0
    other: list[int] = []
    for n, part in enumerate(parts, start=1):
        try:
            texts.append(part.decode("utf-8"))
            utf8_non_ascii += not part.isascii()
        except UnicodeDecodeError:
            try:
                texts.append(part.decode("cp1252"))
            except UnicodeDecodeError as exc:
                raise IngestError(
                    f"{path}: line {n}: neither UTF-8 nor Windows-1252 text (byte {exc.start})"
                ) from None
            other.append(n)
    text = "\n".join(texts)
    if not utf8_non_ascii and not bom:
        return Decoded(text, "cp1252")
    return Decoded(text, "utf-8-sig" if bom else "utf-8", other)


def decode(path: Path) -> tuple[str, str]:
    """The text of a file and the encoding it was in (see :func:`decode_text`)."""
    found = decode_text(path)
    return found.text, found.encoding


def sniff_separator(text: str) -> str:
    """The separator that splits the first line into the most cells (quotes respected)."""
    first = text.lstrip("\ufeff").splitlines()[0] if text.strip() else ""
    counts = {sep: len(next(csv.reader([first], delimiter=sep), [])) for sep in SEPARATORS}
    return max(SEPARATORS, key=lambda sep: (counts[sep], sep == ","))


def _line_endings(text: str) -> str:
    crlf = text.count("\r\n")
    cr = text.count("\r") - crlf
    lf = text.count("\n") - crlf
    kinds = [name for name, n in (("CRLF", crlf), ("LF", lf), ("CR", cr)) if n]
    return "+".join(kinds) or "none"


def _records(text: str, sep: str, strict: bool):
    """(first line, record) pairs; universal newlines, so old Mac CR-only files read too."""
    reader = csv.reader(io.StringIO(text, newline=None), delimiter=sep, strict=strict)
    start = 1
    for record in reader:
        yield start, record
        start = reader.line_num + 1


def read_delimited(path: Path) -> Sheet:
    found = decode_text(path)
    text = found.text.lstrip("\ufeff")
    hint = re.match(r"sep=(.)\r?\n", text)
    if hint:  # Excel's separator line: "sep=;" before the header
        sep = hint.group(1)
        text = " " * (hint.end() - 1) + "\n" + text[hint.end() :]  # keep line numbers
    else:
        sep = sniff_separator(text)
    old_limit = csv.field_size_limit()
    csv.field_size_limit(MAX_CELL)
    cut_in_quote = False
    try:
        try:
            records = list(_records(text, sep, strict=True))
        except csv.Error as exc:
            # strict mode tells an unclosed quote at the end; anything else it rejects
            # (a stray quote inside a cell) the lenient reading takes as text.
            cut_in_quote = "unexpected end of data" in str(exc)
            records = list(_records(text, sep, strict=False))
    except csv.Error as exc:
        where = _error_line(text, sep)
        raise IngestError(f"{path}: {where}not a readable table ({exc})") from None
    finally:
        csv.field_size_limit(old_limit)
    kept = [(line, row) for line, row in records if any(cell.strip() for cell in row)]
    if len(kept) < 2 and (not kept or len(kept[0][1]) < 2):
        raise IngestError(f"{path}: found no table (one column and no data rows)")
    rows = [row for _, row in kept]
    sheet = Sheet(
        path,
        rows,
        encoding=found.encoding,
        separator=sep,
        lines=[line for line, _ in kept],
        line_endings=_line_endings(text),
        other_lines=found.other_lines,
    )
    if found.other_lines:
        shown = ", ".join(map(str, found.other_lines[:10]))
        more = "" if len(found.other_lines) <= 10 else f" and {len(found.other_lines) - 10} more"
        sheet.findings.append(
            f"mixed encodings: line(s) {shown}{more} are Windows-1252 in a UTF-8 file; "
            "read each line in its own encoding"
        )
    width = len(rows[0])
    unterminated = not text.endswith(("\n", "\r"))
    for i, row in enumerate(rows[1:], start=1):
        extra = row[width:]
        if any(cell.strip() for cell in extra):
            sheet.bad[i] = f"{len(row)} fields, the header has {width}"
        elif len(row) < width and i < len(rows) - 1:
            # a line break inside an unquoted answer splits a record in two
            sheet.bad[i] = (
                f"{len(row)} fields, the header has {width}: a record broken by a line break "
                "in an unquoted answer?"
            )
    last = len(rows) - 1
    if cut_in_quote:
        sheet.bad[last] = "the file ends inside a quoted field: cut off, not a whole response"
    elif last > 0 and len(rows[last]) < width and unterminated:
        sheet.bad[last] = (
            f"the file ends inside this row ({len(rows[last])} of {width} fields): "
            "cut off, not a whole response"
        )
    elif last > 0 and len(rows[last]) < width:
        sheet.bad[last] = f"{len(rows[last])} fields, the header has {width}"
    elif unterminated:
        sheet.unterminated = True
        sheet.findings.append("the file does not end with a line break")
    return sheet


def _error_line(text: str, sep: str) -> str:
    """ "line N: " where the csv module stops on a file, for the message."""
    reader = csv.reader(io.StringIO(text, newline=None), delimiter=sep)
    try:
        for _ in reader:
            pass
    except csv.Error:
        return f"line {reader.line_num}: "
    return ""


def read_xlsx(path: Path) -> Sheet:
    """The first worksheet; cells formatted as percent are read as shown (36 % is 36)."""
    from openpyxl import load_workbook

    _read_bytes(path)
    rows: list[list[str]] = []
    lines: list[int] = []
    percent_columns: set[int] = set()
    try:
        book = load_workbook(path, read_only=True, data_only=True)
        try:
            sheet = book.worksheets[0]
            for number, row in enumerate(sheet.iter_rows(), start=1):
                cells = []
                for pos, cell in enumerate(row):
                    value = getattr(cell, "value", None)
                    fmt = getattr(cell, "number_format", "") or ""
                    if isinstance(value, int | float) and "%" in fmt:
                        value = round(value * 100, 10)
                        percent_columns.add(pos)
                    cells.append(_cell(value))
                if any(c.strip() for c in cells):
                    rows.append(cells)
                    lines.append(number)
        finally:
            book.close()
    except IngestError:
        raise
    except Exception as exc:  # openpyxl raises many kinds (zip, XML, KeyError) for broken files
        raise IngestError(
            f"{path}: not a readable .xlsx workbook ({type(exc).__name__}: {shorten(str(exc))})"
        ) from None
    if not rows:
        raise IngestError(f"{path}: the first worksheet is empty")
    width = max(len(r) for r in rows)
    rows = [r + [""] * (width - len(r)) for r in rows]
    out = Sheet(path, rows, encoding="xlsx", separator="", lines=lines)
    if percent_columns:
        heads = [rows[0][p] if p < len(rows[0]) else f"column {p + 1}" for p in percent_columns]
        out.findings.append(f"percent-formatted cells read as shown (36 % = 36): {sorted(heads)}")
    return out


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
    >>> parse_number("3,5"), parse_number(" 1.234,5 "), parse_number(""), parse_number("36 %")
    (3.5, 1234.5, nan, 36.0)
    """
    s = text.strip().replace("\u00a0", "").replace("\u202f", "").replace(" ", "")
    if not s:
        return math.nan
    s = s.removesuffix("%")  # "36 %": a percent written as shown, as Excel formats it
    if re.fullmatch(r"-?\d{1,3}(\.\d{3})+,\d+", s):
        s = s.replace(".", "").replace(",", ".")
    elif re.fullmatch(r"-?\d*,\d+", s):
        s = s.replace(",", ".")
    try:
        return float(s)
    except ValueError:
        raise ValueError(f"not a number: {shorten(text)!r}") from None


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


_SLASH = re.compile(r"\s*(\d{1,2})/(\d{1,2})/(\d{4})\b")


def slash_order(values: list[str]) -> str:
    """``"mdy"`` or ``"dmy"``: how a column writes ``03/04/2026``, told by the cells
    whose day is above 12 (Google Forms writes the account's locale: US month first, UK and
    others day first). A column with both raises ``ValueError``; one with neither is read
    month first, as the English exports of Google and Microsoft Forms write it.

    Examples
    --------
    >>> slash_order(["03/04/2026 10:00:00", "25/04/2026 10:00:00"])
    'dmy'
    """
    day_first = month_first = False
    for value in values:
        m = _SLASH.match(value)
        if m:
            day_first |= int(m.group(1)) > 12
            month_first |= int(m.group(2)) > 12
    if day_first and month_first:
        raise ValueError("dates written both day/month/year and month/day/year")
    return "dmy" if day_first else "mdy"


def parse_datetime(text: str, order: str = "mdy") -> pd.Timestamp:
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
    formats = _DATE_FORMATS
    if order == "dmy":
        formats = tuple(f.replace("%m/%d/", "%d/%m/") for f in _DATE_FORMATS)
    for fmt in formats:
        try:
            return pd.Timestamp(datetime.strptime(s, fmt), tz="UTC")
        except ValueError:
            continue
    try:
        ts = pd.Timestamp(s)
    except ValueError:
        raise ValueError(f"not a date: {text!r}") from None
    return ts.tz_convert("UTC") if ts.tzinfo else ts.tz_localize("UTC")
