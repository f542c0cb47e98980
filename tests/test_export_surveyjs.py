"""The SurveyJS form loads into the real survey-core Model under Node with every item, and
names the other department from the department answer."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from survey.exporters.surveyjs import write_surveyjs

CACHE = Path(__file__).parent / ".node_cache"
SURVEY_CORE = "survey-core@2.5.0"
CHECK = """
const { Model } = require("survey-core");
const m = new Model(require(process.argv[2]));
const names = [];
for (const q of m.getAllQuestions()) {
  names.push(q.name);
  if (q.getType() === "matrix") for (const r of q.rows) names.push(String(r.value));
}
const q = m.getQuestionByName("INF_TIMELY");
const seen = {};
for (const [lang, dept] of [["de", "marketing"], ["de", "sales"], ["en", "marketing"]]) {
  m.locale = lang;
  m.setValue("department", dept);
  seen[lang + "-" + dept] = q.locTitle.renderedHtml;
}
console.log(JSON.stringify({ names, seen, pages: m.pages.length }));
"""


@pytest.fixture(scope="session")
def node_modules():
    if shutil.which("node") is None or shutil.which("npm") is None:
        pytest.fail("node and npm are needed for the SurveyJS test (Debian: nodejs, npm)")
    if not (CACHE / "node_modules" / "survey-core").exists():
        CACHE.mkdir(exist_ok=True)
        subprocess.run(
            [
                "npm",
                "install",
                "--no-audit",
                "--no-fund",
                "--silent",
                "--prefix",
                str(CACHE),
                SURVEY_CORE,
            ],
            check=True,
            timeout=300,
        )
    return CACHE


def test_form_loads_in_survey_core(tmp_path, instrument, node_modules):
    form = write_surveyjs(instrument, tmp_path / "form.json")
    script = node_modules / "check.js"
    script.write_text(CHECK, encoding="utf-8")
    out = subprocess.run(
        ["node", str(script), str(form)],
        capture_output=True,
        text=True,
        check=True,
        cwd=node_modules,
    )
    result = json.loads(out.stdout)
    names = set(result["names"])
    missing = [i.code for i in instrument.items if i.code not in names]
    assert not missing, missing
    assert {"department", "business_unit", "role", "tenure"} <= names
    assert result["pages"] == 1 + len(instrument.dimensions)
    assert "Bereich Vertrieb" in result["seen"]["de-marketing"]
    assert "Bereich Marketing" in result["seen"]["de-sales"]
    assert result["seen"]["en-marketing"].startswith("Information from the sales team")


def test_form_json_shape(tmp_path, instrument):
    form = json.loads(write_surveyjs(instrument, tmp_path / "f.json").read_text("utf-8"))
    elements = [e for page in form["pages"] for e in page["elements"]]
    assert any(e["type"] == "matrix" for e in elements)
    grade = next(e for e in elements if e.get("name") == "OUT_GRADE")
    assert [c["value"] for c in grade["choices"]] == [1, 2, 3, 4, 5, 6]
    assert grade["title"]["de"].startswith("Welche Schulnote")
    timely = next(e for e in elements if e.get("name") == "INF_TIMELY")
    assert timely["showNoneItem"] and timely["noneValue"] == -9
