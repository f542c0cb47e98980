"""The instrument as LimeSurvey's tab-separated survey structure (``.txt``), both languages.

LimeSurvey question codes may hold only letters and digits, so ours lose their
underscores (``INF_MEET_FREQ`` -> ``INFMEETFREQ``; :func:`limesurvey_codes` maps back).
Answer codes are ``A<code>`` (``DK`` for "don't know"), multiple-choice subquestions
``O<code>``, constant-sum parts ``P<PART>``. Texts naming the other department use an
Expression Manager condition on the department question ``DEPT``.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

from survey.instrument import Instrument

COLUMNS = [
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
]
TYPES = {
    "agreement": "L",
    "bipolar": "L",
    "frequency": "L",
    "grade": "L",
    "timeband": "L",
    "yes_no": "L",
    "single": "L",
    "multiple": "M",
    "percent": "N",
    "constant_sum": "K",
    "text": "T",
}
CONTEXT_TYPES = {"department": "L", "business_unit": "S", "role": "L", "tenure": "L"}
CONTEXT_CODES = {"department": "DEPT", "business_unit": "UNIT", "role": "ROLE", "tenure": "TENURE"}


def ls_code(code: str) -> str:
    return code.replace("_", "")


def answer_code(code: int, dont_know: int) -> str:
    return "DK" if code == dont_know else f"A{code}"


def limesurvey_codes(instrument: Instrument) -> dict[str, str]:
    """LimeSurvey question code -> our item code (context questions included)."""
    codes = {ls_code(i.code): i.code for i in instrument.items}
    if len(codes) != len(instrument.items):
        raise ValueError("item codes collide once underscores are removed")
    codes.update({v: k for k, v in CONTEXT_CODES.items()})
    return codes


def _department_text(ins: Instrument, text: str, lang: str) -> str:
    depts = list(ins.departments)
    first = list(ins.context[0].options).index(depts[0]) + 1

    def pick(role: int) -> str:
        a, b = ins.departments[depts[role]][lang], ins.departments[depts[1 - role]][lang]
        return f"{{if(DEPT.code=='A{first}','{a}','{b}')}}"

    return text.replace("{own}", pick(0)).replace("{other}", pick(1))


def limesurvey_rows(instrument: Instrument, langs: tuple[str, ...] = ("de", "en")) -> list[dict]:
    ins = instrument
    rows: list[dict] = []
    base = langs[0]
    rows.append({"class": "S", "name": "language", "text": base})
    rows.append({"class": "S", "name": "additional_languages", "text": " ".join(langs[1:])})
    for lang in langs:
        rows.append(
            {"class": "SL", "name": "surveyls_title", "text": ins.title[lang], "language": lang}
        )
        group_id = 0
        qid = 0
        group_id += 1
        rows.append(
            {
                "id": group_id,
                "class": "G",
                "name": "context",
                "language": lang,
                "text": {"de": "Zu Ihrer Person", "en": "About you"}[lang],
            }
        )
        for q in ins.context:
            qid += 1
            rows.append(
                {
                    "id": qid,
                    "class": "Q",
                    "type/scale": CONTEXT_TYPES[q.column],
                    "name": CONTEXT_CODES[q.column],
                    "relevance": "1",
                    "text": q.text[lang],
                    "language": lang,
                    "mandatory": "Y" if q.column == "department" else "",
                }
            )
            for pos, label in enumerate(q.options.values(), start=1):
                rows.append(
                    {
                        "id": qid,
                        "class": "A",
                        "type/scale": "0",
                        "name": f"A{pos}",
                        "text": label[lang],
                        "language": lang,
                    }
                )
        for dim, label in ins.dimensions.items():
            group_id += 1
            rows.append(
                {"id": group_id, "class": "G", "name": dim, "text": label[lang], "language": lang}
            )
            for item in (i for i in ins.items if i.dimension == dim):
                qid += 1
                kind = ins.kind(item)
                text = _department_text(ins, item.text[lang], lang)
                if item.poles:
                    text += f" (1 = {item.poles[0][lang]}, 7 = {item.poles[1][lang]})"
                rows.append(
                    {
                        "id": qid,
                        "class": "Q",
                        "type/scale": TYPES[kind],
                        "name": ls_code(item.code),
                        "relevance": "1",
                        "text": text,
                        "language": lang,
                    }
                )
                if kind == "multiple":
                    rows += [
                        {
                            "id": qid,
                            "class": "SQ",
                            "name": f"O{o.code}",
                            "text": o.label[lang],
                            "language": lang,
                        }
                        for o in ins.options(item)
                    ]
                elif kind == "constant_sum":
                    rows += [
                        {
                            "id": qid,
                            "class": "SQ",
                            "name": f"P{p.code.upper()}",
                            "text": p.label[lang],
                            "language": lang,
                        }
                        for p in item.parts
                    ]
                elif TYPES[kind] == "L":
                    options = [(o.code, o.label[lang]) for o in ins.options(item)]
                    if item.dont_know:
                        options.append((ins.dont_know.code, ins.dont_know.label[lang]))
                    rows += [
                        {
                            "id": qid,
                            "class": "A",
                            "type/scale": "0",
                            "name": answer_code(code, ins.dont_know.code),
                            "text": text_,
                            "language": lang,
                        }
                        for code, text_ in options
                    ]
    return rows


def limesurvey_txt(instrument: Instrument, langs: tuple[str, ...] = ("de", "en")) -> str:
    """The tab-separated structure (UTF-8 with BOM when written).

    Examples
    --------
    >>> from survey import load_instrument
    >>> txt = limesurvey_txt(load_instrument())
    >>> txt.splitlines()[0].split("\\t")[:5]
    ['id', 'related_id', 'class', 'type/scale', 'name']
    """
    out = io.StringIO()
    writer = csv.DictWriter(
        out, fieldnames=COLUMNS, delimiter="\t", lineterminator="\n", extrasaction="raise"
    )
    writer.writeheader()
    for row in limesurvey_rows(instrument, langs):
        writer.writerow({c: row.get(c, "") for c in COLUMNS})
    return out.getvalue()


def write_limesurvey(
    instrument: Instrument, path: str | Path, langs: tuple[str, ...] = ("de", "en")
) -> Path:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(limesurvey_txt(instrument, langs), encoding="utf-8-sig")
    return path
