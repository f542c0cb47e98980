"""``alignmeter ingest``: import responses from another survey tool."""

from __future__ import annotations

from pathlib import Path

import typer


def ingest(
    path: Path = typer.Argument(..., help="Response file: CSV/TSV, XLSX, JSON or JSON lines."),
    fmt: str = typer.Option(
        "auto",
        "--format",
        help="auto, qualtrics, limesurvey, google, msforms, surveyjs or csv.",
    ),
    mapping: Path = typer.Option(
        None, "--mapping", help="YAML naming columns, labels and constants the file lacks."
    ),
    output: Path = typer.Option(
        ..., "--output", "-o", help="Canonical table to write (.csv or .parquet)."
    ),
    instrument: Path = typer.Option(None, "--instrument", help="Instrument YAML."),
) -> None:
    """Import responses; write the table, OUTPUT.quarantine.csv and OUTPUT.report.json.
    Exit code 2 when rows failed and were left out (they are in the quarantine file)."""
    import json

    from survey.importers import ingest as run_ingest
    from survey.instrument import load_instrument
    from survey.tables import table_format, write_table

    table_format(output)  # a wrong suffix fails before the import does any work
    ins = load_instrument(instrument)
    result = run_ingest(path, ins, fmt=fmt, mapping=mapping)
    written = write_table(result.table, output, instrument=ins)
    stem = output.with_suffix("")
    quarantine = stem.with_name(stem.name + ".quarantine.csv")
    report = stem.with_name(stem.name + ".report.json")
    result.quarantine.to_csv(quarantine, index=False, lineterminator="\n")
    report.write_text(json.dumps(result.report, indent=2, ensure_ascii=False), encoding="utf-8")
    r = result.report
    typer.echo(
        f"{path} ({r['format']}): read {r['rows_read']}, accepted {r['accepted']}, "
        f"quarantined {r['quarantined']}, partial {r['partial']}, duplicate {r['duplicate']}"
    )
    typer.echo(f"wrote {written}, {quarantine} and {report}")
    if r["quarantined"]:
        first = result.quarantine.iloc[0]
        typer.echo(
            f"{path}: {r['quarantined']} rows failed and were left out; every failing cell is "
            f"listed in {quarantine} (first: row {first['row']}, column {first['column']}, "
            f"value {first['value']!r}: {first['reason']})",
            err=True,
        )
        raise typer.Exit(2)


def register(app: typer.Typer) -> None:
    app.command("ingest")(ingest)
