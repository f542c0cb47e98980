"""The mirror matrix: how each department rates itself and the other, as a heatmap."""

from __future__ import annotations

import pandas as pd
import seaborn as sns
from matplotlib.axes import Axes

from analysis.charts.theme import HALF_WIDTH, label, new_axes, require
from analysis.formatting import fmt_number


def mirror_matrix(mirror: pd.DataFrame, construct: str) -> pd.DataFrame:
    """Rater x target means for one construct from :func:`analysis.gaps.mirror_gaps`."""
    require(
        mirror, ["construct", "target", "rater_other", "self_mean", "other_mean"], "plot_mirror"
    )
    part = mirror[mirror["construct"] == construct]
    if part.empty:
        raise ValueError(f"no mirror rows for construct {construct!r}")
    cells = {}
    for _, r in part.iterrows():
        cells[(r["target"], r["target"])] = r["self_mean"]
        cells[(r["rater_other"], r["target"])] = r["other_mean"]
    depts = sorted({d for pair in cells for d in pair})
    return pd.DataFrame(
        [[cells.get((rater, target)) for target in depts] for rater in depts],
        index=depts,
        columns=depts,
        dtype="float64",
    )


def plot_mirror(
    mirror: pd.DataFrame,
    *,
    construct: str,
    title: str | None = None,
    lang: str = "en",
    vmin: float = 1.0,
    vmax: float = 7.0,
    ax: Axes | None = None,
) -> Axes:
    """Annotated heatmap: rows = who rates, columns = department rated.

    Examples
    --------
    >>> import pandas as pd
    >>> m = pd.DataFrame({"construct": "k", "target": ["marketing", "sales"],
    ...                   "rater_other": ["sales", "marketing"],
    ...                   "self_mean": [5.5, 5.0], "other_mean": [4.0, 4.5]})
    >>> ax = plot_mirror(m, construct="k")
    >>> [t.get_text() for t in ax.texts]
    ['5.5', '4.5', '4.0', '5.0']
    >>> [t.get_text() for t in plot_mirror(m, construct="k", lang="de").texts]
    ['5,5', '4,5', '4,0', '5,0']
    """
    matrix = mirror_matrix(mirror, construct)
    ax = new_axes(ax, (HALF_WIDTH, 2.0))
    names = [label(d, lang) for d in matrix.index]
    # the cell texts in the language's notation (decimal comma in German)
    text = matrix.map(lambda v: fmt_number(v, lang, 1))
    sns.heatmap(
        matrix,
        annot=text.to_numpy(),
        fmt="",
        annot_kws={"fontsize": 9},
        cmap="Blues",
        vmin=vmin,
        vmax=vmax,
        cbar=False,
        linewidths=1,
        linecolor="white",
        ax=ax,
        xticklabels=names,
        yticklabels=names,
    )
    ax.tick_params(axis="y", labelrotation=0)  # horizontal names beside the rows
    ax.set_xlabel(label("target", lang))
    ax.set_ylabel(label("rated_by", lang))
    ax.set_title(title or construct)
    return ax
