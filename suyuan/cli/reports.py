"""``suyuan report half-year``: the half-yearly statistical report from the server (R60, G15 §3(5)).

The operator's view of :mod:`suyuan.trace.half_year_report`: the whole instance, or one office's remit
with ``--office``; as aligned text, JSON or CSV (keys, not words, so scripts can read it).
"""

from __future__ import annotations

import csv
import json
import sys

import click

from suyuan.cli.common import Context, edge_errors, pass_ctx
from suyuan.trace.actors import OPERATOR
from suyuan.trace.half_year_report import (
    SECTIONS,
    half_year_report,
    period_of,
)
from suyuan.trace.remit import office_reader


@click.group("report")
def report_group() -> None:
    """Statistical reports of supervision."""


@report_group.command("half-year")
@click.option("--year", type=int, help="The year (with --half); both left out: the half-year running now.")
@click.option("--half", type=int, help="1: January-June, 2: July-December (Beijing time).")
@click.option("--office", "office_code", help="Count one office's remit (its code); default: every office.")
@click.option(
    "--format", "fmt", type=click.Choice(["text", "json", "csv"]), default="text", show_default=True
)
@pass_ctx
def half_year(ctx: Context, year: int | None, half: int | None, office_code: str | None, fmt: str) -> None:
    """The figures of a Beijing half-year: filings, zone, checks, codes and scans, complaints, measures."""
    rt = ctx.runtime
    with edge_errors(), rt.transaction() as session:
        period = period_of(year, half)
        reader = office_reader(session, office_code) if office_code else OPERATOR
        report = half_year_report(session, reader, period)
    if fmt == "json":
        payload = {"period": period.label, "complete": report.complete, "figures": report.figures}
        click.echo(json.dumps(payload, indent=2))
    elif fmt == "csv":
        writer = csv.writer(sys.stdout, lineterminator="\n")
        writer.writerow(("section", "figure", "value"))
        writer.writerows((name, key, report.figures[key]) for name, keys in SECTIONS for key in keys)
    else:
        scope = f"office {office_code}" if office_code else "every office"
        running = "" if report.complete else ", still running: figures so far"
        click.echo(f"{period.label} ({period.days[0]} to {period.days[1]}, Beijing time), {scope}{running}")
        for name, keys in SECTIONS:
            click.echo(f"{name}:")
            for key in keys:
                click.echo(f"  {key:<28} {report.figures[key]:>10}")
