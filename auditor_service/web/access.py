"""Who may see and do what: the one check every view calls before it reads or changes anything.

In local mode (``register-audit serve`` on loopback) the one user of the laptop may do
everything. Accounts and roles come with the service for a whole authority; they are decided
here, so no view decides for itself."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import unquote

from starlette.exceptions import HTTPException
from starlette.requests import Request


@dataclass(frozen=True)
class Actor:
    name: str
    role: str  # local | officer | school | admin


def actor(request: Request) -> Actor:
    # The name the officer last recorded a decision under (quoted: a cookie holds no spaces or accents).
    return Actor(name=unquote(request.cookies.get("recorded_by", ""))[:200], role="local")


def permit(request: Request, action: str, urn: str | None = None) -> Actor:
    """The actor, if they may do ``action`` (on the school ``urn``); otherwise 404, so that a
    refusal says no more than that there is no such page."""
    who = actor(request)
    if who.role != "local":
        raise HTTPException(404)
    return who
