"""A ``validate`` job: read an upload as ``register-audit validate`` reads a pack."""

from __future__ import annotations

import dataclasses
import json

from auditor.load import load_pack
from auditor_service.settings import Settings
from auditor_service.store import Store
from auditor_service.store.models import Job


def validate_upload(store: Store, settings: Settings, job: Job, progress) -> dict:
    progress("reading the files")
    pack = load_pack(settings.uploads / job.upload_id)
    result = {
        "school": pack.config.school.model_dump(mode="json"),
        "inspection": pack.config.inspection.model_dump(mode="json"),
        "inputs": [dataclasses.asdict(s) for s in pack.inputs],
        "rejected_rows": [dataclasses.asdict(r) for r in pack.rejected],
        "notes": [dataclasses.asdict(n) for n in pack.notes],
    }
    return {"result": json.dumps(result, default=str)}
