"""Vectorised two-sample statistics for a whole family of variables at once.

pingouin computes one test at a time and its ``mwu`` builds an nx x ny matrix; for a
diagnostic with a hundred variables and up to a million respondents we need every column
in one pass. Each function here takes two 2-D arrays (rows: respondents of group a / b,
columns: variables, NaN = missing) and returns one value per column. The formulas are
pingouin's and SciPy's (checked against them to 1e-9 in the tests).

The ``*_counts`` variants take each variable's distinct values and their counts per group
(:func:`group_counts`) instead: answers are codes with few distinct values, so counts
hold everything the statistics need and a million-row column is read only once.
"""

from __future__ import annotations

import numpy as np
from scipy import stats


def describe(a: np.ndarray) -> dict[str, np.ndarray]:
    """n, mean and sd (ddof=1) of each column, ignoring NaN (medians: :func:`mann_whitney`)."""
    n = (~np.isnan(a)).sum(axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        total = np.nansum(a, axis=0)
        mean = np.where(n > 0, total / np.maximum(n, 1), np.nan)
        sq = np.nansum((a - mean) ** 2, axis=0)
        sd = np.where(n > 1, np.sqrt(sq / np.maximum(n - 1, 1)), np.nan)
    return {"n": n, "mean": mean, "sd": sd}


def mean_ci(d: dict, ci: float = 0.95) -> tuple[np.ndarray, np.ndarray]:
    """t confidence interval of each mean from a :func:`describe` result."""
    with np.errstate(invalid="ignore", divide="ignore"):
        half = stats.t.ppf(0.5 + ci / 2, d["n"] - 1) * d["sd"] / np.sqrt(d["n"])
    return d["mean"] - half, d["mean"] + half


def welch(a: dict, b: dict, ci: float = 0.95) -> dict[str, np.ndarray]:
    """Welch's t-test from two :func:`describe` results: diff = mean_a - mean_b.

    Same definitions as ``pingouin.ttest(x, y, correction=True)`` (dof by
    Welch-Satterthwaite, CI of the difference from the t distribution).
    """
    with np.errstate(invalid="ignore", divide="ignore"):
        va, vb = a["sd"] ** 2 / a["n"], b["sd"] ** 2 / b["n"]
        se = np.sqrt(va + vb)
        diff = a["mean"] - b["mean"]
        t = diff / se
        dof = (va + vb) ** 2 / (va**2 / (a["n"] - 1) + vb**2 / (b["n"] - 1))
        p = 2 * stats.t.sf(np.abs(t), dof)
        crit = stats.t.ppf(0.5 + ci / 2, dof)
    return {
        "diff": diff,
        "ci_low": diff - crit * se,
        "ci_high": diff + crit * se,
        "t": t,
        "dof": dof,
        "p_welch": p,
    }


def tost_welch(a: dict, b: dict, bound: np.ndarray) -> dict[str, np.ndarray]:
    """Two one-sided Welch t-tests of ``|mean_a - mean_b| < bound`` (raw units).

    ``p_lower`` tests H0: diff <= -bound, ``p_upper`` H0: diff >= bound; equivalence is
    shown when both are small, so ``p_equivalence`` is the larger (Schuirmann 1987).
    Same definitions as R's ``t.test(x, y, mu = -bound, alternative = "greater")`` and
    ``t.test(x, y, mu = bound, alternative = "less")`` (Welch df), and as
    ``pingouin.tost(x, y, bound, correction=True)``.
    """
    bound = np.asarray(bound, dtype="float64")
    with np.errstate(invalid="ignore", divide="ignore"):
        va, vb = a["sd"] ** 2 / a["n"], b["sd"] ** 2 / b["n"]
        se = np.sqrt(va + vb)
        diff = a["mean"] - b["mean"]
        dof = (va + vb) ** 2 / (va**2 / (a["n"] - 1) + vb**2 / (b["n"] - 1))
        p_lower = stats.t.sf((diff + bound) / se, dof)
        p_upper = stats.t.cdf((diff - bound) / se, dof)
    return {
        "p_lower": p_lower,
        "p_upper": p_upper,
        "p_equivalence": np.fmax(p_lower, p_upper),
    }


def pooled_sd(a: dict, b: dict) -> np.ndarray:
    """Pooled standard deviation (ddof=1), the standardiser of Hedges g."""
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.sqrt(
            ((a["n"] - 1) * a["sd"] ** 2 + (b["n"] - 1) * b["sd"] ** 2) / (a["n"] + b["n"] - 2)
        )


def equivalence_chi2(chi2: np.ndarray, n: np.ndarray, dof: np.ndarray, w0: float) -> np.ndarray:
    """p of Wellek's equivalence test for a contingency table: H0 Cohen's w >= ``w0``.

    Under H0 at its boundary Pearson's chi-square follows a noncentral chi-square with
    ``dof`` degrees of freedom and noncentrality ``n * w0**2``; a small chi-square shows
    the two distributions to be equivalent (Wellek 2010, ch. 9), so
    ``p = P(chi2' <= chi2_obs)``. R: ``pchisq(chi2, dof, ncp = n * w0^2)``.
    """
    chi2 = np.asarray(chi2, dtype="float64")
    with np.errstate(invalid="ignore"):
        return stats.ncx2.cdf(chi2, np.asarray(dof, dtype="float64"), np.asarray(n) * w0**2)


def d_to_w(d: float) -> float:
    """Cohen's d as the w (phi) of a 2 x 2 table with equal groups: d / sqrt(d^2 + 4)
    (Cohen 1988, eq. 2.2.6), so that one smallest effect of interest serves every kind."""
    return float(d / np.sqrt(d**2 + 4))


def hedges_g(a: dict, b: dict, ci: float = 0.95) -> dict[str, np.ndarray]:
    """Hedges g with pingouin's small-sample factor and CI (Hedges & Olkin 1985, p. 86).

    ``g = d * (1 - 3 / (4 (na + nb) - 9))`` with d from the pooled SD (ddof=1);
    ``se = sqrt((na + nb) / (na nb) + g^2 / (2 (na + nb)))``, critical t on na + nb - 2 df,
    as ``pingouin.compute_effsize(eftype="hedges")`` and ``pingouin.compute_esci``.
    """
    na, nb = a["n"], b["n"]
    with np.errstate(invalid="ignore", divide="ignore"):
        pooled = np.sqrt(((na - 1) * a["sd"] ** 2 + (nb - 1) * b["sd"] ** 2) / (na + nb - 2))
        d = (a["mean"] - b["mean"]) / pooled
        g = d * (1 - 3 / (4 * (na + nb) - 9))
        se = np.sqrt((na + nb) / (na * nb) + g**2 / (2 * (na + nb)))
        crit = stats.t.ppf(0.5 + ci / 2, na + nb - 2)
    return {"hedges_g": g, "g_ci_low": g - crit * se, "g_ci_high": g + crit * se}


def _category_counts(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Sorted distinct values and the count of each in x and in y."""
    lo = min(x.min(initial=np.inf), y.min(initial=np.inf))
    hi = max(x.max(initial=-np.inf), y.max(initial=-np.inf))
    both = np.concatenate([x, y])
    if np.isfinite(lo) and hi - lo <= 1000 and np.all(both == np.rint(both)):
        # Codes of a response scale: counting beats sorting.
        size = int(hi - lo) + 1
        cx = np.bincount((x - lo).astype(np.int64), minlength=size)
        cy = np.bincount((y - lo).astype(np.int64), minlength=size)
        keep = (cx + cy) > 0
        return np.arange(lo, hi + 1)[keep], cx[keep], cy[keep]
    values, inverse = np.unique(both, return_inverse=True)
    cx = np.bincount(inverse[: len(x)], minlength=len(values))
    cy = np.bincount(inverse[len(x) :], minlength=len(values))
    return values, cx, cy


def group_counts(
    x: np.ndarray, groups: np.ndarray, n_groups: int = 2, *, missing: float | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """Sorted distinct values of one variable and how often each occurs in every group.

    Parameters
    ----------
    x : ndarray
        One value per respondent, NaN = missing.
    groups : ndarray of int
        The group of each respondent, ``0 .. n_groups - 1``; ``n_groups`` = in no group.
    n_groups : int
        Number of groups.
    missing : float, optional
        A further code that counts as missing (the instrument's "don't know").

    Returns
    -------
    values, counts
        The values that occur in some group (sorted) and an ``n_groups x len(values)``
        array of counts. Every statistic of this module follows from these, so a column of
        a million answers is read once instead of being split and copied per group.

    Examples
    --------
    >>> x = np.array([2.0, 1.0, np.nan, 2.0, -9.0, 5.0])
    >>> values, counts = group_counts(x, np.array([0, 0, 0, 1, 1, 2]), missing=-9)
    >>> values.tolist(), counts.tolist()
    ([1.0, 2.0], [[1, 1], [0, 1]])
    """
    x = np.asarray(x, dtype="float64")
    groups = np.asarray(groups, dtype=np.intp)
    lo, hi = np.fmin.reduce(x, initial=np.inf), np.fmax.reduce(x, initial=-np.inf)
    if np.isfinite(hi) and float(lo).is_integer() and hi - lo <= 1000:
        # Codes of a response scale: one bincount over (group, code) beats sorting.
        size = int(hi - lo) + 1
        shifted = x - lo
        np.fmin(shifted, size, out=shifted)  # NaN -> bin `size`, dropped below
        codes = shifted.astype(np.intp)
        if np.array_equal(codes, shifted):
            codes *= n_groups + 1  # key = code * (n_groups + 1) + group, in place
            codes += groups
            counts = np.bincount(codes, minlength=(size + 1) * (n_groups + 1))
            counts = counts.reshape(size + 1, n_groups + 1).T[:n_groups, :size]
            values = np.arange(size) + lo
            return _occurring(values, counts, missing)
    # Other values (scale scores, wide ranges): sort each group's answers.
    answered = ~np.isnan(x)
    table = [_sorted_counts(np.sort(x[answered & (groups == g)])) for g in range(n_groups)]
    values = np.unique(np.concatenate([v for v, _ in table]))
    counts = np.zeros((n_groups, len(values)), dtype=np.int64)
    for g, (v, c) in enumerate(table):
        counts[g, np.searchsorted(values, v)] = c
    return _occurring(values, counts, missing)


def _sorted_counts(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Distinct values and their counts of a sorted array without NaN."""
    if len(x) == 0:
        return x, np.zeros(0, dtype=np.int64)
    start = np.flatnonzero(np.concatenate(([True], x[1:] != x[:-1])))
    return x[start], np.diff(np.append(start, len(x)))


def _occurring(
    values: np.ndarray, counts: np.ndarray, missing: float | None
) -> tuple[np.ndarray, np.ndarray]:
    """Only the values someone gave, without the missing code."""
    keep = counts.sum(axis=0) > 0
    if missing is not None:
        keep &= values != missing
    return values[keep], counts[:, keep]


def describe_counts(tables: list[tuple[np.ndarray, np.ndarray]]) -> dict[str, np.ndarray]:
    """:func:`describe` of many variables from their (values, counts) of one group.

    Sums over counts are exact for integer codes, so means equal the element-wise ones.
    """
    k = len(tables)
    out = {"n": np.zeros(k, dtype=np.int64), "mean": np.full(k, np.nan), "sd": np.full(k, np.nan)}
    for j, (values, counts) in enumerate(tables):
        n = int(counts.sum())
        out["n"][j] = n
        if n > 0:
            mean = float((values * counts).sum()) / n
            out["mean"][j] = mean
            if n > 1:
                out["sd"][j] = np.sqrt(float((counts * (values - mean) ** 2).sum()) / (n - 1))
    return out


def _median(values: np.ndarray, counts: np.ndarray) -> float:
    """Median from sorted distinct values and their counts (mean of the two middle ones)."""
    cum = np.cumsum(counts)
    n = cum[-1]
    low = values[np.searchsorted(cum, (n + 1) // 2)]
    high = values[np.searchsorted(cum, n // 2 + 1)]
    return float((low + high) / 2)


def mann_whitney(a: np.ndarray, b: np.ndarray) -> dict[str, np.ndarray]:
    """Mann-Whitney U (of a), two-sided asymptotic p with tie and continuity correction,
    Cliff's delta and both medians, per column.

    Matches ``scipy.stats.mannwhitneyu(method="asymptotic", use_continuity=True)``, which
    ``pingouin.mwu`` calls whenever there are ties. Cliff's delta is
    ``P(a > b) - P(a < b) = 2 U / (na nb) - 1``. Ranks come from category counts, so memory
    stays O(n) instead of pingouin's na x nb matrix.
    """
    tables = []
    for j in range(a.shape[1]):
        x, y = a[:, j], b[:, j]
        tables.append(_category_counts(x[~np.isnan(x)], y[~np.isnan(y)]))
    return mann_whitney_counts(tables)


def mann_whitney_counts(
    tables: list[tuple[np.ndarray, np.ndarray, np.ndarray]],
) -> dict[str, np.ndarray]:
    """:func:`mann_whitney` of many variables from their (values, counts a, counts b)."""
    k = len(tables)
    keys = ("u", "p_mwu", "cliffs_delta", "median_a", "median_b")
    out = {key: np.full(k, np.nan) for key in keys}
    z = np.full(k, np.nan)
    for j, (values, cx, cy) in enumerate(tables):
        n1, n2 = int(cx.sum()), int(cy.sum())
        if n1 == 0 or n2 == 0:
            continue
        out["median_a"][j], out["median_b"][j] = _median(values, cx), _median(values, cy)
        # Rank sums from counts: every value's midrank, weighted by how often a has it.
        total = cx + cy
        midrank = np.cumsum(total) - (total - 1) / 2.0
        u1 = float((cx * midrank).sum()) - n1 * (n1 + 1) / 2.0
        big_n = n1 + n2
        ties = float((total.astype(np.float64) ** 3 - total).sum())
        var = n1 * n2 / 12.0 * ((big_n + 1) - ties / (big_n * (big_n - 1)))
        u = max(u1, n1 * n2 - u1)
        z[j] = (u - n1 * n2 / 2.0 - 0.5) / np.sqrt(var) if var > 0 else -np.inf
        out["u"][j] = u1
        out["cliffs_delta"][j] = 2 * u1 / (n1 * n2) - 1
    done = ~np.isnan(z)
    out["p_mwu"][done] = np.minimum(1.0, 2 * stats.norm.sf(z[done]))
    return out


def contingency(a: np.ndarray, b: np.ndarray) -> dict[str, np.ndarray]:
    """Chi-square test of the two groups' category distributions, per column.

    Fisher's exact test for 2x2 tables with an expected count below 5; for larger tables
    with small expected counts a Monte Carlo p-value over tables with the same margins (as
    R's ``chisq.test(simulate.p.value = TRUE)``, seeded, 4,000 tables). Also Cramér's V and
    each group's modal category (smallest code on ties).
    """
    tables = []
    for j in range(a.shape[1]):
        x, y = a[:, j], b[:, j]
        tables.append(_category_counts(x[~np.isnan(x)], y[~np.isnan(y)]))
    return contingency_counts(tables)


def contingency_counts(
    tables: list[tuple[np.ndarray, np.ndarray, np.ndarray]],
) -> dict[str, np.ndarray]:
    """:func:`contingency` of many variables from their (values, counts a, counts b)."""
    k = len(tables)
    keys = ("chi2", "p_chi2", "cramers_v", "mode_a", "mode_b", "dof")
    out = {key: np.full(k, np.nan) for key in keys}
    for j, (values, cx, cy) in enumerate(tables):
        if cx.sum() == 0 or cy.sum() == 0:
            continue
        out["mode_a"][j] = values[np.argmax(cx)]
        out["mode_b"][j] = values[np.argmax(cy)]
        table = np.vstack([cx, cy])
        if table.shape[1] < 2:
            out["p_chi2"][j], out["chi2"][j], out["cramers_v"][j] = 1.0, 0.0, 0.0
            out["dof"][j] = 0
            continue
        out["dof"][j] = table.shape[1] - 1
        # Pearson's chi-square without continuity correction, as
        # scipy.stats.chi2_contingency(correction=False), written out: SciPy's wrapper
        # costs more than the arithmetic when called for every column.
        expected = np.outer(table.sum(axis=1), table.sum(axis=0)) / table.sum()
        chi2 = float(((table - expected) ** 2 / expected).sum())
        p = float(stats.chi2.sf(chi2, table.shape[1] - 1))
        if expected.min() < 5:
            if table.shape[1] == 2:
                p = stats.fisher_exact(table).pvalue
            else:
                p = _simulated_chi2_p(table, chi2)
        out["chi2"][j], out["p_chi2"][j] = chi2, p
        out["cramers_v"][j] = np.sqrt(chi2 / table.sum())  # min(rows, cols) - 1 = 1
    return out


def _simulated_chi2_p(table: np.ndarray, observed: float, n_tables: int = 4000) -> float:
    """Monte Carlo p of a 2 x K chi-square with both margins fixed.

    Hand-written because SciPy's permutation method shuffles the raw observations (cost
    grows with n); for two rows, tables with fixed margins are multivariate
    hypergeometric draws of the first row, whatever n is.
    """
    rng = np.random.default_rng(20071124)
    col_totals = table.sum(axis=0)
    n_a = int(table[0].sum())
    first = rng.multivariate_hypergeometric(col_totals, n_a, size=n_tables)
    sims = np.stack([first, col_totals - first], axis=1).astype(np.float64)
    expected = np.outer(table.sum(axis=1), col_totals) / table.sum()
    chi2 = ((sims - expected) ** 2 / expected).sum(axis=(1, 2))
    return float((1 + np.sum(chi2 >= observed - 1e-9)) / (n_tables + 1))


def adjust_p(p: np.ndarray, method: str = "holm") -> np.ndarray:
    """Holm, Benjamini-Hochberg (``fdr_bh``), Bonferroni or no adjustment; NaN stays NaN.

    Hand-written (a sort and a cumulative max) because ``statsmodels`` ``multipletests``
    costs ~50 ms per call, which dominates simulations; tests check equality with it.

    Examples
    --------
    >>> adjust_p(np.array([0.01, 0.04, 0.03, np.nan]), "holm").round(3).tolist()
    [0.03, 0.06, 0.06, nan]
    """
    p = np.asarray(p, dtype="float64")
    if method == "none":
        return p.copy()
    if method not in ("holm", "fdr_bh", "bh", "bonf", "bonferroni"):
        raise ValueError(f"unknown padjust {method!r}; use holm, fdr_bh, bonf or none")
    out = np.full_like(p, np.nan)
    ok = np.flatnonzero(~np.isnan(p))
    m = len(ok)
    if m == 0:
        return out
    values = p[ok]
    if method in ("bonf", "bonferroni"):
        out[ok] = np.minimum(values * m, 1.0)
        return out
    order = np.argsort(values, kind="stable")
    ranked = values[order]
    if method == "holm":
        adjusted = np.maximum.accumulate(ranked * (m - np.arange(m)))
    else:  # Benjamini-Hochberg: step-up from the largest p
        adjusted = np.minimum.accumulate((ranked * m / np.arange(1, m + 1))[::-1])[::-1]
    result = np.empty(m)
    result[order] = np.minimum(adjusted, 1.0)
    out[ok] = result
    return out
