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
from survey.exporters.layout import blocks, choices
from survey.instrument import Instrument, Item, Language

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


def render_qualtrics(instrument: Instrument, lang: Language) -> str:
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
    dimension = None
    for block in blocks(instrument):
        if block.dimension != dimension:
            dimension = block.dimension
            lines += [f"[[Block:{dimension}]]", ""]
        for item in block.items:
            lines += [*_question(instrument, item, lang), ""]
        lines += ["[[PageBreak]]", ""]
    return "\n".join(lines)


def write_qualtrics(instrument: Instrument, path: Path, langs: tuple[Language, ...]) -> list[Path]:
    out = []
    for lang in langs:
        target = per_language_path(path, lang, langs)
        target.write_text(render_qualtrics(instrument, lang), encoding="utf-8")
        out.append(target)
    return out
