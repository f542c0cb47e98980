"""Tables in and out: owner-only files, quarantines fit to open in Excel, and read errors
that name the file, line and column."""

from __future__ import annotations

import pandas as pd
import pytest

from survey import load_instrument
from survey.errors import UserError
from survey.responses import empty_wide
from survey.tables import quarantine_path, read_table, write_quarantine, write_table


@pytest.fixture(scope="module")
def ins():
    return load_instrument()


def _table(ins, n=2):
    wide = empty_wide(ins, n)
    wide["respondent_id"] = [f"r{i}" for i in range(n)]
    wide["department"] = "sales"
    wide["business_unit"] = "north"
    wide["language"] = "en"
    wide["status"] = "complete"
    return wide


@pytest.mark.parametrize("suffix", ["csv", "parquet", "sav", "dta"])
def test_tables_are_created_owner_only(ins, tmp_path, suffix):
    path = write_table(_table(ins), tmp_path / f"t.{suffix}", instrument=ins)
    assert path.stat().st_mode & 0o777 == 0o600


def test_quarantine_next_to_the_input_neutralised_and_short(tmp_path):
    assert quarantine_path(tmp_path / "in" / "answers.csv") == tmp_path / "in" / (
        "answers.quarantine.csv"
    )
    q = pd.DataFrame(
        {
            "row": [2, 3, 4],
            "respondent_id": ["@r1", "r2", "r3"],
            "column": ["OUT_ONE_CHANGE", "OUT_GRADE", "OUT_ONE_CHANGE"],
            "value": ["+SUM(A1:A9)", "-9", "lang " * 3000],
            "reason": ["x", "y", "text longer than 5000"],
        }
    )
    path = write_quarantine(q, tmp_path / "q.csv")
    back = pd.read_csv(path, dtype=str)
    assert back["respondent_id"].tolist() == ["'@r1", "r2", "r3"]
    assert back["value"].tolist()[:2] == ["'+SUM(A1:A9)", "'-9"]
    assert len(back["value"][2]) <= 80 and back["value"][2].endswith("(15000 chars)")
    assert path.stat().st_mode & 0o777 == 0o600
    write_quarantine(q.head(1), path)  # rewritten, not appended
    assert len(pd.read_csv(path)) == 1


def test_read_errors_name_file_line_and_column(ins, tmp_path):
    good = write_table(_table(ins, 3), tmp_path / "t.csv")
    text = good.read_text("utf-8").splitlines()
    cols = text[0].split(",")
    cells = text[2].split(",")
    cells[cols.index("INF_TIMELY")] = "abc"
    bad = tmp_path / "bad.csv"
    bad.write_text("\n".join([text[0], text[1], "", ",".join(cells), text[3]]) + "\n")
    with pytest.raises(UserError, match=r"bad\.csv: line 4, column 'INF_TIMELY': 'abc' is not a"):
        read_table(bad, ins)
    ragged = tmp_path / "ragged.csv"
    ragged.write_text(text[0] + "\n" + text[1] + ",1,2\n")
    with pytest.raises(
        UserError, match=r"ragged\.csv: not a readable CSV table \(the first data row has more"
    ):
        read_table(ragged, ins)
    with pytest.raises(UserError, match="is a folder"):
        read_table(tmp_path, ins)
    latin = tmp_path / "latin.csv"
    latin.write_bytes(good.read_bytes().replace(b"north", b"S\xfcd"))
    with pytest.raises(UserError, match=r"latin\.csv: not UTF-8 text"):
        read_table(latin, ins)
    broken = tmp_path / "t.parquet"
    broken.write_bytes(b"PAR1 not really")
    with pytest.raises(UserError, match=r"t\.parquet: not a readable parquet table"):
        read_table(broken, ins)
