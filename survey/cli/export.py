"""``alignmeter export``: the response table for other software."""

from __future__ import annotations

from pathlib import Path

import typer


def export(
    data: Path = typer.Option(..., "--data", help="Response table (CSV or Parquet)."),
    fmt: str = typer.Option(
        None, "--format", help="csv, parquet, spss, stata or csv-excel (default: by suffix)."
    ),
    lang: str = typer.Option("en", "--lang", help="Language of SPSS/Stata labels: de or en."),
    output: Path = typer.Option(..., "--output", "-o", help="File to write."),
) -> None:
    """Write the response table as CSV, Parquet, SPSS (.sav) or Stata (.dta) with variable
    and value labels, or an Excel CSV (UTF-8 with BOM, ';', decimal comma)."""
    from survey import load_instrument
    from survey.tables import read_table, write_table

    if lang not in ("de", "en"):
        raise ValueError(f"unknown language {lang!r}; use de or en")
    ins = load_instrument()
    path = write_table(read_table(data, ins), output, fmt, instrument=ins, lang=lang)
    typer.echo(f"wrote {path}")


def register(app: typer.Typer) -> None:
    app.command("export")(export)
