"""The session cookie: a random token (its SHA-256 is what the database keeps), HttpOnly so no
script reads it, SameSite=Lax so another site cannot send it with a form, Secure behind TLS."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

SESSION_COOKIE = "session"


def give(request: Request, response: Response, token: str) -> None:
    response.set_cookie(SESSION_COOKIE, token, httponly=True, samesite="lax", path="/",
                        secure=request.url.scheme == "https")


def take_back(request: Request, response: Response) -> None:
    response.delete_cookie(SESSION_COOKIE, httponly=True, samesite="lax", path="/",
                           secure=request.url.scheme == "https")
