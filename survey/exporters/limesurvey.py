"""LimeSurvey's tab-separated survey structure (``.txt``), importable as a new survey.

One row per survey setting (``S``), language setting (``SL``), group (``G``), question
(``Q``), subquestion (``SQ``) and answer option (``A``), written the way LimeSurvey's own
``TSVImportSurvey`` (``application/helpers/admin/import_helper.php``) reads them: all rows of
the base language first, then the same rows for each further language; groups carry a key
in ``type/scale`` (``G0``, ``G1``, ... as its own counter would number them) and the title
respondents see in ``name``; question attributes (``min_num_value_n``, ``equals_num_value``,
``max_answers``, ...) are extra columns, filled on the base-language row only; ``id`` stays
empty so that LimeSurvey numbers everything itself and no id becomes an attribute. Our
web survey's pages are the groups, in its order.

LimeSurvey codes are letters and digits only (no underscores), up to 20 characters for
questions and 5 for answers, so our item codes lose their underscores:
``INF_KEEPS_OTH`` becomes ``INFKEEPSOTH``. :func:`response_columns` and
:func:`answer_values` give the way back for the importer.

Mirror items name the other department through an ExpressionScript on the department
question ``DEPT``; the questions that depend on it are relevant only once it is answered.
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
from pathlib import Path

from survey.exporters.layout import (
    block_prompt,
    blocks,
    choices,
    department_dependent,
    page_title,
)
from survey.instrument import Instrument, Item, Language
from survey.questionnaire import TEXT_LIMIT, pages

# LimeSurvey's own TSV export writes these columns first (export_helper.php,
# tsvSurveyExport); TSVImportSurvey (import_helper.php) turns every further column of a Q
# row into a question attribute of that name, so the attribute columns we use follow.
BASE_COLUMNS = (
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
)
ATTRIBUTES = (
    "equals_num_value",
    "max_answers",
    "max_num_value_n",
    "maximum_chars",
    "min_num_value_n",
    "num_value_int_only",
    "value_range_allows_missing",
)
COLUMNS = BASE_COLUMNS + ATTRIBUTES
DEPT = "DEPT"
CONTEXT_CODES = {"department": DEPT, "business_unit": "BU", "role": "ROLE", "tenure": "TENURE"}
DONT_KNOW_CODE = "DK"
ASKED = f"!is_empty({DEPT}.NAOK)"
ANSWER_CODE = re.compile(r"^[A-Za-z0-9]{1,5}$")  # LimeSurvey's answer code rule


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


def dont_know_code(item: Item) -> str:
    """Code of the "don't know" checkbox question that follows a number item.

    LimeSurvey's number questions (``N``, ``K``) have no answer options, so "don't know"
    is a multiple-choice question of its own with one subquestion ``DK``.
    """
    return lime_code(item.code, 18) + DONT_KNOW_CODE


def has_dont_know_question(instrument: Instrument, item: Item) -> bool:
    return item.dont_know and instrument.kind(item) in {"percent", "constant_sum"}


def dont_know_headings(instrument: Instrument) -> dict[str, str]:
    """Response-export heading of each "don't know" checkbox -> the item it stands for."""
    return {
        f"{dont_know_code(item)}[{DONT_KNOW_CODE}]": item.code
        for item in instrument.items
        if has_dont_know_question(instrument, item)
    }


def response_columns(instrument: Instrument) -> dict[str, str]:
    """Response-export heading (``Q[SQ]`` form) -> our column, metadata included.

    The "don't know" checkboxes of number items are not columns of ours; see
    :func:`dont_know_headings`.
    """
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
    if len(set(out.values())) != len(out) or set(out) & set(dont_know_headings(instrument)):
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


def survey_id(instrument: Instrument) -> str:
    """A stable six-digit survey id (LimeSurvey keeps it unless the id is taken)."""
    digest = hashlib.sha256(f"{instrument.id}/{instrument.version}".encode()).digest()
    return str(100_000 + int.from_bytes(digest[:4], "big") % 900_000)


def unit_answer_codes(units: dict[str, str] | None) -> bool:
    """Whether the business units can be a list: every code a valid, unique answer code."""
    return bool(units) and all(ANSWER_CODE.match(code) for code in units)


def _and(*parts: str) -> str:
    parts = tuple(p for p in parts if p and p != "1")
    return " and ".join(parts) if parts else "1"


class _Entities:
    """The translatable rows of one language, built once and written once per language."""

    def __init__(self, langs: tuple[Language, ...]):
        self.langs = langs
        self.rows: list[tuple[dict[str, str], dict[str, str], dict[str, str]]] = []

    def add(
        self,
        cls: str,
        typ: str,
        texts: dict[str, str],
        name: str | dict[str, str] = "",
        attributes: dict[str, str] | None = None,
        **common: str,
    ) -> None:
        names = name if isinstance(name, dict) else dict.fromkeys(self.langs, name)
        self.rows.append(
            ({"class": cls, "type/scale": typ, **common}, {"text": texts, "name": names},
             attributes or {})
        )  # fmt: skip

    def language_blocks(self) -> list[dict[str, str]]:
        # TSVImportSurvey restarts its group counter whenever the language changes, and takes
        # question_order from a counter it resets at every G row: the rows of the base
        # language come first (they create groups, questions and their order), then each
        # translation in the same order, which attaches its texts by group and code.
        out = []
        for n, lang in enumerate(self.langs):
            for common, texts, attributes in self.rows:
                row = {**common, "language": lang, "text": texts["text"][lang],
                       "name": texts["name"][lang]}  # fmt: skip
                if n == 0:
                    row |= attributes  # attributes belong to the question, not a language
                out.append(row)
        return out


def structure_rows(
    instrument: Instrument,
    langs: tuple[Language, ...],
    units: dict[str, str] | None = None,
) -> list[dict[str, str]]:
    """The rows of the ``.txt`` structure: survey settings, then one block per language.

    ``units`` (code -> name, from the project) makes the business unit a list like in our
    web survey; without them it is a required short text, to be preset by the link.
    """
    rows: list[dict[str, str]] = [
        {"class": "S", "name": "sid", "text": survey_id(instrument)},
        {"class": "S", "name": "language", "text": langs[0]},
        {"class": "S", "name": "additional_languages", "text": " ".join(langs[1:])},
        {"class": "S", "name": "format", "text": "G"},  # group by group: one page per group
        {"class": "S", "name": "anonymized", "text": "Y"},
        {"class": "S", "name": "allowprev", "text": "Y"},
        {"class": "S", "name": "allowsave", "text": "Y"},
        {"class": "S", "name": "showprogress", "text": "Y"},
    ]
    for lang in langs:
        rows.append(
            {"class": "SL", "name": "surveyls_title", "text": instrument.title[lang],
             "language": lang}
        )  # fmt: skip
    ent = _Entities(langs)
    question = {"other": "N", "same_default": "0"}
    page_list = pages(instrument)
    ent.add("G", "G0", dict.fromkeys(langs, ""), {lang: _CONTEXT_GROUP[lang] for lang in langs},
            relevance="1")  # fmt: skip
    for q in instrument.context:
        code = CONTEXT_CODES[q.column]
        texts = {lang: q.text[lang] for lang in langs}
        # Department and unit are required in our web survey unless the link presets them;
        # LimeSurvey presets a question from the survey link (``?DEPT=SALES&BU=north``).
        mandatory = "Y" if q.column in ("department", "business_unit") else "N"
        options = {lime_code(k, 5): {lang: v[lang] for lang in langs} for k, v in q.options.items()}
        if q.column == "business_unit" and unit_answer_codes(units):
            options = {k: dict.fromkeys(langs, v) for k, v in units.items()}
        typ = "L" if options else "S"
        ent.add("Q", typ, texts, code, relevance="1", mandatory=mandatory, **question)
        for key, label in options.items():
            ent.add("A", "0", label, key)
    by_page: dict[int, list] = {}
    for block in blocks(instrument):
        by_page.setdefault(block.page, []).append(block)
    for number, page in enumerate(page_list[1:], start=1):
        ent.add("G", f"G{number}", dict.fromkeys(langs, ""),
                {lang: page_title(instrument, page, lang) for lang in langs},
                relevance=ASKED)  # fmt: skip
        for block in by_page[page.number]:
            _block(ent, instrument, block, langs, question)
    return rows + ent.language_blocks()


def _block(ent: _Entities, instrument: Instrument, block, langs, question) -> None:
    relevance = ASKED if any(department_dependent(i) for i in block.items) else "1"
    if block.matrix:
        ent.add("Q", "F", {lang: block_prompt(instrument, block, lang) for lang in langs},
                block.code, relevance=relevance, mandatory="N", **question)  # fmt: skip
        for item in block.items:
            ent.add("SQ", "0", {lang: _text(instrument, item.text[lang], lang) for lang in langs},
                    lime_code(item.code), relevance="1")  # fmt: skip
        for opt in choices(instrument, block.items[0]):
            ent.add("A", "0", {lang: opt.label[lang] for lang in langs},
                    answer_code(instrument, opt.code))  # fmt: skip
        return
    item = block.items[0]
    kind = instrument.kind(item)
    texts = {lang: _text(instrument, item.text[lang], lang) for lang in langs}
    code = lime_code(item.code)
    dk = has_dont_know_question(instrument, item)
    own_relevance = _and(relevance, f"is_empty({dont_know_code(item)}_{DONT_KNOW_CODE}.NAOK)"
                         if dk else "")  # fmt: skip
    common = {"relevance": own_relevance, "mandatory": "N", **question}
    if kind == "multiple":
        attrs = {"max_answers": str(item.max_choices)} if item.max_choices else {}
        ent.add("Q", "M", texts, code, attributes=attrs, **common)
        for opt in instrument.options(item):
            ent.add("SQ", "0", {lang: opt.label[lang] for lang in langs}, f"O{opt.code}",
                    relevance="1")  # fmt: skip
    elif kind == "constant_sum":
        low, high = instrument.value_range(item)
        attrs = {
            "equals_num_value": str(instrument.response_type(item).total),
            # our web survey lets respondents skip a question: the sum is checked only
            # once a part is filled in (em_manager_helper.php, sum_equals with this flag)
            "value_range_allows_missing": "1",
            "min_num_value_n": str(low),
            "max_num_value_n": str(high),
            "num_value_int_only": "1",
        }
        ent.add("Q", "K", texts, code, attributes=attrs, **common)
        for part in item.parts:
            ent.add("SQ", "0", {lang: part.label[lang] for lang in langs},
                    lime_code(part.code), relevance="1")  # fmt: skip
    elif kind == "percent":
        low, high = instrument.value_range(item)
        # a range is two attributes; `validation` would be a regular expression
        attrs = {"min_num_value_n": str(low), "max_num_value_n": str(high),
                 "num_value_int_only": "1"}  # fmt: skip
        ent.add("Q", "N", texts, code, attributes=attrs, **common)
    elif kind == "text":
        attrs = {"maximum_chars": str(TEXT_LIMIT)}
        ent.add("Q", "T", texts, code, attributes=attrs, **common)
    else:
        ent.add("Q", "L", texts, code, **common)
        for opt in choices(instrument, item):
            ent.add("A", "0", {lang: opt.label[lang] for lang in langs},
                    answer_code(instrument, opt.code))  # fmt: skip
    if dk:
        ent.add("Q", "M", {lang: _DK_PROMPT[lang] for lang in langs}, dont_know_code(item),
                relevance=relevance, mandatory="N", **question)  # fmt: skip
        ent.add("SQ", "0", {lang: instrument.dont_know.label[lang] for lang in langs},
                DONT_KNOW_CODE, relevance="1")  # fmt: skip


_CONTEXT_GROUP = {"de": "Zu Ihrer Person", "en": "About you"}
_DK_PROMPT = {"de": "Können Sie es nicht sagen?", "en": "Cannot say?"}


def render_limesurvey(
    instrument: Instrument, langs: tuple[Language, ...], units: dict[str, str] | None = None
) -> str:
    """The ``.txt`` structure as a string (tab-separated, every row the same columns)."""
    buf = io.StringIO()
    writer = csv.DictWriter(
        buf, fieldnames=COLUMNS, delimiter="\t", lineterminator="\n", restval=""
    )
    writer.writeheader()
    writer.writerows(structure_rows(instrument, langs, units))
    return buf.getvalue()


def write_limesurvey(
    instrument: Instrument,
    path: Path,
    langs: tuple[Language, ...],
    units: dict[str, str] | None = None,
) -> Path:
    """Write the structure as UTF-8 with BOM, the encoding LimeSurvey writes itself."""
    path.write_text(render_limesurvey(instrument, langs, units), encoding="utf-8-sig")
    return path
