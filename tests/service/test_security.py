"""Local mode is safe against the other pages open in an officer's browser: each refusal shown."""

from __future__ import annotations

import re

from tests.service.conftest import csrf_token


def test_a_request_for_another_host_name_is_refused(client):
    """DNS rebinding: a page of evil.example that resolves to 127.0.0.1 sends its own Host."""
    assert client.get("/", headers={"host": "evil.example:8765"}).status_code == 400
    assert client.get("/", headers={"host": "127.0.0.1:8765"}).status_code == 200
    assert client.get("/", headers={"host": "localhost:8765"}).status_code == 200


def test_every_page_has_a_strict_content_security_policy_and_is_not_stored(client):
    response = client.get("/")
    policy = response.headers["content-security-policy"]
    assert "default-src 'none'" in policy and "script-src 'self'" in policy and "style-src 'self'" in policy
    assert "unsafe-inline" not in policy and "frame-ancestors 'none'" in policy
    assert response.headers["cache-control"] == "no-store"
    assert response.headers["x-content-type-options"] == "nosniff"


def _post_routes() -> list[str]:
    """Every route that takes a POST, with made-up values for its parameters."""
    from auditor_service.web.pages import routes

    values = {"int": "1", "str": "0" * 32}
    paths = []
    for route in routes():
        if "POST" in route.methods:
            path = route.path
            for name, convertor in route.param_convertors.items():
                kind = "int" if type(convertor).__name__ == "IntegerConvertor" else "str"
                path = re.sub(r"\{" + name + r"(:[a-z]+)?\}", values[kind], path)
            paths.append(path)
    return paths


def test_every_post_route_refuses_a_request_without_the_csrf_token(client):
    """As a form on another site would send it: no cookie, no token; then a cookie and a wrong token."""
    paths = _post_routes()
    assert len(paths) >= 4  # the upload, the mapping, the inspect form, the decisions
    for path in paths:
        client.cookies.clear()
        response = client.post(path, data={"anything": "1"})
        assert response.status_code == 403, path
        assert "did not come from this service" in response.text
        token = csrf_token(client)
        assert client.post(path, data={"csrftoken": "x" + token}).status_code == 403, path
        assert client.post(path, data={"csrftoken": token}, headers={"x-csrftoken": "forged"}).status_code == 403


def test_a_tampered_token_cookie_is_refused_even_when_the_form_matches_it(client):
    forged = "a" * 20 + ".forged"
    client.cookies.set("csrftoken", forged)
    assert client.post("/uploads", data={"csrftoken": forged}).status_code == 403


def test_a_post_with_the_token_gets_past_the_check(client):
    token = csrf_token(client)
    response = client.post("/uploads", data={"csrftoken": token})  # no files: the page's own message
    assert response.status_code != 403


def test_the_token_cookie_is_httponly_and_strict(client):
    client.cookies.clear()
    cookie = client.get("/inspections/new").headers["set-cookie"].lower()
    assert "csrftoken=" in cookie and "httponly" in cookie and "samesite=strict" in cookie


def test_an_unknown_page_is_a_page_not_a_bare_error(client):
    response = client.get("/no/such/page")
    assert response.status_code == 404
    assert "Page not found" in response.text and "<html" in response.text


def test_an_upload_over_the_limit_is_refused_before_it_is_read(client, settings):
    token = csrf_token(client)
    body = b"x" * (settings.max_upload_bytes + 1)
    response = client.post("/uploads", content=body, headers={"content-type": "application/octet-stream",
                                                               "x-csrftoken": token})
    assert response.status_code == 413
    assert f"the limit is {settings.max_upload_mb} MB" in response.text
