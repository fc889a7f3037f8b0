"""Users, passwords, sign-in sessions and API tokens.

Tokens are 256-bit random strings shown once; only their SHA-256 is stored (a high-entropy token
needs no slow hash, and a fast lookup keeps the API cheap). Passwords use Werkzeug's scrypt hashes.
A sign-in costs one password hash whether or not the account exists, so the answer's timing does
not tell which e-mails have accounts. A session is valid only under the user's current
``session_generation``; :func:`end_sessions` bumps it and so ends every session of the user at once.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from datetime import timedelta
from functools import cache

from sqlalchemy import select, update
from sqlalchemy.orm import Session
from werkzeug.security import check_password_hash, generate_password_hash

from suyuan.trace import audit
from suyuan.trace.actors import Actor
from suyuan.trace.errors import Duplicate, InvalidInput, NotFound
from suyuan.trace.model import ApiToken, Enterprise, Office, Role, User
from suyuan.trace.model.types import utcnow

TOKEN_PREFIX = "sy_"
# A token's "last used" is kept to the hour: writing it on every call would make each API read a write
# (on SQLite, a turn at the one write lock) for a figure people read in days.
TOKEN_USE_RESOLUTION = timedelta(hours=1)
# Werkzeug hash method for passwords; tests lower its cost, production keeps scrypt's defaults.
PASSWORD_METHOD = "scrypt"
_EMAIL = re.compile(r"^[^@\s]{1,64}@[^@\s]{1,189}\.[^@\s]{2,}$")


def create_user(
    session: Session,
    actor: Actor,
    *,
    email: str,
    name: str,
    role: str,
    password: str,
    office_id: int | None = None,
    enterprise_id: int | None = None,
) -> User:
    """Create a regulator bound to an office or merchant staff bound to an enterprise."""
    actor.require_regulator()
    email = email.strip().lower()
    if not _EMAIL.match(email):
        raise InvalidInput(f"{email!r} is not an e-mail address", field="email")
    if len(password) < 8:
        raise InvalidInput("a password has at least 8 characters", field="password")
    user_role = Role(role) if role in {r.value for r in Role} else None
    if user_role is None:
        raise InvalidInput("role must be regulator or merchant", field="role")
    _check_binding(session, user_role, office_id, enterprise_id)
    if session.scalar(select(User).filter_by(email=email)):
        raise Duplicate(f"a user {email} already exists")
    user = User(
        email=email,
        name=name.strip() or email,
        role=user_role,
        office_id=office_id,
        enterprise_id=enterprise_id,
        password_hash=generate_password_hash(password, method=PASSWORD_METHOD),
    )
    session.add(user)
    session.flush()
    audit.record(
        session,
        actor=actor.label,
        action="user.created",
        subject=f"user:{user.id}",
        payload={
            "email": email,
            "role": user_role.value,
            "office_id": office_id,
            "enterprise_id": enterprise_id,
        },
    )
    return user


def _check_binding(session: Session, role: Role, office_id: int | None, enterprise_id: int | None) -> None:
    if role is Role.REGULATOR:
        if office_id is None or enterprise_id is not None or session.get(Office, office_id) is None:
            raise InvalidInput("a regulator belongs to exactly one existing office", field="office")
    elif enterprise_id is None or office_id is not None or session.get(Enterprise, enterprise_id) is None:
        raise InvalidInput("merchant staff belong to exactly one existing enterprise", field="enterprise")


def authenticate_password(session: Session, email: str, password: str) -> User | None:
    """The active user with this e-mail and password, or None (never says which part was wrong).

    An unknown, inactive or password-less account is checked against a dummy hash of the current
    method, so it costs the same time as a wrong password for a real account: timing does not
    reveal which e-mails exist.
    """
    user = session.scalar(select(User).filter_by(email=email.strip().lower()))
    if user is None or not user.active or not user.password_hash:
        check_password_hash(_dummy_hash(PASSWORD_METHOD), password)
        return None
    return user if check_password_hash(user.password_hash, password) else None


@cache
def _dummy_hash(method: str) -> str:
    """A hash of a random password with ``method``, made once per process, matching no input."""
    return generate_password_hash(secrets.token_urlsafe(32), method=method)


def session_user(session: Session, user_id: int, generation: int) -> User | None:
    """The user of a sign-in session issued under ``generation``, or None if it has been ended.

    A session ends when the user is deactivated or :func:`end_sessions` was called after it began.
    """
    user = session.get(User, user_id)
    if user is None or not user.active or user.session_generation != generation:
        return None
    return user


def end_sessions(session: Session, user: User) -> None:
    """End every sign-in session of ``user`` (sign-out, and to be called on a password change).

    Sessions are signed cookies held by browsers; bumping the generation they must carry revokes
    them all on the server, wherever they were copied to.
    """
    session.execute(
        update(User).where(User.id == user.id).values(session_generation=User.session_generation + 1)
    )
    session.expire(user, ["session_generation"])


def issue_token(session: Session, actor: Actor, user_id: int, name: str) -> tuple[ApiToken, str]:
    """Create an API token for a user; returns the row and the plain token, which is never stored."""
    user = session.get(User, user_id)
    if user is None:
        raise NotFound(f"user {user_id} does not exist")
    if not actor.operator and actor.user_id != user.id:
        raise NotFound(f"user {user_id} does not exist")
    plain = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(
        user_id=user.id, name=name.strip()[:100] or "token", token_hash=hash_token(plain), prefix=plain[:10]
    )
    session.add(token)
    session.flush()
    audit.record(
        session,
        actor=actor.label,
        action="token.issued",
        subject=f"user:{user.id}",
        payload={"token_id": token.id, "prefix": token.prefix},
    )
    return token, plain


def hash_token(plain: str) -> str:
    """The stored form of a token."""
    return hashlib.sha256(plain.encode("utf-8")).hexdigest()


def authenticate_token(session: Session, plain: str) -> User | None:
    """The active user behind a bearer token, or None for unknown, revoked or malformed tokens.

    Notes when the token was used, to :data:`TOKEN_USE_RESOLUTION`.
    """
    if not plain.startswith(TOKEN_PREFIX) or len(plain) > 100:
        return None
    token = session.scalar(select(ApiToken).filter_by(token_hash=hash_token(plain)))
    if token is None or token.revoked_at is not None or not token.user.active:
        return None
    now = utcnow()
    if token.last_used_at is None or now - token.last_used_at >= TOKEN_USE_RESOLUTION:
        token.last_used_at = now
    return token.user
