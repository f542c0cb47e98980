"""Scale scores: reverse keying, a minimum share of answered items, raw means, 0-100 index."""

from __future__ import annotations

import numpy as np
import pandas as pd

from analysis.anonymity import DEFAULT_THRESHOLD, suppression_mask
from survey.instrument import Instrument

SCORE_ID_COLUMNS = ("respondent_id", "department", "business_unit")


def _keyed(
    responses: pd.DataFrame, instrument: Instrument, cols: list[str]
) -> tuple[np.ndarray, np.ndarray]:
    """Item values with "don't know" as NaN and reverse items recoded, and their ranges."""
    keyed = responses[cols].to_numpy(dtype="float64", copy=True)
    keyed[keyed == instrument.dont_know.code] = np.nan
    ranges = np.array([instrument.value_range(c) for c in cols], dtype="float64")
    reverse = np.array([instrument.column_map[c].reverse for c in cols])
    keyed[:, reverse] = ranges[reverse, 0] + ranges[reverse, 1] - keyed[:, reverse]
    return keyed, ranges


def keyed_items(responses: pd.DataFrame, instrument: Instrument, scale: str) -> pd.DataFrame:
    """The scale's item columns with "don't know" as NaN and reverse items recoded.

    Reverse keying is ``min + max - x`` with the item's own range.

    Examples
    --------
    >>> from survey import load_instrument
    >>> from survey.responses import empty_wide
    >>> ins = load_instrument()
    >>> wide = empty_wide(ins, 1)
    >>> scale = ins.role_scale("lead_management")
    >>> plain, reverse = [next(c for c in ins.scale_columns(scale)
    ...                        if ins.item(c).reverse is r) for r in (False, True)]
    >>> wide[[plain, reverse]] = [6.0, 2.0]
    >>> keyed_items(wide, ins, scale)[[plain, reverse]].iloc[0].tolist()
    [6.0, 6.0]
    """
    cols = instrument.scale_columns(scale)
    keyed, _ = _keyed(responses, instrument, cols)
    return pd.DataFrame(keyed, columns=cols, index=responses.index, copy=False)  # fresh array


def score_scales(
    responses: pd.DataFrame,
    instrument: Instrument,
    *,
    min_answered: float = 0.5,
    scales: list[str] | None = None,
) -> pd.DataFrame:
    """Score every scale for every respondent.

    Parameters
    ----------
    responses : DataFrame
        The canonical wide table (see :mod:`survey.responses`).
    instrument : Instrument
        The instrument the table follows.
    min_answered : float
        Share of a scale's items a respondent must have answered (not missing, not
        "don't know") for a score; below it the score is NaN.
    scales : list of str, optional
        Scale codes; default all.

    Returns
    -------
    DataFrame
        Tidy, one row per respondent and scale (id columns categorical):
        ``respondent_id, department, business_unit, scale, dimension, mean`` (raw mean
        of the keyed items on their own response range), ``index`` (percent of maximum
        possible, 0-100), ``n_answered``, ``n_items``.

    Notes
    -----
    The index is the POMP score (Cohen, Cohen, Aiken & West 1999): each keyed item is put on
    0-100 by ``(x - min) / (max - min) * 100`` and the scale index is their mean, so items
    with different ranges can share a scale. Checked by hand on small tables (tests) and
    against the planted unit levels of the synthetic diagnostic.

    Examples
    --------
    >>> from survey import load_instrument
    >>> from survey.responses import empty_wide
    >>> ins = load_instrument()
    >>> wide = empty_wide(ins, 1)
    >>> wide[["respondent_id", "department", "business_unit"]] = ["r1", "sales", "north"]
    >>> scale = ins.role_scale("lead_management")
    >>> cols = ins.scale_columns(scale)  # on 1-7; the last one is reverse-keyed
    >>> wide[cols] = [7.0, 4.0, 4.0, 1.0]
    >>> scores = score_scales(wide, ins, scales=[scale])
    >>> scores[["mean", "index", "n_answered"]].to_numpy().tolist()
    [[5.5, 75.0, 4.0]]
    """
    if not 0 < min_answered <= 1:
        raise ValueError(f"min_answered must be in (0, 1], got {min_answered}")
    missing = [c for c in SCORE_ID_COLUMNS if c not in responses.columns]
    if missing:
        raise ValueError(f"responses lack column(s) {missing}")
    codes = scales if scales is not None else [s.code for s in instrument.scales]
    unknown = [c for c in codes if c not in instrument.scale_map]
    if unknown:
        raise ValueError(f"unknown scale(s) {unknown}")
    n, k = len(responses), len(codes)
    mean, index = np.empty(k * n), np.empty(k * n)
    answered = np.empty(k * n, dtype=np.int64)
    # Work arrays shared by all scales: new ones per scale would fault in fresh memory
    # pages every time (np.zeros gets them straight from the system).
    most = max((len(instrument.scale_columns(c)) for c in codes), default=0)
    work = (np.empty(n), np.empty(n), np.empty(n, dtype=np.int8 if most < 128 else np.int32))
    for j, code in enumerate(codes):
        part = slice(j * n, (j + 1) * n)
        cols = instrument.scale_columns(code)
        _scale_score(responses, instrument, cols, min_answered, work)
        _scale_means(work, len(cols), min_answered, mean[part], index[part], answered[part])
    # One frame for all scales at once, from arrays filled in place (copy=False keeps
    # pandas from copying them again): per-scale frames would copy the ids every time. Ids
    # repeat once per scale: categorical columns with small integer codes keep that cheap.
    small = np.int8 if k < 128 else np.int32
    dims = [instrument.scale_map[c].dimension for c in codes]
    dim_names, dim_codes = np.unique(dims, return_inverse=True)
    columns = {c: _tiled_categorical(responses[c], k) for c in SCORE_ID_COLUMNS}
    columns["scale"] = pd.Categorical.from_codes(np.repeat(np.arange(k, dtype=small), n), codes)
    columns["dimension"] = pd.Categorical.from_codes(
        np.repeat(dim_codes.astype(small), n), pd.Index(dim_names.tolist())
    )
    columns["mean"] = mean
    columns["index"] = index
    columns["n_answered"] = answered
    columns["n_items"] = np.repeat([len(instrument.scale_columns(c)) for c in codes], n)
    return pd.DataFrame(columns, copy=False)


def _tiled_categorical(column: pd.Series, times: int) -> pd.Categorical:
    """The column repeated ``times`` over as a categorical (categories in order of
    appearance)."""
    codes, categories = pd.factorize(column, use_na_sentinel=False)
    codes = codes.astype(np.int32 if len(categories) < 2**31 - 1 else np.int64)
    return pd.Categorical.from_codes(np.tile(codes, times), categories)


def _scale_score(
    responses: pd.DataFrame,
    instrument: Instrument,
    cols: list[str],
    min_answered: float,
    work: tuple[np.ndarray, np.ndarray, np.ndarray],
) -> None:
    """Sum of the keyed items, of their POMP values and the number answered of one scale,
    for every respondent, into ``work`` (total, POMP total, count).

    Summed item by item: row means over a respondents x items copy would cost a copy of
    the items and a slow reduction over a short axis. Sums of integer codes are exact in
    any order, so the raw means equal the NaN-aware row means; POMP values are added in
    the same order as before.
    """
    total, pomp_total, count = work
    total.fill(0.0)
    pomp_total.fill(0.0)
    count.fill(0)
    lows = {instrument.value_range(col)[0] for col in cols}
    for col in cols:
        low, high = instrument.value_range(col)
        x = responses[col].to_numpy(dtype="float64")
        ok = x != instrument.dont_know.code
        ok &= x == x  # NaN != NaN
        # Unanswered cells are keyed to `low`: their POMP value is exactly 0, so plain
        # additions replace NaN-aware sums; `total` gets the lows taken out again below.
        if instrument.column_map[col].reverse:
            keyed = np.where(ok, x, high)
            np.subtract(low + high, keyed, out=keyed)
        else:
            keyed = np.where(ok, x, low)
        total += keyed
        if len(lows) > 1:
            np.subtract(total, low, out=total, where=~ok)
        # In place, the same arithmetic as (keyed - low) / (high - low) * 100.
        np.subtract(keyed, low, out=keyed)
        np.divide(keyed, high - low, out=keyed)
        np.multiply(keyed, 100.0, out=keyed)
        pomp_total += keyed
        count += ok
    if len(lows) == 1 and lows != {0}:
        total -= lows.pop() * (len(cols) - count.astype(np.int64))


def _scale_means(
    work: tuple[np.ndarray, np.ndarray, np.ndarray],
    n_items: int,
    min_answered: float,
    mean: np.ndarray,
    index: np.ndarray,
    answered: np.ndarray,
) -> None:
    """Raw mean and POMP index from :func:`_scale_score`'s sums, NaN below the minimum
    share answered, into the given arrays."""
    total, pomp_total, count = work
    np.copyto(answered, count)
    scored = answered >= min_answered * n_items
    scored &= answered > 0
    divisor = np.maximum(answered, 1)
    np.divide(total, divisor, out=mean)
    np.divide(pomp_total, divisor, out=index)
    mean[~scored] = np.nan
    index[~scored] = np.nan


def scores_wide(scores: pd.DataFrame, value: str = "index") -> pd.DataFrame:
    """Scores as one column per scale (rows: respondents), e.g. for reliability or charts."""
    return scores.pivot(index="respondent_id", columns="scale", values=value)


def cooperation_scales(instrument: Instrument | None = None) -> tuple[tuple[str, ...], set[str]]:
    """The scales of the overall cooperation index and those of them counted inverted, as
    the instrument's roles ``cooperation_index`` and ``cooperation_inverted`` say
    (default: the shipped instrument)."""
    if instrument is None:
        from survey.instrument import load_instrument

        instrument = load_instrument()
    return (
        instrument.role_scales("cooperation_index"),
        set(instrument.role_scales("cooperation_inverted")),
    )


def cooperation_index(scores: pd.DataFrame, instrument: Instrument | None = None) -> pd.DataFrame:
    """Each respondent's overall cooperation index (0-100).

    The mean of the indices of the instrument's ``cooperation_index`` scales, those in
    ``cooperation_inverted`` (personal conflict) as 100 - index; respondents need at least
    half of these scales scored. An instrument without the role gives no rows.

    Examples
    --------
    >>> import pandas as pd
    >>> from survey import load_instrument
    >>> ins = load_instrument()
    >>> goals, conflict = ins.role_scale("shared_goals"), ins.role_scale("personal_conflict")
    >>> s = pd.DataFrame({"respondent_id": "r1", "department": "sales",
    ...                   "business_unit": "u", "scale": [goals, conflict],
    ...                   "index": [60.0, 20.0]})
    >>> cooperation_index(s, ins)["index"].tolist()
    [70.0]
    """
    members, inverted_scales = cooperation_scales(instrument)
    part = scores[scores["scale"].isin(members)].copy()
    inverted = part["scale"].isin(inverted_scales)
    part.loc[inverted, "index"] = 100.0 - part.loc[inverted, "index"]
    keys = ["respondent_id", "department", "business_unit"]
    agg = part.groupby(keys, sort=False, observed=True)["index"].agg(["mean", "count"])
    agg = agg.reset_index()
    enough = agg["count"] >= max(1, part["scale"].nunique() / 2)
    agg["index"] = agg["mean"].where(enough)
    return agg[[*keys, "index"]]


def scale_summary(
    scores: pd.DataFrame,
    *,
    by: str = "department",
    threshold: int = DEFAULT_THRESHOLD,
    ci: float = 0.95,
    instrument: Instrument | None = None,
) -> pd.DataFrame:
    """Mean 0-100 index of every scale (and ``cooperation``) for everyone and per group.

    ``instrument`` says which scales form the cooperation index (default: the shipped
    instrument's roles).

    Returns
    -------
    DataFrame
        ``scale``, ``group`` (``all`` or a group of ``by``), ``n``, ``mean``, ``sd``,
        ``ci_low``, ``ci_high`` (t interval). Groups below ``threshold`` are left out,
        and so are groups that ``all`` minus the shown groups would reveal (see
        :func:`analysis.anonymity.suppression_mask`).

    Examples
    --------
    >>> import pandas as pd
    >>> s = pd.DataFrame({"respondent_id": list("abcdef"), "department": ["sales"] * 6,
    ...                   "business_unit": "u", "scale": "shared_goals",
    ...                   "index": [50.0, 60, 70, 50, 60, 70]})
    >>> scale_summary(s).query("scale == 'shared_goals'")["mean"].tolist()
    [60.0, 60.0]
    """
    from scipy import stats

    coop = cooperation_index(scores, instrument).assign(scale="cooperation")
    data = pd.concat([scores[["scale", by, "index"]], coop[["scale", by, "index"]]])
    data = data.dropna(subset=["index"])
    both = pd.concat([data.assign(group="all"), data.assign(group=data[by].astype(str))])
    out = (
        both.groupby(["scale", "group"], sort=False)["index"]
        .agg(n="count", mean="mean", sd="std")
        .reset_index()
    )
    hidden = out["n"] < threshold
    for _, part in out[out["group"] != "all"].groupby("scale", sort=False):
        hidden[part.index] = suppression_mask(part.set_index("group")["n"], threshold).to_numpy()
    out = out[~hidden].reset_index(drop=True)
    with np.errstate(invalid="ignore", divide="ignore"):
        half = stats.t.ppf(0.5 + ci / 2, out["n"] - 1) * out["sd"] / np.sqrt(out["n"])
    out["ci_low"] = out["mean"] - half
    out["ci_high"] = out["mean"] + half
    return out
