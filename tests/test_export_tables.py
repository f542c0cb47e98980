"""Researcher exports: SPSS and Stata with labels, Excel CSV with BOM, ';' and no formulas."""

from __future__ import annotations

import pandas as pd
import pyreadstat
import pytest

from survey import load_instrument
from survey.synthetic import generate
from survey.tables import read_table, write_table


@pytest.fixture(scope="module")
def wide():
    table = generate(units=1, per_department=4, seed=5, scenario="messy").responses
    table.loc[0, "OUT_ONE_CHANGE"] = '=HYPERLINK("http://x")'
    table.loc[1, "OUT_ONE_CHANGE"] = "+49 mehr Budget"
    return table


@pytest.mark.parametrize(
    ("suffix", "reader"), [("sav", pyreadstat.read_sav), ("dta", pyreadstat.read_dta)]
)
def test_spss_and_stata_carry_labels_and_read_back(tmp_path, wide, suffix, reader):
    ins = load_instrument()
    path = write_table(wide, tmp_path / f"t.{suffix}")
    _, meta = reader(str(path))
    labels = meta.column_names_to_labels
    assert labels["INF_KEEPS_OTH"].startswith("The [other] team keeps us well informed")
    assert labels["department"] == "Which department do you work in?"
    values = meta.variable_value_labels["INF_TIMELY"]
    assert values[7] == "strongly agree" and values[-9] == "don't know / not applicable"
    assert meta.variable_value_labels["OBS_MAIN_3"][1] == "different metrics"
    pd.testing.assert_frame_equal(read_table(path, ins), wide, check_dtype=False)


def test_german_labels(tmp_path, wide):
    path = write_table(wide, tmp_path / "t.sav", instrument=load_instrument(), lang="de")
    _, meta = pyreadstat.read_sav(str(path))
    assert meta.variable_value_labels["INF_TIMELY"][7] == "stimme voll und ganz zu"


def test_excel_csv_has_bom_semicolons_decimal_commas_and_no_formulas(tmp_path, wide):
    path = write_table(wide, tmp_path / "t.csv", "csv-excel")
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    back = pd.read_csv(
        path, sep=";", decimal=",", encoding="utf-8-sig", dtype={"OUT_ONE_CHANGE": str}
    )
    assert back.loc[0, "OUT_ONE_CHANGE"] == '\'=HYPERLINK("http://x")'
    assert back.loc[1, "OUT_ONE_CHANGE"] == "'+49 mehr Budget"
    assert back["INF_TIMELY"].equals(wide["INF_TIMELY"].astype("float64"))
    assert b"\r\n" in raw
    with pytest.raises(ValueError, match="spreadsheets"):
        read_table(path, load_instrument(), "csv-excel")
