"""What keeps a service on an officer's laptop safe from the other pages open in their browser:
only loopback Host names (against DNS rebinding), a strict Content-Security-Policy, no caching
of pupil pages, and a cap on what one request may send; and a CSRF token on every POST
(``web/csrf.py``)."""

from __future__ import annotations

from starlette.middleware.trustedhost import TrustedHostMiddleware
from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

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


class RefuseNul:
    """Refuses (400) a path or query holding NUL: no database stores it in text and no file name
    holds it, so no page could answer it but with an error of its own. (A form's fields: the
    CSRF check, ``web/csrf.py``.)"""

    def __init__(self, app, refuse):
        self.app, self.refuse = app, refuse

    async def __call__(self, scope, receive, send):
        if scope["type"] == "http" and ("\x00" in scope["path"] or b"%00" in scope["query_string"]):
            return await self.refuse(scope, receive, send, status=400, size=None)
        await self.app(scope, receive, send)


class RememberPeer:
    """Keeps the address of the machine that sent the request (``scope["peer"]``) before the
    proxy's headers replace the client's: only that machine's user header is believed."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] == "http":
            scope["peer"] = scope.get("client")
        await self.app(scope, receive, send)


def protect(app, *, settings, refuse):
    """Wrap ``app`` in every layer above, outermost first: the proxy's headers (from the trusted
    proxy only), Host check, headers, no NUL, size cap. (The CSRF check wraps each POST route:
    ``web/csrf.py``.)"""
    app = BodyLimit(app, settings.max_upload_bytes, refuse)
    app = RefuseNul(app, refuse)
    app = SecurityHeaders(app)
    app = TrustedHostMiddleware(app, allowed_hosts=LOCAL_HOSTS + settings.public_hosts)
    if settings.trusted_proxy:
        # The scheme (https: cookies marked Secure) and the user's address, as the proxy says.
        app = ProxyHeadersMiddleware(app, trusted_hosts=[settings.trusted_proxy])
    return RememberPeer(app)
