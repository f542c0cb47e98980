"""Reference values computed by R (``tests/reference/*.R``), read from committed JSON.

The JSON files are what R printed when the scripts were last run; ``tests/test_reference.py``
reruns every script when ``Rscript`` is present (it must be under ``CI=true``) and fails if
R's output changed, so a test comparing against :func:`load` compares against R.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

import pandas as pd

REFERENCE = Path(__file__).parent / "reference"
DATA = REFERENCE / "data"
SCRIPTS = sorted(p.name for p in REFERENCE.glob("*.R") if p.name != "common.R")


@cache
def load(name: str) -> dict:
    """The JSON written by ``tests/reference/<name>.R``."""
    return json.loads((REFERENCE / f"{name}.json").read_text())


def data(name: str) -> pd.DataFrame:
    """A data set the scripts read or wrote (``tests/reference/data/<name>.csv``)."""
    return pd.read_csv(DATA / f"{name}.csv")


def synthetic(name: str = "synth_u12_p45_s3", *, items_only: bool = False) -> pd.DataFrame:
    """A committed synthetic diagnostic (keyed items, complete rows; see synthetic.py)."""
    table = data(name)
    return table.drop(columns=["department", "business_unit"]) if items_only else table
