"""New inspection, as a browser sends it: files dropped on the page, what each was taken for,
corrections by choice, the validation, and the inspection queued and run."""

from __future__ import annotations

import html
import io
import json
import re
import zipfile
from pathlib import Path

import pytest
from sqlalchemy import select
from starlette.testclient import TestClient

from auditor.errors import PackError
from auditor.load import load_pack, read_cells
from auditor_service.settings import Settings
from auditor_service.store import open_store
from auditor_service.store.models import Inspection, Job, Upload
from auditor_service.uploads import ROLES, UNPACK_FACTOR
from auditor_service.web.app import create_app
from tests.packs import zipped
from tests.service.conftest import csrf_token, run_jobs

SAMPLES = Path(__file__).parents[2] / "sample_registers"
SAMPLE = SAMPLES / "example-primary"
CTF_SAMPLE = SAMPLES / "example-primary-ctf"


def sample_files(folder: Path = SAMPLE, *, toml: bool = False) -> list[tuple[str, bytes]]:
    return [(p.name, p.read_bytes()) for p in sorted(folder.iterdir())
            if p.suffix in (".csv", ".xml") or (toml and p.name == "pack.toml")]


def send(client, files: list[tuple[str, bytes]], token: str | None = None):
    token = csrf_token(client) if token is None else token
    parts = [("files", (name, data, "application/octet-stream")) for name, data in files]
    return client.post("/uploads", data={"csrftoken": token}, files=parts, follow_redirects=False)


def upload(client, store, settings, files) -> tuple[str, str]:
    """Upload ``files``, run the validate job, and return the upload's id and page."""
    response = send(client, files)
    assert response.status_code == 303, response.text
    upload_id = response.headers["location"].rsplit("/", 1)[1]
    assert run_jobs(store, settings) == 1
    page = client.get(f"/uploads/{upload_id}")
    assert page.status_code == 200
    return upload_id, page.text


def role_of(page: str, name: str) -> str:
    match = re.search(rf'<dt class="mono">{re.escape(html.escape(name))}</dt>\s*<dd>\s*<strong class="role">([^<]*)</strong>', page)
    assert match, f"{name} is not listed as taken"
    return html.unescape(match[1])


def rows_of(page: str, table_id: str) -> list[list[str]]:
    table = re.search(rf'<table class="table" id="{table_id}">(.*?)</table>', page, re.S)
    assert table, f"no table {table_id}"
    body = table[1].split("<tbody>", 1)[1]
    return [[html.unescape(re.sub("<[^>]+>", "", cell)).strip() for cell in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)]
            for row in re.findall(r"<tr>(.*?)</tr>", body, re.S)]


def pack_toml(settings, upload_id: str) -> str:
    return (settings.uploads / upload_id / "pack.toml").read_text(encoding="utf-8")


def choices_of(page: str) -> dict[str, str]:
    """The correction form as the page fills it: each select's chosen option."""
    form = re.search(r'<form method="post" action="/uploads/\w+/files" id="choices".*?</form>', page, re.S)[0]
    values = {"csrftoken": re.search(r'name="csrftoken" value="([^"]*)"', form)[1]}
    for name, body in re.findall(r'<select id="[^"]*" name="([^"]*)">(.*?)</select>', form, re.S):
        chosen = re.search(r'<option value="([^"]*)" selected>', body)
        values[name] = html.unescape(chosen[1]) if chosen else ""
    return values


def file_index(page: str, name: str) -> int:
    legends = re.findall(r'<legend class="mono">([^<]*)</legend>', page)
    return [html.unescape(x) for x in legends].index(name)


def test_the_new_inspection_form_says_what_it_takes_and_the_limit(client, settings):
    page = client.get("/inspections/new").text
    assert 'enctype="multipart/form-data"' in page and 'type="file"' in page and "multiple" in page
    assert re.search(r'<form[^>]*>\s*<input type="hidden" name="csrftoken"', page)  # the first field
    assert "XLSX" in page and "Parquet" in page and "zip" in page
    assert f"Up to {settings.max_upload_mb} MB" in page


def test_the_sample_files_one_by_one_are_each_taken_for_their_role_and_validated(client, store, settings):
    upload_id, page = upload(client, store, settings, sample_files())
    for name in ("admission_register", "attendance", "la_returns", "allocations", "part_time_timetables", "calendar"):
        assert role_of(page, f"{name}.csv") == ROLES[name]
    assert "long layout" in page
    assert "as named: upn, date, session, code" in page  # the mapping, header by contract column
    assert "What was guessed" in page and "[school]" in pack_toml(settings, upload_id)
    expected = {s.file: s for s in load_pack(SAMPLE).inputs}
    shown = {row[0]: row for row in rows_of(page, "validation")}
    assert set(shown) == set(expected)
    for file, summary in expected.items():
        assert shown[file][3:6] == [str(summary.rows), str(summary.accepted), str(summary.rejected)]
    with store.session() as session:
        files = json.loads(session.get(Upload, upload_id).files)
    assert {f["name"]: f["bytes"] for f in files} == {name: len(data) for name, data in sample_files()}


def test_a_zip_of_the_whole_pack_folder_is_the_pack_with_its_own_pack_toml(client, store, settings):
    archive = zipped({f"example-primary/{name}": data for name, data in sample_files(toml=True)})
    upload_id, page = upload(client, store, settings, [("pack.zip", archive)])
    assert role_of(page, "attendance.csv") == "attendance register"
    assert "What was guessed" not in page  # its pack.toml was taken, not guessed
    assert pack_toml(settings, upload_id) == (SAMPLE / "pack.toml").read_text(encoding="utf-8")
    assert 'value="Brookfield Community Primary School"' in page and 'value="990001"' in page
    assert 'value="14/03/2025"' in page and 'value="02/09/2024"' in page


def test_a_zip_of_files_and_loose_files_together(client, store, settings):
    files = sample_files()
    archive = zipped(dict(files[:3]))
    upload_id, page = upload(client, store, settings, [("exports.zip", archive), *files[3:]])
    assert sorted(p.name for p in (settings.uploads / upload_id).iterdir()) == sorted([n for n, _ in files] + ["pack.toml"])
    assert role_of(page, files[0][0]) == ROLES[files[0][0].removesuffix(".csv")]


def test_common_transfer_files_are_the_register_and_attendance_and_name_the_school(client, store, settings):
    _, page = upload(client, store, settings, sample_files(CTF_SAMPLE))
    assert role_of(page, "ctf.xml") == "Common Transfer File (register and attendance)"
    assert role_of(page, "calendar.csv") == "school calendar"
    config = load_pack(CTF_SAMPLE).config.school
    assert f'value="{html.escape(config.name)}"' in page  # prefilled from the CTF
    assert "ctf.xml" in [row[0] for row in rows_of(page, "validation")]


def test_a_register_with_headers_of_its_own_is_chosen_and_mapped_by_choice(client, store, settings):
    register = (SAMPLE / "admission_register.csv").read_text(encoding="utf-8").replace("surname,", "Family name,", 1)
    files = [("register export.csv", register.encode()), *[f for f in sample_files() if f[0] != "admission_register.csv"]]
    upload_id, page = upload(client, store, settings, files)
    assert role_of(page, "register export.csv") == "not used"  # no surname column: not recognised
    assert "required file is missing" in page and 'id="pack-error"' in page
    assert 'id="inspect-form"' not in page

    # Choose its role: the loader now says which column it lacks.
    form = choices_of(page)
    index = file_index(page, "register export.csv")
    form[f"role-{index}"] = "admission_register"
    response = client.post(f"/uploads/{upload_id}/files", data=form, follow_redirects=False)
    assert response.status_code == 303
    assert 'admission_register = "register export.csv"' in pack_toml(settings, upload_id)
    run_jobs(store, settings)
    page = client.get(f"/uploads/{upload_id}").text
    assert role_of(page, "register export.csv") == "admission register"
    assert "missing required column(s) surname" in page

    # Map its column: valid, and pack.toml says so in [columns.admission_register].
    form = choices_of(page)
    assert form[f"column-{index}-surname"] == "" and form[f"column-{index}-upn"] == "upn"
    form[f"column-{index}-surname"] = "Family name"
    client.post(f"/uploads/{upload_id}/files", data=form)
    toml = pack_toml(settings, upload_id)
    assert "[columns.admission_register]" in toml and 'surname = "Family name"' in toml
    assert "upn = " not in toml  # only what the spelling would not find is written
    run_jobs(store, settings)
    page = client.get(f"/uploads/{upload_id}").text
    assert 'id="pack-error"' not in page and 'id="valid"' in page
    assert "surname ← <span class=\"mono\">Family name</span>" in page


def test_a_guessed_role_changed_to_not_used_leaves_the_file_out(client, store, settings):
    files = [("timetables.csv" if n == "part_time_timetables.csv" else n, d) for n, d in sample_files()]
    upload_id, page = upload(client, store, settings, files)
    assert role_of(page, "timetables.csv") == "part-time timetables"
    form = choices_of(page)
    form[f"role-{file_index(page, 'timetables.csv')}"] = ""
    client.post(f"/uploads/{upload_id}/files", data=form)
    assert "timetables.csv" not in pack_toml(settings, upload_id)
    run_jobs(store, settings)
    page = client.get(f"/uploads/{upload_id}").text
    assert role_of(page, "timetables.csv") == "not used"
    assert "timetables.csv" not in [row[0] for row in rows_of(page, "validation")]
    assert "part time timetables" in re.search(r'<p id="absent">(.*?)</p>', page)[1]


def test_a_file_named_for_a_role_cannot_be_left_out_without_another_taking_it(client, store, settings):
    upload_id, page = upload(client, store, settings, sample_files())
    before = pack_toml(settings, upload_id)
    form = choices_of(page)
    form[f"role-{file_index(page, 'calendar.csv')}"] = ""
    response = client.post(f"/uploads/{upload_id}/files", data=form)
    assert response.status_code == 400
    summary = re.search(r'<div class="error-summary".*?</div>', response.text, re.S)[0]
    assert "calendar.csv is always read as the school calendar" in summary
    assert pack_toml(settings, upload_id) == before


def test_two_files_for_one_role_are_refused(client, store, settings):
    upload_id, page = upload(client, store, settings, sample_files())
    form = choices_of(page)
    form[f"role-{file_index(page, 'allocations.csv')}"] = "la_returns"
    response = client.post(f"/uploads/{upload_id}/files", data=form)
    assert response.status_code == 400
    assert "allocations.csv and la_returns.csv are each chosen as the LA&#39;s list of returns" in response.text


def test_rejected_rows_are_shown_with_file_line_and_column(client, store, settings, tmp_path):
    lines = (SAMPLE / "admission_register.csv").read_text(encoding="utf-8").splitlines(keepends=True)
    header = lines[0].rstrip("\n").split(",")
    cells = lines[4].rstrip("\n").split(",")
    cells[header.index("date_of_birth")] = "31/02/2015"
    lines[4] = ",".join(cells) + "\n"
    register = "".join(lines).encode()
    files = [("admission_register.csv", register), *[f for f in sample_files() if f[0] != "admission_register.csv"]]
    _, page = upload(client, store, settings, files)
    rejected = rows_of(page, "rejected-rows")
    assert ["admission_register.csv", "5", "date_of_birth"] in [row[:3] for row in rejected]
    assert "does not exist" in " ".join(row[3] for row in rejected)
    assert re.search(r'<h3 id="rejected-count">\d+ rejected of \d+ read</h3>', page)


def test_only_the_kinds_the_loader_reads_are_taken(client, store, settings):
    files = [*sample_files(), ("tool.exe", b"MZ\x90\x00"), ("page.html", b"<p>hi</p>"), (".hidden.csv", b"a,b\n")]
    upload_id, page = upload(client, store, settings, files)
    refused = {row[0]: row[1] for row in rows_of(page, "not-taken")}
    assert "not a kind of file an inspection reads (.exe)" in refused["tool.exe"]
    assert "(.html)" in refused["page.html"]
    assert refused[".hidden.csv"] == "a hidden file"
    assert not (settings.uploads / upload_id / "tool.exe").exists()


def test_an_upload_with_nothing_to_take_is_refused_on_the_form(client, store, settings):
    response = send(client, [("tool.exe", b"MZ")])
    assert response.status_code == 400
    assert "None of the files could be taken" in response.text and 'id="not-taken"' in response.text
    assert list(settings.uploads.iterdir()) == []
    with store.session() as session:
        assert session.scalars(select(Upload)).all() == []


def test_file_names_are_base_names_and_unique(client, store, settings):
    register = (SAMPLE / "admission_register.csv").read_bytes()
    files = [("C:\\Users\\me\\exports\\admission_register.csv", register), ("../admission_register.CSV", register)]
    upload_id, page = upload(client, store, settings, files)
    assert sorted(p.name for p in (settings.uploads / upload_id).iterdir()) == ["admission_register.csv", "pack.toml"]
    assert "another file named admission_register.CSV was taken first" in rows_of(page, "not-taken")[0][1]


def test_zip_entries_that_climb_out_links_and_zips_in_zips_are_refused(client, store, settings):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("admission_register.csv", (SAMPLE / "admission_register.csv").read_bytes())
        archive.writestr("../evil.csv", b"upn\n")
        archive.writestr("/etc/evil2.csv", b"upn\n")
        archive.writestr("C:/evil3.csv", b"upn\n")
        link = zipfile.ZipInfo("link.csv")
        link.external_attr = (0o120777 << 16)
        archive.writestr(link, "/etc/passwd")
        archive.writestr("inner.zip", zipped({"a.csv": b"upn\n"}))
        archive.writestr("sub/folder/deep.csv", b"upn\n")
    upload_id, page = upload(client, store, settings, [("exports.zip", buffer.getvalue())])
    refused = dict(rows_of(page, "not-taken"))
    for name in ("../evil.csv", "/etc/evil2.csv", "C:/evil3.csv"):
        assert "climbs out of the zip" in refused[f"exports.zip: {name}"]
    assert "symbolic link" in refused["exports.zip: link.csv"]
    assert "a zip inside the zip" in refused["exports.zip: inner.zip"]
    assert "sub-folder" in refused["exports.zip: sub/folder/deep.csv"]
    assert sorted(p.name for p in (settings.uploads / upload_id).iterdir()) == ["admission_register.csv", "pack.toml"]
    assert not any(p.name.startswith("evil") for p in settings.data.rglob("*"))


@pytest.fixture
def small(tmp_path, database_url):
    """The app with a 1 MB upload limit: a client and its settings."""
    settings = Settings(data=tmp_path / "small", database=database_url, max_upload_mb=1)
    store = open_store(settings.database_url)
    with TestClient(create_app(settings, store), base_url="http://localhost", raise_server_exceptions=False) as client:
        yield client, settings
    store.dispose()


def test_a_zip_bomb_is_refused_and_leaves_nothing(small):
    client, settings = small
    bomb = zipped({"admission_register.csv": (SAMPLE / "admission_register.csv").read_bytes(),
                   "attendance.csv": b"0" * (UNPACK_FACTOR * settings.max_upload_bytes + 1)})
    assert len(bomb) < settings.max_upload_bytes
    response = send(client, [("bomb.zip", bomb)])
    assert response.status_code == 400
    assert "looks like a zip bomb" in dict(rows_of(response.text, "not-taken"))["bomb.zip"]
    assert list(settings.uploads.iterdir()) == []


def test_an_upload_over_the_limit_gets_the_page_that_says_so(small):
    client, settings = small
    response = send(client, [("attendance.csv", b"upn,date\n" * 150_000)])
    assert response.status_code == 413
    assert "<html" in response.text and "the limit is 1 MB" in response.text


def test_a_zip_with_too_many_entries_is_refused(client, settings, monkeypatch):
    monkeypatch.setattr("auditor_service.uploads.MAX_ZIP_ENTRIES", 3)
    response = send(client, [("many.zip", zipped({f"f{i}.csv": b"upn\n" for i in range(4)}))])
    assert "has 4 entries, more than the 3 taken from one zip" in response.text


def test_a_damaged_zip_is_said_to_be_one(client):
    response = send(client, [("exports.zip", b"PK\x03\x04 not really")])
    assert "not a zip that can be opened" in response.text


def test_a_corrupt_workbook_gives_the_command_lines_message_on_the_page(client, store, settings):
    data = b"PK\x03\x04 this is no workbook"
    try:
        read_cells(data, "admission_register.xlsx")
    except PackError as err:
        problem = err.problem
    else:
        pytest.fail("the library read a corrupt workbook")
    _, page = upload(client, store, settings, [("admission_register.xlsx", data)])
    assert html.escape(problem) in page
    assert "Traceback" not in page


def test_a_csv_that_is_no_register_is_said_so(client, store, settings):
    _, page = upload(client, store, settings, [("notes.csv", b"colour,size\nred,3\n")])
    assert "admission_register.csv</span>: required file is missing from the pack" in page
    assert "notes.csv: not recognised (headers: colour, size)" in page
    assert role_of(page, "notes.csv") == "not used"


def test_a_malformed_pack_toml_is_an_error_on_the_page_not_a_failure(client, store, settings):
    upload_id, page = upload(client, store, settings, [*sample_files(), ("pack.toml", b"[school\nurn = 1")])
    assert 'id="pack-error"' in page and "is not valid TOML" in page
    assert role_of(page, "admission_register.csv") == "not used"
    with store.session() as session:
        assert session.scalars(select(Job.status).where(Job.upload_id == upload_id)).one() == "done"


def test_a_post_without_the_csrf_token_is_refused(client, settings):
    response = send(client, sample_files()[:1], token="")
    assert response.status_code == 403
    assert not settings.uploads.exists() or list(settings.uploads.iterdir()) == []


def test_html_and_formulas_in_names_and_cells_are_shown_as_text(client, store, settings):
    register = (SAMPLE / "admission_register.csv").read_text(encoding="utf-8")
    register = register.replace("ehcp", '<b onclick="x()">ehcp</b>', 1).replace("year_group", '"=HYPERLINK(""http://evil.example"")"', 1)
    files = [("<img src=x onerror=alert(1)>.csv", b"upn\n"), ("admission_register.csv", register.encode())]
    _, page = upload(client, store, settings, files)
    assert "<img src=x" not in page and "&lt;img src=x onerror=alert(1)&gt;.csv" in page
    assert '<b onclick' not in page and "&lt;b onclick=&#34;x()&#34;&gt;ehcp&lt;/b&gt;" in page
    assert '<option value="=HYPERLINK(&#34;http://evil.example&#34;)">' in page  # a header to choose, as text


def _valid_upload(client, store, settings) -> tuple[str, str]:
    return upload(client, store, settings, sample_files())


def inspect_form(page: str, **values: str) -> dict[str, str]:
    form = {"csrftoken": re.search(r'name="csrftoken" value="([^"]*)"', page)[1], "urn": "990001",
            "name": "Brookfield Community Primary School", "la": "Northshire Council", "as_of": "14/03/2025",
            "period_start": "02/09/2024", "policy": "statutory"}
    return form | values


def test_the_inspect_forms_errors_are_in_the_error_summary_and_by_each_field(client, store, settings):
    upload_id, page = _valid_upload(client, store, settings)
    assert 'value=""' in re.search(r'<input[^>]*id="urn"[^>]*>', page)[0]  # init's 000000 is not offered
    response = client.post(f"/uploads/{upload_id}/inspect",
                           data=inspect_form(page, urn="12345", name="", as_of="31/02/2025", period_start="02/13/2024"))
    assert response.status_code == 400
    summary = re.search(r'<div class="error-summary".*?</div>', response.text, re.S)[0]
    assert '<a href="#urn">Enter the school&#39;s URN: 6 digits' in summary
    assert '<a href="#name">Enter the school&#39;s name' in summary
    assert '<a href="#as_of">' in summary and "date 31/02/2025 does not exist" in summary
    assert '<a href="#period_start">' in summary
    assert 'id="as_of-error"' in response.text and 'value="31/02/2025"' in response.text  # kept as typed
    later = client.post(f"/uploads/{upload_id}/inspect", data=inspect_form(page, period_start="15/03/2025"))
    assert "The period start must be on or before the as-at date" in later.text
    with store.session() as session:
        assert session.scalars(select(Job).where(Job.kind == "inspect")).all() == []


def test_inspect_queues_the_job_with_its_options_and_the_job_makes_an_inspection(client, store, settings):
    upload_id, page = _valid_upload(client, store, settings)
    response = client.post(f"/uploads/{upload_id}/inspect", data=inspect_form(page, as_of="14/03/2025"),
                           follow_redirects=False)
    assert response.status_code == 303
    job_id = int(response.headers["location"].rsplit("/", 1)[1])
    with store.session() as session:
        job = session.get(Job, job_id)
        assert (job.kind, job.upload_id, json.loads(job.options)) == (
            "inspect", upload_id, {"as_of": "2025-03-14", "policy": "statutory", "self_audit": False, "created_by": ""})
    toml = pack_toml(settings, upload_id)
    assert 'urn = "990001"' in toml and "date = 2025-03-14" in toml and "period_start = 2024-09-02" in toml
    assert "# CHECK" not in toml  # what init asked the user to check is set, and says so no more
    progress = client.get(f"/jobs/{job_id}")
    assert progress.status_code == 200 and f'data-job-status="/jobs/{job_id}/status"' in progress.text
    assert run_jobs(store, settings) == 1
    with store.session() as session:
        inspection = session.scalars(select(Inspection)).one()
        assert (inspection.urn, inspection.upload_id, inspection.as_of.isoformat()) == ("990001", upload_id, "2025-03-14")
    done = client.get(f"/jobs/{job_id}", follow_redirects=False)
    assert done.status_code == 303 and done.headers["location"] == f"/inspections/{inspection.id}"
    assert client.get(f"/jobs/{job_id}/status").json()["next"] == f"/inspections/{inspection.id}"


def test_an_unknown_upload_is_not_found(client):
    assert client.get("/uploads/" + "0" * 32).status_code == 404
    assert client.get("/uploads/..%2F..%2Fetc").status_code == 404


def test_a_workbook_a_wide_grid_and_a_parquet_file_are_each_read(client, store, settings, tmp_path):
    import pandas as pd

    register = pd.read_csv(SAMPLE / "admission_register.csv", dtype=str, keep_default_na=False)
    register.to_excel(tmp_path / "register.xlsx", index=False)
    marks = pd.read_csv(SAMPLE / "attendance.csv", dtype=str, keep_default_na=False)
    marks["column"] = marks["date"] + " " + marks["session"]
    grid = marks.pivot(index="upn", columns="column", values="code").fillna("").reset_index()
    grid.to_csv(tmp_path / "grid.csv", index=False)
    marks[["upn", "date", "session", "code"]].to_parquet(tmp_path / "marks.parquet")
    workbook = zipped({"register.xlsx": (tmp_path / "register.xlsx").read_bytes()})  # a zip itself, in a zip
    files = [("exports.zip", workbook), *[(p.name, p.read_bytes()) for p in (tmp_path / "grid.csv", tmp_path / "marks.parquet")]]
    upload_id, page = upload(client, store, settings, files)
    assert role_of(page, "register.xlsx") == "admission register"
    # Both are the attendance: the whole list of marks fits better than the grid, which is left out.
    assert role_of(page, "marks.parquet") == "attendance register"
    assert role_of(page, "grid.csv") == "not used"
    shown = {row[0].split(" (sheet")[0]: row for row in rows_of(page, "validation")}
    assert shown["register.xlsx"][3] == str(len(register))
    assert "grid.csv" not in shown and shown["marks.parquet"][1:5] == ["long", "rows", str(len(marks)), str(len(marks))]

    # The wide grid chosen as the attendance instead of the Parquet list of marks.
    form = choices_of(page)
    form[f"role-{file_index(page, 'marks.parquet')}"] = ""
    form[f"role-{file_index(page, 'grid.csv')}"] = "attendance"
    client.post(f"/uploads/{upload_id}/files", data=form)
    assert 'attendance = "grid.csv"' in pack_toml(settings, upload_id)
    run_jobs(store, settings)
    page = client.get(f"/uploads/{upload_id}").text
    assert "wide layout" in page
    shown = {row[0]: row for row in rows_of(page, "validation")}
    assert "marks.parquet" not in shown
    assert shown["grid.csv"][1:3] == ["wide", "marks"] and shown["grid.csv"][4] == str(len(marks))


def test_the_layout_chosen_is_written_and_read_so(client, store, settings):
    marks = [line.split(",") for line in (SAMPLE / "attendance.csv").read_text(encoding="utf-8").splitlines()[1:200]]
    columns = sorted({f"{date} {session}" for _, date, session, _ in marks})
    grid = "upn," + ",".join(columns) + "\n" + "".join(
        f"{upn}," + ",".join(code if f"{date} {session}" == column else "" for column in columns) + "\n"
        for upn, date, session, code in marks)
    files = [("admission_register.csv", (SAMPLE / "admission_register.csv").read_bytes()), ("marks.csv", grid.encode())]
    upload_id, page = upload(client, store, settings, files)
    assert "wide layout" in page
    form = choices_of(page)
    assert form["layout"] == "wide"
    form["layout"] = "long"
    client.post(f"/uploads/{upload_id}/files", data=form)
    assert 'attendance_layout = "long"' in pack_toml(settings, upload_id)
    run_jobs(store, settings)
    page = client.get(f"/uploads/{upload_id}").text
    assert "long layout" in page and "marks.csv</span>: missing required column(s) date, session, code" in page


def test_waivers_csv_is_kept_in_the_pack_with_no_role_to_choose(client, store, settings):
    waivers = b"finding_id,reason,agreed_by,expires\nabc,LA-agreed extension,J Smith,28/02/2026\n"
    upload_id, page = upload(client, store, settings, [*sample_files(), ("waivers.csv", waivers)])
    assert (settings.uploads / upload_id / "waivers.csv").read_bytes() == waivers
    assert '<dt class="mono">waivers.csv</dt>' not in page and "<legend class=\"mono\">waivers.csv" not in page
    assert 'id="valid"' in page
