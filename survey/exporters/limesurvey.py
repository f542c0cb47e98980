"""LimeSurvey's tab-separated survey structure (``.txt``), importable as a new survey.

One row per survey setting (``S``), language setting (``SL``), group (``G``), question
(``Q``), subquestion (``SQ``) and answer option (``A``); every translatable row is followed
by its translation(s). LimeSurvey codes are letters and digits only (no underscores), up to
20 characters for questions and 5 for answers, so our item codes lose their underscores:
``INF_KEEPS_OTH`` becomes ``INFKEEPSOTH``. :func:`response_columns` and
:func:`answer_values` give the way back for the importer.

Mirror items name the other department through an ExpressionScript on the department
question ``DEPT``; the questions that depend on it are relevant only once it is answered.
"""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

from survey.exporters.layout import block_prompt, blocks, choices, department_dependent
from survey.instrument import Instrument, Item, Language

COLUMNS = (
    "id",
    "related_id",
    "class",
    "type/scale",
    "name",
    "relevance",
    "text",
    "help",
    "language",
    "validation",
    "mandatory",
    "other",
    "default",
    "same_default",
    "equals_num_value",
)
DEPT = "DEPT"
CONTEXT_CODES = {"department": DEPT, "business_unit": "BU", "role": "ROLE", "tenure": "TENURE"}
DONT_KNOW_CODE = "DK"


def lime_code(code: str, limit: int = 20) -> str:
    """Our code as a LimeSurvey code: letters and digits only, at most ``limit`` long.

    Examples
    --------
    >>> lime_code("INF_KEEPS_OTH"), lime_code("marketing", 5)
    ('INFKEEPSOTH', 'MARKE')
    """
    out = re.sub(r"[^A-Za-z0-9]", "", code)[:limit]
    if not out:
        raise ValueError(f"{code!r} has no letters or digits for a LimeSurvey code")
    return out.upper() if limit == 5 else out


def question_code(instrument: Instrument, item: Item) -> str:
    """LimeSurvey question code of an item: its block's code for matrix blocks."""
    for block in blocks(instrument):
        if item in block.items:
            return block.code if block.matrix else lime_code(item.code)
    raise KeyError(item.code)


def answer_code(instrument: Instrument, code: int) -> str:
    return DONT_KNOW_CODE if code == instrument.dont_know.code else str(code)


def response_columns(instrument: Instrument) -> dict[str, str]:
    """Response-export heading (``Q[SQ]`` form) -> our column, metadata included."""
    out = {code: col for col, code in CONTEXT_CODES.items()}
    for block in blocks(instrument):
        for item in block.items:
            kind = instrument.kind(item)
            if block.matrix:
                out[f"{block.code}[{lime_code(item.code)}]"] = item.code
            elif kind == "multiple":
                for opt in instrument.options(item):
                    out[f"{lime_code(item.code)}[O{opt.code}]"] = f"{item.code}_{opt.code}"
            elif kind == "constant_sum":
                for part in item.parts:
                    out[f"{lime_code(item.code)}[{lime_code(part.code)}]"] = (
                        f"{item.code}_{part.code}"
                    )
            else:
                out[lime_code(item.code)] = item.code
    if len(set(out.values())) != len(out):
        raise ValueError("LimeSurvey codes of the instrument collide")
    return out


def answer_values(instrument: Instrument, column: str) -> dict[str, object]:
    """LimeSurvey answer code -> our value for one column (context or item)."""
    for q in instrument.context:
        if q.column == column:
            return {lime_code(key, 5): key for key in q.options}
    item = instrument.column_map[column]
    kind = instrument.kind(item)
    if kind == "multiple":
        return {"Y": 1.0, "N": 0.0}
    return {answer_code(instrument, o.code): float(o.code) for o in choices(instrument, item)}


def _other_expr(instrument: Instrument, lang: Language, which: str) -> str:
    first, second = list(instrument.departments)
    names = {d: instrument.departments[d][lang] for d in (first, second)}
    own, other = (first, second) if which == "own" else (second, first)
    return f'{{if({DEPT}.NAOK=="{lime_code(first, 5)}","{names[own]}","{names[other]}")}}'


def _text(instrument: Instrument, text: str, lang: Language) -> str:
    return text.replace("{own}", _other_expr(instrument, lang, "own")).replace(
        "{other}", _other_expr(instrument, lang, "other")
    )


def structure_rows(instrument: Instrument, langs: tuple[Language, ...]) -> list[dict[str, str]]:
    """The rows of the ``.txt`` structure, base language first in every entity."""
    rows: list[dict[str, str]] = []
    counter = iter(range(1, 100_000))

    def add(cls: str, typ: str, name: str, texts: dict[str, str], **extra: str) -> str:
        rid = str(next(counter))
        for lang in langs:
            rows.append(
                {
                    "id": rid,
                    "class": cls,
                    "type/scale": typ,
                    "name": name,
                    "text": texts[lang],
                    "language": lang,
                    **extra,
                }
            )
        return rid

    rows.append({"class": "S", "name": "language", "text": langs[0]})
    rows.append({"class": "S", "name": "additional_languages", "text": " ".join(langs[1:])})
    rows.append({"class": "S", "name": "format", "text": "G"})
    for lang in langs:
        rows.append(
            {
                "class": "SL",
                "name": "surveyls_title",
                "text": instrument.title[lang],
                "language": lang,
            }
        )
    add("G", "", "context", {lang: _CONTEXT_GROUP[lang] for lang in langs}, relevance="1")
    for q in instrument.context:
        code = CONTEXT_CODES[q.column]
        typ = "L" if q.options else "S"
        add(
            "Q",
            typ,
            code,
            {lang: q.text[lang] for lang in langs},
            relevance="1",
            mandatory="Y" if q.column == "department" else "N",
        )
        for key, label in q.options.items():
            add("A", "0", lime_code(key, 5), {lang: label[lang] for lang in langs})
    dims_done: set[str] = set()
    for block in blocks(instrument):
        if block.dimension not in dims_done:
            dims_done.add(block.dimension)
            add(
                "G",
                "",
                block.dimension,
                {lang: instrument.dimensions[block.dimension][lang] for lang in langs},
                relevance=f"!is_empty({DEPT}.NAOK)",
            )
        relevance = "1"
        if any(department_dependent(i) for i in block.items):
            relevance = f"!is_empty({DEPT}.NAOK)"
        if block.matrix:
            first = block.items[0]
            add(
                "Q",
                "F",
                block.code,
                {lang: block_prompt(instrument, block, lang) for lang in langs},
                relevance=relevance,
                mandatory="N",
            )
            for item in block.items:
                add(
                    "SQ",
                    "0",
                    lime_code(item.code),
                    {lang: _text(instrument, item.text[lang], lang) for lang in langs},
                    relevance="1",
                )
            for opt in choices(instrument, first):
                add(
                    "A",
                    "0",
                    answer_code(instrument, opt.code),
                    {lang: opt.label[lang] for lang in langs},
                )
            continue
        item = block.items[0]
        kind = instrument.kind(item)
        texts = {lang: _text(instrument, item.text[lang], lang) for lang in langs}
        code = lime_code(item.code)
        if kind == "multiple":
            add("Q", "M", code, texts, relevance=relevance, mandatory="N")
            for opt in instrument.options(item):
                add(
                    "SQ",
                    "0",
                    f"O{opt.code}",
                    {lang: opt.label[lang] for lang in langs},
                    relevance="1",
                )
        elif kind == "constant_sum":
            total = str(instrument.response_type(item).total)
            add("Q", "K", code, texts, relevance=relevance, mandatory="N", equals_num_value=total)
            for part in item.parts:
                add(
                    "SQ",
                    "0",
                    lime_code(part.code),
                    {lang: part.label[lang] for lang in langs},
                    relevance="1",
                )
        elif kind == "percent":
            low, high = instrument.value_range(item)
            add(
                "Q",
                "N",
                code,
                texts,
                relevance=relevance,
                mandatory="N",
                validation=f"is_empty(this) or (this >= {low} and this <= {high})",
            )
        elif kind == "text":
            add("Q", "T", code, texts, relevance=relevance, mandatory="N")
        else:
            add("Q", "L", code, texts, relevance=relevance, mandatory="N")
            for opt in choices(instrument, item):
                add(
                    "A",
                    "0",
                    answer_code(instrument, opt.code),
                    {lang: opt.label[lang] for lang in langs},
                )
    return rows


_CONTEXT_GROUP = {"de": "Zu Ihrer Person", "en": "About you"}


def render_limesurvey(instrument: Instrument, langs: tuple[Language, ...]) -> str:
    """The ``.txt`` structure as a string (tab-separated, every row the same columns)."""
    buf = io.StringIO()
    writer = csv.DictWriter(
        buf, fieldnames=COLUMNS, delimiter="\t", lineterminator="\n", restval=""
    )
    writer.writeheader()
    writer.writerows(structure_rows(instrument, langs))
    return buf.getvalue()


def write_limesurvey(instrument: Instrument, path: Path, langs: tuple[Language, ...]) -> Path:
    """Write the structure as UTF-8 with BOM, the encoding LimeSurvey writes itself."""
    path.write_text(render_limesurvey(instrument, langs), encoding="utf-8-sig")
    return path
