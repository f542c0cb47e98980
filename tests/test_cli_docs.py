"""Every command is documented in the README and has complete help."""

from __future__ import annotations

from pathlib import Path

import typer.main

from analysis.cli import app

README = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")


def _commands(group, prefix: str = "alignmeter"):
    # Duck-typed: typer >= 0.25 vendors its own copy of click's classes.
    for name, cmd in group.commands.items():
        path = f"{prefix} {name}"
        if hasattr(cmd, "commands"):
            yield from _commands(cmd, path)
        else:
            yield path, cmd


def test_every_command_is_in_the_readme_and_has_help():
    commands = list(_commands(typer.main.get_command(app)))
    assert len(commands) >= 4
    undocumented = [path for path, _ in commands if f"`{path}" not in README]
    assert not undocumented, f"commands missing from README.md: {undocumented}"
    for path, cmd in commands:
        assert cmd.help and cmd.help.strip(), f"{path} has no help text"
        for param in cmd.params:
            if param.param_type_name == "option":
                assert param.help, f"{path} {param.opts} has no help text"
