"""The tamper-evident audit log: ``audit verify`` checks the chain and its signed checkpoints,
``audit checkpoint`` signs the current head (from cron).

``audit verify`` exits 1 naming the first problem, so a monitor can alert on the status alone.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click

from suyuan.cli.common import Context, edge_errors, fail, pass_ctx
from suyuan.trace import audit_checkpoints


@click.group("audit")
def audit_group() -> None:
    """The tamper-evident audit log."""


@audit_group.command("verify")
@click.option(
    "--checkpoint",
    "checkpoint_files",
    multiple=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help='A checkpoint kept outside the database (a saved audit-checkpoints.json, {"jws": ...} or a JWS).',
)
@pass_ctx
def audit_verify(ctx: Context, checkpoint_files: tuple[Path, ...]) -> None:
    """Check the hash chain and every signed checkpoint; exit 1 naming the first problem if any.

    Catches edited, deleted and re-linked entries, a rewrite whose later hashes were recomputed (an
    entry no longer has a checkpoint's signed head hash) and a cut-off tail (the log is shorter than
    a checkpoint says).
    """
    try:
        external = [
            token
            for path in checkpoint_files
            for token in audit_checkpoints.checkpoint_tokens(_read_checkpoint(path))
        ]
    except audit_checkpoints.CheckpointInvalid as exc:
        fail(str(exc))
    rt = ctx.runtime
    with edge_errors(), rt.transaction() as session:
        report = audit_checkpoints.verify_log(session, rt.ring, external)
    if not report.ok:
        where = f" at entry {report.broken_seq}" if report.broken_seq else ""
        fail(f"audit log broken{where}: {report.problem} ({report.entries} entries verified before it)", 1)
    click.echo(f"audit chain intact: {report.entries} entries verified")
    if report.latest is None:
        click.echo("no signed checkpoint yet: run `suyuan audit checkpoint` (e.g. hourly from cron)")
    else:
        click.echo(
            f"{report.checkpoints + len(external)} checkpoints verified; the latest, {report.latest.label}, "
            f"covers {report.latest.seq} entries ({report.unanchored} since)"
        )


def _read_checkpoint(path: Path) -> Any:
    try:
        text = path.read_text(encoding="utf-8")[:1_000_000]
    except (OSError, UnicodeDecodeError) as exc:
        fail(f"cannot read {path}: {exc}")
    try:
        return json.loads(text)
    except json.JSONDecodeError:
        return text  # a bare compact JWS


@audit_group.command("checkpoint")
@pass_ctx
def audit_checkpoint(ctx: Context) -> None:
    """Sign the log's current head with the office key (run it from cron, e.g. hourly)."""
    rt = ctx.runtime
    with edge_errors(), rt.transaction() as session:
        row = audit_checkpoints.take_checkpoint(session, rt.ring)
        if row is None:
            latest = audit_checkpoints.latest_row(session)
            click.echo(f"nothing to sign: entry {latest.seq if latest else 0} is the checkpointed head")
            return
        click.echo(f"checkpoint of entry {row.seq} ({row.head_hash[:16]}…) signed with key {row.kid}")
