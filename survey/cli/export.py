"""``alignmeter export``: the response table for other software."""

from __future__ import annotations

from pathlib import Path

import typer

from survey.cli.collect import ADMIN_ENV, DB_HELP, load_responses


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
    from survey.collected import write_responses
    from survey.releases import manifest_path, read_manifest, write_manifest

    if lang not in ("de", "en"):
        raise ValueError(f"unknown language {lang!r}; use de or en")
    ins = load_instrument()
    table, project = load_responses(
        ins, data=data, project_dir=project_dir, db=db, admin_key=admin_key, partial=partial
    )
    if data is not None:
        # A file's roles, tenures and languages are coarsened as the database's are.
        from survey.collected import coarsen_context
        from survey.project import DEFAULT_THRESHOLD

        floor = read_manifest(data)
        table = coarsen_context(table, floor["anonymity_threshold"] if floor else DEFAULT_THRESHOLD)
    # Respondent level: owner-only, formula-looking cells defused in every text format.
    path = write_responses(table, output, fmt, instrument=ins, lang=lang)
    # Marks the file as this project's export, so that `run --data` of it keeps to the
    # project's threshold and release log (a copy of an export keeps its origin too).
    origin = read_manifest(data) if data is not None else None
    if project is not None:
        write_manifest(path, project.folder, project.id, project.anonymity_threshold)
    elif origin is not None:
        write_manifest(path, origin["project"], origin["project_id"], origin["anonymity_threshold"])
    else:
        manifest_path(path).unlink(missing_ok=True)
    typer.echo(f"wrote {path} ({len(table)} responses)")


def register(app: typer.Typer) -> None:
    app.command("export")(export)
