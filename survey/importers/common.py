"""What every importer needs: reading text tables in any common encoding and separator,
and turning answer labels (German or English) into codes."""

from __future__ import annotations

import csv
import io
import re
import unicodedata
from pathlib import Path

import pandas as pd

from survey.instrument import Instrument

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
