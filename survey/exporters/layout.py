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
    page: int = 0  # number of the web survey page (survey.questionnaire.Page.number) it is on


def shown_items(page) -> list[Item]:
    """A page's items in the order the web survey shows them once the department is known
    (``survey.web.app._groups``): the self-image items of the page's mirror pairs together,
    then their twins, at the place of the first mirror item; other items stay in place.

    Examples
    --------
    >>> from survey import load_instrument
    >>> page = next(p for p in pages(load_instrument()) if p.key == "orientation")
    >>> [i.code for i in shown_items(page)][:4]
    ['ORI_CUSTOMER_OWN', 'ORI_HORIZON_OWN', 'ORI_CUSTOMER_OTH', 'ORI_HORIZON_OTH']
    """
    mirrored = [i for i in page.items if i.mirror_of and i.perspective in ("self", "other")]
    if not mirrored:
        return list(page.items)
    first = page.items.index(mirrored[0])
    before = [i for i in page.items[:first] if i not in mirrored]
    after = [i for i in page.items[first:] if i not in mirrored]
    own = [i for i in mirrored if i.perspective == "self"]
    other = [i for i in mirrored if i.perspective == "other"]
    return before + own + other + after


def blocks(instrument: Instrument) -> list[Block]:
    """The instrument's items cut into blocks (see the module docstring).

    Examples
    --------
    >>> from survey import load_instrument
    >>> bl = blocks(load_instrument())
    >>> bl[3].code, [i.code for i in bl[3].items], bl[3].matrix
    ('B04', ['INF_TIMELY', 'INF_USEFUL', 'INF_CUSTOMER_FEEDBACK'], True)
    >>> bl[4].code, [i.code for i in bl[4].items], bl[4].page  # the next page's first item
    ('B05', ['INF_COMPETITOR_NEWS'], 2)
    >>> bl[2].code, [i.code for i in bl[2].items], bl[2].matrix
    ('B03', ['INF_CHANNEL'], False)
    """
    groups: list[list[Item]] = []
    on_page: list[int] = []
    # Page by page, as the web survey shows them (survey.questionnaire.pages), so that every
    # export has the web survey's pages and order; a block never spans two pages (a
    # dimension may now fill several pages, so the page, not the dimension, bounds it).
    ordered = [(p.number, item) for p in pages(instrument) for item in shown_items(p)]
    for number, item in ordered:
        prev = groups[-1][-1] if groups else None
        matrix = instrument.kind(item) in MATRIX_KINDS
        if (
            prev is not None
            and on_page[-1] == number
            and matrix
            and prev.type == item.type
            and prev.dimension == item.dimension
            and prev.dont_know == item.dont_know
        ):
            groups[-1].append(item)
        else:
            groups.append([item])
            on_page.append(number)
    return [
        Block(
            code=f"B{i:02d}",
            items=tuple(g),
            matrix=instrument.kind(g[0]) in MATRIX_KINDS,
            dimension=g[0].dimension,
            page=number,
        )
        for i, (g, number) in enumerate(zip(groups, on_page, strict=True), start=1)
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


def page_title(instrument: Instrument, page, lang: Language) -> str:
    """A page's heading as the web survey shows it: the dimension, with "(1 of 2)" when
    the dimension fills several pages (the web survey's own ``page_part`` text)."""
    from survey.exporters.printable import web_texts

    if page.key == "context":
        return web_texts()["context_heading"][lang]
    heading = instrument.dimensions[page.key][lang]
    if page.parts > 1:
        heading = web_texts()["page_part"][lang].format(
            heading=heading, part=page.part, parts=page.parts
        )
    return heading
