"""Entry declarations (入区申报, SZ Art. 13): goods entering the zone, matched against admitted filings.

Malformed input is refused whole (nothing written). Each well-formed line is then matched against the
merchant's own product filings: a line that matches an admitted filing creates its batch (through
:func:`suyuan.trace.batches.register_batch`) and credits the ledger; a line that does not is recorded
as refused with a stable reason (:class:`~suyuan.trace.model.LineRefusal`) and a message. The
declaration is ``accepted``, ``partly_accepted`` or ``refused`` accordingly, and awaits quarantine.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from suyuan.trace import audit, batches, sanctions
from suyuan.trace.actors import Actor
from suyuan.trace.errors import Duplicate, InvalidInput
from suyuan.trace.fields import text
from suyuan.trace.identifiers import normalize_country, normalize_gtin, validate_gs1_text
from suyuan.trace.model import (
    ADMITTED,
    Batch,
    EnterpriseKind,
    EntryDeclaration,
    EntryLine,
    EntryStatus,
    FilingStatus,
    LedgerKind,
    LineRefusal,
    Product,
    QuarantineStatus,
    TradeMode,
)
from suyuan.trace.model.types import utcnow
from suyuan.trace.registry import get_enterprise
from suyuan.trace.remit import remit_of, visible, within_remit
from suyuan.trace.zone import ledger

MAX_LINES = 200


@dataclass(frozen=True)
class EntryLineFiling:
    """One declared lot: product (by GTIN), lot, quantity, dates and supplier."""

    gtin: str
    lot: str
    quantity: int
    supplier_name: str
    supplier_country: str
    production_date: date | None = None
    expiry_date: date | None = None


@dataclass(frozen=True)
class EntryFiling:
    """A consignment: the merchant's reference, the transport document and its lines."""

    reference: str
    lines: tuple[EntryLineFiling, ...]
    transport_doc: str = ""


def declare_entry(
    session: Session, actor: Actor, enterprise_id: int, filing: EntryFiling, *, today: date | None = None
) -> EntryDeclaration:
    """Declare a consignment; matching lines become batches on the ledger, the others say why not."""
    actor.require_merchant("only the merchant declares its own goods")
    enterprise = get_enterprise(session, actor, enterprise_id)
    if enterprise.kind is not EnterpriseKind.MERCHANT:
        raise InvalidInput("only merchants (operating enterprises) declare goods", field="enterprise")
    sanctions.require_trading(enterprise)  # a suspended or revoked filing declares nothing (SZ Art. 30)
    reference = text(filing.reference, "reference", 64, required=True)
    transport_doc = text(filing.transport_doc, "transport_doc", 100)
    lines = _validated_lines(filing.lines)
    if session.scalar(select(EntryDeclaration).filter_by(enterprise_id=enterprise.id, reference=reference)):
        raise Duplicate(f"entry declaration {reference!r} was already made")
    day = today or utcnow().date()
    declaration = EntryDeclaration(
        enterprise_id=enterprise.id,
        office_id=enterprise.office_id,
        reference=reference,
        transport_doc=transport_doc,
        status=EntryStatus.REFUSED,
        declared_at=utcnow(),
        declared_by=actor.label,
        lines=[_matched(session, enterprise.id, n, line, day) for n, line in enumerate(lines, start=1)],
    )
    _refuse_repeated_lots(declaration.lines)
    session.add(declaration)
    session.flush()
    for line in declaration.lines:
        if line.refusal is None:
            _admit_line(session, actor, declaration, line)
    _settle_status(declaration)
    audit.record(
        session,
        actor=actor.label,
        action=f"entry.{declaration.status.value}",
        subject=f"entry:{declaration.id}",
        payload={
            "reference": reference,
            "lines": [
                {"line": ln.line_no, "gtin": ln.gtin, "lot": ln.lot, "quantity": ln.quantity}
                | ({"batch": ln.batch_id} if ln.batch_id else {"refusal": ln.refusal})
                for ln in declaration.lines
            ],
        },
    )
    return declaration


def _validated_lines(lines: tuple[EntryLineFiling, ...]) -> list[EntryLineFiling]:
    if not 1 <= len(lines) <= MAX_LINES:
        raise InvalidInput(f"a declaration has 1-{MAX_LINES} lines", field="lines")
    out = []
    for n, line in enumerate(lines, start=1):
        where = f"line {n}"
        if not isinstance(line.quantity, int) or not 1 <= line.quantity <= batches.MAX_BATCH_QUANTITY:
            raise InvalidInput(
                f"{where}: quantity must be 1-{batches.MAX_BATCH_QUANTITY:,}", field="quantity"
            )
        if line.production_date and line.expiry_date and line.expiry_date <= line.production_date:
            raise InvalidInput(f"{where}: expiry_date must be after production_date", field="expiry_date")
        try:
            out.append(
                EntryLineFiling(
                    gtin=normalize_gtin(line.gtin),
                    lot=validate_gs1_text(line.lot, "lot"),
                    quantity=line.quantity,
                    supplier_name=text(line.supplier_name, "supplier_name", 200, required=True),
                    supplier_country=normalize_country(line.supplier_country, "supplier_country"),
                    production_date=line.production_date,
                    expiry_date=line.expiry_date,
                )
            )
        except InvalidInput as exc:
            raise type(exc)(f"{where}: {exc.message}", field=exc.field) from None
    return out


def _matched(
    session: Session, enterprise_id: int, line_no: int, line: EntryLineFiling, day: date
) -> EntryLine:
    """Match one line against the merchant's own filings (SZ Art. 13) and say why if it fails."""
    product = session.scalar(select(Product).filter_by(enterprise_id=enterprise_id, gtin=line.gtin))
    refusal, message = _refusal(session, product, line, day)
    return EntryLine(
        line_no=line_no,
        gtin=line.gtin,
        lot=line.lot,
        quantity=line.quantity,
        production_date=line.production_date,
        expiry_date=line.expiry_date,
        supplier_name=line.supplier_name,
        supplier_country=line.supplier_country,
        product_id=product.id if product else None,
        refusal=refusal,
        refusal_message=message,
    )


def _refusal(
    session: Session, product: Product | None, line: EntryLineFiling, day: date
) -> tuple[LineRefusal | None, str | None]:
    if product is None:
        return LineRefusal.NOT_FILED, f"GTIN {line.gtin} is not among this merchant's product filings"
    if product.admission_status not in ADMITTED:
        return LineRefusal.NOT_ADMITTED, f"product {product.id} is {product.admission_status}, not admitted"
    if product.sanction_status is not FilingStatus.FILED:
        return LineRefusal.SANCTIONED, f"the admission of product {product.id} is {product.sanction_status}"
    if product.trade_mode is TradeMode.DIRECT_MAIL:
        return LineRefusal.DIRECT_MAIL, f"product {product.id} is filed for direct mail (9610), not bonded"
    supplier = product.supplier
    if (supplier.name.casefold(), supplier.country) != (line.supplier_name.casefold(), line.supplier_country):
        return (
            LineRefusal.SUPPLIER_MISMATCH,
            f"the filing names supplier {supplier.name} ({supplier.country}), "
            f"not {line.supplier_name} ({line.supplier_country})",
        )
    if line.expiry_date is not None and line.expiry_date <= day:
        return LineRefusal.EXPIRED, f"the goods expired on {line.expiry_date.isoformat()}"
    if session.scalar(select(Batch.id).filter_by(gtin=line.gtin, lot=line.lot)) is not None:
        return LineRefusal.LOT_EXISTS, f"lot {line.lot} of GTIN {line.gtin} has already entered"
    return None, None


def _refuse_repeated_lots(lines: list[EntryLine]) -> None:
    seen: set[tuple[str, str]] = set()
    for line in lines:
        key = (line.gtin, line.lot)
        if key in seen and line.refusal is None:
            line.refusal = LineRefusal.DUPLICATE_LINE
            line.refusal_message = f"lot {line.lot} of GTIN {line.gtin} appears twice in this declaration"
        seen.add(key)


def _admit_line(session: Session, actor: Actor, declaration: EntryDeclaration, line: EntryLine) -> None:
    assert line.product_id is not None
    batch = batches.register_batch(
        session,
        actor,
        line.product_id,
        lot=line.lot,
        quantity=line.quantity,
        production_date=line.production_date,
        expiry_date=line.expiry_date,
    )
    line.batch_id = batch.id
    batch.bonded = True  # entered under supervision (R33): on the ledger, through the release gate
    batch.warehouse_id = declaration.warehouse_id
    ledger.post(
        session,
        batch_id=batch.id,
        kind=LedgerKind.ENTRY,
        quantity=line.quantity,
        source=f"entry:{declaration.id}",
        posted_by=actor.label,
    )


def _settle_status(declaration: EntryDeclaration) -> None:
    accepted = sum(1 for line in declaration.lines if line.refusal is None)
    if accepted == len(declaration.lines):
        declaration.status = EntryStatus.ACCEPTED
    elif accepted:
        declaration.status = EntryStatus.PARTLY_ACCEPTED
    else:
        declaration.status = EntryStatus.REFUSED
    declaration.quarantine_status = QuarantineStatus.PENDING if accepted else QuarantineStatus.NOT_APPLICABLE


def get_entry(session: Session, actor: Actor, declaration_id: int) -> EntryDeclaration:
    """An entry declaration within the actor's remit; others answer ``NotFound`` like an unknown id."""
    return visible(session, actor, EntryDeclaration, declaration_id)


def list_entries(session: Session, actor: Actor, *, limit: int = 200) -> list[EntryDeclaration]:
    """Entry declarations within the actor's remit, newest first."""
    stmt = select(EntryDeclaration).order_by(EntryDeclaration.id.desc()).limit(limit)
    return list(session.scalars(within_remit(stmt, remit_of(session, actor), EntryDeclaration)))


def entry_line_of(session: Session, batch_id: int) -> EntryLine | None:
    """The entry line that brought a batch into the zone (None for directly registered batches)."""
    return session.scalar(select(EntryLine).filter_by(batch_id=batch_id))
