"""A printable questionnaire for interviews and paper: HTML (Jinja2) and PDF (WeasyPrint).

Paper cannot switch texts on the department answer, so there is one questionnaire per
language and department: ``q.pdf`` becomes ``q.de.marketing.pdf``, ``q.en.sales.pdf``...
Item codes are printed small beside each question for data entry.
"""

from __future__ import annotations

from pathlib import Path

from jinja2 import Environment, PackageLoader, select_autoescape

from survey.exporters.layout import block_prompt, blocks, choices
from survey.instrument import Instrument, Language

INTRO = {
    "de": "Bitte kreuzen Sie je Frage eine Antwort an, wo nicht anders angegeben. "
    "Ihre Antworten werden nur zusammengefasst ausgewertet.",
    "en": "Please tick one answer per question unless stated otherwise. "
    "Your answers are only analysed in aggregate.",
}
CONTEXT_TITLE = {"de": "Zu Ihrer Person", "en": "About you"}
FOR_DEPARTMENT = {"de": "Fragebogen für den Bereich {name}", "en": "Questionnaire for {name}"}


def questionnaire_html(instrument: Instrument, lang: Language, department: str) -> str:
    """The questionnaire for one language and department as a self-contained HTML page.

    Examples
    --------
    >>> from survey import load_instrument
    >>> html = questionnaire_html(load_instrument(), "de", "sales")
    >>> "Fragebogen für den Bereich Vertrieb" in html, "INF_KEEPS_OTH" in html
    (True, True)
    """
    ins = instrument

    def text(t) -> str:
        return ins.render(t, lang, department)

    sections: list[dict] = []
    for block in blocks(ins):
        if not sections or sections[-1]["dimension"] != block.dimension:
            sections.append(
                {
                    "dimension": block.dimension,
                    "title": ins.dimensions[block.dimension][lang],
                    "blocks": [],
                }
            )
        first = block.items[0]
        if block.matrix:
            entry = {
                "matrix": True,
                "prompt": block_prompt(ins, block, lang),
                "columns": [o.label[lang] for o in choices(ins, first)],
                "rows": [{"text": text(i.text), "code": i.code} for i in block.items],
            }
        else:
            kind = ins.kind(first)
            entry = {
                "matrix": False,
                "code": first.code,
                "text": text(first.text),
                "options": [text(o.label[lang]) for o in choices(ins, first)]
                if kind not in {"constant_sum", "percent", "text"}
                else [],
                "parts": [p.label[lang] for p in first.parts],
                "blank": kind in {"percent", "text"},
            }
        sections[-1]["blocks"].append(entry)
    env = Environment(
        loader=PackageLoader("survey.exporters", "templates"),
        autoescape=select_autoescape(["html", "j2"]),
    )
    name = ins.departments[department][lang]
    return env.get_template("questionnaire.html.j2").render(
        lang=lang,
        title=ins.title[lang],
        department=name,
        intro=FOR_DEPARTMENT[lang].format(name=name) + ". " + INTRO[lang],
        context_title=CONTEXT_TITLE[lang],
        context=[
            {"text": q.text[lang], "options": [v[lang] for v in q.options.values()]}
            for q in ins.context
            if q.column != "department"
        ],
        sections=sections,
    )


def write_printable(instrument: Instrument, path: Path, langs: tuple[Language, ...]) -> list[Path]:
    """Write HTML (``.html``) or PDF (``.pdf``) questionnaires, one per language and department."""
    suffix = path.suffix.lower()
    if suffix not in {".html", ".pdf"}:
        raise ValueError(f"{path}: a printable questionnaire is .html or .pdf")
    out = []
    for lang in langs:
        for department in instrument.departments:
            target = path.with_suffix(f".{lang}.{department}{suffix}")
            html = questionnaire_html(instrument, lang, department)
            if suffix == ".html":
                target.write_text(html, encoding="utf-8")
            else:
                from weasyprint import HTML  # heavy: imported only when a PDF is asked for

                HTML(string=html).write_pdf(target)
            out.append(target)
    return out
