"""Qualtrics CSV/TSV response exports: three header rows (two in legacy files).

Row 1 holds export tags (ours, if the survey came from
:mod:`survey.exporters.qualtrics`), row 2 question texts in the account's language (used
only when a tag is not ours), row 3 ImportId JSON. Values may be numeric recodes or
choice text. Preview, test and spam responses are quarantined, not imported.
"""

from __future__ import annotations

import math

from survey.exporters.qualtrics import choice_recodes, dont_know_tag, has_dont_know_box
from survey.importers.assemble import Parsed, body, find, meta_from
from survey.importers.matching import Mapping, map_headers
from survey.importers.readers import IngestError, Sheet, parse_datetime, parse_number
from survey.instrument import Instrument

META = {
    "StartDate", "EndDate", "Status", "IPAddress", "Progress", "Duration (in seconds)",
    "Finished", "RecordedDate", "ResponseId", "ResponseID", "RecipientLastName",
    "RecipientFirstName", "RecipientEmail", "ExternalReference", "ExternalDataReference",
    "LocationLatitude", "LocationLongitude", "DistributionChannel", "UserLanguage",
    "StartTime", "EndTime", "Name", "EmailAddress", "ResponseSet", "Q_RecaptchaScore",
}  # fmt: skip
NOT_RESPONSES = {
    "1": "Qualtrics survey preview",
    "2": "Qualtrics test response",
    "8": "Qualtrics spam",
    "survey preview": "Qualtrics survey preview",
    "survey test": "Qualtrics test response",
    "spam": "Qualtrics spam",
    "umfragevorschau": "Qualtrics survey preview",
    "umfragetest": "Qualtrics test response",
}


def is_qualtrics(rows: list[list[str]]) -> bool:
    tags = {c.strip() for c in rows[0]}
    modern = len(rows) > 2 and any(c.strip().startswith('{"ImportId"') for c in rows[2])
    return (
        ("ResponseId" in tags and modern)
        or ("ResponseID" in tags and "V1" in tags)
        or (len(rows) > 1 and "V1" in tags and "ResponseID" in {c.strip() for c in rows[1]})
    )


def _by_code(instrument: Instrument) -> dict[str, str]:
    """Export tags our Qualtrics file produces -> columns."""
    out = {q.column.upper(): q.column for q in instrument.context}
    for item in instrument.items:
        kind = instrument.kind(item)
        if kind == "multiple":
            out |= {
                f"{item.code}_{o.code}": f"{item.code}_{o.code}" for o in instrument.options(item)
            }
        elif kind == "constant_sum":
            out |= {
                f"{item.code}_{i}": f"{item.code}_{p.code}" for i, p in enumerate(item.parts, 1)
            }
        else:
            out[item.code] = item.code
    return out


def _dont_know(tags: list[str], data: list[list[str]], instrument: Instrument) -> set[int]:
    """A ticked "don't know" box of a number item (tag ``CODE_DK_1``, see
    :func:`survey.exporters.qualtrics.dont_know_tag`) becomes -9 in the item's columns;
    returns the boxes' positions, whose columns are then ignored."""
    tag_of = {
        f"{dont_know_tag(i)}_1": i for i in instrument.items if has_dont_know_box(instrument, i)
    }
    boxes = set()
    for pos, tag in enumerate(tags):
        item = tag_of.get(tag)
        if item is None:
            continue
        boxes.add(pos)
        own = {t for t, col in _by_code(instrument).items() if col in instrument.item_columns(item)}
        where = [i for i, t in enumerate(tags) if t in own]
        for row in data:
            if pos < len(row) and row[pos].strip() not in {"", "0"}:
                for i in where:
                    row.extend([""] * (i + 1 - len(row)))
                    row[i] = str(instrument.dont_know.code)
    return boxes


def parse(sheet: Sheet, instrument: Instrument, mapping: Mapping) -> Parsed:
    rows = sheet.rows
    legacy = not (len(rows) > 2 and any(c.strip().startswith('{"ImportId"') for c in rows[2]))
    header_rows = 2 if legacy else 3
    tags = [c.strip() for c in rows[0]]
    texts = rows[1] if len(rows) > 1 else tags
    if legacy:  # V1..V10 tags: the real names are in row 2
        tags = [
            t if not t.startswith("V") or not t[1:].isdigit() else texts[i].strip()
            for i, t in enumerate(tags)
        ]
    data, lines, problems = body(sheet, header_rows, ends_with_newline=True)
    if not data:
        raise IngestError(f"{sheet.path}: Qualtrics export with no responses")
    boxes = _dont_know(tags, data, instrument)
    by_code = _by_code(instrument)
    # Ours by tag, else by the question text of row 2.
    # a multiple-choice item in one column (not split): its tag is the item code
    joined = {i.code for i in instrument.items if instrument.kind(i) == "multiple"}
    headers = [
        t if (t in by_code or t in mapping.columns or t in joined) else texts[i]
        for i, t in enumerate(tags)
    ]
    skipped = {i: "Qualtrics metadata" for i, tag in enumerate(tags) if tag in META}
    skipped |= {i: "don't-know box, read into its item" for i in boxes}
    headers = ["" if i in skipped else h for i, h in enumerate(headers)]
    found = map_headers(
        headers, instrument, mapping, by_code, skipped, names={t.strip() for t in texts}
    )
    targets = found.targets
    recodes = {
        item.code: {str(n): code for n, code in choice_recodes(instrument, item).items()}
        for item in instrument.items
        if instrument.kind(item) not in {"multiple", "constant_sum", "percent", "text"}
    }
    codes = {col: recodes[col] for col in (t.column for t in targets.values()) if col in recodes}
    for q in instrument.context:
        if q.options:
            codes[q.column] = {str(i): key for i, key in enumerate(q.options, start=1)}
    pos_id = find(tags, "ResponseId", "ResponseID")
    finished = meta_from(data, find(tags, "Finished"), lambda s: s.strip().lower() in {"1", "true"})
    status = meta_from(data, find(tags, "Status"), lambda s: s.strip().lower())
    parsed = Parsed(
        fmt="qualtrics",
        headers=headers,
        cells=data,
        lines=lines,
        targets=targets,
        meta={
            "respondent_id": meta_from(data, pos_id, str.strip, ""),
            "submitted_at": meta_from(
                data,
                find(tags, "RecordedDate", "EndDate"),
                parse_datetime,
                None,
                column="RecordedDate",
                problems=problems,
            ),
            "duration_s": meta_from(
                data,
                find(tags, "Duration (in seconds)"),
                parse_number,
                math.nan,
                column="Duration (in seconds)",
                problems=problems,
            ),
            "status": ["complete" if f else "partial" for f in finished],
            "language": meta_from(
                data, find(tags, "UserLanguage"), lambda s: s.strip().lower()[:2], "en"
            ),
        },
        codes=codes,
        separator=",",
        excluded={r: NOT_RESPONSES[s] for r, s in enumerate(status) if s in NOT_RESPONSES},
        unmatched=found.unmatched,
        problems=problems,
        matches=found.matches,
        ignored=found.ignored,
        raw_headers=tags,
    )
    if pos_id is None:
        parsed.meta["respondent_id"] = [f"row{line}" for line in parsed.lines]
    return parsed
