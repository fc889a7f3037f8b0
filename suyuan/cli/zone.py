"""The bonded zone: ledger reports, spot-check draws, credit grades and order anomalies.

``zone ledger`` exits 1 when a batch's ledger does not balance with the codes sold. The zone's
services are imported inside each command: only the command that runs pays for its imports.
"""

from __future__ import annotations

import json

import click

from suyuan.cli.common import Context, edge_errors, fail, pass_ctx
from suyuan.trace.actors import OPERATOR


@click.group("zone")
def zone_group() -> None:
    """The bonded zone: ledger reports, spot-check draws, credit grades, order anomalies."""


@zone_group.command("ledger")
@click.argument("batch_id", type=int)
@click.option("--json", "as_json", is_flag=True, help="The full report, every movement, as JSON.")
@pass_ctx
def zone_ledger(ctx: Context, batch_id: int, as_json: bool) -> None:
    """A batch's zone ledger: totals, balance and (with --json) every movement; exit 1 if unbalanced."""
    from suyuan.trace.zone import ledger

    with edge_errors(), ctx.runtime.transaction() as session:
        report = ledger.ledger_report(session, OPERATOR, batch_id, limit=None if as_json else 0)
        data = report.as_json()
    if as_json:
        click.echo(json.dumps(data, ensure_ascii=False))
    else:
        for key in (
            "entered",
            "written_off",
            "returned_in",
            "returned_out",
            "destroyed",
            "sampled",
            "in_zone",
        ):
            click.echo(f"{key:13} {data[key]}")
        click.echo(f"{'sold_units':13} {data['sold_units']}")
    if not report.balanced:
        fail(f"batch {batch_id}: the ledger does not balance with the codes sold", status=1)


@zone_group.command("draw")
@click.option("--seed", help="Makes the draw reproducible; a random one is used when omitted.")
@pass_ctx
def zone_draw(ctx: Context, seed: str | None) -> None:
    """Draw this round's risk-based spot checks and list them."""
    from suyuan.trace.zone import spot_checks

    with edge_errors(), ctx.runtime.transaction() as session:
        drawn = spot_checks.draw_spot_checks(session, OPERATOR, seed=seed)
        rows = [(c.id, c.batch_id, c.rate, c.draw) for c in drawn]
    for check_id, batch_id, rate, draw in rows:
        click.echo(f"spot check {check_id}\tbatch {batch_id}\trate {rate:.3f}\tseed {draw}")
    click.echo(f"{len(rows)} spot checks planned")


@zone_group.command("regrade")
@pass_ctx
def zone_regrade(ctx: Context) -> None:
    """Recompute every merchant's credit grade (run daily: old events fall out of the window)."""
    from suyuan.trace.zone import credit

    with edge_errors(), ctx.runtime.transaction() as session:
        grades = credit.regrade_all(session, OPERATOR)
    for enterprise_id, grade in grades.items():
        click.echo(f"enterprise {enterprise_id}\t{grade}")


@zone_group.command("anomalies")
@click.option("--json", "as_json", is_flag=True, help="One JSON object per alert.")
@pass_ctx
def zone_anomalies(ctx: Context, as_json: bool) -> None:
    """Order alerts suggesting disguised B2B trade, thresholds from SUYUAN_ANOMALY_*."""
    from suyuan.trace.zone.anomalies import find_anomalies
    from suyuan.trace.zone.rules import ZoneRules

    with edge_errors(), ctx.runtime.transaction() as session:
        found = find_anomalies(
            session, OPERATOR, ZoneRules.from_mapping(ctx.runtime.settings.policy).anomalies
        )
    for anomaly in found:
        data = anomaly.as_json()
        click.echo(
            json.dumps(data, ensure_ascii=False) if as_json else "\t".join(str(v) for v in data.values())
        )
    if not as_json:
        click.echo(f"{len(found)} alerts")
