"""What keeps a service on an officer's laptop safe from the other pages open in their browser:
only loopback Host names (against DNS rebinding), a CSRF token on every POST, a strict
Content-Security-Policy, no caching of pupil pages, and a cap on what one request may send."""

from __future__ import annotations

from asgi_csrf import asgi_csrf
from starlette.middleware.trustedhost import TrustedHostMiddleware

LOCAL_HOSTS = ["localhost", "127.0.0.1"]

CONTENT_SECURITY_POLICY = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
)

HEADERS = [
    (b"content-security-policy", CONTENT_SECURITY_POLICY.encode()),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
    (b"x-frame-options", b"DENY"),
    (b"cross-origin-opener-policy", b"same-origin"),
    (b"cross-origin-resource-policy", b"same-origin"),
]


class SecurityHeaders:
    """Every response gets the headers above; every response but the static files gets
    ``Cache-Control: no-store``, since nearly every page shows pupils."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        static = scope["path"].startswith("/static/")

        async def with_headers(message):
            if message["type"] == "http.response.start":
                headers = [(k, v) for k, v in message.get("headers", []) if k.lower() != b"cache-control"]
                headers += HEADERS
                headers.append((b"cache-control", b"public, max-age=3600" if static else b"no-store"))
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, with_headers)


class BodyLimit:
    """Refuses a request body over ``limit`` bytes, by its Content-Length before reading it, and
    stops reading one that sends more than it declared."""

    def __init__(self, app, limit: int, refuse):
        self.app, self.limit, self.refuse = app, limit, refuse

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http" or scope["method"] in ("GET", "HEAD", "OPTIONS"):
            return await self.app(scope, receive, send)
        headers = dict(scope.get("headers", []))
        declared = headers.get(b"content-length")
        size = int(declared) if declared and declared.isdigit() else None
        if size is None and headers.get(b"transfer-encoding"):
            return await self.refuse(scope, receive, send, status=411, size=None)
        if size is not None and size > self.limit:
            return await self.refuse(scope, receive, send, status=413, size=size)
        received = 0

        async def counted():
            nonlocal received
            message = await receive()
            received += len(message.get("body", b""))
            if received > self.limit or (size is not None and received > size):
                return {"type": "http.disconnect"}
            return message

        await self.app(scope, counted, send)


class _EveryPath:
    """asgi-csrf checks requests that carry no cookie only on the paths it is told to always
    protect. A cross-site form sends no cookie (SameSite), and a local service has no session to
    steal, so here every path is protected."""

    def __contains__(self, path: str) -> bool:
        return True


def protect(app, *, limit: int, refuse, csrf_failed, secret: str):
    """Wrap ``app`` in every layer above, outermost first: Host check, headers, size cap, CSRF."""
    app = asgi_csrf(app, signing_secret=secret, always_protect=_EveryPath(), send_csrf_failed=csrf_failed,
                    cookie_samesite="Strict")
    app = BodyLimit(app, limit, refuse)
    app = SecurityHeaders(app)
    return TrustedHostMiddleware(app, allowed_hosts=LOCAL_HOSTS)
