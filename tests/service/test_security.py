"""Local mode is safe against the other pages open in an officer's browser: each refusal shown."""

from __future__ import annotations

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


def test_a_post_without_the_csrf_token_is_refused_with_a_page(client):
    """As a form on another site would send it: no cookie, no token."""
    response = client.post("/", data={"anything": "1"})
    assert response.status_code == 403
    assert "did not come from this service" in response.text
    client.cookies.clear()
    token = csrf_token(client)
    assert client.post("/", data={"csrftoken": "wrong" + token}).status_code == 403


def test_a_post_with_the_token_gets_through_the_check(client):
    token = csrf_token(client)
    assert client.post("/", data={"csrftoken": token}).status_code == 405  # past the check, to the route


def test_an_unknown_page_is_a_page_not_a_bare_error(client):
    response = client.get("/no/such/page")
    assert response.status_code == 404
    assert "Page not found" in response.text and "<html" in response.text


def test_an_upload_over_the_limit_is_refused_before_it_is_read(client, settings):
    token = csrf_token(client)
    body = b"x" * (settings.max_upload_bytes + 1)
    response = client.post("/", content=body, headers={"content-type": "application/octet-stream",
                                                        "x-csrftoken": token})
    assert response.status_code == 413
    assert f"the limit is {settings.max_upload_mb} MB" in response.text
