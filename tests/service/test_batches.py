"""A folder of packs imported as one batch: each folder with a pack.toml is an upload and an
inspect job of its own, and the batch's page follows them to the end."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

from markupsafe import escape
from sqlalchemy import select
from starlette.testclient import TestClient

from auditor_service.retention import purge
from auditor_service.settings import Settings
from auditor_service.store.models import Batch, Inspection, Job, Upload
from auditor_service.web.app import create_app
from tests.packs import zipped
from tests.service.conftest import csrf_token, run_jobs

SAMPLE = Path(__file__).parents[2] / "sample_registers" / "example-primary"
SCHOOLS = {"school-a": ("990101", "Alder Primary"), "school-b": ("990102", "Birch Primary"),
           "school-c": ("990103", "Cedar Primary")}


def pack_files(folder: str, urn: str, name: str, toml: str | None = None) -> list[tuple[str, bytes]]:
    """The sample pack as a school's pack folder at ``folder``, under another URN and name."""
    files = []
    for path in sorted(SAMPLE.iterdir()):
        data = path.read_bytes()
        if path.name == "pack.toml":
            text = re.sub(r'(?m)^urn = ".*"$', f'urn = "{urn}"', path.read_text(encoding="utf-8"))
            text = re.sub(r'(?m)^name = ".*"$', f'name = "{name}"', text)
            data = (text if toml is None else toml).encode()
        files.append((f"{folder}/{path.name}", data))
    return files


def three_packs(top: str = "packs") -> list[tuple[str, bytes]]:
    return [f for folder, (urn, name) in SCHOOLS.items() for f in pack_files(f"{top}/{folder}", urn, name)]


def send(client, files: list[tuple[str, bytes]], token: str | None = None):
    """As Chromium sends a folder chosen: each file's name is its path in the folder."""
    token = csrf_token(client) if token is None else token
    parts = [("files", (name, data, "application/octet-stream")) for name, data in files]
    return client.post("/batches", data={"csrftoken": token}, files=parts, follow_redirects=False)


def imported(client, files) -> int:
    response = send(client, files)
    assert response.status_code == 303, response.text
    batch_id = int(response.headers["location"].rsplit("/", 1)[1])
    assert response.headers["location"] == f"/batches/{batch_id}"
    return batch_id


def test_a_zip_of_three_packs_is_three_uploads_inspected_and_followed_on_the_batch_page(client, store, settings):
    batch_id = imported(client, [("packs.zip", zipped(three_packs()))])
    with store.session() as session:
        uploads = session.scalars(select(Upload).where(Upload.batch_id == batch_id)).all()
        assert len(uploads) == 3
        jobs = session.scalars(select(Job).where(Job.upload_id.in_([u.id for u in uploads]))).all()
        assert sorted(j.kind for j in jobs) == ["inspect"] * 3 and {j.status for j in jobs} == {"queued"}
    for upload in uploads:  # each pack in a folder of its own, its files at the top
        assert (settings.uploads / upload.id / "pack.toml").is_file()
        assert (settings.uploads / upload.id / "admission_register.csv").is_file()
    waiting = client.get(f"/batches/{batch_id}").text
    assert "0 of 3 inspected" in waiting and '<meta http-equiv="refresh" content="3">' in waiting
    assert '<script src="/static/batch.js"' in waiting and 'id="to-authority"' not in waiting

    assert run_jobs(store, settings) == 3
    with store.session() as session:
        inspections = session.scalars(select(Inspection).where(Inspection.batch_id == batch_id)).all()
        assert sorted(i.urn for i in inspections) == sorted(urn for urn, _ in SCHOOLS.values())
        assert session.get(Batch, batch_id).name == "packs.zip"
    page = client.get(f"/batches/{batch_id}").text
    assert "3 of 3 inspected" in page and '<progress max="3" value="3">' in page
    for inspection in inspections:
        assert f'href="/inspections/{inspection.id}"' in page
    for folder, (_, name) in SCHOOLS.items():
        assert f"packs.zip: packs/{folder}" in page and name in page
    assert 'href="/authority" id="to-authority"' in page and "http-equiv" not in page and "batch.js" not in page
    # the sample's manifest.json is no file an inspection reads: said, under its pack
    assert "packs.zip: packs/school-a/manifest.json" in page


def test_a_folder_chosen_in_the_browser_is_grouped_by_its_paths(client, store, settings):
    files = [*three_packs(), ("packs/notes.txt", b"for the officer"), ("packs/school-a/old/attendance.csv", b"x")]
    batch_id = imported(client, files)
    assert run_jobs(store, settings) == 3
    with store.session() as session:
        assert session.scalar(select(Batch.name).where(Batch.id == batch_id)) == "packs"
        assert len(session.scalars(select(Inspection).where(Inspection.batch_id == batch_id)).all()) == 3
    page = client.get(f"/batches/{batch_id}").text
    assert "3 of 3 inspected" in page
    not_used = page.split('id="not-used"', 1)[1]
    assert "packs/notes.txt" in not_used and "packs/school-a/old/attendance.csv" in not_used
    assert "not in a pack folder" in not_used
    for upload in settings.uploads.iterdir():  # neither was copied into any pack
        assert not (upload / "notes.txt").exists() and not (upload / "old").exists()


def test_a_pack_whose_pack_toml_cannot_be_read_fails_with_the_loaders_reason_and_the_others_are_inspected(
        client, store, settings):
    files = [f for f in three_packs() if not f[0].startswith("packs/school-c/")]
    files += pack_files("packs/school-c", "990103", "Cedar Primary", toml="[school\nurn = 1")
    batch_id = imported(client, files)
    assert run_jobs(store, settings) == 3
    with store.session() as session:
        assert len(session.scalars(select(Inspection).where(Inspection.batch_id == batch_id)).all()) == 2
        failed = session.scalars(select(Job).where(Job.status == "failed")).one()
    assert failed.error.startswith("pack.toml: is not valid TOML")  # the loader's own message
    page = client.get(f"/batches/{batch_id}").text
    assert "2 of 3 inspected" in page and "1 could not be inspected" in page
    row = page.split('<td class="mono">packs/school-c</td>', 1)[1].split("</tr>", 1)[0]
    assert '<span class="tag failed">' in row and str(escape(failed.error)) in row and "not known" in row
    assert 'href="/authority" id="to-authority"' in page  # all finished, one of them failed


def test_a_path_that_climbs_out_of_the_folder_is_refused_and_nothing_is_written_outside(client, store, settings):
    files = [*pack_files("packs/school-a", "990101", "Alder Primary"), ("packs/../../evil.csv", b"upn\n"),
             ("/etc/evil.csv", b"upn\n"), ("packs/.hidden/pack.toml", b"")]
    batch_id = imported(client, files)
    page = client.get(f"/batches/{batch_id}").text
    not_used = page.split('id="not-used"', 1)[1]
    assert "packs/../../evil.csv" in not_used and "/etc/evil.csv" in not_used and "climbs out" in not_used
    assert "packs/.hidden/pack.toml" in not_used and "hidden" in not_used
    assert not list(settings.data.parent.rglob("evil.csv"))
    with store.session() as session:
        assert len(session.scalars(select(Upload).where(Upload.batch_id == batch_id)).all()) == 1


def test_a_folder_with_no_pack_is_said_so_on_the_form(client, store, settings):
    response = send(client, [("exports/admission_register.csv", b"upn\n")])
    assert response.status_code == 400
    assert "No pack was found" in response.text and "exports/admission_register.csv" in response.text
    with store.session() as session:
        assert session.scalars(select(Batch)).all() == [] and session.scalars(select(Upload)).all() == []
    assert not settings.uploads.exists() or list(settings.uploads.iterdir()) == []


def test_a_damaged_zip_is_listed_and_the_packs_beside_it_are_taken(client, store, settings):
    batch_id = imported(client, [*pack_files("packs/school-a", "990101", "Alder Primary"), ("old.zip", b"PK not a zip")])
    page = client.get(f"/batches/{batch_id}").text
    assert "old.zip" in page.split('id="not-used"', 1)[1] and "not a zip that can be opened" in page


def test_an_unknown_batch_is_the_not_found_page(client):
    response = client.get("/batches/999")
    assert response.status_code == 404 and "Page not found" in response.text
    assert client.get("/batches/x").status_code == 404


def test_a_post_without_the_csrf_token_is_refused(client, store, settings):
    response = send(client, three_packs(), token="")
    assert response.status_code == 403
    assert not settings.uploads.exists() or list(settings.uploads.iterdir()) == []
    with store.session() as session:
        assert session.scalars(select(Batch)).all() == []


def test_the_form_sends_the_token_first_and_the_home_and_authority_pages_link_to_it(client):
    form = client.get("/batches/new").text
    fields = re.findall(r'<input [^>]*name="([^"]+)"', form)
    assert fields[0] == "csrftoken" and fields.count("files") == 2 and "webkitdirectory" in form
    assert 'href="/batches/new"' in client.get("/").text
    assert 'href="/batches/new"' in client.get("/authority").text


def test_a_file_too_many_folders_down_is_not_used(client, store, settings):
    deep = "a/b/c/d/e/f/pack.toml"
    batch_id = imported(client, [*pack_files("packs/school-a", "990101", "Alder Primary"), (deep, b"")])
    not_used = client.get(f"/batches/{batch_id}").text.split('id="not-used"', 1)[1]
    assert deep in not_used and "folders down" in not_used
    with store.session() as session:
        assert len(session.scalars(select(Upload).where(Upload.batch_id == batch_id)).all()) == 1


def test_a_zip_that_says_it_unpacks_to_too_much_is_not_used_and_the_zip_after_it_is(tmp_path, store):
    small = Settings(data=tmp_path / "small", database=store.url, max_upload_mb=1)
    big = [("packs/school-a/big.csv", b"0" * (11 << 20))]
    bomb = zipped(pack_files("packs/school-a", "990101", "Alder Primary") + big)
    good = zipped(pack_files("school-b", "990102", "Birch Primary"))
    with TestClient(create_app(small, store), base_url="http://localhost") as client:
        response = send(client, [("bomb.zip", bomb)])
        assert response.status_code == 400 and "zip bomb" in response.text and "bomb.zip" in response.text
        assert not small.uploads.exists() or list(small.uploads.iterdir()) == []
        batch_id = imported(client, [("bomb.zip", bomb), ("good.zip", good)])
        page = client.get(f"/batches/{batch_id}").text
    assert "good.zip: school-b" in page.split('id="packs"', 1)[1].split("</table>", 1)[0]
    assert "zip bomb" in page.split('id="not-used"', 1)[1]
    with store.session() as session:
        assert len(session.scalars(select(Upload).where(Upload.batch_id == batch_id)).all()) == 1


def test_two_zips_of_one_name_are_not_taken_as_one(client, store):
    first = zipped(pack_files("school-a", "990101", "Alder Primary"))
    second = zipped(pack_files("school-a", "990102", "Birch Primary"))
    batch_id = imported(client, [("packs.zip", first), ("PACKS.zip", second)])
    page = client.get(f"/batches/{batch_id}").text
    assert "another zip named PACKS.zip was taken first" in page
    with store.session() as session:
        assert len(session.scalars(select(Upload).where(Upload.batch_id == batch_id)).all()) == 1


def test_the_files_of_a_batch_are_purged_with_its_uploads_and_its_page_still_shows_the_inspections(
        client, store, settings):
    batch_id = imported(client, [*three_packs(), ("packs/notes.txt", b"x")])
    run_jobs(store, settings)
    assert any(f.name == f"batch-{batch_id}" for f in settings.uploads.iterdir())
    later = dt.datetime.now(dt.UTC).replace(tzinfo=None) + dt.timedelta(days=settings.retention_days + 1)
    purge(store, settings, now=later)
    assert list(settings.uploads.iterdir()) == []
    page = client.get(f"/batches/{batch_id}").text
    assert "3 of 3 inspected" in page and "packs/notes.txt" not in page
    assert len(re.findall(r'href="/inspections/\d+"', page)) == 3
