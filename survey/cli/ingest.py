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
    """Import responses; write the table, OUTPUT.report.json and, next to the input,
    INPUT.quarantine.csv (rows left out, cell by cell). Exit code 1: the file cannot be
    used; 2: rows failed and were left out (they are in the quarantine file)."""
    import json

    from survey.importers import ingest as run_ingest
    from survey.instrument import load_instrument
    from survey.tables import quarantine_path, table_format, write_quarantine, write_table

    table_format(output)  # a wrong suffix fails before the import does any work
    result = run_ingest(path, load_instrument(instrument), fmt=fmt, mapping=mapping)
    written = write_table(result.table, output)
    stem = output.with_suffix("")
    quarantine = quarantine_path(path)
    report = stem.with_name(stem.name + ".report.json")
    r = result.report
    r["quarantine_file"] = str(quarantine) if len(result.quarantine) else ""
    if len(result.quarantine):
        write_quarantine(result.quarantine, quarantine)
    elif quarantine.exists():
        quarantine.unlink()  # a previous run's: it no longer describes this import
    report.write_text(json.dumps(r, indent=2, ensure_ascii=False), encoding="utf-8")
    for line in summary(r):
        typer.echo(line, err=True)
    typer.echo(f"wrote {written} and {report}")
    if r["quarantined"]:
        first = result.quarantine.iloc[0]
        typer.echo(
            f"{path}: {r['quarantined']} row(s) failed and were left out; every failing cell "
            f"is listed in {quarantine} (first: row {first['row']}, column {first['column']}, "
            f"value {first['value']!r}: {first['reason']})",
            err=True,
        )
        raise typer.Exit(2)


def summary(report: dict) -> list[str]:
    """The human summary of an import: counts, how the file was read, what needs a look."""
    from survey.errors import shorten

    r = report
    read = f"{r['encoding']}" + (f", separator {r['separator']!r}" if r["separator"] else "")
    if r.get("line_endings"):
        read += f", line endings {r['line_endings']}"
    lines = [
        f"{r['file']} ({r['format']}; {read}): read {r['rows_read']}, accepted {r['accepted']}, "
        f"quarantined {r['quarantined']}, partial {r['partial']}, duplicate {r['duplicate']}",
    ]
    by_how: dict[str, int] = {}
    for m in r["matches"]:
        by_how[str(m["how"])] = by_how.get(str(m["how"]), 0) + 1
    shown = ", ".join(f"{n} by {how}" for how, n in by_how.items())
    lines.append(f"columns: {r['columns_matched']} matched ({shown or 'none'})")
    unsure = [m for m in r["matches"] if float(m["confidence"]) < 1]
    for m in unsure:
        lines.append(
            f"  matched {shorten(m['header'], 60)!r} -> {m['column']} "
            f"({m['how']}, confidence {float(m['confidence']):.2f}): check it"
        )
    for finding in r["findings"]:
        lines.append(f"  note: {shorten(finding, 320)}")
    others = [
        c
        for c in r["columns_ignored"]
        if "metadata" not in str(c["reason"])
        and not str(c["reason"]).startswith(("no header;", "resembles", "its text is"))
    ]
    if others:
        names = ", ".join(repr(shorten(c["header"], 40)) for c in others[:5])
        more = f" and {len(others) - 5} more" if len(others) > 5 else ""
        lines.append(f"  ignored {len(others)} column(s) matching no item: {names}{more}")
    return lines


def register(app: typer.Typer) -> None:
    app.command("ingest")(ingest)
