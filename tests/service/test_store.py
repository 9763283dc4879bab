"""The database: migrations from empty match the models, on SQLite and PostgreSQL alike."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect as schema

from auditor_service.store import open_store
from auditor_service.store.models import Base


def test_migrations_from_an_empty_database_build_the_models_schema(store):
    with store.engine.connect() as connection:
        differences = compare_metadata(MigrationContext.configure(connection), Base.metadata)
    assert differences == []
    assert {"schools", "uploads", "jobs", "inspections", "findings", "decisions"} <= set(schema(store.engine).get_table_names())


def test_opening_an_up_to_date_database_again_changes_nothing(store, settings):
    again = open_store(settings.database_url)
    with again.engine.connect() as connection:
        assert MigrationContext.configure(connection).get_current_revision() == "0001"
    again.dispose()
