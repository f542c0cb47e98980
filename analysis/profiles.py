"""Business-unit profiles on the five dimensions of Homburg, Jensen & Krohmer (2008)."""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats

from analysis.anonymity import DEFAULT_THRESHOLD, suppression_mask
from analysis.scoring import SCORE_ID_COLUMNS, score_scales
from survey.instrument import Instrument
from survey.prototypes import DIMENSIONS, load_prototypes


def dimension_scores(scores: pd.DataFrame) -> pd.DataFrame:
    """Each respondent's 0-100 score on the five dimensions, from :func:`score_scales`.

    A dimension's score is the mean of the indices of its scales
    (``survey.prototypes.load_prototypes().dimension_scales``).
    """
    protos = load_prototypes()
    blocks = _score_blocks(scores)
    if blocks is not None:
        ids, scale_names, index = blocks
        out = ids.copy()
        for dim in DIMENSIONS:
            rows = [i for i, s in enumerate(scale_names) if s in protos.dimension_scales[dim]]
            out[dim] = _nanmean_rows(index[rows])
        return out
    frames = []
    for dim in DIMENSIONS:
        part = scores[scores["scale"].isin(protos.dimension_scales[dim])]
        per = part.groupby(list(SCORE_ID_COLUMNS), sort=False)["index"].mean()
        frames.append(per.rename(dim))
    return pd.concat(frames, axis=1).reset_index()


def _score_blocks(scores: pd.DataFrame) -> tuple[pd.DataFrame, list, np.ndarray] | None:
    """Respondent ids, scale names and the index as scales x respondents, if ``scores`` is
    laid out as :func:`score_scales` makes it (one block of rows per scale, each holding
    the same respondents in the same order, every respondent once); else None.

    Grouping a million respondents by categorical ids costs seconds in pandas (it hashes
    the million categories again and again); in this layout a reshape does it.
    """
    cols = [*SCORE_ID_COLUMNS, "scale"]
    if not all(isinstance(scores[c].dtype, pd.CategoricalDtype) for c in cols):
        return None
    scale = scores["scale"].cat.codes.to_numpy()
    k = int(np.count_nonzero(np.diff(scale))) + 1 if len(scale) else 0
    if k == 0 or len(scores) % k:
        return None
    n = len(scores) // k
    scale = scale.reshape(k, n)
    if (scale != scale[:, :1]).any() or len(np.unique(scale[:, 0])) < k:
        return None
    for col in SCORE_ID_COLUMNS:
        codes = scores[col].cat.codes.to_numpy().reshape(k, n)
        if (codes[0] < 0).any() or (codes != codes[0]).any():
            return None
    respondents = scores["respondent_id"].cat.codes.to_numpy()[:n]
    if np.bincount(respondents).max(initial=0) > 1:
        return None
    ids = scores[list(SCORE_ID_COLUMNS)].iloc[:n].reset_index(drop=True)
    names = scores["scale"].cat.categories[scale[:, 0]].tolist()
    return ids, names, scores["index"].to_numpy().reshape(k, n)


def _nanmean_rows(values: np.ndarray) -> np.ndarray:
    """Mean over the rows (scales) of each column (respondent), ignoring NaN."""
    count = (~np.isnan(values)).sum(axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(count > 0, np.nansum(values, axis=0) / count, np.nan)


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
        Anonymity threshold, per dimension: a unit x department cell with fewer
        respondents scored on the dimension is dropped, and so are cells that could be
        recovered by subtraction (see :func:`analysis.anonymity.suppression_mask`); a
        unit's combined row needs both of its department cells shown.
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
    keys, names = ["business_unit", "department"], sorted(DIMENSIONS)
    # Suppression per dimension, on the respondents with a score on it; empty cells add
    # nothing to a total, so they need no complement.
    valid = dims.groupby(keys, sort=True, observed=True)[names].count()
    shown = valid > 0
    for dept, per_dept in valid.groupby(level="department", observed=True):
        for dim in names:
            counts = per_dept[dim].droplevel("department")
            mask = suppression_mask(counts[counts > 0], threshold)
            shown.loc[[(u, dept) for u in mask.index[mask]], dim] = False
    # A unit's combined figure needs both department cells shown, else all - shown cell
    # would reveal the hidden one.
    whole = shown.groupby(level="business_unit", observed=True).sum() == 2
    lookup = dims[keys].merge(shown, left_on=keys, right_index=True, how="left")
    cell_values = dims[names].where(lookup[names].to_numpy(dtype=bool))
    unit_ok = whole.reindex(dims["business_unit"]).to_numpy(dtype=bool)
    dims = pd.concat([dims[keys], cell_values], axis=1)
    both = pd.concat([dims[["business_unit"]], cell_values.where(unit_ok)], axis=1)
    # Aggregated per cell and per unit ("all"), then sorted and reshaped: the same figures
    # as grouping one long table (respondent x dimension, "all" rows appended) by unit,
    # department and dimension, without building it.
    funcs = ["mean", "std", "count"]
    per_cell = dims.groupby(keys, sort=True, observed=True)[names].agg(funcs)
    per_unit = both.groupby("business_unit", sort=True, observed=True)[names].agg(funcs)
    cells = pd.concat(
        [
            per_cell.index.to_frame(index=False),
            per_unit.index.to_frame(index=False).assign(department="all"),
        ],
        ignore_index=True,
    )
    order = cells.sort_values(keys, kind="stable").index.to_numpy()
    agg = pd.concat([per_cell, per_unit], ignore_index=True).take(order)
    out = cells.take(np.repeat(order, len(names))).reset_index(drop=True)
    out["dimension"] = np.tile(names, len(order))
    for stat, col in (("mean", "mean"), ("std", "sd"), ("count", "n")):
        out[col] = agg.xs(stat, axis=1, level=1)[names].to_numpy().ravel()
    with np.errstate(invalid="ignore", divide="ignore"):
        half = stats.t.ppf(0.5 + ci / 2, out["n"] - 1) * out["sd"] / np.sqrt(out["n"])
    out["ci_low"] = out["mean"] - half
    out["ci_high"] = out["mean"] + half
    return out[out["n"] > 0].reset_index(drop=True)


def profile_matrix(profiles: pd.DataFrame, department: str = "all") -> pd.DataFrame:
    """Units x dimensions (means) for one department or ``all``, dimensions in order."""
    sub = profiles[profiles["department"] == department]
    wide = sub.pivot(index="business_unit", columns="dimension", values="mean")
    return wide.reindex(columns=list(DIMENSIONS))  # no unit shown: an empty matrix
