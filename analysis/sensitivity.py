"""Do the headline gaps hold without the respondents flagged as careless?"""

from __future__ import annotations

import numpy as np
import pandas as pd

from analysis.anonymity import DEFAULT_THRESHOLD
from analysis.gaps import DEPARTMENTS, perception_gaps
from survey.instrument import Instrument
from survey.quality import careless_indices, quality_flags

SENSITIVITY_COLUMNS = [
    *("code", "effect_type", "effect_all", "effect_without", "diff_all", "diff_without"),
    *("verdict_all", "verdict_without", "changed"),
]


def flagged_respondents(responses: pd.DataFrame, instrument: Instrument) -> pd.Series:
    """Respondents a sensitivity check leaves out: speeders, straight-liners and those
    flagged careless by :func:`survey.quality.careless_indices` (boolean, by respondent)."""
    flags = quality_flags(responses, instrument).set_index("respondent_id")
    careless = careless_indices(responses, instrument).set_index("respondent_id")["careless"]
    out = flags["speeder"] | flags["straight_liner"] | careless.reindex(flags.index)
    return out.groupby(level=0).any()


def gap_sensitivity(
    responses: pd.DataFrame,
    instrument: Instrument,
    gaps: pd.DataFrame,
    codes: list[str],
    *,
    flagged: pd.Series | None = None,
    threshold: int = DEFAULT_THRESHOLD,
    padjust: str = "holm",
) -> pd.DataFrame:
    """The gaps ``codes`` with all respondents and without the flagged ones.

    Parameters
    ----------
    responses : DataFrame
        The validated wide table the ``gaps`` came from.
    gaps : DataFrame
        :func:`analysis.gaps.perception_gaps` of ``responses``.
    codes : list of str
        The gap rows to check (the brief's headline gaps).
    flagged : Series, optional
        Boolean by ``respondent_id``; default :func:`flagged_respondents`.

    Returns
    -------
    DataFrame
        One row per code: ``effect_*``, ``diff_*`` and ``verdict_*`` with all respondents
        and without the flagged ones, and ``changed`` (the verdict differs). Empty, with
        ``.attrs["reason"]``, when the comparison may not be shown.
        ``.attrs["excluded"]`` holds the number left out per department.

    Notes
    -----
    Publishing a table with and without a set of k respondents publishes that set's
    aggregate (``n m_all - (n - k) m_without``). So the comparison is shown only when, in
    every department, nobody or at least ``threshold`` respondents are left out, and at
    least ``threshold`` remain.

    Examples
    --------
    >>> from survey import load_instrument
    >>> from survey.synthetic import generate
    >>> ins = load_instrument()
    >>> data = generate(units=6, per_department=20, seed=5, scenario="messy").responses
    >>> gaps = perception_gaps(data, ins)
    >>> sens = gap_sensitivity(data, ins, gaps, ["information_quality"])
    >>> list(sens.columns[:3])
    ['code', 'effect_type', 'effect_all']
    """
    if flagged is None:
        flagged = flagged_respondents(responses, instrument)
    drop = responses["respondent_id"].map(flagged).fillna(False).astype(bool).to_numpy()
    excluded = {
        d: int((drop & (responses["department"] == d).to_numpy()).sum()) for d in DEPARTMENTS
    }
    remaining = {
        d: int((~drop & (responses["department"] == d).to_numpy()).sum()) for d in DEPARTMENTS
    }
    empty = pd.DataFrame(columns=SENSITIVITY_COLUMNS)
    empty.attrs["excluded"] = excluded
    if not drop.any():
        empty.attrs["reason"] = "no respondent flagged"
        return empty
    if any(0 < k < threshold for k in excluded.values()) or any(
        n < threshold for n in remaining.values()
    ):
        empty.attrs["reason"] = (
            f"fewer than {threshold} flagged respondents in a department: comparing with and "
            "without them would reveal their answers"
        )
        return empty
    without = perception_gaps(
        responses.loc[~drop], instrument, threshold=threshold, padjust=padjust
    ).set_index("code")
    everyone = gaps.set_index("code")
    codes = [c for c in codes if c in everyone.index and c in without.index]
    out = pd.DataFrame(
        {
            "code": codes,
            "effect_type": everyone.loc[codes, "effect_type"].to_numpy(),
            "effect_all": everyone.loc[codes, "effect"].to_numpy(dtype=float),
            "effect_without": without.loc[codes, "effect"].to_numpy(dtype=float),
            "diff_all": everyone.loc[codes, "diff"].to_numpy(dtype=float),
            "diff_without": without.loc[codes, "diff"].to_numpy(dtype=float),
            "verdict_all": everyone.loc[codes, "verdict"].to_numpy(dtype=object),
            "verdict_without": without.loc[codes, "verdict"].to_numpy(dtype=object),
        }
    )
    unknown = out["verdict_all"].isna() | out["verdict_without"].isna()
    out["changed"] = (out["verdict_all"] != out["verdict_without"]).astype(object)
    out.loc[unknown, "changed"] = np.nan
    out.attrs["excluded"] = excluded
    return out
