"""Canonical wide table <-> tidy long form, and file round trips."""

from __future__ import annotations

import pandas as pd
import pytest

from survey.responses import META_COLUMNS, answers, conform, to_long, to_wide
from survey.tables import read_table, write_table


def test_wide_long_round_trip_is_lossless(instrument, diagnostic):
    wide = conform(diagnostic.responses, instrument)
    long = to_long(wide, instrument)
    assert len(long) == len(wide) * len(instrument.columns())
    assert list(long.columns[: len(META_COLUMNS)]) == list(META_COLUMNS)
    back = to_wide(long, instrument)
    pd.testing.assert_frame_equal(back, wide)


def test_long_form_holds_codes_text_and_dont_know(instrument, diagnostic):
    wide = conform(diagnostic.responses, instrument)
    long = to_long(wide, instrument)
    row = wide.iloc[3]
    got = long[(long["respondent_id"] == row["respondent_id"])].set_index("column")
    assert got.loc["OUT_GRADE", "value"] == row["OUT_GRADE"]
    assert got.loc["OUT_GRADE", "item"] == "OUT_GRADE"
    assert got.loc["POW_PRICING_sales", "item"] == "POW_PRICING"
    assert (long["value"] == -9).any()  # don't know is kept as its code
    texts = long[long["column"] == "OUT_ONE_CHANGE"]
    assert texts["value"].isna().all() and texts["text"].notna().any()


def test_answers_turns_dont_know_into_missing(instrument, diagnostic):
    raw = diagnostic.responses
    clean = answers(raw, instrument)
    assert (raw["LEA_QUALITY"] == -9).sum() > 0
    assert not (clean == -9).any().any()
    assert (
        clean["LEA_QUALITY"].isna().sum()
        == raw["LEA_QUALITY"].isna().sum() + (raw["LEA_QUALITY"] == -9).sum()
    )


def test_conform_rejects_unknown_and_missing_columns(instrument, diagnostic):
    with pytest.raises(ValueError, match="does not know: \\['EXTRA'\\]"):
        conform(diagnostic.responses.assign(EXTRA=1), instrument)
    with pytest.raises(ValueError, match="lacks metadata column\\(s\\): \\['status'\\]"):
        conform(diagnostic.responses.drop(columns="status"), instrument)


@pytest.mark.parametrize("suffix", ["csv", "parquet"])
def test_table_files_round_trip(tmp_path, instrument, diagnostic, suffix):
    wide = conform(diagnostic.responses, instrument)
    path = write_table(wide, tmp_path / f"d.{suffix}")
    pd.testing.assert_frame_equal(read_table(path, instrument), wide)


def test_read_table_names_the_file(tmp_path, instrument):
    path = tmp_path / "x.csv"
    pd.DataFrame({"respondent_id": ["a"]}).to_csv(path, index=False)
    with pytest.raises(ValueError, match=r"x.csv: response table lacks metadata"):
        read_table(path, instrument)
    with pytest.raises(ValueError, match="unknown table format"):
        read_table(tmp_path / "x.txt", instrument)
