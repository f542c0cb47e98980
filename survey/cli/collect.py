"""``alignmeter init``, ``serve``, ``invite`` and ``status``: running the web survey."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import typer

from survey.errors import UserError

ADMIN_ENV = "ALIGNMETER_ADMIN_KEY"
OPEN_LINK_RATE = 60  # survey.project.OPEN_LINK_RATE, without importing it at start-up
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


def instrument_of(project_dir: Path | None, path: Path | None = None):
    """The instrument a command uses: a project's own copy (``--instrument`` may not point
    elsewhere), else ``path``, else the shipped one."""
    from survey.instrument import load_instrument
    from survey.project import load_project

    if project_dir is None:
        return load_instrument(path)
    project = load_project(project_dir)
    own = project.instrument_path
    if path is not None and own is not None and Path(path).resolve() != own.resolve():
        raise UserError(
            f"--instrument {path}: project {project_dir} uses its own copy {own}; "
            "leave --instrument out"
        )
    return project.load_instrument()


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
        None, "--languages", help="Languages offered (default: the instrument's), e.g. de,en."
    ),
    instrument: Path = typer.Option(
        None, "--instrument", help="Instrument YAML (copied into the project); default: shipped."
    ),
    threshold: int = typer.Option(5, "--threshold", help="Anonymity threshold."),
    opens: dt.datetime = typer.Option(None, "--opens", formats=["%Y-%m-%d"], help="First day."),
    closes: dt.datetime = typer.Option(None, "--closes", formats=["%Y-%m-%d"], help="Last day."),
    logo: Path = typer.Option(
        None,
        "--logo",
        help="Client logo (PNG, JPEG, SVG or WebP, at most 1 MB), shown on every page.",
    ),
    colour: str = typer.Option(
        None, "--colour", help="Client colour as #rrggbb (needs 4.5:1 contrast on white)."
    ),
    sender: str = typer.Option(None, "--sender", help="Who sends the survey (name, function)."),
    contact: str = typer.Option(None, "--contact", help="Contact for questions (e-mail or phone)."),
    results: dt.datetime = typer.Option(
        None, "--results", formats=["%Y-%m-%d"], help="Day from which results are shared."
    ),
    invitations_only: bool = typer.Option(
        False, "--invitations-only", help="No open links: respondents need an invitation."
    ),
    open_link_rate: int = typer.Option(
        OPEN_LINK_RATE, "--open-link-rate", min=0, help="Open-link starts per unit and hour."
    ),
    base_url: str = typer.Option(
        None, "--base-url", help="Address respondents reach the survey at (for shown links)."
    ),
) -> None:
    """Create a diagnostic's project folder (project.yaml) and print its admin key once."""
    from survey.project import CONFIG_NAME, LANGS, init_project

    project, key = init_project(
        name,
        company=company,
        business_units=_parse_units(unit),
        languages=tuple(lang.strip() for lang in languages.split(",") if lang.strip())
        if languages
        else LANGS,
        instrument=instrument,
        anonymity_threshold=threshold,
        opens=opens.date() if opens else None,
        closes=closes.date() if closes else None,
        logo=logo,
        colour=colour,
        sender=sender,
        contact=contact,
        results=results.date() if results else None,
        open_links=not invitations_only,
        open_link_rate=open_link_rate,
        base_url=base_url,
    )
    record = project.instrument
    typer.echo(f"created {name / CONFIG_NAME}")
    typer.echo(
        f"instrument {record.id} {record.version} copied to {project.instrument_path} "
        f"(sha256 {record.sha256[:12]})"
    )
    typer.echo(f"admin key (shown only now, stored hashed; keep it safe): {key}")
    typer.echo(f"next: alignmeter serve --project {name}")


def serve(
    project_dir: Path = typer.Option(Path("."), "--project", "-p", help="Project folder."),
    db: str = typer.Option(None, "--db", help=DB_HELP),
    host: str = typer.Option("127.0.0.1", "--host", help="Interface to listen on."),
    port: int = typer.Option(8000, "--port", min=1, max=65535, help="Port to listen on."),
    workers: int = typer.Option(
        1, "--workers", min=1, max=32, help="Worker processes (one per CPU core is plenty)."
    ),
    behind_proxy: str = typer.Option(
        None,
        "--behind-proxy",
        help="Addresses of a TLS-terminating reverse proxy (comma-separated) whose "
        "X-Forwarded-Proto to trust, so that cookies are marked Secure.",
    ),
    insecure_http: bool = typer.Option(
        False,
        "--insecure-http",
        help="Allow plain HTTP on a non-loopback address (answers travel unencrypted).",
    ),
) -> None:
    """Serve the web survey (no access log: IP addresses are never written anywhere)."""
    import uvicorn

    from survey.project import check_instrument_unchanged
    from survey.web.app import DB_ENV, PROJECT_ENV

    if not _loopback(host) and not behind_proxy and not insecure_http:
        raise UserError(
            f"--host {host} is reachable from other machines over plain HTTP: put a TLS proxy "
            "in front and pass --behind-proxy PROXY_ADDRESS (docs/deploy.md), or, on a closed "
            "network only, --insecure-http"
        )

    project, store = open_store(project_dir, db)  # checks the project and the database now
    try:
        answered = sum(row["complete"] + row["in_progress"] for row in store.counts())
        check_instrument_unchanged(project, answered)
    finally:
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


LOCAL_URL = "http://127.0.0.1:8000"


def _loopback(host: str) -> bool:
    import ipaddress

    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False  # a host name: it may resolve to anything


def invite(
    department: str = typer.Option(None, "--department", help="marketing or sales."),
    unit: str = typer.Option(None, "--unit", help="Business unit code."),
    count: int = typer.Option(None, "--count", min=1, max=100000, help="Number of invitations."),
    output: Path = typer.Option(None, "--output", "-o", help="CSV for mail merge."),
    project_dir: Path = typer.Option(Path("."), "--project", "-p", help="Project folder."),
    db: str = typer.Option(None, "--db", help=DB_HELP),
    base_url: str = typer.Option(
        None,
        "--base-url",
        help="Address respondents reach the survey at (default: the project's, else "
        "http://127.0.0.1:8000).",
    ),
    send: bool = typer.Option(
        False, "--send", help="E-mail each person in --recipients their own link."
    ),
    recipients: Path = typer.Option(
        None, "--recipients", help="CSV: email, department, unit, language, name (optional)."
    ),
    smtp: str = typer.Option(None, "--smtp", help="SMTP server (see `alignmeter remind --help`)."),
    dry_run: Path = typer.Option(
        None, "--dry-run", help="With --send: write the messages to this folder instead."
    ),
    rate: float = typer.Option(5.0, "--rate", min=0.01, help="With --send: messages per second."),
    from_address: str = typer.Option(None, "--from", help="With --send: the sender's address."),
) -> None:
    """Create single-use invitation links: a CSV for mail merge (--department, --unit,
    --count, --output), or e-mailed to everyone in --recipients (--send)."""
    import csv

    if send:
        from survey.cli.mail import send_invitations_command

        if recipients is None:
            raise UserError("--send needs --recipients people.csv")
        code = send_invitations_command(
            project_dir=project_dir,
            db=db,
            recipients=recipients,
            smtp=smtp,
            dry_run=dry_run,
            rate=rate,
            from_address=from_address,
            base_url=base_url,
        )
        if code:
            raise typer.Exit(code)
        return
    missing = [
        name
        for name, v in (
            ("--department", department),
            ("--unit", unit),
            ("--count", count),
            ("--output", output),
        )
        if v is None
    ]
    if missing:
        raise UserError(f"invite needs {', '.join(missing)} (or --send --recipients FILE)")
    project, store = open_store(project_dir, db)
    base_url = base_url or project.base_url or LOCAL_URL
    if unit not in project.business_units:
        raise UserError(f"unknown unit {unit!r}; the project has {list(project.business_units)}")
    if department not in project.load_instrument().departments:
        raise UserError(f"unknown department {department!r}; use marketing or sales")
    from survey.files import open_private

    tokens = store.add_tokens(department, unit, count)
    store.dispose()
    output.parent.mkdir(parents=True, exist_ok=True)
    # links.csv identifies people once mail-merged: only the owner may read it
    with open_private(output, newline="") as fh:
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

    from survey.collected import project_cells, status_table
    from survey.releases import ReleaseLog, record_status

    project, store = open_store(project_dir, db)
    require_admin(project, admin_key)
    table = status_table(store, project.anonymity_threshold, project_cells(project))
    record_status(ReleaseLog.open(project.folder, project.id), table, "status")
    out = Table(title=f"{project.company}: responses (threshold {project.anonymity_threshold})")
    for col in table.columns:
        out.add_column(col, justify="left" if col in ("department", "business_unit") else "right")
    for row in table.itertuples(index=False):
        out.add_row(*("" if v is None else str(v) for v in row))
    Console(soft_wrap=True).print(out)


def open_links(
    project_dir: Path = typer.Option(Path("."), "--project", "-p", help="Project folder."),
    on: bool = typer.Option(None, "--on/--off", help="Open links on or off for the project."),
    invitations_only: list[str] = typer.Option(
        None, "--invitations-only", help="A unit whose open link is off (repeat for several)."
    ),
    open_for: list[str] = typer.Option(
        None, "--open", help="A unit whose open link is on again (repeat for several)."
    ),
    rate: int = typer.Option(
        None, "--rate", min=0, help="Open-link starts per unit and hour (0: no limit)."
    ),
) -> None:
    """Switch open links (/s/UNIT) off or on, per project or per unit, and set their rate
    limit. A running server follows project.yaml at once."""
    from survey.project import load_project, save_project

    project = load_project(project_dir)
    units = set(project.invitation_only_units)
    unknown = (set(invitations_only or ()) | set(open_for or ())) - set(project.business_units)
    if unknown:
        raise UserError(
            f"unknown units {sorted(unknown)}; the project has {list(project.business_units)}"
        )
    units = (units | set(invitations_only or ())) - set(open_for or ())
    update: dict = {"invitation_only_units": tuple(sorted(units))}
    if on is not None:
        update["open_links"] = on
    if rate is not None:
        update["open_link_rate"] = rate
    project = project.model_copy(update=update)
    save_project(project)
    for code in project.business_units:
        state = (
            f"open, at most {project.open_link_rate or 'unlimited'} starts an hour"
            if project.open_link_allowed(code)
            else "invitations only"
        )
        typer.echo(f"  {code}: {state}")


def admin_key(
    project_dir: Path = typer.Option(Path("."), "--project", "-p", help="Project folder."),
    db: str = typer.Option(None, "--db", help=DB_HELP),
) -> None:
    """Replace the admin key (printed once) and sign out every admin session."""
    from survey.project import new_admin_key

    project, store = open_store(project_dir, db)
    _project, key = new_admin_key(project)
    store.end_admin_sessions()
    store.dispose()
    typer.echo(f"new admin key (shown only now, stored hashed; keep it safe): {key}")
    typer.echo("the old key no longer works; every admin session has been signed out")


def register(app: typer.Typer) -> None:
    app.command("init")(init)
    app.command("open-links")(open_links)
    app.command("admin-key")(admin_key)
    app.command("serve")(serve)
    app.command("invite")(invite)
    app.command("status")(status)
    from survey.cli import mail

    mail.register(app)
