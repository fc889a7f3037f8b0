"""Pages for onboarding and accounts: first-run setup, invitations, one's own account, tokens and users.

* ``/setup``: the first office and its administrator, only while the instance is empty (then 404);
* ``/invite/<token>``: an invited person chooses a name and password (forged: 404; used or expired: 410);
* ``/account``: who am I, and a password change (which ends every other session);
* ``/account/tokens``: one's API tokens (shown once; read-only or read-write), and revoking them;
* ``/account/users``: the users of one's office or enterprise and, for an office, of its enterprises;
  administrators invite and disable here, officers invite an enterprise's administrator.

Views parse, call :mod:`suyuan.trace.onboarding` / :mod:`suyuan.trace.accounts` in one unit of work,
and render; who may do what is decided there. A refused post re-renders the page with a message in the
reader's language and the domain error's status, and nothing is written. A new invitation link or API
token is shown once, in the answer to the post that made it (never flashed: flashes ride in the cookie).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from functools import wraps
from typing import Any, TypeVar, cast

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel.speaklater import LazyString
from flask_wtf import FlaskForm
from sqlalchemy.orm import Session
from werkzeug.wrappers import Response
from wtforms import BooleanField, EmailField, IntegerField, PasswordField, SelectField, StringField
from wtforms.validators import DataRequired, EqualTo, InputRequired, Length, NumberRange, Optional

from suyuan.trace import accounts, onboarding, registry
from suyuan.trace.actors import Actor
from suyuan.trace.errors import (
    DomainError,
    Duplicate,
    InvalidInput,
    InvitationUnusable,
    NotFound,
    PermissionDenied,
    WeakPassword,
)
from suyuan.trace.model import Role, TokenScope, User
from suyuan.trace.model.types import BEIJING
from suyuan.web import runtime
from suyuan.web.auth import current_actor, sign_in
from suyuan.web.errors import status_of

bp = Blueprint("account_pages", __name__)
F = TypeVar("F", bound=Callable[..., Any])
T = TypeVar("T")
Page = str | tuple[str, int]

KIND_LABELS: dict[str, LazyString] = {
    onboarding.UserKind.OFFICE_ADMIN: _l("Office administrator"),
    onboarding.UserKind.OFFICER: _l("Officer"),
    onboarding.UserKind.ENTERPRISE_ADMIN: _l("Enterprise administrator"),
    onboarding.UserKind.ENTERPRISE_STAFF: _l("Enterprise staff"),
    onboarding.UserKind.PLATFORM_ADMIN: _l("Platform administrator"),
    onboarding.UserKind.PLATFORM_STAFF: _l("Platform staff"),
}
STATUS_LABELS: dict[str, LazyString] = {
    onboarding.UserStatus.ACTIVE: _l("active"),
    onboarding.UserStatus.INVITED: _l("invited, not yet joined"),
    onboarding.UserStatus.DISABLED: _l("disabled"),
}
PASSWORD_REASONS: dict[str, LazyString] = {
    "too_short": _l("The password needs at least 10 characters."),
    "too_long": _l("The password may have at most 200 characters."),
    "too_common": _l("This password is too easy to guess. Choose a longer phrase of your own."),
    "contains_email": _l("The password may not contain your e-mail name."),
}
FIELD_PROBLEMS: dict[str, LazyString] = {
    "email": _l("Please enter a valid e-mail address."),
    "name": _l("Please enter a name: one line, at most 200 characters."),
    "office_name": _l("Please enter the office's name."),
    "code": _l("An office code is 2 to 32 letters, digits or '-', e.g. SZ-QH."),
    "current": _l("The current password is wrong."),
}


# --- forms -------------------------------------------------------------------------------------------


class SetupForm(FlaskForm):  # type: ignore[misc]
    """The first office and its administrator."""

    office_name = StringField("office_name", validators=[DataRequired(), Length(max=200)])
    office_name_en = StringField("office_name_en", validators=[Length(max=200)])
    office_code = StringField("office_code", validators=[DataRequired(), Length(max=32)])
    name = StringField("name", validators=[DataRequired(), Length(max=200)])
    email = EmailField("email", validators=[DataRequired(), Length(max=254)])
    password = PasswordField("password", validators=[DataRequired(), Length(max=200)])
    confirm = PasswordField("confirm", validators=[EqualTo("password")])


class AcceptForm(FlaskForm):  # type: ignore[misc]
    """An invitee's name and password."""

    name = StringField("name", validators=[DataRequired(), Length(max=200)])
    password = PasswordField("password", validators=[DataRequired(), Length(max=200)])
    confirm = PasswordField("confirm", validators=[EqualTo("password")])


class PasswordForm(FlaskForm):  # type: ignore[misc]
    """A password change: the current one, and the new one twice."""

    current = PasswordField("current", validators=[DataRequired(), Length(max=200)])
    password = PasswordField("password", validators=[DataRequired(), Length(max=200)])
    confirm = PasswordField("confirm", validators=[EqualTo("password")])


class TokenForm(FlaskForm):  # type: ignore[misc]
    """A new API token: a name to recognise it by, and what it may do."""

    name = StringField("name", validators=[DataRequired(), Length(max=accounts.MAX_TOKEN_NAME)])
    scope = SelectField("scope", choices=[TokenScope.READ.value, TokenScope.WRITE.value])


class RevokeForm(FlaskForm):  # type: ignore[misc]
    """Revoke one token, named in the body."""

    token_id = IntegerField("token_id", validators=[InputRequired(), NumberRange(min=1, max=2**31 - 1)])


class InviteForm(FlaskForm):  # type: ignore[misc]
    """Invite someone: to the inviter's own party, or (an office) to one of its enterprises."""

    email = EmailField("email", validators=[DataRequired(), Length(max=254)])
    name = StringField("name", validators=[Length(max=200)])
    admin = BooleanField("admin")
    enterprise_id = IntegerField("enterprise_id", validators=[Optional(), NumberRange(min=1, max=2**31 - 1)])


class ActiveForm(FlaskForm):  # type: ignore[misc]
    """Disable (``active`` 0) or re-enable (1) a user, named in the body."""

    user_id = IntegerField("user_id", validators=[InputRequired(), NumberRange(min=1, max=2**31 - 1)])
    active = IntegerField("active", validators=[InputRequired(), NumberRange(min=0, max=1)])


# --- helpers -----------------------------------------------------------------------------------------


def signed_in(view: F) -> F:
    """Any signed-in user (either role); others go to the login form."""

    @wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        if current_actor().role is None:
            return redirect(url_for("auth.login", next=request.path))
        return view(*args, **kwargs)

    return cast(F, wrapper)


@bp.app_template_global("account_kind_label")
def kind_label(user: User) -> str:
    """The user's kind in the reader's language (办事处管理员, 监管人员, 企业管理员 …)."""
    return str(KIND_LABELS[onboarding.user_kind(user)])


@bp.app_template_global("account_beijing_time")
def beijing_time(moment: datetime | None) -> str:
    """A stored UTC time as Beijing time (UTC+8), to the minute; empty for none."""
    return moment.astimezone(BEIJING).strftime("%Y-%m-%d %H:%M") if moment else ""


def explain(exc: DomainError) -> str:
    """A domain refusal in the reader's language where it is one of ours, else the domain's words."""
    if isinstance(exc, WeakPassword):
        return str(PASSWORD_REASONS.get(exc.reason, exc.message))
    if isinstance(exc, InvalidInput) and exc.field in FIELD_PROBLEMS:
        return str(FIELD_PROBLEMS[exc.field])
    if isinstance(exc, Duplicate):
        return str(_("Already exists: %(detail)s", detail=exc.message))
    if isinstance(exc, PermissionDenied):
        return str(_("You may not do this: %(detail)s", detail=exc.message))
    return exc.message


def attempt(action: Callable[[Session], T]) -> tuple[T | None, str | None, int]:
    """Run one use case in its own unit of work; a refusal rolls it all back and becomes a message."""
    try:
        with runtime().transaction() as db:
            return action(db), None, 200
    except DomainError as exc:
        return None, explain(exc), status_of(exc)


def form_problem(form: FlaskForm) -> str:
    """The form's first validation problem, in words a person understands."""
    if "confirm" in form.errors:
        return str(_("The two passwords differ."))
    for name in form.errors:
        return str(FIELD_PROBLEMS.get(name, _("Please check the field “%(name)s”.", name=name)))
    return str(_("The form is incomplete."))


def page(template: str, status: int = 200, **context: Any) -> Page:
    """Render ``template``; with the status when it is not 200."""
    body = render_template(template, **context)
    return (body, status) if status != 200 else body


# --- first run ---------------------------------------------------------------------------------------


@bp.route("/setup", methods=["GET", "POST"])
def setup() -> Page | Response:
    """First-run setup: the first office and its administrator; 404 once any office or user exists."""
    with runtime().transaction() as db:
        if onboarding.is_initialised(db):
            abort(404)
    form = SetupForm()
    error, status = None, 200
    if form.validate_on_submit():
        actor = Actor(label="setup:web", operator=True)
        _user, error, status = attempt(
            lambda db: onboarding.initialise(
                db,
                actor,
                office_code=form.office_code.data or "",
                office_name=form.office_name.data or "",
                office_name_en=form.office_name_en.data or "",
                email=form.email.data or "",
                name=form.name.data or "",
                password=form.password.data or "",
                ring=runtime().ring,
            )
        )
        if error is None:
            flash(_("Suyuan is set up. Sign in as the office administrator."))
            return redirect(url_for("auth.login"), code=303)
    elif form.is_submitted():
        error, status = form_problem(form), 400
    return page("account/setup.html", status, form=form, error=error)


# --- invitations -------------------------------------------------------------------------------------


@bp.route("/invite/<token>", methods=["GET", "POST"])
def invite(token: str) -> Page | Response:
    """An invitee opens their link, then chooses a name and password; the link works once."""
    try:
        with runtime().transaction() as db:
            opened = _invitation_facts(db, token)
    except NotFound:
        return _unusable(gone=False)
    except InvitationUnusable:
        return _unusable(gone=True)
    form = AcceptForm(data={"name": opened["name"]} if request.method == "GET" else None)
    error, status = None, 200
    if form.validate_on_submit():
        _user, error, status = attempt(
            lambda db: onboarding.accept_invitation(
                db, token, name=form.name.data or "", password=form.password.data or ""
            )
        )
        if error is None:
            flash(_("Welcome! Your password is set; sign in now."))
            return redirect(url_for("auth.login"), code=303)
    elif form.is_submitted():
        error, status = form_problem(form), 400
    return page("account/invite.html", status, form=form, error=error, invitation=opened)


def _invitation_facts(db: Session, token: str) -> dict[str, Any]:
    """What the invitee sees: who they will be (e-mail, kind, party) and until when the link works."""
    invitation = onboarding.open_invitation(db, token)
    user = invitation.user
    party = user.office.name if user.office else user.enterprise.name if user.enterprise else ""
    return {
        "email": user.email,
        "name": "" if user.name == user.email else user.name,
        "kind": kind_label(user),
        "party": party,
        "expires_at": invitation.expires_at,
    }


def _unusable(*, gone: bool) -> tuple[str, int]:
    """A link that cannot be used: 404 for a forged one, 410 Gone for a used, replaced or expired one."""
    if gone:
        message = _(
            "This invitation link has already been used, was replaced by a newer one, or has expired."
        )
    else:
        message = _("This invitation link is not valid. Check that you copied all of it.")
    return render_template("account/invite_unusable.html", message=message, gone=gone), 410 if gone else 404


# --- one's own account -------------------------------------------------------------------------------


@bp.route("/account", methods=["GET", "POST"])
@signed_in
def account() -> Page | Response:
    """Who I am, and a password change; a change ends every session, then this one starts afresh."""
    actor = current_actor()
    form = PasswordForm()
    error, status = None, 200
    if form.validate_on_submit():
        _user, error, status = attempt(
            lambda db: _changed(db, actor, form.current.data or "", form.password.data or "")
        )
        if error is None:
            flash(_("Your password is changed. You were signed out everywhere else."))
            return redirect(url_for("account_pages.account"), code=303)
    elif form.is_submitted():
        error, status = form_problem(form), 400
    with runtime().transaction() as db:
        me = db.get(User, actor.user_id)
        return page("account/account.html", status, form=form, error=error, me=me)


def _changed(db: Session, actor: Actor, current: str, new: str) -> User:
    """Change the password, then start this device's session afresh under the bumped generation."""
    user = accounts.change_password(db, actor, current=current, new=new)
    db.refresh(user)
    sign_in(user)  # the bump ended the old cookie too; this device stays signed in
    return user


# --- API tokens --------------------------------------------------------------------------------------


@bp.route("/account/tokens", methods=["GET", "POST"])
@signed_in
def tokens() -> Page:
    """One's API tokens, and the form that makes one: the token is shown in this answer only."""
    actor = current_actor()
    form = TokenForm()
    error, status, plain = None, 200, None
    if form.validate_on_submit():
        assert actor.user_id is not None
        made, error, status = attempt(
            lambda db: accounts.issue_token(
                db, actor, cast(int, actor.user_id), form.name.data or "", scope=form.scope.data
            )[1]
        )
        if made is not None:
            plain, status, form = made, 201, TokenForm(formdata=None)
    elif form.is_submitted():
        error, status = form_problem(form), 400
    return _tokens_page(actor, form, error, status, plain)


@bp.post("/account/tokens/revoke")
@signed_in
def revoke_token() -> Page | Response:
    """Revoke one of one's tokens (another user's id answers 404, as an unknown one)."""
    actor = current_actor()
    form = RevokeForm()
    if not form.validate_on_submit():
        return _tokens_page(actor, TokenForm(formdata=None), form_problem(form), 400, None)
    token_id = int(form.token_id.data)
    _done, error, status = attempt(lambda db: accounts.revoke_token(db, actor, token_id))
    if error is not None:
        return _tokens_page(actor, TokenForm(formdata=None), error, status, None)
    flash(_("The token is revoked; it no longer works."))
    return redirect(url_for("account_pages.tokens"), code=303)


def _tokens_page(actor: Actor, form: TokenForm, error: str | None, status: int, plain: str | None) -> Page:
    with runtime().transaction() as db:
        rows = accounts.list_tokens(db, actor)
        return page(
            "account/tokens.html", status, form=form, error=error, plain=plain, rows=rows, actor=actor
        )


# --- users ------------------------------------------------------------------------------------------


@bp.get("/account/users")
@signed_in
def users() -> Page:
    """The users of one's office or enterprise (and an office's enterprises), with what one may do."""
    return _users_page(current_actor(), None, 200)


@bp.post("/account/users/invite")
@signed_in
def invite_user() -> Page:
    """Invite someone (see :func:`suyuan.trace.onboarding.invite_user` for who may invite whom)."""
    actor = current_actor()
    form = InviteForm()
    if not form.validate_on_submit():
        with runtime().transaction() as db:
            may = actor.role is Role.REGULATOR or onboarding.is_administrator(db, actor)
        if not may:  # staff may invite nobody, whatever they sent
            return _users_page(actor, _("Only your enterprise's administrator adds users."), 403)
        return _users_page(actor, form_problem(form), 400, form)
    made, error, status = attempt(lambda db: _invite(db, actor, form))
    if made is None:
        return _users_page(actor, error, status, form)
    link = url_for("account_pages.invite", token=made[0], _external=True)
    return _users_page(actor, None, 201, invited={"email": made[1], "link": link})


def _invite(db: Session, actor: Actor, form: InviteForm) -> tuple[str, str]:
    """Invite to the enterprise named (an office's enterprise admin) or to the actor's own party."""
    enterprise_id = form.enterprise_id.data if actor.role is Role.REGULATOR else actor.enterprise_id
    office_id = actor.office_id if enterprise_id is None else None
    made = onboarding.invite_user(
        db,
        actor,
        email=form.email.data or "",
        name=form.name.data or "",
        office_id=office_id,
        enterprise_id=enterprise_id,
        admin=bool(form.admin.data) or (actor.role is Role.REGULATOR and enterprise_id is not None),
    )
    return made.token, made.user.email


@bp.post("/account/users/active")
@signed_in
def set_active() -> Page | Response:
    """Disable or re-enable a user (administrators of that user only)."""
    actor = current_actor()
    with runtime().transaction() as db:
        if not onboarding.is_administrator(db, actor):
            return _users_page(actor, _("Only an administrator disables or re-enables users."), 403)
    form = ActiveForm()
    if not form.validate_on_submit():
        return _users_page(actor, form_problem(form), 400)
    user_id, active = int(form.user_id.data), bool(form.active.data)
    _done, error, status = attempt(lambda db: onboarding.set_user_active(db, actor, user_id, active))
    if error is not None:
        return _users_page(actor, error, status)
    flash(
        _("The user is re-enabled.")
        if active
        else _("The user is disabled; their sessions and tokens ended.")
    )
    return redirect(url_for("account_pages.users"), code=303)


def _users_page(
    actor: Actor,
    error: str | None,
    status: int,
    form: InviteForm | None = None,
    invited: dict[str, str] | None = None,
) -> Page:
    with runtime().transaction() as db:
        me = db.get(User, actor.user_id)
        regulator = actor.role is Role.REGULATOR
        enterprises = registry.list_enterprises(db, actor) if regulator else []
        rows = [_row(db, u) for u in onboarding.list_users(db, actor)]
        enterprise_rows = (
            [_row(db, u) for u in onboarding.list_users(db, actor, enterprises=True)] if regulator else []
        )
        return page(
            "account/users.html",
            status,
            me=me,
            is_admin=bool(me and me.admin),
            regulator=regulator,
            rows=rows,
            enterprise_rows=enterprise_rows,
            enterprises=enterprises,
            form=form or InviteForm(formdata=None),
            error=error,
            invited=invited,
        )


def _row(db: Session, user: User) -> dict[str, Any]:
    pending = onboarding.pending_invitation(db, user)
    return {
        "user": user,
        "kind": kind_label(user),
        "status": onboarding.user_status(user).value,
        "status_label": str(STATUS_LABELS[onboarding.user_status(user)]),
        "party": user.enterprise.name if user.enterprise else user.office.name if user.office else "",
        "invitation_expires": pending.expires_at if pending else None,
    }
