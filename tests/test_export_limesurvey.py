"""LimeSurvey tab-separated structure: both languages, codes, department logic."""

from __future__ import annotations

import csv
import re

import pytest

from survey import load_instrument
from survey.exporters import export_instrument
from survey.exporters.limesurvey import DEPT, answer_values, lime_code


@pytest.fixture(scope="module")
def rows(tmp_path_factory):
    path = tmp_path_factory.mktemp("lss") / "survey.txt"
    export_instrument(load_instrument(), "limesurvey", path, ("de", "en"))
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # UTF-8 with BOM, as LimeSurvey writes it
    return list(csv.DictReader(raw.decode("utf-8-sig").splitlines(), delimiter="\t"))


def test_every_translatable_row_comes_in_both_languages(rows):
    entities = [r for r in rows if r["class"] in {"G", "Q", "SQ", "A"}]
    assert [r["language"] for r in entities] == ["de", "en"] * (len(entities) // 2)
    pairs = zip(entities[::2], entities[1::2], strict=True)
    assert all(a["name"] == b["name"] and a["id"] == b["id"] for a, b in pairs)
    settings = {r["name"]: r["text"] for r in rows if r["class"] == "S"}
    assert settings["language"] == "de" and settings["additional_languages"] == "en"


def test_codes_follow_limesurvey_rules_and_carry_our_item_codes(rows):
    ins = load_instrument()
    de = [r for r in rows if r["language"] == "de"]
    questions = [r["name"] for r in de if r["class"] == "Q"]
    assert len(questions) == len(set(questions))
    for r in de:
        if r["class"] in {"Q", "SQ"}:
            assert re.fullmatch(r"[A-Za-z][A-Za-z0-9]{0,19}", r["name"]), r["name"]
        if r["class"] == "A":
            assert re.fullmatch(r"[A-Za-z0-9]{1,5}", r["name"]), r["name"]
    codes = {r["name"] for r in de if r["class"] in {"Q", "SQ"}}
    for item in ins.items:
        assert lime_code(item.code) in codes, item.code


def test_department_question_drives_mirror_texts_and_relevance(rows):
    ins = load_instrument()
    dept = next(r for r in rows if r["class"] == "Q" and r["name"] == DEPT)
    assert dept["mandatory"] == "Y"
    keeps = [r for r in rows if r["name"] == lime_code("INF_KEEPS_OTH")]
    de, en = keeps
    assert '{if(DEPT.NAOK=="MARKE","Vertrieb","Marketing")}' in de["text"]
    assert '{if(DEPT.NAOK=="MARKE","sales","marketing")}' in en["text"]
    parent = rows[rows.index(de) - 1]
    while parent["class"] != "Q":
        parent = rows[rows.index(parent) - 1]
    assert parent["relevance"] == "!is_empty(DEPT.NAOK)"
    assert answer_values(ins, "department") == {"MARKE": "marketing", "SALES": "sales"}


def test_dont_know_and_constant_sum(rows):
    answers = {r["name"] for r in rows if r["class"] == "A"}
    assert "DK" in answers
    pricing = next(r for r in rows if r["name"] == "POWPRICING")
    assert (pricing["type/scale"], pricing["equals_num_value"]) == ("K", "100")
