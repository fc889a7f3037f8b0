"""A batch's history as a GS1 EPCIS 2.0 JSON-LD document (``EPCISDocument`` of ``ObjectEvent`` s).

Trading partners and other traceability systems speak EPCIS; this export lets them load a batch's
life without knowing Suyuan. Each critical tracking event (:mod:`suyuan.trace.tracing.events`) becomes
one ObjectEvent, oldest first (docs/trace.md has the full mapping):

====================  ======  ============  =======================  ===================================
event                 action  bizStep       disposition              what
====================  ======  ============  =======================  ===================================
codes_issued          ADD     commissioning active                   quantityList of the lot + ILMD range
entry_received        OBSERVE receiving     sellable_not_accessible  quantityList; entry decl., B/L
quarantine            OBSERVE inspecting    conformant / non_conf.   quantityList
report_reviewed       OBSERVE inspecting    conformant / non_conf.   bizTransaction ``testres``
spot_check_sampled    OBSERVE sampling      —                        quantityList of the sample
spot_check_decided    OBSERVE inspecting    conformant / non_conf.   bizTransaction ``testres``
shipped               OBSERVE shipping      in_transit               epcList of the order's units
returned              OBSERVE receiving     returned                 epcList of the returned units
destroyed             DELETE  destroying    destroyed                quantityList
return_shipped        OBSERVE shipping      in_transit               quantityList
recall_opened         OBSERVE holding       recalled / non_sellable  quantityList (stop-sale: non_sell.)
recall_closed         OBSERVE holding       — / sellable_accessible  quantityList
====================  ======  ============  =======================  ===================================

Identifiers: items and lots use canonical GS1 Digital Link URIs on ``https://id.gs1.org`` (an item
``/01/{gtin}/10/{lot}/21/{serial}``, a lot as the LGTIN-like class ``/01/{gtin}/10/{lot}``): the
same identity as the printed code without its signature, which an EPCIS reader does not need. A
range of codes is never listed unit by unit: commissioning is class-level with the serial range in
the ILMD (``sy:firstSerial``, ``sy:lastSerial``, ``sy:keyId``); only units that left on an order
(or came back) appear by instance, each in the event of its order, so a batch with 100,000 sold
units yields 100,000 EPCs spread over its orders' events. Locations and business documents of
Suyuan's own have HTTPS identifiers under the deployment's base URL (``{site}/id/office/{code}``,
``{site}/id/order/{id}`` ...), stable names rather than pages. Event ids are UUIDv5 of those names,
so the same export twice gives the same ids. CBV 2.0 has no "recalling" business step: a recall is
``holding`` with disposition ``recalled``. Times are UTC with the event place's offset, ``+08:00``.

The document is produced as a stream of JSON text (:func:`epcis_chunks`), event by event, so its size
does not bound memory; :func:`epcis_document` builds the same as one dict for small batches and tests.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote

from sqlalchemy.orm import Session

from suyuan.trace.actors import Actor
from suyuan.trace.codes import CodeId, identity_path
from suyuan.trace.model import Batch
from suyuan.trace.model.types import utcnow
from suyuan.trace.tracing import traceable_batch
from suyuan.trace.tracing.events import EventContext, EventKind, TraceEvent, batch_events, context_of

EPCIS_CONTEXT = "https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld"
GS1_ID = "https://id.gs1.org"
CBV_MDA = "urn:epcglobal:cbv:mda#"
EVENT_TIME_ZONE = "+08:00"
MEDIA_TYPE = "application/ld+json"

# event kind -> (action, bizStep, disposition or None)
MAPPING: dict[EventKind, tuple[str, str, str | None]] = {
    EventKind.CODES_ISSUED: ("ADD", "commissioning", "active"),
    EventKind.ENTRY_RECEIVED: ("OBSERVE", "receiving", "sellable_not_accessible"),
    EventKind.QUARANTINE: ("OBSERVE", "inspecting", None),
    EventKind.REPORT_REVIEWED: ("OBSERVE", "inspecting", None),
    EventKind.SPOT_CHECK_SAMPLED: ("OBSERVE", "sampling", None),
    EventKind.SPOT_CHECK_DECIDED: ("OBSERVE", "inspecting", None),
    EventKind.SHIPPED: ("OBSERVE", "shipping", "in_transit"),
    EventKind.RETURNED: ("OBSERVE", "receiving", "returned"),
    EventKind.DESTROYED: ("DELETE", "destroying", "destroyed"),
    EventKind.RETURN_SHIPPED: ("OBSERVE", "shipping", "in_transit"),
    EventKind.RECALL_OPENED: ("OBSERVE", "holding", "recalled"),
    EventKind.RECALL_CLOSED: ("OBSERVE", "holding", None),
}
CONFORMANT = {"passed": "conformant", "treated": "conformant", "accepted": "conformant"}
NON_CONFORMANT = {"failed": "non_conformant", "rejected": "non_conformant"}


def lot_class(gtin: str, lot: str) -> str:
    """The lot as an EPC class: ``https://id.gs1.org/01/{gtin}/10/{lot}``."""
    return f"{GS1_ID}/01/{gtin}/10/{quote(lot, safe='-._')}"


def item_epc(gtin: str, lot: str, serial: str) -> str:
    """One item: ``https://id.gs1.org/01/{gtin}/10/{lot}/21/{serial}`` (GS1 percent-encoding)."""
    return GS1_ID + identity_path(CodeId(gtin, lot, serial))


def epcis_chunks(
    session: Session, actor: Actor, batch_id: int, site: str, *, now: datetime | None = None
) -> Iterator[str]:
    """The EPCIS document of a batch the actor may trace, as JSON text in pieces (one per event)."""
    batch = traceable_batch(session, actor, batch_id)
    head = json.dumps(_header(batch, site.rstrip("/"), now or utcnow()), ensure_ascii=False)
    yield head[:-1] + ', "epcisBody": {"eventList": ['
    for n, event in enumerate(_events(session, actor, batch, site.rstrip("/"))):
        yield ("," if n else "") + json.dumps(event, ensure_ascii=False)
    yield "]}}"


def epcis_document(
    session: Session, actor: Actor, batch_id: int, site: str, *, now: datetime | None = None
) -> dict[str, Any]:
    """The same document as one dict (for small batches and tests)."""
    batch = traceable_batch(session, actor, batch_id)
    document = _header(batch, site.rstrip("/"), now or utcnow())
    document["epcisBody"] = {"eventList": list(_events(session, actor, batch, site.rstrip("/")))}
    return document


def _header(batch: Batch, site: str, now: datetime) -> dict[str, Any]:
    return {
        "@context": [EPCIS_CONTEXT, {"sy": f"{site}/ns/epcis#", "cbvmda": CBV_MDA}],
        "type": "EPCISDocument",
        "schemaVersion": "2.0",
        "creationDate": _time(now),
        "instanceIdentifier": f"{site}/id/batch/{batch.id}/epcis/{int(now.timestamp())}",
        "sender": f"{site}/id/office/{quote(batch.product.enterprise.office.code, safe='-._')}",
    }


def _events(session: Session, actor: Actor, batch: Batch, site: str) -> Iterator[dict[str, Any]]:
    ctx = context_of(session, batch)
    for event in batch_events(session, actor, batch):
        yield _object_event(ctx, site, event)


def _object_event(ctx: EventContext, site: str, event: TraceEvent) -> dict[str, Any]:
    batch = ctx.batch
    action, biz_step, disposition = MAPPING[event.kind]
    office = f"{site}/id/office/{quote(ctx.office.code, safe='-._')}"
    out: dict[str, Any] = {
        "type": "ObjectEvent",
        "eventTime": _time(event.at),
        "eventTimeZoneOffset": EVENT_TIME_ZONE,
        "eventID": f"urn:uuid:{uuid.uuid5(uuid.NAMESPACE_URL, f'{site}/id/batch/{batch.id}/{event.ref}')}",
        "action": action,
        "bizStep": biz_step,
    }
    if event.serials:
        out["epcList"] = list(dict.fromkeys(item_epc(batch.gtin, batch.lot, s) for s in event.serials))
    else:
        element: dict[str, Any] = {"epcClass": lot_class(batch.gtin, batch.lot)}
        if event.quantity is not None:
            element["quantity"] = event.quantity
        out["quantityList"] = [element]
    chosen = _disposition(event, disposition)
    if chosen:
        out["disposition"] = chosen
    out["readPoint"] = {"id": office}
    out["bizLocation"] = {"id": office}
    transactions = _transactions(site, event)
    if transactions:
        out["bizTransactionList"] = transactions
    if event.kind is EventKind.CODES_ISSUED:
        out["ilmd"] = _ilmd(ctx, event)
    return out


def _disposition(event: TraceEvent, default: str | None) -> str | None:
    if event.kind in (EventKind.QUARANTINE, EventKind.REPORT_REVIEWED, EventKind.SPOT_CHECK_DECIDED):
        return CONFORMANT.get(event.status) or NON_CONFORMANT.get(event.status)
    if event.kind is EventKind.RECALL_OPENED and event.document_type == "stop_sale":
        return "non_sellable_other"
    if event.kind is EventKind.RECALL_CLOSED and event.document_type == "stop_sale":
        return "sellable_accessible"
    return default


def _transactions(site: str, event: TraceEvent) -> list[dict[str, str]]:
    number = quote(event.document_number, safe="-._")
    found: list[dict[str, str]] = []
    if event.order is not None:
        found.append({"type": "po", "bizTransaction": f"{site}/id/order/{event.order.id}"})
        if event.kind is EventKind.SHIPPED and event.order.waybill_no:
            waybill = quote(event.order.waybill_no, safe="-._")
            found.append({"type": "bol", "bizTransaction": f"{site}/id/waybill/{waybill}"})
    kinds = {
        EventKind.CODES_ISSUED: (None, f"{site}/issuances/{number}"),
        EventKind.ENTRY_RECEIVED: (None, f"{site}/id/entry-declaration/{number}"),
        EventKind.REPORT_REVIEWED: ("testres", f"{site}/id/{event.ref.replace(':', '/')}"),
        EventKind.SPOT_CHECK_DECIDED: ("testres", f"{site}/id/spot-check/{number}"),
        EventKind.RETURNED: ("rma", f"{site}/id/return/{number}"),
        EventKind.RECALL_OPENED: (None, f"{site}/id/recall/{number}"),
        EventKind.RECALL_CLOSED: (None, f"{site}/id/recall/{number}"),
    }
    if event.kind in kinds:
        kind, uri = kinds[event.kind]
        found.append({"type": kind, "bizTransaction": uri} if kind else {"bizTransaction": uri})
    return found


def _ilmd(ctx: EventContext, event: TraceEvent) -> dict[str, Any]:
    batch, product = ctx.batch, ctx.batch.product
    ilmd: dict[str, Any] = {
        "cbvmda:lotNumber": batch.lot,
        "cbvmda:countryOfOrigin": product.origin_country,
        "sy:firstSerial": event.first_serial,
        "sy:lastSerial": event.last_serial,
        "sy:keyId": event.key_id,
    }
    if batch.expiry_date is not None:
        ilmd["cbvmda:itemExpirationDate"] = batch.expiry_date.isoformat()
    return ilmd


def _time(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
