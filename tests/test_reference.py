"""R is the oracle: rerun every script under tests/reference and compare with the committed
JSON (R's output must not change unnoticed), and check the committed synthetic inputs."""

from __future__ import annotations

import json
import math
import os
import shutil
import subprocess
import sys

import pytest
from r_reference import DATA, REFERENCE, SCRIPTS

RSCRIPT = shutil.which("Rscript")
sys.path.insert(0, str(REFERENCE))


def _same(a, b, path="") -> list[str]:
    """Differences between two JSON values; numbers to 1e-9 relative (printing noise)."""
    if isinstance(a, dict) and isinstance(b, dict):
        out = [f"{path}/{k}: missing on one side" for k in set(a) ^ set(b)]
        for k in set(a) & set(b):
            out += _same(a[k], b[k], f"{path}/{k}")
        return out
    if isinstance(a, list) and isinstance(b, list):
        if len(a) != len(b):
            return [f"{path}: length {len(a)} != {len(b)}"]
        return [
            d
            for i, (x, y) in enumerate(zip(a, b, strict=True))
            for d in _same(x, y, f"{path}[{i}]")
        ]
    if isinstance(a, int | float) and isinstance(b, int | float) and not isinstance(a, bool):
        ok = math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-12)
        return [] if ok else [f"{path}: {a} != {b}"]
    return [] if a == b else [f"{path}: {a!r} != {b!r}"]


def test_scripts_found():
    assert {"omega.R", "alpha.R", "agreement.R", "cfa_ml.R", "invariance_ml.R", "polychoric.R",
            "cfa_ordinal.R", "invariance_ordinal.R"} <= set(SCRIPTS)  # fmt: skip
    for script in SCRIPTS:
        assert (REFERENCE / script.replace(".R", ".json")).exists(), f"{script} never run"


@pytest.fixture(scope="session")
def rscript():
    if RSCRIPT is None:
        if os.environ.get("CI") == "true":
            pytest.fail("Rscript must be installed under CI=true (.ci/system-deps)")
        pytest.skip("Rscript not installed: the committed JSON is used unchecked")
    return RSCRIPT


@pytest.mark.slow  # all scripts together: about a minute of R on an idle machine
@pytest.mark.parametrize("script", SCRIPTS)
def test_r_output_unchanged(script, rscript, tmp_path):
    """Rerun the script into a temporary folder: same JSON, same data files."""
    run = subprocess.run(
        [rscript, str(REFERENCE / script), str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert run.returncode == 0, run.stderr[-2000:]
    name = script.replace(".R", ".json")
    new, old = json.loads((tmp_path / name).read_text()), json.loads((REFERENCE / name).read_text())
    diffs = _same(new, old)
    assert not diffs, f"R's output of {script} changed; rerun it and review:\n" + "\n".join(
        diffs[:20]
    )
    for written in (tmp_path / "data").glob("*.csv"):
        assert written.read_bytes() == (DATA / written.name).read_bytes(), written.name


def test_synthetic_inputs_reproduce():
    """The committed synthetic tables are what the generator makes today."""
    import synthetic

    for name in synthetic.DIAGNOSTICS:
        assert synthetic.csv_text(name) == (DATA / f"{name}.csv").read_text(), name
    assert synthetic.shifted_text() == (DATA / "synth_u12_p45_s3_shifted.csv").read_text()
