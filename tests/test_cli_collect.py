"""init -> invite -> answers through the web app -> status -> export -> run / brief."""

from __future__ import annotations

import csv
import re

import pandas as pd
import pytest
from cli_helpers import run_cli
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from analysis.cli import app
from survey.project import load_project
from survey.store import Store
from survey.web.app import create_app
from survey.web.simulated import walk

runner = CliRunner()


@pytest.fixture(scope="module")
def collected(tmp_path_factory, instrument):
    """A project whose survey six sales and six marketing people in 'north' and two
    marketing people in 'south' (a cell below the threshold) have answered."""
    folder = tmp_path_factory.mktemp("cli") / "acme"
    result = runner.invoke(
        app,
        ["init", str(folder), "--company", "ACME AG", "--unit", "north=Nord", "--unit", "south"],
    )
    assert result.exit_code == 0, result.output
    key = re.search(r"admin key .*: (\S+)", result.output).group(1)
    links = folder / "links.csv"
    result = runner.invoke(
        app,
        [
            "invite",
            "--project",
            str(folder),
            "--department",
            "sales",
            "--unit",
            "north",
            "--count",
            "6",
            "-o",
            str(links),
            "--base-url",
            "https://survey.example",
        ],
    )
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(links.open()))
    assert len(rows) == 6 and all(r["link"].startswith("https://survey.example/t/") for r in rows)
    project = load_project(folder)
    store = Store(project.sqlite_url, project.id)
    client = lambda: TestClient(create_app(project, store, instrument), follow_redirects=False)  # noqa: E731
    for i, row in enumerate(rows):
        path = row["link"].removeprefix("https://survey.example")
        assert walk(client(), instrument, path, seed=i, department="sales").finished
    for i in range(6):
        assert walk(client(), instrument, "/s/north/marketing", seed=10 + i).finished
    for i in range(2):
        assert walk(client(), instrument, "/s/south/marketing", seed=20 + i).finished
    store.dispose()
    return folder, key


def test_init_stores_the_key_hashed(collected):
    folder, key = collected
    text = (folder / "project.yaml").read_text()
    assert key not in text and "scrypt$" in text
    again = runner.invoke(app, ["init", str(folder), "--company", "X", "--unit", "a"])
    assert again.exit_code != 0


def test_status_needs_the_key_and_masks_small_cells(collected):
    folder, key = collected
    denied = run_cli("status", "--project", str(folder))
    assert (
        denied.returncode == 1 and "admin key" in denied.stderr and "Traceback" not in denied.stderr
    )
    wrong = run_cli("status", "--project", str(folder), "--admin-key", "nope")
    assert wrong.returncode == 1 and "not correct" in wrong.stderr
    shown = run_cli("status", "--project", str(folder), "--admin-key", key)
    assert shown.returncode == 0, shown.stderr
    lines = {
        line.split()[1] + " " + line.split()[3]: line
        for line in shown.stdout.splitlines()
        if line.count("│") > 3
    }
    north_sales = next(
        line for line in shown.stdout.splitlines() if "sales" in line and "north" in line
    )
    assert "6" in north_sales and "100%" in north_sales
    south = next(line for line in shown.stdout.splitlines() if "south" in line)
    assert "<5" in south and " 2 " not in south
    assert lines


def test_export_from_the_database(collected, tmp_path, instrument):
    folder, key = collected
    out = tmp_path / "answers.csv"
    result = run_cli("export", "--project", str(folder), "--admin-key", key, "-o", str(out))
    assert result.returncode == 0, result.stderr
    table = pd.read_csv(out)
    assert len(table) == 14
    assert table.groupby(["department", "business_unit"]).size().to_dict() == {
        ("marketing", "north"): 6,
        ("marketing", "south"): 2,
        ("sales", "north"): 6,
    }
    parquet = tmp_path / "answers.parquet"
    db = f"sqlite:///{folder / 'responses.db'}"
    assert run_cli("export", "--db", db, "-o", str(parquet)).returncode == 0
    assert len(pd.read_parquet(parquet)) == 14
    both = run_cli("export", "--data", str(out), "--project", str(folder), "-o", str(parquet))
    assert both.returncode == 1 and "either --data" in both.stderr


@pytest.mark.slow
def test_run_and_brief_from_the_survey_database(collected, tmp_path):
    folder, key = collected
    out = tmp_path / "run"
    result = run_cli("--quiet", "run", "--project", str(folder), "--admin-key", key, "-o", str(out))
    assert result.returncode == 0, result.stderr
    assert (out / "data" / "responses.csv").exists()
    html = (
        (out / "brief_en.html").read_text()
        if (out / "brief_en.html").exists()
        else next(out.rglob("brief_en.html")).read_text()
    )
    assert "ACME AG" in html  # the company comes from project.yaml
    # 2 respondents: named once, as suppressed, and shown nowhere else
    assert html.count("south") == 1 and "south (too few responses" in html
    db = f"sqlite:///{folder / 'responses.db'}"
    result = run_cli("brief", "--db", db, "--lang", "de", "-o", str(tmp_path / "brief"))
    assert result.returncode == 0, result.stderr
    assert next((tmp_path / "brief").rglob("brief_de.pdf")).stat().st_size > 10_000


def test_bad_database_url_is_one_clear_line(tmp_path):
    result = run_cli(
        "export",
        "--db",
        "postgresql://nobody@127.0.0.1:1/x?connect_timeout=2",
        "-o",
        str(tmp_path / "x.csv"),
    )
    assert result.returncode == 1 and "cannot open the database" in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize(
    "url", ["foo://bar", "notaurl", "mysql://x@h/db", "postgresql://u@h:notaport/x"]
)
def test_unusable_database_urls_are_one_clear_line(tmp_path, url):
    result = run_cli("run", "--db", url, "-o", str(tmp_path / "out"))
    assert result.returncode == 1 and "cannot use the database URL" in result.stderr
    assert "Traceback" not in result.stderr and len(result.stderr.strip().splitlines()) == 1


def test_brief_from_a_project_keeps_no_respondent_data_and_shows_response_rates(
    collected, tmp_path
):
    folder, key = collected
    out = tmp_path / "brief"
    result = run_cli("brief", "--project", str(folder), "--admin-key", key, "-o", str(out))
    assert result.returncode == 0, result.stderr
    assert sorted(p.name for p in out.glob("*.csv")) == []
    assert not (out / "data").exists()
    # six invitations to sales, six answered: the rate comes from the project's tokens
    assert (
        "100%" in (out / "brief_en.html").read_text()
        or "100 %" in (out / "brief_en.html").read_text()
    )


def test_a_threshold_below_the_promised_one_is_refused(collected, tmp_path):
    folder, key = collected
    args = ("run", "--project", str(folder), "--admin-key", key, "-o", str(tmp_path / "o"))
    result = run_cli(*args, "--threshold", "3")
    assert result.returncode == 1 and "below the 5 promised" in result.stderr
    assert run_cli(*args, "--threshold", "0").returncode == 1  # usage error: at least 2
