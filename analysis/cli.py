"""The ``alignmeter`` command line: a thin layer over the library.

Each command module registers its commands on :data:`app`; command bodies import their
heavy dependencies themselves so that ``alignmeter --help`` starts fast. User errors end
with one clear message and exit code 1; ``--debug`` shows the traceback instead.
"""

from __future__ import annotations

import sys

import typer

from analysis import cli_deck as deck_commands
from analysis import cli_notebooks as notebooks_commands
from analysis import cli_run as run_commands
from survey.cli import collect as collect_commands
from survey.cli import export as export_commands
from survey.cli import ingest as ingest_commands
from survey.cli import instrument as instrument_commands
from survey.cli import synth as synth_commands

app = typer.Typer(
    name="alignmeter",
    help="Diagnose how marketing and sales work together: survey, analyse, brief.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,  # plain help: importing rich would double the start-up time
)
STATE = {"debug": False, "verbose": False, "quiet": False}

# Errors a user can fix; anything else is a bug and keeps its traceback.
USER_ERRORS: tuple[type[BaseException], ...] = (ValueError, OSError, KeyError)


@app.callback()
def main(
    quiet: bool = typer.Option(False, "--quiet", "-q", help="Print only errors."),
    verbose: bool = typer.Option(False, "--verbose", "-v", help="Print more detail."),
    debug: bool = typer.Option(False, "--debug", help="Show tracebacks of errors."),
) -> None:
    """alignmeter: one instrument for both departments, evidence for their cooperation."""
    STATE.update(debug=debug, verbose=verbose, quiet=quiet)


for module in (
    instrument_commands,
    collect_commands,
    synth_commands,
    export_commands,
    ingest_commands,
    run_commands,
    deck_commands,
    notebooks_commands,
):
    module.register(app)


def run() -> None:
    """Entry point: run the app, turning user errors into one line and exit code 1."""
    try:
        code = app(standalone_mode=False)  # click returns the code of a typer.Exit
    except (typer.Abort, KeyboardInterrupt):
        sys.stderr.write("Aborted.\n")
        sys.exit(130)
    except Exception as exc:
        # Usage errors (click's, or the copy of click that typer >= 0.25 vendors) print
        # themselves with the usage line.
        if hasattr(exc, "show") and isinstance(getattr(exc, "exit_code", None), int):
            exc.show()
            sys.exit(exc.exit_code)
        if STATE["debug"] or not isinstance(exc, USER_ERRORS):
            raise
        sys.stderr.write(f"Error: {exc}\n")
        sys.exit(1)
    sys.exit(code if isinstance(code, int) else 0)
