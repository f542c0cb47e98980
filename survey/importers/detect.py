"""Which tool wrote a response file, told by its signature."""

from __future__ import annotations

from pathlib import Path

from survey.errors import shorten
from survey.importers import limesurvey, qualtrics, tabular
from survey.importers.readers import IngestError, Sheet, read_delimited, read_xlsx
from survey.instrument import Instrument
from survey.responses import META_COLUMNS

INGEST_FORMATS = ("auto", "qualtrics", "limesurvey", "google", "msforms", "surveyjs", "csv")


def read_sheet(path: Path) -> Sheet:
    if path.suffix.lower() in {".xlsx", ".xlsm"}:
        return read_xlsx(path)
    return read_delimited(path)


def detect_format(
    path: Path, instrument: Instrument, mapped: set[str] | None = None
) -> tuple[str, Sheet | None]:
    """The format of ``path`` and, for tables, the sheet read on the way.

    ``mapped`` are headers a mapping file names: a table they fit is read as generic CSV.
    Raises ``IngestError`` saying what was seen when no signature fits.
    """
    if not path.exists():
        raise IngestError(f"{path}: no such file")
    if path.suffix.lower() in {".json", ".jsonl", ".ndjson"}:
        return "surveyjs", None
    sheet = read_sheet(path)
    rows = sheet.rows
    if qualtrics.is_qualtrics(rows):
        return "qualtrics", sheet
    if {"ResponseId", "ResponseID"} & {c.strip() for c in rows[0]}:
        raise IngestError(
            f"{path}: looks like a Qualtrics export (ResponseId) but has {len(rows)} row(s) "
            f"and no ImportId row; a Qualtrics export has at least two header rows"
        )
    if limesurvey.is_limesurvey(rows):
        return "limesurvey", sheet
    if tabular.is_google(rows):
        return "google", sheet
    if tabular.is_msforms(rows):
        return "msforms", sheet
    ours = set(META_COLUMNS) | set(instrument.columns())
    heads = [c.strip() for c in rows[0]]
    known = ours | (mapped or set())
    if sum(h in known for h in heads) >= max(2, len(heads) // 2):
        return "csv", sheet
    how = f"{sheet.encoding}, separator {sheet.separator!r}" if sheet.separator else "xlsx"
    raise IngestError(
        f"{path}: cannot tell which tool wrote this file. Saw {len(heads)} columns ({how}) "
        f"starting {[shorten(h, 40) for h in heads[:5]]}, and none of the signatures: "
        f"Qualtrics (ResponseId and an ImportId row), LimeSurvey (submitdate, lastpage), "
        f"Google Forms (Timestamp first), Microsoft Forms (ID, Start time), our codes. "
        f"Name the format with --format and the columns with --mapping"
    )
