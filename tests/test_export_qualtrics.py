"""Qualtrics Advanced Format TXT, checked by Qualtrics' published rules (no Qualtrics code
can run here; ``tests/qualtrics_model.py`` states each rule with its source), then a round
trip through the documented CSV export shape and ``ingest``."""

from __future__ import annotations

import ingest_helpers as helpers
import pandas as pd
import pytest
import qualtrics_model as qm

from survey import load_instrument
from survey.exporters import export_instrument
from survey.exporters.layout import choices, shown_items
from survey.exporters.qualtrics import choice_recodes
from survey.importers import ingest
from survey.questionnaire import pages
from survey.synthetic import generate


@pytest.fixture(scope="module")
def instrument():
    return load_instrument()


@pytest.fixture(scope="module")
def files(tmp_path_factory, instrument):
    paths = export_instrument(
        instrument, "qualtrics", tmp_path_factory.mktemp("q") / "q.txt", ("de", "en")
    )
    return {p.suffixes[0][1:]: p for p in paths}


def test_one_file_per_language_that_follows_the_advanced_format(files):
    assert sorted(files) == ["de", "en"]
    for path in files.values():
        blocks, problems = qm.parse(path.read_text(encoding="utf-8"))
        assert problems == []
        assert blocks


def test_blocks_are_the_web_survey_pages_with_its_items_and_options(files, instrument):
    web = pages(instrument)
    for lang, path in files.items():
        blocks, _ = qm.parse(path.read_text(encoding="utf-8"))
        # each block is a page of its own in Qualtrics: one block per web survey page
        assert [b.name for b in blocks] == [p.key for p in web]
        for block, page in zip(blocks[1:], web[1:], strict=True):
            tags = [q.tag for q in block.questions if not q.tag.endswith("_DK")]
            assert tags == [i.code for i in shown_items(page)]
            for q in block.questions:
                if q.tag.endswith("_DK"):
                    assert q.choices == [(1, instrument.dont_know.label[lang])]
                    continue
                item = instrument.item_map[q.tag]
                kind = instrument.kind(item)
                if kind == "multiple":
                    want = [(o.code, o.label[lang]) for o in instrument.options(item)]
                elif kind == "constant_sum":
                    want = [(n, p.label[lang]) for n, p in enumerate(item.parts, start=1)]
                elif kind in {"percent", "text"}:
                    want = []
                else:  # choice numbers are the recodes the importer reads back
                    labels = {float(o.code): o.label[lang] for o in choices(instrument, item)}
                    want = [(n, labels[c]) for n, c in choice_recodes(instrument, item).items()]
                assert q.choices == want, q.tag


def test_every_number_item_offering_dont_know_has_its_box(files, instrument):
    blocks, _ = qm.parse(files["en"].read_text(encoding="utf-8"))
    tags = [q.tag for b in blocks for q in b.questions]
    for item in instrument.items:
        if item.dont_know and instrument.kind(item) in {"percent", "constant_sum"}:
            assert tags[tags.index(item.code) + 1] == f"{item.code}_DK"


def _respond(blocks, instrument, row, lang) -> dict:
    """What the respondent of ``row`` ticks, recognising questions by their text once the
    consultant's survey flow has set own_dept/other_dept (see the README)."""
    dept = row["department"]
    other = instrument.other_department(dept) if isinstance(dept, str) else None
    fields = {
        "${e://Field/own_dept}": instrument.departments[dept][lang] if other else "",
        "${e://Field/other_dept}": instrument.departments[other][lang] if other else "",
    }
    items = {" ".join(instrument.render(i.text, lang, dept or "marketing").split()): i
             for i in instrument.items}  # fmt: skip
    context = {q.text[lang]: q for q in instrument.context}
    dk = instrument.dont_know.code
    out: dict[str, str] = {}
    previous = None
    for q in (q for b in blocks for q in b.questions):
        text = q.text
        for pipe, value in fields.items():
            text = text.replace(pipe, value)
        if text in context:
            cq = context[text]
            value = row[cq.column]
            if isinstance(value, str) and value:
                if cq.options:
                    label = cq.options[value][lang]
                    value = str(next(n for n, t in q.choices if t == label))
                out[q.tag] = value
            continue
        if q.tag.endswith("_DK") and previous is not None:
            if (row[instrument.item_columns(previous)] == dk).all():
                out[f"{q.tag}_1"] = "1"
            continue
        item = previous = items[text]
        kind = instrument.kind(item)
        cols = instrument.item_columns(item)
        if kind == "multiple":
            labels = {o.label[lang]: f"{item.code}_{o.code}" for o in instrument.options(item)}
            out |= {f"{q.tag}_{n}": "1" for n, t in q.choices if row[labels[t]] == 1}
        elif kind == "constant_sum":
            labels = {p.label[lang]: f"{item.code}_{p.code}" for p in item.parts}
            for n, t in q.choices:
                v = row[labels[t]]
                if pd.notna(v) and v != dk:
                    out[f"{q.tag}_{n}"] = f"{v:g}"
        elif kind == "text":
            if isinstance(row[item.code], str):
                out[q.tag] = row[item.code]
        elif pd.notna(row[item.code]) and not (kind == "percent" and row[item.code] == dk):
            if kind == "percent":
                out[q.tag] = f"{row[item.code]:g}"
            else:
                label = next(o.label[lang] for o in choices(instrument, item)
                             if o.code == row[item.code])  # fmt: skip
                out[q.tag] = str(next(n for n, t in q.choices if t == label))
    assert set(cols) <= set(row.index)
    return out


def test_round_trip_through_the_qualtrics_export_shape(tmp_path, files, instrument):
    table = generate(units=2, per_department=6, seed=13, scenario="messy").responses
    got = []
    for lang, path in files.items():
        blocks, _ = qm.parse(path.read_text(encoding="utf-8"))
        mine = table[table["language"] == lang]
        responses = [
            _respond(blocks, instrument, r, lang)
            | {"_meta": {"ResponseId": r["respondent_id"], "Status": "0",
                         "Finished": "1" if r["status"] == "complete" else "0",
                         "UserLanguage": lang.upper(), "RecordedDate": "2026-11-20 10:00:00"}}
            for _, r in mine.iterrows()
        ]  # fmt: skip
        csv_path = tmp_path / f"{lang}.csv"
        csv_path.write_text(qm.response_csv(blocks, responses), encoding="utf-8")
        result = ingest(csv_path, instrument)
        assert result.report["format"] == "qualtrics"
        assert result.quarantine.empty, result.quarantine.head().to_dict("records")
        # only Qualtrics' own metadata and the don't-know boxes are left aside, each said
        reasons = {c["reason"] for c in result.report["columns_ignored"]}
        assert reasons <= {"Qualtrics metadata", "don't-know box, read into its item"}, reasons
        helpers.answers_equal(result.table, helpers.as_tools_keep_it(mine, instrument), instrument)
        got.append(result.table)
    dk = instrument.dont_know.code
    assert any((t[c] == dk).any() for t in got for c in instrument.columns()
               if instrument.kind(c) in {"percent", "constant_sum"})  # fmt: skip


def test_choice_recodes_map_dont_know_to_its_code(instrument):
    item = next(i for i in instrument.items if i.dont_know and instrument.kind(i) == "agreement")
    top = len(instrument.options(item))
    assert choice_recodes(instrument, item)[top + 1] == instrument.dont_know.code
    grade = next(i for i in instrument.items if instrument.kind(i) == "grade" and not i.dont_know)
    assert choice_recodes(instrument, grade) == {
        o.code: float(o.code) for o in instrument.options(grade)
    }
