"""The SurveyJS form in survey-core itself (Node): respondents answer it page by page, and
the data survey-core produces goes back through ``ingest`` to the table we started from.

survey-core comes from the npm registry at test time into the git-ignored
``tests/.node_cache`` (pinned version); ``tests/js/answer_surveyjs.js`` drives it.
"""

from __future__ import annotations

import json
import math
import os
import shutil
import subprocess
from pathlib import Path

import ingest_helpers as helpers
import pandas as pd
import pytest

from survey import load_instrument
from survey.exporters import export_instrument
from survey.exporters.layout import page_title
from survey.exporters.surveyjs import surveyjs_form
from survey.importers import ingest
from survey.questionnaire import DK_SUFFIX, pages
from survey.synthetic import generate

SURVEY_CORE = "survey-core@2.5.43"  # pinned; survey-js-ui must use the same version
NODE_DIR = Path(__file__).parent / ".node_cache"  # git-ignored, installed once
DRIVER = Path(__file__).parent / "js" / "answer_surveyjs.js"


@pytest.fixture(scope="module")
def node_survey_core() -> Path:
    node, npm = shutil.which("node"), shutil.which("npm")
    assert node and npm, "node and npm are needed for the SurveyJS tests"
    if not (NODE_DIR / "node_modules" / "survey-core").exists():
        NODE_DIR.mkdir(exist_ok=True)
        subprocess.run(
            [npm, "install", "--no-audit", "--no-fund", "--prefix", str(NODE_DIR), SURVEY_CORE],
            check=True,
            capture_output=True,
            timeout=300,
        )
    return NODE_DIR / "node_modules"


@pytest.fixture(scope="module")
def instrument():
    return load_instrument()


def _run(form: Path, people: list[dict], tmp_path: Path, modules: Path) -> list[dict]:
    src = tmp_path / "people.json"
    src.write_text(json.dumps(people), encoding="utf-8")
    run = subprocess.run(
        ["node", str(DRIVER), str(form), str(src)],
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, "NODE_PATH": str(modules)},
    )
    assert run.returncode == 0, run.stderr[-2000:]
    return json.loads(run.stdout)


def _given(value) -> bool:
    return not (value is None or (isinstance(value, float) and math.isnan(value)))


def _answers(form: dict, instrument, row: pd.Series) -> dict:
    """What the respondent of ``row`` enters, per question of the form."""
    dk = instrument.dont_know.code
    out: dict = {}
    for page in form["pages"]:
        for el in page["elements"]:
            name = el["name"]
            if el["type"] == "matrix":
                cells = {r["value"]: int(row[r["value"]]) for r in el["rows"]
                         if _given(row[r["value"]])}  # fmt: skip
                if cells:
                    out[name] = cells
            elif name.endswith(DK_SUFFIX):
                cols = instrument.item_columns(name.removesuffix(DK_SUFFIX))
                if (row[cols] == dk).all():
                    out[name] = [dk]
            elif name in instrument.item_map:
                item = instrument.item_map[name]
                kind = instrument.kind(item)
                cols = instrument.item_columns(item)
                if kind == "multiple":
                    ticked = [int(c.rsplit("_", 1)[1]) for c in cols if row[c] == 1]
                    if ticked:
                        out[name] = ticked
                elif kind == "constant_sum":
                    if _given(row[cols[0]]) and row[cols[0]] != dk:
                        out[name] = {c.removeprefix(name + "_"): int(row[c]) for c in cols}
                elif kind == "text":
                    if isinstance(row[name], str) and row[name]:
                        out[name] = row[name]
                elif _given(row[name]) and not (kind == "percent" and row[name] == dk):
                    out[name] = int(row[name])
            elif isinstance(row[name], str) and row[name]:
                out[name] = row[name]  # context
    return out


@pytest.fixture(scope="module")
def fielded(tmp_path_factory, instrument, node_survey_core):
    """The diagnostic's respondents through survey-core, and the form they answered."""
    tmp = tmp_path_factory.mktemp("sjs")
    table = generate(units=2, per_department=6, seed=5, scenario="messy").responses
    units = {u: u.replace("_", " ").title() for u in sorted(table["business_unit"].unique())}
    form_path = export_instrument(instrument, "surveyjs", tmp / "form.json", ("de", "en"), units)[0]
    form = json.loads(form_path.read_text(encoding="utf-8"))
    people = [
        {
            "id": r["respondent_id"],
            "lang": r["language"],
            "complete": r["status"] == "complete",
            "answers": _answers(form, instrument, r),
        }
        for _, r in table.iterrows()
    ]
    return table, form, people, _run(form_path, people, tmp, node_survey_core)


def test_every_respondent_gets_through_every_page(fielded, instrument):
    _, form, people, runs = fielded
    web = [p.key for p in pages(instrument)]
    assert [p["name"] for p in form["pages"]] == web  # the web survey's pages, in order
    for person, run in zip(people, runs, strict=True):
        assert run["errors"] == [] and run["refused"] == [], (person["id"], run)
        assert run["pages"] == web
        assert run["state"] == ("completed" if person["complete"] else "running")


def test_each_page_holds_its_own_items_once_under_the_web_heading(instrument):
    """A dimension that fills two web pages ("(1 of 2)") puts each item on one page only."""
    form = surveyjs_form(instrument, ("de", "en"))
    for page, web in zip(form["pages"][1:], pages(instrument)[1:], strict=True):
        codes = [row["value"] for el in page["elements"] for row in el.get("rows", [])]
        codes += [el["name"] for el in page["elements"] if "rows" not in el]
        assert {c for c in codes if c in instrument.item_map} == {i.code for i in web.items}
        assert page["title"] == {"default": page_title(instrument, web, "en"),
                                 "de": page_title(instrument, web, "de")}  # fmt: skip
    names = [el["name"] for p in form["pages"] for el in p["elements"]]
    assert len(names) == len(set(names))


def test_respondents_read_the_texts_of_our_web_survey(fielded, instrument):
    table, _, _, runs = fielded
    for (_, row), run in zip(table.iterrows(), runs, strict=True):
        for code, shown in run["titles"].items():
            if code in instrument.item_map:
                item = instrument.item_map[code]
                assert shown == instrument.render(item.text, row["language"], row["department"])


def test_survey_core_data_imports_as_the_table_we_started_from(fielded, instrument, tmp_path):
    table, _, _, runs = fielded
    results = [
        {
            **run["data"],
            # what a host application adds around SurveyJS' data
            "respondent_id": run["id"],
            "language": row["language"],
            "status": "complete" if run["state"] == "completed" else "partial",
        }
        for (_, row), run in zip(table.iterrows(), runs, strict=True)
    ]
    assert any(f"{i.code}{DK_SUFFIX}" in r for r in results for i in instrument.items)
    path = tmp_path / "results.json"
    path.write_text(json.dumps(results, ensure_ascii=False), encoding="utf-8")
    result = ingest(path, instrument)
    assert result.quarantine.empty, result.quarantine.head().to_dict("records")
    assert result.report["columns_ignored"] == [] and result.report["item_columns_missing"] == []
    helpers.answers_equal(result.table, helpers.as_tools_keep_it(table, instrument), instrument)
    assert (result.table["status"] == table["status"]).all()


def test_survey_core_refuses_what_our_web_survey_refuses(tmp_path, instrument, node_survey_core):
    form_path = export_instrument(instrument, "surveyjs", tmp_path / "f.json", ("en",))[0]
    percent = next(i for i in instrument.items if instrument.kind(i) == "percent")
    split = next(i for i in instrument.items if instrument.kind(i) == "constant_sum")
    multi = next(i for i in instrument.items if instrument.kind(i) == "multiple" and i.max_choices)
    base = {"department": "sales", "business_unit": "north"}
    high = instrument.value_range(percent)[1]
    total = instrument.response_type(split).total
    a, b = (p.code for p in split.parts[:2])
    cases = {
        "in range": ({percent.code: high}, True),
        "above range": ({percent.code: high + 1}, False),
        "not whole": ({percent.code: 4.5}, False),
        "sum skipped": ({}, True),
        "sum wrong": ({split.code: {a: total - 10, b: 0}}, False),
        "sum right": ({split.code: {a: total - 10, b: 10}}, True),
        "too many": ({multi.code: [o.code for o in instrument.options(multi)]}, "refused"),
        "no department": ({"department": None}, False),
        "no unit": ({"business_unit": None}, False),
    }
    people = []
    for name, (answers, _) in cases.items():
        merged = {k: v for k, v in (base | answers).items() if v is not None}
        people.append({"id": name, "lang": "en", "complete": True, "answers": merged})
    for run, (name, (_, ok)) in zip(_run(form_path, people, tmp_path, node_survey_core),
                                    cases.items(), strict=True):  # fmt: skip
        if ok == "refused":
            assert len(run["refused"]) == len(instrument.options(multi)) - multi.max_choices
        else:
            assert (run["state"] == "completed") is ok, (name, run["errors"])


def test_one_language_gives_plain_strings(instrument):
    f = surveyjs_form(instrument, ("en",))
    assert f["title"] == instrument.title["en"]
    matrix = next(el for p in f["pages"] for el in p["elements"] if el["type"] == "matrix")
    assert all(isinstance(c["text"], str) for c in matrix["columns"])
