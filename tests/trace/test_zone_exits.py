"""Exit declarations and the exit check: quantity, authenticity and documents; write-off; exactly one wins."""

from __future__ import annotations

import threading
from dataclasses import replace

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from suyuan.runtime import Runtime
from suyuan.trace import keys, scanning
from suyuan.trace.codes import parse_code
from suyuan.trace.errors import (
    DuplicateOrder,
    InvalidInput,
    InvalidState,
    NotFound,
    NotOnLedger,
    PermissionDenied,
)
from suyuan.trace.model import (
    AuditEntry,
    ExitDeclaration,
    ExitStatus,
    LedgerEntry,
    SoldCode,
    SoldStatus,
)
from suyuan.trace.verdicts import Verdict
from suyuan.trace.zone import exits, inspection, ledger, quotas
from suyuan.trace.zone.exits import Buyer, ExitFiling, ExitLineFiling
from tests.factories import (
    SECRET,
    code_urls,
    exit_filing,
    id_number,
    make_batch,
    make_world,
    make_zone_batch,
)


def count(session: Session, model: type) -> int:
    session.expire_all()
    return int(session.scalar(select(func.count()).select_from(model)) or 0)


def declare(session: Session, runtime: Runtime, actor, filing: ExitFiling) -> ExitDeclaration:  # type: ignore[no-untyped-def]
    declaration = exits.declare_exit(session, actor, runtime.ring, filing, secret=SECRET)
    session.commit()
    return declaration


def problems(declaration: ExitDeclaration) -> list[str]:
    return [f["problem"] for f in declaration.findings]


@pytest.fixture
def zone(session: Session, runtime: Runtime):  # type: ignore[no-untyped-def]
    world = make_world(session, runtime.ring)
    batch = make_zone_batch(session, world, runtime.ring, quantity=20)
    return world, batch, code_urls(session, runtime.ring, batch)


def test_a_checked_order_is_written_off_and_each_unit_is_linked_to_it(session, runtime, zone) -> None:  # type: ignore[no-untyped-def]
    world, batch, urls = zone
    declaration = declare(session, runtime, world.merchant_staff, exit_filing([(batch, urls[:3])]))
    assert declaration.status is ExitStatus.WRITTEN_OFF and declaration.findings == []
    assert declaration.written_off_at is not None
    sold = session.scalars(select(SoldCode).order_by(SoldCode.serial)).all()
    assert [(s.serial, s.exit_declaration_id, s.status) for s in sold] == [
        (str(n), declaration.id, SoldStatus.SOLD) for n in (1, 2, 3)
    ]
    report = ledger.ledger_report(session, world.regulator, batch.id)
    assert (report.entered, report.total(ledger.LedgerKind.WRITE_OFF), report.in_zone) == (20, 3, 17)
    assert report.balanced and report.sold_units == 3
    assert scanning.check_code(session, runtime.ring, parse_code(urls[0])).verdict is Verdict.GENUINE


def test_the_buyer_is_stored_only_as_a_keyed_hash_and_a_masked_name(session, runtime, zone) -> None:  # type: ignore[no-untyped-def]
    world, batch, urls = zone
    buyer = Buyer(id_number=id_number(7).lower(), name="张三丰", address="深圳市 南山区 1号")
    declaration = declare(
        session, runtime, world.merchant_staff, exit_filing([(batch, urls[:1])], buyer=buyer)
    )
    assert declaration.buyer_name_masked == "张**"
    assert declaration.buyer_hash == quotas.buyer_hash(SECRET, id_number(7))
    assert declaration.buyer_hash != quotas.buyer_hash("another secret", id_number(7))
    assert declaration.address_hash == quotas.address_hash(SECRET, "深圳市南山区1号")
    stored = " ".join(str(v) for v in declaration.__dict__.values())
    assert id_number(7) not in stored and "南山区" not in stored
    assert quotas.mask_name("Li") == "L*" and quotas.mask_name("王") == "王*"


def test_an_over_declared_line_needs_rectification_then_passes_a_recheck(session, runtime, zone) -> None:  # type: ignore[no-untyped-def]
    world, batch, urls = zone
    filing = exit_filing([(batch, urls[:2])], quantities=[3], payment="300.00")
    declaration = declare(session, runtime, world.merchant_staff, filing)
    assert declaration.status is ExitStatus.RECTIFICATION_REQUIRED
    assert problems(declaration) == ["quantity_mismatch"]
    assert count(session, SoldCode) == 0 and ledger.balance(session, batch.id) == 20
    rectified = exits.recheck_exit(
        session,
        world.merchant_staff,
        runtime.ring,
        declaration.id,
        (ExitLineFiling(batch.id, 3, "100.00", tuple(urls[:3])),),
    )
    session.commit()
    assert (rectified.status, rectified.attempts, rectified.findings) == (ExitStatus.WRITTEN_OFF, 2, [])
    assert ledger.balance(session, batch.id) == 17
    with pytest.raises(InvalidState, match="nothing to rectify"):
        exits.recheck_exit(session, world.merchant_staff, runtime.ring, declaration.id, filing.lines)


def test_codes_of_another_batch_or_another_merchant_are_found(session, runtime, zone) -> None:  # type: ignore[no-untyped-def]
    world, batch, urls = zone
    sibling = make_zone_batch(session, world, runtime.ring, quantity=5)
    foreign = make_zone_batch(session, world, runtime.ring, quantity=5, owner="merchant_b")
    stray = code_urls(session, runtime.ring, sibling, 1, 1) + code_urls(session, runtime.ring, foreign, 1, 1)
    declaration = declare(session, runtime, world.merchant_staff, exit_filing([(batch, [urls[0], *stray])]))
    assert problems(declaration) == ["wrong_batch", "other_merchant"]
    assert [f["code"]["serial"] for f in declaration.findings] == ["1", "1"]
    assert "another merchant" in declaration.findings[1]["message"]
    assert count(session, SoldCode) == 0


def test_a_code_sold_once_cannot_leave_again(session, runtime, zone) -> None:  # type: ignore[no-untyped-def]
    world, batch, urls = zone
    declare(session, runtime, world.merchant_staff, exit_filing([(batch, urls[:2])]))
    again = declare(session, runtime, world.merchant_staff, exit_filing([(batch, urls[1:3])]))
    assert problems(again) == ["already_sold"]
    assert again.findings[0]["code"]["serial"] == "2"
    assert ledger.balance(session, batch.id) == 18 and count(session, SoldCode) == 2


def test_counterfeit_and_repeated_codes_are_found(session, runtime, zone) -> None:  # type: ignore[no-untyped-def]
    world, batch, urls = zone
    forged = urls[4].replace("/21/5?", "/21/6?")
    never_issued = urls[0].replace("/21/1?", "/21/999?")
    filing = exit_filing([(batch, [urls[0], urls[0], forged, never_issued])])
    declaration = declare(session, runtime, world.merchant_staff, filing)
    assert problems(declaration) == ["duplicate_code", "counterfeit", "counterfeit"]


def test_codes_of_a_revoked_key_are_found(session, runtime, zone) -> None:  # type: ignore[no-untyped-def]
    world, batch, urls = zone
    keys.rotate_key(session, world.regulator, runtime.ring)
    keys.revoke_key(session, world.regulator, "1", reason="leak")
    session.commit()
    declaration = declare(session, runtime, world.merchant_staff, exit_filing([(batch, urls[:1])]))
    assert problems(declaration) == ["revoked"]


def test_goods_not_released_cannot_leave(session: Session, runtime: Runtime) -> None:
    world = make_world(session, runtime.ring)
    batch = make_zone_batch(session, world, runtime.ring, quantity=5, released=False)
    urls = code_urls(session, runtime.ring, batch)
    declaration = declare(session, runtime, world.merchant_staff, exit_filing([(batch, urls[:1])]))
    assert problems(declaration) == ["not_released"]


def test_an_exit_beyond_the_ledger_balance_is_found_as_underflow(session, runtime, zone) -> None:  # type: ignore[no-untyped-def]
    world, batch, urls = zone
    inspection.dispose_goods(
        session, world.regulator, batch.id, kind="destruction", quantity=18, reason="crushed"
    )
    session.commit()
    declaration = declare(session, runtime, world.merchant_staff, exit_filing([(batch, urls[:3])]))
    assert problems(declaration) == ["ledger_underflow"]
    assert "ledger holds 2" in declaration.findings[0]["message"]
    assert ledger.balance(session, batch.id) == 2


def test_the_payment_must_match_the_goods(session, runtime, zone) -> None:  # type: ignore[no-untyped-def]
    world, batch, urls = zone
    declaration = declare(
        session, runtime, world.merchant_staff, exit_filing([(batch, urls[:2])], payment="150.00")
    )
    assert problems(declaration) == ["payment_mismatch"]
    fixed = exits.recheck_exit(
        session,
        world.merchant_staff,
        runtime.ring,
        declaration.id,
        declaration_lines(batch, urls[:2]),
        payment_amount="200.00",
    )
    assert fixed.status is ExitStatus.WRITTEN_OFF


def declaration_lines(batch, urls: list[str]) -> tuple[ExitLineFiling, ...]:  # type: ignore[no-untyped-def]
    return (ExitLineFiling(batch.id, len(urls), "100.00", tuple(urls)),)


def test_a_repeated_order_number_is_refused_and_writes_nothing(session, runtime, zone) -> None:  # type: ignore[no-untyped-def]
    world, batch, urls = zone
    declare(session, runtime, world.merchant_staff, exit_filing([(batch, urls[:1])], order_no="T-1"))
    before = (count(session, ExitDeclaration), count(session, LedgerEntry), count(session, AuditEntry))
    with pytest.raises(DuplicateOrder):
        declare(session, runtime, world.merchant_staff, exit_filing([(batch, urls[1:2])], order_no="T-1"))
    session.rollback()
    assert (
        count(session, ExitDeclaration),
        count(session, LedgerEntry),
        count(session, AuditEntry),
    ) == before
    theirs = make_zone_batch(session, world, runtime.ring, quantity=2, owner="merchant_b")
    filing = exit_filing([(theirs, code_urls(session, runtime.ring, theirs, 1, 1))], order_no="T-1")
    assert declare(session, runtime, world.merchant_b_staff, filing).status is ExitStatus.WRITTEN_OFF


def test_batches_of_others_or_off_the_ledger_are_refused_outright(session, runtime, zone) -> None:  # type: ignore[no-untyped-def]
    world, batch, urls = zone
    with pytest.raises(NotFound):
        declare(session, runtime, world.merchant_b_staff, exit_filing([(batch, urls[:1])]))
    session.rollback()
    direct = make_batch(session, world, runtime.ring, count=3)
    with pytest.raises(NotOnLedger):
        declare(
            session,
            runtime,
            world.merchant_staff,
            exit_filing([(direct, code_urls(session, runtime.ring, direct))]),
        )
    session.rollback()
    with pytest.raises(PermissionDenied):
        exits.declare_exit(
            session,
            world.regulator,
            runtime.ring,
            exit_filing([(batch, urls[:1])]),
            secret=SECRET,
            enterprise_id=world.merchant.id,
        )
    assert count(session, ExitDeclaration) == 0


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda f: replace(f, buyer=replace(f.buyer, id_number="110105199001010011")), "GB 11643"),
        (lambda f: replace(f, buyer=replace(f.buyer, name=" ")), "buyer.name"),
        (lambda f: replace(f, payment_amount="12.345"), "payment_amount"),
        (lambda f: replace(f, payment_amount="-1"), "payment_amount"),
        (lambda f: replace(f, order_no=""), "order_no is required"),
        (lambda f: replace(f, waybill_no="x" * 65), "waybill_no"),
        (lambda f: replace(f, payment_ref="\x00"), "payment_ref"),
        (lambda f: replace(f, lines=()), "1-20 lines"),
        (
            lambda f: replace(f, lines=(replace(f.lines[0], codes=("https://x.example/nope",)),)),
            "not a traceability",
        ),
        (lambda f: replace(f, lines=(replace(f.lines[0], quantity=0),)), "quantity"),
        (lambda f: replace(f, lines=(replace(f.lines[0], unit_price="abc"),)), "unit_price"),
        (lambda f: replace(f, lines=f.lines * 2), "appears twice"),
        (lambda f: replace(f, lines=(replace(f.lines[0], codes=f.lines[0].codes * 201),)), "at most 200"),
    ],
)
def test_malformed_exit_declarations_are_400_and_write_nothing(
    session, runtime, zone, change, message
) -> None:  # type: ignore[no-untyped-def]
    world, batch, urls = zone
    before = (count(session, ExitDeclaration), count(session, AuditEntry))
    with pytest.raises(InvalidInput, match=message):
        declare(session, runtime, world.merchant_staff, change(exit_filing([(batch, urls[:1])])))
    session.rollback()
    assert (count(session, ExitDeclaration), count(session, AuditEntry)) == before


def test_exits_are_visible_to_their_merchant_and_office_only(session, runtime, zone) -> None:  # type: ignore[no-untyped-def]
    world, batch, urls = zone
    declaration = declare(session, runtime, world.merchant_staff, exit_filing([(batch, urls[:1])]))
    assert exits.get_exit(session, world.regulator, declaration.id) is declaration
    assert [d.id for d in exits.list_exits(session, world.merchant_staff)] == [declaration.id]
    assert exits.list_exits(session, world.merchant_b_staff) == []
    assert exits.list_exits(session, world.regulator, status="rectification_required") == []
    with pytest.raises(NotFound):
        exits.get_exit(session, world.merchant_b_staff, declaration.id)
    with pytest.raises(PermissionDenied):
        exits.recheck_exit(session, world.regulator, runtime.ring, declaration.id, ())


def test_concurrent_exits_of_the_same_code_exactly_one_wins(runtime: Runtime, session: Session) -> None:
    world = make_world(session, runtime.ring)
    batch = make_zone_batch(session, world, runtime.ring, quantity=10)
    rounds = 5
    for url in code_urls(session, runtime.ring, batch, 1, rounds):
        barrier = threading.Barrier(2)
        outcomes: list[tuple[str, list[str]]] = []

        def submit(
            filing: ExitFiling, barrier: threading.Barrier = barrier, outcomes: list = outcomes
        ) -> None:  # type: ignore[type-arg]
            barrier.wait()
            try:
                with runtime.transaction() as db:
                    declaration = declare(db, runtime, world.merchant_staff, filing)
                    outcomes.append((declaration.status.value, problems(declaration)))
            except Exception as exc:  # a lost race may also end in a domain error, never in anything else
                outcomes.append((type(exc).__name__, []))

        threads = [threading.Thread(target=submit, args=(exit_filing([(batch, [url])]),)) for _ in range(2)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(30)
        assert sorted(outcomes) in (
            [("rectification_required", ["already_sold"]), ("written_off", [])],
            [("CodeAlreadySold", []), ("written_off", [])],
        ), outcomes
    assert count(session, SoldCode) == rounds
    assert ledger.balance(session, batch.id) == 10 - rounds
    assert ledger.ledger_report(session, world.regulator, batch.id).balanced


def test_concurrent_exits_cannot_both_spend_the_last_unit(runtime: Runtime, session: Session) -> None:
    world = make_world(session, runtime.ring)
    batch = make_zone_batch(session, world, runtime.ring, quantity=10)
    inspection.dispose_goods(session, world.regulator, batch.id, kind="destruction", quantity=9, reason="x")
    session.commit()
    barrier = threading.Barrier(2)
    outcomes: list[tuple[str, list[str]]] = []

    def submit(filing: ExitFiling) -> None:
        barrier.wait()
        with runtime.transaction() as db:
            declaration = declare(db, runtime, world.merchant_staff, filing)
            outcomes.append((declaration.status.value, problems(declaration)))

    urls = code_urls(session, runtime.ring, batch, 1, 2)
    threads = [threading.Thread(target=submit, args=(exit_filing([(batch, [u])]),)) for u in urls]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert sorted(outcomes) == [("rectification_required", ["ledger_underflow"]), ("written_off", [])]
    assert ledger.balance(session, batch.id) == 0


def with_disclosure(session: Session, batch) -> None:  # type: ignore[no-untyped-def]
    """The batch's product admitted with a consumer disclosure (SZ Art. 11), as the office decides it."""
    from suyuan.trace.model import AdmissionStatus

    batch.product.admission_status = AdmissionStatus.ADMITTED_WITH_DISCLOSURE
    batch.product.consumer_disclosure = "本品缺少自由销售证明 / lacks a free-sale certificate"
    session.commit()


def test_goods_admitted_with_a_disclosure_leave_only_with_the_buyers_acceptance(
    session, runtime, zone
) -> None:  # type: ignore[no-untyped-def]
    from suyuan.trace.errors import DisclosureNotAccepted

    world, batch, urls = zone
    with_disclosure(session, batch)
    before = (count(session, ExitDeclaration), count(session, SoldCode), count(session, LedgerEntry))
    with pytest.raises(DisclosureNotAccepted, match="consumer disclosure"):
        declare(session, runtime, world.merchant_staff, exit_filing([(batch, urls[:2])]))
    session.rollback()
    assert (count(session, ExitDeclaration), count(session, SoldCode), count(session, LedgerEntry)) == before
    accepted = replace(exit_filing([(batch, urls[:2])]), disclosure_accepted=True)
    assert declare(session, runtime, world.merchant_staff, accepted).status is ExitStatus.WRITTEN_OFF


def test_goods_without_a_disclosure_need_no_acceptance(session, runtime, zone) -> None:  # type: ignore[no-untyped-def]
    world, batch, urls = zone
    filing = exit_filing([(batch, urls[:1])])
    assert filing.disclosure_accepted is False
    assert declare(session, runtime, world.merchant_staff, filing).status is ExitStatus.WRITTEN_OFF
