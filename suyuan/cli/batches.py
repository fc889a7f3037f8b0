"""Batches (lots) of admitted products: ``batch add``, ``amend``, ``release`` and ``list``."""

from __future__ import annotations

from typing import Any

import click

from suyuan.cli.common import Context, edge_errors, pass_ctx
from suyuan.trace import batch_quantity, batches, issuance
from suyuan.trace.actors import OPERATOR
from suyuan.trace.zone import inspection


@click.group("batch")
def batch_group() -> None:
    """Batches of admitted products."""


@batch_group.command("add")
@click.option("--product", "product_id", required=True, type=int)
@click.option("--lot", required=True)
@click.option("--quantity", required=True, type=int)
@click.option("--production-date", type=click.DateTime(["%Y-%m-%d"]))
@click.option("--expiry-date", type=click.DateTime(["%Y-%m-%d"]))
@pass_ctx
def batch_add(
    ctx: Context, product_id: int, lot: str, quantity: int, production_date: Any, expiry_date: Any
) -> None:
    """Register a batch (lot) of an admitted product."""
    with edge_errors(), ctx.runtime.transaction() as session:
        b = batches.register_batch(
            session,
            OPERATOR,
            product_id,
            lot=lot,
            quantity=quantity,
            production_date=production_date.date() if production_date else None,
            expiry_date=expiry_date.date() if expiry_date else None,
        )
        click.echo(f"registered batch {b.id}: GTIN {b.gtin} lot {b.lot}, {b.quantity} units ({b.status})")


@batch_group.command("amend")
@click.argument("batch_id", type=int)
@click.option("--quantity", required=True, type=int)
@click.option("--reason", required=True)
@pass_ctx
def batch_amend(ctx: Context, batch_id: int, quantity: int, reason: str) -> None:
    """Amend a batch's quantity (never below the codes issued)."""
    with edge_errors(), ctx.runtime.transaction() as session:
        b = batch_quantity.amend_quantity(session, OPERATOR, batch_id, quantity, reason)
        click.echo(f"batch {b.id} now holds {b.quantity} units")


@batch_group.command("release")
@click.argument("batch_id", type=int)
@pass_ctx
def batch_release(ctx: Context, batch_id: int) -> None:
    """Release a batch for sale (office decision)."""
    with edge_errors(), ctx.runtime.transaction() as session:
        b = inspection.release_batch(session, OPERATOR, batch_id)
        click.echo(f"batch {b.id} is {b.status}")


@batch_group.command("list")
@pass_ctx
def batch_list(ctx: Context) -> None:
    """List batches with their issued code counts."""
    with edge_errors(), ctx.runtime.transaction() as session:
        for b in batches.list_batches(session, OPERATOR):
            issued = issuance.issued_count(session, b.id)
            click.echo(
                f"{b.id}\t{b.gtin}\t{b.lot}\t{b.status}\t{issued}/{b.quantity} codes\t{b.product.name}"
            )
