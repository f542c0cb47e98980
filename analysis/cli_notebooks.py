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
    instrument: Path = typer.Option(
        None, "--instrument", help="Instrument YAML the table follows; default: the shipped one."
    ),
    threshold: int = typer.Option(
        None, "--threshold", min=2, help="Anonymity threshold (default 5, or the project's)."
    ),
    output: Path = typer.Option(
        ..., "--output", "-o", help="Folder for executed notebooks and HTML."
    ),
) -> None:
    """Execute every notebook with papermill into OUTPUT and render each to HTML.

    The notebooks see only what may be released: cells held back for unconfirmed bursts of
    near-identical answers, or by the delta rule against the project's earlier releases
    (when DATA is a project's export), are left out, and the release is recorded."""
    import tempfile

    from papermill.exceptions import PapermillExecutionError

    from analysis.cli import STATE
    from analysis.notebooks import run_notebooks
    from survey import load_instrument
    from survey.project import DEFAULT_THRESHOLD
    from survey.publication import floor_threshold, prepare_release
    from survey.tables import read_table, write_table

    threshold = floor_threshold(data, threshold, DEFAULT_THRESHOLD)
    with tempfile.TemporaryDirectory(prefix="alignmeter-") as scratch:
        released = None
        if data is not None:
            ins = load_instrument(instrument)
            table = read_table(data, ins)  # an unreadable file fails here, clearly
            release = prepare_release(
                table, ins, threshold=threshold, data_file=data, kind="notebooks"
            )
            for line in release.messages():
                typer.echo(line, err=True)
            # Only the released rows reach the notebooks, through a private file outside
            # the output folder.
            released = write_table(release.table, Path(scratch) / "released.csv")
        try:
            written = run_notebooks(
                output, data=released, lang=lang, threshold=threshold, instrument=instrument
            )
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
