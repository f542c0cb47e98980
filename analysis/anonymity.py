"""Anonymity: which groups may be shown. Small groups are suppressed, and so are groups
whose figures could be recovered by subtracting the shown groups from a shown total."""

from __future__ import annotations

import pandas as pd

from survey.project import DEFAULT_THRESHOLD  # one default for the survey and the analysis


def suppression_mask(counts: pd.Series, threshold: int = DEFAULT_THRESHOLD) -> pd.Series:
    """True for every group that must not be shown.

    Groups below ``threshold`` are suppressed. If the suppressed groups together would be
    recoverable from a total (fewer than two of them, or fewer than ``threshold``
    respondents together), the smallest shown groups are suppressed too until they are not.

    Examples
    --------
    >>> import pandas as pd
    >>> counts = pd.Series({"north": 12, "south": 3, "east": 8, "west": 20})
    >>> suppression_mask(counts).to_dict()
    {'north': False, 'south': True, 'east': True, 'west': False}
    >>> suppression_mask(pd.Series({"a": 9, "b": 7})).any()
    np.False_
    """
    if threshold < 1:
        raise ValueError("threshold must be at least 1")
    mask = counts < threshold
    if not mask.any():
        return mask
    order = counts[~mask].sort_values(kind="stable").index.tolist()
    while order and (mask.sum() < 2 or counts[mask].sum() < threshold):
        mask[order.pop(0)] = True
    return mask


def suppressed_groups(counts: pd.Series, threshold: int = DEFAULT_THRESHOLD) -> list[str]:
    """Names of the suppressed groups (see :func:`suppression_mask`)."""
    mask = suppression_mask(counts, threshold)
    return [str(g) for g in counts.index[mask]]


def masked_counts(counts: pd.Series, threshold: int = DEFAULT_THRESHOLD) -> pd.Series:
    """Counts with every value from 1 to ``threshold - 1`` shown as ``"<threshold"``: for
    counts of flagged or quarantined respondents, which leave a notebook only this way.

    Examples
    --------
    >>> import pandas as pd
    >>> masked_counts(pd.Series({"speeder": 0, "straight_liner": 2, "partial": 9})).to_dict()
    {'speeder': 0, 'straight_liner': '<5', 'partial': 9}
    """
    if threshold < 1:
        raise ValueError("threshold must be at least 1")
    out = counts.astype(int).astype(object)
    out[(counts > 0) & (counts < threshold)] = f"<{threshold}"
    return out
