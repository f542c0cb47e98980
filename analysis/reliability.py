"""Reliability: Cronbach's alpha as R psych::alpha defines it, item statistics, and
McDonald's omega from a Schmid-Leiman transformation of an oblique minres solution."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from scipy import stats

from analysis.factor import fa_varimax, minres, oblimin
from analysis.ordinal import polychoric

__all__ = ["alpha", "item_statistics", "omega", "polychoric"]


def _prepare(
    items: pd.DataFrame,
    reverse: Sequence[str],
    min_value: float | None,
    max_value: float | None,
    nan_policy: str,
) -> pd.DataFrame:
    if not isinstance(items, pd.DataFrame):
        raise TypeError("items must be a DataFrame with one column per item")
    if items.shape[1] < 2:
        raise ValueError("alpha needs at least two items")
    if nan_policy not in ("pairwise", "listwise"):
        raise ValueError("nan_policy must be 'pairwise' or 'listwise'")
    unknown = [c for c in reverse if c not in items.columns]
    if unknown:
        raise ValueError(f"reverse names unknown column(s) {unknown}")
    data = items.astype("float64")
    if reverse:
        low = data.min().min() if min_value is None else min_value
        high = data.max().max() if max_value is None else max_value
        data[list(reverse)] = low + high - data[list(reverse)]
    if nan_policy == "listwise":
        data = data.dropna()
    if len(data) < 3:
        raise ValueError(f"alpha needs at least 3 observations, got {len(data)}")
    return data


def _alpha_parts(cov: np.ndarray) -> tuple[float, float, float, float]:
    """Raw alpha, standardised alpha, average r and Guttman's lambda 6 from a covariance;
    the last three are NaN when an item is constant (it has no correlations)."""
    k = cov.shape[0]
    sd = np.sqrt(np.diag(cov))
    raw = (1 - np.trace(cov) / cov.sum()) * k / (k - 1)
    if not (sd > 0).all():
        return raw, np.nan, np.nan, np.nan
    corr = cov / np.outer(sd, sd)
    std = (1 - k / corr.sum()) * k / (k - 1)
    avg_r = (corr.sum() - k) / (k * (k - 1))
    smc = 1 - 1 / np.diag(np.linalg.pinv(corr))
    g6 = 1 - (k - smc.sum()) / corr.sum()
    return raw, std, avg_r, g6


def alpha(
    items: pd.DataFrame,
    *,
    reverse: Sequence[str] = (),
    min_value: float | None = None,
    max_value: float | None = None,
    nan_policy: str = "pairwise",
    ci: float = 0.95,
    ordinal: bool = False,
) -> pd.DataFrame:
    """Cronbach's alpha with psych::alpha's definitions (ordinal alpha from polychorics).

    Parameters
    ----------
    items : DataFrame
        One column per item, one row per respondent (any items, not only ours).
    reverse : sequence of str
        Columns to reverse-key as ``min + max - x``.
    min_value, max_value : float, optional
        Response range for reverse keying; default the observed minimum and maximum.
    nan_policy : {"pairwise", "listwise"}
        Pairwise covariances (psych's default) or complete rows only.
    ci : float
        Confidence level of the Duhachek-Iacobucci interval.
    ordinal : bool
        Ordinal alpha (Zumbo, Gadermann & Zeisser 2007): the standardised formula applied
        to the polychoric correlations (:func:`polychoric`); ``alpha`` = ``std_alpha``,
        and ``ase`` and the CI are NaN (psych::alpha gives none for a matrix either).

    Returns
    -------
    DataFrame
        One row: ``alpha`` (raw), ``std_alpha``, ``g6`` (Guttman's lambda 6), ``avg_r``,
        ``ase``, ``ci_low``, ``ci_high``, ``n`` (rows), ``n_items``. With a constant item
        there are no correlations: ``std_alpha``, ``g6`` and ``avg_r`` are NaN.

    Notes
    -----
    With C the (pairwise) covariance matrix of k items and R the correlation matrix derived
    from it: :math:`\\alpha = \\frac{k}{k-1}(1 - tr(C)/\\Sigma C)`; standardised alpha
    :math:`\\frac{k}{k-1}(1 - k/\\Sigma R)`; average r :math:`(\\Sigma R - k)/(k(k-1))`;
    :math:`\\lambda_6 = 1 - \\Sigma(1 - smc)/\\Sigma R` with squared multiple correlations
    :math:`smc_i = 1 - 1/(R^{-1})_{ii}`; the asymptotic standard error of Duhachek &
    Iacobucci (2004) as psych computes it,
    :math:`Q = \\frac{2k^2}{(k-1)^2 (\\Sigma C)^3}(\\Sigma C (tr(C^2) + tr(C)^2) -
    2\\,tr(C)\\,\\Sigma(C^2))`, :math:`ase = \\sqrt{Q/n}`, CI alpha ± z ase. Raw alpha was
    checked against ``pingouin.cronbach_alpha``; every figure matches R psych 2.2.9
    (``tests/reference/alpha.R``: bfi agreeableness with A1 reversed, raw alpha 0.703,
    standardised 0.713, and three scales of the synthetic diagnostic) to 1e-9, ordinal
    alpha psych's alpha of the polychoric matrix to 1e-4 (bfi agreeableness 0.759,
    ``tests/reference/polychoric.R``).

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"a": [1, 2, 3, 4, 5, 3], "b": [2, 2, 3, 5, 4, 3],
    ...                    "c": [1, 3, 3, 4, 5, 2]})
    >>> res = alpha(df)
    >>> round(float(res["alpha"].iloc[0]), 4), int(res["n_items"].iloc[0])
    (0.9318, 3)
    """
    data = _prepare(items, reverse, min_value, max_value, nan_policy)
    if ordinal:
        corr = polychoric(data).to_numpy()
        _, std, avg_r, g6 = _alpha_parts(corr)
        return pd.DataFrame(
            {"alpha": [std], "std_alpha": [std], "g6": [g6], "avg_r": [avg_r],
             "ase": [np.nan], "ci_low": [np.nan], "ci_high": [np.nan], "n": [len(data)],
             "n_items": [corr.shape[0]]}
        )  # fmt: skip
    cov = data.cov().to_numpy()
    if np.isnan(cov).any():
        raise ValueError("some item pairs have no common answers; cannot compute alpha")
    if not np.diag(cov).any():
        raise ValueError(f"items {list(data.columns)} are all constant; alpha is undefined")
    raw, std, avg_r, g6 = _alpha_parts(cov)
    k, n = cov.shape[0], len(data)
    total = cov.sum()
    q = (2 * k**2 / ((k - 1) ** 2 * total**3)) * (
        total * (np.trace(cov @ cov) + np.trace(cov) ** 2) - 2 * np.trace(cov) * (cov @ cov).sum()
    )
    ase = np.sqrt(q / n)
    z = stats.norm.ppf(0.5 + ci / 2)
    return pd.DataFrame(
        {
            "alpha": [raw],
            "std_alpha": [std],
            "g6": [g6],
            "avg_r": [avg_r],
            "ase": [ase],
            "ci_low": [raw - z * ase],
            "ci_high": [raw + z * ase],
            "n": [n],
            "n_items": [k],
        }
    )


def item_statistics(
    items: pd.DataFrame,
    *,
    reverse: Sequence[str] = (),
    min_value: float | None = None,
    max_value: float | None = None,
    nan_policy: str = "pairwise",
) -> pd.DataFrame:
    """Item-rest correlation and alpha if the item is dropped, as psych::alpha reports them.

    Returns
    -------
    DataFrame
        One row per item: ``item``, ``n``, ``mean``, ``sd``, ``r_drop`` (correlation of the
        item with the sum of the other items, from the covariance matrix), ``alpha_if_dropped``,
        ``std_alpha_if_dropped``.

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"a": [1, 2, 3, 4, 5, 3], "b": [2, 2, 3, 5, 4, 3],
    ...                    "c": [5, 1, 2, 1, 3, 4]})
    >>> stats_ = item_statistics(df)
    >>> stats_.set_index("item")["r_drop"].round(2).tolist()
    [0.26, 0.33, -0.38]
    """
    data = _prepare(items, reverse, min_value, max_value, nan_policy)
    cov = data.cov().to_numpy()
    rows = []
    for i, col in enumerate(data.columns):
        keep = [j for j in range(cov.shape[0]) if j != i]
        sub = cov[np.ix_(keep, keep)]
        cov_rest = cov[i, keep].sum()
        with np.errstate(invalid="ignore", divide="ignore"):  # NaN for a constant item
            r_drop = cov_rest / np.sqrt(cov[i, i] * sub.sum())
        if len(keep) >= 2:
            raw, std, _, _ = _alpha_parts(sub)
        else:
            raw = std = np.nan
        rows.append(
            {
                "item": col,
                "n": int(data[col].notna().sum()),
                "mean": data[col].mean(),
                "sd": data[col].std(),
                "r_drop": r_drop,
                "alpha_if_dropped": raw,
                "std_alpha_if_dropped": std,
            }
        )
    return pd.DataFrame(rows)


# --- omega ------------------------------------------------------------------------------


def _schmid(corr: np.ndarray, n_factors: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """psych::schmid: general loadings, group loadings and communalities."""
    orth = fa_varimax(corr, n_factors)
    pattern, phi = oblimin(orth)
    if n_factors == 2:
        # psych's option "equal": two factors cannot identify g; both load sqrt(|phi|).
        r = phi[0, 1]
        gamma = np.array([np.sqrt(abs(r)), np.sign(r) * np.sqrt(abs(r))])
    else:
        # psych::fa(Phi): a one-factor minres fit, Heywood cases stopping where psych stops.
        gamma = minres(phi, 1)[0][:, 0]
    general = pattern @ gamma
    uniq2 = np.clip(1 - (1 - pattern**2) - (pattern * gamma) ** 2, 0.0, None)
    group = np.sign(pattern) * np.sqrt(uniq2)
    h2 = (orth**2).sum(axis=1)
    return general, group, h2


def omega(
    items_or_corr: pd.DataFrame,
    *,
    n_factors: int = 3,
    n_obs: int | None = None,
    ordinal: bool = False,
) -> pd.DataFrame:
    """McDonald's omega hierarchical, asymptotic and total (Schmid-Leiman), as psych::omega.

    Parameters
    ----------
    items_or_corr : DataFrame
        Raw items (rows: respondents) or a square correlation matrix.
    n_factors : int
        Group factors of the oblique minres solution (at least 2; psych's default 3).
    n_obs : int, optional
        Observations behind a correlation matrix (reported only).
    ordinal : bool
        Compute everything from polychoric correlations (:func:`polychoric`) instead of
        Pearson's; needs raw items.

    Returns
    -------
    DataFrame
        One row: ``omega_h``, ``omega_asymptotic`` (psych's ``omega.lim``),
        ``omega_total``, ``alpha`` (standardised alpha of the matrix after psych's
        reflection of items with negative general loadings), ``n_factors``, ``n_items``,
        ``n``, ``correlation`` (``"pearson"`` or ``"polychoric"``).

    Notes
    -----
    Follows psych::omega (fm = "minres", rotate = "oblimin") step by step: a minres fit
    of ``n_factors`` factors (:mod:`analysis.factor`, psych's objective, gradient and
    bounds, so that Heywood cases end where psych's do), varimax, oblimin (GPArotation's
    quartimin) to pattern L and factor correlations Φ, then a one-factor minres fit of Φ
    for the general loadings γ (two factors: :math:`\\gamma_j = \\sqrt{|\\phi_{12}|}`,
    psych's option "equal"). Schmid-Leiman general loadings :math:`g = L\\gamma`;
    communalities from the orthogonal solution. Items whose general loading is negative
    are reflected, then with :math:`V_t = \\Sigma R`: :math:`\\omega_h = (\\Sigma g)^2/V_t`,
    :math:`\\omega_t = 1 - \\Sigma(1-h^2)/V_t`, :math:`\\omega_{lim} = (\\Sigma g)^2 /
    (V_t - \\Sigma(1-h^2))`. Matches R psych 2.2.9 to 1e-3 (``tests/reference/omega.R``,
    nineteen cases on thirteen data sets: bfi, Thurstone, Harman74, Bechtoldt,
    Holzinger, Reise, Holzinger-Swineford, synthetic diagnostics; three Heywood cases
    in the second-order fit and four two-factor solutions among them); for
    example Thurstone's nine tests, three factors: omega_h 0.736, omega_total 0.931; the
    synthetic diagnostic (12 units, 45 per department, seed 3; a Heywood case): 0.838.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> g = np.full(9, 0.6); grp = np.kron(np.eye(3), np.full((3, 1), 0.5))
    >>> load = np.column_stack([g, grp])
    >>> corr = load @ load.T; np.fill_diagonal(corr, 1.0)
    >>> res = omega(pd.DataFrame(corr))
    >>> round(float(res["omega_h"].iloc[0]), 3), round(float((0.6 * 9) ** 2 / corr.sum()), 3)
    (0.74, 0.74)
    """
    data = items_or_corr
    if not isinstance(data, pd.DataFrame):
        raise TypeError("items_or_corr must be a DataFrame")
    square = data.shape[0] == data.shape[1] and np.allclose(data.to_numpy(), data.to_numpy().T)
    raw = not (square and np.allclose(np.diag(data.to_numpy(dtype="float64")), 1.0))
    if ordinal and not raw:
        raise ValueError("ordinal=True needs the raw items, not a correlation matrix")
    if ordinal:
        corr = polychoric(data).to_numpy()
        n = len(data)
    elif raw:
        corr = data.astype("float64").corr().to_numpy()
        n = len(data)
    else:
        corr = data.to_numpy(dtype="float64")
        n = n_obs
    k = corr.shape[0]
    if n_factors < 2 or n_factors >= k:
        raise ValueError(f"n_factors must be between 2 and {k - 1}")
    if np.isnan(corr).any():
        constant = [c for c in data.columns if data[c].std() == 0] if raw else []
        detail = f": item(s) {constant} are constant" if constant else ""
        raise ValueError(f"correlation matrix has missing values{detail}")
    general, _, h2 = _schmid(corr, n_factors)
    key = np.where(general < 0, -1.0, 1.0)  # psych's flip = TRUE
    flipped = corr * np.outer(key, key)
    vt = flipped.sum()
    gsq = (general * key).sum() ** 2
    unique = (1 - h2).sum()
    return pd.DataFrame(
        {
            "omega_h": [gsq / vt],
            "omega_asymptotic": [gsq / (vt - unique)],
            "omega_total": [(vt - unique) / vt],
            "alpha": [(vt - np.trace(flipped)) / vt * k / (k - 1)],
            "n_factors": [n_factors],
            "n_items": [k],
            "n": [n],
            "correlation": ["polychoric" if ordinal else "pearson"],
        }
    )
