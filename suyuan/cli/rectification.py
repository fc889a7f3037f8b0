"""Responsibility interviews, rectification orders and reports from the command line (R52, G15 §2(3)).

``suyuan rectification interview|order|report|review|list|show|strict`` call the same domain services as
the API and the pages (:mod:`suyuan.trace.rectification`), acting as the operator: an interview or order
is the enterprise's office's, a report is filed for the enterprise. Services are imported inside each
command, as elsewhere in the CLI.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import click

from suyuan.cli.common import Context, edge_errors, fail, pass_ctx
from suyuan.trace.actors import OPERATOR

CAUSES = click.Choice(["complaint", "spot_check", "risk_information", "recall"])


@click.group("rectification")
def rectification_group() -> None:
    """Responsibility interviews, rectification orders and reports; strict inspection of repeat offenders."""


@rectification_group.command("interview")
@click.argument("enterprise_id", type=int)
@click.option("--held-on", required=True, type=click.DateTime(["%Y-%m-%d"]), help="Day held (YYYY-MM-DD).")
@click.option("--place", required=True, help="Where, or by what means.")
@click.option("--participants", required=True, help="Who took part.")
@click.option("--matter", required=True, help="What it was about.")
@click.option("--commitments", required=True, help="What the enterprise committed to.")
@pass_ctx
def interview(
    ctx: Context,
    enterprise_id: int,
    held_on: object,
    place: str,
    participants: str,
    matter: str,
    commitments: str,
) -> None:
    """Record a responsibility interview held with an enterprise."""
    from suyuan.trace import rectification

    record = rectification.InterviewRecord(_day(held_on), place, participants, matter, commitments)
    with edge_errors(), ctx.runtime.transaction() as session:
        made = rectification.record_interview(session, OPERATOR, enterprise_id, record)
        made_id = made.id
    click.echo(f"interview {made_id}: enterprise {enterprise_id}")


@rectification_group.command("order")
@click.argument("enterprise_id", type=int)
@click.option("--matter", required=True, help="The problem to rectify.")
@click.option("--requirements", required=True, help="What the enterprise must do.")
@click.option("--deadline", required=True, type=click.DateTime(["%Y-%m-%d"]), help="Last day (YYYY-MM-DD).")
@click.option("--cause", type=CAUSES, help="What caused the order (with --cause-id).")
@click.option("--cause-id", type=int, help="The id of that record.")
@pass_ctx
def order(
    ctx: Context,
    enterprise_id: int,
    matter: str,
    requirements: str,
    deadline: object,
    cause: str | None,
    cause_id: int | None,
) -> None:
    """Order an enterprise to rectify by a deadline."""
    from suyuan.trace import rectification

    terms = rectification.OrderTerms(matter, requirements, _day(deadline), cause, cause_id)
    with edge_errors(), ctx.runtime.transaction() as session:
        made = rectification.issue_order(session, OPERATOR, enterprise_id, terms)
        line = f"order {made.id}: enterprise {enterprise_id}, deadline {made.deadline}, {made.status.value}"
    click.echo(line)


@rectification_group.command("report")
@click.argument("order_id", type=int)
@click.option("--text", "report_text", required=True, help="What was done to rectify.")
@click.option("--file", "path", type=click.Path(dir_okay=False, path_type=Path), help="PDF, JPEG or PNG.")
@pass_ctx
def report(ctx: Context, order_id: int, report_text: str, path: Path | None) -> None:
    """File the enterprise's report on an order (with an optional evidence file)."""
    from suyuan.trace import rectification
    from suyuan.trace.enterprise_documents import MAX_DOCUMENT_BYTES

    attachment = None
    if path is not None:
        try:
            with path.open("rb") as f:
                data = f.read(MAX_DOCUMENT_BYTES + 1)
        except OSError as exc:
            fail(f"cannot read {path}: {exc.strerror}")
        attachment = rectification.ReportFile(path.name, data)
    with edge_errors(), ctx.runtime.transaction() as session:
        made = rectification.submit_report(session, OPERATOR, order_id, report_text, attachment)
        made_id = made.id
    click.echo(f"report {made_id}: order {order_id} reported")


@rectification_group.command("review")
@click.argument("report_id", type=int)
@click.argument("decision", type=click.Choice(["accept", "reject"]))
@click.option("--reason", default="", help="Why (required to reject).")
@pass_ctx
def review(ctx: Context, report_id: int, decision: str, reason: str) -> None:
    """Accept a report (the order closes) or reject it with a reason (the order opens again)."""
    from suyuan.trace import rectification

    with edge_errors(), ctx.runtime.transaction() as session:
        made = rectification.review_report(
            session, OPERATOR, report_id, accept=decision == "accept", reason=reason
        )
        line = f"report {made.id}: {made.decision.value}; order {made.order_id} {made.order.status.value}"
    click.echo(line)


@rectification_group.command("list")
@click.option("--enterprise", "enterprise_id", type=int, help="Only this enterprise's orders.")
@pass_ctx
def list_orders(ctx: Context, enterprise_id: int | None) -> None:
    """Rectification orders, newest first: id, enterprise, deadline, status (overdue marked)."""
    from suyuan.trace import rectification

    with edge_errors(), ctx.runtime.transaction() as session:
        rows = [
            (o.id, o.enterprise_id, o.deadline, o.status.value + _overdue(o), o.matter)
            for o in rectification.list_orders(session, OPERATOR, enterprise_id=enterprise_id)
        ]
    for row in rows:
        click.echo("\t".join(str(v) for v in row))
    click.echo(f"{len(rows)} orders")


@rectification_group.command("show")
@click.argument("order_id", type=int)
@pass_ctx
def show(ctx: Context, order_id: int) -> None:
    """One order and its reports."""
    from suyuan.trace import rectification

    with edge_errors(), ctx.runtime.transaction() as session:
        o = rectification.get_order(session, OPERATOR, order_id)
        lines = [
            f"order {o.id}: enterprise {o.enterprise_id} ({o.enterprise.name}), office {o.office.code}",
            f"status {o.status.value}{_overdue(o)}, deadline {o.deadline}",
            f"matter: {o.matter}",
            f"requirements: {o.requirements}",
        ]
        if o.cause_kind is not None:
            lines.append(f"cause: {o.cause_kind.value} {o.cause_id}")
        for r in o.reports:
            extra = f" [{r.file_name}, {r.sha256}]" if r.file_name else ""
            why = f": {r.rejection_reason}" if r.rejection_reason else ""
            lines.append(f"report {r.id} {r.decision.value}{why}{extra}: {r.text}")
    click.echo("\n".join(lines))


@rectification_group.command("strict")
@click.argument("enterprise_id", type=int)
@pass_ctx
def strict(ctx: Context, enterprise_id: int) -> None:
    """Whether an enterprise is under strict inspection, and why."""
    from suyuan.trace import rectification, registry

    with edge_errors(), ctx.runtime.transaction() as session:
        registry.get_enterprise(session, OPERATOR, enterprise_id)
        state = rectification.strict_inspection(session, enterprise_id)
    overdue = ", ".join(str(i) for i in state.overdue_orders) or "none"
    verdict = "under strict inspection" if state.applies else "not under strict inspection"
    click.echo(
        f"enterprise {enterprise_id}: {verdict} "
        f"(overdue orders: {overdue}; orders in 365 days: {state.recent_orders})"
    )


def _overdue(order: object) -> str:
    from suyuan.trace import rectification
    from suyuan.trace.model import RectificationOrder

    assert isinstance(order, RectificationOrder)
    return " (overdue)" if rectification.is_overdue(order) else ""


def _day(value: object) -> date:
    """The date of a ``click.DateTime`` value."""
    return value.date() if hasattr(value, "date") else date.fromisoformat(str(value))  # type: ignore[no-any-return]
