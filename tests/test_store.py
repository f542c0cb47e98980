"""The survey store on SQLite and PostgreSQL: the same persistence suite on both."""

from __future__ import annotations

import datetime as dt
import stat
import threading
import time

import pytest
import sqlalchemy as sa

from survey.store import (
    SCHEMA_VERSION,
    USED_BIT,
    Store,
    StoreError,
    meta_table,
    new_resume_code,
    normalise_code,
    pending,
    responses,
    saved,
)


def _state(i: int = 0, **extra) -> dict:
    return {
        "id": f"{i:032x}",
        "language": "de",
        "department": "sales",
        "business_unit": "north",
        "context": {"role": "head"},
        "answers": {"INF_TIMELY": 6, "STR_PLAN_EXISTS": 1},
        "started": time.time() - 400,
        "reached": 3,
    } | extra


def test_a_questionnaire_becomes_one_response_exactly_once(store_factory):
    store = store_factory()
    state = _state()
    assert not store.is_finished(state["id"])
    assert store.finish(state, instrument_version="1.0") == "finished"
    assert store.finish(state, instrument_version="1.0") == "already"
    assert store.is_finished(state["id"])
    (row,) = store.response_rows()
    assert row["answers"] == {"INF_TIMELY": 6, "STR_PLAN_EXISTS": 1}
    assert (row["role"], row["language"], row["duration_s"]) == ("head", "de", 420)
    assert row["submitted_on"] == dt.datetime.now(dt.UTC).date()


def test_parallel_finishes_of_one_questionnaire_store_one_response(store_factory):
    store = store_factory()
    state = _state()
    results = []
    threads = [
        threading.Thread(target=lambda: results.append(store.finish(state, instrument_version="1")))
        for _ in range(8)
    ]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    assert sorted(results) == ["already"] * 7 + ["finished"]
    assert len(store.response_rows()) == 1


def test_the_pool_releases_responses_together_in_random_order(store_factory):
    store = store_factory()
    store.pool_size = 4
    for i in range(3):
        store.finish(_state(i), instrument_version="1")

    def count(table):
        with store.engine.connect() as conn:
            return conn.execute(sa.select(sa.func.count()).select_from(table)).scalar()

    assert (count(pending), count(responses)) == (3, 0)
    store.finish(_state(3), instrument_version="1")
    assert (count(pending), count(responses)) == (0, 4)
    assert len(store.response_rows()) == 4
    store.finish(_state(4), instrument_version="1")
    assert store.release_pool() == 1 and len(store.response_rows()) == 5


def test_a_token_is_redeemed_once(store_factory):
    store = store_factory()
    issued = store.add_tokens("sales", "north", 5)
    token = issued[0]
    assert store.token(token) == ("sales", "north", False)
    assert store.redeem_token(token) is True
    assert store.redeem_token(token) is False  # a second browser, a resent form
    assert store.redeem_token("no-such-token") is False
    assert store.token(token) == ("sales", "north", True)
    assert [store.token(t)[2] for t in issued[1:]] == [False] * 4


def test_a_redemption_rewrites_every_invitation(store_factory):
    store = store_factory()
    issued = store.add_tokens("sales", "north", 20)
    from survey.store import tokens

    def states():
        with store.engine.connect() as conn:
            return dict(conn.execute(sa.select(tokens.c.token_hash, tokens.c.state)).all())

    before = states()
    store.redeem_token(issued[7])
    after = states()
    assert all(before[h] != after[h] for h in before)  # fresh bits everywhere
    assert sum(bool(v & USED_BIT) for v in after.values()) == 1


def test_saved_states_resume_and_expire(store_factory):
    store = store_factory()
    code = new_resume_code()
    store.save_state(code, _state(code=code))
    assert store.saved_state(code)["answers"]["INF_TIMELY"] == 6
    (partial,) = store.partial_rows()
    assert partial["role"] == "head"
    assert [r["in_progress"] for r in store.counts()] == [1]
    store.save_state(code, _state(code=code, answers={"INF_TIMELY": 2}))  # replaces it
    assert store.saved_state(code)["answers"] == {"INF_TIMELY": 2}
    store.finish(_state(code=code), instrument_version="1")
    assert store.saved_state(code) is None  # finishing deletes the saved copy
    old = new_resume_code()
    store.save_state(old, _state(9, code=old))
    with store.engine.begin() as conn:
        conn.execute(saved.update().values(saved_on=dt.date(2020, 1, 1)))
    assert store.saved_state(old) is None and store.partial_rows() == []


def test_admin_sessions_are_server_side_and_revocable(store_factory):
    store = store_factory()
    sid = store.new_admin_session("fp1", 8)
    assert store.admin_session_valid(sid, "fp1")
    assert not store.admin_session_valid(sid, "fp2")  # signed in with another key
    assert not store.admin_session_valid(sid[:-1] + "x", "fp1")
    store.end_admin_sessions(sid)
    assert not store.admin_session_valid(sid, "fp1")
    again = store.new_admin_session("fp1", 8)
    store.end_admin_sessions()
    assert not store.admin_session_valid(again, "fp1")
    expired = store.new_admin_session("fp1", -1)
    assert not store.admin_session_valid(expired, "fp1")


def test_projects_share_a_database_without_seeing_each_other(store_factory):
    one, two = store_factory("one"), store_factory("two")
    one.finish(_state(), instrument_version="1")
    assert len(one.response_rows()) == 1 and two.response_rows() == []
    assert not two.is_finished(_state()["id"])


def test_counts(store_factory):
    store = store_factory()
    store.add_tokens("sales", "north", 3)
    store.finish(_state(), instrument_version="1")
    code = new_resume_code()
    store.save_state(code, _state(1, department="marketing", code=code))
    counts = {(r["department"], r["business_unit"]): r for r in store.counts()}
    assert counts[("sales", "north")]["invited"] == 3
    assert counts[("sales", "north")]["complete"] == 1
    assert counts[("marketing", "north")]["in_progress"] == 1


def test_schema_version_is_checked(store_factory):
    store = store_factory()
    with store.engine.begin() as conn:
        conn.execute(meta_table.update().values(value="2"))
    with pytest.raises(
        StoreError, match=f"schema version 2, this alignmeter expects {SCHEMA_VERSION}"
    ):
        Store(store_factory.url, "acme", schema=store_factory.schema)


def test_sqlite_runs_in_wal_mode_and_truncates_the_log(tmp_path):
    path = tmp_path / "x.db"
    store = Store(f"sqlite:///{path}", "p")
    with store.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
    tokens = store.add_tokens("sales", "north", 50)
    store.finish(_state(), instrument_version="1")
    assert path.with_name("x.db-wal").stat().st_size > 0  # answers may wait in the log
    store.redeem_token(tokens[0])
    assert path.with_name("x.db-wal").stat().st_size == 0  # never past a redemption
    store.dispose()


def test_sqlite_files_are_private_whatever_the_umask(tmp_path):
    import os

    old = os.umask(0o022)
    try:
        path = tmp_path / "r.db"
        store = Store(f"sqlite:///{path}", "p")
        store.finish(_state(), instrument_version="1")
        for suffix in ("", "-wal", "-shm"):
            f = path.with_name(path.name + suffix)
            if f.exists():
                assert stat.S_IMODE(f.stat().st_mode) == 0o600, f
        store.dispose()
    finally:
        os.umask(old)


def test_a_read_only_database_is_refused_at_start(tmp_path):
    import os

    path = tmp_path / "ro.db"
    Store(f"sqlite:///{path}", "p").dispose()
    with pytest.raises(StoreError, match="is read-only"):  # opened read-only
        Store(f"sqlite:///file:{path}?mode=ro&uri=true", "p")
    os.chmod(path, 0o400)
    os.chmod(tmp_path, 0o500)
    try:
        if os.access(path, os.W_OK):
            return  # root may write whatever the mode: the read-only open above stands
        with pytest.raises(StoreError, match=r"read-only|cannot open"):
            Store(f"sqlite:///{path}", "p")
    finally:
        os.chmod(tmp_path, 0o700)


def test_unreachable_database_is_a_clear_error():
    with pytest.raises(StoreError, match="cannot open the database"):
        Store("postgresql://nobody@127.0.0.1:1/none?connect_timeout=2", "p")


def test_resume_codes_are_random_and_forgiving():
    codes = {new_resume_code() for _ in range(1000)}
    assert len(codes) == 1000
    code = codes.pop()
    assert normalise_code(code.lower().replace("-", " ")) == code
    assert normalise_code("o1il-0000-aaaa-bbbb") == "0111-0000-AAAA-BBBB"
