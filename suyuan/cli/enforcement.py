"""The office's enforcement from the command line: sanctions, credit lists and held exits.

``suyuan sanction enterprise|product ID suspend|revoke|lift --reason …``, ``suyuan credit-list
add|remove|list`` and ``suyuan exit-hold list|release|refuse`` call the same domain services as the
API and the officer's pages (:mod:`suyuan.trace.sanctions`, :func:`suyuan.trace.zone.exits.decide_held_exit`),
acting as the operator. Services are imported inside each command, as elsewhere in the CLI.
"""

from __future__ import annotations

import click

from suyuan.cli.common import Context, edge_errors, pass_ctx
from suyuan.trace.actors import OPERATOR

ACTIONS = click.Choice(["suspend", "revoke", "lift"])
LISTS = click.Choice(["abnormal_operations", "serious_violators"])


@click.group("sanction")
def sanction_group() -> None:
    """Suspend or revoke an enterprise's filing or a product's admission, or lift a suspension."""


@sanction_group.command("enterprise")
@click.argument("enterprise_id", type=int)
@click.argument("action", type=ACTIONS)
@click.option("--reason", required=True, help="Why (recorded and audited).")
@pass_ctx
def sanction_enterprise(ctx: Context, enterprise_id: int, action: str, reason: str) -> None:
    """Sanction an enterprise's filing: it may not declare entries or exits nor issue codes."""
    from suyuan.trace import sanctions

    with edge_errors(), ctx.runtime.transaction() as session:
        sanction = sanctions.sanction_enterprise(session, OPERATOR, enterprise_id, action, reason)
        status = sanction.enterprise.filing_status.value
    click.echo(f"enterprise {enterprise_id}: {status} (sanction {sanction.id})")


@sanction_group.command("product")
@click.argument("product_id", type=int)
@click.argument("action", type=ACTIONS)
@click.option("--reason", required=True, help="Why (recorded and audited).")
@pass_ctx
def sanction_product(ctx: Context, product_id: int, action: str, reason: str) -> None:
    """Sanction a product's admission: its goods may not enter, leave or get new codes."""
    from suyuan.trace import sanctions

    with edge_errors(), ctx.runtime.transaction() as session:
        sanction = sanctions.sanction_product(session, OPERATOR, product_id, action, reason)
        status = sanction.product.sanction_status.value if sanction.product else ""
    click.echo(f"product {product_id}: {status} (sanction {sanction.id})")


@click.group("credit-list")
def credit_list_group() -> None:
    """The abnormal-operations and serious-violators lists (published on /credit)."""


@credit_list_group.command("add")
@click.argument("enterprise_id", type=int)
@click.argument("list_kind", type=LISTS)
@click.option("--reason", required=True, help="Why (published with the entry).")
@pass_ctx
def credit_list_add(ctx: Context, enterprise_id: int, list_kind: str, reason: str) -> None:
    """Put an enterprise on a list."""
    from suyuan.trace import sanctions

    with edge_errors(), ctx.runtime.transaction() as session:
        entry = sanctions.add_to_list(session, OPERATOR, enterprise_id, list_kind, reason)
        entry_id = entry.id
    click.echo(f"list entry {entry_id}: enterprise {enterprise_id} on {list_kind}")


@credit_list_group.command("remove")
@click.argument("entry_id", type=int)
@click.option("--reason", required=True, help="Why the enterprise comes off the list.")
@pass_ctx
def credit_list_remove(ctx: Context, entry_id: int, reason: str) -> None:
    """Take an enterprise off a list (the entry stays on record)."""
    from suyuan.trace import sanctions

    with edge_errors(), ctx.runtime.transaction() as session:
        sanctions.remove_from_list(session, OPERATOR, entry_id, reason)
    click.echo(f"list entry {entry_id} removed")


@credit_list_group.command("list")
@pass_ctx
def credit_list_list(ctx: Context) -> None:
    """Current list entries, newest first."""
    from suyuan.trace import sanctions

    with edge_errors(), ctx.runtime.transaction() as session:
        rows = [
            (e.id, e.enterprise_id, e.list_kind.value, f"{e.listed_at:%Y-%m-%d}", e.reason)
            for e in sanctions.list_entries(session, OPERATOR)
        ]
    for row in rows:
        click.echo("\t".join(str(v) for v in row))
    click.echo(f"{len(rows)} entries")


@click.group("exit-hold")
def exit_hold_group() -> None:
    """Orders held at exit for goods under tightened control: list, release or refuse them."""


@exit_hold_group.command("list")
@pass_ctx
def exit_hold_list(ctx: Context) -> None:
    """Held exit declarations, newest first."""
    from suyuan.trace.zone import exits

    with edge_errors(), ctx.runtime.transaction() as session:
        rows = [
            (d.id, d.enterprise_id, d.order_no) for d in exits.list_exits(session, OPERATOR, status="held")
        ]
    for declaration_id, enterprise_id, order_no in rows:
        click.echo(f"exit {declaration_id}\tenterprise {enterprise_id}\t{order_no}")
    click.echo(f"{len(rows)} held")


@exit_hold_group.command("release")
@click.argument("declaration_id", type=int)
@click.option("--note", default="", help="What the officer checked.")
@pass_ctx
def exit_hold_release(ctx: Context, declaration_id: int, note: str) -> None:
    """Release a held order: re-checked, then written off (or sent to rectification with findings)."""
    _decide(ctx, declaration_id, release=True, note=note)


@exit_hold_group.command("refuse")
@click.argument("declaration_id", type=int)
@click.option("--note", required=True, help="Why the order may not leave.")
@pass_ctx
def exit_hold_refuse(ctx: Context, declaration_id: int, note: str) -> None:
    """Refuse a held order: it goes back to the merchant for rectification."""
    _decide(ctx, declaration_id, release=False, note=note)


def _decide(ctx: Context, declaration_id: int, *, release: bool, note: str) -> None:
    from suyuan.trace.zone import exits

    with edge_errors(), ctx.runtime.transaction() as session:
        declaration = exits.decide_held_exit(session, OPERATOR, declaration_id, release=release, note=note)
        status = declaration.status.value
    click.echo(f"exit {declaration_id}: {status}")
