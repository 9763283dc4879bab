"""The service's settings: where its data lives, how long uploads are kept, how many workers run,
where it listens and whom it trusts.

Each can be set on the command line (``register-audit serve --data DIR``), by an environment
variable ``REGISTER_AUDIT_<NAME>`` (``REGISTER_AUDIT_RETENTION_DAYS=14``), or in one settings file
(``--settings FILE`` or ``REGISTER_AUDIT_SETTINGS``: TOML, ``retention_days = 14``), in that
order of precedence."""

from __future__ import annotations

import ipaddress
import os
import tomllib
from pathlib import Path

import platformdirs
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from auditor.errors import PackError

LOOPBACK = "127.0.0.1"
HEADER_NAME = r"^[A-Za-z0-9-]{1,64}$"  # anchored: pydantic searches a pattern anywhere in the value


class Settings(BaseModel):
    model_config = ConfigDict(extra="forbid")  # a misspelt name in the settings file is refused

    data: Path = Field(default_factory=lambda: Path(platformdirs.user_data_dir("register-auditor", appauthor=False)))
    database: str | None = None  # a SQLAlchemy URL; default: SQLite in ``data``
    host: str = LOOPBACK
    port: int = Field(8765, ge=1, le=65535)
    retention_days: int = Field(30, ge=1, le=3650)  # raw uploads; findings are kept
    max_upload_mb: int = Field(200, ge=1, le=10_000)  # one request, all its files together
    workers: int = Field(1, ge=1, le=64)  # inspection worker processes (each uses every core for facts)
    # Host names the pages answer to beyond loopback: the authority server's name behind its proxy.
    public_hosts: list[str] = Field(default_factory=list)
    # Single sign-on: the reverse proxy at ``trusted_proxy`` names the signed-in user in this header.
    trusted_user_header: str | None = Field(None, pattern=HEADER_NAME)
    trusted_proxy: str | None = None
    session_idle_minutes: int = Field(30, ge=1, le=24 * 60)
    session_hours: int = Field(10, ge=1, le=7 * 24)  # the longest a session lasts, however busy

    @field_validator("public_hosts", mode="before")
    @classmethod
    def _comma_separated(cls, value: object) -> object:
        return [part.strip() for part in value.split(",") if part.strip()] if isinstance(value, str) else value

    @field_validator("trusted_proxy")
    @classmethod
    def _an_address(cls, value: str | None) -> str | None:
        if value is not None:
            ipaddress.ip_address(value)  # one address, not a network: a proxy is one machine
        return value

    @model_validator(mode="after")
    def _header_only_from_the_proxy(self) -> Settings:
        if self.trusted_user_header and not self.trusted_proxy:
            raise ValueError("trusted_user_header is honoured only from a trusted_proxy: give its address")
        return self

    @property
    def on_loopback(self) -> bool:
        return self.host in ("localhost", "::1") or self.host.startswith("127.")

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
    def from_environment(cls, settings_file: Path | str | None = None, **given: object) -> Settings:
        """Settings from the settings file, overridden by ``REGISTER_AUDIT_*`` variables, overridden
        by what is ``given`` (not None). A bad value is refused naming where it came from."""
        settings_file = settings_file or os.environ.get("REGISTER_AUDIT_SETTINGS")
        values = _settings_file(settings_file)
        origin = {name: f"{settings_file}: {name}" for name in values}
        for name in cls.model_fields:
            variable = f"REGISTER_AUDIT_{name.upper()}"
            if os.environ.get(variable):
                values[name], origin[name] = os.environ[variable], variable
        for name, value in given.items():
            if value is not None:
                values[name], origin[name] = value, f"--{name.replace('_', '-')}"
        try:
            return cls(**values)
        except ValidationError as err:
            problem = err.errors()[0]
            name = str(problem["loc"][0]) if problem["loc"] else ""
            raise PackError(origin.get(name, "settings"), problem["msg"]) from None


def _settings_file(path: Path | str | None) -> dict[str, object]:
    if not path:
        return {}
    path = Path(path)
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as err:
        raise PackError(str(path), f"cannot be read: {err.strerror}") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as err:
        raise PackError(str(path), f"is not a TOML settings file: {err}") from None
