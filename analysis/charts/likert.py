"""Diverging stacked bars for agreement items by department (hand-written: plot-likert
does not run on pandas 3)."""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.axes import Axes

from analysis.charts.theme import DIVERGING, label, new_axes, require


def likert_bars(shares: pd.DataFrame) -> pd.DataFrame:
    """Left and width of every bar segment, centred on the neutral category.

    ``shares``: ``column, group, code, share`` for one agreement scale (codes 1..K, K odd:
    the middle category is split half left, half right of zero).
    """
    require(shares, ["column", "group", "code", "share"], "likert_bars")
    rows = []
    for (col, grp), part in shares.groupby(["column", "group"], sort=False):
        part = part.sort_values("code")
        codes, widths = part["code"].to_numpy(), part["share"].to_numpy()
        k = len(codes)
        neg = widths[: k // 2].sum() + (widths[k // 2] / 2 if k % 2 else 0.0)
        left = -neg + np.concatenate([[0.0], np.cumsum(widths)[:-1]])
        rows += [
            {"column": col, "group": grp, "code": c, "left": lo, "width": w}
            for c, lo, w in zip(codes, left, widths, strict=True)
        ]
    return pd.DataFrame(rows)


def plot_likert(
    shares: pd.DataFrame,
    *,
    item_labels: dict[str, str] | None = None,
    category_labels: dict[int, str] | None = None,
    lang: str = "en",
    ax: Axes | None = None,
) -> Axes:
    """Diverging stacked bars: one bar per item and department, disagreement to the left.

    Parameters
    ----------
    shares : DataFrame
        :func:`analysis.distributions.category_shares` of agreement items.
    item_labels : dict, optional
        Column -> text for the y axis (default: the column codes).
    category_labels : dict, optional
        Code -> legend text.
    lang : {"de", "en"}
    ax : Axes, optional

    Examples
    --------
    >>> import pandas as pd
    >>> shares = pd.DataFrame({"column": "A", "group": ["marketing"] * 3 + ["sales"] * 3,
    ...                        "code": [1, 2, 3] * 2, "share": [.2, .2, .6, .5, .3, .2]})
    >>> ax = plot_likert(shares)
    >>> [round(float(p.get_x()), 2) for p in ax.patches]  # neutral category split at 0
    [-0.3, -0.65, -0.1, -0.15, 0.1, 0.15]
    """
    bars = likert_bars(shares)
    ax = new_axes(ax, (7.0, 0.45 * bars[["column", "group"]].drop_duplicates().shape[0] + 1.2))
    rows = bars[["column", "group"]].drop_duplicates().reset_index(drop=True)
    ypos = {(r.column, r.group): i for i, r in rows.iterrows()}
    codes = sorted(bars["code"].unique())
    colours = dict(
        zip(
            codes,
            np.array(DIVERGING)[np.linspace(0, 6, len(codes)).round().astype(int)],
            strict=True,
        )
    )
    for code in codes:
        part = bars[bars["code"] == code]
        ax.barh(
            [ypos[(c, g)] for c, g in zip(part["column"], part["group"], strict=True)],
            part["width"],
            left=part["left"],
            color=colours[code],
            edgecolor="white",
            label=(category_labels or {}).get(code, str(code)),
        )
    names = item_labels or {}
    ax.set_yticks(range(len(rows)))
    ax.set_yticklabels(
        [
            f"{names.get(c, c)} – {label(g, lang)}"
            for c, g in zip(rows["column"], rows["group"], strict=True)
        ]
    )
    ax.invert_yaxis()
    ax.axvline(0, color="black", linewidth=0.8)
    ax.set_xlabel(
        f"← {label('disagree', lang)}   {label('share', lang)}   {label('agree', lang)} →"
    )
    ax.set_title(label("likert_title", lang))
    ax.legend(
        ncol=len(codes), loc="upper center", bbox_to_anchor=(0.5, -0.18), fontsize=7, frameon=False
    )
    return ax
