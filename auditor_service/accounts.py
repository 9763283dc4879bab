"""Accounts and sign-in: who may use an authority's server, with passwords hashed by argon2,
failed sign-ins slowed down and then locked out, and sessions that end.

The web layer (``web/session.py``, ``web/access.py``) and the ``users`` command both sit on this."""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import secrets
from dataclasses import dataclass

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from auditor_service.store.models import SignedIn, User

ROLES = ("admin", "officer", "school")
NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._@+-]{0,99}")  # also an e-mail address, as a proxy sends it
URN = re.compile(r"\d{6}")
PASSWORD_LENGTH = (12, 200)  # NCSC: length, not composition rules

THROTTLE_AFTER = 3  # failed sign-ins in a row before each next try must wait
LOCK_AFTER = 10  # failed sign-ins in a row that lock the account
LOCKED_FOR = dt.timedelta(minutes=15)
LONGEST_WAIT = 60  # seconds

_hasher = PasswordHasher()
_UNKNOWN = _hasher.hash(secrets.token_hex(16))  # checked against for unknown names, so they take as long


class AccountError(ValueError):
    """An account that cannot be made or changed as asked; the message says why, for a person."""


def now() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


def any_accounts(session: Session) -> bool:
    return session.scalar(select(User.id).limit(1)) is not None


def find(session: Session, name: str) -> User | None:
    return session.scalar(select(User).where(User.name == name))


def covers(officer_la: str, school_la: str | None) -> bool:
    """Whether an officer of the authority ``officer_la`` sees a school of ``school_la``: the
    same authority (in any case), a school whose authority is not yet known, or any school for
    an officer with no authority (one authority per server)."""
    return not officer_la or (school_la or "").casefold() in ("", officer_la.casefold())


def state(user: User, at: dt.datetime | None = None) -> str:
    """An account's state, in words: as the admin page and ``users list`` say it."""
    if user.disabled:
        return "disabled"
    if user.locked_until and user.locked_until > (at or now()):
        return f"locked until {user.locked_until:%d/%m/%Y %H:%M} UTC"
    return "enabled" if user.password_hash else "enabled, single sign-on only"


def check_account(name: str, role: str, urn: str | None) -> None:
    if not NAME.fullmatch(name or ""):
        raise AccountError("A name is 1 to 100 letters, digits or . _ @ + - and starts with a letter or digit")
    if role not in ROLES:
        raise AccountError(f"A role is one of {', '.join(ROLES)}")
    if role == "school" and not URN.fullmatch(urn or ""):
        raise AccountError("A school account needs its school's URN: 6 digits, like 100001")
    if role != "school" and urn:
        raise AccountError("Only a school account has a URN")


def check_password(password: str) -> None:
    shortest, longest = PASSWORD_LENGTH
    if len(password) < shortest:
        raise AccountError(f"A password is at least {shortest} characters: three random words make a good one")
    if len(password) > longest:
        raise AccountError(f"A password is at most {longest} characters")


def add(session: Session, name: str, role: str, *, urn: str | None = None, la: str = "",
        password: str | None = None) -> User:
    """A new account. Without a password it can sign in only through a trusted proxy's header."""
    urn = (urn or "").strip() or None
    check_account(name, role, urn)
    if find(session, name) is not None:
        raise AccountError(f"There is already an account named {name}")
    user = User(name=name, role=role, urn=urn, la=la.strip()[:300])
    if password is not None:
        _set_password(user, password)
    session.add(user)
    session.flush()
    return user


def reset(user: User, password: str | None) -> None:
    """A new password (or none), the lock lifted, and every session of the account ended."""
    if password is None:
        user.password_hash, user.password_set_at = None, now()
    else:
        _set_password(user, password)
    user.failed_sign_ins, user.locked_until = 0, None
    end_sessions(user)


def set_disabled(user: User, disabled: bool) -> None:
    user.disabled = disabled
    if disabled:
        end_sessions(user)


def _set_password(user: User, password: str) -> None:
    check_password(password)
    user.password_hash, user.password_set_at = _hasher.hash(password), now()


# ---- signing in ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class SignIn:
    user: User | None  # the account signed in, or None
    problem: str = ""  # why not, for the page; the same words whether or not the name exists
    reason: str = ""  # why not, for the audit log


WRONG = "The name or password is not right."


def sign_in(session: Session, name: str, password: str, at: dt.datetime | None = None) -> SignIn:
    """Check a name and password, slowing down and then locking an account after failures."""
    at = at or now()
    user = find(session, name)
    if user is None or user.password_hash is None:
        _verify(_UNKNOWN, password)
        return SignIn(None, WRONG, "no such account" if user is None else "account has no password")
    if user.locked_until is not None and user.locked_until > at:
        return SignIn(None, f"This account is locked after {LOCK_AFTER} failed sign-ins, until "
                            f"{user.locked_until:%H:%M} UTC. An administrator can unlock it.", "locked")
    wait = seconds_to_wait(user, at)
    if wait:
        return SignIn(None, f"Too many failed sign-ins: wait {wait} seconds, then try again.", "throttled")
    if not _verify(user.password_hash, password):
        user.failed_sign_ins += 1
        user.last_failed_at = at
        if user.failed_sign_ins >= LOCK_AFTER:
            user.locked_until = at + LOCKED_FOR
            return SignIn(None, f"This account is now locked for {LOCKED_FOR.seconds // 60} minutes after "
                                f"{LOCK_AFTER} failed sign-ins. An administrator can unlock it.", "wrong password; locked")
        return SignIn(None, WRONG, "wrong password")
    if user.disabled:
        return SignIn(None, "This account is disabled. Ask an administrator.", "disabled")
    user.failed_sign_ins, user.locked_until = 0, None
    if _hasher.check_needs_rehash(user.password_hash):
        user.password_hash = _hasher.hash(password)
    return SignIn(user)


def seconds_to_wait(user: User, at: dt.datetime) -> int:
    """After THROTTLE_AFTER failures in a row, each try waits twice as long as the one before."""
    if user.failed_sign_ins < THROTTLE_AFTER or user.last_failed_at is None:
        return 0
    wait = min(LONGEST_WAIT, 2 ** (user.failed_sign_ins - THROTTLE_AFTER + 1))
    left = wait - (at - user.last_failed_at).total_seconds()
    return max(0, int(left + 0.999))


def _verify(hashed: str, password: str) -> bool:
    try:
        return _hasher.verify(hashed, password)
    except (VerificationError, InvalidHashError):
        return False


# ---- sessions -----------------------------------------------------------------------------------


def start_session(session: Session, user: User, *, lasts: dt.timedelta) -> str:
    """A new session for ``user``: the token for the browser's cookie."""
    token = secrets.token_urlsafe(32)
    started = now()
    session.add(SignedIn(token_hash=_digest(token), user_id=user.id, created_at=started, last_seen_at=started,
                         expires_at=started + lasts))
    return token


def session_user(session: Session, token: str | None, *, idle: dt.timedelta) -> User | None:
    """The account a session token signs in, if the session is live and the account enabled;
    its last-seen time moved on (at most once a minute, to spare the database)."""
    if not token or len(token) > 100:
        return None
    at = now()
    held = session.get(SignedIn, _digest(token))
    if held is None or held.ended_at is not None or held.expires_at <= at or held.last_seen_at + idle <= at:
        return None
    if held.user.disabled:
        return None
    if (at - held.last_seen_at).total_seconds() > 60:
        held.last_seen_at = at
    return held.user


def end_session(session: Session, token: str | None) -> None:
    held = session.get(SignedIn, _digest(token)) if token else None
    if held is not None and held.ended_at is None:
        held.ended_at = now()


def end_sessions(user: User) -> None:
    for held in Session.object_session(user).scalars(
            select(SignedIn).where(SignedIn.user_id == user.id, SignedIn.ended_at.is_(None))):
        held.ended_at = now()


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()
