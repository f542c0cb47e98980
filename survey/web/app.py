"""The respondent-facing web survey and its admin pages (FastAPI, server-rendered, no JS).

Flow: a link (``/s/UNIT[/DEPARTMENT]``) or an invitation (``/t/TOKEN``) shows the welcome
page with the privacy notice; ``POST /start`` opens a questionnaire and sets the resume
code as a cookie; ``/q/N`` is page N (context first, then one page per dimension); the last
page's submit stores the response. Every form is POST-redirect-GET, carries a CSRF token
and is checked on the server; errors are shown next to the field.
"""

from __future__ import annotations

import asyncio
import hmac
import os
import secrets
import time
from collections.abc import Mapping
from functools import lru_cache, partial
from pathlib import Path
from typing import Any

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
    pages,
    parse_context,
    parse_page,
)
from survey.store import PageNotReached, Store, new_resume_code, normalise_code
from survey.web.guard import GuardMiddleware

HERE = Path(__file__).parent
TEXTS: dict[str, dict[str, str]] = yaml.safe_load((HERE / "texts.yaml").read_text("utf-8"))
CSS = (HERE / "survey.css").read_bytes()
RESUME_COOKIE, CSRF_COOKIE, ADMIN_COOKIE = "am_resume", "am_csrf", "am_admin"
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
    from survey import load_instrument
    from survey.project import load_project

    project = load_project(os.environ[PROJECT_ENV])
    store = Store(os.environ.get(DB_ENV) or project.sqlite_url, project.id)
    return create_app(project, store, load_instrument())


def create_app(project: Project, store: Store, instrument: Instrument) -> FastAPI:
    """The ASGI app for one project. Serve it with uvicorn (``alignmeter serve``)."""
    app = FastAPI(docs_url=None, redoc_url=None, openapi_url=None)
    app.add_middleware(GuardMiddleware)
    env = Environment(
        loader=FileSystemLoader(HERE / "templates"),
        autoescape=select_autoescape(["j2", "html"]),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    plan = pages(instrument)
    secret = project.secret.encode()
    key_checks = asyncio.Semaphore(1)

    async def db(fn, *args, **kwargs):
        # Store calls are short transactions (well under a millisecond on SQLite); run
        # inline they beat a thread hop and never queue inside SQLite's busy handler.
        return fn(*args, **kwargs)

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

    def csrf_for(cookie: str) -> str:
        return hmac.new(secret, f"csrf:{cookie}".encode(), "sha256").hexdigest()

    def render(
        request: Request, name: str, lang: str, status: int = 200, **ctx: Any
    ) -> HTMLResponse:
        cookie = request.cookies.get(CSRF_COOKIE) or secrets.token_urlsafe(16)
        switch = [(code, f"?lang={code}") for code in project.languages]
        html = env.get_template(name).render(
            lang=lang,
            t=texts(lang),
            company=project.company,
            csrf=csrf_for(cookie),
            switch=switch if len(switch) > 1 and request.method == "GET" else [],
            **ctx,
        )
        response = HTMLResponse(html, status_code=status)
        if CSRF_COOKIE not in request.cookies:
            response.set_cookie(
                CSRF_COOKIE, cookie, httponly=True, samesite="strict", secure=_https(request)
            )
        return response

    def message(
        request: Request, lang: str, status: int, heading: str, *paragraphs: str, **ctx: Any
    ) -> HTMLResponse:
        return render(
            request, "message.html.j2", lang, status, heading=heading, paragraphs=paragraphs, **ctx
        )

    async def read_form(request: Request) -> dict[str, list[str]]:
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
        if not cookie or len(sent) != 1 or not _same(sent[0], csrf_for(cookie)):
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
        privacy = [
            t["privacy_purpose"],
            t["privacy_who"],
            t["privacy_threshold"].format(threshold=project.anonymity_threshold),
            t["privacy_storage"],
            t["privacy_voluntary"],
        ]
        return render(
            request,
            "welcome.html.j2",
            lang,
            intro=t["welcome_intro"].format(company=project.company),
            privacy=privacy,
            entry=entry,
            nonce=secrets.token_urlsafe(12),
        )

    @app.api_route("/s/{unit}", methods=["GET", "HEAD"], response_class=HTMLResponse)
    async def open_link(request: Request, unit: str) -> Response:
        return welcome(request, _open_entry(project, instrument, unit, None))

    @app.api_route("/s/{unit}/{department}", methods=["GET", "HEAD"], response_class=HTMLResponse)
    async def open_link_department(request: Request, unit: str, department: str) -> Response:
        return welcome(request, _open_entry(project, instrument, unit, department))

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
        # The code follows from this browser's form: a double click opens one questionnaire.
        code = _start_code(secret, request.cookies.get(CSRF_COOKIE, ""), nonce, entry)
        if entry.startswith("t:"):
            department, unit, _ = await db(_check_token, store, entry[2:], allow_used=True)
            if not await db(store.redeem_token, entry[2:]) and not await _started(code):
                raise Problem(410, "error_token_used")
        else:
            _, unit, department = ([*entry.split(":"), "", "", ""])[:3]
            if entry != _open_entry(project, instrument, unit or None, department or None):
                raise BadForm("the link data was changed")
        await db(
            partial(
                store.start_session,
                lang,
                department=department or None,
                business_unit=unit or None,
                code=code,
            )
        )
        response = redirect("/q/0")
        response.set_cookie(
            RESUME_COOKIE, code, httponly=True, samesite="lax", secure=_https(request)
        )
        return response

    def fixed_of(session) -> tuple[str, ...]:
        # Once items were answered, the department that named the other side stays.
        return session.fixed + (("department",) if session.reached > 0 else ())

    async def _started(code: str) -> bool:
        # The other click of a double click redeemed the token: wait for its session.
        for _ in range(40):
            if await db(store.session, code) is not None:
                return True
            await asyncio.sleep(0.05)
        return False

    async def current_session(request: Request):
        code = request.cookies.get(RESUME_COOKIE, "")
        session = await db(store.session, code) if code else None
        if session is not None and not hasattr(request.state, "lang"):
            request.state.lang = session.language
        if session is None:
            if code and await db(store.is_finished, code):
                raise Problem(409, "already_text")
            raise Problem(404, "error_no_session")
        return code, session

    @app.get("/q/{number}", response_class=HTMLResponse)
    async def show_page(request: Request, number: int) -> Response:
        _code, session = await current_session(request)
        if not 0 <= number < len(plan):
            raise Problem(404, "error_not_found")
        if number > session.reached or (number > 0 and not session.department):
            return redirect(f"/q/{min(session.reached, len(plan) - 1)}")
        lang = pick_lang(request, session.language)
        values = _form_values(instrument, plan[number], session.answers, session.context)
        return page_response(request, lang, plan[number], session, values, {})

    def page_response(request, lang, page, session, values, errors) -> HTMLResponse:
        t = texts(lang)
        if page.key == "context":
            heading, intro = t["context_heading"], t["context_intro"]
            if "department" in fixed_of(session) and "department" not in session.fixed:
                name = instrument.departments[session.department][lang]
                intro = f"{intro} {t['department_kept'].format(department=name)}"
            questions = _context_questions(
                instrument, project, fixed_of(session), lang, values, errors
            )
        else:
            heading, intro = instrument.dimensions[page.key][lang], t["optional_note"]
            questions = [
                _question(instrument, item, lang, session.department, values, errors, t)
                for item in page.items
            ]
        return render(
            request,
            "page.html.j2",
            lang,
            422 if errors else 200,
            heading=heading,
            intro=intro,
            questions=questions,
            errors=errors,
            number=page.number,
            pages=len(plan),
            last=page.number == len(plan) - 1,
            progress_text=t["progress"].format(page=page.number + 1, pages=len(plan)),
        )

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
        # Item pages need the session only when they must be shown again (errors): the
        # common path is one transaction.
        code, session = request.cookies.get(RESUME_COOKIE, ""), None
        if page.key == "context":
            code, session = await current_session(request)
            parsed = parse_context(
                form, instrument, project.business_units, fixed_of(session), lang
            )
            if "department" not in parsed.context and not session.department:
                return page_response(request, lang, page, session, form, parsed.errors)
        else:
            parsed = parse_page(form, instrument, page, lang)
        if parsed.errors:  # also for "back" and "save": nothing typed is dropped unseen
            session = session or (await current_session(request))[1]
            return page_response(request, lang, page, session, form, parsed.errors)
        reached = number + 1 if action == "next" else number
        try:
            saved = await db(
                partial(
                    store.save_page,
                    code,
                    reached,
                    answers=parsed.answers,
                    context=parsed.context,
                    language=lang,
                    shown=number,
                )
            )
        except PageNotReached:
            raise BadForm("this page has not been reached yet") from None
        if not saved:  # finished meanwhile (a parallel double submit) or gone
            finished = await db(store.is_finished, code)
            raise Problem(409, "already_text") if finished else Problem(404, "error_no_session")
        if action == "back":
            return redirect(f"/q/{max(number - 1, 0)}")
        if action == "save":
            return redirect("/saved")
        if number < len(plan) - 1:
            return redirect(f"/q/{number + 1}")
        result = await db(partial(store.finish, code, instrument_version=instrument.version))
        if result == "unknown":
            raise Problem(404, "error_no_session")
        # The cookie stays: Back or a resent form then meets "already submitted".
        return redirect(f"/thanks?lang={lang}")

    @app.get("/thanks", response_class=HTMLResponse)
    async def thanks(request: Request) -> Response:
        lang = pick_lang(request)
        t = texts(lang)
        return message(request, lang, 200, t["thanks_heading"], t["thanks_text"])

    @app.get("/saved", response_class=HTMLResponse)
    async def saved(request: Request) -> Response:
        code, session = await current_session(request)
        lang = pick_lang(request, session.language)
        t = texts(lang)
        return message(
            request,
            lang,
            200,
            t["saved_heading"],
            t["saved_intro"],
            code=code,
            resume_url=f"{request.base_url}resume?lang={lang}",
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
        session = await db(store.session, code) if code else None
        if session is None:
            if code and await db(store.is_finished, code):
                raise Problem(409, "already_text")
            error = texts(lang)["resume_unknown"]
            return render(request, "resume.html.j2", lang, 404, value=typed, error=error)
        response = redirect(f"/q/{min(session.reached, len(plan) - 1)}")
        response.set_cookie(
            RESUME_COOKIE, code, httponly=True, samesite="lax", secure=_https(request)
        )
        return response

    # --- admin ----------------------------------------------------------------------------
    def admin_token(expires: int) -> str:
        # Signed with the key's hash too: a new admin key signs out every session.
        payload = f"admin:{expires}:{project.admin_key_hash}".encode()
        sig = hmac.new(secret, payload, "sha256").hexdigest()
        return f"{expires}.{sig}"

    def is_admin(request: Request) -> bool:
        cookie = request.cookies.get(ADMIN_COOKIE, "")
        expires = cookie.partition(".")[0]
        if not (expires.isascii() and expires.isdigit() and len(expires) <= 12):
            return False
        return int(expires) >= time.time() and _same(cookie, admin_token(int(expires)))

    @app.get("/admin", response_class=HTMLResponse)
    async def admin(request: Request) -> Response:
        lang = pick_lang(request)
        if not is_admin(request):
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
        links = [
            (name, f"{request.base_url}s/{code}") for code, name in project.business_units.items()
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
        async with key_checks:  # scrypt takes 16 MB and ~50 ms: one check at a time
            valid = await run_in_threadpool(project.check_admin_key, key)
        if not valid:
            error = texts(lang)["admin_wrong_key"]
            return render(request, "admin.html.j2", lang, 401, login=True, error=error)
        expires = int(time.time()) + ADMIN_HOURS * 3600
        response = redirect("/admin")
        response.set_cookie(
            ADMIN_COOKIE,
            admin_token(expires),
            httponly=True,
            samesite="strict",
            secure=_https(request),
            max_age=ADMIN_HOURS * 3600,
        )
        return response

    @app.post("/admin/logout")
    async def admin_logout(request: Request) -> Response:
        await read_form(request)
        response = redirect("/admin")
        response.delete_cookie(ADMIN_COOKIE)
        return response

    @app.get("/admin/export.csv")
    async def admin_export(request: Request) -> Response:
        if not is_admin(request):
            raise Problem(401, "admin_need_key")
        from survey.collected import coarsen_context, collected_responses
        from survey.tables import neutralise_formulas

        table = await run_in_threadpool(collected_responses, store, instrument)
        table = neutralise_formulas(coarsen_context(table, project.anonymity_threshold))
        return Response(
            table.to_csv(index=False),
            media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": f'attachment; filename="{project.id}-responses.csv"'},
        )

    @app.get("/static/survey.css")
    async def css() -> Response:
        return Response(CSS, media_type="text/css", headers={"Cache-Control": "max-age=3600"})

    # --- errors: always a page and a 4xx -------------------------------------------------
    def problem_page(request: Request, status: int, key: str, **values: object) -> Response:
        lang = pick_lang(request)
        t = texts(lang)
        text = t[key].format(**values) if values else t[key]
        heading = t["thanks_heading"] if key == "already_text" else t["error_heading"]
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
            required=required,
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
            t["points_of"].format(total=total)
            if total
            else t["percent_hint"].format(min=low, max=high)
        )
        dk_name = item.code + DK_SUFFIX if item.dont_know else ""
        return _view(item.code, "numbers", legend, errors, inputs=inputs, hint=hint) | {
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
        {"html": _option_html(kind, name, i, v, label, v in chosen, extra, v == dont_know)}
        for i, (v, label) in enumerate(pairs, start=1)
    ]


def _view(name: str, kind: str, legend: str, errors: Mapping[str, str], **extra: Any) -> dict:
    short = legend if len(legend) <= 70 else legend[:67].rstrip() + "…"
    return {
        "name": name,
        "kind": kind,
        "legend": legend,
        "short": short,
        "error": errors.get(name, ""),
        "anchor": f"{name}-1",
        "required": False,
        "hint": "",
    } | extra
