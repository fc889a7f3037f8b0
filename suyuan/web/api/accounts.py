"""Accounts through the JSON API: the users of one's party, invitations, API tokens, one's password.

A child of :data:`suyuan.web.api.bp` (endpoints ``api.accounts.*``), the API face of what
``/account/users`` and ``/account/tokens`` do in the browser and ``suyuan users|tokens`` on the command
line; every rule of who may invite, disable or see whom is in :mod:`suyuan.trace.onboarding` and
:mod:`suyuan.trace.accounts`, which the three edges call alike. An invitation link and a new token are
answered once, to the call that made them; the server keeps only their hashes.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, jsonify, request, url_for
from sqlalchemy.orm import Session

from suyuan.trace import accounts, onboarding
from suyuan.trace.errors import InvalidInput
from suyuan.trace.model import ApiToken, Role, User
from suyuan.web import runtime
from suyuan.web.api.common import created, parse
from suyuan.web.auth import api_auth, current_actor
from suyuan.web.bodies import accounts as bodies

bp = Blueprint("accounts", __name__)


@bp.get("/users")
@api_auth
def list_users() -> Response:
    """The users of the caller's office or enterprise; ``enterprises=1``: of its office's enterprises."""
    wanted = request.args.get("enterprises")
    if wanted not in (None, "0", "1"):
        raise InvalidInput("enterprises is 0 or 1", field="enterprises")
    with runtime().transaction() as db:
        rows = onboarding.list_users(db, current_actor(), enterprises=wanted == "1")
        return jsonify({"users": [user_json(db, u) for u in rows]})


@bp.post("/users")
@api_auth
def invite_user() -> tuple[Response, int]:
    """Invite a person (to the caller's own party unless a party is named); the link is answered once."""
    body = parse(bodies.Invitation)
    actor = current_actor()
    office_id, enterprise_id = body.office_id, body.enterprise_id
    if office_id is None and enterprise_id is None:
        office_id = actor.office_id if actor.role is Role.REGULATOR else None
        enterprise_id = actor.enterprise_id if actor.role is Role.MERCHANT else None
    with runtime().transaction() as db:
        made = onboarding.invite_user(
            db,
            actor,
            email=body.email,
            name=body.name,
            office_id=office_id,
            enterprise_id=enterprise_id,
            admin=body.admin,
        )
        return created(
            {
                "user": user_json(db, made.user),
                "invitation_url": url_for("account_pages.invite", token=made.token, _external=True),
                "expires_at": made.invitation.expires_at.isoformat(),
            }
        )


@bp.post("/users/<int:user_id>/disable")
@api_auth
def disable_user(user_id: int) -> Response:
    """Disable a user the caller administers: sessions end, tokens and invitations are revoked."""
    with runtime().transaction() as db:
        return jsonify(user_json(db, onboarding.set_user_active(db, current_actor(), user_id, False)))


@bp.post("/users/<int:user_id>/enable")
@api_auth
def enable_user(user_id: int) -> Response:
    """Re-enable a disabled user the caller administers (revoked tokens stay revoked)."""
    with runtime().transaction() as db:
        return jsonify(user_json(db, onboarding.set_user_active(db, current_actor(), user_id, True)))


@bp.get("/tokens")
@api_auth
def list_tokens() -> Response:
    """The caller's own API tokens, newest first, revoked ones too."""
    with runtime().transaction() as db:
        return jsonify({"tokens": [token_json(t) for t in accounts.list_tokens(db, current_actor())]})


@bp.post("/tokens")
@api_auth
def issue_token() -> tuple[Response, int]:
    """Make an API token for the caller; the secret is in this answer and never again."""
    body = parse(bodies.TokenRequest)
    actor = current_actor()
    assert actor.user_id is not None  # an API caller is a user (api_auth)
    with runtime().transaction() as db:
        token, secret = accounts.issue_token(db, actor, actor.user_id, body.name, scope=body.scope)
        return created({"token": token_json(token), "secret": secret})


@bp.post("/tokens/<int:token_id>/revoke")
@api_auth
def revoke_token(token_id: int) -> Response:
    """Revoke one of the caller's tokens, at once and for good (another's answers 404)."""
    with runtime().transaction() as db:
        return jsonify(token_json(accounts.revoke_token(db, current_actor(), token_id)))


@bp.post("/account/password")
@api_auth
def change_password() -> Response:
    """Change the caller's password (the current one is asked for); every sign-in session ends."""
    body = parse(bodies.PasswordChange)
    with runtime().transaction() as db:
        user = accounts.change_password(db, current_actor(), current=body.current, new=body.new)
        return jsonify(user_json(db, user))


def user_json(db: Session, user: User) -> dict[str, Any]:
    """A user as the API shows it (:class:`suyuan.web.responses.accounts.UserRecord`)."""
    pending = onboarding.pending_invitation(db, user)
    return {
        "id": user.id,
        "email": user.email,
        "name": user.name,
        "kind": onboarding.user_kind(user).value,
        "status": onboarding.user_status(user).value,
        "admin": user.admin,
        "office_id": user.office_id,
        "enterprise_id": user.enterprise_id,
        "created_at": user.created_at.isoformat(),
        "invitation_expires_at": pending.expires_at.isoformat() if pending else None,
    }


def token_json(token: ApiToken) -> dict[str, Any]:
    """A token's record, without its secret (:class:`suyuan.web.responses.accounts.TokenRecord`)."""
    return {
        "id": token.id,
        "name": token.name,
        "prefix": token.prefix,
        "scope": token.scope.value,
        "created_at": token.created_at.isoformat(),
        "last_used_at": token.last_used_at.isoformat() if token.last_used_at else None,
        "revoked_at": token.revoked_at.isoformat() if token.revoked_at else None,
    }
