"""Tables with one header row: Google Forms CSV, Microsoft Forms XLSX, any CSV/XLSX.

Headers are question texts (matched in German or English), our codes (a table written by
alignmeter, or prepared by hand), or whatever a mapping file names. Cells hold labels or
codes.
"""

from __future__ import annotations

import math

from survey.errors import shorten
from survey.importers.assemble import Parsed, body, find, meta_from
from survey.importers.matching import Mapping, TextIndex, map_headers, normalise
from survey.importers.readers import IngestError, Sheet, parse_datetime, parse_number
from survey.instrument import Instrument
from survey.responses import META_COLUMNS

GOOGLE_TIMESTAMP = ("Timestamp", "Zeitstempel")
GOOGLE_SKIP = ("Email Address", "E-Mail-Adresse", "Score", "Punkte")
MSFORMS_START = ("Start time", "Startzeit")
MSFORMS_END = ("Completion time", "Fertigstellungszeit", "Abschlusszeit")
MSFORMS_SKIP = (
    "ID",
    "Email",
    "E-Mail",
    "Name",
    "Last modified time",
    "Zeitpunkt der letzten Änderung",
)


def is_google(rows: list[list[str]]) -> bool:
    return normalise(rows[0][0]) in {normalise(t) for t in GOOGLE_TIMESTAMP}


def is_msforms(rows: list[list[str]]) -> bool:
    heads = {normalise(c) for c in rows[0][:6]}
    return "id" in heads and bool(heads & {normalise(t) for t in MSFORMS_START})


def parse(sheet: Sheet, instrument: Instrument, mapping: Mapping, fmt: str) -> Parsed:
    heads = [c.strip() for c in sheet.rows[0]]
    data, lines, problems = body(sheet, 1, ends_with_newline=fmt == "csv")
    if not data:
        raise IngestError(f"{sheet.path}: a header row and no responses")
    skip = {
        "google": GOOGLE_TIMESTAMP + GOOGLE_SKIP,
        "msforms": MSFORMS_START + MSFORMS_END + MSFORMS_SKIP,
    }
    skipped = {normalise(s) for s in skip.get(fmt, ())}
    vendor = {"google": "Google Forms", "msforms": "Microsoft Forms"}.get(fmt, fmt)
    skip_at = {
        pos: f"{vendor} metadata"
        for pos, h in enumerate(heads)
        if normalise(h) in skipped and h not in mapping.columns
    }
    headers = ["" if pos in skip_at else h for pos, h in enumerate(heads)]
    found = map_headers(headers, instrument, mapping, skipped=skip_at, names=set(heads))
    targets = found.targets
    item_targets = [t for t in targets.values() if t.column not in META_COLUMNS]
    if not item_targets:
        near = [
            f"{shorten(i['header'], 60)!r} {i['reason'].split(':')[0]}"
            for i in found.ignored
            if str(i["reason"]).startswith("resembles")
        ]
        raise IngestError(
            f"{sheet.path}: no column matched an item of the instrument (first headers: "
            f"{[shorten(h, 60) for h in heads[:4]]})"
            + (f"; near: {'; '.join(near[:3])}" if near else "")
            + "; name them in a mapping file (--mapping)"
        )
    language = TextIndex(instrument).language(heads) or "en"
    meta: dict[str, list] = {}
    if fmt == "google":
        meta["submitted_at"] = meta_from(
            data, 0, parse_datetime, None, column=heads[0], problems=problems
        )
        meta["respondent_id"] = [f"row{line}" for line in lines]
    elif fmt == "msforms":
        start = meta_from(
            data,
            find(heads, *MSFORMS_START),
            parse_datetime,
            None,
            column="Start time",
            problems=problems,
        )
        end = meta_from(
            data,
            find(heads, *MSFORMS_END),
            parse_datetime,
            None,
            column="Completion time",
            problems=problems,
        )
        meta["submitted_at"] = end
        meta["duration_s"] = [
            (e - s).total_seconds() if s is not None and e is not None else math.nan
            for s, e in zip(start, end, strict=True)
        ]
        meta["respondent_id"] = meta_from(data, find(heads, "ID"), str.strip, "")
    mapped = {t.column for t in targets.values()}
    if "respondent_id" not in mapped and "respondent_id" not in meta:
        meta["respondent_id"] = [f"row{line}" for line in lines]
    if "language" not in mapped:
        meta["language"] = [language] * len(data)
    for col in ("duration_s",):
        pos = next((p for p, t in targets.items() if t.column == col), None)
        if pos is not None:
            meta[col] = meta_from(data, pos, parse_number, math.nan, column=col, problems=problems)
            del targets[pos]
    pos = next((p for p, t in targets.items() if t.column == "submitted_at"), None)
    if pos is not None:
        meta["submitted_at"] = meta_from(
            data, pos, parse_datetime, None, column="submitted_at", problems=problems
        )
        del targets[pos]
    return Parsed(
        fmt=fmt,
        headers=headers,
        cells=data,
        lines=lines,
        targets=targets,
        meta=meta,
        separator=";" if fmt == "msforms" else ",",
        unmatched=found.unmatched,
        problems=problems,
        matches=found.matches,
        ignored=found.ignored,
        raw_headers=heads,
    )
