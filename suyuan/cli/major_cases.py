"""``suyuan major-case report|list|show|notices|acknowledge``: major cases from the server (R60, G15 §3(5)).

The same services as the API and the pages (:mod:`suyuan.trace.major_cases`). The operator reports a
case for the office it belongs to and reads every report and notice; ``--office CODE`` reads (and, for
``acknowledge``, acts) as that office, recorded in the audit log as ``operator:office:CODE``.
"""

from __future__ import annotations

import click

from suyuan.cli.common import Context, edge_errors, pass_ctx
from suyuan.trace import major_cases
from suyuan.trace.actors import OPERATOR
from suyuan.trace.remit import office_reader

KINDS = click.Choice(["complaint", "recall", "risk_information", "spot_check"])


@click.group("major-case")
def major_case_group() -> None:
    """Major-case reports (重大案件) and their notices to the other offices."""


@major_case_group.command("report")
@click.argument("case_kind", type=KINDS)
@click.argument("case_id", type=int)
@click.option("--summary", required=True, help="What happened and why it is major.")
@pass_ctx
def report(ctx: Context, case_kind: str, case_id: int, summary: str) -> None:
    """Mark a case as major for its office and notify every other office."""
    with edge_errors(), ctx.runtime.transaction() as session:
        made = major_cases.report_major_case(session, OPERATOR, case_kind, case_id, summary)
        sent = len(made.notices)
        line = f"major case {made.id}: {case_kind} {case_id}, office {made.office.code}, {sent} notices"
    click.echo(line)


@major_case_group.command("list")
@click.option("--office", "office_code", help="Only the reports this office made (its code).")
@pass_ctx
def list_reports(ctx: Context, office_code: str | None) -> None:
    """Major-case reports, newest first: id, office, case, acknowledged notices of all, summary."""
    with edge_errors(), ctx.runtime.transaction() as session:
        reader = office_reader(session, office_code) if office_code else OPERATOR
        rows = [
            (
                r.id,
                r.office.code,
                f"{r.case_kind.value}:{r.case_id}",
                f"{sum(n.acknowledged_at is not None for n in r.notices)}/{len(r.notices)}",
                r.summary,
            )
            for r in major_cases.list_reports(session, reader)
        ]
    for row in rows:
        click.echo("\t".join(str(v) for v in row))
    click.echo(f"{len(rows)} major cases")


@major_case_group.command("notices")
@click.option("--office", "office_code", help="Only the notices this office received (its code).")
@pass_ctx
def notices(ctx: Context, office_code: str | None) -> None:
    """Major-case notices, newest first: id, receiving office, report, case, acknowledged."""
    with edge_errors(), ctx.runtime.transaction() as session:
        reader = office_reader(session, office_code) if office_code else OPERATOR
        rows = [
            (
                n.id,
                n.office.code,
                n.report_id,
                f"{n.report.case_kind.value}:{n.report.case_id}",
                n.acknowledged_at.isoformat() if n.acknowledged_at else "-",
            )
            for n in major_cases.list_notices(session, reader)
        ]
    for row in rows:
        click.echo("\t".join(str(v) for v in row))
    click.echo(f"{len(rows)} notices")


@major_case_group.command("acknowledge")
@click.argument("notice_id", type=int)
@click.option("--office", "office_code", required=True, help="The receiving office (its code).")
@pass_ctx
def acknowledge(ctx: Context, notice_id: int, office_code: str) -> None:
    """Record that the receiving office acknowledged a notice."""
    with edge_errors(), ctx.runtime.transaction() as session:
        notice = major_cases.acknowledge(session, office_reader(session, office_code), notice_id)
        line = f"notice {notice.id}: acknowledged by {office_code}"
    click.echo(line)
