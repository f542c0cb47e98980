"""The SurveyJS form loads into survey-core under Node with every item in it."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from survey import load_instrument
from survey.exporters import export_instrument
from survey.exporters.surveyjs import surveyjs_form

SURVEY_CORE = "survey-core@2.5.43"  # pinned; survey-js-ui must use the same version
NODE_DIR = Path(__file__).parent / ".node_cache"  # git-ignored cache, installed once

SCRIPT = r"""
const { Model } = require("survey-core");
const json = JSON.parse(require("fs").readFileSync(process.argv[2], "utf8"));
const survey = new Model(json);
const names = [];
for (const q of survey.getAllQuestions()) {
  if (q.getType() === "matrix") names.push(...q.rows.map((r) => r.value));
  else if (q.getType() === "multipletext") names.push(...q.items.map((i) => q.name + "_" + i.name));
  else names.push(q.name);
}
const titles = {};
for (const locale of ["de", "en"]) {
  survey.locale = locale;
  survey.setValue("department", "sales");
  titles[locale] = {
    first: survey.getQuestionByName("department").title,
    mirror: survey.getQuestionByName("INF_CHANNEL").processedTitle,
  };
}
const visible = survey.getQuestionByName("INF_CHANNEL").isVisible;
console.log(JSON.stringify({ names, titles, visible, errors: survey.jsonErrors || [] }));
"""


@pytest.fixture(scope="module")
def node_survey_core() -> Path:
    node, npm = shutil.which("node"), shutil.which("npm")
    assert node and npm, "node and npm are needed for the SurveyJS test"
    if not (NODE_DIR / "node_modules" / "survey-core").exists():
        NODE_DIR.mkdir(exist_ok=True)
        subprocess.run(
            [npm, "install", "--no-audit", "--no-fund", "--prefix", str(NODE_DIR), SURVEY_CORE],
            check=True,
            capture_output=True,
            timeout=300,
        )
    return NODE_DIR


def test_form_loads_into_survey_core_with_every_item(tmp_path, node_survey_core):
    ins = load_instrument()
    path = export_instrument(ins, "surveyjs", tmp_path / "form.json", ("de", "en"))[0]
    script = node_survey_core / "check_form.js"
    script.write_text(SCRIPT, encoding="utf-8")
    run = subprocess.run(
        ["node", str(script), str(path)], capture_output=True, text=True, check=True, timeout=120
    )
    out = json.loads(run.stdout)
    assert out["errors"] == []
    expected = [q.column for q in ins.context] + ins.columns()
    multi = {i.code for i in ins.items if ins.kind(i) == "multiple"}
    expected = [c for c in expected if not any(c.startswith(m + "_") for m in multi)] + sorted(
        multi
    )
    assert sorted(out["names"]) == sorted(expected)
    assert out["titles"]["de"]["first"] == "In welchem Bereich arbeiten Sie?"
    assert out["titles"]["en"]["first"] == "Which department do you work in?"
    # a sales respondent reads about marketing, in either language
    assert "Bereich Marketing" in out["titles"]["de"]["mirror"]
    assert "the marketing team" in out["titles"]["en"]["mirror"]
    assert out["visible"]


def test_one_language_gives_plain_strings():
    f = surveyjs_form(load_instrument(), ("en",))
    assert f["title"] == "How marketing and sales work together"
    matrix = next(el for p in f["pages"] for el in p["elements"] if el["type"] == "matrix")
    assert all(isinstance(c["text"], str) for c in matrix["columns"])
