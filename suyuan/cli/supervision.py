"""Supervision from the command line: ``lists`` (positive, key supervision, withdrawals including the
negative list), ``risk`` (intake, assessment, measures: warning, spot check, recall) and ``warehouse``
(designations).

The operator acts for an office named by ``--office``, since lists, risk information and warehouse
designations belong to an office; the rules are the domain's (:mod:`suyuan.trace.supervision_lists`,
:mod:`suyuan.trace.risk_intake`, :mod:`suyuan.trace.zone.warehouses`).
"""

from __future__ import annotations

from dataclasses import replace

import click
from sqlalchemy import select
from sqlalchemy.orm import Session

from suyuan.cli.common import Context, edge_errors, fail, pass_ctx
from suyuan.trace import risk_intake, supervision_lists
from suyuan.trace.actors import OPERATOR, Actor
from suyuan.trace.model import Office
from suyuan.trace.risk_intake import RiskReport
from suyuan.trace.risk_warnings import WarningFiling
from suyuan.trace.zone import warehouses

OFFICE = click.option("--office", "office_code", required=True, help="Code of the office acting, e.g. SZ-QH.")


def office_actor(session: Session, office_code: str) -> Actor:
    """The operator acting for one office."""
    office = session.scalar(select(Office).filter_by(code=office_code))
    if office is None:
        fail(f"no office with code {office_code!r}")
    return replace(OPERATOR, office_id=office.id)


@click.group("lists")
def lists_group() -> None:
    """The office's positive and key-supervision lists; withdrawing list entries."""


@lists_group.command("add")
@OFFICE
@click.option("--list", "list_kind", required=True, type=click.Choice(["positive", "key_supervision"]))
@click.option("--match", required=True, type=click.Choice(["hs_prefix", "category"]))
@click.option("--value", required=True)
@click.option("--reason", default="")
@pass_ctx
def lists_add(ctx: Context, office_code: str, list_kind: str, match: str, value: str, reason: str) -> None:
    """Add an entry."""
    with edge_errors(), ctx.runtime.transaction() as session:
        actor = office_actor(session, office_code)
        entry = supervision_lists.add_entry(
            session, actor, list_kind=list_kind, match=match, value=value, reason=reason
        )
        click.echo(f"added {entry.list_kind} entry {entry.id}: {entry.match} {entry.value}")


@lists_group.command("list")
@OFFICE
@pass_ctx
def lists_list(ctx: Context, office_code: str) -> None:
    """List the office's entries, withdrawn ones included."""
    with edge_errors(), ctx.runtime.transaction() as session:
        for e in supervision_lists.list_entries(session, office_actor(session, office_code)):
            state = "active" if e.active else "withdrawn"
            click.echo(f"{e.id}\t{e.list_kind}\t{e.match}\t{e.value}\t{state}\t{e.reason}")


@lists_group.command("withdraw")
@OFFICE
@click.argument("entry_id", type=int)
@click.option("--negative", is_flag=True, help="ENTRY_ID is a negative-list rule.")
@click.option("--note", default="")
@pass_ctx
def lists_withdraw(ctx: Context, office_code: str, entry_id: int, negative: bool, note: str) -> None:
    """Withdraw an entry (audited; it stays on record)."""
    with edge_errors(), ctx.runtime.transaction() as session:
        actor = office_actor(session, office_code)
        if negative:
            supervision_lists.withdraw_negative_entry(session, actor, entry_id, note)
        else:
            supervision_lists.withdraw_entry(session, actor, entry_id, note)
        click.echo(f"withdrew {'negative-list rule' if negative else 'list entry'} {entry_id}")


@click.group("risk")
def risk_group() -> None:
    """Risk information: record, assess, turn into warnings, spot checks or recalls."""


@risk_group.command("record")
@OFFICE
@click.option("--source", required=True, type=click.Choice(["foreign_notification", "incident"]))
@click.option("--title", required=True)
@click.option("--description", required=True)
@click.option("--hs-prefix", default="")
@click.option("--batch", "batch_id", type=int)
@click.option("--reference", default="")
@pass_ctx
def risk_record(
    ctx: Context,
    office_code: str,
    source: str,
    title: str,
    description: str,
    hs_prefix: str,
    batch_id: int | None,
    reference: str,
) -> None:
    """Record a foreign notification or an incident (self-reports come from the merchant's desk)."""
    report = RiskReport(
        source, title, description, hs_prefix=hs_prefix, batch_id=batch_id, reference=reference
    )
    with edge_errors(), ctx.runtime.transaction() as session:
        info = risk_intake.record_information(session, office_actor(session, office_code), report)
        click.echo(f"recorded risk information {info.id}")


@risk_group.command("list")
@OFFICE
@pass_ctx
def risk_list(ctx: Context, office_code: str) -> None:
    """List the office's risk information, newest first, with its measures."""
    with edge_errors(), ctx.runtime.transaction() as session:
        for i in risk_intake.list_information(session, office_actor(session, office_code)):
            measures = ",".join(f"{d.kind}:{d.target_id}" for d in i.disposals) or "-"
            click.echo(f"{i.id}\t{i.source}\t{i.status}\t{i.title}\t{measures}")


@risk_group.command("assess")
@OFFICE
@click.argument("information_id", type=int)
@click.option("--level", required=True, type=click.Choice(["low", "medium", "high"]))
@click.option("--rationale", required=True)
@pass_ctx
def risk_assess(ctx: Context, office_code: str, information_id: int, level: str, rationale: str) -> None:
    """Record the office's risk assessment."""
    with edge_errors(), ctx.runtime.transaction() as session:
        actor = office_actor(session, office_code)
        assessment = risk_intake.assess(session, actor, information_id, level=level, rationale=rationale)
        click.echo(f"assessed risk information {information_id}: {assessment.level}")


@risk_group.command("warn")
@OFFICE
@click.argument("information_id", type=int)
@click.option("--level", required=True, type=click.Choice(["notice", "warning", "danger"]))
@click.option("--title", required=True)
@click.option("--body", required=True)
@click.option("--sampling-factor", type=int, default=1)
@click.option("--require-inspection", is_flag=True)
@click.option("--hold-exits", is_flag=True)
@pass_ctx
def risk_warn(
    ctx: Context,
    office_code: str,
    information_id: int,
    level: str,
    title: str,
    body: str,
    sampling_factor: int,
    require_inspection: bool,
    hold_exits: bool,
) -> None:
    """Publish a warning from assessed information, optionally tightening control of its goods."""
    filing = WarningFiling(
        level=level,
        title=title,
        body=body,
        sampling_factor=sampling_factor,
        require_inspection=require_inspection,
        hold_exits=hold_exits,
    )
    with edge_errors(), ctx.runtime.transaction() as session:
        warning = risk_intake.warn(session, office_actor(session, office_code), information_id, filing)
        click.echo(f"published warning {warning.id} from risk information {information_id}")


@risk_group.command("check")
@OFFICE
@click.argument("information_id", type=int)
@click.option("--batch", "batch_id", type=int)
@pass_ctx
def risk_check(ctx: Context, office_code: str, information_id: int, batch_id: int | None) -> None:
    """Open a spot check from assessed information."""
    with edge_errors(), ctx.runtime.transaction() as session:
        check = risk_intake.spot_check(session, office_actor(session, office_code), information_id, batch_id)
        click.echo(f"opened spot check {check.id} from risk information {information_id}")


@risk_group.command("recall")
@OFFICE
@click.argument("information_id", type=int)
@click.option("--batch", "batch_id", type=int, help="The batch (default: the one the information names).")
@click.option("--kind", required=True, type=click.Choice(["recall", "stop_sale"]))
@click.option("--reason", required=True, help="The public reason, shown to consumers (Chinese).")
@click.option("--instructions", default="", help="What consumers should do (Chinese).")
@pass_ctx
def risk_recall(
    ctx: Context,
    office_code: str,
    information_id: int,
    batch_id: int | None,
    kind: str,
    reason: str,
    instructions: str,
) -> None:
    """Order a recall or stop-sale from assessed information; its codes scan recalled at once."""
    with edge_errors(), ctx.runtime.transaction() as session:
        actor = office_actor(session, office_code)
        opened = risk_intake.recall(
            session, actor, information_id, batch_id, kind=kind, reason=reason, instructions=instructions
        )
        source = f"from risk information {information_id}"
        click.echo(f"opened {opened.kind} {opened.id} of batch {opened.batch_id} {source}")


@click.group("warehouse")
def warehouse_group() -> None:
    """Supervised warehouses designated by an office."""


@warehouse_group.command("designate")
@OFFICE
@click.argument("enterprise_id", type=int)
@click.option("--address", default="")
@pass_ctx
def warehouse_designate(ctx: Context, office_code: str, enterprise_id: int, address: str) -> None:
    """Designate a warehouse enterprise as a supervised warehouse."""
    with edge_errors(), ctx.runtime.transaction() as session:
        actor = office_actor(session, office_code)
        made = warehouses.designate_warehouse(session, actor, enterprise_id, address=address)
        click.echo(f"designated warehouse {made.id} (enterprise {enterprise_id})")


@warehouse_group.command("list")
@OFFICE
@pass_ctx
def warehouse_list(ctx: Context, office_code: str) -> None:
    """List the office's designations."""
    with edge_errors(), ctx.runtime.transaction() as session:
        for w in warehouses.list_warehouses(session, office_actor(session, office_code)):
            click.echo(f"{w.id}\t{w.enterprise_id}\t{'active' if w.active else 'withdrawn'}\t{w.address}")


@warehouse_group.command("withdraw")
@OFFICE
@click.argument("warehouse_id", type=int)
@pass_ctx
def warehouse_withdraw(ctx: Context, office_code: str, warehouse_id: int) -> None:
    """Withdraw a designation."""
    with edge_errors(), ctx.runtime.transaction() as session:
        warehouses.withdraw_designation(session, office_actor(session, office_code), warehouse_id)
        click.echo(f"withdrew warehouse {warehouse_id}")
