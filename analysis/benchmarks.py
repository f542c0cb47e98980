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
BENCHMARK_COLUMNS = [
    *("benchmark", "group", "n", "share", "ci_low", "ci_high", "published", "difference"),
    *("source", "verified"),
]


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
    The instrument's ``roles.benchmarks`` link each published figure to an item role and
    the answers that count: in the shipped instrument the grade benchmark uses marketing
    respondents (the published figure asked marketing heads), obstacles and follow-up use
    everyone. "Don't know" answers count as not answered. Wilson intervals via statsmodels
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

    # Which answers count is the instrument's business (roles.benchmarks): a figure it
    # has no link or item for is left out.
    for bid, link in instrument.roles.benchmarks.items():
        code = instrument.role(link.item)
        if bid not in pub or code is None:
            continue
        group = link.group
        who = np.ones(len(responses), dtype=bool) if group == "all" else department == group
        if link.option is not None:  # a multiple choice item: ticked the option
            cols = instrument.item_columns(code)
            ticked = responses[cols].to_numpy(dtype="float64")
            answered = ~np.isnan(ticked).all(axis=1) & who
            hits = responses[f"{code}_{link.option}"].to_numpy() == 1
        else:
            value = responses[code].to_numpy(dtype="float64")
            answered = ~np.isnan(value) & (value != dk) & who
            hits = np.isin(value, link.codes)
        add(bid, group, hits, answered)
    return pd.DataFrame(rows, columns=BENCHMARK_COLUMNS)
