"""Texts the public reads come in two languages, and the internal reason of a recall stays internal;
risk warnings reach the products they cover."""

from __future__ import annotations

from dataclasses import replace

from sqlalchemy import select
from sqlalchemy.orm import Session

from suyuan.runtime import Runtime
from suyuan.trace import complaints, recalls, registry, risk_warnings
from suyuan.trace.model import AuditEntry, Complaint, RiskWarning
from suyuan.trace.risk_warnings import WarningFiling
from tests.factories import code_urls, make_batch, make_product, make_world, product_filing

WARNING = WarningFiling(
    level="warning", title="警惕仿冒奶粉", body="请扫码核验。", title_en="Fake formula", body_en="Scan it."
)


def test_a_recall_keeps_its_public_notice_in_two_languages_and_its_internal_reason_apart(
    session: Session, runtime: Runtime
) -> None:
    world = make_world(session, runtime.ring)
    batch = make_batch(session, world, runtime.ring, count=1)
    recall = recalls.open_recall(
        session,
        world.regulator,
        batch.id,
        "recall",
        "检出致病菌。",
        "请停止食用。",
        instructions_en="Stop eating it.",
        reason_en="Pathogenic bacteria were found.",
        internal_reason="投诉 TS-ABC 引发抽检，实验室报告 NZ-42。",
    )
    assert (recall.reason, recall.reason_en, recall.instructions, recall.instructions_en) == (
        "检出致病菌。",
        "Pathogenic bacteria were found.",
        "请停止食用。",
        "Stop eating it.",
    )
    assert recall.internal_reason.startswith("投诉")
    entry = session.scalars(select(AuditEntry).filter_by(action="recall.opened")).one()
    assert "TS-ABC" in str(entry.payload)  # the office's record keeps why


def test_the_old_call_without_english_or_internal_reason_still_opens_a_recall(
    session: Session, runtime: Runtime
) -> None:
    world = make_world(session, runtime.ring)
    batch = make_batch(session, world, runtime.ring, count=1)
    recall = recalls.open_recall(session, world.merchant_staff, batch.id, "stop_sale", "复检中。")
    assert (recall.reason_en, recall.internal_reason, recall.voluntary) == ("", "", True)


def test_a_consumer_disclosure_has_an_english_version(session: Session, runtime: Runtime) -> None:
    world = make_world(session, runtime.ring)
    product = registry.file_product(
        session, world.merchant_staff, world.merchant.id, product_filing(documents=())
    )
    registry.decide_admission(
        session,
        world.regulator,
        product.id,
        admit=True,
        disclosure="本品缺少自由销售证明，请知悉风险。",
        disclosure_en="This product lacks a free-sale certificate.",
    )
    assert product.consumer_disclosure_en == "This product lacks a free-sale certificate."


def test_warnings_cover_the_batch_the_product_and_the_hs_heading_they_name(
    session: Session, runtime: Runtime
) -> None:
    world = make_world(session, runtime.ring)
    batch = make_batch(session, world, runtime.ring, count=1)
    other = make_batch(session, world, runtime.ring, count=1)
    cosmetic = make_product(session, world, hs_code="3304990000", category="cosmetic")

    def publish(**goods: object) -> RiskWarning:
        return risk_warnings.publish_warning(session, world.regulator, replace(WARNING, **goods))  # type: ignore[arg-type]

    by_hs, by_product, by_batch = (
        publish(hs_prefix="1901"),
        publish(product_id=batch.product_id),
        publish(batch_id=batch.id),
    )
    publish(batch_id=other.id)  # another batch of another product
    publish(hs_prefix="3304")  # cosmetics
    publish()  # no goods: the notice board only
    withdrawn = publish(hs_prefix="19")
    risk_warnings.withdraw_warning(session, world.regulator, withdrawn.id)
    covering = risk_warnings.warnings_covering(session, batch.product, batch)
    assert {w.id for w in covering} == {by_hs.id, by_product.id, by_batch.id}
    assert [w.hs_prefix for w in risk_warnings.warnings_covering(session, cosmetic)] == ["3304"]
    forged_lot = risk_warnings.warnings_for_code(session, batch.gtin, "NOSUCHLOT")
    assert {w.id for w in forged_lot} == {by_hs.id, by_product.id}  # the product, not the batch


def test_a_malformed_code_is_filed_as_a_counterfeit_only_when_asked(
    session: Session, runtime: Runtime
) -> None:
    world = make_world(session, runtime.ring)
    batch = make_batch(session, world, runtime.ring, count=1)
    url = code_urls(session, runtime.ring, batch, 1, 1)[0]
    broken = url.split("/21/")[0]  # the serial and signature cut off
    complaint = complaints.file_complaint(
        session, runtime.ring, broken, "suspected_fake", "扫出来是假的", accept_malformed=True
    )
    assert (complaint.verdict, complaint.gtin, complaint.lot, complaint.batch_id) == (
        "counterfeit",
        batch.gtin,
        batch.lot,
        batch.id,
    )
    assert complaint.office_id == world.office.id  # the office of the lot it imitates sees it
    assert session.scalars(select(Complaint)).one().code_url == broken
