"""``alignmeter demo``: the demo diagnostic end to end on the embedded default."""

from __future__ import annotations

from pathlib import Path

import typer


def demo(
    output: Path = typer.Option(Path("demo-output"), "--output", "-o", help="Folder to write."),
    units: int = typer.Option(12, "--units", help="Business units."),
    per_department: int = typer.Option(
        20, "--per-department", help="Respondents per department and unit."
    ),
    seed: int = typer.Option(1, "--seed", help="Random seed."),
) -> None:
    """Generate the synthetic demo diagnostic, validate it and summarise it."""
    from rich.console import Console
    from rich.table import Table

    from survey import load_instrument
    from survey.schema import validate_responses
    from survey.synthetic import generate, write_diagnostic

    console = Console()
    ins = load_instrument()
    diag = generate(units=units, per_department=per_department, seed=seed, scenario="default")
    result = validate_responses(diag.responses, ins)
    table_path, truth_path = write_diagnostic(diag, output / "responses.csv")
    quarantine_path = output / "quarantine.csv"
    result.quarantine.to_csv(quarantine_path, index=False)

    counts = result.valid.groupby(["business_unit", "department"]).size().unstack(fill_value=0)
    summary = Table(title="Respondents by business unit and department")
    summary.add_column("unit")
    for dept in counts.columns:
        summary.add_column(dept, justify="right")
    for unit, row in counts.iterrows():
        summary.add_row(unit, *(str(v) if v >= 5 else "<5" for v in row))
    console.print(summary)
    console.print(
        f"{len(diag.responses)} responses, {len(result.valid)} valid, "
        f"{result.quarantine['row'].nunique()} quarantined; "
        f"instrument {ins.id} {ins.version}: {len(ins.items)} items, {len(ins.scales)} scales"
    )
    console.print("Files written:")
    for path in (table_path, truth_path, quarantine_path):
        console.print(f"  {path}")


def register(app: typer.Typer) -> None:
    app.command("demo")(demo)
