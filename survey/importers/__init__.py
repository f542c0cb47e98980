"""Import responses from other survey tools into the canonical wide table.

:func:`ingest` reads a file (format told by its signature or named), maps columns and
labels to the instrument, validates, and returns the table, a quarantine of every cell
or row held back, and a report. Nothing is dropped without a quarantine line.
"""

from __future__ import annotations

from pathlib import Path

from survey.importers.assemble import ImportResult
from survey.importers.readers import IngestError
from survey.instrument import Instrument

__all__ = ["ImportResult", "IngestError", "ingest"]


def ingest(
    path: str | Path,
    instrument: Instrument,
    fmt: str = "auto",
    mapping: str | Path | None = None,
) -> ImportResult:
    """Read a response file of any supported tool; see the module docstring.

    Examples
    --------
    A Google Forms export in German: question texts as headers, labels as answers.

    >>> import tempfile, pathlib
    >>> from survey import load_instrument
    >>> ins = load_instrument()
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "form.csv"
    >>> _ = path.write_text(
    ...     "Zeitstempel,In welchem Bereich arbeiten Sie?,"
    ...     "Zu welcher Geschäftseinheit gehören Sie?,"
    ...     "Welche Schulnote geben Sie insgesamt der Zusammenarbeit von Marketing und Vertrieb?\\n"
    ...     "22.11.2026 10:00:00,Vertrieb,Nord,2 – gut\\n"
    ...     "22.11.2026 11:30:00,Marketing,Nord,sehr gut\\n", encoding="utf-8")
    >>> result = ingest(path, ins)
    >>> result.table[["department", "OUT_GRADE"]].to_numpy().tolist()
    [['sales', 2.0]]
    >>> result.quarantine[["row", "column", "value"]].to_numpy().tolist()
    [[3, 'OUT_GRADE', 'sehr gut']]
    """
    from survey.importers import limesurvey, qualtrics, surveyjs, tabular
    from survey.importers.assemble import assemble
    from survey.importers.detect import INGEST_FORMATS, detect_format, read_sheet
    from survey.importers.matching import load_mapping
    from survey.importers.readers import decode_text

    path = Path(path)
    if fmt not in INGEST_FORMATS:
        raise IngestError(f"unknown format {fmt!r}; use one of {INGEST_FORMATS}")
    user_map = load_mapping(mapping, instrument)
    sheet = None
    if fmt == "auto":
        fmt, sheet = detect_format(path, instrument, set(user_map.columns))
    elif not path.exists():
        raise IngestError(f"{path}: no such file")
    try:
        if fmt == "surveyjs":
            parsed = surveyjs.parse(path, instrument, user_map)
            found = decode_text(path)
            parsed.read = {"encoding": found.encoding, "separator": "", "line_endings": ""}
            parsed.read["encodings_found"] = _encodings(found.encoding, found.other_lines)
        else:
            sheet = sheet or read_sheet(path)
            if fmt == "qualtrics":
                parsed = qualtrics.parse(sheet, instrument, user_map)
            elif fmt == "limesurvey":
                parsed = limesurvey.parse(sheet, instrument, user_map)
            else:
                parsed = tabular.parse(sheet, instrument, user_map, fmt)
            how = f", separator {sheet.separator!r}" if sheet.separator else ""
            parsed.notes.append(f"read as {sheet.encoding}{how}")
            parsed.findings += sheet.findings
            other = [n for n in _other_lines(sheet)]
            parsed.read = {
                "encoding": sheet.encoding,
                "separator": sheet.separator,
                "line_endings": sheet.line_endings,
                "encodings_found": _encodings(sheet.encoding, other),
            }
    except IngestError as exc:
        message = str(exc)
        raise IngestError(
            message if message.startswith(str(path)) else f"{path}: {message}"
        ) from None
    parsed.read["file"] = str(path)
    return assemble(parsed, instrument, user_map)


def _other_lines(sheet) -> list[int]:
    return list(getattr(sheet, "other_lines", []))


def _encodings(encoding: str, other_lines: list[int]) -> dict[str, object]:
    """Encodings seen, with the lines of the minority one (a mixed file)."""
    if not other_lines:
        return {encoding: "all lines"}
    return {encoding: "all other lines", "cp1252": other_lines}
