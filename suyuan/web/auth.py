"""Who is calling: bearer tokens for the API, signed-in sessions for pages, and the login form."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar, cast

from flask import Blueprint, g, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_wtf import FlaskForm
from sqlalchemy.orm import Session
from werkzeug.wrappers import Response
from wtforms import EmailField, PasswordField
from wtforms.validators import DataRequired, Length

from suyuan.trace import accounts
from suyuan.trace.actors import ANONYMOUS, Actor
from suyuan.trace.errors import PermissionDenied
from suyuan.trace.model import Role, User
from suyuan.web import runtime
from suyuan.web.errors import Unauthorized

bp = Blueprint("auth", __name__)
F = TypeVar("F", bound=Callable[..., Any])


class LoginForm(FlaskForm):  # type: ignore[misc]
    """E-mail and password, with CSRF protection."""

    email = EmailField("email", validators=[DataRequired(), Length(max=254)])
    password = PasswordField("password", validators=[DataRequired(), Length(max=200)])


def current_actor() -> Actor:
    """The caller of this request: token user, session user, or anonymous."""
    if "actor" in g:
        return cast(Actor, g.actor)
    actor = ANONYMOUS
    header = request.headers.get("Authorization", "")
    with runtime().transaction() as db:
        user: User | None = None
        if header.startswith("Bearer "):
            user = accounts.authenticate_token(db, header[7:].strip())
        elif session.get("user_id"):
            candidate = db.get(User, session["user_id"])
            user = candidate if candidate is not None and candidate.active else None
        if user is not None:
            actor = Actor.for_user(user)
    g.actor = actor
    return actor


def api_auth(view: F) -> F:
    """Require a valid bearer token (or session) for an API view; 401 otherwise."""

    @wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        if current_actor().role is None:
            raise Unauthorized("send a valid API token: Authorization: Bearer <token>")
        return view(*args, **kwargs)

    return cast(F, wrapper)


def api_role(role: Role) -> Callable[[F], F]:
    """Require a token of ``role`` before the view reads its body: 401 anonymous, 403 another role.

    Checking the role first means a caller who may not act never learns how its body would have been
    judged, and nothing of it is parsed.
    """

    def decorate(view: F) -> F:
        @wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            actor = current_actor()
            if actor.role is None:
                raise Unauthorized("send a valid API token: Authorization: Bearer <token>")
            if actor.role is not role:
                raise PermissionDenied(f"only {role.value} users may do this")
            return view(*args, **kwargs)

        return cast(F, wrapper)

    return decorate


def api_visible(param: str, load: Callable[[Session, Actor, int], object]) -> Callable[[F], F]:
    """Require that the caller can see the object named by URL parameter ``param`` (else 404), first.

    ``load`` is the domain's getter (e.g. ``batches.get_batch``), which raises ``NotFound`` for objects
    outside the actor's remit; running it before the view means another tenant's id answers 404 whatever
    the body holds, so existence is never revealed by a validation message.
    """

    def decorate(view: F) -> F:
        @wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            actor = current_actor()
            if actor.role is None:
                raise Unauthorized("send a valid API token: Authorization: Bearer <token>")
            with runtime().transaction() as db:
                load(db, actor, int(kwargs[param]))
            return view(*args, **kwargs)

        return cast(F, wrapper)

    return decorate


def login_required(role: Role) -> Callable[[F], F]:
    """Require a signed-in user of ``role`` for a page; others go to the login form."""

    def decorate(view: F) -> F:
        @wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            actor = current_actor()
            if actor.role is None:
                return redirect(url_for("auth.login", next=request.path))
            if actor.role is not role:
                return render_template(
                    "error.html", status=403, code="forbidden", message=_("This page is not for your role.")
                ), 403
            return view(*args, **kwargs)

        return cast(F, wrapper)

    return decorate


@bp.route("/login", methods=["GET", "POST"])
def login() -> Response | str:
    """Sign in merchant staff and regulators."""
    form = LoginForm()
    error = None
    if form.validate_on_submit():
        with runtime().transaction() as db:
            user = accounts.authenticate_password(db, form.email.data or "", form.password.data or "")
            if user is not None:
                session.clear()
                session["user_id"] = user.id
                target = request.args.get("next", "")
                if not target.startswith("/") or target.startswith("//"):
                    target = url_for("regulator.home" if user.role is Role.REGULATOR else "merchant.home")
                return redirect(target)
        error = _("Wrong e-mail or password.")
    return render_template("login.html", form=form, error=error)


@bp.route("/logout", methods=["POST"])
def logout() -> Response:
    """Sign out."""
    session.clear()
    return redirect(url_for("consumer.home"))
