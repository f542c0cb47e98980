"""Statistical power for marketing-versus-sales comparisons (pingouin's power functions)."""

from __future__ import annotations

import pandas as pd
import pingouin as pg


def detectable_effect(
    n_marketing: int, n_sales: int, *, alpha: float = 0.05, power: float = 0.8
) -> pd.DataFrame:
    """The smallest Cohen d a two-sided t-test detects with the n per department at hand.

    Examples
    --------
    >>> res = detectable_effect(64, 64)
    >>> round(float(res["d"].iloc[0]), 2)
    0.5
    """
    if min(n_marketing, n_sales) < 2:
        raise ValueError("each department needs at least 2 respondents")
    d = pg.power_ttest2n(nx=n_marketing, ny=n_sales, power=power, alpha=alpha)
    return pd.DataFrame(
        {
            "n_marketing": [n_marketing],
            "n_sales": [n_sales],
            "alpha": [alpha],
            "power": [power],
            "d": [float(d)],
        }
    )


def required_n(d: float, *, alpha: float = 0.05, power: float = 0.8) -> pd.DataFrame:
    """Respondents needed per department to detect Cohen d (two-sided, equal groups).

    Examples
    --------
    >>> int(required_n(0.5)["n_per_department"].iloc[0])
    64
    """
    if d <= 0:
        raise ValueError("d must be positive")
    n = pg.power_ttest(d=d, power=power, alpha=alpha)
    return pd.DataFrame(
        {"d": [d], "alpha": [alpha], "power": [power], "n_per_department": [int(-(-n // 1))]}
    )
