"""The rules and policies as policy owners read them, and drafts: saved only when every value is
one the rules can use, shown back with one message per problem otherwise, never run as code."""

from __future__ import annotations

import datetime as dt
import re
import tomllib

import pytest
from markupsafe import escape

from auditor import inspect
from auditor.policy import load_policy
from auditor.resources import features_dir, policies_dir
from auditor.rules import load_rules
from auditor.scenarios.parse import Step, rule_codes_of
from auditor_service.jobs.consequences import sample_pack
from auditor_service.store.models import Inspection, Job, Upload, _now
from auditor_service.web.pages.rules import grid
from tests.service.conftest import csrf_token, run_jobs
from tests.service.test_inspections import inspect_sample

THRESHOLD = "absence_return_school_days"
STEP = re.compile(r"^\s*(?:Given|When|Then|And|But|\*) (.+?)\s*$")
TITLE = re.compile(r"^\s*(?:Scenario|Rule|Feature):\s*(.+?)\s*$")


def shown(text: str) -> str:
    return str(escape(text))


# ---- rules --------------------------------------------------------------------------------------


def test_the_rules_list_names_every_rule_by_code_and_title(client):
    html = client.get("/rules").text
    for rule in load_rules():
        assert f'href="/rules/{rule.code}"' in html
        assert shown(rule.title) in html


def test_a_rule_page_is_shaped_as_explain_with_its_thresholds_under_each_policy(client):
    response = client.get("/rules/REG005")
    assert response.status_code == 200
    html = response.text
    rule = next(r for r in load_rules() if r.code == "REG005")
    for text in (rule.title, rule.explain.what, rule.explain.why, rule.explain.example, *rule.legal_basis.values()):
        assert shown(text) in html
    assert "SI 2006/1751" in html and "The School Attendance (Pupil Registration) (England) Regulations 2024" in html
    section = html[html.index('id="threshold-absence_return_school_days"'):]
    section = section[: section.index("</table>")]
    assert "10 school days</strong> from 01/09/2006" in section  # statutory
    assert "5 school days</strong> from 01/09/2016" in section  # stricter-local
    assert shown(load_policy("statutory").source_of(THRESHOLD)) in section


def test_a_scenario_register_is_drawn_as_the_report_draws_one(client):
    html = client.get("/rules/REG005").text
    scenario = html[html.index('id="REG005-absence-return-not-made--nine-and-a-half-school-days-is-not-yet-ten"'):]
    scenario = scenario[: scenario.index("</article>")]
    grid = scenario[scenario.index('<table class="register"'): scenario.index("</table>")]
    # The week of 06/01/2025 reads "/N": Monday present in the morning, N in the afternoon, as the report's macro marks it.
    assert re.search(r'<th scope="row" class="week">06/01/2025</th>\s*<td><span class="mark" title="Mon 06/01/2025 AM: /">/</span>'
                     r'<span class="mark" title="Mon 06/01/2025 PM: N">N</span></td>', grid)
    assert grid.count("<tr>") == 4  # the heading and three weeks
    assert "<th>Mon<br>" in grid and "AM PM" in grid
    assert '<link rel="stylesheet" href="/rules/register.css">' in html
    css = client.get("/rules/register.css")
    assert css.headers["content-type"].startswith("text/css")
    assert ".register th.week" in css.text and ".mark.closed" in css.text and "--line:" in css.text


def test_a_table_that_is_not_a_register_is_no_grid():
    register = (("week of", "Mon", "Tue", "Wed", "Thu", "Fri"), ("06/01/2025", "NN", "/C2", "", "##", "OO"))
    weeks = grid(Step("Given", "given", "the attendance register reads", register))
    assert [(d.am.code, d.pm.code) for d in weeks[0].days] == [("N", "N"), ("/", "C2"), (None, None), ("#", "#"), ("O", "O")]
    for table in ((("pupil", "upn"), ("Ada", "A123")),  # another kind of table
                  (register[0], ("06/01/2025", "N!", "", "", "", "")),  # not a code
                  (register[0], ("06/01/2025", "NNN", "", "", "", "")),  # three sessions in a day
                  (register[0], ("the sixth", "NN", "", "", "", ""))):  # not a date
        assert grid(Step("Given", "given", "a table", table)) is None


@pytest.mark.parametrize("feature", sorted(features_dir().glob("*.feature")), ids=lambda p: p.stem)
def test_every_scenario_and_step_of_every_feature_file_is_on_its_rule_pages(client, feature):
    """Read from the files themselves, not through the parser the pages use: if the pages and
    features/ drift apart, this fails."""
    codes = rule_codes_of(feature.stem)
    assert codes, feature.name
    pages = {code: client.get(f"/rules/{code}").text for code in codes}
    for line in feature.read_text(encoding="utf-8").splitlines():
        match = STEP.match(line) or TITLE.match(line)
        if match and "<" not in match[1]:  # an outline's <placeholder> lines are shown filled in, one per example
            for code, html in pages.items():
                assert shown(match[1]) in html, f"{code}: {match[1]!r} of {feature.name} is not on the page"
        if line.strip().startswith("|") and re.match(r"\s*\| \d\d/\d\d/\d{4}", line) and "week of" not in line:
            week = line.split("|")[1].strip()
            for code, html in pages.items():
                assert f'class="week">{week}</th>' in html or f"<td>{week}</td>" in html, (code, week)


def test_an_unknown_rule_is_a_page_that_says_so(client):
    response = client.get("/rules/REG999")
    assert response.status_code == 404
    assert "no rule with that code" in response.text


# ---- policies ------------------------------------------------------------------------------------


def test_the_policies_are_side_by_side_with_every_dated_value_unit_and_source(client):
    html = client.get("/policies").text
    statutory, local = load_policy("statutory"), load_policy("stricter-local")
    for name, threshold in statutory.thresholds.items():
        row = html[html.index(f'id="threshold-{name}"'):]
        row = row[: row.index("</tr>")]
        cells = row.split('data-policy="')
        assert len(cells) == 3  # the name, then statutory and stricter-local side by side
        for start, value in threshold.values.items():
            assert f"{value} {shown(threshold.unit)}</strong> from {start:%d/%m/%Y}" in cells[1]
        assert shown(threshold.source) in cells[1]
        theirs = local.thresholds[name]
        for start, value in theirs.values.items():
            assert f"{value} {shown(theirs.unit)}</strong> from {start:%d/%m/%Y}" in cells[2]
        raw = tomllib.loads((policies_dir() / "stricter-local.toml").read_text())
        assert (shown(theirs.source) in cells[2]) == (name in raw["thresholds"])


# ---- drafts ---------------------------------------------------------------------------------------


def draft_form(client, base: str = "statutory") -> dict[str, str]:
    """The draft form's fields as the page fills them in."""
    html = client.get(f"/policies/draft?from={base}").text
    fields = dict(re.findall(r'<input type="text"[^>]* name="([^"]+)" value="([^"]*)"', html))
    return {key: value.replace("&#39;", "'").replace("&#34;", '"').replace("&amp;", "&") for key, value in fields.items()}


def save_draft(client, base: str = "statutory", **changes):
    form = draft_form(client, base) | {"name": "northshire-5-day"} | changes
    return client.post(f"/policies/draft?from={base}", data={"csrftoken": csrf_token(client), **form},
                       follow_redirects=False)


def saved(settings) -> list[str]:
    folder = settings.data / "policies"
    return sorted(p.name for p in folder.iterdir()) if folder.is_dir() else []


def test_a_draft_is_saved_as_a_policy_file_that_extends_its_base_with_only_what_it_changes(client, settings):
    response = save_draft(client, **FIVE)
    assert response.status_code == 303, response.text
    assert response.headers["location"] == "/policies/local/northshire-5-day"
    path = settings.data / "policies" / "northshire-5-day.toml"
    raw = tomllib.loads(path.read_text())
    assert raw["extends"] == "statutory" and list(raw["thresholds"]) == [THRESHOLD]
    assert "northshire-5-day" in raw["thresholds"][THRESHOLD]["source"]
    policy = load_policy(str(path))
    assert policy.thresholds[THRESHOLD].values == {load_policy("statutory").thresholds[THRESHOLD].values.popitem()[0]: 5}
    assert policy.values_on(_now().date())["lost_pupil_school_days"] == 20  # the rest is statutory's
    page = client.get("/policies/local/northshire-5-day").text
    assert 'id="change-absence_return_school_days"' in page and "5 school days</strong>" in page
    listed = client.get("/policies").text
    assert 'id="policy-northshire-5-day"' in listed and "local draft" in listed
    download = client.get("/policies/local/northshire-5-day.toml")
    assert download.headers["content-disposition"] == 'attachment; filename="northshire-5-day.toml"'
    assert download.content == path.read_bytes()


def test_a_draft_started_from_a_local_draft_keeps_its_changes_and_extends_the_same_bundled_policy(client, settings):
    assert save_draft(client, **FIVE).status_code == 303
    response = save_draft(client, base="northshire-5-day", name="stricter-still",
                          **{"lost_pupil_school_days.value": "15", "lost_pupil_school_days.from": "01/09/2024"})
    assert response.status_code == 303, response.text
    path = settings.data / "policies" / "stricter-still.toml"
    raw = tomllib.loads(path.read_text())
    assert raw["extends"] == "statutory" and sorted(raw["thresholds"]) == [THRESHOLD, "lost_pupil_school_days"]
    policy = load_policy(str(path))
    assert policy.thresholds["lost_pupil_school_days"].values == {
        **load_policy("statutory").thresholds["lost_pupil_school_days"].values, dt.date(2024, 9, 1): 15}
    assert policy.values_on(_now().date())[THRESHOLD] == 5


FIVE = {f"{THRESHOLD}.value": "5"}
NOT_A_NUMBER = "is not a number of school days"
HOSTILE = [
    ({f"{THRESHOLD}.value": "<script>alert(1)</script>"}, f"{THRESHOLD}.value", NOT_A_NUMBER),
    ({f"{THRESHOLD}.value": "__import__('os').system('touch /tmp/owned')"}, f"{THRESHOLD}.value", NOT_A_NUMBER),
    ({f"{THRESHOLD}.value": "nan"}, f"{THRESHOLD}.value", NOT_A_NUMBER),
    ({f"{THRESHOLD}.value": "inf"}, f"{THRESHOLD}.value", NOT_A_NUMBER),
    ({f"{THRESHOLD}.value": "1e9"}, f"{THRESHOLD}.value", NOT_A_NUMBER),
    ({f"{THRESHOLD}.value": "five"}, f"{THRESHOLD}.value", NOT_A_NUMBER),
    ({f"{THRESHOLD}.value": ""}, f"{THRESHOLD}.value", NOT_A_NUMBER),
    ({f"{THRESHOLD}.value": "9" * 400}, f"{THRESHOLD}.value", NOT_A_NUMBER),
    ({f"{THRESHOLD}.value": "-5"}, f"{THRESHOLD}.value", "is negative"),
    ({f"{THRESHOLD}.value": "99999"}, f"{THRESHOLD}.value", "at most 10,000"),
    ({f"{THRESHOLD}.value": "5.5"}, f"{THRESHOLD}.value", "is not a whole number of school days"),
    ({"persistent_absence_percent.value": "101"}, "persistent_absence_percent.value", "at most 100"),
    ({f"{THRESHOLD}.value": '5"\n[thresholds.x]\nvalues = { 2020-01-01 = 1 }'}, f"{THRESHOLD}.value", NOT_A_NUMBER),
    ({f"{THRESHOLD}.from": "31/02/2025"}, f"{THRESHOLD}.from", "the date 31/02/2025 does not exist"),
    ({f"{THRESHOLD}.from": "2025-01-06"}, f"{THRESHOLD}.from", "as dd/mm/yyyy"),
    ({f"{THRESHOLD}.from": "01/01/3000"}, f"{THRESHOLD}.from", "out of range"),
    ({"__import__.value": "5", **FIVE}, "__import__.value", "no rule uses a threshold '__import__'"),
    ({"<b>x</b>.value": "5", **FIVE}, "<b>x</b>.value", "no rule uses a threshold '<b>x</b>'"),
    ({"absence_return_school_dayz.value": "5", **FIVE}, "absence_return_school_dayz.value",
     "did you mean absence_return_school_days?"),
    ({"name": "../../etc/passwd", **FIVE}, "name", "must be 1 to 60 lower-case letters"),
    ({"name": "statutory", **FIVE}, "name", "the name of a bundled policy"),
    ({"name": "", **FIVE}, "name", "Enter a name"),
    ({"title": "", **FIVE}, "title", "Enter a title"),
    ({"title": 'x"\n[thresholds]\nname = "y', **FIVE}, "title", "one line of plain text"),
    ({}, "form", "The draft changes no threshold"),
]


@pytest.mark.parametrize(("changes", "field", "message"), HOSTILE, ids=[f"{c}"[:50] for c, _, _ in HOSTILE])
def test_a_bad_or_hostile_draft_is_shown_back_with_its_message_escaped_and_nothing_saved(
        client, settings, changes, field, message):
    response = save_draft(client, **changes)
    assert response.status_code == 400
    html = response.text
    assert "There is a problem" in html and "Nothing was saved" in html
    summary = html[html.index('class="error-summary"'): html.index("</div>", html.index('class="error-summary"'))]
    assert summary.count("<li>") == 1, summary
    assert shown(message) in summary and f'href="#draft-{shown(field.replace(".", "-"))}"' in summary
    assert "<script>" not in html and "<b>x</b>" not in html
    assert saved(settings) == []


def test_every_problem_is_listed_once_in_the_order_of_the_form(client, settings):
    response = save_draft(client, name="Bad Name", **{f"{THRESHOLD}.value": "ten", "lost_pupil_school_days.from": "1st May"})
    summary = response.text[response.text.index('class="error-summary"'):]
    links = re.findall(r'<li><a href="#draft-([^"]+)">', summary[: summary.index("</ul>")])
    assert links == ["name", "lost_pupil_school_days-from", f"{THRESHOLD}-value"]
    for field in links:  # each message is also by its field
        assert f'id="draft-{field}-error"' in response.text
    assert saved(settings) == []


def test_a_toml_injection_in_a_title_or_source_is_saved_as_the_text_typed(client, settings):
    injected = '" extends = "stricter-local" [thresholds.x] # """ \\'
    response = save_draft(client, title=injected, **FIVE)
    assert response.status_code == 303, response.text
    raw = tomllib.loads((settings.data / "policies" / "northshire-5-day.toml").read_text())
    assert raw["title"] == injected
    assert raw["extends"] == "statutory" and list(raw["thresholds"]) == [THRESHOLD]
    assert shown(injected) in client.get("/policies").text


def test_a_draft_cannot_take_a_saved_name(client, settings):
    assert save_draft(client, **FIVE).status_code == 303
    response = save_draft(client, **{f"{THRESHOLD}.value": "6"})
    assert response.status_code == 400 and "is already saved" in response.text
    raw = tomllib.loads((settings.data / "policies" / "northshire-5-day.toml").read_text())
    assert list(raw["thresholds"][THRESHOLD]["values"].values()) == [5]


def test_a_draft_page_or_download_of_no_draft_is_not_found(client, settings):
    for url in ("/policies/local/nothing", "/policies/local/nothing.toml", "/policies/local/statutory",
                "/policies/local/..%2Fsecret.key"):
        assert client.get(url).status_code == 404, url


def test_a_draft_without_the_csrf_token_is_refused(client, settings):
    form = draft_form(client) | {"name": "x", f"{THRESHOLD}.value": "5"}
    response = client.post("/policies/draft", data=form, follow_redirects=False)
    assert response.status_code == 403
    assert saved(settings) == []


# ---- consequences --------------------------------------------------------------------------------


def try_draft(client, store, settings, on: str) -> tuple[int, str]:
    response = client.post("/policies/local/northshire-5-day/consequences",
                           data={"csrftoken": csrf_token(client), "on": on}, follow_redirects=False)
    assert response.status_code == 303, response.text
    job_id = int(response.headers["location"].rsplit("/", 1)[1])
    assert run_jobs(store, settings) == 1
    with store.session() as session:
        job = session.get(Job, job_id)
        assert job.status == "done", job.error
    return job_id, client.get(f"/policies/consequences/{job_id}").text


def finding_ids(html: str, table: str) -> set[str]:
    if f'id="{table}-none"' in html:
        return set()
    section = html[html.index(f'<table class="table" id="{table}">'):]
    return set(re.findall(r'<tr id="([^"]+)">', section[: section.index("</table>")]))


def test_a_draft_tried_on_the_sample_pack_lists_the_findings_it_adds_removes_and_changes(client, store, settings):
    assert save_draft(client, **FIVE).status_code == 303
    job_id, html = try_draft(client, store, settings, "sample")
    before = inspect(sample_pack())
    after = inspect(sample_pack(), policy=str(settings.data / "policies" / "northshire-5-day.toml"))
    was, now = {f.id: f for f in before.findings}, {f.id: f for f in after.findings}
    assert finding_ids(html, "added") == set(now) - set(was) != set()
    assert finding_ids(html, "removed") == set(was) - set(now)
    assert finding_ids(html, "changed") == {i for i in now if i in was and now[i].severity != was[i].severity}
    assert {now[i].rule for i in set(now) - set(was)} == {"REG005"}
    assert "Brookfield Community Primary School" in html and "the sample pack" in html
    # The scenarios of REG005 under the draft: nine and a half school days is now a finding.
    nine = html[html.index('id="scenario-REG005-absence-return-not-made--nine-and-a-half-school-days-is-not-yet-ten"'):]
    nine = nine[: nine.index("</article>")]
    assert re.search(r'<li class="failed"><strong class="keyword">Then</strong> no finding REG005 is raised for &#34;Ada Example&#34;\s*</li>', nine)
    assert '<th scope="row" class="week">06/01/2025</th>' in nine  # its register, drawn as on the rule's page
    assert 'href="/rules/REG005#REG005-absence-return-not-made--nine-and-a-half-school-days-is-not-yet-ten"' in nine
    assert "The return was made in time" not in html  # its outcome is the same under the draft
    status = client.get(f"/policies/consequences/{job_id}/status").json()
    assert status["status"] == "done" and status["next"] == f"/policies/consequences/{job_id}"


def test_a_draft_tried_on_a_school_links_each_finding_it_removes_to_the_inspection(client, store, settings):
    inspection_id = inspect_sample(store, settings)
    assert save_draft(client, **{f"{THRESHOLD}.value": "40"}).status_code == 303
    _, html = try_draft(client, store, settings, "school:990001")
    removed = finding_ids(html, "removed")
    assert removed and finding_ids(html, "added") == set()
    inspection = client.get(f"/inspections/{inspection_id}").text
    for finding_id in removed:
        assert f'href="/inspections/{inspection_id}#{finding_id}"' in html
        assert f'id="{finding_id}"' in inspection


def test_a_school_whose_files_were_deleted_is_offered_the_sample_pack(client, store, settings):
    inspect_sample(store, settings)
    assert save_draft(client, **FIVE).status_code == 303
    with store.session() as session:
        upload = session.query(Upload).one()
        upload.purged_at = _now()
    response = client.post("/policies/local/northshire-5-day/consequences",
                           data={"csrftoken": csrf_token(client), "on": "school:990001"}, follow_redirects=False)
    assert response.status_code == 400
    assert "deleted when the retention period ended" in response.text and "sample pack" in response.text
    assert 'value="sample"' in response.text
    with store.session() as session:
        assert session.query(Job).filter(Job.kind == "consequences").count() == 0


def test_a_draft_is_compared_with_the_policy_the_school_was_inspected_under(client, store, settings):
    inspection_id = inspect_sample(store, settings, policy="stricter-local")  # not the pack.toml's statutory
    assert save_draft(client, **FIVE).status_code == 303
    _, html = try_draft(client, store, settings, "school:990001")
    assert "(<code>stricter-local</code>)" in html
    draft = settings.data / "policies" / "northshire-5-day.toml"
    under = {f.id: f.severity for f in inspect(settings.uploads / _upload_of(store, inspection_id), policy=str(draft)).findings}
    stored = {f.id: f.severity for f in inspect(settings.uploads / _upload_of(store, inspection_id), policy="stricter-local").findings}
    assert finding_ids(html, "added") == set(under) - set(stored)
    assert finding_ids(html, "removed") == set(stored) - set(under) != set()  # stricter-local's 5-day allowance is gone
    assert finding_ids(html, "changed") == {i for i in under if i in stored and under[i] != stored[i]}


def _upload_of(store, inspection_id: int) -> str:
    with store.session() as session:
        return session.get(Inspection, inspection_id).upload_id


def test_every_page_asks_permission_first_for_what_it_shows(client, store, settings, monkeypatch):
    """Each view calls permit before anything else: refused, every page is a 404 and nothing is
    saved or queued; allowed, each asks for the action its page is about."""
    from auditor_service.web.pages import policies, rules

    inspect_sample(store, settings)
    assert save_draft(client, **FIVE).status_code == 303
    asked = []

    def refuse(request, action, urn=None):
        asked.append((request.url.path, action, urn))
        from starlette.exceptions import HTTPException

        raise HTTPException(404)

    monkeypatch.setattr(policies, "permit", refuse)
    monkeypatch.setattr(rules, "permit", refuse)
    token = csrf_token(client)
    pages = {"/rules": "view-policy", "/rules/REG005": "view-policy", "/rules/register.css": "view-policy",
             "/policies": "view-policy", "/policies/draft": "draft-policy",
             "/policies/local/northshire-5-day": "draft-policy", "/policies/local/northshire-5-day.toml": "draft-policy",
             "/policies/consequences/1": "draft-policy", "/policies/consequences/1/status": "draft-policy"}
    for path, action in pages.items():
        assert client.get(path).status_code == 404, path
        assert asked[-1] == (path, action, None)
    for path, form in (("/policies/draft", {"name": "other", f"{THRESHOLD}.value": "6"}),
                       ("/policies/local/northshire-5-day/consequences", {"on": "school:990001"})):
        assert client.post(path, data={"csrftoken": token, **form}).status_code == 404
        assert asked[-1] == (path, "draft-policy", None)
    assert saved(settings) == ["northshire-5-day.toml"]
    with store.session() as session:
        assert session.query(Job).filter(Job.kind == "consequences").count() == 0

    # Allowed to draft but not to see the school: the school is not offered, and a trial on it is refused.
    def not_the_school(request, action, urn=None):
        asked.append((request.url.path, action, urn))
        if action == "view-school":
            refuse(request, action, urn)

    monkeypatch.setattr(policies, "permit", not_the_school)
    monkeypatch.setattr(policies, "may", lambda request, action, urn=None: action != "view-school")  # what it lists
    assert 'value="school:990001"' not in client.get("/policies/local/northshire-5-day").text
    response = client.post("/policies/local/northshire-5-day/consequences", data={"csrftoken": token, "on": "school:990001"})
    assert response.status_code == 404 and asked[-1][1:] == ("view-school", "990001")


def test_a_local_policy_placed_by_hand_is_shown_and_a_draft_starts_only_from_a_bundled_base(client, settings):
    folder = settings.data / "policies"
    folder.mkdir(parents=True)
    (folder / "whole.toml").write_text((policies_dir() / "statutory.toml").read_text().replace(
        'name = "statutory"', 'name = "whole"'))
    (folder / "on-whole.toml").write_text('name = "on-whole"\ntitle = "On whole"\nextends = "whole.toml"\n')
    (folder / "broken.toml").write_text('name = "broken"\ntitle = "x"\nextends = "statutory"\n[thresholds.nope]\n')
    html = client.get("/policies").text
    assert 'id="policy-whole"' in html and 'id="policy-on-whole"' in html
    assert "The local policy <strong>broken</strong> cannot be read" in html and "nope" in html
    assert client.get("/policies/draft?from=on-whole").status_code == 404
    assert client.get("/policies/draft?from=broken").status_code == 404
    assert client.get("/policies/draft?from=../statutory").status_code == 404
