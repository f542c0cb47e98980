"""A dumbbell chart of perception gaps: each side's mean with its CI, sorted by effect."""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.axes import Axes

from analysis.charts.theme import FULL_WIDTH, PALETTE, label, new_axes, require

COLUMNS = [
    "code",
    "mean_marketing",
    "mean_sales",
    "ci_low_marketing",
    "ci_high_marketing",
    "ci_low_sales",
    "ci_high_sales",
    "effect",
    "p_adj",
]


def gap_rows(gaps: pd.DataFrame, *, top: int | None = 12, alpha: float = 0.05) -> pd.DataFrame:
    """Rows to draw: largest absolute effects first, with a ``significant`` flag."""
    require(gaps, COLUMNS, "plot_gaps")
    rows = gaps.dropna(subset=["mean_marketing", "mean_sales", "effect"]).copy()
    rows["significant"] = rows["p_adj"] < alpha
    rows = rows.reindex(rows["effect"].abs().sort_values(ascending=False).index)
    return rows.head(top).reset_index(drop=True) if top else rows.reset_index(drop=True)


def plot_gaps(
    gaps: pd.DataFrame,
    *,
    labels: dict[str, str] | None = None,
    top: int | None = 12,
    alpha: float = 0.05,
    lang: str = "en",
    xlabel: str | None = None,
    ax: Axes | None = None,
) -> Axes:
    """Marketing and sales means per item or scale, joined by a line; significant gaps
    (adjusted p below ``alpha``) get an asterisk and a solid line.

    Parameters
    ----------
    gaps : DataFrame
        Rows of :func:`analysis.gaps.perception_gaps` on one common scale (e.g. scales).
    labels : dict, optional
        Code -> text for the y axis.

    Examples
    --------
    >>> import pandas as pd
    >>> gaps = pd.DataFrame({"code": ["a", "b"], "mean_marketing": [60.0, 50.0],
    ...     "mean_sales": [40.0, 52.0], "ci_low_marketing": [55.0, 45.0],
    ...     "ci_high_marketing": [65.0, 55.0], "ci_low_sales": [35.0, 47.0],
    ...     "ci_high_sales": [45.0, 57.0], "effect": [0.9, -0.1], "p_adj": [0.001, 0.6]})
    >>> ax = plot_gaps(gaps)
    >>> [t.get_text() for t in ax.get_yticklabels()]
    ['a *', 'b']
    """
    rows = gap_rows(gaps, top=top, alpha=alpha)
    ax = new_axes(ax, (FULL_WIDTH, 0.15 * len(rows) + 0.95))
    y = np.arange(len(rows))
    for i, r in rows.iterrows():
        ax.plot(
            [r["mean_marketing"], r["mean_sales"]],
            [i, i],
            color="#888888",
            linestyle="-" if r["significant"] else ":",
            linewidth=1.5,
            zorder=1,
        )
    for side in ("marketing", "sales"):
        ax.errorbar(
            rows[f"mean_{side}"],
            y,
            xerr=[
                rows[f"mean_{side}"] - rows[f"ci_low_{side}"],
                rows[f"ci_high_{side}"] - rows[f"mean_{side}"],
            ],
            fmt="o",
            color=PALETTE[side],
            label=label(side, lang),
            capsize=2,
            zorder=2,
        )
    names = labels or {}
    ax.set_yticks(y)
    ax.set_yticklabels(
        [
            names.get(c, c) + (" *" if s else "")
            for c, s in zip(rows["code"], rows["significant"], strict=True)
        ]
    )
    ax.invert_yaxis()
    ax.set_xlabel(f"{xlabel or label('index', lang)}; {label('significant', lang)}")
    # Title left-aligned over the axes (long y labels cannot push it out of the figure),
    # the legend outside the axes on the right (it covers no point).
    ax.set_title(label("gap_title", lang), loc="left")
    ax.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0), frameon=False, borderaxespad=0.3)
    return ax
