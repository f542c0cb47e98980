"""The instrument as a Qualtrics Advanced Format TXT import file, one language per file.

Every question's export tag (``[[ID:...]]``) is our item code, so a Qualtrics CSV export
maps back by code. Choices are listed in code order (Qualtrics recodes them 1, 2, ...);
"don't know" comes last. Texts naming the other department pipe the embedded data field
``other``: a survey-flow branch on the department question sets it (see README).
"""

from __future__ import annotations

from pathlib import Path

from survey.instrument import Instrument, Item

OTHER = "${e://Field/other}"
OWN = "${e://Field/own}"


def _text(ins: Instrument, text, lang: str) -> str:
    return text[lang].replace("{other}", OTHER).replace("{own}", OWN)


def qualtrics_choices(ins: Instrument, item: Item, lang: str) -> list[str]:
    """Choice texts in the order Qualtrics will recode them (1, 2, ...)."""
    choices = [o.label[lang] for o in ins.options(item)]
    if item.dont_know:
        choices.append(ins.dont_know.label[lang])
    return choices


def _question(ins: Instrument, item: Item, lang: str) -> list[str]:
    kind = ins.kind(item)
    text = _text(ins, item.text, lang)
    if kind == "bipolar":
        low, high = item.poles
        text = f"{text} (1 = {low[lang]}, 7 = {high[lang]})"
    if kind == "text":
        return ["[[Question:TE:Essay]]", f"[[ID:{item.code}]]", text]
    if kind == "percent":
        return ["[[Question:TE:SingleLine]]", f"[[ID:{item.code}]]", text]
    if kind == "constant_sum":
        return [
            "[[Question:TE:Form]]",
            f"[[ID:{item.code}]]",
            text,
            "[[Choices]]",
            *[p.label[lang] for p in item.parts],
        ]
    shape = "MultipleAnswer" if kind == "multiple" else "SingleAnswer"
    choices = (
        [o.label[lang] for o in ins.options(item)]
        if kind == "multiple"
        else (qualtrics_choices(ins, item, lang))
    )
    return [
        f"[[Question:MC:{shape}:Vertical]]",
        f"[[ID:{item.code}]]",
        text,
        "[[Choices]]",
        *choices,
    ]


def qualtrics_txt(instrument: Instrument, lang: str) -> str:
    """The Advanced Format text.

    Examples
    --------
    >>> from survey import load_instrument
    >>> txt = qualtrics_txt(load_instrument(), "en")
    >>> txt.splitlines()[0], "[[ID:LEA_QUALITY]]" in txt
    ('[[AdvancedFormat]]', True)
    """
    ins = instrument
    lines = ["[[AdvancedFormat]]", "", "[[Block:context]]", ""]
    for q in ins.context:
        if q.options:
            lines += [
                "[[Question:MC:SingleAnswer:Vertical]]",
                f"[[ID:{q.column}]]",
                q.text[lang],
                "[[Choices]]",
                *[t[lang] for t in q.options.values()],
                "",
            ]
        else:
            lines += ["[[Question:TE:SingleLine]]", f"[[ID:{q.column}]]", q.text[lang], ""]
    for dim in ins.dimensions:
        lines += [f"[[Block:{dim}]]", ""]
        for item in (i for i in ins.items if i.dimension == dim):
            lines += [*_question(ins, item, lang), ""]
    return "\n".join(lines)


def write_qualtrics(instrument: Instrument, path: str | Path, lang: str) -> Path:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(qualtrics_txt(instrument, lang), encoding="utf-8")
    return path
