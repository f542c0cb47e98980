"""The ``alignmeter`` command line: a thin layer over the library.

Each command module registers its commands on :data:`app`; command bodies import their
heavy dependencies themselves so that ``alignmeter --help`` starts fast.

One error policy for every command: input a user can fix (:class:`survey.errors.UserError`,
or a file the system cannot open) ends with one line on stderr and exit code 1; exit code 2
means done, but rows were left out (a command says so itself), and nothing else: usage
errors print click's usage line and exit with 1 too. Anything else is a bug: one line
saying so and exit code :data:`BUG_EXIT`, the traceback with ``--debug``.
"""

from __future__ import annotations

import sys

import typer

from analysis import cli_deck as deck_commands
from analysis import cli_notebooks as notebooks_commands
from analysis import cli_run as run_commands
from survey.cli import collect as collect_commands
from survey.cli import confirm as confirm_commands
from survey.cli import export as export_commands
from survey.cli import ingest as ingest_commands
from survey.cli import instrument as instrument_commands
from survey.cli import synth as synth_commands
from survey.errors import UserError, shorten_message

app = typer.Typer(
    name="alignmeter",
    help="Diagnose how marketing and sales work together: survey, analyse, brief.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,  # plain help: importing rich would double the start-up time
)
STATE = {"debug": False, "verbose": False, "quiet": False}

# Errors a user can fix. OSError: a file that is missing, unreadable or a folder.
USER_ERRORS: tuple[type[BaseException], ...] = (UserError, OSError)
BUG_EXIT = 3  # not 1 (bad input) nor 2 (rows left out): scripts can tell a bug apart


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
    confirm_commands,
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
        # They exit with 1, not click's 2: scripts read 2 as "done, rows left out".
        if hasattr(exc, "show") and isinstance(getattr(exc, "exit_code", None), int):
            exc.show()
            sys.exit(1 if exc.exit_code == 2 else exc.exit_code)
        if STATE["debug"]:
            raise
        if isinstance(exc, USER_ERRORS):
            sys.stderr.write(f"Error: {shorten_message(_user_message(exc))}\n")
            sys.exit(1)
        sys.stderr.write(
            f"Internal error (a bug in alignmeter, not in your input): {type(exc).__name__}: "
            f"{shorten_message(str(exc), 200)}. Rerun with --debug for the traceback and "
            "report it.\n"
        )
        sys.exit(BUG_EXIT)
    sys.exit(code if isinstance(code, int) else 0)


def _user_message(exc: BaseException) -> str:
    """The message of a user error; an OSError names its file (its str() puts errno first)."""
    if isinstance(exc, OSError) and not isinstance(exc, UserError) and exc.strerror:
        where = f"{exc.filename}: " if exc.filename else ""
        return f"{where}{exc.strerror}"
    return str(exc)
