"""SurveyJS round trip: export the form, write the results SurveyJS would store for a
synthetic diagnostic, ingest them, and get back exactly the synthetic answers."""

from __future__ import annotations

import json
import math

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from analysis.cli import app
from survey.exporters.surveyjs import surveyjs_form
from survey.importers import ingest
from survey.importers.detect import detect_format
from survey.instrument import load_instrument
from survey.responses import conform
from survey.synthetic import generate


def _as_surveyjs(wide: pd.DataFrame, instrument) -> list[dict]:
    """Results as SurveyJS stores them: only answered questions, matrices nested."""
    form = surveyjs_form(instrument)
    matrix_of = {
        row["value"]: el["name"]
        for page in form["pages"]
        for el in page["elements"]
        if el["type"] == "matrix"
        for row in el["rows"]
    }
    results = []
    for _, r in wide.iterrows():
        out = {
            "respondent_id": r["respondent_id"],
            "submitted_at": r["submitted_at"].strftime("%Y-%m-%dT%H:%M:%SZ")
            if pd.notna(r["submitted_at"])
            else None,
            "department": r["department"],
            "business_unit": r["business_unit"],
            "role": r["role"],
            "tenure": r["tenure"],
            "locale": r["language"],
            "duration_s": r["duration_s"],
            "status": r["status"],
        }
        for item in instrument.items:
            kind = instrument.kind(item)
            cols = instrument.item_columns(item)
            values = [r[c] for c in cols]
            if kind == "text":
                if isinstance(values[0], str):
                    out[item.code] = values[0]
            elif all(isinstance(v, float) and math.isnan(v) for v in values):
                continue
            elif kind == "multiple":
                out[item.code] = [
                    o.code for o, v in zip(instrument.options(item), values, strict=True) if v == 1
                ]
            elif kind == "constant_sum":
                out[item.code] = {p.code: int(v) for p, v in zip(item.parts, values, strict=True)}
            elif item.code in matrix_of:
                out.setdefault(matrix_of[item.code], {})[item.code] = int(values[0])
            else:
                out[item.code] = int(values[0])
        results.append(out)
    return results


@pytest.fixture(scope="module")
def synthetic(instrument):
    diag = generate(units=4, per_department=8, seed=12, scenario="default")
    return conform(diag.responses, instrument)


@pytest.mark.parametrize("layout", ["array", "lines"])
def test_round_trip_gives_back_exactly_the_answers(tmp_path, instrument, synthetic, layout):
    results = _as_surveyjs(synthetic, instrument)
    path = tmp_path / "results.json"
    if layout == "array":
        path.write_text(json.dumps(results, ensure_ascii=False), encoding="utf-8")
    else:
        path.write_text(
            "\n".join(json.dumps(r, ensure_ascii=False) for r in results), encoding="utf-8-sig"
        )
    assert detect_format(path, instrument)[0] == "surveyjs"
    result = ingest(path, instrument)
    valid, quarantine, report = result.table, result.quarantine, result.report
    assert quarantine.empty and report["rows_read"] == len(synthetic) == report["accepted"]
    cols = [c for c in instrument.columns() if c != "OUT_ONE_CHANGE"]
    np.testing.assert_array_equal(valid[cols].to_numpy(float), synthetic[cols].to_numpy(float))
    assert (
        valid["OUT_ONE_CHANGE"].fillna("").tolist()
        == synthetic["OUT_ONE_CHANGE"].fillna("").tolist()
    )
    pd.testing.assert_frame_equal(
        valid[["respondent_id", "department", "business_unit", "language", "status"]],
        synthetic[["respondent_id", "department", "business_unit", "language", "status"]],
    )
    assert report["partial"] == (synthetic["status"] == "partial").sum()
    assert report["duplicate"] >= 1  # the default scenario plants duplicate submissions


def test_bad_values_go_to_quarantine_not_lost(tmp_path, instrument, synthetic):
    results = _as_surveyjs(synthetic.head(6), instrument)
    results[1]["OUT_GRADE"] = "very good"
    results[2]["MYSTERY"] = 3
    results[3]["LEA_FOLLOWUP_RATE"] = 150
    path = tmp_path / "r.json"
    path.write_text(json.dumps(results), encoding="utf-8")
    result = ingest(path, instrument)
    report = result.report
    # rows are numbered as records in the file, from 1
    reasons = dict(zip(result.quarantine["row"], result.quarantine["reason"], strict=False))
    assert reasons[2] == "unknown answer 'very good' for OUT_GRADE"
    assert "between 0 and 100" in reasons[4]
    ignored = [c["header"] for c in report["columns_ignored"]]
    assert ignored == ["MYSTERY"]  # reported, and the rest of row 3 kept
    assert (report["rows_read"], report["accepted"], report["quarantined"]) == (6, 4, 2)
    assert len(result.table) + report["quarantined"] == report["rows_read"]


def test_unreadable_files_give_clear_errors(tmp_path):
    broken = tmp_path / "broken.json"
    broken.write_text('[{"a": 1},', encoding="utf-8")
    runner = CliRunner()
    result = runner.invoke(app, ["ingest", str(broken), "-o", str(tmp_path / "o.csv")])
    assert result.exit_code != 0
    assert result.exit_code == 1
    assert "broken.json: line 1, column 11: not valid JSON" in str(result.exception)
    odd = tmp_path / "odd.txt"
    odd.write_text("hello;world\n1;2\n", encoding="utf-8")
    with pytest.raises(
        ValueError, match=r"odd.txt: cannot tell which tool wrote this file. Saw 2 columns"
    ):
        detect_format(odd, load_instrument())


def test_ingest_command_writes_table_quarantine_and_report(tmp_path, instrument, synthetic):
    path = tmp_path / "r.json"
    path.write_text(json.dumps(_as_surveyjs(synthetic.head(10), instrument)), encoding="utf-8")
    result = CliRunner().invoke(app, ["ingest", str(path), "-o", str(tmp_path / "out.csv")])
    assert result.exit_code == 0, result.output
    report = json.loads((tmp_path / "out.report.json").read_text("utf-8"))
    assert report["rows_read"] == 10 and report["accepted"] == 10
    assert not (tmp_path / "r.quarantine.csv").exists()  # nothing left out, no quarantine
