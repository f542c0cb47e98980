"""Data-quality flags per respondent: reported, never deleted."""

from __future__ import annotations

import numpy as np
import pandas as pd

from survey.instrument import Instrument
from survey.responses import numeric_columns

FLAGS = ("speeder", "straight_liner", "partial", "duplicate")


def quality_flags(
    responses: pd.DataFrame, instrument: Instrument, *, speed_ratio: float = 1 / 3
) -> pd.DataFrame:
    """Flag speeders, straight-liners, partial and duplicate responses.

    Parameters
    ----------
    responses : DataFrame
        The canonical wide table.
    instrument : Instrument
        Its instrument.
    speed_ratio : float
        A speeder took less than this share of the median duration.

    Returns
    -------
    DataFrame
        One row per respondent: ``respondent_id``, ``speeder``, ``straight_liner`` (the
        same answer to every agreement item of a response type, at least five answered),
        ``partial`` (status partial), ``duplicate`` (same answers as an earlier respondent
        on every item column), ``duplicate_of``.

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
    """
    ids = responses["respondent_id"].to_numpy()
    duration = responses["duration_s"].to_numpy(dtype="float64")
    median = np.nanmedian(duration) if np.isfinite(duration).any() else np.nan
    speeder = duration < speed_ratio * median
    straight = np.zeros(len(responses), dtype=bool)
    for rtype in instrument.response_types:
        cols = [
            c
            for c, item in instrument.column_map.items()
            if item.type == rtype and instrument.kind(item) == "agreement"
        ]
        if len(cols) < 5:
            continue
        block = responses[cols].to_numpy(dtype="float64", copy=True)
        block[block == instrument.dont_know.code] = np.nan
        answered = (~np.isnan(block)).sum(axis=1)
        spread = np.nanmax(block, axis=1, initial=-np.inf) - np.nanmin(
            block, axis=1, initial=np.inf
        )
        straight |= (answered >= 5) & (spread == 0)
    items = responses[numeric_columns(instrument)]
    duplicate = items.duplicated(keep="first").to_numpy() & items.notna().any(axis=1).to_numpy()
    first = items.drop_duplicates(keep="first")
    key = pd.util.hash_pandas_object(items, index=False)
    first_id = pd.Series(ids[first.index], index=pd.util.hash_pandas_object(first, index=False))
    duplicate_of = np.where(duplicate, key.map(first_id).to_numpy(), None)
    return pd.DataFrame(
        {
            "respondent_id": ids,
            "speeder": speeder,
            "straight_liner": straight,
            "partial": (responses["status"] == "partial").to_numpy(),
            "duplicate": duplicate,
            "duplicate_of": duplicate_of,
        }
    )
