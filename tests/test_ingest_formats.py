"""Importing the vendor fixtures: formats, encodings, separators, dates, labels, errors."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from survey import load_instrument
from survey.importers import IngestError, ingest
from survey.importers.matching import normalise
from survey.importers.readers import parse_datetime, parse_number

FIXTURES = Path(__file__).parent / "fixtures" / "vendors"


@pytest.fixture(scope="module")
def instrument():
    return load_instrument()


def _row(result, rid):
    return result.table.set_index("respondent_id").loc[rid]


def test_google_forms_german_labels_grids_and_checkboxes(instrument):
    result = ingest(FIXTURES / "google_de.csv", instrument)
    assert result.report["format"] == "google"
    assert result.quarantine.empty
    first = _row(result, "row2")
    assert first["department"] == "marketing"
    assert first["role"] == "manager"  # label with commas inside
    assert first["language"] == "de"
    assert first["submitted_at"] == pd.Timestamp("2026-11-22 09:14:03", tz="UTC")
    assert first["INF_TIMELY"] == 5  # "stimme eher zu", in the section for marketing
    chosen = [first[f"OBS_MAIN_{k}"] for k in range(1, 10)]
    assert chosen == [1, 0, 0, 1, 0, 0, 0, 0, 0]  # "Kommunikation, unterschiedliche Ziele"
    second = _row(result, "row3")
    assert second["INF_TIMELY"] == -9  # don't know, in the section for sales
    assert second["POW_PRICING_marketing"] == 30.5  # decimal comma
    assert np.isnan(_row(result, "row4")["OBS_MAIN_1"])  # nothing ticked: unanswered


def test_qualtrics_german_choice_text_preview_and_unfinished(instrument):
    result = ingest(FIXTURES / "qualtrics_de_text.csv", instrument)
    assert result.report["format"] == "qualtrics"
    assert list(result.table["respondent_id"]) == ["R_1a2b3c", "R_4d5e6f"]
    q = result.quarantine
    assert q[["row", "respondent_id", "reason"]].to_numpy().tolist() == [
        [5, "R_preview1", "Qualtrics survey preview"]
    ]
    first = _row(result, "R_1a2b3c")
    assert (first["INF_TIMELY"], first["INF_KEEPS_OTH"], first["OUT_GRADE"]) == (5, 6, 2)
    assert (first["OBS_MAIN_1"], first["OBS_MAIN_4"], first["OBS_MAIN_7"]) == (1, 0, 1)
    assert first["duration_s"] == 612 and first["language"] == "de"
    assert _row(result, "R_4d5e6f")["status"] == "partial"
    assert result.report["partial"] == 1


def test_qualtrics_numeric_tsv_in_utf16(instrument):
    result = ingest(FIXTURES / "qualtrics_en_numeric.tsv", instrument)
    assert "utf-16" in result.report["notes"][-1]
    row = _row(result, "R_en1")
    assert row["department"] == "sales" and row["role"] == "staff"
    assert row["INF_TIMELY"] == -9  # the choice after the last option is "don't know"
    assert (row["POW_PRICING_marketing"], row["POW_PRICING_sales"]) == (20, 80)


def test_qualtrics_legacy_two_header_rows_with_bom(instrument):
    result = ingest(FIXTURES / "qualtrics_legacy.csv", instrument)
    row = _row(result, "R_old1")
    assert (row["department"], row["business_unit"], row["OUT_GRADE"]) == ("marketing", "East", 3)


def test_limesurvey_codes_semicolon_partial_duplicate_token_and_bad_code(instrument):
    result = ingest(FIXTURES / "limesurvey_codes_semicolon.csv", instrument)
    r = result.report
    assert (r["format"], r["rows_read"], r["accepted"], r["quarantined"]) == ("limesurvey", 3, 1, 2)
    assert r["partial"] == 1 and r["duplicate"] == 1
    kept = _row(result, "tok02")
    assert kept["status"] == "partial" and kept["role"] == "manager" and kept["INF_TIMELY"] == 2
    reasons = set(zip(result.quarantine["row"], result.quarantine["reason"], strict=True))
    assert (2, "duplicate respondent_id") in reasons and (4, "duplicate respondent_id") in reasons
    assert (4, "code not one of 1, 2, 3, 4, 5, 6, 7, -9") in reasons


@pytest.mark.xfail(
    strict=True,
    reason="known: fixture predates the page-grouped LimeSurvey export (issue 21 follow-up)",
)
def test_limesurvey_full_answers_cp1252_underscore_codes(instrument):
    result = ingest(FIXTURES / "limesurvey_long_comma_cp1252.csv", instrument)
    assert "cp1252" in result.report["notes"][-1]
    assert result.table["INF_TIMELY"].tolist() == [1, 4]
    assert result.table["INF_CHANNEL"].tolist() == [3, 1]
    assert result.table["OUT_GRADE"].tolist() == [3, 1]
    assert result.table["department"].tolist() == ["sales", "marketing"]
    assert result.table["submitted_at"].isna().all()  # anonymised 1980-01-01 is no date


@pytest.mark.parametrize("name", ["surveyjs_results.json", "surveyjs_results.jsonl"])
def test_surveyjs_results(instrument, name):
    result = ingest(FIXTURES / name, instrument)
    row = _row(result, "sj1")
    assert (row["INF_TIMELY"], row["INF_USEFUL"], row["POW_PRICING_sales"]) == (3, -9, 75)
    assert [row[f"OBS_MAIN_{k}"] for k in (1, 2, 9)] == [0, 1, 1]
    assert row["OUT_ONE_CHANGE"] == "A shared lead definition"
    assert _row(result, "sj2")["language"] == "de"


def test_generic_table_with_mapping_serial_dates_and_labels(instrument):
    result = ingest(
        FIXTURES / "generic_de.tsv", instrument, mapping=FIXTURES / "generic_de.mapping.yaml"
    )
    assert result.report["format"] == "csv" and result.quarantine.empty
    t = result.table
    assert t["submitted_at"].tolist() == [
        pd.Timestamp("2026-11-20 12:00", tz="UTC"),
        pd.Timestamp("2026-11-21 00:00", tz="UTC"),
        pd.Timestamp("2026-11-21 06:00", tz="UTC"),
    ]
    assert t["INF_TIMELY"].tolist() == [6, 7, 7]  # label, code, user's own label
    assert t["POW_PRICING_marketing"].tolist() == [40, 35, 50]
    assert (t["language"] == "de").all()


def test_our_own_csv_reads_back_by_code(tmp_path, instrument):
    from survey.synthetic import generate
    from survey.tables import write_table

    wide = generate(units=1, per_department=3, seed=3, scenario="clean").responses
    result = ingest(write_table(wide, tmp_path / "t.csv"), instrument)
    assert result.report["format"] == "csv"
    pd.testing.assert_frame_equal(result.table, wide, check_dtype=False)


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("malformed_empty.csv", "the file is empty"),
        ("malformed_unknown.csv", "cannot tell which tool wrote this file. Saw 3 columns"),
        ("malformed_ambiguous.csv", "'Einfluss [Marketing]' could be POW_COMMUNICATION_marketing"),
        ("malformed_bad_line.jsonl", "line 2, column"),
        ("malformed_broken.xlsx", "not a readable .xlsx workbook"),
        ("does_not_exist.csv", "no such file"),
    ],
)
def test_malformed_files_give_clear_errors(instrument, name, message):
    with pytest.raises(IngestError, match="^" + str(FIXTURES / name).replace(".", r"\.")) as err:
        ingest(FIXTURES / name, instrument)
    assert message in str(err.value)


def test_ambiguity_is_resolved_by_a_mapping_file(tmp_path, instrument):
    mapping = tmp_path / "m.yaml"
    mapping.write_text(
        "columns:\n  Einfluss [Marketing]: POW_PRICING_marketing\n"
        "  Einfluss [Vertrieb]: POW_PRICING_sales\n",
        encoding="utf-8",
    )
    result = ingest(FIXTURES / "malformed_ambiguous.csv", instrument, mapping=mapping)
    assert result.table[["POW_PRICING_marketing", "POW_PRICING_sales"]].to_numpy().tolist() == [
        [30, 70]
    ]


def test_unknown_label_is_quarantined_not_guessed(tmp_path, instrument):
    text = (FIXTURES / "google_de.csv").read_text(encoding="utf-8")
    path = tmp_path / "g.csv"
    path.write_text(text.replace("stimme eher zu", "stimme irgendwie zu"), encoding="utf-8")
    result = ingest(path, instrument)
    assert result.quarantine[["row", "column", "value"]].to_numpy().tolist() == [
        [2, "INF_TIMELY", "stimme irgendwie zu"]
    ]
    assert "row2" not in set(result.table["respondent_id"])
    assert result.report["quarantined"] == 1 and result.report["accepted"] == 2


def test_cli_writes_table_quarantine_and_report(tmp_path):
    out = tmp_path / "out" / "t.csv"
    source = tmp_path / "in" / "lime.csv"
    source.parent.mkdir()
    shutil.copy(FIXTURES / "limesurvey_codes_semicolon.csv", source)
    run = subprocess.run(
        [sys.executable, "-c", "from analysis.cli import run; run()", "ingest", str(source), "-o", str(out)],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert run.returncode == 2, run.stderr  # done, but rows were left out
    assert "read 3, accepted 1, quarantined 2, partial 1, duplicate 1" in run.stderr
    assert "2 row(s) failed and were left out" in run.stderr and "(first: row " in run.stderr
    # next to the input, never in the output folder; readable by its owner only
    assert not (tmp_path / "out" / "t.quarantine.csv").exists()
    quarantine = pd.read_csv(tmp_path / "in" / "lime.quarantine.csv")
    assert (tmp_path / "in" / "lime.quarantine.csv").stat().st_mode & 0o777 == 0o600
    assert list(quarantine.columns) == ["row", "respondent_id", "column", "value", "reason"]
    assert (tmp_path / "out" / "t.report.json").exists()


def test_cli_unreadable_input_exits_non_zero_without_traceback(tmp_path):
    run = subprocess.run(
        [sys.executable, "-c", "from analysis.cli import run; run()", "ingest", str(FIXTURES / "malformed_unknown.csv"), "-o", str(tmp_path / "t.csv")],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert run.returncode == 1
    assert run.stderr.startswith("Error: ") and "Traceback" not in run.stderr


def test_readers_numbers_dates_and_text():
    assert parse_number("1.234,5") == 1234.5 and parse_number("-9") == -9
    assert parse_datetime("11/22/2026 1:40:55 PM") == pd.Timestamp("2026-11-22 13:40:55", tz="UTC")
    assert parse_datetime("2026-11-22T13:40:55+01:00") == pd.Timestamp(
        "2026-11-22 12:40:55", tz="UTC"
    )
    with pytest.raises(ValueError, match="not a date"):
        parse_datetime("soon")
    assert normalise("Question  -  Statement?!") == "question statement"


def test_microsoft_forms_xlsx_out_of_order_with_trailing_semicolons(instrument):
    result = ingest(FIXTURES / "msforms_de.xlsx", instrument)
    assert result.report["format"] == "msforms" and result.quarantine.empty
    first = _row(result, "1")
    assert (first["department"], first["business_unit"], first["OUT_GRADE"]) == ("sales", "Ost", 3)
    assert first["INF_TIMELY"] == 3 and first["duration_s"] == 690
    assert [first[f"OBS_MAIN_{k}"] for k in (5, 9, 1)] == [1, 1, 0]
    second = _row(result, "2")
    assert second["INF_TIMELY"] == -9 and second["OBS_MAIN_6"] == 1 and second["language"] == "de"


def test_limesurvey_heading_forms():
    from survey.importers.limesurvey import heading_code

    assert heading_code("B04_INFTIMELY") == "B04[INFTIMELY]"
    assert heading_code("B04[INFTIMELY]. Informationen aus dem Bereich ...") == "B04[INFTIMELY]"
    assert heading_code("INFCHANNEL") == "INFCHANNEL"


def test_binary_file_is_named_not_parsed(instrument):
    with pytest.raises(IngestError, match="binary content, not a text table"):
        ingest(FIXTURES / "malformed_binary.csv", instrument)
