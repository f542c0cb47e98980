"""``alignmeter synth``: generate a synthetic diagnostic."""

from __future__ import annotations

from pathlib import Path

import typer


def synth(
    units: int = typer.Option(12, "--units", help="Business units."),
    per_department: int = typer.Option(
        20, "--per-department", help="Respondents per department and unit."
    ),
    seed: int = typer.Option(1, "--seed", help="Random seed; same seed, same bytes."),
    scenario: str = typer.Option(
        "default", "--scenario", help="default, clean, null, messy or small_unit (see above)."
    ),
    output: Path = typer.Option(
        ..., "--output", "-o", help="Wide table to write (.csv or .parquet)."
    ),
    instrument: Path = typer.Option(
        None, "--instrument", help="Instrument YAML to follow; default: the shipped one."
    ),
) -> None:
    """Generate a synthetic diagnostic and its ground truth (OUTPUT + .truth.json).

    Scenarios (what is planted):

    \b
    default     realistic: planted gaps and a few data-quality problems
    clean       planted gaps, tight configurations, no data-quality problems
    null        departments answer alike: no perception gap anywhere
    messy       planted gaps and many data-quality problems
    small_unit  like default without data-quality problems, plus a unit of 3 per
                department (below the anonymity threshold)
    """
    from survey.instrument import load_instrument
    from survey.synthetic import generate, write_diagnostic

    diag = generate(
        units=units,
        per_department=per_department,
        seed=seed,
        scenario=scenario,
        instrument=load_instrument(instrument),
    )
    table, truth = write_diagnostic(diag, output)
    typer.echo(f"wrote {table} ({len(diag.responses)} respondents) and {truth}")


def register(app: typer.Typer) -> None:
    app.command("synth")(synth)
