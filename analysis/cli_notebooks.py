"""``alignmeter notebooks run``: execute the analysis notebooks and render them to HTML."""

from __future__ import annotations

from pathlib import Path

import typer

notebooks_app = typer.Typer(help="Run the JupyterLab notebooks.", no_args_is_help=True)


@notebooks_app.command("run")
def run(
    data: Path = typer.Option(
        None, "--data", help="Response table (CSV/Parquet); default: the example."
    ),
    lang: str = typer.Option("en", "--lang", help="Language of labels: de or en."),
    threshold: int = typer.Option(5, "--threshold", help="Anonymity threshold."),
    output: Path = typer.Option(
        ..., "--output", "-o", help="Folder for executed notebooks and HTML."
    ),
) -> None:
    """Execute every notebook with papermill into OUTPUT and render each to HTML."""
    from analysis.notebooks import run_notebooks

    for nb, html in run_notebooks(output, data=data, lang=lang, threshold=threshold):
        typer.echo(f"wrote {nb} and {html}")


def register(app: typer.Typer) -> None:
    app.add_typer(notebooks_app, name="notebooks")
