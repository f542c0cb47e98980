"""Tools whose exports name columns by question text: Google Forms (CSV), Microsoft Forms
(XLSX), and any CSV/XLSX with a mapping file.

A column maps to an item by its code, else by its text in either language (as either
department reads it, tolerant of case, whitespace and punctuation), including grid forms
``Question [Row]`` and ``Question - Row``. A mapping file (YAML ``columns: {header:
code}``) settles the rest. Whatever stays unknown or ambiguous stops the import with a list
of those columns: nothing is guessed. E-mail and name columns are never read.
"""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd
import yaml

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

PERSONAL = {"email", "email address", "e mail adresse", "e mail", "name", "e mail address"}
TIMESTAMP = {"timestamp", "zeitstempel", "completion time", "abschlusszeit"}
START = {"start time", "startzeit"}
IDENTIFIER = {"id", "respondent id", "respondent_id"}
IGNORED = {"last modified time", "zuletzt geändert"}
GRID = (
    re.compile(r"^(?P<q>.+?)\s*\[(?P<row>[^\]]+)\]\s*$"),
    re.compile(r"^(?P<q>.+?) - (?P<row>.+)$"),
)


def _keys(instrument: Instrument) -> dict[str, set[str]]:
    """Normalised texts -> the columns they may mean (items and context questions)."""
    keys: dict[str, set[str]] = {}

    def add(text: str, column: str) -> None:
        keys.setdefault(normalise(text), set()).add(column)

    for col in instrument.column_map:
        add(col, col)
    for item in instrument.items:
        # A multiple-choice item is one column in a form export (answers joined).
        target = item.code if instrument.kind(item) == "multiple" else None
        if target is None and instrument.item_columns(item) != [item.code]:
            target = None  # constant sums: one column per part, matched below
        elif target is None:
            target = item.code
        if target:
            add(item.code, target)
            for lang in ("de", "en"):
                for dept in instrument.departments:
                    add(instrument.render(item.text, lang, dept), target)
        for part in item.parts:
            for lang in ("de", "en"):
                add(f"{item.code} {part.label[lang]}", f"{item.code}_{part.code}")
                add(part.label[lang], f"{item.code}_{part.code}")
    for q in instrument.context:
        add(q.column, q.column)
        for lang in ("de", "en"):
            add(q.text[lang], q.column)
    return keys


def load_mapping(path: str | Path | None) -> dict[str, str]:
    if path is None:
        return {}
    raw = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}
    columns = raw.get("columns", {}) if isinstance(raw, dict) else None
    if not isinstance(columns, dict):
        raise ValueError(f"{path}: a mapping file holds 'columns: {{header: code}}'")
    return {str(k): str(v) for k, v in columns.items()}


def match_columns(
    headers: list[str], instrument: Instrument, mapping: dict[str, str] | None = None
) -> dict[str, str]:
    """Header -> target column (an item column, context column or metadata role).

    Raises ``ValueError`` listing every header that is unknown or ambiguous.

    Examples
    --------
    >>> from survey import load_instrument
    >>> ins = load_instrument()
    >>> match_columns(["Timestamp", "Which department do you work in?",
    ...                "Leads regularly get lost between the two departments."], ins)
    {'Timestamp': 'submitted_at', 'Which department do you work in?': 'department', \
'Leads regularly get lost between the two departments.': 'LEA_LOST'}
    """
    mapping = mapping or {}
    keys = _keys(instrument)
    valid = set(instrument.columns()) | {q.column for q in instrument.context}
    valid |= {i.code for i in instrument.items if instrument.kind(i) == "multiple"}
    out, unknown, ambiguous = {}, [], []
    for header in headers:
        key = normalise(header)
        if header in mapping:
            if mapping[header] not in valid | {"ignore"}:
                raise ValueError(f"mapping names unknown column {mapping[header]!r} for {header!r}")
            out[header] = mapping[header]
            continue
        if key in PERSONAL or key in IGNORED or not key:
            out[header] = "ignore"
            continue
        if key in TIMESTAMP:
            out[header] = "submitted_at"
            continue
        if key in START:
            out[header] = "started_at"
            continue
        if key in IDENTIFIER:
            out[header] = "respondent_id"
            continue
        found = keys.get(key, set())
        if not found:
            for pattern in GRID:
                match = pattern.match(header)
                if match:
                    found = keys.get(normalise(match["row"]), set())
                    if found:
                        break
        if len(found) == 1:
            out[header] = next(iter(found))
        elif found:
            ambiguous.append(f"{header!r} (could be {sorted(found)})")
        else:
            unknown.append(repr(header))
    if unknown or ambiguous:
        lines = [f"unknown: {', '.join(unknown)}"] if unknown else []
        lines += [f"ambiguous: {', '.join(ambiguous)}"] if ambiguous else []
        raise ValueError(
            "cannot map every column; write a mapping file (YAML, "
            "'columns: {header: CODE or ignore}') for these: " + "; ".join(lines)
        )
    return out


def _dates(values: pd.Series) -> pd.Series:
    """Timestamps as the tools write them: ISO, German (05.10.2026 08:15), US, or Excel
    serial day numbers."""
    text = (
        values.astype(str)
        .str.strip()
        .str.replace(r"\s*(GMT|UTC|MEZ|MESZ)[+-]?\d*$", "", regex=True)
    )
    numeric = pd.to_numeric(text, errors="coerce")
    out = pd.Series(pd.NaT, index=values.index, dtype="datetime64[ns, UTC]")
    serial = numeric.notna() & (numeric > 20000)
    out[serial] = (
        pd.Timestamp("1899-12-30", tz="UTC") + pd.to_timedelta(numeric[serial], unit="D")
    ).dt.round("s")
    german = text.str.match(r"^\d{1,2}\.\d{1,2}\.\d{4}")
    out[german] = pd.to_datetime(text[german], dayfirst=True, utc=True, errors="coerce")
    rest = ~serial & ~german & (text != "") & (text.str.lower() != "nan")
    out[rest] = pd.to_datetime(text[rest], utc=True, errors="coerce", format="mixed")
    return out


def read_table_with_headers(
    data: pd.DataFrame,
    instrument: Instrument,
    *,
    source: str,
    mapping: dict[str, str],
    multi_sep: str,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    ins = instrument
    targets = match_columns(list(data.columns), ins, mapping)
    n = len(data)
    wide = empty_wide(ins, n)
    problems: list[tuple] = []
    ids = [f"{source}-{i + 1}" for i in range(n)]
    started = None
    for header, target in targets.items():
        values = data[header].astype(object).where(data[header].notna(), "").astype(str)
        if target == "ignore":
            continue
        if target == "respondent_id":
            ids = [v.strip() or ids[i] for i, v in enumerate(values)]
        elif target == "submitted_at":
            wide["submitted_at"] = _dates(values)
        elif target == "started_at":
            started = _dates(values)
        elif target in {q.column for q in ins.context}:
            question = next(q for q in ins.context if q.column == target)
            labels = {
                normalise(t[lang]): code
                for code, t in question.options.items()
                for lang in ("de", "en")
            }
            labels.update({normalise(code): code for code in question.options})
            mapped = []
            for i, v in enumerate(values):
                if not question.options:
                    mapped.append(v.strip() or None)
                elif normalise(v) in labels:
                    mapped.append(labels[normalise(v)])
                else:
                    mapped.append(None)
                    if v.strip():
                        problems.append(
                            (i, ids[i], header, v[:100], "answer not among the question's options")
                        )
            wide[target] = mapped
        else:
            _place(ins, wide, target, header, values, ids, multi_sep, problems)
    wide["respondent_id"] = ids
    if started is not None:
        wide["duration_s"] = (wide["submitted_at"] - started).dt.total_seconds()
    return wide, quarantine_frame(problems)


def _place(
    ins: Instrument,
    wide: pd.DataFrame,
    target: str,
    header: str,
    values: pd.Series,
    ids: list[str],
    multi_sep: str,
    problems: list,
) -> None:
    item = ins.item(target)
    kind = ins.kind(item)
    if kind == "multiple" and target == item.code:
        labels = label_codes(ins, target)
        codes = [o.code for o in ins.options(item)]
        for i, cell in enumerate(values):
            if not cell.strip():
                continue
            chosen = set()
            for part in (p for p in cell.split(multi_sep) if p.strip()):
                key = normalise(part)
                if key in labels:
                    chosen.add(int(labels[key]))
                else:
                    problems.append((i, ids[i], header, part.strip()[:100], "unknown choice"))
            for code in codes:
                wide.loc[i, f"{item.code}_{code}"] = 1.0 if code in chosen else 0.0
        return
    place_cells(
        ins,
        wide,
        target,
        header,
        values,
        ids,
        problems,
        lambda cell: _label_code(ins, target, cell),
    )


def _label_code(ins: Instrument, column: str, cell: str) -> float:
    labels = label_codes(ins, column)
    key = normalise(cell)
    if key not in labels:
        raise ValueError("answer not among the item's options")
    return labels[key]


def read_google(path: str | Path, instrument: Instrument, mapping: str | Path | None = None):
    """Google Forms CSV: question texts as headers, grids as ``Q [Row]``, labels as values,
    checkbox answers joined with ", "."""
    rows = read_rows(path)
    if not rows:
        raise ValueError(f"{path}: empty file")
    data = frame(rows[1:], [h.strip() for h in rows[0]])
    try:
        return read_table_with_headers(
            data, instrument, source="google", mapping=load_mapping(mapping), multi_sep=", "
        )
    except ValueError as exc:
        raise ValueError(f"{path}: {exc}") from None


def read_msforms(path: str | Path, instrument: Instrument, mapping: str | Path | None = None):
    """Microsoft Forms XLSX: ``ID, Start time, Completion time, Email, Name`` first, then
    question texts; multi-select answers ``;``-separated with a trailing ``;``."""
    try:
        data = pd.read_excel(path, dtype=object)
    except (ValueError, OSError, KeyError, zipfile.BadZipFile) as exc:
        raise ValueError(f"{path}: not a readable XLSX file ({exc})") from None
    data.columns = [str(c).strip() for c in data.columns]
    data = data.replace({np.nan: ""})
    try:
        return read_table_with_headers(
            data, instrument, source="msforms", mapping=load_mapping(mapping), multi_sep=";"
        )
    except ValueError as exc:
        raise ValueError(f"{path}: {exc}") from None


def read_mapped_csv(path: str | Path, instrument: Instrument, mapping: str | Path | None = None):
    """Any CSV (or XLSX by suffix) whose columns a mapping file or our codes identify."""
    if Path(path).suffix.lower() in (".xlsx", ".xlsm"):
        return read_msforms(path, instrument, mapping)
    return read_google(path, instrument, mapping)
