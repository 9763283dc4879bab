"""The database: migrations from empty match the models, on SQLite and PostgreSQL alike."""

from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import inspect as schema

from auditor_service.store import alembic_config, open_store
from auditor_service.store.models import Base


def test_migrations_from_an_empty_database_build_the_models_schema(store):
    with store.engine.connect() as connection:
        differences = compare_metadata(MigrationContext.configure(connection), Base.metadata)
    assert differences == []
    assert {"schools", "uploads", "jobs", "inspections", "findings", "decisions", "users", "sessions",
            "audit_log"} <= set(schema(store.engine).get_table_names())


def test_opening_an_up_to_date_database_again_changes_nothing(store, settings):
    head = ScriptDirectory.from_config(alembic_config(settings.database_url)).get_current_head()
    again = open_store(settings.database_url)
    with again.engine.connect() as connection:
        assert MigrationContext.configure(connection).get_current_revision() == head
    again.dispose()
    assert head is not None and head != "0001"  # a later migration: this test would not see it missing


def test_the_audit_log_refuses_to_change_or_lose_a_row(store):
    from sqlalchemy import delete, update
    from sqlalchemy.exc import DBAPIError

    from auditor_service import audit
    from auditor_service.store.models import AuditEvent

    audit.record(store, actor="someone", action="view-school", urn="100001")
    for change in (update(AuditEvent).values(actor="someone else"), delete(AuditEvent)):
        with pytest.raises(DBAPIError, match="append-only"), store.session() as session:
            session.execute(change)
    with store.session() as session:
        assert [e.actor for e in session.query(AuditEvent)] == ["someone"]
