"""Key drivers: each scale's share of the explained variance, per department, with the
bootstrap interval of its weight."""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.axes import Axes

from analysis.charts.theme import FULL_WIDTH, PALETTE, label, new_axes, require

COLUMNS = ["predictor", "department", "weight", "share", "ci_low", "ci_high", "r2"]


def driver_rows(drivers: pd.DataFrame, *, outcome: str | None = None) -> pd.DataFrame:
    """Rows to draw, predictors ordered by their mean share over the departments shown;
    ``ci_low_share``/``ci_high_share`` are the weight's interval on the share scale."""
    require(drivers, COLUMNS, "plot_drivers")
    rows = drivers if outcome is None else drivers[drivers["outcome"] == outcome]
    rows = rows.dropna(subset=["share"]).copy()
    rows["ci_low_share"] = rows["ci_low"] / rows["r2"]
    rows["ci_high_share"] = rows["ci_high"] / rows["r2"]
    order = rows.groupby("predictor")["share"].mean().sort_values(ascending=False).index
    rows["predictor"] = pd.Categorical(rows["predictor"], categories=list(order), ordered=True)
    return rows.sort_values(["predictor", "department"]).reset_index(drop=True)


def plot_drivers(
    drivers: pd.DataFrame,
    *,
    outcome: str | None = None,
    labels: dict[str, str] | None = None,
    lang: str = "en",
    ax: Axes | None = None,
) -> Axes:
    """Horizontal bars: each predictor's share of R² per department, with intervals.

    Parameters
    ----------
    drivers : DataFrame
        Output of :func:`analysis.drivers.key_drivers` (or :func:`relative_weights` with
        ``by="department"``).
    outcome : str, optional
        Which outcome's rows to draw (``overall_grade`` or ``cooperation``).
    labels : dict, optional
        Predictor code -> text for the y axis.

    Examples
    --------
    >>> import pandas as pd
    >>> d = pd.DataFrame({"predictor": ["a", "b"] * 2,
    ...     "department": ["marketing"] * 2 + ["sales"] * 2, "weight": [.3, .1, .2, .2],
    ...     "share": [.75, .25, .5, .5], "ci_low": [.2, .05, .1, .1],
    ...     "ci_high": [.4, .2, .3, .3], "r2": [.4, .4, .4, .4]})
    >>> ax = plot_drivers(d)
    >>> len(ax.patches)
    4
    """
    rows = driver_rows(drivers, outcome=outcome)
    predictors = list(rows["predictor"].cat.categories)
    ax = new_axes(ax, (FULL_WIDTH, 0.35 * len(predictors) + 0.9))
    departments = [d for d in ("marketing", "sales") if d in set(rows["department"])]
    height = 0.8 / max(len(departments), 1)
    for k, dept in enumerate(departments):
        part = rows[rows["department"] == dept].set_index("predictor").reindex(predictors)
        y = np.arange(len(predictors)) + (k - (len(departments) - 1) / 2) * height
        share = part["share"].to_numpy(dtype=float)
        err = np.vstack(
            [
                share - part["ci_low_share"].to_numpy(dtype=float),
                part["ci_high_share"].to_numpy(dtype=float) - share,
            ]
        )
        ax.barh(
            y,
            share * 100,
            height=height,
            color=PALETTE[dept],
            xerr=np.clip(err, 0, None) * 100,
            error_kw={"elinewidth": 0.8, "ecolor": "#333333", "capsize": 2},
            label=label(dept, lang),
        )
    ax.set_yticks(np.arange(len(predictors)))
    ax.set_yticklabels([(labels or {}).get(p, p) for p in predictors])
    ax.invert_yaxis()
    ax.set_xlabel(label("driver_share", lang))
    top = np.nanmax(np.r_[rows["ci_high_share"].to_numpy(dtype=float), rows["share"]]) * 100
    ax.set_xlim(0, min(100.0, float(top) + 5))
    ax.legend(loc="lower center", bbox_to_anchor=(0.5, 1.0), ncol=2, frameon=False)
    return ax
