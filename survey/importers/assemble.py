"""From a parsed foreign table to the validated canonical table, quarantine and report.

Vendor modules say what each header holds and how their own codes read (a
:class:`Parsed`); everything after that is shared here: labels to codes, numbers, the
final validation by :func:`survey.schema.validate_responses`, and the report.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from functools import partial

import numpy as np
import pandas as pd

from survey.errors import shorten
from survey.importers.matching import LabelIndex, Mapping, Target, normalise
from survey.importers.readers import IngestError, parse_datetime, parse_number, slash_order
from survey.instrument import Instrument
from survey.responses import empty_wide
from survey.schema import QUARANTINE_COLUMNS, validate_responses

NUMERIC_META = {"duration_s"}


@dataclass
class Parsed:
    """A foreign table ready to assemble.

    ``cells`` holds the data as strings, ``lines`` the row number of each data row in the
    file (as a spreadsheet shows it), ``targets`` what each header position holds, ``meta``
    metadata the vendor module has already read, ``codes`` vendor answer codes per column,
    ``separator`` how joined multiple-choice cells are split, ``excluded`` rows the vendor
    marks as not real responses (previews, spam) with the reason.
    """

    fmt: str
    headers: list[str]
    cells: list[list[str]]
    lines: list[int]
    targets: dict[int, Target]
    meta: dict[str, list] = field(default_factory=dict)
    codes: dict[str, dict[str, object]] = field(default_factory=dict)
    separator: str = ","
    excluded: dict[int, str] = field(default_factory=dict)
    unmatched: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    problems: list[tuple[int, str, str, str]] = field(default_factory=list)
    matches: list[dict[str, object]] = field(default_factory=list)
    ignored: list[dict[str, object]] = field(default_factory=list)
    findings: list[str] = field(default_factory=list)
    read: dict[str, object] = field(default_factory=dict)  # encoding, separator, line endings
    raw_headers: list[str] | None = None  # as in the file, before metadata was blanked


TICKED = {"1", "y", "yes", "ja", "j", "true", "wahr", "x"}
UNTICKED = {"0", "n", "no", "nein", "false", "falsch"}


def body(
    sheet, header_rows: int, ends_with_newline: bool = False
) -> tuple[list[list[str]], list[int], list]:
    """Data rows of a sheet, where each is in the file, and the rows that are no whole
    record (cut off, too many fields) as problems for the quarantine.

    ``ends_with_newline``: the tool ends every row with a line break (LimeSurvey,
    Qualtrics, alignmeter, Excel's CSV), so a file without one was cut inside its last
    field, where no count of fields can tell.
    """
    if ends_with_newline and sheet.unterminated and len(sheet.rows) > header_rows:
        last = len(sheet.rows) - 1
        sheet.bad.setdefault(
            last,
            "the file ends without a line break, which this tool always writes: the last "
            "row may be cut off, so it is not taken as a whole response",
        )
    data = sheet.rows[header_rows:]
    lines = sheet.lines[header_rows:]
    problems = [
        (i - header_rows, "(row)", excerpt(" | ".join(sheet.rows[i])), reason)
        for i, reason in sorted(sheet.bad.items())
        if i >= header_rows
    ]
    return data, lines, problems


def excerpt(value: object) -> str:
    """What a quarantine line or a message shows of a cell: never a whole long answer."""
    return shorten(value, EXCERPT)


EXCERPT = 80


@dataclass
class ImportResult:
    table: pd.DataFrame
    quarantine: pd.DataFrame
    report: dict[str, object]


def split_joined(cell: str, labels: dict[str, object], sep: str) -> list[object] | None:
    """Codes of a joined multiple-choice cell; None if a piece is no known label.

    Labels may contain the separator themselves (``Team, Gruppe``), so pieces are joined
    back greedily, longest run first, until they form a known label.

    Examples
    --------
    >>> split_joined("a, b, c", {"a": 1, "b c": 2}, ",")
    [1, 2]
    """
    pieces = [p for p in cell.split(sep.strip() or sep)]
    found: list[object] = []
    i = 0
    while i < len(pieces):
        if not pieces[i].strip():
            i += 1
            continue
        for j in range(len(pieces), i, -1):
            key = normalise(sep.join(pieces[i:j]))
            if key in labels:
                found.append(labels[key])
                i = j
                break
        else:
            return None
    return found


def _convert(
    value: str, column: str, instrument: Instrument, vendor: dict, labels: dict, user: dict
):
    """One cell -> our value, or raise ValueError with the reason."""
    text = value.strip()
    if text == "":
        return None
    if text in user:
        return user[text]
    if text in vendor:
        return vendor[text]
    if column in instrument.column_map:
        item = instrument.column_map[column]
        kind = instrument.kind(item)
        if kind == "text":
            return value
        key = normalise(text)
        if key in labels:
            return labels[key]
        try:
            number = parse_number(text)
        except ValueError:
            raise ValueError(f"unknown answer {excerpt(text)!r} for {column}") from None
        if not math.isfinite(number):
            raise ValueError(f"not a number: {excerpt(text)!r}")
        return number
    key = normalise(text)
    if labels:
        if key in labels:
            return labels[key]
        raise ValueError(f"unknown answer {excerpt(text)!r} for {column}")
    return text


def assemble(parsed: Parsed, instrument: Instrument, mapping: Mapping) -> ImportResult:
    """Convert, validate and report (see the module docstring)."""
    n = len(parsed.cells)
    wide = empty_wide(instrument, n)
    labels = LabelIndex(instrument)
    problems = list(parsed.problems)  # (row, column, value, reason)
    for col, values in parsed.meta.items():
        wide[col] = (
            pd.Series(values, dtype=wide[col].dtype)
            if col != "submitted_at"
            else (pd.to_datetime(pd.Series(values), utc=True).astype("datetime64[s, UTC]"))
        )
    for col, value in mapping.constants.items():
        wide[col] = value
    multi_of = {
        c: item.code
        for c, item in instrument.column_map.items()
        if instrument.kind(item) == "multiple"
    }
    touched_multi: set[str] = set()
    positions: dict[Target, list[int]] = {}
    for pos, target in parsed.targets.items():
        positions.setdefault(target, []).append(pos)
    for target, where in positions.items():
        col = target.column
        cells, clashes = _merge(parsed.cells, where)
        for r in clashes:
            shown = " | ".join(parsed.cells[r][p] for p in where if p < len(parsed.cells[r]))
            problems.append((r, col, excerpt(shown), f"answered twice for {col} (columns {where})"))
        if target.joined:
            _joined(instrument, col, cells, parsed.separator, labels, wide, problems)
            continue
        vendor = parsed.codes.get(col, {})
        user = mapping.value_labels.get(col, {})
        known = labels.labels(col)
        out = []
        if col in multi_of:
            touched_multi.add(multi_of[col])
            out = _ticks(cells, col, instrument, vendor, known, user, problems, parsed.notes)
        else:
            # Answers repeat (a few labels in every row): convert each distinct text once.
            seen: dict[str, tuple[object, str | None]] = {}
            for r, cell in enumerate(cells):
                if cell not in seen:
                    try:
                        seen[cell] = (_convert(cell, col, instrument, vendor, known, user), None)
                    except ValueError as exc:
                        seen[cell] = (None, str(exc))
                value, error = seen[cell]
                if error is not None:
                    problems.append((r, col, excerpt(cell), error))
                out.append(value)
        if wide[col].dtype == "float64":
            wide[col] = np.array([np.nan if v is None else float(v) for v in out])
        else:
            wide[col] = pd.Series(out, dtype="str")
    for code in touched_multi:
        # Tools write only the chosen options; unchosen ones of an answered item are 0.
        cols = instrument.item_columns(code)
        block = wide[cols]
        answered = block.notna().any(axis=1)
        wide.loc[answered, cols] = block[answered].fillna(0.0)
    for r, reason in parsed.excluded.items():
        problems.append((r, "(row)", "", reason))
    return _validate(parsed, wide, instrument, problems)


def _ticks(cells, col, instrument, vendor, labels, user, problems, notes) -> list:
    """A multiple-choice option column as 1 (ticked), 0 (not ticked) or None (empty).

    Tools write 1/empty, Y/empty (LimeSurvey), 1/0, the option's label (choice text), or
    1/2 (SPSS: 1 = yes, 2 = no). Anything else (-9, 0.5, a 2 beside 0s, another option's
    label) is no tick and no blank: the cell is quarantined, never read as ticked.
    """
    item = instrument.column_map[col]
    option = float(col[len(item.code) + 1 :]) if col[len(item.code) + 1 :].isdigit() else None
    out: list = []
    twos: list[int] = []
    zeros = False
    for r, cell in enumerate(cells):
        text = cell.strip()
        value = None
        if not text:
            out.append(None)
            continue
        if text in user:
            value = user[text]
        elif text in vendor:
            value = vendor[text]
        elif text.casefold() in TICKED:
            value = 1.0
        elif text.casefold() in UNTICKED:
            value = 0.0
        elif normalise(text) in labels:
            code = labels[normalise(text)]
            value = 1.0 if option is not None and float(code) == option else None
            if value is None:
                problems.append(
                    (r, col, excerpt(cell), f"the label of another option, not of {col}")
                )
                out.append(None)
                continue
        else:
            try:
                value = parse_number(text)
            except ValueError:
                value = None
            if value == 2.0:
                twos.append(r)
                out.append(2.0)
                continue
        if isinstance(value, int | float) and float(value) in (0.0, 1.0):
            zeros |= float(value) == 0.0
            out.append(float(value))
        else:
            problems.append(
                (
                    r,
                    col,
                    excerpt(cell),
                    f"not a multiple-choice code for {col} (1 or a label = ticked; 0, 2 "
                    "(SPSS 1/2 coding) or empty = not ticked)",
                )
            )
            out.append(None)
    if twos and not zeros:
        notes.append(f"{col}: coded 1/2 (SPSS style); read 2 as not ticked")
        out = [0.0 if v == 2.0 else v for v in out]
    elif twos:
        for r in twos:
            problems.append(
                (r, col, "2", f"2 in {col}, a column coded 0/1: neither ticked nor not ticked")
            )
        out = [None if v == 2.0 else v for v in out]
    return out


def _merge(rows: list[list[str]], where: list[int]) -> tuple[list[str], list[int]]:
    """One cell per row from several columns holding one item; rows answering twice."""
    if len(where) == 1:  # one column holds the item: nothing to merge
        p = where[0]
        return [row[p] if p < len(row) else "" for row in rows], []
    cells, clashes = [], []
    for r, row in enumerate(rows):
        filled = [row[p] for p in where if p < len(row) and row[p].strip()]
        cells.append(filled[0] if filled else "")
        if len(filled) > 1:
            clashes.append(r)
    return cells, clashes


def _joined(instrument, code, cells, sep, labels, wide, problems) -> None:
    opts = instrument.options(code)
    # labels (choice text) or the option codes themselves ("1,3,5": Qualtrics recodes)
    known = {**labels.labels(f"{code}_{opts[0].code}"), **{str(o.code): o.code for o in opts}}
    cols = instrument.item_columns(code)
    block = np.full((len(cells), len(opts)), np.nan)
    codes = np.array([float(o.code) for o in opts])
    for r, cell in enumerate(cells):
        if not cell.strip():
            continue
        chosen = split_joined(cell, known, sep)
        if chosen is None:
            problems.append(
                (r, code, excerpt(cell), f"unknown answer(s) in {excerpt(cell)!r} for {code}")
            )
            continue
        block[r] = np.isin(codes, chosen)
    for j, col in enumerate(cols):
        wide[col] = block[:, j]


def _validate(parsed: Parsed, wide: pd.DataFrame, instrument: Instrument, problems) -> ImportResult:
    bad_rows = {r for r, *_ in problems}
    result = validate_responses(wide, instrument)
    failed = set(result.quarantine["row"].tolist())
    kept_rows = [r for r in range(len(wide)) if r not in failed]
    keep = [k for k, r in enumerate(kept_rows) if r not in bad_rows]
    table = result.valid.iloc[keep].reset_index(drop=True)
    ids = wide["respondent_id"].tolist()
    lines = [
        {"row": r, "respondent_id": ids[r], "column": c, "value": v, "reason": why}
        for r, c, v, why in problems
    ]
    lines += result.quarantine.to_dict("records")
    quarantine = pd.DataFrame(lines, columns=list(QUARANTINE_COLUMNS))
    quarantine["row"] = [parsed.lines[int(r)] for r in quarantine["row"]]
    quarantine["value"] = [excerpt("" if pd.isna(v) else v) for v in quarantine["value"]]
    quarantine["reason"] = [shorten(v, 300) for v in quarantine["reason"]]
    quarantine = quarantine.sort_values(["row", "column"], kind="stable").reset_index(drop=True)
    from survey.quality import quality_flags

    flags = quality_flags(wide, instrument)
    held = {t.column for t in parsed.targets.values()}
    ignored = _ignored(parsed)
    findings = list(parsed.findings)
    for entry in ignored:
        if str(entry["reason"]).startswith(("no header;", "resembles", "its text is")):
            name = shorten(entry["header"], 60) if entry["header"] else "(no header)"
            findings.append(f"column {name!r}: {entry['reason']}")
    report = {
        "file": str(parsed.read.get("file", "")),
        "format": parsed.fmt,
        "encoding": parsed.read.get("encoding", ""),
        "encodings_found": parsed.read.get("encodings_found", {}),
        "separator": parsed.read.get("separator", ""),
        "line_endings": parsed.read.get("line_endings", ""),
        "rows_read": len(wide),
        "accepted": len(table),
        "quarantined": len(bad_rows | failed),
        "partial": int((wide["status"] == "partial").sum()),
        "duplicate": int(flags["duplicate"].sum()),
        "columns_matched": len(parsed.targets),
        "matches": parsed.matches,
        "columns_ignored": ignored,
        "item_columns_missing": [
            c
            for c in instrument.columns()
            if c not in held and instrument.column_map[c].code not in held
        ],
        "findings": findings,
        "notes": parsed.notes,
    }
    return ImportResult(table=table, quarantine=quarantine, report=report)


def _ignored(parsed: Parsed) -> list[dict[str, object]]:
    """Columns left out, each with why; a column without header says whether it held data."""
    out = []
    raw = parsed.raw_headers or []
    for entry in parsed.ignored:
        entry = dict(entry)
        pos = int(entry.get("position", 0)) - 1  # type: ignore[call-overload]
        if not entry["header"] and 0 <= pos < len(raw) and raw[pos].strip():
            entry["header"] = raw[pos]  # a metadata column, blanked for the matcher
        if entry["reason"] == "no header" and "position" in entry:
            pos = int(entry["position"]) - 1  # type: ignore[call-overload]
            filled = sum(1 for row in parsed.cells if pos < len(row) and row[pos].strip())
            if not filled:
                continue  # an empty trailing column (Qualtrics writes one): nothing lost
            entry["header"] = ""
            entry["reason"] = (
                f"no header; {filled} row(s) hold data in column {pos + 1}, not imported: "
                "give the column a header and map it"
            )
        out.append(entry)
    return out


def meta_from(
    rows: list[list[str]],
    pos: int | None,
    convert,
    default=None,
    *,
    column: str = "",
    problems: list | None = None,
) -> list:
    """One metadata column read from a header position with ``convert`` (else ``default``).

    Cells ``convert`` rejects become ``default`` and a line in ``problems``.
    """
    if pos is None:
        return [default] * len(rows)
    if convert is parse_datetime:
        cells = [row[pos] if pos < len(row) else "" for row in rows]
        try:
            order = slash_order(cells)
        except ValueError as exc:
            raise IngestError(f"column {column or pos + 1}: {exc}") from None
        convert = partial(parse_datetime, order=order)
    out = []
    for r, row in enumerate(rows):
        cell = row[pos] if pos < len(row) else ""
        try:
            out.append(convert(cell) if cell.strip() else default)
        except (ValueError, KeyError) as exc:
            out.append(default)
            if problems is not None:
                problems.append((r, column, cell, str(exc.args[0]) if exc.args else repr(exc)))
    return out


def find(headers: list[str], *names: str) -> int | None:
    """Position of the first header equal (normalised) to one of ``names``."""
    wanted = {normalise(n) for n in names}
    for pos, header in enumerate(headers):
        if normalise(header) in wanted:
            return pos
    return None
