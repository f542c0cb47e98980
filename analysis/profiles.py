"""Business-unit profiles on the five dimensions of Homburg, Jensen & Krohmer (2008)."""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats

from analysis.anonymity import DEFAULT_THRESHOLD, suppression_mask
from analysis.scoring import score_scales
from survey.instrument import Instrument
from survey.prototypes import DIMENSIONS, load_prototypes


def dimension_scores(scores: pd.DataFrame) -> pd.DataFrame:
    """Each respondent's 0-100 score on the five dimensions, from :func:`score_scales`.

    A dimension's score is the mean of the indices of its scales
    (``survey.prototypes.load_prototypes().dimension_scales``).
    """
    protos = load_prototypes()
    frames = []
    for dim in DIMENSIONS:
        part = scores[scores["scale"].isin(protos.dimension_scales[dim])]
        per = part.groupby(["respondent_id", "department", "business_unit"], sort=False)[
            "index"
        ].mean()
        frames.append(per.rename(dim))
    return pd.concat(frames, axis=1).reset_index()


def unit_profiles(
    responses: pd.DataFrame,
    instrument: Instrument,
    *,
    threshold: int = DEFAULT_THRESHOLD,
    scores: pd.DataFrame | None = None,
    ci: float = 0.95,
) -> pd.DataFrame:
    """Unit scores on the five dimensions, per department and combined.

    Parameters
    ----------
    responses : DataFrame
        The canonical wide table.
    instrument : Instrument
        Its instrument.
    threshold : int
        Anonymity threshold: a unit x department cell with fewer respondents is dropped,
        and so are cells that could be recovered by subtraction (see
        :func:`analysis.anonymity.suppression_mask`); a unit's combined row needs both of
        its department cells shown.
    scores : DataFrame, optional
        Output of :func:`analysis.scoring.score_scales`, to avoid scoring twice.
    ci : float
        Confidence level of the t interval of each mean.

    Returns
    -------
    DataFrame
        Tidy: ``business_unit``, ``department`` (marketing, sales or all), ``dimension``,
        ``mean`` (0-100), ``sd``, ``n``, ``ci_low``, ``ci_high``.

    Examples
    --------
    >>> from survey import load_instrument
    >>> from survey.synthetic import generate
    >>> ins = load_instrument()
    >>> data = generate(units=3, per_department=6, seed=1, scenario="small_unit").responses
    >>> prof = unit_profiles(data, ins)
    >>> # unit_04 has 3 per department; alone it could be recovered from the department
    >>> # totals, so the smallest other unit is hidden with it.
    >>> sorted(prof["business_unit"].unique())
    ['unit_02', 'unit_03']
    """
    scores = scores if scores is not None else score_scales(responses, instrument)
    dims = dimension_scores(scores)
    counts = dims.groupby(["business_unit", "department"]).size()
    hidden = pd.Series(False, index=counts.index)
    for dept, per_dept in counts.groupby(level="department"):
        mask = suppression_mask(per_dept.droplevel("department"), threshold)
        hidden.loc[[(u, dept) for u in mask.index[mask]]] = True
    shown_cells = hidden[~hidden].index
    keep = dims.set_index(["business_unit", "department"]).index.isin(shown_cells)
    dims = dims[keep]
    complete_units = [
        u
        for u, cells in pd.Series(shown_cells.get_level_values(0)).value_counts().items()
        if cells == 2
    ]
    both = dims[dims["business_unit"].isin(complete_units)].assign(department="all")
    long = pd.concat([dims, both]).melt(
        id_vars=["respondent_id", "department", "business_unit"],
        value_vars=list(DIMENSIONS),
        var_name="dimension",
        value_name="score",
    )
    out = (
        long.groupby(["business_unit", "department", "dimension"], sort=True)["score"]
        .agg(mean="mean", sd="std", n="count")
        .reset_index()
    )
    with np.errstate(invalid="ignore", divide="ignore"):
        half = stats.t.ppf(0.5 + ci / 2, out["n"] - 1) * out["sd"] / np.sqrt(out["n"])
    out["ci_low"] = out["mean"] - half
    out["ci_high"] = out["mean"] + half
    return out


def profile_matrix(profiles: pd.DataFrame, department: str = "all") -> pd.DataFrame:
    """Units x dimensions (means) for one department or ``all``, dimensions in order."""
    sub = profiles[profiles["department"] == department]
    wide = sub.pivot(index="business_unit", columns="dimension", values="mean")
    return wide.reindex(columns=list(DIMENSIONS))  # no unit shown: an empty matrix
