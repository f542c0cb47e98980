"""Compose the executive brief from results: findings, recommendations, figures, method.

The brief consumes :class:`analysis.pipeline.Results` and the charts; it never reads raw
exports. Recommendation rules live in ``recommendations.yaml``; a rule fires only when a
finding in this diagnostic triggers it. Gap findings on scales without scalar invariance
are marked † with a legend (``comparability.py``); with a previous wave, a section shows
what changed (``changes.py``).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import pandas as pd
import yaml
from babel.dates import format_date

from analysis import charts
from analysis.brief import comparability
from analysis.brief.changes import COOPERATION, changes_section, scale_name, wave_changes
from analysis.brief.render import HERE, data_uri, texts_for
from analysis.brief.summary import executive_summary
from analysis.findings import Finding, find_findings, finding_rules, omission_texts
from analysis.formatting import LOCALES, fmt_ci, fmt_number, fmt_percent, fmt_signed
from analysis.gaps import DEFAULT_SESOI
from analysis.invariance import department_invariance
from analysis.pipeline import OMEGA_MIN_ITEMS, Results
from analysis.sensitivity import gap_sensitivity
from survey.errors import UserError
from survey.instrument import Instrument
from survey.prototypes import load_prototypes
from survey.quality import quality_flags

MAX_RECOMMENDATIONS = 5
KEY_HEADINGS = {0: "none", 1: "one", 2: "two", 3: "three"}
# Figure sizes in inches: drawn at the size they print, so chart text keeps its point size.
FULL = (charts.theme.FULL_WIDTH, 2.9)
HALF = (charts.theme.HALF_WIDTH, 1.75)


@dataclass(frozen=True)
class Recommendation:
    id: str
    title: dict[str, str]
    action: dict[str, str]
    rationale: dict[str, str]
    sources: list[dict[str, str]]  # each cited in German and English
    because: Finding


@cache
def recommendation_rules() -> list[dict]:
    return yaml.safe_load((HERE / "recommendations.yaml").read_text(encoding="utf-8"))["rules"]


def triggered_ids() -> set[str]:
    return {t for rule in recommendation_rules() for t in rule["triggers"]}


def recommend(findings: list[Finding]) -> list[Recommendation]:
    """The rules this diagnostic's findings trigger, strongest evidence first (at most 5).

    Examples
    --------
    >>> f = Finding("meeting_frequency_gap", "gap", 0.7, {"de": "x", "en": "y"}, "e")
    >>> [r.id for r in recommend([f])]
    ['official_pipeline_meeting']
    >>> recommend([])
    []
    """
    fired = []
    for rule in recommendation_rules():
        hits = [f for f in findings if f.id in rule["triggers"]]
        if hits:
            best = max(hits, key=lambda f: f.strength)
            fired.append(
                Recommendation(
                    rule["id"],
                    rule["title"],
                    rule["action"],
                    rule["rationale"],
                    rule["sources"],
                    best,
                )
            )
    fired.sort(key=lambda r: -r.because.strength)
    return fired[:MAX_RECOMMENDATIONS]


def _axes(size: tuple[float, float]) -> object:
    """A new Axes of ``size`` inches in the charts' theme."""
    import matplotlib.pyplot as plt

    charts.theme.apply_theme()
    return plt.subplots(figsize=size)[1]


def departments_hidden(results: Results, instrument: Instrument) -> bool:
    """True when a department has fewer responses than the anonymity threshold: then
    nothing compares the departments."""
    counts = results.responses["department"].value_counts()
    return any(counts.get(d, 0) < results.threshold for d in instrument.departments)


def masked(n: int, threshold: int) -> int | str:
    """A count as printed: ``<threshold`` when it is below the threshold (and not 0).

    Examples
    --------
    >>> masked(4, 5), masked(0, 5), masked(12, 5)
    ('<5', 0, 12)
    """
    return f"<{threshold}" if 0 < n < threshold else n


def _figure(ax: object, stem: Path, alt: str, caption: str, size: str = "full") -> dict:
    paths = charts.save_chart(ax, stem, alt=alt)
    return {"src": data_uri(paths["png"]), "alt": alt, "caption": caption, "size": size}


def _figures(
    results: Results, instrument: Instrument, lang: str, out: Path, invariance: pd.DataFrame
) -> tuple[list[dict], tuple[str, ...]]:
    """The figures of the differences section, and the scales the gap chart marks †."""
    t = texts_for(lang)
    figs = []
    flagged: tuple[str, ...] = ()
    scales = results.gaps[(results.gaps["level"] == "scale") & ~results.gaps["suppressed"]]
    scales = scales[~scales["code"].isin(instrument.role_scales("power_split"))]
    if len(scales):
        names = {s.code: s.label[lang] for s in instrument.scales}
        ranked = charts.dumbbell.gap_rows(scales, top=10)["code"]
        flagged = tuple(c for c in comparability.not_comparable(invariance) if c in set(ranked))
        names.update({c: f"{names[c]} †" for c in flagged})
        rows = len(charts.dumbbell.gap_rows(scales, top=10))
        ax = charts.plot_gaps(
            scales,
            labels=names,
            lang=lang,
            top=10,
            ax=_axes((FULL[0], min(0.15 * rows + 0.95, FULL[1]))),
        )
        alt = "; ".join(
            f"{names[r.code]}: {fmt_number(r.mean_marketing, lang, 0)} / "
            f"{fmt_number(r.mean_sales, lang, 0)}"
            for r in scales.itertuples()
        )
        figs.append(_figure(ax, out / f"gaps_{lang}", alt, t["fig_gaps"]))
    charted = [c for c, m in instrument.roles.mirror.items() if m.chart]
    for construct in charted:
        part = results.mirror[
            (results.mirror["construct"] == construct) & ~results.mirror["suppressed"]
        ]
        if len(part) == 2:
            name = instrument.construct_label(construct, lang)
            ax = charts.plot_mirror(
                part, construct=construct, title=name, lang=lang, ax=_axes(HALF)
            )
            alt = "; ".join(
                f"{t['departments'][r.target]}: {fmt_number(r.self_mean, lang)} / "
                f"{fmt_number(r.other_mean, lang)}"
                for r in part.itertuples()
            )
            figs.append(
                _figure(
                    ax,
                    out / f"mirror_{construct}_{lang}",
                    alt,
                    t["fig_mirror"].format(construct=name),
                    "half",
                )
            )
    for role, key, title in (
        ("meeting_frequency", "fig_meeting", "meeting_title"),
        ("lead_followup_time", "fig_follow_up", "follow_up_title"),
    ):
        column = instrument.role(role)
        if column is None:
            continue  # the method section says it is left out
        part = results.shares[results.shares["column"] == column]
        if part["group"].nunique() == 2:
            ax = charts.plot_category_shares(
                part,
                column=column,
                lang=lang,
                title=charts.theme.label(title, lang),
                ax=_axes((HALF[0], HALF[1] + 0.45)),
            )
            modes = part.loc[part.groupby("group")["share"].idxmax()]
            alt = "; ".join(
                f"{t['departments'][r.group]}: {getattr(r, f'label_{lang}')} "
                f"({fmt_percent(r.share, lang)})"
                for r in modes.itertuples()
            )
            figs.append(_figure(ax, out / f"{column.lower()}_{lang}", alt, t[key], "half"))
    return figs, flagged


def _drivers(
    results: Results, instrument: Instrument, lang: str, out: Path
) -> tuple[dict | None, list[str]]:
    """The key-driver figure of the overall grade and one sentence per department."""
    t = texts_for(lang)
    drivers = results.drivers
    if drivers is None or drivers.empty:
        return None, []
    grade = drivers[drivers["outcome"] == "overall_grade"]
    if grade.empty:
        return None, []
    names = {s.code: s.label[lang] for s in instrument.scales}
    k = grade["predictor"].nunique()
    ax = charts.plot_drivers(
        grade, labels=names, lang=lang, ax=_axes((HALF[0] + 0.9, min(0.16 * k + 0.55, 1.9)))
    )
    sentences, alt = [], []
    for dept, part in grade.groupby("department", sort=False):
        top = part.sort_values("weight", ascending=False).iloc[0]
        sentences.append(
            t["driver_finding"].format(
                department=t["departments"][dept],
                scale=names.get(top["predictor"], top["predictor"]),
                share=fmt_percent(top["share"], lang),
                r2=fmt_number(top["r2"], lang, 2),
            )
        )
        alt.append(
            f"{t['departments'][dept]}: "
            + ", ".join(
                f"{names.get(r.predictor, r.predictor)} {fmt_percent(r.share, lang)}"
                for r in part.sort_values("weight", ascending=False).itertuples()
            )
        )
    figure = _figure(ax, out / f"drivers_{lang}", "; ".join(alt), t["fig_drivers"])
    return figure, sentences


def _equivalence(results: Results, instrument: Instrument, lang: str) -> list[str]:
    """Which scales show no meaningful gap, and how many allow no verdict."""
    t = texts_for(lang)
    scales = results.gaps[(results.gaps["level"] == "scale") & ~results.gaps["suppressed"]]
    if scales.empty or "verdict" not in scales:
        return []
    names = {s.code: s.label[lang] for s in instrument.scales}
    out = []
    equivalent = scales.loc[scales["verdict"] == "equivalent", "code"].tolist()
    if equivalent:
        out.append(
            t["equivalent_scales"].format(
                sesoi=fmt_number(DEFAULT_SESOI, lang, 1),
                names=", ".join(names.get(c, c) for c in equivalent),
            )
        )
    open_ = int((scales["verdict"] == "inconclusive").sum())
    if open_:
        out.append(t["inconclusive_scales"].format(n=open_, total=len(scales)))
    return out


def _sensitivity(results: Results, instrument: Instrument, lang: str) -> str:
    """Whether the three largest scale gaps hold without the flagged respondents."""
    t = texts_for(lang)
    scales = results.gaps[(results.gaps["level"] == "scale") & ~results.gaps["suppressed"]]
    scales = scales.dropna(subset=["effect"])
    if scales.empty:
        return ""
    top = scales.reindex(scales["effect"].abs().sort_values(ascending=False).index)["code"]
    sens = gap_sensitivity(
        results.responses, instrument, results.gaps, top.head(3).tolist(),
        threshold=results.threshold,
    )  # fmt: skip
    excluded = sum(sens.attrs.get("excluded", {}).values())
    if sens.empty:
        if excluded == 0:
            return ""
        return t["sensitivity_hidden"].format(threshold=results.threshold)
    changed = sens[sens["changed"] == True]  # noqa: E712 (object column: True/False/NaN)
    if changed.empty:
        return t["sensitivity_same"].format(n=excluded)
    names = {s.code: s.label[lang] for s in instrument.scales}
    verdicts = t["verdict_names"]
    return t["sensitivity_changed"].format(
        n=excluded,
        names="; ".join(
            f"{names.get(r.code, r.code)} "
            f"({verdicts[r.verdict_all]} → {verdicts[r.verdict_without]})"
            for r in changed.itertuples()
        ),
    )


def _changes(
    results: Results,
    instrument: Instrument,
    lang: str,
    out: Path,
    previous: pd.DataFrame | None,
    previous_instrument: Instrument | None = None,
) -> dict | None:
    """The section on what changed since the previous wave; None without one."""
    if previous is None:
        return None
    changes = wave_changes(results, previous, instrument, previous_instrument)
    th = finding_rules()["thresholds"]
    present = set(changes["scale"])
    order = [c for c in (COOPERATION, *(s.code for s in instrument.scales)) if c in present]
    names = {c: scale_name(c, instrument, lang) for c in order}
    ax = charts.plot_wave_changes(
        changes,
        labels=names,
        order=order,
        alpha=th["alpha"],
        min_effect=th["min_effect"]["hedges_g"],
        lang=lang,
    )
    ax.set_title("")  # the section heading says it
    t = texts_for(lang)
    shown = changes[~changes["suppressed"].astype(bool)]
    alt = "; ".join(
        f"{names[r.scale]}, {t['departments'][r.department]}: {fmt_signed(r.diff, lang)}"
        for r in shown.itertuples()
    )
    figure = _figure(ax, out / f"changes_{lang}", alt or t["changes"], t["fig_changes"])
    return changes_section(changes, instrument, lang, figure)


def _grade(
    results: Results, instrument: Instrument, lang: str, out: Path
) -> tuple[dict | None, str]:
    t = texts_for(lang)
    column = instrument.role("overall_grade")
    part = results.shares[results.shares["column"] == column]
    if column is None or part.empty:
        return None, ""
    low = part[part["code"] >= 4].groupby("group")["share"].sum()
    caption = t["grade_caption"].format(
        marketing=fmt_percent(low.get("marketing"), lang), sales=fmt_percent(low.get("sales"), lang)
    )
    ax = charts.plot_grades(part, column=column, lang=lang, ax=_axes((HALF[0], HALF[1] + 0.75)))
    return _figure(ax, out / f"grades_{lang}", caption, caption), caption


def _profile(results: Results, instrument: Instrument, lang: str, out: Path) -> dict | None:
    """Page 1's compact picture of both departments' profiles (scale indices)."""
    from analysis.charts.deptprofile import plot_department_profile, profile_rows

    t = texts_for(lang)
    order = [s.code for s in instrument.scales if s.code != "marketing_power"]
    rows = profile_rows(results.scale_summary, order)
    if rows.empty:
        return None
    names = {s.code: s.label[lang] for s in instrument.scales}
    ax = plot_department_profile(
        results.scale_summary,
        order=order,
        labels=names,
        lang=lang,
        ax=_axes((FULL[0] * 0.6, 0.15 * len(rows) + 0.8)),
    )
    alt = "; ".join(
        f"{names[r.scale]}: {fmt_number(r.marketing, lang, 0)} / {fmt_number(r.sales, lang, 0)}"
        for r in rows.itertuples()
    )
    return _figure(ax, out / f"profile_{lang}", alt, t["fig_profile"], "half")


def _method(
    results: Results, instrument: Instrument, lang: str, invited: dict, invariance: pd.DataFrame
) -> dict:
    t = texts_for(lang)
    resp = results.responses
    threshold = results.threshold
    rows = []
    for dept in instrument.departments:
        part = resp[resp["department"] == dept]
        n_inv = invited.get(dept)
        n, complete = len(part), int((part["status"] == "complete").sum())
        small = 0 < n < threshold
        rows.append(
            {
                "department": t["departments"][dept],
                "n": masked(n, threshold),
                "complete": masked(complete, threshold),
                "invited": n_inv if n_inv else "–",
                # the rate and the invited count would give a masked count away
                "rate": (f"<{threshold}" if small else fmt_percent(n / n_inv, lang))
                if n_inv
                else "–",
            }
        )
    # the total n of a scale, less the other department's count, would give a masked one
    # away: no totals then
    any_masked = any(isinstance(r["n"], str) for r in rows)
    cells = comparability.table_cells(invariance, lang)
    untested = {"level": "–", "delta_cfi": "–", "delta_rmsea": "–", "comparable": True}
    reliability = [
        {
            "label": instrument.scale_map[r.scale].label[lang],
            "n_items": len(instrument.scale_map[r.scale].items),
            "alpha": fmt_number(r.alpha, lang, 2),
            "omega": fmt_number(r.omega_total, lang, 2),
            "n": "–" if any_masked or pd.isna(r.n) else int(r.n),
            **cells.get(r.scale, untested),
        }
        for r in results.reliability.itertuples()
    ]
    units = sorted(resp["business_unit"].unique())
    shown = set(results.profiles["business_unit"])
    hidden = [u for u in units if u not in shown]
    suppressed = []
    if hidden:
        suppressed.append(
            t["suppressed_units"].format(units=", ".join(hidden), reason=t["suppressed_reason"])
        )
    flags = quality_flags(resp, instrument)
    quality = [t["quarantined"].format(n=results.quarantine["row"].nunique())]
    quality += _notes(results.notes, instrument, lang)
    if not departments_hidden(results, instrument):
        sensitivity = _sensitivity(results, instrument, lang)
        if sensitivity:
            quality.append(sensitivity)
    for key, col in (
        ("partial", "partial"),
        ("speeders", "speeder"),
        ("straight", "straight_liner"),
        ("duplicates", "duplicate"),
    ):
        quality.append(t[key].format(n=int(flags[col].sum())))
    # limitations of analyses the instrument supports; what it does not is said below
    lacking = {u.analysis for u in results.unsupported}
    limits = [
        t[key]
        for key, analysis in (
            ("limit_prototypes", "configurations"),
            ("limit_stage", "relationship_stage"),
            ("limit_perception", ""),
        )
        if analysis not in lacking
    ]
    limits.append(comparability.summary(invariance, instrument, lang, marked=True))
    # what this instrument cannot support, said rather than silently missing
    limits += [omission_texts()["analyses"][u.analysis][lang] for u in results.unsupported]
    return {
        "respondents": rows,
        "reliability": reliability,
        "comparability": comparability.method_note(lang, invariance),
        "suppressed": suppressed,
        "threshold_note": t["threshold_note"].format(threshold=results.threshold),
        "omega_note": t["omega_note"].format(k=OMEGA_MIN_ITEMS)
        if results.reliability["omega_total"].isna().any()
        else "",
        "data_quality": quality,
        "limitations": limits,
        "ranking": t["ranking_method"],
        "index_note": t["index_method"],
    }


def _notes(notes: pd.DataFrame, instrument: Instrument, lang: str) -> list[str]:
    """What the data did not allow (``Results.notes``), in the reader's words."""
    t = texts_for(lang)
    out = []
    unreliable = [
        instrument.scale_map[s].label[lang]
        for s in notes.loc[notes["table"] == "reliability", "subject"]
        if s in instrument.scale_map
    ]
    if unreliable:
        out.append(t["note_reliability"].format(scales=", ".join(unreliable)))
    unplaced = notes.loc[notes["table"] == "clusters, prototypes", "subject"].tolist()
    if unplaced:
        out.append(t["note_unplaced"].format(units=", ".join(unplaced)))
    if (notes["table"] == "clusters").any():
        out.append(t["note_clusters"])
    held = notes[notes["table"] == "release"]
    for kind in ("padding", "delta"):
        part = held[held["note"].str.startswith(f"held back ({kind})")]
        if len(part):
            cells = []
            for subject in part["subject"]:
                dept, _, unit = subject.partition(", ")
                label = instrument.departments.get(dept)
                cells.append(f"{label[lang] if label else dept} ({unit})")
            out.append(t[f"note_held_{kind}"].format(cells=", ".join(cells)))
    return out


def compose_brief(
    results: Results,
    instrument: Instrument,
    *,
    lang: str,
    figures_dir: str | Path,
    company: str = "",
    invited: dict[str, int] | None = None,
    date: dt.date | None = None,
    invariance: pd.DataFrame | None = None,
    previous: pd.DataFrame | None = None,
    previous_instrument: Instrument | None = None,
) -> dict:
    """The template context of the brief in ``lang``; figures are written to
    ``figures_dir`` (PNG, SVG, alt text) and embedded as data URIs.

    Parameters
    ----------
    results : Results
        This diagnostic's analysis.
    instrument : Instrument
        The instrument it follows.
    lang : {"de", "en"}
        Language of the brief.
    figures_dir : str or Path
        Where the figures are written.
    company : str
        Company name for the title.
    invited : dict, optional
        Invited people per department (response rates).
    date : datetime.date, optional
        Date printed on the brief (default today).
    invariance : DataFrame, optional
        :func:`analysis.invariance.department_invariance` of ``results.responses``;
        computed here when not given (a few seconds; pass it to compose several briefs).
    previous : DataFrame, optional
        The previous wave's wide response table; adds the section on what changed.
    previous_instrument : Instrument, optional
        The instrument of the previous wave (default: ``instrument``); only the scales
        both waves share are compared, the section names the others.
    """
    t = texts_for(lang)
    out = Path(figures_dir)
    if invariance is None:
        invariance = department_invariance(
            results.responses, instrument, threshold=results.threshold
        )
    findings = find_findings(results, instrument)

    def say(f: Finding) -> str:
        flagged = comparability.flagged_scale(f, invariance, instrument)
        return f"{f.text[lang]} †" if flagged else f.text[lang]

    def legend(shown: list[Finding], also: tuple[str, ...] = ()) -> str:
        codes = [comparability.flagged_scale(f, invariance, instrument) for f in shown]
        codes = [c for c in [*codes, *also] if c]
        return comparability.legend(list(dict.fromkeys(codes)), instrument, lang)

    recs = recommend(findings)
    if lang not in instrument.languages:
        raise ValueError(
            f"instrument {instrument.id!r} has no {lang!r} texts; a brief is written in "
            f"its languages: {', '.join(instrument.languages)}"
        )
    summary = results.scale_summary.set_index(["scale", "group"])
    has_index = bool(instrument.role_scales("cooperation_index"))
    enough = (
        ("cooperation", "all") in summary.index
        if has_index
        else len(results.responses) >= results.threshold
    )
    if not enough:
        raise UserError(
            f"fewer than {results.threshold} respondents rated the cooperation: a brief "
            "would single them out (anonymity threshold)"
        )
    coop = (
        summary.loc[("cooperation", "all")]
        if has_index
        else pd.Series({"mean": float("nan"), "ci_low": float("nan"), "ci_high": float("nan")})
    )
    stages = results.stage.set_index("group")["stage"]
    protos = load_prototypes()
    company_row = results.prototypes[results.prototypes["business_unit"] == "company"]
    if len(company_row):
        c = company_row.iloc[0]
        configuration = c[f"label_{lang}"]
        runner = protos.configurations[c["runner_up"]].label[lang]
        config_note = t["config_note"].format(
            distance=fmt_number(c["distance"], lang, 0),
            runner_up_distance=fmt_number(c["runner_up_distance"], lang, 0),
            runner_up=runner,
            note=protos.approximation_note[lang],
        )
    else:
        configuration, config_note = "–", protos.approximation_note[lang]
    grade_figure, grade_caption = _grade(results, instrument, lang, out)
    key: list[Finding] = []
    for f in findings:
        if f.id not in {k.id for k in key}:
            key.append(f)
        if len(key) == 3:
            break
    gaps = [f for f in findings if f.kind in ("gap", "mirror", "orientation")][:4]
    figures, charted = _figures(results, instrument, lang, out, invariance)
    hidden = departments_hidden(results, instrument)
    driver_figure, driver_sentences = (
        (None, []) if hidden else _drivers(results, instrument, lang, out)
    )

    def shown(f: Finding) -> str:
        """A finding as listed on pages 1 and 2: it says when it triggers no rule (before
        its † mark, which stays last)."""
        if f.id in triggered_ids():
            return say(f)
        text = f"{f.text[lang]} ({t['no_trigger']})"
        return f"{text} †" if comparability.flagged_scale(f, invariance, instrument) else text

    lacking = {u.analysis for u in results.unsupported}
    verdict = {
        "index": fmt_number(coop["mean"], lang, 0),
        "ci": fmt_ci(coop["ci_low"], coop["ci_high"], lang, 0),
        "stage": t["stages"][stages["all"]] if "all" in stages.index else "–",
        "configuration": configuration,
        "configuration_note": config_note,
        "grade_figure": grade_figure,
        "grade_caption": grade_caption,
    }
    # what the instrument cannot support is not shown (the method section says why)
    for figure, analysis in (
        ("index", "cooperation_index"),
        ("stage", "relationship_stage"),
        ("configuration", "configurations"),
    ):
        if analysis in lacking:
            verdict[figure] = None
    return {
        "lang": lang,
        "t": t,
        "summary": executive_summary(results, instrument, findings, recs, lang, hidden),
        "profile_figure": None if hidden else _profile(results, instrument, lang, out),
        "company": company,
        "date": format_date(date or dt.date.today(), format="long", locale=LOCALES[lang]),
        "verdict": verdict,
        "key_heading": t["key_findings"][KEY_HEADINGS[len(key)]],
        "key_findings": [shown(f) for f in key],
        "gap_findings": [shown(f) for f in gaps],
        "gap_notes": [] if hidden else _equivalence(results, instrument, lang),
        "drivers": {"figure": driver_figure, "sentences": driver_sentences},
        "not_compared": t["not_compared"].format(threshold=results.threshold) if hidden else "",
        "no_recommendation": t[
            "no_recommendation_hidden"
            if hidden
            else ("no_recommendation" if findings else "no_recommendation_none")
        ],
        "legends": {
            "key": legend(key),
            "gaps": legend(gaps, also=charted),
            "todo": legend([r.because for r in recs]),
        },
        "figures": figures,
        "changes": _changes(results, instrument, lang, out, previous, previous_instrument),
        "recommendations": [
            {
                "title": r.title[lang],
                "action": r.action[lang],
                "rationale": r.rationale[lang],
                "sources": [source[lang] for source in r.sources],
                "because": say(r.because),
            }
            for r in recs
        ],
        "method": _method(results, instrument, lang, invited or {}, invariance),
    }


def findings_table(findings: list[Finding]) -> pd.DataFrame:
    """The findings behind a brief as a table (id, kind, strength, evidence, de, en)."""
    return pd.DataFrame(
        [
            {
                "id": f.id,
                "kind": f.kind,
                "strength": f.strength,
                "evidence": f.evidence,
                "text_de": f.text["de"],
                "text_en": f.text["en"],
            }
            for f in findings
        ]
    )


def make_brief(
    results: Results,
    instrument: Instrument,
    out_dir: str | Path,
    *,
    lang: str,
    company: str = "",
    invited: dict[str, int] | None = None,
    invariance: pd.DataFrame | None = None,
    previous: pd.DataFrame | None = None,
    previous_instrument: Instrument | None = None,
) -> tuple[Path, Path]:
    """Write ``brief_<lang>.html`` and ``brief_<lang>.pdf`` (figures in ``figures/``);
    ``invariance`` and ``previous`` as in :func:`compose_brief`."""
    from analysis.brief.render import write_brief

    out = Path(out_dir)
    context = compose_brief(
        results,
        instrument,
        lang=lang,
        figures_dir=out / "figures",
        company=company,
        invited=invited,
        invariance=invariance,
        previous=previous,
        previous_instrument=previous_instrument,
    )
    return write_brief(context, out, stem=f"brief_{lang}")
