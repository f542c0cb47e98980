"""Walk the web survey in headless Chromium as a phone, a zoomed and a desktop user.

Two jobs, one command each:

    python scripts/survey_tour.py figures            # pages, screens per page at 320 px,
                                                     # estimated time, keyboard walk (JSON)
    python scripts/survey_tour.py screenshots [DIR]  # every page type, phone / 200 % /
                                                     # desktop, German and English
                                                     # (default DIR: screenshots/, ignored)

The server runs in this process on a throw-away project (SQLite in a temporary folder).
"""

from __future__ import annotations

import argparse
import json
import shutil
import socket
import sys
import tempfile
import threading
import time
from contextlib import contextmanager
from functools import partial
from pathlib import Path

PHONE = (320, 568)  # iPhone SE, the narrowest phone still common in offices
DESKTOP = (1280, 900)
READ_WPM = 250  # silent reading of short survey texts
ANSWER_S = {"choice": 2.5, "multiple": 6.0, "number": 5.0, "text": 0.0}  # per answer
PAGE_S = 3.0  # turning a page


@contextmanager
def running_server(**look):
    """A live server on a fresh project; yields the base URL."""
    import uvicorn

    from survey import load_instrument
    from survey.project import init_project
    from survey.store import Store
    from survey.web.app import create_app

    with tempfile.TemporaryDirectory() as tmp:
        project, _ = init_project(
            Path(tmp) / "acme", company="ACME AG", business_units={"north": "Nord"}, **look
        )
        store = Store(project.sqlite_url, project.id)
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            port = sock.getsockname()[1]
        app = create_app(project, store, load_instrument())
        srv = uvicorn.Server(uvicorn.Config(app, port=port, log_level="warning", access_log=False))
        thread = threading.Thread(target=srv.run, daemon=True)
        thread.start()
        while not srv.started:
            time.sleep(0.05)
        try:
            yield f"http://127.0.0.1:{port}"
        finally:
            srv.should_exit = True
            thread.join(5)
            store.dispose()


def browser(lang: str, size: tuple[int, int] = PHONE, zoom: float = 1.0):
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = shutil.which("chromium")
    for arg in ("--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"):
        options.add_argument(arg)
    options.add_argument(f"--lang={lang}")
    options.add_argument("--hide-scrollbars")
    options.add_experimental_option("prefs", {"intl.accept_languages": lang})
    driver = webdriver.Chrome(service=Service(shutil.which("chromedriver")), options=options)
    set_view(driver, size, zoom)
    return driver


def set_view(driver, size: tuple[int, int], zoom: float = 1.0) -> None:
    """A viewport of ``size`` device pixels at ``zoom`` (200 % zoom halves the CSS width,
    exactly as browser zoom does)."""
    driver.execute_cdp_cmd(
        "Emulation.setDeviceMetricsOverride",
        {
            "width": round(size[0] / zoom),
            "height": round(size[1] / zoom),
            "deviceScaleFactor": zoom,
            "mobile": False,  # a narrow window: overflow shows as scrollWidth
        },
    )


def navigate(driver, click) -> None:
    """Run ``click`` (which submits a form) and wait for the next document."""
    from selenium.common.exceptions import WebDriverException
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    old = driver.find_element(By.TAG_NAME, "html")
    click()

    def replaced(_) -> bool:
        try:
            old.is_enabled()
        except WebDriverException:
            return bool(driver.find_elements(By.ID, "main"))
        return False

    WebDriverWait(driver, 15).until(replaced)


def page_metrics(driver) -> dict:
    return driver.execute_script(
        """
        const d = document.documentElement;
        const qs = [...document.querySelectorAll('fieldset.question')];
        const words = s => (s.trim().match(/\\S+/g) || []).length;
        let read = 0, answer = 0;
        for (const q of qs) {
          const legend = q.querySelector('legend');
          read += words(legend ? legend.innerText : '');
          const radios = q.querySelectorAll('input[type=radio]').length;
          const boxes = q.querySelectorAll('input[type=checkbox]:not([name$="__dk"])');
          const numbers = q.querySelectorAll('input[type=number]').length;
          const single = radios && !q.querySelector('.options.inline, .scale');
          if (boxes.length || single)
            for (const l of q.querySelectorAll('label')) read += words(l.innerText);
          answer += numbers ? numbers * arguments[0].number
            : boxes.length ? arguments[0].multiple
            : radios ? arguments[0].choice : arguments[0].text;
        }
        return {items: qs.length, height: d.scrollHeight, view: window.innerHeight,
                overflow: d.scrollWidth - window.innerWidth, words: read, answer_s: answer,
                heading: (document.querySelector('h1') || {}).innerText || ''};
        """,
        ANSWER_S,
    )


def fill_page(driver) -> None:
    """Answer every question (first option, 50/50 for points)."""
    from selenium.webdriver.common.by import By

    for q in driver.find_elements(By.CSS_SELECTOR, "fieldset.question"):
        radios = q.find_elements(By.CSS_SELECTOR, "input[type=radio]")
        numbers = q.find_elements(By.CSS_SELECTOR, "input[type=number]")
        boxes = q.find_elements(By.CSS_SELECTOR, "input[type=checkbox]")
        if radios:
            driver.execute_script("arguments[0].click()", radios[0])
        elif numbers:
            for box in numbers:  # percent, or both parts of 100 points
                value = "50"
                box.clear()
                box.send_keys(value)
        elif boxes:
            driver.execute_script("arguments[0].click()", boxes[0])


def next_button(driver):
    from selenium.webdriver.common.by import By

    return driver.find_element(By.CSS_SELECTOR, "button[value=next]")


def tour(driver, base: str, on_page) -> list[dict]:
    """Welcome page to thank-you page; ``on_page(kind, driver)`` runs on each state."""
    from selenium.webdriver.common.by import By

    driver.get(f"{base}/s/north")
    on_page("welcome", driver)
    navigate(driver, lambda: driver.find_element(By.CSS_SELECTOR, "form button").click())
    out = []
    for _ in range(60):
        if "/thanks" in driver.current_url:
            break
        out.append(page_metrics(driver))
        on_page(f"page{len(out) - 1}", driver)
        if len(out) == 1:
            dept = driver.find_element(By.CSS_SELECTOR, "#q-department input[value=marketing]")
            driver.execute_script("arguments[0].click()", dept)
        else:
            fill_page(driver)
        navigate(driver, lambda: next_button(driver).click())
    on_page("thanks", driver)
    return out


def keyboard_walk(driver, base: str) -> dict:
    """Finish the questionnaire with the keyboard only: Tab to each question, Space on the
    first option of a radio group or checkbox list, digits into number boxes, Enter on the
    Next button. Counts every key press."""
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.keys import Keys

    def press(key) -> None:
        ActionChains(driver).send_keys(key).perform()

    counts = {"tab": 0, "other": 0, "pages": 0}
    driver.get(f"{base}/s/north")
    for _ in range(60):
        if "/thanks" in driver.current_url:
            break
        answered: set[str] = set()
        typed: set[str] = set()
        url = driver.current_url
        for _ in range(400):
            press(Keys.TAB)
            counts["tab"] += 1
            el = driver.switch_to.active_element
            tag, kind = el.tag_name, el.get_attribute("type")
            name = el.get_attribute("name") or ""
            if tag == "input" and kind == "radio" and name not in answered:
                answered.add(name)
                if not el.is_selected():
                    press(Keys.SPACE)
                    counts["other"] += 1
            elif tag == "input" and kind == "checkbox" and not name.endswith("__dk"):
                if name not in answered:
                    answered.add(name)
                    press(Keys.SPACE)
                    counts["other"] += 1
            elif tag == "input" and kind == "number" and name not in typed:
                typed.add(name)
                el.send_keys("50")  # percent, or one of two parts of 100 points
                counts["other"] += 2
            elif (
                tag == "button"
                and el.get_attribute("value") in ("next", None, "")
                and (el.get_attribute("value") == "next" or "/s/" in url)
            ):
                navigate(driver, lambda: press(Keys.ENTER))
                counts["other"] += 1
                counts["pages"] += 1
                break
        else:
            raise RuntimeError(f"no Next button reached on {url}")
        if driver.current_url == url and "/s/" not in url:
            raise RuntimeError(f"stuck on {url}: {driver.title}")
    counts["finished"] = "/thanks" in driver.current_url
    return counts


def figures() -> dict:
    with running_server() as base:
        driver = browser("de", PHONE)
        try:
            pages = tour(driver, base, lambda *_: None)
        finally:
            driver.quit()
        driver = browser("de", PHONE)
        try:
            walk = keyboard_walk(driver, base)
        finally:
            driver.quit()
    words = sum(p["words"] for p in pages)
    seconds = words / READ_WPM * 60 + sum(p["answer_s"] for p in pages) + PAGE_S * len(pages)
    screens = [round(p["height"] / p["view"], 1) for p in pages]
    return {
        "pages": len(pages),
        "items": sum(p["items"] for p in pages),
        "items_per_page": [p["items"] for p in pages],
        "screens_per_page_320px": screens,
        "screens_total": round(sum(screens), 1),
        "screens_max": max(screens),
        "horizontal_overflow_px": {p["heading"]: p["overflow"] for p in pages if p["overflow"]},
        "estimated_minutes": round(seconds / 60, 1),
        "keyboard_walk": walk,
    }


LOGO_SVG = (
    '<svg xmlns="http://www.w3.org/2000/svg" width="120" height="40" viewBox="0 0 120 40">'
    '<rect width="40" height="40" rx="8" fill="#7a1f5c"/>'
    '<text x="48" y="28" font-family="sans-serif" font-size="22" font-weight="700" '
    'fill="#7a1f5c">ACME</text></svg>'
)
VIEWS = {"phone": (PHONE, 1.0), "zoom200": (DESKTOP, 2.0), "desktop": (DESKTOP, 1.0)}


def screenshots(folder: Path) -> list[Path]:
    """Full-page PNGs of every page type (welcome, each question page, an error state,
    resume with an unknown code, saved, thanks) per view and language."""
    from selenium.webdriver.common.by import By

    folder.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    import datetime as dt

    today = dt.date.today()
    logo = folder / "_logo.svg"
    logo.write_text(LOGO_SVG)
    look = {
        "closes": today + dt.timedelta(days=18),
        "results": today + dt.timedelta(days=32),
        "colour": "#7a1f5c",
        "sender": "Dr. Anna Weber, Leitung Personalentwicklung",
        "contact": "umfrage@acme.example",
        "logo": logo,
    }
    with running_server(**look) as base:
        for lang in ("de", "en"):
            for view, (size, zoom) in VIEWS.items():
                driver = browser(lang, size, zoom)

                def shoot(kind, drv, lang=lang, view=view):
                    path = folder / f"{lang}-{view}-{kind}.png"
                    full_page_png(drv, path)
                    written.append(path)

                def click(css: str, drv=driver) -> None:
                    drv.find_element(By.CSS_SELECTOR, css).click()

                try:
                    tour(driver, base, shoot)
                    driver.get(f"{base}/s/north")
                    navigate(driver, partial(click, "form button"))
                    navigate(driver, partial(click, "button[value=next]"))  # no department
                    shoot("error", driver)
                    driver.get(f"{base}/resume")
                    box = driver.find_element(By.ID, "code")
                    box.send_keys("ABCD-EFGH")
                    navigate(driver, partial(click, "main form button"))
                    shoot("resume-unknown", driver)
                finally:
                    driver.quit()
    logo.unlink()
    return written


def full_page_png(driver, path: Path) -> None:
    """The whole page, not only the first screen."""
    import base64

    shot = driver.execute_cdp_cmd(
        "Page.captureScreenshot", {"captureBeyondViewport": True, "format": "png"}
    )
    path.write_bytes(base64.b64decode(shot["data"]))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="job", required=True)
    sub.add_parser("figures")
    shots = sub.add_parser("screenshots")
    shots.add_argument("folder", nargs="?", type=Path, default=Path("screenshots"))
    args = parser.parse_args(argv)
    if args.job == "figures":
        print(json.dumps(figures(), indent=1, ensure_ascii=False))
    else:
        paths = screenshots(args.folder)
        print(f"{len(paths)} screenshots in {args.folder}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
