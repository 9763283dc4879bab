"""Hostile input is inert: SQL metacharacters, paths, HTML, formula prefixes, control characters
and very long strings, in every field of every form and in the names of uploaded files. No
request fails with a 500, the database keeps its tables, rows and accounts, each page shows
the value escaped, nothing is written outside the upload folder, and the spreadsheets of an
inspection whose school and pupils are named as formulas hold text, never a formula."""

from __future__ import annotations

import csv
import datetime as dt
import html
import io
import re
from pathlib import Path
from urllib.parse import quote

import pytest
from openpyxl import load_workbook
from sqlalchemy import inspect, select, text, update

from auditor.load.pack import read_config
from auditor.report import _FORMULA_TRIGGERS
from auditor_service.store.models import Decision, Job, School, User
from auditor_service.web.csrf import NUL_REFUSED
from auditor_service.web.pages.policies import local_folder, local_names, local_path
from tests.packs import zipped
from tests.service.access_world import (
    NORTH,
    SAMPLE,
    World,
    inspect_form,
    of_upload,
    sample_files,
    send_files,
    upload,
    world_fixture,  # noqa: F401 - the fixture `world`
)
from tests.service.conftest import ACCOUNTS, PASSWORD, csrf_token, run_jobs
from tests.service.test_access_matrix import app_routes

MARKUP = ["<script>alert(1)</script>", '"><img src=x onerror=alert(1)>']
FORMULAS = ['=HYPERLINK("http://evil.example","click")', "+1", "-1", "@SUM(1)"]
NUL = "a\x00b"
HOSTILE = [
    "'; DROP TABLE users; --",
    '" OR 1=1 --',
    "../../etc/passwd",
    *MARKUP,
    *FORMULAS,
    NUL,
    "b\x01c\x1b[31m\x7fd\r\ne\x08",  # control characters
    "\u202e\ufeffx" * 3,  # right-to-left override, byte order mark
    "y" * 1000,  # more than a name's column holds
    "x" * 70_000,  # more than a form's field may hold (64 KB)
]
TODAY = dt.date.today()


def snapshot(world: World) -> dict:
    """The tables, their row counts and the accounts, as they are now."""
    with world.store.engine.connect() as connection:
        tables = sorted(inspect(connection).get_table_names())
        counts = {t: connection.execute(text(f'SELECT count(*) FROM "{t}"')).scalar() for t in tables}
    with world.store.session() as session:
        users = [tuple(getattr(u, c.key) for c in User.__table__.columns) for u in session.scalars(
            select(User).order_by(User.id))]
    return {"tables": tables, "counts": counts, "users": users}


def assert_intact(world: World, before: dict, may_grow: set[str], users_added: int = 0) -> None:
    """The tables as before, none fewer rows, only ``may_grow`` (and the log of who did what)
    more, and every account as it was (with ``users_added`` more after them)."""
    after = snapshot(world)
    assert after["tables"] == before["tables"]
    assert after["users"][:len(before["users"])] == before["users"]
    assert len(after["users"]) == len(before["users"]) + users_added
    grown = {t for t in after["tables"] if after["counts"][t] != before["counts"][t]}
    assert all(after["counts"][t] >= before["counts"][t] for t in after["tables"]), (before, after)
    assert grown <= may_grow | {"audit_log", "sessions"}, grown


def files(world: World) -> set[Path]:
    return {p for p in world.settings.data.parent.rglob("*") if p.is_file()}


def assert_nothing_written_outside_the_uploads(world: World, before: set[Path], drafts: bool = False) -> None:
    """Each new file is in a pack folder of its own, directly under the uploads (or a draft
    policy where saved drafts live, or the database's own files)."""
    for path in files(world) - before:
        if path.name.startswith("service.sqlite3"):
            continue
        if drafts and path.parent == local_folder(world.settings):
            assert path.suffix == ".toml" and local_path(world.settings, path.stem) == path, path
            continue
        assert path.parent.parent == world.settings.uploads, path


def assert_escaped(page, value: str) -> None:
    """No markup of ``value`` on the page (a response: if it is a page) as markup."""
    if not isinstance(page, str):
        if not page.headers.get("content-type", "").startswith("text/html"):
            return  # a download: the spreadsheets' own test
        page = page.text
    for markup in MARKUP:
        if markup in value:
            assert markup not in page


def form_fields(page: str, action: str) -> dict[str, str]:
    """The fields of the page's form that posts to ``action``, with the values the page gives them."""
    form = re.search(rf'<form[^>]*action="{re.escape(action)}"[^>]*>(.*?)</form>', page, re.S)
    assert form, f"no form for {action}"
    fields = {}
    for tag in re.findall(r"<(?:input|select|textarea)\b[^>]*>", form[1]):
        name = re.search(r'name="([^"]*)"', tag)
        if name and name[1] != "csrftoken":
            value = re.search(r'value="([^"]*)"', tag)
            fields[html.unescape(name[1])] = html.unescape(value[1]) if value and "<input" in tag else ""
    return fields


def set_aside(world: World, job_id: int) -> None:
    """A queued job marked failed, not run: an inspection takes a second or two."""
    with world.store.session() as session:
        assert session.execute(update(Job).where(Job.id == job_id, Job.status == "queued")
                               .values(status="failed", error="not run by the test")).rowcount == 1


def post(client, url: str, form: dict[str, str], **extra):
    response = client.post(url, data={"csrftoken": csrf_token(client), **form}, follow_redirects=False, **extra)
    assert response.status_code < 500, (url, form, response.text[-2000:])
    return response


def refused_as_too_long(response) -> bool:
    """A field past the limit every form is parsed with: the page says so."""
    return response.status_code == 400 and "Field exceeded maximum size of 64KB." in response.text


def refused_as_not_text(response) -> bool:
    """A field holding NUL, which no database stores as text: every form refuses it (web/csrf.py)."""
    return response.status_code == 400 and NUL_REFUSED in response.text


def refused_by_every_form(response) -> bool:
    return refused_as_too_long(response) or refused_as_not_text(response)


def test_sign_in_name_password_and_next(world):
    client = world.client()
    page = client.get("/sign-in").text
    assert set(form_fields(page, "/sign-in")) == {"name", "password", "next"}
    before = snapshot(world)
    for value in HOSTILE:
        response = post(client, "/sign-in", {"name": value, "password": value, "next": value})
        assert response.status_code == 400, value[:50]
        assert "The name or password is not right." in response.text or refused_by_every_form(response)
        assert_escaped(response.text, value)
        signed = post(world.client(), "/sign-in", {"name": "olive", "password": PASSWORD, "next": value})
        if not refused_by_every_form(signed):
            assert signed.status_code == 303 and signed.headers["location"] == "/", value[:50]  # never elsewhere
    assert_intact(world, before, may_grow=set())
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in post(client, "/sign-in", {"name": MARKUP[0]}).text


def test_uploaded_file_names(world):
    olive = world.client("olive")
    before, written = snapshot(world), files(world)
    names = [*HOSTILE, *(f"{value}.csv" for value in HOSTILE), "..\\..\\x.csv", "/etc/passwd.csv", "a/../../b.csv"]
    names = [name for name in names if len(name) < 60_000]  # the long one is a field's test
    for name in names:
        response = send_files(olive, "/uploads", [(name, b"upn\n")])
        assert response.status_code in (303, 400), name
        if response.status_code == 303:
            assert run_jobs(world.store, world.settings) == 1
            response = olive.get(response.headers["location"])
            assert response.status_code == 200
        assert_escaped(response.text, name)
    zip_names = ["../../evil.csv", "/abs.csv", "a/../../../b.csv", MARKUP[0] + ".csv", FORMULAS[0] + ".csv"]
    response = send_files(olive, "/uploads", [("hostile.zip", zipped({n: "upn\n" for n in zip_names}))])
    assert response.status_code in (303, 400)
    run_jobs(world.store, world.settings)
    assert_escaped(olive.get(f"/uploads/{response.headers['location'].rsplit('/', 1)[1]}").text
                   if response.status_code == 303 else response.text, MARKUP[0])
    assert_intact(world, before, may_grow={"uploads", "jobs"})
    assert_nothing_written_outside_the_uploads(world, written)


def test_batch_folder_and_file_names(world):
    olive = world.client("olive")
    toml = (SAMPLE / "pack.toml").read_bytes()
    before, written = snapshot(world), files(world)
    for value in [v for v in HOSTILE if len(v) < 60_000]:
        parts = [(f"packs/{value}/pack.toml", toml), (f"{value}/x/pack.toml", toml), (f"packs/{value}", b"x")]
        response = send_files(olive, "/batches", parts)
        assert response.status_code in (303, 400), value
        if response.status_code == 303:
            run_jobs(world.store, world.settings)  # each pack fails: it has no registers
            response = olive.get(response.headers["location"])
            assert response.status_code == 200
        assert_escaped(response.text, value)
    response = send_files(olive, "/batches", [("packs.zip", zipped({"../../../evil/pack.toml": toml.decode(),
                                                                      f"{MARKUP[0]}/pack.toml": toml.decode()}))])
    assert response.status_code in (303, 400)
    run_jobs(world.store, world.settings)
    assert_intact(world, before, may_grow={"batches", "uploads", "jobs"})
    assert_nothing_written_outside_the_uploads(world, written)


def test_the_inspect_form(world):
    olive = world.client("olive")
    upload_id = upload(world, olive)
    page = olive.get(f"/uploads/{upload_id}").text
    fields = form_fields(page, f"/uploads/{upload_id}/inspect")
    assert set(fields) == {"urn", "name", "la", "as_of", "period_start", "policy"}
    # A school of its own: an inspection with another authority's name moves the school there.
    school = {**NORTH, "urn": "990008", "name": "Hostile Primary"}
    before, written = snapshot(world), files(world)
    run = {("name", MARKUP[0]), ("la", HOSTILE[0])}  # each takes a second or two
    for field in sorted(fields, key=lambda f: f == "la"):  # last: the school is then the authority's no more
        for value in sorted(HOSTILE, key=lambda v: (field, v) in run):
            response = post(olive, f"/uploads/{upload_id}/inspect", inspect_form(olive, school, **{field: value}))
            assert response.status_code in (303, 400), (field, value[:50])
            if response.status_code == 400:
                assert_escaped(response.text, value)
                continue
            assert field in ("name", "la"), (field, value[:50])  # the others are checked
            assert value.isprintable() and len(value) <= 300, (field, value[:50])  # what the database holds
            config = read_config(world.settings.uploads / upload_id / "pack.toml")
            assert getattr(config.school, field) == value.strip()  # written into pack.toml as text
            if (field, value) not in run:
                set_aside(world, int(response.headers["location"].rsplit("/", 1)[1]))
                continue
            assert run_jobs(world.store, world.settings) == 1
            job_id = int(response.headers["location"].rsplit("/", 1)[1])
            with world.store.session() as session:
                job = session.get(Job, job_id)
                assert job.status == "done", job.error
                assert getattr(session.get(School, school["urn"]), field) == value.strip()  # as text
            if field == "name":
                page = olive.get(f"/inspections/{job.inspection_id}")
                assert page.status_code == 200
                assert_escaped(page.text, value)
    assert_intact(world, before, may_grow={"jobs", "schools", "inspections", "findings"})
    assert_nothing_written_outside_the_uploads(world, written)


def test_the_corrections_selects(world):
    olive = world.client("olive")
    upload_id = upload(world, olive)
    action = f"/uploads/{upload_id}/files"
    fields = form_fields(olive.get(f"/uploads/{upload_id}").text, action)
    assert {"role-0", "preset-0", "layout"} <= set(fields) and any(f.startswith("column-") for f in fields)
    before, written = snapshot(world), files(world)
    for value in HOSTILE:
        for chosen in ({name: value for name in fields}, {**fields, "layout": value},
                       {**fields, next(f for f in fields if f.startswith("column-")): value}):
            response = post(olive, action, chosen)
            assert response.status_code in (303, 400), value[:50]
            if response.status_code == 303:
                run_jobs(world.store, world.settings)
                response = olive.get(f"/uploads/{upload_id}")
                assert response.status_code == 200
            assert_escaped(response.text, value)
    assert_intact(world, before, may_grow={"jobs"})
    assert_nothing_written_outside_the_uploads(world, written)


def test_the_decision_forms(world):
    olive = world.client("olive")
    made = world.made["olive"]
    action = f"/inspections/{made.inspection_id}/findings/{made.finding_id}/decisions"
    assert {"kind", "note", "date"} <= set(form_fields(olive.get(f"/inspections/{made.inspection_id}").text, action))
    # Who recorded it is the account's name: a name sent with the form, as a forged one would be, is not used.
    valid = {"kind": "waiver", "note": "agreed", "date": f"{TODAY + dt.timedelta(days=30):%d/%m/%Y}",
             "recorded_by": "Olive"}
    before = snapshot(world)
    stored = 0
    for field in valid:
        for value in HOSTILE:
            response = post(olive, action, {**valid, field: value})
            assert response.status_code in (303, 400), (field, value[:50])
            stored += response.status_code == 303
            page = response.text if response.status_code == 400 else olive.get(f"/inspections/{made.inspection_id}").text
            assert_escaped(page, value)
    assert stored and "&lt;script&gt;alert(1)&lt;/script&gt;" in olive.get(f"/inspections/{made.inspection_id}").text
    assert_intact(world, before, may_grow={"decisions"})
    with world.store.session() as session:
        names = session.scalars(select(Decision.recorded_by).order_by(Decision.id.desc()).limit(stored)).all()
    assert len(names) == stored and set(names) == {"olive"}  # never a name the form sent


def test_the_policy_draft_form(world):
    olive = world.client("olive")
    action = "/policies/draft?from=statutory"
    fields = form_fields(olive.get(action).text, action)
    thresholds = [name for name in fields if name.endswith((".value", ".from"))]
    assert {"name", "title"} <= set(fields) and thresholds
    changed = next(name for name in thresholds if name.endswith(".value"))
    fields[changed] = str(int(float(fields[changed])) + 1)  # a draft must change a threshold
    before, written = snapshot(world), files(world)
    saved = 0
    for n, value in enumerate(HOSTILE):
        for sent in ({**fields, "name": value}, {**fields, "name": f"hostile-{n}", "title": value},
                     {**fields, "name": f"hostile-{n}-t", **dict.fromkeys(thresholds, value)}):
            response = post(olive, action, sent)
            assert response.status_code in (303, 400), (value[:50], sent["name"][:50])
            if response.status_code == 303:
                saved += 1
                response = olive.get(response.headers["location"])
                assert response.status_code == 200
            assert_escaped(response, value)
    policies = olive.get("/policies")
    assert policies.status_code == 200 and saved and set(local_names(world.settings)) >= {"hostile-0"}
    for value in HOSTILE:
        assert_escaped(policies, value)
    assert_intact(world, before, may_grow=set())
    assert_nothing_written_outside_the_uploads(world, written, drafts=True)


def test_the_admins_account_form(world):
    ada = world.client("ada")
    fields = set(form_fields(ada.get("/admin/users").text, "/admin/users")) | {"password", "password_again"}
    assert {"name", "role", "urn", "la"} <= fields
    before = snapshot(world)
    added = []
    for n, value in enumerate(HOSTILE):
        for field in sorted(fields - {"password_again"}):
            name = f"hostile{n}{field.replace('_', '')}"
            sent = {**dict.fromkeys(fields, ""), "name": name, "role": "officer", "la": "Northshire",
                    "password": "a pass phrase long enough", "password_again": "a pass phrase long enough",
                    field: value}
            if field == "password":
                sent["password_again"] = value
            response = post(ada, "/admin/users", sent)
            assert response.status_code in (303, 400), (field, value[:50])
            if response.status_code == 303:
                added.append((sent["name"], sent["la"]))
                response = ada.get(response.headers["location"])
                assert response.status_code == 200
            assert_escaped(response, value)
    assert added and all(value not in (name for name, _ in added) for value in HOSTILE)  # no name but a name
    with world.store.session() as session:
        stored = dict(session.execute(select(User.name, User.la).where(User.name.in_([n for n, _ in added]))).all())
    assert stored == {name: la.strip()[:300] for name, la in added}  # as typed, as text
    users = ada.get("/admin/users")
    for value in HOSTILE:
        assert_escaped(users, value)
    assert_intact(world, before, may_grow={"users"}, users_added=len(added))


@pytest.fixture(scope="module")
def formula_school(world):
    """An inspection of a school named as a formula, its pupils named as formulas and markup."""
    olive = world.client("olive")
    with (SAMPLE / "admission_register.csv").open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    for row in rows:
        row["surname"] = f'=HYPERLINK("http://evil.example","{row["surname"]}")'
        row["forename"] = f"{MARKUP[0]}{row['forename']}"
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(rows[0]))
    writer.writeheader()
    writer.writerows(rows)
    exports = [(name, out.getvalue().encode() if name == "admission_register.csv" else data)
               for name, data in sample_files()]
    upload_id = upload(world, olive, exports)
    school = {**NORTH, "urn": "990009", "name": '=HYPERLINK("http://evil.example","school")', "la": "Northshire"}
    response = post(olive, f"/uploads/{upload_id}/inspect", inspect_form(olive, school))
    assert response.status_code == 303
    assert run_jobs(world.store, world.settings) == 1
    made = of_upload(world, upload_id)
    assert made.inspection_id is not None
    return olive, made


def test_the_spreadsheets_of_a_school_and_pupils_named_as_formulas_hold_text(world, formula_school):
    olive, made = formula_school
    table = csv.reader(io.StringIO(olive.get(f"/inspections/{made.inspection_id}/findings.csv").content.decode("utf-8-sig")))
    cells = [cell for row in table for cell in row]
    assert any("=HYPERLINK(" in cell for cell in cells)  # kept, as text
    assert not any(cell.startswith(_FORMULA_TRIGGERS) for cell in cells)
    book = load_workbook(io.BytesIO(olive.get(f"/inspections/{made.inspection_id}/findings.xlsx").content))
    written = [cell for sheet in book for row in sheet.iter_rows() for cell in row if isinstance(cell.value, str)]
    assert any("=HYPERLINK(" in cell.value for cell in written)
    assert all(cell.data_type == "s" and not cell.value.startswith(_FORMULA_TRIGGERS) for cell in written)
    referrals = olive.get("/authority/cme-referrals.csv").content.decode("utf-8-sig")
    cells = [cell for row in csv.reader(io.StringIO(referrals)) for cell in row]
    assert any('"school")' in cell for cell in cells)
    assert not any(cell.startswith(_FORMULA_TRIGGERS) for cell in cells)


def test_the_pages_of_a_school_and_pupils_named_as_markup_escape_it(world, formula_school):
    olive, made = formula_school
    for url in ("/", "/schools", f"/schools/{made.urn}", "/authority", f"/inspections/{made.inspection_id}"):
        page = olive.get(url).text
        assert "<script>" not in page, url
    inspection = olive.get(f"/inspections/{made.inspection_id}").text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in inspection


def test_hostile_path_parameters_and_queries(world):
    """Each route's parameters, and the queries pages read (?next=, ?from=), as typed into the
    address bar."""
    olive = world.client("olive")
    before = snapshot(world)
    for method, path in app_routes(world.app):
        if method == "POST" and path.endswith(("/inspect", "/sign-out")):
            continue  # the inspect form's own test (it would queue an inspection); the session kept
        for value in [v for v in HOSTILE if len(v) < 60_000]:
            url = re.sub(r"\{\w+(:\w+)?\}", quote(value, safe=""), path)  # an int's: no route, a 404
            url += f"?next={quote(value, safe='')}&from={quote(value, safe='')}"
            response = olive.get(url) if method == "GET" else post(olive, url, {})
            assert response.status_code in (200, 303, 400, 404), (method, url)
            assert_escaped(response, value)
            if NUL in value:
                assert response.status_code == 400, (method, url)
    assert_intact(world, before, may_grow=set())


def test_nothing_hostile_dropped_a_table(world):
    """The last word, after every form above: the accounts are all there and can still sign in."""
    with world.store.session() as session:
        assert set(ACCOUNTS) <= set(session.scalars(select(User.name)))
    assert world.client("olive").get("/schools").status_code == 200
