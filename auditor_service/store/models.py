"""The database: each inspection's findings object kept whole (the source of truth, as
``findings.json`` is for the command line), with the columns the pages query beside it."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Boolean, Date, DateTime, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship


class Base(DeclarativeBase):
    pass


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)  # stored as UTC, naive on every database


class School(Base):
    __tablename__ = "schools"
    urn: Mapped[str] = mapped_column(String(16), primary_key=True)
    name: Mapped[str] = mapped_column(String(300))
    la: Mapped[str] = mapped_column(String(300), default="")
    inspections: Mapped[list[Inspection]] = relationship(back_populates="school", order_by="Inspection.id")


class Batch(Base):
    """A folder of packs imported together."""

    __tablename__ = "batches"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(300))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=_now)


class Upload(Base):
    """Files as a school sent them, kept in ``<data>/uploads/<id>`` for the retention set."""

    __tablename__ = "uploads"
    id: Mapped[str] = mapped_column(String(32), primary_key=True)  # random: it names a folder
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=_now, index=True)
    purged_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    files: Mapped[str] = mapped_column(Text, default="[]")  # JSON: [{name, bytes}], as received
    batch_id: Mapped[int | None] = mapped_column(ForeignKey("batches.id"))
    # Whose it is: a school account's upload is its own school's from the start; an officer's
    # takes its school when inspected. Access to the upload and its jobs follows.
    urn: Mapped[str | None] = mapped_column(String(16), index=True)
    created_by: Mapped[str | None] = mapped_column(String(100))


class Job(Base):
    """Work for the worker processes: reading an upload (``validate``) or inspecting it.
    A worker claims a queued job by updating its status, so no job runs twice at once."""

    __tablename__ = "jobs"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))  # validate | inspect | consequences (of a draft policy)
    upload_id: Mapped[str] = mapped_column(ForeignKey("uploads.id"), index=True)
    status: Mapped[str] = mapped_column(String(16), default="queued")  # queued | running | done | failed
    phase: Mapped[str] = mapped_column(String(100), default="waiting for a worker")
    done: Mapped[int] = mapped_column(Integer, default=0)  # progress within the phase
    total: Mapped[int] = mapped_column(Integer, default=0)
    worker_pid: Mapped[int | None] = mapped_column(Integer)
    worker_host: Mapped[str | None] = mapped_column(String(255))  # the machine whose process ``worker_pid`` is
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=_now)
    started_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    finished_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    options: Mapped[str] = mapped_column(Text, default="{}")  # JSON: as_of, policy
    result: Mapped[str | None] = mapped_column(Text)  # JSON: what a validate job read
    error: Mapped[str | None] = mapped_column(Text)  # a message for the page, never a traceback
    inspection_id: Mapped[int | None] = mapped_column(ForeignKey("inspections.id"))

    __table_args__ = (Index("ix_jobs_status", "status", "id"),)


class Inspection(Base):
    __tablename__ = "inspections"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    urn: Mapped[str] = mapped_column(ForeignKey("schools.urn"), index=True)
    upload_id: Mapped[str | None] = mapped_column(ForeignKey("uploads.id"))
    batch_id: Mapped[int | None] = mapped_column(ForeignKey("batches.id"), index=True)
    previous_id: Mapped[int | None] = mapped_column(ForeignKey("inspections.id"))
    as_of: Mapped[dt.date] = mapped_column(Date)
    policy: Mapped[str] = mapped_column(String(200))
    # An officer's inspection, or a school's self-audit before the visit (made by a school account).
    kind: Mapped[str] = mapped_column(String(16), default="inspection", server_default="inspection")
    created_by: Mapped[str | None] = mapped_column(String(100))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=_now)
    red: Mapped[int] = mapped_column(Integer, default=0)  # counts of findings not waived
    amber: Mapped[int] = mapped_column(Integer, default=0)
    green: Mapped[int] = mapped_column(Integer, default=0)
    waived: Mapped[int] = mapped_column(Integer, default=0)
    rows_read: Mapped[int] = mapped_column(Integer, default=0)
    rows_rejected: Mapped[int] = mapped_column(Integer, default=0)
    findings_json: Mapped[str] = mapped_column(Text)  # the findings object, whole
    school: Mapped[School] = relationship(back_populates="inspections")
    findings: Mapped[list[FindingRow]] = relationship(back_populates="inspection", cascade="all, delete-orphan")


class FindingRow(Base):
    """One finding of one inspection: what the school, authority and CME pages list."""

    __tablename__ = "findings"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    inspection_id: Mapped[int] = mapped_column(ForeignKey("inspections.id", ondelete="CASCADE"), index=True)
    finding_id: Mapped[str] = mapped_column(String(64), index=True)  # stable across inspections
    rule: Mapped[str] = mapped_column(String(16))
    severity: Mapped[str] = mapped_column(String(8))
    upn: Mapped[str | None] = mapped_column(String(32))
    pupil: Mapped[str | None] = mapped_column(String(300))
    summary: Mapped[str] = mapped_column(Text, default="")
    change: Mapped[str | None] = mapped_column(String(16))  # new | still_open
    refer_to_cme: Mapped[bool] = mapped_column(Boolean, default=False)
    waived: Mapped[bool] = mapped_column(Boolean, default=False)
    inspection: Mapped[Inspection] = relationship(back_populates="findings")


class Decision(Base):
    """What an officer decided about a finding: an action agreed, a waiver, or resolved. Kept
    by the school and the finding's stable id, so it carries into the school's next inspection."""

    __tablename__ = "decisions"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    urn: Mapped[str] = mapped_column(ForeignKey("schools.urn"))
    finding_id: Mapped[str] = mapped_column(String(64))
    rule: Mapped[str] = mapped_column(String(16))
    upn: Mapped[str | None] = mapped_column(String(32))
    kind: Mapped[str] = mapped_column(String(16))  # action | waiver | resolved
    note: Mapped[str] = mapped_column(Text, default="")  # the action, or the waiver's reason
    due_on: Mapped[dt.date | None] = mapped_column(Date)  # an action's due date
    expires_on: Mapped[dt.date | None] = mapped_column(Date)  # a waiver's expiry
    recorded_by: Mapped[str] = mapped_column(String(200))
    recorded_at: Mapped[dt.datetime] = mapped_column(DateTime, default=_now)
    inspection_id: Mapped[int | None] = mapped_column(ForeignKey("inspections.id"))

    __table_args__ = (Index("ix_decisions_school_finding", "urn", "finding_id"),)


class User(Base):
    """An account. An officer sees the schools of their authority (every school when ``la`` is
    empty: one authority per server); a school account only the school of its URN; an admin
    the accounts and the audit log, and no pupil data."""

    __tablename__ = "users"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)  # sign-in name, as the proxy sends it too
    role: Mapped[str] = mapped_column(String(16))  # admin | officer | school
    urn: Mapped[str | None] = mapped_column(String(16))  # a school account's school
    la: Mapped[str] = mapped_column(String(300), default="")  # an officer's authority
    password_hash: Mapped[str | None] = mapped_column(String(300))  # none: signs in through the proxy only
    disabled: Mapped[bool] = mapped_column(Boolean, default=False)
    failed_sign_ins: Mapped[int] = mapped_column(Integer, default=0)  # since the last success
    last_failed_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    locked_until: Mapped[dt.datetime | None] = mapped_column(DateTime)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=_now)
    password_set_at: Mapped[dt.datetime | None] = mapped_column(DateTime)


class SignedIn(Base):
    """A session: the browser holds a random token, the database only its SHA-256, so a copy of
    the database signs no one in. Ends at sign-out, after idling, or at its absolute limit."""

    __tablename__ = "sessions"
    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=_now)
    last_seen_at: Mapped[dt.datetime] = mapped_column(DateTime, default=_now)
    expires_at: Mapped[dt.datetime] = mapped_column(DateTime)
    ended_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    user: Mapped[User] = relationship()


class AuditEvent(Base):
    """Who did or saw what, when: append-only (the migration makes the database refuse to
    change or delete a row)."""

    __tablename__ = "audit_log"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(DateTime, default=_now, index=True)
    actor: Mapped[str] = mapped_column(String(100))  # the account's name, or what was typed at sign-in
    role: Mapped[str] = mapped_column(String(16), default="")
    action: Mapped[str] = mapped_column(String(40))  # sign-in, view-inspection, download, waiver, ...
    outcome: Mapped[str] = mapped_column(String(16), default="ok")  # ok | refused | failed
    urn: Mapped[str | None] = mapped_column(String(16), index=True)
    inspection_id: Mapped[int | None] = mapped_column(Integer)
    upload_id: Mapped[str | None] = mapped_column(String(32))
    path: Mapped[str] = mapped_column(String(500), default="")
    address: Mapped[str] = mapped_column(String(64), default="")
    detail: Mapped[str] = mapped_column(Text, default="")
