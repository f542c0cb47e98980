"""The whole questionnaire in real headless Chromium (Selenium), German and English,
for a marketing and a sales respondent; the export must hold exactly what was clicked."""

from __future__ import annotations

import shutil
import socket
import threading
import time

import numpy as np
import pytest

from survey.collected import collected_responses
from survey.project import init_project
from survey.store import Store
from survey.web.app import create_app

pytestmark = [pytest.mark.browser, pytest.mark.slow]

OTHER = {
    ("de", "marketing"): "Der Bereich Vertrieb hält uns gut darüber auf dem Laufenden",
    ("de", "sales"): "Der Bereich Marketing hält uns gut darüber auf dem Laufenden",
    ("en", "marketing"): "The sales team keeps us well informed",
    ("en", "sales"): "The marketing team keeps us well informed",
}


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def server(tmp_path_factory, instrument):
    import uvicorn

    folder = tmp_path_factory.mktemp("browser") / "acme"
    project, _ = init_project(folder, company="ACME", business_units={"north": "Nord"})
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


def _browser(lang: str):
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    if not shutil.which("chromium") or not shutil.which("chromedriver"):
        pytest.fail("Debian's chromium and chromium-driver are needed (.ci/run installs them)")
    options = webdriver.ChromeOptions()
    options.binary_location = shutil.which("chromium")
    for arg in ("--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"):
        options.add_argument(arg)
    options.add_argument("--window-size=420,900")  # a phone-sized window
    options.add_argument(f"--lang={lang}")
    options.add_experimental_option("prefs", {"intl.accept_languages": lang})
    options.add_argument("--blink-settings=scriptEnabled=false")  # JavaScript switched off
    return webdriver.Chrome(service=Service(shutil.which("chromedriver")), options=options)


def _navigate(driver, selector: str) -> None:
    """Click a submit button and wait until the next page has replaced this one."""
    from selenium.common.exceptions import WebDriverException
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    page = driver.find_element(By.TAG_NAME, "html")
    driver.find_element(By.CSS_SELECTOR, selector).click()

    def replaced(_) -> bool:
        try:
            page.is_enabled()  # raises once the old document is gone (stale or detached)
        except WebDriverException:
            return bool(driver.find_elements(By.ID, "main"))
        return False

    WebDriverWait(driver, 15).until(replaced)


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
    ("lang", "department"),
    [("de", "marketing"), ("de", "sales"), ("en", "marketing"), ("en", "sales")],
)
def test_questionnaire_in_chromium(server, instrument, lang, department):
    from selenium.webdriver.common.by import By

    base, store = server
    before = len(store.response_rows())
    driver = _browser(lang)
    rng = np.random.default_rng(len(lang) + len(department))
    try:
        driver.get(f"{base}/s/north")
        assert driver.find_element(By.TAG_NAME, "html").get_attribute("lang") == lang
        assert ("IP-Adresse" if lang == "de" else "IP address") in driver.page_source
        _navigate(driver, "button.primary")
        # context page: department first
        found = driver.find_elements(By.CSS_SELECTOR, "fieldset.question")
        assert found, driver.page_source[:2000]
        first = found[0]
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
            assert "<script" not in driver.page_source.split("</head>")[1]
            seen_mirror |= OTHER[(lang, department)] in driver.page_source
            expected |= _fill_page(driver, rng)
            _navigate(driver, "button[value=next]")
            assert "error-summary" not in driver.page_source, driver.page_source[:3000]
        assert "/thanks" in driver.current_url
        assert seen_mirror, "the mirror item did not name the other department"
    finally:
        driver.quit()
    table = collected_responses(store, instrument)
    assert len(table) == before + 1
    mine = table[(table["department"] == department) & (table["language"] == lang)]
    assert len(mine) == 1
    row = mine.iloc[0]
    assert row["business_unit"] == "north"
    answered = {c for c in instrument.columns() if not (row[c] is None or row[c] != row[c])}
    assert answered == set(expected)
    for col, value in expected.items():
        assert row[col] == value, col
