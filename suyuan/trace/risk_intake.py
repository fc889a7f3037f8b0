"""Risk information intake, assessment and disposal (R48, R49, R59; G15 §2(2), O15 §3(1), SZ Art. 27).

Risk information reaches an office three ways besides spot checks and complaints: an enterprise's own
**self-report** (a merchant reports a risk in its goods, G15 §2(4)), a **foreign notification** (a
recall or alert abroad) and an **incident**. Each is recorded with its source, the goods it covers, a
description, when it was received and the office it concerns; the office **assesses** it (level,
rationale, assessor: a risk assessment record, reassessment allowed, the latest counts) and then turns
it into measures: a risk warning, a spot check or a recall. Each measure is linked back to the
information (``risk_disposal``), so the chain is traceable both ways: from the information to its
measures (:func:`measures_of`) and from a warning, check or recall to its origins (:func:`origins_of`).

A merchant sees only its own self-reports; an office sees the information of its remit. What a reader
is shown of the chain goes through :func:`measures_seen_by` and :func:`origins_seen_by`, the one place
that keeps a planned spot check from the merchant whose goods it concerns (a check is announced only
once decided, :data:`suyuan.trace.remit.OWNERS`), for the API and the pages alike.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from suyuan.trace import audit, recalls, remit, risk_warnings
from suyuan.trace.actors import Actor
from suyuan.trace.errors import InvalidInput, InvalidState, NotFound, PermissionDenied
from suyuan.trace.fields import choice, text
from suyuan.trace.model import (
    DisposalKind,
    Enterprise,
    Recall,
    RiskAssessment,
    RiskDisposal,
    RiskInformation,
    RiskInfoStatus,
    RiskLevel,
    RiskSource,
    RiskWarning,
    SpotCheck,
)
from suyuan.trace.model.types import utcnow
from suyuan.trace.zone import spot_checks

MAX_TITLE, MAX_DESCRIPTION = 200, 4000


@dataclass(frozen=True)
class RiskReport:
    """What is recorded: the source, a title and description, optionally the goods and a reference."""

    source: str
    title: str
    description: str
    hs_prefix: str = ""
    product_id: int | None = None
    batch_id: int | None = None
    reference: str = ""


def record_information(session: Session, actor: Actor, report: RiskReport) -> RiskInformation:
    """Record risk information: a merchant's self-report (to its office), an office's notification or
    incident; the goods named must lie within the actor's remit."""
    source = choice(RiskSource, report.source, "source")
    office_id, enterprise_id = _recipient(session, actor, source)
    product_id, batch_id = risk_warnings.goods_named(session, actor, report.product_id, report.batch_id)
    info = RiskInformation(
        office_id=office_id,
        source=source,
        enterprise_id=enterprise_id,
        hs_prefix=risk_warnings.hs_prefix(report.hs_prefix),
        product_id=product_id,
        batch_id=batch_id,
        title=text(report.title, "title", MAX_TITLE, required=True),
        description=text(report.description, "description", MAX_DESCRIPTION, required=True),
        reference=text(report.reference, "reference", 200),
        received_at=utcnow(),
        recorded_by=actor.label,
        status=RiskInfoStatus.RECEIVED,
    )
    if "\n" in info.title:
        raise InvalidInput("title is one line", field="title")
    session.add(info)
    session.flush()
    audit.record(
        session,
        actor=actor.label,
        action="risk_information.recorded",
        subject=f"risk_information:{info.id}",
        payload={
            "source": source.value,
            "office_id": office_id,
            "product_id": product_id,
            "batch_id": batch_id,
        },
    )
    return info


def assess(
    session: Session, actor: Actor, information_id: int, *, level: str, rationale: str
) -> RiskAssessment:
    """The office records its risk assessment (level, rationale); the information becomes ``assessed``."""
    info = _for_office(session, actor, information_id)
    assessment = RiskAssessment(
        information_id=info.id,
        level=choice(RiskLevel, level, "level"),
        rationale=text(rationale, "rationale", MAX_DESCRIPTION, required=True),
        assessed_at=utcnow(),
        assessed_by=actor.label,
    )
    session.add(assessment)
    info.status = RiskInfoStatus.ASSESSED
    session.flush()
    audit.record(
        session,
        actor=actor.label,
        action="risk_information.assessed",
        subject=f"risk_information:{info.id}",
        payload={"assessment": assessment.id, "level": assessment.level.value},
    )
    return assessment


def warn(
    session: Session, actor: Actor, information_id: int, filing: risk_warnings.WarningFiling
) -> RiskWarning:
    """Publish a risk warning from assessed information (goods default to the information's)."""
    info = _assessed(session, actor, information_id)
    if not (filing.hs_prefix or filing.product_id or filing.batch_id):
        filing = risk_warnings.WarningFiling(
            **{
                **filing.__dict__,
                "hs_prefix": info.hs_prefix,
                "product_id": info.product_id,
                "batch_id": info.batch_id,
            }
        )
    warning = risk_warnings.publish_warning(session, actor, filing)
    _link(session, actor, info, DisposalKind.WARNING, warning.id)
    return warning


def spot_check(
    session: Session, actor: Actor, information_id: int, batch_id: int | None, note: str = ""
) -> SpotCheck:
    """Open a spot check of a batch (default: the information's) because of assessed information."""
    info = _assessed(session, actor, information_id)
    target = _batch_of(info, batch_id)
    check = spot_checks.open_spot_check(session, actor, target, note=note or f"risk information {info.id}")
    _link(session, actor, info, DisposalKind.SPOT_CHECK, check.id)
    return check


def recall(
    session: Session,
    actor: Actor,
    information_id: int,
    batch_id: int | None,
    *,
    kind: str,
    reason: str,
    instructions: str = "",
) -> Recall:
    """Open a recall or stop-sale of a batch (default: the information's) because of assessed information."""
    info = _assessed(session, actor, information_id)
    target = _batch_of(info, batch_id)
    opened = recalls.open_recall(
        session, actor, target, kind, reason, instructions, internal_reason=f"risk information {info.id}"
    )
    _link(session, actor, info, DisposalKind.RECALL, opened.id)
    return opened


def get_information(session: Session, actor: Actor, information_id: int) -> RiskInformation:
    """One record: its office's staff read it; its reporting merchant reads its own self-report."""
    info = session.get(RiskInformation, information_id) if isinstance(information_id, int) else None
    if info is None or not _reads(actor, info):
        raise NotFound(f"risk information {information_id} does not exist")
    return info


def list_information(
    session: Session,
    actor: Actor,
    *,
    status: RiskInfoStatus | None = None,
    source: RiskSource | None = None,
    limit: int = 200,
) -> list[RiskInformation]:
    """The records the actor reads, newest first; ``status`` and ``source`` narrow them (desk filters)."""
    stmt = select(RiskInformation).order_by(RiskInformation.id.desc()).limit(limit)
    if status is not None:
        stmt = stmt.where(RiskInformation.status == status)
    if source is not None:
        stmt = stmt.where(RiskInformation.source == source)
    if actor.operator:
        pass
    elif actor.is_regulator and actor.office_id is not None:
        stmt = stmt.where(RiskInformation.office_id == actor.office_id)
    elif actor.is_merchant and actor.enterprise_id is not None:
        stmt = stmt.where(RiskInformation.enterprise_id == actor.enterprise_id)
    else:
        raise PermissionDenied("sign in as office or merchant staff")
    return list(session.scalars(stmt))


def measures_of(info: RiskInformation) -> list[RiskDisposal]:
    """The measures the information led to, oldest first."""
    return list(info.disposals)


def measures_seen_by(session: Session, actor: Actor, info: RiskInformation) -> list[RiskDisposal]:
    """The measures of ``info`` the actor may learn of, oldest first.

    Warnings and recalls are public notices, shown to every reader of the information; a spot check only
    when it lies within the actor's remit, so its merchant learns of it once decided (passed or failed)
    and never of a planned or sampled check: an announced check would let the goods be swapped.
    """
    return [
        d
        for d in info.disposals
        if d.kind is not DisposalKind.SPOT_CHECK or remit.covers(session, actor, SpotCheck, d.target_id)
    ]


def origins_seen_by(
    session: Session, actor: Actor, kind: DisposalKind, target_id: int
) -> list[RiskInformation]:
    """The risk information behind a warning, spot check or recall that the actor may read (the link
    back on the measure's page: an office its own records, a merchant its own self-reports)."""
    return [info for info in origins_of(session, kind, target_id) if _reads(actor, info)]


def origins_of(session: Session, kind: DisposalKind, target_id: int) -> list[RiskInformation]:
    """The risk information a warning, spot check or recall came from (the link back)."""
    stmt = (
        select(RiskInformation)
        .join(RiskDisposal, RiskDisposal.information_id == RiskInformation.id)
        .where(RiskDisposal.kind == kind, RiskDisposal.target_id == target_id)
        .order_by(RiskInformation.id)
    )
    return list(session.scalars(stmt))


def latest_assessment(info: RiskInformation) -> RiskAssessment | None:
    """The assessment in force: the latest."""
    return info.assessments[-1] if info.assessments else None


def _recipient(session: Session, actor: Actor, source: RiskSource) -> tuple[int, int | None]:
    if actor.is_merchant and actor.enterprise_id is not None:
        if source is not RiskSource.SELF_REPORT:
            raise InvalidInput("an enterprise reports its own risks: source is self_report", field="source")
        enterprise = session.get(Enterprise, actor.enterprise_id)
        assert enterprise is not None
        return enterprise.office_id, enterprise.id
    if actor.is_regulator and actor.office_id is not None:
        if source is RiskSource.SELF_REPORT:
            raise InvalidInput("a self-report is filed by the enterprise itself", field="source")
        return actor.office_id, None
    raise PermissionDenied("risk information is recorded by an office or reported by an enterprise")


def _reads(actor: Actor, info: RiskInformation) -> bool:
    if actor.operator:
        return True
    if actor.is_regulator:
        return actor.office_id == info.office_id
    return actor.enterprise_id is not None and actor.enterprise_id == info.enterprise_id


def _for_office(session: Session, actor: Actor, information_id: int) -> RiskInformation:
    actor.require_regulator()
    return get_information(session, actor, information_id)


def _assessed(session: Session, actor: Actor, information_id: int) -> RiskInformation:
    info = _for_office(session, actor, information_id)
    if info.status is not RiskInfoStatus.ASSESSED:
        raise InvalidState(f"risk information {info.id} is not assessed yet: assess it before acting on it")
    return info


def _batch_of(info: RiskInformation, batch_id: int | None) -> int:
    target = batch_id if batch_id is not None else info.batch_id
    if target is None:
        raise InvalidInput("name the batch (the information names none)", field="batch_id")
    return target


def _link(session: Session, actor: Actor, info: RiskInformation, kind: DisposalKind, target_id: int) -> None:
    disposal = RiskDisposal(
        information_id=info.id, kind=kind, target_id=target_id, created_at=utcnow(), created_by=actor.label
    )
    session.add(disposal)
    session.flush()
    audit.record(
        session,
        actor=actor.label,
        action=f"risk_information.{kind.value}",
        subject=f"risk_information:{info.id}",
        payload={"kind": kind.value, "target_id": target_id},
    )
