"""Single sign-on by a header: ``serve --trusted-proxy ADDRESS --trusted-user-header NAME``. The
header, and the proxy's X-Forwarded-* headers, are believed from that address only; a name that
is no enabled account is refused and logged; behind TLS the cookies are marked Secure."""

from __future__ import annotations

import http.client
import re
from urllib.parse import urlencode

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from auditor_service import accounts
from auditor_service.store import open_store
from auditor_service.store.models import AuditEvent
from tests.service.conftest import PASSWORD
from tests.service.live import LiveServer

TRUSTING_LOOPBACK = ("--trusted-proxy", "127.0.0.1", "--trusted-user-header", "X-Remote-User")
TRUSTING_ANOTHER = ("--trusted-proxy", "10.9.9.9", "--trusted-user-header", "X-Remote-User")


@pytest.fixture
def proxied(request, tmp_path, database_url):
    """``serve`` with the options of the test's parameter, over a database with accounts (a
    server behind a proxy starts only with an admin): ada (admin), olive (an officer, with a
    password too) and dora (disabled)."""
    store = open_store(database_url)
    try:
        with store.session() as session:
            accounts.add(session, "ada", "admin")
            accounts.add(session, "olive", "officer", password=PASSWORD)
            accounts.set_disabled(accounts.add(session, "dora", "officer"), True)
    finally:
        store.dispose()
    server = LiveServer(tmp_path / "data", database_url, *request.param).start()
    yield server
    server.stop()


def sign_ins(server) -> list[tuple[str, str, str, str]]:
    store = open_store(server.database)
    try:
        with store.session() as session:
            return [(e.actor, e.outcome, e.address, e.detail) for e in session.scalars(
                select(AuditEvent).where(AuditEvent.action == "sign-in").order_by(AuditEvent.id))]
    finally:
        store.dispose()


def ask(server, path: str, headers: dict | None = None, method: str = "GET", form: dict | None = None):
    """One request from this machine (loopback): (status, headers, text)."""
    connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
    sent = {"Host": f"127.0.0.1:{server.port}", **(headers or {})}
    body = None
    if form is not None:
        body = urlencode(form)
        sent["Content-Type"] = "application/x-www-form-urlencoded"
    try:
        connection.request(method, path, body=body, headers=sent)
        response = connection.getresponse()
        return response.status, response.headers, response.read().decode("utf-8", "replace")
    finally:
        connection.close()


def sign_in_with_password(server, headers: dict) -> list[str]:
    """The sign-in page, then its form sent with olive's password: every Set-Cookie of both."""
    status, given, page = ask(server, "/sign-in", headers)
    assert status == 200
    cookies = given.get_all("set-cookie")
    token = re.search(r'name="csrftoken" value="([^"]+)"', page).group(1)
    status, signed, _ = ask(server, "/sign-in", {**headers, "Cookie": f"csrftoken={token}"}, method="POST",
                            form={"csrftoken": token, "name": "olive", "password": PASSWORD})
    assert status == 303
    return cookies + signed.get_all("set-cookie")


@pytest.mark.parametrize("proxied", [TRUSTING_LOOPBACK], indirect=True)
def test_the_trusted_proxy_signs_users_in_by_the_header(proxied):
    status, _, page = ask(proxied, "/schools", {"X-Remote-User": "olive"})
    assert status == 200 and "olive (officer)" in page
    status, headers, _ = ask(proxied, "/schools")  # no header: no one is signed in
    assert status == 303 and headers["location"].startswith("/sign-in")
    ask(proxied, "/authority", {"X-Remote-User": "olive"})
    # One sign-in recorded for the spell of use, not one per request.
    assert sign_ins(proxied) == [("olive", "ok", "127.0.0.1", "by the proxy's header")]


@pytest.mark.parametrize("proxied", [TRUSTING_LOOPBACK], indirect=True)
def test_a_name_the_proxy_sends_that_is_no_enabled_account_is_refused_and_logged(proxied):
    for name in ("mallory", "dora"):
        status, headers, _ = ask(proxied, "/schools", {"X-Remote-User": name, "X-Forwarded-For": "203.0.113.7"})
        assert status == 303 and headers["location"].startswith("/sign-in"), name
    assert sign_ins(proxied) == [(name, "refused", "203.0.113.7", "the proxy named no enabled account")
                                     for name in ("mallory", "dora")]


@pytest.mark.parametrize("proxied", [TRUSTING_LOOPBACK], indirect=True)
def test_behind_the_proxys_tls_every_cookie_is_secure(proxied):
    cookies = sign_in_with_password(proxied, {"X-Forwarded-Proto": "https"})
    assert {cookie.split("=", 1)[0] for cookie in cookies} == {"csrftoken", "session"}
    assert all("; secure" in cookie.lower() for cookie in cookies), cookies
    plain = sign_in_with_password(proxied, {})
    assert not any("secure" in cookie.lower() for cookie in plain), plain


@pytest.mark.parametrize("proxied", [TRUSTING_ANOTHER], indirect=True)
def test_the_header_and_the_forwarded_headers_are_not_believed_from_another_machine(proxied):
    """The server trusts a proxy at 10.9.9.9; these requests come from loopback, as a user going
    round the proxy would send them."""
    status, headers, _ = ask(proxied, "/schools", {"X-Remote-User": "olive"})
    assert status == 303 and headers["location"].startswith("/sign-in")
    cookies = sign_in_with_password(proxied, {"X-Forwarded-Proto": "https", "X-Forwarded-For": "203.0.113.7"})
    assert not any("secure" in cookie.lower() for cookie in cookies), cookies
    assert sign_ins(proxied) == [("olive", "ok", "127.0.0.1", "")]  # the password sign-in, from its real address


@pytest.mark.parametrize("options, named", [
    (["--trusted-user-header", "X-Remote-User"], "trusted_user_header is honoured only from a trusted_proxy"),
    (["--trusted-proxy", "proxy.example", "--trusted-user-header", "X-Remote-User"], "--trusted-proxy"),
    (["--trusted-proxy", "127.0.0.1", "--trusted-user-header", "X Remote: User"], "--trusted-user-header"),
])
def test_serve_refuses_a_user_header_it_could_not_trust(tmp_path, monkeypatch, options, named):
    from auditor_service import server
    from auditor_service.cli import app

    monkeypatch.setattr(server, "run", lambda *_, **__: pytest.fail("serve started"))
    result = CliRunner().invoke(app, ["serve", "--no-browser", "--data", str(tmp_path), *options])
    assert result.exit_code == 2, result.output
    assert named in " ".join(result.output.split())
