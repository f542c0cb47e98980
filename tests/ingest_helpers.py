"""Render a canonical wide table as each survey tool would export it (for round trips)."""

from __future__ import annotations

import csv
import io
import json
import math
from pathlib import Path

import numpy as np
import pandas as pd

from survey.exporters import limesurvey as lss
from survey.exporters.layout import block_prompt, blocks, choices
from survey.exporters.qualtrics import choice_recodes
from survey.instrument import Instrument

ANSWER_META = ["department", "business_unit", "role", "tenure"]


def small_wide(instrument: Instrument, n: int = 12, seed: int = 0) -> pd.DataFrame:
    """Until synthetic data: random valid answers (some missing, some don't know)."""
    from survey.synthetic import generate

    return generate(units=2, per_department=n // 4 or 1, seed=seed).responses


def as_tools_keep_it(wide: pd.DataFrame, instrument: Instrument) -> pd.DataFrame:
    """What survives any tool: a multiple-choice item answered with no option ticked.

    Qualtrics, LimeSurvey, Google and Microsoft Forms leave unticked boxes empty and
    SurveyJS drops an empty selection, so "seen, ticked nothing" reads as "not answered".
    """
    out = wide.copy()
    for item in instrument.items:
        if instrument.kind(item) == "multiple":
            cols = instrument.item_columns(item)
            none_ticked = (out[cols] == 0).all(axis=1)
            out.loc[none_ticked, cols] = np.nan
    return out


def answers_equal(got: pd.DataFrame, want: pd.DataFrame, instrument: Instrument, ids=True) -> None:
    """Item answers and context columns equal, row for row (ids too where the tool keeps them)."""
    cols = ANSWER_META + instrument.columns() + (["respondent_id"] if ids else [])
    assert len(got) == len(want)
    pd.testing.assert_frame_equal(
        got[cols].reset_index(drop=True), want[cols].reset_index(drop=True), check_dtype=False
    )


FALLBACK_TIME = pd.Timestamp("2026-10-01 09:00:00", tz="UTC")


def _time(r) -> pd.Timestamp:
    """When the tool recorded the response (partial ones carry no submission time)."""
    return FALLBACK_TIME if pd.isna(r["submitted_at"]) else r["submitted_at"]


def _num(v: float) -> str:
    return "" if isinstance(v, float) and math.isnan(v) else f"{v:g}"


def _label(instrument, col, value, lang, department) -> str:
    if pd.isna(value):
        return ""
    item = instrument.column_map[col]
    kind = instrument.kind(item)
    if kind in {"percent", "constant_sum", "text"}:
        return str(value) if kind == "text" else _num(value)
    for opt in choices(instrument, item):
        if float(opt.code) == value:
            return instrument.render(opt.label, lang, department)
    raise AssertionError(f"{col}: no option {value}")


def _context_label(instrument, column, key, lang) -> str:
    q = next(q for q in instrument.context if q.column == column)
    if pd.isna(key) or key == "":
        return ""
    if not q.options:
        return key
    return q.options[key][lang]


def write_csv(path: Path, rows, sep=",", encoding="utf-8", quote_all=False) -> Path:
    buf = io.StringIO()
    writer = csv.writer(
        buf,
        delimiter=sep,
        lineterminator="\r\n",
        quoting=csv.QUOTE_ALL if quote_all else csv.QUOTE_MINIMAL,
    )
    writer.writerows(rows)
    path.write_bytes(buf.getvalue().encode(encoding))
    return path


def qualtrics_csv(wide, instrument, path, *, text=False, lang="en", legacy=False) -> Path:
    """Qualtrics export: tags, localised labels, ImportId row; numeric or choice text."""
    meta = ["StartDate", "EndDate", "Status", "Progress", "Duration (in seconds)", "Finished",
            "RecordedDate", "ResponseId", "UserLanguage"]  # fmt: skip
    labels_de = {"StartDate": "Anfangsdatum", "EndDate": "Enddatum", "Status": "Antworttyp",
                 "Duration (in seconds)": "Dauer (in Sekunden)", "ResponseId": "Antwort-ID"}  # fmt: skip
    tags, texts, imports, getters = [], [], [], []
    for m in meta:
        tags.append(m)
        texts.append(labels_de.get(m, m) if lang == "de" else m)
        imports.append(json.dumps({"ImportId": m if m != "ResponseId" else "_recordId"}))
    for q in instrument.context:
        tags.append(q.column.upper())
        texts.append(q.text[lang])
        imports.append(json.dumps({"ImportId": f"QID_{q.column}"}))
        if q.options and not text:
            numbers = {k: str(i) for i, k in enumerate(q.options, 1)}
            getters.append(lambda r, c=q.column, n=numbers: n.get(r[c], ""))
        else:
            getters.append(lambda r, c=q.column: _context_label(instrument, c, r[c], lang))
    for item in instrument.items:
        kind = instrument.kind(item)
        q_text = item.text[lang]
        if kind == "multiple":
            for opt in instrument.options(item):
                col = f"{item.code}_{opt.code}"
                tags.append(col)
                texts.append(f"{q_text} - {opt.label[lang]}")
                imports.append(json.dumps({"ImportId": f"QID_{item.code}", "choiceId": opt.code}))
                shown = opt.label[lang] if text else "1"
                getters.append(lambda r, c=col, s=shown: s if r[c] == 1 else "")
        elif kind == "constant_sum":
            for i, part in enumerate(item.parts, 1):
                tags.append(f"{item.code}_{i}")
                texts.append(f"{q_text} - {part.label[lang]}")
                imports.append(json.dumps({"ImportId": f"QID_{item.code}_{i}"}))
                getters.append(lambda r, c=f"{item.code}_{part.code}": _num(r[c]))
        else:
            tags.append(item.code)
            texts.append(q_text)
            imports.append(json.dumps({"ImportId": f"QID_{item.code}"}))
            if text or kind in {"percent", "text"}:
                getters.append(
                    lambda r, c=item.code: _label(instrument, c, r[c], lang, r["department"])
                )
            else:
                back = {v: str(k) for k, v in choice_recodes(instrument, item).items()}
                getters.append(lambda r, c=item.code, b=back: "" if np.isnan(r[c]) else b[r[c]])
    n_meta = len(meta)
    if legacy:  # pre-2017: V1..V10 metadata, tags in row 1, texts in row 2
        legacy_meta = ["ResponseID", "ResponseSet", "Name", "ExternalDataReference",
                       "EmailAddress", "IPAddress", "Status", "StartDate", "EndDate", "Finished"]  # fmt: skip
        rows = [[f"V{i}" for i in range(1, 11)] + tags[n_meta:], legacy_meta + texts[n_meta:]]
    else:
        rows = [[*tags, ""], [*texts, ""], [*imports, ""]]
    for _, r in wide.iterrows():
        when = _time(r).strftime("%Y-%m-%d %H:%M:%S")
        finished = "1" if r["status"] == "complete" else "0"
        answers = [g(r) for g in getters]
        if legacy:
            lead = [
                r["respondent_id"],
                "Default",
                "Anonymous",
                "",
                "",
                "",
                "0",
                when,
                when,
                finished,
            ]
            rows.append(lead + answers)
        else:
            lead = [when, when, "0", "100" if finished == "1" else "60", _num(r["duration_s"]),
                    finished, when, r["respondent_id"], r["language"].upper()]  # fmt: skip
            rows.append([*lead, *answers, ""])
    return write_csv(path, rows, encoding="utf-8-sig" if legacy else "utf-8")


def limesurvey_csv(wide, instrument, path, *, long=False, sep=";", underscore=False) -> Path:
    """LimeSurvey export: BOM, all quoted, CRLF; codes or full answers."""
    columns = lss.response_columns(instrument)
    back = {v: k for k, v in columns.items()}
    heads = ["id", "token", "submitdate", "lastpage", "startlanguage", "seed", "startdate",
             "datestamp", "interviewtime"]  # fmt: skip
    targets = [c for c in [*ANSWER_META, *instrument.columns()] if c in back]
    heads += [back[c].replace("[", "_").rstrip("]") if underscore else back[c] for c in targets]
    rows = [heads]
    for i, (_, r) in enumerate(wide.iterrows(), 1):
        when = _time(r).strftime("%Y-%m-%d %H:%M:%S")
        done = r["status"] == "complete"
        row = [str(i), r["respondent_id"], when if done else "", "9" if done else "4",
               r["language"], "123", when, when, _num(r["duration_s"])]  # fmt: skip
        for c in targets:
            v = r[c]
            if c in ANSWER_META:
                if c == "business_unit" or pd.isna(v):
                    row.append("" if pd.isna(v) else v)
                elif long:
                    row.append(_context_label(instrument, c, v, r["language"]))
                else:
                    row.append(lss.lime_code(v, 5))
                continue
            item = instrument.column_map[c]
            kind = instrument.kind(item)
            if kind == "multiple":
                row.append("Y" if v == 1 else "")
            elif kind in {"percent", "constant_sum"}:
                row.append(_num(v).replace(".", ",") if sep == ";" else _num(v))
            elif kind == "text":
                row.append("" if pd.isna(v) else v)
            elif long:
                row.append(_label(instrument, c, v, r["language"], r["department"]))
            else:
                row.append("" if np.isnan(v) else lss.answer_code(instrument, int(v)))
        rows.append(row)
    return write_csv(path, rows, sep=sep, encoding="utf-8-sig", quote_all=True)


def _headers_by_text(instrument, lang):
    """Google/Microsoft style headers: question texts, grids as ``Prompt [Statement]``."""
    out = {}
    for block in blocks(instrument):
        for item in block.items:
            kind = instrument.kind(item)
            text = instrument.render(item.text, lang, "marketing")
            if block.matrix:
                out[item.code] = f"{block_prompt(instrument, block, lang)} [{text}]"
            elif kind == "constant_sum":
                for p in item.parts:
                    out[f"{item.code}_{p.code}"] = f"{text} [{p.label[lang]}]"
            else:
                out[item.code] = text
    return out


def _form_rows(wide, instrument, lang, sep) -> tuple[list[str], list[list[str]]]:
    heads = _headers_by_text(instrument, lang)
    ctx = [q.text[lang] for q in instrument.context]
    rows = []
    for _, r in wide.iterrows():
        row = [_context_label(instrument, q.column, r[q.column], lang) for q in instrument.context]
        for key in heads:
            item = instrument.item_map.get(key) or instrument.column_map[key]
            if key in instrument.item_map and instrument.kind(item) == "multiple":
                chosen = [
                    o.label[lang] for o in instrument.options(item) if r[f"{key}_{o.code}"] == 1
                ]
                row.append(sep.join(chosen) + (sep.strip() if sep == ";" and chosen else ""))
            else:
                row.append(_label(instrument, key, r[key], lang, "marketing"))
        rows.append(row)
    return ctx + list(heads.values()), rows


def google_csv(wide, instrument, path, *, lang="en") -> Path:
    heads, rows = _form_rows(wide, instrument, lang, ", ")
    stamp = "%m/%d/%Y %H:%M:%S" if lang == "en" else "%d.%m.%Y %H:%M:%S"
    first = "Timestamp" if lang == "en" else "Zeitstempel"
    out = [[first, *heads]]
    for (_, r), row in zip(wide.iterrows(), rows, strict=True):
        out.append([_time(r).strftime(stamp), *row])
    return write_csv(path, out)


def msforms_xlsx(wide, instrument, path, *, lang="en") -> Path:
    from openpyxl import Workbook

    heads, rows = _form_rows(wide, instrument, lang, ";")
    meta = ["ID", "Start time", "Completion time", "Email", "Name"] if lang == "en" else [
        "ID", "Startzeit", "Fertigstellungszeit", "E-Mail", "Name"]  # fmt: skip
    book = Workbook()
    sheet = book.active
    sheet.append(meta + heads)
    for (_, r), row in zip(wide.iterrows(), rows, strict=True):
        end = _time(r).tz_convert(None).to_pydatetime()
        start = end - pd.Timedelta(seconds=r["duration_s"]).to_pytimedelta()
        sheet.append([r["respondent_id"], start, end, "anonymous", "", *row])
    book.save(path)
    return path


def surveyjs_json(wide, instrument, path, *, lines=False) -> Path:
    results = []
    for _, r in wide.iterrows():
        # SurveyJS leaves metadata to the host application; ours stores these keys.
        res: dict = {
            "respondent_id": r["respondent_id"],
            "language": r["language"],
            "status": r["status"],
        }
        for q in instrument.context:
            if r[q.column]:
                res[q.column] = r[q.column]
        for block in blocks(instrument):
            for item in block.items:
                kind = instrument.kind(item)
                cols = instrument.item_columns(item)
                if kind == "multiple":
                    if not np.isnan(r[cols[0]]):
                        res[item.code] = [
                            o.code
                            for o in instrument.options(item)
                            if r[f"{item.code}_{o.code}"] == 1
                        ]
                elif kind == "constant_sum":
                    parts = {p.code: r[f"{item.code}_{p.code}"] for p in item.parts}
                    if not any(math.isnan(v) for v in parts.values()):
                        res[item.code] = {k: int(v) for k, v in parts.items()}
                elif kind == "text":
                    if not pd.isna(r[item.code]):
                        res[item.code] = r[item.code]
                elif not np.isnan(r[item.code]):
                    value = int(r[item.code])
                    if block.matrix:
                        res.setdefault(block.code, {})[item.code] = value
                    else:
                        res[item.code] = value
        results.append(res)
    text = "\n".join(json.dumps(x) for x in results) if lines else json.dumps(results, indent=1)
    path.write_text(text, encoding="utf-8")
    return path
