"""Interviews, rectification orders and reports through the API, the officer's and the merchant's pages and
the CLI (R52): who may do what, bad input answers 4xx with a clear message and writes nothing, pages in
zh-CN with Beijing time and names."""

from __future__ import annotations

import io
from datetime import date, timedelta
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from suyuan.runtime import Runtime
from suyuan.trace import model as domain
from suyuan.trace import rectification
from suyuan.trace.model import AuditEntry, RectificationOrder, RectificationReport, RectificationStatus
from suyuan.web.responses import rectification as words
from tests.factories import World, make_batch, make_second_office, make_world
from tests.web.sessions import bearer, login

PDF = b"%PDF-1.7\n% evidence\n%%EOF\n"
ZH = {"Accept-Language": "zh-CN,zh;q=0.9"}
DEADLINE = (date.today() + timedelta(days=14)).isoformat()
ORDER = {"matter": "中文标签缺失", "requirements": "补齐中文标签,提交整改报告", "deadline": DEADLINE}


def counts(session: Session) -> tuple[int, int, int]:
    session.expire_all()
    return (
        int(session.scalar(select(func.count()).select_from(AuditEntry)) or 0),
        int(session.scalar(select(func.count()).select_from(RectificationOrder)) or 0),
        int(session.scalar(select(func.count()).select_from(RectificationReport)) or 0),
    )


def issue(client: FlaskClient, world: World, body: dict[str, Any] | None = None) -> int:
    answer = client.post(
        f"/api/v1/enterprises/{world.merchant.id}/rectification-orders",
        json=body or ORDER,
        headers=bearer(world.tokens["regulator"]),
    )
    assert answer.status_code == 201, answer.get_json()
    return int(answer.get_json()["id"])


def report(client: FlaskClient, token: str, order_id: int, **data: Any) -> Any:
    return client.post(
        f"/api/v1/rectification-orders/{order_id}/reports",
        data={"text": "已整改"} | data,
        content_type="multipart/form-data",
        headers=bearer(token),
    )


@pytest.mark.parametrize(
    ("vocabulary", "enum"),
    [
        (words.RectificationStatus, domain.RectificationStatus),
        (words.RectificationCause, domain.RectificationCause),
        (words.ReportDecision, domain.ReportDecision),
    ],
)
def test_each_vocabulary_is_its_domain_enum(vocabulary: object, enum: Any) -> None:
    assert set(vocabulary.__args__) == {e.value for e in enum}  # type: ignore[attr-defined]


def test_an_order_is_reported_rejected_reported_again_and_closed_through_the_api(
    client: FlaskClient, session: Session, runtime: Runtime
) -> None:
    world = make_world(session, runtime.ring)
    order_id = issue(client, world)
    merchant, office = world.tokens["merchant"], world.tokens["regulator"]
    first = report(client, merchant, order_id, file=(io.BytesIO(PDF), "整改报告.pdf"))
    assert first.status_code == 201 and first.get_json()["file"]["media_type"] == "application/pdf"
    download = client.get(first.get_json()["file"]["url"], headers=bearer(office))
    assert download.status_code == 200 and download.data == PDF
    assert "attachment" in download.headers["Content-Disposition"]
    assert download.headers["Cache-Control"] == "private, no-store"
    review = f"/api/v1/rectification-reports/{first.get_json()['id']}/review"
    no_reason = client.post(review, json={"decision": "reject"}, headers=bearer(office))
    assert no_reason.status_code == 400 and "reason" in no_reason.get_json()["error"]["message"]
    rejected = client.post(review, json={"decision": "reject", "reason": "缺照片"}, headers=bearer(office))
    assert rejected.status_code == 200 and rejected.get_json()["decision"] == "rejected"
    second = report(client, merchant, order_id)
    assert second.status_code == 201 and second.get_json()["file"] is None
    accepted = client.post(
        f"/api/v1/rectification-reports/{second.get_json()['id']}/review",
        json={"decision": "accept"},
        headers=bearer(office),
    )
    assert accepted.status_code == 200
    shown = client.get(f"/api/v1/rectification-orders/{order_id}", headers=bearer(merchant)).get_json()
    assert shown["status"] == "closed" and not shown["overdue"] and len(shown["reports"]) == 2
    closed = report(client, merchant, order_id)
    assert closed.status_code == 409 and "closed" in closed.get_json()["error"]["message"]
    overview = client.get(f"/api/v1/enterprises/{world.merchant.id}/rectification", headers=bearer(merchant))
    assert overview.get_json()["strict_inspection"] == {
        "applies": False,
        "overdue_orders": [],
        "recent_orders": 1,
    }


def test_a_merchant_cannot_issue_and_another_office_or_merchant_gets_404(
    client: FlaskClient, session: Session, runtime: Runtime
) -> None:
    world = make_world(session, runtime.ring)
    other = make_second_office(session)
    path = f"/api/v1/enterprises/{world.merchant.id}/rectification-orders"
    before = counts(session)
    assert client.post(path, json=ORDER, headers=bearer(world.tokens["merchant"])).status_code == 403
    assert client.post(path, json=ORDER, headers=bearer(other.tokens["regulator"])).status_code == 404
    assert client.post(path, json=ORDER).status_code == 401
    interview = f"/api/v1/enterprises/{world.merchant.id}/interviews"
    assert client.post(interview, json={}, headers=bearer(world.tokens["merchant"])).status_code == 403
    assert counts(session) == before
    order_id = issue(client, world)
    for token in (other.tokens["regulator"], world.tokens["merchant_b"]):
        answer = client.get(f"/api/v1/rectification-orders/{order_id}", headers=bearer(token))
        assert answer.status_code == 404
        assert answer.get_json()["error"]["message"] == f"rectification order {order_id} does not exist"
    assert report(client, world.tokens["merchant_b"], order_id).status_code == 404
    assert report(client, world.tokens["regulator"], order_id).status_code == 403
    assert client.get(
        "/api/v1/rectification-orders", headers=bearer(other.tokens["regulator"])
    ).get_json() == {"orders": []}


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"matter": "x", "requirements": "y"},
        {"matter": "", "requirements": "y", "deadline": DEADLINE},
        {"matter": "x", "requirements": "y", "deadline": "2026-13-01"},
        {"matter": "x", "requirements": "y", "deadline": "2020-01-01"},
        {"matter": "x" * 4001, "requirements": "y", "deadline": DEADLINE},
        {"matter": "x", "requirements": "y", "deadline": DEADLINE, "cause_kind": "rumour", "cause_id": 1},
        {"matter": "x", "requirements": "y", "deadline": DEADLINE, "cause_id": 1},
        {"matter": "x", "requirements": "y", "deadline": DEADLINE, "cause_kind": "recall", "cause_id": True},
        {"matter": ["x"], "requirements": "y", "deadline": DEADLINE},
        {"matter": "x", "requirements": "y", "deadline": DEADLINE, "extra": 1},
    ],
)
def test_a_malformed_order_is_a_400_and_writes_nothing(
    client: FlaskClient, session: Session, runtime: Runtime, body: dict[str, Any]
) -> None:
    world = make_world(session, runtime.ring)
    before = counts(session)
    answer = client.post(
        f"/api/v1/enterprises/{world.merchant.id}/rectification-orders",
        json=body,
        headers=bearer(world.tokens["regulator"]),
    )
    assert answer.status_code == 400 and answer.get_json()["error"]["message"]
    assert counts(session) == before


def test_a_cause_of_another_enterprise_is_a_404(
    client: FlaskClient, session: Session, runtime: Runtime
) -> None:
    world = make_world(session, runtime.ring)
    batch = make_batch(session, world, runtime.ring, count=0, released=False, owner="merchant_b")
    from suyuan.trace.zone import spot_checks

    check = spot_checks.open_spot_check(session, world.regulator, batch.id)
    session.commit()
    before = counts(session)
    answer = client.post(
        f"/api/v1/enterprises/{world.merchant.id}/rectification-orders",
        json=ORDER | {"cause_kind": "spot_check", "cause_id": check.id},
        headers=bearer(world.tokens["regulator"]),
    )
    assert answer.status_code == 404 and counts(session) == before


def test_bad_report_files_are_refused_with_their_status_and_nothing_is_written(
    client: FlaskClient, session: Session, runtime: Runtime
) -> None:
    world = make_world(session, runtime.ring)
    order_id = issue(client, world)
    merchant = world.tokens["merchant"]
    before = counts(session)
    big = report(
        client, merchant, order_id, file=(io.BytesIO(b"%PDF-" + b"0" * (10 * 1024 * 1024)), "big.pdf")
    )
    assert big.status_code == 413 and "10 MB" in big.get_json()["error"]["message"]
    html = report(client, merchant, order_id, file=(io.BytesIO(b"<html>hi</html>"), "x.pdf"))
    assert html.status_code == 422 and "PDF, JPEG or PNG" in html.get_json()["error"]["message"]
    empty = report(client, merchant, order_id, file=(io.BytesIO(b""), "empty.pdf"))
    assert empty.status_code == 422
    blank = report(client, merchant, order_id, text="   ")
    assert blank.status_code == 400
    as_json = client.post(
        f"/api/v1/rectification-orders/{order_id}/reports", json={"text": "x"}, headers=bearer(merchant)
    )
    assert as_json.status_code == 415
    assert counts(session) == before
    session.expire_all()
    assert session.get(RectificationOrder, order_id).status is RectificationStatus.OPEN  # type: ignore[union-attr]


def test_an_interview_through_the_api(client: FlaskClient, session: Session, runtime: Runtime) -> None:
    world = make_world(session, runtime.ring)
    body = {
        "held_on": date.today().isoformat(),
        "place": "视频会议",
        "participants": "王科长",
        "matter": "投诉集中",
        "commitments": "一周内整改",
    }
    path = f"/api/v1/enterprises/{world.merchant.id}/interviews"
    made = client.post(path, json=body, headers=bearer(world.tokens["regulator"]))
    assert made.status_code == 201 and made.get_json()["commitments"] == "一周内整改"
    future = body | {"held_on": (date.today() + timedelta(days=2)).isoformat()}
    assert client.post(path, json=future, headers=bearer(world.tokens["regulator"])).status_code == 400
    seen = client.get(
        f"/api/v1/enterprises/{world.merchant.id}/rectification", headers=bearer(world.tokens["merchant"])
    )
    assert [i["matter"] for i in seen.get_json()["interviews"]] == ["投诉集中"]


def test_the_officer_issues_an_order_and_records_an_interview_with_a_confirmation(
    app: Flask, client: FlaskClient, session: Session, runtime: Runtime
) -> None:
    world = make_world(session, runtime.ring)
    login(app, client, "officer@test.example")
    desk = client.get("/regulator/rectification", headers=ZH).get_data(as_text=True)
    assert "约谈" in desk and "责令整改" in desk and 'data-nav="rectification"' in desk
    form = {
        "order-enterprise_id": str(world.merchant.id),
        "order-matter": "虚假宣传",
        "order-requirements": "下架并更正宣传",
        "order-deadline": DEADLINE,
        "order-cause_kind": "",
    }
    before = counts(session)
    confirm = client.post("/regulator/rectification/orders", data=form, headers=ZH)
    assert confirm.status_code == 200 and "严格" in confirm.get_data(as_text=True)
    assert counts(session) == before
    done = client.post("/regulator/rectification/orders", data=form | {"order-confirmed": "yes"}, headers=ZH)
    assert done.status_code == 303
    late = form | {"order-deadline": "2020-01-01", "order-confirmed": "yes"}
    refused = client.post("/regulator/rectification/orders", data=late, headers=ZH)
    assert refused.status_code == 400 and "整改期限" in refused.get_data(as_text=True)
    interview = {
        "interview-enterprise_id": str(world.merchant.id),
        "interview-held_on": date.today().isoformat(),
        "interview-place": "前海办事处",
        "interview-participants": "王科长",
        "interview-matter": "宣传问题",
        "interview-commitments": "三日内更正",
        "interview-confirmed": "yes",
    }
    assert client.post("/regulator/rectification/interviews", data=interview).status_code == 303
    page = client.get("/regulator/rectification", headers=ZH).get_data(as_text=True)
    assert "虚假宣传" in page and "三日内更正" in page and world.merchant.name in page
    assert counts(session)[1] == before[1] + 1


def test_the_merchant_reports_on_its_page_and_the_officer_rejects_then_accepts(
    app: Flask, client: FlaskClient, session: Session, runtime: Runtime
) -> None:
    world = make_world(session, runtime.ring)
    order_id = issue(client, world)
    login(app, client, "staff@a.example")
    desk = client.get("/merchant/rectification", headers=ZH).get_data(as_text=True)
    assert "中文标签缺失" in desk and "待企业报告整改情况" in desk and 'data-nav="rectification"' in desk
    page = f"/merchant/rectification/orders/{order_id}"
    assert 'data-test="report-form"' in client.get(page, headers=ZH).get_data(as_text=True)
    post = f"{page}/reports"
    wrong = client.post(post, data={"text": "已整改", "file": (io.BytesIO(b"GIF89a"), "x.gif")}, headers=ZH)
    assert wrong.status_code == 422 and "只接受 PDF、JPEG 或 PNG 文件" in wrong.get_data(as_text=True)
    assert counts(session)[2] == 0
    sent = client.post(post, data={"text": "已更换标签", "file": (io.BytesIO(PDF), "整改.pdf")}, headers=ZH)
    assert sent.status_code == 303
    again = client.post(post, data={"text": "再报"}, headers=ZH)
    assert again.status_code == 409
    client.get("/logout")
    login(app, client, "officer@test.example")
    office_page = client.get(f"/regulator/rectification/orders/{order_id}", headers=ZH).get_data(as_text=True)
    assert "已更换标签" in office_page and "整改.pdf" in office_page
    report_id = session.scalar(select(RectificationReport.id).filter_by(order_id=order_id))
    review = f"/regulator/rectification/reports/{report_id}/review"
    no_reason = client.post(review, data={"review-decision": "reject", "review-confirmed": "yes"}, headers=ZH)
    assert no_reason.status_code == 400
    confirm = client.post(review, data={"review-decision": "reject", "review-reason": "照片不清"}, headers=ZH)
    assert confirm.status_code == 200 and 'data-test="confirm"' in confirm.get_data(as_text=True)
    done = client.post(
        review,
        data={"review-decision": "reject", "review-reason": "照片不清", "review-confirmed": "yes"},
        headers=ZH,
    )
    assert done.status_code == 303
    session.expire_all()
    assert session.get(RectificationOrder, order_id).status is RectificationStatus.OPEN  # type: ignore[union-attr]


def test_other_roles_and_remits_cannot_open_the_pages(
    app: Flask, client: FlaskClient, session: Session, runtime: Runtime
) -> None:
    world = make_world(session, runtime.ring)
    order_id = issue(client, world)
    login(app, client, "staff@b.example")
    assert client.get(f"/merchant/rectification/orders/{order_id}").status_code == 404
    assert client.get("/regulator/rectification").status_code == 403
    client.get("/logout")
    login(app, client, "staff@a.example")
    assert client.get(f"/merchant/rectification/orders/{order_id}").status_code == 200


def test_the_cli_orders_reports_reviews_and_tells_strict_inspection(
    run: Any, session: Session, runtime: Runtime, tmp_path: Any
) -> None:
    world = make_world(session, runtime.ring)
    merchant = str(world.merchant.id)
    out = run(
        "rectification",
        "order",
        merchant,
        "--matter",
        "标签",
        "--requirements",
        "补齐",
        "--deadline",
        DEADLINE,
    )
    assert out.exit_code == 0 and "open" in out.output
    order_id = out.output.split()[1].rstrip(":")
    evidence = tmp_path / "evidence.pdf"
    evidence.write_bytes(PDF)
    out = run("rectification", "report", order_id, "--text", "已整改", "--file", str(evidence))
    assert out.exit_code == 0
    report_id = out.output.split()[1].rstrip(":")
    assert run("rectification", "review", report_id, "reject").exit_code == 2  # no reason
    out = run("rectification", "review", report_id, "accept")
    assert out.exit_code == 0 and "closed" in out.output
    assert "evidence.pdf" in run("rectification", "show", order_id).output
    run(
        "rectification",
        "order",
        merchant,
        "--matter",
        "再犯",
        "--requirements",
        "整改",
        "--deadline",
        DEADLINE,
    )
    assert "under strict inspection" in run("rectification", "strict", merchant).output
    assert "2 orders" in run("rectification", "list").output
    held = date.today().isoformat()
    out = run(
        "rectification", "interview", merchant, "--held-on", held, "--place", "电话",
        "--participants", "王科长", "--matter", "再犯", "--commitments", "整改",
    )  # fmt: skip
    assert out.exit_code == 0
    bad = tmp_path / "x.html"
    bad.write_bytes(b"<html>")
    assert run("rectification", "report", order_id, "--text", "x", "--file", str(bad)).exit_code == 2
    assert (
        run(
            "rectification", "order", "999999", "--matter", "x", "--requirements", "y", "--deadline", DEADLINE
        ).exit_code
        == 2
    )


def test_strict_inspection_shows_on_the_merchant_page(
    app: Flask, client: FlaskClient, session: Session, runtime: Runtime
) -> None:
    world = make_world(session, runtime.ring)
    issue(client, world)
    issue(client, world)
    assert rectification.strict_inspection(session, world.merchant.id).applies
    login(app, client, "staff@a.example")
    page = client.get("/merchant/rectification", headers=ZH).get_data(as_text=True)
    assert 'data-test="strict-inspection"' in page and "严格" in page


def test_the_report_form_needs_its_csrf_token(
    app: Flask, client: FlaskClient, session: Session, runtime: Runtime
) -> None:
    world = make_world(session, runtime.ring)
    order_id = issue(client, world)
    login(app, client, "staff@a.example")
    app.config["WTF_CSRF_ENABLED"] = True
    before = counts(session)
    answer = client.post(
        f"/merchant/rectification/orders/{order_id}/reports", data={"text": "已整改"}, headers=ZH
    )
    assert answer.status_code == 400 and counts(session) == before
    officer = client.post("/regulator/rectification/orders", data={"order-matter": "x"}, headers=ZH)
    assert officer.status_code in (302, 400, 403)  # a merchant: not its page; never written
    assert counts(session) == before
