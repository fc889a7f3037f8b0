"""Response-model cases of interviews, rectification orders and reports (R52), registered into
test_response_models."""

from __future__ import annotations

import io
from datetime import date, timedelta

from werkzeug.test import TestResponse

from tests.factories import World
from tests.web.test_response_models import Setting, case

PDF = b"%PDF-1.7\n% rectification evidence\n%%EOF\n"
DEADLINE = (date.today() + timedelta(days=20)).isoformat()


def order(s: Setting, w: World) -> int:
    """An order issued to merchant A through the API; its id."""
    answer = s.post(
        f"/api/v1/enterprises/{w.merchant.id}/rectification-orders",
        w.tokens["regulator"],
        json={"matter": "标签不全", "requirements": "补齐中文标签", "deadline": DEADLINE},
    )
    assert answer.status_code == 201, answer.get_json()
    return int(answer.get_json()["id"])


def report(s: Setting, w: World, order_id: int) -> TestResponse:
    """A report with a PDF on the order, by merchant A's staff."""
    return s.post(
        f"/api/v1/rectification-orders/{order_id}/reports",
        w.tokens["merchant"],
        data={"text": "已整改", "file": (io.BytesIO(PDF), "整改报告.pdf")},
        content_type="multipart/form-data",
    )


def reviewed_world(s: Setting) -> tuple[World, int]:
    """Merchant A with an interview and an order whose first report was rejected and second awaits."""
    w = s.world()
    answer = s.post(
        f"/api/v1/enterprises/{w.merchant.id}/interviews",
        w.tokens["regulator"],
        json={
            "held_on": date.today().isoformat(),
            "place": "视频会议",
            "participants": "王科长;李四",
            "matter": "标签问题",
            "commitments": "一周内整改",
        },
    )
    assert answer.status_code == 201
    order_id = order(s, w)
    first = report(s, w, order_id).get_json()["id"]
    rejected = s.post(
        f"/api/v1/rectification-reports/{first}/review",
        w.tokens["regulator"],
        json={"decision": "reject", "reason": "缺少照片"},
    )
    assert rejected.status_code == 200
    assert report(s, w, order_id).status_code == 201
    return w, order_id


@case("get", "/api/v1/enterprises/{enterprise_id}/rectification")
def _overview(s: Setting) -> list[TestResponse]:
    w, _order = reviewed_world(s)
    path = f"/api/v1/enterprises/{w.merchant.id}/rectification"
    return [s.get(path, w.tokens["merchant"]), s.get(path, w.tokens["regulator"])]


@case("post", "/api/v1/enterprises/{enterprise_id}/interviews")
def _interview(s: Setting) -> list[TestResponse]:
    w = s.world()
    body = {
        "held_on": "2026-01-05",
        "place": "电话",
        "participants": "王科长",
        "matter": "投诉",
        "commitments": "整改",
    }
    return [s.post(f"/api/v1/enterprises/{w.merchant.id}/interviews", w.tokens["regulator"], json=body)]


ISSUED = "/api/v1/enterprises/{enterprise_id}/rectification-orders"


@case("post", ISSUED, unfilled=("ReportFile", "ReportRecord"))  # a new order has no reports yet
def _issue(s: Setting) -> list[TestResponse]:
    w = s.world()
    body = {"matter": "虚假宣传", "requirements": "下架并更正", "deadline": DEADLINE}
    return [
        s.post(f"/api/v1/enterprises/{w.merchant.id}/rectification-orders", w.tokens["regulator"], json=body)
    ]


@case("get", "/api/v1/rectification-orders")
def _orders(s: Setting) -> list[TestResponse]:
    w, _order = reviewed_world(s)
    return [s.get("/api/v1/rectification-orders", w.tokens["merchant"])]


@case("get", "/api/v1/rectification-orders/{order_id}")
def _order(s: Setting) -> list[TestResponse]:
    w, order_id = reviewed_world(s)
    return [s.get(f"/api/v1/rectification-orders/{order_id}", w.tokens["regulator"])]


@case("post", "/api/v1/rectification-orders/{order_id}/reports")
def _report(s: Setting) -> list[TestResponse]:
    w = s.world()
    return [report(s, w, order(s, w))]


@case("post", "/api/v1/rectification-reports/{rectification_report_id}/review")
def _review(s: Setting) -> list[TestResponse]:
    w = s.world()
    report_id = report(s, w, order(s, w)).get_json()["id"]
    return [
        s.post(
            f"/api/v1/rectification-reports/{report_id}/review",
            w.tokens["regulator"],
            json={"decision": "accept"},
        )
    ]
