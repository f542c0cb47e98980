"""Exports for researchers: SPSS and Stata with labels, the Excel CSV, via the command."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyreadstat
import pytest
from typer.testing import CliRunner

from analysis.cli import app
from survey.responses import conform
from survey.tables import write_table


@pytest.fixture
def wide(instrument, diagnostic):
    table = conform(diagnostic.responses, instrument).head(30).copy()
    table.loc[0, "OUT_ONE_CHANGE"] = '=HYPERLINK("http://x")'
    table.loc[1, "OUT_ONE_CHANGE"] = "Mehr Gespräche; weniger E-Mails"
    return table


def test_spss_keeps_values_and_labels(tmp_path, instrument, wide):
    path = write_table(wide, tmp_path / "d.sav", instrument=instrument, lang="de")
    back, meta = pyreadstat.read_sav(str(path), user_missing=True)
    numeric = [c for c in instrument.columns() if c != "OUT_ONE_CHANGE"]
    np.testing.assert_array_equal(back[numeric].to_numpy(float), wide[numeric].to_numpy(float))
    assert meta.column_names_to_labels["LEA_QUALITY"].startswith("Die Leads, die das Marketing")
    assert meta.variable_value_labels["OUT_GRADE"][4.0] == "4 – ausreichend"
    assert meta.variable_value_labels["LEA_QUALITY"][-9.0] == "weiß nicht / trifft nicht zu"
    assert meta.missing_ranges["LEA_QUALITY"][0]["lo"] == -9
    assert list(back["respondent_id"]) == list(wide["respondent_id"])


def test_stata_keeps_values_and_labels(tmp_path, instrument, wide):
    path = write_table(wide, tmp_path / "d.dta", instrument=instrument, lang="en")
    back, meta = pyreadstat.read_dta(str(path))
    np.testing.assert_array_equal(
        back["lea_quality"].to_numpy(float), wide["LEA_QUALITY"].to_numpy(float)
    )
    assert meta.variable_value_labels["inf_meet_freq"][5] == "quarterly"
    assert len(meta.column_names_to_labels["lea_quality"]) <= 80


def test_excel_csv(tmp_path, instrument, wide):
    path = write_table(wide, tmp_path / "d.csv", "csv-excel")
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf") and b"\r\n" in raw
    back = pd.read_csv(path, sep=";", decimal=",", encoding="utf-8-sig")
    assert back.loc[0, "OUT_ONE_CHANGE"] == '\'=HYPERLINK("http://x")'
    assert back.loc[1, "OUT_ONE_CHANGE"] == "Mehr Gespräche; weniger E-Mails"
    assert back["LEA_FOLLOWUP_RATE"].equals(wide["LEA_FOLLOWUP_RATE"])


def test_export_command(tmp_path, instrument, wide):
    source = write_table(wide, tmp_path / "in.parquet")
    result = CliRunner().invoke(
        app,
        [
            "export",
            "--data",
            str(source),
            "--format",
            "spss",
            "--lang",
            "de",
            "-o",
            str(tmp_path / "out.sav"),
        ],
    )
    assert result.exit_code == 0, result.output
    assert (tmp_path / "out.sav").exists()
    with pytest.raises(ValueError, match="needs the instrument"):
        write_table(wide, tmp_path / "x.sav")
    with pytest.raises(ValueError, match="unknown table format"):
        write_table(wide, tmp_path / "x.xls")
