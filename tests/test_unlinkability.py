"""Attacks on the stored files: can an invitation be tied to its response?

The attacker holds the invitation list (every token, so every token hash) and copies of the
database files: on SQLite the database, its write-ahead log and shared memory, copied after
every request and at the worst moment of every write (committed, log not yet truncated),
the log replayed frame by frame; on PostgreSQL ``xmin`` and ``ctid`` of every row and
``pg_waldump``'s listing of everything written during the survey. 30 respondents take part
with invitations, interleaved (eight at a time, newcomers joining as others finish, so that
start order and finish order agree: any order that leaks links them).

Criterion for "no better than chance": an attacker who guesses a one-to-one assignment of
the n = 30 tokens to the 30 responses at random gets X correct pairs with X approximately
Poisson(1) (fixed points of a random permutation). Every attack below must get X <= 7 from
every single copy: P(X >= 8) = 1.0e-5 under chance, so over the (fewer than 1,000) copies
a chance-level attacker passes with probability above 0.99, while the issue's attacks linked
all of them. Beyond that, no copy may show anything written after a redemption (what it
may show before one are other people's answers: the redeemer had not started).
"""

from __future__ import annotations

import re
import shutil
import sqlite3
import struct
import subprocess
from pathlib import Path

import numpy as np
import pytest
from fastapi.testclient import TestClient

from survey.project import init_project
from survey.questionnaire import pages
from survey.store import USED_BIT, Store, digest
from survey.web.app import create_app
from survey.web.simulated import CSRF, page_form, start_form

N = 30
AT_ONCE = 8
MAX_CORRECT = 7  # P(Poisson(1) >= 8) = 1.0e-5


def _text_item(instrument) -> str:
    return next(i.code for p in pages(instrument) for i in p.items if instrument.kind(i) == "text")


def _respondent(client, instrument, token: str, i: int):
    """One respondent's requests, one per step (a generator)."""
    rng = np.random.default_rng(i)
    dept = ("marketing", "sales")[i % 2]
    text = _text_item(instrument)
    page = client.get(f"/t/{token}", params={"lang": "en"})
    yield
    assert client.post("/start", data=start_form(page.text)).status_code == 303
    yield
    for p in pages(instrument):
        shown = client.get(f"/q/{p.number}")
        assert shown.status_code == 200, shown.text[:300]
        csrf = CSRF.search(shown.text).group(1)
        yield
        form = page_form(instrument, p, rng, department=dept)
        if p.key == "context":
            form = {k: v for k, v in form.items() if f'name="{k}"' in shown.text}
        if text in form:
            form[text] = f"respondent {i}"  # ground truth for the test, not for the attacker
        data = {"csrf": csrf, "page": str(p.number), "lang": "en", **form}
        assert client.post(f"/q/{p.number}", data=data).status_code == 303
        yield


def _survey(tmp_path, instrument, store, after_request):
    project, _ = init_project(tmp_path / "acme", company="ACME", business_units={"north": "N"})
    store.project = project.id
    tokens = store.add_tokens("sales", "north", N)  # the invitation list, in links.csv order
    app = create_app(project, store, instrument)
    walkers = [
        _respondent(TestClient(app, follow_redirects=False), instrument, tok, i)
        for i, tok in enumerate(tokens)
    ]
    rng = np.random.default_rng(13)
    waiting, active = list(range(N)), []
    while waiting or active:
        while waiting and len(active) < AT_ONCE:
            active.append(waiting.pop(0))
        i = active[rng.integers(len(active))]
        try:
            next(walkers[i])
        except StopIteration:
            active.remove(i)
        after_request()
    text = _text_item(instrument)
    truth = {  # token hash -> respondent id of its response
        digest(tokens[int(r["answers"][text].split()[1])]): r["respondent_id"]
        for r in store.response_rows()
    }
    assert len(truth) == N
    return tokens, truth


def _correct(guess: dict[str, str], truth: dict[str, str]) -> int:
    return sum(truth.get(t) == r for t, r in guess.items())


def _rank_pairs(tokens_in_order: list[str], responses_in_order: list[str]) -> dict[str, str]:
    return dict(zip(tokens_in_order, responses_in_order, strict=False))


# --- SQLite --------------------------------------------------------------------------------
def _copy(db: Path, folder: Path, n: int) -> Path:
    target = folder / f"copy{n:04d}"
    target.mkdir()
    for suffix in ("", "-wal", "-shm"):
        src = db.with_name(db.name + suffix)
        if src.exists():
            shutil.copyfile(src, target / (db.name + suffix))
    return target / db.name


def _snapshot_state(image: bytes, scratch: Path) -> tuple[dict[str, bool], set[str]]:
    """(token hash -> used, respondent ids) of one database image."""
    image = bytearray(image)
    image[18:20] = b"\x01\x01"  # read it as a plain (rollback-journal) file
    scratch.write_bytes(bytes(image))
    conn = sqlite3.connect(f"file:{scratch}?immutable=1", uri=True)
    try:
        names = {r[0] for r in conn.execute("SELECT name FROM sqlite_master")}
        if "invitation_tokens" not in names:
            return {}, set()
        used = {
            h: bool(s & USED_BIT)
            for h, s in conn.execute("SELECT token_hash, state FROM invitation_tokens")
        }
        ids = {
            r[0]
            for r in conn.execute(
                "SELECT respondent_id FROM responses UNION SELECT respondent_id FROM pending_responses"
            )
        }
    finally:
        conn.close()
    return used, ids


def _replay(db: Path) -> tuple[list[tuple[str, str]], bytes]:
    """Events in commit order from the copy's log: ("redeem", token hash) or
    ("response", respondent id); and the database image with the log applied."""
    image = bytearray(db.read_bytes())
    wal = db.with_name(db.name + "-wal")
    scratch = db.with_name("scratch.db")
    events: list[tuple[str, str]] = []
    if not image:
        return events, bytes(image)
    used, ids = _snapshot_state(bytes(image), scratch)
    log = wal.read_bytes() if wal.exists() else b""
    if len(log) >= 32:
        page_size = struct.unpack(">I", log[8:12])[0]
        salts = log[16:24]
        offset = 32
        while offset + 24 + page_size <= len(log):
            pgno, commit = struct.unpack(">II", log[offset : offset + 8])
            if log[offset + 8 : offset + 16] != salts:
                break  # a frame of an earlier generation of the log
            page = log[offset + 24 : offset + 24 + page_size]
            end = pgno * page_size
            if len(image) < end:
                image.extend(b"\0" * (end - len(image)))
            image[end - page_size : end] = page
            offset += 24 + page_size
            if commit:  # frame by frame, state after every commit
                del image[commit * page_size :]
                now_used, now_ids = _snapshot_state(bytes(image), scratch)
                events += [("redeem", h) for h, u in now_used.items() if u and not used.get(h)]
                events += [("response", r) for r in sorted(now_ids - ids)]
                used, ids = now_used, now_ids
    return events, bytes(image)


def _attack_sqlite_copy(db: Path, token_hashes: list[str]) -> tuple[dict, dict, bool]:
    """The issue's attack (a redemption tied to the next response in the log) and an
    order attack on the database image (tokens and responses by position in the file)."""
    events, image = _replay(db)
    if not image:
        return {}, {}, False
    adjacency = {}
    for k, (kind, value) in enumerate(events):
        if kind == "redeem":
            after = next((v for kd, v in events[k + 1 :] if kd == "response"), None)
            if after:
                adjacency[value] = after
    both = any(kind == "redeem" and k < len(events) - 1 for k, (kind, _) in enumerate(events))
    used, ids = _snapshot_state(image, db.with_name("scratch.db")) if image else ({}, set())
    where = lambda s: image.find(s.encode())  # noqa: E731
    used_tokens = sorted((h for h in token_hashes if used.get(h)), key=where)
    by_position = _rank_pairs(used_tokens, sorted(ids, key=where))
    return adjacency, by_position, both


@pytest.mark.slow
def test_sqlite_copies_link_no_invitation_to_its_response(tmp_path, instrument):
    db = tmp_path / "responses.db"
    store = Store(f"sqlite:///{db}", "acme")
    copies: list[Path] = []
    folder = tmp_path / "copies"
    folder.mkdir()
    checkpoint = store._checkpoint

    def worst_moment() -> None:  # committed, the log not yet truncated
        copies.append(_copy(db, folder, len(copies)))
        checkpoint()

    store._checkpoint = worst_moment
    tokens, truth = _survey(
        tmp_path, instrument, store, lambda: copies.append(_copy(db, folder, len(copies)))
    )
    store.dispose()
    copies.append(_copy(db, folder, len(copies)))  # after a clean shutdown
    hashes = [digest(t) for t in tokens]
    seen_redeemed, seen_answered, together, worst = set(), set(), 0, 0
    for copy in copies:
        events, _ = _replay(copy)
        seen_redeemed |= {v for k, v in events if k == "redeem"}
        seen_answered |= {v for k, v in events if k == "response"}
        adjacency, by_position, both = _attack_sqlite_copy(copy, hashes)
        together += both
        worst = max(worst, _correct(adjacency, truth), _correct(by_position, truth))
    # the attacker did see every redemption and every response in some copy's log ...
    assert len(seen_redeemed) == N and len(seen_answered) == N
    # ... but never anything after a redemption in the same copy, and no attack beats chance
    assert together == 0
    print(f"SQLite: {len(copies)} copies, best attack {worst} of {N} correct")
    assert worst <= MAX_CORRECT
    final = db.with_name("responses.db-wal")
    assert not final.exists() or final.stat().st_size == 0  # truncated at shutdown


# --- PostgreSQL -------------------------------------------------------------------------
PG_WALDUMP = "/usr/lib/postgresql/15/bin/pg_waldump"
RECORD = re.compile(
    r"len \(rec/tot\):\s*(\d+)/\s*\d+, tx:\s*(\d+), lsn: ([0-9A-F]+/[0-9A-F]+).*?desc: ([\w+]+) (.*)$"
)
BLKREF = re.compile(r"blkref #(\d): rel \d+/\d+/(\d+)(?: fork \w+)? blk (\d+)")


def _waldump(conn, start: str, end: str) -> list[dict]:
    data_dir = conn.exec_driver_sql("SHOW data_directory").scalar()
    out = subprocess.run(
        [PG_WALDUMP, "-p", f"{data_dir}/pg_wal", "-s", start, "-e", end],
        capture_output=True,
        text=True,
        check=False,
    ).stdout
    records = []
    for line in out.splitlines():
        m = RECORD.search(line)
        if not m or not line.startswith("rmgr: Heap"):
            continue
        desc = m.group(5)
        blocks = {int(k): (int(rel), int(blk)) for k, rel, blk in BLKREF.findall(desc)}
        offs = re.findall(r"\boff (\d+)", desc)
        records.append(
            {
                "len": int(m.group(1)),
                "tx": int(m.group(2)),
                "kind": m.group(4),
                "offs": [int(o) for o in offs],
                "blocks": blocks,
            }
        )
    return records


def _ctid(text: str) -> tuple[int, int]:
    blk, off = text.strip("()").split(",")
    return int(blk), int(off)


@pytest.mark.slow
@pytest.mark.postgres
def test_postgresql_xmin_ctid_and_waldump_link_no_invitation(tmp_path, instrument, pg_schema):
    import psycopg

    url, schema = pg_schema
    store = Store(url, "acme", schema=schema)
    with store.engine.connect() as conn:
        start = conn.exec_driver_sql("SELECT pg_current_wal_insert_lsn()::text").scalar()
    tokens, truth = _survey(tmp_path, instrument, store, lambda: None)
    hashes = [digest(t) for t in tokens]
    with psycopg.connect(url, autocommit=True) as raw:
        end = raw.execute("SELECT pg_current_wal_flush_lsn()::text").fetchone()[0]
        filenode = {
            name: raw.execute(f"SELECT pg_relation_filenode('{schema}.{name}')").fetchone()[0]
            for name in ("invitation_tokens", "pending_responses", "responses")
        }
        tok_rows = raw.execute(
            f"SELECT token_hash, xmin::text::bigint, ctid::text FROM {schema}.invitation_tokens"
        ).fetchall()
        resp_rows = raw.execute(
            f"SELECT respondent_id, xmin::text::bigint, ctid::text, 'responses' FROM {schema}.responses "
            f"UNION ALL SELECT respondent_id, xmin::text::bigint, ctid::text, 'pending_responses' "
            f"FROM {schema}.pending_responses"
        ).fetchall()
    assert len(tok_rows) == N and len(resp_rows) == N

    # 1. xmin: which transaction wrote each row, ordered
    tokens_by_xmin = [h for h, _, _ in sorted(tok_rows, key=lambda r: (r[1], _ctid(r[2])))]
    answers_by_xmin = [
        r for r, _, _, _ in sorted(resp_rows, key=lambda r: (r[1], r[3], _ctid(r[2])))
    ]
    assert len({x for _, x, _ in tok_rows}) == 1  # all invitations share one xmin
    by_xmin = _correct(_rank_pairs(tokens_by_xmin, answers_by_xmin), truth)
    print(f"xmin attack: {by_xmin} of {N} correct")
    assert by_xmin <= MAX_CORRECT
    # 2. ctid: where each row sits
    tokens_by_ctid = [h for h, _, c in sorted(tok_rows, key=lambda r: _ctid(r[2]))]
    answers_by_ctid = [r for r, _, c, t in sorted(resp_rows, key=lambda r: (r[3], _ctid(r[2])))]
    by_ctid = _correct(_rank_pairs(tokens_by_ctid, answers_by_ctid), truth)
    print(f"ctid attack: {by_ctid} of {N} correct")
    assert by_ctid <= MAX_CORRECT

    # 3. pg_waldump: follow every invitation's row through the log
    with store.engine.connect() as conn:
        records = _waldump(conn, start, end)
    tok_node = filenode["invitation_tokens"]
    answer_nodes = {filenode["pending_responses"], filenode["responses"]}
    records = [r for r in records if r["tx"]]  # VACUUM's own records carry no transaction

    def touching(nodes):
        return {r["tx"] for r in records if any(b[0] in nodes for b in r["blocks"].values())}

    txs_tokens, txs_answers = touching({tok_node}), touching(answer_nodes)
    assert len(txs_tokens) >= N  # every redemption is in the listing ...
    assert not txs_tokens & txs_answers  # ... but never in a response's transaction
    # where each invitation's row is, at every moment: from the rows as they were after
    # the invitations were written (the attacker knows links.csv's order), then update by
    # update through the log
    first = [r for r in records if r["tx"] == min(txs_tokens)]
    assert first and first[0]["kind"].startswith(("INSERT", "MULTI_INSERT"))
    position: dict[tuple[int, int], str] = {}
    # the first transaction inserted them in list order
    inserted = [r for r in first if r["kind"].startswith(("INSERT", "MULTI_INSERT"))]
    slots = []
    for r in inserted:
        blk = r["blocks"][0][1]
        slots += [(blk, o) for o in (r["offs"] or [None])]
    if len(slots) == N and None not in {o for _, o in slots}:
        position = dict(zip(slots, hashes, strict=True))
    guesses: dict[str, int] = {}  # token hash -> tx the attacker thinks redeemed it
    redemptions = sorted(txs_tokens - {min(txs_tokens)})
    for tx in redemptions:
        updates = [r for r in records if r["tx"] == tx and "UPDATE" in r["kind"]]
        assert len(updates) == N  # every redemption rewrites every invitation
        lengths = [u["len"] for u in updates]
        odd = [u for u in updates if lengths.count(u["len"]) == 1]
        moved = {}
        for u in updates:
            new_blk = u["blocks"][0][1]
            old_blk = u["blocks"].get(1, u["blocks"][0])[1]
            old, new = (old_blk, u["offs"][0]), (new_blk, u["offs"][-1])
            moved[new] = position.pop(old, None)
            if odd and u is odd[0] and moved[new]:
                guesses.setdefault(moved[new], tx)
        position.update({k: v for k, v in moved.items() if v})
    # the attacker did follow every invitation's row through the log to where it is now
    now = {_ctid(c): h for h, _, c in tok_rows}
    assert position == now
    # link a guessed redemption to the next transaction that wrote a response
    answer_txs = sorted(txs_answers)
    by_tx = {}
    for r in records:
        if r["kind"].startswith("INSERT") and any(
            b[0] in answer_nodes for b in r["blocks"].values()
        ):
            by_tx.setdefault(r["tx"], r)
    ctid_to_id = {(n, _ctid(c)): rid for rid, _, c, n in resp_rows}
    linked = {}
    for token_hash, tx in guesses.items():
        nxt = next((t for t in answer_txs if t > tx), None)
        if nxt is None:
            continue
        r = by_tx[nxt]
        node = next(b for b in r["blocks"].values() if b[0] in answer_nodes)
        name = "pending_responses" if node[0] == filenode["pending_responses"] else "responses"
        rid = ctid_to_id.get((name, (node[1], r["offs"][0])))
        if rid:
            linked[token_hash] = rid
    assert _correct(linked, truth) <= MAX_CORRECT
    print(
        f"pg_waldump attack: {len(guesses)} redemptions guessed, {_correct(linked, truth)} linked"
    )
    store.dispose()
