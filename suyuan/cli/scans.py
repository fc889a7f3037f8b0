"""Commands about scans: verifying codes (``verify`` offline, ``scan`` from images and PDF pages)
and rebuilding the scan log's daily tally (``scans retally``).

``verify`` and ``scan`` exit 1 when any code is not genuine (or, for ``scan``, none is found), so a
script can tell a clean result from a suspicious one without parsing the output.
"""

from __future__ import annotations

import json
import sys
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import click

from suyuan.cli.common import Context, edge_errors, fail, pass_ctx


@click.group("scans")
def scans_group() -> None:
    """The scan log and its daily tally."""


@scans_group.command("retally")
@pass_ctx
def scans_retally(ctx: Context) -> None:
    """Rebuild the daily scan tally (trace, dashboards) from the scan log, e.g. after a bulk load."""
    from suyuan.trace.actors import OPERATOR
    from suyuan.trace.scan_tally import retally

    with edge_errors(), ctx.runtime.transaction() as session:
        result = retally(session, OPERATOR)
    click.echo(f"scan tally rebuilt: {result.rows} tally rows summing {result.scans} scans")


@click.command("verify")
@click.argument("urls", nargs=-1, required=True)
@click.option(
    "--jwks",
    "jwks_path",
    required=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="JWKS file, as served at /.well-known/jwks.json.",
)
@click.option(
    "--revocations",
    "revocations_path",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Signed revocation list, as served at /.well-known/suyuan/revocations.json.",
)
@click.option("--json", "as_json", is_flag=True, help="One JSON object per line.")
def verify_command(
    urls: tuple[str, ...], jwks_path: Path, revocations_path: Path | None, as_json: bool
) -> None:
    """Verify codes offline against a JWKS, with no database; exit 1 if any is not genuine.

    A revocation list that fails any rule (type, signing key, schema, version, expiry) stops the
    command with exit 2 before any verdict: going on without it would call recalled items genuine.
    """
    from suyuan.scanner.offline import (
        JwksError,
        RevocationListRefused,
        load_revocations,
        read_jwks,
        verify_offline,
    )

    try:
        trust = read_jwks(jwks_path)
        revoked = load_revocations(revocations_path, trust) if revocations_path else None
    except RevocationListRefused as exc:
        if as_json:
            refusal = {"code": "revocation_list_refused", "reason": exc.problem.value, "message": str(exc)}
            click.echo(json.dumps({"error": refusal}, ensure_ascii=False))
        fail(str(exc))
    except JwksError as exc:
        fail(str(exc))
    results = [verify_offline(url, trust.keys, revoked) for url in urls]
    for result in results:
        if as_json:
            click.echo(json.dumps(result.as_json(), ensure_ascii=False))
        else:
            click.echo(
                f"{result.verdict.value:11} {','.join(r.value for r in result.reasons):20} {result.text}"
            )
    if any(r.verdict.value != "genuine" for r in results):
        sys.exit(1)


@click.command("scan")
@click.argument("files", nargs=-1, required=True, type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "--jwks",
    "jwks_path",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Verify offline against this JWKS instead of the database.",
)
@click.option(
    "--revocations",
    "revocations_path",
    type=click.Path(dir_okay=False, path_type=Path),
    help="With --jwks: a signed revocation list.",
)
@click.option("--json", "as_json", is_flag=True, help="One JSON object per file.")
@pass_ctx
def scan_command(
    ctx: Context,
    files: tuple[Path, ...],
    jwks_path: Path | None,
    revocations_path: Path | None,
    as_json: bool,
) -> None:
    """Decode and verify every code in images and PDF pages; exit 1 if any is not genuine or none is found."""
    from suyuan.scanner.images import DEFAULT_LIMITS, ImageRejected
    from suyuan.scanner.offline import JwksError, load_revocations, read_jwks
    from suyuan.scanner.verify import offline_verifier, online_verifier, scan_upload

    problems = False
    with edge_errors(), ExitStack() as stack:
        if jwks_path is not None:
            try:
                trust = read_jwks(jwks_path)
                revoked = load_revocations(revocations_path, trust) if revocations_path else None
            except JwksError as exc:
                fail(str(exc))
            verify = offline_verifier(trust.keys, revoked)
        else:
            rt = ctx.runtime
            verify = online_verifier(stack.enter_context(rt.transaction()), rt.ring)
        for path in files:
            try:
                with path.open("rb") as handle:
                    data = handle.read(DEFAULT_LIMITS.max_bytes + 1)
                codes = scan_upload(data, verify)
            except OSError as exc:
                fail(f"{path}: {exc.strerror}")
            except ImageRejected as exc:
                fail(f"{path}: {exc.message} [{exc.reason}]")
            problems |= not codes or any(c.verdict.value != "genuine" for c in codes)
            _print_scan(path, codes, as_json)
    if problems:
        sys.exit(1)


def _print_scan(path: Path, codes: list[Any], as_json: bool) -> None:
    if as_json:
        click.echo(json.dumps({"file": str(path), "codes": [c.as_json() for c in codes]}, ensure_ascii=False))
        return
    if not codes:
        click.echo(f"{path}: no code found")
    for c in codes:
        click.echo(f"{path}: {c.verdict.value:11} {','.join(r.value for r in c.reasons) or '-':20} {c.text}")
