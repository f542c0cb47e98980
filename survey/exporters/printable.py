"""A printable questionnaire (HTML and PDF) for interviews and paper: one copy per
department, so that every text names the other department correctly."""

from __future__ import annotations

from pathlib import Path

from jinja2 import Environment, PackageLoader, select_autoescape

from survey.instrument import Instrument

FOR_WHOM = {"de": "Fragebogen für den Bereich {dept}", "en": "Questionnaire for {dept}"}
LINE = {"de": "Antwort: ____", "en": "Answer: ____"}


def _question(ins: Instrument, item, lang: str, dept: str) -> dict:
    kind = ins.kind(item)
    text = ins.render(item.text, lang, dept)
    options = [o.label[lang] for o in ins.options(item)]
    if kind == "bipolar":
        low, high = item.poles
        options = [f"1 ({low[lang]})", "2", "3", "4", "5", "6", f"7 ({high[lang]})"]
    if kind == "constant_sum":
        options = [f"{p.label[lang]}: ____" for p in item.parts]
    if kind == "percent":
        options = ["____ %"]
    if item.dont_know:
        options.append(ins.dont_know.label[lang])
    return {
        "code": item.code,
        "text": text,
        "kind": "line" if kind == "text" else "boxes",
        "options": options,
    }


def questionnaire_html(instrument: Instrument, lang: str) -> str:
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
        context = [
            {
                "code": q.column,
                "text": q.text[lang],
                "kind": "line" if not q.options else "boxes",
                "options": [t[lang] for t in q.options.values()],
            }
            for q in ins.context
        ]
        pages = [
            {"title": {"de": "Zu Ihrer Person", "en": "About you"}[lang], "questions": context}
        ]
        for dim, label in ins.dimensions.items():
            items = [i for i in ins.items if i.dimension == dim]
            pages.append(
                {"title": label[lang], "questions": [_question(ins, i, lang, dept) for i in items]}
            )
        copies.append(
            {"for_whom": FOR_WHOM[lang].format(dept=ins.departments[dept][lang]), "pages": pages}
        )
    env = Environment(
        loader=PackageLoader("survey", "templates"), autoescape=select_autoescape(["html", "j2"])
    )
    return env.get_template("questionnaire.html.j2").render(
        title=ins.title[lang], lang=lang, copies=copies, instrument=ins
    )


def write_questionnaire(instrument: Instrument, path: str | Path, lang: str) -> list[Path]:
    """Write ``path`` as HTML and the same name with ``.pdf`` (WeasyPrint)."""
    from weasyprint import HTML

    html_path = Path(path).with_suffix(".html")
    html_path.parent.mkdir(parents=True, exist_ok=True)
    html = questionnaire_html(instrument, lang)
    html_path.write_text(html, encoding="utf-8")
    pdf_path = html_path.with_suffix(".pdf")
    HTML(string=html).write_pdf(pdf_path)
    return [html_path, pdf_path]
