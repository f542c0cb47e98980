"""Save a chart for print (PNG and SVG, 300 dpi) with its alt text beside it."""

from __future__ import annotations

from pathlib import Path

import matplotlib.pyplot as plt
from matplotlib.axes import Axes


def save_chart(ax: Axes, stem: str | Path, *, alt: str, dpi: int = 300) -> dict[str, Path]:
    """Write ``stem.png``, ``stem.svg`` and ``stem.alt.txt``; close the figure.

    Examples
    --------
    >>> import tempfile, matplotlib.pyplot as plt
    >>> _, ax = plt.subplots()
    >>> paths = save_chart(ax, tempfile.mkdtemp() + "/x", alt="A test chart")
    >>> sorted(paths)
    ['alt', 'png', 'svg']
    """
    if not alt.strip():
        raise ValueError("every chart needs alt text")
    stem = Path(stem)
    stem.parent.mkdir(parents=True, exist_ok=True)
    fig = ax.figure
    fig.tight_layout()
    paths = {
        "png": stem.with_suffix(".png"),
        "svg": stem.with_suffix(".svg"),
        "alt": stem.with_suffix(".alt.txt"),
    }
    fig.savefig(paths["png"], dpi=dpi, metadata={"Software": None})
    fig.savefig(paths["svg"], metadata={"Date": None})
    paths["alt"].write_text(alt.strip() + "\n", encoding="utf-8")
    plt.close(fig)
    return paths
