"""Exporting the instrument: printable questionnaire (HTML and PDF) and the command."""

from __future__ import annotations

import json
import re
import subprocess

from typer.testing import CliRunner

from analysis.cli import app
from survey.exporters.printable import questionnaire_html


def test_questionnaire_names_the_other_department_per_copy(instrument):
    html = questionnaire_html(instrument, "en")
    marketing, sales = html.split('<section class="copy">')[1:]
    assert "Questionnaire for marketing" in marketing and "the sales team" in marketing
    assert "Questionnaire for sales" in sales and "the marketing team" in sales
    for item in instrument.items:
        assert item.code in marketing and item.code in sales
    assert "{other}" not in html and "{own}" not in html


def test_export_command_writes_print_and_surveyjs(tmp_path):
    runner = CliRunner()
    result = runner.invoke(
        app,
        [
            "instrument",
            "export",
            "--format",
            "print",
            "--lang",
            "de",
            "-o",
            str(tmp_path / "q.html"),
        ],
    )
    assert result.exit_code == 0, result.output
    pdf = tmp_path / "q.pdf"
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True)
    assert int(re.search(r"Pages:\s+(\d+)", info.stdout).group(1)) >= 4
    text = subprocess.run(
        ["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout
    assert "Fragebogen für den Bereich Vertrieb" in text
    result = runner.invoke(
        app, ["instrument", "export", "--format", "surveyjs", "-o", str(tmp_path / "f.json")]
    )
    assert result.exit_code == 0, result.output
    assert json.loads((tmp_path / "f.json").read_text("utf-8"))["pages"]
    bad = runner.invoke(
        app,
        [
            "instrument",
            "export",
            "--format",
            "surveyjs",
            "--lang",
            "fr",
            "-o",
            str(tmp_path / "x.json"),
        ],
    )
    assert bad.exit_code != 0
