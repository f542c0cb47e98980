"""Exporting the instrument: printable questionnaire (HTML and PDF) and the command."""

from __future__ import annotations

import json
import re
import subprocess

import pytest
from typer.testing import CliRunner

from analysis.cli import app
from survey.exporters.layout import choices, page_title, shown_items
from survey.exporters.printable import questionnaire_html, web_texts
from survey.questionnaire import pages


def test_questionnaire_names_the_other_department_per_copy(instrument):
    html = questionnaire_html(instrument, "en")
    marketing, sales = html.split('<section class="copy">')[1:]
    assert "Questionnaire for marketing" in marketing and "the sales team" in marketing
    assert "Questionnaire for sales" in sales and "the marketing team" in sales
    for item in instrument.items:
        assert item.code in marketing and item.code in sales
    assert "{other}" not in html and "{own}" not in html
    # the web survey's headings over the mirror items name the copy's departments
    assert "<h3>Your own department: marketing</h3>" in marketing
    assert "<h3>The sales team</h3>" in marketing
    assert "<h3>Your own department: sales</h3>" in sales


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


def _copies(html: str) -> list[list[tuple[str, list[tuple[str, list[str]]]]]]:
    """(page key, [(code, option texts)]) per copy, read back from the HTML."""
    out = []
    for copy in html.split('<section class="copy">')[1:]:
        sheets = []
        for sheet in re.split(r'<section class="page" data-page="', copy)[1:]:
            key = sheet.split('"', 1)[0]
            questions = []
            for q in re.split(r'<div class="q" data-code="', sheet)[1:]:
                code = q.split('"', 1)[0]
                opts = re.findall(r'<span class="box"></span>(.*?)</span>', q)
                questions.append((code, opts))
            sheets.append((key, questions))
        out.append(sheets)
    return out


def test_printed_pages_are_the_web_survey_pages(instrument):
    import html as html_lib

    web = pages(instrument)
    for lang in ("de", "en"):
        copies = _copies(questionnaire_html(instrument, lang, {"nord": "Nord", "sued": "Süd"}))
        assert len(copies) == len(instrument.departments)
        for sheets in copies:
            assert [key for key, _ in sheets] == [p.key for p in web]
            context = dict(sheets[0][1])
            assert context["business_unit"] == ["Nord", "Süd"]  # the project's units
            for (_, questions), page in zip(sheets[1:], web[1:], strict=True):
                assert [code for code, _ in questions] == [i.code for i in shown_items(page)]
                for (code, opts), item in zip(questions, shown_items(page), strict=True):
                    kind = instrument.kind(item)
                    opts = [html_lib.unescape(o) for o in opts]
                    if kind in {"percent", "constant_sum", "text"}:
                        continue
                    want = [o.label[lang] for o in choices(instrument, item)]
                    if kind == "bipolar":  # numbers with the poles at both ends
                        assert opts[1:-1] == want[1:-1] and opts[0].startswith(want[0][0])
                        assert item.poles[1][lang] in opts[-2 if item.dont_know else -1]
                    else:
                        assert opts == want, code


def test_printed_hints_are_the_web_survey_hints(instrument):
    html = questionnaire_html(instrument, "en")
    texts = web_texts()
    multi = next(i for i in instrument.items if instrument.kind(i) == "multiple" and i.max_choices)
    assert texts["choose_up_to"]["en"].format(n=multi.max_choices) in html
    split = next(i for i in instrument.items if instrument.kind(i) == "constant_sum")
    assert texts["sum_hint"]["en"].format(total=instrument.response_type(split).total) in html


def test_every_web_page_starts_a_printed_page(tmp_path, instrument):
    from survey.exporters.printable import write_questionnaire

    pdf = write_questionnaire(instrument, tmp_path / "q.html", "en")[1]
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True)
    n = int(re.search(r"Pages:\s+(\d+)", info.stdout).group(1))
    firsts = []
    for page in range(1, n + 1):
        text = subprocess.run(
            ["pdftotext", "-f", str(page), "-l", str(page), "-layout", str(pdf), "-"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        lines = [line.strip() for line in text.splitlines() if line.strip()]
        firsts.append(lines[:3])
    # the web survey's headings, "(1 of 2)" included where a dimension fills two pages
    titles = [page_title(instrument, p, "en") for p in pages(instrument)]
    # each web page's title heads a sheet (sheets without one continue a long page)
    starts = [next((t for t in titles if t in top), None) for top in firsts]
    assert [t for t in starts if t] == titles * len(instrument.departments)


@pytest.mark.parametrize("lang", ["de", "en"])
def test_paper_answers_typed_in_by_their_printed_labels_import_back(tmp_path, instrument, lang):
    """Round trip for paper: a respondent ticks the printed boxes of their department's
    copy; a typist copies the printed text of each ticked box into a sheet with the
    codebook's columns; ``ingest`` maps the texts back to codes."""
    import html as html_lib

    import ingest_helpers as helpers
    import pandas as pd

    from survey.importers import ingest
    from survey.synthetic import generate

    table = generate(units=2, per_department=4, seed=17).responses
    table = table[table["status"] == "complete"].reset_index(drop=True)
    copies = dict(
        zip(instrument.departments, _copies(questionnaire_html(instrument, lang)), strict=True)
    )
    dk = instrument.dont_know.code
    rows = []
    for _, r in table.iterrows():
        printed = {code: [html_lib.unescape(o) for o in opts]
                   for _, qs in copies[r["department"]] for code, opts in qs}  # fmt: skip
        row = {"respondent_id": r["respondent_id"], "business_unit": r["business_unit"]}
        for q in instrument.context:
            if q.options and isinstance(r[q.column], str):
                position = list(q.options).index(r[q.column])
                row[q.column] = printed[q.column][position]
        for item in instrument.items:
            kind = instrument.kind(item)
            cols = instrument.item_columns(item)
            if kind in {"percent", "constant_sum"}:
                row |= {c: ("" if pd.isna(r[c]) else printed[item.code][-1] if r[c] == dk
                            else f"{r[c]:g}") for c in cols}  # fmt: skip
            elif kind == "multiple":
                row |= {c: "" if pd.isna(r[c]) else str(int(r[c])) for c in cols}
            elif kind == "text":
                row[item.code] = r[item.code] if isinstance(r[item.code], str) else ""
            elif pd.notna(r[item.code]):
                position = [o.code for o in choices(instrument, item)].index(r[item.code])
                row[item.code] = printed[item.code][position]  # the ticked box's text
        rows.append(row)
    sheet = tmp_path / "typed.csv"
    pd.DataFrame(rows).to_csv(sheet, index=False)
    result = ingest(sheet, instrument, fmt="csv")
    assert result.quarantine.empty, result.quarantine.head().to_dict("records")
    helpers.answers_equal(result.table, table, instrument)


def test_export_command_takes_the_units_of_a_project(tmp_path):
    import limesurvey_model as lime

    from survey.project import init_project

    _project, _ = init_project(
        tmp_path / "acme", company="ACME", business_units={"north": "Nord", "south": "Süd"}
    )
    out = tmp_path / "s.txt"
    result = CliRunner().invoke(
        app,
        ["instrument", "export", "--format", "limesurvey", "--project", str(tmp_path / "acme"),
         "-o", str(out)],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    survey = lime.tsv_import(lime.read_tsv(out))
    bu = next(q for q in survey.questions.values() if q["title"] == "BU")
    assert [a["l10n"]["de"] for a in survey.answers_of(bu["qid"])] == ["Nord", "Süd"]


def test_exports_show_a_page_in_the_web_survey_order(instrument):
    """The web survey puts the self-image items of a page's mirror pairs together under the
    own department, then their twins; every export takes its order from shown_items."""
    from survey.web.app import _groups

    t = {key: text["en"] for key, text in web_texts().items() if isinstance(text, dict)}
    for dept in instrument.departments:
        for page in pages(instrument)[1:]:
            groups = _groups(instrument, page, "en", dept, {}, {}, t)
            web = [q["name"] for g in groups for q in g["questions"]]
            assert web == [i.code for i in shown_items(page)], (dept, page.number)
