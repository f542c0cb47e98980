"""The configuration map: units in two dimensions, coloured by configuration, with the
(approximate) prototypes marked."""

from __future__ import annotations

import pandas as pd
from matplotlib.axes import Axes
from matplotlib.lines import Line2D

from analysis.charts.theme import CONFIG_PALETTE, label, new_axes, require


def plot_configuration_map(
    points: pd.DataFrame,
    *,
    config_labels: dict[str, str] | None = None,
    lang: str = "en",
    ax: Axes | None = None,
) -> Axes:
    """Scatter of units (dots) and prototypes (stars) on two coordinates.

    Parameters
    ----------
    points : DataFrame
        :func:`analysis.configurations.configuration_map`: ``name, kind`` (unit or
        prototype), ``configuration``, ``x``, ``y``.

    Examples
    --------
    >>> import pandas as pd
    >>> pts = pd.DataFrame({"name": ["u1", "u2", "p"], "kind": ["unit", "unit", "prototype"],
    ...                     "configuration": ["a", "b", "a"], "x": [0.0, 1.0, 0.1],
    ...                     "y": [0.0, 1.0, 0.2]})
    >>> ax = plot_configuration_map(pts)
    >>> [c.get_offsets()[0].tolist() for c in ax.collections]
    [[0.0, 0.0], [1.0, 1.0], [0.1, 0.2]]
    """
    require(points, ["name", "kind", "configuration", "x", "y"], "plot_configuration_map")
    ax = new_axes(ax, (5.5, 4.2))
    configs = sorted(points["configuration"].unique())
    colour = {c: CONFIG_PALETTE[i % len(CONFIG_PALETTE)] for i, c in enumerate(configs)}
    names = config_labels or {}
    for cfg in configs:
        part = points[(points["kind"] == "unit") & (points["configuration"] == cfg)]
        if len(part):
            ax.scatter(part["x"], part["y"], color=colour[cfg], s=30, label=names.get(cfg, cfg))
            for _, r in part.iterrows():
                ax.annotate(
                    r["name"],
                    (r["x"], r["y"]),
                    fontsize=6,
                    xytext=(3, 3),
                    textcoords="offset points",
                )
    protos = points[points["kind"] == "prototype"]
    for _, r in protos.iterrows():
        ax.scatter(
            [r["x"]],
            [r["y"]],
            marker="*",
            s=160,
            color=colour[r["configuration"]],
            edgecolor="black",
            linewidth=0.6,
            zorder=3,
        )
    handles, texts = ax.get_legend_handles_labels()
    if len(protos):
        handles.append(
            Line2D(
                [],
                [],
                marker="*",
                linestyle="none",
                markersize=10,
                markerfacecolor="white",
                markeredgecolor="black",
            )
        )
        texts.append(label("prototype", lang))
    ax.set_xlabel(f"{label('component', lang)} 1")
    ax.set_ylabel(f"{label('component', lang)} 2")
    ax.set_title(label("map_title", lang))
    ax.legend(handles, texts, fontsize=6, loc="best")
    return ax
