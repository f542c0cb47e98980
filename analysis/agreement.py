"""Agreement within units: rwg, rwg(J), average deviation AD(J), and ICC(1)/ICC(2).

These say whether respondents of one business unit agree enough for unit-level scores
(profiles, configurations) to mean something.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from scipy import stats


def _check_columns(data: pd.DataFrame, columns: Sequence[str]) -> None:
    missing = [c for c in columns if c not in data.columns]
    if missing:
        raise ValueError(f"data lack column(s) {missing}")


def rwg(
    data: pd.DataFrame,
    items: Sequence[str],
    *,
    group: str,
    n_options: int,
    threshold: int = 5,
) -> pd.DataFrame:
    """Within-group agreement rwg per item and rwg(J) over the items, per group.

    Parameters
    ----------
    data : DataFrame
        One row per respondent; item columns with codes 1..A (NaN = missing; "don't know"
        codes must be set to NaN first, e.g. by :func:`survey.responses.answers`).
    items : sequence of str
        The J items of one scale (already reverse-keyed if needed).
    group : str
        Column with the group (business unit).
    n_options : int
        A, the number of response options; the uniform null variance is (A^2 - 1) / 12.
    threshold : int
        Groups with fewer respondents who answered are left out (anonymity).

    Returns
    -------
    DataFrame
        One row per group: ``group``, ``n`` (respondents with at least one answer to the
        items), ``rwg_j``, ``rwg_mean`` (mean single-item rwg),
        ``ad_j`` (mean absolute deviation from the item means, averaged over items).

    Notes
    -----
    James, Demaree & Wolf (1984): :math:`r_{wg} = 1 - s^2/\\sigma_E^2`;
    :math:`r_{wg(J)} = J(1 - \\bar s^2/\\sigma_E^2) / (J(1 - \\bar s^2/\\sigma_E^2) +
    \\bar s^2/\\sigma_E^2)` with the mean item variance :math:`\\bar s^2`; values below 0
    are set to 0 and rwg(J) above 1 to 1 (LeBreton & Senter 2008). AD(J): Burke, Finkelstein
    & Dusig (1999). Checked by hand on small groups and against R multilevel 2.7
    (``tests/reference/agreement.R``: rwg.j and ad.m per business unit of the synthetic
    diagnostic, to 1e-9).

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"unit": ["a"] * 5, "x": [4, 4, 5, 5, 4], "y": [3, 4, 4, 4, 5]})
    >>> res = rwg(df, ["x", "y"], group="unit", n_options=5)
    >>> round(float(res["rwg_j"].iloc[0]), 3)
    0.889
    """
    _check_columns(data, [*items, group])
    if n_options < 2:
        raise ValueError("n_options must be at least 2")
    null_var = (n_options**2 - 1) / 12.0
    values = data[list(items)].astype("float64")
    outside = [c for c in items if ((values[c] < 1) | (values[c] > n_options)).any()]
    if outside:
        raise ValueError(
            f"columns {outside} hold codes outside 1..{n_options} (don't-know codes?); "
            "pass responses through survey.responses.answers() first"
        )
    rows = []
    for name, grp in values.groupby(data[group], sort=True):
        n = int(grp.notna().any(axis=1).sum())
        if n < threshold:
            continue
        var = grp.var(ddof=1).to_numpy()
        mean_var = np.nanmean(var)
        ratio = mean_var / null_var
        j = len(items)
        # More spread than the uniform null: no agreement (truncated to 0; the formula
        # itself would turn positive again beyond the null, LeBreton & Senter 2008).
        rwg_j = 0.0 if ratio >= 1 else j * (1 - ratio) / (j * (1 - ratio) + ratio)
        single = np.clip(1 - var / null_var, 0, None)
        ad = np.nanmean((grp - grp.mean()).abs().mean())
        rows.append(
            {
                "group": name,
                "n": n,
                "rwg_j": float(np.clip(rwg_j, 0, 1)),
                "rwg_mean": float(np.nanmean(single)),
                "ad_j": float(ad),
            }
        )
    return pd.DataFrame(rows, columns=["group", "n", "rwg_j", "rwg_mean", "ad_j"])


def icc(
    data: pd.DataFrame,
    *,
    value: str,
    group: str,
    threshold: int = 5,
    ci: float = 0.95,
) -> pd.DataFrame:
    """ICC(1) and ICC(2) from a one-way ANOVA, with unequal group sizes.

    Parameters
    ----------
    data : DataFrame
        One row per respondent.
    value : str
        The score column (e.g. a scale index).
    group : str
        The grouping column (business unit).
    threshold : int
        Groups with fewer valid values are left out (anonymity).
    ci : float
        Confidence level for ICC(1) (F-based interval, Shrout & Fleiss 1979).

    Returns
    -------
    DataFrame
        One row: ``icc1``, ``icc1_ci_low``, ``icc1_ci_high``, ``icc2``, ``f``, ``df_between``,
        ``df_within``, ``p``, ``k`` (adjusted mean group size), ``n_groups``, ``n``.
        Figures the data leave undefined are NaN (one value per group; no variance at
        all); with no variance within groups only, ICC(1) = ICC(2) = 1 and F is infinite.

    Notes
    -----
    Bliese (2000): :math:`ICC(1) = (MSB - MSW) / (MSB + (k - 1) MSW)`,
    :math:`ICC(2) = (MSB - MSW) / MSB`, with
    :math:`k = (N - \\Sigma n_j^2 / N) / (G - 1)` for unequal groups. The vectorised
    arithmetic replaces ``pingouin.intraclass_corr``, which needs balanced data and is
    orders of magnitude slower; on balanced data ICC(1) equals pingouin's ``ICC1``.
    Against R (``tests/reference/agreement.R``): ICC(2) equals multilevel::ICC2 and
    ICC(1) the adjusted-k formula on R's ANOVA mean squares to 1e-9 (multilevel::ICC1
    itself uses N/G, 0.5718 against 0.5721 on the relationship-stage scale).

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"u": list("aaabbbccc"), "v": [1, 2, 3, 4, 5, 6, 7, 8, 9]})
    >>> res = icc(df, value="v", group="u", threshold=3)
    >>> round(float(res["icc1"].iloc[0]), 3), round(float(res["icc2"].iloc[0]), 3)
    (0.897, 0.963)
    """
    _check_columns(data, [value, group])
    size, mean, var, grand = _group_moments(data[group], data[value], threshold)
    g = len(size)
    if g < 2:
        raise ValueError(f"icc needs at least 2 groups with {threshold} or more values")
    n = int(size.sum())
    ssb = np.float64((size * (mean - grand) ** 2).sum())
    ssw = np.float64(((size - 1) * np.nan_to_num(var)).sum())
    df_b, df_w = g - 1, n - g
    # One value per group (df_w = 0) or no variance at all: NaN, not ZeroDivisionError.
    with np.errstate(invalid="ignore", divide="ignore"):
        msb, msw = ssb / df_b, ssw / np.float64(df_w)
        k = (n - (size**2).sum() / n) / df_b
        icc1 = (msb - msw) / (msb + (k - 1) * msw)
        icc2 = (msb - msw) / msb
        f = msb / msw
        alpha = 1 - ci
        f_low = f / stats.f.ppf(1 - alpha / 2, df_b, df_w)
        f_high = f * stats.f.ppf(1 - alpha / 2, df_w, df_b)
        ci_low, ci_high = (f_low - 1) / (f_low + k - 1), (f_high - 1) / (f_high + k - 1)
    return pd.DataFrame(
        {
            "icc1": [icc1],
            "icc1_ci_low": [ci_low],
            "icc1_ci_high": [ci_high],
            "icc2": [icc2],
            "f": [f],
            "df_between": [df_b],
            "df_within": [df_w],
            "p": [stats.f.sf(f, df_b, df_w)],
            "k": [k],
            "n_groups": [g],
            "n": [n],
        }
    )


def _group_moments(
    group: pd.Series, value: pd.Series, threshold: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray, float]:
    """Size, mean and variance (ddof=1, NaN for one value) of every group with at least
    ``threshold`` values, and the grand mean of those values, means shifted by the first
    value; missing values and groups are left out.

    Counted with bincount on the group codes: a pandas groupby per scale costs ~10x more
    on a million respondents (it re-derives the groups for each aggregation).
    """
    if isinstance(group.dtype, pd.CategoricalDtype):
        codes, n_groups = group.cat.codes.to_numpy(), len(group.cat.categories)
    else:
        codes, uniques = pd.factorize(group)
        n_groups = len(uniques)
    x = value.to_numpy(dtype="float64")
    ok = (codes >= 0) & ~np.isnan(x)
    codes = codes.astype(np.intp)  # once, not in every bincount
    if not ok.all():
        codes, x = codes[ok], x[ok]
    if len(x):
        x = x - x[0]  # shifted by a value: constant data give exact zeros, not rounding
    size = np.bincount(codes, minlength=n_groups)
    shown = size >= max(threshold, 1)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = np.bincount(codes, weights=x, minlength=n_groups) / size
        sq = np.bincount(codes, weights=(x - mean[codes]) ** 2, minlength=n_groups)
        var = np.where(size > 1, sq / (size - 1), np.nan)
    if not shown[size > 0].all():
        x = x[shown[codes]]  # the grand mean is over the groups kept
    grand = float(x.mean()) if len(x) else np.nan
    size, mean, var = size[shown], mean[shown], var[shown]
    return size, mean, var, grand
