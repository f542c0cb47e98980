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
    instrument: Path = typer.Option(
        None, "--instrument", help="Instrument of --data (default: shipped; --project: its own)."
    ),
) -> None:
    """Write the canonical response table, from a file (--data) or from the web survey's
    database (--project, optionally --db; needs the admin key), as CSV, Parquet, SPSS
    (.sav) or Stata (.dta) with labels, or an Excel CSV (UTF-8 BOM, ';', decimal comma)."""
    from survey import load_instrument
    from survey.cli.collect import instrument_of
    from survey.tables import write_table

    ins = instrument_of(project_dir, instrument) if project_dir else load_instrument(instrument)
    if lang not in ins.languages:
        raise UserError(f"unknown language {lang!r}; use {' or '.join(ins.languages)}")
    from survey.collected import coarsen_context
    from survey.project import DEFAULT_THRESHOLD
    from survey.releases import manifest_path, read_manifest, write_manifest
    from survey.tables import neutralise_formulas, table_format

    table, project = load_responses(
        ins, data=data, project_dir=project_dir, db=db, admin_key=admin_key, partial=partial
    )
    origin = read_manifest(data) if data is not None else None
    if data is not None:
        # A file's roles, tenures and languages are coarsened as the database's are.
        floor = origin["anonymity_threshold"] if origin else DEFAULT_THRESHOLD
        table = coarsen_context(table, floor)
    if table_format(output, fmt) == "csv":
        table = neutralise_formulas(table)  # as the admin download and csv-excel do
    path = write_table(table, output, fmt, instrument=ins, lang=lang)
    # Marks the file as this project's export, so that `run --data` of it keeps to the
    # project's threshold and release log (a copy of an export keeps its origin too).
    if project is not None:
        write_manifest(path, project.folder, project.id, project.anonymity_threshold)
    elif origin is not None:
        write_manifest(path, origin["project"], origin["project_id"], origin["anonymity_threshold"])
    else:
        manifest_path(path).unlink(missing_ok=True)
    typer.echo(f"wrote {path} ({len(table)} responses)")


def register(app: typer.Typer) -> None:
    app.command("export")(export)
