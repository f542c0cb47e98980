"""Qualtrics' published rules for the Advanced Format TXT import and the CSV response
export, as checks and a small model (there is no Qualtrics code to run).

Sources:

- Qualtrics Support, "Import and Export Surveys" -> "Preparing a TXT or DOC file" ->
  "Advanced Format" (qualtrics.com/support/survey-platform/survey-module/survey-tools/
  import-and-export-surveys/): the file starts with ``[[AdvancedFormat]]``; tags are written
  without spaces inside the brackets; ``[[Block:Name]]`` starts a block, ``[[PageBreak]]``
  a page; a question starts with ``[[Question:Type]]`` (``MC`` with ``SingleAnswer`` or
  ``MultipleAnswer`` and a layout, ``Matrix``, ``TE`` with ``SingleLine``/``Essay``/``Form``,
  ``Text``, ``ConstantSum``, ``Timing``), optionally ``[[ID:tag]]`` (the export tag), then
  its text, then ``[[Choices]]`` (one choice per line) or ``[[AdvancedChoices]]`` (each
  choice after ``[[Choice]]`` or ``[[Choice:number]]``); a blank line ends a question.
  Display logic, validation, piped-text sources (survey flow) cannot be written in it.
- Qualtrics Support, "Survey Flow" / "Blocks": each block is shown on a page of its own.
- Qualtrics Support, "Data & Analysis" -> "Export Data" -> "Understanding your dataset":
  three header rows (export tags, question texts, ImportId JSON); the metadata columns
  ``StartDate ... UserLanguage`` first; multiple answer questions one column per choice
  ``TAG_<recode>`` holding 1; constant sum one column per choice ``TAG_<n>``; numeric values
  are the choices' recode values (the choice numbers of an AdvancedChoices import).
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field

TAG = re.compile(r"^\[\[([^\[\]]+)\]\]$")
QUESTION_TYPES = {"MC", "Matrix", "TE", "Text", "ConstantSum", "Timing"}
MC_SELECTORS = {"SingleAnswer", "MultipleAnswer", "Vertical", "Horizontal", "DropDown"}
TE_SELECTORS = {"SingleLine", "Essay", "Form"}
PLAIN_TAGS = {"AdvancedFormat", "Choices", "AdvancedChoices", "Answers", "AdvancedAnswers",
              "PageBreak", "MultipleAnswer", "Block"}  # fmt: skip
META = ["StartDate", "EndDate", "Status", "IPAddress", "Progress", "Duration (in seconds)",
        "Finished", "RecordedDate", "ResponseId", "RecipientLastName", "RecipientFirstName",
        "RecipientEmail", "ExternalReference", "LocationLatitude", "LocationLongitude",
        "DistributionChannel", "UserLanguage"]  # fmt: skip


@dataclass
class Question:
    type: str
    tag: str
    text: str = ""
    choices: list[tuple[int, str]] = field(default_factory=list)


@dataclass
class Block:
    name: str
    questions: list[Question] = field(default_factory=list)


def parse(text: str) -> tuple[list[Block], list[str]]:
    """Blocks and questions of an Advanced Format file, and every rule it breaks."""
    problems: list[str] = []
    lines = text.split("\n")
    if not lines or lines[0] != "[[AdvancedFormat]]":
        problems.append("line 1: not [[AdvancedFormat]]")
    blocks: list[Block] = []
    question: Question | None = None
    mode = "text"
    number = 0
    for n, line in enumerate(lines[1:], start=2):
        m = TAG.match(line.strip())
        if line.strip().startswith("[[") and not m:
            problems.append(f"line {n}: malformed tag {line!r}")
            continue
        if m:
            tag = m.group(1)
            if tag != tag.strip() or " " in tag.split(":", 1)[0]:
                problems.append(f"line {n}: space inside a tag")
            name, _, rest = tag.partition(":")
            if name == "Block":
                blocks.append(Block(rest))
                question = None
            elif name == "Question":
                kind, *selectors = rest.split(":")
                allowed = MC_SELECTORS if kind == "MC" else TE_SELECTORS if kind == "TE" else set()
                if kind not in QUESTION_TYPES or set(selectors) - allowed:
                    problems.append(f"line {n}: unknown question type {rest!r}")
                if not blocks:
                    problems.append(f"line {n}: question outside a block")
                    blocks.append(Block(""))
                question = Question(rest, "")
                blocks[-1].questions.append(question)
                mode, number = "text", 0
            elif name == "ID":
                if question is None or question.text:
                    problems.append(f"line {n}: [[ID]] must follow [[Question]]")
                else:
                    question.tag = rest
            elif name in {"Choices", "AdvancedChoices"}:
                mode = "choices" if name == "Choices" else "advanced"
            elif name == "Choice":
                if mode != "advanced":
                    problems.append(f"line {n}: [[Choice]] outside [[AdvancedChoices]]")
                number = int(rest) if rest else number + 1
                question.choices.append((number, ""))
                mode = "choice_text"
            elif name not in PLAIN_TAGS:
                problems.append(f"line {n}: unknown tag {tag!r}")
            continue
        if not line.strip():
            question, mode = None, "text"  # a blank line ends a question
            continue
        if question is None:
            problems.append(f"line {n}: text outside a question: {line!r}")
        elif mode == "text":
            question.text = f"{question.text} {line}".strip()
        elif mode == "choices":
            number += 1
            question.choices.append((number, line))
        elif mode == "choice_text":
            num, _ = question.choices[-1]
            question.choices[-1] = (num, line)
            mode = "advanced"
        else:
            problems.append(f"line {n}: text after [[AdvancedChoices]] without [[Choice]]")
    tags = [q.tag for b in blocks for q in b.questions]
    if len(tags) != len(set(tags)) or not all(tags):
        problems.append("export tags missing or not unique")
    return blocks, problems


def columns(question: Question) -> list[tuple[str, str, str]]:
    """(tag, row-2 text, row-3 ImportId JSON) of each CSV column of a question."""
    if question.type.startswith("MC:MultipleAnswer") or question.type == "ConstantSum":
        return [(f"{question.tag}_{num}", f"{question.text} - {label}",
                 f'{{"ImportId":"{question.tag}_{num}"}}') for num, label in question.choices]  # fmt: skip
    return [(question.tag, question.text, f'{{"ImportId":"{question.tag}"}}')]


def response_csv(blocks: list[Block], responses: list[dict]) -> str:
    """The CSV a numeric-values export writes. ``responses`` hold tag -> value and
    ``_meta`` (ResponseId, Finished, UserLanguage, RecordedDate)."""
    cols = [c for b in blocks for q in b.questions for c in columns(q)]
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\r\n")
    writer.writerow(META + [c[0] for c in cols])
    writer.writerow(META + [c[1] for c in cols])
    writer.writerow([f'{{"ImportId":"{m}"}}' for m in META] + [c[2] for c in cols])
    for r in responses:
        meta = dict.fromkeys(META, "") | r["_meta"]
        writer.writerow([meta[m] for m in META] + [r.get(c[0], "") for c in cols])
    return buf.getvalue()
