"""Invitations and reminders by e-mail: each person gets their own single-use link.

The recipients list (``people.csv``: email, department, unit, language, optional name) is
the one place where people meet their links. It is copied into the project's ``mail/``
folder (0700; the state file 0600) together with each person's token, so that reminders
carry the same link and a rerun sends nothing twice. It never meets the answers: the store
keeps only token hashes and whether a token was used, and the responses carry no token
(see ``docs/privacy.md``). ``purge`` deletes the folder.

Sending goes over SMTP (``smtp://host:port`` with STARTTLS where the server offers it, or
``smtps://host:port``), credentials from ``$ALIGNMETER_SMTP_USER`` and
``$ALIGNMETER_SMTP_PASSWORD``, at a limited rate, retrying transient (4xx) failures and
reporting permanent ones per address. A dry run writes the messages to a folder instead.
"""

from __future__ import annotations

import contextlib
import csv
import datetime as dt
import json
import os
import re
import smtplib
import ssl
import time
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field
from email.message import EmailMessage
from email.utils import formataddr, formatdate, make_msgid
from importlib import resources
from pathlib import Path
from urllib.parse import unquote, urlparse

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from survey.errors import UserError

SMTP_ENV = "ALIGNMETER_SMTP_URL"
USER_ENV = "ALIGNMETER_SMTP_USER"
PASSWORD_ENV = "ALIGNMETER_SMTP_PASSWORD"
MAIL_DIR = "mail"
STATE_FILE = "recipients.json"
KINDS = ("invite", "remind")
# RFC 5322 is far wider; this accepts what survey invitations meet in practice and refuses
# the typos (spaces, missing @ or domain) that would otherwise bounce.
EMAIL = re.compile(r"^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+$")
HEADERS = {"email", "department", "unit", "language", "name"}
ALIASES = {"business_unit": "unit", "e-mail": "email", "lang": "language"}


class MailError(UserError):
    """A recipients file, template or SMTP setting that cannot be used (the message says
    which file, row and column)."""


# --- recipients ----------------------------------------------------------------------------
@dataclass
class Recipient:
    email: str
    department: str
    unit: str
    language: str
    name: str = ""
    token: str = ""
    sent: dict[str, list[str]] = field(default_factory=dict)  # kind -> dates sent
    failed: str = ""  # last permanent failure, if any

    def times(self, kind: str) -> int:
        return len(self.sent.get(kind, []))


def read_recipients(
    path: str | Path,
    *,
    departments: Iterable[str],
    units: Iterable[str],
    languages: Iterable[str],
) -> list[Recipient]:
    """Read and check ``people.csv``; every problem is reported at once.

    Raises :class:`MailError` naming the file, the line and the column of each bad cell,
    after writing the rejected rows with their reasons to ``<name>.quarantine.csv`` beside
    the file (0600): a list with a bad row sends nothing, so that nobody is left out by
    accident.
    """
    path = Path(path)
    departments, units, languages = set(departments), set(units), set(languages)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except OSError as err:
        raise MailError(f"{path}: cannot read ({err.strerror})") from None
    except UnicodeDecodeError as err:
        raise MailError(f"{path}: not UTF-8 (byte {err.start}); save it as UTF-8") from None
    reader = csv.reader(text.splitlines())
    header = next(reader, None)
    if not header:
        raise MailError(f"{path}: empty file; expected a header {sorted(HEADERS)}")
    names = [ALIASES.get(h.strip().lower(), h.strip().lower()) for h in header]
    missing = {"email", "department", "unit"} - set(names)
    unknown = [h for h in names if h not in HEADERS]
    if missing or unknown:
        raise MailError(
            f"{path}: line 1: "
            + "; ".join(
                [f"missing column(s) {sorted(missing)}"] * bool(missing)
                + [f"unknown column(s) {unknown}"] * bool(unknown)
            )
        )
    out, problems, rejected, seen = [], [], [], {}
    default_language = sorted(languages)[0] if len(languages) == 1 else None
    for line, row in enumerate(reader, start=2):
        if not any(cell.strip() for cell in row):
            continue
        if len(row) != len(names):
            problems.append(f"line {line}: {len(row)} fields, the header has {len(names)}")
            rejected.append((line, row, "field count"))
            continue
        rec = {k: v.strip() for k, v in zip(names, row, strict=True)}
        bad = []
        if not EMAIL.match(rec["email"]):
            bad.append(f"column email: not an e-mail address ({rec['email'][:60]!r})")
        elif rec["email"].lower() in seen:
            bad.append(f"column email: also on line {seen[rec['email'].lower()]}")
        if rec["department"] not in departments:
            bad.append(
                f"column department: {rec['department']!r} is not one of {sorted(departments)}"
            )
        if rec["unit"] not in units:
            bad.append(f"column unit: {rec['unit']!r} is not one of {sorted(units)}")
        language = rec.get("language") or default_language or ""
        if language not in languages:
            bad.append(f"column language: {language!r} is not one of {sorted(languages)}")
        if bad:
            problems += [f"line {line}: {b}" for b in bad]
            rejected.append((line, row, "; ".join(bad)))
            continue
        seen[rec["email"].lower()] = line
        out.append(
            Recipient(
                email=rec["email"],
                department=rec["department"],
                unit=rec["unit"],
                language=language,
                name=rec.get("name", ""),
            )
        )
    if problems:
        quarantine = path.with_name(f"{path.stem}.quarantine.csv")
        with _private_open(quarantine) as fh:
            writer = csv.writer(fh)
            writer.writerow(["line", *header, "reason"])
            for line, row, reason in rejected:
                writer.writerow([line, *row, reason])
        shown = "; ".join(problems[:5]) + (
            f"; and {len(problems) - 5} more" if len(problems) > 5 else ""
        )
        raise MailError(f"{path}: {shown} (rejected rows in {quarantine.name}; nothing sent)")
    if not out:
        raise MailError(f"{path}: no recipients")
    return out


# --- state ---------------------------------------------------------------------------------
def _private_open(path: Path, mode: str = "w"):
    """A file created 0600 whatever the umask: it holds addresses and links."""
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    os.fchmod(fd, 0o600)
    return os.fdopen(fd, mode, encoding="utf-8", newline="")


def state_path(project_folder: str | Path) -> Path:
    return Path(project_folder) / MAIL_DIR / STATE_FILE


def load_state(project_folder: str | Path) -> list[Recipient]:
    path = state_path(project_folder)
    if not path.exists():
        return []
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
        return [Recipient(**r) for r in raw["recipients"]]
    except (ValueError, KeyError, TypeError) as err:
        raise MailError(f"{path}: damaged ({err}); restore it from a backup") from None


def save_state(project_folder: str | Path, recipients: list[Recipient]) -> Path:
    """Write the state atomically (a crash leaves the old or the new file, never half)."""
    path = state_path(project_folder)
    tmp = path.with_suffix(".tmp")
    with _private_open(tmp) as fh:
        json.dump({"recipients": [asdict(r) for r in recipients]}, fh, indent=1)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)
    os.chmod(path.parent, 0o700)
    return path


def merge_recipients(known: list[Recipient], new: list[Recipient]) -> list[Recipient]:
    """Add new people to the state; a known address keeps its token and history (a changed
    department or unit is an error: their link belongs to the old one)."""
    by_email = {r.email.lower(): r for r in known}
    out = list(known)
    for rec in new:
        old = by_email.get(rec.email.lower())
        if old is None:
            out.append(rec)
            by_email[rec.email.lower()] = rec
        elif (old.department, old.unit) != (rec.department, rec.unit):
            raise MailError(
                f"{rec.email}: already invited for {old.department}/{old.unit}; a person's link "
                "cannot move to another department or unit"
            )
        else:
            old.name = rec.name or old.name
            old.language = rec.language
    return out


# --- messages ------------------------------------------------------------------------------
def _environment(template_dir: Path | None) -> Environment:
    shipped = Path(str(resources.files("survey") / "mail_templates"))
    paths = [str(template_dir)] if template_dir and template_dir.is_dir() else []
    return Environment(
        loader=FileSystemLoader([*paths, str(shipped)]),
        autoescape=select_autoescape(["html", "html.j2"], default_for_string=False),
        undefined=StrictUndefined,
        keep_trailing_newline=True,
    )


@dataclass(frozen=True)
class Sender:
    address: str
    name: str = ""
    contact: str = ""


def build_message(
    rec: Recipient,
    kind: str,
    *,
    link: str,
    sender: Sender,
    context: dict,
    template_dir: Path | None = None,
) -> EmailMessage:
    """The invitation or reminder to one person, as text and HTML, in their language.

    ``context`` holds what the templates show besides the person: ``company``,
    ``closes`` (a date or None), ``department`` display names per language, ``threshold``.
    Templates ``<kind>.<lang>.subject.j2``, ``.txt.j2`` and ``.html.j2`` are looked up in
    ``template_dir`` first (a consultant's own), then in the shipped ones.
    """
    if kind not in KINDS:
        raise ValueError(f"unknown message kind {kind!r}")
    env = _environment(template_dir)
    lang = rec.language
    values = {
        **context,
        "name": rec.name,
        "link": link,
        "sender": sender,
        "department_name": context["department"][rec.department][lang],
        "closes_text": _date_text(context.get("closes"), lang),
    }
    try:
        subject = env.get_template(f"{kind}.{lang}.subject.j2").render(values).strip()
        text = env.get_template(f"{kind}.{lang}.txt.j2").render(values)
        html = env.get_template(f"{kind}.{lang}.html.j2").render(values)
    except Exception as err:  # jinja2 raises several types; all are a template problem
        raise MailError(f"mail template {kind}.{lang}: {err}") from None
    msg = EmailMessage()
    msg["Subject"] = subject
    msg["From"] = formataddr((sender.name, sender.address))
    msg["To"] = formataddr((rec.name, rec.email))
    msg["Date"] = formatdate(localtime=False, usegmt=True)
    msg["Message-ID"] = make_msgid(domain=sender.address.rpartition("@")[2] or None)
    msg["Auto-Submitted"] = "auto-generated"  # RFC 3834: no vacation replies to a survey
    if sender.contact:
        msg["Reply-To"] = sender.contact
    msg.set_content(text)
    msg.add_alternative(html, subtype="html")
    msg["Content-Language"] = lang  # after set_content, which drops Content-* headers
    return msg


def _date_text(day: dt.date | None, lang: str) -> str:
    if day is None:
        return ""
    from babel.dates import format_date

    return format_date(day, format="long", locale=lang)


# --- SMTP ----------------------------------------------------------------------------------
@dataclass(frozen=True)
class SmtpSettings:
    host: str
    port: int
    implicit_tls: bool
    user: str | None
    password: str | None
    starttls: str = "auto"  # auto: when offered; require: refuse to send without it


def smtp_settings(url: str | None) -> SmtpSettings:
    """Parse ``smtp://host:port`` or ``smtps://host:port`` (or ``$ALIGNMETER_SMTP_URL``).

    A user name may stand in the URL; the password only in ``$ALIGNMETER_SMTP_PASSWORD``
    (a URL ends up in shell histories and process lists).
    """
    url = url or os.environ.get(SMTP_ENV)
    if not url:
        raise MailError(f"no SMTP server: give --smtp smtp://host:port or set ${SMTP_ENV}")
    parts = urlparse(url)
    if parts.scheme not in ("smtp", "smtps") or not parts.hostname:
        raise MailError(f"SMTP URL {url!r}: use smtp://host:port or smtps://host:port")
    if parts.password:
        raise MailError(f"SMTP URL: put the password in ${PASSWORD_ENV}, not in the URL")
    try:
        port = parts.port or (465 if parts.scheme == "smtps" else 587)
    except ValueError:
        raise MailError(f"SMTP URL {url!r}: the port must be a number from 1 to 65535") from None
    user = unquote(parts.username) if parts.username else os.environ.get(USER_ENV)
    return SmtpSettings(
        host=parts.hostname,
        port=port,
        implicit_tls=parts.scheme == "smtps",
        user=user,
        password=os.environ.get(PASSWORD_ENV),
    )


class SmtpTransport:
    """One SMTP connection, opened lazily and reopened after the server drops it."""

    def __init__(
        self,
        settings: SmtpSettings,
        *,
        timeout: float = 30.0,
        tls_context: ssl.SSLContext | None = None,
    ) -> None:
        self.settings = settings
        self.timeout = timeout
        self.context = tls_context or ssl.create_default_context()
        self.conn: smtplib.SMTP | None = None
        self.encrypted = False

    def _open(self) -> smtplib.SMTP:
        s = self.settings
        if s.implicit_tls:
            conn = smtplib.SMTP_SSL(s.host, s.port, timeout=self.timeout, context=self.context)
            self.encrypted = True
        else:
            conn = smtplib.SMTP(s.host, s.port, timeout=self.timeout)
            conn.ehlo()
            if conn.has_extn("starttls"):
                conn.starttls(context=self.context)
                conn.ehlo()
                self.encrypted = True
            elif s.starttls == "require":
                conn.quit()
                raise MailError(f"{s.host}:{s.port} offers no STARTTLS; refusing to send")
        if s.user:
            if not self.encrypted:
                conn.quit()
                raise MailError("refusing to send SMTP credentials over an unencrypted connection")
            conn.login(s.user, s.password or "")
        return conn

    def send(self, msg: EmailMessage) -> None:
        if self.conn is None:
            self.conn = self._open()
        try:
            self.conn.send_message(msg)
        except smtplib.SMTPServerDisconnected:
            self.conn = None
            raise

    def close(self) -> None:
        if self.conn is not None:
            with contextlib.suppress(smtplib.SMTPException):
                self.conn.quit()
            self.conn = None


class FolderTransport:
    """A dry run: each message as an ``.eml`` file (0600: it holds a personal link)."""

    def __init__(self, folder: str | Path) -> None:
        self.folder = Path(folder)
        self.folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        self.count = 0
        self.encrypted = True

    def send(self, msg: EmailMessage) -> None:
        self.count += 1
        to = re.sub(r"[^A-Za-z0-9@._-]", "_", str(msg["To"]).rpartition("<")[2].rstrip(">"))
        with _private_open(self.folder / f"{self.count:05d}-{to}.eml", "w") as fh:
            fh.write(msg.as_string())

    def close(self) -> None:
        pass


# --- sending -------------------------------------------------------------------------------
@dataclass
class Outcome:
    sent: list[str] = field(default_factory=list)
    failed: dict[str, str] = field(default_factory=dict)  # email -> reason
    skipped: dict[str, str] = field(default_factory=dict)  # email -> why not sent


def _transient(err: Exception) -> bool:
    if isinstance(err, smtplib.SMTPRecipientsRefused):
        return all(400 <= code < 500 for code, _ in err.recipients.values())
    if isinstance(err, smtplib.SMTPResponseException):
        return 400 <= err.smtp_code < 500
    return isinstance(err, smtplib.SMTPServerDisconnected | ConnectionError | TimeoutError)


def _reason(err: Exception) -> str:
    if isinstance(err, smtplib.SMTPRecipientsRefused):
        code, text = next(iter(err.recipients.values()))
        return f"{code} {text.decode(errors='replace') if isinstance(text, bytes) else text}"
    if isinstance(err, smtplib.SMTPResponseException):
        text = err.smtp_error
        return (
            f"{err.smtp_code} {text.decode(errors='replace') if isinstance(text, bytes) else text}"
        )
    return type(err).__name__


def send_messages(
    project_folder: str | Path,
    recipients: list[Recipient],
    kind: str,
    *,
    due: Callable[[Recipient], str | None],
    make: Callable[[Recipient], EmailMessage],
    transport,
    rate: float = 5.0,
    retries: int = 3,
    backoff: float = 1.0,
    today: dt.date | None = None,
    sleep: Callable[[float], None] = time.sleep,
    clock: Callable[[], float] = time.monotonic,
) -> Outcome:
    """Send ``kind`` to every recipient ``due`` returns None for (else: the reason to skip).

    At most ``rate`` messages per second; a transient failure (4xx, a dropped connection)
    is retried ``retries`` times with growing pauses; a permanent one (5xx) is recorded on
    the recipient and reported. The state file is written after every message, so an
    interrupted run resumes where it stopped and a rerun sends nothing twice.
    """
    if rate <= 0:
        raise MailError("the sending rate must be above 0 messages per second")
    today = today or dt.date.today()
    outcome = Outcome()
    interval, last = 1.0 / rate, None
    try:
        for rec in recipients:
            why = due(rec)
            if why:
                outcome.skipped[rec.email] = why
                continue
            msg = make(rec)
            for attempt in range(retries + 1):
                if last is not None:
                    wait = interval - (clock() - last)
                    if wait > 0:
                        sleep(wait)
                last = clock()
                try:
                    transport.send(msg)
                except (smtplib.SMTPException, OSError) as err:
                    if _transient(err) and attempt < retries:
                        sleep(backoff * 2**attempt)
                        continue
                    rec.failed = _reason(err)
                    outcome.failed[rec.email] = rec.failed
                    break
                rec.sent.setdefault(kind, []).append(today.isoformat())
                rec.failed = ""
                outcome.sent.append(rec.email)
                break
            save_state(project_folder, recipients)
    finally:
        transport.close()
    return outcome


def invite_due(rec: Recipient) -> str | None:
    return "already invited" if rec.times("invite") else None


def remind_due(
    used: Callable[[str], bool], max_reminders: int
) -> Callable[[Recipient], str | None]:
    """Reminders go to people who were invited, whose link is unused, and who were reminded
    fewer than ``max_reminders`` times; never to those who finished."""

    def due(rec: Recipient) -> str | None:
        if not rec.times("invite"):
            return "not invited yet"
        if used(rec.token):
            return "already answered or started"
        if rec.times("remind") >= max_reminders:
            return f"reminded {max_reminders} times already"
        return None

    return due


# --- the two jobs --------------------------------------------------------------------------
def _context(project, instrument, minutes: int) -> dict:
    return {
        "company": project.company,
        "closes": project.closes,
        "threshold": project.anonymity_threshold,
        "department": {code: dict(text) for code, text in instrument.departments.items()},
        "minutes": minutes,
    }


def _link(base_url: str, token: str) -> str:
    return f"{base_url.rstrip('/')}/t/{token}"


def send_invitations(
    project,
    store,
    instrument,
    recipients_file: str | Path,
    transport,
    *,
    sender: Sender,
    base_url: str,
    rate: float = 5.0,
    minutes: int = 10,
    template_dir: Path | None = None,
    **kwargs,
) -> Outcome:
    """Invite everyone in ``recipients_file`` who was not invited before.

    New people get a token (only its hash goes to the store); the state with their tokens
    is saved before the first message leaves, so no link is ever sent that the state
    does not know.
    """
    new = read_recipients(
        recipients_file,
        departments=instrument.departments,
        units=project.business_units,
        languages=project.languages,
    )
    recipients = merge_recipients(load_state(project.folder), new)
    without = {}
    for rec in recipients:
        if not rec.token:
            without.setdefault((rec.department, rec.unit), []).append(rec)
    for (department, unit), people in without.items():
        for rec, token in zip(people, store.add_tokens(department, unit, len(people)), strict=True):
            rec.token = token
    save_state(project.folder, recipients)
    context = _context(project, instrument, minutes)
    return send_messages(
        project.folder,
        recipients,
        "invite",
        due=invite_due,
        make=lambda rec: build_message(
            rec,
            "invite",
            link=_link(base_url, rec.token),
            sender=sender,
            context=context,
            template_dir=template_dir,
        ),
        transport=transport,
        rate=rate,
        **kwargs,
    )


def send_reminders(
    project,
    store,
    instrument,
    transport,
    *,
    sender: Sender,
    base_url: str,
    max_reminders: int = 2,
    rate: float = 5.0,
    minutes: int = 10,
    template_dir: Path | None = None,
    **kwargs,
) -> Outcome:
    """Remind those invited whose link is still unused, at most ``max_reminders`` times."""
    recipients = load_state(project.folder)
    if not recipients:
        raise MailError(f"{state_path(project.folder)}: nobody was invited by e-mail yet")

    def used(token: str) -> bool:
        found = store.token(token)
        return found is None or found[2]  # an unknown token (purged) is never reminded

    context = _context(project, instrument, minutes)
    return send_messages(
        project.folder,
        recipients,
        "remind",
        due=remind_due(used, max_reminders),
        make=lambda rec: build_message(
            rec,
            "remind",
            link=_link(base_url, rec.token),
            sender=sender,
            context=context,
            template_dir=template_dir,
        ),
        transport=transport,
        rate=rate,
        **kwargs,
    )
