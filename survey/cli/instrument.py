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
    fmt: str = typer.Option(..., "--format", help="limesurvey, surveyjs, qualtrics or print."),
    lang: str = typer.Option("de,en", "--lang", help="Languages, comma-separated (de,en)."),
    output: Path = typer.Option(..., "--output", "-o", help="File to write."),
    instrument: Path = typer.Option(None, "--instrument", help="Instrument YAML."),
) -> None:
    """Export the instrument: LimeSurvey's tab-separated structure (all languages), a
    SurveyJS form (JSON, all languages), a Qualtrics Advanced
    Format TXT (one file per language) or a printable questionnaire (HTML and PDF per
    language, one copy per department)."""
    from survey.instrument import load_instrument

    langs = tuple(code.strip() for code in lang.split(","))
    if not langs or any(code not in ("de", "en") for code in langs):
        raise ValueError(f"--lang takes de, en or de,en, not {lang!r}")
    ins = load_instrument(instrument)
    if fmt == "limesurvey":
        from survey.exporters.limesurvey import write_limesurvey

        written = [write_limesurvey(ins, output, langs)]
    elif fmt == "surveyjs":
        from survey.exporters.surveyjs import write_surveyjs

        written = [write_surveyjs(ins, output, langs)]
    elif fmt == "qualtrics":
        from survey.exporters.qualtrics import write_qualtrics

        written = [
            write_qualtrics(
                ins,
                output
                if len(langs) == 1
                else output.with_name(f"{output.stem}_{code}{output.suffix}"),
                code,
            )
            for code in langs
        ]
    elif fmt == "print":
        from survey.exporters.printable import write_questionnaire

        written = []
        for code in langs:
            target = (
                output
                if len(langs) == 1
                else output.with_name(f"{output.stem}_{code}{output.suffix}")
            )
            written += write_questionnaire(ins, target, code)
    else:
        raise ValueError(
            f"unknown export format {fmt!r}; use limesurvey, surveyjs, qualtrics or print"
        )
    for path in written:
        typer.echo(f"wrote {path}")


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
