"""SurveyJS results: a JSON array of result objects, or one object per line (JSON lines).

Results hold only answered questions, by name; matrices are nested objects
(``{"B03": {"INF_TIMELY": 4}}``), multiple choice arrays, constant sums objects. Keys
SurveyJS leaves to the host application are read when present: ``respondent_id`` (or
``id``), ``submitted_at``, ``duration_s``, ``language`` (or ``locale``), ``status``.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

from survey.importers.assemble import Parsed
from survey.importers.matching import Mapping, Target
from survey.importers.readers import IngestError, decode
from survey.instrument import Instrument
from survey.questionnaire import DK_SUFFIX

HOST_KEYS = {"respondent_id", "id", "submitted_at", "duration_s", "language", "locale", "status"}


def load_results(path: Path) -> list[dict]:
    """The result objects of a JSON or JSON-lines file."""
    text, _ = decode(path)
    text = text.lstrip("\ufeff").strip()
    try:
        data = json.loads(text)
    except json.JSONDecodeError:
        data = []
        for n, line in enumerate(text.splitlines(), start=1):
            if not line.strip():
                continue
            try:
                data.append(json.loads(line))
            except json.JSONDecodeError as exc:
                raise IngestError(f"{path}: line {n}: not JSON ({exc.msg})") from None
    if isinstance(data, dict):
        data = data.get("results", [data])
    if not isinstance(data, list) or not all(isinstance(d, dict) for d in data):
        raise IngestError(f"{path}: expected SurveyJS results: a list of objects")
    return data


def _flatten(result: dict, instrument: Instrument) -> dict[str, str]:
    flat: dict[str, str] = {}
    dont_know = []
    for key, value in result.items():
        base = key.removesuffix(DK_SUFFIX)
        if key.endswith(DK_SUFFIX) and base in instrument.item_map:
            # the "don't know" box of a number item (survey.exporters.surveyjs): it stands
            # for every column of the item; applied last, over any number SurveyJS kept
            if value not in (None, [], "", False):
                dont_know.append(base)
        elif isinstance(value, dict):
            if key in instrument.item_map:  # constant sum (multipletext)
                flat |= {f"{key}_{part}": _s(v) for part, v in value.items()}
            else:  # matrix block: rows are item codes
                flat |= {row: _s(v) for row, v in value.items()}
        elif isinstance(value, list) and key in instrument.item_map:
            # a checkbox answer: ticked options 1, the others 0 (an empty list: all 0)
            chosen = {_s(v) for v in value}
            options = [str(o.code) for o in instrument.options(key)]
            flat |= {f"{key}_{o}": "1" if o in chosen else "0" for o in options}
            flat |= {f"{key}_{v}": "1" for v in chosen - set(options)}  # unknown: quarantined
        elif isinstance(value, list):
            flat |= {f"{key}_{_s(v)}": "1" for v in value}
        else:
            flat[key] = _s(value)
    for code in dont_know:
        flat |= dict.fromkeys(instrument.item_columns(code), str(instrument.dont_know.code))
    return flat


def _s(value: object) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    return str(value)


def parse(path: Path, instrument: Instrument, mapping: Mapping) -> Parsed:
    results = load_results(path)
    if not results:
        raise IngestError(f"{path}: SurveyJS file with no results")
    flats = [_flatten(r, instrument) for r in results]
    columns = [*dict.fromkeys(c for f in flats for c in f)]
    known = set(instrument.columns()) | {q.column for q in instrument.context}
    targets: dict[int, Target] = {}
    unmatched = []
    for pos, col in enumerate(columns):
        target = mapping.columns.get(col, col)
        if target in known:
            targets[pos] = Target(target)
        elif col not in HOST_KEYS:
            unmatched.append(col)
    cells = [[f.get(c, "") for c in columns] for f in flats]
    lines = list(range(1, len(results) + 1))
    get = lambda keys, default: [next((_s(r[k]) for k in keys if k in r), default) for r in results]  # noqa: E731
    return Parsed(
        fmt="surveyjs",
        headers=columns,
        cells=cells,
        lines=lines,
        targets=targets,
        meta={
            "respondent_id": [
                i or f"result{n}"
                for i, n in zip(get(("respondent_id", "id"), ""), lines, strict=True)
            ],
            "submitted_at": [s or None for s in get(("submitted_at",), "")],
            "duration_s": [float(d) if d else math.nan for d in get(("duration_s",), "")],
            "status": [s or "complete" for s in get(("status",), "")],
            "language": [(s or "en")[:2] for s in get(("language", "locale"), "")],
        },
        unmatched=unmatched,
        notes=["SurveyJS results carry only answered questions; absent ones are unanswered"],
    )
