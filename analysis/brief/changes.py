"""What changed since the previous wave: the brief section that appears only when a
previous wave's responses are given.

The previous table is validated and scored like this wave; :func:`analysis.waves.
compare_waves` compares every scale index (and the cooperation index) per department.
Cells below the anonymity threshold in either wave are suppressed there and never shown.
"""

from __future__ import annotations

import pandas as pd

from analysis.brief.render import texts_for
from analysis.findings import LANGS, Finding, finding_rules, omission_texts
from analysis.formatting import fmt_ci, fmt_number, fmt_p, fmt_signed
from analysis.pipeline import Results
from analysis.scoring import cooperation_index, score_scales
from analysis.waves import compare_waves, restrict_scales, shared_scales
from survey.instrument import Instrument
from survey.schema import validate_responses

WAVES = ("previous", "current")
COOPERATION = "cooperation"
MAX_SHOWN = (
    2  # change findings written out (the brief stays within 4 pages); the chart marks every one
)


def _tidy(scores: pd.DataFrame, wave: str, instrument: Instrument) -> pd.DataFrame:
    coop = cooperation_index(scores, instrument).assign(scale=COOPERATION)
    cols = ["department", "scale", "index"]
    both = pd.concat([coop[cols], scores[cols]], ignore_index=True)
    return both.astype({"department": str, "scale": str}).assign(wave=wave)


def wave_changes(
    results: Results,
    previous: pd.DataFrame,
    instrument: Instrument,
    previous_instrument: Instrument | None = None,
) -> pd.DataFrame:
    """This wave against the previous one, per department and scale.

    Parameters
    ----------
    results : Results
        This wave's analysis (its ``scores`` and anonymity ``threshold`` are used).
    previous : DataFrame
        The previous wave's wide response table; validated here (invalid rows dropped).
    instrument : Instrument
        This wave's instrument.
    previous_instrument : Instrument, optional
        The previous wave's instrument (default: the same). Waves may use different
        instruments (a full diagnostic, then a pulse form): only the scales both share
        (same code, same items) are compared; ``attrs["left_out"]`` lists the others.

    Returns
    -------
    DataFrame
        :func:`analysis.waves.compare_waves` on the 0-100 index, waves ``previous`` and
        ``current``, the cooperation index as scale ``cooperation`` first.
    """
    prev_ins = previous_instrument or instrument
    shared, left_out = shared_scales(prev_ins, instrument)
    valid_before = validate_responses(previous, prev_ins).valid
    if prev_ins is instrument and not left_out:
        before, after, common = score_scales(valid_before, instrument), results.scores, instrument
    else:
        # Both waves on the scales and items they share only, the cooperation index too:
        # a pulse form with three items of a scale is compared on those three items.
        common = restrict_scales(instrument, shared)
        before = score_scales(valid_before, restrict_scales(prev_ins, shared))
        after = score_scales(results.responses, common)
    tidy = pd.concat([_tidy(before, WAVES[0], common), _tidy(after, WAVES[1], common)])
    out = compare_waves(
        tidy, value="index", waves=WAVES, min_group_size=results.threshold
    ).reset_index(drop=True)
    out.attrs["left_out"] = [
        (prev_ins.scale_map.get(c) or instrument.scale_map[c]).label for c in left_out
    ]
    return out


def scale_name(code: str, instrument: Instrument, lang: str) -> str:
    if code == COOPERATION:
        return str(texts_for(lang)["cooperation_index"])
    return instrument.scale_map[code].label[lang]


def change_findings(changes: pd.DataFrame, instrument: Instrument) -> list[Finding]:
    """Changes that are significant (adjusted p below ``alpha``) and large enough
    (``min_effect`` of ``findings.yaml``), largest first; suppressed cells never."""
    th = finding_rules()["thresholds"]
    rows = changes[~changes["suppressed"].astype(bool)].dropna(subset=["p_adj", "effect_size"])
    big = rows[
        (rows["p_adj"] < th["alpha"]) & (rows["effect_size"].abs() >= th["min_effect"]["hedges_g"])
    ]
    big = big.reindex(big["effect_size"].abs().sort_values(ascending=False).index)
    sentence = finding_rules()["sentences"]["wave_change"]
    out = []
    for _, row in big.iterrows():
        text = {}
        for lang in LANGS:
            p = fmt_p(row["p_adj"], lang)
            text[lang] = sentence[lang].format(
                department=texts_for(lang)["departments"][row["department"]],
                label=scale_name(row["scale"], instrument, lang),
                direction=sentence["direction"][lang]["up" if row["diff"] > 0 else "down"],
                before=fmt_number(row["mean_before"], lang, 0),
                after=fmt_number(row["mean_after"], lang, 0),
                diff=fmt_signed(row["diff"], lang),
                ci=fmt_ci(row["ci_low"], row["ci_high"], lang),
                effect="g" if row["effect_type"] == "hedges_g" else "d_z",
                g=fmt_number(row["effect_size"], lang, 2),
                p=p if p.startswith("<") else f"= {p}",
                n_before=int(row["n_before"]),
                n_after=int(row["n_after"]),
            )
        evidence = f"wave_changes[{row['department']}, {row['scale']}]"
        out.append(Finding("wave_change", "change", float(abs(row["effect_size"])), text, evidence))
    return out


def changes_section(changes: pd.DataFrame, instrument: Instrument, lang: str, figure: dict) -> dict:
    """The section's context: intro, the strongest findings (or the sentence that nothing
    changed), how many more the chart marks, the chart, how many comparisons were
    suppressed."""
    t = texts_for(lang)
    th = finding_rules()["thresholds"]
    shown = changes[~changes["suppressed"].astype(bool)]
    limits = {
        "alpha": fmt_number(th["alpha"], lang, 2),
        "g": fmt_number(th["min_effect"]["hedges_g"], lang, 1),
    }
    n_hidden = int(changes["suppressed"].astype(bool).sum())
    found = change_findings(changes, instrument)
    return {
        "intro": t["changes_intro"].format(m=len(shown), **limits),
        "findings": [f.text[lang] for f in found[:MAX_SHOWN]],
        "more": t["changes_more"].format(n=len(found) - MAX_SHOWN)
        if len(found) > MAX_SHOWN
        else "",
        "none": t["changes_none"].format(**limits),
        "figure": figure,
        # the template prints this note: what was hidden, and what only one wave asked
        "suppressed": " ".join(
            filter(
                None,
                [
                    t["changes_suppressed"].format(n=n_hidden) if n_hidden else "",
                    left_out_sentence(changes.attrs.get("left_out", []), lang),
                ],
            )
        ),
    }


def left_out_sentence(left_out: list, lang: str) -> str:
    """The sentence naming the scales only one wave has (empty when both share all);
    ``left_out``: their labels (:class:`survey.instrument.Text`)."""
    if not left_out:
        return ""
    names = [label[lang] if lang in label.languages() else str(label) for label in left_out]
    return omission_texts()["waves_left_out"][lang].format(scales=", ".join(names))
