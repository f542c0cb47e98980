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

from survey.exporters.layout import (
    block_prompt,
    blocks,
    choices,
    department_dependent,
    page_title,
)
from survey.instrument import LANGUAGES, Instrument, Item, Language, Text
from survey.questionnaire import DK_SUFFIX, TEXT_LIMIT, pages

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


def _number_validators(low: int, high: int, langs) -> list[dict]:
    # whole numbers in range, as our web survey checks them (survey.questionnaire)
    text = _loc({lang: NUMBER_MESSAGE[lang].format(min=low, max=high) for lang in langs}, langs)
    return [
        {"type": "numeric", "minValue": low, "maxValue": high, "text": text},
        {"type": "regex", "regex": "^[0-9]+$", "text": text},
    ]


NUMBER_MESSAGE = {
    "de": "Bitte eine ganze Zahl von {min} bis {max} eingeben.",
    "en": "Please enter a whole number from {min} to {max}.",
}


def _element(instrument: Instrument, item: Item, langs) -> list[dict]:
    kind = instrument.kind(item)
    el: dict = {"name": item.code, "title": _item_text(item.text, langs)}
    if kind == "multiple":
        el |= {"type": "checkbox", "choices": _choices(instrument, item, langs)}
        if item.max_choices:
            el["maxSelectedChoices"] = item.max_choices
    elif kind == "constant_sum":
        total = instrument.response_type(item).total
        low, high = instrument.value_range(item)
        parts = ", ".join(f"{{{item.code}.{p.code}}}" for p in item.parts)
        el |= {
            "type": "multipletext",
            "items": [
                {
                    "name": p.code,
                    "title": _tloc(p.label, langs),
                    "inputType": "number",
                    "validators": _number_validators(low, high, langs),
                }
                for p in item.parts
            ],
            # skippable like in our web survey; empty parts count as 0 once one is filled
            "validators": [
                {
                    "type": "expression",
                    "expression": f"{{{item.code}}} empty or sum({parts}) = {total}",
                    "text": _loc(
                        {lang: SUM_MESSAGE[lang].format(total=total) for lang in langs}, langs
                    ),
                }
            ],
        }
    elif kind == "percent":
        low, high = instrument.value_range(item)
        el |= {
            "type": "text",
            "inputType": "number",
            "min": low,
            "max": high,
            "validators": _number_validators(low, high, langs),
        }
    elif kind == "text":
        el |= {"type": "comment", "maxLength": TEXT_LIMIT}
    else:
        el |= {"type": "radiogroup", "choices": _choices(instrument, item, langs)}
    conditions = [ASKED] if department_dependent(item) else []
    box = None
    if item.dont_know and kind in {"percent", "constant_sum"}:
        # number fields have no options: "don't know" is a checkbox of its own, named like
        # the web survey's field (CODE__dk); ticking it hides (and so clears) the numbers
        name = item.code + DK_SUFFIX
        box = {
            "type": "checkbox",
            "name": name,
            "titleLocation": "hidden",
            "title": _tloc(instrument.dont_know.label, langs),
            "choices": [
                {
                    "value": instrument.dont_know.code,
                    "text": _tloc(instrument.dont_know.label, langs),
                }
            ],
        }
        if conditions:
            box["visibleIf"] = " and ".join(conditions)
        conditions = [*conditions, f"{{{name}}} empty"]
    if conditions:
        el["visibleIf"] = " and ".join(conditions)
    return [el, box] if box else [el]


SUM_MESSAGE = {
    "de": "Die Punkte müssen zusammen {total} ergeben.",
    "en": "The points must add up to {total}.",
}


def _context(instrument: Instrument, langs, units: dict[str, str] | None) -> list[dict]:
    out = []
    for q in instrument.context:
        el: dict = {"name": q.column, "title": _tloc(q.text, langs)}
        options = {k: _tloc(v, langs) for k, v in q.options.items()}
        if q.column == "business_unit" and units:
            options = dict(units)
        if options:
            el |= {
                "type": "radiogroup",
                "choices": [{"value": k, "text": v} for k, v in options.items()],
            }
        else:
            el |= {"type": "text"}
        # required, as in our web survey; a link that presets them sets them as data
        el["isRequired"] = q.column in ("department", "business_unit")
        out.append(el)
    return out


def surveyjs_form(
    instrument: Instrument,
    langs: tuple[Language, ...] = LANGUAGES,
    units: dict[str, str] | None = None,
) -> dict:
    """The SurveyJS form as a dict: our web survey's pages, in its order.

    Examples
    --------
    >>> from survey import load_instrument
    >>> f = surveyjs_form(load_instrument(), ("de", "en"))
    >>> f["locale"], f["pages"][0]["elements"][0]["name"]
    ('de', 'department')
    """
    out_pages = [
        {
            "name": "context",
            "title": _loc({lang: CONTEXT_TITLE[lang] for lang in langs}, langs),
            "elements": _context(instrument, langs, units),
        }
    ]
    by_page: dict[int, list] = {}
    for block in blocks(instrument):
        by_page.setdefault(block.page, []).append(block)  # a dimension may fill two pages
    for page in pages(instrument)[1:]:
        elements: list[dict] = []
        for block in by_page[page.number]:
            if block.matrix:
                el = {
                    "type": "matrix",
                    "name": block.code,
                    "title": _loc(
                        {lang: block_prompt(instrument, block, lang) for lang in langs}, langs
                    ),
                    "columns": _choices(instrument, block.items[0], langs),
                    "rows": [
                        {"value": i.code, "text": _item_text(i.text, langs)} for i in block.items
                    ],
                }
                if any(department_dependent(i) for i in block.items):
                    el["visibleIf"] = ASKED
                elements.append(el)
            else:
                elements += _element(instrument, block.items[0], langs)
        out_pages.append(
            {
                "name": page.key,
                # the web survey's heading, "(1 of 2)" where a dimension fills two pages
                "title": _loc({lang: page_title(instrument, page, lang) for lang in langs}, langs),
                "elements": elements,
            }
        )
    return {
        "title": _tloc(instrument.title, langs),
        "locale": langs[0],
        "calculatedValues": _calculated_values(instrument, langs),
        "pages": out_pages,
    }


CONTEXT_TITLE = {"de": "Zu Ihrer Person", "en": "About you"}


def write_surveyjs(
    instrument: Instrument,
    path: str | Path,
    langs: tuple[Language, ...] = LANGUAGES,
    units: dict[str, str] | None = None,
) -> Path:
    path = Path(path)
    path.write_text(
        json.dumps(surveyjs_form(instrument, langs, units), ensure_ascii=False, indent=1),
        encoding="utf-8",
    )
    return path
