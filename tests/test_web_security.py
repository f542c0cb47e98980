"""Secrets, files and the server's smaller defences (issue 13, sections 4, 5 and 8)."""

from __future__ import annotations

import hmac
import logging
import os
import re
import socket
import stat
import subprocess
import sys
import threading
import time

import httpx
import pytest
import sqlalchemy as sa
from cli_helpers import run_cli
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from analysis.cli import app as cli
from survey.project import init_project, load_project
from survey.store import Store, digest
from survey.web.app import create_app
from survey.web.simulated import CSRF, start_form, walk

runner = CliRunner()


@pytest.fixture
def survey(tmp_path, instrument):
    project, key = init_project(
        tmp_path / "acme", company="ACME", business_units={"north": "Nord", "south": "Süd"}
    )
    store = Store(project.sqlite_url, project.id)
    app = create_app(project, store, instrument)
    yield {
        "project": project,
        "key": key,
        "store": store,
        "app": app,
        "client": lambda **kw: TestClient(app, follow_redirects=False, **kw),
    }
    store.dispose()


def _mode(path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def _admin(survey):
    client = survey["client"]()
    csrf = CSRF.search(client.get("/admin").text).group(1)
    assert client.post("/admin", data={"csrf": csrf, "key": survey["key"]}).status_code == 303
    return client, csrf


# --- files --------------------------------------------------------------------------------
def test_every_file_with_secrets_or_answers_is_private_under_umask_022(tmp_path, instrument):
    old = os.umask(0o022)
    try:
        folder = tmp_path / "acme"
        result = runner.invoke(cli, ["init", str(folder), "--company", "A", "--unit", "north"])
        assert result.exit_code == 0, result.output
        assert _mode(folder) == 0o700 and _mode(folder / "project.yaml") == 0o600
        key = re.search(r"admin key .*: (\S+)", result.output).group(1)
        links = tmp_path / "out" / "links.csv"
        args = ["invite", "-p", str(folder), "--department", "sales", "--unit", "north"]
        result = runner.invoke(cli, [*args, "--count", "2", "-o", str(links)])
        assert result.exit_code == 0, result.output
        assert _mode(links) == 0o600
        for suffix in ("", "-wal", "-shm"):
            db = folder / f"responses.db{suffix}"
            assert not db.exists() or _mode(db) == 0o600, db
        project = load_project(folder)
        store = Store(project.sqlite_url, project.id)
        app = create_app(project, store, instrument)
        assert walk(TestClient(app, follow_redirects=False), instrument, "/s/north/sales").finished
        store.dispose()
        result = runner.invoke(cli, ["admin-key", "--project", str(folder)])
        assert result.exit_code == 0, result.output
        key = re.search(r"admin key .*: (\S+)", result.output).group(1)
        assert _mode(folder / "project.yaml") == 0o600  # rewritten: still private
        for fmt in ("csv", "parquet", "csv-excel", "spss"):
            out = tmp_path / "exports" / f"r.{fmt}"
            args = ["export", "--project", str(folder), "--admin-key", key, "--format", fmt]
            result = runner.invoke(cli, [*args, "-o", str(out)])
            assert result.exit_code == 0, result.output
            assert _mode(out) == 0o600, fmt
        from analysis.cli_run import _source

        path, *_ = _source(None, folder, None, key, tmp_path / "run" / "data", "", None, None)
        assert _mode(path) == 0o600 and _mode(path.parent) == 0o700
    finally:
        os.umask(old)


# --- the admin cookie ---------------------------------------------------------------------
def test_an_admin_cookie_cannot_be_made_from_the_files(survey):
    project = survey["project"]
    client = survey["client"]()
    # the old scheme: an HMAC of the expiry with project.yaml's secret and the key's hash
    expires = int(time.time()) + 115 * 86400
    payload = f"admin:{expires}:{project.admin_key_hash}".encode()
    forged = f"{expires}.{hmac.new(project.secret.encode(), payload, 'sha256').hexdigest()}"
    for cookie in (forged, project.admin_key_hash, project.secret, digest(project.secret)):
        client.cookies.set("am_admin", cookie)
        assert client.get("/admin/export.csv").status_code == 401
        assert client.get("/admin").status_code == 401
    # the database holds only a hash of the session id: that is no cookie either
    admin, _ = _admin(survey)
    from survey.store import admin_sessions

    with survey["store"].engine.connect() as conn:
        (stored,) = conn.execute(sa.select(admin_sessions.c.id_hash)).scalars()
    client.cookies.set("am_admin", stored)
    assert client.get("/admin/export.csv").status_code == 401
    assert admin.get("/admin/export.csv").status_code == 200


def test_a_cookie_replayed_after_logout_or_a_new_key_is_refused(survey):
    admin, csrf = _admin(survey)
    cookie = admin.cookies["am_admin"]
    assert admin.post("/admin/logout", data={"csrf": csrf}).status_code == 303
    replay = survey["client"]()
    replay.cookies.set("am_admin", cookie)
    assert replay.get("/admin/export.csv").status_code == 401
    # signed in again; `alignmeter admin-key` signs every session out
    again, _ = _admin(survey)
    cookie = again.cookies["am_admin"]
    result = runner.invoke(cli, ["admin-key", "--project", str(survey["project"].folder)])
    assert result.exit_code == 0, result.output
    new_key = re.search(r"admin key .*: (\S+)", result.output).group(1)
    replay.cookies.set("am_admin", cookie)
    assert replay.get("/admin/export.csv").status_code == 401
    # the running server accepts the new key, not the old one
    fresh = survey["client"]()
    token = CSRF.search(fresh.get("/admin").text).group(1)
    assert fresh.post("/admin", data={"csrf": token, "key": survey["key"]}).status_code == 401
    assert fresh.post("/admin", data={"csrf": token, "key": new_key}).status_code == 303


# --- section 8 ------------------------------------------------------------------------------
def _saved_page(client, instrument, headers=None):
    page = client.get("/s/north/sales?lang=en")
    client.post("/start", data=start_form(page.text))
    csrf = CSRF.search(client.get("/q/0").text).group(1)
    data = {"csrf": csrf, "page": "0", "lang": "en", "action": "save", "role": "staff"}
    assert client.post("/q/0", data=data).status_code == 303
    return client.get("/saved", headers=headers or {})


def test_the_saved_page_does_not_reflect_the_host_header(survey, instrument):
    page = _saved_page(survey["client"](), instrument, {"host": "evil.example"})
    assert page.status_code == 200 and "evil.example" not in page.text
    assert 'href="/resume?lang=en"' in page.text
    admin, _ = _admin(survey)
    assert "evil.example" not in admin.get("/admin", headers={"host": "evil.example"}).text


def test_csrf_tokens_are_bound_to_the_questionnaire(survey):
    one, two = survey["client"](), survey["client"]()
    for client in (one, two):
        client.post("/start", data=start_form(client.get("/s/north/sales").text))
    token_one = CSRF.search(one.get("/q/0").text).group(1)
    two.cookies.set("am_csrf", one.cookies["am_csrf"])  # even with the same CSRF cookie
    data = {"csrf": token_one, "page": "0", "lang": "en", "role": "staff"}
    assert two.post("/q/0", data=data).status_code == 403
    assert one.post("/q/0", data=data).status_code == 303


def test_posts_from_another_origin_are_refused(survey):
    client = survey["client"]()
    page = client.get("/s/north/sales")
    form = start_form(page.text)
    evil = client.post("/start", data=form, headers={"origin": "https://evil.example"})
    assert evil.status_code == 403
    assert client.post("/start", data=form, headers={"origin": "null"}).status_code == 403
    ok = client.post("/start", data=form, headers={"origin": "http://testserver"})
    assert ok.status_code == 303


def test_a_failing_database_gives_a_bilingual_500_and_logs_no_answers_or_hashes(
    survey, instrument, caplog
):
    store = survey["store"]
    (token,) = store.add_tokens("sales", "north", 1)
    client = survey["client"]()
    run_text = "Mehr gemeinsame Termine"
    # everything up to the last page, then the database fails under the final submit
    with store.engine.begin() as conn:
        conn.exec_driver_sql("DROP TABLE pending_responses")
    caplog.set_level(logging.DEBUG)
    result = walk(client, instrument, f"/t/{token}", department="sales")
    assert not result.finished and result.statuses[-1] == 500
    # the 500 page itself: both languages and the security headers
    with store.engine.begin() as conn:
        conn.exec_driver_sql("DROP TABLE invitation_tokens")
    page = survey["client"]().get(f"/t/{token}")
    assert page.status_code == 500
    assert "Das hat nicht geklappt" in page.text and "That did not work" in page.text
    assert "default-src 'none'" in page.headers["content-security-policy"]
    assert page.headers["x-frame-options"] == "DENY"
    server = [r for r in caplog.records if not r.name.startswith(("httpx", "asyncio"))]
    logged = "\n".join(r.getMessage() for r in server)
    assert "GET /t/… failed" in logged and "OperationalError" in logged
    assert digest(token) not in logged and token not in logged
    assert run_text not in logged and "[parameters" not in logged and "INSERT" not in logged


def test_serve_refuses_a_read_only_database(tmp_path):
    project, _ = init_project(tmp_path / "acme", company="A", business_units={"north": "N"})
    db = project.folder / "responses.db"
    Store(project.sqlite_url, project.id).dispose()
    url = f"sqlite:///file:{db}?mode=ro&uri=true"
    result = run_cli("serve", "--project", str(project.folder), "--db", url, "--port", "8999")
    assert result.returncode == 1
    assert "read-only" in result.stderr and len(result.stderr.strip().splitlines()) == 1


@pytest.mark.parametrize("port", ["0", "70000", "-1"])
def test_serve_validates_the_port(tmp_path, port):
    init_project(tmp_path / "acme", company="A", business_units={"north": "N"})
    result = run_cli("serve", "--project", str(tmp_path / "acme"), "--port", port)
    assert result.returncode == 2 and "--port" in result.stderr


def test_hsts_only_over_https(survey):
    https = TestClient(survey["app"], base_url="https://testserver", follow_redirects=False)
    assert "max-age=" in https.get("/s/north").headers["strict-transport-security"]
    assert "strict-transport-security" not in survey["client"]().get("/s/north").headers


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.mark.slow
def test_a_locked_database_does_not_stall_other_pages(tmp_path, instrument):
    """An outside BEGIN IMMEDIATE holds SQLite's write lock; a finishing respondent waits
    for it in a worker thread while the welcome page and the stylesheet still answer."""
    import sqlite3

    project, _ = init_project(tmp_path / "acme", company="A", business_units={"north": "N"})
    port = _free_port()
    code = "from analysis.cli import run; run()"
    args = [sys.executable, "-c", code, "serve", "--project", str(project.folder)]
    proc = subprocess.Popen([*args, "--port", str(port)], stderr=subprocess.PIPE)
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(200):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.1).close()
                break
            except OSError:
                time.sleep(0.05)
        blocker = sqlite3.connect(project.folder / "responses.db", isolation_level=None)
        blocker.execute("BEGIN IMMEDIATE")
        blocked = {}

        def finish():
            with httpx.Client(base_url=base, timeout=60) as client:
                t0 = time.perf_counter()
                blocked["run"] = walk(client, instrument, "/s/north/sales", department="sales")
                blocked["s"] = time.perf_counter() - t0

        worker = threading.Thread(target=finish)
        worker.start()
        time.sleep(3)  # the walk is now stuck on its final, writing submit
        assert worker.is_alive()
        for path in ("/static/survey.css", "/s/north", "/resume"):
            t0 = time.perf_counter()
            assert httpx.get(base + path, timeout=10).status_code == 200
            assert time.perf_counter() - t0 < 1.0, path
        blocker.execute("ROLLBACK")
        blocker.close()
        worker.join(60)
        assert blocked["run"].finished  # and the waiting answer was stored
    finally:
        proc.terminate()
        proc.wait(30)


# --- open links: padding ------------------------------------------------------------------
def _start_open(client, path="/s/north/sales"):
    page = client.get(path)
    if page.status_code != 200:
        return page.status_code
    return client.post("/start", data=start_form(page.text)).status_code


def test_switched_off_open_links_block_the_padding_attack(survey, instrument):
    folder = survey["project"].folder
    result = runner.invoke(cli, ["open-links", "--project", str(folder), "--off"])
    assert result.exit_code == 0 and "invitations only" in result.output
    attacker = survey["client"]()
    assert attacker.get("/s/north/sales").status_code == 403
    # a welcome page fetched before the switch does not help either
    time.sleep(0.01)
    result = runner.invoke(cli, ["open-links", "--project", str(folder), "--on"])
    page = attacker.get("/s/north/sales")
    runner.invoke(cli, ["open-links", "--project", str(folder), "--off"])
    assert attacker.post("/start", data=start_form(page.text)).status_code == 403
    # per unit: south stays open, north takes invitations only
    runner.invoke(
        cli, ["open-links", "--project", str(folder), "--on", "--invitations-only", "north"]
    )
    assert _start_open(survey["client"](), "/s/north/sales") == 403
    assert _start_open(survey["client"](), "/s/south/sales") == 303
    (token,) = survey["store"].add_tokens("sales", "north", 1)  # invitations still work
    assert walk(survey["client"](), instrument, f"/t/{token}", department="sales").finished


def test_open_links_are_rate_limited(survey):
    folder = survey["project"].folder
    result = runner.invoke(cli, ["open-links", "--project", str(folder), "--rate", "3"])
    assert result.exit_code == 0 and "at most 3 starts an hour" in result.output
    # four fake answers to pad a cell with one real respondent: the fourth start is refused
    outcomes = [_start_open(survey["client"]()) for _ in range(4)]
    assert outcomes == [303, 303, 303, 429]
    refused = survey["client"]()
    page = refused.get("/s/north/sales")
    reply = refused.post("/start", data=start_form(page.text))
    assert reply.status_code == 429 and "try again in an hour" in reply.text
    assert _start_open(survey["client"](), "/s/south/sales") == 303  # per unit


# --- questionnaires in progress -----------------------------------------------------------
def test_one_csrf_pair_cannot_create_saved_questionnaires_without_bound(survey, monkeypatch):
    import survey.web.app as web

    monkeypatch.setattr(web, "SAVES_PER_HOUR", 3)
    app = create_app(survey["project"], survey["store"], _ins())
    client = TestClient(app, follow_redirects=False)
    statuses = []
    for _ in range(5):  # a script: start, save, start again, all with one CSRF cookie
        client.post("/start", data=start_form(client.get("/s/north/sales").text))
        csrf = CSRF.search(client.get("/q/0").text).group(1)
        data = {"csrf": csrf, "page": "0", "lang": "en", "action": "save", "role": "staff"}
        statuses.append(client.post("/q/0", data=data).status_code)
    assert statuses == [303, 303, 303, 429, 429]
    assert sum(r["in_progress"] for r in survey["store"].counts()) == 3
    # starting alone stores nothing at all
    for _ in range(20):
        client.post("/start", data=start_form(client.get("/s/north/sales").text))
    assert sum(r["in_progress"] for r in survey["store"].counts()) == 3


def _ins():
    from survey import load_instrument

    return load_instrument()


def test_a_questionnaire_state_expires_and_cannot_be_forged(survey, monkeypatch):
    client = survey["client"]()
    client.post("/start", data=start_form(client.get("/s/north/sales").text))
    assert client.get("/q/0").status_code == 200
    box = client.cookies["am_s0"]
    import survey.web.sealed as sealed

    later = time.time() + (sealed.STATE_DAYS + 1) * 86400
    monkeypatch.setattr(sealed.time, "time", lambda: later)
    assert client.get("/q/0").status_code == 404  # expired
    monkeypatch.undo()
    forged = survey["client"]()
    forged.cookies.set("am_s0", box[:-4] + ("AAAA" if not box.endswith("AAAA") else "BBBB"))
    assert forged.get("/q/0").status_code == 404
    other = init_project(
        survey["project"].folder.parent / "other", company="B", business_units={"north": "N"}
    )[0]
    from survey.web.sealed import Sealer

    assert Sealer(other.secret, other.id).open(box) is None  # another project's key
    assert client.get("/s/north").headers["referrer-policy"] == "same-origin"
