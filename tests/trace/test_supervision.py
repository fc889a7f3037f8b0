"""Issue 15 part B: positive and key-supervision lists, tightened control, risk intake, warehouses, quarantine
scopes, filing attributes and the non-bonded rule for lots registered directly."""

from __future__ import annotations

from dataclasses import replace

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from suyuan.runtime import Runtime
from suyuan.trace import negative_list, registry, risk_intake, risk_warnings, supervision_lists
from suyuan.trace.errors import (
    Duplicate,
    InvalidInput,
    InvalidState,
    NotFound,
    PermissionDenied,
    ReleaseConditionsNotMet,
)
from suyuan.trace.model import (
    AuditEntry,
    BatchStatus,
    DisposalKind,
    QuarantineStatus,
    RiskInfoStatus,
    SpotCheckStatus,
)
from suyuan.trace.risk_intake import RiskReport
from suyuan.trace.risk_warnings import WarningFiling
from suyuan.trace.zone import inspection, spot_checks, warehouses
from tests.factories import (
    clear_for_sale,
    declare,
    entry_line,
    make_batch,
    make_enterprise,
    make_product,
    make_world,
    make_zone_batch,
    product_filing,
)

WARNING = WarningFiling(level="danger", title="奶粉风险", body="加严检验。", hs_prefix="1901")


def actions(session: Session) -> list[str]:
    return list(session.scalars(select(AuditEntry.action).order_by(AuditEntry.id)))


def pass_inspection(session: Session, world: object, batch_id: int) -> None:
    regulator = world.regulator  # type: ignore[attr-defined]
    check = spot_checks.open_spot_check(session, regulator, batch_id)
    check.status = SpotCheckStatus.PASSED
    session.flush()


# --- lists ---------------------------------------------------------------------------------------


def test_goods_outside_the_positive_list_are_flagged_for_on_site_verification(
    session: Session, runtime: Runtime
) -> None:
    world = make_world(session, runtime.ring)
    product = make_product(session, world)  # HS 1901101000, food
    assert supervision_lists.standing(session, product).on_positive_list is None  # no positive list yet
    supervision_lists.add_entry(
        session, world.regulator, list_kind="positive", match="hs_prefix", value="3304"
    )
    standing = supervision_lists.standing(session, product)
    assert standing.needs_on_site_verification and standing.key_handling
    assert supervision_lists.effective_risk_class(session, product) == 2
    supervision_lists.add_entry(
        session, world.regulator, list_kind="positive", match="category", value="food"
    )
    assert supervision_lists.standing(session, product).on_positive_list is True


def test_key_supervision_goods_need_a_passed_inspection_before_release(
    session: Session, runtime: Runtime
) -> None:
    world = make_world(session, runtime.ring)
    supervision_lists.add_entry(
        session,
        world.regulator,
        list_kind="key_supervision",
        match="hs_prefix",
        value="1901",
        reason="婴幼儿食品",
    )
    batch = make_batch(session, world, runtime.ring, count=0, released=False)
    assert inspection.release_gaps(session, batch) == [inspection.ReleaseGap.INSPECTION_REQUIRED]
    with pytest.raises(ReleaseConditionsNotMet, match="inspection"):
        inspection.release_batch(session, world.regulator, batch.id)
    pass_inspection(session, world, batch.id)
    assert inspection.release_batch(session, world.regulator, batch.id).status is BatchStatus.RELEASED


def test_key_supervision_raises_the_sampling_rate(session: Session, runtime: Runtime) -> None:
    world = make_world(session, runtime.ring)
    batch = make_batch(session, world, runtime.ring, count=0, released=False)
    batch.product.risk_class = 3
    assert spot_checks.batch_rate(session, batch, "B") == pytest.approx(0.05)
    supervision_lists.add_entry(
        session, world.regulator, list_kind="key_supervision", match="category", value="food"
    )
    assert spot_checks.batch_rate(session, batch, "B") == pytest.approx(0.20)


def test_list_entries_are_withdrawn_audited_and_stop_matching(session: Session, runtime: Runtime) -> None:
    world = make_world(session, runtime.ring)
    product = make_product(session, world)
    entry = supervision_lists.add_entry(
        session, world.regulator, list_kind="key_supervision", match="hs_prefix", value="19.01"
    )
    assert entry.value == "1901"
    with pytest.raises(Duplicate):
        supervision_lists.add_entry(
            session, world.regulator, list_kind="key_supervision", match="hs_prefix", value="1901"
        )
    supervision_lists.withdraw_entry(session, world.regulator, entry.id, "campaign over")
    assert not supervision_lists.standing(session, product).key_supervision
    with pytest.raises(InvalidState):
        supervision_lists.withdraw_entry(session, world.regulator, entry.id)
    with pytest.raises(PermissionDenied):
        supervision_lists.withdraw_entry(session, world.merchant_staff, entry.id)
    assert "key_supervision_list.withdrawn" in actions(session)
    again = supervision_lists.add_entry(
        session, world.regulator, list_kind="key_supervision", match="hs_prefix", value="1901"
    )
    assert again.id != entry.id


def test_negative_list_entries_are_withdrawn_with_a_note(session: Session, runtime: Runtime) -> None:
    world = make_world(session, runtime.ring)
    rule = negative_list.add_entry(
        session, world.regulator, category="N1", kind="keyword", value="象牙", reason="CITES"
    )
    supervision_lists.withdraw_negative_entry(session, world.regulator, rule.id, "moved to law")
    assert not rule.active
    with pytest.raises(InvalidState):
        supervision_lists.withdraw_negative_entry(session, world.regulator, rule.id)
    with pytest.raises(NotFound):
        supervision_lists.withdraw_negative_entry(session, world.regulator, 999)


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"list_kind": "grey", "match": "hs_prefix", "value": "12"}, "list_kind"),
        ({"list_kind": "positive", "match": "brand", "value": "12"}, "match"),
        ({"list_kind": "positive", "match": "hs_prefix", "value": "1"}, "value"),
        ({"list_kind": "positive", "match": "category", "value": "weapons"}, "value"),
    ],
)
def test_bad_list_entries_are_refused(
    session: Session, runtime: Runtime, kwargs: dict[str, str], field: str
) -> None:
    world = make_world(session, runtime.ring)
    with pytest.raises(InvalidInput) as caught:
        supervision_lists.add_entry(session, world.regulator, **kwargs)
    assert caught.value.field == field


# --- tightened control -----------------------------------------------------------------------------


def test_a_warning_tightens_control_of_the_goods_it_covers_until_withdrawn(
    session: Session, runtime: Runtime
) -> None:
    world = make_world(session, runtime.ring)
    batch = make_batch(session, world, runtime.ring, count=0, released=False)
    batch.product.risk_class = 3
    assert not risk_warnings.tightened_control(session, batch).tightened
    warning = risk_warnings.publish_warning(
        session,
        world.regulator,
        replace(WARNING, sampling_factor=4, require_inspection=True, hold_exits=True),
    )
    control = risk_warnings.tightened_control(session, batch)
    assert (control.sampling_factor, control.require_inspection, control.hold_exits) == (4, True, True)
    assert control.warning_ids == (warning.id,)
    assert spot_checks.batch_rate(session, batch, "B") == pytest.approx(0.20)
    assert inspection.release_gaps(session, batch) == [inspection.ReleaseGap.INSPECTION_REQUIRED]
    risk_warnings.withdraw_warning(session, world.regulator, warning.id)
    assert not risk_warnings.tightened_control(session, batch).tightened
    assert inspection.release_gaps(session, batch) == []


def test_tightened_control_needs_goods_and_a_bounded_factor(session: Session, runtime: Runtime) -> None:
    world = make_world(session, runtime.ring)
    with pytest.raises(InvalidInput):
        risk_warnings.publish_warning(
            session, world.regulator, replace(WARNING, hs_prefix="", hold_exits=True)
        )
    with pytest.raises(InvalidInput):
        risk_warnings.publish_warning(session, world.regulator, replace(WARNING, sampling_factor=11))


# --- risk information ------------------------------------------------------------------------------


def test_a_self_report_is_assessed_and_turned_into_measures_traceable_both_ways(
    session: Session, runtime: Runtime
) -> None:
    world = make_world(session, runtime.ring)
    batch = make_batch(session, world, runtime.ring, count=0)
    report = RiskReport(
        source="self_report", title="批次疑似污染", description="供应商通报原料问题。", batch_id=batch.id
    )
    info = risk_intake.record_information(session, world.merchant_staff, report)
    assert (info.office_id, info.enterprise_id, info.product_id) == (
        world.office.id,
        world.merchant.id,
        batch.product_id,
    )
    with pytest.raises(InvalidState):  # not assessed yet
        risk_intake.spot_check(session, world.regulator, info.id, None)
    risk_intake.assess(session, world.regulator, info.id, level="high", rationale="婴幼儿食品，污染风险高")
    assert info.status is RiskInfoStatus.ASSESSED
    warning = risk_intake.warn(session, world.regulator, info.id, replace(WARNING, hs_prefix=""))
    assert warning.batch_id == batch.id
    check = risk_intake.spot_check(session, world.regulator, info.id, None)
    recall = risk_intake.recall(session, world.regulator, info.id, None, kind="stop_sale", reason="风险排查")
    assert [(d.kind, d.target_id) for d in risk_intake.measures_of(info)] == [
        (DisposalKind.WARNING, warning.id),
        (DisposalKind.SPOT_CHECK, check.id),
        (DisposalKind.RECALL, recall.id),
    ]
    assert risk_intake.origins_of(session, DisposalKind.RECALL, recall.id) == [info]
    assert "risk_information.recall" in actions(session)


def test_who_records_and_reads_risk_information(session: Session, runtime: Runtime) -> None:
    world = make_world(session, runtime.ring)
    foreign = risk_intake.record_information(
        session,
        world.regulator,
        RiskReport(source="foreign_notification", title="RASFF 2026.1", description="x"),
    )
    with pytest.raises(InvalidInput):  # merchants file self-reports only
        risk_intake.record_information(
            session, world.merchant_staff, RiskReport(source="incident", title="t", description="d")
        )
    with pytest.raises(InvalidInput):  # offices do not file self-reports
        risk_intake.record_information(
            session, world.regulator, RiskReport(source="self_report", title="t", description="d")
        )
    other = make_product(session, world, owner="merchant_b")
    with pytest.raises(InvalidInput):  # another merchant's goods
        risk_intake.record_information(
            session,
            world.merchant_staff,
            RiskReport(source="self_report", title="t", description="d", product_id=other.id),
        )
    with pytest.raises(NotFound):
        risk_intake.get_information(session, world.merchant_staff, foreign.id)
    with pytest.raises(PermissionDenied):
        risk_intake.assess(session, world.merchant_staff, foreign.id, level="low", rationale="x")
    assert risk_intake.list_information(session, world.merchant_staff) == []
    assert risk_intake.list_information(session, world.regulator) == [foreign]


# --- gates -----------------------------------------------------------------------------------------


def test_quarantine_of_goods_container_and_wood_packaging_concludes_when_all_are_in(
    session: Session, runtime: Runtime
) -> None:
    world = make_world(session, runtime.ring)
    product = make_product(session, world)
    declaration = declare(session, world, entry_line(product))
    inspection.require_quarantine_scopes(
        session, world.regulator, declaration.id, ["goods", "container", "wood_packaging"]
    )
    inspection.record_quarantine(session, world.regulator, declaration.id, outcome="passed", scope="goods")
    inspection.record_quarantine(
        session, world.regulator, declaration.id, outcome="treated", scope="container", treatment="熏蒸"
    )
    assert declaration.quarantine_status is QuarantineStatus.PENDING
    assert inspection.missing_quarantine(declaration) == ["wood_packaging"]
    with pytest.raises(InvalidState):
        inspection.record_quarantine(
            session, world.regulator, declaration.id, outcome="passed", scope="goods"
        )
    inspection.record_quarantine(
        session, world.regulator, declaration.id, outcome="passed", scope="wood_packaging"
    )
    assert declaration.quarantine_status is QuarantineStatus.PASSED


def test_a_failed_scope_fails_quarantine_at_once(session: Session, runtime: Runtime) -> None:
    world = make_world(session, runtime.ring)
    declaration = declare(session, world, entry_line(make_product(session, world)))
    inspection.require_quarantine_scopes(
        session, world.regulator, declaration.id, ["goods", "wood_packaging"]
    )
    with pytest.raises(InvalidInput):  # container is not required here
        inspection.record_quarantine(
            session, world.regulator, declaration.id, outcome="passed", scope="container"
        )
    inspection.record_quarantine(
        session, world.regulator, declaration.id, outcome="failed", scope="wood_packaging", note="天牛"
    )
    assert declaration.quarantine_status is QuarantineStatus.FAILED


def test_without_required_scopes_the_first_result_concludes_as_before(
    session: Session, runtime: Runtime
) -> None:
    world = make_world(session, runtime.ring)
    declaration = declare(session, world, entry_line(make_product(session, world)))
    inspection.record_quarantine(
        session, world.regulator, declaration.id, outcome="passed", scope="container"
    )
    assert declaration.quarantine_status is QuarantineStatus.PASSED


def test_declared_lots_of_an_office_with_warehouses_are_released_only_from_one(
    session: Session, runtime: Runtime
) -> None:
    world = make_world(session, runtime.ring)
    store = make_enterprise(session, kind="warehouse")
    with pytest.raises(InvalidInput):
        warehouses.designate_warehouse(session, world.regulator, world.merchant.id)
    warehouse = warehouses.designate_warehouse(session, world.regulator, store.id, address="前海保税仓 3 号")
    with pytest.raises(Duplicate):
        warehouses.designate_warehouse(session, world.regulator, store.id)
    batch = make_zone_batch(session, world, runtime.ring, released=False, codes=0)
    assert batch.bonded
    line_declaration = batch.id
    with pytest.raises(ReleaseConditionsNotMet, match="supervised warehouse"):
        clear_for_sale(session, world, batch)
    session.rollback()
    from suyuan.trace.zone.entry import entry_line_of

    line = entry_line_of(session, line_declaration)
    assert line is not None
    warehouses.store_entry(session, world.merchant_staff, line.declaration_id, warehouse.id)
    assert session.get(type(batch), batch.id).warehouse_id == warehouse.id  # type: ignore[union-attr]
    clear_for_sale(session, world, session.get(type(batch), batch.id))  # type: ignore[arg-type]
    warehouses.withdraw_designation(session, world.regulator, warehouse.id)
    assert not warehouses.office_has_warehouses(session, world.office.id)


def test_lots_registered_directly_are_not_bonded(session: Session, runtime: Runtime) -> None:
    world = make_world(session, runtime.ring)
    assert not make_batch(session, world, runtime.ring, count=0).bonded


# --- filing attributes -----------------------------------------------------------------------------


def test_a_filing_carries_bounded_attributes_and_its_procurement_source(
    session: Session, runtime: Runtime
) -> None:
    world = make_world(session, runtime.ring)
    filing = product_filing(
        attributes={"批准文号": "国食注字 2026001", "shelf_life": "24 months"}, procurement_source="NZ 经销商"
    )
    product = registry.file_product(session, world.merchant_staff, world.merchant.id, filing)
    assert product.attributes == {"批准文号": "国食注字 2026001", "shelf_life": "24 months"}
    assert product.procurement_source == "NZ 经销商"
    for bad in ({f"k{i}": "v" for i in range(21)}, {"bad key!": "v"}, {"k": "x" * 501}, {"k": "a\nb"}):
        with pytest.raises(InvalidInput):
            registry.file_product(
                session, world.merchant_staff, world.merchant.id, product_filing(attributes=bad)
            )
