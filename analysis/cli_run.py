"""``alignmeter demo``, ``run`` and ``brief``: from responses to tables, figures and briefs."""

from __future__ import annotations

import dataclasses
import tempfile
from pathlib import Path

import typer

from survey.errors import UserError

LANGS = ("de", "en")
PREVIOUS_HELP = "The previous wave's response table: adds what changed since then."
INSTRUMENT_HELP = (
    "Instrument YAML the table follows (default: the shipped one; --project: its own)."
)
PREVIOUS_INSTRUMENT_HELP = "Instrument of --previous when it differs (e.g. the full form)."


def _console():
    from rich.console import Console

    from analysis.cli import STATE

    return Console(quiet=STATE["quiet"], soft_wrap=True, highlight=False)


def analyse_release(data: Path, ins, threshold: int, output: Path, *, kind: str = "run"):
    """Read, validate and analyse what may be released of ``data``; quarantine rows are
    numbered as in the file.

    The one call for every command that publishes results (``run``, ``brief``, ``deck``):
    cells reached by unconfirmed bursts of near-identical answers, and cells that changed
    by fewer respondents than the threshold since an earlier release of the same project,
    are left out of every table (``Results.notes`` rows of table ``release`` say which and
    why, and so does a line on stderr); the release is recorded in the project's log.
    """
    import pandas as pd

    from analysis.pipeline import NoValidResponses, run_analysis
    from survey.publication import prepare_release
    from survey.tables import file_rows, read_table, write_quarantine

    rejects: list[dict] = []
    table = read_table(data, ins, rejects=rejects)
    release = prepare_release(
        table, ins, threshold=threshold, data_file=data, kind=kind, rejects=rejects
    )
    quarantine = release.quarantine
    if len(quarantine):
        quarantine["row"] = file_rows(data, quarantine["row"].tolist())
    if quarantine["row"].nunique() == len(table):
        listed = _listed(data, output)
        write_quarantine(quarantine, listed)
        exc = NoValidResponses(quarantine)
        raise UserError(f"{data}: {exc}; every failing cell is listed in {listed}") from None
    for line in release.messages():
        typer.echo(line, err=True)
    try:
        results = run_analysis(release.table, ins, threshold=threshold, rejects=release.rejects)
    except NoValidResponses:
        raise UserError(
            f"{data}: nothing may be released: every cell with valid answers is held back "
            f"({'; '.join(release.messages())})"
        ) from None
    results.quarantine = quarantine
    results.notes = pd.concat([results.notes, release.notes()], ignore_index=True)
    return results


_analyse = analyse_release  # the name the commands here have always used


def _quarantine_summary(quarantine):
    """The quarantine for a table handed around: failing rows per column and reason."""
    import pandas as pd

    if quarantine.empty:
        return pd.DataFrame(columns=["column", "reason", "rows"])
    return (
        quarantine.groupby(["column", "reason"], sort=True)["row"]
        .nunique()
        .rename("rows")
        .reset_index()
    )


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
        f"column {first['column']}: {first['reason']})",  # never the value: it may be an answer
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
    instrument: Path | None = None,
    previous_instrument: Path | None = None,
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
        ins = load_instrument(instrument)
        results = _analyse(data, ins, threshold, output, kind="run")
        progress.advance(task)
        progress.update(task, description="writing tables")
        # Tables are handed around: the quarantine goes into them only as counts.
        summary = dataclasses.replace(results, quarantine=_quarantine_summary(results.quarantine))
        written += write_tables(summary, output / "tables")
        findings = output / "tables" / "findings.csv"
        findings_table(find_findings(results, ins)).to_csv(findings, index=False)
        invariance = department_invariance(results.responses, ins, threshold=threshold)
        invariance.to_csv(output / "tables" / "invariance.csv", index=False)
        written += [findings, output / "tables" / "invariance.csv"]
        prev_ins = load_instrument(previous_instrument) if previous_instrument else ins
        before = read_table(previous, prev_ins) if previous else None
        progress.advance(task)
        for lang in langs:
            progress.update(task, description=f"writing the brief ({lang})")
            written += make_brief(
                results, ins, output, lang=lang, company=company,
                invariance=invariance, previous=before, invited=invited,
                previous_instrument=prev_ins,
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
            # Only what this release may show reaches the notebooks, through a private
            # file outside the output folder.
            from survey.tables import write_table

            with tempfile.TemporaryDirectory(prefix="alignmeter-") as scratch:
                released = write_table(results.responses, Path(scratch) / "released.csv")
                for nb, html in run_notebooks(
                    output / "notebooks", data=released, lang=langs[0], threshold=threshold,
                    instrument=instrument,
                ):  # fmt: skip
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
    instrument: Path = typer.Option(
        None, "--instrument", help="Instrument YAML; default: the shipped one."
    ),
) -> None:
    """The demo diagnostic end to end: synthetic data, analysis, briefs and slide decks
    (every language of the instrument), figures, tables (CSV and Excel) and executed
    notebooks."""
    from survey.instrument import load_instrument
    from survey.synthetic import generate, write_diagnostic

    ins = load_instrument(instrument)
    diag = generate(
        units=units, per_department=per_department, seed=seed, scenario="default", instrument=ins
    )
    table, truth = write_diagnostic(diag, output / "data" / "responses.csv")
    written, _ = _analyse_and_write(
        table, output, langs=brief_languages(ins), company="Demo GmbH", threshold=5,
        notebooks=notebooks, instrument=instrument,
    )  # fmt: skip
    _report([table, truth, *written])


DATA_HELP = "Response table (CSV, Parquet, ...)."
PROJECT_HELP = "Web survey project folder: answers from its database (needs the admin key)."
DB_HELP = "Survey database URL (sqlite:///FILE or postgresql://...) holding one diagnostic."
KEY_HELP = "Admin key of --project (or $ALIGNMETER_ADMIN_KEY)."


def brief_languages(ins) -> tuple[str, ...]:
    """The languages a brief is written in: the instrument's (the brief's texts exist in
    de and en)."""
    langs = tuple(lang for lang in ins.languages if lang in LANGS)
    if not langs:
        raise UserError(f"instrument {ins.id!r} has no language the brief is written in {LANGS}")
    return langs


def _source(
    data,
    project_dir,
    db,
    admin_key,
    folder: Path,
    company: str,
    threshold: int | None,
    invited,
    ins=None,
):
    """(response file, company, threshold, invited per department). A web survey's answers
    are exported first, to ``folder/responses.csv``, so that notebooks and re-runs read the
    same file; its invitations give the invited counts unless ``--invited`` does."""
    from analysis.anonymity import DEFAULT_THRESHOLD
    from survey import load_instrument
    from survey.cli.collect import load_responses
    from survey.publication import floor_threshold
    from survey.releases import write_manifest

    counts = _invited(invited)
    if data is not None and project_dir is None and db is None:
        # A project's export keeps to the project's threshold (and, in _analyse, its log).
        return data, company, floor_threshold(data, threshold, DEFAULT_THRESHOLD), counts
    from survey.files import private_dir
    from survey.tables import neutralise_formulas, write_table

    ins = ins or load_instrument()
    table, project = load_responses(
        ins, data=data, project_dir=project_dir, db=db, admin_key=admin_key
    )
    if table.empty:
        raise UserError("the survey database holds no finished response yet")
    path = private_dir(folder) / "responses.csv"  # respondent level: 0600 in a 0700 folder
    # records the instrument id and version; formula-looking cells defused
    write_table(neutralise_formulas(table), path, instrument=ins)
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
        write_manifest(path, project.folder, project.id, promised)
    else:
        typer.echo(
            f"{db}: no project folder, so this release is not recorded and cannot be checked "
            "against earlier ones; pass --project DIR",
            err=True,
        )
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
    instrument: Path = typer.Option(None, "--instrument", help=INSTRUMENT_HELP),
    previous_instrument: Path = typer.Option(
        None, "--previous-instrument", help=PREVIOUS_INSTRUMENT_HELP
    ),
) -> None:
    """Analyse a real diagnostic (a response file or the web survey's database): tables,
    figures, briefs and slide decks in both languages. A database's answers are first exported to
    OUTPUT/data/responses.csv (respondent level: keep that folder private)."""
    from survey.cli.collect import instrument_of

    ins = instrument_of(project_dir, instrument)
    path = ins.source_file if project_dir else instrument
    data, company, threshold, counts = _source(
        data, project_dir, db, admin_key, output / "data", company, threshold, invited, ins
    )
    written, results = _analyse_and_write(
        data, output, langs=brief_languages(ins), company=company, threshold=threshold,
        notebooks=notebooks, previous=previous, invited=counts, instrument=path,
        previous_instrument=previous_instrument,
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
    instrument: Path = typer.Option(None, "--instrument", help=INSTRUMENT_HELP),
    previous_instrument: Path = typer.Option(
        None, "--previous-instrument", help=PREVIOUS_INSTRUMENT_HELP
    ),
) -> None:
    """Write the executive brief (HTML and PDF, 2-4 pages) for one language, from a response
    file or from the web survey's database."""
    from analysis.brief.compose import make_brief
    from survey import load_instrument
    from survey.cli.collect import instrument_of
    from survey.tables import read_table

    ins = instrument_of(project_dir, instrument)
    if lang not in brief_languages(ins):
        raise UserError(f"unknown language {lang!r}; use {' or '.join(brief_languages(ins))}")
    # A database's answers pass through a private temporary file: a brief folder is
    # handed around, respondent-level data must not be in it.
    with tempfile.TemporaryDirectory(prefix="alignmeter-") as scratch:
        data, company, threshold, counts = _source(
            data, project_dir, db, admin_key, Path(scratch), company, threshold, invited, ins
        )
        results = _analyse(data, ins, threshold, output, kind="brief")
    prev_ins = load_instrument(previous_instrument) if previous_instrument else ins
    before = read_table(previous, prev_ins) if previous else None
    for path in make_brief(
        results, ins, output, lang=lang, company=company, previous=before, invited=counts,
        previous_instrument=prev_ins,
    ):  # fmt: skip
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
