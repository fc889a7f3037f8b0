"""The office's Ed25519 signing keys: list, create, rotate, revoke, and the public JWKS.

Key management is the one place the CLI changes what every code's signature means, so it stays in
a module of its own.
"""

from __future__ import annotations

import json

import click

from suyuan.cli.common import Context, edge_errors, pass_ctx
from suyuan.trace import keys, revocations
from suyuan.trace.actors import OPERATOR


@click.group("keys")
def keys_group() -> None:
    """Ed25519 signing keys."""


@keys_group.command("list")
@pass_ctx
def keys_list(ctx: Context) -> None:
    """List keys with their status."""
    with edge_errors(), ctx.runtime.transaction() as session:
        for k in keys.list_keys(session):
            click.echo(f"{k.kid}\t{k.status}\t{k.created_at:%Y-%m-%d %H:%M}\t{keys.b64url(k.public_key)}")


@keys_group.command("create")
@pass_ctx
def keys_create(ctx: Context) -> None:
    """Create a new active key (retires the current one)."""
    rt = ctx.runtime
    with edge_errors(), rt.transaction() as session:
        k = keys.create_key(session, OPERATOR, rt.ring)
        click.echo(f"created key {k.kid}")


@keys_group.command("rotate")
@pass_ctx
def keys_rotate(ctx: Context) -> None:
    """Rotate: new codes use a new key; codes of the old key stay valid."""
    rt = ctx.runtime
    with edge_errors(), rt.transaction() as session:
        k = keys.rotate_key(session, OPERATOR, rt.ring)
        click.echo(f"rotated: key {k.kid} now signs new codes")


@keys_group.command("revoke")
@click.argument("kid")
@click.option("--reason", required=True)
@pass_ctx
def keys_revoke(ctx: Context, kid: str, reason: str) -> None:
    """Revoke a key: its codes verify as revoked from now on.

    Revoking the only active key creates its successor in the same step, so codes can still be issued
    and the revocation list that announces this revocation can still be signed.
    """
    rt = ctx.runtime
    with edge_errors(), rt.transaction() as session:
        before = keys.active_key(session)
        k = keys.revoke_key(session, OPERATOR, kid, reason, rt.ring)
        after = keys.active_key(session)
        click.echo(f"revoked key {k.kid}")
        if after is not None and after is not before:
            click.echo(f"key {after.kid} now signs new codes and the revocation list")


@keys_group.command("jwks")
@pass_ctx
def keys_jwks(ctx: Context) -> None:
    """Print the public JWKS (what /.well-known/jwks.json serves, with the revocation list's version)."""
    rt = ctx.runtime
    with edge_errors(), rt.transaction() as session:
        document = keys.jwks(session)
        document["revocations"] = {
            "url": rt.settings.base_url.rstrip("/") + "/.well-known/suyuan/revocations.json",
            "version": revocations.current_version(session),
        }
        click.echo(json.dumps(document, indent=2))
