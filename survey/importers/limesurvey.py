"""LimeSurvey response exports (CSV, ``;`` or ``,``, usually UTF-8 with BOM).

Headings may be question codes (``B03[INFTIMELY]`` or ``B03_INFTIMELY``), codes with text
or full question texts; answers may be codes or full answers. A response without
``submitdate`` is partial. Codes of a survey made by :mod:`survey.exporters.limesurvey`
map back directly; other headings go through the text matcher.
"""

from __future__ import annotations

import math
import re

from survey.exporters import limesurvey as lss
from survey.importers.assemble import Parsed, body, find, meta_from
from survey.importers.matching import Mapping, map_headers
from survey.importers.readers import IngestError, Sheet, parse_datetime, parse_number
from survey.instrument import Instrument

META = {"id", "submitdate", "lastpage", "startlanguage", "seed", "startdate", "datestamp",
        "token", "ipaddr", "refurl", "interviewtime"}  # fmt: skip
ANONYMISED_DATE = "1980-01-01"
_CODE = re.compile(r"^\s*([A-Za-z][A-Za-z0-9]*)(?:\[([A-Za-z0-9]+)\]|_([A-Za-z0-9]+))?")


def is_limesurvey(rows: list[list[str]]) -> bool:
    heads = {c.strip().lower() for c in rows[0]}
    return "submitdate" in heads and bool(heads & {"lastpage", "startlanguage"})


def heading_code(heading: str) -> str:
    """``B03_INFTIMELY``, ``B03[INFTIMELY]. Text`` -> ``B03[INFTIMELY]``."""
    m = _CODE.match(heading)
    if not m:
        return heading
    sub = m.group(2) or m.group(3)
    return f"{m.group(1)}[{sub}]" if sub else m.group(1)


def parse(sheet: Sheet, instrument: Instrument, mapping: Mapping) -> Parsed:
    rows = sheet.rows
    heads = [c.strip() for c in rows[0]]
    data, lines, problems = body(sheet, 1, ends_with_newline=True)
    if not data:
        raise IngestError(f"{sheet.path}: LimeSurvey export with no responses")
    ours = lss.response_columns(instrument)
    by_code: dict[str, str] = {}
    headers = []
    skipped: dict[int, str] = {}
    for pos, h in enumerate(heads):
        code = heading_code(h)
        if h.lower() in META or h.lower().startswith("grouptime"):
            skipped[pos] = "LimeSurvey metadata"
            headers.append("")
        elif code in ours and h not in mapping.columns:
            by_code[h] = ours[code]
            headers.append(h)
        else:
            headers.append(h)
    for pos in _dont_know(heads, headers, data, instrument, ours):
        skipped[pos] = "don't-know box, read into its item"
    found = map_headers(headers, instrument, mapping, by_code, skipped, names=set(heads))
    targets = found.targets
    codes = {}
    for t in targets.values():
        if t.column in instrument.column_map or t.column in {q.column for q in instrument.context}:
            try:
                codes[t.column] = lss.answer_values(instrument, t.column)
            except KeyError:
                continue
    submitted = meta_from(data, find(heads, "submitdate"), str.strip, "")
    token = meta_from(data, find(heads, "token"), str.strip, "")
    ids = meta_from(data, find(heads, "id"), str.strip, "")
    return Parsed(
        fmt="limesurvey",
        headers=headers,
        cells=data,
        lines=lines,
        targets=targets,
        meta={
            "respondent_id": [t or i for t, i in zip(token, ids, strict=True)],
            "submitted_at": meta_from(
                data, find(heads, "submitdate"), _date, None, column="submitdate", problems=problems
            ),
            "duration_s": meta_from(
                data,
                find(heads, "interviewtime"),
                parse_number,
                math.nan,
                column="interviewtime",
                problems=problems,
            ),
            "status": ["complete" if s else "partial" for s in submitted],
            "language": meta_from(
                data, find(heads, "startlanguage"), lambda s: s.strip().lower()[:2], "en"
            ),
        },
        codes=codes,
        separator=";",
        unmatched=found.unmatched,
        problems=problems,
        matches=found.matches,
        ignored=found.ignored,
        raw_headers=heads,
    )


def _dont_know(heads, headers, data, instrument: Instrument, ours: dict[str, str]) -> list[int]:
    """A ticked "don't know" checkbox of a number item (``POWPRICINGDK[DK]``, see
    :func:`survey.exporters.limesurvey.dont_know_headings`) becomes the answer code ``DK``
    in the item's own columns, which LimeSurvey left empty (the item was hidden); returns
    the boxes' positions."""
    dont_know = lss.dont_know_headings(instrument)
    boxes = []
    for pos, head in enumerate(heads):
        item = dont_know.get(heading_code(head))
        if item is None:
            continue
        boxes.append(pos)
        headers[pos] = ""  # read here, not a column of ours
        columns = set(instrument.item_columns(item))
        where = [i for i, h in enumerate(heads) if ours.get(heading_code(h)) in columns]
        for row in data:
            if pos < len(row) and row[pos].strip().lower() in {"y", "yes", "ja"}:
                for i in where:
                    row.extend([""] * (i + 1 - len(row)))
                    row[i] = lss.DONT_KNOW_CODE
    return boxes


def _date(text: str):
    # Anonymised surveys write 1980-01-01 for every date: no date is better than a false one.
    return None if text.strip().startswith(ANONYMISED_DATE) else parse_datetime(text)
