"""Console users (argon2id password hashes, roles, one school each) and server-side sessions.

A session cookie holds 32 random bytes; the store keeps only its SHA-256, with the session's CSRF
token and expiry. Roles: ``melder`` (review, edit, approve) and ``beheerder`` (also withdraw and
re-offer dead letters). After ``MAX_FAILED_LOGINS`` wrong passwords in a row an account is locked
for ``LOCKOUT``, which stops guessing without telling a guesser whether the name exists.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

import sqlalchemy as sa
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from gateway.access_keys import token_digest
from gateway.domain.errors import ConfigurationError, InvalidInput
from gateway.store import Store, audit, list_schools, utcnow
from gateway.store.face_tables import sessions, users

Role = Literal["melder", "beheerder"]
ROLES: tuple[Role, ...] = ("melder", "beheerder")
USERNAME_RE = re.compile(r"^[a-z0-9][a-z0-9._@-]{2,63}$")
MIN_PASSWORD = 12
MAX_FAILED_LOGINS = 5
LOCKOUT = timedelta(minutes=15)
_hasher = PasswordHasher()  # argon2id, the library's current defaults (RFC 9106 low-memory profile)
# Verified against when the user does not exist, so both paths take the same time.
_DUMMY_HASH = _hasher.hash(secrets.token_urlsafe(16))


@dataclass(frozen=True)
class User:
    """A console user (no password)."""

    username: str
    school_id: str
    role: Role
    active: bool = True

    @property
    def is_beheerder(self) -> bool:
        """True for the beheerder role."""
        return self.role == "beheerder"


@dataclass(frozen=True)
class Session:
    """A signed-in user and the session's CSRF token."""

    user: User
    csrf_token: str
    expires_at: datetime


def hash_password(password: str) -> str:
    """An argon2id hash (PHC string) of ``password``."""
    return _hasher.hash(password)


def create_user(store: Store, user: User, password: str, *, actor: str) -> User:
    """Create ``user`` (active, bound to one registered school) with ``password``; audited without it."""
    if not USERNAME_RE.match(user.username):
        raise InvalidInput("gebruikersnaam: 3-64 tekens, kleine letters, cijfers en . _ @ -", "username")
    if user.role not in ROLES:
        raise InvalidInput(f"rol moet een van {', '.join(ROLES)} zijn", "role")
    if len(password) < MIN_PASSWORD:
        raise InvalidInput(f"wachtwoord moet minstens {MIN_PASSWORD} tekens hebben", "password")
    if user.school_id not in list_schools(store):
        raise ConfigurationError(f"school '{user.school_id}' is niet geregistreerd")
    with store.write() as conn:
        if conn.scalar(sa.select(users.c.username).where(users.c.username == user.username)) is not None:
            raise InvalidInput(f"gebruiker '{user.username}' bestaat al", "username")
        conn.execute(users.insert().values(username=user.username, school_id=user.school_id, role=user.role,
                                           password_hash=hash_password(password), active=True,
                                           created_at=utcnow()))
        audit.append(conn, actor=actor, action="gebruiker.aangemaakt", school_id=user.school_id,
                     subject=user.username, data={"rol": user.role})
    return User(user.username, user.school_id, user.role)


def list_users(store: Store, school_id: str | None = None) -> list[User]:
    """Every user (of one school)."""
    query = sa.select(users).order_by(users.c.school_id, users.c.username)
    if school_id is not None:
        query = query.where(users.c.school_id == school_id)
    with store.read() as conn:
        return [User(r.username, r.school_id, r.role, bool(r.active)) for r in conn.execute(query)]


def authenticate(store: Store, username: str, password: str, now: datetime | None = None) -> User | None:
    """The user when the password matches an active, unlocked account; None otherwise.

    The same work is done either way; wrong passwords count towards the lockout.
    """
    now = now or utcnow()
    with store.read() as conn:
        row = conn.execute(sa.select(users).where(users.c.username == username.strip().lower())).one_or_none()
    stored = row.password_hash if row is not None else _DUMMY_HASH
    try:
        _hasher.verify(stored, password)
    except (VerificationError, InvalidHashError):
        if row is not None:
            _count_failure(store, row.username, row.school_id, now)
        return None
    if row is None or not row.active or (row.locked_until is not None and row.locked_until > now):
        return None
    values: dict[str, object] = {"failed_logins": 0, "locked_until": None}
    if _hasher.check_needs_rehash(stored):
        values["password_hash"] = hash_password(password)
    if row.failed_logins or row.locked_until is not None or "password_hash" in values:
        with store.write() as conn:
            conn.execute(users.update().where(users.c.username == row.username).values(**values))
    return User(row.username, row.school_id, row.role, True)


def _count_failure(store: Store, username: str, school_id: str, now: datetime) -> None:
    with store.write() as conn:
        failures = int(conn.scalar(sa.select(users.c.failed_logins).where(users.c.username == username)
                                   .with_for_update()) or 0) + 1
        if failures < MAX_FAILED_LOGINS:
            conn.execute(users.update().where(users.c.username == username).values(failed_logins=failures))
            return
        conn.execute(users.update().where(users.c.username == username)
                     .values(failed_logins=0, locked_until=now + LOCKOUT))
        audit.append(conn, actor="console", action="gebruiker.geblokkeerd", school_id=school_id,
                     subject=username, data={"pogingen": failures, "minuten": LOCKOUT.seconds // 60})


def start_session(store: Store, user: User, lifetime: timedelta) -> tuple[str, Session]:
    """A new session for ``user``: the cookie value (shown once) and the session."""
    token = secrets.token_urlsafe(32)
    now = utcnow()
    session = Session(user, secrets.token_urlsafe(32), now + lifetime)
    with store.write() as conn:
        conn.execute(sessions.delete().where(sessions.c.expires_at < now))
        conn.execute(sessions.insert().values(token_hash=token_digest(token), username=user.username,
                                              csrf_token=session.csrf_token, created_at=now,
                                              expires_at=session.expires_at))
        audit.append(conn, actor=user.username, action="console.aangemeld", school_id=user.school_id,
                     subject=user.username, data={})
    return token, session


def session_for(store: Store, token: str | None) -> Session | None:
    """The live session of a cookie value, or None (unknown, expired, or the user deactivated)."""
    if not token:
        return None
    query = (sa.select(sessions.c.csrf_token, sessions.c.expires_at, users)
             .join(users, users.c.username == sessions.c.username)
             .where(sessions.c.token_hash == token_digest(token)))
    with store.read() as conn:
        row = conn.execute(query).one_or_none()
    if row is None or row.expires_at <= utcnow() or not row.active:
        return None
    return Session(User(row.username, row.school_id, row.role, True), row.csrf_token, row.expires_at)


def end_session(store: Store, token: str) -> None:
    """Sign out: the session is removed."""
    with store.write() as conn:
        row = conn.execute(sa.select(sessions.c.username, users.c.school_id)
                           .join(users, users.c.username == sessions.c.username)
                           .where(sessions.c.token_hash == token_digest(token))).one_or_none()
        conn.execute(sessions.delete().where(sessions.c.token_hash == token_digest(token)))
        if row is not None:  # with the school, so the sign-out shows in its trail as the sign-in does
            audit.append(conn, actor=row.username, action="console.afgemeld", school_id=row.school_id,
                         subject=row.username, data={})


def csrf_matches(session: Session, presented: str | None) -> bool:
    """Whether a form's CSRF token is the session's (constant time)."""
    return bool(presented) and secrets.compare_digest(session.csrf_token, presented or "")
