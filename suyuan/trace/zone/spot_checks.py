"""Supervisory spot checks (监督抽检, SZ Art. 20-21; G15 §2(2)): risk-based draws, samples, lab results.

Sampling rate of a batch (docs/zone.md):

    rate = min(1, BASE_RATE[product risk class] × GRADE_FACTOR[merchant credit grade])

with base rates 20 % for key supervision (class 2) and 5 % for general supervision (class 3), and grade
factors A 0.5, B 1, C 2, D 4. Goods on the key-supervision list or outside the office's positive list
count as class 2, and so do the goods of an enterprise under strict inspection
(:func:`suyuan.trace.rectification.strict_inspection`); a risk warning under tightened control
multiplies the rate (:func:`batch_rate`).
A draw is reproducible and unpredictable without its seed: batch ``b`` is
selected when ``HMAC-SHA256(seed, "b")`` read as a fraction of 2^64 is below its rate.

A failed lab result blocks the batch's exit and recalls the units already sold
(:func:`suyuan.trace.recalls.block_exit`), and counts against the merchant's credit.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from suyuan.trace import audit, recalls, rectification, risk_warnings, supervision_lists
from suyuan.trace.actors import Actor
from suyuan.trace.batches import get_batch
from suyuan.trace.errors import InvalidInput, InvalidState
from suyuan.trace.fields import choice, sha256_hex, text
from suyuan.trace.model import (
    Batch,
    BatchStatus,
    CreditEventKind,
    Enterprise,
    LedgerEntry,
    LedgerKind,
    Product,
    RiskClass,
    SampleChannel,
    SpotCheck,
    SpotCheckStatus,
)
from suyuan.trace.model.types import utcnow
from suyuan.trace.remit import remit_of, visible, within_remit
from suyuan.trace.zone import credit, ledger

BASE_RATE: dict[int, float] = {RiskClass.KEY_SUPERVISION: 0.20, RiskClass.GENERAL_SUPERVISION: 0.05}
GRADE_FACTOR: dict[str, float] = {"A": 0.5, "B": 1.0, "C": 2.0, "D": 4.0}
OPEN_STATUSES = (SpotCheckStatus.PLANNED, SpotCheckStatus.SAMPLED)
MAX_OFFLINE_SAMPLE = 100


def sampling_rate(risk_class: int | None, grade: str) -> float:
    """The probability that a draw selects a batch; unknown risk class counts as key supervision."""
    base = BASE_RATE.get(risk_class or RiskClass.KEY_SUPERVISION, BASE_RATE[RiskClass.KEY_SUPERVISION])
    return min(1.0, base * GRADE_FACTOR.get(grade, GRADE_FACTOR["D"]))


def batch_rate(session: Session, batch: Batch, grade: str) -> float:
    """A batch's rate in a draw: its effective class (key-supervision and positive lists; class 2 for an
    enterprise under strict inspection, R52), its merchant's grade, and the sampling factor of tightened
    control from a covering risk warning (R14-R16)."""
    risk_class = supervision_lists.effective_risk_class(session, batch.product)
    if rectification.strict_inspection(session, batch.product.enterprise_id).applies:
        risk_class = RiskClass.KEY_SUPERVISION  # a repeat offender's goods are drawn as key supervision
    factor = risk_warnings.tightened_control(session, batch).sampling_factor
    return min(1.0, sampling_rate(risk_class, grade) * factor)


def draw_fraction(seed: str, batch_id: int) -> float:
    """A uniform number in [0, 1) fixed by the seed and the batch, so a draw can be re-checked."""
    digest = hmac.new(seed.encode("utf-8"), str(batch_id).encode("ascii"), hashlib.sha256).digest()
    return int.from_bytes(digest[:8], "big") / 2**64


def draw_spot_checks(
    session: Session, actor: Actor, *, seed: str | None = None, now: datetime | None = None
) -> list[SpotCheck]:
    """Draw this round's spot checks among the office's batches with goods in the zone.

    Candidates: batches on the ledger, in the zone or released, with units in the zone and no open
    check. Without a seed a random one is made; it is stored on each planned check.
    """
    actor.require_regulator()
    seed = text(seed, "seed", 64) or secrets.token_hex(16)
    planned = []
    for batch, grade in _candidates(session, actor):
        rate = batch_rate(session, batch, grade)
        if draw_fraction(seed, batch.id) < rate:
            planned.append(_plan(session, actor, batch, rate=rate, draw=seed, now=now))
    return planned


def _candidates(session: Session, actor: Actor) -> list[tuple[Batch, str]]:
    open_check = select(SpotCheck.batch_id).where(SpotCheck.status.in_(OPEN_STATUSES))
    on_ledger = select(LedgerEntry.batch_id).where(LedgerEntry.kind == LedgerKind.ENTRY)
    stmt = (
        select(Batch, Enterprise.credit_grade)
        .join(Product, Product.id == Batch.product_id)
        .join(Enterprise, Enterprise.id == Product.enterprise_id)
        .where(
            Batch.status.in_((BatchStatus.IN_ZONE, BatchStatus.RELEASED)),
            Batch.id.in_(on_ledger),
            Batch.id.not_in(open_check),
        )
        .order_by(Batch.id)
    )
    rows = session.execute(within_remit(stmt, remit_of(session, actor), Batch)).all()
    return [(batch, grade) for batch, grade in rows if ledger.balance(session, batch.id) > 0]


def open_spot_check(
    session: Session, actor: Actor, batch_id: int, *, note: str = "", now: datetime | None = None
) -> SpotCheck:
    """An officer plans a check of one batch outside the draw (e.g. on a complaint)."""
    actor.require_regulator()
    batch = get_batch(session, actor, batch_id)
    if session.scalar(
        select(SpotCheck.id).where(SpotCheck.batch_id == batch.id, SpotCheck.status.in_(OPEN_STATUSES))
    ):
        raise InvalidState(f"batch {batch.id} already has an open spot check")
    return _plan(session, actor, batch, rate=None, draw="", now=now, note=text(note, "note", 2000))


def _plan(
    session: Session,
    actor: Actor,
    batch: Batch,
    *,
    rate: float | None,
    draw: str,
    now: datetime | None,
    note: str = "",
) -> SpotCheck:
    check = SpotCheck(
        batch_id=batch.id,
        office_id=batch.product.enterprise.office_id,
        status=SpotCheckStatus.PLANNED,
        rate=rate,
        draw=draw,
        note=note,
        failed_items=[],
        planned_at=now or utcnow(),
        planned_by=actor.label,
    )
    session.add(check)
    session.flush()
    audit.record(
        session,
        actor=actor.label,
        action="spot_check.planned",
        subject=f"batch:{batch.id}",
        payload={"spot_check": check.id, "rate": rate, "draw": draw},
    )
    return check


def record_sample(
    session: Session,
    actor: Actor,
    spot_check_id: int,
    *,
    channel: str,
    quantity: int = 1,
    order_ref: str = "",
    now: datetime | None = None,
) -> SpotCheck:
    """Samples taken: offline units leave the ledger as ``sample``; online ones name the order."""
    actor.require_regulator()
    check = get_spot_check(session, actor, spot_check_id)
    sample_channel = choice(SampleChannel, channel, "channel")
    order_ref = text(order_ref, "order_ref", 64)
    if not isinstance(quantity, int) or not 1 <= quantity <= MAX_OFFLINE_SAMPLE:
        raise InvalidInput(f"quantity must be 1-{MAX_OFFLINE_SAMPLE}", field="quantity")
    if sample_channel is SampleChannel.ONLINE and not order_ref:
        raise InvalidInput("an online sample names the order it was bought with", field="order_ref")
    if check.status is not SpotCheckStatus.PLANNED:
        raise InvalidState(f"spot check {check.id} is {check.status}, not planned")
    if sample_channel is SampleChannel.OFFLINE:
        ledger.require_on_ledger(session, check.batch)
        ledger.lock_batches(session, [check.batch_id])
        ledger.post(
            session,
            batch_id=check.batch_id,
            kind=LedgerKind.SAMPLE,
            quantity=quantity,
            source=f"spot_check:{check.id}",
            posted_by=actor.label,
        )
    check.status, check.channel = SpotCheckStatus.SAMPLED, sample_channel
    check.sample_quantity, check.order_ref, check.sampled_at = quantity, order_ref, now or utcnow()
    audit.record(
        session,
        actor=actor.label,
        action="spot_check.sampled",
        subject=f"batch:{check.batch_id}",
        payload={
            "spot_check": check.id,
            "channel": sample_channel.value,
            "quantity": quantity,
            "order": order_ref,
        },
    )
    return check


def record_result(
    session: Session,
    actor: Actor,
    spot_check_id: int,
    *,
    passed: bool,
    lab: str,
    report_sha256: str,
    failed_items: Sequence[str] = (),
    note: str = "",
    now: datetime | None = None,
) -> SpotCheck:
    """The lab's result. A failure blocks the batch's exit and recalls its sold units (SZ Art. 21)."""
    actor.require_regulator()
    check = get_spot_check(session, actor, spot_check_id)
    lab = text(lab, "lab", 200, required=True)
    digest = sha256_hex(report_sha256, "report_sha256")
    items = [text(item, "failed_items", 200, required=True) for item in failed_items]
    if passed and items:
        raise InvalidInput("a passed check lists no failed items", field="failed_items")
    if not passed and not items:
        raise InvalidInput("a failed check lists what failed (e.g. 'lead content')", field="failed_items")
    if check.status is not SpotCheckStatus.SAMPLED:
        raise InvalidState(f"spot check {check.id} is {check.status}, not sampled")
    moment = now or utcnow()
    batch = ledger.lock_batches(session, [check.batch_id])[check.batch_id]
    check.status = SpotCheckStatus.PASSED if passed else SpotCheckStatus.FAILED
    check.lab, check.report_sha256, check.failed_items = lab, digest, items
    check.note, check.decided_at = text(note, "note", 4000) or check.note, moment
    audit.record(
        session,
        actor=actor.label,
        action=f"spot_check.{check.status.value}",
        subject=f"batch:{batch.id}",
        payload={"spot_check": check.id, "lab": lab, "report_sha256": digest, "failed_items": items},
    )
    merchant = batch.product.enterprise
    if passed:
        credit.regrade(session, actor, merchant, now=moment)
        return check
    reason = f"spot check {check.id} failed: " + ", ".join(items)
    check.recall = recalls.block_exit(
        session, actor, batch, reason, source=f"spot_check:{check.id}", now=moment
    )
    credit.add_event(
        session,
        actor,
        merchant,
        CreditEventKind.SPOT_CHECK_FAILED,
        source=f"spot_check:{check.id}",
        now=moment,
    )
    return check


def get_spot_check(session: Session, actor: Actor, spot_check_id: int) -> SpotCheck:
    """A spot check within the actor's remit: all of its office's for a regulator, the decided ones of
    its own batches for a merchant (:data:`suyuan.trace.remit.OWNERS`); others answer ``NotFound``."""
    return visible(session, actor, SpotCheck, spot_check_id)


def list_spot_checks(session: Session, actor: Actor, *, limit: int = 200) -> list[SpotCheck]:
    """Spot checks within the actor's remit, newest first; merchants see only results (after testing)."""
    stmt = select(SpotCheck).order_by(SpotCheck.id.desc()).limit(limit)
    return list(session.scalars(within_remit(stmt, remit_of(session, actor), SpotCheck)))
