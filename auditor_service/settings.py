"""The service's settings: where its data lives, how long uploads are kept, how many workers run.

Each can be set on the command line (``register-audit serve --data DIR``) or by an environment
variable ``REGISTER_AUDIT_<NAME>`` (``REGISTER_AUDIT_RETENTION_DAYS=14``)."""

from __future__ import annotations

import os
from pathlib import Path

import platformdirs
from pydantic import BaseModel, Field, ValidationError, field_validator

from auditor.errors import PackError

LOOPBACK = "127.0.0.1"


class Settings(BaseModel):
    data: Path = Field(default_factory=lambda: Path(platformdirs.user_data_dir("register-auditor", appauthor=False)))
    database: str | None = None  # a SQLAlchemy URL; default: SQLite in ``data``
    host: str = LOOPBACK
    port: int = Field(8765, ge=1, le=65535)
    retention_days: int = Field(30, ge=1, le=3650)  # raw uploads; findings are kept
    max_upload_mb: int = Field(200, ge=1, le=10_000)  # one request, all its files together
    workers: int = Field(1, ge=1, le=64)  # inspection worker processes (each uses every core for facts)

    @field_validator("data")
    @classmethod
    def _absolute(cls, value: Path) -> Path:
        return value.expanduser().resolve()

    @property
    def database_url(self) -> str:
        """The database's SQLAlchemy URL. A plain ``postgresql://`` URL (as psql takes it) is
        given the driver installed with the service, psycopg 3."""
        if not self.database:
            return f"sqlite:///{self.data / 'register-auditor.sqlite3'}"
        for plain in ("postgresql://", "postgres://"):
            if self.database.startswith(plain):
                return "postgresql+psycopg://" + self.database[len(plain):]
        return self.database

    @property
    def uploads(self) -> Path:
        return self.data / "uploads"

    @property
    def max_upload_bytes(self) -> int:
        return self.max_upload_mb * 1024 * 1024

    @classmethod
    def from_environment(cls, **given: object) -> Settings:
        """Settings from ``REGISTER_AUDIT_*`` variables, overridden by what is ``given`` (not None)."""
        values: dict[str, object] = {}
        for name in cls.model_fields:
            variable = f"REGISTER_AUDIT_{name.upper()}"
            if os.environ.get(variable):
                values[name] = os.environ[variable]
        values.update({key: value for key, value in given.items() if value is not None})
        try:
            return cls(**values)
        except ValidationError as err:
            problem = err.errors()[0]
            name = str(problem["loc"][0]) if problem["loc"] else "settings"
            where = f"--{name.replace('_', '-')}" if name in given and given[name] is not None else f"REGISTER_AUDIT_{name.upper()}"
            raise PackError(where, problem["msg"]) from None
