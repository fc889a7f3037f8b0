"""Filings and admission: ``enterprise`` (with the documents of its filing), ``product`` and the
``negative-list`` (DOMAIN.md §4).

What may enter the zone, and who may bring it: the office's register, kept apart from what then
happens to the goods (batches, codes, the zone).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click

from suyuan.cli.common import Context, edge_errors, fail, pass_ctx
from suyuan.trace import negative_list, registry
from suyuan.trace.actors import OPERATOR
from suyuan.trace.model import EnterpriseDocumentKind
from suyuan.trace.registry import EnterpriseFiling


@click.group()
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


@enterprise.command("filing")
@click.argument("enterprise_id", type=int)
@pass_ctx
def enterprise_filing(ctx: Context, enterprise_id: int) -> None:
    """Show what an enterprise's filing holds and lacks (SZ Art. 8, 25): documents, systems, gaps."""
    from suyuan.trace import enterprise_documents

    with edge_errors(), ctx.runtime.transaction() as session:
        contents = enterprise_documents.filing_contents(session, OPERATOR, enterprise_id)
        e = contents.enterprise
        click.echo(f"enterprise {e.id}: {e.name} ({e.kind}, USCC {e.uscc}, organisation code {e.org_code})")
        for item in (*contents.items, *contents.systems):
            held = f"document {item.document.id} {item.document.file_name}" if item.document else ""
            click.echo(f"{item.kind}\t{item.state}\t{held}".rstrip())
        missing = ", ".join(contents.missing) or "nothing"
        click.echo(f"missing: {missing}")


@enterprise.group("document")
def enterprise_document() -> None:
    """Documents of an enterprise filing: licence, commitment, basic systems (PDF, JPEG or PNG)."""


@enterprise_document.command("add")
@click.argument("enterprise_id", type=int)
@click.option(
    "--kind",
    required=True,
    type=click.Choice([k.value for k in EnterpriseDocumentKind]),
    help="business_licence, quality_commitment, a basic system of the enterprise's kind, ...",
)
@click.option(
    "--file",
    "path",
    required=True,
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="The document: PDF, JPEG or PNG, at most 10 MB.",
)
@click.option("--name", default=None, help="The file name to keep (default: the file's own name).")
@pass_ctx
def enterprise_document_add(
    ctx: Context, enterprise_id: int, kind: str, path: Path, name: str | None
) -> None:
    """Put a document on an enterprise's filing."""
    from suyuan.trace import enterprise_documents

    with edge_errors():
        with path.open("rb") as stream:
            data = enterprise_documents.read_document(stream)
        upload = enterprise_documents.DocumentUpload(kind, name or path.name, data)
        with ctx.runtime.transaction() as session:
            d = enterprise_documents.add_document(session, OPERATOR, enterprise_id, upload)
            click.echo(f"added document {d.id} to enterprise {enterprise_id}: {d.kind} {d.file_name}")
            click.echo(f"{d.media_type}, {d.size} bytes, sha256 {d.sha256}")


@enterprise_document.command("list")
@click.argument("enterprise_id", type=int)
@pass_ctx
def enterprise_document_list(ctx: Context, enterprise_id: int) -> None:
    """List the documents of an enterprise's filing, newest first."""
    from suyuan.trace import enterprise_documents

    with edge_errors(), ctx.runtime.transaction() as session:
        for d in enterprise_documents.list_documents(session, OPERATOR, enterprise_id):
            click.echo(
                f"{d.id}\t{d.kind}\t{d.uploaded_at:%Y-%m-%d %H:%M}Z\t{d.size}\t{d.sha256}\t{d.file_name}"
            )


@enterprise_document.command("get")
@click.argument("document_id", type=int)
@click.option(
    "--out",
    required=True,
    type=click.Path(dir_okay=False, writable=True, path_type=Path),
    help="Where to write the file.",
)
@pass_ctx
def enterprise_document_get(ctx: Context, document_id: int, out: Path) -> None:
    """Write a document's file as it was uploaded."""
    from suyuan.trace import enterprise_documents

    with edge_errors(), ctx.runtime.transaction() as session:
        document = enterprise_documents.get_document(session, OPERATOR, document_id)
        out.write_bytes(enterprise_documents.document_file(session, document))
        click.echo(f"wrote {document.size} bytes ({document.media_type}, {document.file_name}) to {out}")


@click.group()
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
    # The API's body model, so that both read a filing alike; imported here, so that only this command
    # loads Flask and pydantic.
    from suyuan.web.bodies import registry as bodies
    from suyuan.web.bodies.errors import validate

    with edge_errors():
        filing = validate(bodies.ProductFiling, _read_json(path)).filing()
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


@click.group("negative-list")
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


def _read_json(path: Path) -> Any:
    if path.stat().st_size > 1_000_000:
        fail(f"{path} is larger than 1 MB")
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        fail(f"{path} is not valid JSON: {exc}")
