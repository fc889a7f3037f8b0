"""Response-model cases of major-case reports and notices (R60), registered into test_response_models."""

from __future__ import annotations

from werkzeug.test import TestResponse

from suyuan.trace import recalls
from tests.factories import World, make_batch, make_second_office
from tests.web.test_response_models import Setting, case


def reported(s: Setting) -> tuple[World, World, dict[str, object]]:
    """Office A's recall marked as a major case through the API; office B notified. The report's body."""
    w = s.world()
    other = make_second_office(s.session)
    batch = make_batch(s.session, w, s.ring, count=0, released=False)
    recall = recalls.open_recall(s.session, w.regulator, batch.id, "stop_sale", "标签问题")
    s.session.commit()
    answer = s.post(
        "/api/v1/major-cases",
        w.tokens["regulator"],
        json={"case_kind": "recall", "case_id": recall.id, "summary": "涉及多个平台的召回"},
    )
    assert answer.status_code == 201, answer.get_json()
    return w, other, answer.get_json()


@case("post", "/api/v1/major-cases")
def _report(s: Setting) -> list[TestResponse]:
    w = s.world()
    make_second_office(s.session)
    batch = make_batch(s.session, w, s.ring, count=0, released=False)
    recall = recalls.open_recall(s.session, w.regulator, batch.id, "stop_sale", "标签问题")
    s.session.commit()
    body = {"case_kind": "recall", "case_id": recall.id, "summary": "重大召回"}
    return [s.post("/api/v1/major-cases", w.tokens["regulator"], json=body)]


@case("get", "/api/v1/major-cases")
def _list(s: Setting) -> list[TestResponse]:
    w, _other, _body = reported(s)
    return [s.get("/api/v1/major-cases", w.tokens["regulator"])]


@case("get", "/api/v1/major-cases/{major_case_id}")
def _get(s: Setting) -> list[TestResponse]:
    w, other, body = reported(s)
    path = f"/api/v1/major-cases/{body['id']}"
    return [s.get(path, w.tokens["regulator"]), s.get(path, other.tokens["regulator"])]


@case("get", "/api/v1/major-case-notices")
def _notices(s: Setting) -> list[TestResponse]:
    _w, other, _body = reported(s)
    return [s.get("/api/v1/major-case-notices", other.tokens["regulator"])]


@case("post", "/api/v1/major-case-notices/{notice_id}/acknowledge")
def _acknowledge(s: Setting) -> list[TestResponse]:
    _w, other, body = reported(s)
    notices = body["notices"]
    assert isinstance(notices, list)
    return [s.post(f"/api/v1/major-case-notices/{notices[0]['id']}/acknowledge", other.tokens["regulator"])]
