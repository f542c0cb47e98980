"""A SurveyJS form (JSON) for the ``survey-core`` library, in one or both languages.

Localised strings are ``{"default": <English>, "de": <German>}`` (SurveyJS' default
locale is English) and ``locale`` is the first language asked for; item blocks become
``matrix`` questions whose rows carry our item codes, every other item a question named by
its code, so that SurveyJS results map back without a mapping file. Mirror items name the
other department through calculated values on the department question.
"""

from __future__ import annotations

import json
from pathlib import Path

from survey.exporters.layout import block_prompt, blocks, choices, department_dependent
from survey.instrument import LANGUAGES, Instrument, Item, Language, Text

ASKED = "{department} notempty"


def _loc(texts: dict[str, str], langs: tuple[Language, ...]) -> str | dict[str, str]:
    if len(langs) == 1:
        return texts[langs[0]]
    return {"default": texts["en"], **{lang: texts[lang] for lang in langs if lang != "en"}}


def _tloc(text: Text, langs: tuple[Language, ...]) -> str | dict[str, str]:
    return _loc({lang: text[lang] for lang in langs}, langs)


def _item_text(item_text: Text, langs: tuple[Language, ...]) -> str | dict[str, str]:
    # {own}/{other} -> {own_de}/{other_en}: calculated values set from the department answer.
    return _loc(
        {
            lang: item_text[lang]
            .replace("{own}", f"{{own_{lang}}}")
            .replace("{other}", f"{{other_{lang}}}")
            for lang in langs
        },
        langs,
    )


def _choices(instrument: Instrument, item: Item, langs):
    return [{"value": o.code, "text": _tloc(o.label, langs)} for o in choices(instrument, item)]


def _calculated_values(instrument: Instrument, langs) -> list[dict[str, str]]:
    first, second = list(instrument.departments)
    out = []
    for lang in langs:
        names = {d: instrument.departments[d][lang] for d in (first, second)}
        for which, (if_first, if_second) in {
            "own": (names[first], names[second]),
            "other": (names[second], names[first]),
        }.items():
            out.append(
                {
                    "name": f"{which}_{lang}",
                    "expression": f"iif({{department}} = '{first}', '{if_first}', '{if_second}')",
                }
            )
    return out


def _element(instrument: Instrument, item: Item, langs) -> dict:
    kind = instrument.kind(item)
    el: dict = {"name": item.code, "title": _item_text(item.text, langs)}
    if kind == "multiple":
        el |= {"type": "checkbox", "choices": _choices(instrument, item, langs)}
        if item.max_choices:
            el["maxSelectedChoices"] = item.max_choices
    elif kind == "constant_sum":
        total = instrument.response_type(item).total
        el |= {
            "type": "multipletext",
            "items": [
                {"name": p.code, "title": _tloc(p.label, langs), "inputType": "number"}
                for p in item.parts
            ],
            "validators": [
                {
                    "type": "expression",
                    "expression": " + ".join(f"{{{item.code}.{p.code}}}" for p in item.parts)
                    + f" = {total}",
                }
            ],
        }
    elif kind == "percent":
        low, high = instrument.value_range(item)
        el |= {"type": "text", "inputType": "number", "min": low, "max": high}
    elif kind == "text":
        el |= {"type": "comment"}
    else:
        el |= {"type": "radiogroup", "choices": _choices(instrument, item, langs)}
    if department_dependent(item):
        el["visibleIf"] = ASKED
    return el


def surveyjs_form(instrument: Instrument, langs: tuple[Language, ...] = LANGUAGES) -> dict:
    """The SurveyJS form as a dict.

    Examples
    --------
    >>> from survey import load_instrument
    >>> f = surveyjs_form(load_instrument(), ("de", "en"))
    >>> f["locale"], f["pages"][0]["elements"][0]["name"]
    ('de', 'department')
    """
    context = []
    for q in instrument.context:
        el: dict = {"name": q.column, "title": _tloc(q.text, langs)}
        if q.options:
            el |= {
                "type": "radiogroup",
                "choices": [{"value": k, "text": _tloc(v, langs)} for k, v in q.options.items()],
            }
        else:
            el |= {"type": "text"}
        el["isRequired"] = q.column == "department"
        context.append(el)
    pages = [{"name": "context", "elements": context}]
    for block in blocks(instrument):
        if pages[-1]["name"] != block.dimension:
            pages.append(
                {
                    "name": block.dimension,
                    "title": _tloc(instrument.dimensions[block.dimension], langs),
                    "elements": [],
                }
            )
        if block.matrix:
            el = {
                "type": "matrix",
                "name": block.code,
                "title": _loc(
                    {lang: block_prompt(instrument, block, lang) for lang in langs}, langs
                ),
                "columns": _choices(instrument, block.items[0], langs),
                "rows": [{"value": i.code, "text": _item_text(i.text, langs)} for i in block.items],
            }
            if any(department_dependent(i) for i in block.items):
                el["visibleIf"] = ASKED
            pages[-1]["elements"].append(el)
        else:
            pages[-1]["elements"].append(_element(instrument, block.items[0], langs))
    return {
        "title": _tloc(instrument.title, langs),
        "locale": langs[0],
        "calculatedValues": _calculated_values(instrument, langs),
        "pages": pages,
    }


def write_surveyjs(
    instrument: Instrument, path: str | Path, langs: tuple[Language, ...] = LANGUAGES
) -> Path:
    path = Path(path)
    path.write_text(
        json.dumps(surveyjs_form(instrument, langs), ensure_ascii=False, indent=1),
        encoding="utf-8",
    )
    return path
