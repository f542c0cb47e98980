"""Category distributions side by side per department: meeting frequency, lead follow-up,
the overall grade."""

from __future__ import annotations

import textwrap

import numpy as np
import pandas as pd
from matplotlib.axes import Axes

from analysis.charts.theme import HALF_WIDTH, PALETTE, label, new_axes, require
from analysis.formatting import fmt_percent


def plot_category_shares(
    shares: pd.DataFrame,
    *,
    column: str,
    title: str | None = None,
    xlabel: str | None = None,
    lang: str = "en",
    ax: Axes | None = None,
) -> Axes:
    """Grouped bars: share of each answer category, one bar per department.

    Parameters
    ----------
    shares : DataFrame
        :func:`analysis.distributions.category_shares` (``column, group, code, label_de,
        label_en, share, n``).
    column : str
        The item column to draw.

    Examples
    --------
    >>> import pandas as pd
    >>> s = pd.DataFrame({"column": "Q", "group": ["marketing"] * 2 + ["sales"] * 2,
    ...                   "code": [1, 2, 1, 2], "label_de": ["a", "b"] * 2,
    ...                   "label_en": ["a", "b"] * 2, "share": [.7, .3, .2, .8],
    ...                   "n": [10, 10, 12, 12]})
    >>> ax = plot_category_shares(s, column="Q")
    >>> [round(float(p.get_height()), 1) for p in ax.patches]
    [0.7, 0.3, 0.2, 0.8]
    """
    require(
        shares, ["column", "group", "code", f"label_{lang}", "share", "n"], "plot_category_shares"
    )
    part = shares[shares["column"] == column].sort_values(["group", "code"])
    if part.empty:
        raise ValueError(f"no shares for column {column!r}")
    ax = new_axes(ax, (HALF_WIDTH, 2.4))
    codes = sorted(part["code"].unique())
    groups = list(dict.fromkeys(part["group"]))
    width = 0.8 / len(groups)
    x = np.arange(len(codes))
    for i, grp in enumerate(groups):
        g = part[part["group"] == grp].set_index("code").reindex(codes)
        n = int(g["n"].dropna().iloc[0])
        ax.bar(
            x + (i - (len(groups) - 1) / 2) * width,
            g["share"].fillna(0),
            width,
            color=PALETTE.get(grp, "#555555"),
            label=f"{label(grp, lang)} (n = {n})",
        )
    names = part.drop_duplicates("code").set_index("code")[f"label_{lang}"]
    ax.set_xticks(x)
    ax.set_xticklabels([names[c] for c in codes], rotation=30, ha="right", rotation_mode="anchor")
    ax.set_ylabel(label("share", lang))
    ax.yaxis.set_major_formatter(lambda v, _: fmt_percent(v, lang))
    ax.set_xlabel(xlabel or "")
    # legend in one row between title and bars: it covers no bar
    ax.set_title(textwrap.fill(title or column, 34), pad=16)
    ax.legend(
        loc="lower left",
        bbox_to_anchor=(0.0, 1.0),
        ncol=len(groups),
        frameon=False,
        borderaxespad=0.1,
        handlelength=1.0,
        columnspacing=1.0,
    )
    return ax


def plot_grades(
    shares: pd.DataFrame,
    *,
    column: str | None = None,
    lang: str = "en",
    ax: Axes | None = None,
) -> Axes:
    """The overall cooperation grade distribution per department.

    ``column``: the item playing the role ``overall_grade``
    (``instrument.role("overall_grade")``); default: the one column of ``shares``, or the
    shipped instrument's grade item among several.

    Examples
    --------
    >>> import pandas as pd
    >>> s = pd.DataFrame({"column": "GRADE", "group": "sales", "code": [1, 2],
    ...                   "label_de": ["1", "2"], "label_en": ["1", "2"],
    ...                   "share": [.4, .6], "n": [10, 10]})
    >>> plot_grades(s).get_title()
    'Overall grade of the cooperation'
    """
    if column is None:
        found = list(shares["column"].unique())
        if len(found) != 1:
            from survey.instrument import load_instrument

            column = load_instrument().role("overall_grade")  # the shipped instrument's
            if column not in found:
                raise ValueError(f"shares hold columns {found}; pass column=")
        else:
            column = str(found[0])
    return plot_category_shares(
        shares,
        column=column,
        title=label("grade_title", lang),
        xlabel=label("grade", lang),
        lang=lang,
        ax=new_axes(ax, (6.0, 2.6)),
    )
