"""SurveyJS result JSON (an array of result objects, or JSON lines) -> canonical table.

Question names are our item codes (see :mod:`survey.exporters.surveyjs`); matrices arrive
as nested objects ``{"matrix": {"ITEM": value}}``, checkboxes as lists, constant sums as
``{"part": points}``. Anything that cannot be placed goes to the quarantine with its row,
key and reason: nothing is dropped silently.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd

from survey.importers.common import quarantine_frame
from survey.instrument import Instrument
from survey.responses import META_COLUMNS, empty_wide

CONTEXT = ("department", "business_unit", "role", "tenure")
META_KEYS = {"respondent_id", "submitted_at", "language", "locale", "duration_s", "status"}


def load_results(path: str | Path) -> list[dict]:
    """The result objects of a SurveyJS export (JSON array or JSON lines)."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except OSError as exc:
        raise OSError(f"{path}: cannot read ({exc.strerror})") from None
    stripped = text.lstrip()
    if stripped.startswith("["):
        try:
            data = json.loads(stripped)
        except json.JSONDecodeError as exc:
            raise ValueError(
                f"{path}: not valid JSON (line {exc.lineno}, column {exc.colno}: {exc.msg})"
            ) from None
    else:
        data = []
        for number, line in enumerate(text.splitlines(), start=1):
            if not line.strip():
                continue
            try:
                data.append(json.loads(line))
            except json.JSONDecodeError as exc:
                raise ValueError(f"{path}: line {number} is not valid JSON ({exc.msg})") from None
    bad = [i for i, obj in enumerate(data, start=1) if not isinstance(obj, dict)]
    if bad:
        raise ValueError(f"{path}: result {bad[0]} is not an object")
    return data


def _number(value: object) -> float:
    if isinstance(value, bool):
        raise ValueError("a yes/no value where a code was expected")
    if isinstance(value, (int, float)):
        return float(value)
    if isinstance(value, str) and value.strip():
        try:
            return float(value.strip().replace(",", "."))  # decimal comma too
        except ValueError:
            pass
    raise ValueError("not a number")


def read_surveyjs(path: str | Path, instrument: Instrument) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The wide table (not yet validated) and the quarantine of values that could not be
    placed (``row, respondent_id, column, value, reason``)."""
    ins = instrument
    results = load_results(path)
    wide = empty_wide(ins, len(results))
    problems = []
    cells: dict[str, list] = {c: [np.nan] * len(results) for c in ins.columns()}
    meta: dict[str, list] = {c: [None] * len(results) for c in META_COLUMNS}

    def put(row: int, rid: str, column: str, value: object) -> None:
        item = ins.column_map[column]
        if ins.kind(item) == "text":
            cells[column][row] = None if value is None else str(value)
            return
        try:
            cells[column][row] = _number(value)
        except ValueError as exc:
            problems.append((row, rid, column, str(value), str(exc)))

    for row, result in enumerate(results):
        rid = str(result.get("respondent_id") or f"sjs-{row + 1}")
        meta["respondent_id"][row] = rid
        for key, value in result.items():
            if key in META_KEYS or key in CONTEXT:
                target = "language" if key == "locale" else key
                meta[target][row] = value
            elif key in ins.item_map:
                item = ins.item_map[key]
                kind = ins.kind(item)
                if kind == "multiple" and isinstance(value, list):
                    chosen = set()
                    for v in value:
                        try:
                            chosen.add(int(_number(v)))
                        except ValueError as exc:
                            problems.append((row, rid, key, str(v), str(exc)))
                    codes = [o.code for o in ins.options(item)]
                    for code in codes:
                        cells[f"{key}_{code}"][row] = 1.0 if code in chosen else 0.0
                    for extra in chosen - set(codes):
                        problems.append((row, rid, key, str(extra), "unknown option"))
                elif kind == "constant_sum" and isinstance(value, dict):
                    for part, points in value.items():
                        column = f"{key}_{part}"
                        if column in ins.column_map:
                            put(row, rid, column, points)
                        else:
                            problems.append((row, rid, key, str(part), "unknown part"))
                else:
                    put(row, rid, key, value)
            elif isinstance(value, dict) and all(k in ins.item_map for k in value):
                for code, v in value.items():  # a matrix: rows are item codes
                    put(row, rid, code, v)
            else:
                problems.append(
                    (row, rid, key, json.dumps(value, ensure_ascii=False)[:200], "unknown question")
                )
    for column, values in cells.items():
        wide[column] = pd.Series(values, dtype=wide[column].dtype)
    for column in META_COLUMNS:
        given = pd.Series(meta[column], dtype=object)
        if given.notna().any():
            wide[column] = given.where(given.notna(), wide[column])
    return wide, quarantine_frame(problems)
