"""Load on the web survey: concurrent simulated respondents on loopback.

Starts ``alignmeter serve`` for a fresh project, lets N respondents (default 100) fill in
complete questionnaires at once (each page: GET, then POST, then the redirect), and prints
page submissions per second, p50/p99 latency of a page submission, and the count of lost
or duplicated responses (every finished respondent's answers must be in the database
exactly once). Targets on a 2-core machine with SQLite: >= 200 pages/s, p99 < 250 ms,
0 lost, 0 duplicated. PostgreSQL is measured beside it when a server answers.

    .venv/bin/python benchmarks/bench_survey_load.py [--respondents 100] [--rounds 2]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlencode

import numpy as np

from survey import load_instrument
from survey.collected import collected_responses
from survey.project import init_project
from survey.questionnaire import pages
from survey.store import Store
from survey.web.simulated import CSRF, expected_answers, page_form, start_form

PG_URL = "postgresql://postgres@127.0.0.1:5432/test"
WORKERS = os.cpu_count() or 1  # one server process per core


def _port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _serve(folder: Path, port: int, db: str | None) -> subprocess.Popen:
    args = [sys.executable, "-c", "from analysis.cli import run; run()", "serve"]
    args += ["--project", str(folder), "--port", str(port), "--workers", str(WORKERS)]
    args += ["--db", db] if db else []
    proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    for _ in range(300):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.1).close()
            return proc
        except OSError:
            time.sleep(0.05)
    proc.kill()
    raise RuntimeError(proc.stderr.read().decode())


class LeanClient:
    """A minimal keep-alive HTTP/1.1 client with a cookie jar.

    Hand-written on purpose: httpx spends as much CPU per request as the server does, and
    client and server share the machine's two cores; a light load generator lets the
    benchmark measure the server.
    """

    def __init__(self, port: int) -> None:
        self.port = port
        self.cookies: dict[str, str] = {}
        self.reader = self.writer = None

    async def __aenter__(self) -> LeanClient:
        self.reader, self.writer = await asyncio.open_connection("127.0.0.1", self.port)
        return self

    async def __aexit__(self, *exc) -> None:
        self.writer.close()

    async def request(self, method: str, path: str, data: dict | None = None) -> Reply:
        body = urlencode(data, doseq=True).encode() if data is not None else b""
        head = [f"{method} {path} HTTP/1.1", f"Host: 127.0.0.1:{self.port}"]
        if self.cookies:
            head.append("Cookie: " + "; ".join(f"{k}={v}" for k, v in self.cookies.items()))
        if data is not None:
            head += [
                "Content-Type: application/x-www-form-urlencoded",
                f"Content-Length: {len(body)}",
            ]
        self.writer.write(("\r\n".join(head) + "\r\n\r\n").encode() + body)
        status_line = await self.reader.readline()
        headers: dict[str, str] = {}
        while (line := await self.reader.readline()) not in (b"\r\n", b""):
            name, _, value = line.decode().partition(":")
            name, value = name.lower(), value.strip()
            if name == "set-cookie":
                key, _, rest = value.partition("=")
                cookie_value = rest.split(";", 1)[0]
                if "max-age=0" in value.lower() or not cookie_value.strip('"'):
                    self.cookies.pop(key, None)
                else:
                    self.cookies[key] = cookie_value
            headers[name] = value
        payload = await self.reader.readexactly(int(headers.get("content-length", 0)))
        return Reply(int(status_line.split()[1]), headers, payload.decode())


@dataclass
class Reply:
    status_code: int
    headers: dict[str, str]
    text: str


async def _respondent(port, ins, plan, seed, latencies, finished, errors):
    rng = np.random.default_rng(seed)
    dept = ("marketing", "sales")[seed % 2]
    async with LeanClient(port) as client:
        page = await client.request("GET", f"/s/north/{dept}?lang={'de' if seed % 3 else 'en'}")
        await client.request("POST", "/start", start_form(page.text))
        answers: dict = {}
        for p in plan:
            shown = await client.request("GET", f"/q/{p.number}")
            if shown.status_code != 200:
                errors.append(f"GET /q/{p.number}: {shown.status_code}")
                return
            csrf = CSRF.search(shown.text).group(1)  # bound to this questionnaire
            form = page_form(ins, p, rng, department=dept)
            if p.key == "context":
                form.pop("department")
            data = {"csrf": csrf, "page": str(p.number), "lang": "en", "action": "next", **form}
            start = time.perf_counter()
            reply = await client.request("POST", f"/q/{p.number}", data)
            latencies.append(time.perf_counter() - start)
            if reply.status_code != 303:
                errors.append(f"POST /q/{p.number}: {reply.status_code}")
                return
            answers |= expected_answers(ins, form)
        if reply.headers["location"].startswith("/thanks"):
            finished.append(answers)


async def _load(port, ins, n, rounds):
    plan = pages(ins)
    latencies, finished, errors = [], [], []
    start = time.perf_counter()
    for r in range(rounds):
        await asyncio.gather(
            *(
                _respondent(port, ins, plan, r * n + i, latencies, finished, errors)
                for i in range(n)
            )
        )
    return time.perf_counter() - start, latencies, finished, errors


def _check(store, ins, finished) -> tuple[int, int]:
    """(lost, duplicated): finished respondents missing from / repeated in the database."""
    table = collected_responses(store, ins)
    cols = ins.columns()
    stored = table[cols].astype(object).where(table[cols].notna(), None)
    keys = [json.dumps([row[c] for c in cols], default=str) for _, row in stored.iterrows()]
    counts: dict[str, int] = {}
    for k in keys:
        counts[k] = counts.get(k, 0) + 1
    lost = dup = 0
    for answers in finished:
        key = json.dumps([answers.get(c) for c in cols], default=str)
        got = counts.get(key, 0)
        lost += got == 0
        dup += got > 1
    dup += max(0, len(table) - len(finished))  # rows that no finished respondent accounts for
    return lost, dup


def measure(label: str, db: str | None, n: int, rounds: int) -> dict:
    ins = load_instrument()
    folder = Path(tempfile.mkdtemp()) / f"load-{uuid.uuid4().hex[:8]}"
    # no rate limit on the open link: the benchmark is 200 starts within a minute
    project, _ = init_project(
        folder, company="Load GmbH", business_units={"north": "Nord"}, open_link_rate=0
    )
    port = _port()
    proc = _serve(folder, port, db)
    try:
        client_cpu = time.process_time()
        seconds, latencies, finished, errors = asyncio.run(_load(port, ins, n, rounds))
        client_cpu = time.process_time() - client_cpu
        server_cpu = _cpu_seconds(proc.pid)
    finally:
        proc.terminate()
        proc.wait()
    store = Store(db or project.sqlite_url, project.id)
    lost, dup = _check(store, ins, finished)
    lost += n * rounds - len(finished)
    store.dispose()
    lat = np.array(latencies) * 1000
    out = {
        "backend": label,
        "respondents": n * rounds,
        "concurrent": n,
        "page_submissions": len(latencies),
        "pages_per_s": len(latencies) / seconds,
        "p50_ms": float(np.percentile(lat, 50)),
        "p99_ms": float(np.percentile(lat, 99)),
        "lost": lost,
        "duplicated": dup,
        "errors": errors[:5],
    }
    print(
        f"{label:10s} {out['respondents']} respondents ({n} at once): "
        f"{out['pages_per_s']:.0f} page submissions/s (target >= 200), "
        f"p50 {out['p50_ms']:.0f} ms, p99 {out['p99_ms']:.0f} ms (target < 250), "
        f"lost {lost}, duplicated {dup}; CPU s: server {server_cpu:.1f}, client "
        f"{client_cpu:.1f}, wall {seconds:.1f}" + (f", errors {errors[:3]}" if errors else ""),
        flush=True,
    )
    return out


def _cpu_seconds(pid: int) -> float:
    """User + system CPU seconds of a process and its children so far (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    own = (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    return own + sum(_cpu_seconds(int(child)) for child in children)


def _fresh_postgres() -> str | None:
    """A new, empty database for this run (its URL), or None when no server answers."""
    try:
        import psycopg

        with psycopg.connect(PG_URL, connect_timeout=3, autocommit=True) as conn:
            conn.execute("DROP DATABASE IF EXISTS alignmeter_bench")
            conn.execute("CREATE DATABASE alignmeter_bench")
        return PG_URL.rsplit("/", 1)[0] + "/alignmeter_bench"
    except Exception:
        return None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--respondents", type=int, default=100, help="concurrent respondents")
    parser.add_argument("--rounds", type=int, default=2, help="waves of respondents")
    parser.add_argument("--workers", type=int, default=WORKERS, help="server processes")
    args = parser.parse_args()
    globals()["WORKERS"] = args.workers
    print(f"{os.cpu_count()} cores, {WORKERS} server workers; the client shares them", flush=True)
    lite = measure("sqlite", None, args.respondents, args.rounds)
    if url := _fresh_postgres():
        pg = measure("postgresql", url, args.respondents, args.rounds)
        print(
            f"postgresql / sqlite: {pg['pages_per_s'] / lite['pages_per_s']:.2f}x the page "
            f"submissions per second, {pg['p99_ms'] / lite['p99_ms']:.2f}x the p99 latency"
        )
    else:
        print(f"postgresql: no server at {PG_URL}; skipped")


if __name__ == "__main__":
    main()
