"""Traceability codes: ``codes issue`` signs a batch's next serial range, ``codes export`` prints
its code URLs (for printing elsewhere; ``suyuan labels`` renders them itself)."""

from __future__ import annotations

import click

from suyuan.cli.common import Context, edge_errors, pass_ctx
from suyuan.trace import batches, issuance
from suyuan.trace.actors import OPERATOR


@click.group("codes")
def codes_group() -> None:
    """Traceability codes."""


@codes_group.command("issue")
@click.option("--batch", "batch_id", required=True, type=int)
@click.option("--count", required=True, type=int)
@pass_ctx
def codes_issue(ctx: Context, batch_id: int, count: int) -> None:
    """Issue the next COUNT serials of a batch (one signed range, one row)."""
    rt = ctx.runtime
    with edge_errors(), rt.transaction() as session:
        i = issuance.issue_codes(session, OPERATOR, rt.ring, batch_id, count, rt.code_base)
        click.echo(
            f"issued serials {i.first_serial}-{i.last_serial} of batch {batch_id} with key {i.kid} "
            f"(issuance {i.id})"
        )


@codes_group.command("export")
@click.option("--batch", "batch_id", required=True, type=int)
@click.option("--first", type=int)
@click.option("--last", type=int)
@pass_ctx
def codes_export(ctx: Context, batch_id: int, first: int | None, last: int | None) -> None:
    """Print the code URLs of a batch, one a line."""
    rt = ctx.runtime
    with edge_errors(), rt.transaction() as session:
        batch = batches.get_batch(session, OPERATOR, batch_id)
        serials = issuance.issued_range(session, batch_id, first, last)
        for url in issuance.code_urls(session, rt.ring, batch, serials, rt.code_base):
            click.echo(url)
