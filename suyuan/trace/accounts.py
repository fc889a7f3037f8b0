"""Users, passwords, sign-in sessions and API tokens.

Tokens are 256-bit random strings shown once; only their SHA-256 is stored (a high-entropy token
needs no slow hash, and a fast lookup keeps the API cheap). A token is read-only or read-write
(:class:`~suyuan.trace.model.TokenScope`); a read-only one is refused for any state-changing call.
Passwords use Werkzeug's scrypt hashes; a password a person chooses (first run, invitation, change)
must pass :func:`password_problem`.
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
from suyuan.trace.errors import (
    Duplicate,
    InvalidInput,
    InvalidState,
    NotFound,
    ReadOnlyToken,
    WeakPassword,
)
from suyuan.trace.model import ApiToken, Enterprise, Office, Role, TokenScope, User
from suyuan.trace.model.types import utcnow

TOKEN_PREFIX = "sy_"
# A token's "last used" is kept to the hour: writing it on every call would make each API read a write
# (on SQLite, a turn at the one write lock) for a figure people read in days.
TOKEN_USE_RESOLUTION = timedelta(hours=1)
# Werkzeug hash method for passwords; tests lower its cost, production keeps scrypt's defaults.
PASSWORD_METHOD = "scrypt"
_EMAIL = re.compile(r"^[^@\s]{1,64}@[^@\s]{1,189}\.[^@\s]{2,}$")
MIN_PASSWORD, MAX_PASSWORD = 10, 200
MAX_NAME, MAX_TOKEN_NAME = 200, 100
# Passwords people pick first, and this site's own words: refused whatever their length.
COMMON_PASSWORDS = frozenset(
    {
        "1234567890",
        "12345678910",
        "0123456789",
        "1qaz2wsx3edc",
        "password123",
        "password1234",
        "qwertyuiop",
        "qwerty12345",
        "a123456789",
        "abc1234567",
        "iloveyou123",
        "woaini1314",
        "woaini520520",
        "aa123456789",
        "suyuan-demo",
        "suyuan12345",
        "suyuan123456",
        "administrator",
        "admin123456",
        "changeme123",
    }
)


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
    admin: bool = False,
) -> User:
    """Create a regulator bound to an office or merchant staff bound to an enterprise.

    The operator's and the demo's way to make a user with a known password; people added through the
    site get an invitation instead (:mod:`suyuan.trace.onboarding`), which checks who may add whom.
    An empty ``password`` makes a user who cannot sign in until an invitation is accepted.
    """
    actor.require_regulator()
    return insert_user(
        session,
        actor,
        email=email,
        name=name,
        role=role,
        password=password,
        office_id=office_id,
        enterprise_id=enterprise_id,
        admin=admin,
    )


def insert_user(
    session: Session,
    actor: Actor,
    *,
    email: str,
    name: str,
    role: str,
    password: str,
    office_id: int | None = None,
    enterprise_id: int | None = None,
    admin: bool = False,
) -> User:
    """Validate and insert a user, audited; the caller has decided that ``actor`` may add it."""
    email = normalise_email(email)
    if password and len(password) < 8:
        raise InvalidInput("a password has at least 8 characters", field="password")
    user_role = Role(role) if role in {r.value for r in Role} else None
    if user_role is None:
        raise InvalidInput("role must be regulator or merchant", field="role")
    _check_binding(session, user_role, office_id, enterprise_id)
    if session.scalar(select(User).filter_by(email=email)):
        raise Duplicate(f"a user {email} already exists")
    user = User(
        email=email,
        name=clean_name(name) or email,
        role=user_role,
        office_id=office_id,
        enterprise_id=enterprise_id,
        admin=admin,
        password_hash=generate_password_hash(password, method=PASSWORD_METHOD) if password else "",
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
            "admin": admin,
        },
    )
    return user


def normalise_email(email: str) -> str:
    """The stored form of an e-mail address (trimmed, lower case), or ``InvalidInput``."""
    email = email.strip().lower()
    if not _EMAIL.match(email) or len(email) > 254:
        raise InvalidInput(f"{email[:80]!r} is not an e-mail address", field="email")
    return email


def clean_name(name: str) -> str:
    """A person's or token's name, trimmed; control characters (which forge log lines) are refused."""
    name = name.strip()
    if len(name) > MAX_NAME:
        raise InvalidInput(f"a name has at most {MAX_NAME} characters", field="name")
    if any((ch.isspace() and ch != " ") or ord(ch) < 32 or 0x7F <= ord(ch) < 0xA0 for ch in name):
        raise InvalidInput("a name is one line of text", field="name")
    return name


def password_problem(password: str, *, email: str = "") -> tuple[str, str] | None:
    """Why ``password`` may not be chosen, as (reason, message), or None if it may.

    Follows NIST SP 800-63B: length (10 to 200 characters; any characters, spaces included) and a
    list of known-bad choices, not composition rules. Also refused: too few different characters
    ("aaaaaaaaaa", "1212121212") and passwords containing the account's own e-mail name.
    """
    if len(password) < MIN_PASSWORD:
        return "too_short", f"a password has at least {MIN_PASSWORD} characters"
    if len(password) > MAX_PASSWORD:
        return "too_long", f"a password has at most {MAX_PASSWORD} characters"
    lowered = password.lower()
    if lowered in COMMON_PASSWORDS or len(set(lowered)) < 5:
        return "too_common", "this password is too easy to guess"
    local = email.split("@", 1)[0].lower()
    if len(local) >= 4 and local in lowered:
        return "contains_email", "a password may not contain your e-mail name"
    return None


def check_new_password(password: str, *, email: str) -> None:
    """Refuse a weak password with ``WeakPassword`` (an ``InvalidInput`` on field ``password``)."""
    problem = password_problem(password, email=email)
    if problem is not None:
        raise WeakPassword(problem[1], reason=problem[0])


def set_password(user: User, password: str) -> None:
    """Store the hash of an already checked ``password``."""
    user.password_hash = generate_password_hash(password, method=PASSWORD_METHOD)


def change_password(session: Session, actor: Actor, *, current: str, new: str) -> User:
    """A signed-in user replaces their password; every session of theirs ends (all devices).

    The current password is asked for so that a session left open on a shared computer cannot lock
    its owner out. The caller (the web page) starts a fresh session under the new generation.
    """
    user = session.get(User, actor.user_id) if actor.user_id is not None else None
    if user is None or not user.active:
        raise NotFound("no such user")
    if not user.password_hash or not check_password_hash(user.password_hash, current):
        raise InvalidInput("the current password is wrong", field="current")
    if new == current:
        raise InvalidInput("the new password is the same as the current one", field="password")
    check_new_password(new, email=user.email)
    set_password(user, new)
    end_sessions(session, user)
    audit.record(
        session, actor=actor.label, action="user.password_changed", subject=f"user:{user.id}", payload={}
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


def issue_token(
    session: Session, actor: Actor, user_id: int, name: str, *, scope: str = TokenScope.WRITE
) -> tuple[ApiToken, str]:
    """Create an API token for a user; returns the row and the plain token, which is never stored.

    Users make tokens for themselves only (the operator for anyone): a token acts with all of its
    user's rights, so nobody else should hold one. ``scope`` is ``read`` or ``write``.
    """
    user = session.get(User, user_id)
    if user is None:
        raise NotFound(f"user {user_id} does not exist")
    if not actor.operator and actor.user_id != user.id:
        raise NotFound(f"user {user_id} does not exist")
    if not user.active:
        raise InvalidState(f"user {user.email} is disabled")
    if scope not in {s.value for s in TokenScope}:
        raise InvalidInput("a token's scope is read or write", field="scope")
    label = clean_name(name)
    if len(label) > MAX_TOKEN_NAME:
        raise InvalidInput(f"a token name has at most {MAX_TOKEN_NAME} characters", field="name")
    plain = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(
        user_id=user.id,
        name=label or "token",
        token_hash=hash_token(plain),
        prefix=plain[:10],
        scope=TokenScope(scope),
    )
    session.add(token)
    session.flush()
    audit.record(
        session,
        actor=actor.label,
        action="token.issued",
        subject=f"user:{user.id}",
        payload={
            "token_id": token.id,
            "prefix": token.prefix,
            "name": token.name,
            "scope": token.scope.value,
        },
    )
    return token, plain


def list_tokens(session: Session, actor: Actor, user_id: int | None = None) -> list[ApiToken]:
    """The tokens of the actor (the operator: of ``user_id``, or everyone's), newest first, revoked too."""
    query = select(ApiToken).order_by(ApiToken.id.desc())
    if not actor.operator:
        query = query.where(ApiToken.user_id == actor.user_id)
    elif user_id is not None:
        query = query.where(ApiToken.user_id == user_id)
    return list(session.scalars(query))


def revoke_token(session: Session, actor: Actor, token_id: int) -> ApiToken:
    """Revoke one of the actor's tokens (the operator: anyone's); at once, for good.

    Another user's token answers ``NotFound`` like an unknown id. Revoking a revoked token changes
    nothing (a double-click is not an error).
    """
    token = session.get(ApiToken, token_id)
    if token is None or not (actor.operator or token.user_id == actor.user_id):
        raise NotFound(f"token {token_id} does not exist")
    if token.revoked_at is None:
        token.revoked_at = utcnow()
        audit.record(
            session,
            actor=actor.label,
            action="token.revoked",
            subject=f"user:{token.user_id}",
            payload={"token_id": token.id, "prefix": token.prefix},
        )
    return token


def revoke_all_tokens(session: Session, user: User) -> int:
    """Revoke every live token of ``user`` (when the user is disabled); the number revoked."""
    result = session.execute(
        update(ApiToken)
        .where(ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None))
        .values(revoked_at=utcnow())
    )
    return int(getattr(result, "rowcount", 0) or 0)


def hash_token(plain: str) -> str:
    """The stored form of a token."""
    return hashlib.sha256(plain.encode("utf-8")).hexdigest()


def authenticate_token(session: Session, plain: str, *, writing: bool = False) -> User | None:
    """The active user behind a bearer token, or None for unknown, revoked or malformed tokens.

    ``writing``: the call would change state; a read-only token then raises ``ReadOnlyToken``.
    Notes when the token was used, to :data:`TOKEN_USE_RESOLUTION`.
    """
    if not plain.startswith(TOKEN_PREFIX) or len(plain) > 100:
        return None
    token = session.scalar(select(ApiToken).filter_by(token_hash=hash_token(plain)))
    if token is None or token.revoked_at is not None or not token.user.active:
        return None
    if writing and token.scope is TokenScope.READ:
        raise ReadOnlyToken("this API token is read-only; make a read-write token to change data")
    now = utcnow()
    if token.last_used_at is None or now - token.last_used_at >= TOKEN_USE_RESOLUTION:
        token.last_used_at = now
    return token.user
