"""``alignmeter instrument ...`` and ``alignmeter codebook``."""

from __future__ import annotations

from pathlib import Path

import typer

instrument_app = typer.Typer(
    help="Check and export the instrument (item bank).", no_args_is_help=True
)


@instrument_app.command("validate")
def validate(
    path: Path = typer.Argument(None, help="Instrument YAML; default: the shipped one."),
) -> None:
    """Validate an instrument file and print what it holds."""
    from survey.instrument import load_instrument

    ins = load_instrument(path)
    typer.echo(
        f"{ins.source_file}: valid - {len(ins.items)} items, {len(ins.columns())} columns, "
        f"{len(ins.scales)} scales, {len(ins.mirror_pairs())} mirror pairs"
    )


@instrument_app.command("export")
def export(
    fmt: str = typer.Option(
        ..., "--format", help="limesurvey (.txt), surveyjs (.json), qualtrics (.txt), print."
    ),
    lang: str = typer.Option("de,en", "--lang", help="Languages, comma-separated: de, en."),
    output: Path = typer.Option(..., "--output", "-o", help="File to write; print: .html or .pdf."),
    instrument: Path = typer.Option(None, "--instrument", help="Instrument YAML."),
    project: Path = typer.Option(
        None, "--project", help="Project folder: its business units become a list to choose."
    ),
) -> None:
    """Export the instrument to a survey tool or as a printable questionnaire."""
    from survey.exporters import export_instrument, parse_languages
    from survey.instrument import load_instrument

    units = None
    if project is not None:
        from survey.project import load_project

        units = load_project(project).business_units
    paths = export_instrument(
        load_instrument(instrument), fmt, output, parse_languages(lang), units=units
    )
    for path in paths:
        typer.echo(f"wrote {path}")
    if fmt == "qualtrics":
        typer.echo(
            "note: set the embedded data fields own_dept and other_dept in the survey flow "
            "(branch on DEPARTMENT) so that mirror items name the departments"
        )


def codebook(
    lang: str = typer.Option("en", "--lang", help="Language of labels: de or en."),
    fmt: str = typer.Option("md", "--format", help="md, html or csv."),
    output: Path = typer.Option(..., "--output", "-o", help="File to write."),
    instrument: Path = typer.Option(None, "--instrument", help="Instrument YAML."),
) -> None:
    """Write the codebook of the instrument (Markdown, HTML or CSV)."""
    from survey.codebook import write_codebook
    from survey.instrument import load_instrument

    path = write_codebook(load_instrument(instrument), output, fmt=fmt, lang=lang)
    typer.echo(f"wrote {path}")


def register(app: typer.Typer) -> None:
    app.add_typer(instrument_app, name="instrument")
    app.command("codebook")(codebook)
