"""One theme for every chart: marketing and sales always in the same colour-blind-safe
colours (Okabe & Ito 2008), texts from ``labels.yaml`` in German or English."""

from __future__ import annotations

from functools import cache
from importlib import resources
from pathlib import Path

import matplotlib.pyplot as plt
import pandas as pd
import seaborn as sns
import yaml

PALETTE = {"marketing": "#0072B2", "sales": "#E69F00", "all": "#555555"}
CONFIG_PALETTE = ["#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000"]
DIVERGING = ["#B2182B", "#EF8A62", "#FDDBC7", "#E0E0E0", "#D1E5F0", "#67A9CF", "#2166AC"]
LABELS_FILE = Path(str(resources.files("analysis") / "charts" / "labels.yaml"))


@cache
def _labels() -> dict:
    return yaml.safe_load(LABELS_FILE.read_text(encoding="utf-8"))


def label(key: str, lang: str) -> str:
    """A chart text in ``lang`` (de or en)."""
    if lang not in ("de", "en"):
        raise ValueError(f"unknown language {lang!r}; use de or en")
    return _labels()[key][lang]


# Figures are drawn at the size they print (inches; the brief's A4 text column is 7.1 in
# wide), so these font sizes are the printed sizes: nothing below MIN_FONT_PT.
MIN_FONT_PT = 7.0
FONT_SIZES = {
    "font.size": 8.0,
    "axes.titlesize": 8.5,
    "axes.labelsize": 8.0,
    "xtick.labelsize": 7.5,
    "ytick.labelsize": 7.5,
    "legend.fontsize": 7.5,
    "legend.title_fontsize": 7.5,
}
FULL_WIDTH = 7.1  # inches: the brief's text column
HALF_WIDTH = 3.4  # inches: one of two figures side by side


def apply_theme() -> None:
    """Seaborn's white grid with font sizes meant for print at the figure's own size."""
    sns.set_theme(
        style="whitegrid",
        context="paper",
        font_scale=1.0,
        rc={"figure.dpi": 100, "savefig.dpi": 300, "axes.titleweight": "bold", **FONT_SIZES},
    )


def new_axes(ax: plt.Axes | None, size: tuple[float, float]) -> plt.Axes:
    if ax is not None:
        return ax
    apply_theme()
    _, ax = plt.subplots(figsize=size)
    return ax


def require(data: pd.DataFrame, columns: list[str], chart: str) -> None:
    missing = [c for c in columns if c not in data.columns]
    if missing:
        raise ValueError(f"{chart} needs column(s) {missing}")
