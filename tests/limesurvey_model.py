"""A model of what LimeSurvey does with our files, written from LimeSurvey's source.

No LimeSurvey code is copied here: each function re-states, in Python, the rules of the
PHP function it names, so that tests can run our export through them. Sources (LimeSurvey
6.x, https://github.com/LimeSurvey/LimeSurvey):

- ``application/helpers/admin/import_helper.php``, ``TSVImportSurvey``: how the ``.txt``
  file is read (tab, double quotes, BOM stripped from the first heading, every line ending
  turned into ``\\n``) and how rows become groups, questions, subquestions, answers and
  question attributes (the counters and look-up tables modelled in :func:`tsv_import`);
  ``createXMLfromData`` and ``XMLImportSurvey``: one group/question per id, its texts once
  per language (a second text for the same id and language fails the unique index of the
  ``*_l10ns`` tables and is dropped).
- ``application/models/Question.php``, ``rules()``: question codes ``^[A-Za-z][A-Za-z0-9]*$``
  (subquestions ``^[A-Za-z0-9]+$``), at most 20 characters, unique in the survey (parent
  questions) or within their parent question (subquestions); ``Answer.php``: answer codes
  ``^[A-Za-z0-9]+$``, at most 5 characters, unique per question and scale.
- ``application/helpers/expressions/em_manager_helper.php``,
  ``_CreateSubQLevelRelevanceAndValidationEqns``: what ``min_num_value_n``,
  ``max_num_value_n``, ``num_value_int_only``, ``equals_num_value`` (with
  ``value_range_allows_missing``: ``sum == total || count(...) == 0``) and ``max_answers``
  check; ``validation`` is the question's ``preg`` (a regular expression).
- LimeSurvey manual, "Exporting results" and ``application/helpers/export_helper.php``:
  response export headings ``CODE`` / ``CODE[SUB]`` in group, question and subquestion order
  after ``id, submitdate, lastpage, startlanguage, seed``; multiple choice ``Y`` or empty;
  anonymised surveys without datestamp write ``1980-01-01 00:00:00`` as ``submitdate``.
"""

from __future__ import annotations

import csv
import io
import math
import re
from dataclasses import dataclass, field
from pathlib import Path

QUESTION_CODE = re.compile(r"^[A-Za-z][A-Za-z0-9]*$")  # Question.php rules(), parents
SUBQUESTION_CODE = re.compile(r"^[A-Za-z0-9]+$")  # Question.php rules(), subquestions
ANSWER_CODE = re.compile(r"^[A-Za-z0-9]{1,5}$")  # Answer.php rules()
# TSVImportSurvey: columns of a Q row that are not question attributes.
NOT_ATTRIBUTES = {"class", "type/scale", "name", "text", "validation", "relevance", "help",
                  "language", "mandatory", "other", "same_default", "default"}  # fmt: skip
# Attributes each question type knows (the question themes' config.xml under
# application/views/survey/questions/answer/<theme>/config.xml), for the ones we use.
KNOWN_ATTRIBUTES = {
    "K": {"equals_num_value", "value_range_allows_missing", "min_num_value_n",
          "max_num_value_n", "num_value_int_only"},
    "N": {"min_num_value_n", "max_num_value_n", "num_value_int_only"},
    "M": {"max_answers"},
    "T": {"maximum_chars"},
    "S": {"maximum_chars"},
    "L": set(),
    "F": set(),
}  # fmt: skip
ANONYMISED_DATE = "1980-01-01 00:00:00"


def read_tsv(path: Path) -> list[dict[str, str]]:
    """TSVImportSurvey's reading: fgetcsv with tab and ``"``, BOM stripped, rows padded."""
    text = path.read_bytes().decode("utf-8")
    text = re.sub(r"\r\n|\r", "\n", text)
    rows = list(csv.reader(io.StringIO(text), delimiter="\t", quotechar='"'))
    heads = [h.strip() for h in rows[0]]
    heads[0] = re.sub(r"^\W+", "", heads[0])  # "remove BOM from the first header cell"
    out = []
    for row in rows[1:]:
        vals = [row[i] if i < len(row) else "" for i in range(len(heads))]
        vals = [v[1:-1].replace('""', '"') if re.match(r'^".*"$', v) else v for v in vals]
        out.append(dict(zip(heads, vals, strict=True)))
    return out


@dataclass
class Imported:
    """What TSVImportSurvey hands to XMLImportSurvey, and what XMLImportSurvey keeps."""

    survey: dict[str, str] = field(default_factory=dict)
    titles: dict[str, str] = field(default_factory=dict)
    groups: dict[int, dict] = field(default_factory=dict)  # gid -> group
    questions: dict[int, dict] = field(default_factory=dict)  # qid -> question (parents)
    subquestions: dict[int, dict] = field(default_factory=dict)
    answers: dict[tuple[int, str, str], dict] = field(default_factory=dict)
    attributes: list[tuple[int, str, str | None, str]] = field(default_factory=list)
    dropped: list[str] = field(default_factory=list)  # rows a unique check threw away
    errors: list[str] = field(default_factory=list)  # what LimeSurvey would refuse

    def languages(self) -> list[str]:
        extra = self.survey.get("additional_languages", "").split()
        return [self.survey.get("language", "en"), *extra]

    def ordered_groups(self) -> list[dict]:
        return sorted(self.groups.values(), key=lambda g: g["group_order"])

    def questions_of(self, gid: int) -> list[dict]:
        qs = [q for q in self.questions.values() if q["gid"] == gid]
        return sorted(qs, key=lambda q: (q["question_order"], q["qid"]))

    def subquestions_of(self, qid: int) -> list[dict]:
        sqs = [s for s in self.subquestions.values() if s["parent_qid"] == qid]
        return sorted(sqs, key=lambda s: (s["question_order"], s["qid"]))

    def answers_of(self, qid: int) -> list[dict]:
        ans = [a for (q, _, _), a in self.answers.items() if q == qid]
        return sorted(ans, key=lambda a: a["sortorder"])

    def attributes_of(self, qid: int) -> dict[str, str]:
        return {name: value for q, name, _, value in self.attributes if q == qid}


def tsv_import(rows: list[dict[str, str]]) -> Imported:
    """TSVImportSurvey's second pass, then XMLImportSurvey's one-row-per-id rule."""
    out = Imported()
    for row in rows:
        if row.get("class") == "S" and row.get("name") != "datecreated":
            out.survey[row["name"]] = row.get("text", "")
        elif row.get("class") == "SL" and row.get("name") == "surveyls_title":
            out.titles[row["language"]] = row.get("text", "")
    base = out.survey.get("language", "en")
    gid_new = qid_new = 0
    gid = qid = 0
    gseq, qseq, aseq = 1, 1, 0
    group_counter, last_lang = 1, ""
    ginfo: dict[str, dict] = {}
    qinfo: dict[str, dict] = {}
    sqinfo: dict[str, dict] = {}
    qtype = "T"
    l10n: set[tuple] = set()

    def text_once(key: tuple, what: str) -> bool:
        # the *_l10ns tables are unique per (id, language): a second text is dropped
        if key in l10n:
            out.dropped.append(what)
            return False
        l10n.add(key)
        return True

    for n, row in enumerate(rows, start=2):
        cls = row.get("class")
        lang = row.get("language") or base
        if cls == "G":
            if last_lang != lang:
                group_counter = 0  # "reset counter on language change"
            last_lang = lang
            if row.get("type/scale"):
                key = row["type/scale"]
            else:
                key, group_counter = f"G{group_counter}", group_counter + 1
            if key in ginfo:
                gid = ginfo[key]["gid"]
            else:
                gid = int(row["id"]) if row.get("id") else (gid_new := gid_new + 1)
                ginfo[key] = {"gid": gid, "group_order": gseq}
                gseq += 1
            qseq = 0  # "reset the question_order"
            group = out.groups.setdefault(
                gid,
                {"gid": gid, "group_order": ginfo[key]["group_order"],
                 "grelevance": row.get("relevance", ""), "l10n": {}},
            )  # fmt: skip
            if text_once(("group", gid, lang), f"line {n}: group {row.get('name')!r} ({lang})"):
                group["l10n"][lang] = {"group_name": row.get("name") or f"G{gseq}",
                                       "description": row.get("text", "")}  # fmt: skip
        elif cls == "Q":
            qtype = row.get("type/scale", "T")
            name = row.get("name", f"Q{qseq}")
            full = f"G{gid}_{name}"
            if full in qinfo:
                qseq = qinfo[full]["question_order"]
                qid = qinfo[full]["qid"]
            else:
                qid = int(row["id"]) if row.get("id") else (qid_new := qid_new + 1)
                qinfo[full] = {"qid": qid, "question_order": qseq}
                order, qseq = qseq, qseq + 1
                if any(q["title"] == name for q in out.questions.values()):
                    out.errors.append(f"line {n}: question code {name} is not unique")
                if not QUESTION_CODE.match(name) or len(name) > 20:
                    out.errors.append(f"line {n}: invalid question code {name!r}")
                out.questions[qid] = {
                    "qid": qid, "gid": gid, "type": qtype, "title": name,
                    "relevance": row.get("relevance", ""), "preg": row.get("validation", ""),
                    "mandatory": row.get("mandatory", ""), "other": row.get("other", "N"),
                    "question_order": order, "l10n": {},
                }  # fmt: skip
            if text_once(("question", qid, lang), f"line {n}: question {name} ({lang})"):
                out.questions[qid]["l10n"][lang] = row.get("text", "")
            aseq = 0
            for key, value in row.items():
                if key in NOT_ATTRIBUTES or not key or value == "":
                    continue
                out.attributes.append((qid, key, None, value))
        elif cls == "SQ":
            name = row.get("name", "")
            scale = row.get("type/scale") or "0"
            full = f"G{gid}Q{qid}_{scale}_{name}"
            if full in sqinfo:
                qseq = sqinfo[full]["question_order"]
                sqid = sqinfo[full]["sqid"]
            else:
                sqid = int(row["id"]) if row.get("id") else (qid_new := qid_new + 1)
                sqinfo[full] = {"sqid": sqid, "question_order": qseq}
                order, qseq = qseq, qseq + 1
                if not SUBQUESTION_CODE.match(name) or len(name) > 20:
                    out.errors.append(f"line {n}: invalid subquestion code {name!r}")
                out.subquestions[sqid] = {
                    "qid": sqid, "parent_qid": qid, "gid": gid, "title": name,
                    "scale_id": scale, "question_order": order, "l10n": {},
                }  # fmt: skip
            if text_once(("question", sqid, lang), f"line {n}: subquestion {name} ({lang})"):
                out.subquestions[sqid]["l10n"][lang] = row.get("text", "")
        elif cls == "A":
            code = row.get("name", f"A{aseq}")
            scale = row.get("type/scale") or "0"
            aseq += 1
            if not ANSWER_CODE.match(code):
                out.errors.append(f"line {n}: invalid answer code {code!r}")
            answer = out.answers.setdefault(
                (qid, code, scale), {"code": code, "sortorder": aseq, "l10n": {}}
            )
            if text_once(("answer", qid, code, scale, lang), f"line {n}: answer {code} ({lang})"):
                answer["l10n"][lang] = row.get("text", "")
    seen = set()
    for qid_, name, lang_, _ in out.attributes:
        if (qid_, name, lang_) in seen:
            out.errors.append(f"question {out.questions[qid_]['title']}: attribute {name} twice")
        seen.add((qid_, name, lang_))
        known = KNOWN_ATTRIBUTES.get(out.questions[qid_]["type"], set())
        if name not in known:
            out.errors.append(f"question {out.questions[qid_]['title']}: unknown attribute {name}")
    return out


# --- the survey running: relevance, tailoring, validation -----------------------------
_IS_EMPTY = re.compile(r"^(!?)is_empty\((\w+)\.NAOK\)$")
_TAILOR = re.compile(r'\{if\((\w+)\.NAOK=="(\w+)","([^"]*)","([^"]*)"\)\}')


def relevant(equation: str, values: dict[str, str]) -> bool:
    """ExpressionScript for the equations we write: ``1``, ``[!]is_empty(X.NAOK)`` joined
    by ``and``. Anything else is refused, so a new kind of equation needs a new rule here."""
    if equation.strip() in {"", "1"}:
        return True
    result = True
    for part in equation.split(" and "):
        m = _IS_EMPTY.match(part.strip())
        if not m:
            raise ValueError(f"equation outside the modelled grammar: {equation!r}")
        empty = values.get(m.group(2), "") == ""
        result = result and (not empty if m.group(1) else empty)
    return result


def tailor(text: str, values: dict[str, str]) -> str:
    """``{if(X.NAOK=="A","yes","no")}`` as the expression engine shows it."""
    return _TAILOR.sub(lambda m: m.group(3) if values.get(m.group(1)) == m.group(2) else m.group(4),
                       text)  # fmt: skip


def field_names(survey: Imported, question: dict) -> list[tuple[str, str | None]]:
    """(export heading, subquestion code) of each response field of a question."""
    if question["type"] in {"F", "M", "K"}:
        return [(f"{question['title']}[{s['title']}]", s["title"])
                for s in survey.subquestions_of(question["qid"])]  # fmt: skip
    return [(question["title"], None)]


def check_answers(survey: Imported, question: dict, answers: dict[str, str]) -> list[str]:
    """The checks LimeSurvey's expression manager makes on one question's answers."""
    attrs = survey.attributes_of(question["qid"])
    problems = []
    filled = {k: v for k, v in answers.items() if v != ""}
    if question["mandatory"] == "Y" and not filled:
        problems.append("mandatory")
    if question["preg"]:
        for v in filled.values():
            if not re.search(question["preg"].strip("/"), v):
                problems.append(f"regular expression {question['preg']!r} refuses {v!r}")
    if question["type"] in {"N", "K"}:
        for v in filled.values():
            x = float(v)
            if "min_num_value_n" in attrs and x < float(attrs["min_num_value_n"]):
                problems.append(f"{v} below min_num_value_n")
            if "max_num_value_n" in attrs and x > float(attrs["max_num_value_n"]):
                problems.append(f"{v} above max_num_value_n")
            if attrs.get("num_value_int_only") == "1" and x != int(x):
                problems.append(f"{v} not whole")
    if question["type"] == "K" and "equals_num_value" in attrs:
        total = sum(float(v) for v in filled.values())
        allows_missing = attrs.get("value_range_allows_missing") == "1"
        if not (total == float(attrs["equals_num_value"]) or (allows_missing and not filled)):
            problems.append(f"sum {total:g} is not {attrs['equals_num_value']}")
    ticked = sum(v == "Y" for v in answers.values())
    if question["type"] == "M" and "max_answers" in attrs and ticked > int(attrs["max_answers"]):
        problems.append("more than max_answers")
    if question["type"] in {"L", "F"}:
        codes = {a["code"] for a in survey.answers_of(question["qid"])}
        problems += [f"{v} is no answer option" for v in filled.values() if v not in codes]
    return problems


def response_export(survey: Imported, responses: list[dict], sep: str = ";") -> str:
    """The survey's response export (answer codes, question-code headings), as LimeSurvey
    writes it: BOM, every value quoted, CRLF. ``responses`` hold field heading -> value of
    the fields a respondent filled, plus ``_complete`` and ``_language``; irrelevant
    questions are stored as NULL, i.e. empty."""
    heads = ["id", "submitdate", "lastpage", "startlanguage", "seed"]
    fields = [h for g in survey.ordered_groups() for q in survey.questions_of(g["gid"])
              for h, _ in field_names(survey, q)]  # fmt: skip
    buf = io.StringIO()
    writer = csv.writer(buf, delimiter=sep, quoting=csv.QUOTE_ALL, lineterminator="\r\n")
    writer.writerow(heads + fields)
    for n, r in enumerate(responses, start=1):
        done = r["_complete"]
        lead = [str(n), ANONYMISED_DATE if done else "", str(len(survey.groups)) if done else "1",
                r["_language"], str(1000 + n)]  # fmt: skip
        writer.writerow(lead + [r.get(h, "") for h in fields])
    return "\ufeff" + buf.getvalue()


def number(value: float) -> str:
    """A numeric answer as LimeSurvey stores it: decimal(30,10)."""
    return (
        ""
        if value is None or (isinstance(value, float) and math.isnan(value))
        else (f"{value:.10f}")
    )
