"""Who is calling: bearer tokens for the API, signed-in sessions for pages, and the login form.

Sessions are signed cookies holding the user id, the user's ``session_generation`` at sign-in and the
sign-in time. One is honoured only while the generation still matches (sign-out bumps it, ending
*every* session of that user, on every device) and for at most ``PERMANENT_SESSION_LIFETIME`` after
sign-in. On ``/api/`` a session counts for a state-changing method only with the page's CSRF token in
an ``X-CSRFToken`` header; bearer tokens need none (a browser never sends them on its own).

An API view guarded by :func:`api_auth`, :func:`api_role` or :func:`api_visible` runs in one unit of
work with its authentication and visibility check (:meth:`suyuan.runtime.Runtime.transaction` joins
nested units), so a call reads and writes through one transaction on one connection.

A bearer token of scope ``read`` is refused (403 ``read_only_token``) on any state-changing method.

Sign-in is throttled per account and per client address (keyed hashes; :mod:`suyuan.web.throttling`):
failed attempts count, successful ones are taken back, and over the limit the form answers 429.
"""

from __future__ import annotations

import time
import unicodedata
from collections.abc import Callable
from datetime import timedelta
from functools import wraps
from typing import Any, TypeVar, cast
from urllib.parse import urlsplit

from flask import Blueprint, current_app, g, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_wtf import FlaskForm
from flask_wtf.csrf import validate_csrf
from sqlalchemy.orm import Session
from werkzeug.wrappers import Response
from wtforms import EmailField, PasswordField, ValidationError
from wtforms.validators import DataRequired, Length

from suyuan.trace import accounts, onboarding
from suyuan.trace.actors import ANONYMOUS, Actor
from suyuan.trace.errors import PermissionDenied, Throttled
from suyuan.trace.model import Role, User
from suyuan.trace.throttle import Limit
from suyuan.web import runtime, throttling
from suyuan.web.errors import Unauthorized

bp = Blueprint("auth", __name__)
F = TypeVar("F", bound=Callable[..., Any])

# Failed sign-ins allowed per window: per account (e-mail) and per client address (many accounts).
LOGIN_PER_ACCOUNT = Limit(10, timedelta(minutes=15))
LOGIN_PER_ADDRESS = Limit(30, timedelta(minutes=15))
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})


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
            writing = request.method not in SAFE_METHODS  # a read-only token may not change data: 403
            user = accounts.authenticate_token(db, header[7:].strip(), writing=writing)
        elif session.get("user_id") and _session_may_act():
            user = _session_user(db)
        if user is not None:
            actor = Actor.for_user(user)
    g.actor = actor
    return actor


def _session_user(db: Session) -> User | None:
    """The user of the session cookie, if it is of the user's current generation and not expired."""
    signed_in_at = session.get("signed_in_at")
    lifetime = current_app.permanent_session_lifetime.total_seconds()
    if not isinstance(signed_in_at, int) or not 0 <= time.time() - signed_in_at < lifetime:
        return None
    user_id, generation = session.get("user_id"), session.get("generation")
    if not isinstance(user_id, int) or not isinstance(generation, int):
        return None
    return accounts.session_user(db, user_id, generation)


def _session_may_act() -> bool:
    """Whether the session cookie may authenticate this request (CSRF rule for the JSON API).

    A browser attaches the cookie to any site's request, so a state-changing API call counts as the
    session's only with the CSRF token of one of our pages in ``X-CSRFToken``; otherwise the caller
    is anonymous (401). Page forms are checked by Flask-WTF; reads need no token.
    """
    if not request.path.startswith("/api/") or request.method in SAFE_METHODS:
        return True
    if not current_app.config.get("WTF_CSRF_ENABLED", True):
        return True  # CSRF switched off for the whole app (some tests), as for page forms
    try:
        validate_csrf(request.headers.get("X-CSRFToken"))
    except ValidationError:
        return False
    return True


def api_auth(view: F) -> F:
    """Require a valid bearer token (or session) for an API view; 401 otherwise."""

    @wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        with runtime().transaction():
            _require_caller()
            return view(*args, **kwargs)

    return cast(F, wrapper)


def _require_caller() -> Actor:
    """The signed-in caller of an API view, or 401."""
    actor = current_actor()
    if actor.role is None:
        raise Unauthorized("send a valid API token: Authorization: Bearer <token>")
    return actor


def api_role(role: Role) -> Callable[[F], F]:
    """Require a token of ``role`` before the view reads its body: 401 anonymous, 403 another role.

    Checking the role first means a caller who may not act never learns how its body would have been
    judged, and nothing of it is parsed.
    """

    def decorate(view: F) -> F:
        @wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            with runtime().transaction():
                if _require_caller().role is not role:
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
            with runtime().transaction() as db:
                load(db, _require_caller(), int(kwargs[param]))
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
def login() -> Response | str | tuple[str, int, dict[str, str]]:
    """Sign in merchant staff and regulators; throttled per account and per client address."""
    form = LoginForm()
    error = None
    if form.validate_on_submit():
        email = (form.email.data or "").strip().lower()
        attempt = [
            (throttling.hashed_key("login-account", email), LOGIN_PER_ACCOUNT),
            (throttling.client_key("login-address"), LOGIN_PER_ADDRESS),
        ]
        try:
            throttling.count_attempt(attempt)
        except Throttled as exc:
            return _refused(form, exc)
        target = None
        with runtime().transaction() as db:
            user = accounts.authenticate_password(db, email, form.password.data or "")
            if user is not None:
                sign_in(user)
                home = url_for("regulator.home" if user.role is Role.REGULATOR else "merchant.home")
                target = safe_next(request.args.get("next"), home)
        if target is not None:
            throttling.forgive_attempt([key for key, _limit in attempt])  # only failures stay counted
            return redirect(target)
        error = _("Wrong e-mail or password.")
    with runtime().transaction() as db:
        needs_setup = not onboarding.is_initialised(db)  # a fresh instance: point to first-run setup
    return render_template("login.html", form=form, error=error, needs_setup=needs_setup)


def sign_in(user: User) -> None:
    """Start a fresh session for ``user`` under its current generation (a new cookie: no fixation)."""
    session.clear()
    session.permanent = True
    session["user_id"] = user.id
    session["generation"] = user.session_generation
    session["signed_in_at"] = int(time.time())


def _refused(form: LoginForm, exc: Throttled) -> tuple[str, int, dict[str, str]]:
    """The login form again, 429, saying when to retry; the password was not checked."""
    minutes = max(1, -(-exc.retry_after // 60))
    error = _("Too many sign-in attempts. Please try again in %(minutes)d minutes.", minutes=minutes)
    page = render_template("login.html", form=form, error=error)
    return page, 429, {"Retry-After": str(exc.retry_after)}


def safe_next(target: str | None, fallback: str) -> str:
    """``target`` if it is a path on this site, else ``fallback``: no open redirect after sign-in.

    Browsers drop tabs and newlines from URLs and read a backslash as ``/``, so ``/<tab>/evil.example``
    would become ``//evil.example`` (another host). The target is first cleaned of every control,
    format and space character; then only a path is accepted: starting with one ``/``, no
    backslash, and no scheme or host once parsed. The cleaned text is what is redirected to.
    """
    if not target:
        return fallback
    cleaned = "".join(ch for ch in target if not _invisible(ch))
    if not cleaned.startswith("/") or cleaned.startswith("//") or "\\" in cleaned:
        return fallback
    parts = urlsplit(cleaned)
    if parts.scheme or parts.netloc:
        return fallback
    return cleaned


def _invisible(ch: str) -> bool:
    """Control, format, separator or other whitespace characters, which browsers may drop or mangle."""
    return ch.isspace() or unicodedata.category(ch)[0] in ("C", "Z")


@bp.route("/logout", methods=["POST"])
def logout() -> Response:
    """Sign out: end every session of this user (all devices) and clear the cookie.

    Ending them all is what a per-user session generation can do; it is also what a user who signs
    out because a device was lost or shared needs.
    """
    actor = current_actor()
    if actor.user_id is not None and not request.headers.get("Authorization"):
        with runtime().transaction() as db:
            user = db.get(User, actor.user_id)
            if user is not None:
                accounts.end_sessions(db, user)
    session.clear()
    return redirect(url_for("consumer.home"))
