"""Customs single-window (CEB) messages: import files as a platform would send them, register codes.

``ceb import`` answers each file as the API would (``suyuan.trace.ceb.receive``): one line per
document with the receipt status, the reason and the receipt text; it exits 2 when any document or
message was refused, so a batch job notices. Each file is its own unit of work: a refused file never
undoes the files before it.
"""

from __future__ import annotations

from pathlib import Path

import click

from suyuan.cli.common import Context, edge_errors, fail, pass_ctx
from suyuan.trace.actors import OPERATOR


@click.group("ceb")
def ceb_group() -> None:
    """Customs single-window (CEB311/411/511/621/625) messages and their receipts."""


@ceb_group.command("import")
@click.argument(
    "files", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False, path_type=Path)
)
@click.option("--xml", "show_xml", is_flag=True, help="Also print each receipt message.")
@pass_ctx
def ceb_import(ctx: Context, files: tuple[Path, ...], show_xml: bool) -> None:
    """Import CEB messages (bare or in a DXP envelope); print each receipt's status and reason."""
    from suyuan.trace.ceb import MAX_BYTES, receive
    from suyuan.trace.zone.rules import ZoneRules

    settings = ctx.runtime.settings
    rules = ZoneRules.from_mapping(settings.policy)
    refused = False
    for path in files:
        raw = path.read_bytes()[: MAX_BYTES + 1]  # more than the cap is refused anyway
        with edge_errors(), ctx.runtime.transaction() as session:
            receipt = receive(session, OPERATOR, raw, secret=settings.secret_key, rules=rules)
        refused = refused or receipt.refused
        for entry in receipt.entries:
            reason = entry.reason or ("recorded" if entry.recorded else "ok")
            click.echo(f"{path}\t{receipt.message_type}\t{entry.status}\t{reason}\t{entry.info}")
        if show_xml:
            click.echo(receipt.xml)
    if refused:
        fail("some messages were refused (status 100 or negative)")


@ceb_group.command("register-code")
@click.argument("enterprise_id", type=int)
@click.argument("code")
@pass_ctx
def ceb_register_code(ctx: Context, enterprise_id: int, code: str) -> None:
    """Record that a 10-character customs registration CODE names ENTERPRISE_ID."""
    from suyuan.trace.ceb import register_customs_code

    with edge_errors(), ctx.runtime.transaction() as session:
        row = register_customs_code(session, OPERATOR, enterprise_id, code)
        click.echo(f"{row.code}\tenterprise {row.enterprise_id}")
