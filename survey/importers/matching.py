"""Which column of a foreign file is which item, and which answer label is which code.

Headers match by our code first, else by text in German or English, tolerant of case,
whitespace, punctuation and of the forms tools build for grids: ``Question - Statement``
(Qualtrics), ``Question [Statement]`` (Google Forms, LimeSurvey) and the bare statement
(Microsoft Forms). A header that fits more than one column is never resolved by guessing:
:func:`map_headers` asks for a mapping file instead.
"""

from __future__ import annotations

import difflib
import html
import re
import unicodedata
from collections import defaultdict
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import yaml

from survey.errors import shorten
from survey.exporters.layout import block_prompt, blocks, choices
from survey.importers.readers import IngestError
from survey.instrument import LANGUAGES, Instrument
from survey.responses import META_COLUMNS

IGNORE = "ignore"
ACCEPT_SIMILARITY = 0.95  # a typo or two in an item's text; a reworded question is not
TYPO_SIMILARITY = 0.75  # "rechtzeitg" for "rechtzeitig"; "product" for "marketing" is not
STATEMENT_CONFIDENCE = 0.95  # an item's whole text after a question of the consultant's
NEAR_SIMILARITY = 0.6  # closer than this is reported as "resembles"


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
        raw = yaml.safe_load(path.read_text(encoding="utf-8-sig"))
    except IsADirectoryError:
        raise IngestError(f"{path}: the mapping is a folder, not a file") from None
    except OSError as exc:
        raise IngestError(f"{path}: cannot read the mapping file ({exc.strerror})") from None
    except UnicodeDecodeError:
        raise IngestError(f"{path}: the mapping file is not UTF-8 text") from None
    except yaml.YAMLError as exc:
        where = getattr(exc, "problem_mark", None)
        line = f" at line {where.line + 1}" if where is not None else ""
        problem = getattr(exc, "problem", None) or "syntax error"
        raise IngestError(f"{path}: the mapping file is not valid YAML{line} ({problem})") from None
    raw = raw if raw is not None else {}
    shape = (
        "a mapping is a YAML dictionary with the keys columns (header: CODE), values "
        "(CODE: {label: code}) and constants (column: value)"
    )
    if not isinstance(raw, dict):
        raise IngestError(f"{path}: {shape}; found a {type(raw).__name__} at the top")
    unknown = set(raw) - {"columns", "values", "constants"}
    if unknown:
        raise IngestError(f"{path}: unknown key(s) {sorted(map(str, unknown))}; {shape}")
    for key in ("columns", "values", "constants"):
        if raw.get(key) is not None and not isinstance(raw[key], dict):
            raise IngestError(
                f"{path}: '{key}' must be a dictionary, found a {type(raw[key]).__name__}; {shape}"
            )
    for col, labels in (raw.get("values") or {}).items():
        if not isinstance(labels, dict):
            raise IngestError(
                f"{path}: values of {col!r} must be a dictionary label: code, found a "
                f"{type(labels).__name__}"
            )
    for header, target in (raw.get("columns") or {}).items():
        if not isinstance(target, str | int | float) or isinstance(target, bool):
            raise IngestError(
                f"{path}: columns: {shorten(header)!r} must name one column (a code or "
                f"{IGNORE}), found a {type(target).__name__}"
            )
    known = set(META_COLUMNS) | set(instrument.columns()) | {IGNORE}
    known |= {i.code for i in instrument.items if instrument.kind(i) == "multiple"}
    columns = {str(k).strip(): str(v) for k, v in (raw.get("columns") or {}).items()}
    bad = {k: v for k, v in columns.items() if v not in known}
    if bad:
        raise IngestError(f"{path}: unknown target column(s) {bad}; use item codes or {IGNORE}")
    values = {
        str(c): {str(k): v for k, v in m.items()} for c, m in (raw.get("values") or {}).items()
    }
    bad_values = [c for c in values if c not in known]
    if bad_values:
        raise IngestError(f"{path}: values for unknown column(s) {bad_values}")
    constants = {str(k): str(v) for k, v in (raw.get("constants") or {}).items()}
    bad_constants = [c for c in constants if c not in META_COLUMNS]
    if bad_constants:
        raise IngestError(
            f"{path}: constants name column(s) {bad_constants}; constants set metadata "
            f"columns {list(META_COLUMNS)}"
        )
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
        for question, statement in _pairs(header):
            q, s = normalise(question), normalise(statement)
            parts = self._part(self.prompts.get(q, set()), s)
            if parts:
                return parts
            if s in self.texts and q in self.prompts:
                found = {t for t in self.texts[s] if not t.joined}
                narrowed = {t for t in found if t.column in self.prompts[q]}
                if narrowed:
                    return narrowed
        return set()

    def statement(self, header: str) -> set[Target]:
        """Targets of a grid header whose statement is an item's whole text while the
        question above it is not ours (a form section titled by the consultant): a match
        of confidence :data:`STATEMENT_CONFIDENCE`, refused where a code holds the item."""
        for question, statement in _pairs(header):
            s = normalise(statement)
            if s in self.texts:
                found = {t for t in self.texts[s] if not t.joined}
                if found:
                    return found
            if normalise(question) not in self.prompts:
                # "Einfluss [Marketing]": a part or option label of several items is ambiguous
                parts = self._part(self._with_parts, s)
                if len(parts) > 1:
                    return parts
        return set()

    def near(self, header: str) -> tuple[str, float, str] | None:
        """The closest item text to a header that matched nothing, and how close (0-1).

        A question of a consultant's own ("How satisfied are you with our CRM?") can read
        much like an item; closeness is reported, never acted on below
        :data:`ACCEPT_SIMILARITY`. Written with difflib because the texts are few (some
        hundred) and only headers that matched nothing are compared.
        """
        key = normalise(header)
        if not key:
            return None
        best: tuple[float, str, str] = (0.0, "", "")
        matcher = difflib.SequenceMatcher(autojunk=False)
        matcher.set_seq2(key)
        for text, targets in self._candidates.items():
            matcher.set_seq1(text)
            if matcher.real_quick_ratio() <= best[0] or matcher.quick_ratio() <= best[0]:
                continue
            ratio = matcher.ratio()
            if ratio > best[0]:
                best = (ratio, ", ".join(sorted(targets)), text)
        # the statement of "Question - Statement" or "Question [Statement]" may be the item
        for _, statement in _pairs(header):
            s = normalise(statement)
            if s in self.texts:
                cols = ", ".join(sorted({t.column for t in self.texts[s]}))
                if best[0] < 0.9:
                    best = (0.9, cols, "")
        return (best[1], round(best[0], 3), best[2]) if best[0] >= NEAR_SIMILARITY else None

    @property
    def _candidates(self) -> dict[str, set[str]]:
        if not hasattr(self, "_cands"):
            self._cands: dict[str, set[str]] = defaultdict(set)
            for text, targets in self.texts.items():
                self._cands[text] |= {t.column for t in targets}
        return self._cands

    def lookup_columns(self, columns: str) -> set[Target]:
        """Targets named by :meth:`near` (one column, or several joined by ", ")."""
        names = set(columns.split(", "))
        return {t for targets in self.texts.values() for t in targets if t.column in names}

    def language(self, headers: list[str]) -> str | None:
        """The language most matched headers are written in, if any."""
        votes = {lang: 0 for lang in LANGUAGES}
        for header in headers:
            for lang in self.language_of.get(normalise(header), ()):
                votes[lang] += 1
        best = max(votes, key=votes.get)
        return best if votes[best] else None


def typos_only(a: str, b: str) -> bool:
    """Whether two normalised texts differ only by misspelt words, word for word.

    Character similarity alone would accept "between product and sales" for "between
    marketing and sales" in a long enough sentence; a changed, added or dropped word
    is a different question.

    Examples
    --------
    >>> typos_only("how often do you meet", "how oftne do you meet")
    True
    >>> typos_only("between product and sales", "between marketing and sales")
    False
    """
    x, y = a.split(), b.split()
    if len(x) != len(y):
        return False
    for u, v in zip(x, y, strict=True):
        if u != v and (
            min(len(u), len(v)) < 4 or difflib.SequenceMatcher(None, u, v).ratio() < TYPO_SIMILARITY
        ):
            return False
    return True


def _pairs(header: str) -> list[tuple[str, str]]:
    """(question, statement) readings of a grid header: ``Q [S]`` and ``Q - S``."""
    bracket = re.fullmatch(r"(.*)\[([^\[\]]*)\]\s*", header.strip(), flags=re.S)
    pairs: list[tuple[str, str]] = []
    if bracket:
        pairs.append((bracket.group(1), bracket.group(2)))
    pieces = re.split(r"\s[-–]\s", header)
    pairs += [(" - ".join(pieces[:i]), " - ".join(pieces[i:])) for i in range(1, len(pieces))]
    return pairs


@dataclass
class HeaderMap:
    """What :func:`map_headers` decided, every decision with its reason.

    ``matches``: one entry per mapped header (header, column, how, confidence);
    ``ignored``: headers left out (header, reason, and the closest item if one is near).
    """

    targets: dict[int, Target]
    matches: list[dict[str, object]] = field(default_factory=list)
    ignored: list[dict[str, object]] = field(default_factory=list)

    @property
    def unmatched(self) -> list[str]:
        return [str(i["header"]) for i in self.ignored]


def map_headers(
    headers: list[str],
    instrument: Instrument,
    mapping: Mapping,
    by_code: dict[str, str] | None = None,
    skipped: dict[int, str] | None = None,
    names: set[str] | None = None,
) -> HeaderMap:
    """What each header holds, and why; see :class:`HeaderMap`.

    Order of trust: the mapping file, then our codes (``by_code`` maps headers a tool
    builds from our codes to columns), then item texts in German or English, exactly
    (after :func:`normalise`) or within :data:`ACCEPT_SIMILARITY`. A text match onto a
    column a code already holds is refused (a consultant's own question that repeats an
    item's text). A header that matches several columns raises ``IngestError`` asking for
    a mapping entry; one that is merely near an item is left out and reported with its
    closeness. Several text headers may hold one column (a form with a section per
    department); the assembly merges them and quarantines rows that answer in more than
    one. ``skipped``: positions the vendor module reads itself (metadata), with why;
    ``names``: other names the file gives its columns (Qualtrics' question texts), which a
    mapping may use. A mapping entry naming a header the file lacks raises.
    """
    index = TextIndex(instrument)
    codes = set(META_COLUMNS) | set(instrument.columns())
    multi = {i.code for i in instrument.items if instrument.kind(i) == "multiple"}
    skipped = skipped or {}
    out = HeaderMap({})
    ambiguous: list[str] = []
    by_text: list[tuple[int, str, Target, str, float]] = []

    def take(pos: int, header: str, target: Target, how: str, confidence: float) -> None:
        out.targets[pos] = target
        out.matches.append(
            {
                "header": header,
                "position": pos + 1,
                "column": target.column,
                "how": how,
                "confidence": confidence,
            }
        )

    for pos, header in enumerate(headers):
        name = header.strip()
        if pos in skipped:
            out.ignored.append({"position": pos + 1, "header": header, "reason": skipped[pos]})
            continue
        if name in mapping.columns:
            target = mapping.columns[name]
            if target == IGNORE:
                out.ignored.append(
                    {"position": pos + 1, "header": header, "reason": "ignore (mapping file)"}
                )
            else:
                take(pos, header, Target(target, joined=target in multi), "mapping", 1.0)
            continue
        if by_code and name in by_code:
            take(pos, header, Target(by_code[name]), "code", 1.0)
            continue
        if name in codes:
            take(pos, header, Target(name), "code", 1.0)
            continue
        if name in multi:
            take(pos, header, Target(name, joined=True), "code", 1.0)
            continue
        if not name:
            out.ignored.append({"position": pos + 1, "header": header, "reason": "no header"})
            continue
        targets = index.lookup(name)
        if len(targets) == 1:
            by_text.append((pos, header, targets.pop(), "text", 1.0))
            continue
        if targets:
            shown = ", ".join(sorted(t.column for t in targets))
            ambiguous.append(f"{shorten(header)!r} could be {shown}")
            continue
        targets = index.statement(name)
        if len(targets) == 1:
            by_text.append(
                (pos, header, targets.pop(), "item text, other question", STATEMENT_CONFIDENCE)
            )
            continue
        if targets:
            shown = ", ".join(sorted(t.column for t in targets))
            ambiguous.append(f"{shorten(header)!r} could be {shown}")
            continue
        near = index.near(name)
        if (
            near
            and near[1] >= ACCEPT_SIMILARITY
            and typos_only(normalise(name), near[2])
            and len(found := index.lookup_columns(near[0])) == 1
        ):
            by_text.append((pos, header, found.pop(), "similar text", near[1]))
        elif near:
            out.ignored.append(
                {
                    "position": pos + 1,
                    "header": header,
                    "reason": f"resembles {near[0]} (similarity {near[1]:.2f}; other words "
                    f"or below {ACCEPT_SIMILARITY}): not mapped; map it in --mapping "
                    f"('columns: {{header: CODE}}' or 'ignore')",
                    "closest": near[0],
                    "similarity": near[1],
                }
            )
        else:
            out.ignored.append(
                {
                    "position": pos + 1,
                    "header": header,
                    "reason": "matches no item; map it in --mapping "
                    "('columns: {header: CODE}' or 'ignore')",
                }
            )
    if ambiguous:
        raise IngestError(
            "cannot tell which column is which: "
            + "; ".join(ambiguous)
            + ". Name them in a mapping file (--mapping MAP.yaml with 'columns: {header: CODE}')"
        )
    held = {t.column for t in out.targets.values()}
    for pos, header, target, how, confidence in by_text:
        if target.column in held:
            out.ignored.append(
                {
                    "position": pos + 1,
                    "header": header,
                    "reason": f"its text is that of {target.column}, which another column "
                    "holds by its code: not mapped (a question of your own?)",
                    "closest": target.column,
                    "similarity": confidence,
                }
            )
        else:
            take(pos, header, target, how, confidence)
    out.matches.sort(key=lambda m: int(m["position"]))  # type: ignore[call-overload]
    visible = {h.strip() for h in headers} | (names or set())
    missing = [h for h in mapping.columns if h not in visible]
    lacking = [h for h in missing if mapping.columns[h] != IGNORE]
    if lacking:
        raise IngestError(
            f"the mapping names header(s) the file lacks: {[shorten(h) for h in lacking]}"
            f"{_closest(lacking, visible)}; correct them or remove them from the mapping"
        )
    out.ignored += [
        {"header": h, "reason": "named 'ignore' in the mapping, absent from the file"}
        for h in missing
    ]
    return out


def _closest(wanted: list[str], visible: set[str]) -> str:
    hints = []
    for header in wanted:
        close = difflib.get_close_matches(header, [v for v in visible if v], n=1, cutoff=0.6)
        if close:
            hints.append(f"{shorten(header)!r}: did you mean {shorten(close[0])!r}?")
    return f" ({'; '.join(hints)})" if hints else ""


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
