"""How the instrument is laid out on screen or paper, shared by all exporters.

Consecutive items of one dimension and one option-scale response type form a *block*,
shown as one matrix (rows = items, columns = options). Everything else stands alone.
"""

from __future__ import annotations

from dataclasses import dataclass

from survey.instrument import Instrument, Item, Language, Option
from survey.questionnaire import pages

MATRIX_KINDS = {"agreement", "frequency", "timeband", "yes_no", "grade"}


@dataclass(frozen=True)
class Block:
    code: str  # B01, B02, ... in order; also a valid code in every target tool
    items: tuple[Item, ...]
    matrix: bool
    dimension: str


def blocks(instrument: Instrument) -> list[Block]:
    """The instrument's items cut into blocks (see the module docstring).

    Examples
    --------
    >>> from survey import load_instrument
    >>> bl = blocks(load_instrument())
    >>> bl[3].code, [i.code for i in bl[3].items], bl[3].matrix
    ('B04', ['INF_TIMELY', 'INF_USEFUL', 'INF_FIELD_FEEDBACK'], True)
    >>> bl[2].code, [i.code for i in bl[2].items], bl[2].matrix
    ('B03', ['INF_CHANNEL'], False)
    """
    groups: list[list[Item]] = []
    # Page by page, as the web survey shows them (survey.questionnaire.pages), so that every
    # export has the web survey's pages and order; a block never spans two pages.
    ordered = [item for page in pages(instrument) for item in page.items]
    for item in ordered:
        prev = groups[-1][-1] if groups else None
        matrix = instrument.kind(item) in MATRIX_KINDS
        if (
            prev is not None
            and matrix
            and prev.type == item.type
            and prev.dimension == item.dimension
            and prev.dont_know == item.dont_know
        ):
            groups[-1].append(item)
        else:
            groups.append([item])
    return [
        Block(
            code=f"B{i:02d}",
            items=tuple(g),
            matrix=instrument.kind(g[0]) in MATRIX_KINDS,
            dimension=g[0].dimension,
        )
        for i, g in enumerate(groups, start=1)
    ]


DONT_KNOW = {"de": "weiß nicht", "en": "don't know"}
BLOCK_PROMPT = {
    "agreement": {
        "de": "Wie sehr stimmen Sie den folgenden Aussagen zu?",
        "en": "How far do you agree with the following statements?",
    },
    "frequency": {"de": "Wie oft ...", "en": "How often ..."},
    "timeband": {"de": "Wie schnell ...", "en": "How quickly ..."},
    "yes_no": {
        "de": "Gibt es in Ihrem Unternehmen ...?",
        "en": "Does your company have ...?",
    },
    "grade": {"de": "Welche Note geben Sie?", "en": "Which grade do you give?"},
}


def choices(instrument: Instrument, item: Item) -> list[Option]:
    """Answer options of an item, with "don't know" last where the item offers it."""
    opts = list(instrument.options(item))
    if instrument.kind(item) == "bipolar" and item.poles:
        # Semantic differential: the end points carry the poles.
        first, last = opts[0], opts[-1]
        opts[0] = Option(code=first.code, label=_join(first.label, item.poles[0]))
        opts[-1] = Option(code=last.code, label=_join(last.label, item.poles[1]))
    if item.dont_know:
        opts.append(Option(code=instrument.dont_know.code, label=instrument.dont_know.label))
    return opts


def _join(number, pole):
    from survey.instrument import Text

    return Text(de=f"{number.de} – {pole.de}", en=f"{number.en} – {pole.en}")


def block_prompt(instrument: Instrument, block: Block, lang: Language) -> str:
    """The question above a matrix block."""
    kind = instrument.kind(block.items[0])
    return BLOCK_PROMPT.get(kind, {}).get(lang) or instrument.dimensions[block.dimension][lang]


def department_dependent(item: Item) -> bool:
    """Whether the item's text names the respondent's own or the other department."""
    texts = [item.text.de, item.text.en]
    texts += [t for pole in item.poles or () for t in (pole.de, pole.en)]
    return any("{own}" in t or "{other}" in t for t in texts)
