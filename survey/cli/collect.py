"""``alignmeter init``, ``serve``, ``invite`` and ``status``: running the web survey."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import typer

from survey.errors import UserError

ADMIN_ENV = "ALIGNMETER_ADMIN_KEY"
DB_HELP = (
    "Database URL (default: the SQLite file in the project folder), e.g. postgresql://user@host/db."
)


def open_store(project_dir: Path, db: str | None):
    """The project and its store (the project's SQLite file unless ``db`` is given)."""
    from survey.project import load_project
    from survey.store import Store

    project = load_project(project_dir)
    return project, Store(db or project.sqlite_url, project.id)


def require_admin(project, key: str | None) -> None:
    key = key or os.environ.get(ADMIN_ENV)
    if not key:
        raise UserError(f"this needs the admin key: pass --admin-key or set {ADMIN_ENV}")
    if not project.check_admin_key(key):
        raise UserError("the admin key is not correct")


def load_responses(ins, *, data=None, project_dir=None, db=None, admin_key=None, partial=False):
    """(wide table, project or None) from a file, a project folder or a database URL.

    A project folder needs the admin key. A bare ``--db`` URL already carries the database
    credentials; it must hold exactly one diagnostic. Role and tenure are blanked where
    they would single out fewer respondents than the anonymity threshold.
    """
    from survey.collected import coarsen_context, collected_responses
    from survey.project import DEFAULT_THRESHOLD
    from survey.store import Store
    from survey.tables import read_table

    if (data is None) == (project_dir is None and db is None):
        raise UserError("give either --data FILE or --project DIR / --db URL")
    if data is not None:
        return read_table(data, ins), None
    if project_dir is not None:
        project, store = open_store(project_dir, db)
        require_admin(project, admin_key)
    else:
        project, ids = None, Store.projects_in(db)
        if len(ids) != 1:
            found = ", ".join(ids) or "none"
            raise UserError(
                f"{db} must hold exactly one diagnostic (found: {found}); pass --project DIR"
            )
        store = Store(db, ids[0])
    try:
        table = collected_responses(store, ins, partial=partial)
    finally:
        store.dispose()
    threshold = project.anonymity_threshold if project else DEFAULT_THRESHOLD
    return coarsen_context(table, threshold), project


def _parse_units(units: list[str]) -> dict[str, str]:
    out = {}
    for spec in units:
        code, _, name = spec.partition("=")
        out[code.strip()] = name.strip() or code.strip()
    return out


def init(
    name: Path = typer.Argument(..., help="Project folder to create."),
    company: str = typer.Option(..., "--company", help="Company name shown to respondents."),
    unit: list[str] = typer.Option(
        ..., "--unit", help="Business unit as CODE or CODE=Name; repeat for each unit."
    ),
    languages: str = typer.Option(
        "de,en", "--languages", help="Languages offered: de, en or both."
    ),
    threshold: int = typer.Option(5, "--threshold", help="Anonymity threshold."),
    opens: dt.datetime = typer.Option(None, "--opens", formats=["%Y-%m-%d"], help="First day."),
    closes: dt.datetime = typer.Option(None, "--closes", formats=["%Y-%m-%d"], help="Last day."),
) -> None:
    """Create a diagnostic's project folder (project.yaml) and print its admin key once."""
    from survey.project import CONFIG_NAME, init_project

    _project, key = init_project(
        name,
        company=company,
        business_units=_parse_units(unit),
        languages=tuple(lang.strip() for lang in languages.split(",") if lang.strip()),
        anonymity_threshold=threshold,
        opens=opens.date() if opens else None,
        closes=closes.date() if closes else None,
    )
    typer.echo(f"created {name / CONFIG_NAME}")
    typer.echo(f"admin key (shown only now, stored hashed; keep it safe): {key}")
    typer.echo(f"next: alignmeter serve --project {name}")


def serve(
    project_dir: Path = typer.Option(Path("."), "--project", "-p", help="Project folder."),
    db: str = typer.Option(None, "--db", help=DB_HELP),
    host: str = typer.Option("127.0.0.1", "--host", help="Interface to listen on."),
    port: int = typer.Option(8000, "--port", help="Port to listen on."),
    workers: int = typer.Option(
        1, "--workers", min=1, max=32, help="Worker processes (one per CPU core is plenty)."
    ),
    behind_proxy: str = typer.Option(
        None,
        "--behind-proxy",
        help="Addresses of a TLS-terminating reverse proxy (comma-separated) whose "
        "X-Forwarded-Proto to trust, so that cookies are marked Secure.",
    ),
) -> None:
    """Serve the web survey (no access log: IP addresses are never written anywhere)."""
    import uvicorn

    from survey.web.app import DB_ENV, PROJECT_ENV

    project, store = open_store(project_dir, db)  # checks the project and the database now
    store.dispose()
    os.environ[PROJECT_ENV] = str(project_dir.resolve())
    if db:
        os.environ[DB_ENV] = db
    base = f"http://{host}:{port}"
    typer.echo(f"{project.company}: storing in {store.safe_url}")
    for code in project.business_units:
        typer.echo(f"  open link {code}: {base}/s/{code}")
    typer.echo(f"  admin: {base}/admin")
    uvicorn.run(
        "survey.web.app:app_from_env",
        factory=True,
        workers=workers,
        host=host,
        port=port,
        access_log=False,
        proxy_headers=bool(behind_proxy),
        forwarded_allow_ips=behind_proxy,
        server_header=False,
        log_level="warning",
    )


def invite(
    department: str = typer.Option(..., "--department", help="marketing or sales."),
    unit: str = typer.Option(..., "--unit", help="Business unit code."),
    count: int = typer.Option(..., "--count", min=1, max=100000, help="Number of invitations."),
    output: Path = typer.Option(..., "--output", "-o", help="CSV for mail merge."),
    project_dir: Path = typer.Option(Path("."), "--project", "-p", help="Project folder."),
    db: str = typer.Option(None, "--db", help=DB_HELP),
    base_url: str = typer.Option(
        "http://127.0.0.1:8000", "--base-url", help="Address respondents reach the survey at."
    ),
) -> None:
    """Create single-use invitation links for one department and unit (CSV: link per row)."""
    import csv

    from survey import load_instrument

    project, store = open_store(project_dir, db)
    if unit not in project.business_units:
        raise UserError(f"unknown unit {unit!r}; the project has {list(project.business_units)}")
    if department not in load_instrument().departments:
        raise UserError(f"unknown department {department!r}; use marketing or sales")
    tokens = store.add_tokens(department, unit, count)
    output.parent.mkdir(parents=True, exist_ok=True)
    with output.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(["department", "business_unit", "link"])
        for token in tokens:
            writer.writerow([department, unit, f"{base_url.rstrip('/')}/t/{token}"])
    typer.echo(f"wrote {count} invitation links to {output} (only their hashes are stored)")


def status(
    project_dir: Path = typer.Option(Path("."), "--project", "-p", help="Project folder."),
    db: str = typer.Option(None, "--db", help=DB_HELP),
    admin_key: str = typer.Option(None, "--admin-key", help=f"Admin key (or ${ADMIN_ENV})."),
) -> None:
    """Responses and completion by department x unit; cells below the threshold masked."""
    from rich.console import Console
    from rich.table import Table

    from survey.collected import status_table

    project, store = open_store(project_dir, db)
    require_admin(project, admin_key)
    table = status_table(store, project.anonymity_threshold)
    out = Table(title=f"{project.company}: responses (threshold {project.anonymity_threshold})")
    for col in table.columns:
        out.add_column(col, justify="left" if col in ("department", "business_unit") else "right")
    for row in table.itertuples(index=False):
        out.add_row(*("" if v is None else str(v) for v in row))
    Console(soft_wrap=True).print(out)


def register(app: typer.Typer) -> None:
    app.command("init")(init)
    app.command("serve")(serve)
    app.command("invite")(invite)
    app.command("status")(status)
