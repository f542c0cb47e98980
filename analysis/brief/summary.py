"""Page 1 of the brief, the executive summary: the verdict in plain words, the three largest
perception gaps as the people would say them, the first two actions with their owners, and
footnotes that trace every claim to a table row (``tables/*.csv`` of a run).

The deck (``analysis.deck``) says the same things on its slides and uses these functions.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import pandas as pd
from scipy import stats

from analysis.brief.ranking import rank_gap_findings
from analysis.brief.render import texts_for
from analysis.findings import Finding, finding_rules
from analysis.formatting import fmt_ci, fmt_number, fmt_p, fmt_percent
from analysis.pipeline import Results
from survey.instrument import Instrument

# Index bands anchored on the 7-point agreement answers (index = (answer - 1) / 6 x 100):
# 33.3 = "somewhat disagree", 50 = neutral, 66.7 = "somewhat agree", 83.3 = "agree".
BANDS = ((100 / 3, "poor"), (50.0, "weak"), (200 / 3, "middling"), (250 / 3, "good"))
TOP_GAPS = 3
FIRST_ACTIONS = 2


def _role(instrument: Instrument, name: str) -> str | None:
    """The item code playing headline role ``name``, or None when the instrument lacks it
    (or has it no more than in name)."""
    code = instrument.role(name)
    return code if code in instrument.column_map else None


def index_band(index: float) -> str:
    """The band of a 0-100 index: poor, weak, middling, good or strong.

    Examples
    --------
    >>> [index_band(v) for v in (20, 45, 54, 70, 90)]
    ['poor', 'weak', 'middling', 'good', 'strong']
    """
    for upper, band in BANDS:
        if index < upper:
            return band
    return "strong"


@dataclass(frozen=True)
class Difference:
    """Marketing minus sales on the cooperation index, from the two summary rows."""

    diff: float
    ci_low: float
    ci_high: float
    d: float
    p: float


def department_difference(summary: pd.DataFrame, scale: str = "cooperation") -> Difference | None:
    """Welch's test of marketing against sales on ``scale`` from the ``scale_summary`` rows
    (n, mean, sd), with Cohen's d from the pooled SD; None when a department is not shown.
    """
    rows = summary[summary["scale"] == scale].set_index("group")
    if not {"marketing", "sales"} <= set(rows.index):
        return None
    m, s = rows.loc["marketing"], rows.loc["sales"]
    test = stats.ttest_ind_from_stats(
        m["mean"], m["sd"], m["n"], s["mean"], s["sd"], s["n"], equal_var=False
    )
    va, vb = m["sd"] ** 2 / m["n"], s["sd"] ** 2 / s["n"]
    dof = (va + vb) ** 2 / (va**2 / (m["n"] - 1) + vb**2 / (s["n"] - 1))
    half = stats.t.ppf(0.975, dof) * math.sqrt(va + vb)
    pooled = math.sqrt(
        ((m["n"] - 1) * m["sd"] ** 2 + (s["n"] - 1) * s["sd"] ** 2) / (m["n"] + s["n"] - 2)
    )
    diff = float(m["mean"] - s["mean"])
    return Difference(diff, diff - half, diff + half, diff / pooled, float(test.pvalue))


def _dept(lang: str, dept: str, role: str = "subject") -> str:
    return finding_rules()["departments"][role][lang][dept]


def _capital(text: str) -> str:
    return text[:1].upper() + text[1:]


def verdict(results: Results, lang: str, hidden: bool) -> dict:
    """The verdict: index, band, one paragraph in plain words, and its evidence footnote."""
    t = texts_for(lang)
    summary = results.scale_summary
    coop = summary[(summary["scale"] == "cooperation") & (summary["group"] == "all")].iloc[0]
    band = index_band(coop["mean"])
    parts = [
        t["verdict_sentence"].format(
            index=fmt_number(coop["mean"], lang, 0), band=t["index_bands"][band]
        )
    ]
    stage_rows = results.stage.set_index("group")
    if "all" in stage_rows.index:
        stage = stage_rows.loc["all", "stage"]
        parts.append(
            t["stage_sentence"].format(
                ordinal=t["stage_ordinals"][stage],
                stage=t["stages"][stage],
                meaning=t["stage_meanings"][stage],
            )
        )
    diff = None if hidden else department_difference(summary)
    th = finding_rules()["thresholds"]
    by = summary[summary["scale"] == "cooperation"].set_index("group")["mean"]
    if diff is None:
        parts.append(t["departments_hidden"].format(threshold=results.threshold))
    else:
        lower, higher = ("sales", "marketing") if diff.diff > 0 else ("marketing", "sales")
        values = {
            "lower": _dept(lang, lower),
            "higher": _dept(lang, higher, "object"),
            "low": fmt_number(by[lower], lang, 0),
            "high": fmt_number(by[higher], lang, 0),
            "marketing": fmt_number(by["marketing"], lang, 0),
            "sales": fmt_number(by["sales"], lang, 0),
        }
        key = "departments_alike"
        if diff.p < th["alpha"]:
            key = (
                "departments_clearly"
                if abs(diff.d) >= th["min_effect"]["hedges_g"]
                else "departments_slightly"
            )
        parts.append(t[key].format(**values))
    company = results.prototypes[results.prototypes["business_unit"] == "company"]
    if len(company):
        parts.append(
            t["configuration_sentence"].format(configuration=company.iloc[0][f"label_{lang}"])
        )
    common = {
        "index": fmt_number(coop["mean"], lang, 1),
        "ci": fmt_ci(coop["ci_low"], coop["ci_high"], lang, 1),
        "n": int(coop["n"]),
    }
    if diff is None:
        evidence = t["evidence"]["verdict_one"].format(**common)
    else:
        stage_total = (
            fmt_number(stage_rows.loc["all", "total"], lang, 1)
            if "all" in stage_rows.index
            else "–"
        )
        evidence = t["evidence"]["verdict"].format(
            **common,
            marketing=fmt_number(by["marketing"], lang, 1),
            sales=fmt_number(by["sales"], lang, 1),
            diff=fmt_number(diff.diff, lang, 1),
            diff_ci=fmt_ci(diff.ci_low, diff.ci_high, lang, 1),
            d=fmt_number(diff.d, lang, 2),
            p=fmt_p(diff.p, lang),
            stage_total=stage_total,
        )
    return {
        "index": fmt_number(coop["mean"], lang, 0),
        "band": t["band_names"][band],
        "band_key": band,
        "text": " ".join(parts),
        "evidence": evidence,
        "difference": diff,
    }


def _item_text(instrument: Instrument, code: str, lang: str) -> str:
    item = instrument.column_map[code]
    return instrument.render(item.text, lang, "marketing").rstrip(".")


def _option(instrument: Instrument, code: str, value: float, lang: str) -> str:
    return next((o.label[lang] for o in instrument.options(code) if o.code == value), "–")


def _yes_shares(shares: pd.DataFrame, code: str) -> dict[str, float] | None:
    part = shares[(shares["column"] == code) & (shares["code"] == 1)].set_index("group")
    if not {"marketing", "sales"} <= set(part.index):
        return None
    return {d: float(part.loc[d, "share"]) for d in ("marketing", "sales")}


def _covered(code: str, instrument: Instrument) -> set[str]:
    """The codes a gap on ``code`` already speaks for: a scale and its items."""
    if code in instrument.scale_map:
        return {code, *instrument.scale_columns(code)}
    scales = {s.code for s in instrument.scales if code in instrument.scale_columns(s)}
    return {code, *scales}


def plain_gap(
    row: pd.Series, table: str, d: float, results: Results, instrument: Instrument, lang: str
) -> tuple[str, str]:
    """One perception gap as the people would say it, and its evidence footnote."""
    t = texts_for(lang)
    plain, ev = t["plain"], t["evidence"]
    p = fmt_p(row["p_adj"], lang)
    d_text = fmt_number(abs(d), lang, 2)
    if table == "mirror":
        construct = instrument.construct_label(row["construct"], lang)
        low, high = instrument.value_range(row["self_item"])
        sentence = plain["competence"].format(
            target=_dept(lang, row["target"]),
            rater=_dept(lang, row["rater_other"], "object"),
            construct=construct,
            self=fmt_number(row["self_mean"], lang),
            other=fmt_number(row["other_mean"], lang),
            low=low,
            high=high,
        )
        note = ev["mirror"].format(
            item=row["self_item"],
            target=row["target"],
            self=fmt_number(row["self_mean"], lang, 2),
            other=fmt_number(row["other_mean"], lang, 2),
            diff=fmt_number(row["diff"], lang, 2),
            ci=fmt_ci(row["ci_low"], row["ci_high"], lang, 2),
            effect=fmt_number(row["hedges_g"], lang, 2),
            d=d_text,
            p=p,
            n_self=int(row["n_self"]),
            n_other=int(row["n_other"]),
        )
        return sentence, note
    code = row["code"]
    n = {"n_marketing": int(row["n_marketing"]), "n_sales": int(row["n_sales"])}
    common = {"code": code, "effect": fmt_number(row["effect"], lang, 2), "d": d_text, "p": p}
    roles = {
        _role(instrument, name): name
        for name in ("meeting_frequency", "lead_followup_time", "lead_followup_rate")
    }
    roles.pop(None, None)
    grade = _role(instrument, "overall_grade")
    digits = 0 if row["level"] == "scale" else 1
    numeric_note = ev["numeric"].format(
        **common,
        **n,
        marketing=fmt_number(row["mean_marketing"], lang, digits + 1),
        sales=fmt_number(row["mean_sales"], lang, digits + 1),
        ci_marketing=fmt_ci(row["ci_low_marketing"], row["ci_high_marketing"], lang, digits + 1),
        ci_sales=fmt_ci(row["ci_low_sales"], row["ci_high_sales"], lang, digits + 1),
        diff=fmt_number(row["diff"], lang, digits + 1),
        ci=fmt_ci(row["ci_low"], row["ci_high"], lang, digits + 1),
    )
    if row["level"] == "scale":
        lower, higher = ("sales", "marketing") if row["diff"] > 0 else ("marketing", "sales")
        label = instrument.scale_map[code].label[lang]
        sentence = plain["scale"].format(
            lower=_dept(lang, lower),
            higher=_dept(lang, higher, "object"),
            label=label if lang == "de" else label[:1].lower() + label[1:],
            low=fmt_number(row[f"mean_{lower}"], lang, 0),
            high=fmt_number(row[f"mean_{higher}"], lang, 0),
        )
        return sentence, numeric_note
    if roles.get(code) in ("meeting_frequency", "lead_followup_time"):
        sentence = plain[roles[code]].format(
            marketing=_option(instrument, code, row["mode_marketing"], lang),
            sales=_option(instrument, code, row["mode_sales"], lang),
        )
    elif roles.get(code) == "lead_followup_rate":
        sentence = plain["lead_followup_rate"].format(
            marketing=fmt_percent(row["mean_marketing"] / 100, lang),
            sales=fmt_percent(row["mean_sales"] / 100, lang),
        )
        return sentence, numeric_note
    elif code == grade:
        sentence = plain["overall_grade"].format(
            marketing=fmt_number(row["mean_marketing"], lang),
            sales=fmt_number(row["mean_sales"], lang),
        )
        return sentence, numeric_note
    elif row["test"] == "categorical":
        yes = _yes_shares(results.shares, code)
        text = _item_text(instrument, code, lang)
        if yes is None:
            return "", ""
        sentence = plain["yes_no"].format(
            text=text,
            marketing=fmt_percent(yes["marketing"], lang),
            sales=fmt_percent(yes["sales"], lang),
        )
        return sentence, ev["categorical"].format(**common, **n)
    elif row["kind"] == "agreement":
        text = _item_text(instrument, code, lang)
        top = row["top2_marketing"], row["top2_sales"]
        if pd.notna(top[0]) and pd.notna(top[1]) and abs(top[0] - top[1]) >= 0.05:
            sentence = plain["agreement"].format(
                text=text,
                marketing=fmt_percent(top[0], lang),
                sales=fmt_percent(top[1], lang),
            )
            return sentence, ev["agreement"] + numeric_note
        options = instrument.options(code)
        sentence = plain["agreement_means"].format(
            text=text,
            marketing=fmt_number(row["mean_marketing"], lang),
            sales=fmt_number(row["mean_sales"], lang),
            low=options[0].code,
            low_label=options[0].label[lang],
            high=options[-1].code,
            high_label=options[-1].label[lang],
        )
        return sentence, numeric_note
    elif row["test"] == "ordinal":
        sentence = plain["ordinal"].format(
            text=_item_text(instrument, code, lang),
            marketing=_option(instrument, code, row["mode_marketing"], lang),
            sales=_option(instrument, code, row["mode_sales"], lang),
        )
    else:
        rtype = instrument.response_type(code)
        pct = rtype.kind == "percent"
        low, high = instrument.value_range(code) or (None, None)
        rng = "" if pct or low is None else f" ({low}–{high})"

        def value(x: float) -> str:
            return fmt_percent(x / 100, lang) if pct else fmt_number(x, lang)

        sentence = plain["numeric"].format(
            text=_item_text(instrument, code, lang),
            marketing=value(row["mean_marketing"]),
            sales=value(row["mean_sales"]),
            range=rng,
        )
        return sentence, numeric_note
    note = ev["ordinal"].format(
        **common,
        **n,
        marketing=_option(instrument, code, row["mode_marketing"], lang),
        sales=_option(instrument, code, row["mode_sales"], lang),
    )
    return sentence, note


def top_gaps(
    findings: list[Finding], results: Results, instrument: Instrument, top: int = TOP_GAPS
) -> pd.DataFrame:
    """The ``top`` largest perception gaps on the d scale; a scale and its own items are not
    both taken (they would say one thing twice)."""
    ranked = rank_gap_findings(findings, results.gaps, results.mirror)
    keep, covered = [], set()
    for i, r in ranked.iterrows():
        key = r["row"]["self_item"] if r["table"] == "mirror" else r["row"]["code"]
        if key in covered:
            continue
        if r["table"] == "gaps":
            covered |= _covered(key, instrument)
        else:
            covered.add(key)
        keep.append(i)
        if len(keep) == top:
            break
    return ranked.loc[keep].reset_index(drop=True)


def executive_summary(
    results: Results,
    instrument: Instrument,
    findings: list[Finding],
    recommendations: list,
    lang: str,
    hidden: bool,
) -> dict:
    """Everything page 1 says, with numbered footnotes (verdict, gaps, actions)."""
    t = texts_for(lang)
    notes: list[str] = []

    def cite(text: str) -> int:
        notes.append(text)
        return len(notes)

    head = verdict(results, lang, hidden)
    head["note"] = cite(head["evidence"])
    gaps = []
    if not hidden:
        for r in top_gaps(findings, results, instrument).itertuples():
            sentence, evidence = plain_gap(r.row, r.table, r.d, results, instrument, lang)
            if sentence:
                gaps.append({"text": sentence, "note": cite(evidence)})
    actions = []
    for rec in recommendations[:FIRST_ACTIONS]:
        actions.append(
            {
                "title": rec.title[lang],
                "owner": t["owners"][rec.id],
                "action": rec.action[lang],
                "note": cite(
                    t["evidence"]["action"].format(
                        rule=rec.id, finding=rec.because.id, evidence=rec.because.evidence
                    )
                ),
            }
        )
    return {
        "verdict": head,
        "gaps": gaps,
        "gaps_none": "" if gaps or hidden else t["gaps_none"],
        "actions": actions,
        "more_actions": t["more_actions"] if len(recommendations) > FIRST_ACTIONS else "",
        "footnotes": notes,
    }
