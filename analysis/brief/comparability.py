"""Which department comparisons of scale means are backed by scalar invariance: the
brief's per-scale verdicts, its method sentences and the † on gap findings without it.

Reads the table of :func:`analysis.invariance.invariance_by_scale`; computes nothing.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

import pandas as pd

from analysis.brief.render import texts_for
from analysis.formatting import fmt_number
from analysis.invariance import MIN_FIT_N, MIN_ORDINAL_N
from survey.instrument import Instrument

if TYPE_CHECKING:  # analysis.findings pulls in the whole pipeline; the notebook needs less
    from analysis.findings import Finding

UNTESTED = ("too_few", "no_fit")
EVIDENCE = re.compile(r"perception_gaps\[(\w+)\]")


def not_comparable(invariance: pd.DataFrame) -> list[str]:
    """Scales tested without support for scalar invariance, in table order.

    Examples
    --------
    >>> import pandas as pd
    >>> inv = pd.DataFrame({"scale": ["a", "b", "c"], "status": ["tested", "tested", "too_few"],
    ...                     "means_comparable": [True, False, False]})
    >>> not_comparable(inv)
    ['b']
    """
    tested = invariance[invariance["status"] == "tested"]
    return tested.loc[~tested["means_comparable"].astype(bool), "scale"].tolist()


def untested(invariance: pd.DataFrame) -> dict[str, list[str]]:
    """Scales that could not be tested, by reason (``too_few``, ``no_fit``)."""
    return {
        reason: invariance.loc[invariance["status"] == reason, "scale"].tolist()
        for reason in UNTESTED
        if (invariance["status"] == reason).any()
    }


def verdict(row: pd.Series, lang: str) -> str:
    """A scale's invariance level in words (``scalar``, ``scalar (ordinal)``, ``not
    testable: ...``); the ordinal model is named where it was used."""
    t = texts_for(lang)
    levels = t["invariance_levels"]
    if row["status"] != "tested":
        return levels[row["status"]]
    level = str(levels[row["supported_level"]])
    return f"{level} ({t['invariance_ordinal']})" if row.get("model") == "ordinal" else level


def table_cells(invariance: pd.DataFrame, lang: str) -> dict[str, dict[str, str]]:
    """Per scale the method table's cells: ``level``, ``delta_cfi`` and ``delta_rmsea``
    (metric / scalar step, three decimals), ``comparable`` (False marks the row)."""
    cells = {}
    for _, row in invariance.iterrows():
        pair = {}
        for stat in ("delta_cfi", "delta_rmsea"):
            values = [row.get(f"{stat}_{step}") for step in ("metric", "scalar")]
            pair[stat] = (
                " / ".join(fmt_number(v + 0.0 if round(v, 3) else 0.0, lang, 3) for v in values)
                if row["status"] == "tested"
                else "–"
            )
        cells[row["scale"]] = {
            "level": verdict(row, lang),
            "comparable": row["status"] != "tested" or bool(row["means_comparable"]),
            **pair,
        }
    return cells


def _names(codes: list[str], instrument: Instrument, lang: str) -> str:
    return ", ".join(instrument.scale_map[c].label[lang] for c in codes)


def method_note(lang: str, invariance: pd.DataFrame | None = None) -> str:
    """How comparability was tested (the note under the method table); names the
    ordinal model when ``invariance`` shows that a scale was tested with it."""
    t = texts_for(lang)
    note = str(t["invariance_method"]).format(
        cfi=fmt_number(0.01, lang, 2), rmsea=fmt_number(0.015, lang, 3), df=10
    )
    if (
        invariance is not None
        and "model" in invariance
        and (invariance["model"] == "ordinal").any()
    ):
        note += " " + str(t["invariance_method_ordinal"]).format(min_n=MIN_ORDINAL_N)
    return note


def summary(
    invariance: pd.DataFrame, instrument: Instrument, lang: str, *, marked: bool = False
) -> str:
    """What came out, for the limitations: backed, partly backed, or not testable;
    ``marked`` says that the brief marks the scales without scalar invariance with †.

    Examples
    --------
    >>> import pandas as pd
    >>> from survey import load_instrument
    >>> inv = pd.DataFrame({"scale": ["shared_goals", "mutual_learning"],
    ...     "status": ["tested", "too_few"], "means_comparable": [False, False]})
    >>> print(summary(inv, load_instrument(), "en"))  # doctest: +NORMALIZE_WHITESPACE
    Scalar measurement invariance holds for 0 of 1 scales tested. The means of Shared goals
    and metrics are not directly comparable between the departments: a
    difference there may also come from the departments reading the items differently.
    Not testable: too few respondents (Mutual learning). Each department needs at least
    30 complete answers per scale.
    """
    t = texts_for(lang)
    tested = invariance[invariance["status"] == "tested"]
    failed = not_comparable(invariance)
    missing = untested(invariance)
    if tested.empty:
        out = [t["invariance_none"]]
    elif failed:
        k = len(tested) - len(failed)
        names = _names(failed, instrument, lang)
        marker = t["marked_dagger"] if marked else ""
        out = [t["invariance_some"].format(k=k, n=len(tested), scales=names, marker=marker)]
    else:
        out = [t["invariance_all"].format(n=len(tested))]
    if not tested.empty:
        for reason, codes in missing.items():
            text = str(t["invariance_levels"][reason])
            names = _names(codes, instrument, lang)
            out.append(
                t["invariance_untested"].format(reason=text[:1].upper() + text[1:], scales=names)
            )
    if "too_few" in missing:
        out.append(t["invariance_min_n"].format(min_n=MIN_FIT_N))
    return " ".join(out)


def finding_scale(finding: Finding, instrument: Instrument) -> str | None:
    """The scale a perception-gap finding is about (its own code or its item's scale)."""
    match = EVIDENCE.fullmatch(finding.evidence)
    if not match:
        return None
    code = match.group(1)
    if code in instrument.scale_map:
        return code
    return next(
        (s.code for s in instrument.scales if code in instrument.scale_columns(s.code)), None
    )


def flagged_scale(finding: Finding, invariance: pd.DataFrame, instrument: Instrument) -> str | None:
    """The scale without scalar invariance a gap finding is about; None for any other
    finding (the brief marks those findings †)."""
    if finding.kind != "gap":
        return None
    scale = finding_scale(finding, instrument)
    return scale if scale in not_comparable(invariance) else None


def legend(codes: list[str], instrument: Instrument, lang: str) -> str:
    """The note under findings marked †, naming their scales; empty without any.

    Examples
    --------
    >>> from survey import load_instrument
    >>> print(legend(["shared_goals"], load_instrument(), "de"))
    † Nicht direkt vergleichbar: Für „Gemeinsame Ziele und Kennzahlen“ ist skalare
    Messinvarianz nicht belegt (siehe Methode).
    """
    if not codes:
        return ""
    quote = "„{}“" if lang == "de" else "'{}'"
    names = ", ".join(quote.format(instrument.scale_map[c].label[lang]) for c in codes)
    return str(texts_for(lang)["not_comparable"]).format(scales=names)
