"""A platform's staff read what was sold on it, and only that, and may not act on it (issue 14).

The world (tests/trace/platform_world.py): platform P sold milk and cream (released), platform Q has an
order of milk and honey, a fourth product is sold nowhere; recalls, warnings and complaints concern each.
"""

from __future__ import annotations

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from suyuan.runtime import Runtime
from suyuan.trace import complaints, platform_view, recalls
from suyuan.trace.errors import NotFound, PermissionDenied
from suyuan.trace.model import AuditEntry, Recall
from tests.trace.platform_world import Q_ORDER, PlatformWorld, make_platform_world


@pytest.fixture
def pw(session: Session, runtime: Runtime) -> PlatformWorld:
    return make_platform_world(session, runtime.ring)


def test_the_platform_sees_admission_decisions_of_the_products_on_its_orders(
    session: Session, pw: PlatformWorld
) -> None:
    cw = pw.cw
    p_sees = {a.product_id for a in platform_view.admissions(session, cw.platform_staff)}
    q_sees = {a.product_id for a in platform_view.admissions(session, pw.q_staff)}
    assert p_sees == {cw.milk.id, cw.cream.id}
    assert q_sees == {cw.milk.id, pw.honey_batch.product_id}
    assert pw.unsold_batch.product_id not in p_sees | q_sees
    milk = next(a for a in platform_view.admissions(session, cw.platform_staff) if a.product_id == cw.milk.id)
    assert (milk.status, milk.seller, milk.sanction) == ("admitted", cw.world.merchant.name, "filed")


def test_recalls_of_goods_sold_elsewhere_or_nowhere_stay_hidden(session: Session, pw: PlatformWorld) -> None:
    p_sees = platform_view.recalls(session, pw.cw.platform_staff)
    q_sees = platform_view.recalls(session, pw.q_staff)
    assert [r.recall_id for r in p_sees] == [pw.recalls["cream"].id]
    assert [r.recall_id for r in q_sees] == [pw.recalls["honey"].id]
    assert p_sees[0].units_sold_here == 1 and q_sees[0].units_sold_here == 0  # Q packed nothing yet
    assert p_sees[0].lot == pw.cw.cream_batch.lot and p_sees[0].reason == "cream 检出问题"


def test_warnings_naming_its_goods_by_product_batch_or_hs_prefix_are_shown(
    session: Session, pw: PlatformWorld
) -> None:
    w = pw.warnings
    p_sees = {x.warning_id for x in platform_view.warnings(session, pw.cw.platform_staff)}
    q_sees = {x.warning_id for x in platform_view.warnings(session, pw.q_staff)}
    assert p_sees == {w["cream"].id, w["milk"].id}  # the cream product's; the milk batch's
    assert q_sees == {w["honey"].id, w["milk"].id}  # HS 0409 is the honey's; the milk batch's
    goods = {x.warning_id: x.goods for x in platform_view.warnings(session, pw.q_staff)}
    assert pw.cw.milk_batch.lot in goods[w["milk"].id] and goods[w["honey"].id] == "HS 0409"


def test_complaints_about_units_sold_on_it_come_with_their_order_and_without_contact(
    session: Session, pw: PlatformWorld
) -> None:
    p_sees = platform_view.complaints(session, pw.cw.platform_staff)
    assert [c.complaint_id for c in p_sees] == [pw.complaints["cream"].id]
    assert p_sees[0].order_no == pw.inventory.order_no and p_sees[0].serial == pw.complaints["cream"].serial
    assert not hasattr(p_sees[0], "contact")
    assert platform_view.complaints(session, pw.q_staff) == []  # milk sold nowhere; cream not on Q


def test_the_overview_holds_the_receipts_of_its_own_orders_only(session: Session, pw: PlatformWorld) -> None:
    p = platform_view.overview(session, pw.cw.platform_staff)
    q = platform_view.overview(session, pw.q_staff)
    assert {r.order_no for r in p.receipts} - {""} == {pw.inventory.order_no}  # a waybill's has none
    assert {r.order_no for r in q.receipts} == {Q_ORDER}
    assert not {r.id for r in p.receipts} & {r.id for r in q.receipts}
    assert (p.platform_id, q.platform_id) == (pw.cw.platform.id, pw.q.id)


@pytest.mark.parametrize("who", ["seller", "merchant_b", "warehouse", "regulator"])
def test_only_a_platforms_staff_have_this_view(session: Session, pw: PlatformWorld, who: str) -> None:
    cw = pw.cw
    actor = {
        "seller": cw.world.merchant_staff,
        "merchant_b": cw.world.merchant_b_staff,
        "warehouse": cw.warehouse_staff,
        "regulator": cw.world.regulator,
    }[who]
    with pytest.raises(PermissionDenied):
        platform_view.overview(session, actor)


def test_seeing_is_not_acting_the_platform_may_not_recall_or_answer(
    session: Session, pw: PlatformWorld
) -> None:
    staff = pw.cw.platform_staff
    before = session.scalar(select(func.count()).select_from(AuditEntry))
    with pytest.raises((NotFound, PermissionDenied)):
        recalls.open_recall(session, staff, pw.cw.milk_batch.id, "recall", "平台自行召回")
    session.rollback()
    with pytest.raises((NotFound, PermissionDenied)):
        complaints.answer_complaint(session, staff, pw.complaints["cream"].id, "平台的答复，不应被接受。")
    session.rollback()
    with pytest.raises((NotFound, PermissionDenied)):
        recalls.get_recall(session, staff, pw.recalls["cream"].id)
    assert session.scalar(select(func.count()).select_from(AuditEntry)) == before
    assert session.scalar(select(func.count()).select_from(Recall)) == 3
