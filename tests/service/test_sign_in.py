"""Signing in: passwords checked by argon2, failures slowed down then locked out, sessions that
end, and a cookie that is not the service's own means signed out."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from auditor_service import accounts
from auditor_service.store.models import AuditEvent, SignedIn, User
from tests.service.conftest import PASSWORD, sign_in


def _events(store, action="sign-in"):
    with store.session() as session:
        return [(e.actor, e.outcome, e.detail) for e in session.scalars(
            select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id))]


def test_with_accounts_every_page_needs_a_sign_in_and_comes_back_after_it(client, users):
    response = client.get("/schools/990001?x=1", follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"] == "/sign-in?next=%2Fschools%2F990001%3Fx%3D1"
    page = client.get(response.headers["location"])
    assert page.status_code == 200 and 'name="next" value="/schools/990001?x=1"' in page.text
    signed = client.post("/sign-in", data={"csrftoken": client.cookies["csrftoken"], "name": "olive",
                                           "password": PASSWORD, "next": "/schools/990001?x=1"}, follow_redirects=False)
    assert signed.status_code == 303 and signed.headers["location"] == "/schools/990001?x=1"
    cookie = signed.headers["set-cookie"]
    assert "session=" in cookie and "HttpOnly" in cookie and "SameSite=lax" in cookie


def test_the_password_is_stored_as_an_argon2_hash_and_the_session_token_as_its_digest(client, store, users):
    sign_in(client, "olive")
    with store.session() as session:
        user = session.scalar(select(User).where(User.name == "olive"))
        held = session.scalars(select(SignedIn)).one()
    assert user.password_hash.startswith("$argon2id$") and PASSWORD not in user.password_hash
    assert client.cookies["session"] not in held.token_hash and len(held.token_hash) == 64


def test_a_wrong_password_says_the_same_as_an_unknown_name_and_both_are_logged(client, store, users):
    wrong = sign_in(client, "olive", "not the password")
    unknown = sign_in(client, "nobody", "not the password")
    assert wrong.status_code == unknown.status_code == 400
    assert "The name or password is not right." in wrong.text and "The name or password is not right." in unknown.text
    assert _events(store) == [("olive", "failed", "wrong password"), ("nobody", "failed", "no such account")]


def test_failed_sign_ins_are_slowed_down_then_lock_the_account(store, users):
    start = dt.datetime(2026, 12, 1, 9, 0)
    with store.session() as session:
        for _ in range(accounts.THROTTLE_AFTER):
            assert accounts.sign_in(session, "olive", "wrong", at=start).reason == "wrong password"
        # The next try within the wait is refused without the password being checked, even the right one.
        refused = accounts.sign_in(session, "olive", PASSWORD, at=start + dt.timedelta(seconds=1))
        assert refused.user is None and refused.reason == "throttled" and "wait 1 seconds" in refused.problem
        at = start
        for _ in range(accounts.LOCK_AFTER - accounts.THROTTLE_AFTER):
            at += dt.timedelta(seconds=accounts.LONGEST_WAIT)
            result = accounts.sign_in(session, "olive", "wrong", at=at)
        assert result.reason == "wrong password; locked" and "locked for 15 minutes" in result.problem
        locked = accounts.sign_in(session, "olive", PASSWORD, at=at + dt.timedelta(minutes=14))
        assert locked.user is None and locked.reason == "locked"
        after = accounts.sign_in(session, "olive", PASSWORD, at=at + dt.timedelta(minutes=16))
        assert after.user is not None and after.user.failed_sign_ins == 0


def test_a_reset_lifts_the_lock_and_ends_every_session(client, store, users):
    sign_in(client, "olive")
    assert client.get("/schools", follow_redirects=False).status_code == 200
    with store.session() as session:
        user = accounts.find(session, "olive")
        user.locked_until = accounts.now() + dt.timedelta(hours=1)
        accounts.reset(user, "a brand new pass phrase")
    assert client.get("/schools", follow_redirects=False).status_code == 303  # signed out
    assert sign_in(client, "olive", "a brand new pass phrase").status_code == 303


@pytest.mark.parametrize("cookie", ["tampered", "x" * 43, ""])
def test_a_session_cookie_the_service_did_not_give_means_signed_out(client, users, cookie):
    sign_in(client, "olive")
    given = cookie if cookie != "tampered" else client.cookies["session"][:-2] + "AA"
    client.cookies.delete("session")
    client.cookies.set("session", given)
    response = client.get("/schools", follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"].startswith("/sign-in")


def test_a_session_ends_after_idling_and_after_its_longest(client, store, users, settings):
    sign_in(client, "olive")
    assert client.get("/schools", follow_redirects=False).status_code == 200
    with store.session() as session:
        held = session.scalars(select(SignedIn)).one()
        held.last_seen_at -= dt.timedelta(minutes=settings.session_idle_minutes + 1)
    assert client.get("/schools", follow_redirects=False).status_code == 303
    sign_in(client, "olive")
    with store.session() as session:
        held = session.scalars(select(SignedIn).where(SignedIn.ended_at.is_(None))).all()[-1]
        held.expires_at = accounts.now() - dt.timedelta(seconds=1)
    assert client.get("/schools", follow_redirects=False).status_code == 303


def test_signing_out_ends_the_session_on_the_server_too(client, store, users):
    sign_in(client, "olive")
    token = client.cookies["session"]
    client.post("/sign-out", data={"csrftoken": client.cookies["csrftoken"]}, follow_redirects=False)
    client.cookies.delete("session")
    client.cookies.set("session", token)  # a copy of the cookie kept from before
    assert client.get("/schools", follow_redirects=False).status_code == 303


def test_a_disabled_account_cannot_sign_in_and_is_signed_out(client, store, users):
    sign_in(client, "olive")
    with store.session() as session:
        accounts.set_disabled(accounts.find(session, "olive"), True)
    assert client.get("/schools", follow_redirects=False).status_code == 303
    assert "This account is disabled" in sign_in(client, "olive").text
