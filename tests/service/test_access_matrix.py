"""Who may reach what, at the HTTP level, for every route of the app: each route is classified
below (the roles that may use it, whether it shows pupil data), a route the table does not know
fails the first test, and each account of the small authority in ``access_world`` then asks for
every route, on its own school's things and on another's. A refusal is a 404, recorded in the
audit log with who asked, the path and the school; each allowed view of pupil data is recorded
with the inspection it showed."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from sqlalchemy import func, select
from starlette.applications import Starlette
from starlette.routing import Mount

from auditor_service.store.models import AuditEvent, Decision, Job, Upload
from tests.service.access_world import (
    BATCHED,
    NORTH,
    SOUTH,
    Made,
    World,
    inspect_form,
    world_fixture,  # noqa: F401 - the fixture `world`
)
from tests.service.conftest import ACCOUNTS, csrf_token
from tests.service.test_security import _post_routes

OFFICER, SCHOOL, ADMIN = "officer", "school", "admin"


@dataclass(frozen=True)
class Access:
    roles: frozenset[str] | None  # who may use the route; None: anyone, signed in or not
    pupil: bool = False  # shows pupil data: each allowed view is recorded
    others_go_home: bool = False  # the roles not let in are sent to their own start page, not refused
    la_inspections_only: bool = False  # a school's self-audit has no such page: a 404 of the page's own


ANYONE = Access(None)
OFFICERS = Access(frozenset({OFFICER}))
SCHOOLS_AND_OFFICERS = Access(frozenset({OFFICER, SCHOOL}))
PUPIL_DATA = Access(frozenset({OFFICER, SCHOOL}), pupil=True)
EVERY_ROLE = Access(frozenset({OFFICER, SCHOOL, ADMIN}))
ADMINS = Access(frozenset({ADMIN}))

ROUTES = {
    "/sign-in": ANYONE,
    "/sign-out": ANYONE,  # ends the session there is, if any
    "/": Access(frozenset({OFFICER}), others_go_home=True),  # the running jobs and latest inspections
    "/inspections/new": SCHOOLS_AND_OFFICERS,
    "/uploads": SCHOOLS_AND_OFFICERS,
    "/uploads/{upload_id}": PUPIL_DATA,  # the files read, their rejected rows
    "/uploads/{upload_id}/files": SCHOOLS_AND_OFFICERS,
    "/uploads/{upload_id}/inspect": SCHOOLS_AND_OFFICERS,
    "/jobs/{job_id:int}": SCHOOLS_AND_OFFICERS,
    "/jobs/{job_id:int}/status": SCHOOLS_AND_OFFICERS,
    "/inspections/{id:int}": PUPIL_DATA,
    "/inspections/{id:int}/report.pdf": PUPIL_DATA,
    "/inspections/{id:int}/findings.xlsx": PUPIL_DATA,
    "/inspections/{id:int}/findings.csv": PUPIL_DATA,
    "/inspections/{id:int}/findings.json": PUPIL_DATA,
    "/inspections/{id:int}/findings/{finding_id}/decisions": Access(frozenset({OFFICER}), la_inspections_only=True),
    "/schools": OFFICERS,
    "/schools/{urn}": PUPIL_DATA,
    "/authority": Access(frozenset({OFFICER}), pupil=True),  # the children to refer to the CME team
    "/authority/cme-referrals.csv": Access(frozenset({OFFICER}), pupil=True),
    "/batches/new": OFFICERS,
    "/batches": OFFICERS,
    "/batches/{batch_id:int}": OFFICERS,
    "/static/report.css": ANYONE,
    "/static": ANYONE,
}
# The areas other branches add, known by where they live: a new page there is classified as its
# area is; a page anywhere else must be added to ROUTES.
PREFIXES = (
    ("/admin", ADMINS),  # accounts, settings, the audit log
    ("/rules", EVERY_ROLE),  # what each rule checks
    ("/policies/", OFFICERS),  # drafts, and what a draft would change
    ("/policies", EVERY_ROLE),
)
# The path parameters that name one school's things (a batch: its schools'): who may follow them
# depends on the school.
SCHOOL_PARAMS = {"urn", "id", "upload_id", "job_id", "finding_id", "batch_id"}
AUTHORITIES = {NORTH["urn"]: NORTH["la"], SOUTH["urn"]: SOUTH["la"], BATCHED["urn"]: BATCHED["la"]}


def classify(path: str) -> Access | None:
    if path in ROUTES:
        return ROUTES[path]
    if path.endswith(".css"):
        return ANYONE  # a stylesheet
    return next((access for prefix, access in PREFIXES if path.startswith(prefix)), None)


def app_routes(app) -> list[tuple[str, str]]:
    """(method, path) of every route of the app ``create_app`` made (under its security layers)."""
    while not isinstance(app, Starlette):
        app = app.app
    found = []
    for route in app.routes:
        if isinstance(route, Mount):
            found.append(("GET", route.path))
            continue
        found += [(method, route.path) for method in sorted(route.methods - {"HEAD"})]
    return found


def fill(path: str, params: dict[str, str]) -> str:
    """``path`` with its parameters named by ``params`` (made up, naming nothing, where it has none)."""
    if path == "/static":
        return "/static/service.css"

    def value(match: re.Match) -> str:
        return params.get(match[1], "999999" if match[2] == ":int" else "x")

    return re.sub(r"\{(\w+)(:\w+)?\}", value, path)


def params(path: str) -> set[str]:
    return set(re.findall(r"\{(\w+)", path))


def names_a_school(path: str) -> bool:
    """Whether the path names one school's things (a route of another area names its own)."""
    return path in ROUTES and bool(params(path) & SCHOOL_PARAMS)


def known_params(path: str, target: Made) -> bool:
    """Whether ``target`` names a real thing for each of the path's parameters."""
    return not params(path) or path in ROUTES and params(path) <= set(target.params())


def may(who: str, access: Access, path: str, target: Made) -> bool:
    """What the issue's table of roles says: an officer every school of their authority, a school
    account only its own school, an admin no school's page."""
    if access.roles is None:
        return True
    account = ACCOUNTS[who]
    if account["role"] not in access.roles:
        return False
    if not names_a_school(path):
        return True
    if account["role"] == SCHOOL:
        return account["urn"] == target.urn
    return account.get("la") == AUTHORITIES[target.urn]


def request(client, method: str, path: str):
    if method == "GET":
        return client.get(path, follow_redirects=False)
    return client.post(path, data={"csrftoken": csrf_token(client)}, follow_redirects=False)


def last_event(world: World) -> int:
    with world.store.session() as session:
        return session.scalar(select(func.max(AuditEvent.id))) or 0


def events_since(world: World, since: int, **where) -> list[AuditEvent]:
    with world.store.session() as session:
        query = select(AuditEvent).where(AuditEvent.id > since).filter_by(**where).order_by(AuditEvent.id)
        rows = session.scalars(query).all()
        session.expunge_all()
    return rows


def test_every_route_of_the_app_is_classified(world):
    routes = app_routes(world.app)
    unknown = sorted({path for _, path in routes if classify(path) is None})
    assert unknown == [], f"classify these routes in {__file__}: who may use them, and whether they show pupil data"
    paths = {path for _, path in routes}
    assert set(ROUTES) <= paths, f"no longer routes: {sorted(set(ROUTES) - paths)}"
    assert {"POST"} < {method for method, _ in routes}  # the POSTs are there too


def test_without_a_session_no_route_shows_pupil_data(world):
    signed_out = world.client()
    for method, path in app_routes(world.app):
        access = classify(path)
        url = fill(path, world.made["olive"].params() | world.made["batch"].params(only="batch_id"))
        response = request(signed_out, method, url)
        assert response.status_code != 500, (method, url)
        assert world.shows_pupil_data(response.text) == set(), (method, url)
        if access.roles is not None:
            if method == "GET":
                assert response.status_code == 303, (method, url)
                assert response.headers["location"].startswith("/sign-in?next="), (method, url)
            else:
                assert response.status_code == 401, (method, url)
    assert world.pupils and world.shows_pupil_data(world.client("olive").get(
        f"/inspections/{world.made['olive'].inspection_id}").text)  # the check would see them


def test_each_account_reaches_only_what_its_role_and_school_allow_and_each_refusal_is_logged(world):
    """Each account asks for every route, on its own school's things and on the others'."""
    # 990001's inspection, 990002's, 990001's self-audit, and a batch of 990003 (Northshire).
    targets = [world.made[who] for who in ("olive", "oscar", "sam", "batch")]
    for who in ACCOUNTS:
        client = world.client(who)
        for method, path in app_routes(world.app):
            access = classify(path)
            if access.roles is None and method == "POST":
                continue  # signing in and out: test_sign_in's
            # Each thing the path can name; a route whose parameters the world has no value for (an
            # area of another branch) is asked with made-up ones, which name nothing.
            real = [t for t in targets if known_params(path, t)] if names_a_school(path) else []
            for target, known in [(t, True) for t in real] or [(targets[0], known_params(path, targets[0]))]:
                allowed = may(who, access, path, target)
                if allowed and path.endswith(".pdf"):
                    continue  # seconds to make: the recorded views ask for it once
                url = fill(path, target.params())
                since = last_event(world)
                response = request(client, method, url)
                case = (who, method, url, response.status_code)
                assert response.status_code not in (403, 500), case
                if allowed:
                    no_such_page = not known or access.la_inspections_only and target.kind == "self_audit"
                    assert response.status_code != 404 or no_such_page, case
                elif access.others_go_home and method == "GET":
                    assert response.status_code == 303 and response.headers["location"] != "/", case
                else:
                    assert response.status_code == 404, case
                    if not known:
                        continue  # nothing there to refuse: a page's own 404 need not be recorded
                    refused = events_since(world, since, actor=who, outcome="refused", path=url)
                    assert len(refused) == 1, case
                    if not names_a_school(path):
                        assert refused[0].urn is None, case
                    elif ACCOUNTS[who]["role"] in access.roles:  # refused for the school, which is named
                        assert refused[0].urn == target.urn, case
                    else:  # refused for the role, perhaps before the school is looked up
                        assert refused[0].urn in (None, target.urn), case


def test_a_school_asks_for_another_schools_things_by_id_and_by_url_and_gets_404(world):
    """The checks the issue names, one by one: sam (school 990001) and what is 990002's."""
    sam, theirs, sids = world.client("sam"), world.made["oscar"], world.made["sid"]
    asked = [
        f"/inspections/{theirs.inspection_id}",
        *(f"/inspections/{theirs.inspection_id}/{name}" for name in
          ("report.pdf", "findings.xlsx", "findings.csv", "findings.json")),
        f"/schools/{theirs.urn}",
        f"/uploads/{theirs.upload_id}", f"/uploads/{sids.upload_id}",
        f"/jobs/{theirs.job_id}", f"/jobs/{theirs.job_id}/status", f"/jobs/{sids.job_id}",
    ]
    for url in asked:
        since = last_event(world)
        response = sam.get(url, follow_redirects=False)
        assert response.status_code == 404, url
        assert world.shows_pupil_data(response.text) == set() and SOUTH["name"] not in response.text
        [event] = events_since(world, since, outcome="refused")
        assert (event.actor, event.role, event.path, event.urn) == ("sam", "school", url, SOUTH["urn"])
    posts = {
        f"/inspections/{theirs.inspection_id}/findings/{theirs.finding_id}/decisions":
            {"kind": "resolved", "recorded_by": "sam"},
        f"/uploads/{sids.upload_id}/inspect": inspect_form(sam, SOUTH),
        f"/uploads/{sids.upload_id}/files": {},
    }
    with world.store.session() as session:
        before = (session.scalar(select(func.count()).select_from(Decision)),
                  session.scalar(select(func.count()).select_from(Job)))
    for url, form in posts.items():
        since = last_event(world)
        response = sam.post(url, data={"csrftoken": csrf_token(sam), **form}, follow_redirects=False)
        assert response.status_code == 404, url
        [event] = events_since(world, since, outcome="refused")
        assert (event.actor, event.path, event.urn) == ("sam", url, SOUTH["urn"])
    with world.store.session() as session:
        assert (session.scalar(select(func.count()).select_from(Decision)),
                session.scalar(select(func.count()).select_from(Job))) == before


def test_no_account_inspects_into_a_school_it_may_not_see(world):
    """An officer's upload inspected as another authority's school, a school's as another school."""
    with world.store.session() as session:
        jobs = session.scalar(select(func.count()).select_from(Job))
    olive, sam = world.client("olive"), world.client("sam")
    since = last_event(world)
    response = olive.post(f"/uploads/{world.made['olive'].upload_id}/inspect", data=inspect_form(olive, SOUTH),
                          follow_redirects=False)
    assert response.status_code == 404
    assert [(e.actor, e.action, e.urn) for e in events_since(world, since, outcome="refused")] == [
        ("olive", "inspect", SOUTH["urn"])]
    response = sam.post(f"/uploads/{world.made['sam'].upload_id}/inspect", data=inspect_form(sam, SOUTH))
    assert response.status_code == 400 and "A self-audit is of your own school: URN 990001" in response.text
    with world.store.session() as session:
        assert session.scalar(select(func.count()).select_from(Job)) == jobs
        assert session.get(Upload, world.made["sam"].upload_id).urn == NORTH["urn"]


def test_an_officer_lists_only_the_schools_of_their_authority(world):
    """The home page, the schools, the authority page and its CME referrals (pupils' names)."""
    for who, own, others in (("olive", NORTH, [SOUTH]), ("oscar", SOUTH, [NORTH, BATCHED])):
        client = world.client(who)
        for url in ("/", "/schools", "/authority", "/authority/cme-referrals.csv"):
            page = client.get(url).text
            assert own["name"] in page or url.endswith(".csv"), (who, url)
            for other in others:
                assert other["name"] not in page, (who, url, other["name"])
                assert f"/schools/{other['urn']}" not in page and f"\n{other['urn']}," not in page, (who, url)


def test_a_post_without_its_csrf_token_is_refused_when_signed_in(world):
    """test_security's check, with a session: the session cookie is no stand-in for the token."""
    with world.store.session() as session:
        before = [session.scalar(select(func.count()).select_from(model)) for model in (Upload, Job, Decision)]
    paths = _post_routes()
    for who in ACCOUNTS:
        client = world.client(who)
        token = csrf_token(client)
        for path in paths:
            assert client.post(path, data={"anything": "1"}).status_code == 403, (who, path)
            assert client.post(path, data={"csrftoken": "x" + token}).status_code == 403, (who, path)
        assert client.get("/sign-in", follow_redirects=False).status_code == 303  # still signed in
    with world.store.session() as session:
        assert [session.scalar(select(func.count()).select_from(model)) for model in (Upload, Job, Decision)] == before


def test_each_allowed_view_of_pupil_data_is_recorded_with_who_when_which_school_and_inspection(world):
    for who, target in (("olive", world.made["olive"]), ("sam", world.made["sam"])):
        client = world.client(who)
        for method, path in app_routes(world.app):
            access = classify(path)
            if method != "GET" or not access.pupil or not may(who, access, path, target):
                continue
            if who != "olive" and path.endswith(".pdf"):
                continue  # seconds to make: once is enough
            url = fill(path, target.params())
            since, start = last_event(world), dt.datetime.now(dt.UTC).replace(tzinfo=None)
            assert client.get(url).status_code == 200, url
            [event] = events_since(world, since, outcome="ok")
            assert (event.actor, event.role, event.path) == (who, ACCOUNTS[who]["role"], url)
            assert start - dt.timedelta(seconds=1) <= event.at <= dt.datetime.now(dt.UTC).replace(tzinfo=None)
            assert event.urn == (target.urn if names_a_school(path) else None), url
            if "{id" in path:
                assert event.inspection_id == target.inspection_id, url
