"""Inspections made for the school, authority and retention tests: the sample pack, copied as
an upload with its school and date changed, inspected by the job queue as the service does."""

from __future__ import annotations

import csv
import datetime as dt
import shutil
import uuid
from html.parser import HTMLParser
from pathlib import Path

import tomlkit

from auditor_service.jobs import enqueue
from auditor_service.settings import Settings
from auditor_service.store import Store
from auditor_service.store.models import Job, Upload
from tests.service.conftest import run_jobs

SAMPLE = Path(__file__).resolve().parents[2] / "sample_registers" / "example-primary"


def upload_pack(store: Store, settings: Settings, urn: str = "990001", name: str = "Brookfield Community Primary School",
                date: dt.date = dt.date(2025, 3, 14), received: dt.datetime | None = None,
                surnames: dict[str, str] | None = None) -> str:
    """The sample pack as a school's upload, judged as at ``date``, with the pupils of the UPNs in
    ``surnames`` renamed; returns the upload's id."""
    upload_id = uuid.uuid4().hex
    folder = settings.uploads / upload_id
    shutil.copytree(SAMPLE, folder)
    config = tomlkit.parse((folder / "pack.toml").read_text(encoding="utf-8"))
    config["school"]["urn"], config["school"]["name"] = urn, name
    config["inspection"]["date"] = date
    (folder / "pack.toml").write_text(tomlkit.dumps(config), encoding="utf-8")
    if surnames:
        register = folder / "admission_register.csv"
        with register.open(newline="", encoding="utf-8") as handle:
            rows = list(csv.DictReader(handle))
        assert set(surnames) <= {row["upn"] for row in rows}
        for row in rows:
            row["surname"] = surnames.get(row["upn"], row["surname"])
        with register.open("w", newline="", encoding="utf-8") as handle:
            writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
            writer.writeheader()
            writer.writerows(rows)
    with store.session() as session:
        session.add(Upload(id=upload_id, **({"created_at": received} if received else {})))
    return upload_id


def inspect_pack(store: Store, settings: Settings, **pack) -> int:
    """Upload the pack and inspect it through the queue; returns the inspection's id."""
    upload_id = upload_pack(store, settings, **pack)
    job_id = enqueue(store, "inspect", upload_id)
    assert run_jobs(store, settings) == 1
    with store.session() as session:
        job = session.get(Job, job_id)
        assert job.status == "done", job.error
        return job.inspection_id


class _Tables(HTMLParser):
    def __init__(self):
        super().__init__()
        self.tables: dict[str, list[list[str]]] = {}
        self._table: str | None = None
        self._row: list[str] | None = None
        self._cell: list[str] | None = None
        self.row_ids: dict[str, list[str | None]] = {}

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "table":
            self._table = attrs.get("id") or f"table-{len(self.tables)}"
            self.tables[self._table], self.row_ids[self._table] = [], []
        elif tag == "tr" and self._table:
            self._row = []
            self.row_ids[self._table].append(attrs.get("id"))
        elif tag in ("td", "th") and self._row is not None:
            self._cell = []

    def handle_endtag(self, tag):
        if tag in ("td", "th") and self._cell is not None:
            self._row.append(" ".join("".join(self._cell).split()))
            self._cell = None
        elif tag == "tr" and self._row is not None:
            self.tables[self._table].append(self._row)
            self._row = None
        elif tag == "table":
            self._table = None

    def handle_data(self, data):
        if self._cell is not None:
            self._cell.append(data)


def table(html: str, table_id: str) -> tuple[list[str], list[list[str]], list[str | None]]:
    """The header, the body rows (each cell's text) and the rows' ids of the table ``table_id``."""
    parser = _Tables()
    parser.feed(html)
    assert table_id in parser.tables, f"no table #{table_id}"
    header, *rows = parser.tables[table_id]
    return header, rows, parser.row_ids[table_id][1:]
