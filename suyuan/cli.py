"""The ``suyuan`` command: a thin layer over the same domain services the web app calls.

Domain errors become ``error: <message>`` on stderr with exit status 2 (bad input), and checks that
find problems (a broken audit chain, a counterfeit code, a failed proof) exit with status 1.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Any, NoReturn, TypeVar

import click
from sqlalchemy.exc import IntegrityError, OperationalError

from suyuan.config import KeyPassphraseError, Settings
from suyuan.runtime import Runtime
from suyuan.trace import (
    audit_checkpoints,
    batch_quantity,
    batches,
    demo,
    issuance,
    keys,
    negative_list,
    registry,
    revocations,
)
from suyuan.trace.actors import OPERATOR
from suyuan.trace.errors import DomainError
from suyuan.trace.filing_input import product_filing_from_json
from suyuan.trace.registry import EnterpriseFiling
from suyuan.trace.zone import inspection

F = TypeVar("F", bound=Callable[..., Any])


def fail(message: str, status: int = 2) -> NoReturn:
    """Print ``error: message`` to stderr and exit (2: bad input, 1: problems found)."""
    click.echo(f"error: {message}", err=True)
    sys.exit(status)


@contextmanager
def edge_errors() -> Iterator[None]:
    """The one place where CLI commands turn domain and infrastructure errors into messages."""
    try:
        yield
    except DomainError as exc:
        fail(f"{exc.message} [{exc.code}]")
    except KeyPassphraseError as exc:
        fail(str(exc))
    except IntegrityError:
        fail("the change conflicts with existing data (nothing was written)")
    except OperationalError as exc:
        fail(f"database unavailable or not migrated (run `suyuan db upgrade`): {exc.orig}")


class Context:
    """Per-invocation state: the runtime, built lazily so ``--help`` needs no database."""

    def __init__(self) -> None:
        self._runtime: Runtime | None = None

    @property
    def runtime(self) -> Runtime:
        if self._runtime is None:
            self._runtime = Runtime(Settings.from_env())
        return self._runtime


pass_ctx = click.make_pass_decorator(Context, ensure=True)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="suyuan")
def main() -> None:
    """Suyuan (溯源): QR anti-counterfeit traceability for bonded cross-border e-commerce goods.

    Configuration comes from the environment: SUYUAN_DATABASE_URL, SUYUAN_BASE_URL,
    SUYUAN_SECRET_KEY, SUYUAN_INSTANCE_DIR, SUYUAN_KEY_PASSPHRASE / SUYUAN_KEY_FILE.
    """


# --- database, demo, server -------------------------------------------------------------------


@main.group()
def db() -> None:
    """Database schema."""


@db.command("upgrade")
@pass_ctx
def db_upgrade(ctx: Context) -> None:
    """Create or migrate the schema to the latest revision."""
    from suyuan.migrations import upgrade_database

    with edge_errors():
        upgrade_database(ctx.runtime.settings.database_url)
    click.echo("database is at the latest revision")


@main.command("demo")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object (DESIGN.md §5).")
@pass_ctx
def demo_command(ctx: Context, as_json: bool) -> None:
    """Load the demo data set (idempotent) and print the logins, tokens and sample codes."""
    rt = ctx.runtime
    with edge_errors(), rt.transaction() as session:
        info = demo.load_demo(session, rt.ring, base_url=rt.settings.base_url, secret=rt.settings.secret_key)
    if as_json:
        click.echo(json.dumps(info, ensure_ascii=False))
        return
    click.echo(f"Demo loaded at {info['base_url']}")
    for who, login in info["logins"].items():
        click.echo(
            f"  {who:11} {login['email']:28} password {login['password']}  token {info['tokens'][who]}"
        )
    click.echo("Batches:")
    for b in info["batches"]:
        click.echo(
            f"  #{b['id']:<3} {b['gtin']} lot {b['lot']:8} {b['status']:9} {b['merchant']:10} {b['product']}"
        )
    click.echo("Sample codes (open one in a browser):")
    for url in info["sample_codes"]:
        click.echo(f"  {url}")


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=click.IntRange(1, 65535))
@click.option("--workers", default=2, show_default=True, type=click.IntRange(1, 64))
def serve(host: str, port: int, workers: int) -> None:
    """Serve the app with gunicorn (production WSGI server)."""
    from suyuan.web.server import run_gunicorn

    run_gunicorn(host=host, port=port, workers=workers)


# --- scans ------------------------------------------------------------------------------------


@main.group("scans")
def scans_group() -> None:
    """The scan log and its daily tally."""


@scans_group.command("retally")
@pass_ctx
def scans_retally(ctx: Context) -> None:
    """Rebuild the daily scan tally (trace, dashboards) from the scan log, e.g. after a bulk load."""
    from suyuan.trace.scan_tally import retally

    with edge_errors(), ctx.runtime.transaction() as session:
        result = retally(session, OPERATOR)
    click.echo(f"scan tally rebuilt: {result.rows} tally rows summing {result.scans} scans")


# --- audit ------------------------------------------------------------------------------------


@main.group("audit")
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


# --- registry ---------------------------------------------------------------------------------


@main.group()
def enterprise() -> None:
    """Enterprise filings (merchants, platforms, warehouses)."""


@enterprise.command("add")
@click.option("--kind", required=True, type=click.Choice(["merchant", "platform", "warehouse"]))
@click.option("--name", required=True)
@click.option("--name-en", default="")
@click.option("--uscc", required=True, help="Unified social credit code (GB 32100).")
@click.option("--office", "office_code", required=True, help="Code of the filing office, e.g. SZ-QH.")
@click.option("--address", default="")
@pass_ctx
def enterprise_add(
    ctx: Context, kind: str, name: str, name_en: str, uscc: str, office_code: str, address: str
) -> None:
    """File an enterprise with an office."""
    filing = EnterpriseFiling(
        kind=kind, name=name, name_en=name_en, uscc=uscc, office_code=office_code, address=address
    )
    with edge_errors(), ctx.runtime.transaction() as session:
        ent = registry.file_enterprise(session, OPERATOR, filing)
        click.echo(f"filed enterprise {ent.id}: {ent.name} ({ent.kind}, USCC {ent.uscc})")


@enterprise.command("list")
@pass_ctx
def enterprise_list(ctx: Context) -> None:
    """List filed enterprises."""
    with edge_errors(), ctx.runtime.transaction() as session:
        for e in registry.list_enterprises(session, OPERATOR):
            click.echo(f"{e.id}\t{e.kind}\t{e.uscc}\t{e.filing_status}\t{e.name}")


@main.group()
def product() -> None:
    """Product filings and admission decisions."""


@product.command("add")
@click.option("--enterprise", "enterprise_id", required=True, type=int)
@click.option(
    "--file",
    "path",
    required=True,
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="JSON filing: gtin, name, hs_code, category, manufacturer, origin_country, "
    "supplier_name, supplier_country, documents [...] (see docs/api.md).",
)
@pass_ctx
def product_add(ctx: Context, enterprise_id: int, path: Path) -> None:
    """File a product for a merchant from a JSON file."""
    with edge_errors():
        filing = product_filing_from_json(_read_json(path))
        with ctx.runtime.transaction() as session:
            p = registry.file_product(session, OPERATOR, enterprise_id, filing)
            click.echo(f"filed product {p.id}: {p.name} GTIN {p.gtin} — {p.admission_status}")
            if p.refusal_reason:
                click.echo(f"refused: {p.refusal_reason}")


@product.command("list")
@click.option("--enterprise", "enterprise_id", type=int)
@pass_ctx
def product_list(ctx: Context, enterprise_id: int | None) -> None:
    """List product filings."""
    with edge_errors(), ctx.runtime.transaction() as session:
        for p in registry.list_products(session, OPERATOR, enterprise_id):
            click.echo(
                f"{p.id}\t{p.gtin}\t{p.hs_code}\t{p.admission_status}\trisk {p.risk_class or '-'}\t{p.name}"
            )


@product.command("admit")
@click.argument("product_id", type=int)
@click.option("--risk-class", type=click.IntRange(2, 3))
@click.option("--disclosure", help="Consumer-disclosure text, required when items (4)/(5) are unmet.")
@pass_ctx
def product_admit(ctx: Context, product_id: int, risk_class: int | None, disclosure: str | None) -> None:
    """Admit a filed product (office decision, SZ Art. 12)."""
    with edge_errors(), ctx.runtime.transaction() as session:
        p = registry.decide_admission(
            session, OPERATOR, product_id, admit=True, risk_class=risk_class, disclosure=disclosure
        )
        click.echo(f"product {p.id} {p.admission_status}, risk class {p.risk_class}")


@product.command("refuse")
@click.argument("product_id", type=int)
@click.option("--reason", required=True)
@pass_ctx
def product_refuse(ctx: Context, product_id: int, reason: str) -> None:
    """Refuse a filed product, with the reason."""
    with edge_errors(), ctx.runtime.transaction() as session:
        p = registry.decide_admission(session, OPERATOR, product_id, admit=False, reason=reason)
        click.echo(f"product {p.id} refused: {p.refusal_reason}")


@main.group("negative-list")
def negative_list_group() -> None:
    """The negative list of goods that may not enter (DOMAIN.md §4)."""


@negative_list_group.command("add")
@click.option("--category", required=True, type=click.Choice(list(negative_list.CATEGORIES)))
@click.option("--kind", required=True, type=click.Choice(["hs_prefix", "keyword", "condition"]))
@click.option("--value", required=True)
@click.option("--reason", required=True)
@pass_ctx
def negative_add(ctx: Context, category: str, kind: str, value: str, reason: str) -> None:
    """Add a rule to the negative list."""
    with edge_errors(), ctx.runtime.transaction() as session:
        e = negative_list.add_entry(
            session, OPERATOR, category=category, kind=kind, value=value, reason=reason
        )
        click.echo(f"added negative-list entry {e.id}: {e.category} {e.kind} {e.value!r}")


@negative_list_group.command("list")
@pass_ctx
def negative_list_command(ctx: Context) -> None:
    """List the negative list."""
    from sqlalchemy import select

    from suyuan.trace.model import NegativeListEntry

    with edge_errors(), ctx.runtime.transaction() as session:
        for e in session.scalars(select(NegativeListEntry).order_by(NegativeListEntry.id)):
            state = "active" if e.active else "withdrawn"
            click.echo(f"{e.id}\t{e.category}\t{e.kind}\t{e.value}\t{state}\t{e.reason}")


@main.group("batch")
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


# --- the bonded zone ----------------------------------------------------------------------------


@main.group("zone")
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
    """Order alerts suggesting disguised B2B trade, with the thresholds from the environment."""
    from suyuan.trace.zone.anomalies import find_anomalies
    from suyuan.trace.zone.rules import ZoneRules

    with edge_errors(), ctx.runtime.transaction() as session:
        found = find_anomalies(session, OPERATOR, ZoneRules.from_mapping().anomalies)
    for anomaly in found:
        data = anomaly.as_json()
        click.echo(
            json.dumps(data, ensure_ascii=False) if as_json else "\t".join(str(v) for v in data.values())
        )
    if not as_json:
        click.echo(f"{len(found)} alerts")


# --- keys and codes ---------------------------------------------------------------------------


@main.group("keys")
def keys_group() -> None:
    """Ed25519 signing keys."""


@keys_group.command("list")
@pass_ctx
def keys_list(ctx: Context) -> None:
    """List keys with their status."""
    with edge_errors(), ctx.runtime.transaction() as session:
        for k in keys.list_keys(session):
            click.echo(f"{k.kid}\t{k.status}\t{k.created_at:%Y-%m-%d %H:%M}\t{keys.b64url(k.public_key)}")


@keys_group.command("create")
@pass_ctx
def keys_create(ctx: Context) -> None:
    """Create a new active key (retires the current one)."""
    rt = ctx.runtime
    with edge_errors(), rt.transaction() as session:
        k = keys.create_key(session, OPERATOR, rt.ring)
        click.echo(f"created key {k.kid}")


@keys_group.command("rotate")
@pass_ctx
def keys_rotate(ctx: Context) -> None:
    """Rotate: new codes use a new key; codes of the old key stay valid."""
    rt = ctx.runtime
    with edge_errors(), rt.transaction() as session:
        k = keys.rotate_key(session, OPERATOR, rt.ring)
        click.echo(f"rotated: key {k.kid} now signs new codes")


@keys_group.command("revoke")
@click.argument("kid")
@click.option("--reason", required=True)
@pass_ctx
def keys_revoke(ctx: Context, kid: str, reason: str) -> None:
    """Revoke a key: its codes verify as revoked from now on.

    Revoking the only active key creates its successor in the same step, so codes can still be issued
    and the revocation list that announces this revocation can still be signed.
    """
    rt = ctx.runtime
    with edge_errors(), rt.transaction() as session:
        before = keys.active_key(session)
        k = keys.revoke_key(session, OPERATOR, kid, reason, rt.ring)
        after = keys.active_key(session)
        click.echo(f"revoked key {k.kid}")
        if after is not None and after is not before:
            click.echo(f"key {after.kid} now signs new codes and the revocation list")


@keys_group.command("jwks")
@pass_ctx
def keys_jwks(ctx: Context) -> None:
    """Print the public JWKS (what /.well-known/jwks.json serves, with the revocation list's version)."""
    rt = ctx.runtime
    with edge_errors(), rt.transaction() as session:
        document = keys.jwks(session)
        document["revocations"] = {
            "url": rt.settings.base_url.rstrip("/") + "/.well-known/suyuan/revocations.json",
            "version": revocations.current_version(session),
        }
        click.echo(json.dumps(document, indent=2))


@main.group("codes")
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


@main.command("verify")
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


@main.command("scan")
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


@main.group("labels")
def labels_group() -> None:
    """Printable label sheets of issued codes."""


@labels_group.command("templates")
def labels_templates() -> None:
    """List the label templates, one a line, name first."""
    from suyuan.labels.templates import list_templates

    for template in list_templates():
        click.echo(template.summary())


@labels_group.command("render")
@click.option("--batch", "batch_id", required=True, type=int)
@click.option("--first", type=int, help="First serial (default: 1).")
@click.option("--last", type=int, help="Last serial (default: the last issued).")
@click.option("--template", "template_name", required=True)
@click.option("--format", "fmt", required=True, type=click.Choice(["pdf", "png", "svg", "zpl"]))
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False, path_type=Path))
@click.option("--dpi", type=click.IntRange(100, 1200), help="Printer resolution (default: the template's).")
@click.option(
    "--proof", is_flag=True, help="Rasterise and decode every label; keep the file only if all pass."
)
@pass_ctx
def labels_render(
    ctx: Context,
    batch_id: int,
    first: int | None,
    last: int | None,
    template_name: str,
    fmt: str,
    output: Path,
    dpi: int | None,
    proof: bool,
) -> None:
    """Render a batch's labels; with --proof, keep the file only if every label decodes and verifies."""
    from suyuan.labels.batch_labels import LabelJob, issued_code_verifier, proof_job, render_job
    from suyuan.labels.errors import LabelError
    from suyuan.labels.templates import get_template

    rt = ctx.runtime
    partial = output.with_name(f".{output.name}.partial")
    try:
        with edge_errors(), rt.transaction() as session:
            batch = batches.get_batch(session, OPERATOR, batch_id)
            job = LabelJob(
                batch,
                issuance.issued_range(session, batch_id, first, last),
                get_template(template_name),
                fmt,
                dpi,
            )
            if proof and fmt not in ("pdf", "png"):
                fail("--proof works on pdf and png output (it rasterises the pages)")
            with partial.open("wb") as out, _progress(len(job.serials)) as advance:
                stats = render_job(session, rt.ring, job, rt.code_base, out, progress=advance)
            click.echo(
                f"rendered {stats.labels} labels on {stats.pages} page(s) ({stats.format}, {stats.dpi} dpi, "
                f"smallest module {stats.min_module_mm:.2f} mm) in {stats.seconds:.1f} s"
            )
            if proof:
                report = proof_job(
                    session, rt.ring, job, rt.code_base, partial, issued_code_verifier(session, rt.ring)
                )
                click.echo(f"proof: {report.summary()}")
                for url in (*report.missing, *report.unexpected, *report.duplicates, *report.rejected)[:20]:
                    click.echo(f"  problem: {url}")
                if not report.passed:
                    fail("the print proof failed; no file was written", status=1)
        partial.replace(output)
        click.echo(f"wrote {output}")
    except LabelError as exc:
        fail(str(exc))
    except OSError as exc:
        fail(f"cannot write {output}: {exc.strerror}")
    finally:
        partial.unlink(missing_ok=True)


@contextmanager
def _progress(total: int) -> Iterator[Callable[[int], None]]:
    """A rich progress bar on stderr (quiet when stderr is not a terminal)."""
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeRemainingColumn

    console = Console(stderr=True)
    with Progress(
        "[progress.description]{task.description}",
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
        console=console,
        disable=not console.is_terminal,
    ) as bar:
        task = bar.add_task("labels", total=total)
        yield lambda done: bar.update(task, completed=done)


def _read_json(path: Path) -> Any:
    if path.stat().st_size > 1_000_000:
        fail(f"{path} is larger than 1 MB")
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        fail(f"{path} is not valid JSON: {exc}")


if __name__ == "__main__":
    main()
