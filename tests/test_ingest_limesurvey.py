"""LimeSurvey round trip: export the structure, write the response CSV LimeSurvey would
export (codes or full answers, `[SQ]` or `_SQ` headings, `;` with BOM, partial responses),
ingest it, and get back the synthetic answers."""

from __future__ import annotations

import csv
import io
import math

import numpy as np
import pytest

from survey.exporters.limesurvey import (
    CONTEXT_CODES,
    answer_code,
    limesurvey_codes,
    limesurvey_txt,
    ls_code,
)
from survey.ingest import detect_format, ingest
from survey.responses import conform
from survey.synthetic import generate


def _export(wide, ins, *, answers="short", brackets=True, lang="en"):
    head = [
        "id",
        "submitdate",
        "lastpage",
        "startlanguage",
        "seed",
        "startdate",
        "datestamp",
        "ipaddr",
        "interviewtime",
    ]
    cols, rows = [], []
    for q in ins.context:
        cols.append(CONTEXT_CODES[q.column])
    for item in ins.items:
        code = ls_code(item.code)
        if item.parts:
            cols += [
                f"{code}[P{p.code.upper()}]" if brackets else f"{code}_P{p.code.upper()}"
                for p in item.parts
            ]
        elif ins.kind(item) == "multiple":
            cols += [
                f"{code}[O{o.code}]" if brackets else f"{code}_O{o.code}" for o in ins.options(item)
            ]
        else:
            cols.append(code)
    for i, (_, r) in enumerate(wide.iterrows(), start=1):
        row = {
            "id": str(i),
            "submitdate": "" if r["status"] == "partial" else "1980-01-01 00:00",
            "lastpage": "12",
            "startlanguage": r["language"],
            "seed": "1",
            "startdate": "1980-01-01 00:00",
            "datestamp": "1980-01-01 00:00",
            "ipaddr": "",
            "interviewtime": f"{r['duration_s']:g}",
        }
        for q in ins.context:
            v = r[q.column]
            if q.options:
                v = (
                    (
                        f"A{list(q.options).index(v) + 1}"
                        if answers == "short"
                        else q.options[v][lang]
                    )
                    if isinstance(v, str)
                    else ""
                )
            row[CONTEXT_CODES[q.column]] = v or ""
        for item in ins.items:
            kind = ins.kind(item)
            code = ls_code(item.code)
            cells = [r[c] for c in ins.item_columns(item)]
            empty = all(isinstance(c, float) and math.isnan(c) for c in cells)
            if kind == "text":
                row[code] = cells[0] if isinstance(cells[0], str) else ""
            elif kind == "multiple":
                for o, c in zip(ins.options(item), cells, strict=True):
                    key = f"{code}[O{o.code}]" if brackets else f"{code}_O{o.code}"
                    row[key] = "" if empty or c != 1 else "Y"
            elif item.parts:
                for p, c in zip(item.parts, cells, strict=True):
                    key = f"{code}[P{p.code.upper()}]" if brackets else f"{code}_P{p.code.upper()}"
                    row[key] = "" if empty else ("DK" if c == -9 else f"{c:g}")
            elif kind == "percent":
                row[code] = "" if empty else ("DK" if cells[0] == -9 else f"{cells[0]:g}")
            elif empty:
                row[code] = ""
            elif answers == "short":
                row[code] = answer_code(int(cells[0]), ins.dont_know.code)
            else:
                labels = {o.code: o.label[lang] for o in ins.options(item)}
                labels[ins.dont_know.code] = ins.dont_know.label[lang]
                row[code] = labels[int(cells[0])]
        rows.append(row)
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", quoting=csv.QUOTE_ALL, lineterminator="\r\n")
    writer.writerow(head + cols)
    for row in rows:
        writer.writerow([row[c] for c in head + cols])
    return out.getvalue()


@pytest.fixture(scope="module")
def synthetic(instrument):
    return conform(generate(units=3, per_department=7, seed=16).responses, instrument)


def _expected(synthetic, ins):
    expected = synthetic.copy()
    for item in ins.items:
        if ins.kind(item) == "multiple":  # nothing chosen and not answered look the same
            cols = ins.item_columns(item)
            expected.loc[expected[cols].eq(0).all(axis=1), cols] = np.nan
    return expected


@pytest.mark.parametrize(("answers", "brackets"), [("short", True), ("long", False)])
def test_round_trip(tmp_path, instrument, synthetic, answers, brackets):
    path = tmp_path / "survey_results.csv"
    path.write_text(
        _export(synthetic, instrument, answers=answers, brackets=brackets), encoding="utf-8-sig"
    )
    assert detect_format(path) == "limesurvey"
    valid, quarantine, report = ingest(path, instrument)
    assert quarantine.empty, quarantine.head()
    assert report.rows_read == report.accepted == len(synthetic)
    cols = [c for c in instrument.columns() if c != "OUT_ONE_CHANGE"]
    expected = _expected(synthetic, instrument)
    np.testing.assert_array_equal(valid[cols].to_numpy(float), expected[cols].to_numpy(float))
    for col in ("department", "business_unit", "role", "tenure", "status", "language"):
        assert valid[col].tolist() == synthetic[col].tolist(), col
    assert valid["submitted_at"].isna().all()  # anonymised dates are not real dates


def test_structure_file(instrument):
    txt = limesurvey_txt(instrument)
    rows = list(csv.DictReader(io.StringIO(txt), delimiter="\t"))
    questions = [r for r in rows if r["class"] == "Q"]
    assert len(questions) == 2 * (len(instrument.items) + len(instrument.context))
    assert {r["language"] for r in questions} == {"de", "en"}
    assert set(limesurvey_codes(instrument)) >= {r["name"] for r in questions}
    timely = next(r for r in questions if r["name"] == "INFTIMELY" and r["language"] == "de")
    assert "{if(DEPT.code=='A1','Vertrieb','Marketing')}" in timely["text"]
    grade = [r["name"] for r in rows if r["class"] == "A" and r["language"] == "en"][-8:]
    assert "DK" in [r["name"] for r in rows if r["class"] == "A"] and grade


def test_unknown_heading_is_reported(tmp_path, instrument, synthetic):
    text = _export(synthetic.head(3), instrument)
    lines = text.split("\r\n")
    lines[0] = lines[0].replace('"INFMEETFREQ"', '"G01Q99"')
    path = tmp_path / "r.csv"
    path.write_text("\r\n".join(lines), encoding="utf-8")
    _, quarantine, report = ingest(path, instrument)
    line = quarantine[quarantine["column"] == "G01Q99"].iloc[0]
    assert line["row"] == -1 and "not in the instrument" in line["reason"]
    assert report.accepted == 3
