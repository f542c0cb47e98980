"""The generated pandera schema: valid data passes, bad cells go to quarantine."""

from __future__ import annotations

import pandas as pd
import pytest

from survey.errors import shorten
from survey.responses import conform
from survey.schema import QUARANTINE_COLUMNS, validate_responses


@pytest.fixture
def wide(instrument, diagnostic):
    return conform(diagnostic.responses, instrument).head(40).copy()


def test_synthetic_data_is_valid(instrument, wide):
    result = validate_responses(wide, instrument)
    assert result.ok and len(result.valid) == len(wide)
    assert list(result.quarantine.columns) == list(QUARANTINE_COLUMNS)


@pytest.mark.parametrize(
    ("column", "value", "reason"),
    [
        ("LEA_QUALITY", 8.0, "code not one of 1, 2, 3, 4, 5, 6, 7, -9"),
        ("STG_CLEAR_RULES", -9.0, "code not one of 1, 2, 3, 4, 5"),  # no don't know offered
        ("OUT_GRADE", 0.0, "code not one of 1, 2, 3, 4, 5, 6"),
        ("LEA_FOLLOWUP_RATE", 140.0, "value must be between 0 and 100 or -9"),
        ("OBS_MAIN_3", 2.0, "multiple choice option must be 0 or 1"),
        ("department", "finance", "unknown department"),
        ("role", "ceo", "unknown role"),
        ("language", "fr", "unknown language"),
        ("status", "done", "unknown status"),
        ("duration_s", -5.0, "negative duration"),
        ("OUT_ONE_CHANGE", "x" * 5001, "text longer than 5000"),
    ],
)
def test_out_of_range_cells_go_to_quarantine(instrument, wide, column, value, reason):
    wide.loc[5, column] = value
    result = validate_responses(wide, instrument)
    q = result.quarantine
    assert len(q) == 1, q
    line = q.iloc[0]
    assert (line["row"], line["respondent_id"], line["column"]) == (
        5,
        wide.loc[5, "respondent_id"],
        column,
    )
    # a long free text is shown as an excerpt, never in full
    assert line["value"] == (str(int(value)) if isinstance(value, float) else shorten(value))
    assert len(line["value"]) <= 80
    assert reason in line["reason"]
    assert len(result.valid) == len(wide) - 1
    assert wide.loc[5, "respondent_id"] not in set(result.valid["respondent_id"])
    # nothing lost: valid rows + quarantined rows = input rows
    assert len(result.valid) + q["row"].nunique() == len(wide)


def test_cross_column_rules(instrument, wide):
    wide.loc[2, ["POW_PRICING_marketing", "POW_PRICING_sales"]] = [60.0, 60.0]
    wide.loc[3, [f"OBS_MAIN_{k}" for k in range(1, 10)]] = 1.0
    wide.loc[4, "respondent_id"] = wide.loc[6, "respondent_id"]
    q = validate_responses(wide, instrument).quarantine
    reasons = dict(zip(q["row"], q["reason"], strict=False))
    assert reasons[2] == "parts of POW_PRICING must add up to 100"
    assert reasons[3] == "OBS_MAIN allows at most 3 choices"
    assert set(q.loc[q["reason"] == "duplicate respondent_id", "row"]) == {4, 6}


def test_a_table_that_cannot_be_judged_raises(instrument, wide):
    with pytest.raises(ValueError, match="lacks metadata column"):
        validate_responses(wide.drop(columns="department"), instrument)


def test_text_in_a_number_column_quarantines_its_row(instrument, wide):
    wide["LEA_QUALITY"] = wide["LEA_QUALITY"].astype(object)
    wide.loc[0, "LEA_QUALITY"] = "very good"
    result = validate_responses(wide, instrument)
    assert result.quarantine[["row", "column", "value", "reason"]].to_numpy().tolist() == [
        [0, "LEA_QUALITY", "very good", "not a number"]
    ]
    assert len(result.valid) == len(wide) - 1


def test_messy_scenario_stays_valid_but_partial(instrument):
    from survey.synthetic import generate

    diag = generate(units=5, per_department=8, seed=2, scenario="messy")
    result = validate_responses(diag.responses, instrument)
    assert result.ok
    assert (result.valid["status"] == "partial").sum() == len(diag.truth["data_quality"]["partial"])
    assert isinstance(result.valid, pd.DataFrame)
