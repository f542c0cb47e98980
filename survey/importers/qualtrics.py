"""Qualtrics CSV/TSV exports -> canonical table.

Current exports have three header rows (export tags, localised question texts, ImportId
JSON); legacy ones (before 2017) two, with ``V1``..``V10`` metadata. Row 2 is never used
for mapping: it changes with the exporting account's language. Columns map by export tag,
which is our item code when the survey came from ``alignmeter instrument export --format
qualtrics``. Values may be numeric recodes (1, 2, ... in the order of the exported
choices) or choice texts in either language. The IP address and recipient columns are
never read.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from survey.exporters.qualtrics import qualtrics_choices
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

META = {  # Qualtrics column -> canonical column
    "ResponseId": "respondent_id",
    "V1": "respondent_id",
    "RecordedDate": "submitted_at",
    "V9": "submitted_at",
    "Duration (in seconds)": "duration_s",
    "UserLanguage": "language",
}
IGNORED = {  # read never, or only to decide the status
    "StartDate",
    "EndDate",
    "Status",
    "IPAddress",
    "Progress",
    "Finished",
    "RecipientLastName",
    "RecipientFirstName",
    "RecipientEmail",
    "ExternalReference",
    "LocationLatitude",
    "LocationLongitude",
    "DistributionChannel",
    "V2",
    "V3",
    "V4",
    "V5",
    "V6",
    "V7",
    "V8",
    "V10",
}
NOT_REAL = {"1": "preview", "2": "test", "8": "spam"}  # Qualtrics Status codes


def _split_header(rows: list[list[str]]) -> tuple[list[str], list[list[str]]]:
    header = [h.strip() for h in rows[0]]
    while header and not header[-1]:
        header.pop()  # the empty trailing column some exports add
    three = len(rows) > 2 and any(c.strip().startswith('{"ImportId"') for c in rows[2])
    return header, rows[3:] if three else rows[2:]


def _code(ins: Instrument, column: str, value: str, numeric_positions: dict) -> float:
    """A cell's code: a recode position or an answer label (German or English)."""
    text = value.strip()
    positions = numeric_positions.get(column)
    if positions is not None and text.lstrip("-").isdigit():
        pos = int(text)
        if 1 <= pos <= len(positions):
            return positions[pos - 1]
        raise ValueError(f"recode {pos} outside 1..{len(positions)}")
    labels = label_codes(ins, column)
    key = normalise(text)
    if key in labels:
        return labels[key]
    raise ValueError("answer not among the item's options")


def read_qualtrics(path: str | Path, instrument: Instrument) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The wide table (not yet validated) and the quarantine of cells and rows that could
    not be placed (``row, respondent_id, column, value, reason``)."""
    ins = instrument
    rows = read_rows(path)
    if len(rows) < 2:
        raise ValueError(f"{path}: a Qualtrics export has at least two header rows")
    header, body = _split_header(rows)
    data = frame(body, header)
    n = len(data)
    wide = empty_wide(ins, n)
    problems: list[tuple] = []
    ids = data[next((c for c in header if META.get(c) == "respondent_id"), header[0])]
    ids = [str(v).strip() or f"qualtrics-{i + 1}" for i, v in enumerate(ids)]
    wide["respondent_id"] = ids
    positions = {}
    for col, item in ins.column_map.items():
        kind = ins.kind(item)
        if kind not in ("text", "percent", "constant_sum", "multiple"):
            en = qualtrics_choices(ins, item, "en")
            codes = [float(o.code) for o in ins.options(item)]
            if item.dont_know:
                codes.append(float(ins.dont_know.code))
            positions[col] = codes[: len(en)]
    context = {q.column: list(q.options) for q in ins.context if q.options}
    for col in header:
        values = data[col].astype(str)
        if col in META:
            target = META[col]
            if target == "submitted_at":
                wide[target] = pd.to_datetime(
                    values.where(values.str.strip() != ""), utc=True, errors="coerce"
                )
            elif target == "duration_s":
                wide[target] = pd.to_numeric(values.str.replace(",", "."), errors="coerce")
            elif target == "language":
                wide[target] = values.str.strip().str[:2].str.lower().replace("", "en")
            continue
        if col in IGNORED:
            continue
        if col in context:
            options = context[col]  # the i-th choice is recoded i
            labels = {
                normalise(t[lang]): key
                for key, t in next(q for q in ins.context if q.column == col).options.items()
                for lang in ("de", "en")
            }
            mapped = []
            for v in values.str.strip():
                if v.isdigit() and 1 <= int(v) <= len(options):
                    mapped.append(options[int(v) - 1])
                elif normalise(v) in labels or v in options:
                    mapped.append(labels.get(normalise(v), v))
                else:
                    mapped.append(v or None)
            wide[col] = mapped
            continue
        if col == "business_unit":
            wide[col] = values.str.strip()
            continue
        _place(ins, wide, col, values, ids, positions, problems)
    finished = data["Finished"] if "Finished" in data else data.get("V10")
    if finished is not None:
        done = finished.astype(str).str.strip().str.lower().isin(["1", "true"])
        wide["status"] = np.where(done, "complete", "partial")
    status = data["Status"] if "Status" in data else data.get("V7")
    if status is not None:
        for i, code in enumerate(status.astype(str).str.strip()):
            if code in NOT_REAL:
                problems.append(
                    (
                        i,
                        ids[i],
                        "Status",
                        code,
                        f"Qualtrics {NOT_REAL[code]} response, not a real answer",
                    )
                )
    return wide, quarantine_frame(problems)


def _place(
    ins: Instrument,
    wide: pd.DataFrame,
    col: str,
    values: pd.Series,
    ids: list[str],
    positions: dict,
    problems: list,
) -> None:
    """Put one Qualtrics column into the wide table (or its cells into the quarantine)."""
    base, _, suffix = col.rpartition("_")
    if col in ins.item_map and ins.kind(col) == "multiple":
        item = ins.item(col)
        codes = [o.code for o in ins.options(item)]
        labels = label_codes(ins, col)
        for i, cell in enumerate(values):
            if not cell.strip():
                continue
            chosen = set()
            for part in cell.split(","):
                key = normalise(part)
                if part.strip().isdigit() and 1 <= int(part) <= len(codes):
                    chosen.add(codes[int(part) - 1])
                elif key in labels:
                    chosen.add(int(labels[key]))
                else:
                    problems.append((i, ids[i], col, part.strip(), "unknown choice"))
            for code in codes:
                wide.loc[i, f"{col}_{code}"] = 1.0 if code in chosen else 0.0
        return
    if base in ins.item_map and suffix.isdigit() and ins.kind(base) == "constant_sum":
        parts = ins.item(base).parts
        index = int(suffix) - 1
        if not 0 <= index < len(parts):
            problems.append((-1, "", col, "", "constant-sum field outside the item's parts"))
            return
        col = f"{base}_{parts[index].code}"
        positions = {}
    if col not in ins.column_map:
        if values.str.strip().ne("").any():
            problems.append(
                (
                    -1,
                    "",
                    col,
                    values[values.str.strip() != ""].iloc[0][:100],
                    "column not in the instrument; map it with a mapping file",
                )
            )
        return
    place_cells(
        ins, wide, col, col, values, ids, problems, lambda cell: _code(ins, col, cell, positions)
    )
