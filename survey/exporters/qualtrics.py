"""Qualtrics' Advanced Format TXT import file, one file per language.

Every item is one question whose ``[[ID:...]]`` is our item code, so Qualtrics uses it as
the question export tag and its CSV columns map back without a mapping file (multiple
choice: ``CODE_<choice>``, constant sum: ``CODE_<n>`` in part order). Choice numbers
follow the option codes; "don't know" is the choice after the last option
(:func:`choice_recodes` gives the way back).

Mirror items pipe the department names from the embedded data fields ``own_dept`` and
``other_dept``; set them in the survey flow with a branch on the department question
(Qualtrics' TXT format cannot carry survey flow).
"""

from __future__ import annotations

from pathlib import Path

from survey.exporters import per_language_path
from survey.exporters.layout import choices, shown_items
from survey.instrument import Instrument, Item, Language
from survey.questionnaire import pages

PIPES = {"{own}": "${e://Field/own_dept}", "{other}": "${e://Field/other_dept}"}


def choice_recodes(instrument: Instrument, item: Item) -> dict[int, float]:
    """Qualtrics choice number -> our code for a single-answer item."""
    opts = choices(instrument, item)
    out: dict[int, float] = {}
    for opt in opts:
        number = opt.code if opt.code != instrument.dont_know.code else max(out) + 1
        out[number] = float(opt.code)
    return out


def _text(text: str) -> str:
    for placeholder, pipe in PIPES.items():
        text = text.replace(placeholder, pipe)
    return " ".join(text.split())


def _question(instrument: Instrument, item: Item, lang: Language) -> list[str]:
    kind = instrument.kind(item)
    head = [f"[[ID:{item.code}]]", _text(item.text[lang])]
    if kind == "multiple":
        lines = ["[[Question:MC:MultipleAnswer:Vertical]]", *head, "[[AdvancedChoices]]"]
        for opt in instrument.options(item):
            lines += [f"[[Choice:{opt.code}]]", opt.label[lang]]
        return lines
    if kind == "constant_sum":
        lines = ["[[Question:ConstantSum]]", *head, "[[Choices]]"]
        return lines + [p.label[lang] for p in item.parts]
    if kind == "percent":
        return ["[[Question:TE:SingleLine]]", *head]
    if kind == "text":
        return ["[[Question:TE:Essay]]", *head]
    lines = ["[[Question:MC:SingleAnswer:Horizontal]]", *head, "[[AdvancedChoices]]"]
    labels = {float(o.code): o.label[lang] for o in choices(instrument, item)}
    for number, code in choice_recodes(instrument, item).items():
        lines += [f"[[Choice:{number}]]", labels[code]]
    return lines


DK_TAG = "_DK"  # export tag suffix of the "don't know" box after a number item
DK_PROMPT = {"de": "Können Sie es nicht sagen?", "en": "Cannot say?"}


def dont_know_tag(item: Item) -> str:
    """Export tag of the "don't know" box of a number item; its CSV column is ``TAG_1``."""
    return item.code + DK_TAG


def has_dont_know_box(instrument: Instrument, item: Item) -> bool:
    return item.dont_know and instrument.kind(item) in {"percent", "constant_sum"}


def render_qualtrics(instrument: Instrument, lang: Language) -> str:
    """One language's Advanced Format TXT: one block per page of our web survey (Qualtrics
    shows each block on a page of its own), questions in the web survey's order."""
    lines = ["[[AdvancedFormat]]", "", "[[Block:context]]", ""]
    for q in instrument.context:
        code = q.column.upper()
        if q.options:
            lines += ["[[Question:MC:SingleAnswer:Vertical]]", f"[[ID:{code}]]", q.text[lang]]
            lines += ["[[AdvancedChoices]]"]
            for number, label in enumerate(q.options.values(), start=1):
                lines += [f"[[Choice:{number}]]", label[lang]]
        else:
            lines += ["[[Question:TE:SingleLine]]", f"[[ID:{code}]]", q.text[lang]]
        lines.append("")
    for page in pages(instrument)[1:]:
        lines += [f"[[Block:{page.key}]]", ""]
        for item in shown_items(page):  # the web survey's order
            lines += [*_question(instrument, item, lang), ""]
            if has_dont_know_box(instrument, item):
                # a number field has no choices: "don't know" is a box of its own
                lines += ["[[Question:MC:MultipleAnswer:Vertical]]",
                          f"[[ID:{dont_know_tag(item)}]]", DK_PROMPT[lang],
                          "[[AdvancedChoices]]", "[[Choice:1]]",
                          instrument.dont_know.label[lang], ""]  # fmt: skip
    return "\n".join(lines)


def write_qualtrics(
    instrument: Instrument,
    path: Path,
    langs: tuple[Language, ...],
    units: dict[str, str] | None = None,
) -> list[Path]:
    """One file per language (Qualtrics imports one language per TXT file).

    ``units`` are not written: Qualtrics numbers choices itself, so the unit stays a text
    field, best filled from the distribution link (see the README).
    """
    out = []
    for lang in langs:
        target = per_language_path(path, lang, langs)
        target.write_text(render_qualtrics(instrument, lang), encoding="utf-8")
        out.append(target)
    return out
