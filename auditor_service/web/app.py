"""The web application: routes from each page module, wrapped in the security layers, with
every error shown as a page (never a traceback)."""

from __future__ import annotations

import secrets
from pathlib import Path
from urllib.parse import urlencode

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from auditor.errors import write_crash_report
from auditor.report import stylesheet
from auditor_service.settings import Settings
from auditor_service.store import Store
from auditor_service.web import pages
from auditor_service.web.access import SignedOut
from auditor_service.web.csrf import Tokens
from auditor_service.web.render import page, templates
from auditor_service.web.security import protect

STATIC = Path(__file__).parent / "static"

REASONS = {
    400: "The request could not be understood.",
    403: "This form has expired or did not come from this service. Go back, reload the page and send it again.",
    404: "There is no such page here.",
    405: "That cannot be done to this page.",
    411: "The upload did not say how large it is. Send it again from the form on the page.",
    413: "That is more than this service takes in one upload.",
}


def create_app(settings: Settings, store: Store) -> Starlette:
    app = Starlette(
        routes=[
            *pages.routes(),
            Route("/static/report.css", _report_css),
            Mount("/static", StaticFiles(directory=STATIC), name="static"),
        ],
        exception_handlers={SignedOut: _signed_out, HTTPException: _http_error, Exception: _internal_error},
    )
    app.state.settings, app.state.store = settings, store
    app.state.templates = templates()
    app.state.csrf = Tokens(_secret(settings))
    return protect(app, settings=settings, refuse=_refuse_body(settings))


async def _report_css(request: Request) -> Response:
    """The report's own styles, as the library's report.html inlines them."""
    return Response(str(stylesheet()), media_type="text/css")


async def _signed_out(request: Request, exc: SignedOut) -> Response:
    """A page asked for without a session goes to the sign-in page, and comes back after it."""
    if request.method in ("GET", "HEAD"):
        wanted = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        return RedirectResponse(f"/sign-in?{urlencode({'next': wanted})}", status_code=303)
    return page(request, "error.html", {"status": 401, "message": exc.detail}, status=401)


async def _http_error(request: Request, exc: HTTPException) -> HTMLResponse:
    message = exc.detail if exc.detail and exc.detail != _default_phrase(exc.status_code) else REASONS.get(exc.status_code)
    return page(request, "error.html", {"status": exc.status_code, "message": message}, status=exc.status_code)


async def _internal_error(request: Request, exc: Exception) -> HTMLResponse:
    try:
        where = f"A crash report is in {write_crash_report(f'serve: {request.method} {request.url.path}', exc)}."
    except OSError:
        where = "No crash report could be written."
    message = f"Something went wrong in the tool ({type(exc).__name__}), not in your files. {where}"
    return page(request, "error.html", {"status": 500, "message": message}, status=500)


def _default_phrase(status: int) -> str:
    from http import HTTPStatus

    return HTTPStatus(status).phrase


def _refuse_body(settings: Settings):
    async def refuse(scope, receive, send, status: int, size: int | None):
        message = REASONS[status]
        if size is not None:
            message += (f" It is {size / 1048576:.0f} MB; the limit is {settings.max_upload_mb} MB. Send fewer files at a"
                        " time, or start the service with a larger --max-upload-mb.")
        html = templates().get_template("error.html").render(status=status, message=message, request=None, csrf="")
        await _drain(receive, limit=4 * settings.max_upload_bytes)
        await _send_html(send, status, html)

    return refuse


async def _drain(receive, limit: int) -> None:
    """Read what the browser is still sending, so that it sees the page rather than a reset."""
    read = 0
    while read <= limit:
        message = await receive()
        read += len(message.get("body", b""))
        if message["type"] != "http.request" or not message.get("more_body"):
            return


async def _send_html(send, status: int, html: str) -> None:
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"text/html; charset=utf-8")]})
    await send({"type": "http.response.body", "body": html.encode("utf-8")})


def _secret(settings: Settings) -> str:
    """The key that signs CSRF tokens, made once per data folder and readable by its owner only."""
    path = settings.data / "secret.key"
    if not path.exists():
        settings.data.mkdir(parents=True, exist_ok=True)
        path.touch(mode=0o600)
        path.write_text(secrets.token_urlsafe(32), encoding="ascii")
    return path.read_text(encoding="ascii").strip()
