"""Key drivers: which scales account for how people rate the cooperation.

Relative weights (Johnson 2000) split a regression's R² among correlated predictors;
general dominance (Budescu 1993) does the same by brute force over every subset of
predictors and serves as the check. :func:`key_drivers` applies them to a diagnostic:
what drives the overall grade and what drives the cooperation index, per department.
"""

from __future__ import annotations

from itertools import combinations
from math import comb

import numpy as np
import pandas as pd

from analysis.anonymity import DEFAULT_THRESHOLD
from analysis.scoring import cooperation_index, cooperation_scales
from survey.instrument import Instrument

MIN_DRIVER_N = 30  # complete answers per group below which weights are too unstable to show
MAX_DOMINANCE_PREDICTORS = 15  # 2^15 subset regressions; beyond that use relative weights
DRIVER_COLUMNS = ["predictor", "weight", "share", "ci_low", "ci_high", "r", "r2", "n", "rank"]


def _raw_weights(corr: np.ndarray) -> np.ndarray:
    """Johnson's raw relative weights from the correlation matrix (outcome first).

    A batch of matrices (``corr`` of shape (..., p + 1, p + 1)) gives a batch of weights.
    """
    rxx, rxy = corr[..., 1:, 1:], corr[..., 1:, 0]
    values, vectors = np.linalg.eigh(rxx)
    values = np.clip(values, 0.0, None)  # round-off can make a zero eigenvalue negative
    # Lambda = Rxx^(1/2): the predictors' loadings on their closest orthogonal counterparts.
    lam = (vectors * np.sqrt(values)[..., None, :]) @ np.swapaxes(vectors, -1, -2)
    beta = np.linalg.solve(lam, rxy[..., None])[..., 0]
    return np.einsum("...jk,...k->...j", lam**2, beta**2)


def _complete(data: pd.DataFrame, outcome: str, predictors: list[str]) -> np.ndarray:
    missing = [c for c in [outcome, *predictors] if c not in data.columns]
    if missing:
        raise ValueError(f"data lack column(s) {missing}")
    x = data[[outcome, *predictors]].to_numpy(dtype="float64")
    return x[~np.isnan(x).any(axis=1)]


def _check_predictors(x: np.ndarray, predictors: list[str]) -> None:
    sd = x.std(axis=0)
    constant = [name for name, s in zip(["outcome", *predictors], sd, strict=True) if s == 0]
    if constant:
        raise ValueError(f"constant variable(s) {constant}: no relative weights")
    if np.linalg.matrix_rank(np.corrcoef(x, rowvar=False)[1:, 1:]) < len(predictors):
        raise ValueError("predictors are linearly dependent: no relative weights")


def relative_weights(
    data: pd.DataFrame,
    *,
    outcome: str,
    predictors: list[str],
    by: str | None = None,
    n_boot: int = 1000,
    ci: float = 0.95,
    seed: int = 0,
    threshold: int = DEFAULT_THRESHOLD,
    min_n: int = MIN_DRIVER_N,
) -> pd.DataFrame:
    """Johnson's relative weights of ``predictors`` for ``outcome``, with bootstrap CIs.

    Parameters
    ----------
    data : DataFrame
        One row per respondent; rows missing the outcome or a predictor are left out.
    outcome, predictors : str, list of str
        Column names.
    by : str, optional
        A grouping column (e.g. ``department``): one analysis per group.
    n_boot : int
        Bootstrap resamples for the percentile confidence intervals (0: none).
    ci : float
        Confidence level.
    seed : int
        Seed of the bootstrap.
    threshold : int
        Anonymity threshold: no group with fewer complete answers is analysed.
    min_n : int
        Fewer complete answers than this (or than ``len(predictors) + 2``) leave a group out.

    Returns
    -------
    DataFrame
        One row per predictor (and group): ``predictor``, (``by``), ``weight`` (raw
        relative weight: the share of the outcome's variance the predictor accounts for;
        the weights add up to R²), ``share`` (weight / R²), ``ci_low``/``ci_high``
        (percentile bootstrap interval of the weight), ``r`` (correlation with the
        outcome, for the direction), ``r2``, ``n`` and ``rank`` (1 = largest weight).
        Groups left out are absent; ``.attrs["left_out"]`` says which and why.

    Notes
    -----
    With :math:`R_{xx} = V \\Lambda V'`, :math:`\\Lambda^* = V \\Lambda^{1/2} V'` (the
    loadings of the predictors on their closest orthogonal counterparts Z) and
    :math:`\\beta = \\Lambda^{*-1} r_{xy}` (the outcome regressed on Z), the raw weight of
    predictor j is :math:`\\epsilon_j = \\sum_k \\lambda^{*2}_{jk} \\beta_k^2` and
    :math:`\\sum_j \\epsilon_j = R^2` (Johnson 2000). Confidence intervals by the
    percentile bootstrap (Tonidandel, LeBreton & Johnson 2009). Checked against R
    (``tests/reference/drivers.R``): the weights equal the published worked example of the
    rwa package (mtcars, R² 0.7791896; cyl 0.2284797, disp 0.2221469, hp 0.2321744,
    gear 0.0963886) to 1e-7, and agree in ranking with general dominance from every subset
    regression on the simulated data (:func:`dominance_analysis`).

    References
    ----------
    Johnson, J. W. (2000). A heuristic method for estimating the relative weight of
    predictor variables in multiple regression. Multivariate Behavioral Research, 35, 1-19.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> x = rng.normal(size=(200, 3))
    >>> df = pd.DataFrame(x, columns=["a", "b", "c"]).assign(y=x @ [0.7, 0.3, 0.0])
    >>> rw = relative_weights(df, outcome="y", predictors=["a", "b", "c"], n_boot=200)
    >>> rw["predictor"].tolist(), rw["rank"].tolist()
    (['a', 'b', 'c'], [1, 2, 3])
    >>> round(float(rw["weight"].sum()), 6) == round(float(rw["r2"].iloc[0]), 6)
    True
    """
    predictors = list(predictors)
    if len(predictors) < 2:
        raise ValueError("relative weights need at least two predictors")
    if outcome in predictors:
        raise ValueError(f"outcome {outcome!r} is also a predictor")
    if not 0 < ci < 1:
        raise ValueError("ci must lie between 0 and 1")
    groups = [(None, data)] if by is None else list(data.groupby(by, sort=True, observed=True))
    frames, left_out = [], []
    rng = np.random.default_rng(seed)
    for key, part in groups:
        x = _complete(part, outcome, predictors)
        n = len(x)
        need = max(min_n, threshold, len(predictors) + 2)
        if n < need:
            left_out.append({"group": key, "reason": f"fewer than {need} complete answers"})
            continue
        try:
            _check_predictors(x, predictors)
        except ValueError as err:
            left_out.append({"group": key, "reason": str(err)})
            continue
        corr = np.corrcoef(x, rowvar=False)
        weight = _raw_weights(corr)
        r2 = float(weight.sum())
        low = high = np.full(len(predictors), np.nan)
        if n_boot > 0:
            boot = _bootstrap(x, n_boot, rng)
            low, high = np.nanquantile(boot, [(1 - ci) / 2, (1 + ci) / 2], axis=0)
        frame = pd.DataFrame(
            {
                "predictor": predictors,
                "weight": weight,
                "share": weight / r2 if r2 > 0 else np.nan,
                "ci_low": low,
                "ci_high": high,
                "r": corr[1:, 0],
                "r2": r2,
                "n": n,
                "rank": pd.Series(weight).rank(ascending=False, method="min").astype(int),
            }
        )
        if by is not None:
            frame.insert(1, by, key)
        frames.append(frame)
    columns = DRIVER_COLUMNS if by is None else [DRIVER_COLUMNS[0], by, *DRIVER_COLUMNS[1:]]
    out = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=columns)
    out.attrs["left_out"] = left_out
    return out


ROW_BOOTSTRAP_MAX_N = 5000  # above this, resample random blocks of rows (see _bootstrap)
N_BLOCKS = 500


def _corr_from_moments(count: np.ndarray, total: np.ndarray, cross: np.ndarray) -> np.ndarray:
    """Correlation matrices from counts, sums and cross-products (batched)."""
    mean = total / count[:, None]
    cov = cross / count[:, None, None] - mean[:, :, None] * mean[:, None, :]
    sd = np.sqrt(np.clip(np.einsum("bii->bi", cov), 0, None))
    with np.errstate(invalid="ignore", divide="ignore"):
        return cov / (sd[:, :, None] * sd[:, None, :])


def _bootstrap(x: np.ndarray, n_boot: int, rng: np.random.Generator) -> np.ndarray:
    """Raw weights of ``n_boot`` resamples (NaN where a resample is degenerate).

    Up to :data:`ROW_BOOTSTRAP_MAX_N` rows, rows are resampled. Above, each row is put
    into one of :data:`N_BLOCKS` blocks at random and whole blocks are resampled: every block
    sum is a sum of i.i.d. rows, so the resampled moments have the variance of the row
    bootstrap to first order, at a cost independent of n per resample (the "bucketed"
    bootstrap of Chamandy et al. 2012 for data too large to resample row by row).
    Hand-written: no library resamples sufficient statistics.
    """
    n, q = x.shape
    if n <= ROW_BOOTSTRAP_MAX_N:
        units = x[:, None, :] * x[:, :, None]  # per-row cross-products: (n, q, q)
        sums, rows = x, units
        weights = rng.multinomial(n, np.full(n, 1.0 / n), size=n_boot).astype("float64")
    else:
        block = rng.integers(0, N_BLOCKS, size=n)  # each row into a random block
        counts = np.bincount(block, minlength=N_BLOCKS).astype("float64")
        cols = np.ascontiguousarray(x.T)  # bincount reads a contiguous column 3x faster
        sums = np.stack([np.bincount(block, c, N_BLOCKS) for c in cols], axis=1)
        rows = np.empty((N_BLOCKS, q, q))
        for i in range(q):
            for j in range(i, q):
                rows[:, i, j] = rows[:, j, i] = np.bincount(block, cols[i] * cols[j], N_BLOCKS)
        weights = rng.multinomial(N_BLOCKS, np.full(N_BLOCKS, 1.0 / N_BLOCKS), size=n_boot)
        weights = weights.astype("float64")
    count = weights @ (np.ones(len(sums)) if n <= ROW_BOOTSTRAP_MAX_N else counts)
    total = weights @ sums
    cross = np.einsum("bn,nij->bij", weights, rows)
    corr = _corr_from_moments(count, total, cross)
    out = np.full((n_boot, q - 1), np.nan)
    ok = np.isfinite(corr).all(axis=(1, 2))
    ok[ok] &= np.linalg.matrix_rank(corr[ok][:, 1:, 1:]) == q - 1
    if ok.any():
        out[ok] = _raw_weights(corr[ok])
    return out


def _r2(corr: np.ndarray, subset: tuple[int, ...]) -> float:
    """R² of the outcome (index 0) on the predictors ``subset`` (1-based) from correlations."""
    if not subset:
        return 0.0
    idx = list(subset)
    r = corr[idx, 0]
    return float(r @ np.linalg.solve(corr[np.ix_(idx, idx)], r))


def dominance_analysis(data: pd.DataFrame, *, outcome: str, predictors: list[str]) -> pd.DataFrame:
    """General dominance weights (Budescu 1993) from every subset regression.

    Parameters
    ----------
    data : DataFrame
        One row per respondent; incomplete rows are left out.
    outcome, predictors : str, list of str
        Column names; at most 15 predictors (2^p regressions).

    Returns
    -------
    DataFrame
        ``predictor``, ``general_dominance`` (the predictor's increase in R² averaged
        within each subset size, then across sizes; they add up to R²), ``share``, ``r2``,
        ``rank``.

    Notes
    -----
    Brute force on purpose: it is the definition against which relative weights are
    judged. R² of each subset from the correlation matrix,
    :math:`R^2_S = r_S' R_{SS}^{-1} r_S`. Checked against R's ``lm`` over every subset
    (``tests/reference/drivers.R``) to 1e-10.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> x = rng.normal(size=(200, 3))
    >>> df = pd.DataFrame(x, columns=["a", "b", "c"]).assign(y=x @ [0.7, 0.3, 0.0])
    >>> dominance_analysis(df, outcome="y", predictors=["a", "b", "c"])["rank"].tolist()
    [1, 2, 3]
    """
    predictors = list(predictors)
    p = len(predictors)
    if not 2 <= p <= MAX_DOMINANCE_PREDICTORS:
        raise ValueError(f"dominance analysis needs 2 to {MAX_DOMINANCE_PREDICTORS} predictors")
    x = _complete(data, outcome, predictors)
    _check_predictors(x, predictors)
    corr = np.corrcoef(x, rowvar=False)
    r2_cache: dict[tuple[int, ...], float] = {}

    def r2(subset: tuple[int, ...]) -> float:
        if subset not in r2_cache:
            r2_cache[subset] = _r2(corr, subset)
        return r2_cache[subset]

    general = np.zeros(p)
    for j in range(p):
        others = [k + 1 for k in range(p) if k != j]
        by_size = []
        for size in range(p):
            total = sum(r2(tuple(sorted((*s, j + 1)))) - r2(s) for s in combinations(others, size))
            by_size.append(total / comb(p - 1, size))
        general[j] = np.mean(by_size)
    full = r2(tuple(range(1, p + 1)))
    return pd.DataFrame(
        {
            "predictor": predictors,
            "general_dominance": general,
            "share": general / full if full > 0 else np.nan,
            "r2": full,
            "rank": pd.Series(general).rank(ascending=False, method="min").astype(int),
        }
    )


def _grade_item(instrument: Instrument) -> str | None:
    code = instrument.role("overall_grade")
    return code if code in instrument.column_map else None


def _index_scales(instrument: Instrument) -> tuple[str, ...]:
    members, _ = cooperation_scales(instrument)
    return tuple(s for s in members if s in instrument.scale_map)


def key_drivers(
    responses: pd.DataFrame,
    instrument: Instrument,
    scores: pd.DataFrame,
    *,
    threshold: int = DEFAULT_THRESHOLD,
    n_boot: int = 1000,
    seed: int = 0,
) -> pd.DataFrame:
    """What drives the overall grade and the cooperation index, per department.

    The grade (recoded so that higher is better) is explained by the scales of the
    cooperation index; the index by the scales outside it (power, orientation, knowledge,
    content conflict). Constant-sum and mirror scales are used as they are scored.

    Returns
    -------
    DataFrame
        :func:`relative_weights` rows with ``outcome`` (``overall_grade``,
        ``cooperation``) and ``department``; ``.attrs["left_out"]`` lists outcomes and
        departments that could not be analysed, with the reason.

    Examples
    --------
    >>> from survey import load_instrument
    >>> from survey.synthetic import generate
    >>> from analysis.scoring import score_scales
    >>> ins = load_instrument()
    >>> data = generate(units=8, per_department=25, seed=3).responses
    >>> drivers = key_drivers(data, ins, score_scales(data, ins), n_boot=50)
    >>> sorted(drivers["outcome"].unique())
    ['cooperation', 'overall_grade']
    """
    wide = scores.pivot(index="respondent_id", columns="scale", values="index")
    meta = responses.set_index("respondent_id")[["department"]]
    table = meta.join(wide, how="inner")
    left_out: list[dict] = []
    frames = []
    index_scales = [s for s in _index_scales(instrument) if s in table.columns]
    grade = _grade_item(instrument)
    if grade is None:
        left_out.append({"outcome": "overall_grade", "reason": "the instrument has no grade"})
    elif len(index_scales) >= 2:
        low, high = instrument.value_range(grade)
        g = responses.set_index("respondent_id")[grade].astype("float64")
        g = g.where(g.between(low, high))  # "don't know" and out-of-range codes are missing
        table["overall_grade"] = (low + high) - g.reindex(table.index)
        frames.append(("overall_grade", index_scales))
    coop = cooperation_index(scores, instrument).set_index("respondent_id")["index"]
    table["cooperation"] = coop.reindex(table.index)
    others = [
        s.code for s in instrument.scales if s.code not in index_scales and s.code in table.columns
    ]
    if len(index_scales) >= 2 and len(others) >= 2:
        frames.append(("cooperation", others))
    else:
        left_out.append(
            {"outcome": "cooperation", "reason": "fewer than two scales outside the index"}
        )
    out = []
    for outcome, predictors in frames:
        rw = relative_weights(
            table.reset_index(),
            outcome=outcome,
            predictors=predictors,
            by="department",
            n_boot=n_boot,
            seed=seed,
            threshold=threshold,
        )
        left_out += [{"outcome": outcome, **x} for x in rw.attrs["left_out"]]
        out.append(rw.assign(outcome=outcome))
    result = (
        pd.concat(out, ignore_index=True)
        if out
        else pd.DataFrame(columns=[*DRIVER_COLUMNS, "department", "outcome"])
    )
    cols = ["outcome", "department", *DRIVER_COLUMNS]
    result = result[cols]
    result.attrs["left_out"] = left_out
    return result
