"""The survey store on SQLite and PostgreSQL: the same persistence suite on both."""

from __future__ import annotations

import threading

import pytest

from survey.store import Store, StoreError, meta_table, new_resume_code, normalise_code


def test_a_session_becomes_one_response_exactly_once(store_factory):
    store = store_factory()
    code = store.start_session("de", department="sales", business_unit="north")
    assert store.save_page(code, 1, answers={"INF_TIMELY": 5}, context={"role": "head"})
    assert store.save_page(code, 2, answers={"INF_TIMELY": 6, "STR_PLAN_EXISTS": 1})
    assert store.session(code).answers == {"INF_TIMELY": 6, "STR_PLAN_EXISTS": 1}
    assert store.finish(code, instrument_version="1.0") == "finished"
    assert store.finish(code, instrument_version="1.0") == "already"
    assert store.session(code) is None and store.is_finished(code)
    (row,) = store.response_rows()
    assert row["answers"] == {"INF_TIMELY": 6, "STR_PLAN_EXISTS": 1}
    assert (row["role"], row["language"], row["duration_s"] % 60) == ("head", "de", 0)
    assert store.save_page(code, 3, answers={"INF_TIMELY": 1}) is False


def test_parallel_finishes_of_one_session_store_one_response(store_factory):
    store = store_factory()
    code = store.start_session("en", department="marketing", business_unit="south")
    results = []
    threads = [
        threading.Thread(target=lambda: results.append(store.finish(code, instrument_version="1")))
        for _ in range(8)
    ]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    assert sorted(results) == ["already"] * 7 + ["finished"]
    assert len(store.response_rows()) == 1


def test_a_token_is_redeemed_once_and_the_session_keeps_no_trace_of_it(store_factory):
    store = store_factory()
    (token,) = store.add_tokens("sales", "north", 1)
    assert store.token(token) == ("sales", "north", False)
    assert store.redeem_token(token) is True
    assert store.redeem_token(token) is False  # a second browser, a resent form
    assert store.redeem_token("no-such-token") is False
    assert store.token(token) == ("sales", "north", True)
    from survey.store import sessions

    assert "token_hash" not in sessions.columns


def test_starting_twice_with_one_code_opens_one_questionnaire(store_factory):
    store = store_factory()
    code = store.start_session("en", department="sales", business_unit="north", code="A" * 16)
    store.save_page(code, 1, answers={"INF_TIMELY": 4})
    again = store.start_session("en", department="sales", business_unit="north", code="A" * 16)
    assert again == code and store.session(code).answers == {"INF_TIMELY": 4}
    assert sum(r["in_progress"] for r in store.counts()) == 1


def test_an_answer_of_none_withdraws_the_earlier_one(store_factory):
    store = store_factory()
    code = store.start_session("en", department="sales", business_unit="north")
    store.save_page(code, 1, answers={"INF_TIMELY": 4, "OUT_ONE_CHANGE": "Name Surname"})
    store.save_page(code, 1, answers={"INF_TIMELY": None, "OUT_ONE_CHANGE": None})
    assert store.session(code).answers == {}


def test_projects_share_a_database_without_seeing_each_other(store_factory):
    one, two = store_factory("one"), store_factory("two")
    code = one.start_session("en", department="sales", business_unit="north")
    one.finish(code, instrument_version="1")
    assert len(one.response_rows()) == 1 and two.response_rows() == []
    assert two.session(code) is None


def test_counts_and_partial_rows(store_factory):
    store = store_factory()
    store.add_tokens("sales", "north", 3)
    done = store.start_session("en", department="sales", business_unit="north")
    store.finish(done, instrument_version="1")
    busy = store.start_session("de", department="marketing", business_unit="north")
    store.save_page(busy, 1, answers={"INF_TIMELY": 2}, context={"role": "staff"})
    store.start_session("de")  # department not chosen yet
    counts = {(r["department"], r["business_unit"]): r for r in store.counts()}
    assert counts[("sales", "north")]["invited"] == 3
    assert counts[("sales", "north")]["complete"] == 1
    assert counts[("marketing", "north")]["in_progress"] == 1
    assert counts[("?", "?")]["in_progress"] == 1
    (partial,) = store.partial_rows()
    assert partial["answers"] == {"INF_TIMELY": 2} and partial["role"] == "staff"


def test_schema_version_is_checked(store_factory):
    store = store_factory()
    with store.engine.begin() as conn:
        conn.execute(meta_table.update().values(value="99"))
    with pytest.raises(StoreError, match="schema version 99"):
        Store(store_factory.url, "acme", schema=store_factory.schema)


def test_sqlite_runs_in_wal_mode(tmp_path):
    store = Store(f"sqlite:///{tmp_path / 'x.db'}", "p")
    with store.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
    store.dispose()


def test_unreachable_database_is_a_clear_error():
    with pytest.raises(StoreError, match="cannot open the database"):
        Store("postgresql://nobody@127.0.0.1:1/none?connect_timeout=2", "p")


def test_resume_codes_are_random_and_forgiving():
    codes = {new_resume_code() for _ in range(1000)}
    assert len(codes) == 1000
    code = codes.pop()
    assert normalise_code(code.lower().replace("-", " ")) == code
    assert normalise_code("o1il-0000-aaaa-bbbb") == "0111-0000-AAAA-BBBB"
