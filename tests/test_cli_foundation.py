"""The foundation commands: validate, codebook, synth, demo; errors are one clean line."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
import yaml
from cli_helpers import run_cli
from typer.testing import CliRunner

from analysis.cli import app
from survey.instrument import default_instrument_path

runner = CliRunner()
EXAMPLE = Path(__file__).parents[1] / "data" / "example" / "responses.csv"


def test_validate_default_and_broken(tmp_path):
    result = runner.invoke(app, ["instrument", "validate"])
    assert result.exit_code == 0, result.output
    assert "82 items" in result.output
    raw = yaml.safe_load(default_instrument_path().read_text(encoding="utf-8"))
    raw["items"][1]["code"] = raw["items"][0]["code"]
    bad = tmp_path / "bad.yaml"
    bad.write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    proc = subprocess.run(
        [
            sys.executable,
            "-c",
            "from analysis.cli import run; run()",
            "instrument",
            "validate",
            str(bad),
        ],
        capture_output=True,
        text=True,
    )
    assert proc.returncode == 1
    assert proc.stderr.startswith(f"Error: {bad}: item INF_MEET_FREQ: duplicate code")
    assert "Traceback" not in proc.stderr


def test_codebook_and_synth(tmp_path):
    result = runner.invoke(
        app, ["codebook", "--lang", "de", "--format", "csv", "-o", str(tmp_path / "c.csv")]
    )
    assert result.exit_code == 0, result.output
    assert len(pd.read_csv(tmp_path / "c.csv")) == 82
    out = tmp_path / "d.parquet"
    result = runner.invoke(
        app,
        [
            "synth",
            "--units",
            "3",
            "--per-department",
            "5",
            "--seed",
            "2",
            "--scenario",
            "clean",
            "-o",
            str(out),
        ],
    )
    assert result.exit_code == 0, result.output
    assert len(pd.read_parquet(out)) == 30 and (tmp_path / "d.truth.json").exists()


def test_demo_without_notebooks(tmp_path):
    result = runner.invoke(
        app,
        ["demo", "-o", str(tmp_path), "--units", "5", "--per-department", "8", "--no-notebooks"],
    )
    assert result.exit_code == 0, result.output
    for name in (
        "brief_de.pdf",
        "brief_en.pdf",
        "brief_de.html",
        "tables/tables.xlsx",
        "tables/gaps.csv",
        "data/responses.csv",
        "data/responses.truth.json",
    ):
        assert (tmp_path / name).exists(), name
        assert str(tmp_path / name) in result.output


@pytest.mark.slow
def test_full_demo_lists_every_file_it_wrote(tmp_path):
    proc = subprocess.run(
        [sys.executable, "-c", "from analysis.cli import run; run()", "demo", "-o", str(tmp_path)],
        capture_output=True,
        text=True,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    listed = [line.strip() for line in proc.stdout.splitlines() if line.startswith("  /")]
    assert len(listed) >= 20 and all(Path(p).exists() for p in listed)
    assert {Path(p).name for p in listed} >= {
        "brief_de.pdf",
        "brief_en.pdf",
        "tables.xlsx",
        "5.0-brief-figures.html",
    }


def test_run_and_brief_report_bad_input_cleanly(tmp_path):
    missing = tmp_path / "nope.csv"
    for args in (["run", "--data", str(missing)], ["brief", "--data", str(missing)]):
        proc = subprocess.run(
            [sys.executable, "-c", "from analysis.cli import run; run()", *args],
            capture_output=True,
            text=True,
        )
        assert proc.returncode == 1
        assert proc.stderr.strip() == f"Error: {missing}: no such file"
    bad = tmp_path / "bad.csv"
    bad.write_text("respondent_id,department\nr1,sales\n", encoding="utf-8")
    proc = subprocess.run(
        [sys.executable, "-c", "from analysis.cli import run; run()", "brief", "--data", str(bad)],
        capture_output=True,
        text=True,
    )
    assert proc.returncode == 1 and "bad.csv: response table lacks metadata" in proc.stderr
    assert "Traceback" not in proc.stderr


def test_help_does_not_import_heavy_libraries():
    code = (
        "import sys\n"
        "from analysis.cli import app\n"
        "try:\n    app(['--help'], prog_name='alignmeter')\nexcept SystemExit:\n    pass\n"
        "heavy = ('pandas', 'scipy', 'matplotlib', 'numpy', 'pydantic', 'rich')\n"
        "print('LOADED', sorted(m for m in heavy if m in sys.modules))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert "Usage: alignmeter" in out.stdout
    assert out.stdout.strip().endswith("LOADED []")


def test_synth_help_describes_every_scenario():
    from survey.synthetic import SCENARIOS

    result = CliRunner().invoke(app, ["synth", "--help"])
    text = " ".join(result.output.split())
    for name, scenario in SCENARIOS.items():
        assert f"{name} {scenario.description}" in text


def test_a_table_with_unreadable_cells_is_analysed_without_them(tmp_path):
    """Unreadable cells put their rows in quarantine, numbered as lines of the file (a
    quoted comment may span lines); the rest is analysed and the exit code is 2."""
    source = pd.read_csv(EXAMPLE)
    source["OUT_ONE_CHANGE"] = source["OUT_ONE_CHANGE"].astype(object)
    source.loc[0, "OUT_ONE_CHANGE"] = "first line\nsecond line"
    source["duration_s"] = source["duration_s"].astype(object)
    source.loc[3, "duration_s"] = "fast"
    source["submitted_at"] = source["submitted_at"].astype(object)
    source.loc[5, "submitted_at"] = "yesterday"
    data = tmp_path / "bad.csv"
    source.to_csv(data, index=False)
    out = tmp_path / "brief"
    result = run_cli("brief", "--data", str(data), "-o", str(out))
    assert result.returncode == 2, result.stderr
    assert (
        "2 rows failed validation" in result.stderr and "row 6, column duration_s" in result.stderr
    )
    assert not (out / "quarantine.csv").exists()  # never in the brief folder
    quarantine = pd.read_csv(tmp_path / "bad.quarantine.csv")
    assert quarantine[["row", "column", "value"]].to_numpy().tolist() == [
        [6, "duration_s", "fast"],
        [8, "submitted_at", "yesterday"],
    ]
    assert (out / "brief_en.pdf").exists()


def test_a_table_without_one_valid_row_is_an_error_with_its_quarantine(tmp_path):
    source = pd.read_csv(EXAMPLE).head(4)
    source["department"] = "finance"
    data = tmp_path / "bad.csv"
    source.to_csv(data, index=False)
    result = run_cli("run", "--data", str(data), "-o", str(tmp_path / "out"))
    assert result.returncode == 1 and "all 4 rows failed validation" in result.stderr
    assert len(pd.read_csv(tmp_path / "bad.quarantine.csv")) == 4


def test_notebooks_on_an_unreadable_table_fail_with_one_line(tmp_path):
    source = pd.read_csv(EXAMPLE).head(20)
    source["INF_TIMELY"] = source["INF_TIMELY"].astype(object)
    source.loc[2, "INF_TIMELY"] = "abc"
    data = tmp_path / "bad.csv"
    source.to_csv(data, index=False)
    result = run_cli("notebooks", "run", "--data", str(data), "-o", str(tmp_path / "nb"))
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert "bad.csv: line 4, column 'INF_TIMELY': 'abc' is not a number" in result.stderr
