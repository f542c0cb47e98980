"""Ingest a vendor's response file: read, validate, quarantine, report."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from pathlib import Path

import pandas as pd

from survey.instrument import Instrument
from survey.quality import quality_flags
from survey.responses import conform
from survey.schema import validate_responses

READERS = {
    "surveyjs": "survey.importers.surveyjs:read_surveyjs",
    "qualtrics": "survey.importers.qualtrics:read_qualtrics",
    "limesurvey": "survey.importers.limesurvey:read_limesurvey",
    "google": "survey.importers.forms:read_google",
    "msforms": "survey.importers.forms:read_msforms",
    "csv": "survey.importers.forms:read_mapped_csv",
}
TAKES_MAPPING = {"google", "msforms", "csv"}


@dataclass(frozen=True)
class IngestReport:
    source: str
    format: str
    rows_read: int
    accepted: int
    quarantined: int
    partial: int
    duplicate: int


def detect_format(path: str | Path) -> str:
    """The format a file's content shows; says what it saw when it cannot tell."""
    path = Path(path)
    try:
        raw = path.read_bytes()[:2048]
    except OSError as exc:
        raise OSError(f"{path}: cannot read ({exc.strerror})") from None
    if raw.startswith(b"PK\x03\x04"):
        return "msforms"  # an XLSX workbook
    head = raw.decode("utf-8-sig", errors="replace").lstrip()
    if head.startswith(("[", "{")):
        return "surveyjs"
    first_line = head.splitlines()[0] if head else ""
    if "ResponseId" in first_line or '{""ImportId""' in head or first_line.startswith("V1"):
        return "qualtrics"
    if first_line.strip('"').lower().startswith(("timestamp", "zeitstempel")):
        return "google"
    cells = [c.strip('"') for c in first_line.replace(";", ",").split(",")]
    if cells[:2] == ["id", "submitdate"]:
        return "limesurvey"
    first = head.splitlines()[0][:120] if head else "an empty file"
    raise ValueError(
        f"{path}: cannot tell the format; the file starts with {first!r}. "
        f"Formats read: {sorted(READERS)}; for any other CSV/XLSX give a mapping file"
    )


def ingest(
    path: str | Path,
    instrument: Instrument,
    *,
    fmt: str = "auto",
    mapping: str | Path | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame, IngestReport]:
    """Read ``path``, validate it and return (valid table, quarantine, report).

    ``mapping``: a YAML file ``columns: {header: CODE or ignore}`` for columns that neither
    our codes nor the question texts identify (Google, Microsoft Forms, any CSV/XLSX).
    """
    import importlib

    if fmt == "auto":
        try:
            fmt = detect_format(path)
        except ValueError:
            if mapping is None:
                raise
            fmt = "csv"
    if fmt not in READERS:
        raise ValueError(f"unknown format {fmt!r}; formats read so far: {sorted(READERS)}")
    module, name = READERS[fmt].split(":")
    reader = getattr(importlib.import_module(module), name)
    if fmt in TAKES_MAPPING:
        wide, placed = reader(path, instrument, mapping)
    else:
        wide, placed = reader(path, instrument)
    try:
        wide = conform(wide, instrument)
    except (ValueError, TypeError) as exc:
        raise ValueError(f"{path}: {exc}") from None
    checked = validate_responses(wide, instrument)
    quarantine = pd.concat([placed, checked.quarantine], ignore_index=True)
    # Row -1 marks a whole column that could not be placed: it rejects no row.
    bad_rows = sorted(set(placed["row"]) - {-1})
    valid = checked.valid[
        ~checked.valid["respondent_id"].isin(wide.loc[bad_rows, "respondent_id"])
    ].reset_index(drop=True)
    flags = quality_flags(valid, instrument)
    report = IngestReport(
        source=str(path),
        format=fmt,
        rows_read=len(wide),
        accepted=len(valid),
        quarantined=len(set(quarantine["row"]) - {-1}),
        partial=int(flags["partial"].sum()),
        duplicate=int(flags["duplicate"].sum()),
    )
    return valid, quarantine, report


def write_ingest(
    valid: pd.DataFrame, quarantine: pd.DataFrame, report: IngestReport, output: str | Path
) -> list[Path]:
    """The table (CSV or Parquet by suffix), ``<stem>.quarantine.csv`` and
    ``<stem>.report.json``."""
    from survey.tables import write_table

    out = Path(output)
    table = write_table(valid, out)
    qpath = out.with_name(out.stem + ".quarantine.csv")
    quarantine.to_csv(qpath, index=False)
    rpath = out.with_name(out.stem + ".report.json")
    rpath.write_text(json.dumps(asdict(report), indent=1) + "\n", encoding="utf-8")
    return [table, qpath, rpath]
