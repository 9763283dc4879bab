"""With accounts, a decision is recorded under the officer's own account, and is in the audit log."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from auditor_service.store.models import AuditEvent, Decision
from tests.service.conftest import csrf_token, sign_in
from tests.service.test_self_audit_support import FIXED, inspect_as


def test_a_waiver_is_recorded_under_the_account_whatever_name_the_form_sends(client, store, settings, users):
    until = dt.date.today() + dt.timedelta(days=365)  # a waiver's expiry is never in the past
    inspection_id = inspect_as(store, settings, by="olive")
    sign_in(client, "olive")
    page = client.get(f"/inspections/{inspection_id}")
    assert "Recorded as olive." in page.text and 'name="recorded_by"' not in page.text
    response = client.post(f"/inspections/{inspection_id}/findings/{FIXED}/decisions", follow_redirects=False, data={
        "csrftoken": csrf_token(client), "kind": "waiver", "note": "Agreed with the school", "date": f"{until:%d/%m/%Y}",
        "recorded_by": "Somebody Else"})
    assert response.status_code == 303
    with store.session() as session:
        decision = session.scalars(select(Decision)).one()
        event = session.scalars(select(AuditEvent).where(AuditEvent.action == "waiver")).one()
    assert (decision.kind, decision.recorded_by) == ("waiver", "olive")
    assert (event.actor, event.role, event.urn, event.inspection_id) == ("olive", "officer", "990001", inspection_id)
    assert event.detail == f"finding {FIXED}, until {until:%d/%m/%Y}"
