"""Onboarding and accounts: first run, invitations, who may add or disable whom, passwords and tokens."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from suyuan.runtime import Runtime
from suyuan.trace import accounts, audit, onboarding
from suyuan.trace.actors import OPERATOR, Actor
from suyuan.trace.errors import (
    AlreadyInitialised,
    Duplicate,
    InvalidInput,
    InvalidState,
    InvitationExpired,
    InvitationUsed,
    NotFound,
    PermissionDenied,
    ReadOnlyToken,
    WeakPassword,
)
from suyuan.trace.model import AuditEntry, Invitation, Office, User
from suyuan.trace.model.types import utcnow
from tests.factories import World, make_enterprise, make_second_office, make_world

GOOD = "plum blossom 1987"


def _audit_count(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(AuditEntry)) or 0


def _promote(session: Session, actor: Actor) -> Actor:
    """Make the actor's user an administrator of its party."""
    session.execute(update(User).where(User.id == actor.user_id).values(admin=True))
    session.commit()
    return actor


@pytest.fixture
def world(session: Session, runtime: Runtime) -> World:
    return make_world(session, runtime.ring)


# --- first run ---------------------------------------------------------------------------------------


def test_initialise_creates_the_first_office_and_its_administrator(session: Session) -> None:
    assert not onboarding.is_initialised(session)
    admin = onboarding.initialise(
        session,
        OPERATOR,
        office_code="sz-qh",
        office_name="深圳海关前海办事处",
        email=" Chief@Office.Example ",
        name="李主任",
        password=GOOD,
    )
    session.commit()
    assert admin.email == "chief@office.example" and admin.admin and admin.office.code == "SZ-QH"
    assert onboarding.user_kind(admin) is onboarding.UserKind.OFFICE_ADMIN
    assert accounts.authenticate_password(session, "chief@office.example", GOOD) is not None
    assert onboarding.is_initialised(session)
    assert audit.verify_chain(session).ok
    actions = session.scalars(select(AuditEntry.action).order_by(AuditEntry.seq)).all()
    assert actions == ["office.created", "user.created"]


def test_initialise_refuses_a_second_time_and_writes_nothing(session: Session) -> None:
    onboarding.initialise(
        session, OPERATOR, office_code="A1", office_name="甲", email="a@x.cn", name="甲", password=GOOD
    )
    session.commit()
    before = _audit_count(session)
    with pytest.raises(AlreadyInitialised):
        onboarding.initialise(
            session, OPERATOR, office_code="B2", office_name="乙", email="b@x.cn", name="乙", password=GOOD
        )
    session.rollback()
    assert _audit_count(session) == before
    assert session.scalar(select(func.count()).select_from(Office)) == 1


@pytest.mark.parametrize(
    ("field", "values"),
    [
        ("code", {"office_code": "bad code!"}),
        ("email", {"email": "not-an-email"}),
        ("name", {"name": "  "}),
        ("name", {"name": "evil\nline"}),
        ("password", {"password": "short"}),
        ("password", {"password": "1234567890"}),
        ("password", {"password": "aaaaaaaaaaaa"}),
        ("password", {"password": "chief-secret-chief"}),
        ("office_name", {"office_name": ""}),
    ],
)
def test_initialise_refuses_hostile_or_weak_input(
    session: Session, field: str, values: dict[str, str]
) -> None:
    given = {
        "office_code": "SZ-QH",
        "office_name": "前海",
        "email": "chief@office.example",
        "name": "李主任",
        "password": GOOD,
    } | values
    with pytest.raises(InvalidInput) as caught:
        onboarding.initialise(session, OPERATOR, **given)
    assert caught.value.field == field
    session.rollback()
    assert not onboarding.is_initialised(session)
    assert _audit_count(session) == 0


def test_weak_passwords_say_why() -> None:
    assert accounts.password_problem("short1") == ("too_short", "a password has at least 10 characters")
    assert accounts.password_problem("x" * 201)[0] == "too_long"  # type: ignore[index]
    assert accounts.password_problem("Password123")[0] == "too_common"  # type: ignore[index]
    assert accounts.password_problem("my wangwei pass", email="wangwei@x.cn")[0] == "contains_email"  # type: ignore[index]
    assert accounts.password_problem("a long phrase of mine", email="wangwei@x.cn") is None
    with pytest.raises(WeakPassword) as caught:
        accounts.check_new_password("qwertyuiop", email="a@b.cn")
    assert caught.value.reason == "too_common" and caught.value.field == "password"


# --- invitations -------------------------------------------------------------------------------------


def test_office_admin_invites_an_officer_who_sets_a_password_once(session: Session, world: World) -> None:
    admin = _promote(session, world.regulator)
    made = onboarding.invite_user(session, admin, email="new@office.example", office_id=world.office.id)
    session.commit()
    assert made.token.startswith("inv_") and len(made.token) > 40
    stored = session.scalar(select(Invitation).filter_by(user_id=made.user.id))
    assert stored is not None and stored.token_hash == accounts.hash_token(made.token)
    assert made.token not in stored.token_hash
    assert stored.expires_at - stored.created_at == timedelta(days=7)
    assert onboarding.user_status(made.user) is onboarding.UserStatus.INVITED
    assert accounts.authenticate_password(session, "new@office.example", "") is None

    user = onboarding.accept_invitation(session, made.token, name="新同事", password=GOOD)
    session.commit()
    assert user.name == "新同事" and onboarding.user_kind(user) is onboarding.UserKind.OFFICER
    assert accounts.authenticate_password(session, "new@office.example", GOOD) is not None
    with pytest.raises(InvitationUsed):
        onboarding.accept_invitation(session, made.token, name="x", password="another phrase 2")
    session.rollback()
    assert accounts.authenticate_password(session, "new@office.example", GOOD) is not None
    actions = session.scalars(select(AuditEntry.action).order_by(AuditEntry.seq.desc()).limit(2)).all()
    assert actions == ["invitation.accepted", "user.invited"]


def test_expired_forged_and_replaced_invitations_are_refused(session: Session, world: World) -> None:
    admin = _promote(session, world.regulator)
    first = onboarding.invite_user(session, admin, email="late@office.example", office_id=world.office.id)
    second = onboarding.invite_user(session, admin, email="late@office.example", office_id=world.office.id)
    session.commit()
    assert second.user.id == first.user.id
    with pytest.raises(InvitationUsed):  # replaced by the newer link
        onboarding.open_invitation(session, first.token)
    with pytest.raises(NotFound):
        onboarding.open_invitation(session, "inv_" + "A" * 43)
    with pytest.raises(NotFound):
        onboarding.open_invitation(session, "../../etc/passwd")
    session.execute(
        update(Invitation).where(Invitation.id == second.invitation.id).values(expires_at=utcnow())
    )
    session.commit()
    with pytest.raises(InvitationExpired):
        onboarding.accept_invitation(session, second.token, name="x", password=GOOD)


def test_a_weak_password_leaves_the_invitation_usable(session: Session, world: World) -> None:
    admin = _promote(session, world.regulator)
    made = onboarding.invite_user(session, admin, email="weak@office.example", office_id=world.office.id)
    session.commit()
    with pytest.raises(WeakPassword):
        onboarding.accept_invitation(session, made.token, name="弱", password="password")
    session.rollback()
    assert onboarding.open_invitation(session, made.token).used_at is None


def test_an_officer_cannot_add_officers_but_invites_an_enterprise_admin(
    session: Session, world: World
) -> None:
    before = _audit_count(session)
    with pytest.raises(PermissionDenied):
        onboarding.invite_user(session, world.regulator, email="o2@office.example", office_id=world.office.id)
    with pytest.raises(PermissionDenied):  # staff are the enterprise's to add
        onboarding.invite_user(session, world.regulator, email="s@a.example", enterprise_id=world.merchant.id)
    session.rollback()
    assert _audit_count(session) == before
    made = onboarding.invite_user(
        session, world.regulator, email="boss@a.example", enterprise_id=world.merchant.id, admin=True
    )
    assert onboarding.user_kind(made.user) is onboarding.UserKind.ENTERPRISE_ADMIN


def test_platform_users_are_named_as_such(session: Session, world: World) -> None:
    platform = make_enterprise(session, kind="platform")
    made = onboarding.invite_user(
        session, OPERATOR, email="p@tmall.example", enterprise_id=platform.id, admin=True
    )
    assert onboarding.user_kind(made.user) is onboarding.UserKind.PLATFORM_ADMIN


def test_another_office_is_outside_the_remit(session: Session, world: World, runtime: Runtime) -> None:
    other = make_second_office(session)
    admin = _promote(session, world.regulator)
    with pytest.raises(NotFound):
        onboarding.invite_user(session, admin, email="x@ns.example", office_id=other.office.id)
    with pytest.raises(NotFound):
        onboarding.invite_user(
            session, admin, email="x@ns.example", enterprise_id=other.merchant.id, admin=True
        )
    staff_b = session.scalar(select(User).filter_by(email="staff@ns.example"))
    assert staff_b is not None
    with pytest.raises(NotFound):
        onboarding.set_user_active(session, admin, staff_b.id, False)


def test_enterprise_admin_manages_own_staff_only(session: Session, world: World) -> None:
    boss = _promote(session, world.merchant_staff)
    made = onboarding.invite_user(session, boss, email="clerk@a.example", enterprise_id=world.merchant.id)
    session.commit()
    assert onboarding.user_kind(made.user) is onboarding.UserKind.ENTERPRISE_STAFF
    other_staff = session.get(User, world.merchant_b_staff.user_id)
    assert other_staff is not None
    before = _audit_count(session)
    with pytest.raises(NotFound):
        onboarding.invite_user(session, boss, email="spy@b.example", enterprise_id=world.merchant_b.id)
    with pytest.raises(NotFound):
        onboarding.set_user_active(session, boss, other_staff.id, False)
    with pytest.raises(NotFound):
        onboarding.invite_user(session, boss, email="o@office.example", office_id=world.office.id)
    session.rollback()
    assert _audit_count(session) == before and other_staff.active
    onboarding.set_user_active(session, boss, made.user.id, False)
    session.commit()
    assert onboarding.user_status(made.user) is onboarding.UserStatus.DISABLED


def test_staff_cannot_invite_or_disable(session: Session, world: World) -> None:
    boss = session.get(User, world.merchant_staff.user_id)
    assert boss is not None
    clerk = onboarding.invite_user(
        session, OPERATOR, email="clerk@a.example", enterprise_id=world.merchant.id
    )
    onboarding.accept_invitation(session, clerk.token, name="店员", password=GOOD)
    session.commit()
    staff = Actor.for_user(clerk.user)
    with pytest.raises(PermissionDenied):
        onboarding.invite_user(session, staff, email="friend@a.example", enterprise_id=world.merchant.id)
    with pytest.raises(PermissionDenied):
        onboarding.set_user_active(session, staff, boss.id, False)
    with pytest.raises(PermissionDenied):  # an officer disables nobody either
        onboarding.set_user_active(session, world.regulator, boss.id, False)


def test_an_admin_cannot_disable_themselves(session: Session, world: World) -> None:
    admin = _promote(session, world.regulator)
    assert admin.user_id is not None
    with pytest.raises(InvalidState):
        onboarding.set_user_active(session, admin, admin.user_id, False)


def test_disabling_ends_sessions_tokens_and_invitations(session: Session, world: World) -> None:
    admin = _promote(session, world.regulator)
    user = session.get(User, world.merchant_staff.user_id)
    assert user is not None
    generation = user.session_generation
    token = world.tokens["merchant"]
    onboarding.set_user_active(session, admin, user.id, False)
    session.commit()
    assert accounts.authenticate_password(session, "staff@a.example", "password1") is None
    assert accounts.session_user(session, user.id, generation) is None
    assert accounts.authenticate_token(session, token) is None
    onboarding.set_user_active(session, admin, user.id, True)
    session.commit()
    assert accounts.authenticate_password(session, "staff@a.example", "password1") is not None
    assert accounts.authenticate_token(session, token) is None  # revoked tokens stay revoked
    with pytest.raises(InvitationUsed):  # a disabled user's invitation is withdrawn
        pending = onboarding.invite_user(
            session, OPERATOR, email="gone@a.example", enterprise_id=world.merchant.id
        )
        onboarding.set_user_active(session, OPERATOR, pending.user.id, False)
        onboarding.open_invitation(session, pending.token)


def test_an_existing_email_is_a_duplicate_unless_resetting_own_party(session: Session, world: World) -> None:
    admin = _promote(session, world.regulator)
    with pytest.raises(Duplicate):  # merchant staff e-mail, asked as an officer
        onboarding.invite_user(session, admin, email="staff@a.example", office_id=world.office.id)
    session.rollback()
    with pytest.raises(PermissionDenied):  # not even the office's admin resets an enterprise user's password
        onboarding.invite_user(
            session, world.regulator, email="staff@a.example", enterprise_id=world.merchant.id, admin=True
        )
    session.rollback()
    boss = _promote(session, world.merchant_staff)
    clerk = onboarding.invite_user(session, boss, email="clerk@a.example", enterprise_id=world.merchant.id)
    onboarding.accept_invitation(session, clerk.token, name="店员", password=GOOD)
    reset = onboarding.invite_user(session, boss, email="clerk@a.example", enterprise_id=world.merchant.id)
    session.commit()
    assert accounts.authenticate_password(session, "clerk@a.example", GOOD) is None
    onboarding.accept_invitation(session, reset.token, name="店员", password="a new phrase 2")
    assert accounts.authenticate_password(session, "clerk@a.example", "a new phrase 2") is not None


# --- passwords and tokens ------------------------------------------------------------------------------


def test_changing_the_password_checks_the_old_one_and_ends_sessions(session: Session, world: World) -> None:
    user = session.get(User, world.merchant_staff.user_id)
    assert user is not None
    generation = user.session_generation
    with pytest.raises(InvalidInput):
        accounts.change_password(session, world.merchant_staff, current="wrong", new=GOOD)
    with pytest.raises(WeakPassword):
        accounts.change_password(session, world.merchant_staff, current="password1", new="abcabcabc")
    session.rollback()
    accounts.change_password(session, world.merchant_staff, current="password1", new=GOOD)
    session.commit()
    assert accounts.session_user(session, user.id, generation) is None
    assert accounts.authenticate_password(session, "staff@a.example", GOOD) is not None


def test_tokens_are_read_or_write_listed_and_revoked_by_their_owner(session: Session, world: World) -> None:
    token, plain = accounts.issue_token(
        session, world.merchant_staff, world.merchant_staff.user_id or 0, "报表", scope="read"
    )
    session.commit()
    assert accounts.authenticate_token(session, plain) is not None
    with pytest.raises(ReadOnlyToken):
        accounts.authenticate_token(session, plain, writing=True)
    mine = accounts.list_tokens(session, world.merchant_staff)
    assert token in mine and all(t.user_id == world.merchant_staff.user_id for t in mine)
    with pytest.raises(NotFound):  # another user's token, like an unknown id
        accounts.revoke_token(session, world.merchant_b_staff, token.id)
    with pytest.raises(NotFound):
        accounts.issue_token(session, world.merchant_staff, world.merchant_b_staff.user_id or 0, "x")
    with pytest.raises(InvalidInput):
        accounts.issue_token(
            session, world.merchant_staff, world.merchant_staff.user_id or 0, "x", scope="admin"
        )
    session.rollback()
    accounts.revoke_token(session, world.merchant_staff, token.id)
    accounts.revoke_token(session, world.merchant_staff, token.id)  # twice: no error, one audit entry
    session.commit()
    assert accounts.authenticate_token(session, plain) is None
    revoked = session.scalars(select(AuditEntry).filter_by(action="token.revoked")).all()
    assert len(revoked) == 1
