"""ASGI middleware: security headers on every response, a request size limit, and a
bilingual error page for any failure.

Written as plain ASGI (not Starlette's BaseHTTPMiddleware) so that it can stop a body that
grows past the limit while it streams in, whatever the Content-Length header claims. It
sits inside Starlette's own error middleware, so an unexpected exception reaches it first:
the respondent gets a page in both languages with the security headers, and the log gets
the exception's type and the driver's first line, never a statement's parameters (answers,
token hashes) or a traceback with local values.
"""

from __future__ import annotations

import logging

from starlette.types import ASGIApp, Message, Receive, Scope, Send

log = logging.getLogger("alignmeter.web")
HSTS = (b"strict-transport-security", b"max-age=31536000; includeSubDomains")

MAX_BODY = 64 * 1024  # bytes; a full page of answers is a few kB
HEADERS = [
    (
        b"content-security-policy",
        b"default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; "
        b"frame-ancestors 'none'; base-uri 'none'",
    ),
    (b"x-frame-options", b"DENY"),
    (b"x-content-type-options", b"nosniff"),
    # same-origin, not no-referrer: under no-referrer browsers send "Origin: null" on every
    # POST, which the Origin check must refuse (sandboxed attacker frames send it too); no
    # other site ever receives a Referer with an invitation token.
    (b"referrer-policy", b"same-origin"),
    (b"permissions-policy", b"camera=(), microphone=(), geolocation=(), interest-cohort=()"),
    (b"cross-origin-opener-policy", b"same-origin"),
]
NO_STORE = (b"cache-control", b"no-store")

TOO_LARGE = (  # sent before the app knows the language: both, each marked as such
    "<!DOCTYPE html><html lang='de'><meta charset='utf-8'>"
    "<meta name='viewport' content='width=device-width, initial-scale=1'>"
    "<link rel='stylesheet' href='/static/survey.css'><title>413</title><main>"
    "<h1>Zu groß <span lang='en'>/ Too large</span></h1>"
    "<p>Die gesendeten Daten sind zu groß.</p>"
    "<p lang='en'>The data sent is too large.</p></main></html>"
).encode()


SERVER_ERROR = (
    "<!DOCTYPE html><html lang='de'><meta charset='utf-8'>"
    "<meta name='viewport' content='width=device-width, initial-scale=1'>"
    "<link rel='stylesheet' href='/static/survey.css'><title>500</title><main>"
    "<h1>Das hat nicht geklappt <span lang='en'>/ That did not work</span></h1>"
    "<p>Der Server konnte Ihre Anfrage gerade nicht bearbeiten. Ihre bisher bestätigten "
    "Antworten sind gespeichert. Bitte versuchen Sie es in einigen Minuten noch einmal.</p>"
    "<p lang='en'>The server could not handle your request just now. The answers confirmed "
    "so far are saved. Please try again in a few minutes.</p></main></html>"
).encode()


def describe(exc: BaseException) -> str:
    """What may be logged about a failure: its type and, for a database error, the
    driver's own first line (SQLAlchemy's message would add the statement)."""
    orig = getattr(exc, "orig", None)
    if orig is not None:
        first = str(orig).splitlines()[0] if str(orig) else ""
        return f"{type(exc).__name__} ({type(orig).__name__}: {first[:200]})"
    return type(exc).__name__


def _shape(scope: Scope) -> str:
    """The request's path without secrets: an invitation token (``/t/TOKEN``) or any long
    segment is masked, the query string dropped."""
    parts = str(scope.get("path", "")).split("/")
    return "/".join(
        "…" if (i == 2 and parts[1] == "t") or len(p) > 24 else p for i, p in enumerate(parts)
    )


class BodyTooLarge(Exception):
    pass


class GuardMiddleware:
    def __init__(self, app: ASGIApp, max_body: int = MAX_BODY) -> None:
        self.app = app
        self.max_body = max_body

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def send_with_headers(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
                headers = list(message.get("headers", []))
                names = {name for name, _ in headers}
                headers += [h for h in HEADERS if h[0] not in names]
                if scope.get("scheme") == "https" and HSTS[0] not in names:
                    headers.append(HSTS)
                if b"cache-control" not in names:
                    headers.append(NO_STORE)
                message = {**message, "headers": headers}
            await send(message)

        declared = dict(scope.get("headers", [])).get(b"content-length")
        if declared is not None and (not declared.isdigit() or int(declared) > self.max_body):
            await self._too_large(send_with_headers)
            return
        seen = 0

        async def limited_receive() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.max_body:
                    raise BodyTooLarge
            return message

        try:
            await self.app(scope, limited_receive, send_with_headers)
        except BodyTooLarge:
            if not started:
                await self._too_large(send_with_headers)
        except Exception as exc:
            log.error("%s %s failed: %s", scope.get("method"), _shape(scope), describe(exc))
            if not started:
                await self._page(send_with_headers, 500, SERVER_ERROR)

    @classmethod
    async def _too_large(cls, send: Send) -> None:
        await cls._page(send, 413, TOO_LARGE)

    @staticmethod
    async def _page(send: Send, status: int, body: bytes) -> None:
        await send(
            {
                "type": "http.response.start",
                "status": status,
                "headers": [
                    (b"content-type", b"text/html; charset=utf-8"),
                    (b"content-length", str(len(body)).encode()),
                    (b"connection", b"close"),
                ],
            }
        )
        await send({"type": "http.response.body", "body": body})
