"""Dyadic analyses: one marketing head and one sales head per business unit.

Design of Homburg & Jensen (2007). Gaps within a unit are tested as paired differences;
gap-versus-outcome relations use polynomial regression with response surface parameters
(Edwards & Parry 1993; Shanock et al. 2010) instead of raw difference scores.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
import statsmodels.api as sm
from scipy import stats

from analysis.anonymity import DEFAULT_THRESHOLD


def _pairs(data, scale, *, unit, role, roles):
    missing = [c for c in (unit, role, scale) if c not in data.columns]
    if missing:
        raise KeyError(f"columns not in data: {missing}")
    unknown = set(roles) - set(data[role].dropna().unique())
    if unknown:
        raise ValueError(f"role(s) {sorted(unknown)} not found in column {role!r}")
    sub = data[data[role].isin(roles)]
    dup = sub.duplicated([unit, role])
    if dup.any():
        first = sub.loc[dup, unit].iloc[0]
        raise ValueError(
            f"unit {first!r} has more than one {role} row per role; dyads need one each"
        )
    wide = sub.pivot_table(index=unit, columns=role, values=scale, aggfunc="first")
    return wide.reindex(columns=list(roles)).dropna()


def dyad_gaps(
    data: pd.DataFrame,
    scales: Sequence[str],
    *,
    unit: str = "business_unit",
    role: str = "department",
    roles: tuple[str, str] = ("marketing", "sales"),
    min_group_size: int = DEFAULT_THRESHOLD,
) -> pd.DataFrame:
    """Within-unit gap between the two heads' scores, per scale (paired t-test, d_z).

    Parameters
    ----------
    data : pandas.DataFrame
        One row per respondent (head) with ``unit``, ``role`` and scale score columns.
    scales : sequence of str
        Scale score columns.
    unit, role : str
        Unit identifier and the column telling which side a head is on.
    roles : (str, str)
        The two sides; the gap is ``roles[0] - roles[1]``.
    min_group_size : int
        Rows with fewer complete dyads are suppressed (anonymity threshold).

    Returns
    -------
    pandas.DataFrame
        ``scale``, ``n_dyads``, ``mean_first``, ``mean_second``, ``gap``, ``ci_low``,
        ``ci_high`` (95% CI of the gap), ``t``, ``dof``, ``p_val``, ``d_z``, ``suppressed``.

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"business_unit": [1, 1, 2, 2, 3, 3, 4, 4, 5, 5],
    ...                    "department": ["marketing", "sales"] * 5,
    ...                    "trust": [4, 3, 5, 3, 4, 4, 3, 2, 5, 3]})
    >>> dyad_gaps(df, ["trust"])[["scale", "n_dyads", "gap"]]
       scale  n_dyads  gap
    0  trust        5  1.2
    """
    rows = []
    for scale in scales:
        pairs = _pairs(data, scale, unit=unit, role=role, roles=roles)
        row = {"scale": scale, "n_dyads": len(pairs)}
        if len(pairs) < min_group_size:
            rows.append({**row, "n_dyads": np.nan, "suppressed": True})
            continue
        x, y = pairs[roles[0]].to_numpy(float), pairs[roles[1]].to_numpy(float)
        res = stats.ttest_rel(x, y)
        ci = res.confidence_interval(0.95)
        d = x - y
        row.update(
            mean_first=x.mean(), mean_second=y.mean(), gap=d.mean(), ci_low=ci.low,
            ci_high=ci.high, t=res.statistic, dof=res.df, p_val=res.pvalue,
            d_z=d.mean() / d.std(ddof=1), suppressed=False,
        )  # fmt: skip
        rows.append(row)
    cols = ["scale", "n_dyads", "mean_first", "mean_second", "gap", "ci_low", "ci_high"]
    return pd.DataFrame(rows).reindex(columns=[*cols, "t", "dof", "p_val", "d_z", "suppressed"])


def dyadic_correlation(
    data: pd.DataFrame,
    scales: Sequence[str],
    *,
    unit: str = "business_unit",
    role: str = "department",
    roles: tuple[str, str] = ("marketing", "sales"),
    min_group_size: int = DEFAULT_THRESHOLD,
) -> pd.DataFrame:
    """Correlation between the two heads' scores across units (distinguishable dyads).

    Parameters
    ----------
    data, scales, unit, role, roles, min_group_size
        As in :func:`dyad_gaps`.

    Returns
    -------
    pandas.DataFrame
        ``scale``, ``n_dyads``, ``r`` (Pearson), ``ci_low``, ``ci_high`` (95%, Fisher z),
        ``p_val``, ``suppressed``.

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"business_unit": [1, 1, 2, 2, 3, 3, 4, 4, 5, 5],
    ...                    "department": ["marketing", "sales"] * 5,
    ...                    "trust": [1, 1, 2, 2, 3, 3, 4, 5, 5, 4]})
    >>> round(float(dyadic_correlation(df, ["trust"])["r"].iloc[0]), 3)
    0.9
    """
    rows = []
    for scale in scales:
        pairs = _pairs(data, scale, unit=unit, role=role, roles=roles)
        if len(pairs) < max(min_group_size, 4):
            rows.append({"scale": scale, "suppressed": True})
            continue
        res = stats.pearsonr(pairs[roles[0]], pairs[roles[1]])
        ci = res.confidence_interval(0.95)
        rows.append(
            {"scale": scale, "n_dyads": len(pairs), "r": res.statistic, "ci_low": ci.low,
             "ci_high": ci.high, "p_val": res.pvalue, "suppressed": False}
        )  # fmt: skip
    cols = ["scale", "n_dyads", "r", "ci_low", "ci_high", "p_val", "suppressed"]
    return pd.DataFrame(rows).reindex(columns=cols)


def response_surface(
    data: pd.DataFrame,
    x: str,
    y: str,
    outcome: str,
    *,
    center: float | None = None,
    min_group_size: int = DEFAULT_THRESHOLD,
) -> pd.DataFrame:
    """Polynomial regression of an outcome on two scores with response surface tests.

    Fits :math:`Z = b_0 + b_1 X + b_2 Y + b_3 X^2 + b_4 XY + b_5 Y^2 + e` by OLS and tests
    the surface along the line of congruence (X = Y) and of incongruence (X = -Y).

    Parameters
    ----------
    data : pandas.DataFrame
        One row per dyad (unit) with the two predictor scores and the outcome.
    x, y : str
        Predictor columns, e.g. marketing's and sales' rating of the same scale.
    outcome : str
        Outcome column, e.g. unit performance.
    center : float, optional
        Value subtracted from X and Y before forming the polynomial terms (Edwards 1994
        advises the scale midpoint). Default: the mean of X and Y pooled.
    min_group_size : int
        Fewer complete rows than ``max(min_group_size, 7)`` raise a ValueError.

    Returns
    -------
    pandas.DataFrame
        One row per parameter ``b1``..``b5``, ``a1``..``a4``: ``parameter``, ``estimate``,
        ``se``, ``t``, ``p_val``, ``ci_low``, ``ci_high`` (95%), ``n``, ``r2``.

    Notes
    -----
    :math:`a_1 = b_1 + b_2` (slope along X = Y), :math:`a_2 = b_3 + b_4 + b_5` (curvature
    along X = Y), :math:`a_3 = b_1 - b_2` (slope along X = -Y: which direction of
    discrepancy matters), :math:`a_4 = b_3 - b_4 + b_5` (curvature along X = -Y; negative
    means the outcome falls as the two sides drift apart). Standard errors of the a's
    come from the coefficient covariance matrix (Shanock et al. 2010).

    References
    ----------
    Edwards, J. R., & Parry, M. E. (1993). On the use of polynomial regression equations as
    an alternative to difference scores in organizational research. Academy of Management
    Journal, 36(6), 1577-1613.
    Shanock, L. R., Baran, B. E., Gentry, W. A., Pattison, S. C., & Heggestad, E. D. (2010).
    Polynomial regression with response surface analysis. Journal of Business and
    Psychology, 25(4), 543-554.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> rng = np.random.default_rng(3)
    >>> d = pd.DataFrame({"m": rng.normal(3, 1, 200), "s": rng.normal(3, 1, 200)})
    >>> d["perf"] = 5 - 0.5 * (d["m"] - d["s"]) ** 2 + rng.normal(0, 0.3, 200)
    >>> rs = response_surface(d, "m", "s", "perf").set_index("parameter")
    >>> bool(rs.loc["a4", "estimate"] < -1.5 and rs.loc["a4", "p_val"] < 0.001)
    True
    """
    missing = [c for c in (x, y, outcome) if c not in data.columns]
    if missing:
        raise KeyError(f"columns not in data: {missing}")
    frame = data[[x, y, outcome]].dropna().astype(float)
    need = max(min_group_size, 7)
    if len(frame) < need:
        raise ValueError(f"response surface needs at least {need} complete rows, got {len(frame)}")
    c = float(np.mean([frame[x].mean(), frame[y].mean()])) if center is None else center
    xc, yc = frame[x] - c, frame[y] - c
    design = sm.add_constant(np.column_stack([xc, yc, xc**2, xc * yc, yc**2]), has_constant="add")
    if np.linalg.matrix_rank(design) < 6:
        raise ValueError(
            f"the polynomial terms of {x!r} and {y!r} are collinear (e.g. the two always "
            "agree or one is constant); the response surface cannot be estimated"
        )
    fit = sm.OLS(frame[outcome].to_numpy(), design).fit()
    contrasts = {
        "b1": [0, 1, 0, 0, 0, 0], "b2": [0, 0, 1, 0, 0, 0], "b3": [0, 0, 0, 1, 0, 0],
        "b4": [0, 0, 0, 0, 1, 0], "b5": [0, 0, 0, 0, 0, 1], "a1": [0, 1, 1, 0, 0, 0],
        "a2": [0, 0, 0, 1, 1, 1], "a3": [0, 1, -1, 0, 0, 0], "a4": [0, 0, 0, 1, -1, 1],
    }  # fmt: skip
    tcrit = stats.t.ppf(0.975, fit.df_resid)
    rows = []
    for name, vec in contrasts.items():
        v = np.asarray(vec, float)
        est = float(v @ fit.params)
        se = float(np.sqrt(v @ fit.cov_params() @ v))
        t = est / se
        rows.append(
            (name, est, se, t, 2 * stats.t.sf(abs(t), fit.df_resid), est - tcrit * se,
             est + tcrit * se, len(frame), fit.rsquared)
        )  # fmt: skip
    cols = ["parameter", "estimate", "se", "t", "p_val", "ci_low", "ci_high", "n", "r2"]
    return pd.DataFrame(rows, columns=cols)
