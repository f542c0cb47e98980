"""The shipped example diagnostic is exactly what its documented command writes."""

from __future__ import annotations

import shlex
from pathlib import Path

import pytest
from typer.testing import CliRunner

from analysis.cli import app

DATA = Path(__file__).resolve().parents[1] / "data"


def _documented_commands():
    for line in (DATA / "README.md").read_text(encoding="utf-8").splitlines():
        if line.startswith("| `example/") and "`alignmeter synth" in line:
            yield line.split("`alignmeter ")[1].split("`")[0]


@pytest.mark.parametrize("command", list(_documented_commands()))
def test_example_data_is_reproducible(tmp_path, command):
    args = shlex.split(command)
    target = DATA.parent / args[args.index("-o") + 1]
    args[args.index("-o") + 1] = str(tmp_path / target.name)
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    assert (tmp_path / target.name).read_bytes() == target.read_bytes()
    truth = target.with_name(target.stem + ".truth.json")
    assert (tmp_path / truth.name).read_bytes() == truth.read_bytes()
