"""Reference values written by the R scripts in ``tests/reference`` (committed JSON).

``reference(name)`` loads ``tests/reference/<name>.json``. When ``Rscript`` is on the
PATH the script is run again into a temporary folder first, and a reference that R no
longer reproduces fails the test; under ``CI=true`` R must be present.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile
from functools import cache
from pathlib import Path

import pandas as pd
import pytest

REFERENCE = Path(__file__).parent / "reference"


def _strip_versions(x: dict) -> dict:
    return {k: v for k, v in x.items() if k != "versions"}


@cache
def _rerun(name: str) -> str | None:
    """Problems found by running ``<name>.R`` again, or None when R reproduced it."""
    if shutil.which("Rscript") is None:
        if os.environ.get("CI") == "true":
            return "Rscript must be installed under CI (see .ci/system-deps)"
        return None
    with tempfile.TemporaryDirectory() as tmp:
        run = subprocess.run(
            ["Rscript", str(REFERENCE / f"{name}.R"), tmp],
            capture_output=True,
            text=True,
            timeout=600,
        )
        if run.returncode != 0:
            return f"{name}.R failed: {run.stderr[-2000:]}"
        fresh = json.loads((Path(tmp) / f"{name}.json").read_text())
        kept = json.loads((REFERENCE / f"{name}.json").read_text())
        if _strip_versions(fresh) != _strip_versions(kept):
            return f"R no longer reproduces {name}.json; rerun the script and review the diff"
        for csv in (Path(tmp) / "data").glob("*.csv"):
            if csv.read_bytes() != (REFERENCE / "data" / csv.name).read_bytes():
                return f"R no longer writes the committed data/{csv.name}"
    return None


def reference(name: str) -> dict:
    problem = _rerun(name)
    if problem:
        pytest.fail(problem)
    return json.loads((REFERENCE / f"{name}.json").read_text())


def reference_data(name: str) -> pd.DataFrame:
    return pd.read_csv(REFERENCE / "data" / name)
