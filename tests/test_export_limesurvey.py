"""LimeSurvey: our ``.txt`` structure through a model of LimeSurvey's own import code.

``tests/limesurvey_model.py`` re-states the rules of LimeSurvey's ``TSVImportSurvey``,
``XMLImportSurvey``, question/answer validation and expression manager (each rule names its
PHP source there). The tests import our file with it, check that the survey LimeSurvey
builds has our web survey's pages, order, titles, validation, skip rules and "don't know"
options in both languages, let respondents answer it by what they read on screen, write
LimeSurvey's response export and read it back with ``ingest``.
"""

from __future__ import annotations

import math
import re

import ingest_helpers as helpers
import limesurvey_model as lime
import numpy as np
import pandas as pd
import pytest

from survey import load_instrument
from survey.exporters import export_instrument
from survey.exporters.layout import choices, page_title, shown_items
from survey.exporters.limesurvey import structure_rows
from survey.importers import ingest
from survey.questionnaire import pages
from survey.synthetic import generate


@pytest.fixture(scope="module")
def instrument():
    return load_instrument()


@pytest.fixture(scope="module")
def txt(tmp_path_factory, instrument):
    path = tmp_path_factory.mktemp("lss") / "survey.txt"
    export_instrument(instrument, "limesurvey", path, ("de", "en"))
    return path


@pytest.fixture(scope="module")
def survey(txt):
    return lime.tsv_import(lime.read_tsv(txt))


def test_file_is_utf8_with_bom_and_base_language_block_first(txt):
    raw = txt.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # as LimeSurvey's own export writes it
    rows = lime.read_tsv(txt)
    langs = [r["language"] for r in rows if r["class"] in {"G", "Q", "SQ", "A"}]
    # TSVImportSurvey resets its group counter at every change of language: all rows of
    # the base language first, then each translation (import_helper.php, TSVImportSurvey)
    assert langs == sorted(langs, key=["de", "en"].index)
    assert langs.count("de") == langs.count("en")
    settings = {r["name"]: r["text"] for r in rows if r["class"] == "S"}
    # a survey id (TSVImportSurvey uses `sid` when present, else a random one)
    assert re.fullmatch(r"[1-9]\d{5}", settings["sid"])
    assert settings["language"] == "de" and settings["additional_languages"] == "en"
    assert settings["format"] == "G"  # group by group: one page per group


def test_model_reproduces_the_reported_collapse_of_the_interleaved_layout(instrument):
    """Our model of TSVImportSurvey, fed the old layout (each row followed by its
    translation), gives what LimeSurvey's PHP gave in issue 21: one group, every
    question_order 0, the other groups' texts dropped by the unique check."""
    rows = structure_rows(instrument, ("de", "en"))
    head = [r for r in rows if r["class"] in {"S", "SL"}]
    body = [r for r in rows if r["class"] not in {"S", "SL"}]
    half = len(body) // 2
    interleaved = [r for pair in zip(body[:half], body[half:], strict=True) for r in pair]
    for r in interleaved:
        if r["class"] == "G":
            r["type/scale"] = ""  # the old file had no group keys
    old = lime.tsv_import(head + interleaved)
    assert len(old.groups) == 1
    assert {q["question_order"] for q in old.questions.values()} == {0}
    assert {s["question_order"] for s in old.subquestions.values()} == {0}
    assert any("group" in d for d in old.dropped)


def test_import_builds_the_web_survey_pages_in_order_and_both_languages(survey, instrument):
    assert survey.errors == [] and survey.dropped == []
    assert survey.languages() == ["de", "en"]
    web = pages(instrument)
    groups = survey.ordered_groups()
    assert len(groups) == len(web)
    for group, page in zip(groups, web, strict=True):
        for lang in ("de", "en"):
            title = group["l10n"][lang]["group_name"]  # the title respondents see
            if page.key != "context":  # the web survey's heading, "(1 of 2)" included
                assert title == page_title(instrument, page, lang)
                assert title.startswith(instrument.dimensions[page.key][lang])
            assert title and group["l10n"][lang]["description"] == ""
        # items of the page, in the web survey's order, read from the imported questions
        codes = []
        for q in survey.questions_of(group["gid"]):
            orders = [s["question_order"] for s in survey.subquestions_of(q["qid"])]
            assert orders == sorted(orders) and len(set(orders)) == len(orders)
            if q["type"] == "F":
                codes += [s["title"] for s in survey.subquestions_of(q["qid"])]
            elif (
                not q["title"].endswith("DK")
                or q["type"] != "M"
                or len(survey.subquestions_of(q["qid"])) != 1
            ):
                codes.append(q["title"])
        # LimeSurvey codes: letters and digits, at most 20 (STR_DELIVERABLES_WRITTEN is cut)
        want = [re.sub("[^A-Za-z0-9]", "", i.code)[:20] for i in shown_items(page)]
        if page.key == "context":
            want = ["DEPT", "BU", "ROLE", "TENURE"][: len(instrument.context)]
        assert codes == want
        orders = [q["question_order"] for q in survey.questions_of(group["gid"])]
        assert orders == sorted(orders) and len(set(orders)) == len(orders)
    for entity in [*survey.questions.values(), *survey.subquestions.values()]:
        assert set(entity["l10n"]) == {"de", "en"} and all(entity["l10n"].values())
    for answer in survey.answers.values():
        assert set(answer["l10n"]) == {"de", "en"} and all(answer["l10n"].values())


def test_validation_kinds_match_the_web_survey(survey, instrument):
    by_title = {q["title"]: q for q in survey.questions.values()}
    for q in survey.questions.values():
        # `validation` is a regular expression in LimeSurvey (preg); ranges are attributes
        assert q["preg"] == ""
    for item in instrument.items:
        kind = instrument.kind(item)
        q = by_title.get(re.sub("[^A-Za-z0-9]", "", item.code))
        if q is None:
            continue  # a matrix row
        attrs = survey.attributes_of(q["qid"])
        if kind in {"percent", "constant_sum"}:
            low, high = instrument.value_range(item)
            assert (attrs["min_num_value_n"], attrs["max_num_value_n"]) == (str(low), str(high))
            assert attrs["num_value_int_only"] == "1"
        if kind == "constant_sum":
            assert attrs["equals_num_value"] == str(instrument.response_type(item).total)
            assert attrs["value_range_allows_missing"] == "1"  # skippable, as with us
        if kind == "multiple" and item.max_choices:
            assert attrs["max_answers"] == str(item.max_choices)
    # required unless the link presets them (LimeSurvey presets from ?DEPT=..&BU=..)
    assert by_title["DEPT"]["mandatory"] == "Y" and by_title["BU"]["mandatory"] == "Y"
    mandatory = {q["title"] for q in survey.questions.values() if q["mandatory"] == "Y"}
    assert mandatory == {"DEPT", "BU"}
    # attributes once per question, and none from the id columns
    assert not any(name in {"id", "related_id"} for _, name, _, _ in survey.attributes)


def test_every_dont_know_survives(survey, instrument):
    by_title = {q["title"]: q for q in survey.questions.values()}
    row_of = {s["title"]: s for s in survey.subquestions.values()}
    for item in (i for i in instrument.items if i.dont_know):
        code = re.sub("[^A-Za-z0-9]", "", item.code)
        if instrument.kind(item) in {"percent", "constant_sum"}:
            q = by_title[code]
            dk = next(
                d
                for d in survey.questions_of(q["gid"])
                if d["question_order"] > q["question_order"] and d["type"] == "M"
            )
            (box,) = survey.subquestions_of(dk["qid"])
            for lang in ("de", "en"):
                assert box["l10n"][lang] == instrument.dont_know.label[lang]
            var = f"{dk['title']}_{box['title']}"
            assert lime.relevant(q["relevance"], {"DEPT": "X"})
            assert not lime.relevant(q["relevance"], {"DEPT": "X", var: "Y"})
        else:
            parent = by_title.get(code) or survey.questions[row_of[code]["parent_qid"]]
            labels = [a["l10n"]["en"] for a in survey.answers_of(parent["qid"])]
            assert labels[-1] == instrument.dont_know.label["en"], item.code


def test_texts_name_the_other_department_for_both(survey, instrument):
    dept = next(q for q in survey.questions.values() if q["title"] == "DEPT")
    code_of = {a["l10n"]["en"]: a["code"] for a in survey.answers_of(dept["qid"])}
    shown = [*survey.questions.values(), *survey.subquestions.values()]
    departments = next(q for q in instrument.context if q.column == "department").options
    for department, option in departments.items():
        values = {"DEPT": code_of[option["en"]]}
        for lang in ("de", "en"):
            texts = {lime.tailor(e["l10n"][lang], values) for e in shown}
            for item in instrument.items:
                assert instrument.render(item.text, lang, department) in texts, item.code
            assert not any("{" in t for t in texts)


# --- respondents answer in LimeSurvey; its export goes back through ingest ---------------


def _answer(survey: lime.Imported, instrument, row: pd.Series) -> dict[str, str]:
    """What a respondent enters on LimeSurvey's pages to give the answers of ``row``:
    questions are recognised by the text on screen, options by their label."""
    lang = row["language"]
    department = row["department"]
    dept_q = next(q for q in survey.questions.values() if q["title"] == "DEPT")
    dept_label = next(q for q in instrument.context if q.column == "department").options
    values: dict[str, str] = {}
    if isinstance(department, str):
        values["DEPT"] = next(
            a["code"]
            for a in survey.answers_of(dept_q["qid"])
            if a["l10n"][lang] == dept_label[department][lang]
        )
    items = {}
    for item in instrument.items:
        items[instrument.render(item.text, lang, department or "marketing")] = item
    context = {q.text[lang]: q for q in instrument.context}
    out: dict[str, str] = {}
    for group in survey.ordered_groups():
        page: dict[str, str] = {}
        shown = []
        previous = None
        for q in survey.questions_of(group["gid"]):
            text = lime.tailor(q["l10n"][lang], values)
            fields = lime.field_names(survey, q)
            if text in context:
                cq = context[text]
                value = row[cq.column]
                if isinstance(value, str) and value:
                    if cq.options:
                        label = cq.options[value][lang]
                        value = next(
                            a["code"]
                            for a in survey.answers_of(q["qid"])
                            if a["l10n"][lang] == label
                        )
                    page[fields[0][0]] = value
            elif q["type"] == "F":
                for (head, _), sq in zip(fields, survey.subquestions_of(q["qid"]), strict=True):
                    item = items[lime.tailor(sq["l10n"][lang], values)]
                    page[head] = _option(survey, q, instrument, item, row[item.code], lang)
            elif text in items:
                item = items[text]
                page |= _fill(survey, q, instrument, item, row, lang)
                previous = item
            else:  # the "don't know" box after a number item
                ((head, _),) = fields
                cols = instrument.item_columns(previous)
                if (row[cols] == instrument.dont_know.code).all():
                    page[head] = "Y"
            shown.append((q, fields))
        # relevance is evaluated on the page as answered; irrelevant answers become NULL
        if not lime.relevant(group["grelevance"], values | page):
            continue
        variables = values | {re.sub(r"\[(\w+)\]$", r"_\1", h): v for h, v in page.items()}
        for q, fields in shown:
            if not lime.relevant(q["relevance"], variables):
                continue
            answers = {h: page.get(h, "") for h, _ in fields}
            problems = lime.check_answers(survey, q, answers)
            assert not problems, (row["respondent_id"], q["title"], problems)
            out |= {h: v for h, v in answers.items() if v != ""}
            values |= {re.sub(r"\[(\w+)\]$", r"_\1", h): v for h, v in answers.items()}
    return out


def _option(survey, q, instrument, item, value, lang) -> str:
    if isinstance(value, float) and math.isnan(value):
        return ""
    label = next(o.label[lang] for o in choices(instrument, item) if o.code == value)
    return next(a["code"] for a in survey.answers_of(q["qid"]) if a["l10n"][lang] == label)


def _fill(survey, q, instrument, item, row, lang) -> dict[str, str]:
    kind = instrument.kind(item)
    fields = lime.field_names(survey, q)
    if kind == "multiple":
        labels = {o.label[lang]: f"{item.code}_{o.code}" for o in instrument.options(item)}
        return {
            h: "Y"
            for (h, _), sq in zip(fields, survey.subquestions_of(q["qid"]), strict=True)
            if row[labels[sq["l10n"][lang]]] == 1
        }
    if kind == "constant_sum":
        labels = {p.label[lang]: f"{item.code}_{p.code}" for p in item.parts}
        out = {}
        for (h, _), sq in zip(fields, survey.subquestions_of(q["qid"]), strict=True):
            v = row[labels[sq["l10n"][lang]]]
            out[h] = "" if v == instrument.dont_know.code else lime.number(v)
        return out
    value = row[item.code]
    if kind == "percent":
        return {fields[0][0]: "" if value == instrument.dont_know.code else lime.number(value)}
    if kind == "text":
        return {fields[0][0]: "" if pd.isna(value) else value}
    return {fields[0][0]: _option(survey, q, instrument, item, value, lang)}


@pytest.mark.parametrize("sep", [";", ","])
def test_round_trip_through_limesurvey_gives_back_the_table(tmp_path, survey, instrument, sep):
    table = generate(units=2, per_department=6, seed=11, scenario="messy").responses
    assert (table["status"] == "partial").any()
    responses = [
        _answer(survey, instrument, r) | {"_complete": r["status"] == "complete",
                                           "_language": r["language"]}
        for _, r in table.iterrows()
    ]  # fmt: skip
    path = tmp_path / "results-survey.csv"
    text = lime.response_export(survey, responses, sep=sep)
    if sep == ";":
        text = text.replace(".0000000000", ",0000000000")  # German locale, decimal comma
    path.write_text(text, encoding="utf-8")
    result = ingest(path, instrument)
    assert result.quarantine.empty, result.quarantine.head().to_dict("records")
    want = helpers.as_tools_keep_it(table, instrument)
    helpers.answers_equal(result.table, want, instrument, ids=False)
    assert (result.table["status"] == table["status"]).all()
    assert result.table["submitted_at"].isna().all()  # anonymised: 1980-01-01 is no date
    assert result.table["language"].tolist() == table["language"].tolist()
    dk = [c for c in instrument.columns() if (table[c] == instrument.dont_know.code).any()]
    assert any(instrument.kind(c) in {"percent", "constant_sum"} for c in dk)


def test_limesurvey_refuses_what_our_web_survey_refuses(survey, instrument):
    by_title = {q["title"]: q for q in survey.questions.values()}
    percent = next(i for i in instrument.items if instrument.kind(i) == "percent")
    q = by_title[re.sub("[^A-Za-z0-9]", "", percent.code)]
    ((head, _),) = lime.field_names(survey, q)
    for value, ok in [("42", True), ("100", True), ("0", True), ("150", False), ("4.5", False)]:
        assert (lime.check_answers(survey, q, {head: value}) == []) is ok, value
    split = next(i for i in instrument.items if instrument.kind(i) == "constant_sum")
    q = by_title[re.sub("[^A-Za-z0-9]", "", split.code)]
    heads = [h for h, _ in lime.field_names(survey, q)]
    assert lime.check_answers(survey, q, dict.fromkeys(heads, "")) == []  # skipped
    assert lime.check_answers(survey, q, dict(zip(heads, ["60", "30"], strict=False)))
    assert lime.check_answers(survey, q, dict(zip(heads, ["60", "40"], strict=False))) == []
    multi = next(i for i in instrument.items if instrument.kind(i) == "multiple" and i.max_choices)
    q = by_title[re.sub("[^A-Za-z0-9]", "", multi.code)]
    heads = [h for h, _ in lime.field_names(survey, q)]
    assert lime.check_answers(survey, q, dict.fromkeys(heads[: multi.max_choices], "Y")) == []
    assert lime.check_answers(survey, q, dict.fromkeys(heads[: multi.max_choices + 1], "Y"))
    dept = by_title["DEPT"]
    assert lime.check_answers(survey, dept, {"DEPT": ""}) == ["mandatory"]


def test_project_units_become_the_list_of_our_web_survey(tmp_path, instrument):
    path = tmp_path / "s.txt"
    export_instrument(instrument, "limesurvey", path, ("de", "en"), units={"nord": "Nord",
                                                                            "sued": "Süd"})  # fmt: skip
    survey = lime.tsv_import(lime.read_tsv(path))
    bu = next(q for q in survey.questions.values() if q["title"] == "BU")
    assert bu["type"] == "L" and bu["mandatory"] == "Y"
    assert [a["code"] for a in survey.answers_of(bu["qid"])] == ["nord", "sued"]
    # codes LimeSurvey cannot take as answer codes keep the unit a required text
    export_instrument(instrument, "limesurvey", path, ("de",), units={"unit_01": "North"})
    survey = lime.tsv_import(lime.read_tsv(path))
    bu = next(q for q in survey.questions.values() if q["title"] == "BU")
    assert (bu["type"], bu["mandatory"]) == ("S", "Y") and survey.errors == []


def test_one_language_export_is_one_block(tmp_path, instrument):
    path = tmp_path / "en.txt"
    export_instrument(instrument, "limesurvey", path, ("en",))
    survey = lime.tsv_import(lime.read_tsv(path))
    assert survey.errors == [] and survey.languages() == ["en"]
    assert len(survey.groups) == len(pages(instrument))
    assert np.all([set(q["l10n"]) == {"en"} for q in survey.questions.values()])
