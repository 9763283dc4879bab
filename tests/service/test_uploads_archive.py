"""A zip opened without trusting it: what it unpacks to is counted as it unpacks, whatever it
declares; a zip of a pack folder gives that folder's files."""

from __future__ import annotations

import io
import zipfile

import pytest

from auditor_service.archive import CHUNK, ArchiveRefused, Budget, entries, files, unpack


def _zip(names: dict[str, bytes]) -> zipfile.ZipFile:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in names.items():
            archive.writestr(name, data)
    return zipfile.ZipFile(io.BytesIO(buffer.getvalue()))


def test_the_budget_is_enforced_while_unpacking_not_only_from_the_declared_sizes():
    archive = _zip({"attendance.csv": b"0" * 50_000})
    (entry,) = entries(archive, 10)
    budget = Budget(limit=10_000)  # declared sizes never checked here: a zip may lie about them
    with pytest.raises(ArchiveRefused, match="zip bomb"):
        unpack(archive, entry, io.BytesIO(), budget)
    assert budget.used <= 10_000 + CHUNK  # stopped at the chunk that crossed the limit


def test_the_declared_sizes_refuse_a_bomb_before_it_is_unpacked():
    archive = _zip({"a.csv": b"0" * 5000, "b.csv": b"0" * 5000})
    budget = Budget(limit=8000)
    with pytest.raises(ArchiveRefused):
        budget.check_declared(entries(archive, 10))


def test_a_zip_of_one_pack_folder_gives_its_files_and_leaves_out_its_sub_folders_and_hidden_files():
    archive = _zip({"pack/admission_register.csv": b"x", "pack/pack.toml": b"x", "pack/old/attendance.csv": b"x",
                    "__MACOSX/pack/._admission_register.csv": b"x", "pack/.DS_Store": b"x"})
    taken = {entry.name: name for entry, name in files(entries(archive, 10))}
    assert taken["pack/admission_register.csv"] == "admission_register.csv" and taken["pack/pack.toml"] == "pack.toml"
    assert taken["pack/old/attendance.csv"] is None and taken["pack/.DS_Store"] is None
    assert taken["__MACOSX/pack/._admission_register.csv"] is None


def test_files_at_the_top_are_the_pack_and_a_folder_beside_them_is_not():
    archive = _zip({"admission_register.csv": b"x", "exports/attendance.csv": b"x"})
    taken = {entry.name: name for entry, name in files(entries(archive, 10))}
    assert taken == {"admission_register.csv": "admission_register.csv", "exports/attendance.csv": None}


def test_backslashes_and_drive_letters_are_refused_as_climbing_out():
    archive = _zip({"..\\evil.csv": b"x", "D:evil.csv": b"x", "ok\\..\\..\\evil.csv": b"x"})
    assert all(e.refused and "climbs out" in e.refused for e in entries(archive, 10))
