"""The instrument: an item bank kept as YAML, loaded into validated pydantic models.

An item is one question. Most items fill one column of the response table; a multiple
choice item fills one 0/1 column per option (``CODE_<option>``) and a constant-sum item
one column per part (``CODE_<part>``). :meth:`Instrument.columns` lists them in order.

Texts may contain the placeholders ``{own}`` and ``{other}``: they are replaced by the
respondent's own department and the other one, so that marketing respondents read about
sales and sales respondents about marketing (see :meth:`Instrument.render`).
"""

from __future__ import annotations

import string
import warnings
from functools import cached_property
from importlib import resources
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from survey.errors import UserError

Language = Literal["de", "en"]
LANGUAGES: tuple[Language, ...] = ("de", "en")
PLACEHOLDERS = {"own", "other"}
DEFAULT_INSTRUMENT = "marketing_sales.yaml"

Kind = Literal[
    "agreement",  # ordered agreement scale (5 or 7 points)
    "bipolar",  # semantic differential, item-specific poles
    "frequency",  # ordered categories, e.g. daily ... never
    "grade",  # German school grade 1 (best) ... 6 (worst)
    "timeband",  # ordered time categories, e.g. within minutes ... never
    "percent",  # number 0-100
    "constant_sum",  # points split across parts, adding up to a total
    "yes_no",  # yes / no (don't know via the item's dont_know flag)
    "single",  # one of unordered options
    "multiple",  # any of unordered options
    "text",  # free text
]
NUMERIC_KINDS = {"agreement", "bipolar", "frequency", "grade", "timeband", "percent"}
ORDINAL_KINDS = {"frequency", "timeband"}


class InstrumentError(UserError):
    """An instrument file that cannot be used; the message names the file and the item."""


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Text(_Model):
    """A text in German and English; both are required and non-empty."""

    de: str = Field(min_length=1)
    en: str = Field(min_length=1)

    def __getitem__(self, lang: str) -> str:
        if lang not in LANGUAGES:
            raise KeyError(f"unknown language {lang!r}; use one of {LANGUAGES}")
        return getattr(self, lang)


class Option(_Model):
    code: int
    label: Text


class Part(_Model):
    code: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    label: Text


def _check_order(options: tuple[Option, ...]) -> None:
    codes = [o.code for o in options]
    if codes != sorted(set(codes)):
        raise ValueError(f"options out of order or repeated: {codes}")


class ResponseType(_Model):
    """A response format shared by items, e.g. a 7-point agreement scale."""

    kind: Kind
    label: Text
    options: tuple[Option, ...] = ()
    min: int | None = None
    max: int | None = None
    total: int | None = None

    @model_validator(mode="after")
    def _check(self) -> ResponseType:
        _check_order(self.options)
        if self.kind in {"percent", "constant_sum"} and (self.min is None or self.max is None):
            raise ValueError(f"a {self.kind} response type needs min and max")
        if self.kind == "constant_sum" and self.total is None:
            raise ValueError("a constant_sum response type needs a total")
        return self


warnings.filterwarnings("ignore", message='Field name "construct"', category=UserWarning)


class Item(_Model):
    # `construct` is the YAML key; it shadows BaseModel.construct, a deprecated helper.
    code: str = Field(pattern=r"^[A-Z][A-Z0-9_]*$")
    dimension: str
    construct: str
    type: str
    text: Text
    perspective: Literal["self", "other", "neutral"] = "neutral"
    mirror_of: str | None = None
    reverse: bool = False
    dont_know: bool = False
    source: str = Field(min_length=1)
    options: tuple[Option, ...] = ()
    poles: tuple[Text, Text] | None = None
    parts: tuple[Part, ...] = ()
    max_choices: int | None = None

    @model_validator(mode="after")
    def _check(self) -> Item:
        _check_order(self.options)
        if (self.mirror_of is None) != (self.perspective == "neutral"):
            raise ValueError("a self/other item needs mirror_of; a neutral item must not have it")
        return self


class Scale(_Model):
    """A multi-item scale; its score is the mean of its (reverse-keyed) items."""

    code: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    dimension: str
    label: Text
    items: tuple[str, ...] = Field(min_length=3)
    part: str | None = None  # for constant-sum items: which part's column is scored
    note: str | None = None


class ContextQuestion(_Model):
    """A respondent-context question; fills one metadata column of the response table."""

    column: Literal["department", "business_unit", "role", "tenure"]
    text: Text
    options: dict[str, Text] = Field(default_factory=dict)


class Instrument(_Model):
    """A validated instrument. Load it with :func:`load_instrument`."""

    id: str
    version: str
    title: Text
    dont_know: Option
    departments: dict[str, Text]
    dimensions: dict[str, Text]
    response_types: dict[str, ResponseType]
    context: tuple[ContextQuestion, ...]
    items: tuple[Item, ...]
    scales: tuple[Scale, ...]
    source_file: str = "<memory>"

    @model_validator(mode="after")
    def _check(self) -> Instrument:
        _check_instrument(self)
        return self

    # --- look-ups -----------------------------------------------------------------------
    @cached_property
    def item_map(self) -> dict[str, Item]:
        return {item.code: item for item in self.items}

    @cached_property
    def scale_map(self) -> dict[str, Scale]:
        return {scale.code: scale for scale in self.scales}

    def item(self, code: str) -> Item:
        """The item with this code, or the item that fills this response column."""
        found = self.item_map.get(code) or self.column_map.get(code)
        if found is None:
            raise KeyError(f"no item {code!r} in instrument {self.id!r}")
        return found

    def response_type(self, item: Item | str) -> ResponseType:
        item = self.item(item) if isinstance(item, str) else item
        return self.response_types[item.type]

    def kind(self, item: Item | str) -> Kind:
        return self.response_type(item).kind

    def options(self, item: Item | str) -> tuple[Option, ...]:
        """Answer options of an item (its own, else its response type's)."""
        item = self.item(item) if isinstance(item, str) else item
        return item.options or self.response_type(item).options

    def value_range(self, item: Item | str) -> tuple[int, int] | None:
        """Smallest and largest valid code of a numeric item, else None."""
        item = self.item(item) if isinstance(item, str) else item
        rtype = self.response_type(item)
        if rtype.min is not None and rtype.max is not None:
            return rtype.min, rtype.max
        codes = [o.code for o in self.options(item)]
        return (min(codes), max(codes)) if codes else None

    def item_columns(self, item: Item | str) -> list[str]:
        """Columns of the response table that one item fills."""
        item = self.item(item) if isinstance(item, str) else item
        kind = self.kind(item)
        if kind == "multiple":
            return [f"{item.code}_{o.code}" for o in self.options(item)]
        if kind == "constant_sum":
            return [f"{item.code}_{p.code}" for p in item.parts]
        return [item.code]

    @cached_property
    def column_map(self) -> dict[str, Item]:
        """Every item column of the response table, in order, with its item."""
        return {col: item for item in self.items for col in self.item_columns(item)}

    def columns(self) -> list[str]:
        return list(self.column_map)

    def scale_columns(self, scale: Scale | str) -> list[str]:
        scale = self.scale_map[scale] if isinstance(scale, str) else scale
        if scale.part:
            return [f"{code}_{scale.part}" for code in scale.items]
        return list(scale.items)

    def mirror_pairs(self) -> list[tuple[Item, Item]]:
        """(self item, other item) for every mirror pair."""
        return [
            (item, self.item(item.mirror_of))
            for item in self.items
            if item.perspective == "self" and item.mirror_of
        ]

    def other_department(self, department: str) -> str:
        others = [d for d in self.departments if d != department]
        if department not in self.departments or len(others) != 1:
            raise KeyError(
                f"unknown department {department!r}; use one of {list(self.departments)}"
            )
        return others[0]

    def render(self, text: Text | str, lang: Language, department: str) -> str:
        """Text in ``lang`` with ``{own}``/``{other}`` naming the respondent's departments.

        Examples
        --------
        >>> from survey import load_instrument
        >>> ins = load_instrument()
        >>> ins.render(ins.item("INF_KEEPS_OTH").text, "en", "marketing")
        'The sales team keeps us well informed about what it is working on.'
        >>> ins.render(ins.item("INF_KEEPS_OTH").text, "de", "sales")
        'Der Bereich Marketing hält uns gut darüber auf dem Laufenden, woran er arbeitet.'
        """
        raw = text if isinstance(text, str) else text[lang]
        names = {
            "own": self.departments[department][lang],
            "other": self.departments[self.other_department(department)][lang],
        }
        return raw.format(**names)


def _check_instrument(ins: Instrument) -> None:
    """Cross-references that pydantic cannot check field by field."""
    problems: list[str] = []
    seen: set[str] = set()
    for item in ins.items:
        where = f"item {item.code}"
        if item.code in seen:
            problems.append(f"{where}: duplicate code")
        seen.add(item.code)
        if item.dimension not in ins.dimensions:
            problems.append(f"{where}: unknown dimension {item.dimension!r}")
        rtype = ins.response_types.get(item.type)
        if rtype is None:
            problems.append(f"{where}: unknown response type {item.type!r}")
            continue
        if rtype.kind in {"single", "multiple"} and not (item.options or rtype.options):
            problems.append(f"{where}: a {rtype.kind} item needs options")
        if rtype.kind == "bipolar" and item.poles is None:
            problems.append(f"{where}: a bipolar item needs poles")
        if rtype.kind == "constant_sum" and len(item.parts) < 2:
            problems.append(f"{where}: a constant_sum item needs at least two parts")
        if item.reverse and rtype.kind not in {"agreement", "bipolar", "grade"}:
            problems.append(f"{where}: reverse keying needs an agreement, bipolar or grade item")
        texts = [item.text.de, item.text.en]
        texts += [t for pole in item.poles or () for t in (pole.de, pole.en)]
        for text in texts:
            names = {f[1] for f in string.Formatter().parse(text) if f[1] is not None}
            if names - PLACEHOLDERS:
                problems.append(f"{where}: unknown placeholder(s) {sorted(names - PLACEHOLDERS)}")
    for item in ins.items:
        if item.mirror_of is None:
            continue
        twin = ins.item_map.get(item.mirror_of)
        where = f"item {item.code}"
        if twin is None:
            problems.append(f"{where}: mirror twin {item.mirror_of!r} does not exist")
        elif twin.mirror_of != item.code:
            problems.append(f"{where}: mirror twin {twin.code} does not point back")
        elif {twin.perspective, item.perspective} != {"self", "other"}:
            problems.append(f"{where}: mirror twins must be one 'self' and one 'other' item")
        elif twin.type != item.type:
            problems.append(f"{where}: mirror twin {twin.code} has another response type")
    scale_codes: set[str] = set()
    for scale in ins.scales:
        where = f"scale {scale.code}"
        if scale.code in scale_codes:
            problems.append(f"{where}: duplicate code")
        scale_codes.add(scale.code)
        for code in scale.items:
            if code not in ins.item_map:
                problems.append(f"{where}: names missing item {code!r}")
            elif scale.part and scale.part not in {p.code for p in ins.item_map[code].parts}:
                problems.append(f"{where}: item {code} has no part {scale.part!r}")
            elif ins.item_map[code].type not in ins.response_types:
                continue  # reported with the item
            elif not scale.part and ins.kind(code) not in NUMERIC_KINDS:
                problems.append(f"{where}: item {code} is not numeric")
    if problems:
        raise InstrumentError(f"{ins.source_file}: " + "; ".join(problems))


def _format_validation_error(path: str, raw: dict, err: ValidationError) -> str:
    lines = []
    for e in err.errors():
        loc = list(e["loc"])
        where = ".".join(str(x) for x in loc)
        if len(loc) >= 2 and loc[0] in {"items", "scales"} and isinstance(loc[1], int):
            try:
                code = raw[loc[0]][loc[1]].get("code", f"#{loc[1] + 1}")
            except (IndexError, AttributeError, KeyError):
                code = f"#{loc[1] + 1}"
            rest = ".".join(str(x) for x in loc[2:]) or "(entry)"
            where = f"{loc[0][:-1]} {code}: {rest}"
        msg = e["msg"]
        if e["type"] == "missing" and loc and loc[-1] in LANGUAGES:
            msg = f"missing translation ({loc[-1]})"
        lines.append(f"{where}: {msg}")
    return f"{path}: " + "; ".join(lines)


def default_instrument_path() -> Path:
    return Path(str(resources.files("survey") / "instruments" / DEFAULT_INSTRUMENT))


def load_instrument(path: str | Path | None = None) -> Instrument:
    """Load and validate an instrument; the shipped default when ``path`` is None.

    Raises :class:`InstrumentError` naming the file and the item for every problem
    found: duplicate codes, scales naming missing items, missing translations, mirror
    twins that do not point back, options out of order.

    Examples
    --------
    >>> from survey import load_instrument
    >>> ins = load_instrument()
    >>> ins.id, len(ins.items) >= 50
    ('marketing_sales', True)
    >>> ins.item_columns("POW_PRICING")
    ['POW_PRICING_marketing', 'POW_PRICING_sales']
    """
    path = Path(path) if path is not None else default_instrument_path()
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise InstrumentError(f"{path}: cannot read ({exc.strerror})") from None
    except yaml.YAMLError as exc:
        raise InstrumentError(f"{path}: not valid YAML ({exc})") from None
    if not isinstance(raw, dict):
        raise InstrumentError(f"{path}: expected a mapping at the top level")
    try:
        return Instrument.model_validate({**raw, "source_file": str(path)})
    except ValidationError as err:
        # pydantic wraps errors from our own cross-checks; keep their message whole.
        ours = [
            e
            for e in err.errors()
            if "ctx" in e and isinstance(e["ctx"].get("error"), InstrumentError)
        ]
        if ours:
            raise InstrumentError(str(ours[0]["ctx"]["error"])) from None
        raise InstrumentError(_format_validation_error(str(path), raw, err)) from None
