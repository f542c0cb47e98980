"""``alignmeter deck``: the slide deck (PowerPoint) of a diagnostic."""

from __future__ import annotations

import tempfile
from pathlib import Path

import typer

from analysis.cli_run import (
    DATA_HELP,
    DB_HELP,
    INVITED_HELP,
    KEY_HELP,
    LANGS,
    PROJECT_HELP,
    THRESHOLD_HELP,
    _analyse,
    _console,
    _listed,
    _rejected,
    _source,
    write_quarantine,
)
from survey.errors import UserError


def analyse_for_release(data: Path, ins, threshold: int, output: Path):
    """The analysis behind a deck, as one release of the project.

    Hook for the release log (issue on anonymity across releases): once
    ``analysis.cli_run.analyse_release`` exists, it holds back cells that would give a
    small group away by comparison with an earlier release and records this release as a
    deck; until then the deck is analysed as ``run`` and ``brief`` are.
    """
    from analysis import cli_run

    release = getattr(cli_run, "analyse_release", None)
    if release is not None:
        return release(data, ins, threshold, output, kind="deck")
    return _analyse(data, ins, threshold, output)


TEMPLATE_HELP = "A .pptx whose slide masters and layouts the deck uses (e.g. your firm's)."


def deck(
    data: Path = typer.Option(None, "--data", help=DATA_HELP),
    project_dir: Path = typer.Option(None, "--project", "-p", help=PROJECT_HELP),
    db: str = typer.Option(None, "--db", help=DB_HELP),
    admin_key: str = typer.Option(None, "--admin-key", help=KEY_HELP),
    lang: list[str] = typer.Option(None, "--lang", help="Language(s): de, en (default both)."),
    company: str = typer.Option("", "--company", help="Company name for the title slide."),
    threshold: int = typer.Option(None, "--threshold", min=2, help=THRESHOLD_HELP),
    invited: list[str] = typer.Option(None, "--invited", help=INVITED_HELP),
    template: Path | None = typer.Option(None, "--template", help=TEMPLATE_HELP),
    output: Path = typer.Option(Path("deck"), "--output", "-o", help="Folder to write."),
) -> None:
    """Write the slide deck (deck_<lang>.pptx: native, editable charts, speaker notes with
    numbers and sources) from a response file or the web survey's database."""
    from analysis.deck import make_deck
    from analysis.invariance import department_invariance
    from survey import load_instrument

    langs = tuple(lang or LANGS)
    unknown = [x for x in langs if x not in LANGS]
    if unknown:
        raise UserError(f"unknown language {unknown[0]!r}; use de or en")
    if template is not None and not template.is_file():
        raise UserError(f"--template {template}: no such file")
    ins = load_instrument()
    # A database's answers pass through a private temporary file: a deck folder is handed
    # around, respondent-level data must not be in it.
    with tempfile.TemporaryDirectory(prefix="alignmeter-") as scratch:
        data, company, threshold, _ = _source(
            data, project_dir, db, admin_key, Path(scratch), company, threshold, invited
        )
        results = analyse_for_release(data, ins, threshold, output)
    invariance = department_invariance(results.responses, ins, threshold=threshold)
    for one in langs:
        path = make_deck(
            results, ins, output, lang=one, company=company, invariance=invariance,
            template=template,
        )  # fmt: skip
        _console().print(f"wrote {path}")
    listed = _listed(data, output)  # next to the input: never into the deck folder
    if len(results.quarantine):
        write_quarantine(results.quarantine, listed)
        _console().print(f"wrote {listed}")
    _rejected(results, data, listed)


def register(app: typer.Typer) -> None:
    app.command("deck")(deck)
