"""From results to findings: the sentences an executive reads, each traced to a result row.

A finding has an ``id`` that recommendation rules trigger on (``analysis/brief/
recommendations.yaml``), a ``strength`` for ranking (an absolute effect size, or a distance
from a threshold in shares), its sentence in German and English, and ``evidence``: the
result table and row it comes from. Thresholds and sentences are data
(``analysis/brief/findings.yaml``); nothing here computes a statistic.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path

import pandas as pd
import yaml

from analysis.formatting import fmt_ci, fmt_number, fmt_percent
from analysis.pipeline import Results
from survey.instrument import Instrument

LANGS = ("de", "en")
FINDINGS_FILE = Path(str(resources.files("analysis") / "brief" / "findings.yaml"))
OMISSIONS_FILE = Path(str(resources.files("analysis") / "brief" / "omissions.yaml"))


@dataclass(frozen=True)
class Finding:
    id: str
    kind: str  # gap, mirror, orientation, level, fact
    strength: float
    text: dict[str, str]
    evidence: str


@cache
def finding_rules() -> dict:
    return yaml.safe_load(FINDINGS_FILE.read_text(encoding="utf-8"))


@cache
def omission_texts() -> dict:
    """What the brief says about an analysis the instrument does not support, per
    language (``analysis/brief/omissions.yaml``)."""
    return yaml.safe_load(OMISSIONS_FILE.read_text(encoding="utf-8"))


def role_rules(instrument: Instrument, rule: str) -> dict[str, str]:
    """A rule of ``findings.yaml`` (``roles:``) as response column or scale code ->
    finding id; roles the instrument lacks drop out."""
    out: dict[str, str] = {}
    for role, fid in finding_rules()["roles"][rule].items():
        for code in instrument.role_codes(role):
            out.setdefault(code, fid)
    return out


def _say(key: str, values: object) -> dict[str, str]:
    """Sentence ``key`` in both languages; ``values(lang)`` fills its placeholders."""
    sentences = finding_rules()["sentences"][key]
    return {lang: sentences[lang].format(**values(lang)) for lang in LANGS}


def _lang(instrument: Instrument, lang: str) -> str:
    """``lang`` when the instrument has it, else its first language: findings are written
    in every language of the brief, a brief only in the instrument's."""
    return lang if lang in instrument.languages else instrument.languages[0]


def _label(instrument: Instrument, code: str, lang: str) -> str:
    lang = _lang(instrument, lang)
    if code in instrument.scale_map:
        return instrument.scale_map[code].label[lang]
    item = instrument.item(code)
    return instrument.render(item.text, lang, "marketing").rstrip("?.")


def _units(instrument: Instrument, code: str, lang: str) -> dict[str, str]:
    """What a number of row ``code`` is: a suffix for values and for differences, and the
    range of its scale (``units`` in ``findings.yaml``)."""
    units = finding_rules()["units"]
    if code in instrument.scale_map:
        kind, low, high = "index", 0, 100
    else:
        rtype = instrument.response_type(code)
        kind = "percent" if rtype.kind == "percent" else "points"
        codes = [o.code for o in rtype.options] or [rtype.min, rtype.max]
        low, high = min(codes), max(codes)
    return {key: text[lang].format(low=low, high=high) for key, text in units[kind].items()}


def _option(instrument: Instrument, code: str, value: float, lang: str) -> str:
    lang = _lang(instrument, lang)
    return next((o.label[lang] for o in instrument.options(code) if o.code == value), "–")


def _significant(row: pd.Series, th: dict) -> bool:
    minimum = th["min_effect"][row["effect_type"]]
    return bool(row["p_adj"] < th["alpha"] and abs(row["effect"]) >= minimum)


def _dept(lang: str, dept: str, role: str = "subject") -> str:
    return finding_rules()["departments"][role][lang][dept]


def gap_findings(gaps: pd.DataFrame, instrument: Instrument) -> list[Finding]:
    """Significant, large enough perception gaps (``analysis.gaps.perception_gaps``)."""
    th = finding_rules()["thresholds"]
    gap_ids = role_rules(instrument, "gap_findings")
    lead_gaps = role_rules(instrument, "lead_gaps")
    meeting = instrument.role("meeting_frequency")
    out: list[Finding] = []
    rows = gaps[~gaps["suppressed"]].dropna(subset=["p_adj", "effect"])
    for _, row in rows.iterrows():
        if not _significant(row, th):
            continue
        code = row["code"]
        n = {"n_marketing": int(row["n_marketing"]), "n_sales": int(row["n_sales"])}
        evidence = f"perception_gaps[{code}]"
        strength = float(abs(row["effect"]))
        if row["test"] == "ordinal" and row["mode_marketing"] == row["mode_sales"]:
            continue  # both sides mostly give the same answer: nothing to report
        if code == meeting:

            def modes(lang: str, row: pd.Series = row, n: dict = n) -> dict:
                return {
                    "mode_marketing": _option(instrument, meeting, row["mode_marketing"], lang),
                    "mode_sales": _option(instrument, meeting, row["mode_sales"], lang),
                    **n,
                }

            out.append(
                Finding(
                    "meeting_frequency_gap",
                    "gap",
                    strength,
                    _say("meeting_frequency_gap", modes),
                    evidence,
                )
            )
            continue
        if row["test"] == "categorical" or row["kind"] == "constant_sum":
            continue  # facts come from fact_findings; power from its scale row
        if row["level"] == "item" and instrument.item(code).perspective != "neutral":
            continue  # mirror items: see mirror_findings
        if row["test"] == "ordinal":

            def modes_of(lang: str, row: pd.Series = row, n: dict = n, code: str = code) -> dict:
                return {
                    "label": _label(instrument, code, lang),
                    "mode_marketing": _option(instrument, code, row["mode_marketing"], lang),
                    "mode_sales": _option(instrument, code, row["mode_sales"], lang),
                    **n,
                }

            out.append(
                Finding(
                    gap_ids.get(code, "perception_gap"),
                    "gap",
                    strength,
                    _say("ordinal_gap", modes_of),
                    evidence,
                )
            )
            continue

        def numbers(lang: str, row: pd.Series = row, n: dict = n, code: str = code) -> dict:
            digits = 0 if row["level"] == "scale" else 1
            unit = _units(instrument, code, lang)
            return {
                "label": _label(instrument, code, lang),
                "mean_marketing": fmt_number(row["mean_marketing"], lang, digits) + unit["value"],
                "mean_sales": fmt_number(row["mean_sales"], lang, digits) + unit["value"],
                "scale": unit["range"],
                "diff": fmt_number(row["diff"], lang, digits) + unit["diff"],
                "ci": fmt_ci(row["ci_low"], row["ci_high"], lang, digits),
                "g": fmt_number(row["effect"], lang, 2),
                **n,
            }

        if code in lead_gaps and row["diff"] > 0:
            out.append(
                Finding(
                    "lead_quality_gap", "gap", strength, _say(lead_gaps[code], numbers), evidence
                )
            )
            continue
        out.append(
            Finding(
                gap_ids.get(code, "perception_gap"),
                "gap",
                strength,
                _say("item_gap", numbers),
                evidence,
            )
        )
    return out


def mirror_findings(mirror: pd.DataFrame, instrument: Instrument) -> list[Finding]:
    """Competence gaps (self-image above other-image) and orientation differences."""
    th = finding_rules()["thresholds"]
    out = []
    rows = mirror[~mirror["suppressed"]].dropna(subset=["p_adj"])
    for _, row in rows.iterrows():
        if row["p_adj"] >= th["alpha"] or abs(row["hedges_g"]) < th["min_effect"]["hedges_g"]:
            continue
        construct = instrument.item(row["self_item"]).construct
        names = _construct_names(instrument, construct)
        evidence = f"mirror_gaps[{row['self_item']}, {row['target']}]"
        if row["gap_type"] == "competence" and row["diff"] > 0:

            def values(lang: str, row: pd.Series = row, names: dict = names) -> dict:
                return {
                    "target": _dept(lang, row["target"]),
                    "rater": _dept(lang, row["rater_other"], "object"),
                    "construct": names[lang],
                    "self_mean": fmt_number(row["self_mean"], lang),
                    "other_mean": fmt_number(row["other_mean"], lang),
                    "scale": _units(instrument, row["self_item"], lang)["range"],
                    "g": fmt_number(row["hedges_g"], lang, 2),
                }

            out.append(
                Finding(
                    "competence_gap",
                    "mirror",
                    float(abs(row["hedges_g"])),
                    _say("competence_gap", values),
                    evidence,
                )
            )
    orientation = mirror[(mirror["gap_type"] == "orientation") & ~mirror["suppressed"]]
    # Orientation: do the two departments stand in different places (self-images)?
    for construct, part in orientation.groupby("construct", sort=False):
        if len(part) == 2 and part["p_adj"].notna().all():
            selfs = part.set_index("target")["self_mean"]
            if abs(selfs["marketing"] - selfs["sales"]) >= 1.0:  # a full scale point apart
                names = _construct_names(instrument, construct)
                out.append(
                    Finding(
                        "orientation_gap",
                        "orientation",
                        float(abs(selfs["marketing"] - selfs["sales"]) / 6),
                        _say(
                            "orientation_gap", lambda lang, names=names: {"construct": names[lang]}
                        ),
                        f"mirror_gaps[{construct}]",
                    )
                )
    return out


def _construct_names(instrument: Instrument, construct: str) -> dict[str, str]:
    """A mirror construct's name per language, from the instrument's roles."""
    return {lang: instrument.construct_label(construct, _lang(instrument, lang)) for lang in LANGS}


def _share_yes(shares: pd.DataFrame, column: str, codes: tuple[int, ...]) -> dict[str, float]:
    part = shares[shares["column"] == column]
    if not {"marketing", "sales"} <= set(part["group"]):
        return {}  # a department below the threshold: no company-wide share to state
    hit = part[part["code"].isin(codes)].groupby("group")[["count"]].sum()["count"]
    n = part.groupby("group")["n"].first()
    out = (hit / n).to_dict()
    out["all"] = float(hit.sum() / n.sum())
    return out


def fact_findings(results: Results, instrument: Instrument) -> list[Finding]:
    """Levels and facts: low scales, high conflict, missing lead agreements, slow follow-up,
    departments disagreeing about whether a linkage exists."""
    th = finding_rules()["thresholds"]
    out = []
    summary = results.scale_summary
    overall = summary[summary["group"] == "all"].set_index("scale")
    for scale, fid in role_rules(instrument, "low_scales").items():
        if scale in overall.index and overall.loc[scale, "mean"] < th["low_index"]:
            row = overall.loc[scale]
            out.append(
                Finding(
                    fid,
                    "level",
                    float((th["low_index"] - row["mean"]) / 100),
                    _say(
                        "scale_low",
                        lambda lang, s=scale, r=row: {
                            "label": _label(instrument, s, lang),
                            "index": fmt_number(r["mean"], lang, 0),
                            "ci": fmt_ci(r["ci_low"], r["ci_high"], lang, 0),
                        },
                    ),
                    f"scale_summary[{scale}, all]",
                )
            )
    for scale, fid in role_rules(instrument, "high_scales").items():
        if scale not in overall.index or overall.loc[scale, "mean"] <= th["high_conflict"]:
            continue
        row = overall.loc[scale]
        out.append(
            Finding(
                fid,
                "level",
                float((row["mean"] - th["high_conflict"]) / 100),
                _say(
                    "scale_low",
                    lambda lang, s=scale, r=row: {
                        "label": _label(instrument, s, lang),
                        "index": fmt_number(r["mean"], lang, 0),
                        "ci": fmt_ci(r["ci_low"], r["ci_high"], lang, 0),
                    },
                ),
                f"scale_summary[{scale}, all]",
            )
        )
    shares = results.shares
    gaps = results.gaps.set_index("code")
    for column, fid in role_rules(instrument, "missing_agreements").items():
        yes = _share_yes(shares, column, (1,))
        if yes and yes["all"] < th["missing_agreement"]:
            out.append(
                Finding(
                    fid,
                    "fact",
                    float(th["missing_agreement"] - yes["all"]),
                    _say(
                        "agreement_missing",
                        lambda lang, c=column, y=yes: {
                            "label": _label(instrument, c, lang),
                            "share": fmt_percent(y["all"], lang),
                            "share_marketing": fmt_percent(y.get("marketing"), lang),
                            "share_sales": fmt_percent(y.get("sales"), lang),
                        },
                    ),
                    f"shares[{column}]",
                )
            )
    follow_up = instrument.role("lead_followup_time")
    links = instrument.roles.benchmarks
    bands = [links[b] for b in finding_rules()["slow_follow_up_bands"] if b in links]
    codes = tuple(c for link in bands if link.item == "lead_followup_time" for c in link.codes)
    fast = _share_yes(shares, follow_up, codes) if follow_up and codes else {}
    if fast and fast["all"] < th["slow_follow_up"]:
        out.append(
            Finding(
                "follow_up_slow",
                "fact",
                float(th["slow_follow_up"] - fast["all"]),
                _say("follow_up_slow", lambda lang: {"share": fmt_percent(fast["all"], lang)}),
                f"shares[{follow_up}]",
            )
        )
    disagreements = role_rules(instrument, "disagreements")
    for column in shares["column"].unique():
        fid = disagreements.get(column)
        if fid is None:
            continue
        row = gaps.loc[column] if column in gaps.index else None
        if row is None or row["suppressed"] or not _significant(row, th):
            continue
        yes = _share_yes(shares, column, (1,))
        out.append(
            Finding(
                fid,
                "fact",
                float(abs(row["effect"])),
                _say(
                    "agreement_disagreement",
                    lambda lang, c=column, y=yes: {
                        "label": _label(instrument, c, lang),
                        "share_marketing": fmt_percent(y.get("marketing"), lang),
                        "share_sales": fmt_percent(y.get("sales"), lang),
                    },
                ),
                f"perception_gaps[{column}]",
            )
        )
    bench = results.benchmarks.set_index("benchmark")
    if "obstacle_metrics" in bench.index:
        row = bench.loc["obstacle_metrics"]
        if pd.notna(row["share"]) and row["share"] >= row["published"]:
            out.append(
                Finding(
                    "metrics_clash",
                    "fact",
                    float(row["share"] - row["published"]),
                    _say(
                        "metrics_obstacle",
                        lambda lang, r=row: {
                            "share": fmt_percent(r["share"], lang),
                            "published": fmt_percent(r["published"], lang),
                        },
                    ),
                    "benchmarks[obstacle_metrics]",
                )
            )
    return out


def find_findings(results: Results, instrument: Instrument) -> list[Finding]:
    """All findings of a diagnostic, strongest first.

    Examples
    --------
    >>> from survey import load_instrument
    >>> from survey.synthetic import generate
    >>> from analysis.pipeline import run_analysis
    >>> ins = load_instrument()
    >>> res = run_analysis(generate(units=8, per_department=20, seed=1,
    ...                             scenario="clean").responses, ins)
    >>> "meeting_frequency_gap" in {f.id for f in find_findings(res, ins)}
    True
    """
    found = (
        gap_findings(results.gaps, instrument)
        + mirror_findings(results.mirror, instrument)
        + fact_findings(results, instrument)
    )
    found = sorted(found, key=lambda f: -f.strength)
    # One finding per id where the id names one thing (the item and its scale both show
    # the lead quality gap); keep the strongest.
    single = {
        "lead_quality_gap",
        "meeting_frequency_gap",
        "information_quality_gap",
        "follow_up_slow",
        "lead_definition_missing",
    }
    seen: set[str] = set()
    out = []
    for f in found:
        if f.id in single and f.id in seen:
            continue
        seen.add(f.id)
        out.append(f)
    return out
