"""Trace to the batch: the use cases that assemble a :class:`~suyuan.trace.tracing.document.TraceDocument`.

An officer holding a complaint (or a merchant holding a question about its own lot) needs, at once,
everything the platform knows about the batch behind it (issue 7, part 3): the product filing and its
admission, the supplier, the batch with its entry declaration, quarantine, reports, spot checks and
recalls, the codes issued as serial ranges with their counts, the orders the units left on, the scans
of its codes, and the other complaints about the same batch. Each part is one or two aggregate
statements, so a batch with a million scans or 100,000 sold units costs the same few queries.

Who may trace what (docs/trace.md):

* a regulator traces any batch of its office's remit, and any complaint it may see (its office's and
  the unassigned ones; a complaint lends its batch, which lies in the same remit);
* a merchant traces its own batches and the complaints about its own goods, but sees a batch's spot
  checks only once decided (a planned check stays unannounced);
* anyone else gets :class:`~suyuan.trace.errors.NotFound`, as for a batch that does not exist.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from suyuan.trace import complaints as complaint_service
from suyuan.trace.actors import Actor
from suyuan.trace.issuance import issuances_of
from suyuan.trace.model import (
    Batch,
    BatchReport,
    Complaint,
    Enterprise,
    ExitDeclaration,
    ExitLine,
    ExitStatus,
    LedgerEntry,
    LedgerKind,
    Product,
    Recall,
    SoldCode,
    SoldStatus,
    SpotCheck,
)
from suyuan.trace.model.types import utcnow
from suyuan.trace.remit import remit_of, visible, within_remit
from suyuan.trace.tracing.document import (
    MAX_COMPLAINTS,
    BatchInfo,
    CodesSummary,
    ComplaintInfo,
    ComplaintRow,
    ComplaintsPage,
    EntryInfo,
    IssuanceRange,
    LedgerTotals,
    MerchantInfo,
    OrderRow,
    OrdersPage,
    ProductInfo,
    QuarantineInfo,
    RecallInfo,
    ReportInfo,
    SpotCheckInfo,
    SupplierInfo,
    TraceDocument,
    TraceOptions,
)
from suyuan.trace.tracing.scans import summarise_scans
from suyuan.trace.zone.entry import entry_line_of

# --- the use cases --------------------------------------------------------------------------------


def traceable_batch(session: Session, actor: Actor, batch_id: int) -> Batch:
    """The batch if the actor may trace it (within its remit: its office's regulator, its merchant);
    else ``NotFound``."""
    return visible(session, actor, Batch, batch_id)


def trace_batch(
    session: Session,
    actor: Actor,
    batch_id: int,
    options: TraceOptions | None = None,
    *,
    now: datetime | None = None,
) -> TraceDocument:
    """The trace of one batch, for its office's regulators and its own merchant."""
    batch = traceable_batch(session, actor, batch_id)
    return _batch_document(session, actor, batch, options or TraceOptions(), "batch", None, now)


def trace_complaint(
    session: Session,
    actor: Actor,
    complaint_id: int,
    options: TraceOptions | None = None,
    *,
    now: datetime | None = None,
) -> TraceDocument:
    """The trace behind a complaint: its batch's whole trace, or only the product its GTIN names.

    Whoever may see the complaint may trace it (:func:`suyuan.trace.complaints.get_complaint`): the
    office it was routed to (or every office, for a code that matched nothing) and the merchant whose
    goods it is about. The other complaints on the batch leave this one out.
    """
    complaint = complaint_service.get_complaint(session, actor, complaint_id)
    info = _complaint_info(complaint)
    if complaint.batch is not None:
        return _batch_document(
            session, actor, complaint.batch, options or TraceOptions(), "complaint", info, now
        )
    product = _product_by_gtin(session, actor, complaint.gtin)
    return TraceDocument(
        subject="complaint",
        generated_at=now or utcnow(),
        complaint=info,
        product=_product_info(product) if product else None,
        supplier=_supplier_info(product) if product else None,
    )


# --- assembling -----------------------------------------------------------------------------------


def _batch_document(
    session: Session,
    actor: Actor,
    batch: Batch,
    options: TraceOptions,
    subject: str,
    complaint: ComplaintInfo | None,
    now: datetime | None,
) -> TraceDocument:
    product = batch.product
    return TraceDocument(
        subject=subject,
        generated_at=now or utcnow(),
        complaint=complaint,
        product=_product_info(product),
        supplier=SupplierInfo(batch.supplier.id, batch.supplier.name, batch.supplier.country),
        merchant=_merchant_info(product.enterprise),
        batch=_batch_info(batch),
        entry=_entry_info(session, batch),
        reports=_reports(session, batch),
        spot_checks=_spot_checks(session, actor, batch),
        recalls=_recalls(session, batch),
        ledger=_ledger(session, batch),
        codes=_codes(session, batch),
        orders=_orders(session, batch, options),
        scans=summarise_scans(session, batch, top=options.top, days=options.days, now=now),
        complaints=_complaints(session, batch, exclude=complaint.id if complaint else None),
    )


def traceability_lot_code(gtin: str, lot: str) -> str:
    """The lot's traceability lot code as a GS1 element string, e.g. ``(01)09421234500010(10)L1``."""
    return f"(01){gtin}(10){lot}"


def _product_info(product: Product) -> ProductInfo:
    return ProductInfo(
        id=product.id,
        gtin=product.gtin,
        name=product.name,
        name_en=product.name_en,
        brand=product.brand,
        hs_code=product.hs_code,
        category=product.category.value,
        manufacturer=product.manufacturer,
        origin_country=product.origin_country,
        risk_class=product.risk_class,
        admission_status=product.admission_status.value,
    )


def _supplier_info(product: Product) -> SupplierInfo:
    return SupplierInfo(product.supplier.id, product.supplier.name, product.supplier.country)


def _merchant_info(enterprise: Enterprise) -> MerchantInfo:
    return MerchantInfo(
        enterprise.id,
        enterprise.name,
        enterprise.name_en,
        enterprise.uscc,
        enterprise.credit_grade,
        enterprise.office_id,
    )


def _batch_info(batch: Batch) -> BatchInfo:
    return BatchInfo(
        id=batch.id,
        gtin=batch.gtin,
        lot=batch.lot,
        traceability_lot_code=traceability_lot_code(batch.gtin, batch.lot),
        status=batch.status.value,
        quantity=batch.quantity,
        production_date=batch.production_date,
        expiry_date=batch.expiry_date,
        created_at=batch.created_at,
    )


def _entry_info(session: Session, batch: Batch) -> EntryInfo | None:
    line = entry_line_of(session, batch.id)
    if line is None:
        return None
    declaration = line.declaration
    return EntryInfo(
        declaration_id=declaration.id,
        reference=declaration.reference,
        transport_doc=declaration.transport_doc,
        status=declaration.status.value,
        declared_at=declaration.declared_at,
        declared_quantity=line.quantity,
        quarantine_status=declaration.quarantine_status.value,
        quarantine=[
            QuarantineInfo(r.scope.value, r.outcome.value, r.treatment, r.recorded_at)
            for r in declaration.quarantine_results
        ],
    )


def _reports(session: Session, batch: Batch) -> list[ReportInfo]:
    rows = session.scalars(select(BatchReport).filter_by(batch_id=batch.id).order_by(BatchReport.id))
    return [
        ReportInfo(
            r.id,
            r.kind.value,
            r.number,
            r.issuer,
            r.issued_on,
            r.valid_until,
            r.sha256,
            r.status.value,
            r.submitted_at,
            r.reviewed_at,
        )
        for r in rows
    ]


def _spot_checks(session: Session, actor: Actor, batch: Batch) -> list[SpotCheckInfo]:
    """The batch's spot checks the actor may see (a merchant only the decided ones)."""
    stmt = select(SpotCheck).filter_by(batch_id=batch.id).order_by(SpotCheck.id)
    return [
        SpotCheckInfo(
            c.id,
            c.status.value,
            c.channel.value if c.channel else None,
            c.sample_quantity,
            c.lab,
            list(c.failed_items or []),
            c.planned_at,
            c.sampled_at,
            c.decided_at,
            c.recall_id,
        )
        for c in session.scalars(within_remit(stmt, remit_of(session, actor), SpotCheck))
    ]


def _recalls(session: Session, batch: Batch) -> list[RecallInfo]:
    rows = session.scalars(select(Recall).filter_by(batch_id=batch.id).order_by(Recall.id))
    return [
        RecallInfo(
            r.id,
            r.kind.value,
            r.scope.value,
            r.status.value,
            r.voluntary,
            r.reason,
            r.instructions,
            r.affected_units,
            r.affected_orders,
            r.opened_at,
            r.closed_at,
        )
        for r in rows
    ]


def _ledger(session: Session, batch: Batch) -> LedgerTotals:
    totals = {
        LedgerKind(kind): int(total)
        for kind, total in session.execute(
            select(LedgerEntry.kind, func.sum(LedgerEntry.quantity))
            .where(LedgerEntry.batch_id == batch.id)
            .group_by(LedgerEntry.kind)
        )
    }

    def moved(kind: LedgerKind) -> int:
        return abs(totals.get(kind, 0))

    return LedgerTotals(
        on_ledger=LedgerKind.ENTRY in totals,
        entered=moved(LedgerKind.ENTRY),
        written_off=moved(LedgerKind.WRITE_OFF),
        returned_in=moved(LedgerKind.CONSUMER_RETURN),
        returned_out=moved(LedgerKind.RETURN_SHIPMENT),
        destroyed=moved(LedgerKind.DESTRUCTION),
        sampled=moved(LedgerKind.SAMPLE),
        in_zone=sum(totals.values()),
    )


def _codes(session: Session, batch: Batch) -> CodesSummary:
    ranges = [
        IssuanceRange(i.id, i.first_serial, i.last_serial, i.count, i.kid, i.created_at)
        for i in issuances_of(session, batch.id)
    ]
    by_status = {
        SoldStatus(status): int(n)
        for status, n in session.execute(
            select(SoldCode.status, func.count())
            .where(SoldCode.batch_id == batch.id)
            .group_by(SoldCode.status)
        )
    }
    issued = sum(r.count for r in ranges)
    sold = by_status.get(SoldStatus.SOLD, 0)
    return CodesSummary(issued, sold, by_status.get(SoldStatus.RETURNED, 0), issued - sold, ranges)


def _orders(session: Session, batch: Batch, options: TraceOptions) -> OrdersPage:
    """Orders with a line of this batch: totals in one aggregate, then one page, newest first."""
    line = select(ExitLine.declaration_id, ExitLine.quantity).where(ExitLine.batch_id == batch.id).subquery()
    shipped = ExitDeclaration.status == ExitStatus.WRITTEN_OFF
    total, orders_shipped, units = session.execute(
        select(
            func.count(),
            func.coalesce(func.sum(case((shipped, 1), else_=0)), 0),
            func.coalesce(func.sum(case((shipped, line.c.quantity), else_=0)), 0),
        ).join_from(line, ExitDeclaration, ExitDeclaration.id == line.c.declaration_id)
    ).one()
    rows = session.execute(
        select(ExitDeclaration, line.c.quantity)
        .join(line, line.c.declaration_id == ExitDeclaration.id)
        .order_by(ExitDeclaration.id.desc())  # ids grow with declaration time: newest first
        .offset(options.orders_offset)
        .limit(options.orders_limit)
    ).all()
    items = [
        OrderRow(
            d.id,
            d.order_no,
            d.platform,
            d.waybill_no,
            d.buyer_name_masked,
            d.declared_at,
            d.written_off_at,
            int(quantity),
            d.status.value,
        )
        for d, quantity in rows
    ]
    end = options.orders_offset + len(items)
    return OrdersPage(
        total=int(total),
        shipped=int(orders_shipped),
        units_shipped=int(units),
        offset=options.orders_offset,
        limit=options.orders_limit,
        items=items,
        next_offset=end if end < int(total) and items else None,
    )


def _complaints(session: Session, batch: Batch, *, exclude: int | None) -> ComplaintsPage:
    where = [Complaint.batch_id == batch.id]
    if exclude is not None:
        where.append(Complaint.id != exclude)
    total = int(session.scalar(select(func.count()).select_from(Complaint).where(*where)) or 0)
    rows = session.execute(
        select(
            Complaint.id,
            Complaint.reference,
            Complaint.category,
            Complaint.status,
            Complaint.serial,
            Complaint.created_at,
        )
        .where(*where)
        .order_by(Complaint.created_at.desc(), Complaint.id.desc())
        .limit(MAX_COMPLAINTS)
    )
    items = [
        ComplaintRow(i, ref, category.value, status.value, serial, created)
        for i, ref, category, status, serial, created in rows
    ]
    return ComplaintsPage(total, items)


def _complaint_info(complaint: Complaint) -> ComplaintInfo:
    return ComplaintInfo(
        id=complaint.id,
        reference=complaint.reference,
        category=complaint.category.value,
        status=complaint.status.value,
        verdict=complaint.verdict,
        gtin=complaint.gtin,
        lot=complaint.lot,
        serial=complaint.serial,
        region=complaint.region,
        text=complaint.text,
        created_at=complaint.created_at,
        batch_id=complaint.batch_id,
    )


def _product_by_gtin(session: Session, actor: Actor, gtin: str) -> Product | None:
    """The oldest filing of the complaint's GTIN within the actor's remit (another remit's filing is
    not the actor's to see, even behind a complaint every office sees)."""
    if not gtin:
        return None
    stmt = select(Product).filter_by(gtin=gtin).order_by(Product.id).limit(1)
    return session.scalar(within_remit(stmt, remit_of(session, actor), Product))
