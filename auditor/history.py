"""Compare an inspection with the previous one (its ``findings.json``) by stable finding ids:
each finding is new or still open, and the previous findings no longer raised are resolved."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

from pydantic import ValidationError

from auditor.errors import PackError
from auditor.findings import Inspection, ResolvedFinding


def load_previous(path: str | Path, urn: str | None = None) -> tuple[dt.date | None, list[ResolvedFinding]]:
    """The previous inspection's date and findings. Reads only the fields compared, so a
    findings.json from an older version of the tool still works. Given this school's ``urn``,
    refuses the findings of another school, whose findings would all seem resolved."""
    path = Path(path)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        findings = [ResolvedFinding.model_validate(f) for f in data["findings"]]
        date = data.get("inspection", {}).get("date")
        theirs = data.get("school", {}).get("urn")
        previous_date = dt.date.fromisoformat(date) if date else None
    except FileNotFoundError:
        raise PackError(str(path), "no such file") from None
    except (OSError, ValueError, KeyError, TypeError, AttributeError, ValidationError) as err:
        raise PackError(str(path), f"not a findings.json: {str(err).splitlines()[0]}") from None
    if urn is not None and theirs is not None and str(theirs) != str(urn):
        raise PackError(str(path), f"holds the findings of URN {theirs}, not of this school (URN {urn})")
    return previous_date, findings


def compare(inspection: Inspection, previous_date: dt.date | None, previous: list[ResolvedFinding]) -> Inspection:
    """Mark each finding ``new`` or ``still_open`` and list the previous findings resolved since."""
    earlier = {f.id for f in previous}
    now = {f.id for f in inspection.findings}
    findings = [f.model_copy(update={"change": "still_open" if f.id in earlier else "new"}) for f in inspection.findings]
    resolved = [f for f in previous if f.id not in now]
    info = inspection.inspection.model_copy(update={"previous_date": previous_date})
    return inspection.model_copy(update={"findings": findings, "resolved": resolved, "inspection": info})
