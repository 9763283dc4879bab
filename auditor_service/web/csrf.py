"""CSRF: every POST carries a token that a page of this service gave it, checked in one place.

A signed token is set in an HttpOnly, SameSite=Strict cookie and written into each form; a POST
is refused (403) unless its form field (or ``X-CSRFToken`` header) equals its cookie and the
cookie's signature holds. Another site's page can neither read the cookie nor send it.

asgi-csrf did this until python-multipart 0.0.25 removed the parser argument it passes; the
versions it still works with carry published denial-of-service flaws, so the check sits here, on
Starlette's own form parsing, and every POST route is wrapped by ``protected`` when the routes
are collected (``pages.routes``). The form parsed there is the one the view reads (Starlette
keeps it); a field holding NUL, which PostgreSQL cannot store as text, is refused there too."""

from __future__ import annotations

import secrets
from collections.abc import Awaitable, Callable
from inspect import iscoroutinefunction

from itsdangerous import BadSignature, URLSafeSerializer
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response

from auditor_service.uploads import FORM_LIMITS

COOKIE = FIELD = "csrftoken"
HEADER = "x-csrftoken"
NUL_REFUSED = "A field of the form holds a NUL character, which is not text. Type the value again, or paste it as plain text."


class Tokens:
    def __init__(self, secret: str):
        self._signer = URLSafeSerializer(secret, salt="csrftoken")

    def new(self) -> str:
        return self._signer.dumps(secrets.token_hex(16))

    def valid(self, token: str | None) -> bool:
        if not token:
            return False
        try:
            self._signer.loads(token)
        except BadSignature:
            return False
        return True


def token_for(request: Request) -> str:
    """The token for this page's forms: the browser's own while its signature holds, else a new
    one, which ``set_cookie`` then gives the browser."""
    if "csrf.token" not in request.scope:
        held = request.cookies.get(COOKIE)
        fresh = not request.app.state.csrf.valid(held)
        request.scope["csrf.token"] = request.app.state.csrf.new() if fresh else held
        request.scope["csrf.fresh"] = fresh
    return request.scope["csrf.token"]


def set_cookie(request: Request, response: Response) -> None:
    if request.scope.get("csrf.fresh"):
        response.set_cookie(COOKIE, request.scope["csrf.token"], httponly=True, samesite="strict",
                            secure=request.url.scheme == "https", path="/")


def protected(endpoint: Callable[[Request], Response | Awaitable[Response]]):
    """``endpoint``, run only for a request whose token matches its cookie."""

    async def checked(request: Request) -> Response:
        held = request.cookies.get(COOKIE)
        if not request.app.state.csrf.valid(held):  # refused before a byte of the body is parsed
            raise HTTPException(403)
        form = await request.form(**FORM_LIMITS)
        sent = request.headers.get(HEADER, form.get(FIELD))
        if not isinstance(sent, str) or not secrets.compare_digest(sent, held):
            raise HTTPException(403)
        if any(isinstance(value, str) and "\x00" in value for _, value in form.multi_items()):
            raise HTTPException(400, NUL_REFUSED)  # no database holds it in text: refused before any is asked
        if iscoroutinefunction(endpoint):
            return await endpoint(request)
        return await run_in_threadpool(endpoint, request)

    checked.csrf_protected = True
    return checked
