"""Alembic's environment: run on the connection the store hands over, or on the URL given."""

from alembic import context
from sqlalchemy import create_engine

from auditor_service.store.models import Base

config = context.config


def run() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _migrate(connection)
        return
    with create_engine(config.get_main_option("sqlalchemy.url")).connect() as connection:
        _migrate(connection)
        connection.commit()


def _migrate(connection) -> None:
    context.configure(connection=connection, target_metadata=Base.metadata, render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()


run()
