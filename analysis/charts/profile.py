"""Profiles of units or departments on the five dimensions."""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.axes import Axes

from analysis.charts.theme import PALETTE, label, new_axes, require
from survey.prototypes import DIMENSIONS


def plot_profiles(
    profiles: pd.DataFrame,
    *,
    hue: str = "department",
    units: list[str] | None = None,
    dimension_labels: dict[str, str] | None = None,
    lang: str = "en",
    ax: Axes | None = None,
) -> Axes:
    """Lines over the five dimensions (0-100) with CI bands, one per ``hue`` level.

    Parameters
    ----------
    profiles : DataFrame
        :func:`analysis.profiles.unit_profiles` (``business_unit, department, dimension,
        mean, ci_low, ci_high``) or any table with those columns.
    hue : {"department", "business_unit"}
        Draw departments (averaged over the chosen units' rows) or units.

    Examples
    --------
    >>> import pandas as pd
    >>> rows = [{"business_unit": "u1", "department": d, "dimension": dim, "mean": m,
    ...          "ci_low": m - 5, "ci_high": m + 5}
    ...         for d, m in (("marketing", 60.0), ("sales", 40.0))
    ...         for dim in ("information", "structure", "power", "orientation", "knowledge")]
    >>> ax = plot_profiles(pd.DataFrame(rows))
    >>> [float(v) for v in ax.lines[1].get_ydata()]
    [40.0, 40.0, 40.0, 40.0, 40.0]
    """
    require(
        profiles,
        ["business_unit", "department", "dimension", "mean", "ci_low", "ci_high"],
        "plot_profiles",
    )
    data = profiles if units is None else profiles[profiles["business_unit"].isin(units)]
    if hue == "department":
        data = data[data["department"] != "all"]
    ax = new_axes(ax, (6.0, 3.2))
    x = np.arange(len(DIMENSIONS))
    for name, part in data.groupby(hue, sort=True):
        part = part.groupby("dimension")[["mean", "ci_low", "ci_high"]].mean().reindex(DIMENSIONS)
        colour = PALETTE.get(name)
        ax.plot(
            x,
            part["mean"],
            marker="o",
            color=colour,
            label=label(name, lang) if hue == "department" else name,
        )
        ax.fill_between(x, part["ci_low"], part["ci_high"], color=colour, alpha=0.15)
    names = dimension_labels or {}
    ax.set_xticks(x)
    ax.set_xticklabels([names.get(d, d) for d in DIMENSIONS], fontsize=8)
    ax.set_ylim(0, 100)
    ax.set_ylabel(label("index", lang))
    ax.set_title(label("profile_title", lang))
    ax.legend(fontsize=7)
    return ax
