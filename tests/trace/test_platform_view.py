"""A platform's staff read what was sold on it, and only that, and may not act on it (issue 14).

The world (tests/trace/platform_world.py): platform P sold milk and cream (released), platform Q has an
order of milk and honey, a fourth product is sold nowhere; recalls, warnings and complaints concern each.
"""

from __future__ import annotations

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from suyuan.runtime import Runtime
from suyuan.trace import ceb, complaints, platform_view, recalls
from suyuan.trace.errors import NotFound, PermissionDenied
from suyuan.trace.model import AuditEntry, CebInventory, Recall
from tests.trace.ceb_world import make_ceb_world, sample, send, the_three, variant
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


def test_a_complaint_about_a_direct_mail_unit_reaches_the_platform_it_was_sold_on(
    session: Session, runtime: Runtime
) -> None:
    """A 9610 order packed at the station binds its units like a 1210 one, so the buyer's complaint about
    a unit bought on the platform shows on the platform's view with the order, and recalls count it."""
    cw = make_ceb_world(session, runtime.ring, direct_mail=True)
    the_three(session)
    raw = variant(sample("CEB621Message.xml"), ("<ceb:tradeMode>1210", "<ceb:tradeMode>9610"))
    assert send(session, raw).status == 399
    inventory = session.scalars(select(CebInventory)).one()
    ceb.pack(
        session, cw.warehouse_staff, runtime.ring, inventory.id, {1: cw.milk_urls[:2], 2: cw.cream_urls[:1]}
    )
    ring = runtime.ring
    complaint = complaints.file_complaint(session, ring, cw.cream_urls[0], "quality", "瓶盖破损，有异味。")
    never_sold = complaints.file_complaint(session, ring, cw.cream_urls[5], "quality", "这一瓶没有售出过。")
    recalls.open_recall(session, cw.world.regulator, cw.milk_batch.id, "recall", "lab failure")
    session.commit()
    seen = platform_view.complaints(session, cw.platform_staff)
    assert [(c.complaint_id, c.order_no) for c in seen] == [(complaint.id, inventory.order_no)]
    assert never_sold.id not in {c.complaint_id for c in seen}
    assert [r.units_sold_here for r in platform_view.recalls(session, cw.platform_staff)] == [2]
