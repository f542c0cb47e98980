"""Every file of the import corpus (tests/fixtures/ingest/make_corpus.py): the exact table
or the exact error, the exit code, and rows in the file = rows accepted + rows quarantined."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from analysis.cli import app

CORPUS = Path(__file__).parent / "fixtures" / "ingest" / "corpus"
sys.path.insert(0, str(CORPUS.parent))
import make_corpus  # noqa: E402

BASE = {"respondent_id": ["r1", "r2", "r3"], "business_unit": ["Süd", "Süd", "Nord"],
        "OUT_GRADE": [2.0, 3.0, 1.0], "INF_TIMELY": [5.0, 6.0, 7.0],
        "LEA_FOLLOWUP_RATE": [40.0, 75.0, 90.0]}  # fmt: skip
WHOLE = ["generic_utf8.csv", "generic_bom.csv", "generic_utf16.csv", "generic_cp1252.csv", "generic_semicolon.csv", "generic_tab.tsv", "generic_lf.csv", "generic_cr_only.csv", "generic_quoted_all.csv", "generic_mixed_encoding.csv", "generic_trailing_empty_fields.csv", "generic_unnamed_empty_column.csv", "generic_percent_text.csv", "generic_decimal_comma.csv"]  # fmt: skip

# file: (exit code, rows read, accepted, quarantined, [(row, column, reason part)])
QUARANTINED = {
    "generic_blank_lines.csv": (2, 3, 2, 1, [(5, "OUT_GRADE", "code not one of")]),
    "generic_truncated_row.csv": (2, 3, 2, 1, [(4, "(row)", "the file ends inside this row")]),
    "generic_truncated_quote.csv": (2, 3, 2, 1, [(4, "(row)", "ends inside a quoted field")]),
    "generic_no_final_newline.csv": (2, 3, 2, 1, [(4, "(row)", "ends without a line break")]),
    "generic_extra_fields.csv": (2, 3, 2, 1, [(3, "(row)", "8 fields, the header has 7")]),
    "generic_long_cell.csv": (2, 3, 2, 1, [(3, "OUT_ONE_CHANGE", "text longer than")]),
    "generic_formula.csv": (2, 3, 2, 1, [(3, "OUT_GRADE", "unknown answer")]),
    "generic_text_in_number.csv": (2, 3, 2, 1, [(3, "INF_TIMELY", "unknown answer 'abc'")]),
    "generic_duplicate_id.csv": (2, 3, 1, 2, [(2, "respondent_id", "duplicate"),
                                              (4, "respondent_id", "duplicate")]),
    "generic_unknown_department.csv": (2, 3, 2, 1, [(3, "department", "unknown answer 'finance'"),
                                                    (3, "department", "missing value")]),
    "generic_out_of_range.csv": (2, 3, 2, 1, [(3, "OUT_GRADE", "code not one of")]),
    "multi_bad_codes.csv": (2, 3, 1, 2, [(2, "OBS_MAIN_2", "not a multiple-choice code"),
                                         (2, "OBS_MAIN_3", "2 in OBS_MAIN_3"),
                                         (3, "OBS_MAIN_2", "not a multiple-choice code")]),
    "limesurvey_truncated.csv": (2, 3, 2, 1, [(4, "(row)", "ends inside this row (9 of 10")]),
    "qualtrics_extra_question.csv": (2, 3, 2, 1, [(5, "(row)", "Qualtrics survey preview")]),
    "qualtrics_same_text.csv": (2, 3, 2, 1, [(5, "(row)", "Qualtrics survey preview")]),
    "qualtrics_tsv.tsv": (2, 3, 2, 1, [(5, "(row)", "Qualtrics survey preview")]),
    "qualtrics_truncated.csv": (2, 3, 1, 2, [(5, "(row)", "Qualtrics survey preview"),
                                             (6, "(row)", "the file ends inside this row"),
                                             (6, "business_unit", "missing value"),
                                             (6, "department", "missing value")]),
    "qualtrics_multi_recodes.csv": (2, 3, 1, 2, [(5, "(row)", "Qualtrics survey preview"),
                                                 (6, "OBS_MAIN", "unknown answer(s) in '12,1'")]),
    "msforms_gap_bad_cell.xlsx": (2, 2, 1, 1, [(4, "department", "unknown answer 'Finance'"),
                                               (4, "department", "missing value")]),
    "google_en.csv": (2, 2, 1, 1, [(3, "OUT_GRADE", "unknown answer 'very good'")]),
    "surveyjs_bad_duration.json": (2, 2, 1, 1, [(1, "duration_s", "not a number: 'slow'")]),
}  # fmt: skip

ERRORS = {
    "generic_nul_inside.csv": "binary content, not a text table",
    "google_mixed_date_orders.csv": "column Timestamp: dates written both day/month/year and",
    "generic_bad_byte.csv": "line 5: neither UTF-8 nor Windows-1252 text (byte 9)",
    "generic_binary.csv": "binary content, not a text table",
    "generic_empty.csv": "the file is empty",
    "generic_whitespace.csv": "the file is empty",
    "generic_header_only.csv": "a header row and no responses",
    "generic_unknown_headers.csv": "cannot tell which tool wrote this file",
    "mapped.csv": "cannot tell which tool wrote this file",
    "google_near_match.csv": "no column matched an item of the instrument",
    "msforms_broken_sheet.xlsx": "not a readable .xlsx workbook (ParseError",
    "msforms_broken_zip.xlsx": "not a readable .xlsx workbook (BadZipFile",
    "qualtrics_headers_only.csv": "Qualtrics export with no responses",
    "surveyjs_bad_line.jsonl": "line 2, column 105: not valid JSON",
    "surveyjs_broken.json": "line 11, column 25: not valid JSON",
    "surveyjs_not_objects.json": "expected SurveyJS results",
}

MAPPING_ERRORS = {
    "mapped_bad_yaml.mapping.yaml": "not valid YAML at line 2",
    "mapped_columns_list.mapping.yaml": "'columns' must be a dictionary, found a list",
    "mapped_list.mapping.yaml": "found a list at the top",
    "mapped_missing_header.mapping.yaml": "the mapping names header(s) the file lacks: "
    "['Info rechtzeitg'] ('Info rechtzeitg': did you mean 'Info rechtzeitig'?)",
    "mapped_unknown_target.mapping.yaml": "unknown target column(s) {'Note': 'NOT_AN_ITEM'}",
    "mapped_values_scalar.mapping.yaml": "values of 'OUT_GRADE' must be a dictionary",
}


@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> Path:
    """A fresh copy (quarantines go next to the input: never into the repository)."""
    where = tmp_path_factory.mktemp("corpus")
    for name, data in make_corpus.build().items():
        (where / name).write_bytes(data)
    return where


def _ingest(corpus: Path, name: str, *extra: str):
    out = corpus / "out" / (Path(name).stem + ".csv")
    result = CliRunner().invoke(app, ["ingest", str(corpus / name), "-o", str(out), *extra])
    report = out.with_name(out.stem + ".report.json")
    rep = json.loads(report.read_text("utf-8")) if result.exit_code in (0, 2) else None
    table = pd.read_csv(out, dtype={"respondent_id": str}) if rep else None
    return result, rep, table


def test_the_corpus_is_big_and_the_committed_copy_is_current():
    files = make_corpus.build()
    assert len(files) >= 60
    committed = {p.name: p.read_bytes() for p in CORPUS.iterdir()}
    assert committed.keys() == files.keys()  # regenerate with make_corpus.py
    # workbooks carry the time they were zipped; every text file is byte for byte the same
    assert {k: v for k, v in committed.items() if not k.endswith(".xlsx")} == {
        k: v for k, v in files.items() if not k.endswith(".xlsx")
    }


@pytest.mark.parametrize("name", WHOLE)
def test_whole_files_read_exactly(corpus, name):
    result, rep, table = _ingest(corpus, name)
    assert result.exit_code == 0, result.output
    assert (rep["rows_read"], rep["accepted"], rep["quarantined"]) == (3, 3, 0)
    pd.testing.assert_frame_equal(table[list(BASE)], pd.DataFrame(BASE), check_dtype=False)
    assert table["department"].tolist() == ["marketing", "sales", "sales"]
    assert table["OUT_ONE_CHANGE"].fillna("").tolist() == ["more meetings", "shared targets", ""]


def test_mixed_encoding_is_read_per_line_and_reported(corpus):
    _, rep, table = _ingest(corpus, "generic_mixed_encoding.csv")
    assert set(table["business_unit"]) == {"Süd", "Nord"}  # no "SÃ¼d" splitting a unit
    assert rep["encodings_found"] == {"utf-8": "all other lines", "cp1252": [3]}
    assert any("line(s) 3 are Windows-1252" in f for f in rep["findings"])


def test_how_the_file_was_read_is_reported(corpus):
    _, rep, _ = _ingest(corpus, "generic_cr_only.csv")
    assert rep["line_endings"] == "CR" and rep["separator"] == ","
    _, rep, _ = _ingest(corpus, "generic_semicolon.csv")
    assert (rep["encoding"], rep["separator"], rep["line_endings"]) == ("utf-8", ";", "CRLF")
    _, rep, _ = _ingest(corpus, "google_no_final_newline.csv")  # Google writes none
    assert "the file does not end with a line break" in rep["findings"]
    assert rep["quarantined"] == 0
    assert all(m["confidence"] == 1.0 and m["how"] == "text" for m in rep["matches"])
    _, rep, _ = _ingest(corpus, "generic_utf8.csv")
    assert all(m["confidence"] == 1.0 and m["how"] == "code" for m in rep["matches"])


@pytest.mark.parametrize("name", sorted(QUARANTINED))
def test_quarantined_rows_are_named_and_counted(corpus, name):
    code, read, accepted, quarantined, lines = QUARANTINED[name]
    result, rep, table = _ingest(corpus, name)
    assert result.exit_code == code, result.output
    assert (rep["rows_read"], rep["accepted"], rep["quarantined"]) == (read, accepted, quarantined)
    assert rep["rows_read"] == rep["accepted"] + rep["quarantined"] == len(table) + quarantined
    q = pd.read_csv(corpus / (Path(name).stem + ".quarantine.csv"), dtype=str)
    got = list(zip(q["row"].astype(int), q["column"], q["reason"], strict=True))
    assert len(got) == len(lines)
    for (row, col, reason), (want_row, want_col, want_reason) in zip(got, lines, strict=True):
        assert (row, col) == (want_row, want_col) and want_reason in reason


def test_quarantine_neutralises_formulas_and_never_holds_long_text(corpus):
    _ingest(corpus, "generic_formula.csv")
    q = pd.read_csv(corpus / "generic_formula.quarantine.csv", dtype=str)
    assert q["value"].tolist() == ['\'=HYPERLINK("http://x.example","3")']
    result, _, _ = _ingest(corpus, "generic_long_cell.csv")
    text = (corpus / "generic_long_cell.quarantine.csv").read_text("utf-8")
    assert "a" * 100 not in text and "(200000 chars)" in text
    assert "a" * 100 not in result.output  # nor in the message


@pytest.mark.parametrize("name", sorted(ERRORS))
def test_unusable_files_are_one_clear_error(corpus, name):
    result, rep, _ = _ingest(corpus, name)
    assert result.exit_code == 1 and rep is None
    message = str(result.exception)
    assert message.startswith(str(corpus / name)) and ERRORS[name] in message
    assert len(message) < 600


@pytest.mark.parametrize("name", sorted(MAPPING_ERRORS))
def test_mapping_files_of_the_wrong_shape_are_one_clear_error(corpus, name):
    result, _, _ = _ingest(corpus, "mapped.csv", "--mapping", str(corpus / name))
    assert result.exit_code == 1 and MAPPING_ERRORS[name] in str(result.exception)


def test_a_good_mapping_reads_the_table_and_says_how(corpus):
    mapping = str(corpus / "mapped_ok.mapping.yaml")
    result, rep, table = _ingest(corpus, "mapped.csv", "--mapping", mapping)
    assert result.exit_code == 0
    assert table["OUT_GRADE"].tolist() == [2.0, 3.0, 1.0]
    assert {m["how"] for m in rep["matches"]} == {"mapping"}


def test_unnamed_column_with_data_is_reported(corpus):
    result, rep, _ = _ingest(corpus, "generic_unnamed_column.csv")
    assert result.exit_code == 0
    assert rep["columns_ignored"] == [
        {"position": 8, "header": "", "reason": "no header; 3 row(s) hold data in column 8, "
         "not imported: give the column a header and map it"}
    ]  # fmt: skip
    assert any("no header; 3 row(s)" in f for f in rep["findings"])
    assert "no header; 3 row(s)" in result.output  # the summary on stderr
    _, rep, _ = _ingest(corpus, "generic_unnamed_empty_column.csv")
    assert rep["columns_ignored"] == []  # an empty trailing column loses nothing


def test_spss_multiple_choice_codes(corpus):
    _, rep, table = _ingest(corpus, "multi_spss_12.csv")
    assert table[["OBS_MAIN_1", "OBS_MAIN_2", "OBS_MAIN_3"]].to_numpy().tolist() == [
        [1.0, 0.0, 0.0],
        [0.0, 1.0, 1.0],
    ]
    assert "OBS_MAIN_2: coded 1/2 (SPSS style); read 2 as not ticked" in rep["notes"]
    _, _, table = _ingest(corpus, "multi_01.csv")
    assert table[["OBS_MAIN_1", "OBS_MAIN_2", "OBS_MAIN_3"]].to_numpy().tolist() == [
        [1.0, 0.0, 0.0],
        [0.0, 1.0, 1.0],
    ]
    _, _, table = _ingest(corpus, "multi_yes_no.csv")
    assert table[["OBS_MAIN_1", "OBS_MAIN_2", "OBS_MAIN_3"]].to_numpy().tolist() == [[1, 0, 0]]
    _, _, table = _ingest(corpus, "multi_bad_codes.csv")
    assert table["respondent_id"].tolist() == ["r3"]  # -9, 0.5 and a stray 2 tick nothing


def test_excel_percent_cells_are_read_as_shown(corpus):
    _, rep, table = _ingest(corpus, "msforms_percent.xlsx")
    assert table["LEA_FOLLOWUP_RATE"].tolist() == [36.0, 50.0]
    assert any("percent-formatted" in f for f in rep["findings"])


def test_german_dates_are_day_first(corpus):
    _, _, table = _ingest(corpus, "surveyjs_array.json")
    assert table["submitted_at"].tolist()[:2] == ["2026-04-03T10:05:00Z", "2026-04-03T11:05:00Z"]
    _, _, table = _ingest(corpus, "google_german_dates.csv")
    assert table["submitted_at"].tolist() == ["2026-04-03T10:05:00Z"]


@pytest.mark.parametrize(
    "name",
    [
        "surveyjs_array.json",
        "surveyjs_lines.jsonl",
        "surveyjs_keyed.json",
        "surveyjs_wrapped.json",
    ],
)
def test_surveyjs_shapes_give_three_respondents(corpus, name):
    result, _, table = _ingest(corpus, name)
    assert result.exit_code == 0
    assert table["respondent_id"].tolist() == ["s1", "s2", "s3"]  # keyed: three, not one merged
    assert table["OUT_GRADE"].tolist() == [2.0, 3.0, 1.0]
    assert table["department"].tolist() == ["marketing", "sales", "sales"]


def test_surveyjs_single_object_is_one_respondent(corpus):
    _, rep, table = _ingest(corpus, "surveyjs_single.json")
    assert table["respondent_id"].tolist() == ["s1"] and rep["rows_read"] == 1


def test_qualtrics_extra_questions_are_never_mapped_silently(corpus):
    _, rep, table = _ingest(corpus, "qualtrics_extra_question.csv")
    assert table["OUT_GRADE"].tolist() == [2.0, 1.0]  # from OUT_GRADE, not from Q99's 4
    q99 = next(c for c in rep["columns_ignored"] if c["position"] == 13)
    assert q99["closest"] == "OUT_GRADE" and q99["reason"].startswith("resembles OUT_GRADE")
    # Instrument 2.0's longer grade text puts one swapped word ("product" for "marketing")
    # above the similarity bar, so it is the word check that must refuse it: no silent map.
    assert q99["similarity"] < 1 and "other words" in q99["reason"]
    assert all(m["position"] != 13 for m in rep["matches"])
    _, rep, table = _ingest(corpus, "qualtrics_same_text.csv")
    assert table["OUT_GRADE"].tolist() == [2.0, 1.0]
    q99 = next(c for c in rep["columns_ignored"] if c["position"] == 13)
    assert "another column holds by its code" in q99["reason"]


def test_limesurvey_codes_partial_and_multiple_choice(corpus):
    for name in ("limesurvey_codes.csv", "limesurvey_comma.csv", "limesurvey_cp1252.csv"):
        result, rep, table = _ingest(corpus, name)
        assert result.exit_code == 0 and rep["partial"] == 1
        assert table["OUT_GRADE"].tolist() == [2.0, 3.0, 1.0]
        assert table["business_unit"].tolist() == ["Süd", "Süd", "Nord"]
        assert table["OBS_MAIN_1"].tolist() == [1.0, 0.0, 1.0]
        assert table["status"].tolist() == ["complete", "partial", "complete"]


def test_a_misspelt_header_is_matched_with_its_confidence_a_reworded_one_is_not(corpus):
    result, rep, table = _ingest(corpus, "google_typo.csv")
    assert result.exit_code == 0 and table["OUT_GRADE"].tolist() == [2.0]
    grade = next(m for m in rep["matches"] if m["column"] == "OUT_GRADE")
    assert grade["how"] == "similar text" and 0.95 <= grade["confidence"] < 1
    assert "-> OUT_GRADE (similar text, confidence" in result.output  # "check it" on stderr
    result, _, _ = _ingest(corpus, "google_near_match.csv")  # "marketing and product"
    assert result.exit_code == 1
    assert "resembles OUT_GRADE" in str(result.exception)


def test_slash_dates_follow_the_order_the_column_shows(corpus):
    _, _, table = _ingest(corpus, "google_uk_dates.csv")
    assert table["submitted_at"].tolist() == ["2026-04-03T10:05:00Z", "2026-04-25T10:05:00Z"]


def test_qualtrics_joined_recodes_tick_their_options(corpus):
    _, _, table = _ingest(corpus, "qualtrics_multi_recodes.csv")
    row = table.set_index("respondent_id").loc["R_1"]
    assert [row[f"OBS_MAIN_{i}"] for i in range(1, 5)] == [1.0, 0.0, 1.0, 0.0]
