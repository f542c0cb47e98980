"""Polychoric correlations of ordinal items (psych::polychoric's definitions).

Hand-written because no maintained Python package estimates polychoric correlations
(semopy and factor_analyzer do not; the ``polychoric`` package on PyPI is unmaintained),
and SciPy's bivariate normal CDF (``multivariate_normal.cdf``) handles one point per call,
far too slow for all item pairs. The bivariate normal CDF here comes from Owen's T function
(``scipy.special.owens_t``), vectorised over every cell of every item pair, and the
correlation of all pairs is found at once by bisection on the exact score.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import special, stats

_RHO_MAX = 1 - 1e-10


def bivariate_normal_cdf(h: np.ndarray, k: np.ndarray, rho: np.ndarray) -> np.ndarray:
    """P(X <= h, Y <= k) for standard normals with correlation rho (arrays broadcast).

    Owen (1956): :math:`\\Phi_2 = \\tfrac12[\\Phi(h) + \\Phi(k)] - T(h, a_h) - T(k, a_k) -
    \\beta`; infinite limits give the margins.
    """
    h, k, rho = np.broadcast_arrays(*(np.asarray(v, dtype=float) for v in (h, k, rho)))
    out = np.empty(h.shape)
    lo = np.isneginf(h) | np.isneginf(k)
    hi_h, hi_k = np.isposinf(h), np.isposinf(k)
    out[lo] = 0.0
    only_k = hi_h & ~lo
    out[only_k] = special.ndtr(k[only_k])
    only_h = hi_k & ~hi_h & ~lo
    out[only_h] = special.ndtr(h[only_h])
    fin = ~(lo | hi_h | hi_k)
    hf, kf, rf = h[fin], k[fin], rho[fin]
    s = np.sqrt(1 - rf**2)
    with np.errstate(divide="ignore", invalid="ignore"):
        ah = (kf - rf * hf) / (hf * s)
        ak = (hf - rf * kf) / (kf * s)
    origin = (hf == 0) & (kf == 0)
    ah = np.where(origin, 0.0, ah)
    ak = np.where(origin, 0.0, ak)
    beta = np.where((hf * kf > 0) | ((hf * kf == 0) & (hf + kf >= 0)), 0.0, 0.5)
    val = 0.5 * (special.ndtr(hf) + special.ndtr(kf)) - special.owens_t(hf, ah)
    val -= special.owens_t(kf, ak) + beta
    out[fin] = np.where(origin, 0.25 + np.arcsin(rf) / (2 * np.pi), val)
    return np.clip(out, 0.0, 1.0)


def _bivariate_density(h: np.ndarray, k: np.ndarray, rho: np.ndarray) -> np.ndarray:
    """phi_2(h, k; rho), zero at infinite limits (d Phi_2 / d rho, Plackett's identity)."""
    h, k, rho = np.broadcast_arrays(h, k, rho)
    s2 = 1 - rho**2
    with np.errstate(invalid="ignore", over="ignore"):
        q = (h**2 - 2 * rho * h * k + k**2) / s2
        out = np.exp(-0.5 * q) / (2 * np.pi * np.sqrt(s2))
    return np.where(np.isfinite(h) & np.isfinite(k), out, 0.0)


def _cell_terms(rho: np.ndarray, row_cuts: np.ndarray, col_cuts: np.ndarray, deriv: bool):
    """Cell probabilities (and their derivatives in rho) of every pair: (pairs, r, c)."""
    r = rho[:, None, None]
    h = row_cuts[:, :, None]
    k = col_cuts[:, None, :]
    f = bivariate_normal_cdf(h, k, r) if not deriv else _bivariate_density(h, k, r)
    return f[:, 1:, 1:] - f[:, :-1, 1:] - f[:, 1:, :-1] + f[:, :-1, :-1]


def pair_correlations(
    tables: np.ndarray, row_cuts: np.ndarray, col_cuts: np.ndarray, iterations: int = 60
) -> np.ndarray:
    """Maximum-likelihood correlation of many contingency tables with fixed thresholds.

    tables: (pairs, r, c) counts; row_cuts (pairs, r + 1) and col_cuts (pairs, c + 1)
    with -inf/inf at the ends. Bisection on the score, which is monotone in rho for these
    likelihoods in practice; 60 halvings reach 1e-18 (R's optimize stops near 1e-4).
    """
    lo = np.full(len(tables), -_RHO_MAX)
    hi = np.full(len(tables), _RHO_MAX)

    def score(rho: np.ndarray) -> np.ndarray:
        p = _cell_terms(rho, row_cuts, col_cuts, deriv=False)
        dp = _cell_terms(rho, row_cuts, col_cuts, deriv=True)
        with np.errstate(divide="ignore", invalid="ignore"):
            terms = np.where(tables > 0, tables * dp / p, 0.0)
        return terms.sum(axis=(1, 2))

    s_lo, s_hi = score(lo), score(hi)
    for _ in range(iterations):
        mid = 0.5 * (lo + hi)
        s_mid = score(mid)
        up = s_mid > 0  # likelihood still rising: the root lies above
        lo = np.where(up, mid, lo)
        hi = np.where(up, hi, mid)
    mid = 0.5 * (lo + hi)
    # A score of one sign all the way (a table with empty off-diagonal cells): boundary.
    mid = np.where(s_lo <= 0, -_RHO_MAX, mid)
    return np.where(s_hi >= 0, _RHO_MAX, mid)


def _smooth(corr: np.ndarray, eig_tol: float = 1e-12) -> np.ndarray:
    """psych::cor.smooth: lift non-positive eigenvalues, rescale, back to a correlation."""
    vals, vecs = np.linalg.eigh(corr)
    if vals.min() >= np.finfo(float).eps:
        return corr
    vals = np.where(vals < eig_tol, 100 * eig_tol, vals)
    vals = vals * len(vals) / vals.sum()
    out = vecs @ np.diag(vals) @ vecs.T
    d = np.sqrt(np.diag(out))
    return out / np.outer(d, d)


def polychoric(
    items: pd.DataFrame, *, smooth: bool = True, correct: float = 0.5, max_categories: int = 8
) -> pd.DataFrame:
    """Polychoric correlation matrix of ordinal items, thresholds in ``.attrs``.

    Parameters
    ----------
    items : DataFrame
        One column per item, integer answer codes (missing as NaN: pairwise).
    smooth : bool
        Smooth a matrix that is not positive definite (psych::cor.smooth).
    correct : float
        Continuity correction for empty cells when the items differ in their number of
        observed categories (psych's ``global = FALSE`` path; see Notes).
    max_categories : int
        Refuse items with more distinct codes (they are hardly ordinal).

    Returns
    -------
    DataFrame
        Square, item names on both axes. ``.attrs["thresholds"]`` is a DataFrame, one row
        per item, one column per threshold (``t1``, ``t2``, ...), as psych's ``tau``;
        ``.attrs["n"]`` the number of rows.

    Notes
    -----
    Two-step estimation (Olsson 1979): thresholds
    :math:`\\tau_{ic} = \\Phi^{-1}(P(x_i \\le c))` from each item's margin, then per pair
    the correlation maximising :math:`\\sum n_{ab}\\log\\pi_{ab}(\\rho)` with
    :math:`\\pi_{ab}` the bivariate normal probability of the cell between the thresholds.
    As psych, codes are shifted to start at 1 and all items share one set of categories;
    when the items' observed maxima differ psych switches to per-pair thresholds from the
    table with empty rows/columns dropped and empty cells set to ``correct`` / n, and so
    does this function. lavaan estimates the same two-step correlations (global
    thresholds). Matches psych::polychoric to 1e-4 (psych's ``optimize`` stops at
    about that tolerance; ``tests/reference/polychoric.R``: bfi, the synthetic
    diagnostic's 5- and 7-point items; lavaan's lavCor agrees to 1e-6 where the items
    share their categories). For example bfi agreeableness (A1 reversed): ordinal alpha
    0.759.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> rng = np.random.default_rng(0)
    >>> z = rng.multivariate_normal([0, 0], [[1, 0.6], [0.6, 1]], size=2000)
    >>> df = pd.DataFrame(np.digitize(z, [-1, 0, 1]) + 1, columns=["a", "b"])
    >>> r = polychoric(df)
    >>> round(float(r.loc["a", "b"]), 1), r.attrs["thresholds"].shape
    (0.6, (2, 3))
    """
    if not isinstance(items, pd.DataFrame):
        raise TypeError("items must be a DataFrame with one column per item")
    if items.shape[1] < 2:
        raise ValueError("polychoric needs at least two items")
    x = items.to_numpy(dtype="float64")
    finite = x[~np.isnan(x)]
    if finite.size == 0:
        raise ValueError("items hold no answers")
    if not np.allclose(finite, np.round(finite)):
        raise ValueError("polychoric needs integer answer codes")
    sd = np.nanstd(x, axis=0)
    constant = [c for c, s in zip(items.columns, sd, strict=True) if not s > 0]
    if constant:
        raise ValueError(f"item(s) {constant} are constant; polychoric is undefined")
    x = x - finite.min()  # codes 0..C-1
    n_cat = int(np.nanmax(x)) + 1
    if n_cat > max_categories:
        raise ValueError(
            f"items have {n_cat} categories (more than {max_categories}); use Pearson correlations"
        )
    p = x.shape[1]
    counts = np.stack(
        [np.bincount(col[~np.isnan(col)].astype(int), minlength=n_cat) for col in x.T]
    )
    cum = np.cumsum(counts, axis=1)[:, :-1] / counts.sum(axis=1, keepdims=True)
    tau = stats.norm.ppf(cum)
    same_max = len({int(np.nanmax(col)) for col in x.T}) == 1
    rows, cols = np.tril_indices(p, -1)
    codes = np.where(np.isnan(x), -1, x).astype(int)
    tables = np.zeros((len(rows), n_cat, n_cat))
    for t, (i, j) in enumerate(zip(rows, cols, strict=True)):
        ok = (codes[:, i] >= 0) & (codes[:, j] >= 0)
        np.add.at(tables[t], (codes[ok, i], codes[ok, j]), 1.0)
    inf = np.full((len(rows), 1), np.inf)
    if same_max:
        row_cuts = np.hstack([-inf, tau[rows], inf])
        col_cuts = np.hstack([-inf, tau[cols], inf])
        rho = pair_correlations(tables, row_cuts, col_cuts)
    else:
        tab, row_cuts, col_cuts, usable = _local_tables(tables, correct)
        rho = np.where(usable, pair_correlations(tab, row_cuts, col_cuts), np.nan)
    corr = np.eye(p)
    corr[rows, cols] = corr[cols, rows] = rho
    if smooth and not np.isnan(corr).any():
        corr = _smooth(corr)
    out = pd.DataFrame(corr, index=items.columns, columns=items.columns)
    thresholds = pd.DataFrame(
        tau, index=items.columns, columns=[f"t{c + 1}" for c in range(n_cat - 1)]
    )
    out.attrs = {"thresholds": thresholds, "n": len(items)}
    return out


def _local_tables(tables: np.ndarray, correct: float):
    """psych's global = FALSE, for all pairs at once: per-pair thresholds from the table's
    margins after empty rows and columns are dropped and empty cells set to correct / n.
    A dropped category becomes a band of zero width, so every table keeps its shape."""
    tot = tables.sum(axis=(1, 2), keepdims=True)
    tab = tables / np.where(tot > 0, tot, 1.0)
    keep_r = tab.sum(axis=2) > 0
    keep_c = tab.sum(axis=1) > 0
    inside = keep_r[:, :, None] & keep_c[:, None, :]
    if correct > 0:
        tab = np.where(inside & (tab == 0), correct / np.where(tot > 0, tot, 1.0), tab)

    def cuts(margin: np.ndarray) -> np.ndarray:
        # R takes qnorm(cumsum(margin)) without the last entry, so a corrected margin that
        # sums above 1 only moves the inner cuts, as in psych.
        inner = stats.norm.ppf(np.minimum(np.cumsum(margin, axis=1)[:, :-1], 1.0))
        last_kept = np.cumsum(margin > 0, axis=1)[:, :-1] == (margin > 0).sum(1, keepdims=True)
        inner = np.where(last_kept, np.inf, inner)
        edge = np.full((len(margin), 1), np.inf)
        return np.hstack([-edge, inner, edge])

    usable = (keep_r.sum(axis=1) >= 2) & (keep_c.sum(axis=1) >= 2) & (tot[:, 0, 0] > 0)
    return tab, cuts(tab.sum(axis=2)), cuts(tab.sum(axis=1)), usable
