"""The upload page's column choices come from a file's headers, read from its first lines only
when the file is large (the validation reads it whole)."""

from __future__ import annotations

from auditor_service.jobs.validate import HEAD_BYTES, headers_of


def test_a_large_files_headers_come_from_its_first_lines(tmp_path):
    path = tmp_path / "marks.csv"
    row = "A123456789012,02/09/2024,AM,/\n"
    path.write_text("UPN,Date,Session,Mark\n" + row * (2 * HEAD_BYTES // len(row)), encoding="utf-8")
    assert path.stat().st_size > 2 * HEAD_BYTES - len(row)
    assert headers_of(path, path.name) == ["UPN", "Date", "Session", "Mark"]


def test_a_quoted_cell_cut_at_the_head_falls_back_to_the_whole_file(tmp_path):
    path = tmp_path / "notes.csv"
    long_cell = '"' + ("line\n" * (HEAD_BYTES // 4)) + '"'  # one cell over the head's end, line breaks in it
    path.write_text(f"upn,note\nA123456789012,{long_cell}\n", encoding="utf-8")
    assert headers_of(path, path.name) == ["upn", "note"]


def test_a_small_file_is_read_whole(tmp_path):
    path = tmp_path / "register.csv"
    path.write_text("upn,surname\nA123456789012,Smith\n", encoding="utf-8")
    assert headers_of(path, path.name) == ["upn", "surname"]
