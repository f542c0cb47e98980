"""Notebooks: outputs stripped in git, no function definitions, and every one runs on the
example data and on a second scenario."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from analysis.notebooks import notebook_paths, run_notebooks

NOTEBOOKS = notebook_paths()
DATA = Path(__file__).resolve().parents[1] / "data" / "example"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_committed_notebooks_are_clean(path):
    book = json.loads(path.read_text(encoding="utf-8"))
    code = [c for c in book["cells"] if c["cell_type"] == "code"]
    assert not any(c.get("outputs") for c in code), "outputs must be stripped"
    assert not any(c.get("execution_count") for c in code)
    assert "parameters" in code[0]["metadata"].get("tags", [])
    for cell in code:
        source = "".join(cell["source"])
        lines = [line.lstrip() for line in source.splitlines()]
        assert not [x for x in lines if x.startswith(("def ", "class ", "lambda"))]
    assert any(c["cell_type"] == "markdown" for c in book["cells"])


def test_numbered_and_named():
    names = [p.name for p in NOTEBOOKS]
    assert names == sorted(names) and len(names) == 5
    assert all(n[0].isdigit() and "-" in n for n in names)


@pytest.mark.slow
@pytest.mark.parametrize("data", [None, DATA / "small_unit.csv"], ids=["example", "small_unit"])
def test_every_notebook_runs(tmp_path, data):
    before = os.getcwd()
    written = run_notebooks(tmp_path, data=data, lang="de" if data else "en")
    assert os.getcwd() == before  # two notebooks at once must not move this process
    assert len(written) == 5
    for nb, html in written:
        book = json.loads(nb.read_text(encoding="utf-8"))
        errors = [
            o
            for c in book["cells"]
            for o in c.get("outputs", [])
            if o.get("output_type") == "error"
        ]
        assert not errors
        assert html.stat().st_size > 10_000
