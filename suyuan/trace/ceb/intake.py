"""Receiving a CEB message: the one entry point (:func:`receive`) that the API and the CLI call.

Every message is kept (``ceb_message``: the SHA-256 of its bytes, a redacted copy, the answer) and every
receipt too (``ceb_receipt``). Receiving is idempotent on the message guid: the same bytes again get the
very same receipt and write nothing; the same guid with other content is refused (CEB900, -3). A message
that cannot be read (too large, malformed, a DOCTYPE, a wrong namespace, an unknown type, a broken
envelope, schema-invalid) is answered with a CEB900 format receipt and only its refusal is kept. A
readable message is answered per document (:mod:`~suyuan.trace.ceb.documents`,
:mod:`~suyuan.trace.ceb.refunds`, :mod:`~suyuan.trace.ceb.customs`); a rejected document leaves only
its receipt. All of it happens in the caller's unit of work, with one audit entry per message.
"""

from __future__ import annotations

import functools
from datetime import datetime
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.orm import Session
from sqlalchemy.sql.dml import ReturningInsert

from suyuan.trace import audit
from suyuan.trace.actors import Actor
from suyuan.trace.ceb import customs, documents, receipts, refunds
from suyuan.trace.ceb.context import Answer, Context
from suyuan.trace.ceb.parsing import (
    DATA_TYPES,
    UNKNOWN,
    Envelope,
    MessageRefused,
    Refusal,
    children,
    digest,
    read_message,
    redacted_copy,
)
from suyuan.trace.ceb.receipts import Receipt, ReturnEntry
from suyuan.trace.db import insert_or_skip
from suyuan.trace.errors import Duplicate, PermissionDenied
from suyuan.trace.model.ceb import CebMessage, CebReceipt
from suyuan.trace.model.types import utcnow
from suyuan.trace.zone.rules import ZoneRules


def receive(
    session: Session,
    actor: Actor,
    raw: bytes,
    *,
    secret: str,
    rules: ZoneRules | None = None,
    now: datetime | None = None,
) -> Receipt:
    """Take one CEB message (bytes as received) and answer it with its receipt.

    ``secret`` keys the buyer and address hashes (``Settings.secret_key``). Raises only
    ``PermissionDenied`` (the actor sends no messages) and ``Duplicate`` (the same guid is being
    received concurrently; send it again for its receipt); every problem with the message itself is
    in the receipt (``Receipt.refused``).
    """
    if not (actor.operator or (actor.is_merchant and actor.enterprise_id is not None)):
        raise PermissionDenied("only enterprise staff send customs messages")
    moment = now or utcnow()
    try:
        envelope = read_message(raw)
    except MessageRefused as exc:
        return _refuse(session, actor, exc, digest(raw), len(raw), moment)
    message_id = _message(session, actor, envelope, moment)
    if message_id is None:
        return _again(session, actor, envelope, moment)
    ctx = Context(session, actor, secret, rules or ZoneRules(), moment, message_id, envelope)
    return _answered(ctx, _answers(ctx))


def _message(session: Session, actor: Actor, envelope: Envelope, moment: datetime) -> int | None:
    """Keep the message (answer still empty); ``None`` if its guid was received before.

    One statement claims the guid: an insert that does nothing when the guid is taken. On
    PostgreSQL an insert racing another transaction's uncommitted one waits for it, so a message
    sent twice at once is processed once and the second copy finds the first's answer.
    """
    values = {
        "guid": envelope.guid,
        "dedupe_key": envelope.guid,
        "message_type": envelope.message_type,
        "transport": envelope.transport,
        "sha256": envelope.sha256,
        "size": envelope.size,
        "body": redacted_copy(envelope.root),
        "status": 0,
        "reason": "",
        "entries": [],
        "answer": "",
        "received_at": moment,
        "received_by": actor.label,
    }
    return session.connection().execute(_claim(session.get_bind().dialect.name), values).scalar()


@functools.cache
def _claim(dialect: str) -> ReturningInsert[Any]:
    """The guid-claiming insert, built once per dialect (parameters bound at execution)."""
    return insert_or_skip(dialect, CebMessage, "dedupe_key").returning(CebMessage.id)


def _again(session: Session, actor: Actor, envelope: Envelope, moment: datetime) -> Receipt:
    """A guid received before: the same bytes get the very same receipt, other content is refused."""
    earlier = session.scalar(select(CebMessage).where(CebMessage.dedupe_key == envelope.guid))
    if earlier is None:  # the other copy was rolled back between our insert and this read
        raise Duplicate(f"message {envelope.guid} is being received right now; send it again")
    if earlier.sha256 == envelope.sha256:
        return replay(earlier)
    refusal = MessageRefused(
        Refusal.GUID_REUSED,
        f"guid {envelope.guid} was already received with other content",
        envelope.message_type,
    )
    return _refuse(session, actor, refusal, envelope.sha256, envelope.size, moment, envelope.guid)


def _answers(ctx: Context) -> list[Answer]:
    message_type = ctx.envelope.message_type
    if message_type in documents.HANDLERS:
        return documents.handle(ctx)
    if message_type == "CEB625Message":
        return [refunds.handle_refund(ctx, e) for e in children(ctx.envelope.root, "InvtRefund")]
    return customs.handle(ctx)


def _answered(ctx: Context, answers: list[Answer]) -> Receipt:
    envelope = ctx.envelope
    entries = [answer.entry for answer in answers]
    if envelope.message_type in DATA_TYPES:
        receipt_type = receipts.RECEIPT_OF[envelope.message_type][0]
        xml = receipts.render(envelope.message_type, entries, ctx.moment)
        rows = [
            _receipt_row(
                ctx.message_id,
                receipt_type,
                answer,
                xml
                if len(answers) == 1
                else receipts.render(envelope.message_type, [answer.entry], ctx.moment),
                ctx.moment,
            )
            for answer in answers
        ]
        if rows:
            ctx.session.connection().execute(insert(CebReceipt), rows)
    else:
        receipt_type, xml = envelope.message_type, redacted_copy(envelope.root)  # customs' own receipt, kept
    refused = [entry for entry in entries if entry.refused]
    ctx.session.connection().execute(
        update(CebMessage)
        .where(CebMessage.id == ctx.message_id)
        .values(
            status=min((e.status for e in refused), default=entries[0].status if entries else 0),
            reason=refused[0].reason if refused else "",
            entries=[_entry_json(entry) for entry in entries],
            answer=xml,
        )
    )
    audit.record(
        ctx.session,
        actor=ctx.actor.label,
        action="ceb.received",
        subject=f"ceb_message:{ctx.message_id}",
        payload={
            "type": envelope.message_type,
            "guid": envelope.guid,
            "sha256": envelope.sha256,
            "statuses": [entry.status for entry in entries],
        },
    )
    return Receipt(receipt_type, _guid_of(xml, envelope.guid), tuple(entries), xml, ctx.message_id)


def _receipt_row(
    message_id: int, receipt_type: str, answer: Answer, xml: str, moment: datetime
) -> dict[str, object]:
    entry = answer.entry
    return {
        "message_id": message_id,
        "receipt_type": receipt_type,
        "subject": answer.subject,
        "entity_guid": entry.key("guid")[:36],
        "order_no": (entry.key("orderNo") or "")[:60],
        "status": entry.status,
        "reason": entry.reason,
        "info": entry.info[:1000],
        "xml": xml,
        "merchant_id": answer.merchant_id,
        "platform_id": answer.platform_id,
        "office_id": answer.office_id,
        "issued_at": moment,
    }


def _refuse(
    session: Session,
    actor: Actor,
    refusal: MessageRefused,
    sha256: str,
    size: int,
    moment: datetime,
    guid: str | None = None,
) -> Receipt:
    """Keep the refusal of an unreadable message and answer it with a CEB900 format receipt."""
    status = {
        Refusal.SCHEMA_INVALID: receipts.SCHEMA_ERROR,
        Refusal.GUID_REUSED: receipts.GUID_CONFLICT,
    }.get(refusal.reason, receipts.FORMAT_ERROR)
    info = f"[{refusal.reason}] {refusal.message}"
    xml = receipts.render_format(status, info, refusal.message_type, moment)
    entry = ReturnEntry(status, info[:1000], refusal.reason)
    message = CebMessage(
        guid=guid,
        dedupe_key=None,
        message_type=refusal.message_type or UNKNOWN,
        sha256=sha256,
        size=size,
        body=None,
        status=status,
        reason=refusal.reason,
        entries=[_entry_json(entry)],
        answer=xml,
        received_at=moment,
        received_by=actor.label,
    )
    session.add(message)
    session.flush()
    audit.record(
        session,
        actor=actor.label,
        action="ceb.refused",
        subject=f"ceb_message:{message.id}",
        payload={"type": message.message_type, "reason": refusal.reason, "sha256": sha256},
    )
    return Receipt(receipts.FORMAT_RECEIPT, _guid_of(xml, ""), (entry,), xml, message.id)


def replay(message: CebMessage) -> Receipt:
    """The receipt a stored message was answered with, exactly as it was."""
    entries = tuple(
        ReturnEntry(
            e["status"], e["info"], e["reason"], tuple((k, v) for k, v in e["keys"]), e.get("recorded", False)
        )
        for e in message.entries
    )
    if message.message_type in receipts.RECEIPT_OF and message.dedupe_key is not None:
        receipt_type = receipts.RECEIPT_OF[message.message_type][0]
    elif message.dedupe_key is None:
        receipt_type = receipts.FORMAT_RECEIPT
    else:
        receipt_type = message.message_type
    return Receipt(
        receipt_type, _guid_of(message.answer, message.guid or ""), entries, message.answer, message.id
    )


def _entry_json(entry: ReturnEntry) -> dict[str, object]:
    return {
        "status": entry.status,
        "info": entry.info,
        "reason": entry.reason,
        "keys": [list(pair) for pair in entry.keys],
        "recorded": entry.recorded,
    }


def _guid_of(xml: str, fallback: str) -> str:
    marker = 'guid="'
    start = xml.find(marker)
    return xml[start + len(marker) : start + len(marker) + 36] if start >= 0 else fallback
