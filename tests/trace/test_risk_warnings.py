"""Risk warnings: published by an office to every office, merchant and the public; withdrawn by it only."""

from __future__ import annotations

from dataclasses import replace

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from suyuan.runtime import Runtime
from suyuan.trace import accounts, audit, risk_warnings
from suyuan.trace.actors import ANONYMOUS, OPERATOR, Actor
from suyuan.trace.errors import InvalidInput, InvalidState, PermissionDenied
from suyuan.trace.model import AuditEntry, Office, RiskWarning, WarningLevel
from suyuan.trace.risk_warnings import WarningFiling
from tests.factories import make_batch, make_world

FILING = WarningFiling(
    level="danger",
    title="某品牌婴儿奶粉检出阪崎肠杆菌",
    body="请立即停止食用该批次产品。",
    title_en="Cronobacter found in an infant formula",
    body_en="Stop feeding this batch at once.",
    hs_prefix="1901.10",
)


def second_office(session: Session) -> Actor:
    office = Office(code="GZ-NS", name="广州南沙海关", name_en="Nansha Customs")
    session.add(office)
    session.flush()
    user = accounts.create_user(
        session,
        OPERATOR,
        email="officer@nansha.example",
        name="Officer GZ",
        role="regulator",
        password="password1",
        office_id=office.id,
    )
    session.commit()
    return Actor.for_user(user)


def warnings_written(session: Session) -> int:
    session.expire_all()
    return int(session.scalar(select(func.count()).select_from(RiskWarning)) or 0)


def test_a_warning_reaches_every_office_and_merchant_and_the_public(
    session: Session, runtime: Runtime
) -> None:
    world = make_world(session, runtime.ring)
    batch = make_batch(session, world, runtime.ring, count=1)
    elsewhere = second_office(session)
    warning = risk_warnings.publish_warning(session, world.regulator, replace(FILING, batch_id=batch.id))
    session.commit()
    assert (warning.level, warning.hs_prefix, warning.product_id, warning.office_id) == (
        WarningLevel.DANGER,
        "190110",
        batch.product_id,
        world.office.id,
    )
    for actor in (world.regulator, elsewhere, world.merchant_staff, world.merchant_b_staff):
        assert [w.id for w in risk_warnings.list_warnings(session, actor)] == [warning.id]
    assert risk_warnings.active_warnings(session) == [warning]
    with pytest.raises(PermissionDenied):
        risk_warnings.list_warnings(session, ANONYMOUS)
    entry = session.scalars(select(AuditEntry).where(AuditEntry.action == "warning.published")).one()
    assert entry.subject == f"warning:{warning.id}"


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"level": "panic"}, "level must be one of"),
        ({"title": " "}, "title is required"),
        ({"title": "two\nlines"}, "title is one line"),
        ({"body": "x" * 4001}, "longer than 4000"),
        ({"hs_prefix": "19x"}, "hs_prefix"),
        ({"hs_prefix": "1"}, "hs_prefix"),
        ({"batch_id": 999_999}, "batch 999999 does not exist"),
        ({"product_id": 999_999}, "product 999999 does not exist"),
        ({"body_en": "bad\x00byte"}, "control characters"),
    ],
)
def test_bad_warnings_are_refused_and_nothing_is_written(
    session: Session, runtime: Runtime, changes: dict[str, object], message: str
) -> None:
    world = make_world(session, runtime.ring)
    with pytest.raises(InvalidInput, match=message):
        risk_warnings.publish_warning(session, world.regulator, replace(FILING, **changes))  # type: ignore[arg-type]
    session.rollback()
    assert warnings_written(session) == 0


def test_a_batch_must_belong_to_the_named_product(session: Session, runtime: Runtime) -> None:
    world = make_world(session, runtime.ring)
    one, two = (make_batch(session, world, runtime.ring, count=0) for _ in range(2))
    with pytest.raises(InvalidInput, match="is not a batch of product"):
        risk_warnings.publish_warning(
            session, world.regulator, replace(FILING, product_id=one.product_id, batch_id=two.id)
        )


def test_only_regulators_publish_and_only_the_publishing_office_withdraws(
    session: Session, runtime: Runtime
) -> None:
    world = make_world(session, runtime.ring)
    elsewhere = second_office(session)
    with pytest.raises(PermissionDenied):
        risk_warnings.publish_warning(session, world.merchant_staff, FILING)
    with pytest.raises(PermissionDenied):
        risk_warnings.publish_warning(session, ANONYMOUS, FILING)
    warning = risk_warnings.publish_warning(session, world.regulator, FILING)
    session.commit()
    with pytest.raises(PermissionDenied):
        risk_warnings.withdraw_warning(session, elsewhere, warning.id)
    with pytest.raises(PermissionDenied):
        risk_warnings.withdraw_warning(session, world.merchant_staff, warning.id)
    risk_warnings.withdraw_warning(session, world.regulator, warning.id, "recall completed")
    session.commit()
    assert warning.withdrawn_at is not None and warning.withdrawn_by == world.regulator.label
    assert risk_warnings.active_warnings(session) == []
    assert [w.id for w in risk_warnings.list_warnings(session, world.merchant_staff)] == [warning.id]
    with pytest.raises(InvalidState, match="already withdrawn"):
        risk_warnings.withdraw_warning(session, world.regulator, warning.id)
    assert audit.verify_chain(session).ok
