"""The web survey through the ASGI test client, on SQLite and on PostgreSQL."""

from __future__ import annotations

import datetime as dt
import re
import threading

import pytest
from fastapi.testclient import TestClient

from survey.collected import collected_responses, status_table
from survey.project import init_project
from survey.questionnaire import pages
from survey.web.app import create_app
from survey.web.simulated import CSRF, start_form, walk


@pytest.fixture
def survey(tmp_path, store_factory, instrument):
    project, key = init_project(
        tmp_path / "acme",
        company="ACME <Werke> & Co",
        business_units={"north": "Nord", "south": "Süd"},
    )
    store = store_factory(project.id)
    app = create_app(project, store, instrument)

    def client() -> TestClient:
        return TestClient(app, follow_redirects=False)

    return {"project": project, "key": key, "store": store, "client": client, "app": app}


def started(survey, entry="/s/north", lang="en"):
    """A client with a questionnaire started; returns (client, csrf)."""
    client = survey["client"]()
    page = client.get(entry, params={"lang": lang})
    assert page.status_code == 200
    response = client.post("/start", data=start_form(page.text, lang))
    assert response.status_code == 303
    # the page's CSRF token is bound to the questionnaire the browser now holds
    first = client.get("/q/0")
    assert first.status_code == 200
    return client, CSRF.search(first.text).group(1)


def sealer(survey):
    from survey.web.sealed import Sealer

    return Sealer(survey["project"].secret, survey["project"].id)


def post(client, csrf, number, lang="en", action="next", **fields):
    data = {"csrf": csrf, "page": str(number), "lang": lang, "action": action, **fields}
    return client.post(f"/q/{number}", data=data)


def test_complete_walk_stores_exactly_the_answers(survey, instrument):
    run = walk(survey["client"](), instrument, "/s/south/sales", seed=3, department="sales")
    assert run.finished, run.statuses
    table = collected_responses(survey["store"], instrument)
    assert len(table) == 1
    row = table.iloc[0]
    assert (row["department"], row["business_unit"], row["status"]) == (
        "sales",
        "south",
        "complete",
    )
    for col, value in run.answers.items():
        assert row[col] == value, col
    answered = {c for c in instrument.columns() if row[c] == row[c] and row[c] is not None}
    assert answered == set(run.answers)


def test_welcome_page_language_from_browser_and_privacy_notice(survey):
    client = survey["client"]()
    german = client.get("/s/north", headers={"accept-language": "de-CH,de;q=0.9,en;q=0.5"})
    assert '<html lang="de">' in german.text
    assert "IP-Adresse" in german.text and "mindestens 5 Personen" in german.text
    english = client.get("/s/north", headers={"accept-language": "en-GB"})
    assert "IP address" in english.text and "at least 5 people" in english.text
    assert "ACME &lt;Werke&gt; &amp; Co" in english.text  # escaped, never raw


def test_mirror_items_name_the_other_department(survey, instrument):
    for dept, other_en in (("marketing", "sales"), ("sales", "marketing")):
        client, csrf = started(survey)
        assert post(client, csrf, 0, department=dept).status_code == 303
        page = next(p for p in pages(instrument) if any(i.code == "INF_KEEPS_OTH" for i in p.items))
        for number in range(1, page.number):
            assert post(client, csrf, number).status_code == 303
        html = client.get(f"/q/{page.number}").text
        assert f"The {other_en} team keeps us well informed" in html


def test_department_is_required_and_error_sits_next_to_the_field(survey):
    client, csrf = started(survey, lang="de")
    response = post(client, csrf, 0, lang="de")
    assert response.status_code == 422
    assert 'id="department-error"' in response.text
    assert "Bitte wählen Sie eine Antwort." in response.text
    assert 'aria-describedby="department-error"' in response.text


def test_cannot_skip_ahead(survey):
    client, csrf = started(survey)
    response = client.get("/q/5")
    assert response.status_code == 303 and response.headers["location"] == "/q/0"
    forged = post(client, csrf, 5)
    assert forged.status_code == 400 and "does not match" in forged.text


def test_back_and_forth_and_resent_forms_create_no_duplicates(survey, instrument):
    client, csrf = started(survey)
    assert post(client, csrf, 0, department="marketing").status_code == 303
    last = len(pages(instrument)) - 1
    for number in range(1, last):
        assert (
            post(client, csrf, number, **({"INF_TIMELY": "5"} if number == 1 else {})).status_code
            == 303
        )
    # back to page 1, change the answer, forward again
    assert post(client, csrf, 1, INF_TIMELY="2").status_code == 303
    assert 'value="2" id="INF_TIMELY-2" checked' in client.get("/q/1").text
    final = post(client, csrf, last)
    assert final.status_code == 303 and final.headers["location"].startswith("/thanks")
    # the same final form sent again (resend, double click): no second response
    resent = client.post(
        f"/q/{last}", data={"csrf": csrf, "page": str(last), "lang": "en", "action": "next"}
    )
    assert resent.status_code == 409 and "already been submitted" in resent.text
    table = collected_responses(survey["store"], instrument)
    assert len(table) == 1 and table.loc[0, "INF_TIMELY"] == 2


def test_double_submit_of_the_last_page_in_parallel(survey, instrument):
    client, csrf = started(survey)
    post(client, csrf, 0, department="sales")
    last = len(pages(instrument)) - 1
    for number in range(1, last):
        post(client, csrf, number)
    cookies = dict(client.cookies)
    results = []

    def send():
        other = survey["client"]()
        other.cookies.update(cookies)
        results.append(post(other, csrf, last).status_code)

    threads = [threading.Thread(target=send) for _ in range(4)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    assert results.count(303) >= 1 and set(results) <= {303, 409}
    assert len(collected_responses(survey["store"], instrument)) == 1


def test_save_and_resume_on_another_device(survey, instrument):
    client, csrf = started(survey, entry="/s/south", lang="de")
    post(client, csrf, 0, lang="de", department="marketing")
    post(client, csrf, 1, lang="de", INF_TIMELY="6")
    saved = post(client, csrf, 2, lang="de", action="save", INF_BY_CHANCE="1")
    assert saved.status_code == 303 and saved.headers["location"] == "/saved"
    page = client.get("/saved")
    code = re.search(r'id="resume-code">([0-9A-Z-]+)<', page.text).group(1)
    other = survey["client"]()
    form = other.get("/resume?lang=de")
    other_csrf = CSRF.search(form.text).group(1)
    typed = code.lower().replace("-", " ")  # as someone might type it
    back = other.post("/resume", data={"csrf": other_csrf, "lang": "de", "code": typed})
    assert back.status_code == 303 and back.headers["location"] == "/q/2"
    assert 'value="1" id="INF_BY_CHANCE-1" checked' in other.get("/q/2").text
    other_csrf = CSRF.search(other.get("/resume?lang=de").text).group(1)  # bound anew
    wrong = other.post("/resume", data={"csrf": other_csrf, "lang": "de", "code": "AAAA-BBBB"})
    assert wrong.status_code == 404 and "Diesen Code kennen wir nicht" in wrong.text


def test_invitation_tokens_are_single_use_and_unlinkable(survey, instrument):
    store = survey["store"]
    token = store.add_tokens("sales", "north", 2)[0]
    run = walk(survey["client"](), instrument, f"/t/{token}", seed=1, department="sales")
    assert run.finished
    assert survey["client"]().get(f"/t/{token}").status_code == 410
    import sqlalchemy as sa

    from survey.store import pending, tokens

    with store.engine.connect() as conn:
        token_cols = {c.name for c in tokens.columns}
        row = conn.execute(sa.select(pending)).mappings().one()  # still in the pool
    assert token_cols == {"project", "token_hash", "department", "business_unit", "state"}
    assert not any(token in str(v) or "hash" in k for k, v in row.items())
    assert isinstance(row["submitted_on"], dt.date) and not isinstance(
        row["submitted_on"], dt.datetime
    )


def test_nothing_identifying_is_stored(survey, instrument):
    client = survey["client"]()
    client.headers["user-agent"] = "UniqueAgent/42"
    walk(client, instrument, "/s/north/marketing", seed=2)
    import sqlalchemy as sa

    from survey.store import metadata

    with survey["store"].engine.connect() as conn:
        dump = " ".join(
            str(row) for table in metadata.tables.values() for row in conn.execute(sa.select(table))
        )
    assert "UniqueAgent" not in dump and "testclient" not in dump and "127.0.0.1" not in dump
    assert client.cookies.get("am_csrf") not in dump


@pytest.mark.parametrize(
    ("fields", "status", "message"),
    [
        ({"INF_TIMELY": "99"}, 422, "This answer is not one of the options."),
        ({"INF_TIMELY": "abc"}, 422, "This answer is not one of the options."),
        ({"NO_SUCH_ITEM": "1"}, 400, "does not match this questionnaire"),
        ({"page": "7"}, 400, "does not match this questionnaire"),
        ({"action": "delete"}, 400, "does not match this questionnaire"),
        ({"csrf": "forged"}, 403, "did not come from this site"),
    ],
)
def test_bad_input_on_a_page_is_a_clear_4xx(survey, fields, status, message):
    client, csrf = started(survey)
    post(client, csrf, 0, department="marketing")
    data = {"csrf": csrf, "page": "1", "lang": "en", "action": "next"} | fields
    response = client.post("/q/1", data=data)
    assert response.status_code == status
    assert message in response.text


def test_oversize_text_and_oversize_request(survey, instrument):
    client, csrf = started(survey, entry="/s/south")
    post(client, csrf, 0, department="sales")
    text_page = next(
        p for p in pages(instrument) if any(instrument.kind(i) == "text" for i in p.items)
    )
    code = next(i.code for i in text_page.items if instrument.kind(i) == "text")
    for number in range(1, text_page.number):
        post(client, csrf, number)
    long = post(client, csrf, text_page.number, **{code: "x" * 2500})
    assert long.status_code == 422 and "at most 2000 characters (now: 2500)" in long.text
    huge = post(client, csrf, text_page.number, **{code: "x" * 70_000})
    assert huge.status_code == 413
    assert post(client, csrf, text_page.number, **{code: "fine"}).status_code == 303


def test_constant_sum_must_add_up(survey, instrument):
    client, csrf = started(survey, entry="/s/south")
    post(client, csrf, 0, department="sales")
    page = next(
        p for p in pages(instrument) if any(instrument.kind(i) == "constant_sum" for i in p.items)
    )
    item = next(i for i in page.items if instrument.kind(i) == "constant_sum")
    for number in range(1, page.number):
        post(client, csrf, number)
    cols = instrument.item_columns(item)
    response = post(client, csrf, page.number, **{cols[0]: "30", cols[1]: "30"})
    assert response.status_code == 422 and "must add up to 100 (now: 60)" in response.text


def test_invalid_and_used_tokens_and_unknown_links(survey):
    client = survey["client"]()
    assert client.get("/t/not-a-real-token-123").status_code == 404
    assert "ungültig" in client.get("/t/not-a-real-token-123").text  # German by default
    assert client.get("/s/west").status_code == 404
    assert client.get("/s/north/finance").status_code == 404
    assert client.get("/q/abc").status_code == 404
    assert client.get("/q/0").status_code == 404  # no questionnaire started
    page = client.get("/s/north")
    form = start_form(page.text)
    tampered = client.post("/start", data=form | {"entry": "u:west:"})
    assert tampered.status_code in (400, 404)
    assert client.post("/start", data=form | {"entry": "t:forged-token-1"}).status_code == 404
    assert client.post("/start", data=form | {"nonce": ""}).status_code == 400
    assert client.delete("/q/0").status_code == 405


def test_closed_survey_refuses_answers(tmp_path, store_factory, instrument):
    yesterday = dt.date.today() - dt.timedelta(days=1)
    project, _ = init_project(
        tmp_path / "closed", company="X", business_units={"a": "A"}, closes=yesterday
    )
    client = TestClient(create_app(project, store_factory(project.id), instrument))
    response = client.get("/s/a")
    assert response.status_code == 403 and "nicht geöffnet" in response.text


def test_security_headers_and_no_javascript(survey):
    client = survey["client"]()
    response = client.get("/s/north")
    assert response.headers["x-frame-options"] == "DENY"
    csp = response.headers["content-security-policy"]
    assert (
        "frame-ancestors 'none'" in csp and "script-src" not in csp and "default-src 'none'" in csp
    )
    assert response.headers["cache-control"] == "no-store"
    assert "<script" not in response.text
    cookie = response.headers["set-cookie"]
    assert "HttpOnly" in cookie and "SameSite=strict" in cookie


def test_admin_pages_need_the_key_and_mask_small_cells(survey, instrument):
    client = survey["client"]()
    assert client.get("/admin").status_code == 401
    assert client.get("/admin/export.csv").status_code == 401
    login = client.get("/admin")
    csrf = CSRF.search(login.text).group(1)
    assert client.post("/admin", data={"csrf": csrf, "key": "wrong"}).status_code == 401
    for seed in range(6):
        walk(survey["client"](), instrument, "/s/north/sales", seed=seed, department="sales")
    for seed in range(2):
        walk(survey["client"](), instrument, "/s/south/marketing", seed=seed)
    assert client.post("/admin", data={"csrf": csrf, "key": survey["key"]}).status_code == 303
    page = client.get("/admin")
    assert page.status_code == 200
    cells = re.findall(r"<td>([^<]*)</td>", page.text)
    assert "6" in cells and "2" not in cells and "&lt;5" in cells
    export = client.get("/admin/export.csv")
    assert export.status_code == 200 and export.text.count("\n") == 1 + 8


def test_status_table_masks_cells_and_recoverable_totals(survey, instrument):
    store = survey["store"]
    for seed in range(6):
        walk(survey["client"](), instrument, "/s/north/sales", seed=seed, department="sales")
    walk(survey["client"](), instrument, "/s/south/marketing", seed=9)
    table = status_table(store, 5).set_index(["department", "business_unit"])
    assert table.loc[("sales", "north"), "complete"] == 6
    assert table.loc[("marketing", "south"), "complete"] == "<5"
    assert table.loc[("total", ""), "complete"] == "<5"  # 7 - 6 would reveal the 1


def test_a_used_token_cannot_be_tied_to_its_response(survey, instrument, store_factory):
    store = survey["store"]
    tokens_issued = store.add_tokens("sales", "north", 3)
    for seed, token in enumerate(tokens_issued):
        assert walk(
            survey["client"](), instrument, f"/t/{token}", seed=seed, department="sales"
        ).finished
    import sqlalchemy as sa

    from survey.store import USED_BIT, pending, responses, tokens

    with store.engine.connect() as conn:
        used = conn.execute(sa.select(tokens.c.state)).scalars().all()
        assert sum(bool(v & USED_BIT) for v in used) == 3
        if store_factory.backend == "postgresql":  # rows written together share xmin
            used = set(
                conn.execute(
                    sa.text(f"SELECT xmin::text FROM {store_factory.schema}.invitation_tokens")
                ).scalars()
            )
            assert len(used) == 1  # every redemption rewrites every invitation
            answered = set(
                conn.execute(
                    sa.text(f"SELECT xmin::text FROM {store_factory.schema}.pending_responses")
                ).scalars()
            )
            assert not used & answered
        stored = sum(
            conn.execute(sa.select(sa.func.count()).select_from(t)).scalar()
            for t in (responses, pending)
        )
        assert stored == 3


def test_a_double_click_on_start_opens_one_questionnaire(survey, instrument):
    store = survey["store"]
    (token,) = store.add_tokens("marketing", "south", 1)
    for entry in ("/s/north", f"/t/{token}"):
        client = survey["client"]()
        form = start_form(client.get(entry).text)
        first = client.post("/start", data=form)
        client.cookies.delete("am_s0")  # the browser never saw the first answer
        second = client.post("/start", data=form)
        assert first.status_code == second.status_code == 303
        if entry.startswith("/t/"):  # the second click gets the first one's questionnaire
            ids = [sealer(survey).open(r.cookies["am_s0"])["id"] for r in (first, second)]
            assert ids[0] == ids[1]
    # nothing is stored for a questionnaire in progress
    assert sum(r["in_progress"] for r in store.counts()) == 0
    # a second browser with the same, now used, invitation is turned away
    other = survey["client"]()
    assert other.get(f"/t/{token}").status_code == 410


def test_a_cleared_answer_is_withdrawn(survey, instrument):
    client, csrf = started(survey)
    post(client, csrf, 0, department="marketing")
    text_page = next(
        p for p in pages(instrument) if any(instrument.kind(i) == "text" for i in p.items)
    )
    text = next(i.code for i in text_page.items if instrument.kind(i) == "text")
    for number in range(1, text_page.number):
        post(client, csrf, number, **({"INF_TIMELY": "5"} if number == 1 else {}))
    post(client, csrf, text_page.number, action="save", **{text: "My boss Hans Meier"})
    post(client, csrf, 1, action="save")  # INF_TIMELY cleared
    post(client, csrf, text_page.number, action="save")  # the comment cleared
    state = sealer(survey).open(client.cookies["am_s0"])
    assert "INF_TIMELY" not in state["answers"] and text not in state["answers"]
    kept = survey["store"].saved_state(state["code"])
    assert "INF_TIMELY" not in kept["answers"] and text not in kept["answers"]


def test_the_department_is_kept_once_items_were_answered(survey):
    client, csrf = started(survey)
    post(client, csrf, 0, department="marketing")
    post(client, csrf, 1, INF_TIMELY="5")
    page = client.get("/q/0")
    assert 'name="department"' not in page.text and "can no longer be changed" in page.text
    assert post(client, csrf, 0, department="sales").status_code == 400
    assert sealer(survey).open(client.cookies["am_s0"])["department"] == "marketing"


def test_save_and_back_show_invalid_entries_instead_of_dropping_them(survey):
    client, csrf = started(survey)
    post(client, csrf, 0, department="sales")
    for action in ("save", "back"):
        response = post(client, csrf, 1, action=action, INF_TIMELY="99")
        assert response.status_code == 422 and "not one of the options" in response.text


def test_back_after_the_thank_you_page_says_already_submitted(survey, instrument):
    client = survey["client"]()
    assert walk(client, instrument, "/s/north/sales", seed=4, department="sales").finished
    assert client.get("/thanks").status_code == 200
    again = client.get("/q/1")
    assert again.status_code == 409 and "already been submitted" in again.text


@pytest.mark.parametrize(
    ("cookie", "data"),
    [
        (b"am_csrf=abc", {"csrf": "é", "code": "x"}),
        ("am_csrf=é".encode(), {"csrf": "x", "code": "x"}),
    ],
)
def test_non_ascii_form_tokens_are_refused_not_crashed(survey, cookie, data):
    response = survey["client"]().post("/resume", data=data, headers={"cookie": cookie})
    assert response.status_code == 403


@pytest.mark.parametrize("cookie", ["9999999999.\xe9", "9" * 5000 + ".x", "abc", ".", ""])
def test_forged_admin_cookies_are_refused_not_crashed(survey, cookie):
    client = survey["client"]()
    headers = {"cookie": b"am_admin=" + cookie.encode()}
    assert client.get("/admin", headers=headers).status_code == 401
    assert client.get("/admin/export.csv", headers=headers).status_code == 401


def test_language_links_stay_on_this_site(survey):
    page = survey["client"]().get("http://testserver//evil.example/")
    assert page.status_code == 404
    assert 'href="?lang=de"' in page.text and "evil.example" not in page.text


def test_links_answer_head_requests(survey):
    client = survey["client"]()
    assert client.head("/s/north").status_code == 200
    assert client.head("/").status_code == 200


def test_admin_export_hides_rare_roles_and_defuses_formulas(survey, instrument):
    for seed in range(5):
        walk(survey["client"](), instrument, "/s/north/sales", seed=seed, department="sales")
    client, csrf = started(survey, entry="/s/north/sales")
    text_page = next(
        p for p in pages(instrument) if any(instrument.kind(i) == "text" for i in p.items)
    )
    text = next(i.code for i in text_page.items if instrument.kind(i) == "text")
    post(client, csrf, 0, role="head")
    for number in range(1, len(pages(instrument))):
        fields = {text: '=HYPERLINK("http://evil.example")'} if number == text_page.number else {}
        post(client, csrf, number, **fields)
    admin = survey["client"]()
    login = admin.get("/admin")
    admin.post("/admin", data={"csrf": CSRF.search(login.text).group(1), "key": survey["key"]})
    export = admin.get("/admin/export.csv")
    assert export.status_code == 200
    assert ",head," not in export.text  # the only head of sales in the north
    assert "'=HYPERLINK" in export.text and ',"=HYPERLINK' not in export.text


def test_status_totals_hide_two_small_cells_and_the_overall_rate(survey, instrument):
    store = survey["store"]
    for seed in range(6):
        walk(survey["client"](), instrument, "/s/north/sales", seed=seed, department="sales")
    for entry, dept in (("/s/south/marketing", "marketing"), ("/s/south/sales", "sales")):
        walk(survey["client"](), instrument, entry, seed=11, department=dept)
    table = status_table(store, 5).set_index(["department", "business_unit"])
    total = table.loc[("total", "")]
    assert total["complete"] == "<5"  # 8 - 6 = 2 = 1 + 1 would reveal both
    assert total["completion"] == "<5"


def test_admin_sign_out_and_a_new_key_end_the_session(survey, instrument):
    client = survey["client"]()
    login = client.get("/admin")
    csrf = CSRF.search(login.text).group(1)
    assert client.post("/admin", data={"csrf": csrf, "key": survey["key"]}).status_code == 303
    page = client.get("/admin")
    assert page.status_code == 200 and "Abmelden" in page.text  # German by default
    assert client.post("/admin/logout", data={"csrf": csrf}).status_code == 303
    assert client.get("/admin").status_code == 401
    # signed in again, then the key is replaced: the old sign-in no longer counts
    client.post("/admin", data={"csrf": csrf, "key": survey["key"]})
    from survey.project import new_admin_key

    assert client.get("/admin").status_code == 200
    new_admin_key(survey["project"])  # what `alignmeter admin-key` does
    assert client.get("/admin").status_code == 401
