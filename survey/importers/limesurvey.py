"""LimeSurvey response exports (CSV, ``;`` or ``,``, with BOM) -> canonical table.

Headings are question codes (``INFMEETFREQ``), with subquestions as ``OBSMAIN[O1]`` or
``OBSMAIN_O1``; answers are codes (``A3``, ``DK``, ``Y``) or full answer texts in either
language. An empty ``submitdate`` marks a partial response. Token, IP address and referrer
columns are never read. The survey must come from ``alignmeter instrument export --format
limesurvey`` (or use its codes).
"""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd

from survey.exporters.limesurvey import CONTEXT_CODES, limesurvey_codes
from survey.importers.common import (
    frame,
    label_codes,
    normalise,
    place_cells,
    quarantine_frame,
    read_rows,
)
from survey.instrument import Instrument
from survey.responses import empty_wide

HEADING = re.compile(r"^(?P<q>[A-Za-z][A-Za-z0-9]*)(?:\[(?P<sq>[^\]]+)\]|_(?P<sq2>[A-Za-z0-9]+))?$")
META = {
    "id",
    "submitdate",
    "lastpage",
    "startlanguage",
    "seed",
    "startdate",
    "datestamp",
    "token",
    "ipaddr",
    "refurl",
    "interviewtime",
}
ANONYMISED_DATE = "1980-01-01"


def _code_value(ins: Instrument, column: str, cell: str) -> float:
    text = cell.strip()
    if text == "DK":
        return float(ins.dont_know.code)
    if re.fullmatch(r"A-?\d+", text):
        return float(text[1:])
    labels = label_codes(ins, column)
    if normalise(text) in labels:
        return labels[normalise(text)]
    raise ValueError("answer not among the item's options")


def read_limesurvey(path: str | Path, instrument: Instrument) -> tuple[pd.DataFrame, pd.DataFrame]:
    ins = instrument
    rows = read_rows(path)
    if not rows:
        raise ValueError(f"{path}: empty file")
    header = [h.strip() for h in rows[0]]
    data = frame(rows[1:], header)
    n = len(data)
    wide = empty_wide(ins, n)
    codes = limesurvey_codes(ins)
    problems: list[tuple] = []
    ids = [
        f"ls-{v.strip()}" if v.strip() else f"ls-row{i + 1}"
        for i, v in enumerate(data.get("id", pd.Series([""] * n)))
    ]
    wide["respondent_id"] = ids
    if "submitdate" in data:
        submitted = data["submitdate"].str.strip()
        wide["status"] = ["complete" if v else "partial" for v in submitted]
        real = submitted.where(~submitted.str.startswith(ANONYMISED_DATE) & (submitted != ""))
        wide["submitted_at"] = pd.to_datetime(real, utc=True, errors="coerce")
    if "startlanguage" in data:
        wide["language"] = data["startlanguage"].str.strip().str[:2].replace("", "en")
    if "interviewtime" in data:
        wide["duration_s"] = pd.to_numeric(
            data["interviewtime"].str.replace(",", "."), errors="coerce"
        )
    context = {v: k for k, v in CONTEXT_CODES.items()}
    for heading in header:
        if heading in META or heading.startswith("groupTime") or not heading:
            continue
        match = HEADING.match(heading)
        qcode = match["q"] if match else None
        sub = match and (match["sq"] or match["sq2"])
        values = data[heading].astype(str)
        if qcode in context and not sub:
            question = next(q for q in ins.context if q.column == context[qcode])
            options = list(question.options)
            mapped = []
            for i, cell in enumerate(values.str.strip()):
                if re.fullmatch(r"A\d+", cell) and 1 <= int(cell[1:]) <= len(options):
                    mapped.append(options[int(cell[1:]) - 1])
                elif options and cell:
                    label = {
                        normalise(t[lang]): k
                        for k, t in question.options.items()
                        for lang in ("de", "en")
                    }.get(normalise(cell))
                    mapped.append(label)
                    if label is None:
                        problems.append(
                            (i, ids[i], heading, cell, "answer not among the question's options")
                        )
                else:
                    mapped.append(cell or None)
            wide[context[qcode]] = mapped
            continue
        item_code = codes.get(qcode or "")
        if item_code is None or item_code in context.values():
            if values.str.strip().ne("").any():
                problems.append(
                    (
                        -1,
                        "",
                        heading,
                        values[values.str.strip() != ""].iloc[0][:100],
                        "column not in the instrument; map it with a mapping file",
                    )
                )
            continue
        item = ins.item(item_code)
        kind = ins.kind(item)
        if kind == "multiple" and sub:
            column = f"{item_code}_{sub[1:]}"
            if column not in ins.column_map:
                problems.append((-1, "", heading, "", "unknown subquestion"))
                continue
            cells = values.str.strip()
            answered = data[
                [h for h in header if HEADING.match(h) and HEADING.match(h)["q"] == qcode]
            ].apply(lambda r: r.str.strip().ne("").any(), axis=1)
            wide[column] = [
                1.0 if c in ("Y", "Ja", "Yes") else (0.0 if a else float("nan"))
                for c, a in zip(cells, answered, strict=True)
            ]
            continue
        column = (
            f"{item_code}_{sub[1:].lower()}" if (kind == "constant_sum" and sub) else (item_code)
        )
        if column not in ins.column_map:
            problems.append((-1, "", heading, "", "unknown subquestion"))
            continue
        place_cells(
            ins,
            wide,
            column,
            heading,
            values,
            ids,
            problems,
            lambda cell, column=column: _code_value(ins, column, cell),
        )
    return wide, quarantine_frame(problems)
