"""The questionnaire in real headless Chromium (Selenium) as respondents meet it: on a
320 px phone, at 200 % zoom and on a desktop, in German and English, with the mouse, the
keyboard, without JavaScript, and checked by axe-core on every page state.

One server and at most two browsers per module (one with JavaScript for axe and the
layout checks, one without for the walks), so the module stays fast.
"""

from __future__ import annotations

import datetime as dt
import shutil
import socket
import subprocess
import threading
import time
from pathlib import Path

import numpy as np
import pytest

from survey.collected import collected_responses
from survey.project import init_project
from survey.store import Store
from survey.web.app import create_app

pytestmark = [pytest.mark.browser, pytest.mark.slow]

ROOT = Path(__file__).resolve().parents[1]
AXE = ROOT / "tests" / ".node_cache" / "node_modules" / "axe-core" / "axe.min.js"
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
PHONE, DESKTOP = (320, 568), (1280, 900)
OTHER = {
    ("de", "marketing"): "Der Bereich Vertrieb hält uns gut darüber auf dem Laufenden",
    ("de", "sales"): "Der Bereich Marketing hält uns gut darüber auf dem Laufenden",
    ("en", "marketing"): "The sales team keeps us well informed",
    ("en", "sales"): "The marketing team keeps us well informed",
}
LOGO = (
    '<svg xmlns="http://www.w3.org/2000/svg" width="40" height="40">'
    '<rect width="40" height="40" fill="#7a1f5c"/></svg>'
)
TODAY = dt.date.today()
LOOK = {
    "closes": TODAY + dt.timedelta(days=10),
    "results": TODAY + dt.timedelta(days=30),
    "colour": "#7a1f5c",
    "sender": "Dr. Anna Weber, Personalentwicklung",
    "contact": "umfrage@acme.example",
}


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def server(tmp_path_factory, instrument):
    import uvicorn

    tmp = tmp_path_factory.mktemp("browser")
    (tmp / "logo.svg").write_text(LOGO)
    project, _ = init_project(
        tmp / "acme",
        company="ACME",
        business_units={"north": "Nord"},
        logo=tmp / "logo.svg",
        **LOOK,
    )
    store = Store(project.sqlite_url, project.id)
    port = _free_port()
    config = uvicorn.Config(
        create_app(project, store, instrument), port=port, log_level="warning", access_log=False
    )
    srv = uvicorn.Server(config)
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    for _ in range(100):
        if srv.started:
            break
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}", store
    srv.should_exit = True
    thread.join(5)
    store.dispose()


def _chromium(*, javascript: bool):
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    if not shutil.which("chromium") or not shutil.which("chromedriver"):
        pytest.fail("Debian's chromium and chromium-driver are needed (.ci/system-deps)")
    options = webdriver.ChromeOptions()
    options.binary_location = shutil.which("chromium")
    for arg in ("--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"):
        options.add_argument(arg)
    options.add_argument("--hide-scrollbars")
    if not javascript:
        options.add_argument("--blink-settings=scriptEnabled=false")
    return webdriver.Chrome(service=Service(shutil.which("chromedriver")), options=options)


@pytest.fixture(scope="module")
def js_browser():
    driver = _chromium(javascript=True)
    yield driver
    driver.quit()


@pytest.fixture(scope="module")
def plain_browser():
    driver = _chromium(javascript=False)
    yield driver
    driver.quit()


@pytest.fixture(scope="module")
def axe_source() -> str:
    if not AXE.is_file():
        subprocess.run([str(ROOT / ".ci" / "axe-core")], check=True)
    return AXE.read_text(encoding="utf-8")


def _view(driver, size=PHONE, zoom: float = 1.0) -> None:
    """A viewport of ``size`` device pixels at ``zoom`` (200 % halves the CSS width)."""
    driver.execute_cdp_cmd(
        "Emulation.setDeviceMetricsOverride",
        {
            "width": round(size[0] / zoom),
            "height": round(size[1] / zoom),
            "deviceScaleFactor": zoom,
            "mobile": False,
        },
    )


def _fresh(driver, lang: str) -> None:
    driver.delete_all_cookies()
    driver.execute_cdp_cmd("Network.enable", {})
    driver.execute_cdp_cmd("Network.setExtraHTTPHeaders", {"headers": {"Accept-Language": lang}})


def _navigate(driver, action) -> None:
    """Run ``action`` (a click or a key that submits) and wait for the next document."""
    from selenium.common.exceptions import WebDriverException
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    page = driver.find_element(By.TAG_NAME, "html")
    if isinstance(action, str):
        driver.find_element(By.CSS_SELECTOR, action).click()
    else:
        action()

    def replaced(_) -> bool:
        try:
            page.is_enabled()  # raises once the old document is gone (stale or detached)
        except WebDriverException:
            return bool(driver.find_elements(By.ID, "main"))
        return False

    WebDriverWait(driver, 15).until(replaced)


def _start(driver, base: str, lang: str, department: str | None = "marketing") -> None:
    from selenium.webdriver.common.by import By

    _fresh(driver, lang)
    driver.get(f"{base}/s/north")
    _navigate(driver, "form.start button")
    if department:
        driver.find_element(By.CSS_SELECTOR, f"#q-department input[value={department}]").click()
        _navigate(driver, "button[value=next]")


def _goto_page_with(driver, css: str, limit: int = 20) -> None:
    """Click Next until the page shows an element matching ``css``."""
    from selenium.webdriver.common.by import By

    for _ in range(limit):
        if driver.find_elements(By.CSS_SELECTOR, css):
            return
        _navigate(driver, "button[value=next]")
    raise AssertionError(f"no page shows {css}")


def _axe(driver, source: str) -> list[dict]:
    if not driver.execute_script("return typeof window.axe !== 'undefined'"):
        driver.execute_script(source)
    result = driver.execute_async_script(
        "const done = arguments[arguments.length - 1];"
        "axe.run(document, {runOnly: {type: 'tag', values: arguments[0]}})"
        ".then(r => done(r.violations.map(v => ({id: v.id, nodes: v.nodes.map(n => n.target)}))))"
        ".catch(e => done([{id: 'axe-error', nodes: [String(e)]}]));",
        AXE_TAGS,
    )
    return result


def _overflow(driver) -> int:
    return driver.execute_script("return document.documentElement.scrollWidth - window.innerWidth")


# --- the whole questionnaire without JavaScript -------------------------------------------
def _fill_page(driver, rng) -> dict[str, float | str]:
    """Answer every question on the page as a person would; returns the expected columns."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    expected: dict[str, float | str] = {}
    for fieldset in driver.find_elements(By.CSS_SELECTOR, "fieldset.question"):
        radios = fieldset.find_elements(By.CSS_SELECTOR, "input[type=radio]")
        boxes = fieldset.find_elements(By.CSS_SELECTOR, "input[type=checkbox]")
        numbers = fieldset.find_elements(By.CSS_SELECTOR, "input[type=number]")
        areas = fieldset.find_elements(By.TAG_NAME, "textarea")
        if radios:
            pick = radios[int(rng.integers(len(radios)))]
            if rng.random() < 0.3:  # keyboard: focus the group, then space selects
                pick.send_keys(Keys.SPACE)
            else:
                fieldset.find_element(
                    By.CSS_SELECTOR, f"label:has(#{pick.get_attribute('id')})"
                ).click()
            assert pick.is_selected()
            expected[pick.get_attribute("name")] = float(pick.get_attribute("value"))
        elif numbers:
            if len(numbers) == 1:
                numbers[0].send_keys("40")
                expected[numbers[0].get_attribute("name")] = 40.0
            else:
                numbers[0].send_keys("70")
                numbers[1].send_keys("30")
                for i, box in enumerate(numbers):
                    expected[box.get_attribute("name")] = [70.0, 30.0][i] if i < 2 else 0.0
        elif boxes:
            name = boxes[0].get_attribute("name")
            for box in boxes[:2]:
                box.find_element(By.XPATH, "..").click()
            for box in boxes:
                expected[f"{name}_{box.get_attribute('value')}"] = float(box.is_selected())
        elif areas:
            areas[0].send_keys("Öfter miteinander reden <b>bitte</b>")
            expected[areas[0].get_attribute("name")] = "Öfter miteinander reden <b>bitte</b>"
    return expected


@pytest.mark.parametrize(
    ("lang", "department", "size"),
    [
        ("de", "marketing", PHONE),
        ("de", "sales", DESKTOP),
        ("en", "marketing", DESKTOP),
        ("en", "sales", PHONE),
    ],
)
def test_questionnaire_without_javascript(
    server, plain_browser, instrument, lang, department, size
):
    from selenium.webdriver.common.by import By

    base, store = server
    driver = plain_browser
    before = set(collected_responses(store, instrument)["respondent_id"])
    rng = np.random.default_rng(len(lang) + len(department))
    _view(driver, size)
    _fresh(driver, lang)
    driver.get(f"{base}/s/north")
    assert driver.find_element(By.TAG_NAME, "html").get_attribute("lang") == lang
    assert ("IP-Adresse" if lang == "de" else "IP address") in driver.page_source
    _navigate(driver, "form.start button")
    first = driver.find_elements(By.CSS_SELECTOR, "fieldset.question")[0]
    assert first.get_attribute("id") == "q-department"
    first.find_element(By.CSS_SELECTOR, f"input[value={department}]").find_element(
        By.XPATH, ".."
    ).click()
    _navigate(driver, "button[value=next]")
    expected: dict[str, float | str] = {}
    seen_mirror = False
    for _ in range(40):
        if "/thanks" in driver.current_url:
            break
        seen_mirror |= OTHER[(lang, department)] in driver.page_source
        expected |= _fill_page(driver, rng)
        _navigate(driver, "button[value=next]")
        assert "error-summary" not in driver.page_source, driver.page_source[:3000]
    assert "/thanks" in driver.current_url
    assert seen_mirror, "the mirror item did not name the other department"
    table = collected_responses(store, instrument)
    new = table[~table["respondent_id"].isin(before)]
    assert len(new) == 1
    row = new.iloc[0]
    assert (row["department"], row["language"], row["business_unit"]) == (department, lang, "north")
    answered = {c for c in instrument.columns() if not (row[c] is None or row[c] != row[c])}
    assert answered == set(expected)
    for col, value in expected.items():
        assert row[col] == value, col


def test_constant_sum_is_checked_and_totalled_without_javascript(server, plain_browser):
    from selenium.webdriver.common.by import By

    base, _ = server
    driver = plain_browser
    _view(driver, PHONE)
    _start(driver, base, "de")
    _goto_page_with(driver, "output[data-total]")
    boxes = driver.find_elements(By.CSS_SELECTOR, "fieldset.question input[type=number]")
    boxes[0].send_keys("70")
    boxes[1].send_keys("20")
    _navigate(driver, "button[value=next]")
    total = driver.find_element(By.CSS_SELECTOR, "output[data-total]")
    assert total.text == "Summe: 90 von 100"  # the server's total of what was sent
    assert "müssen zusammen 100 ergeben (jetzt: 90)" in driver.page_source


# --- axe on every page state, both languages ----------------------------------------------
def _states(driver, base: str, lang: str):
    """Yield (name, driver) for every page state a respondent can meet."""
    from selenium.webdriver.common.by import By

    _fresh(driver, lang)
    driver.get(f"{base}/s/north")
    yield "welcome"
    driver.find_element(By.CSS_SELECTOR, "details summary").click()
    yield "welcome, privacy details open"
    _navigate(driver, "form.start button")
    yield "context"
    _navigate(driver, "button[value=next]")
    yield "context, department missing"
    driver.find_element(By.CSS_SELECTOR, "#q-department input[value=marketing]").click()
    _navigate(driver, "button[value=next]")
    number = 1
    while "/thanks" not in driver.current_url:
        yield f"page {number}"
        sums = driver.find_elements(By.CSS_SELECTOR, "fieldset.question input[type=number]")
        if len(sums) >= 2 and driver.find_elements(By.CSS_SELECTOR, "output[data-total]"):
            sums[0].send_keys("70")
            _navigate(driver, "button[value=next]")
            yield f"page {number}, points do not add up"
            sums = driver.find_elements(By.CSS_SELECTOR, "fieldset.question input[type=number]")
            sums[0].clear()
        percent = driver.find_elements(By.CSS_SELECTOR, "input[type=number][aria-labelledby]")
        if percent:
            percent[0].send_keys("250")
            _navigate(driver, "button[value=next]")
            yield f"page {number}, number out of range"
            driver.find_element(By.CSS_SELECTOR, "input[type=number][aria-labelledby]").clear()
        if number == 2:
            _navigate(driver, "button[value=save]")
            yield "saved"
            driver.back()
            driver.refresh()
        _navigate(driver, "button[value=next]")
        number += 1
    yield "thanks"
    driver.back()
    driver.refresh()
    yield "already submitted"
    driver.get(f"{base}/resume")
    yield "resume"
    driver.find_element(By.ID, "code").send_keys("ABCD-EFGH")
    _navigate(driver, "main form button")
    yield "resume, unknown code"
    driver.get(f"{base}/nowhere")
    yield "not found"


@pytest.mark.parametrize("lang", ["de", "en"])
def test_axe_finds_no_wcag22_aa_violation_on_any_page_state(
    server, js_browser, axe_source, instrument, lang
):
    base, _ = server
    driver = js_browser
    seen, problems, wide = [], {}, {}
    for view, (size, zoom) in {"phone": (PHONE, 1), "desktop": (DESKTOP, 1)}.items():
        _view(driver, size, zoom)
        for state in _states(driver, base, lang):
            seen.append(f"{view}: {state}")
            found = _axe(driver, axe_source)
            if found:
                problems[f"{view}: {state}"] = found
            if view == "phone" and _overflow(driver) > 0:
                wide[state] = _overflow(driver)
    pages = len(__import__("survey.questionnaire", fromlist=["pages"]).pages(instrument))
    assert len(seen) >= 2 * (pages + 8), seen
    assert not problems, problems
    assert not wide, f"sideways scrolling at 320 px: {wide}"


# --- keyboard and errors ------------------------------------------------------------------
def test_enter_on_a_radio_or_number_does_not_submit_the_page(server, plain_browser):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    base, _ = server
    driver = plain_browser
    _view(driver, DESKTOP)
    _start(driver, base, "de")
    url = driver.current_url
    radio = driver.find_element(By.CSS_SELECTOR, "fieldset.question input[type=radio]")
    radio.send_keys(Keys.SPACE)
    radio.send_keys(Keys.ENTER)
    time.sleep(0.5)
    assert driver.current_url == url and radio.is_selected()  # same document, still chosen
    _navigate(driver, "button[value=next]")  # the buttons themselves still work
    _goto_page_with(driver, "input[type=number]")
    url = driver.current_url
    box = driver.find_element(By.CSS_SELECTOR, "input[type=number]")
    box.send_keys("50", Keys.ENTER)
    time.sleep(0.5)
    assert driver.current_url == url and box.get_attribute("value") == "50"


def test_failed_submit_focuses_the_summary_without_javascript(server, plain_browser):
    from selenium.webdriver.common.by import By

    base, _ = server
    driver = plain_browser
    _view(driver, PHONE)
    _start(driver, base, "de", department=None)
    radios = driver.find_elements(By.CSS_SELECTOR, "#q-department input")
    assert radios and not any(r.get_attribute("required") for r in radios)
    assert not driver.title.startswith("Fehler:")
    _navigate(driver, "button[value=next]")
    assert driver.title.startswith("Fehler:")
    assert driver.switch_to.active_element.get_attribute("id") == "error-summary"
    link = driver.find_element(By.CSS_SELECTOR, ".error-summary a")
    legend = driver.find_element(By.CSS_SELECTOR, "#q-department legend").text
    assert legend.split(" (")[0] in link.text and "…" not in link.text  # not cut short
    assert link.get_attribute("href").endswith("#q-department")


def test_error_link_scrolls_question_and_message_into_view(server, js_browser):
    from selenium.webdriver.common.by import By

    base, _ = server
    driver = js_browser
    _view(driver, PHONE)
    _start(driver, base, "de", department=None)
    assert driver.execute_script("return document.querySelectorAll(':invalid').length") == 0
    _navigate(driver, "button[value=next]")
    assert driver.switch_to.active_element.get_attribute("id") == "error-summary"
    driver.execute_script("window.scrollTo(0, document.body.scrollHeight)")
    driver.find_element(By.CSS_SELECTOR, ".error-summary a").click()
    time.sleep(0.2)
    for css in ("#q-department legend", "#department-error"):
        top, bottom = driver.execute_script(
            "const r = document.querySelector(arguments[0]).getBoundingClientRect();"
            "return [r.top, r.bottom];",
            css,
        )
        assert top >= 0 and bottom <= PHONE[1], (css, top, bottom)
    assert driver.switch_to.active_element.get_attribute("id") == "q-department"


def test_unknown_resume_code_sets_an_error_title(server, plain_browser):
    from selenium.webdriver.common.by import By

    base, _ = server
    driver = plain_browser
    for lang, prefix in (("de", "Fehler:"), ("en", "Error:")):
        _fresh(driver, lang)
        driver.get(f"{base}/resume")
        driver.find_element(By.ID, "code").send_keys("ZZZZ-ZZZZ")
        _navigate(driver, "main form button")
        assert driver.title.startswith(prefix)
        assert driver.switch_to.active_element.get_attribute("id") == "code"


# --- layout -------------------------------------------------------------------------------
def _rects(driver, css: str) -> list[dict]:
    return driver.execute_script(
        "return [...document.querySelectorAll(arguments[0])].map(e => {"
        "const r = e.getBoundingClientRect(); return {x: r.left, y: r.top, r: r.right, b: r.bottom};})",
        css,
    )


@pytest.mark.parametrize("size", [PHONE, DESKTOP])
def test_back_stands_left_of_next(server, js_browser, size):
    base, _ = server
    driver = js_browser
    _view(driver, size)
    _start(driver, base, "de")
    back = _rects(driver, ".actions button[value=back]")[0]
    nxt = _rects(driver, ".actions button[value=next]")[0]
    assert back["r"] <= nxt["x"]


def test_dont_know_stays_in_line_on_desktop(server, js_browser):
    base, _ = server
    driver = js_browser
    _view(driver, DESKTOP)
    _start(driver, base, "en")
    rows = {round(r["y"]) for r in _rects(driver, "#q-INF_TIMELY .option")}
    assert len(rows) == 1, rows
    assert len(_rects(driver, "#q-INF_TIMELY .option")) == 8


def test_frequency_scales_wrap_alike_at_200_percent(server, js_browser):
    base, _ = server
    driver = js_browser
    _view(driver, DESKTOP, 2.0)
    _start(driver, base, "de")
    layouts = []
    for q in ("INF_MEET_FREQ", "INF_EXCHANGE_FREQ"):
        boxes = _rects(driver, f"#q-{q} .option:not(.dk)")
        layouts.append(
            [(round(b["x"] - boxes[0]["x"]), round(b["y"] - boxes[0]["y"]) > 0) for b in boxes]
        )
        columns = {round(b["x"]) for b in boxes}
        assert len(columns) == 1, (q, columns)  # one option per line, none beside another
    assert layouts[0] == layouts[1]
    assert _overflow(driver) <= 0


@pytest.mark.parametrize("size", [PHONE, DESKTOP])
def test_bipolar_scales_name_and_show_their_end_labels_at_1_and_7(
    server, js_browser, instrument, size
):
    from selenium.webdriver.common.by import By

    base, _ = server
    driver = js_browser
    _view(driver, size)
    _start(driver, base, "en")
    _goto_page_with(driver, "#q-ORI_CUSTOMER_OWN")
    item = instrument.item("ORI_CUSTOMER_OWN")
    first = driver.find_element(By.ID, "ORI_CUSTOMER_OWN-1")
    last = driver.find_element(By.ID, "ORI_CUSTOMER_OWN-7")
    assert item.poles[0].en in first.accessible_name and first.accessible_name.startswith("1")
    assert item.poles[1].en in last.accessible_name and last.accessible_name.startswith("7")
    options = _rects(driver, "#q-ORI_CUSTOMER_OWN .scale .option")
    poles = _rects(driver, "#q-ORI_CUSTOMER_OWN .poles label")
    assert len({round(o["y"]) for o in options}) == 1  # 1..7 in one row
    assert abs(poles[0]["x"] - options[0]["x"]) < 12 and abs(poles[1]["r"] - options[-1]["r"]) < 12
    assert 0 <= poles[0]["y"] - options[0]["b"] < 30  # right under the options


def test_constant_sum_is_one_group_with_a_running_total(server, js_browser):
    from selenium.webdriver.common.by import By

    base, _ = server
    driver = js_browser
    _view(driver, PHONE)
    _start(driver, base, "de")
    _goto_page_with(driver, "output[data-total]")
    group = driver.find_element(By.ID, "q-POW_PRICING")
    assert group.aria_role == "group" and "Preise" in group.accessible_name
    boxes = group.find_elements(By.CSS_SELECTOR, "input[type=number]")
    assert [b.accessible_name for b in boxes] == ["Marketing", "Vertrieb"]
    total = group.find_element(By.TAG_NAME, "output")
    assert total.text == "Summe: 0 von 100"
    boxes[0].send_keys("70")
    assert total.text == "Summe: 70 von 100"
    boxes[1].send_keys("30")
    assert total.text == "Summe: 100 von 100"
    labels = _rects(driver, "#q-POW_PRICING .part label")
    inputs = _rects(driver, "#q-POW_PRICING .part input")
    for label, box in zip(labels, inputs, strict=True):
        assert box["x"] - label["r"] < 40 and abs(box["y"] - label["y"]) < 30  # side by side
    assert driver.page_source.count("100 Punkte") == 5  # once per item: the hint


def test_mirror_pairs_come_grouped_under_the_own_department(server, js_browser):
    from selenium.webdriver.common.by import By

    base, _ = server
    driver = js_browser
    _view(driver, DESKTOP)
    _start(driver, base, "de", department="sales")
    _goto_page_with(driver, "#q-KNW_CUSTOMERS_OWN")
    headings = [h.text for h in driver.find_elements(By.CSS_SELECTOR, "section.group h2")]
    assert headings == ["Ihr eigener Bereich: Vertrieb", "Der Bereich Marketing"]
    intro = driver.find_element(By.CSS_SELECTOR, ".group-intro").text
    assert "Ihren eigenen Bereich, Vertrieb" in intro
    own = driver.find_elements(By.CSS_SELECTOR, "section.group")[0].text
    assert "Wir im Bereich Vertrieb kennen unsere Kunden genau." in own
    assert "Der Bereich Marketing kennt" not in own


def test_look_privacy_and_next_steps(server, js_browser):
    from selenium.webdriver.common.by import By

    base, _ = server
    driver = js_browser
    _view(driver, PHONE)
    for lang in ("en", "de"):
        _fresh(driver, lang)
        driver.get(f"{base}/s/north")
        start = _rects(driver, "form.start button")[0]
        assert start["b"] <= PHONE[1], f"{lang}: Start must be on the first phone screen"
    details = driver.find_element(By.CSS_SELECTOR, "details.privacy-more")
    assert details.get_attribute("open") is None and "IP-Adresse" in details.get_attribute(
        "textContent"
    )
    closes = f"{LOOK['closes'].day}.{LOOK['closes'].month}.{LOOK['closes'].year}"
    for _ in range(2):
        footer = driver.find_element(By.CSS_SELECTOR, "footer.sender").text
        assert LOOK["sender"] in footer and LOOK["contact"] in footer and closes in footer
        logo = driver.find_element(By.CSS_SELECTOR, "header img.logo")
        assert logo.get_attribute("alt") == "Logo ACME"
        assert driver.execute_script("return arguments[0].naturalWidth", logo) > 0
        accent = driver.execute_script(
            "return getComputedStyle(document.documentElement).getPropertyValue('--accent')"
        )
        assert accent.strip() == LOOK["colour"]
        if "/q/" in driver.current_url:
            break
        _navigate(driver, "form.start button")
    driver.get(f"{base}/thanks?lang=en")
    text = driver.find_element(By.ID, "main").text
    results = f"{LOOK['results'].day} {LOOK['results']:%B} {LOOK['results'].year}"
    assert "What happens next" in text and results in text and "fewer than 5 people" in text
