"""Onboarding and accounts on the command line: ``init``, ``office``, ``users`` and ``tokens``.

The server operator's side of :mod:`suyuan.trace.onboarding` and :mod:`suyuan.trace.accounts`: the
first office and its administrator on an empty instance, further offices, users (with a password, or
by invitation link), disabling, and API tokens. Everything runs as the operator and is audited like the
same action on a page; passwords are read from a prompt (or ``SUYUAN_PASSWORD`` for scripts), never
from the command line, where ``ps`` and the shell history would keep them.
"""

from __future__ import annotations

import os

import click
from sqlalchemy import select
from sqlalchemy.orm import Session

from suyuan.cli.common import Context, edge_errors, fail, pass_ctx
from suyuan.trace import accounts, onboarding
from suyuan.trace.actors import OPERATOR
from suyuan.trace.model import Enterprise, Office, User

PASSWORD_ENV = "SUYUAN_PASSWORD"


def _password() -> str:
    """The new password: from ``SUYUAN_PASSWORD`` if set, else asked twice without echo."""
    from_env = os.environ.get(PASSWORD_ENV)
    if from_env is not None:
        return from_env
    return str(click.prompt("password", hide_input=True, confirmation_prompt=True))


def invitation_link(ctx: Context, token: str) -> str:
    """The public link of an invitation token (``SUYUAN_BASE_URL``/invite/<token>)."""
    return f"{ctx.runtime.settings.base_url.rstrip('/')}/invite/{token}"


@click.command("init")
@click.option("--office-code", required=True, help="e.g. SZ-QH")
@click.option("--office-name", required=True, help="e.g. 深圳海关前海办事处")
@click.option("--office-name-en", default="")
@click.option("--email", required=True, help="The office administrator's e-mail (their login).")
@click.option("--name", required=True, help="The office administrator's name.")
@pass_ctx
def init_command(
    ctx: Context, office_code: str, office_name: str, office_name_en: str, email: str, name: str
) -> None:
    """Set up an empty instance: the first office and its administrator (refused once set up)."""
    with edge_errors():
        with ctx.runtime.transaction() as session:
            if onboarding.is_initialised(session):  # before asking for a password nobody will use
                fail("this instance is already set up; add users with `suyuan users invite`")
        password = _password()
        with ctx.runtime.transaction() as session:
            admin = onboarding.initialise(
                session,
                OPERATOR,
                office_code=office_code,
                office_name=office_name,
                office_name_en=office_name_en,
                email=email,
                name=name,
                password=password,
                ring=ctx.runtime.ring,
            )
            click.echo(f"set up office {office_code.upper()}; administrator {admin.email} (user {admin.id})")
    click.echo("sign in at /login")


@click.group("office")
def office_group() -> None:
    """Inspection offices (only the server operator adds them)."""


@office_group.command("add")
@click.option("--code", required=True)
@click.option("--name", required=True)
@click.option("--name-en", default="")
@click.option("--region", default="")
@pass_ctx
def office_add(ctx: Context, code: str, name: str, name_en: str, region: str) -> None:
    """Add a further office; then invite its administrator with `users invite --office CODE --admin`."""
    with edge_errors(), ctx.runtime.transaction() as session:
        office = onboarding.add_office(
            session, OPERATOR, code=code, name=name, name_en=name_en, region=region
        )
        click.echo(f"added office {office.id}: {office.code} {office.name}")


@office_group.command("list")
@pass_ctx
def office_list(ctx: Context) -> None:
    """List offices: id, code, name."""
    with edge_errors(), ctx.runtime.transaction() as session:
        for office in session.scalars(select(Office).order_by(Office.id)):
            click.echo(f"{office.id}\t{office.code}\t{office.name}")


def _party(
    session: Session, office_code: str | None, enterprise_id: int | None
) -> tuple[int | None, int | None]:
    """The office id (by code) or the enterprise id; exactly one must be given."""
    if (office_code is None) == (enterprise_id is None):
        fail("name exactly one of --office CODE and --enterprise ID")
    if office_code is not None:
        office = session.scalar(select(Office).filter_by(code=office_code.strip().upper()))
        if office is None:
            fail(f"office {office_code!r} does not exist [not_found]")
        return office.id, None
    if session.get(Enterprise, enterprise_id) is None:
        fail(f"enterprise {enterprise_id} does not exist [not_found]")
    return None, enterprise_id


@click.group("users")
def users_group() -> None:
    """Users of offices and enterprises: add, invite, list, disable, enable."""


@users_group.command("invite")
@click.option("--email", required=True)
@click.option("--name", default="")
@click.option("--office", "office_code", help="Code of the office (for an officer).")
@click.option("--enterprise", "enterprise_id", type=int, help="Id of the enterprise (for its staff).")
@click.option("--admin", is_flag=True, help="Make the user an administrator of the office or enterprise.")
@pass_ctx
def users_invite(
    ctx: Context, email: str, name: str, office_code: str | None, enterprise_id: int | None, admin: bool
) -> None:
    """Add a user by invitation and print the one-time link (valid 7 days)."""
    with edge_errors(), ctx.runtime.transaction() as session:
        office_id, ent_id = _party(session, office_code, enterprise_id)
        made = onboarding.invite_user(
            session, OPERATOR, email=email, name=name, office_id=office_id, enterprise_id=ent_id, admin=admin
        )
        expires = made.invitation.expires_at.strftime("%Y-%m-%d %H:%M UTC")
        click.echo(f"invited {made.user.email} (user {made.user.id}, {onboarding.user_kind(made.user)})")
        click.echo(f"link (works once, until {expires}): {invitation_link(ctx, made.token)}")


@users_group.command("add")
@click.option("--email", required=True)
@click.option("--name", required=True)
@click.option("--office", "office_code", help="Code of the office (for an officer).")
@click.option("--enterprise", "enterprise_id", type=int, help="Id of the enterprise (for its staff).")
@click.option("--admin", is_flag=True, help="Make the user an administrator of the office or enterprise.")
@pass_ctx
def users_add(
    ctx: Context, email: str, name: str, office_code: str | None, enterprise_id: int | None, admin: bool
) -> None:
    """Add a user with a password (prompted, or SUYUAN_PASSWORD); prefer `users invite`."""
    with edge_errors():
        password = _password()
        accounts.check_new_password(password, email=email.strip().lower())
        with ctx.runtime.transaction() as session:
            office_id, ent_id = _party(session, office_code, enterprise_id)
            user = accounts.create_user(
                session,
                OPERATOR,
                email=email,
                name=name,
                role="regulator" if office_id is not None else "merchant",
                password=password,
                office_id=office_id,
                enterprise_id=ent_id,
                admin=admin,
            )
            click.echo(f"added {user.email} (user {user.id}, {onboarding.user_kind(user)})")


@users_group.command("list")
@pass_ctx
def users_list(ctx: Context) -> None:
    """List users: id, e-mail, kind, status, office or enterprise, name."""
    with edge_errors(), ctx.runtime.transaction() as session:
        for user in onboarding.list_users(session, OPERATOR):
            party = f"office:{user.office.code}" if user.office else f"enterprise:{user.enterprise_id}"
            kind, status = onboarding.user_kind(user), onboarding.user_status(user)
            click.echo(f"{user.id}\t{user.email}\t{kind}\t{status}\t{party}\t{user.name}")


def _set_active(ctx: Context, user_ref: str, active: bool) -> None:
    with edge_errors(), ctx.runtime.transaction() as session:
        user: User = onboarding.find_user(session, user_ref)
        onboarding.set_user_active(session, OPERATOR, user.id, active)
        click.echo(f"{'enabled' if active else 'disabled'} {user.email} (user {user.id})")


@users_group.command("disable")
@click.argument("user_ref", metavar="EMAIL_OR_ID")
@pass_ctx
def users_disable(ctx: Context, user_ref: str) -> None:
    """Disable a user: sessions end, API tokens are revoked, invitations withdrawn."""
    _set_active(ctx, user_ref, False)


@users_group.command("enable")
@click.argument("user_ref", metavar="EMAIL_OR_ID")
@pass_ctx
def users_enable(ctx: Context, user_ref: str) -> None:
    """Re-enable a disabled user (revoked tokens stay revoked)."""
    _set_active(ctx, user_ref, True)


@click.group("tokens")
def tokens_group() -> None:
    """API tokens: create (shown once), list, revoke."""


@tokens_group.command("create")
@click.argument("user_ref", metavar="EMAIL_OR_ID")
@click.option("--name", required=True, help="What the token is for, e.g. ERP.")
@click.option("--scope", type=click.Choice(["read", "write"]), default="write", show_default=True)
@pass_ctx
def tokens_create(ctx: Context, user_ref: str, name: str, scope: str) -> None:
    """Make an API token for a user and print it (only its hash is kept: copy it now)."""
    with edge_errors(), ctx.runtime.transaction() as session:
        user = onboarding.find_user(session, user_ref)
        token, plain = accounts.issue_token(session, OPERATOR, user.id, name, scope=scope)
        click.echo(f"token {token.id} for {user.email} ({token.scope}): {plain}")


@tokens_group.command("list")
@click.option("--user", "user_ref", help="Only this user's tokens (e-mail or id).")
@pass_ctx
def tokens_list(ctx: Context, user_ref: str | None) -> None:
    """List tokens: id, user, prefix, scope, created, last used (to the hour), revoked, name."""
    with edge_errors(), ctx.runtime.transaction() as session:
        user_id = onboarding.find_user(session, user_ref).id if user_ref else None
        for t in accounts.list_tokens(session, OPERATOR, user_id):
            used = t.last_used_at.strftime("%Y-%m-%d %H:00") if t.last_used_at else "never"
            revoked = t.revoked_at.strftime("%Y-%m-%d %H:%M") if t.revoked_at else "-"
            created = t.created_at.strftime("%Y-%m-%d %H:%M")
            click.echo(
                f"{t.id}\t{t.user.email}\t{t.prefix}\t{t.scope}\t{created}\t{used}\t{revoked}\t{t.name}"
            )


@tokens_group.command("revoke")
@click.argument("token_id", type=int)
@pass_ctx
def tokens_revoke(ctx: Context, token_id: int) -> None:
    """Revoke a token at once."""
    with edge_errors(), ctx.runtime.transaction() as session:
        token = accounts.revoke_token(session, OPERATOR, token_id)
        click.echo(f"revoked token {token.id} ({token.prefix}…) of {token.user.email}")
