"""Invitations and reminders by e-mail through a real SMTP server on loopback (aiosmtpd):
headers, both languages, links, STARTTLS, rate, retries, failures per address, reruns."""

from __future__ import annotations

import datetime as dt
import email
import email.policy
import os
import socket
import ssl
import stat
import subprocess
import time

import pytest

from survey import load_instrument
from survey.mail import (
    FolderTransport,
    MailError,
    Sender,
    SmtpTransport,
    load_state,
    read_recipients,
    send_invitations,
    send_reminders,
    smtp_settings,
    state_path,
)
from survey.project import init_project
from survey.store import Store

aiosmtpd = pytest.importorskip("aiosmtpd")
from aiosmtpd.controller import Controller  # noqa: E402

SENDER = Sender("survey@consult.example", "Consult Survey Team", "help@consult.example")


class Inbox:
    """Collects delivered messages; refuses some addresses permanently or once."""

    def __init__(self, reject=(), defer_once=()):
        self.messages: list[email.message.EmailMessage] = []
        self.reject, self.defer = set(reject), set(defer_once)
        self.tls_seen: list[bool] = []
        self.times: list[float] = []

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address in self.reject:
            return "550 5.1.1 mailbox unavailable"
        if address in self.defer:
            self.defer.discard(address)
            return "451 4.7.1 try again later"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        self.tls_seen.append(session.ssl is not None)
        self.times.append(time.monotonic())
        self.messages.append(
            email.message_from_bytes(envelope.content, policy=email.policy.default)
        )
        return "250 Message accepted"


@pytest.fixture
def smtp():
    servers = []

    def start(handler, **kwargs):
        # aiosmtpd's Controller cannot listen on port 0 (it connects to itself to check)
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        ctl = Controller(handler, hostname="127.0.0.1", port=port, **kwargs)
        ctl.start()
        servers.append(ctl)
        return ctl

    yield start
    for ctl in servers:
        ctl.stop()


@pytest.fixture
def project(tmp_path):
    ins = load_instrument()
    proj, _ = init_project(
        tmp_path / "acme",
        company="ACME GmbH",
        business_units={"north": "Nord", "south": "Süd"},
        closes=dt.date(2027, 1, 15),
    )
    store = Store(proj.sqlite_url, proj.id)
    yield proj, store, ins
    store.dispose()


def people(tmp_path, rows):
    path = tmp_path / "people.csv"
    path.write_text(
        "name,email,department,unit,language\n" + "\n".join(",".join(r) for r in rows) + "\n",
        encoding="utf-8",
    )
    return path


ROWS = [
    ("Anna Berg", "anna@client.example", "marketing", "north", "de"),
    ("", "bob@client.example", "sales", "north", "en"),
    ("Chris Dahl", "chris@client.example", "sales", "south", "en"),
]


def test_invitations_arrive_with_links_headers_and_both_languages(tmp_path, smtp, project):
    proj, store, ins = project
    inbox = Inbox()
    ctl = smtp(inbox)
    out = send_invitations(
        proj,
        store,
        ins,
        people(tmp_path, ROWS),
        SmtpTransport(smtp_settings(f"smtp://127.0.0.1:{ctl.port}")),
        sender=SENDER,
        base_url="https://survey.consult.example/",
        rate=50,
    )
    assert sorted(out.sent) == sorted(r[1] for r in ROWS) and not out.failed
    by_to = {m["To"].addresses[0].addr_spec: m for m in inbox.messages}
    state = {r.email: r for r in load_state(proj.folder)}
    anna = by_to["anna@client.example"]
    assert anna["Subject"].startswith("ACME GmbH: Zusammenarbeit von Marketing und Vertrieb")
    assert anna["From"].addresses[0].addr_spec == "survey@consult.example"
    assert anna["Reply-To"] == "help@consult.example"
    assert anna["Content-Language"] == "de" and anna["Auto-Submitted"] == "auto-generated"
    assert anna["Message-ID"].endswith("@consult.example>")
    text = anna.get_body(("plain",)).get_content()
    html = anna.get_body(("html",)).get_content()
    link = f"https://survey.consult.example/t/{state['anna@client.example'].token}"
    assert link in text and f'href="{link}"' in html
    assert "Guten Tag Anna Berg" in text and "Marketing" in text
    assert "15. Januar 2027" in text and "mindestens 5 Personen" in text
    bob = by_to["bob@client.example"]
    body = bob.get_body(("plain",)).get_content()
    assert body.startswith("Hello,") and "sales team" in body and "January 15, 2027" in body
    # each person a distinct, valid token of their own department and unit
    assert store.token(state["chris@client.example"].token) == ("sales", "south", False)
    assert len({r.token for r in state.values()}) == 3


def test_a_rerun_sends_nothing_twice_and_adds_newcomers(tmp_path, smtp, project):
    proj, store, ins = project
    inbox = Inbox()
    ctl = smtp(inbox)
    url = f"smtp://127.0.0.1:{ctl.port}"
    args = {"sender": SENDER, "base_url": "https://s.example", "rate": 50}
    send_invitations(
        proj, store, ins, people(tmp_path, ROWS[:2]), SmtpTransport(smtp_settings(url)), **args
    )
    again = send_invitations(
        proj, store, ins, people(tmp_path, ROWS), SmtpTransport(smtp_settings(url)), **args
    )
    assert again.sent == ["chris@client.example"]
    assert set(again.skipped) == {"anna@client.example", "bob@client.example"}
    assert len(inbox.messages) == 3


def test_reminders_only_to_unused_links_at_most_n_times(tmp_path, smtp, project):
    proj, store, ins = project
    inbox = Inbox()
    ctl = smtp(inbox)
    url = f"smtp://127.0.0.1:{ctl.port}"
    args = {"sender": SENDER, "base_url": "https://s.example", "rate": 50}
    send_invitations(
        proj, store, ins, people(tmp_path, ROWS), SmtpTransport(smtp_settings(url)), **args
    )
    state = {r.email: r for r in load_state(proj.folder)}
    assert store.redeem_token(state["bob@client.example"].token)  # Bob started answering
    first = send_reminders(
        proj, store, ins, SmtpTransport(smtp_settings(url)), max_reminders=1, **args
    )
    assert sorted(first.sent) == ["anna@client.example", "chris@client.example"]
    assert first.skipped["bob@client.example"] == "already answered or started"
    second = send_reminders(
        proj, store, ins, SmtpTransport(smtp_settings(url)), max_reminders=1, **args
    )
    assert not second.sent and set(second.skipped.values()) >= {"reminded 1 times already"}
    reminders = [
        m for m in inbox.messages if "Erinnerung" in m["Subject"] or "Reminder" in m["Subject"]
    ]
    assert len(reminders) == 2
    link = f"https://s.example/t/{state['chris@client.example'].token}"
    assert any(link in m.get_body(("plain",)).get_content() for m in reminders)


def test_failures_are_reported_per_address_and_transient_ones_retried(tmp_path, smtp, project):
    proj, store, ins = project
    inbox = Inbox(reject={"bob@client.example"}, defer_once={"chris@client.example"})
    ctl = smtp(inbox)
    out = send_invitations(
        proj,
        store,
        ins,
        people(tmp_path, ROWS),
        SmtpTransport(smtp_settings(f"smtp://127.0.0.1:{ctl.port}")),
        sender=SENDER,
        base_url="https://s.example",
        rate=50,
        backoff=0.01,
    )
    assert sorted(out.sent) == ["anna@client.example", "chris@client.example"]
    assert out.failed == {"bob@client.example": "550 5.1.1 mailbox unavailable"}
    # a rerun tries the failed address again, and only that one
    inbox.reject.clear()
    again = send_invitations(
        proj,
        store,
        ins,
        people(tmp_path, ROWS),
        SmtpTransport(smtp_settings(f"smtp://127.0.0.1:{ctl.port}")),
        sender=SENDER,
        base_url="https://s.example",
        rate=50,
    )
    assert again.sent == ["bob@client.example"]


def test_rate_is_kept(tmp_path, smtp, project):
    proj, store, ins = project
    rows = [(f"P{i}", f"p{i}@client.example", "sales", "north", "en") for i in range(8)]
    inbox = Inbox()
    ctl = smtp(inbox)
    send_invitations(
        proj,
        store,
        ins,
        people(tmp_path, rows),
        SmtpTransport(smtp_settings(f"smtp://127.0.0.1:{ctl.port}")),
        sender=SENDER,
        base_url="https://s.example",
        rate=10,
    )
    assert len(inbox.messages) == 8
    # 8 messages at 10 per second: at least 7 intervals of 0.1 s between the first and last
    assert inbox.times[-1] - inbox.times[0] >= 7 / 10 - 0.05


@pytest.fixture(scope="module")
def certificate(tmp_path_factory):
    folder = tmp_path_factory.mktemp("tls")
    key, cert = folder / "key.pem", folder / "cert.pem"
    subprocess.run(
        [
            "openssl",
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "1",
            "-subj",
            "/CN=127.0.0.1",
            "-addext",
            "subjectAltName=IP:127.0.0.1",
            "-keyout",
            str(key),
            "-out",
            str(cert),
        ],
        check=True,
        capture_output=True,
    )
    return key, cert


def test_starttls_is_used_when_offered_and_credentials_need_it(
    tmp_path, smtp, project, certificate, monkeypatch
):
    proj, store, ins = project
    key, cert = certificate
    server_ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server_ctx.load_cert_chain(cert, key)
    client_ctx = ssl.create_default_context(cafile=str(cert))
    inbox = Inbox()
    ctl = smtp(inbox, tls_context=server_ctx, require_starttls=True)
    out = send_invitations(
        proj,
        store,
        ins,
        people(tmp_path, ROWS[:1]),
        SmtpTransport(smtp_settings(f"smtp://127.0.0.1:{ctl.port}"), tls_context=client_ctx),
        sender=SENDER,
        base_url="https://s.example",
        rate=50,
    )
    assert out.sent == ["anna@client.example"] and inbox.tls_seen == [True]
    # without STARTTLS on offer, credentials are not sent in the clear
    plain = smtp(Inbox())
    monkeypatch.setenv("ALIGNMETER_SMTP_USER", "consultant")
    monkeypatch.setenv("ALIGNMETER_SMTP_PASSWORD", "secret")
    with pytest.raises(MailError, match="unencrypted"):
        send_invitations(
            proj,
            store,
            ins,
            people(tmp_path, ROWS),
            SmtpTransport(smtp_settings(f"smtp://127.0.0.1:{plain.port}")),
            sender=SENDER,
            base_url="https://s.example",
            rate=50,
        )


def test_dry_run_writes_private_messages(tmp_path, project):
    proj, store, ins = project
    old = os.umask(0o022)
    try:
        out = send_invitations(
            proj,
            store,
            ins,
            people(tmp_path, ROWS),
            FolderTransport(tmp_path / "outbox"),
            sender=SENDER,
            base_url="https://s.example",
            rate=1000,
        )
    finally:
        os.umask(old)
    files = sorted((tmp_path / "outbox").glob("*.eml"))
    assert len(files) == 3 == len(out.sent)
    for path in [*files, state_path(proj.folder)]:
        assert stat.S_IMODE(path.stat().st_mode) == 0o600, path
    assert stat.S_IMODE(state_path(proj.folder).parent.stat().st_mode) == 0o700
    msg = email.message_from_bytes(files[0].read_bytes(), policy=email.policy.default)
    assert "/t/" in msg.get_body(("plain",)).get_content()


def test_consultant_templates_override_the_shipped_ones(tmp_path, project):
    proj, store, ins = project
    own = tmp_path / "templates"
    own.mkdir()
    (own / "invite.en.subject.j2").write_text("Your voice counts, {{ name or 'colleague' }}")
    send_invitations(
        proj,
        store,
        ins,
        people(tmp_path, ROWS[1:2]),
        FolderTransport(tmp_path / "outbox"),
        sender=SENDER,
        base_url="https://s.example",
        rate=1000,
        template_dir=own,
    )
    msg = email.message_from_bytes(
        next((tmp_path / "outbox").glob("*.eml")).read_bytes(), policy=email.policy.default
    )
    assert msg["Subject"] == "Your voice counts, colleague"


def test_bad_recipient_rows_are_named_quarantined_and_nothing_is_sent(tmp_path, project):
    proj, _store, ins = project
    path = people(
        tmp_path,
        [
            ROWS[0],
            ("X", "not-an-address", "sales", "north", "en"),
            ("Y", "y@client.example", "finance", "west", "fr"),
            ROWS[0],
        ],
    )
    with pytest.raises(MailError) as err:
        read_recipients(
            path, departments=ins.departments, units=proj.business_units, languages=proj.languages
        )
    text = str(err.value)
    assert "people.csv" in text and "line 3: column email" in text
    assert "line 4: column department" in text and "line 4: column unit" in text
    assert "line 4: column language" in text and "line 5: column email: also on line 2" in text
    quarantine = tmp_path / "people.quarantine.csv"
    assert stat.S_IMODE(quarantine.stat().st_mode) == 0o600
    assert len(quarantine.read_text().splitlines()) == 1 + 3
    assert not state_path(proj.folder).exists()


@pytest.mark.parametrize(
    "url, message",
    [
        ("http://host:25", "smtp://host:port"),
        ("smtp://user:pw@host:25", "ALIGNMETER_SMTP_PASSWORD"),
        ("smtp://host:99999", "port"),
    ],
)
def test_bad_smtp_urls_are_explained(url, message):
    with pytest.raises(MailError, match=message):
        smtp_settings(url)


def test_smtp_url_from_the_environment(monkeypatch):
    monkeypatch.setenv("ALIGNMETER_SMTP_URL", "smtps://mail.example")
    s = smtp_settings(None)
    assert (s.host, s.port, s.implicit_tls) == ("mail.example", 465, True)


def test_the_command_line_sends_and_reminds(tmp_path, smtp):
    """init -> invite --send -> one person starts -> remind, through the real CLI."""
    from cli_helpers import run_cli

    folder = tmp_path / "acme"
    made = run_cli("init", str(folder), "--company", "ACME", "--unit", "north=Nord")
    assert made.returncode == 0, made.stderr
    inbox = Inbox()
    ctl = smtp(inbox)
    url = f"smtp://127.0.0.1:{ctl.port}"
    csv_file = people(tmp_path, [r for r in ROWS if r[3] == "north"])
    common = [
        "--project",
        str(folder),
        "--smtp",
        url,
        "--from",
        "survey@consult.example",
        "--base-url",
        "https://s.example",
        "--rate",
        "50",
    ]
    sent = run_cli("invite", "--send", "--recipients", str(csv_file), *common)
    assert sent.returncode == 0, sent.stderr
    assert "invitations: 2 sent, 0 failed" in sent.stdout
    assert len(inbox.messages) == 2
    again = run_cli("invite", "--send", "--recipients", str(csv_file), *common)
    assert "invitations: 0 sent, 0 failed, 2 not due" in again.stdout
    state = {r.email: r for r in load_state(folder)}
    from survey.project import load_project

    project = load_project(folder)
    store = Store(project.sqlite_url, project.id)
    store.redeem_token(state["anna@client.example"].token)
    store.dispose()
    reminded = run_cli("remind", *common, "--max", "1")
    assert reminded.returncode == 0, reminded.stderr
    assert "reminders: 1 sent" in reminded.stdout
    assert inbox.messages[-1]["To"].addresses[0].addr_spec == "bob@client.example"
    bad = run_cli("invite", "--send", *common)
    assert bad.returncode != 0 and "--recipients" in bad.stderr


@pytest.mark.parametrize("host", ["0.0.0.0", "192.0.2.10", "survey.example"])
def test_serve_refuses_plain_http_beyond_loopback(tmp_path, host):
    from cli_helpers import run_cli

    folder = tmp_path / "acme"
    assert run_cli("init", str(folder), "--company", "ACME", "--unit", "north").returncode == 0
    out = run_cli("serve", "--project", str(folder), "--host", host, "--port", "1")
    assert out.returncode == 1 and "--behind-proxy" in out.stderr and "Traceback" not in out.stderr
