"""``register-audit users add|list|disable|enable|reset``: what each does to the accounts, what it
says, its exit status, and that each change is in the audit log."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from auditor_service import accounts
from auditor_service.store.models import AuditEvent, SignedIn
from tests.service.conftest import PASSWORD

NEW_PASSWORD = "another long pass phrase"


@pytest.fixture
def users_cli(tmp_path, database_url):
    """``register-audit users ...`` on the test's database: (exit code, output on one line)."""
    from auditor_service.cli import app

    def run(*arguments: str, given: str | None = None) -> tuple[int, str]:
        result = CliRunner().invoke(app, ["users", *arguments, "--data", str(tmp_path / "data"),
                                          "--database", database_url], input=given)
        return result.exit_code, " ".join(result.output.split())

    return run


def recorded(store) -> list[tuple[str, str, str, str]]:
    with store.session() as session:
        return [(e.actor, e.role, e.action, e.detail) for e in session.scalars(
            select(AuditEvent).where(AuditEvent.action.like("account-%")).order_by(AuditEvent.id))]


def find(store, name: str):
    with store.session() as session:
        return accounts.find(session, name)


def test_add_with_password_stdin_makes_an_account_that_signs_in(users_cli, store):
    assert users_cli("add", "olive", "--role", "officer", "--la", "Northshire", "--password-stdin",
                     given=PASSWORD + "\n") == (0, "added officer account olive")
    assert users_cli("add", "sam", "--role", "school", "--urn", "990001", "--password-stdin",
                     given=PASSWORD + "\r\n") == (0, "added school account sam for URN 990001")
    with store.session() as session:
        olive = accounts.sign_in(session, "olive", PASSWORD).user
        assert (olive.role, olive.la, olive.urn) == ("officer", "Northshire", None)
        assert accounts.sign_in(session, "sam", PASSWORD).user.urn == "990001"  # the line's end is not the password's
    assert recorded(store) == [("(command line)", "admin", "account-added", "olive (officer)"),
                               ("(command line)", "admin", "account-added", "sam (school, URN 990001)")]


def test_add_asks_for_the_password_twice(users_cli, store):
    code, output = users_cli("add", "ada", "--role", "admin", given=f"{PASSWORD}\n{PASSWORD}\n")
    assert code == 0 and "Password for ada" in output and output.endswith("added admin account ada")
    assert PASSWORD not in output  # not echoed
    with store.session() as session:
        assert accounts.sign_in(session, "ada", PASSWORD).user is not None


def test_add_with_no_password_makes_a_single_sign_on_account(users_cli, store):
    assert users_cli("add", "amy@example.org", "--role", "officer", "--no-password") == (
        0, "added officer account amy@example.org")
    assert find(store, "amy@example.org").password_hash is None
    assert "enabled, single sign-on only" in users_cli("list")[1]


@pytest.mark.parametrize("arguments, given, problem", [
    (["olive", "--role", "officer", "--password-stdin"], "short\n",
     "users add: A password is at least 12 characters: three random words make a good one"),
    (["sam", "--role", "school", "--password-stdin"], PASSWORD + "\n",
     "users add: A school account needs its school's URN: 6 digits, like 100001"),
    (["sam", "--role", "school", "--urn", "99001", "--no-password"], None,
     "users add: A school account needs its school's URN: 6 digits, like 100001"),
    (["olive", "--role", "officer", "--urn", "990001", "--no-password"], None,
     "users add: Only a school account has a URN"),
    (["olive", "--role", "root", "--no-password"], None, "users add: A role is one of admin, officer, school"),
    ([".olive", "--role", "officer", "--no-password"], None,
     "users add: A name is 1 to 100 letters, digits or . _ @ + - and starts with a letter or digit"),
    (["o'; DROP TABLE users;--", "--role", "officer", "--no-password"], None,
     "users add: A name is 1 to 100 letters, digits or . _ @ + - and starts with a letter or digit"),
])
def test_add_refuses_an_account_it_cannot_make_with_exit_2_saying_why(users_cli, store, arguments, given, problem):
    code, output = users_cli("add", *arguments, given=given)
    assert code == 2 and problem in output, output
    assert users_cli("list")[1] == "name role URN authority state"  # no account was made
    assert recorded(store) == []


def test_a_school_without_a_urn_is_refused_before_the_password_is_asked_for(users_cli):
    code, output = users_cli("add", "sam", "--role", "school", given="")
    assert code == 2 and "Password" not in output


def test_add_refuses_a_name_already_taken(users_cli, store):
    assert users_cli("add", "olive", "--role", "officer", "--no-password")[0] == 0
    code, output = users_cli("add", "olive", "--role", "school", "--urn", "990001", "--password-stdin",
                             given=PASSWORD + "\n")
    assert code == 2 and "users add: There is already an account named olive" in output
    assert find(store, "olive").role == "officer" and len(recorded(store)) == 1


def test_list_shows_each_account_with_its_role_school_authority_and_state(users_cli, store):
    with store.session() as session:
        accounts.add(session, "olive", "officer", la="Northshire", password=PASSWORD)
        accounts.add(session, "sam", "school", urn="990001", password=PASSWORD).locked_until = dt.datetime(2099, 1, 2, 3, 4)
        accounts.set_disabled(accounts.add(session, "oscar", "officer", password=PASSWORD), True)
    code, output = users_cli("list")
    assert code == 0
    assert output == ("name role URN authority state olive officer Northshire enabled oscar officer disabled "
                      "sam school 990001 locked until 02/01/2099 03:04 UTC")


def test_disable_ends_the_sessions_and_enable_lets_the_account_back(users_cli, store):
    with store.session() as session:
        olive = accounts.add(session, "olive", "officer", password=PASSWORD)
        session.flush()
        accounts.start_session(session, olive, lasts=dt.timedelta(hours=1))
    assert users_cli("disable", "olive") == (0, "disabled olive: signed out everywhere")
    with store.session() as session:
        assert session.scalars(select(SignedIn)).one().ended_at is not None
        assert accounts.sign_in(session, "olive", PASSWORD).reason == "disabled"
    assert users_cli("enable", "olive") == (0, "enabled olive")
    with store.session() as session:
        assert accounts.sign_in(session, "olive", PASSWORD).user is not None
    assert [event[2:] for event in recorded(store)] == [("account-disabled", "olive"), ("account-enabled", "olive")]


def test_reset_gives_a_new_password_lifts_the_lock_and_ends_the_sessions(users_cli, store):
    with store.session() as session:
        olive = accounts.add(session, "olive", "officer", password=PASSWORD)
        olive.failed_sign_ins, olive.locked_until = accounts.LOCK_AFTER, accounts.now() + dt.timedelta(hours=1)
        session.flush()
        accounts.start_session(session, olive, lasts=dt.timedelta(hours=1))
    assert users_cli("reset", "olive", "--password-stdin", given=NEW_PASSWORD + "\n") == (
        0, "reset olive: unlocked, signed out everywhere")
    with store.session() as session:
        assert session.scalars(select(SignedIn)).one().ended_at is not None
        assert accounts.sign_in(session, "olive", PASSWORD).user is None
        assert accounts.sign_in(session, "olive", NEW_PASSWORD).user is not None
    assert users_cli("reset", "olive", "--no-password")[0] == 0
    assert find(store, "olive").password_hash is None
    assert [event[2:] for event in recorded(store)] == [("account-reset", "olive"), ("account-reset", "olive")]


def test_reset_refuses_a_short_password_and_changes_nothing(users_cli, store):
    with store.session() as session:
        accounts.add(session, "olive", "officer", password=PASSWORD)
    code, output = users_cli("reset", "olive", "--password-stdin", given="short\n")
    assert code == 2 and "users reset: A password is at least 12 characters" in output
    with store.session() as session:
        assert accounts.sign_in(session, "olive", PASSWORD).user is not None
    assert recorded(store) == []


@pytest.mark.parametrize("command", ["disable", "enable", "reset"])
def test_a_name_that_is_no_account_is_exit_2(users_cli, store, command):
    code, output = users_cli(command, "nobody", *(["--no-password"] if command == "reset" else []))
    assert code == 2 and "users nobody: there is no such account (register-audit users list shows them)" in output
    assert recorded(store) == []
