"""Which column of a foreign file is which item, and which answer label is which code.

Headers match by our code first, else by text in German or English, tolerant of case,
whitespace, punctuation and of the forms tools build for grids: ``Question - Statement``
(Qualtrics), ``Question [Statement]`` (Google Forms, LimeSurvey) and the bare statement
(Microsoft Forms). A header that fits more than one column is never resolved by guessing:
:func:`map_headers` asks for a mapping file instead.
"""

from __future__ import annotations

import html
import re
import unicodedata
from collections import defaultdict
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import yaml

from survey.exporters.layout import block_prompt, blocks, choices
from survey.importers.readers import IngestError
from survey.instrument import LANGUAGES, Instrument
from survey.responses import META_COLUMNS

IGNORE = "ignore"


@lru_cache(maxsize=65536)  # answers repeat: the same few labels in every row
def normalise(text: str) -> str:
    """Text reduced to lower-case words: no markup, punctuation or extra spaces.

    Examples
    --------
    >>> normalise("  Wie oft …?<br> Täglich!  ")
    'wie oft täglich'
    """
    text = html.unescape(re.sub(r"<[^>]+>", " ", text))
    text = unicodedata.normalize("NFKC", text).casefold()
    text = "".join(ch if ch.isalnum() else " " for ch in text)
    return " ".join(text.split())


@dataclass(frozen=True)
class Target:
    """What a header holds: one column, or a multiple-choice item as one joined cell."""

    column: str
    joined: bool = False  # all options of a multiple-choice item in one cell


@dataclass
class Mapping:
    """A user's mapping file: header -> column (or ``ignore``), value labels, constants."""

    columns: dict[str, str] = field(default_factory=dict)
    value_labels: dict[str, dict[str, float | str]] = field(default_factory=dict)
    constants: dict[str, str] = field(default_factory=dict)


def load_mapping(path: str | Path | None, instrument: Instrument) -> Mapping:
    """Read a mapping YAML::

    columns:            # header in the file: our column (or "ignore")
      "Wie zufrieden sind Sie?": SAT_OVERALL
    values:             # per column: label in the file -> our code
      SAT_OVERALL: {"sehr": 7, "gar nicht": 1}
    constants:          # metadata the file does not carry
      business_unit: north
    """
    if path is None:
        return Mapping()
    path = Path(path)
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8-sig")) or {}
    except OSError as exc:
        raise IngestError(f"{path}: cannot read the mapping file ({exc.strerror})") from None
    except yaml.YAMLError as exc:
        raise IngestError(f"{path}: the mapping file is not valid YAML ({exc})") from None
    unknown = set(raw) - {"columns", "values", "constants"}
    if not isinstance(raw, dict) or unknown:
        raise IngestError(f"{path}: a mapping has the keys columns, values, constants")
    known = set(META_COLUMNS) | set(instrument.columns()) | {IGNORE}
    known |= {i.code for i in instrument.items if instrument.kind(i) == "multiple"}
    columns = {str(k): str(v) for k, v in (raw.get("columns") or {}).items()}
    bad = {k: v for k, v in columns.items() if v not in known}
    if bad:
        raise IngestError(f"{path}: unknown target column(s) {bad}; use item codes or {IGNORE}")
    values = {
        str(c): {str(k): v for k, v in m.items()} for c, m in (raw.get("values") or {}).items()
    }
    constants = {str(k): str(v) for k, v in (raw.get("constants") or {}).items()}
    return Mapping(columns, values, constants)


class TextIndex:
    """Normalised texts (both languages, both department renderings) -> targets."""

    def __init__(self, instrument: Instrument):
        self.instrument = instrument
        self.texts: dict[str, set[Target]] = defaultdict(set)
        self.language_of: dict[str, set[str]] = defaultdict(set)
        self.items: dict[str, set[str]] = defaultdict(set)  # statement text -> item codes
        self.prompts: dict[str, set[str]] = defaultdict(set)  # question text -> item codes
        ins = instrument
        for q in ins.context:
            for lang in LANGUAGES:
                self._add(q.text[lang], Target(q.column), lang)
        prompt_of = {
            item.code: block for block in blocks(ins) if block.matrix for item in block.items
        }
        for item in ins.items:
            kind = ins.kind(item)
            for lang in LANGUAGES:
                variants = {ins.render(item.text, lang, d) for d in ins.departments}
                for text in variants:
                    key = normalise(text)
                    self.items[key].add(item.code)
                    self.prompts[key].add(item.code)
                    self.language_of[key].add(lang)
                    if kind == "multiple":
                        self._add(text, Target(item.code, joined=True), lang)
                    elif kind != "constant_sum":
                        self._add(text, Target(item.code), lang)
                if item.code in prompt_of:
                    self.prompts[normalise(block_prompt(ins, prompt_of[item.code], lang))].add(
                        item.code
                    )

        self._with_parts = {
            i.code for i in ins.items if ins.kind(i) in {"constant_sum", "multiple"}
        }

    def _add(self, text: str, target: Target, lang: str) -> None:
        key = normalise(text)
        self.texts[key].add(target)
        self.language_of[key].add(lang)

    def _part(self, codes: set[str], label: str) -> set[Target]:
        """Targets for ``question [label]``: a constant-sum part or a multiple-choice option."""
        out: set[Target] = set()
        for code in codes:
            item = self.instrument.item(code)
            kind = self.instrument.kind(item)
            for lang in LANGUAGES:
                if kind == "constant_sum":
                    out |= {
                        Target(f"{code}_{p.code}")
                        for p in item.parts
                        if normalise(p.label[lang]) == label
                    }
                if kind == "multiple":
                    out |= {
                        Target(f"{code}_{o.code}")
                        for o in self.instrument.options(item)
                        if normalise(o.label[lang]) == label
                    }
        return out

    def lookup(self, header: str) -> set[Target]:
        """Every target the header could mean (empty: none; more than one: ambiguous)."""
        key = normalise(header)
        if key in self.texts:
            return set(self.texts[key])
        bracket = re.fullmatch(r"(.*)\[([^\[\]]*)\]\s*", header.strip(), flags=re.S)
        pairs: list[tuple[str, str]] = []
        if bracket:
            pairs.append((bracket.group(1), bracket.group(2)))
        pieces = re.split(r"\s[-–]\s", header)
        pairs += [(" - ".join(pieces[:i]), " - ".join(pieces[i:])) for i in range(1, len(pieces))]
        for question, statement in pairs:
            q, s = normalise(question), normalise(statement)
            parts = self._part(self.prompts.get(q, set()), s)
            if parts:
                return parts
            if q not in self.prompts:  # a question we do not know: every item with that part
                parts = self._part(self._with_parts, s)
                if parts:
                    return parts
            if s in self.texts:
                found = {t for t in self.texts[s] if not t.joined}
                codes = self.prompts.get(q)
                narrowed = {t for t in found if codes and t.column in codes}
                return narrowed or found
        return set()

    def language(self, headers: list[str]) -> str | None:
        """The language most matched headers are written in, if any."""
        votes = {lang: 0 for lang in LANGUAGES}
        for header in headers:
            for lang in self.language_of.get(normalise(header), ()):
                votes[lang] += 1
        best = max(votes, key=votes.get)
        return best if votes[best] else None


def map_headers(
    headers: list[str],
    instrument: Instrument,
    mapping: Mapping,
    by_code: dict[str, str] | None = None,
) -> tuple[dict[int, Target], list[str]]:
    """Position of each header -> its target; the headers left unmatched.

    ``by_code`` maps headers a tool builds from our codes to columns. A header that
    matches several columns raises ``IngestError`` asking for a mapping file. Several
    headers may hold one column (a form with a section per department); the assembly
    merges them and quarantines rows that answer in more than one.
    """
    index = TextIndex(instrument)
    codes = set(META_COLUMNS) | set(instrument.columns())
    multi = {i.code for i in instrument.items if instrument.kind(i) == "multiple"}
    found: dict[int, Target] = {}
    ambiguous: list[str] = []
    unmatched: list[str] = []
    for pos, header in enumerate(headers):
        name = header.strip()
        if name in mapping.columns:
            target = mapping.columns[name]
            if target != IGNORE:
                found[pos] = Target(target, joined=target in multi)
            continue
        if by_code and name in by_code:
            found[pos] = Target(by_code[name])
            continue
        if name in codes:
            found[pos] = Target(name)
            continue
        if name in multi:
            found[pos] = Target(name, joined=True)
            continue
        targets = index.lookup(name) if name else set()
        if len(targets) == 1:
            found[pos] = targets.pop()
        elif targets:
            shown = ", ".join(sorted(t.column for t in targets))
            ambiguous.append(f"{header!r} could be {shown}")
        elif name:
            unmatched.append(header)
    if ambiguous:
        raise IngestError(
            "cannot tell which column is which: "
            + "; ".join(ambiguous)
            + ". Name them in a mapping file (--mapping MAP.yaml with 'columns: {header: CODE}')"
        )
    return found, unmatched


class LabelIndex:
    """Answer labels (both languages) and their codes, per column."""

    def __init__(self, instrument: Instrument):
        self.instrument = instrument
        self._cache: dict[str, dict[str, object]] = {}

    def labels(self, column: str) -> dict[str, object]:
        if column in self._cache:
            return self._cache[column]
        ins = self.instrument
        out: dict[str, object] = {}
        context = {q.column: q for q in ins.context}
        if column in context:
            for key, label in context[column].options.items():
                out[normalise(key)] = key
                for lang in LANGUAGES:
                    out[normalise(label[lang])] = key
        elif column in ins.column_map:
            item = ins.column_map[column]
            kind = ins.kind(item)
            opts = ins.options(item) if kind == "multiple" else choices(ins, item)
            if kind not in {"multiple", "constant_sum", "percent", "text"}:
                for opt in opts:
                    for lang in LANGUAGES:
                        out.setdefault(normalise(opt.label[lang]), float(opt.code))
            if kind == "multiple":
                for opt in opts:
                    for lang in LANGUAGES:
                        out.setdefault(normalise(opt.label[lang]), float(opt.code))
            if item.dont_know:
                for lang in LANGUAGES:
                    out[normalise(ins.dont_know.label[lang])] = float(ins.dont_know.code)
                    out[normalise(_DK[lang])] = float(ins.dont_know.code)
        self._cache[column] = out
        return out


_DK = {"de": "weiß nicht", "en": "don't know"}
