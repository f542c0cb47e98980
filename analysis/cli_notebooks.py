"""``alignmeter notebooks run``: execute the analysis notebooks and render them to HTML."""

from __future__ import annotations

from pathlib import Path

import typer

from survey.errors import UserError

notebooks_app = typer.Typer(help="Run the JupyterLab notebooks.", no_args_is_help=True)


@notebooks_app.command("run")
def run(
    data: Path = typer.Option(
        None, "--data", help="Response table (CSV/Parquet); default: the example."
    ),
    lang: str = typer.Option("en", "--lang", help="Language of labels: de or en."),
    threshold: int = typer.Option(5, "--threshold", min=2, help="Anonymity threshold."),
    output: Path = typer.Option(
        ..., "--output", "-o", help="Folder for executed notebooks and HTML."
    ),
) -> None:
    """Execute every notebook with papermill into OUTPUT and render each to HTML."""
    from papermill.exceptions import PapermillExecutionError

    from analysis.cli import STATE
    from analysis.notebooks import run_notebooks
    from survey import load_instrument
    from survey.tables import read_table

    if data is not None:
        read_table(data, load_instrument())  # a file that cannot be read fails here, clearly
    try:
        written = run_notebooks(output, data=data, lang=lang, threshold=threshold)
    except PapermillExecutionError as exc:
        raise UserError(
            f"a notebook stopped at cell {exc.exec_count}: {exc.ename}: {exc.evalue} "
            f"(the executed notebook in {output} shows where)"
        ) from None
    for nb, html in written:
        if not STATE["quiet"]:
            typer.echo(f"wrote {nb} and {html}")


def register(app: typer.Typer) -> None:
    app.add_typer(notebooks_app, name="notebooks")
