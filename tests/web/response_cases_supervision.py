"""Response-model cases of the supervision API (issue 15 part B), registered into test_response_models."""

from __future__ import annotations

from werkzeug.test import TestResponse

from suyuan.trace import negative_list
from suyuan.trace.zone import entry as zone_entry
from tests.factories import declare, entry_line, make_batch, make_enterprise, make_product, make_zone_batch
from tests.web.test_response_models import Setting, case

INFO = {"source": "foreign_notification", "title": "RASFF 2026.0001", "description": "Salmonella abroad."}


@case("get", "/api/v1/supervision-lists")
def _lists(s: Setting) -> list[TestResponse]:
    w = s.world()
    body = {"list_kind": "key_supervision", "match": "hs_prefix", "value": "1901", "reason": "infant food"}
    made = s.post("/api/v1/supervision-lists", w.tokens["regulator"], json=body).json
    assert made is not None
    s.post(f"/api/v1/supervision-lists/{made['id']}/withdraw", w.tokens["regulator"], json={"note": "over"})
    return [s.get("/api/v1/supervision-lists", w.tokens["merchant"])]


@case("post", "/api/v1/supervision-lists")
def _add_list_entry(s: Setting) -> list[TestResponse]:
    w = s.world()
    body = {"list_kind": "positive", "match": "category", "value": "food"}
    return [s.post("/api/v1/supervision-lists", w.tokens["regulator"], json=body)]


@case("post", "/api/v1/supervision-lists/{list_entry_id}/withdraw")
def _withdraw_list_entry(s: Setting) -> list[TestResponse]:
    w = s.world()
    body = {"list_kind": "positive", "match": "category", "value": "food"}
    made = s.post("/api/v1/supervision-lists", w.tokens["regulator"], json=body).json
    assert made is not None
    return [
        s.post(f"/api/v1/supervision-lists/{made['id']}/withdraw", w.tokens["regulator"], json={"note": "x"})
    ]


@case("post", "/api/v1/negative-list/{rule_id}/withdraw")
def _withdraw_negative(s: Setting) -> list[TestResponse]:
    w = s.world()
    rule = negative_list.add_entry(
        s.session, w.regulator, category="N1", kind="keyword", value="象牙", reason="CITES"
    )
    s.session.commit()
    return [s.post(f"/api/v1/negative-list/{rule.id}/withdraw", w.tokens["regulator"])]


def _assessed(s: Setting) -> tuple[object, int, int]:
    w = s.world()
    batch = make_batch(s.session, w, s.ring, count=1)
    report = {"source": "self_report", "title": "自报风险", "description": "原料问题", "batch_id": batch.id}
    made = s.post("/api/v1/risk-information", w.tokens["merchant"], json=report).json
    assert made is not None
    s.post(
        f"/api/v1/risk-information/{made['id']}/assessment",
        w.tokens["regulator"],
        json={"level": "high", "rationale": "infant food"},
    )
    return w, made["id"], batch.id


@case("get", "/api/v1/risk-information")
def _information(s: Setting) -> list[TestResponse]:
    w, info, _ = _assessed(s)
    s.post(f"/api/v1/risk-information/{info}/spot-check", w.tokens["regulator"])  # type: ignore[attr-defined]
    return [s.get("/api/v1/risk-information", w.tokens["regulator"])]  # type: ignore[attr-defined]


@case("post", "/api/v1/risk-information", unfilled=("AssessmentRecord", "Measure"))
def _record_information(s: Setting) -> list[TestResponse]:
    w = s.world()
    product = make_product(s.session, w)
    body = INFO | {"hs_prefix": "1901", "product_id": product.id, "reference": "RASFF"}
    return [s.post("/api/v1/risk-information", w.tokens["regulator"], json=body)]


@case("get", "/api/v1/risk-information/{information_id}")
def _one_information(s: Setting) -> list[TestResponse]:
    w, info, _ = _assessed(s)
    s.post(f"/api/v1/risk-information/{info}/spot-check", w.tokens["regulator"])  # type: ignore[attr-defined]
    # the merchant is not told of the planned check (its measures are empty); the office is
    return [
        s.get(f"/api/v1/risk-information/{info}", w.tokens["merchant"]),  # type: ignore[attr-defined]
        s.get(f"/api/v1/risk-information/{info}", w.tokens["regulator"]),  # type: ignore[attr-defined]
    ]


@case("post", "/api/v1/risk-information/{information_id}/assessment", unfilled=("Measure",))
def _assess(s: Setting) -> list[TestResponse]:
    w = s.world()
    made = s.post("/api/v1/risk-information", w.tokens["regulator"], json=INFO).json
    assert made is not None
    body = {"level": "medium", "rationale": "notified abroad"}
    return [s.post(f"/api/v1/risk-information/{made['id']}/assessment", w.tokens["regulator"], json=body)]


@case("post", "/api/v1/risk-information/{information_id}/warning")
def _warn(s: Setting) -> list[TestResponse]:
    w, info, _ = _assessed(s)
    body = {
        "level": "danger",
        "title": "加严",
        "body": "加严检验",
        "sampling_factor": 3,
        "require_inspection": True,
    }
    return [s.post(f"/api/v1/risk-information/{info}/warning", w.tokens["regulator"], json=body)]  # type: ignore[attr-defined]


@case("post", "/api/v1/risk-information/{information_id}/spot-check", unfilled=("SpotCheckRecall",))
def _check(s: Setting) -> list[TestResponse]:
    w, info, _ = _assessed(s)
    return [s.post(f"/api/v1/risk-information/{info}/spot-check", w.tokens["regulator"], json={"note": "n"})]  # type: ignore[attr-defined]


@case("post", "/api/v1/risk-information/{information_id}/recall")
def _recall(s: Setting) -> list[TestResponse]:
    w, info, _ = _assessed(s)
    body = {"kind": "stop_sale", "reason": "风险排查", "instructions": "停止销售"}
    return [s.post(f"/api/v1/risk-information/{info}/recall", w.tokens["regulator"], json=body)]  # type: ignore[attr-defined]


def _designated(s: Setting) -> tuple[object, int]:
    w = s.world()
    store = make_enterprise(s.session, kind="warehouse")
    s.session.commit()
    made = s.post(
        "/api/v1/warehouses", w.tokens["regulator"], json={"enterprise_id": store.id, "address": "前海"}
    ).json
    assert made is not None
    return w, made["id"]


@case("get", "/api/v1/warehouses")
def _warehouses(s: Setting) -> list[TestResponse]:
    w, made = _designated(s)
    s.post(f"/api/v1/warehouses/{made}/withdraw", w.tokens["regulator"])  # type: ignore[attr-defined]
    return [s.get("/api/v1/warehouses", w.tokens["merchant"])]  # type: ignore[attr-defined]


@case("post", "/api/v1/warehouses")
def _designate(s: Setting) -> list[TestResponse]:
    w = s.world()
    store = make_enterprise(s.session, kind="warehouse")
    s.session.commit()
    return [s.post("/api/v1/warehouses", w.tokens["regulator"], json={"enterprise_id": store.id})]


@case("post", "/api/v1/warehouses/{warehouse_id}/withdraw")
def _withdraw_warehouse(s: Setting) -> list[TestResponse]:
    w, made = _designated(s)
    return [s.post(f"/api/v1/warehouses/{made}/withdraw", w.tokens["regulator"])]  # type: ignore[attr-defined]


@case("post", "/api/v1/entry-declarations/{declaration_id}/warehouse")
def _store(s: Setting) -> list[TestResponse]:
    w, made = _designated(s)
    declaration = declare(s.session, w, entry_line(make_product(s.session, w)))  # type: ignore[arg-type]
    body = {"warehouse_id": made}
    return [s.post(f"/api/v1/entry-declarations/{declaration.id}/warehouse", w.tokens["merchant"], json=body)]  # type: ignore[attr-defined]


@case("post", "/api/v1/entry-declarations/{declaration_id}/quarantine-scopes")
def _scopes(s: Setting) -> list[TestResponse]:
    w = s.world()
    declaration = declare(s.session, w, entry_line(make_product(s.session, w)))
    body = {"scopes": ["goods", "wood_packaging"]}
    return [
        s.post(
            f"/api/v1/entry-declarations/{declaration.id}/quarantine-scopes", w.tokens["regulator"], json=body
        )
    ]


@case("get", "/api/v1/batches/{batch_id}/supervision")
def _supervision(s: Setting) -> list[TestResponse]:
    w = s.world()
    batch = make_zone_batch(s.session, w, s.ring, quantity=10)
    line = zone_entry.entry_line_of(s.session, batch.id)
    assert line is not None
    s.post(
        "/api/v1/supervision-lists",
        w.tokens["regulator"],
        json={"list_kind": "positive", "match": "category", "value": "toy"},
    )
    return [s.get(f"/api/v1/batches/{batch.id}/supervision", w.tokens["merchant"])]
