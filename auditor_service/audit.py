"""The audit log: every sign-in and failure, every upload, every view or download of pupil data,
every decision recorded, and every refusal. Rows are only ever added (the database refuses
anything else: migration 0002)."""

from __future__ import annotations

from auditor_service.store import Store
from auditor_service.store.models import AuditEvent

LIMITS = {"actor": 100, "role": 16, "action": 40, "outcome": 16, "urn": 16, "upload_id": 32, "path": 500,
          "address": 64, "detail": 2000}


def record(store: Store, *, actor: str, action: str, role: str = "", outcome: str = "ok", urn: str | None = None,
           inspection_id: int | None = None, upload_id: str | None = None, path: str = "", address: str = "",
           detail: str = "") -> None:
    """Add one event, in a transaction of its own, so that a view which fails later is still
    recorded as seen (and a refusal is recorded although the view goes no further)."""
    values = {"actor": actor, "role": role, "action": action, "outcome": outcome, "urn": urn, "upload_id": upload_id,
              "path": path, "address": address, "detail": detail}
    values = {key: value[:LIMITS[key]] if isinstance(value, str) else value for key, value in values.items()}
    with store.session() as session:
        session.add(AuditEvent(inspection_id=inspection_id, **values))
