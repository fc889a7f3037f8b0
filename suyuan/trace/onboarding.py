"""Onboarding: the first office and its administrator, invitations, and who may add or disable whom.

A fresh instance has nothing: :func:`initialise` (the ``suyuan init`` command and the ``/setup`` page,
both only while no office and no user exist) creates the first office and its administrator. From then
on people join by **invitation**: an administrator names the e-mail, Suyuan makes a user without a
password and a one-time link (random, only its SHA-256 stored, valid for :data:`INVITATION_LIFETIME`,
single use; a new link replaces the older ones), and the invitee chooses a name and password there
(:func:`accept_invitation`). Nobody ever sends or sees another person's password.

Who may do what (the rules live here, not in views; the web and CLI only call):

* the server operator (CLI): everything, including new offices (:func:`add_office`) — an office is a
  government unit, so no office creates another (it could otherwise make regulators outside its remit);
* an office administrator: invites officers and administrators of its office, disables and re-enables
  them, and disables users of the enterprises filed with its office;
* an officer: invites the administrator of an enterprise filed with its office (onboarding goes with
  filing, which is officers' work) — but adds no officers and disables nobody;
* an enterprise administrator: invites staff (and further administrators) of its own enterprise and
  disables and re-enables them;
* enterprise staff: nobody.

A user outside the actor's remit answers ``NotFound`` exactly like an unknown id; one inside it that
the actor may not manage answers ``PermissionDenied``. Nobody disables their own account (no lock-out
by mistake). Disabling ends the user's sessions and revokes their API tokens and pending invitations.
"""

from __future__ import annotations

import enum
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import or_, select, text
from sqlalchemy.orm import Session

from suyuan.trace import accounts, audit, keys, registry
from suyuan.trace.actors import Actor
from suyuan.trace.bounds import MAX_INT
from suyuan.trace.errors import (
    AlreadyInitialised,
    Duplicate,
    InvalidInput,
    InvalidState,
    InvitationExpired,
    InvitationUsed,
    NotFound,
    PermissionDenied,
)
from suyuan.trace.model import Enterprise, EnterpriseKind, Invitation, Office, Role, User
from suyuan.trace.model.types import utcnow

INVITATION_LIFETIME = timedelta(days=7)
INVITATION_PREFIX = "inv_"
_OFFICE_CODE = re.compile(r"^[A-Z0-9][A-Z0-9-]{1,31}$")
_SETUP_LOCK = 7410816  # PostgreSQL advisory lock: two first-run setups cannot both see an empty instance


class UserKind(enum.StrEnum):
    """What a user is, for people: the party (``Role``), the admin flag and the enterprise's kind."""

    OFFICE_ADMIN = "office_admin"
    OFFICER = "officer"
    ENTERPRISE_ADMIN = "enterprise_admin"
    ENTERPRISE_STAFF = "enterprise_staff"
    PLATFORM_ADMIN = "platform_admin"
    PLATFORM_STAFF = "platform_staff"


class UserStatus(enum.StrEnum):
    """Whether a user can sign in: yes, not yet (invitation pending), or no longer (disabled)."""

    ACTIVE = "active"
    INVITED = "invited"
    DISABLED = "disabled"


@dataclass(frozen=True)
class Invited:
    """The result of an invitation: the (pending) user, the invitation row and the plain token.

    The token is shown once to the inviting administrator, who passes the link on; it is never stored.
    """

    user: User
    invitation: Invitation
    token: str


def user_kind(user: User) -> UserKind:
    """The user's kind (office administrator, officer, enterprise or platform administrator or staff)."""
    if user.role is Role.REGULATOR:
        return UserKind.OFFICE_ADMIN if user.admin else UserKind.OFFICER
    platform = user.enterprise is not None and user.enterprise.kind is EnterpriseKind.PLATFORM
    if platform:
        return UserKind.PLATFORM_ADMIN if user.admin else UserKind.PLATFORM_STAFF
    return UserKind.ENTERPRISE_ADMIN if user.admin else UserKind.ENTERPRISE_STAFF


def user_status(user: User) -> UserStatus:
    """Active, invited (no password chosen yet) or disabled."""
    if not user.active:
        return UserStatus.DISABLED
    return UserStatus.ACTIVE if user.password_hash else UserStatus.INVITED


# --- first run ---------------------------------------------------------------------------------------


def is_initialised(session: Session) -> bool:
    """Whether the instance has an office or a user (then first-run setup is closed for good)."""
    return (
        session.scalar(select(Office.id).limit(1)) is not None
        or session.scalar(select(User.id).limit(1)) is not None
    )


def initialise(
    session: Session,
    actor: Actor,
    *,
    office_code: str,
    office_name: str,
    email: str,
    name: str,
    password: str,
    office_name_en: str = "",
    ring: keys.KeyRing | None = None,
) -> User:
    """Create the first office and its administrator on an empty instance; refuse on any other.

    With the key ``ring``, the first signing key too (unless one exists): codes are signed by the
    office's key, and a new instance whose merchants could file and declare goods but never issue a
    code until someone ran ``suyuan keys create`` on the server would stop its users half-way.

    Anyone who reaches an empty instance may do this once (the ``/setup`` page is open to the world
    until then, as in every self-hosted application), so it must never work a second time: any office
    or user makes it answer ``AlreadyInitialised``, and nothing is written.
    """
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text(f"SELECT pg_advisory_xact_lock({_SETUP_LOCK})"))
    if is_initialised(session):
        raise AlreadyInitialised("this instance is already set up; sign in, or ask an administrator")
    email = accounts.normalise_email(email)
    if not accounts.clean_name(name):
        raise InvalidInput("the administrator's name is required", field="name")
    accounts.check_new_password(password, email=email)
    office = _new_office(session, actor, office_code, office_name, office_name_en)
    if ring is not None and keys.active_key(session) is None:
        keys.create_key(session, actor, ring)
    return accounts.insert_user(
        session,
        actor,
        email=email,
        name=name,
        role=Role.REGULATOR,
        password=password,
        office_id=office.id,
        admin=True,
    )


def add_office(
    session: Session, actor: Actor, *, code: str, name: str, name_en: str = "", region: str = ""
) -> Office:
    """File a further inspection office (the server operator only; see the module's note)."""
    if not actor.operator:
        raise PermissionDenied("only the server operator creates offices")
    return _new_office(session, actor, code, name, name_en, region)


def _new_office(
    session: Session, actor: Actor, code: str, name: str, name_en: str = "", region: str = ""
) -> Office:
    code = code.strip().upper()
    if not _OFFICE_CODE.match(code):
        raise InvalidInput("an office code is 2 to 32 letters, digits or '-', e.g. SZ-QH", field="code")
    name, name_en = accounts.clean_name(name), accounts.clean_name(name_en)
    if not name:
        raise InvalidInput("the office's name is required", field="office_name")
    if session.scalar(select(Office).filter_by(code=code)) is not None:
        raise Duplicate(f"an office {code} already exists")
    office = Office(code=code, name=name, name_en=name_en, region=accounts.clean_name(region)[:100])
    session.add(office)
    session.flush()
    audit.record(
        session,
        actor=actor.label,
        action="office.created",
        subject=f"office:{office.id}",
        payload={"code": code, "name": name, "name_en": name_en},
    )
    return office


# --- who may manage whom -----------------------------------------------------------------------------


def acting_user(session: Session, actor: Actor) -> User | None:
    """The actor's own user row, fresh from the database (None for the operator).

    Rights are read from the row, not from the actor, so a user disabled or demoted a moment ago
    loses them at once.
    """
    if actor.operator:
        return None
    user = session.get(User, actor.user_id) if actor.user_id is not None else None
    if user is None or not user.active:
        raise PermissionDenied("sign in first")
    return user


def is_administrator(session: Session, actor: Actor) -> bool:
    """Whether the actor administers its party (or is the operator): the views' cheap pre-check."""
    if actor.operator:
        return True
    if actor.user_id is None:
        return False
    user = session.get(User, actor.user_id)
    return user is not None and user.active and user.admin


def _require_may_invite(
    session: Session, actor: Actor, office_id: int | None, enterprise_id: int | None, admin: bool
) -> None:
    """Refuse an invitation the actor may not send (``NotFound`` outside its remit)."""
    me = acting_user(session, actor)
    if me is None:
        return
    if office_id is not None:
        if me.role is not Role.REGULATOR or me.office_id != office_id:
            raise NotFound(f"office {office_id} does not exist")
        if not me.admin:
            raise PermissionDenied("only the office's administrator adds officers")
        return
    assert enterprise_id is not None
    registry.get_enterprise(session, actor, enterprise_id)  # NotFound outside the remit
    if me.role is Role.REGULATOR:
        if not admin:
            raise PermissionDenied("an office invites an enterprise's administrator; staff are theirs to add")
        return
    if not me.admin:
        raise PermissionDenied("only the enterprise's administrator adds staff")


def _require_may_manage(session: Session, actor: Actor, user: User) -> None:
    """Refuse disabling or re-enabling ``user`` unless the actor administers it (see the module note)."""
    me = acting_user(session, actor)
    if me is None:
        return
    if me.role is Role.REGULATOR:
        if user.office_id is not None:
            in_remit = user.office_id == me.office_id
        else:
            in_remit = user.enterprise is not None and user.enterprise.office_id == me.office_id
    else:
        in_remit = user.enterprise_id is not None and user.enterprise_id == me.enterprise_id
    if not in_remit:
        raise NotFound(f"user {user.id} does not exist")
    if not me.admin:
        raise PermissionDenied("only an administrator disables, re-enables or resets users")
    if user.id == me.id:
        raise InvalidState("you cannot disable your own account; ask another administrator")


# --- invitations -------------------------------------------------------------------------------------


def invite_user(
    session: Session,
    actor: Actor,
    *,
    email: str,
    name: str = "",
    office_id: int | None = None,
    enterprise_id: int | None = None,
    admin: bool = False,
) -> Invited:
    """Add a user to an office or an enterprise and make their one-time invitation link.

    Exactly one of ``office_id`` and ``enterprise_id`` names the party. Inviting the e-mail of a user
    who has not accepted yet (same party) sends a fresh link and withdraws the old one; inviting an
    active user of the same party resets a forgotten password (administrators of that user only);
    any other existing e-mail (another party, a disabled user) is a ``Duplicate``.
    """
    if (office_id is None) == (enterprise_id is None):
        raise InvalidInput("invite to exactly one office or one enterprise", field="party")
    _require_may_invite(session, actor, office_id, enterprise_id, admin)
    email = accounts.normalise_email(email)
    existing = session.scalar(select(User).filter_by(email=email))
    if existing is None:
        user = accounts.insert_user(
            session,
            actor,
            email=email,
            name=name,
            role=Role.REGULATOR if office_id is not None else Role.MERCHANT,
            password="",
            office_id=office_id,
            enterprise_id=enterprise_id,
            admin=admin,
        )
    elif existing.office_id != office_id or existing.enterprise_id != enterprise_id or not existing.active:
        raise Duplicate(f"a user {email} already exists")
    elif user_status(existing) is UserStatus.INVITED:
        user = existing
        user.admin = admin
        if accounts.clean_name(name):
            user.name = accounts.clean_name(name)
    else:
        user = _reset(session, actor, existing)
    return _new_invitation(session, actor, user)


def _reset(session: Session, actor: Actor, user: User) -> User:
    """A forgotten password: an administrator of the user sends a new link, the old password stops working.

    Only administrators of the user's own party (and the operator) may do this: it hands them the
    account until the link is used, so an office never gets a way into an enterprise's account.
    """
    _require_may_manage(session, actor, user)
    me = acting_user(session, actor)
    if me is not None and me.role is not user.role:
        raise PermissionDenied("only the enterprise's own administrator (or the operator) resets its users")
    user.password_hash = ""
    accounts.end_sessions(session, user)
    audit.record(
        session, actor=actor.label, action="user.password_reset", subject=f"user:{user.id}", payload={}
    )
    return user


def _new_invitation(session: Session, actor: Actor, user: User) -> Invited:
    now = utcnow()
    _withdraw_invitations(session, user, now)
    plain = INVITATION_PREFIX + secrets.token_urlsafe(32)
    invitation = Invitation(
        user_id=user.id,
        token_hash=accounts.hash_token(plain),
        created_by=actor.label[:200],
        created_at=now,
        expires_at=now + INVITATION_LIFETIME,
    )
    session.add(invitation)
    session.flush()
    audit.record(
        session,
        actor=actor.label,
        action="user.invited",
        subject=f"user:{user.id}",
        payload={
            "invitation_id": invitation.id,
            "email": user.email,
            "kind": user_kind(user).value,
            "office_id": user.office_id,
            "enterprise_id": user.enterprise_id,
            "expires_at": invitation.expires_at.isoformat(),
        },
    )
    return Invited(user=user, invitation=invitation, token=plain)


def _withdraw_invitations(session: Session, user: User, now: datetime) -> None:
    for old in session.scalars(
        select(Invitation).where(
            Invitation.user_id == user.id, Invitation.used_at.is_(None), Invitation.revoked_at.is_(None)
        )
    ):
        old.revoked_at = now


def open_invitation(session: Session, token: str) -> Invitation:
    """The usable invitation of a link, or why not: ``NotFound`` (never issued: forged or mistyped),
    ``InvitationUsed`` (accepted, replaced or withdrawn), ``InvitationExpired``.

    The token is looked up by its hash only; the answer for a forged token says nothing about others.
    """
    if not token.startswith(INVITATION_PREFIX) or len(token) > 100:
        raise NotFound("this invitation link is not valid")
    invitation = session.scalar(select(Invitation).filter_by(token_hash=accounts.hash_token(token)))
    if invitation is None:
        raise NotFound("this invitation link is not valid")
    if invitation.used_at is not None or invitation.revoked_at is not None or not invitation.user.active:
        raise InvitationUsed("this invitation link has been used or withdrawn")
    if utcnow() >= invitation.expires_at:
        raise InvitationExpired("this invitation link has expired; ask for a new one")
    return invitation


def accept_invitation(session: Session, token: str, *, name: str, password: str) -> User:
    """The invitee chooses a name and password; the link is spent and the user may sign in."""
    invitation = open_invitation(session, token)
    user = invitation.user
    chosen = accounts.clean_name(name)
    if not chosen:
        raise InvalidInput("your name is required", field="name")
    accounts.check_new_password(password, email=user.email)
    user.name = chosen
    accounts.set_password(user, password)
    invitation.used_at = utcnow()
    accounts.end_sessions(session, user)
    audit.record(
        session,
        actor=f"user:{user.id}:{user.email}",
        action="invitation.accepted",
        subject=f"user:{user.id}",
        payload={"invitation_id": invitation.id},
    )
    return user


def pending_invitation(session: Session, user: User) -> Invitation | None:
    """The user's newest unspent, unwithdrawn invitation (to show when it expires), if any."""
    return session.scalar(
        select(Invitation)
        .where(Invitation.user_id == user.id, Invitation.used_at.is_(None), Invitation.revoked_at.is_(None))
        .order_by(Invitation.id.desc())
        .limit(1)
    )


# --- managing users ----------------------------------------------------------------------------------


def set_user_active(session: Session, actor: Actor, user_id: int, active: bool) -> User:
    """Disable (``active=False``) or re-enable a user the actor administers.

    Disabling takes effect at once: the user's sessions end, API tokens are revoked (re-enabling
    does not revive them) and unspent invitations are withdrawn.
    """
    user = session.get(User, user_id)
    if user is None:
        raise NotFound(f"user {user_id} does not exist")
    _require_may_manage(session, actor, user)
    if user.active == active:
        return user
    user.active = active
    revoked = 0
    if not active:
        accounts.end_sessions(session, user)
        revoked = accounts.revoke_all_tokens(session, user)
        _withdraw_invitations(session, user, utcnow())
    audit.record(
        session,
        actor=actor.label,
        action="user.enabled" if active else "user.disabled",
        subject=f"user:{user.id}",
        payload={"email": user.email, "tokens_revoked": revoked},
    )
    return user


def list_users(session: Session, actor: Actor, *, enterprises: bool = False) -> list[User]:
    """The users of the actor's own party (``enterprises``: of the enterprises filed with its office).

    Everyone may see who else belongs to their office or enterprise; what they may do with them is
    decided per action. The operator sees everybody.
    """
    query = select(User).order_by(User.id)
    if actor.operator:
        return list(session.scalars(query))
    me = acting_user(session, actor)
    assert me is not None
    if enterprises:
        if me.role is not Role.REGULATOR:
            raise PermissionDenied("only an office lists its enterprises' users")
        office_enterprises = select(Enterprise.id).where(Enterprise.office_id == me.office_id)
        return list(session.scalars(query.where(User.enterprise_id.in_(office_enterprises))))
    if me.role is Role.REGULATOR:
        return list(session.scalars(query.where(User.office_id == me.office_id)))
    return list(session.scalars(query.where(User.enterprise_id == me.enterprise_id)))


def find_user(session: Session, email_or_id: str) -> User:
    """A user by e-mail or id, for the operator's CLI."""
    value = email_or_id.strip()
    condition = (
        or_(User.email == value.lower(), User.id == int(value))
        if value.isascii() and value.isdigit() and int(value) <= MAX_INT
        else (User.email == value.lower())
    )
    user = session.scalar(select(User).where(condition))
    if user is None:
        raise NotFound(f"user {value[:80]} does not exist")
    return user
