"""A guessed pack is judged as at the attendance register's last day with marks, not as at today."""

from __future__ import annotations

import csv
import datetime as dt
import re

from auditor.values import parse_date
from tests.service.test_uploads import SAMPLE, pack_toml, sample_files, upload


def _field(page: str, name: str) -> str:
    return re.search(rf'id="{name}" name="{name}" value="([^"]*)"', page)[1]


def test_the_inspect_form_offers_the_last_day_with_marks_and_the_start_of_that_school_year(client, store, settings):
    with (SAMPLE / "attendance.csv").open(newline="", encoding="utf-8") as handle:
        last = max(parse_date(row["date"]) for row in csv.DictReader(handle))
    assert last < dt.date.today()  # else the guess would keep today, and this test would test nothing
    upload_id, page = upload(client, store, settings, sample_files())  # without its pack.toml: guessed
    assert _field(page, "as_of") == f"{last:%d/%m/%Y}"
    assert _field(page, "period_start") == f"01/09/{last.year if last.month >= 9 else last.year - 1}"
    assert f"last day with marks is {last:%d/%m/%Y}" in page
    assert f"date = {last.isoformat()}" in pack_toml(settings, upload_id)


def test_a_pack_that_names_its_dates_keeps_them(client, store, settings):
    upload_id, page = upload(client, store, settings, sample_files(toml=True))
    assert _field(page, "as_of") == "14/03/2025"  # the sample's pack.toml
    assert "last day with marks" not in page
