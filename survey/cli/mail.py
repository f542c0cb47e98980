"""``alignmeter invite --send`` and ``alignmeter remind``: invitations and reminders by e-mail."""

from __future__ import annotations

import os
from pathlib import Path

import typer

from survey.cli.collect import DB_HELP, open_store

FROM_ENV = "ALIGNMETER_MAIL_FROM"
SMTP_HELP = (
    "SMTP server, smtp://host:port (STARTTLS where offered) or smtps://host:port "
    "(default: $ALIGNMETER_SMTP_URL; credentials from $ALIGNMETER_SMTP_USER/_PASSWORD)."
)


def _transport(smtp: str | None, dry_run: Path | None):
    from survey.mail import FolderTransport, SmtpTransport, smtp_settings

    if dry_run is not None:
        return FolderTransport(dry_run)
    return SmtpTransport(smtp_settings(smtp))


def _sender(project, from_address: str | None):
    from survey.mail import EMAIL, MailError, Sender

    address = from_address or os.environ.get(FROM_ENV)
    if not address or not EMAIL.match(address):
        raise MailError(f"give the sender's address: --from ADDRESS or ${FROM_ENV}")
    return Sender(
        address,
        project.sender or project.company,
        project.contact or "",
    )


def _report(outcome, kind: str) -> None:
    typer.echo(
        f"{kind}: {len(outcome.sent)} sent, {len(outcome.failed)} failed, "
        f"{len(outcome.skipped)} not due"
    )
    for address, reason in outcome.failed.items():
        typer.echo(f"  failed {address}: {reason}", err=True)


def send_invitations_command(
    *,
    project_dir: Path,
    db: str | None,
    recipients: Path,
    smtp: str | None,
    dry_run: Path | None,
    rate: float,
    from_address: str | None,
    base_url: str | None,
) -> int:
    """What ``invite --send`` does; returns the exit code (2 when a message failed)."""
    from survey.cli.collect import LOCAL_URL
    from survey.mail import send_invitations

    project, store = open_store(project_dir, db)
    outcome = send_invitations(
        project,
        store,
        project.load_instrument(),
        recipients,
        _transport(smtp, dry_run),
        sender=_sender(project, from_address),
        base_url=base_url or project.base_url or LOCAL_URL,
        rate=rate,
        template_dir=project.folder / "mail_templates",
    )
    store.dispose()
    _report(outcome, "invitations")
    return 2 if outcome.failed else 0


def remind(
    project_dir: Path = typer.Option(Path("."), "--project", "-p", help="Project folder."),
    db: str = typer.Option(None, "--db", help=DB_HELP),
    smtp: str = typer.Option(None, "--smtp", help=SMTP_HELP),
    dry_run: Path = typer.Option(
        None, "--dry-run", help="Write the messages as .eml files to this folder instead."
    ),
    rate: float = typer.Option(5.0, "--rate", min=0.01, help="Messages per second at most."),
    max_reminders: int = typer.Option(
        2, "--max", min=1, max=10, help="Never remind anyone more often than this."
    ),
    from_address: str = typer.Option(None, "--from", help=f"Sender address (or ${FROM_ENV})."),
    base_url: str = typer.Option(
        None, "--base-url", help="Address respondents reach the survey at (default: the project's)."
    ),
) -> None:
    """Remind those invited by e-mail whose link is still unused (never those who answered)."""
    from survey.cli.collect import LOCAL_URL
    from survey.mail import send_reminders

    project, store = open_store(project_dir, db)
    outcome = send_reminders(
        project,
        store,
        project.load_instrument(),
        _transport(smtp, dry_run),
        sender=_sender(project, from_address),
        base_url=base_url or project.base_url or LOCAL_URL,
        max_reminders=max_reminders,
        rate=rate,
        template_dir=project.folder / "mail_templates",
    )
    store.dispose()
    _report(outcome, "reminders")
    if outcome.failed:
        raise typer.Exit(2)


def register(app: typer.Typer) -> None:
    app.command("remind")(remind)
