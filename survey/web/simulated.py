"""Simulated respondents for the web survey: form data per page and a full walk-through.

Used by the tests, the load benchmark and anyone who wants to try a deployment. A walk
follows the server's redirects exactly as a browser without JavaScript would.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import numpy as np

from survey.instrument import Instrument
from survey.questionnaire import DK_SUFFIX, Page, pages

NONCE = re.compile(r'name="nonce" value="([^"]+)"')
CSRF = re.compile(r'name="csrf" value="([^"]+)"')
ENTRY = re.compile(r'name="entry" value="([^"]+)"')


def start_form(html: str, lang: str = "en") -> dict[str, str]:
    """The fields the welcome page's start button sends."""
    return {
        "csrf": CSRF.search(html).group(1),
        "lang": lang,
        "entry": ENTRY.search(html).group(1),
        "nonce": NONCE.search(html).group(1),
    }


def page_form(
    instrument: Instrument,
    page: Page,
    rng: np.random.Generator,
    *,
    department: str = "marketing",
    business_unit: str | None = None,
) -> dict[str, str | list[str]]:
    """Plausible answers to one page as form fields (without csrf/page/action)."""
    if page.key == "context":
        form: dict[str, str | list[str]] = {"department": department, "role": "staff"}
        if business_unit:
            form["business_unit"] = business_unit
        return form
    form = {}
    for item in page.items:
        kind = instrument.kind(item)
        options = [o.code for o in instrument.options(item)]
        cols = instrument.item_columns(item)
        if kind == "text":
            form[item.code] = "Mehr gemeinsame Termine, bitte. <script>alert(1)</script>"
        elif kind == "multiple":
            k = item.max_choices or 2
            form[item.code] = [str(c) for c in rng.choice(options, size=k, replace=False)]
        elif kind == "constant_sum":
            total = instrument.response_type(item).total
            cuts = np.sort(rng.integers(0, total + 1, size=len(cols) - 1))
            parts = np.diff(np.concatenate([[0], cuts, [total]]))
            form.update({c: str(int(v)) for c, v in zip(cols, parts, strict=True)})
        elif kind == "percent":
            form[item.code] = str(int(rng.integers(0, 101)))
        else:
            form[item.code] = str(int(rng.choice(options)))
    return form


def expected_answers(instrument: Instrument, form: dict) -> dict[str, float | str]:
    """The response-table columns a page's form data should end up as."""
    out: dict[str, float | str] = {}
    for name, value in form.items():
        if name in ("department", "business_unit", "role", "tenure") or name.endswith(DK_SUFFIX):
            continue
        item = instrument.item(name)
        if instrument.kind(item) == "multiple":
            chosen = set(value)
            out.update(
                {c: float(c.rsplit("_", 1)[1] in chosen) for c in instrument.item_columns(item)}
            )
        elif instrument.kind(item) == "text":
            out[name] = value
        else:
            out[name] = float(value)
    return out


@dataclass
class Walk:
    """What one simulated respondent did: statuses seen and the answers sent."""

    statuses: list[int] = field(default_factory=list)
    answers: dict[str, float | str] = field(default_factory=dict)
    finished: bool = False


def walk(
    client,
    instrument: Instrument,
    entry: str,
    *,
    seed: int = 0,
    department: str = "marketing",
    business_unit: str | None = None,
    lang: str = "en",
) -> Walk:
    """Fill in the whole questionnaire through ``client`` (an httpx-style client that keeps
    cookies and does not follow redirects by itself)."""
    rng = np.random.default_rng(seed)
    out = Walk()
    response = client.get(entry, params={"lang": lang})
    out.statuses.append(response.status_code)
    start = start_form(response.text, lang)
    csrf = start["csrf"]
    response = client.post("/start", data=start)
    out.statuses.append(response.status_code)
    for page in pages(instrument):
        response = client.get(f"/q/{page.number}")
        out.statuses.append(response.status_code)
        if response.status_code == 200:  # the CSRF token is bound to this questionnaire
            csrf = CSRF.search(response.text).group(1)
        form = page_form(instrument, page, rng, department=department, business_unit=business_unit)
        if page.key == "context":  # preset by the link: not asked, not sent
            form = {k: v for k, v in form.items() if f'name="{k}"' in response.text}
        out.answers.update(expected_answers(instrument, form))
        data = {"csrf": csrf, "page": str(page.number), "lang": lang, "action": "next", **form}
        response = client.post(f"/q/{page.number}", data=data)
        out.statuses.append(response.status_code)
        if response.status_code != 303:
            return out
    out.finished = response.headers.get("location", "").startswith("/thanks")
    return out
