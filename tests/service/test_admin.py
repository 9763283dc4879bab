"""The administrator's pages: accounts added, disabled, enabled and reset through the page (each
change in the audit log), the audit log filtered, paged and downloaded, and the settings."""

from __future__ import annotations

import csv
import datetime as dt
import html
import io
import re

import pytest
from sqlalchemy import func, select

from auditor_service import accounts
from auditor_service.store.models import AuditEvent, User
from auditor_service.web.pages import admin
from tests.service.conftest import PASSWORD, csrf_token, sign_in

NEW_PASSWORD = "a brand new pass phrase"
ADMIN_PAGES = ["/admin/users", "/admin/users/1", "/admin/audit", "/admin/audit.csv", "/admin/settings"]
ADMIN_FORMS = ["/admin/users", "/admin/users/1/disable", "/admin/users/1/enable", "/admin/users/1/reset"]


def problems(response) -> list[tuple[str, str]]:
    """The error summary's links: (field, message)."""
    summary = re.search(r'<div class="error-summary".*?</div>', response.text, re.S)
    return [(field, html.unescape(message)) for field, message in
            re.findall(r'<li><a href="#([^"]+)">(.*?)</a></li>', summary.group(0) if summary else "")]


def events(store, action: str) -> list[AuditEvent]:
    with store.session() as session:
        return session.scalars(select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)).all()


def account(store, name: str) -> User | None:
    with store.session() as session:
        return accounts.find(session, name)


def user_id(store, name: str) -> int:
    return account(store, name).id


def add(client, **fields):
    form = {"csrftoken": csrf_token(client), "name": "", "role": "officer", "urn": "", "la": "", "password": "",
            "password_again": "", **fields}
    return client.post("/admin/users", data=form, follow_redirects=False)


def post(client, path: str, **fields):
    return client.post(path, data={"csrftoken": csrf_token(client), **fields}, follow_redirects=False)


# ---- who may --------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["olive", "sam"])
def test_only_an_admin_reaches_the_admin_pages_and_a_refusal_is_logged(client, store, users, name):
    sign_in(client, name)
    for path in ADMIN_PAGES:
        assert client.get(path, follow_redirects=False).status_code == 404, path
    for path in ADMIN_FORMS:
        assert post(client, path, name="mallory", role="admin", password=PASSWORD,
                    password_again=PASSWORD).status_code == 404, path
    refused = [(e.actor, e.outcome, e.path) for e in events(store, "admin")]
    assert refused == [(name, "refused", path) for path in ADMIN_PAGES + ADMIN_FORMS]
    assert account(store, "mallory") is None and not account(store, "ada").disabled


def test_signed_out_the_admin_pages_go_to_the_sign_in_and_their_forms_do_nothing(client, store, users):
    for path in ADMIN_PAGES:
        response = client.get(path, follow_redirects=False)
        assert response.status_code == 303 and response.headers["location"].startswith("/sign-in?next="), path
    assert post(client, "/admin/users", name="mallory", role="admin", password=PASSWORD,
                password_again=PASSWORD).status_code == 401
    assert post(client, f"/admin/users/{user_id(store, 'ada')}/disable").status_code == 401
    assert account(store, "mallory") is None and not account(store, "ada").disabled


def test_an_admin_starts_on_the_accounts_page_and_sees_no_pupil_data(client, users):
    response = sign_in(client, "ada")
    assert response.headers["location"] == "/admin/users"
    assert client.get("/schools", follow_redirects=False).status_code == 404
    assert client.get("/admin/users").status_code == 200


# ---- the accounts ---------------------------------------------------------------------------------


def test_the_accounts_page_lists_each_account_with_its_state_and_last_sign_in(client, store, users):
    with store.session() as session:
        accounts.set_disabled(accounts.find(session, "oscar"), True)
        accounts.find(session, "sid").locked_until = dt.datetime(2099, 1, 2, 3, 4)
        accounts.add(session, "sso.user@example.org", "officer", la="Northshire")
    sign_in(client, "ada")
    page = client.get("/admin/users").text
    rows = dict(re.findall(r'<a href="/admin/users/\d+">([^<]+)</a></td>(.*?)</tr>', page, re.S))
    cells = {name: [html.unescape(re.sub(r"<[^>]+>", "", c)).strip() for c in re.findall(r"<td>(.*?)</td>", row, re.S)]
             for name, row in rows.items()}
    today = accounts.now().strftime("%d/%m/%Y")
    assert cells["olive"][:4] == ["officer", "", "Northshire", "enabled"] and cells["olive"][4] == ""
    assert cells["oscar"][3] == "disabled"
    assert cells["sid"][:4] == ["school", "990002", "", "locked until 02/01/2099 03:04 UTC"]
    assert cells["sso.user@example.org"][3] == "enabled, single sign-on only"
    assert cells["ada"][4].startswith(today) and cells["ada"][4].endswith("UTC")  # signed in just now


def test_an_admin_adds_accounts_of_each_role_and_each_is_recorded(client, store, users):
    sign_in(client, "ada")
    response = add(client, name="nell", role="officer", la="Northshire", password=NEW_PASSWORD,
                   password_again=NEW_PASSWORD)
    assert response.status_code == 303 and response.headers["location"] == f"/admin/users/{user_id(store, 'nell')}?done=added"
    assert "Account added." in client.get(response.headers["location"]).text
    assert add(client, name="sue", role="school", urn=" 990003 ", la="ignored for a school", password=NEW_PASSWORD,
               password_again=NEW_PASSWORD).status_code == 303
    assert add(client, name="amy@example.org", role="admin", sso="yes").status_code == 303
    nell, sue, amy = account(store, "nell"), account(store, "sue"), account(store, "amy@example.org")
    assert (nell.role, nell.la, nell.urn) == ("officer", "Northshire", None)
    assert (sue.role, sue.urn, sue.la) == ("school", "990003", "")
    assert amy.role == "admin" and amy.password_hash is None
    assert [(e.actor, e.role, e.detail, e.path) for e in events(store, "account-added")] == [
        ("ada", "admin", "nell (officer)", "/admin/users"), ("ada", "admin", "sue (school, URN 990003)", "/admin/users"),
        ("ada", "admin", "amy@example.org (admin)", "/admin/users")]
    assert sign_in(client, "sue", NEW_PASSWORD).headers["location"] == "/schools/990003"


@pytest.mark.parametrize("fields, expected", [
    ({"name": "sue", "role": "school", "urn": ""}, [("urn", "A school account needs its school's URN: 6 digits, like 100001")]),
    ({"name": "sue", "role": "school", "urn": "99'; DROP TABLE users;--"},
     [("urn", "A school account needs its school's URN: 6 digits, like 100001")]),
    ({"name": "nell", "urn": "990001"}, [("urn", "Only a school account has a URN")]),
    ({"name": "<script>alert(1)</script>"},
     [("name", "A name is 1 to 100 letters, digits or . _ @ + - and starts with a letter or digit")]),
    ({"name": "../etc"}, [("name", "A name is 1 to 100 letters, digits or . _ @ + - and starts with a letter or digit")]),
    ({"name": "olive"}, [("name", "There is already an account named olive")]),
    ({"name": "nell", "role": "superuser"}, [("role", "A role is one of admin, officer, school")]),
    ({"name": "nell", "password": "short", "password_again": "short"},
     [("password", "A password is at least 12 characters: three random words make a good one")]),
    ({"name": "nell", "password_again": NEW_PASSWORD + "!"},
     [("password_again", "The two passwords are not the same: type the same one twice")]),
    ({"name": "", "role": "school", "password": "", "password_again": ""},
     [("name", "A name is 1 to 100 letters, digits or . _ @ + - and starts with a letter or digit"),
      ("password", "A password is at least 12 characters: three random words make a good one")]),
])
def test_an_account_that_cannot_be_added_is_refused_on_the_page_saying_why(client, store, users, fields, expected):
    sign_in(client, "ada")
    with store.session() as session:
        before = session.scalar(select(func.count()).select_from(User))
    response = add(client, **{"password": NEW_PASSWORD, "password_again": NEW_PASSWORD, **fields})
    assert response.status_code == 400
    assert problems(response) == expected
    for field, _ in expected:
        assert f'id="{field}-error"' in response.text  # the message by its field too
    assert html.escape(fields["name"], quote=True) in response.text and "<script>alert" not in response.text
    assert NEW_PASSWORD not in response.text  # a password typed is never sent back
    with store.session() as session:
        assert session.scalar(select(func.count()).select_from(User)) == before
    assert events(store, "account-added") == []


def test_with_no_accounts_the_first_one_added_must_be_an_admin(client, store):
    page = client.get("/admin/users")
    assert page.status_code == 200 and 'id="no-accounts"' in page.text  # the machine's one user, no sign-in
    refused = add(client, name="olive", role="officer", password=NEW_PASSWORD, password_again=NEW_PASSWORD)
    assert refused.status_code == 400 and problems(refused)[0][0] == "role"
    assert account(store, "olive") is None
    assert add(client, name="ada", role="admin", password=NEW_PASSWORD, password_again=NEW_PASSWORD).status_code == 303
    assert [(e.actor, e.role, e.detail) for e in events(store, "account-added")] == [("(this computer)", "local", "ada (admin)")]
    assert client.get("/admin/users", follow_redirects=False).status_code == 303  # now it needs a sign-in


def test_disabling_signs_the_account_out_and_enabling_lets_it_back(client, store, users, settings):
    from starlette.testclient import TestClient

    from auditor_service.web.app import create_app

    with TestClient(create_app(settings, store), base_url="http://localhost") as olive:
        sign_in(olive, "olive")
        assert olive.get("/schools", follow_redirects=False).status_code == 200
        sign_in(client, "ada")
        olive_id = user_id(store, "olive")
        response = post(client, f"/admin/users/{olive_id}/disable")
        assert response.headers["location"] == f"/admin/users/{olive_id}?done=disabled"
        assert "Account disabled" in client.get(response.headers["location"]).text
        assert olive.get("/schools", follow_redirects=False).status_code == 303  # signed out at once
        assert account(store, "olive").disabled and "This account is disabled" in sign_in(olive, "olive").text
        assert post(client, f"/admin/users/{olive_id}/enable").headers["location"].endswith("?done=enabled")
        assert sign_in(olive, "olive").status_code == 303
    assert [(e.action, e.actor, e.detail) for e in events(store, "account-disabled") + events(store, "account-enabled")] == [
        ("account-disabled", "ada", "olive"), ("account-enabled", "ada", "olive")]


def test_an_admin_cannot_disable_their_own_account(client, store, users):
    sign_in(client, "ada")
    ada = user_id(store, "ada")
    page = client.get(f"/admin/users/{ada}").text
    assert 'id="cannot-disable"' in page and f'action="/admin/users/{ada}/disable"' not in page
    response = post(client, f"/admin/users/{ada}/disable")
    assert response.status_code == 400
    assert problems(response) == [("disable", "You cannot disable your own account: another administrator can.")]
    assert not account(store, "ada").disabled and events(store, "account-disabled") == []
    assert client.get("/admin/users").status_code == 200  # still signed in


def test_a_reset_gives_a_new_password_unlocks_and_ends_the_sessions(client, store, users, settings):
    from starlette.testclient import TestClient

    from auditor_service.web.app import create_app

    with TestClient(create_app(settings, store), base_url="http://localhost") as olive:
        sign_in(olive, "olive")
        with store.session() as session:
            locked = accounts.find(session, "olive")
            locked.failed_sign_ins, locked.locked_until = accounts.LOCK_AFTER, accounts.now() + dt.timedelta(hours=1)
        sign_in(client, "ada")
        olive_id = user_id(store, "olive")
        assert "locked until" in client.get(f"/admin/users/{olive_id}").text
        response = post(client, f"/admin/users/{olive_id}/reset", password=NEW_PASSWORD, password_again=NEW_PASSWORD)
        assert response.headers["location"] == f"/admin/users/{olive_id}?done=reset"
        shown = client.get(response.headers["location"]).text
        assert "Account reset: unlocked" in shown and re.search(r'id="state">enabled<', shown)
        assert olive.get("/schools", follow_redirects=False).status_code == 303  # its session ended
        assert sign_in(olive, "olive", PASSWORD).status_code == 400
        assert sign_in(olive, "olive", NEW_PASSWORD).status_code == 303
    assert [(e.actor, e.detail) for e in events(store, "account-reset")] == [("ada", "olive")]


def test_a_reset_to_no_password_leaves_single_sign_on_only(client, store, users):
    sign_in(client, "ada")
    assert post(client, f"/admin/users/{user_id(store, 'olive')}/reset", sso="yes").status_code == 303
    assert account(store, "olive").password_hash is None
    assert sign_in(client, "olive", PASSWORD).status_code == 400


def test_a_reset_with_a_short_or_mistyped_password_changes_nothing(client, store, users):
    sign_in(client, "ada")
    olive = user_id(store, "olive")
    before = account(store, "olive").password_hash
    short = post(client, f"/admin/users/{olive}/reset", password="short", password_again="short")
    assert short.status_code == 400
    assert problems(short) == [("password", "A password is at least 12 characters: three random words make a good one")]
    mistyped = post(client, f"/admin/users/{olive}/reset", password=NEW_PASSWORD, password_again="other words here")
    assert problems(mistyped) == [("password_again", "The two passwords are not the same: type the same one twice")]
    assert account(store, "olive").password_hash == before and events(store, "account-reset") == []


def test_an_account_that_is_not_there_is_a_404_page(client, users):
    sign_in(client, "ada")
    assert client.get("/admin/users/9999").status_code == 404
    assert post(client, "/admin/users/9999/reset", sso="yes").status_code == 404
    assert "There is no such account here." in post(client, "/admin/users/9999/disable").text


# ---- the audit log --------------------------------------------------------------------------------


def log(store, *rows: dict) -> None:
    """Events as the service records them, at the times given."""
    with store.session() as session:
        session.add_all([AuditEvent(**{"actor": "olive", "role": "officer", "action": "view-school", **row})
                         for row in rows])


def shown_events(response) -> list[tuple[str, ...]]:
    rows = re.findall(r'<tr id="event-\d+"[^>]*>(.*?)</tr>', response.text, re.S)
    return [tuple(html.unescape(re.sub(r"<[^>]+>", "", cell)).strip() for cell in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S))
            for row in rows]


def test_the_audit_log_is_newest_first_and_paged(client, store, users, monkeypatch):
    monkeypatch.setattr(admin, "PAGE_SIZE", 4)
    start = dt.datetime(2026, 9, 1, 8, 0)
    log(store, *({"at": start + dt.timedelta(minutes=n), "urn": f"99{n:04d}"} for n in range(10)))
    sign_in(client, "ada")
    first = client.get("/admin/audit")
    assert [row[3] for row in shown_events(first)] == ["view-audit-log", "sign-in", "view-school", "view-school"]
    assert 'id="newer"' not in first.text
    older = re.search(r'id="older" href="([^"]+)"|href="([^"]+)" id="older"', first.text)
    second = client.get(html.unescape(older.group(1) or older.group(2)))
    assert [row[5] for row in shown_events(second)] == ["990007", "990006", "990005", "990004"]
    newer = re.search(r'href="([^"]+)" id="newer"', second.text).group(1)
    back = client.get(html.unescape(newer))
    assert [row[3] for row in shown_events(back)][1:] == ["sign-in", "view-school", "view-school"]
    last = client.get(f"/admin/audit?before={min(e.id for e in events(store, 'view-school')) + 2}")
    assert [row[5] for row in shown_events(last)] == ["990001", "990000"] and 'id="older"' not in last.text
    assert shown_events(second)[0][0] == "01/09/2026 08:07:00"


def test_the_audit_log_is_filtered_by_who_school_action_outcome_and_dates(client, store, users):
    log(store,
        {"at": dt.datetime(2026, 9, 1, 23, 59), "urn": "990001"},
        {"at": dt.datetime(2026, 9, 2, 0, 0), "urn": "990002", "outcome": "refused", "actor": "sam", "role": "school"},
        {"at": dt.datetime(2026, 9, 3, 12, 0), "urn": "990001", "action": "decide"},
        {"at": dt.datetime(2026, 9, 4, 0, 0), "urn": "990001"})

    def urns(**filters):
        response = client.get("/admin/audit", params=filters)
        assert response.status_code == 200
        return [(row[0][:10], row[5]) for row in shown_events(response) if row[3] != "view-audit-log"]

    sign_in(client, "ada")
    assert urns(who="sam") == [("02/09/2026", "990002")]
    assert urns(urn="990001", action="view-school") == [("04/09/2026", "990001"), ("01/09/2026", "990001")]
    assert urns(action="decide") == [("03/09/2026", "990001")]
    assert urns(outcome="refused") == [("02/09/2026", "990002")]
    assert urns(since="02/09/2026", until="03/09/2026") == [("03/09/2026", "990001"), ("02/09/2026", "990002")]
    assert urns(until="1/9/2026", urn="990001") == [("01/09/2026", "990001")]
    assert urns(who="nobody") == []
    response = client.get("/admin/audit", params={"who": "sam"})
    assert 'value="sam"' in response.text and 'id="clear-filters"' in response.text
    assert 'href="/admin/audit.csv?who=sam"' in response.text
    viewed = events(store, "view-audit-log")
    assert viewed[0].actor == "ada" and viewed[0].detail == "who=sam" and viewed[-1].detail == "who=sam"


@pytest.mark.parametrize("filters, expected", [
    ({"since": "2026-09-01"}, [("since", "Enter the date from as dd/mm/yyyy, like 01/09/2026 (you typed 2026-09-01)")]),
    ({"until": "31/02/2026"}, [("until", "Enter the date to as dd/mm/yyyy, like 01/09/2026 (you typed 31/02/2026)")]),
    ({"since": "05/09/2026", "until": "01/09/2026"}, [("until", "The date to must be the same as or after the date from")]),
])
def test_a_date_that_is_not_one_is_refused_on_the_page_and_in_the_download(client, users, filters, expected):
    sign_in(client, "ada")
    response = client.get("/admin/audit", params=filters)
    assert response.status_code == 400 and problems(response) == expected and 'id="events"' not in response.text
    download = client.get("/admin/audit.csv", params=filters)
    assert download.status_code == 400 and expected[0][1] in html.unescape(download.text)


def test_what_the_log_holds_is_shown_escaped(client, store, users):
    hostile = "<script>alert(1)</script>"
    assert sign_in(client, hostile, hostile).status_code == 400  # a failed sign-in records the name typed
    sign_in(client, "ada")
    page = client.get("/admin/audit").text
    assert hostile not in page and html.escape(hostile) in page


def test_the_csv_download_is_filtered_formula_safe_streamed_and_recorded(client, store, users, monkeypatch):
    monkeypatch.setattr(admin, "CSV_BATCH", 3)
    log(store, *({"at": dt.datetime(2026, 9, 1, 8, n), "urn": "990001", "detail": f"n={n}"} for n in range(7)),
        {"at": dt.datetime(2026, 9, 1, 9, 0), "urn": "990002", "actor": "=HYPERLINK(\"http://evil\")",
         "detail": "+SUM(A1)"})
    sign_in(client, "ada")
    response = client.get("/admin/audit.csv", params={"urn": "990001"})
    assert response.status_code == 200 and response.headers["content-type"] == "text/csv; charset=utf-8"
    assert response.headers["content-disposition"].startswith('attachment; filename="audit-log-')
    assert "content-length" not in response.headers  # streamed, not built whole
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0] == admin.CSV_COLUMNS
    assert [row[-1] for row in rows[1:]] == [f"n={n}" for n in range(6, -1, -1)]  # every batch, newest first
    assert rows[1][:6] == ["01/09/2026 08:06:00", "olive", "officer", "view-school", "ok", "990001"]
    everything = list(csv.reader(io.StringIO(client.get("/admin/audit.csv").content.decode("utf-8-sig"))))
    hostile = next(row for row in everything if row[5] == "990002")
    assert hostile[1] == "'=HYPERLINK(\"http://evil\")" and hostile[-1] == "'+SUM(A1)"
    assert len(everything) == 1 + 8 + 1 + 2  # the header, the events logged, ada's sign-in, both downloads
    assert [(e.actor, e.detail) for e in events(store, "download-audit-log")] == [("ada", "urn=990001"), ("ada", "")]


# ---- settings -------------------------------------------------------------------------------------


def test_the_settings_page_shows_what_is_in_force_without_the_database_password(store, settings, tmp_path):
    from starlette.testclient import TestClient

    from auditor_service.web.app import create_app

    shown = settings.model_copy(update={"database": "postgresql://auditor:s3cret@db.example/ra",
                                        "retention_days": 14, "public_hosts": ["audit.example.gov.uk"],
                                        "trusted_proxy": "10.0.0.5", "trusted_user_header": "X-Remote-User"})
    with TestClient(create_app(shown, store), base_url="http://localhost") as client:
        response = client.get("/admin/settings")  # no accounts: the machine's one user
    assert response.status_code == 200 and "s3cret" not in response.text
    cells = dict(re.findall(r'<tr id="setting-([a-z_]+)">\s*<td>[^<]*</td>\s*<td class="mono">([^<]*)</td>', response.text))
    assert cells["database"] == "postgresql+psycopg://auditor:***@db.example/ra"
    assert cells["retention_days"] == "14" and cells["public_hosts"] == "audit.example.gov.uk"
    assert cells["trusted_proxy"] == "10.0.0.5" and cells["trusted_user_header"] == "X-Remote-User"
    assert cells["session_idle_minutes"] == "30" and cells["data"] == str(settings.data)
    assert "REGISTER_AUDIT_RETENTION_DAYS" in response.text


def test_every_setting_is_on_the_settings_page(tmp_path):
    from auditor_service.settings import Settings

    names = [name for _, _, name, _ in admin.shown_settings(Settings(data=tmp_path))]
    assert names == list(Settings.model_fields)
    assert set(names) == set(admin.SETTING_LABELS)  # a new setting gets its label
