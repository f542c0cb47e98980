"""``alignmeter confirm``: list bursts of near-identical answers, or confirm them as genuine."""

from __future__ import annotations

from pathlib import Path

import typer

from survey.cli.collect import ADMIN_ENV, DB_HELP


def confirm(
    data: Path = typer.Option(None, "--data", help="Response table (a project's export or any)."),
    project_dir: Path = typer.Option(None, "--project", "-p", help="Project folder."),
    db: str = typer.Option(None, "--db", help=DB_HELP),
    admin_key: str = typer.Option(None, "--admin-key", help=f"Admin key (or ${ADMIN_ENV})."),
    unit: str = typer.Option(None, "--unit", help="Business unit whose bursts to confirm."),
    department: str = typer.Option(
        None, "--department", help="Only this department's answers in the unit."
    ),
) -> None:
    """Without --unit: list the cells held back because near-identical answers arrived in a
    burst (possible padding). With --unit (and --department): confirm that the answers now
    seen there are genuine, so that the next release shows the cell. New near-identical
    answers arriving later need a new confirmation."""
    from rich.console import Console

    from survey import load_instrument
    from survey.bursts import (
        confirm_bursts,
        confirmed_path,
        find_bursts,
        read_confirmed,
        unconfirmed_cells,
    )
    from survey.cli.collect import load_responses
    from survey.project import DEFAULT_THRESHOLD
    from survey.releases import read_manifest
    from survey.schema import validate_responses

    ins = load_instrument()
    table, project = load_responses(
        ins, data=data, project_dir=project_dir, db=db, admin_key=admin_key
    )
    manifest = read_manifest(data) if data is not None else None
    if project is not None:
        folder, threshold = project.folder, project.anonymity_threshold
    elif manifest is not None:
        folder, threshold = manifest["project"], manifest["anonymity_threshold"]
    elif data is not None:
        folder, threshold = None, DEFAULT_THRESHOLD
    else:
        raise ValueError("confirmations are kept in the project folder: pass --project DIR")
    where = confirmed_path(folder, data)
    valid = validate_responses(table, ins).valid
    columns = list(ins.columns())
    bursts = find_bursts(valid, columns, threshold=threshold)
    console = Console(soft_wrap=True, highlight=False)
    if unit is None:
        pending = unconfirmed_cells(valid, columns, bursts, read_confirmed(where))
        if not pending:
            console.print("no unconfirmed bursts of near-identical answers")
        for (dept, u), (_, detail) in sorted(pending.items()):
            console.print(f"{dept} in {u}: {detail}")
        return
    cells = {
        (d, u)
        for d, u in zip(bursts["department"], bursts["business_unit"], strict=True)
        if u == unit and (department is None or d == department)
    }
    if not cells:
        raise ValueError(
            f"no burst of near-identical answers in {unit}"
            + (f" ({department})" if department else "")
            + "; `alignmeter confirm` without --unit lists them"
        )
    done = confirm_bursts(where, valid, columns, bursts, cells)
    named = ", ".join(f"{d} in {u}" for d, u in sorted(cells))
    console.print(f"confirmed {done} near-identical answers as genuine: {named} (in {where})")


def register(app: typer.Typer) -> None:
    app.command("confirm")(confirm)
