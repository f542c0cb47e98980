"""A heatmap of change since the previous wave: scales by department, coloured by the change
of the index, annotated with it; marked cells are the changes the brief reports."""

from __future__ import annotations

import numpy as np
import pandas as pd
import seaborn as sns
from matplotlib.axes import Axes
from matplotlib.colors import LinearSegmentedColormap

from analysis.charts.theme import DIVERGING, label, new_axes, require
from analysis.formatting import fmt_signed

COLUMNS = ["department", "scale", "diff", "p_adj", "effect_size", "suppressed"]


def wave_cells(
    changes: pd.DataFrame,
    *,
    alpha: float = 0.05,
    min_effect: float = 0.0,
    order: list[str] | None = None,
) -> pd.DataFrame:
    """Cells to draw: one per scale and department, suppressed cells left out.

    Parameters
    ----------
    changes : DataFrame
        Rows of :func:`analysis.waves.compare_waves`.
    alpha, min_effect : float
        A cell is ``marked`` when its adjusted p is below ``alpha`` and its absolute effect
        size at least ``min_effect``.
    order : list of str, optional
        Scale codes top to bottom (default: order of first appearance).

    Returns
    -------
    DataFrame
        ``scale``, ``department``, ``diff``, ``marked``; suppressed cells are absent.

    Examples
    --------
    >>> import pandas as pd
    >>> ch = pd.DataFrame({"department": ["marketing", "sales"], "scale": "trust",
    ...     "diff": [1.0, None], "p_adj": [0.01, None], "effect_size": [0.5, None],
    ...     "suppressed": [False, True]})
    >>> wave_cells(ch, min_effect=0.3)[["department", "marked"]].to_dict("records")
    [{'department': 'marketing', 'marked': True}]
    """
    require(changes, COLUMNS, "plot_wave_changes")
    cells = changes[~changes["suppressed"].astype(bool)].dropna(subset=["diff"]).copy()
    cells["marked"] = (cells["p_adj"] < alpha) & (cells["effect_size"].abs() >= min_effect)
    scales = order or list(dict.fromkeys(changes["scale"]))
    cells = cells[cells["scale"].isin(scales)]
    cells["_row"] = cells["scale"].map({s: i for i, s in enumerate(scales)})
    cells = cells.sort_values(["_row", "department"], kind="stable")
    return cells[["scale", "department", "diff", "marked"]].reset_index(drop=True)


def plot_wave_changes(
    changes: pd.DataFrame,
    *,
    labels: dict[str, str] | None = None,
    order: list[str] | None = None,
    alpha: float = 0.05,
    min_effect: float = 0.0,
    lang: str = "en",
    ax: Axes | None = None,
) -> Axes:
    """Change of each scale index per department since the previous wave.

    Blue cells rose, red cells fell (colour scale symmetric around 0); the annotation is
    the change in index points, ``*`` marking changes with adjusted p below ``alpha`` and
    an absolute effect size of at least ``min_effect``. Suppressed cells stay empty (grey).

    Parameters
    ----------
    changes : DataFrame
        Rows of :func:`analysis.waves.compare_waves` on the 0-100 index.
    labels : dict, optional
        Scale code -> text for the y axis.
    order : list of str, optional
        Scale codes top to bottom; every one gets a row, even when all its cells are
        suppressed.

    Examples
    --------
    >>> import pandas as pd
    >>> ch = pd.DataFrame({"department": ["marketing", "sales"], "scale": "trust",
    ...     "diff": [4.26, -1.0], "p_adj": [0.01, 0.4], "effect_size": [0.5, -0.1],
    ...     "suppressed": [False, False]})
    >>> ax = plot_wave_changes(ch, lang="de")
    >>> [t.get_text() for t in ax.texts], ax.get_xticklabels()[1].get_text()
    (['+4,3*', '−1,0'], 'Vertrieb')
    """
    cells = wave_cells(changes, alpha=alpha, min_effect=min_effect, order=order)
    scales = order or list(dict.fromkeys(changes["scale"]))
    depts = sorted(set(changes["department"]))
    matrix = cells.pivot(index="scale", columns="department", values="diff")
    matrix = matrix.reindex(index=scales, columns=depts).astype(float)
    text = cells.assign(
        text=[
            fmt_signed(d, lang) + ("*" if m else "")
            for d, m in zip(cells["diff"], cells["marked"], strict=True)
        ]
    ).pivot(index="scale", columns="department", values="text")
    text = text.reindex(index=scales, columns=depts).astype(object).fillna("")
    ax = new_axes(ax, (3.9, 0.16 * len(scales) + 0.4))
    limit = max(float(np.nanmax(np.abs(matrix.to_numpy()))) if len(cells) else 0.0, 5.0)
    cmap = LinearSegmentedColormap.from_list("change", [DIVERGING[0], "#F4F4F4", DIVERGING[-1]])
    ax.set_facecolor("#D9D9D9")  # suppressed cells
    sns.heatmap(
        matrix,
        annot=text.to_numpy(),
        fmt="",
        cmap=cmap,
        vmin=-limit,
        vmax=limit,
        linewidths=0.5,
        linecolor="white",
        cbar=False,  # the annotations carry the numbers
        annot_kws={"fontsize": 7.5},
        ax=ax,
    )
    names = labels or {}
    ax.set_yticks(np.arange(len(scales)) + 0.5)
    ax.set_yticklabels([names.get(s, s) for s in scales], rotation=0)
    ax.set_xticklabels([label(d, lang) if d in ("marketing", "sales") else d for d in depts])
    ax.xaxis.tick_top()
    ax.tick_params(length=0)
    ax.set_xlabel("")
    ax.set_ylabel("")
    ax.set_title(label("wave_title", lang))
    return ax
