"""Qualtrics round trip: export the instrument as Advanced Format TXT, write the CSV that
Qualtrics would export for a synthetic diagnostic (numeric values or choice texts, German
or English labels, legacy layout, BOM, tab or comma), ingest it, get the answers back."""

from __future__ import annotations

import csv
import io
import json
import math

import numpy as np
import pandas as pd
import pytest

from survey.exporters.qualtrics import qualtrics_choices, qualtrics_txt
from survey.ingest import detect_format, ingest
from survey.responses import conform
from survey.synthetic import generate

META_TAGS = [
    "StartDate",
    "EndDate",
    "Status",
    "IPAddress",
    "Progress",
    "Duration (in seconds)",
    "Finished",
    "RecordedDate",
    "ResponseId",
    "UserLanguage",
]


def _qualtrics_csv(wide, ins, *, values="numeric", lang="en", legacy=False, sep=","):
    tags = []
    for q in ins.context:
        tags.append(q.column)
    for item in ins.items:
        kind = ins.kind(item)
        if kind == "constant_sum":
            tags += [f"{item.code}_{i + 1}" for i in range(len(item.parts))]
        else:
            tags.append(item.code)
    rows = []
    for _, r in wide.iterrows():
        row = {
            "StartDate": "2026-10-05 08:00:00",
            "EndDate": "2026-10-05 08:10:00",
            "Status": "0",
            "IPAddress": "203.0.113.9",
            "Progress": "100",
            "Duration (in seconds)": str(int(r["duration_s"])),
            "Finished": "1" if r["status"] == "complete" else "0",
            "RecordedDate": r["submitted_at"].strftime("%Y-%m-%d %H:%M:%S")
            if pd.notna(r["submitted_at"])
            else "",
            "ResponseId": r["respondent_id"],
            "UserLanguage": r["language"].upper(),
        }
        for q in ins.context:
            value = r[q.column]
            if q.options and values == "numeric":
                value = str(list(q.options).index(value) + 1) if isinstance(value, str) else ""
            elif q.options:
                value = q.options[value][lang] if isinstance(value, str) else ""
            row[q.column] = value or ""
        for item in ins.items:
            kind = ins.kind(item)
            cols = ins.item_columns(item)
            vals = [r[c] for c in cols]
            if kind == "text":
                row[item.code] = vals[0] if isinstance(vals[0], str) else ""
            elif all(isinstance(v, float) and math.isnan(v) for v in vals):
                for i in range(len(item.parts) or 1):
                    row[f"{item.code}_{i + 1}" if item.parts else item.code] = ""
            elif kind == "constant_sum":
                for i, v in enumerate(vals):
                    row[f"{item.code}_{i + 1}"] = str(int(v))
            elif kind == "multiple":
                chosen = [o for o, v in zip(ins.options(item), vals, strict=True) if v == 1]
                row[item.code] = ",".join(
                    str(ins.options(item).index(o) + 1) if values == "numeric" else o.label[lang]
                    for o in chosen
                )
            elif kind == "percent":
                row[item.code] = str(int(vals[0])) if vals[0] != -9 else ("-9")
            else:
                codes = [o.code for o in ins.options(item)] + (
                    [ins.dont_know.code] if item.dont_know else []
                )
                pos = codes.index(int(vals[0]))
                row[item.code] = (
                    str(pos + 1)
                    if values == "numeric"
                    else (qualtrics_choices(ins, item, lang)[pos])
                )
        rows.append(row)
    header = META_TAGS + tags
    out = io.StringIO()
    writer = csv.writer(out, delimiter=sep, lineterminator="\r\n")
    if legacy:
        legacy_header = ["V1", "V7", "V9", "V10", *tags]
        writer.writerow(legacy_header)
        writer.writerow(["ResponseID", "Status", "EndDate", "Finished", *tags])
        for r in rows:
            writer.writerow(
                [
                    r["ResponseId"],
                    r["Status"],
                    r["RecordedDate"],
                    r["Finished"],
                    *[r[t] for t in tags],
                ]
            )
        return out.getvalue()
    writer.writerow([*header, ""])  # the empty trailing column
    label = {"de": "Frage", "en": "Question"}[lang]
    writer.writerow([*(f"{label} {h}" for h in header), ""])
    writer.writerow([*(json.dumps({"ImportId": h}) for h in header), ""])
    for r in rows:
        writer.writerow([*(r[h] for h in header), ""])
    return out.getvalue()


@pytest.fixture(scope="module")
def synthetic(instrument):
    diag = generate(units=4, per_department=8, seed=14, scenario="default")
    return conform(diag.responses, instrument)


def _expected(synthetic, instrument):
    """What Qualtrics can carry: a multiple choice with nothing chosen exports as an empty
    cell, the same as a question not answered."""
    expected = synthetic.copy()
    for item in instrument.items:
        if instrument.kind(item) == "multiple":
            cols = instrument.item_columns(item)
            expected.loc[expected[cols].eq(0).all(axis=1), cols] = np.nan
    return expected


def _check(valid, synthetic, instrument):
    cols = [c for c in instrument.columns() if c != "OUT_ONE_CHANGE"]
    expected = _expected(synthetic, instrument)
    np.testing.assert_array_equal(valid[cols].to_numpy(float), expected[cols].to_numpy(float))
    for col in ("respondent_id", "department", "business_unit", "role", "tenure", "status"):
        assert valid[col].tolist() == synthetic[col].tolist(), col


@pytest.mark.parametrize(
    ("values", "lang", "sep", "encoding"),
    [
        ("numeric", "en", ",", "utf-8"),
        ("text", "de", "\t", "utf-8-sig"),
        ("text", "en", ",", "cp1252"),
    ],
)
def test_round_trip(tmp_path, instrument, synthetic, values, lang, sep, encoding):
    text = _qualtrics_csv(synthetic, instrument, values=values, lang=lang, sep=sep)
    path = tmp_path / "export.csv"
    path.write_bytes(text.encode(encoding, errors="strict"))
    assert detect_format(path) == "qualtrics"
    valid, quarantine, report = ingest(path, instrument)
    assert quarantine.empty, quarantine.head()
    assert report.rows_read == report.accepted == len(synthetic)
    _check(valid, synthetic, instrument)
    assert "203.0.113.9" not in valid.to_csv()  # the IP address is never read


def test_legacy_two_row_export(tmp_path, instrument, synthetic):
    path = tmp_path / "legacy.csv"
    path.write_text(_qualtrics_csv(synthetic, instrument, legacy=True), encoding="utf-8-sig")
    assert detect_format(path) == "qualtrics"
    valid, quarantine, _ = ingest(path, instrument)
    assert quarantine.empty
    cols = [c for c in instrument.columns() if c != "OUT_ONE_CHANGE"]
    expected = _expected(synthetic, instrument)
    np.testing.assert_array_equal(valid[cols].to_numpy(float), expected[cols].to_numpy(float))


def test_preview_rows_bad_answers_and_unknown_columns_are_quarantined(
    tmp_path, instrument, synthetic
):
    text = _qualtrics_csv(synthetic.head(5), instrument, values="text")
    lines = text.split("\r\n")
    header = next(csv.reader([lines[0]]))
    row = next(csv.reader([lines[4]]))
    row[header.index("Status")] = "1"  # a preview response
    lines[4] = ",".join(f'"{c}"' for c in row)
    row = next(csv.reader([lines[5]]))
    row[header.index("OUT_GRADE")] = "excellent"
    lines[5] = ",".join(f'"{c}"' for c in row)
    path = tmp_path / "q.csv"
    path.write_text("\r\n".join(lines), encoding="utf-8")
    _, quarantine, report = ingest(path, instrument)
    reasons = dict(zip(quarantine["row"], quarantine["reason"], strict=False))
    assert reasons[1].startswith("Qualtrics preview response")
    assert reasons[2] == "answer not among the item's options"
    assert (report.rows_read, report.accepted, report.quarantined) == (5, 3, 2)


def test_advanced_format_file(instrument):
    txt = qualtrics_txt(instrument, "de")
    assert txt.startswith("[[AdvancedFormat]]")
    for item in instrument.items:
        assert f"[[ID:{item.code}]]" in txt
    assert "${e://Field/other}" in txt and "{other}" not in txt.replace("Field/other}", "")
    block = txt.split("[[ID:OUT_GRADE]]")[1].split("\n\n")[0]
    assert block.splitlines()[3:] == [
        "1 – sehr gut",
        "2 – gut",
        "3 – befriedigend",
        "4 – ausreichend",
        "5 – mangelhaft",
        "6 – ungenügend",
    ]
