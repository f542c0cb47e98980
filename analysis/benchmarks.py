"""The diagnostic's figures beside published ones, with Wilson confidence intervals."""

from __future__ import annotations

from functools import cache
from importlib import resources
from pathlib import Path

import numpy as np
import pandas as pd
import yaml
from statsmodels.stats.proportion import proportion_confint

from analysis.anonymity import DEFAULT_THRESHOLD, suppression_mask
from survey.instrument import Instrument

BENCHMARK_FILE = Path(str(resources.files("analysis") / "data" / "benchmarks.yaml"))
OBSTACLE_OPTIONS = {"obstacle_communication": 1, "obstacle_processes": 2, "obstacle_metrics": 3}
FOLLOW_UP_CODES = {  # LEA_FOLLOWUP_TIME codes per HBR 2011 band
    "follow_up_within_1h": (1, 2),
    "follow_up_1_to_24h": (3,),
    "follow_up_later": (4, 5),
    "follow_up_never": (6,),
}


@cache
def published() -> dict[str, dict]:
    raw = yaml.safe_load(BENCHMARK_FILE.read_text(encoding="utf-8"))["benchmarks"]
    return {b["id"]: b for b in raw}


def _share(hits: np.ndarray, answered: np.ndarray, ci: float) -> tuple[int, float, float, float]:
    n = int(answered.sum())
    k = int((hits & answered).sum())
    if n == 0:
        return 0, np.nan, np.nan, np.nan
    low, high = proportion_confint(k, n, alpha=1 - ci, method="wilson")
    return n, k / n, float(low), float(high)


def compare_benchmarks(
    responses: pd.DataFrame,
    instrument: Instrument,
    *,
    ci: float = 0.95,
    threshold: int = DEFAULT_THRESHOLD,
) -> pd.DataFrame:
    """Shares in this diagnostic next to the published figures.

    Returns
    -------
    DataFrame
        One row per benchmark: ``benchmark``, ``group`` (who answered), ``n``, ``share``,
        ``ci_low``, ``ci_high`` (Wilson), ``published``, ``difference`` (share - published),
        ``source``, ``verified``. Rows with fewer than ``threshold`` answers get NaN
        figures and n, and so do rows pooling a department that is hidden
        (:func:`analysis.anonymity.suppression_mask`): the pooled row minus the other
        department's shown figures (e.g. :func:`analysis.distributions.category_shares`)
        would reveal it.

    Notes
    -----
    The grade benchmark uses marketing respondents (the published figure asked marketing
    heads); obstacles and follow-up use everyone. Wilson intervals via statsmodels
    ``proportion_confint``. The published studies asked other firms other questions: the
    comparison orients, it does not test.

    Examples
    --------
    >>> from survey import load_instrument
    >>> from survey.synthetic import generate
    >>> ins = load_instrument()
    >>> data = generate(units=4, per_department=10, seed=2).responses
    >>> table = compare_benchmarks(data, ins)
    >>> table["benchmark"].tolist()[:2]
    ['grade_4_to_6_marketing', 'obstacle_communication']
    """
    dk = instrument.dont_know.code
    pub = published()
    rows = []

    department = responses["department"].to_numpy()

    def add(bid: str, group: str, hits: np.ndarray, answered: np.ndarray) -> None:
        n, share, low, high = _share(hits, answered, ci)
        per_department = pd.Series(department[answered]).value_counts()
        if n < threshold or suppression_mask(per_department, threshold).any():
            n, share, low, high = np.nan, np.nan, np.nan, np.nan
        rows.append(
            {
                "benchmark": bid,
                "group": group,
                "n": n,
                "share": share,
                "ci_low": low,
                "ci_high": high,
                "published": pub[bid]["value"],
                "difference": share - pub[bid]["value"],
                "source": pub[bid]["source"],
                "verified": pub[bid]["verified"],
            }
        )

    marketing = department == "marketing"
    grade = responses["OUT_GRADE"].to_numpy(dtype="float64")
    add("grade_4_to_6_marketing", "marketing", grade >= 4, marketing & ~np.isnan(grade))
    first = responses[instrument.item_columns("OBS_MAIN")].to_numpy(dtype="float64")
    answered = ~np.isnan(first).all(axis=1)
    for bid, option in OBSTACLE_OPTIONS.items():
        add(bid, "all", responses[f"OBS_MAIN_{option}"].to_numpy() == 1, answered)
    time = responses["LEA_FOLLOWUP_TIME"].to_numpy(dtype="float64")
    known = ~np.isnan(time) & (time != dk)
    for bid, codes in FOLLOW_UP_CODES.items():
        add(bid, "all", np.isin(time, codes), known)
    return pd.DataFrame(rows)
