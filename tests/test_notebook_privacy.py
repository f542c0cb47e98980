"""No respondent-level data in a notebook output folder: quality flags and the quarantine
leave it only as counts."""

from __future__ import annotations

import uuid

import pandas as pd
import pytest
from typer.testing import CliRunner

from analysis.cli import app
from survey.synthetic import generate
from survey.tables import write_table

runner = CliRunner()
SECRET_TEXT = "Frau Beispiel-Xyzzy aus dem Vertrieb"


@pytest.mark.slow
def test_notebook_output_holds_counts_only(tmp_path):
    table = generate(units=6, per_department=10, seed=5, scenario="messy").responses
    table["respondent_id"] = [f"id-{uuid.uuid4().hex}" for _ in range(len(table))]
    table["OUT_ONE_CHANGE"] = table["OUT_ONE_CHANGE"].astype(object)
    table.loc[3, "OUT_ONE_CHANGE"] = SECRET_TEXT
    table.loc[7, "OUT_GRADE"] = 9  # out of range: quarantined
    data = write_table(table, tmp_path / "messy.csv")
    out = tmp_path / "nb"
    result = runner.invoke(app, ["notebooks", "run", "--data", str(data), "-o", str(out)])
    assert result.exit_code == 0, (result.output, result.exception)
    files = [p for p in out.rglob("*") if p.is_file()]
    assert files
    ids = set(table["respondent_id"])
    for path in files:
        text = path.read_bytes().decode("utf-8", errors="replace")
        leaked = [i for i in ids if i in text]
        assert not leaked, (path, leaked[:3])
        assert SECRET_TEXT not in text, path
    names = {p.name for p in files}
    assert "quality_flags.csv" not in names and "quarantine.csv" not in names
    counts = pd.read_csv(next(p for p in files if p.name == "quality_flag_counts.csv"))
    assert counts["flag"].tolist() == ["speeder", "straight_liner", "partial", "duplicate"]
    for value in counts["respondents"].astype(str):
        assert value == "<5" or value == "0" or int(value) >= 5
    summary = pd.read_csv(next(p for p in files if p.name == "quarantine_summary.csv"))
    assert set(summary.columns) == {"column", "reason", "rows"}
