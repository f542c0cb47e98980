"""The instrument: an item bank kept as YAML, loaded into validated pydantic models.

An item is one question. Most items fill one column of the response table; a multiple
choice item fills one 0/1 column per option (``CODE_<option>``) and a constant-sum item
one column per part (``CODE_<part>``). :meth:`Instrument.columns` lists them in order.

Texts may contain the placeholders ``{own}`` and ``{other}``: they are replaced by the
respondent's own department and the other one, so that marketing respondents read about
sales and sales respondents about marketing (see :meth:`Instrument.render`).
"""

from __future__ import annotations

import hashlib
import string
import warnings
from dataclasses import dataclass
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
    """A text in the instrument's languages (German, English or both), each non-empty.

    Which languages are required is the instrument's own list (``languages``, default
    de and en); :func:`_check_instrument` checks every text against it.
    """

    de: str | None = Field(default=None, min_length=1)
    en: str | None = Field(default=None, min_length=1)

    @model_validator(mode="after")
    def _some(self) -> Text:
        if self.de is None and self.en is None:
            raise ValueError(f"a text needs at least one of {LANGUAGES}")
        return self

    def __getitem__(self, lang: str) -> str:
        if lang not in LANGUAGES:
            raise KeyError(f"unknown language {lang!r}; use one of {LANGUAGES}")
        value = getattr(self, lang)
        if value is None:
            raise KeyError(f"no {lang!r} text: {self.model_dump(exclude_none=True)}")
        return value

    def languages(self) -> tuple[Language, ...]:
        return tuple(lang for lang in LANGUAGES if getattr(self, lang) is not None)


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


class BenchmarkLink(_Model):
    """How this instrument measures a published figure (``analysis/data/benchmarks.yaml``):
    the share of respondents answering ``codes`` (or ticking ``option`` of a multiple
    choice item) on the item playing role ``item``, among ``group``."""

    item: str
    codes: tuple[int, ...] = ()
    option: int | None = None
    group: Literal["all", "marketing", "sales"] = "all"

    @model_validator(mode="after")
    def _check(self) -> BenchmarkLink:
        if bool(self.codes) == (self.option is not None):
            raise ValueError("a benchmark link needs either codes or option")
        return self


class MirrorConstruct(_Model):
    """How a gap between self-image and other-image on a mirror construct reads (Homburg &
    Jensen 2007): ``competence`` gaps hurt cooperation, ``orientation`` gaps can help
    market performance; ``chart``: drawn as a mirror chart in the brief."""

    gap: Literal["competence", "orientation", "other"] = "other"
    label: Text
    chart: bool = False


class Roles(_Model):
    """What the analysis needs to know about an instrument, by role rather than item code.

    ``items``: headline items (role -> item code); ``item_groups``: role -> item codes;
    ``scales``: role -> scale codes (e.g. ``cooperation_index``, ``cooperation_inverted``);
    ``mirror``: mirror construct -> its gap interpretation; ``benchmarks``: published
    figure id -> how it is measured here.
    """

    items: dict[str, str] = Field(default_factory=dict)
    item_groups: dict[str, tuple[str, ...]] = Field(default_factory=dict)
    scales: dict[str, tuple[str, ...]] = Field(default_factory=dict)
    mirror: dict[str, MirrorConstruct] = Field(default_factory=dict)
    benchmarks: dict[str, BenchmarkLink] = Field(default_factory=dict)


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
    languages: tuple[Language, ...] = LANGUAGES
    roles: Roles = Field(default_factory=Roles)
    source_file: str = "<memory>"
    # YAML line of every role ("roles.items.overall_grade" -> 1012), for messages.
    lines: dict[str, int] = Field(default_factory=dict, exclude=True, repr=False)

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

    # --- roles ---------------------------------------------------------------------------
    def role(self, name: str) -> str | None:
        """The item code that plays headline role ``name`` (e.g. ``overall_grade``), or
        None when this instrument has no such item.

        Examples
        --------
        >>> from survey import load_instrument
        >>> ins = load_instrument()
        >>> ins.role("meeting_frequency") == ins.roles.items["meeting_frequency"]
        True
        >>> ins.role("no_such_role") is None
        True
        """
        return self.roles.items.get(name)

    def role_scales(self, name: str) -> tuple[str, ...]:
        """The scale codes of scale group ``name`` (e.g. ``cooperation_index``); empty when
        the instrument has none."""
        return tuple(self.roles.scales.get(name, ()))

    def role_scale(self, name: str) -> str | None:
        """The one scale of a single-scale role (e.g. ``personal_conflict``), else None."""
        scales = self.role_scales(name)
        return scales[0] if len(scales) == 1 else None

    def role_items(self, name: str) -> tuple[str, ...]:
        """Item codes of item group ``name``, or the one item of a headline role."""
        if name in self.roles.item_groups:
            return tuple(self.roles.item_groups[name])
        code = self.role(name)
        return (code,) if code else ()

    def role_codes(self, name: str) -> tuple[str, ...]:
        """Whatever role ``name`` names: its item, its item group or its scales."""
        return self.role_items(name) or self.role_scales(name)

    def gap_type(self, construct: str) -> str:
        """competence, orientation or other: how a mirror gap on ``construct`` reads."""
        found = self.roles.mirror.get(construct)
        return found.gap if found else "other"

    def construct_label(self, construct: str, lang: Language) -> str:
        """A mirror construct's name in ``lang`` (its code, spaced, when the instrument
        gives none)."""
        found = self.roles.mirror.get(construct)
        return found.label[lang] if found else construct.replace("_", " ")

    def supported_analyses(self) -> list[Support]:
        """Every analysis of the toolkit and whether this instrument supports it; for
        those it does not, why (the validator prints it, the brief says it)."""
        return supported_analyses(self)

    @cached_property
    def content_hash(self) -> str:
        """SHA-256 of the instrument file as read (``<memory>``: of its JSON form)."""
        path = Path(self.source_file)
        data = (
            path.read_bytes()
            if path.is_file()
            else self.model_dump_json(exclude={"source_file"}).encode()
        )
        return hashlib.sha256(data).hexdigest()

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
        for text in filter(None, texts):
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
    problems += _check_languages(ins)
    problems += _check_roles(ins)
    if problems:
        raise InstrumentError(f"{ins.source_file}: " + "; ".join(problems))


def _texts(value: object, loc: tuple) -> list[tuple[tuple, Text]]:
    """Every Text inside a model, with its location (as pydantic would name it)."""
    if isinstance(value, Text):
        return [(loc, value)]
    if isinstance(value, BaseModel):
        return [
            found
            for name in type(value).model_fields
            if name not in {"lines", "source_file"}
            for found in _texts(getattr(value, name), (*loc, name))
        ]
    if isinstance(value, dict):
        return [found for k, v in value.items() for found in _texts(v, (*loc, k))]
    if isinstance(value, tuple | list):
        return [found for i, v in enumerate(value) for found in _texts(v, (*loc, i))]
    return []


def _where(ins: Instrument, loc: tuple) -> str:
    if len(loc) >= 2 and loc[0] in {"items", "scales"} and isinstance(loc[1], int):
        code = getattr(ins, loc[0])[loc[1]].code
        return f"{loc[0][:-1]} {code}: " + ".".join(str(x) for x in loc[2:])
    return ".".join(str(x) for x in loc)


def _check_languages(ins: Instrument) -> list[str]:
    """Every text exists in every language the instrument declares."""
    problems = []
    for loc, text in _texts(ins, ()):
        for lang in ins.languages:
            if getattr(text, lang) is None:
                problems.append(f"{_where(ins, (*loc, lang))}: missing translation ({lang})")
    return problems


def _check_roles(ins: Instrument) -> list[str]:
    """Roles name existing items and scales, and each role is given once."""
    problems = []
    roles = ins.roles

    def at(section: str, name: str) -> str:
        line = ins.lines.get(f"roles.{section}.{name}")
        return f"line {line}: role {name!r}" if line else f"role {name!r}"

    seen: dict[str, str] = {}
    for section in ("items", "item_groups", "scales"):
        for name in getattr(roles, section):
            if name in seen:
                problems.append(f"{at(section, name)}: given twice (also under roles.{seen[name]})")
            seen[name] = section
    for name, code in roles.items.items():
        if code not in ins.item_map:
            problems.append(
                f"{at('items', name)}: names missing item {code!r} (remove the role "
                "when the item is removed)"
            )
    for name, codes in roles.item_groups.items():
        for code in codes:
            if code not in ins.item_map:
                problems.append(f"{at('item_groups', name)}: names missing item {code!r}")
    for name, codes in roles.scales.items():
        for code in codes:
            if code not in ins.scale_map:
                problems.append(f"{at('scales', name)}: names missing scale {code!r}")
    inverted = set(roles.scales.get("cooperation_inverted", ()))
    extra = inverted - set(roles.scales.get("cooperation_index", ()))
    if extra:
        problems.append(
            f"{at('scales', 'cooperation_inverted')}: inverts scale(s) {sorted(extra)} "
            "that are not in cooperation_index"
        )
    constructs = {own.construct for own, _ in _pairs(ins)}
    for name in roles.mirror:
        if name not in constructs:
            problems.append(f"{at('mirror', name)}: names no construct of a mirror pair")
    for name, link in roles.benchmarks.items():
        code = roles.items.get(link.item)
        if code is None:
            problems.append(f"{at('benchmarks', name)}: names missing item role {link.item!r}")
            continue
        if code not in ins.item_map or ins.item_map[code].type not in ins.response_types:
            continue  # reported above
        valid = {o.code for o in ins.options(code)}
        wanted = set(link.codes) | ({link.option} if link.option is not None else set())
        if wanted - valid:
            problems.append(
                f"{at('benchmarks', name)}: item {code} has no option(s) {sorted(wanted - valid)}"
            )
    return problems


def _pairs(ins: Instrument) -> list[tuple[Item, Item]]:
    return [
        (item, ins.item_map[item.mirror_of])
        for item in ins.items
        if item.perspective == "self" and item.mirror_of in ins.item_map
    ]


@dataclass(frozen=True)
class Support:
    """Whether an instrument supports one analysis; ``missing`` says what it lacks."""

    analysis: str
    supported: bool
    missing: str  # English, for the validator; the brief has its own texts per language
    left_out: str


# analysis id -> (what it needs, checked on an instrument; what is missing; what is left out)
_ANALYSES: dict[str, tuple[object, str, str]] = {
    "overall_grade": (
        lambda ins: ins.role("overall_grade"),
        "no overall grade item",
        "no grade distribution, no comparison with the 64% figure",
    ),
    "meeting_frequency": (
        lambda ins: ins.role("meeting_frequency"),
        "no meeting-frequency item",
        "no meeting chart, no meeting-frequency finding",
    ),
    "lead_followup_time": (
        lambda ins: ins.role("lead_followup_time"),
        "no lead follow-up time item",
        "no follow-up chart, no comparison with the HBR 2011 follow-up figures",
    ),
    "lead_followup_rate": (
        lambda ins: ins.role("lead_followup_rate"),
        "no lead follow-up rate item",
        "no finding on how differently the departments see the follow-up rate",
    ),
    "obstacles": (
        lambda ins: ins.role("obstacles"),
        "no obstacles item",
        "no comparison with the Demand Gen obstacle figures",
    ),
    "lead_agreements": (
        lambda ins: ins.role("lead_definition") or ins.role("lead_sla"),
        "no lead definition or service level agreement item",
        "no finding on missing lead agreements",
    ),
    "cooperation_index": (
        lambda ins: ins.role_scales("cooperation_index"),
        "no cooperation index scales",
        "no overall cooperation index",
    ),
    "mirror": (
        lambda ins: _pairs(ins),
        "no mirror items",
        "no self-image versus other-image comparison, no competence gaps",
    ),
    "relationship_stage": (
        lambda ins: ins.role_scale("relationship_stage"),
        "no relationship stage scale",
        "no relationship stage",
    ),
    "configurations": (
        lambda ins: _fits_prototypes(ins),
        "not every scale of the five configuration dimensions",
        "no closest configuration, no cluster analysis of the units",
    ),
    "benchmarks": (
        lambda ins: ins.roles.benchmarks,
        "no links to published figures",
        "no comparison with published figures",
    ),
}
ANALYSES = tuple(_ANALYSES)


def _fits_prototypes(ins: Instrument) -> bool:
    from survey.prototypes import load_prototypes  # prototypes import this module

    scales = load_prototypes().dimension_scales
    return all(code in ins.scale_map for codes in scales.values() for code in codes)


def supported_analyses(ins: Instrument) -> list[Support]:
    """See :meth:`Instrument.supported_analyses`.

    Examples
    --------
    >>> from survey import load_instrument
    >>> all(s.supported for s in supported_analyses(load_instrument()))
    True
    """
    out = []
    for name, (needs, missing, left_out) in _ANALYSES.items():
        ok = bool(needs(ins))  # type: ignore[operator]
        out.append(Support(name, ok, "" if ok else missing, "" if ok else left_out))
    return out


def _format_validation_error(
    path: str, raw: dict, err: ValidationError, lines: dict[str, int] | None = None
) -> str:
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
        elif len(loc) >= 3 and loc[0] == "roles" and lines is not None:
            line = lines.get(f"roles.{loc[1]}.{loc[2]}")
            rest = ".".join(str(x) for x in loc[3:])
            where = f"line {line}: role {loc[2]!r}" if line else f"role {loc[2]!r}"
            where += f": {rest}" if rest else ""
        msg = e["msg"]
        if e["type"] == "missing" and loc and loc[-1] in LANGUAGES:
            msg = f"missing translation ({loc[-1]})"
        lines.append(f"{where}: {msg}")
    return f"{path}: " + "; ".join(lines)


def _duplicate_keys(node: yaml.Node | None, where: str = "") -> list[str]:
    """Keys given twice in one mapping (PyYAML would silently keep the last)."""
    out: list[str] = []
    if isinstance(node, yaml.MappingNode):
        first: dict[str, int] = {}
        for key, value in node.value:
            name = str(key.value)
            path = f"{where}.{name}" if where else name
            line = key.start_mark.line + 1
            if name in first:
                what = f"role {name!r}" if where.startswith("roles.") else f"key {path!r}"
                out.append(f"line {line}: {what} given twice (first on line {first[name]})")
            first.setdefault(name, line)
            out += _duplicate_keys(value, path)
    elif isinstance(node, yaml.SequenceNode):
        for k, value in enumerate(node.value):
            out += _duplicate_keys(value, f"{where}[{k}]")
    return out


def _role_lines(node: yaml.Node | None) -> dict[str, int]:
    """``roles.<section>.<name>`` -> line of that role in the file (1-based)."""
    lines: dict[str, int] = {}
    if not isinstance(node, yaml.MappingNode):
        return lines
    for key, value in node.value:
        if key.value != "roles" or not isinstance(value, yaml.MappingNode):
            continue
        for section, entries in value.value:
            if isinstance(entries, yaml.MappingNode):
                for name, _ in entries.value:
                    lines[f"roles.{section.value}.{name.value}"] = name.start_mark.line + 1
    return lines


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
        text = path.read_text(encoding="utf-8")
        node = yaml.compose(text, Loader=yaml.SafeLoader)
        raw = yaml.safe_load(text)
    except OSError as exc:
        raise InstrumentError(f"{path}: cannot read ({exc.strerror})") from None
    except yaml.YAMLError as exc:
        raise InstrumentError(f"{path}: not valid YAML ({exc})") from None
    if not isinstance(raw, dict):
        raise InstrumentError(f"{path}: expected a mapping at the top level")
    duplicates = _duplicate_keys(node)
    if duplicates:
        raise InstrumentError(f"{path}: " + "; ".join(duplicates))
    lines = _role_lines(node)
    try:
        return Instrument.model_validate({**raw, "source_file": str(path), "lines": lines})
    except ValidationError as err:
        # pydantic wraps errors from our own cross-checks; keep their message whole.
        ours = [
            e
            for e in err.errors()
            if "ctx" in e and isinstance(e["ctx"].get("error"), InstrumentError)
        ]
        if ours:
            raise InstrumentError(str(ours[0]["ctx"]["error"])) from None
        raise InstrumentError(_format_validation_error(str(path), raw, err, lines)) from None
