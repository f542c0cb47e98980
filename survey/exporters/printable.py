"""A printable questionnaire (HTML and PDF) for interviews and paper: one copy per
department, so that every text names the other department correctly.

It has the web survey's pages (:func:`survey.questionnaire.pages`), each starting on a new
sheet, with the same items in the same order, the same options and "don't know", and the
hints the web survey shows next to a field (its own texts, ``survey/web/texts.yaml``).
"""

from __future__ import annotations

from functools import cache
from importlib import resources
from pathlib import Path

import yaml
from jinja2 import Environment, PackageLoader, select_autoescape

from survey.exporters.layout import page_title, shown_items
from survey.instrument import Instrument
from survey.questionnaire import TEXT_LIMIT, pages

FOR_WHOM = {"de": "Fragebogen für den Bereich {dept}", "en": "Questionnaire for {dept}"}


@cache
def web_texts() -> dict[str, dict[str, str]]:
    """The web survey's own interface texts (headings and hints), shared with paper."""
    path = resources.files("survey") / "web" / "texts.yaml"
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def _t(key: str, lang: str, **values) -> str:
    return web_texts()[key][lang].format(**values)


def _question(ins: Instrument, item, lang: str, dept: str) -> dict:
    kind = ins.kind(item)
    text = ins.render(item.text, lang, dept)
    options = [o.label[lang] for o in ins.options(item)]
    hint = ""
    if kind == "bipolar":
        low, high = item.poles
        options = [f"{options[0]} ({low[lang]})", *options[1:-1], f"{options[-1]} ({high[lang]})"]
    if kind == "multiple" and item.max_choices:
        hint = _t("choose_up_to", lang, n=item.max_choices)
    if kind == "constant_sum":
        options = [f"{p.label[lang]}: ____" for p in item.parts]
        hint = _t("sum_hint", lang, total=ins.response_type(item).total)
    if kind == "percent":
        options = ["____ %"]
        low, high = ins.value_range(item)
        hint = _t("percent_hint", lang, min=low, max=high)
    if kind == "text":
        hint = _t("chars_max", lang, n=TEXT_LIMIT)
    if item.dont_know:
        options.append(ins.dont_know.label[lang])
    return {
        "code": item.code,
        "text": text,
        "kind": "line" if kind == "text" else "boxes",
        "options": options,
        "hint": hint,
    }


def _mirror_headings(ins: Instrument, page, questions: list[dict], lang: str, dept: str) -> None:
    """The web survey's headings over a page's mirror items: the own department's items under
    one naming it (with the intro), their twins under one naming the other department."""
    names = {"own": ins.departments[dept][lang],
             "other": ins.departments[ins.other_department(dept)][lang]}  # fmt: skip
    by_code = {q["code"]: q for q in questions}
    for perspective, key, intro in (("self", "mirror_own_heading", "mirror_intro"),
                                    ("other", "mirror_other_heading", "")):  # fmt: skip
        first = next((i for i in shown_items(page)
                      if i.mirror_of and i.perspective == perspective), None)  # fmt: skip
        if first is not None:
            by_code[first.code]["heading"] = _t(key, lang, **names)
            by_code[first.code]["intro"] = _t(intro, lang, **names) if intro else ""


def _context(ins: Instrument, lang: str, units: dict[str, str] | None) -> list[dict]:
    out = []
    for q in ins.context:
        options = [t[lang] for t in q.options.values()]
        if q.column == "business_unit" and units:
            options = list(units.values())
        out.append(
            {
                "code": q.column,
                "text": q.text[lang],
                "kind": "boxes" if options else "line",
                "options": options,
                "hint": "",
            }
        )
    return out


def questionnaire_html(
    instrument: Instrument, lang: str, units: dict[str, str] | None = None
) -> str:
    """The questionnaire in ``lang``, one copy per department.

    Examples
    --------
    >>> from survey import load_instrument
    >>> html = questionnaire_html(load_instrument(), "de")
    >>> html.count('<section class="copy">'), "Bereich Vertrieb" in html
    (2, True)
    """
    ins = instrument
    copies = []
    for dept in ins.departments:
        out_pages = []
        for page in pages(ins):
            title = page_title(ins, page, lang)  # "(1 of 2)" as on the web
            if page.key == "context":
                questions = _context(ins, lang, units)
            else:
                questions = [_question(ins, i, lang, dept) for i in shown_items(page)]
                _mirror_headings(ins, page, questions, lang, dept)
            out_pages.append({"key": page.key, "title": title, "questions": questions})
        copies.append(
            {
                "for_whom": FOR_WHOM[lang].format(dept=ins.departments[dept][lang]),
                "pages": out_pages,
            }
        )
    env = Environment(
        loader=PackageLoader("survey", "templates"), autoescape=select_autoescape(["html", "j2"])
    )
    return env.get_template("questionnaire.html.j2").render(
        title=ins.title[lang], lang=lang, copies=copies, instrument=ins
    )


def write_questionnaire(
    instrument: Instrument, path: str | Path, lang: str, units: dict[str, str] | None = None
) -> list[Path]:
    """Write ``path`` as HTML and the same name with ``.pdf`` (WeasyPrint)."""
    from weasyprint import HTML

    html_path = Path(path).with_suffix(".html")
    html_path.parent.mkdir(parents=True, exist_ok=True)
    html = questionnaire_html(instrument, lang, units)
    html_path.write_text(html, encoding="utf-8")
    pdf_path = html_path.with_suffix(".pdf")
    HTML(string=html).write_pdf(pdf_path)
    return [html_path, pdf_path]
