"""The respondent-facing web survey and its admin pages (FastAPI, server-rendered, no JS).

Flow: a link (``/s/UNIT[/DEPARTMENT]``) or an invitation (``/t/TOKEN``) shows the welcome
page with the privacy notice; ``POST /start`` opens a questionnaire, held by the browser as
a sealed cookie (``survey.web.sealed``: the server stores nothing while it is filled in);
``/q/N`` is page N (context first, then one page per dimension); the last page's submit
stores the response. "Save and continue later" stores the questionnaire under a resume
code. Every form is POST-redirect-GET, carries a CSRF token
and is checked on the server; errors are shown next to the field.
"""

from __future__ import annotations

import asyncio
import hmac
import os
import secrets
import threading
import time
from collections import deque
from collections.abc import Mapping
from contextlib import asynccontextmanager
from functools import lru_cache, partial
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import yaml
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile
from starlette.exceptions import HTTPException as StarletteHTTPException

from survey.instrument import Instrument, Item
from survey.project import Project
from survey.questionnaire import (
    DK_SUFFIX,
    TEXT_LIMIT,
    BadForm,
    Page,
    context_fields,
    estimated_minutes,
    pages,
    parse_context,
    parse_page,
)
from survey.store import Store, digest, new_resume_code, normalise_code
from survey.web.guard import HEADERS, GuardMiddleware
from survey.web.sealed import COOKIE as STATE_COOKIE
from survey.web.sealed import MAX_CHUNKS, STATE_DAYS, Sealer, joined, split

HERE = Path(__file__).parent
TEXTS: dict[str, dict[str, str]] = yaml.safe_load((HERE / "texts.yaml").read_text("utf-8"))
CSS = (HERE / "survey.css").read_bytes()
# The only script: the running total of constant sums (the page works without it; the
# server checks the sum). Pages that have one allow scripts from this origin, no others.
SUM_JS = (HERE / "sum.js").read_bytes()
SCRIPT_CSP = dict(HEADERS)[b"content-security-policy"] + b"; script-src 'self'"
CSRF_COOKIE, ADMIN_COOKIE = "am_csrf", "am_admin"
ADMIN_HOURS = 8
INLINE_KINDS = {"agreement", "bipolar", "frequency", "grade", "timeband", "yes_no"}


class Problem(Exception):
    """A request we refuse with a page that explains why (always a 4xx)."""

    def __init__(self, status: int, text_key: str, **values: object) -> None:
        super().__init__(text_key)
        self.status, self.text_key, self.values = status, text_key, values


@lru_cache(maxsize=4)
def texts(lang: str) -> dict[str, str]:
    return {key: value[lang] for key, value in TEXTS.items()}


@lru_cache(maxsize=8192)
def _option_html(
    kind: str,
    name: str,
    index: int,
    value: str,
    label: str,
    checked: bool,
    extra: str,
    dont_know: bool,
) -> Markup:
    """One radio button or checkbox with its label. Built in Python, not in the template:
    a page has about a hundred of them and this is where the rendering time went."""
    return Markup(
        '<label class="option{cls}"><input type="{kind}" name="{name}" value="{value}" '
        'id="{name}-{index}"{checked}{extra}> <span>{label}</span></label>\n'
    ).format(
        cls=Markup(" dk") if dont_know else "",
        kind=kind,
        name=name,
        value=value,
        index=index,
        checked=Markup(" checked") if checked else "",
        extra=Markup(extra),
        label=label,
    )


PROJECT_ENV, DB_ENV = "ALIGNMETER_PROJECT", "ALIGNMETER_DB"


def app_from_env() -> FastAPI:
    """App factory for several worker processes (``alignmeter serve --workers N``): each
    worker opens the project named by ``$ALIGNMETER_PROJECT`` and ``$ALIGNMETER_DB``."""
    from survey.project import load_project

    project = load_project(os.environ[PROJECT_ENV])
    store = Store(os.environ.get(DB_ENV) or project.sqlite_url, project.id)
    return create_app(project, store, project.load_instrument())


def create_app(project: Project, store: Store, instrument: Instrument) -> FastAPI:
    """The ASGI app for one project. Serve it with uvicorn (``alignmeter serve``)."""

    @asynccontextmanager
    async def lifespan(_app: FastAPI):
        yield
        store.dispose()  # SQLite: checkpoint and truncate the log on SIGTERM too

    app = FastAPI(docs_url=None, redoc_url=None, openapi_url=None, lifespan=lifespan)
    app.add_middleware(GuardMiddleware)
    env = Environment(
        loader=FileSystemLoader(HERE / "templates"),
        autoescape=select_autoescape(["j2", "html"]),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    plan = pages(instrument)
    minutes = {
        lang: max(1, round(estimated_minutes(instrument, lang))) for lang in project.languages
    }
    css = CSS + (f"\n:root {{ --accent: {project.colour}; }}\n".encode() if project.colour else b"")
    logo_type = None
    if project.logo_path is not None:
        from survey.project import LOGO_TYPES

        logo_type = LOGO_TYPES[project.logo_path.suffix]
        logo_bytes = project.logo_path.read_bytes()
    secret = project.secret.encode()
    sealer = Sealer(project.secret, project.id)
    key_checks = asyncio.Semaphore(1)
    # A double click on "start" with an invitation: the second click finds the token used
    # and gets the state the first one made (kept in memory for two minutes, never stored).
    recent_starts: dict[str, tuple[float, dict]] = {}
    open_starts = RateLimit(3600)  # open-link starts per unit in the last hour
    saves = RateLimit(3600)  # "save for later" per browser (CSRF cookie) in the last hour

    async def db(fn, *args, **kwargs):
        # In a worker thread: one slow lock (another process's BEGIN IMMEDIATE, a busy
        # PostgreSQL) must not stall every other page, static files included.
        return await run_in_threadpool(partial(fn, *args, **kwargs))

    def settings() -> Project:
        """project.yaml as it is now: open-link switches and the admin key may change
        while the server runs (``alignmeter open-links``, ``alignmeter admin-key``)."""
        return _fresh_project(project)

    # --- helpers --------------------------------------------------------------------------
    def pick_lang(request: Request, *candidates: str | None) -> str:
        state = getattr(request.state, "lang", None)
        for cand in (request.query_params.get("lang"), *candidates, state):
            if cand in project.languages:
                return cand
        for part in request.headers.get("accept-language", "").split(","):
            code = part.split(";")[0].strip()[:2].lower()
            if code in project.languages:
                return code
        return project.languages[0]

    def bound_to(request: Request) -> str:
        """What a form's CSRF token is bound to: the browser's CSRF cookie and the
        questionnaire it holds (a token from one questionnaire does not work for another)."""
        state = current_state_or_none(request)
        return state["id"] if state else ""

    def csrf_for(cookie: str, scope: str) -> str:
        return hmac.new(secret, f"csrf:{cookie}:{scope}".encode(), "sha256").hexdigest()

    def render(
        request: Request, name: str, lang: str, status: int = 200, **ctx: Any
    ) -> HTMLResponse:
        cookie = request.cookies.get(CSRF_COOKIE) or secrets.token_urlsafe(16)
        scope = getattr(request.state, "csrf_scope", None)
        switch = [(code, f"?lang={code}") for code in project.languages]
        html = env.get_template(name).render(
            lang=lang,
            t=texts(lang),
            company=project.company,
            look=look(lang),
            csrf=csrf_for(cookie, bound_to(request) if scope is None else scope),
            switch=switch if len(switch) > 1 and request.method == "GET" else [],
            **ctx,
        )
        response = HTMLResponse(html, status_code=status)
        if CSRF_COOKIE not in request.cookies:
            response.set_cookie(
                CSRF_COOKIE, cookie, httponly=True, samesite="strict", secure=_https(request)
            )
        return response

    def look(lang: str) -> dict[str, str]:
        """The client's logo, sender, contact and closing date, shown on every page."""
        t = texts(lang)
        contact = project.contact or ""
        return {
            "logo": f"/static/logo{project.logo_path.suffix}" if logo_type else "",
            "logo_alt": t["logo_alt"].format(company=project.company),
            "sender": t["look_sender"].format(sender=project.sender) if project.sender else "",
            "contact": contact,
            "contact_href": f"mailto:{contact}" if "@" in contact and " " not in contact else "",
            "closes": t["look_closes"].format(date=_date(project.closes, lang))
            if project.closes
            else "",
        }

    def message(
        request: Request, lang: str, status: int, heading: str, *paragraphs: str, **ctx: Any
    ) -> HTMLResponse:
        return render(
            request, "message.html.j2", lang, status, heading=heading, paragraphs=paragraphs, **ctx
        )

    def same_origin(request: Request) -> bool:
        origin = request.headers.get("origin")
        if origin is None:  # not a browser, or one too old to send it: CSRF token decides
            return True
        allowed = {f"{request.url.scheme}://{request.url.netloc}"}
        if project.base_url:
            parsed = urlsplit(project.base_url)
            allowed.add(f"{parsed.scheme}://{parsed.netloc}")
        return origin in allowed

    async def read_form(request: Request) -> dict[str, list[str]]:
        if not same_origin(request):
            raise Problem(403, "error_csrf")
        form = await request.form(max_files=0, max_fields=400)
        out: dict[str, list[str]] = {}
        for key, value in form.multi_items():
            if isinstance(value, UploadFile):
                raise BadForm("file uploads are not accepted")
            out.setdefault(key, []).append(value)
        langs = out.get("lang", [])
        if len(langs) == 1 and langs[0] in project.languages:
            request.state.lang = langs[0]  # error pages answer in the form's language
        cookie = request.cookies.get(CSRF_COOKIE, "")
        sent = out.pop("csrf", [""])
        expected = csrf_for(cookie, bound_to(request))
        if not cookie or len(sent) != 1 or not _same(sent[0], expected):
            raise Problem(403, "error_csrf")
        return out

    def check_open() -> None:
        if not project.is_open():
            raise Problem(
                403,
                "error_closed",
                opens=project.opens or "…",
                closes=project.closes or "…",
            )

    def redirect(url: str) -> RedirectResponse:
        return RedirectResponse(url, status_code=303)

    def public_url(request: Request, path: str) -> str:
        # Never built from the Host header, which whoever sends the request chooses.
        return (project.base_url.rstrip("/") if project.base_url else "") + path

    # --- the sealed questionnaire state --------------------------------------------------
    def current_state_or_none(request: Request) -> dict | None:
        if not hasattr(request.state, "sealed"):
            box = joined(request.cookies)
            request.state.sealed = sealer.open(box) if box else None
        return request.state.sealed

    def with_state(request: Request, response: Response, state: dict) -> Response:
        parts = split(sealer.seal(state))
        for i, part in enumerate(parts):
            response.set_cookie(
                f"{STATE_COOKIE}{i}",
                part,
                httponly=True,
                samesite="lax",
                secure=_https(request),
                max_age=STATE_DAYS * 86400,
            )
        for i in range(len(parts), MAX_CHUNKS):
            if f"{STATE_COOKIE}{i}" in request.cookies:
                response.delete_cookie(f"{STATE_COOKIE}{i}")
        return response

    async def current_state(request: Request) -> dict:
        state = current_state_or_none(request)
        if state is None:
            raise Problem(404, "error_no_session")
        if not hasattr(request.state, "lang"):
            request.state.lang = state["language"]
        if state.get("done"):  # no database read per page: the browser knows it finished
            raise Problem(409, "already_text")
        return state

    def new_state(lang: str, department: str | None, unit: str | None) -> dict:
        fixed = [k for k, v in (("department", department), ("unit", unit)) if v]
        return {
            "id": secrets.token_hex(16),
            "language": lang,
            "department": department,
            "business_unit": unit,
            "fixed": fixed,
            "context": {},
            "answers": {},
            "reached": 0,
            "started": time.time(),
            "code": None,
        }

    # --- respondent pages -----------------------------------------------------------------
    @app.api_route("/", methods=["GET", "HEAD"], response_class=HTMLResponse)
    async def home(request: Request) -> Response:
        lang = pick_lang(request)
        t = texts(lang)
        return message(
            request, lang, 200, t["survey_title"], t["home_text"], home="/resume?lang=" + lang
        )

    def welcome(request: Request, entry: str) -> HTMLResponse:
        check_open()
        lang = pick_lang(request)
        t = texts(lang)
        # Short above the start button; the rest one click away (a <details>, no script).
        privacy_short = [
            t["privacy_voluntary"],
            t["privacy_threshold"].format(threshold=project.anonymity_threshold),
        ]
        # The short list must leave Start on a phone's first screen: the rest is folded.
        privacy_more = [
            t["privacy_purpose"],
            t["privacy_who"],
            t["privacy_recompute"],
            t["privacy_storage"],
        ]
        return render(
            request,
            "welcome.html.j2",
            lang,
            intro=t["welcome_intro"].format(company=project.company, minutes=minutes[lang]),
            privacy_short=privacy_short,
            privacy_more=privacy_more,
            entry=entry,
            nonce=secrets.token_urlsafe(12),
        )

    def check_open_link(unit: str | None) -> None:
        if not settings().open_link_allowed(unit or ""):
            raise Problem(403, "error_invitation_only")

    @app.api_route("/s/{unit}", methods=["GET", "HEAD"], response_class=HTMLResponse)
    async def open_link(request: Request, unit: str) -> Response:
        entry = _open_entry(project, instrument, unit, None)
        check_open_link(unit)
        return welcome(request, entry)

    @app.api_route("/s/{unit}/{department}", methods=["GET", "HEAD"], response_class=HTMLResponse)
    async def open_link_department(request: Request, unit: str, department: str) -> Response:
        entry = _open_entry(project, instrument, unit, department)
        check_open_link(unit)
        return welcome(request, entry)

    @app.api_route("/t/{token}", methods=["GET", "HEAD"], response_class=HTMLResponse)
    async def invitation(request: Request, token: str) -> Response:
        await db(_check_token, store, token)
        return welcome(request, f"t:{token}")

    @app.post("/start")
    async def start(request: Request) -> Response:
        form = await read_form(request)
        check_open()
        lang = pick_lang(request, _single(form, "lang"))
        entry, nonce = _single(form, "entry"), _single(form, "nonce")
        if not 8 <= len(nonce) <= 40:
            raise BadForm("the start form was changed")
        now = time.time()
        for key in [k for k, (t0, _) in recent_starts.items() if now - t0 > 120]:
            recent_starts.pop(key, None)
        if entry.startswith("t:"):
            key = _start_code(secret, request.cookies.get(CSRF_COOKIE, ""), nonce, entry)
            department, unit, _ = await db(_check_token, store, entry[2:], allow_used=True)
            if await db(store.redeem_token, entry[2:]):
                state = new_state(lang, department, unit)
                recent_starts[key] = (now, state)
            elif key in recent_starts:
                state = recent_starts[key][1]
            else:
                raise Problem(410, "error_token_used")
        else:
            _, unit, department = ([*entry.split(":"), "", "", ""])[:3]
            if entry != _open_entry(project, instrument, unit or None, department or None):
                raise BadForm("the link data was changed")
            current = settings()
            check_open_link(unit)
            if not open_starts.allow(unit, current.open_link_rate):
                raise Problem(429, "error_rate_limited")
            state = new_state(lang, department or None, unit or None)
        return with_state(request, redirect("/q/0"), state)

    def fixed_of(state: dict) -> tuple[str, ...]:
        # Once items were answered, the department that named the other side stays.
        fixed = tuple(state.get("fixed") or ())
        return fixed + (("department",) if state["reached"] > 0 else ())

    @app.get("/q/{number}", response_class=HTMLResponse)
    async def show_page(request: Request, number: int) -> Response:
        state = await current_state(request)
        if not 0 <= number < len(plan):
            raise Problem(404, "error_not_found")
        if number > state["reached"] or (number > 0 and not state["department"]):
            return redirect(f"/q/{min(state['reached'], len(plan) - 1)}")
        lang = pick_lang(request, state["language"])
        values = _form_values(instrument, plan[number], state["answers"], state["context"])
        return page_response(request, lang, plan[number], state, values, {})

    def page_response(request, lang, page, state, values, errors) -> HTMLResponse:
        t = texts(lang)
        if page.key == "context":
            heading, intro = t["context_heading"], t["context_intro"]
            if "department" in fixed_of(state) and "department" not in state["fixed"]:
                name = instrument.departments[state["department"]][lang]
                intro = f"{intro} {t['department_kept'].format(department=name)}"
            questions = _context_questions(
                instrument, project, fixed_of(state), lang, values, errors
            )
        else:
            heading, intro = instrument.dimensions[page.key][lang], t["optional_note"]
            if page.parts > 1:
                heading = t["page_part"].format(heading=heading, part=page.part, parts=page.parts)
        groups = (
            [{"heading": "", "intro": "", "questions": questions}]
            if page.key == "context"
            else _groups(instrument, page, lang, state["department"], values, errors, t)
        )
        questions = [q for g in groups for q in g["questions"]]
        sums = any(instrument.kind(i) == "constant_sum" for i in page.items)
        response = render(
            request,
            "page.html.j2",
            lang,
            422 if errors else 200,
            heading=heading,
            intro=intro,
            groups=groups,
            script="sum.js" if sums else "",
            questions=questions,
            errors=errors,
            number=page.number,
            pages=len(plan),
            last=page.number == len(plan) - 1,
            progress_text=t["progress"].format(page=page.number + 1, pages=len(plan)),
        )
        if sums:
            response.headers["content-security-policy"] = SCRIPT_CSP.decode()
        return response

    @app.post("/q/{number}")
    async def submit_page(request: Request, number: int) -> Response:
        form = await read_form(request)
        check_open()
        if not 0 <= number < len(plan) or _single(form, "page") != str(number):
            raise BadForm("the page number was changed")
        action = _single(form, "action") or "next"
        if action not in ("next", "back", "save"):
            raise BadForm(f"unknown action {action!r}")
        lang = pick_lang(request, _single(form, "lang"))
        page = plan[number]
        state = await current_state(request)
        if number > state["reached"]:
            raise BadForm("this page has not been reached yet")
        if page.key == "context":
            parsed = parse_context(form, instrument, project.business_units, fixed_of(state), lang)
            if "department" not in parsed.context and not state["department"]:
                return page_response(request, lang, page, state, form, parsed.errors)
        else:
            parsed = parse_page(form, instrument, page, lang)
        if parsed.errors:  # also for "back" and "save": nothing typed is dropped unseen
            return page_response(request, lang, page, state, form, parsed.errors)
        state = _merged(state, parsed.answers, parsed.context, lang, number, action)
        if action == "back":
            return with_state(request, redirect(f"/q/{max(number - 1, 0)}"), state)
        if action == "save":
            if not saves.allow(request.cookies.get(CSRF_COOKIE, ""), SAVES_PER_HOUR):
                raise Problem(429, "error_rate_limited")
            state["code"] = state.get("code") or new_resume_code()
            await db(store.save_state, state["code"], state)
            return with_state(request, redirect("/saved"), state)
        if number < len(plan) - 1:
            return with_state(request, redirect(f"/q/{number + 1}"), state)
        if not state["department"] or not state["business_unit"]:
            raise BadForm("department or unit missing")
        result = await db(partial(store.finish, state, instrument_version=instrument.version))
        if result == "already":  # the other of two parallel submits
            raise Problem(409, "already_text")
        # The state stays, marked done: Back or a resent form then meets "already submitted".
        return with_state(request, redirect(f"/thanks?lang={lang}"), state | {"done": True})

    @app.get("/thanks", response_class=HTMLResponse)
    async def thanks(request: Request) -> Response:
        lang = pick_lang(request)
        t = texts(lang)
        when = (
            t["thanks_when_closes"].format(closes=_date(project.closes, lang))
            if project.closes
            else t["thanks_when_open"]
        )
        present = (
            t["thanks_results_date"].format(
                results=_date(project.results, lang), company=project.company
            )
            if project.results
            else t["thanks_results_later"].format(company=project.company)
        )
        how = t["thanks_how"].format(threshold=project.anonymity_threshold)
        return message(
            request,
            lang,
            200,
            t["thanks_heading"],
            t["thanks_text"],
            next_steps=[f"{when} {present}", how],
        )

    @app.get("/saved", response_class=HTMLResponse)
    async def saved(request: Request) -> Response:
        state = await current_state(request)
        if not state.get("code"):
            raise Problem(404, "error_no_session")
        lang = pick_lang(request, state["language"])
        t = texts(lang)
        return message(
            request,
            lang,
            200,
            t["saved_heading"],
            t["saved_intro"],
            code=state["code"],
            resume_url=public_url(request, f"/resume?lang={lang}"),
        )

    @app.get("/resume", response_class=HTMLResponse)
    async def resume_form(request: Request) -> Response:
        lang = pick_lang(request)
        return render(request, "resume.html.j2", lang, value="", error="")

    @app.post("/resume")
    async def resume(request: Request) -> Response:
        form = await read_form(request)
        lang = pick_lang(request, _single(form, "lang"))
        typed = _single(form, "code")[:40]
        code = normalise_code(typed)
        state = await db(store.saved_state, code) if code else None
        if state is None:
            error = texts(lang)["resume_unknown"]
            return render(request, "resume.html.j2", lang, 404, value=typed, error=error)
        request.state.sealed = state  # the page's forms are bound to this questionnaire
        if await db(store.is_finished, state["id"]):
            raise Problem(409, "already_text")
        response = redirect(f"/q/{min(state['reached'], len(plan) - 1)}")
        return with_state(request, response, state)

    # --- admin ----------------------------------------------------------------------------
    def key_fp(current: Project) -> str:
        return digest(f"admin-key:{current.admin_key_hash}")

    async def is_admin(request: Request) -> bool:
        sid = request.cookies.get(ADMIN_COOKIE, "")
        return bool(sid) and await db(store.admin_session_valid, sid, key_fp(settings()))

    @app.get("/admin", response_class=HTMLResponse)
    async def admin(request: Request) -> Response:
        lang = pick_lang(request)
        if not await is_admin(request):
            return render(request, "admin.html.j2", lang, 401, login=True, error="")
        from survey.collected import project_cells, status_table
        from survey.releases import ReleaseLog, record_status

        cells = project_cells(project)
        table = await run_in_threadpool(status_table, store, project.anonymity_threshold, cells)
        log = ReleaseLog.open(project.folder, project.id)
        await run_in_threadpool(record_status, log, table.copy(), "admin")
        t = texts(lang)
        columns = [t[f"col_{c}"] for c in ("department", "unit", *_STATUS, "completion")]
        names = {d: label[lang] for d, label in instrument.departments.items()}
        table["department"] = (
            table["department"].map(names | {"total": t["total"]}).fillna(table["department"])
        )
        table["business_unit"] = (
            table["business_unit"].map(project.business_units).fillna(table["business_unit"])
        )
        rows = table.astype(str).replace({"nan": "", "None": ""}).to_numpy().tolist()
        current = settings()
        links = [
            (name, public_url(request, f"/s/{code}"))
            for code, name in project.business_units.items()
            if current.open_link_allowed(code)
        ]
        return render(
            request,
            "admin.html.j2",
            lang,
            login=False,
            columns=columns,
            rows=rows,
            links=links,
            masked_note=t["admin_masked"].format(threshold=project.anonymity_threshold),
        )

    @app.post("/admin")
    async def admin_login(request: Request) -> Response:
        form = await read_form(request)
        lang = pick_lang(request, _single(form, "lang"))
        key = _single(form, "key")[:200]
        current = settings()
        async with key_checks:  # scrypt takes 16 MB and ~50 ms: one check at a time
            valid = await run_in_threadpool(current.check_admin_key, key)
        if not valid:
            error = texts(lang)["admin_wrong_key"]
            return render(request, "admin.html.j2", lang, 401, login=True, error=error)
        sid = await db(store.new_admin_session, key_fp(current), ADMIN_HOURS)
        response = redirect("/admin")
        response.set_cookie(
            ADMIN_COOKIE,
            sid,
            httponly=True,
            samesite="strict",
            secure=_https(request),
            max_age=ADMIN_HOURS * 3600,
        )
        return response

    @app.post("/admin/logout")
    async def admin_logout(request: Request) -> Response:
        await read_form(request)
        sid = request.cookies.get(ADMIN_COOKIE, "")
        if sid:
            await db(store.end_admin_sessions, sid)
        response = redirect("/admin")
        response.delete_cookie(ADMIN_COOKIE)
        return response

    @app.get("/admin/export.csv")
    async def admin_export(request: Request) -> Response:
        if not await is_admin(request):
            raise Problem(401, "admin_need_key")
        from survey.collected import coarsen_context, collected_responses
        from survey.responses import instrument_columns
        from survey.tables import neutralise_formulas

        table = await run_in_threadpool(collected_responses, store, instrument)
        table = neutralise_formulas(coarsen_context(table, project.anonymity_threshold))
        table = table.assign(**instrument_columns(instrument))  # which instrument, version
        return Response(
            table.to_csv(index=False),
            media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": f'attachment; filename="{project.id}-responses.csv"'},
        )

    @app.get("/static/survey.css")
    async def stylesheet() -> Response:
        return Response(css, media_type="text/css", headers={"Cache-Control": "max-age=3600"})

    @app.get("/static/sum.js")
    async def sum_script() -> Response:
        return Response(
            SUM_JS, media_type="text/javascript", headers={"Cache-Control": "max-age=3600"}
        )

    @app.get("/static/logo{suffix}")
    async def logo(suffix: str) -> Response:
        if logo_type is None or suffix != project.logo_path.suffix:
            raise Problem(404, "error_not_found")
        return Response(logo_bytes, media_type=logo_type, headers={"Cache-Control": "max-age=3600"})

    # --- errors: always a page and a 4xx -------------------------------------------------
    def problem_page(request: Request, status: int, key: str, **values: object) -> Response:
        lang = pick_lang(request)
        t = texts(lang)
        text = t[key].format(**values) if values else t[key]
        heading = t["thanks_heading"] if key == "already_text" else t["error_heading"]
        request.state.csrf_scope = ""  # the state cookie may be the problem
        return message(request, lang, status, heading, text, home=None)

    @app.exception_handler(Problem)
    async def on_problem(request: Request, exc: Problem) -> Response:
        return problem_page(request, exc.status, exc.text_key, **exc.values)

    @app.exception_handler(BadForm)
    async def on_bad_form(request: Request, exc: BadForm) -> Response:
        return problem_page(request, 400, "error_bad_form")

    @app.exception_handler(RequestValidationError)
    async def on_invalid(request: Request, exc: RequestValidationError) -> Response:
        return problem_page(request, 404, "error_not_found")

    @app.exception_handler(StarletteHTTPException)
    async def on_http(request: Request, exc: StarletteHTTPException) -> Response:
        key = {404: "error_not_found", 405: "error_method"}.get(exc.status_code, "error_bad_form")
        return problem_page(request, exc.status_code, key)

    return app


SAVES_PER_HOUR = 30


class RateLimit:
    """Events per key in a sliding window, in this process's memory (never stored)."""

    def __init__(self, window_s: float) -> None:
        self.window = window_s
        self._seen: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def allow(self, key: str, limit: int) -> bool:
        if limit <= 0:
            return True
        now = time.monotonic()
        with self._lock:
            seen = self._seen.setdefault(key, deque())
            while seen and now - seen[0] > self.window:
                seen.popleft()
            if len(seen) >= limit:
                return False
            seen.append(now)
            if len(self._seen) > 10000:  # many browsers: forget the idle ones
                for k in [k for k, v in self._seen.items() if not v or now - v[-1] > self.window]:
                    del self._seen[k]
            return True


def _merged(state, answers, context, lang, number, action) -> dict:
    """The state after one page: answers merged (None withdraws), furthest page moved on."""
    merged = {
        k: v for k, v in ((state["answers"] or {}) | (answers or {})).items() if v is not None
    }
    ctx = (state["context"] or {}) | (context or {})
    reached = number + 1 if action == "next" else number
    return state | {
        "answers": merged,
        "context": ctx,
        "reached": max(state["reached"], reached),
        "department": ctx.get("department", state["department"]),
        "business_unit": ctx.get("business_unit", state["business_unit"]),
        "language": lang,
    }


_project_cache: dict[Path, tuple[float, Project]] = {}


def _fresh_project(project: Project) -> Project:
    """``project`` re-read when its file changed on disk (cheap: one stat)."""
    from survey.project import CONFIG_NAME, ProjectError, load_project

    path = project.folder / CONFIG_NAME
    try:
        mtime = path.stat().st_mtime
    except OSError:
        return project
    cached = _project_cache.get(path)
    if cached is None or cached[0] != mtime:
        try:
            cached = (mtime, load_project(project.folder))
        except ProjectError:
            return cached[1] if cached else project
        _project_cache[path] = cached
    return cached[1]


_STATUS = ("invited", "in_progress", "complete")


def _https(request: Request) -> bool:
    return request.url.scheme == "https"


def _single(form: Mapping[str, list[str]], name: str) -> str:
    values = form.get(name, [])
    if len(values) > 1:
        raise BadForm(f"field {name!r} sent more than once")
    return values[0] if values else ""


def _open_entry(project: Project, ins: Instrument, unit: str | None, dept: str | None) -> str:
    if unit not in project.business_units or (dept and dept not in ins.departments):
        raise Problem(404, "error_not_found")
    return f"u:{unit}:{dept or ''}"


def _same(a: str, b: str) -> bool:
    """Constant-time comparison that accepts any text (compare_digest refuses non-ASCII str)."""
    return hmac.compare_digest(a.encode(), b.encode())


def _start_code(secret: bytes, cookie: str, nonce: str, entry: str) -> str:
    mac = hmac.new(secret, f"start:{cookie}:{nonce}:{entry}".encode(), "sha256").digest()
    return new_resume_code(int.from_bytes(mac[:10]))


def _check_token(store: Store, token: str, *, allow_used: bool = False) -> tuple[str, str, bool]:
    found = store.token(token) if 8 <= len(token) <= 64 else None
    if found is None:
        raise Problem(404, "error_token_unknown")
    if found[2] and not allow_used:
        raise Problem(410, "error_token_used")
    return found


def _form_values(
    ins: Instrument, page: Page, answers: Mapping[str, object], context: Mapping[str, str]
) -> dict[str, list[str]]:
    """Stored answers as the form fields that would send them (to fill a page in)."""
    if page.key == "context":
        return {k: [v] for k, v in context.items()}
    dk = ins.dont_know.code
    out: dict[str, list[str]] = {}
    for item in page.items:
        kind = ins.kind(item)
        cols = ins.item_columns(item)
        if kind == "multiple":
            out[item.code] = [c.rsplit("_", 1)[1] for c in cols if answers.get(c) == 1]
        elif kind in ("percent", "constant_sum") and all(answers.get(c) == dk for c in cols):
            out[item.code + DK_SUFFIX] = ["1"]
        else:
            out.update({c: [str(answers[c])] for c in cols if c in answers})
    return out


def _choice(values: Mapping[str, list[str]], name: str) -> str:
    got = values.get(name, [])
    return got[0] if got else ""


def _context_questions(ins, project, fixed, lang, values, errors) -> list[dict]:
    out = []
    for col, options in context_fields(ins, project.business_units, fixed):
        question = next(q for q in ins.context if q.column == col)
        current = _choice(values, col)
        required = col in ("department", "business_unit")
        opts = _options(
            "radio",
            col,
            [
                (code, label if isinstance(label, str) else label[lang])
                for code, label in options.items()
            ],
            {current},
        )
        out.append(
            _view(col, "choice", question.text[lang], errors, options=opts, inline=False)
            | {"required": required}
        )
    return out


def _question(
    ins: Instrument,
    item: Item,
    lang: str,
    department: str | None,
    values: Mapping[str, list[str]],
    errors: Mapping[str, str],
    t: Mapping[str, str],
) -> dict:
    kind = ins.kind(item)
    legend = ins.render(item.text, lang, department) if department else item.text[lang]
    if kind == "text":
        return _view(item.code, "text", legend, errors, value=_choice(values, item.code)) | {
            "max": TEXT_LIMIT,
            "hint": t["chars_max"].format(n=TEXT_LIMIT),
            "anchor": item.code,
        }
    if kind == "multiple":
        chosen = set(values.get(item.code, []))
        pairs = [(str(o.code), o.label[lang]) for o in ins.options(item)]
        opts = _options("checkbox", item.code, pairs, chosen)
        hint = t["choose_up_to"].format(n=item.max_choices) if item.max_choices else ""
        return _view(item.code, "multiple", legend, errors, options=opts, hint=hint)
    if kind in ("percent", "constant_sum"):
        low, high = ins.value_range(item)
        cols = ins.item_columns(item)
        labels = [p.label[lang] for p in item.parts] if item.parts else [legend]
        inputs = [
            {"name": c, "label": label, "value": _choice(values, c)}
            for c, label in zip(cols, labels, strict=True)
        ]
        total = ins.response_type(item).total
        hint = (
            t["sum_hint"].format(total=total)
            if total
            else t["percent_hint"].format(min=low, max=high)
        )
        dk_name = item.code + DK_SUFFIX if item.dont_know else ""
        typed = [_integer_or_zero(box["value"]) for box in inputs]
        return _view(item.code, "numbers", legend, errors, inputs=inputs, hint=hint) | {
            "total": total or 0,
            "sum_template": t["sum_total"],
            "sum_text": t["sum_total"].format(sum=sum(typed), total=total) if total else "",
            "unit": "" if total else "%",
            "min": low,
            "max": high,
            "dk_name": dk_name,
            "dk_checked": bool(dk_name and values.get(dk_name)),
            "anchor": cols[0],
        }
    current = _choice(values, item.code)
    pairs = [(str(o.code), o.label[lang]) for o in ins.options(item)]
    if item.dont_know:
        pairs.append((str(ins.dont_know.code), ins.dont_know.label[lang]))
    opts = _options("radio", item.code, pairs, {current}, dont_know=str(ins.dont_know.code))
    poles = [p[lang] for p in item.poles] if item.poles else None
    return _view(
        item.code, "choice", legend, errors, options=opts, poles=poles, inline=kind in INLINE_KINDS
    )


def _options(
    kind: str,
    name: str,
    pairs: list[tuple[str, str]],
    chosen: set[str],
    *,
    required: bool = False,
    dont_know: str | None = None,
) -> list[dict]:
    extra = " required" if required else ""
    return [
        {
            "html": _option_html(kind, name, i, v, label, v in chosen, extra, v == dont_know),
            "dk": v == dont_know,
        }
        for i, (v, label) in enumerate(pairs, start=1)
    ]


def _view(name: str, kind: str, legend: str, errors: Mapping[str, str], **extra: Any) -> dict:
    return {
        "name": name,
        "kind": kind,
        "legend": legend,
        "error": errors.get(name, ""),
        "anchor": f"{name}-1",
        "required": False,
        "hint": "",
    } | extra


def _integer_or_zero(text: str) -> int:
    try:
        return int(text)
    except ValueError:
        return 0


def _date(day, lang: str) -> str:
    if lang == "de":
        return f"{day.day}.{day.month}.{day.year}"
    return f"{day.day} {day:%B} {day.year}"  # English month names whatever the locale


def _groups(
    ins: Instrument,
    page: Page,
    lang: str,
    department: str | None,
    values: Mapping[str, list[str]],
    errors: Mapping[str, str],
    t: Mapping[str, str],
) -> list[dict]:
    """The page's questions in groups: the self-image items of mirror pairs under a heading
    naming the respondent's own department, then their twins under the other one's, at the
    place of the first mirror item; other items stay where they are."""

    def view(item: Item) -> dict:
        return _question(ins, item, lang, department, values, errors, t)

    mirrored = [i for i in page.items if i.mirror_of and i.perspective in ("self", "other")]
    if not mirrored or department is None:
        return [{"heading": "", "intro": "", "questions": [view(i) for i in page.items]}]
    names = {
        "own": ins.departments[department][lang],
        "other": ins.departments[ins.other_department(department)][lang],
    }
    first = page.items.index(mirrored[0])
    before = [i for i in page.items[:first] if i not in mirrored]
    after = [i for i in page.items[first:] if i not in mirrored]
    own = [i for i in mirrored if i.perspective == "self"]
    other = [i for i in mirrored if i.perspective == "other"]
    groups = [{"heading": "", "intro": "", "questions": [view(i) for i in before]}]
    groups.append(
        {
            "heading": t["mirror_own_heading"].format(**names),
            "intro": t["mirror_intro"].format(**names),
            "questions": [view(i) for i in own],
        }
    )
    groups.append(
        {
            "heading": t["mirror_other_heading"].format(**names),
            "intro": "",
            "questions": [view(i) for i in other],
        }
    )
    groups.append({"heading": "", "intro": "", "questions": [view(i) for i in after]})
    return [g for g in groups if g["questions"]]
