"""The officer's desk: every decision form, its confirmation step, and its refusals (nothing half-written)."""

from __future__ import annotations

import re

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from suyuan.runtime import Runtime
from suyuan.trace import complaints
from suyuan.trace.model import (
    AuditEntry,
    Batch,
    BatchReport,
    BatchStatus,
    Product,
    Recall,
    RiskWarning,
    SpotCheck,
)
from suyuan.trace.zone import inspection
from suyuan.trace.zone.inspection import ReportFiling
from tests.factories import (
    REPORT_SHA,
    code_urls,
    declare,
    entry_line,
    make_product,
    make_second_office,
    make_world,
    make_zone_batch,
    product_filing,
)

RAW = re.compile(
    r">\s*(admitted_with_disclosure|filed|in_zone|released|exit_blocked|stop_sale|sold_units|planned|sampled|"
    r"submitted|pending|passed|failed|merchant|foreign_test_report|wood_packaging|violation|written_off)\s*<"
)


def login(app: Flask, client: FlaskClient, email: str = "officer@test.example") -> None:
    app.config["WTF_CSRF_ENABLED"] = False
    assert client.post("/login", data={"email": email, "password": "password1"}).status_code == 302


def audit_length(session: Session) -> int:
    session.expire_all()
    return int(session.scalar(select(func.count()).select_from(AuditEntry)) or 0)


def confirm_twice(client: FlaskClient, url: str, data: dict[str, str], prefix: str) -> tuple[str, object]:
    """Post the form, check the confirmation page writes nothing, then post it confirmed."""
    first = client.post(url, data=data)
    page = first.get_data(as_text=True)
    assert first.status_code == 200 and 'data-test="confirm"' in page, page
    assert f'name="{prefix}-confirmed" value="yes"' in page
    second = client.post(url, data=data | {f"{prefix}-confirmed": "yes"})
    return page, second


def test_a_filing_is_admitted_with_disclosure_after_confirmation(
    app: Flask, client: FlaskClient, session: Session, runtime: Runtime
) -> None:
    world = make_world(session, runtime.ring)
    soft = product_filing(documents=())  # no documents at all: soft requirements unmet
    from suyuan.trace import registry

    product = registry.file_product(session, world.merchant_staff, world.merchant.id, soft)
    session.commit()
    login(app, client)
    listing = client.get("/regulator/filings").get_data(as_text=True)
    assert product.name in listing and f"/regulator/filings/{product.id}" in listing
    console = client.get("/regulator/").get_data(as_text=True)
    assert 'href="/regulator/filings" data-test="count-filed"' in console
    page = client.get(f"/regulator/filings/{product.id}").get_data(as_text=True)
    assert "缺少（须附消费者告知方可准入）" in page and 'data-test="admission-form"' in page
    url = f"/regulator/filings/{product.id}"
    before = audit_length(session)
    short = client.post(url, data={"admission-decision": "admit", "admission-confirmed": "yes"})
    assert short.status_code == 422 and "消费者告知" in short.get_data(as_text=True)
    assert audit_length(session) == before
    data = {
        "admission-decision": "admit_with_disclosure",
        "admission-risk_class": "2",
        "admission-disclosure": "本品缺少自由销售证明，请消费者知悉。",
    }
    confirm, done = confirm_twice(client, url, data, "admission")
    assert "附消费者告知准入" in confirm and "二类：重点监管" in confirm
    assert done.status_code == 303  # type: ignore[attr-defined]
    session.expire_all()
    decided = session.get(Product, product.id)
    assert decided is not None and decided.admission_status.value == "admitted_with_disclosure"
    assert decided.risk_class == 2
    after = client.get(url).get_data(as_text=True)
    assert "附告知准入" in after and "准入决定已记录" in after and not RAW.search(after)


def test_a_refusal_needs_a_reason_and_a_decided_filing_cannot_be_decided_again(
    app: Flask, client: FlaskClient, session: Session, runtime: Runtime
) -> None:
    world = make_world(session, runtime.ring)
    product = make_product(session, world, admit=False)
    login(app, client)
    url = f"/regulator/filings/{product.id}"
    before = audit_length(session)
    bad = client.post(url, data={"admission-decision": "refuse", "admission-confirmed": "yes"})
    assert bad.status_code == 400 and "原因" in bad.get_data(as_text=True)
    hostile = client.post(url, data={"admission-decision": "<script>", "admission-confirmed": "yes"})
    assert hostile.status_code == 400 and "<script>" not in hostile.get_data(as_text=True)
    assert audit_length(session) == before
    _page, done = confirm_twice(
        client, url, {"admission-decision": "refuse", "admission-reason": "缺少检测报告"}, "admission"
    )
    assert done.status_code == 303  # type: ignore[attr-defined]
    again = client.post(url, data={"admission-decision": "admit", "admission-confirmed": "yes"})
    assert again.status_code == 409 and "未作任何更改" in again.get_data(as_text=True)


def test_quarantine_reports_release_and_disposal_from_the_zone_pages(
    app: Flask, client: FlaskClient, session: Session, runtime: Runtime
) -> None:
    world = make_world(session, runtime.ring)
    product = make_product(session, world)
    declaration = declare(session, world, entry_line(product, quantity=20))
    batch = declaration.lines[0].batch
    assert batch is not None
    report = inspection.submit_report(
        session,
        world.merchant_staff,
        batch.id,
        ReportFiling(
            kind="foreign_test_report",
            issuer="SGS NZ",
            issued_on=declaration.declared_at.date(),
            sha256=REPORT_SHA,
        ),
    )
    session.commit()
    login(app, client)
    zone = client.get("/regulator/zone").get_data(as_text=True)
    assert f"/regulator/zone/entries/{declaration.id}" in zone and "通过 API" not in zone
    entry_url = f"/regulator/zone/entries/{declaration.id}"
    page = client.get(entry_url).get_data(as_text=True)
    assert "木质包装" in page and "检疫待定" in page and not RAW.search(page)
    quarantine = f"{entry_url}/quarantine"
    before = audit_length(session)
    failed_no_note = client.post(
        quarantine,
        data={"quarantine-scope": "goods", "quarantine-outcome": "failed", "quarantine-confirmed": "yes"},
    )
    assert failed_no_note.status_code == 400 and "备注" in failed_no_note.get_data(as_text=True)
    assert audit_length(session) == before
    _page, done = confirm_twice(
        client,
        quarantine,
        {"quarantine-scope": "wood_packaging", "quarantine-outcome": "passed"},
        "quarantine",
    )
    assert done.status_code == 303  # type: ignore[attr-defined]
    batch_url = f"/regulator/zone/batches/{batch.id}"
    desk = client.get(batch_url).get_data(as_text=True)
    assert "有报告等待办事处审核" in desk and 'data-test="review-form"' in desk
    early = client.post(f"{batch_url}/release", data={"release-confirmed": "yes"})
    assert early.status_code == 409 and "尚不能放行" in early.get_data(as_text=True)
    _page, done = confirm_twice(
        client, f"/regulator/zone/reports/{report.id}/review", {"review-accept": "accept"}, "review"
    )
    assert done.status_code == 303  # type: ignore[attr-defined]
    _page, done = confirm_twice(client, f"{batch_url}/release", {}, "release")
    assert done.status_code == 303  # type: ignore[attr-defined]
    session.expire_all()
    assert session.get(Batch, batch.id).status is BatchStatus.RELEASED  # type: ignore[union-attr]
    assert session.get(BatchReport, report.id).status.value == "accepted"  # type: ignore[union-attr]
    too_many = client.post(
        f"{batch_url}/disposal",
        data={
            "disposal-kind": "destruction",
            "disposal-quantity": "21",
            "disposal-reason": "焚烧",
            "disposal-confirmed": "yes",
        },
    )
    assert too_many.status_code == 409 and "结存" in too_many.get_data(as_text=True)
    confirm, done = confirm_twice(
        client,
        f"{batch_url}/disposal",
        {"disposal-kind": "destruction", "disposal-quantity": "2", "disposal-reason": "监督焚烧"},
        "disposal",
    )
    assert "销毁" in confirm and done.status_code == 303  # type: ignore[attr-defined]
    assert "18" in client.get(batch_url).get_data(as_text=True)


def test_a_spot_check_is_planned_from_the_trace_page_sampled_and_failed(
    app: Flask, client: FlaskClient, session: Session, runtime: Runtime
) -> None:
    world = make_world(session, runtime.ring)
    batch = make_zone_batch(session, world, runtime.ring, quantity=10)
    login(app, client)
    trace = client.get(f"/regulator/trace/batch/{batch.id}").get_data(as_text=True)
    assert f"/regulator/batches/{batch.id}/spot-check" in trace and 'data-test="trace-actions"' in trace
    url = f"/regulator/batches/{batch.id}/spot-check"
    assert client.get(url).status_code == 200
    _page, done = confirm_twice(client, url, {"check-note": "消费者投诉"}, "check")
    assert done.status_code == 303  # type: ignore[attr-defined]
    check_id = session.scalar(select(SpotCheck.id).filter_by(batch_id=batch.id))
    assert done.headers["Location"].endswith(f"/regulator/spot-checks/{check_id}")  # type: ignore[attr-defined]
    base = f"/regulator/spot-checks/{check_id}"
    _page, done = confirm_twice(
        client, f"{base}/sample", {"sample-channel": "offline", "sample-quantity": "1"}, "sample"
    )
    assert done.status_code == 303  # type: ignore[attr-defined]
    before = audit_length(session)
    no_items = client.post(
        f"{base}/result",
        data={
            "result-outcome": "failed",
            "result-lab": "CIQ Lab",
            "result-report_sha256": REPORT_SHA,
            "result-confirmed": "yes",
        },
    )
    assert no_items.status_code == 400 and "不合格项目" in no_items.get_data(as_text=True)
    bad_hash = client.post(
        f"{base}/result",
        data={
            "result-outcome": "passed",
            "result-lab": "CIQ Lab",
            "result-report_sha256": "zz" * 32,
            "result-confirmed": "yes",
        },
    )
    assert bad_hash.status_code == 400
    assert audit_length(session) == before
    data = {
        "result-outcome": "failed",
        "result-lab": "CIQ Lab",
        "result-report_sha256": REPORT_SHA,
        "result-failed_items": "铅含量\n菌落总数",
    }
    confirm, done = confirm_twice(client, f"{base}/result", data, "result")
    assert "禁止该批次出区" in confirm and done.status_code == 303  # type: ignore[attr-defined]
    page = client.get(base).get_data(as_text=True)
    assert "不合格" in page and "铅含量" in page and not RAW.search(page)
    session.expire_all()
    assert session.get(Batch, batch.id).status is not BatchStatus.RELEASED  # type: ignore[union-attr]


def test_the_draw_plans_checks_reproducibly(
    app: Flask, client: FlaskClient, session: Session, runtime: Runtime
) -> None:
    world = make_world(session, runtime.ring)
    for _ in range(3):
        make_zone_batch(session, world, runtime.ring, quantity=5)
    login(app, client)
    assert 'data-test="draw-form"' in client.get("/regulator/spot-checks").get_data(as_text=True)
    _page, done = confirm_twice(client, "/regulator/spot-checks/draw", {"draw-seed": "round-1"}, "draw")
    assert done.status_code == 303  # type: ignore[attr-defined]
    listing = client.get("/regulator/spot-checks").get_data(as_text=True)
    assert "抽取完成" in listing


def test_a_recall_from_the_trace_page_needs_confirmation_and_goes_to_the_recall(
    app: Flask, client: FlaskClient, session: Session, runtime: Runtime
) -> None:
    world = make_world(session, runtime.ring)
    batch = make_zone_batch(session, world, runtime.ring, quantity=10)
    login(app, client)
    url = f"/regulator/batches/{batch.id}/recall"
    form = client.get(url).get_data(as_text=True)
    assert batch.lot in form and 'data-test="recall-form"' in form
    data = {"recall-kind": "recall", "recall-reason": "检出沙门氏菌", "recall-internal_reason": "投诉 TS-1"}
    confirm, done = confirm_twice(client, url, data, "recall")
    assert "不可撤销" in confirm and "检出沙门氏菌" in confirm
    recall_id = session.scalar(select(Recall.id).filter_by(batch_id=batch.id))
    assert done.headers["Location"].endswith(f"/regulator/recalls/{recall_id}")  # type: ignore[attr-defined]
    again = client.post(url, data=data | {"recall-confirmed": "yes"})
    assert again.status_code == 409 and "未作任何更改" in again.get_data(as_text=True)
    desk = client.get(f"/regulator/recalls?batch={batch.id}").get_data(as_text=True)
    assert f'<option selected value="{batch.id}">' in desk or f'value="{batch.id}" selected' in desk


def test_a_risk_warning_names_the_batch_of_the_trace_page(
    app: Flask, client: FlaskClient, session: Session, runtime: Runtime
) -> None:
    world = make_world(session, runtime.ring)
    batch = make_zone_batch(session, world, runtime.ring, quantity=10)
    login(app, client)
    url = f"/regulator/batches/{batch.id}/warning"
    data = {"warning-level": "warning", "warning-title": "警惕仿冒", "warning-body": "请核对追溯码。"}
    _page, done = confirm_twice(client, url, data, "warning")
    assert done.status_code == 303  # type: ignore[attr-defined]
    assert session.scalar(select(RiskWarning.batch_id)) == batch.id


def test_a_credit_event_regrades_the_merchant(
    app: Flask, client: FlaskClient, session: Session, runtime: Runtime
) -> None:
    world = make_world(session, runtime.ring)
    make_zone_batch(session, world, runtime.ring, quantity=10)
    login(app, client)
    url = f"/regulator/enterprises/{world.merchant.id}"
    page = client.get(url).get_data(as_text=True)
    assert world.merchant.uscc in page and 'data-test="credit-form"' in page and not RAW.search(page)
    before = audit_length(session)
    assert (
        client.post(
            f"{url}/credit-events",
            data={"credit-kind": "recall_ordered", "credit-note": "x", "credit-confirmed": "yes"},
        ).status_code
        == 400
    )
    assert audit_length(session) == before
    _page, done = confirm_twice(
        client, f"{url}/credit-events", {"credit-kind": "violation", "credit-note": "虚假申报"}, "credit"
    )
    assert done.status_code == 303  # type: ignore[attr-defined]
    after = client.get(url).get_data(as_text=True)
    assert "违规" in after and 'data-test="grade"' in after and "<strong>C</strong>" in after


def test_other_offices_and_merchants_are_refused_and_nothing_is_written(
    app: Flask, client: FlaskClient, session: Session, runtime: Runtime
) -> None:
    world = make_world(session, runtime.ring)
    batch = make_zone_batch(session, world, runtime.ring, quantity=10)
    product = make_product(session, world, admit=False)
    make_second_office(session)
    session.commit()
    posts = {
        f"/regulator/filings/{product.id}": {"admission-decision": "refuse", "admission-reason": "r"},
        f"/regulator/batches/{batch.id}/recall": {"recall-kind": "recall", "recall-reason": "r"},
        f"/regulator/zone/batches/{batch.id}/disposal": {
            "disposal-kind": "destruction",
            "disposal-quantity": "1",
            "disposal-reason": "r",
        },
        f"/regulator/enterprises/{world.merchant.id}/credit-events": {
            "credit-kind": "violation",
            "credit-note": "n",
        },
    }
    before = audit_length(session)
    login(app, client, "officer@nanshan.example")
    for url, data in posts.items():
        assert client.post(url, data=data | {url.split("/")[2] + "-confirmed": "yes"}).status_code == 404, url
        assert client.get(url.rsplit("/", 1)[0] if "credit" in url else url).status_code in (404, 405), url
    client.post("/logout")
    login(app, client, "staff@a.example")
    for url, data in posts.items():
        assert client.post(url, data=data).status_code == 403, url
    assert audit_length(session) == before


def test_the_forms_carry_csrf_tokens(
    app: Flask, client: FlaskClient, session: Session, runtime: Runtime
) -> None:
    world = make_world(session, runtime.ring)
    product = make_product(session, world, admit=False)
    login(app, client)
    app.config["WTF_CSRF_ENABLED"] = True
    answer = client.post(
        f"/regulator/filings/{product.id}", data={"admission-decision": "refuse", "admission-reason": "r"}
    )
    assert answer.status_code == 400 and 'data-test="confirm"' not in answer.get_data(as_text=True)


def test_the_complaint_queue_filters_searches_and_sorts(
    app: Flask, client: FlaskClient, session: Session, runtime: Runtime
) -> None:
    world = make_world(session, runtime.ring)
    batch = make_zone_batch(session, world, runtime.ring, quantity=10, name="婴儿配方奶粉 金装")
    urls = code_urls(session, runtime.ring, batch)
    first = complaints.file_complaint(session, runtime.ring, urls[1], "quality", "味道不对，疑似变质。")
    second = complaints.file_complaint(
        session, runtime.ring, urls[2], "suspected_fake", "标签模糊，疑似假冒。"
    )
    session.commit()
    login(app, client)

    def queue(**args: str) -> str:
        return client.get("/regulator/complaints", query_string=args).get_data(as_text=True)

    assert first.reference in queue() and second.reference in queue()
    only_fake = queue(category="suspected_fake")
    assert second.reference in only_fake and first.reference not in only_fake
    assert first.reference in queue(q="金装") and first.reference in queue(q=batch.lot.lower())
    found = queue(q=first.reference.lower())
    assert first.reference in found and second.reference not in found
    oldest = queue(order="oldest")
    assert oldest.index(first.reference) < oldest.index(second.reference)
    newest = queue()
    assert newest.index(second.reference) < newest.index(first.reference)
    assert first.reference not in queue(since="2999-01-01")
    bad = client.get("/regulator/complaints", query_string={"since": "2026-05-02", "until": "2026-05-01"})
    assert bad.status_code == 400 and "起" in bad.get_data(as_text=True)
    assert not RAW.search(newest) and "婴儿配方奶粉 金装" in newest
