"""The instrument as a SurveyJS form (``survey-core`` JSON): localised strings, one page per
dimension, agreement items of a page grouped in matrices, the department question first.

Texts that name the other department use SurveyJS calculated values (``{other_de}``,
``{other_en}``) computed from the department answer, so marketing respondents read
"Vertrieb"/"sales" and sales respondents "Marketing"/"marketing". Question names are our
item codes, so SurveyJS result JSON maps back to the response table by code.
"""

from __future__ import annotations

import json
from pathlib import Path

from survey.instrument import Instrument, Item, Text

LANGS = ("de", "en")


def _text(text: Text, langs: tuple[str, ...]) -> dict[str, str]:
    """A localisable string. SurveyJS's default locale is English, so ``default`` holds
    the English text and every other language its own key."""

    def sub(value: str, lang: str) -> str:
        return value.replace("{own}", f"{{own_{lang}}}").replace("{other}", f"{{other_{lang}}}")

    out = {"default": sub(text["en"], "en")}
    for lang in langs:
        if lang != "en":
            out[lang] = sub(text[lang], lang)
    return out


def _choices(ins: Instrument, item: Item, langs: tuple[str, ...]) -> list[dict]:
    return [{"value": o.code, "text": _text(o.label, langs)} for o in ins.options(item)]


def _element(ins: Instrument, item: Item, langs: tuple[str, ...]) -> dict:
    kind = ins.kind(item)
    base = {"name": item.code, "title": _text(item.text, langs)}
    dk = (
        {
            "showNoneItem": True,
            "noneText": _text(ins.dont_know.label, langs),
            "noneValue": ins.dont_know.code,
        }
        if item.dont_know
        else {}
    )
    if kind in ("agreement", "grade", "frequency", "timeband", "yes_no", "single"):
        return {**base, "type": "radiogroup", "choices": _choices(ins, item, langs), **dk}
    if kind == "bipolar":
        low, high = item.poles
        return {
            **base,
            "type": "rating",
            "rateMin": 1,
            "rateMax": 7,
            "minRateDescription": _text(low, langs),
            "maxRateDescription": _text(high, langs),
        }
    if kind == "percent":
        return {**base, "type": "text", "inputType": "number", "min": 0, "max": 100}
    if kind == "multiple":
        return {
            **base,
            "type": "checkbox",
            "choices": _choices(ins, item, langs),
            "maxSelectedChoices": item.max_choices or 0,
        }
    if kind == "constant_sum":
        return {
            **base,
            "type": "multipletext",
            "items": [
                {"name": part.code, "title": _text(part.label, langs), "inputType": "number"}
                for part in item.parts
            ],
        }
    return {**base, "type": "comment", "maxLength": 5000}


def _matrix(ins: Instrument, items: list[Item], langs: tuple[str, ...], n: int) -> dict:
    """Agreement items of one response type as one SurveyJS matrix (rows = item codes)."""
    first = items[0]
    return {
        "type": "matrix",
        "name": f"{first.dimension}_{first.type}_{n}",
        "title": _text(ins.response_types[first.type].label, langs),
        "columns": _choices(ins, first, langs),
        "rows": [{"value": i.code, "text": _text(i.text, langs)} for i in items],
    }


def surveyjs_form(instrument: Instrument, langs: tuple[str, ...] = LANGS) -> dict:
    """The SurveyJS form JSON.

    Examples
    --------
    >>> from survey import load_instrument
    >>> form = surveyjs_form(load_instrument())
    >>> form["pages"][0]["elements"][0]["name"], len(form["pages"]) > 5
    ('department', True)
    """
    ins = instrument
    depts = list(ins.departments)
    context = []
    for q in ins.context:
        if q.column == "business_unit":
            context.append({"type": "text", "name": q.column, "title": _text(q.text, langs)})
            continue
        context.append(
            {
                "type": "radiogroup",
                "name": q.column,
                "title": _text(q.text, langs),
                "isRequired": q.column == "department",
                "choices": [
                    {"value": code, "text": _text(label, langs)}
                    for code, label in q.options.items()
                ],
            }
        )
    pages = [{"name": "context", "elements": context}]
    for dim, label in ins.dimensions.items():
        items = [i for i in ins.items if i.dimension == dim]
        elements, block = [], []
        for item in [*items, None]:
            groupable = (
                item is not None
                and ins.kind(item) == "agreement"
                and not item.dont_know
                and (not block or block[0].type == item.type)
            )
            if groupable:
                block.append(item)
                continue
            if len(block) >= 2:
                elements.append(_matrix(ins, block, langs, len(elements)))
            elif block:
                elements.append(_element(ins, block[0], langs))
            block = (
                [item]
                if (item is not None and ins.kind(item) == "agreement" and not item.dont_know)
                else []
            )
            if item is not None and not block:
                elements.append(_element(ins, item, langs))
        pages.append({"name": dim, "title": _text(label, langs), "elements": elements})
    calculated = []
    for lang in langs:
        for role, pick in (("own", 0), ("other", 1)):
            names = [ins.departments[d][lang] for d in depts]
            first, second = (names[0], names[1]) if pick == 0 else (names[1], names[0])
            calculated.append(
                {
                    "name": f"{role}_{lang}",
                    "expression": f"iif({{department}} = '{depts[0]}', '{first}', '{second}')",
                }
            )
    return {
        "title": _text(ins.title, langs),
        "locale": langs[0],
        "pages": pages,
        "calculatedValues": calculated,
        "showProgressBar": "top",
    }


def write_surveyjs(
    instrument: Instrument, path: str | Path, langs: tuple[str, ...] = LANGS
) -> Path:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    form = surveyjs_form(instrument, langs)
    path.write_text(json.dumps(form, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    return path
