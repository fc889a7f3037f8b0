"""The bonded zone: ledger reports, spot-check draws, credit grades, order anomalies and buyer restrictions.

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


@zone_group.group("buyers")
def zone_buyers() -> None:
    """Buyers an office watches (exits held for release) or blocks (orders refused), SZ Art. 29."""


@zone_buyers.command("list")
@click.option("--office", "office_code", required=True, help="Code of the office, e.g. SZ-QH.")
@click.option("--all", "show_all", is_flag=True, help="Lifted restrictions too.")
@pass_ctx
def buyers_list(ctx: Context, office_code: str, show_all: bool) -> None:
    """The office's buyer restrictions, newest first: id, level, buyer, rule, reason, state."""
    from suyuan.cli.supervision import office_actor
    from suyuan.trace.zone import buyer_restrictions

    with edge_errors(), ctx.runtime.transaction() as session:
        actor = office_actor(session, office_code)
        rows = buyer_restrictions.list_restrictions(session, actor, active=None if show_all else True)
        for r in rows:
            state = "active" if r.lifted_at is None else f"lifted {r.lifted_at:%Y-%m-%d}"
            click.echo(f"{r.id}\t{r.level.value}\t{r.buyer_label}\t{r.rule}\t{r.reason}\t{state}")


@zone_buyers.command("restrict")
@click.argument("buyer")
@click.option("--office", "office_code", required=True, help="Code of the office deciding, e.g. SZ-QH.")
@click.option("--level", required=True, type=click.Choice(["watch", "block"]))
@click.option("--reason", required=True)
@click.option("--rule", default="manual", help="The alert rule it follows (see `zone anomalies`).")
@pass_ctx
def buyers_restrict(ctx: Context, buyer: str, office_code: str, level: str, reason: str, rule: str) -> None:
    """Watch or block BUYER (the buyer reference of `zone anomalies --json`)."""
    from suyuan.cli.supervision import office_actor
    from suyuan.trace.zone import buyer_restrictions

    with edge_errors(), ctx.runtime.transaction() as session:
        actor = office_actor(session, office_code)
        r = buyer_restrictions.restrict_buyer(session, actor, buyer, level, reason, rule=rule)
        click.echo(f"restriction {r.id}: {r.level.value} {r.buyer_label}")


@zone_buyers.command("lift")
@click.argument("restriction_id", type=int)
@click.option("--office", "office_code", required=True, help="Code of the office, e.g. SZ-QH.")
@click.option("--reason", required=True)
@pass_ctx
def buyers_lift(ctx: Context, restriction_id: int, office_code: str, reason: str) -> None:
    """End a restriction (it stays on record)."""
    from suyuan.cli.supervision import office_actor
    from suyuan.trace.zone import buyer_restrictions

    with edge_errors(), ctx.runtime.transaction() as session:
        actor = office_actor(session, office_code)
        r = buyer_restrictions.lift_restriction(session, actor, restriction_id, reason)
        click.echo(f"restriction {r.id} lifted")
