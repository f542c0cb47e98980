"""``alignmeter export``: the response table for other software."""

from __future__ import annotations

from pathlib import Path

import typer

from survey.cli.collect import ADMIN_ENV, DB_HELP, load_responses
from survey.errors import UserError


def export(
    output: Path = typer.Option(..., "--output", "-o", help="File to write."),
    data: Path = typer.Option(None, "--data", help="Response table (CSV or Parquet)."),
    project_dir: Path = typer.Option(
        None, "--project", "-p", help="Project folder of the web survey (instead of --data)."
    ),
    db: str = typer.Option(None, "--db", help=DB_HELP),
    admin_key: str = typer.Option(None, "--admin-key", help=f"Admin key (or ${ADMIN_ENV})."),
    partial: bool = typer.Option(
        False, "--partial", help="Add questionnaires in progress (status 'partial')."
    ),
    fmt: str = typer.Option(
        None, "--format", help="csv, parquet, spss, stata or csv-excel (default: by suffix)."
    ),
    lang: str = typer.Option("en", "--lang", help="Language of SPSS/Stata labels: de or en."),
) -> None:
    """Write the canonical response table, from a file (--data) or from the web survey's
    database (--project, optionally --db; needs the admin key), as CSV, Parquet, SPSS
    (.sav) or Stata (.dta) with labels, or an Excel CSV (UTF-8 BOM, ';', decimal comma)."""
    from survey import load_instrument
    from survey.tables import write_table

    if lang not in ("de", "en"):
        raise UserError(f"unknown language {lang!r}; use de or en")
    ins = load_instrument()
    table, _ = load_responses(
        ins, data=data, project_dir=project_dir, db=db, admin_key=admin_key, partial=partial
    )
    path = write_table(table, output, fmt, instrument=ins, lang=lang)
    typer.echo(f"wrote {path} ({len(table)} responses)")


def register(app: typer.Typer) -> None:
    app.command("export")(export)
