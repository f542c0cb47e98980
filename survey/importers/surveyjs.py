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

from survey.importers.assemble import Parsed, meta_from
from survey.importers.matching import Mapping, Target
from survey.importers.readers import IngestError, decode, parse_datetime, parse_number
from survey.instrument import Instrument
from survey.questionnaire import DK_SUFFIX

HOST_KEYS = {"respondent_id", "id", "submitted_at", "duration_s", "language", "locale", "status"}


def load_results(path: Path, instrument: Instrument | None = None) -> list[dict]:
    """The result objects of a file, with ``_line`` (where each starts) and, for an object
    keyed by result id, ``_key``.

    Shapes: a JSON array of results; ``{"results": [...]}``; one result object; an object
    keyed by result id (``{"r1": {...}, "r2": {...}}``, as a results store dumps them:
    each value is one respondent, never merged into one); JSON lines. An error names the
    line and column where the JSON breaks.
    """
    text, _ = decode(path)
    text = text.lstrip("\ufeff")
    lines = _json_lines(text)
    if lines is not None:
        data: object = lines
    else:
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise IngestError(
                f"{path}: line {exc.lineno}, column {exc.colno}: not valid JSON ({exc.msg})"
            ) from None
        except RecursionError:
            raise IngestError(f"{path}: JSON nested too deeply") from None
        try:
            starts = _starts(text)
        except (ValueError, IndexError):  # only for row numbers: count results instead
            starts = []
        data = _results_of(data, path, instrument, starts)
    if not isinstance(data, list) or not all(isinstance(d, dict) for d in data):
        raise IngestError(
            f"{path}: expected SurveyJS results: a list of objects, an object of results keyed "
            "by id, or one object per line"
        )
    return data


def _json_lines(text: str) -> list[dict] | None:
    """Results of a JSON-lines file, or None when the text is one JSON document."""
    rows = [(n, line) for n, line in enumerate(text.splitlines(), 1) if line.strip()]
    if len(rows) < 2:
        return None
    try:
        first = json.loads(rows[0][1])
    except json.JSONDecodeError:
        return None  # the first line is no whole value: one document over many lines
    if not isinstance(first, dict):
        return None
    out = []
    for n, line in rows:
        try:
            value = json.loads(line)
        except json.JSONDecodeError as exc:
            raise IngestError(
                f"line {n}, column {exc.colno}: not valid JSON ({exc.msg}); JSON lines need one "
                "whole result object per line"
            ) from None
        if not isinstance(value, dict):
            raise IngestError(f"line {n}: a {type(value).__name__}, not a result object")
        out.append({**value, "_line": n})
    return out


def _starts(text: str) -> list[int]:
    """Line of each top-level value of an array or object (for row numbers in messages)."""
    decoder = json.JSONDecoder()
    body = text.strip()
    offset = len(text) - len(text.lstrip())
    if not body or body[0] not in "[{":
        return []
    starts, i, depth_text = [], 1, body
    # Walk the top-level members: skip whitespace/commas/keys, then raw_decode each value.
    while i < len(depth_text):
        while i < len(depth_text) and depth_text[i] in " \t\r\n,":
            i += 1
        if i >= len(depth_text) or depth_text[i] in "]}":
            break
        if body[0] == "{":
            _, i = decoder.raw_decode(depth_text, i)  # the key
            while depth_text[i] in " \t\r\n:":
                i += 1
        starts.append(text.count("\n", 0, offset + i) + 1)
        _, i = decoder.raw_decode(depth_text, i)
    return starts


def _results_of(data: object, path: Path, instrument: Instrument | None, starts: list[int]):
    if isinstance(data, dict) and isinstance(data.get("results"), list):
        data = data["results"]
        starts = []  # nested one level deeper: count results instead
    elif isinstance(data, dict):
        names = _question_names(instrument)
        nested = [isinstance(v, dict) for v in data.values()]
        known = [k for k in data if k in names or k in HOST_KEYS]
        if data and all(nested) and not known:
            # keyed by result id: every value is one respondent
            return [
                {**value, "_key": str(key), "_line": starts[n] if n < len(starts) else n + 1}
                for n, (key, value) in enumerate(data.items())
            ]
        if data and all(nested) and len(known) < len(data) and instrument is not None:
            unknown = [k for k in data if k not in names and k not in HOST_KEYS][:3]
            raise IngestError(
                f"{path}: an object of objects, some keys questions of the instrument and some "
                f"not ({unknown}): neither one result nor results keyed by id"
            )
        return [{**data, "_line": 1}]
    if isinstance(data, list):
        return [
            {**d, "_line": starts[n] if n < len(starts) else n + 1} if isinstance(d, dict) else d
            for n, d in enumerate(data)
        ]
    return data


def _question_names(instrument: Instrument | None) -> set[str]:
    if instrument is None:
        return set()
    from survey.exporters.layout import blocks

    names = {q.column for q in instrument.context} | set(instrument.item_map)
    names |= {b.code for b in blocks(instrument)}
    names |= set(instrument.columns())
    return names


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
    results = load_results(path, instrument)
    if not results:
        raise IngestError(f"{path}: SurveyJS file with no results")
    starts = [int(r.pop("_line", n)) for n, r in enumerate(results, 1)]
    # Rows are the lines where results start, when each has its own; else result numbers
    # (a whole array on one line).
    by_line = len(set(starts)) == len(starts)
    lines = starts if by_line else list(range(1, len(results) + 1))
    keys = [r.pop("_key", "") for r in results]
    flats = [_flatten(r, instrument) for r in results]
    columns = [*dict.fromkeys(c for f in flats for c in f)]
    known = set(instrument.columns()) | {q.column for q in instrument.context}
    targets: dict[int, Target] = {}
    matches: list[dict[str, object]] = []
    ignored: list[dict[str, object]] = []
    for pos, col in enumerate(columns):
        target = mapping.columns.get(col, col)
        if target in known:
            targets[pos] = Target(target)
            how = "mapping" if col in mapping.columns else "code"
            matches.append(
                {
                    "header": col,
                    "position": pos + 1,
                    "column": target,
                    "how": how,
                    "confidence": 1.0,
                }
            )
        elif col in HOST_KEYS:
            meta = {"id": "respondent_id", "locale": "language"}.get(col, col)
            matches.append(
                {
                    "header": col,
                    "position": pos + 1,
                    "column": meta,
                    "how": "metadata",
                    "confidence": 1.0,
                }
            )
        elif target == "ignore":
            ignored.append({"position": pos + 1, "header": col, "reason": "ignore (mapping file)"})
        else:
            ignored.append(
                {
                    "position": pos + 1,
                    "header": col,
                    "reason": "matches no item; map it in --mapping "
                    "('columns: {name: CODE}' or 'ignore')",
                }
            )
    lacking = [h for h, c in mapping.columns.items() if h not in columns and c != "ignore"]
    if lacking:
        raise IngestError(f"{path}: the mapping names question(s) the file lacks: {lacking}")
    cells = [[f.get(c, "") for c in columns] for f in flats]
    get = lambda keys, default: [next((_s(r[k]) for k in keys if k in r), default) for r in results]  # noqa: E731
    problems: list = []
    ids = [
        i or key or f"result{n}"
        for i, key, n in zip(get(("respondent_id", "id"), ""), keys, lines, strict=True)
    ]
    stamps = get(("submitted_at",), "")
    durations = get(("duration_s",), "")
    return Parsed(
        fmt="surveyjs",
        headers=columns,
        cells=cells,
        lines=lines,
        targets=targets,
        meta={
            "respondent_id": ids,
            "submitted_at": meta_from(
                [[s] for s in stamps],
                0,
                parse_datetime,
                None,
                column="submitted_at",
                problems=problems,
            ),
            "duration_s": meta_from(
                [[d] for d in durations],
                0,
                parse_number,
                math.nan,
                column="duration_s",
                problems=problems,
            ),
            "status": [s or "complete" for s in get(("status",), "")],
            "language": [(s or "en")[:2] for s in get(("language", "locale"), "")],
        },
        unmatched=[str(i["header"]) for i in ignored],
        problems=problems,
        matches=matches,
        ignored=ignored,
        notes=[
            "SurveyJS results carry only answered questions; absent ones are unanswered",
            "rows are " + ("the lines where results start" if by_line else "result numbers"),
        ]
        + (["results keyed by id: each key one respondent"] if any(keys) else []),
    )
