"""Data-quality flags per respondent: reported, never deleted."""

from __future__ import annotations

import numpy as np
import pandas as pd

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
