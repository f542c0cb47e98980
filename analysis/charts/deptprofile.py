"""A compact profile of both departments: each one's index on every scale, side by side."""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.axes import Axes

from analysis.charts.theme import HALF_WIDTH, PALETTE, label, new_axes, require


def profile_rows(summary: pd.DataFrame, order: list[str]) -> pd.DataFrame:
    """Scales (in ``order``) with both departments shown: ``scale``, ``marketing``,
    ``sales`` (0-100 means of :func:`analysis.scoring.scale_summary`)."""
    require(summary, ["scale", "group", "mean"], "plot_department_profile")
    wide = summary[summary["group"].isin(["marketing", "sales"])].pivot(
        index="scale", columns="group", values="mean"
    )
    wide = wide.reindex(columns=["marketing", "sales"]).dropna()
    return wide.reindex([s for s in order if s in wide.index]).rename_axis("scale").reset_index()


def plot_department_profile(
    summary: pd.DataFrame,
    *,
    order: list[str],
    labels: dict[str, str] | None = None,
    lang: str = "en",
    ax: Axes | None = None,
) -> Axes:
    """Both departments' means (0-100) on each scale of ``order``: one row per scale, a dot
    per department joined by a line, a reference line at 50 (the neutral answer).

    Parameters
    ----------
    summary : DataFrame
        :func:`analysis.scoring.scale_summary` (``scale``, ``group``, ``mean``); scales
        where a department is not shown (anonymity threshold) are left out.
    order : list of str
        Scales to draw, top to bottom.

    Examples
    --------
    >>> import pandas as pd
    >>> s = pd.DataFrame({"scale": ["a", "a", "b", "b"], "mean": [60.0, 40.0, 55.0, 50.0],
    ...                   "group": ["marketing", "sales"] * 2})
    >>> ax = plot_department_profile(s, order=["b", "a"])
    >>> [t.get_text() for t in ax.get_yticklabels()]
    ['b', 'a']
    """
    rows = profile_rows(summary, order)
    ax = new_axes(ax, (HALF_WIDTH, 0.17 * len(rows) + 0.7))
    y = np.arange(len(rows))
    ax.hlines(y, rows["marketing"], rows["sales"], color="#999999", linewidth=1.2, zorder=1)
    for side in ("marketing", "sales"):
        ax.scatter(rows[side], y, color=PALETTE[side], s=16, label=label(side, lang), zorder=2)
    ax.axvline(50, color="#777777", linewidth=0.6, linestyle="--", zorder=0)
    names = labels or {}
    ax.set_yticks(y)
    ax.set_yticklabels([names.get(c, c) for c in rows["scale"]])
    ax.invert_yaxis()
    # the axis spans the data (in steps of 10) and always the neutral 50: on 0-100 the
    # differences a reader should see would shrink to a few points' width
    values = rows[["marketing", "sales"]].to_numpy()
    low = min(np.floor(values.min() / 10) * 10, 40) if len(rows) else 0
    high = max(np.ceil(values.max() / 10) * 10, 60) if len(rows) else 100
    ax.set_xlim(max(low, 0), min(high, 100))
    ax.set_xticks(np.arange(max(low, 0), min(high, 100) + 1, 10))
    ax.set_xlabel(label("index", lang))
    ax.legend(loc="lower left", bbox_to_anchor=(0.0, 1.0), ncol=2, frameon=False, borderaxespad=0.2)
    return ax
