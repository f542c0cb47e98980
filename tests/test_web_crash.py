"""A survey server killed with SIGKILL in the middle of writes loses nothing acknowledged."""

from __future__ import annotations

import os
import signal
import socket
import sqlite3
import subprocess
import sys
import threading
import time

import httpx
import numpy as np
import pytest

from survey.collected import collected_responses
from survey.project import init_project
from survey.questionnaire import pages
from survey.store import Store
from survey.web.sealed import Sealer, joined
from survey.web.simulated import CSRF, expected_answers, page_form, start_form, walk

pytestmark = pytest.mark.slow


def _serve(folder, port, *options):
    code = "from analysis.cli import run; run()"
    args = [sys.executable, "-c", code, "serve", "--project", str(folder), "--port", str(port)]
    args += options
    proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    for _ in range(200):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.1).close()
            return proc
        except OSError:
            time.sleep(0.05)
    proc.kill()
    raise RuntimeError(proc.stderr.read().decode())


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _respondent(base, instrument, seed, acks, stop):
    """Walks questionnaires until stopped; records every acknowledged page and the
    questionnaire state the browser holds after it."""
    rng = np.random.default_rng(seed)
    dept = ("marketing", "sales")[seed % 2]
    while not stop.is_set():
        try:
            with httpx.Client(base_url=base, timeout=5) as client:
                page = client.get(f"/s/north/{dept}?lang=en")
                client.post("/start", data=start_form(page.text))
                record = {"box": joined(client.cookies), "answers": {}, "done": False}
                acks.append(record)
                csrf = CSRF.search(client.get("/q/0").text).group(1)
                for p in pages(instrument):
                    form = page_form(instrument, p, rng, department=dept)
                    if p.key == "context":
                        form.pop("department")
                    data = {"csrf": csrf, "page": str(p.number), "lang": "en", **form}
                    reply = client.post(f"/q/{p.number}", data=data)
                    if reply.status_code != 303:
                        raise AssertionError(reply.status_code)
                    record["answers"].update(expected_answers(instrument, form))
                    record["box"] = joined(client.cookies)
                    record["done"] = reply.headers["location"].startswith("/thanks")
        except (httpx.HTTPError, KeyError, AttributeError):
            return  # the server is gone


def test_sigkill_during_writes_keeps_every_acknowledged_page(tmp_path, instrument):
    project, _ = init_project(tmp_path / "acme", company="ACME", business_units={"north": "N"})
    port = _free_port()
    proc = _serve(project.folder, port)
    acks: list[dict] = []
    stop = threading.Event()
    workers = [
        threading.Thread(
            target=_respondent, args=(f"http://127.0.0.1:{port}", instrument, i, acks, stop)
        )
        for i in range(8)
    ]
    for w in workers:
        w.start()
    deadline = time.time() + 60
    busy = lambda: any(not r["done"] and r["answers"] for r in list(acks))  # noqa: E731
    while (sum(r["done"] for r in acks) < 5 or not busy()) and time.time() < deadline:
        time.sleep(0.05)
    os.kill(proc.pid, signal.SIGKILL)  # mid-write: eight clients are posting right now
    proc.wait()
    stop.set()
    for w in workers:
        w.join()
    assert sum(r["done"] for r in acks) >= 5
    assert any(not r["done"] and r["answers"] for r in acks), "no questionnaire was in progress"

    db = project.folder / "responses.db"
    with sqlite3.connect(db) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    store = Store(project.sqlite_url, project.id)
    sealer = Sealer(project.secret, project.id)
    table = collected_responses(store, instrument)
    finished = [r for r in acks if r["done"]]
    states = {id(r): sealer.open(r["box"]) for r in acks}
    # a finish committed just before the kill, whose reply never arrived, may also be there
    unacknowledged = [
        r
        for r in acks
        if not r["done"] and states[id(r)] and store.is_finished(states[id(r)]["id"])
    ]
    assert len(table) == len(finished) + len(unacknowledged)  # nothing lost, nothing doubled
    for record in finished:
        cols = list(record["answers"])
        matches = (table[cols] == np.array([record["answers"][c] for c in cols], dtype=object)).all(
            axis=1
        )
        assert matches.sum() == 1
    # a questionnaire in progress lives in the browser: every acknowledged page is there
    for record in (r for r in acks if not r["done"] and r not in unacknowledged):
        state = states[id(record)]
        assert state is not None
        for col, value in record["answers"].items():
            assert state["answers"][col] == value
    store.dispose()


def test_sigterm_leaves_no_log_behind(tmp_path, instrument):
    """A clean stop checkpoints and truncates SQLite's log: the copy the issue took after
    SIGTERM (a 1.45 MB log linking every invitation) now finds nothing to replay."""
    project, _ = init_project(tmp_path / "acme", company="ACME", business_units={"north": "N"})
    store = Store(project.sqlite_url, project.id)
    tokens = store.add_tokens("sales", "north", 4)
    store.dispose()
    port = _free_port()
    proc = _serve(project.folder, port)
    base = f"http://127.0.0.1:{port}"
    try:
        for i, token in enumerate(tokens):
            with httpx.Client(base_url=base, timeout=10) as client:
                run = walk(client, instrument, f"/t/{token}", seed=i, department="sales")
                assert run.finished
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=30)
    db = project.folder / "responses.db"
    wal, shm = db.with_name("responses.db-wal"), db.with_name("responses.db-shm")
    assert not wal.exists() or wal.stat().st_size == 0
    from survey.store import digest

    for leftover in (wal, shm):
        if leftover.exists():
            data = leftover.read_bytes()
            assert not any(digest(t).encode() in data for t in tokens)
            assert b"Mehr gemeinsame Termine" not in data  # the free-text answer


def test_behind_a_tls_proxy_cookies_are_secure(tmp_path):
    init_project(tmp_path / "p", company="X", business_units={"north": "N"})
    port = _free_port()
    proc = _serve(tmp_path / "p", port, "--behind-proxy", "127.0.0.1")
    try:
        https = {"x-forwarded-proto": "https"}
        page = httpx.get(f"http://127.0.0.1:{port}/s/north", headers=https)
        assert page.status_code == 200 and "Secure" in page.headers["set-cookie"]
        plain = httpx.get(f"http://127.0.0.1:{port}/s/north")
        assert "Secure" not in plain.headers["set-cookie"]
    finally:
        proc.kill()
        proc.wait()
