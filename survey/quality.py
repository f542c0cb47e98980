"""Data-quality flags per respondent: reported, never deleted."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
from scipy import stats

from survey.instrument import Instrument
from survey.responses import numeric_columns

FLAGS = ("speeder", "straight_liner", "partial", "duplicate", "out_of_range")
MIN_BLOCK_ITEMS = 4  # blocks shorter than this are too easily uniform by honest answers
BLOCK_KINDS = {"agreement", "frequency", "timeband", "yes_no", "grade"}
MIN_BLOCKS = 3  # judge straight-lining only over at least this many answered blocks


def quality_flags(
    responses: pd.DataFrame,
    instrument: Instrument,
    *,
    speed_ratio: float = 1 / 3,
    straight_share: float = 0.5,
) -> pd.DataFrame:
    """Flag speeders, straight-liners, partial, duplicate and out-of-range responses.

    Parameters
    ----------
    responses : DataFrame
        The canonical wide table (validated or not: out-of-range codes are counted).
    instrument : Instrument
        Its instrument.
    speed_ratio : float
        A speeder took less than this share of the median duration.
    straight_share : float
        A straight-liner gave one and the same answer throughout at least this share of
        the item blocks (matrices of at least four items, four of them answered) that
        they answered (at least three).

    Returns
    -------
    DataFrame
        One row per respondent: ``respondent_id``, ``speeder``, ``straight_liner``,
        ``straight_blocks`` (blocks answered uniformly), ``partial`` (status partial),
        ``duplicate`` (the same respondent_id, i.e. token, as an earlier row, or the same
        answers on every item column), ``duplicate_of`` (that row's respondent_id),
        ``out_of_range`` (number of answers no option or range allows).

    Notes
    -----
    "Don't know" answers are left out of the straight-lining check. Flags are evidence
    for a reader to weigh, not grounds to delete: nothing is removed here.

    Examples
    --------
    >>> from survey import load_instrument
    >>> from survey.synthetic import generate
    >>> ins = load_instrument()
    >>> diag = generate(units=4, per_department=15, seed=2, scenario="messy")
    >>> flags = quality_flags(diag.responses, ins)
    >>> set(diag.truth["data_quality"]["speeders"]) <= set(
    ...     flags.loc[flags["speeder"], "respondent_id"])
    True
    >>> set(diag.truth["data_quality"]["straight_liners"]) <= set(
    ...     flags.loc[flags["straight_liner"], "respondent_id"])
    True
    """
    n = len(responses)
    ids = responses["respondent_id"].to_numpy()
    duration = responses["duration_s"].to_numpy(dtype="float64")
    median = np.nanmedian(duration) if np.isfinite(duration).any() else np.nan
    speeder = duration < speed_ratio * median
    dk = instrument.dont_know.code
    uniform = np.zeros(n, dtype=int)
    eligible = np.zeros(n, dtype=int)
    for block in item_blocks(instrument):
        if len(block) < MIN_BLOCK_ITEMS:
            continue
        values = responses[block].to_numpy(dtype="float64", copy=True)
        values[values == dk] = np.nan
        answered = (~np.isnan(values)).sum(axis=1) >= MIN_BLOCK_ITEMS
        spread = np.nanmax(values, axis=1, initial=-np.inf) - np.nanmin(
            values, axis=1, initial=np.inf
        )
        eligible += answered
        uniform += answered & (spread == 0)
    share = np.divide(uniform, eligible, out=np.zeros(n), where=eligible > 0)
    straight = (eligible >= MIN_BLOCKS) & (share >= straight_share)

    items = responses[numeric_columns(instrument)]
    same_answers = items.duplicated(keep="first").to_numpy() & items.notna().any(axis=1).to_numpy()
    key = pd.util.hash_pandas_object(items, index=False).to_numpy()
    first_by_key = pd.Series(ids, index=key).groupby(level=0).first()
    same_id = responses["respondent_id"].duplicated(keep="first").to_numpy()
    duplicate = same_answers | same_id
    duplicate_of = np.where(
        same_id, ids, np.where(same_answers, first_by_key.reindex(key).to_numpy(), None)
    )
    return pd.DataFrame(
        {
            "respondent_id": ids,
            "speeder": speeder,
            "straight_liner": straight,
            "straight_blocks": uniform,
            "partial": (responses["status"] == "partial").to_numpy(),
            "duplicate": duplicate,
            "duplicate_of": duplicate_of,
            "out_of_range": _out_of_range(responses, instrument),
        }
    )


def item_blocks(instrument: Instrument) -> list[list[str]]:
    """Runs of consecutive items that share a dimension and an option scale: the blocks a
    questionnaire shows as one matrix, where straight-lining happens.

    Examples
    --------
    >>> from survey import load_instrument
    >>> [b for b in item_blocks(load_instrument()) if "INF_TIMELY" in b]
    [['INF_TIMELY', 'INF_USEFUL', 'INF_CUSTOMER_FEEDBACK', 'INF_COMPETITOR_NEWS']]
    """
    out: list[list[str]] = []
    prev = None
    for item in instrument.items:
        if instrument.kind(item) not in BLOCK_KINDS:
            prev = None
            continue
        if prev is not None and (prev.type, prev.dimension, prev.dont_know) == (
            item.type,
            item.dimension,
            item.dont_know,
        ):
            out[-1].append(item.code)
        else:
            out.append([item.code])
        prev = item
    return out


def _out_of_range(responses: pd.DataFrame, instrument: Instrument) -> np.ndarray:
    """Per row, how many answers fall outside the item's options or range."""
    count = np.zeros(len(responses), dtype=int)
    dk = float(instrument.dont_know.code)
    for col, item in instrument.column_map.items():
        kind = instrument.kind(item)
        if kind == "text":
            continue
        x = responses[col].to_numpy(dtype="float64")
        if kind == "multiple":
            ok = np.isin(x, [0.0, 1.0])
        elif kind in {"percent", "constant_sum"}:
            low, high = instrument.value_range(item)
            ok = (x >= low) & (x <= high)
        else:
            ok = np.isin(x, [float(o.code) for o in instrument.options(item)])
        if item.dont_know:
            ok |= x == dk
        count += ~ok & ~np.isnan(x)
    return count


# Careless responding: one place for the cut-offs, so the flags, the notebooks and the
# brief's sensitivity line agree. References in :func:`careless_indices`.
CARELESS_THRESHOLDS = {
    "longstring_share": 0.5,  # longest run of one answer covers half the rating items or more
    "irv_max": 0.5,  # SD of a person's ratings below half a scale point
    "mahalanobis_confidence": 0.999,  # D² above the chi-square quantile (df = items)
    "evenodd_min": -0.3,  # even-odd score above -0.3: halves consistent below r = .30
    "min_indices": 2,  # careless = flagged by at least this many of the four indices
}
RATING_KINDS = {"agreement", "bipolar"}


def _rating_items(instrument: Instrument) -> list[str]:
    return [i.code for i in instrument.items if instrument.kind(i) in RATING_KINDS]


def _keyed_rating(responses: pd.DataFrame, instrument: Instrument, codes: list[str]) -> np.ndarray:
    """Rating answers with "don't know" as NaN and reverse items recoded (min + max - x)."""
    x = responses[codes].to_numpy(dtype="float64", copy=True)
    x[x == instrument.dont_know.code] = np.nan
    for j, code in enumerate(codes):
        if instrument.item(code).reverse:
            low, high = instrument.value_range(code)
            x[:, j] = low + high - x[:, j]
    return x


def longstring(x: np.ndarray) -> np.ndarray:
    """Longest run of identical consecutive answers per row, skipping missing answers.

    On complete rows this is ``careless::longstring``; a missing answer neither breaks
    nor extends a run (careless counts it as a break).
    """
    out = np.zeros(len(x), dtype=np.int64)
    for i, row in enumerate(x):
        row = row[~np.isnan(row)]
        if len(row) == 0:
            continue
        breaks = np.flatnonzero(np.diff(row) != 0)
        edges = np.concatenate([[-1], breaks, [len(row) - 1]])
        out[i] = int(np.diff(edges).max())
    return out


def irv(x: np.ndarray) -> np.ndarray:
    """Intra-individual response variability: the SD (ddof=1) of each row's answers, as
    ``careless::irv`` (Dunn et al. 2018); missing answers are left out."""
    with np.errstate(invalid="ignore", divide="ignore"):
        n = (~np.isnan(x)).sum(axis=1)
        sd = np.nanstd(x, axis=1, ddof=1) if x.shape[1] else np.full(len(x), np.nan)
    return np.where(n >= 2, sd, np.nan)


def mahalanobis(x: np.ndarray) -> np.ndarray:
    """Squared Mahalanobis distance of each row, as ``psych::outlier`` (which
    ``careless::mahad`` calls): pairwise covariances, missing answers contribute nothing."""
    centred = x - np.nanmean(x, axis=0)
    cov = pd.DataFrame(x).cov().to_numpy()  # pairwise complete, as cov(use = "pairwise")
    inv = np.linalg.pinv(cov)
    filled = np.nan_to_num(centred)
    d2 = np.einsum("ij,jk,ik->i", filled, inv, filled)
    return np.where(np.isnan(x).all(axis=1), np.nan, d2)


def evenodd(x: np.ndarray, factors: list[int]) -> np.ndarray:
    """Even-odd consistency, negated so that higher means more careless (``careless::evenodd``
    from version 1.2): per person the correlation of the even and the odd half-means over
    the scales, Spearman-Brown corrected, floored at -1 (Johnson 2005)."""
    halves = []
    start = 0
    for k in factors:
        block = x[:, start : start + k]
        start += k
        with np.errstate(invalid="ignore"), warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            # careless numbers items from 1: items 2, 4, ... are "even"
            halves.append((np.nanmean(block[:, 1::2], axis=1), np.nanmean(block[:, 0::2], axis=1)))
    even = np.column_stack([h[0] for h in halves])
    odd = np.column_stack([h[1] for h in halves])
    out = np.full(len(x), np.nan)
    for i in range(len(x)):
        ok = ~np.isnan(even[i]) & ~np.isnan(odd[i])
        if ok.sum() < 3:
            continue  # a correlation over fewer than three scales says nothing
        e, o = even[i, ok], odd[i, ok]
        if e.std() == 0 or o.std() == 0:
            continue
        r = np.corrcoef(e, o)[0, 1]
        sb = 2 * r / (1 + r) if r != -1 else -1.0
        out[i] = -max(sb, -1.0)
    return out


def careless_indices(responses: pd.DataFrame, instrument: Instrument) -> pd.DataFrame:
    """Careless-responding indices and flags per respondent.

    Parameters
    ----------
    responses : DataFrame
        The canonical wide table.
    instrument : Instrument
        Its instrument; the indices use its rating items (agreement and bipolar kinds), in
        questionnaire order, "don't know" as missing, reverse items recoded for even-odd.

    Returns
    -------
    DataFrame
        ``respondent_id``; ``longstring`` (longest run of one answer), ``irv`` (SD of the
        ratings), ``mahalanobis`` (squared distance), ``evenodd`` (negated consistency:
        higher = less consistent); ``n_rated``; a boolean flag per index
        (``longstring_flag``, ``irv_flag``, ``mahalanobis_flag``, ``evenodd_flag``) by
        :data:`CARELESS_THRESHOLDS`, and ``careless`` (at least ``min_indices`` flags).

    Notes
    -----
    Definitions as R's careless package (Yentes & Wilhelm): ``longstring``, ``irv``,
    ``mahad`` (``psych::outlier``) and ``evenodd`` with the instrument's scales as the
    factors. Thresholds: longstring over half the rated items (Johnson 2005 used runs
    against scale length); IRV below 0.5 (Dunn et al. 2018 flag the lowest IRVs); D² beyond
    the 99.9% chi-square quantile with df = items (Meade & Craig 2012); even-odd
    consistency below .30 (Johnson 2005). Flags are evidence, not grounds to delete.
    Checked against R (``tests/reference/careless.R``: ``psych::outlier``, ``sd``, ``rle``
    and the even-odd definition) to 1e-10 on complete rows.

    Examples
    --------
    >>> from survey import load_instrument
    >>> from survey.synthetic import generate
    >>> ins = load_instrument()
    >>> diag = generate(units=4, per_department=15, seed=2, scenario="messy")
    >>> ci = careless_indices(diag.responses, ins).set_index("respondent_id")
    >>> bool(ci.loc[diag.truth["data_quality"]["straight_liners"], "longstring"].min()
    ...      > ci["longstring"].median())
    True
    """
    codes = _rating_items(instrument)
    x = _keyed_rating(responses, instrument, codes)
    raw = responses[codes].to_numpy(dtype="float64", copy=True)
    raw[raw == instrument.dont_know.code] = np.nan
    factors, order = [], []
    for scale in instrument.scales:
        if scale.part:
            continue  # constant sums: points, not ratings
        members = [c for c in scale.items if c in codes]
        if len(members) >= 2:
            factors.append(len(members))
            order += [codes.index(c) for c in members]
    t = CARELESS_THRESHOLDS
    n_rated = (~np.isnan(raw)).sum(axis=1)
    ls = longstring(raw)
    variability = irv(raw)
    d2 = (
        mahalanobis(raw) if len(codes) >= 2 and len(raw) > len(codes) else np.full(len(raw), np.nan)
    )
    eo = evenodd(x[:, order], factors) if len(factors) >= 3 else np.full(len(raw), np.nan)
    cut = stats.chi2.ppf(t["mahalanobis_confidence"], max(len(codes), 1))
    out = pd.DataFrame(
        {
            "respondent_id": responses["respondent_id"].to_numpy(),
            "longstring": ls,
            "irv": variability,
            "mahalanobis": d2,
            "evenodd": eo,
            "n_rated": n_rated,
            "longstring_flag": (n_rated >= MIN_BLOCK_ITEMS)
            & (ls >= t["longstring_share"] * len(codes)),
            "irv_flag": variability < t["irv_max"],
            "mahalanobis_flag": d2 > cut,
            "evenodd_flag": eo > t["evenodd_min"],
        }
    )
    flags = ["longstring_flag", "irv_flag", "mahalanobis_flag", "evenodd_flag"]
    out["careless"] = out[flags].sum(axis=1) >= t["min_indices"]
    return out
