"""``alignmeter ingest``: another survey tool's responses into the canonical table."""

from __future__ import annotations

from pathlib import Path

import typer


def ingest(
    path: Path = typer.Argument(..., help="The vendor's response file."),
    fmt: str = typer.Option(
        "auto", "--format", help="auto, qualtrics, limesurvey, google, msforms, surveyjs or csv."
    ),
    mapping: Path = typer.Option(
        None, "--mapping", help="YAML 'columns: {header: CODE or ignore}' for other columns."
    ),
    output: Path = typer.Option(..., "--output", "-o", help="Table to write (.csv/.parquet)."),
) -> None:
    """Import responses: writes the validated table, a quarantine file (row, column, value,
    reason) and an import report; nothing is dropped without a quarantine line."""
    from survey import load_instrument
    from survey.ingest import ingest as run_ingest
    from survey.ingest import write_ingest

    valid, quarantine, report = run_ingest(path, load_instrument(), fmt=fmt, mapping=mapping)
    for written in write_ingest(valid, quarantine, report, output):
        typer.echo(f"wrote {written}")
    typer.echo(
        f"{report.rows_read} rows read, {report.accepted} accepted, "
        f"{report.quarantined} quarantined, {report.partial} partial, "
        f"{report.duplicate} duplicate"
    )


def register(app: typer.Typer) -> None:
    app.command("ingest")(ingest)
