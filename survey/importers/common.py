"""What every importer needs: reading text tables in any common encoding and separator,
and turning answer labels (German or English) into codes."""

from __future__ import annotations

import csv
import io
import re
import unicodedata
from collections.abc import Callable
from pathlib import Path

import pandas as pd

from survey.instrument import Instrument
from survey.schema import QUARANTINE_COLUMNS

ENCODINGS = ("utf-8-sig", "cp1252")


def read_text(path: str | Path) -> str:
    """File contents as text: UTF-8 (with or without BOM), else Windows-1252."""
    path = Path(path)
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise OSError(f"{path}: cannot read ({exc.strerror})") from None
    for encoding in ENCODINGS:
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise ValueError(f"{path}: neither UTF-8 nor Windows-1252 text")


def read_rows(path: str | Path) -> list[list[str]]:
    """All rows of a CSV/TSV file as strings; the separator (comma, semicolon, tab) is
    sniffed from the first line."""
    text = read_text(path)
    first = text.splitlines()[0] if text else ""
    sep = max([",", ";", "\t"], key=first.count)
    rows = list(csv.reader(io.StringIO(text), delimiter=sep))
    return [r for r in rows if any(cell.strip() for cell in r)]


def normalise(text: str) -> str:
    """Lower case, no accents variants, no punctuation, single spaces: for matching labels."""
    text = unicodedata.normalize("NFKC", str(text)).casefold()
    text = re.sub(r"[^\w%]+", " ", text)
    return " ".join(text.split())


def label_codes(instrument: Instrument, column: str) -> dict[str, float]:
    """Normalised answer label (both languages, and the code itself) -> code."""
    item = instrument.item(column)
    out: dict[str, float] = {}
    for option in instrument.options(item):
        for text in (option.label.de, option.label.en, str(option.code)):
            out[normalise(text)] = float(option.code)
    if item.dont_know:
        for text in (instrument.dont_know.label.de, instrument.dont_know.label.en):
            out[normalise(text)] = float(instrument.dont_know.code)
    return out


def to_number(value: str) -> float:
    """A number written with a decimal point or comma."""
    text = str(value).strip().replace("\u00a0", "")
    if re.fullmatch(r"-?\d{1,3}(\.\d{3})+(,\d+)?", text):  # German thousands: 1.234,5
        text = text.replace(".", "")
    try:
        return float(text.replace(",", "."))
    except ValueError:
        raise ValueError("not a number") from None


def frame(rows: list[list[str]], header: list[str]) -> pd.DataFrame:
    width = len(header)
    return pd.DataFrame([(r + [""] * width)[:width] for r in rows], columns=header, dtype=object)


def quarantine_frame(problems: list[tuple]) -> pd.DataFrame:
    """Quarantine lines (row, respondent_id, column, value, reason); row -1 = a column."""
    return pd.DataFrame(problems, columns=list(QUARANTINE_COLUMNS))


def place_cells(
    instrument: Instrument,
    wide: pd.DataFrame,
    column: str,
    header: str,
    values: pd.Series,
    ids: list[str],
    problems: list[tuple],
    decode: Callable[[str], float],
) -> None:
    """Write one item column from a vendor column: text as it is, numbers (percent,
    constant sum; "don't know" labels or ``DK``) parsed, coded answers through ``decode``.
    A cell that fails becomes a quarantine line naming the vendor's ``header``."""
    kind = instrument.kind(column)
    dk = instrument.dont_know
    dk_keys = {normalise(dk.label.de), normalise(dk.label.en), "dk"}
    for i, cell in enumerate(values):
        if not cell.strip():
            continue
        try:
            if kind == "text":
                value: object = cell
            elif kind in ("percent", "constant_sum"):
                value = float(dk.code) if normalise(cell) in dk_keys else to_number(cell)
            else:
                value = decode(cell)
            wide.loc[i, column] = value
        except ValueError as exc:
            problems.append((i, ids[i], header, cell[:100], str(exc)))
