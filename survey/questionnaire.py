"""The web questionnaire as data: its pages and the checking of one submitted page.

Page 0 asks the respondent's context (department first, so that mirror items can name the
other department); then the items of each dimension, in instrument order, on pages of at
most :data:`MAX_ITEMS` items (a dimension with more is split into balanced parts; the two
items of a mirror pair always share a page).
Nothing here knows about HTTP: :func:`parse_page` takes the submitted fields and returns
the answers as response-table columns plus an error message per field.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from survey.instrument import Instrument, Item

TEXT_LIMIT = 2000  # characters of a free-text answer
CONTROL_FIELDS = frozenset({"csrf", "page", "action", "lang"})
DK_SUFFIX = "__dk"  # checkbox "don't know" of number items (percent, constant sum)
MAX_ITEMS = 8  # items on one page: about five phone screens of 7-point items at most

MESSAGES = {
    "required": {"de": "Bitte wählen Sie eine Antwort.", "en": "Please choose an answer."},
    "invalid": {
        "de": "Diese Antwort ist nicht vorgesehen.",
        "en": "This answer is not one of the options.",
    },
    "number": {
        "de": "Bitte eine ganze Zahl von {min} bis {max} eingeben.",
        "en": "Please enter a whole number from {min} to {max}.",
    },
    "sum": {
        "de": "Die Punkte müssen zusammen {total} ergeben (jetzt: {sum}).",
        "en": "The points must add up to {total} (now: {sum}).",
    },
    "choices": {
        "de": "Bitte höchstens {max} Antworten wählen.",
        "en": "Please choose at most {max} answers.",
    },
    "long": {
        "de": "Bitte höchstens {max} Zeichen (jetzt: {n}).",
        "en": "Please use at most {max} characters (now: {n}).",
    },
}


class BadForm(ValueError):
    """A submission no form of ours can produce (unknown or tampered fields): HTTP 400."""


@dataclass(frozen=True)
class Page:
    number: int
    key: str  # "context" or a dimension code
    items: tuple[Item, ...] = ()
    part: int = 1  # which part of its dimension (a dimension may span pages)
    parts: int = 1


@dataclass
class Parsed:
    answers: dict[str, object] = field(default_factory=dict)
    context: dict[str, str] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)  # field name -> message


def pages(instrument: Instrument, max_items: int = MAX_ITEMS) -> list[Page]:
    """The context page, then each dimension's items on pages of at most ``max_items``.

    A dimension with more items is cut into the fewest pages that hold them, as even as
    the mirror pairs allow (both items of a pair stay on one page, so that the page can
    show the self-image and the other-image side by side).

    Examples
    --------
    >>> from survey import load_instrument
    >>> plan = pages(load_instrument())
    >>> max(len(p.items) for p in plan) <= MAX_ITEMS
    True
    """
    out = [Page(0, "context")]
    for dim in instrument.dimensions:
        items = [i for i in instrument.items if i.dimension == dim]
        if not items:
            continue
        chunks = _balanced(_units(instrument, items), max_items)
        for part, chunk in enumerate(chunks, start=1):
            out.append(Page(len(out), dim, tuple(chunk), part, len(chunks)))
    return out


def _units(instrument: Instrument, items: list[Item]) -> list[list[Item]]:
    """Items that must share a page: a mirror pair, else one item."""
    codes = {i.code for i in items}
    units, placed = [], set()
    for item in items:
        if item.code in placed:
            continue
        twin = item.mirror_of if item.mirror_of in codes else None
        unit = [item] + ([instrument.item(twin)] if twin and twin not in placed else [])
        placed.update(i.code for i in unit)
        units.append(unit)
    return units


def _balanced(units: list[list[Item]], max_items: int) -> list[list[Item]]:
    """Consecutive units on the fewest pages of at most ``max_items``, filled evenly."""
    total = sum(len(u) for u in units)
    for count in range(max(1, math.ceil(total / max_items)), len(units) + 1):
        target = total / count
        chunks: list[list[Item]] = [[]]
        for unit in units:
            filled = sum(len(c) for c in chunks)
            # open the next page once this one has its share (never over the maximum)
            if chunks[-1] and (
                len(chunks[-1]) + len(unit) > max_items
                or filled + len(unit) / 2 > target * len(chunks)
            ):
                chunks.append([])
            chunks[-1].extend(unit)
        if len(chunks) <= count and all(len(c) <= max_items for c in chunks):
            return chunks
    return [list(u) for u in units]


READ_WPM = 250  # silent reading of short survey statements
ANSWER_SECONDS = {"choice": 2.5, "multiple": 6.0, "number": 5.0, "text": 0.0}
PAGE_SECONDS = 3.0


def estimated_minutes(instrument: Instrument, lang: str = "de") -> float:
    """How long an attentive respondent takes, in minutes (a planning figure).

    Notes
    -----
    Reading at 250 words a minute (question texts; the option labels too where they
    differ from item to item), 2.5 s to pick one option, 6 s for a multiple choice, 5 s
    per number typed, nothing for the optional free text, 3 s per page turn. The same
    model measures the rendered pages in ``scripts/survey_tour.py figures``.
    """
    words = 0
    seconds = 0.0
    for item in instrument.items:
        kind = instrument.kind(item)
        words += len(item.text[lang].split())
        if kind in ("single", "multiple"):
            words += sum(len(o.label[lang].split()) for o in instrument.options(item))
        if kind in ("percent", "constant_sum"):
            seconds += ANSWER_SECONDS["number"] * len(instrument.item_columns(item))
        elif kind == "multiple":
            seconds += ANSWER_SECONDS["multiple"]
        elif kind == "text":
            seconds += ANSWER_SECONDS["text"]
        else:
            seconds += ANSWER_SECONDS["choice"]
    for question in instrument.context:
        words += len(question.text[lang].split()) + sum(
            len(t[lang].split()) for t in question.options.values()
        )
        seconds += ANSWER_SECONDS["choice"]
    seconds += words / READ_WPM * 60 + PAGE_SECONDS * len(pages(instrument))
    return seconds / 60


def context_fields(
    instrument: Instrument, units: Mapping[str, str], fixed: Sequence[str]
) -> list[tuple[str, dict[str, object]]]:
    """(column, options) of the context questions shown, department first.

    ``options`` maps an answer code to a label text (a :class:`~survey.instrument.Text` or,
    for business units, the unit's name).
    """
    shown = []
    for q in instrument.context:
        if q.column == "department" and "department" in fixed:
            continue
        if q.column == "business_unit":
            if "unit" in fixed:
                continue
            shown.append((q.column, dict(units)))
        else:
            shown.append((q.column, dict(q.options)))
    return shown


def _message(key: str, lang: str, **values: object) -> str:
    return MESSAGES[key][lang].format(**values)


def _one(form: Mapping[str, Sequence[str]], name: str) -> str:
    values = form.get(name, [])
    if len(values) > 1:
        raise BadForm(f"field {name!r} sent {len(values)} times")
    return values[0].strip() if values else ""


def _integer(text: str) -> int | None:
    try:
        return int(text)
    except ValueError:
        return None


def parse_context(
    form: Mapping[str, Sequence[str]],
    instrument: Instrument,
    units: Mapping[str, str],
    fixed: Sequence[str],
    lang: str,
) -> Parsed:
    """Check the context page: department and unit required (unless preset), rest optional."""
    out = Parsed()
    shown = context_fields(instrument, units, fixed)
    allowed = {col for col, _ in shown} | CONTROL_FIELDS
    unknown = set(form) - allowed
    if unknown:
        raise BadForm(f"unknown fields {sorted(unknown)}")
    for col, options in shown:
        value = _one(form, col)
        if not value:
            if col in ("department", "business_unit"):
                out.errors[col] = _message("required", lang)
            continue
        if value not in options:
            out.errors[col] = _message("invalid", lang)
        else:
            out.context[col] = value
    return out


def page_fields(instrument: Instrument, page: Page) -> set[str]:
    """Every form field name a page may send."""
    names = set(CONTROL_FIELDS)
    for item in page.items:
        kind = instrument.kind(item)
        if kind in ("multiple",):
            names.add(item.code)
        else:
            names.update(instrument.item_columns(item))
        if item.dont_know and kind in ("percent", "constant_sum"):
            names.add(item.code + DK_SUFFIX)
    return names


def parse_page(
    form: Mapping[str, Sequence[str]], instrument: Instrument, page: Page, lang: str
) -> Parsed:
    """Check one item page. Unanswered items are allowed (respondents may skip); they come
    back as None, so that clearing an answer withdraws it."""
    unknown = set(form) - page_fields(instrument, page)
    if unknown:
        raise BadForm(f"unknown fields {sorted(unknown)}")
    out = Parsed()
    for item in page.items:
        _parse_item(form, instrument, item, lang, out)
    return out


def _parse_item(
    form: Mapping[str, Sequence[str]], ins: Instrument, item: Item, lang: str, out: Parsed
) -> None:
    kind = ins.kind(item)
    dk = ins.dont_know.code
    cols = ins.item_columns(item)
    if kind == "text":
        text = "".join(ch for ch in _one(form, item.code) if ch.isprintable() or ch in "\n\t")
        if len(text) > TEXT_LIMIT:
            out.errors[item.code] = _message("long", lang, max=TEXT_LIMIT, n=len(text))
        else:
            out.answers[item.code] = text or None
        return
    if kind == "multiple":
        chosen = form.get(item.code, [])
        codes = {o.code for o in ins.options(item)}
        values = [_integer(v) for v in chosen]
        if any(v not in codes for v in values) or len(set(values)) != len(values):
            out.errors[item.code] = _message("invalid", lang)
        elif item.max_choices and len(values) > item.max_choices:
            out.errors[item.code] = _message("choices", lang, max=item.max_choices)
        else:
            out.answers.update(
                {
                    f"{item.code}_{o.code}": int(o.code in values) if values else None
                    for o in ins.options(item)
                }
            )
        return
    if kind in ("percent", "constant_sum"):
        low, high = ins.value_range(item)
        if item.dont_know and _one(form, item.code + DK_SUFFIX):
            out.answers.update(dict.fromkeys(cols, dk))
            return
        raw = {c: _one(form, c) for c in cols}
        if not any(raw.values()):
            out.answers.update(dict.fromkeys(cols))
            return
        if kind == "constant_sum":
            raw = {c: v or "0" for c, v in raw.items()}
        numbers = {c: _integer(v) for c, v in raw.items()}
        if any(n is None or not low <= n <= high for n in numbers.values()):
            out.errors[item.code] = _message("number", lang, min=low, max=high)
            return
        total = ins.response_type(item).total
        if kind == "constant_sum" and sum(numbers.values()) != total:
            out.errors[item.code] = _message("sum", lang, total=total, sum=sum(numbers.values()))
            return
        out.answers.update(numbers)
        return
    value = _one(form, item.code)
    if not value:
        out.answers[item.code] = None
        return
    code = _integer(value)
    valid = {o.code for o in ins.options(item)} | ({dk} if item.dont_know else set())
    if code not in valid:
        out.errors[item.code] = _message("invalid", lang)
    else:
        out.answers[item.code] = code
