"""``alignmeter demo``, ``run`` and ``brief``: from responses to tables, figures and briefs."""

from __future__ import annotations

import tempfile
from pathlib import Path

import typer

from survey.errors import UserError

LANGS = ("de", "en")
PREVIOUS_HELP = "The previous wave's response table: adds what changed since then."


def _console():
    from rich.console import Console

    from analysis.cli import STATE

    return Console(quiet=STATE["quiet"], soft_wrap=True, highlight=False)


def _analyse(data: Path, ins, threshold: int, output: Path):
    """Read, validate and analyse ``data``; quarantine rows are numbered as in the file."""
    from analysis.pipeline import NoValidResponses, run_analysis
    from survey.tables import file_rows, read_table, write_quarantine

    rejects: list[dict] = []
    try:
        results = run_analysis(
            read_table(data, ins, rejects=rejects), ins, threshold=threshold, rejects=rejects
        )
    except NoValidResponses as exc:
        listed = _listed(data, output)
        write_quarantine(
            exc.quarantine.assign(row=file_rows(data, exc.quarantine["row"].tolist())), listed
        )
        raise UserError(f"{data}: {exc}; every failing cell is listed in {listed}") from None
    if len(results.quarantine):
        results.quarantine["row"] = file_rows(data, results.quarantine["row"].tolist())
    return results


def write_quarantine(quarantine, path: Path) -> Path:
    from survey.tables import write_quarantine as write

    return write(quarantine, path)


def _listed(data: Path, output: Path) -> Path:
    """Where rows left out are listed: next to the input (respondent-level values never go
    into a folder of tables or briefs that is handed around); beside the output folder
    when the input was a temporary export of the survey database."""
    from survey.tables import quarantine_path

    if Path(data).parent.name.startswith("alignmeter-"):  # brief's private scratch folder
        return output.with_name(output.name + ".quarantine.csv")
    return quarantine_path(data)


def _rejected(results, data: Path, listed: Path) -> None:
    """Say which rows were left out and where they are listed, and end with exit code 2."""
    bad = results.quarantine
    if bad.empty:
        return
    first = bad.iloc[0]
    rows = bad["row"].nunique()
    typer.echo(
        f"{data}: {rows} row{'s' if rows > 1 else ''} failed validation and were left out of "
        f"the analysis; every failing cell is listed in {listed} (first: row {first['row']}, "
        f"column {first['column']}, value {first['value']!r}: {first['reason']})",
        err=True,
    )
    raise typer.Exit(2)


def _analyse_and_write(
    data: Path,
    output: Path,
    *,
    langs: tuple[str, ...],
    company: str,
    threshold: int,
    notebooks: bool,
    previous: Path | None = None,
    invited: dict[str, int] | None = None,
) -> tuple[list, object]:
    """The full chain with a progress bar; returns the files written."""
    from rich.progress import Progress

    from analysis.brief.compose import findings_table, make_brief
    from analysis.findings import find_findings
    from analysis.invariance import department_invariance
    from analysis.pipeline import write_tables
    from survey import load_instrument
    from survey.tables import read_table

    console = _console()
    written: list[Path] = []
    steps = 2 + 2 * len(langs) + (1 if notebooks else 0)
    with Progress(console=console, transient=True, disable=console.quiet) as progress:
        task = progress.add_task("analysing", total=steps)
        ins = load_instrument()
        results = _analyse(data, ins, threshold, output)
        progress.advance(task)
        progress.update(task, description="writing tables")
        written += write_tables(results, output / "tables")
        findings = output / "tables" / "findings.csv"
        findings_table(find_findings(results, ins)).to_csv(findings, index=False)
        invariance = department_invariance(results.responses, ins, threshold=threshold)
        invariance.to_csv(output / "tables" / "invariance.csv", index=False)
        written += [findings, output / "tables" / "invariance.csv"]
        before = read_table(previous, ins) if previous else None
        progress.advance(task)
        for lang in langs:
            progress.update(task, description=f"writing the brief ({lang})")
            written += make_brief(
                results, ins, output, lang=lang, company=company,
                invariance=invariance, previous=before, invited=invited,
            )  # fmt: skip
            progress.advance(task)
        from analysis.deck import make_deck

        for lang in langs:
            progress.update(task, description=f"writing the deck ({lang})")
            written.append(
                make_deck(results, ins, output, lang=lang, company=company, invariance=invariance)
            )
            progress.advance(task)
        if notebooks:
            from analysis.notebooks import run_notebooks

            progress.update(task, description="running the notebooks")
            for nb, html in run_notebooks(
                output / "notebooks", data=data, lang=langs[0], threshold=threshold
            ):
                written += [nb, html]
            progress.advance(task)
    written += sorted((output / "figures").glob("*.*"))
    return written, results


def _report(written: list[Path]) -> None:
    """The list of files written; figures (PNG, SVG, alt text) only with ``--verbose``."""
    from analysis.cli import STATE

    console = _console()
    figures = [p for p in written if p.parent.name == "figures"]
    shown = written if STATE["verbose"] else [p for p in written if p not in figures]
    console.print(f"{len(written)} files written:")
    for path in shown:
        console.print(f"  {path}")
    if figures and not STATE["verbose"]:
        console.print(
            f"  and {len(figures)} figure files in {figures[0].parent} (--verbose lists them)"
        )


def demo(
    output: Path = typer.Option(Path("demo-output"), "--output", "-o", help="Folder to write."),
    units: int = typer.Option(12, "--units", help="Business units of the synthetic company."),
    per_department: int = typer.Option(
        20, "--per-department", help="Respondents per department and unit."
    ),
    seed: int = typer.Option(1, "--seed", help="Random seed."),
    notebooks: bool = typer.Option(True, "--notebooks/--no-notebooks", help="Run the notebooks."),
) -> None:
    """The demo diagnostic end to end: synthetic data, analysis, briefs and slide decks (de
    and en), figures, tables (CSV and Excel) and executed notebooks."""
    from survey.synthetic import generate, write_diagnostic

    diag = generate(units=units, per_department=per_department, seed=seed, scenario="default")
    table, truth = write_diagnostic(diag, output / "data" / "responses.csv")
    written, _ = _analyse_and_write(
        table, output, langs=LANGS, company="Demo GmbH", threshold=5, notebooks=notebooks
    )
    _report([table, truth, *written])


DATA_HELP = "Response table (CSV, Parquet, ...)."
PROJECT_HELP = "Web survey project folder: answers from its database (needs the admin key)."
DB_HELP = "Survey database URL (sqlite:///FILE or postgresql://...) holding one diagnostic."
KEY_HELP = "Admin key of --project (or $ALIGNMETER_ADMIN_KEY)."


def _source(
    data, project_dir, db, admin_key, folder: Path, company: str, threshold: int | None, invited
):
    """(response file, company, threshold, invited per department). A web survey's answers
    are exported first, to ``folder/responses.csv``, so that notebooks and re-runs read the
    same file; its invitations give the invited counts unless ``--invited`` does."""
    from analysis.anonymity import DEFAULT_THRESHOLD
    from survey import load_instrument
    from survey.cli.collect import load_responses

    counts = _invited(invited)
    if data is not None and project_dir is None and db is None:
        return data, company, threshold or DEFAULT_THRESHOLD, counts
    table, project = load_responses(
        load_instrument(), data=data, project_dir=project_dir, db=db, admin_key=admin_key
    )
    if table.empty:
        raise UserError("the survey database holds no finished response yet")
    path = folder / "responses.csv"
    path.parent.mkdir(parents=True, exist_ok=True)
    table.to_csv(path, index=False)
    if project is not None:
        company = company or project.company
        promised = project.anonymity_threshold
        if threshold is not None and threshold < promised:
            raise UserError(
                f"--threshold {threshold} is below the {promised} promised to the respondents "
                f"of {project_dir} (project.yaml); use {promised} or more"
            )
        threshold = threshold or promised
        counts = counts or _tokens_per_department(project_dir, db)
    return path, company, threshold or DEFAULT_THRESHOLD, counts


def _invited(specs: list[str] | None) -> dict[str, int]:
    out = {}
    for spec in specs or []:
        dept, _, number = spec.partition("=")
        if dept.strip() not in ("marketing", "sales") or not number.strip().isdigit():
            raise UserError(f"--invited {spec!r}: use marketing=N or sales=N")
        out[dept.strip()] = int(number)
    return out


def _tokens_per_department(project_dir, db) -> dict[str, int]:
    from survey.cli.collect import open_store

    _, store = open_store(project_dir, db)
    try:
        out: dict[str, int] = {}
        for row in store.counts():
            if row["invited"]:
                out[row["department"]] = out.get(row["department"], 0) + row["invited"]
        return out
    finally:
        store.dispose()


THRESHOLD_HELP = "Anonymity threshold (default 5, or the project's; at least 2)."
INVITED_HELP = (
    "People invited per department, for response rates, as marketing=N and sales=N "
    "(default: the project's invitation tokens)."
)


def run(
    data: Path = typer.Option(None, "--data", help=DATA_HELP),
    project_dir: Path = typer.Option(None, "--project", "-p", help=PROJECT_HELP),
    db: str = typer.Option(None, "--db", help=DB_HELP),
    admin_key: str = typer.Option(None, "--admin-key", help=KEY_HELP),
    output: Path = typer.Option(Path("alignmeter-output"), "--output", "-o", help="Folder."),
    company: str = typer.Option("", "--company", help="Company name for the brief."),
    threshold: int = typer.Option(None, "--threshold", min=2, help=THRESHOLD_HELP),
    invited: list[str] = typer.Option(None, "--invited", help=INVITED_HELP),
    notebooks: bool = typer.Option(False, "--notebooks/--no-notebooks", help="Run notebooks."),
    previous: Path | None = typer.Option(None, "--previous", help=PREVIOUS_HELP),
) -> None:
    """Analyse a real diagnostic (a response file or the web survey's database): tables,
    figures, briefs and slide decks in both languages. A database's answers are first exported to
    OUTPUT/data/responses.csv (respondent level: keep that folder private)."""
    data, company, threshold, counts = _source(
        data, project_dir, db, admin_key, output / "data", company, threshold, invited
    )
    written, results = _analyse_and_write(
        data, output, langs=LANGS, company=company, threshold=threshold, notebooks=notebooks,
        previous=previous, invited=counts,
    )  # fmt: skip
    _report(written)
    if len(results.quarantine):
        write_quarantine(results.quarantine, _listed(data, output))
    _rejected(results, data, _listed(data, output))


def brief(
    data: Path = typer.Option(None, "--data", help=DATA_HELP),
    project_dir: Path = typer.Option(None, "--project", "-p", help=PROJECT_HELP),
    db: str = typer.Option(None, "--db", help=DB_HELP),
    admin_key: str = typer.Option(None, "--admin-key", help=KEY_HELP),
    lang: str = typer.Option("en", "--lang", help="Language: de or en."),
    company: str = typer.Option("", "--company", help="Company name for the brief."),
    threshold: int = typer.Option(None, "--threshold", min=2, help=THRESHOLD_HELP),
    invited: list[str] = typer.Option(None, "--invited", help=INVITED_HELP),
    output: Path = typer.Option(Path("brief"), "--output", "-o", help="Folder to write."),
    previous: Path | None = typer.Option(None, "--previous", help=PREVIOUS_HELP),
) -> None:
    """Write the executive brief (HTML and PDF, 2-4 pages) for one language, from a response
    file or from the web survey's database."""
    from analysis.brief.compose import make_brief
    from survey import load_instrument
    from survey.tables import read_table

    if lang not in LANGS:
        raise UserError(f"unknown language {lang!r}; use de or en")
    ins = load_instrument()
    # A database's answers pass through a private temporary file: a brief folder is
    # handed around, respondent-level data must not be in it.
    with tempfile.TemporaryDirectory(prefix="alignmeter-") as scratch:
        data, company, threshold, counts = _source(
            data, project_dir, db, admin_key, Path(scratch), company, threshold, invited
        )
        results = _analyse(data, ins, threshold, output)
    before = read_table(previous, ins) if previous else None
    for path in make_brief(
        results, ins, output, lang=lang, company=company, previous=before, invited=counts
    ):
        _console().print(f"wrote {path}")
    listed = _listed(data, output)
    if len(results.quarantine):
        write_quarantine(results.quarantine, listed)
        _console().print(f"wrote {listed}")
    _rejected(results, data, listed)


def register(app: typer.Typer) -> None:
    app.command("demo")(demo)
    app.command("run")(run)
    app.command("brief")(brief)
