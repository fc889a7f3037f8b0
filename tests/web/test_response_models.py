"""The response models (suyuan.web.responses) hold what the real routes answer, strictly and closed.

Every operation in ``RESPONSES`` is called on a real test world, and each answer must validate against
its model in strict mode: a wrong type, a missing key or a key the model does not know fails. Each call
also has to fill every nested model at least once (a model only ever seen in an empty list or as
``null`` proves nothing); the few that a world cannot fill are named per case. Around that: the
OpenAPI document's JSON operations and ``RESPONSES`` agree, the ``Literal`` vocabularies equal the
domain enums they copy, and the schemas are closed and can sit beside the request schemas.

Paths are written out (``/api/v1/batches/1``), not built with ``url_for``: endpoint names may change.
"""

from __future__ import annotations

import io
import itertools
import types
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, replace
from typing import Annotated, Any, Union, get_args, get_origin
from urllib.parse import urlsplit

import pytest
import zxingcpp
from flask import Flask
from flask.testing import FlaskClient
from PIL import Image
from pydantic import BaseModel, ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.test import TestResponse

from suyuan.config import Settings
from suyuan.labels import templates
from suyuan.runtime import Runtime
from suyuan.trace import accounts, audit_checkpoints, keys, onboarding, recalls, sanctions, scanning
from suyuan.trace import model as domain
from suyuan.trace.actors import OPERATOR
from suyuan.trace.ceb import PackingProblem
from suyuan.trace.codes import parse_code
from suyuan.trace.identifiers import complete_uscc
from suyuan.trace.keys import KeyRing
from suyuan.trace.model import Batch, ExitDeclaration
from suyuan.trace.requirements import Requirement
from suyuan.trace.scanning import CloneRules
from suyuan.trace.verdicts import Reason, Verdict
from suyuan.trace.zone import credit, exits, spot_checks
from suyuan.trace.zone import entry as zone_entry
from suyuan.trace.zone.anomalies import AnomalyRule
from suyuan.trace.zone.exits import Buyer, Finding
from suyuan.web import create_app
from suyuan.web.openapi import openapi_document
from suyuan.web.responses import ERROR, OTHER_RESPONSES, RESPONSES, Operation, response_schemas
from suyuan.web.responses import ceb as ceb_responses
from suyuan.web.responses import enforcement as enforcement_words
from suyuan.web.responses import enums as words
from suyuan.web.responses.registry import Batch as BatchModel
from tests.complaint_factories import forged_lot, photo_jpeg
from tests.factories import (
    REPORT_SHA,
    SECRET,
    World,
    code_urls,
    declare,
    entry_line,
    exit_filing,
    id_number,
    make_batch,
    make_product,
    make_world,
    make_zone_batch,
    product_filing,
)
from tests.trace.ceb_world import CebWorld, make_ceb_world
from tests.trace.ceb_world import sample as ceb_sample
from tests.trace_world import build_traced_world

# Downloads: files, not API objects, so not in RESPONSES.
DOWNLOADS: dict[Operation, str] = {
    ("get", "/api/v1/batches/{batch_id}/labels"): "a PDF, PNG, SVG, ZIP or ZPL label file",
    ("get", "/api/v1/complaints/{complaint_id}/photo"): "the complaint's JPEG photo",
    ("get", "/api/v1/enterprises/{enterprise_id}/documents/{document_id}"): "an enterprise document's file",
    ("get", "/api/v1/rectification-reports/{rectification_report_id}/file"): "a rectification report's file",
    ("get", "/api/v1/batches/{batch_id}/trace.csv"): "the trace spreadsheet as CSV",
    ("get", "/api/v1/batches/{batch_id}/trace.xlsx"): "the trace spreadsheet as XLSX",
    ("get", "/api/v1/reports/half-year.csv"): "the half-yearly statistics as CSV",
    ("get", "/api/v1/reports/half-year.xlsx"): "the half-yearly statistics as XLSX",
    ("get", "/api/v1/batches/{batch_id}/epcis"): "an EPCIS 2.0 JSON-LD file; its schema is GS1's",
    ("post", "/api/v1/ceb"): "a CEB message in, its receipt out: XML in customs' own shape (docs/ceb.md)",
}
METHODS = {"get", "put", "post", "delete", "options", "head", "patch", "trace"}
# Anomaly thresholds low enough that two small orders of one buyer raise alerts (see _anomalies).
ANOMALY_POLICY = {"SUYUAN_ANOMALY_ORDERS_PER_BUYER": "1", "SUYUAN_ANOMALY_UNITS_PER_PRODUCT_PER_ORDER": "1"}


@pytest.fixture
def app(settings: Settings) -> Iterator[Flask]:
    """The test app with low anomaly thresholds (everything else as conftest's ``app``)."""
    application = create_app(replace(settings, policy=ANOMALY_POLICY), {"TESTING": True})
    yield application
    rt: Runtime = application.extensions["suyuan"]
    if "engine" in rt.__dict__:
        rt.engine.dispose()


@dataclass
class Setting:
    """What a case works with: the client of the app and the arranging session of the same database."""

    client: FlaskClient
    session: Session
    ring: KeyRing

    def world(self) -> World:
        return make_world(self.session, self.ring)

    def get(self, path: str, token: str | None = None, **kw: Any) -> TestResponse:
        return self.client.get(path, headers=auth(token), **kw)

    def post(self, path: str, token: str | None = None, **kw: Any) -> TestResponse:
        return self.client.post(path, headers=auth(token), **kw)


@pytest.fixture
def setting(client: FlaskClient, session: Session, runtime: Runtime) -> Setting:
    return Setting(client, session, runtime.ring)


def auth(token: str | None) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"} if token else {}


def path_of(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.path}?{parts.query}"


Case = Callable[[Setting], list[TestResponse]]


@dataclass(frozen=True)
class Registered:
    call: Case
    unfilled: frozenset[str]


CASES: dict[Operation, Registered] = {}
OTHER_CASES: dict[tuple[str, str, int], Registered] = {}


def case(method: str, path: str, *, unfilled: tuple[str, ...] = ()) -> Callable[[Case], Case]:
    """Register the calls that exercise an operation; ``unfilled``: nested models it cannot fill."""

    def register(call: Case) -> Case:
        CASES[(method, path)] = Registered(call, frozenset(unfilled))
        return call

    return register


def other_case(
    method: str, path: str, status: int, *, unfilled: tuple[str, ...] = ()
) -> Callable[[Case], Case]:
    """Register the calls that provoke one of an operation's :data:`OTHER_RESPONSES`."""

    def register(call: Case) -> Case:
        OTHER_CASES[(method, path, status)] = Registered(call, frozenset(unfilled))
        return call

    return register


# --- who calls, enterprises and products ----------------------------------------------------------


@case("get", "/api/v1/openapi.json")
def _openapi(s: Setting) -> list[TestResponse]:
    return [s.get("/api/v1/openapi.json")]


@case("get", "/api/v1/me")
def _me(s: Setting) -> list[TestResponse]:
    w = s.world()
    return [s.get("/api/v1/me", w.tokens["regulator"]), s.get("/api/v1/me", w.tokens["merchant"])]


@case("get", "/api/v1/enterprises")
def _enterprises(s: Setting) -> list[TestResponse]:
    w = s.world()
    return [
        s.get("/api/v1/enterprises", w.tokens["regulator"]),
        s.get("/api/v1/enterprises", w.tokens["merchant"]),
    ]


@case("post", "/api/v1/enterprises")
def _file_enterprise(s: Setting) -> list[TestResponse]:
    w = s.world()
    filing = {
        "kind": "platform",
        "name": "前海跨境购",
        "name_en": "Qianhai Cross-border",
        "uscc": complete_uscc("91440300", "MA77777T"),
        "office": "SZ-QH",
        "address": "深圳市前海",
        "commitment_signed": True,
    }
    return [s.post("/api/v1/enterprises", w.tokens["regulator"], json=filing)]


def product_body(**overrides: Any) -> dict[str, Any]:
    """A product filing as the API takes it, with every document field filled."""
    data = asdict(product_filing(**overrides))
    data["documents"] = [
        {
            **d,
            "issued_on": d["issued_on"].isoformat(),
            "valid_until": d["valid_until"].isoformat(),
            "sha256": REPORT_SHA,
        }
        for d in data["documents"]
    ]
    return {k: v for k, v in data.items() if v is not None}


@case("get", "/api/v1/products")
def _products(s: Setting) -> list[TestResponse]:
    w = s.world()
    make_product(s.session, w)
    make_product(s.session, w, admit=False)
    return [s.get("/api/v1/products", w.tokens["merchant"]), s.get("/api/v1/products", w.tokens["regulator"])]


@case("post", "/api/v1/products")
def _file_product(s: Setting) -> list[TestResponse]:
    w = s.world()
    return [s.post("/api/v1/products", w.tokens["merchant"], json=product_body())]


@case("get", "/api/v1/products/{product_id}")
def _product(s: Setting) -> list[TestResponse]:
    w = s.world()
    product = make_product(s.session, w)
    return [s.get(f"/api/v1/products/{product.id}", w.tokens["merchant"])]


@case("post", "/api/v1/products/{product_id}/documents")
def _add_document(s: Setting) -> list[TestResponse]:
    w = s.world()
    product = make_product(s.session, w, admit=False)
    document = {
        "kind": "third_party_test_report",
        "number": "TR-9",
        "issuer": "SGS",
        "issued_on": "2026-02-01",
        "valid_until": "2027-02-01",
        "sha256": "CD" * 32,
    }
    return [s.post(f"/api/v1/products/{product.id}/documents", w.tokens["merchant"], json=document)]


@case("post", "/api/v1/products/{product_id}/admission")
def _admission(s: Setting) -> list[TestResponse]:
    w = s.world()
    officer = w.tokens["regulator"]
    admitted, refused = make_product(s.session, w, admit=False), make_product(s.session, w, admit=False)
    disclosed = make_product(s.session, w, admit=False, documents=())
    return [
        s.post(f"/api/v1/products/{admitted.id}/admission", officer, json={"admit": True, "risk_class": 2}),
        s.post(
            f"/api/v1/products/{refused.id}/admission", officer, json={"admit": False, "reason": "no label"}
        ),
        s.post(
            f"/api/v1/products/{disclosed.id}/admission",
            officer,
            json={"admit": True, "risk_class": 2, "disclosure": "未附检测报告 / no test report"},
        ),
    ]


NEGATIVE_RULE = {"category": "N1", "kind": "keyword", "value": "ivory", "reason": "CITES Appendix I"}


@case("get", "/api/v1/negative-list")
def _negative_list(s: Setting) -> list[TestResponse]:
    w = s.world()
    s.post("/api/v1/negative-list", w.tokens["regulator"], json=NEGATIVE_RULE)
    return [s.get("/api/v1/negative-list", w.tokens["merchant"])]


@case("post", "/api/v1/negative-list")
def _add_negative(s: Setting) -> list[TestResponse]:
    w = s.world()
    return [s.post("/api/v1/negative-list", w.tokens["regulator"], json=NEGATIVE_RULE)]


# --- batches, codes, labels, photos, audit ----------------------------------------------------------


@case("get", "/api/v1/batches")
def _batches(s: Setting) -> list[TestResponse]:
    w = s.world()
    make_batch(s.session, w, s.ring, count=3)
    return [s.get("/api/v1/batches", w.tokens["merchant"]), s.get("/api/v1/batches", w.tokens["regulator"])]


@case("post", "/api/v1/batches")
def _register_batch(s: Setting) -> list[TestResponse]:
    w = s.world()
    product = make_product(s.session, w)
    dated = {"production_date": "2026-01-01", "expiry_date": "2027-01-01"}
    return [
        s.post(
            "/api/v1/batches",
            w.tokens["merchant"],
            json={"product_id": product.id, "lot": "R1", "quantity": 9},
        ),
        s.post(
            "/api/v1/batches",
            w.tokens["merchant"],
            json={"product_id": product.id, "lot": "R2", "quantity": 9, **dated},
        ),
    ]


@case("get", "/api/v1/batches/{batch_id}")
def _batch(s: Setting) -> list[TestResponse]:
    w = s.world()
    batch = make_batch(s.session, w, s.ring, count=5)
    return [s.get(f"/api/v1/batches/{batch.id}", w.tokens["merchant"])]


@case("patch", "/api/v1/batches/{batch_id}")
def _amend_batch(s: Setting) -> list[TestResponse]:
    w = s.world()
    batch = make_batch(s.session, w, s.ring, count=5)
    body = {"quantity": 900, "reason": "recounted in the warehouse"}
    return [s.client.patch(f"/api/v1/batches/{batch.id}", json=body, headers=auth(w.tokens["merchant"]))]


@case("post", "/api/v1/batches/{batch_id}/release")
def _release(s: Setting) -> list[TestResponse]:
    w = s.world()
    batch = make_batch(s.session, w, s.ring, count=5, released=False)
    return [s.post(f"/api/v1/batches/{batch.id}/release", w.tokens["regulator"])]


@case("post", "/api/v1/batches/{batch_id}/codes")
def _issue_codes(s: Setting) -> list[TestResponse]:
    w = s.world()
    batch = make_batch(s.session, w, s.ring, count=0)
    return [s.post(f"/api/v1/batches/{batch.id}/codes", w.tokens["merchant"], json={"count": 3})]


@case("get", "/api/v1/batches/{batch_id}/codes")
def _codes(s: Setting) -> list[TestResponse]:
    w = s.world()
    batch = make_batch(s.session, w, s.ring, count=5)
    return [
        s.get(f"/api/v1/batches/{batch.id}/codes", w.tokens["merchant"]),
        s.get(f"/api/v1/batches/{batch.id}/codes?format=json", w.tokens["regulator"]),
    ]


@case("get", "/api/v1/label-templates")
def _label_templates(s: Setting) -> list[TestResponse]:
    return [s.get("/api/v1/label-templates")]


def photo_of(*texts: str) -> bytes:
    """A JPEG of QR codes side by side on a grey background."""
    canvas = Image.new("L", (420 * len(texts) + 40, 460), 200)
    for i, text in enumerate(texts):
        symbol = zxingcpp.create_barcode(text, zxingcpp.BarcodeFormat.QRCode, ec_level="M")
        canvas.paste(Image.fromarray(symbol.to_image(scale=5)).convert("L"), (40 + i * 420, 40))
    out = io.BytesIO()
    canvas.convert("RGB").save(out, "JPEG", quality=90)
    return out.getvalue()


@case("post", "/api/v1/scan-image")
def _scan_image(s: Setting) -> list[TestResponse]:
    w = s.world()
    batch = make_batch(s.session, w, s.ring, count=2)
    urls = code_urls(s.session, s.ring, batch)
    data = photo_of(urls[0], forged_lot(urls[1], batch))
    return [s.post("/api/v1/scan-image", data={"file": (io.BytesIO(data), "label.jpg")})]


@case("get", "/api/v1/audit/verify")
def _audit_verify(s: Setting) -> list[TestResponse]:
    w = s.world()
    make_batch(s.session, w, s.ring, count=2)
    audit_checkpoints.take_checkpoint(s.session, s.ring)
    s.session.commit()
    return [s.get("/api/v1/audit/verify", w.tokens["regulator"])]


@case("get", "/api/v1/reports/half-year")
def _half_year_report(s: Setting) -> list[TestResponse]:
    w = s.world()
    make_zone_batch(s.session, w, s.ring, quantity=5)
    return [
        s.get("/api/v1/reports/half-year", w.tokens["regulator"]),
        s.get("/api/v1/reports/half-year?year=2026&half=1", w.tokens["regulator"]),
    ]


# --- the bonded zone ---------------------------------------------------------------------------------


def sell(s: Setting, w: World, batch: Batch, urls: list[str], **kw: Any) -> ExitDeclaration:
    """An order of ``urls`` declared through the domain, committed."""
    declaration = exits.declare_exit(
        s.session, w.merchant_staff, s.ring, exit_filing([(batch, urls)], **kw), secret=SECRET
    )
    s.session.commit()
    return declaration


def order_body(
    batch_id: int, urls: list[str], *, quantity: int | None = None, paid: str | None = None
) -> dict[str, Any]:
    """An exit declaration as the API takes it, at RMB 100.00 a unit."""
    n = len(urls) if quantity is None else quantity
    return {
        "order_no": f"ORD-{urls[0][-8:]}",
        "payment_ref": f"PAY-{urls[0][-8:]}",
        "waybill_no": f"WB-{urls[0][-8:]}",
        "payment_amount": paid or f"{100 * len(urls)}.00",
        "platform": "前海跨境购",
        "buyer": {"id_number": id_number(5), "name": "王小明", "address": "深圳市福田区1号"},
        "lines": [{"batch_id": batch_id, "quantity": n, "unit_price": "100.00", "codes": urls}],
    }


def entry_body(w: World, s: Setting) -> dict[str, Any]:
    product = make_product(s.session, w)
    line = {
        "gtin": product.gtin,
        "lot": "H1",
        "quantity": 10,
        "supplier_name": product.supplier.name,
        "supplier_country": product.supplier.country,
        "production_date": "2026-01-01",
        "expiry_date": "2099-01-01",
    }
    refused = line | {"lot": "H2", "supplier_name": "Nobody", "supplier_country": "FR"}
    return {"reference": "BL-1", "transport_doc": "MAEU 1", "lines": [line, refused]}


@case("get", "/api/v1/entry-declarations")
def _entries(s: Setting) -> list[TestResponse]:
    w = s.world()
    make_zone_batch(s.session, w, s.ring, quantity=10)
    return [s.get("/api/v1/entry-declarations", w.tokens["merchant"])]


@case("post", "/api/v1/entry-declarations", unfilled=("QuarantineResult",))
def _declare_entry(s: Setting) -> list[TestResponse]:
    w = s.world()
    return [s.post("/api/v1/entry-declarations", w.tokens["merchant"], json=entry_body(w, s))]


@case("get", "/api/v1/entry-declarations/{declaration_id}")
def _entry(s: Setting) -> list[TestResponse]:
    w = s.world()
    batch = make_zone_batch(s.session, w, s.ring, quantity=10)  # quarantine passed on clearing
    refused = declare(s.session, w, entry_line(make_product(s.session, w), supplier_country="FR"))
    line = zone_entry.entry_line_of(s.session, batch.id)
    assert line is not None
    return [
        s.get(f"/api/v1/entry-declarations/{line.declaration_id}", w.tokens["merchant"]),
        s.get(f"/api/v1/entry-declarations/{refused.id}", w.tokens["regulator"]),
    ]


@case("post", "/api/v1/entry-declarations/{declaration_id}/quarantine")
def _quarantine(s: Setting) -> list[TestResponse]:
    w = s.world()
    declaration = declare(s.session, w, entry_line(make_product(s.session, w)))
    result = {"outcome": "treated", "scope": "wood_packaging", "treatment": "fumigated", "note": "pallets"}
    return [
        s.post(f"/api/v1/entry-declarations/{declaration.id}/quarantine", w.tokens["regulator"], json=result)
    ]


REPORT = {
    "kind": "domestic_test_report",
    "issuer": "CIQ Shenzhen",
    "number": "R-9",
    "issued_on": "2026-01-05",
    "valid_until": "2027-01-05",
    "sha256": REPORT_SHA.upper(),
}


@case("get", "/api/v1/batches/{batch_id}/reports")
def _reports(s: Setting) -> list[TestResponse]:
    w = s.world()
    batch = make_zone_batch(s.session, w, s.ring, quantity=10)
    return [s.get(f"/api/v1/batches/{batch.id}/reports", w.tokens["merchant"])]


@case("post", "/api/v1/batches/{batch_id}/reports")
def _submit_report(s: Setting) -> list[TestResponse]:
    w = s.world()
    batch = make_zone_batch(s.session, w, s.ring, quantity=10, released=False)
    return [s.post(f"/api/v1/batches/{batch.id}/reports", w.tokens["merchant"], json=REPORT)]


@case("post", "/api/v1/reports/{report_id}/review")
def _review(s: Setting) -> list[TestResponse]:
    w = s.world()
    batch = make_zone_batch(s.session, w, s.ring, quantity=10, released=False)
    first = s.post(f"/api/v1/batches/{batch.id}/reports", w.tokens["merchant"], json=REPORT).json
    second = s.post(f"/api/v1/batches/{batch.id}/reports", w.tokens["merchant"], json=REPORT).json
    assert first is not None and second is not None
    officer = w.tokens["regulator"]
    return [
        s.post(f"/api/v1/reports/{first['id']}/review", officer, json={"accept": False, "note": "illegible"}),
        s.post(f"/api/v1/reports/{second['id']}/review", officer, json={"accept": True}),
    ]


@case("get", "/api/v1/batches/{batch_id}/ledger")
def _ledger(s: Setting) -> list[TestResponse]:
    w = s.world()
    batch = make_zone_batch(s.session, w, s.ring, quantity=10)
    sell(s, w, batch, code_urls(s.session, s.ring, batch)[:2])
    officer = w.tokens["regulator"]
    return [
        s.get(f"/api/v1/batches/{batch.id}/ledger", officer),
        s.get(f"/api/v1/batches/{batch.id}/ledger?limit=1", w.tokens["merchant"]),
    ]


@case("post", "/api/v1/batches/{batch_id}/disposals")
def _dispose(s: Setting) -> list[TestResponse]:
    w = s.world()
    batch = make_zone_batch(s.session, w, s.ring, quantity=10)
    body = {"kind": "return_shipment", "quantity": 4, "reason": "label wrong"}
    return [s.post(f"/api/v1/batches/{batch.id}/disposals", w.tokens["regulator"], json=body)]


def failed_check(s: Setting, w: World, batch: Batch) -> domain.SpotCheck:
    """A spot check of ``batch`` sampled offline and failed at the lab (it opens a recall)."""
    check = spot_checks.open_spot_check(s.session, w.regulator, batch.id)
    spot_checks.record_sample(s.session, w.regulator, check.id, channel="offline", quantity=1)
    spot_checks.record_result(
        s.session,
        w.regulator,
        check.id,
        passed=False,
        lab="CIQ lab",
        report_sha256=REPORT_SHA,
        failed_items=["protein"],
    )
    s.session.commit()
    return check


@case("get", "/api/v1/spot-checks")
def _spot_checks(s: Setting) -> list[TestResponse]:
    w = s.world()
    batch = make_zone_batch(s.session, w, s.ring, quantity=10)
    sell(s, w, batch, code_urls(s.session, s.ring, batch)[:1])
    failed_check(s, w, batch)
    spot_checks.open_spot_check(s.session, w.regulator, make_zone_batch(s.session, w, s.ring, quantity=5).id)
    s.session.commit()
    return [
        s.get("/api/v1/spot-checks", w.tokens["regulator"]),
        s.get("/api/v1/spot-checks", w.tokens["merchant"]),
    ]


@case("post", "/api/v1/spot-checks", unfilled=("SpotCheckRecall",))
def _open_spot_check(s: Setting) -> list[TestResponse]:
    w = s.world()
    batch = make_zone_batch(s.session, w, s.ring, quantity=10)
    return [
        s.post("/api/v1/spot-checks", w.tokens["regulator"], json={"batch_id": batch.id, "note": "complaint"})
    ]


@case("post", "/api/v1/spot-checks/draw", unfilled=("SpotCheckRecall",))
def _draw(s: Setting) -> list[TestResponse]:
    w = s.world()
    batch = make_zone_batch(s.session, w, s.ring, quantity=10)
    rate = spot_checks.sampling_rate(batch.product.risk_class, w.merchant.credit_grade)
    seed = next(f"s-{n}" for n in itertools.count() if spot_checks.draw_fraction(f"s-{n}", batch.id) < rate)
    return [s.post("/api/v1/spot-checks/draw", w.tokens["regulator"], json={"seed": seed})]


@case("get", "/api/v1/spot-checks/{spot_check_id}")
def _spot_check(s: Setting) -> list[TestResponse]:
    w = s.world()
    batch = make_zone_batch(s.session, w, s.ring, quantity=10)
    sell(s, w, batch, code_urls(s.session, s.ring, batch)[:1])
    check = failed_check(s, w, batch)
    return [s.get(f"/api/v1/spot-checks/{check.id}", w.tokens["merchant"])]


@case("post", "/api/v1/spot-checks/{spot_check_id}/sample", unfilled=("SpotCheckRecall",))
def _sample(s: Setting) -> list[TestResponse]:
    w = s.world()
    offline = spot_checks.open_spot_check(
        s.session, w.regulator, make_zone_batch(s.session, w, s.ring, quantity=9).id
    )
    online = spot_checks.open_spot_check(
        s.session, w.regulator, make_zone_batch(s.session, w, s.ring, quantity=9).id
    )
    s.session.commit()
    officer = w.tokens["regulator"]
    return [
        s.post(
            f"/api/v1/spot-checks/{offline.id}/sample", officer, json={"channel": "offline", "quantity": 2}
        ),
        s.post(
            f"/api/v1/spot-checks/{online.id}/sample",
            officer,
            json={"channel": "online", "order_ref": "TB-1"},
        ),
    ]


@case("post", "/api/v1/spot-checks/{spot_check_id}/result")
def _result(s: Setting) -> list[TestResponse]:
    w = s.world()
    checks = []
    for _ in range(2):
        batch = make_zone_batch(s.session, w, s.ring, quantity=10)
        sell(s, w, batch, code_urls(s.session, s.ring, batch)[:1])
        check = spot_checks.open_spot_check(s.session, w.regulator, batch.id)
        spot_checks.record_sample(s.session, w.regulator, check.id, channel="offline", quantity=1)
        checks.append(check)
    s.session.commit()
    officer, lab = w.tokens["regulator"], {"lab": "CIQ lab", "report_sha256": REPORT_SHA}
    return [
        s.post(f"/api/v1/spot-checks/{checks[0].id}/result", officer, json={"passed": True, **lab}),
        s.post(
            f"/api/v1/spot-checks/{checks[1].id}/result",
            officer,
            json={"passed": False, "failed_items": ["protein", "label"], "note": "below claim", **lab},
        ),
    ]


def rectifiable(s: Setting, w: World) -> tuple[Batch, list[str], dict[str, Any]]:
    """A zone batch, its code URLs, and the stored declaration of an order that failed its check."""
    batch = make_zone_batch(s.session, w, s.ring, quantity=10)
    urls = code_urls(s.session, s.ring, batch)
    failed = s.post(
        "/api/v1/exit-declarations",
        w.tokens["merchant"],
        json=order_body(batch.id, urls[:2], quantity=3, paid="300.00"),
    )
    assert failed.status_code == 422 and failed.json is not None, failed.get_data(as_text=True)
    return batch, urls, failed.json["declaration"]


@case("get", "/api/v1/exit-declarations")
def _exits(s: Setting) -> list[TestResponse]:
    w = s.world()
    batch, urls, _failed = rectifiable(s, w)
    sell(s, w, batch, urls[5:7])
    return [s.get("/api/v1/exit-declarations", w.tokens["merchant"])]


@case("post", "/api/v1/exit-declarations", unfilled=("ExitFinding",))
def _declare_exit(s: Setting) -> list[TestResponse]:
    w = s.world()
    batch = make_zone_batch(s.session, w, s.ring, quantity=10)
    urls = code_urls(s.session, s.ring, batch)
    return [s.post("/api/v1/exit-declarations", w.tokens["merchant"], json=order_body(batch.id, urls[:2]))]


@case("get", "/api/v1/exit-declarations/{declaration_id}")
def _exit(s: Setting) -> list[TestResponse]:
    w = s.world()
    batch, urls, failed = rectifiable(s, w)
    passed = sell(s, w, batch, urls[5:7])
    return [
        s.get(f"/api/v1/exit-declarations/{failed['id']}", w.tokens["merchant"]),
        s.get(f"/api/v1/exit-declarations/{passed.id}", w.tokens["regulator"]),
    ]


@case("post", "/api/v1/exit-declarations/{declaration_id}/recheck", unfilled=("ExitFinding",))
def _recheck(s: Setting) -> list[TestResponse]:
    w = s.world()
    batch, urls, failed = rectifiable(s, w)
    body = order_body(batch.id, urls[:2])
    rectification = {"lines": body["lines"], "payment_amount": "200.00"}
    return [
        s.post(f"/api/v1/exit-declarations/{failed['id']}/recheck", w.tokens["merchant"], json=rectification)
    ]


@case("post", "/api/v1/exit-declarations/{declaration_id}/returns")
def _return(s: Setting) -> list[TestResponse]:
    w = s.world()
    batch = make_zone_batch(s.session, w, s.ring, quantity=10)
    urls = code_urls(s.session, s.ring, batch)
    order = sell(s, w, batch, urls[:3])
    body = {"codes": urls[:2], "reason": "dented tin"}
    return [s.post(f"/api/v1/exit-declarations/{order.id}/returns", w.tokens["merchant"], json=body)]


@case("get", "/api/v1/anomalies")
def _anomalies(s: Setting) -> list[TestResponse]:
    w = s.world()
    batch = make_zone_batch(s.session, w, s.ring, quantity=10)
    urls = code_urls(s.session, s.ring, batch)
    buyer = Buyer(id_number(21), "李四", "深圳市南山区2号")
    sell(s, w, batch, urls[:2], buyer=buyer)
    sell(s, w, batch, urls[2:4], buyer=buyer)
    return [s.get("/api/v1/anomalies", w.tokens["regulator"])]


@case("get", "/api/v1/enterprises/{enterprise_id}/credit")
def _credit(s: Setting) -> list[TestResponse]:
    w = s.world()
    credit.record_credit_event(
        s.session, w.regulator, w.merchant.id, "violation", note="false waybill", source="c-1"
    )
    s.session.commit()
    return [s.get(f"/api/v1/enterprises/{w.merchant.id}/credit", w.tokens["merchant"])]


@case("post", "/api/v1/enterprises/{enterprise_id}/credit-events")
def _credit_event(s: Setting) -> list[TestResponse]:
    w = s.world()
    event = {"kind": "violation", "note": "false waybill", "source": "case-7"}
    return [s.post(f"/api/v1/enterprises/{w.merchant.id}/credit-events", w.tokens["regulator"], json=event)]


# --- complaints ----------------------------------------------------------------------------------------

DEVICE = {"X-Device-Id": "device-one"}


def complaint_on(s: Setting, url: str, **fields: Any) -> dict[str, Any]:
    """File a complaint about ``url`` through the API (``photo``: multipart with that JPEG)."""
    body = {"code": url, "category": "quality", "text": "The lid was broken on arrival.", **fields}
    if "photo" in body:
        body["photo"] = (io.BytesIO(body["photo"]), "IMG_0001.jpg")
        response = s.client.post("/api/v1/complaints", data=body, headers=DEVICE)
    else:
        response = s.client.post("/api/v1/complaints", json=body, headers=DEVICE)
    filed: dict[str, Any] = response.get_json()
    assert response.status_code == 201, filed
    return filed


def complaint_world(s: Setting) -> tuple[World, Batch, list[str]]:
    w = s.world()
    batch = make_batch(s.session, w, s.ring, count=5)
    return w, batch, code_urls(s.session, s.ring, batch)


@case("post", "/api/v1/complaints")
def _file_complaint(s: Setting) -> list[TestResponse]:
    _w, batch, urls = complaint_world(s)
    body = {"code": urls[0], "category": "quality", "text": "The lid was broken.", "contact": "13800000000"}
    fake = {
        "code": forged_lot(urls[1], batch),
        "category": "suspected_fake",
        "text": "Bought at a market stall.",
    }
    return [
        s.client.post("/api/v1/complaints", json=body, headers=DEVICE),
        s.client.post("/api/v1/complaints", data=fake, headers=DEVICE, content_type="multipart/form-data"),
    ]


@case("get", "/api/v1/complaints")
def _complaints(s: Setting) -> list[TestResponse]:
    w, _batch, urls = complaint_world(s)
    complaint_on(s, urls[0], photo=photo_jpeg(600, 400))
    complaint_on(s, urls[1], contact="wechat: me")
    return [
        s.get("/api/v1/complaints", w.tokens["merchant"]),
        s.get("/api/v1/complaints?status=received", w.tokens["regulator"]),
    ]


@case("get", "/api/v1/complaints/status/{reference}")
def _complaint_status(s: Setting) -> list[TestResponse]:
    w, _batch, urls = complaint_world(s)
    filed = complaint_on(s, urls[0])
    s.post(
        f"/api/v1/complaints/{filed['id']}/answer", w.tokens["merchant"], json={"text": "We will replace it."}
    )
    return [s.get(f"/api/v1/complaints/status/{filed['reference']}")]


@case("get", "/api/v1/complaints/{complaint_id}")
def _complaint(s: Setting) -> list[TestResponse]:
    w, _batch, urls = complaint_world(s)
    filed = complaint_on(s, urls[0], photo=photo_jpeg(600, 400))
    s.post(
        f"/api/v1/complaints/{filed['id']}/status", w.tokens["regulator"], json={"note": "called the shop"}
    )
    return [s.get(f"/api/v1/complaints/{filed['id']}", w.tokens[who]) for who in ("regulator", "merchant")]


@case("post", "/api/v1/complaints/{complaint_id}/answer", unfilled=("ComplaintPhotoInfo",))
def _answer(s: Setting) -> list[TestResponse]:
    w, _batch, urls = complaint_world(s)
    filed = complaint_on(s, urls[0])
    return [
        s.post(f"/api/v1/complaints/{filed['id']}/answer", w.tokens["merchant"], json={"text": "Replaced."})
    ]


@case("post", "/api/v1/complaints/{complaint_id}/status")
def _complaint_move(s: Setting) -> list[TestResponse]:
    w, _batch, urls = complaint_world(s)
    filed = complaint_on(s, urls[0], photo=photo_jpeg(600, 400))
    path, officer = f"/api/v1/complaints/{filed['id']}/status", w.tokens["regulator"]
    return [
        s.post(path, officer, json={"status": "triaged"}),
        s.post(path, officer, json={"status": "upheld", "note": "the lid is faulty", "public": True}),
        s.post(path, officer, json={"note": "merchant informed"}),
    ]


# --- recalls, warnings and the notice board ------------------------------------------------------------


def recall_world(s: Setting) -> tuple[World, Batch, list[str], ExitDeclaration]:
    """A zone batch with one order of three units sold."""
    w = s.world()
    batch = make_zone_batch(s.session, w, s.ring, quantity=10)
    urls = code_urls(s.session, s.ring, batch)
    return w, batch, urls, sell(s, w, batch, urls[:3])


def open_recall(s: Setting, w: World, batch: Batch, kind: str = "recall") -> domain.Recall:
    recall = recalls.open_recall(
        s.session, w.regulator, batch.id, kind, "检出沙门氏菌", "请停止食用", instructions_en="Stop"
    )
    s.session.commit()
    return recall


@case("post", "/api/v1/batches/{batch_id}/recall")
def _open_recall(s: Setting) -> list[TestResponse]:
    w, batch, _urls, _order = recall_world(s)
    other = make_batch(s.session, w, s.ring, count=2)
    body = {
        "kind": "recall",
        "reason": "检出沙门氏菌",
        "instructions": "请停止食用",
        "instructions_en": "Stop eating it",
    }
    return [
        s.post(f"/api/v1/batches/{batch.id}/recall", w.tokens["regulator"], json=body),
        s.post(
            f"/api/v1/batches/{other.id}/recall",
            w.tokens["merchant"],
            json={"kind": "stop_sale", "reason": "label"},
        ),
    ]


@case("post", "/api/v1/batches/{batch_id}/destruction")
def _destruction(s: Setting) -> list[TestResponse]:
    w, batch, _urls, _order = recall_world(s)
    recall = open_recall(s, w, batch)
    body = {"quantity": 2, "reason": "recalled stock", "recall_id": recall.id}
    return [s.post(f"/api/v1/batches/{batch.id}/destruction", w.tokens["merchant"], json=body)]


@case("get", "/api/v1/recalls")
def _recalls(s: Setting) -> list[TestResponse]:
    w, batch, _urls, _order = recall_world(s)
    open_recall(s, w, batch)
    return [
        s.get("/api/v1/recalls", w.tokens["regulator"]),
        s.get("/api/v1/recalls?status=open", w.tokens["merchant"]),
    ]


@case("get", "/api/v1/recalls/{recall_id}")
def _recall(s: Setting) -> list[TestResponse]:
    w, batch, _urls, _order = recall_world(s)
    recall = open_recall(s, w, batch)
    registered = make_batch(s.session, w, s.ring, count=2)  # not on the ledger: units unknowable
    other = open_recall(s, w, registered)
    return [
        s.get(f"/api/v1/recalls/{recall.id}", w.tokens["merchant"]),
        s.get(f"/api/v1/recalls/{other.id}", w.tokens["regulator"]),
    ]


@case("post", "/api/v1/recalls/{recall_id}/close")
def _close(s: Setting) -> list[TestResponse]:
    w, batch, _urls, _order = recall_world(s)
    recall = open_recall(s, w, batch)
    return [
        s.post(f"/api/v1/recalls/{recall.id}/close", w.tokens["regulator"], json={"note": "3 units untraced"})
    ]


@case("post", "/api/v1/recalls/{recall_id}/lift")
def _lift(s: Setting) -> list[TestResponse]:
    w, batch, _urls, _order = recall_world(s)
    stop = open_recall(s, w, batch, "stop_sale")
    return [s.post(f"/api/v1/recalls/{stop.id}/lift", w.tokens["regulator"], json={"note": "relabelled"})]


@case("get", "/api/v1/recalls/{recall_id}/notifications")
def _notifications(s: Setting) -> list[TestResponse]:
    w, batch, urls, _order = recall_world(s)
    complaint_on(s, urls[0], contact="13800000000")
    s.client.set_cookie("sy_did", "buyer-phone-1")
    page = s.client.get(path_of(urls[1])).get_data(as_text=True)
    token = page.split('name="csrf_token" value="')[1].split('"')[0]
    claimed = s.client.post(
        f"/01/{batch.gtin}/claim", data={"csrf_token": token, "code": urls[1], "contact": "wechat: buyer_1"}
    )
    assert claimed.status_code == 303
    recall = open_recall(s, w, batch)
    return [s.get(f"/api/v1/recalls/{recall.id}/notifications", w.tokens["merchant"])]


@case("post", "/api/v1/recalls/{recall_id}/returns", unfilled=("ExitFinding",))
def _recall_return(s: Setting) -> list[TestResponse]:
    w, batch, urls, order = recall_world(s)
    recall = open_recall(s, w, batch)
    body = {"exit_declaration_id": order.id, "codes": urls[:1], "reason": "recalled"}
    return [s.post(f"/api/v1/recalls/{recall.id}/returns", w.tokens["merchant"], json=body)]


def warning_body(batch: Batch) -> dict[str, Any]:
    return {
        "level": "danger",
        "title": "婴儿配方奶粉沙门氏菌",
        "title_en": "Salmonella in infant formula",
        "body": "请停止食用",
        "body_en": "Stop using it",
        "hs_prefix": "1901",
        "product_id": batch.product_id,
        "batch_id": batch.id,
    }


@case("get", "/api/v1/warnings")
def _warnings(s: Setting) -> list[TestResponse]:
    w = s.world()
    batch = make_batch(s.session, w, s.ring, count=1)
    published = s.post("/api/v1/warnings", w.tokens["regulator"], json=warning_body(batch)).json
    assert published is not None
    s.post(f"/api/v1/warnings/{published['id']}/withdraw", w.tokens["regulator"])
    s.post(
        "/api/v1/warnings",
        w.tokens["regulator"],
        json={"level": "notice", "title": "Note", "body": "General"},
    )
    return [s.get("/api/v1/warnings", w.tokens["merchant"])]


@case("post", "/api/v1/warnings")
def _publish(s: Setting) -> list[TestResponse]:
    w = s.world()
    batch = make_batch(s.session, w, s.ring, count=1)
    return [s.post("/api/v1/warnings", w.tokens["regulator"], json=warning_body(batch))]


@case("post", "/api/v1/warnings/{warning_id}/withdraw")
def _withdraw(s: Setting) -> list[TestResponse]:
    w = s.world()
    batch = make_batch(s.session, w, s.ring, count=1)
    published = s.post("/api/v1/warnings", w.tokens["regulator"], json=warning_body(batch)).json
    assert published is not None
    return [
        s.post(f"/api/v1/warnings/{published['id']}/withdraw", w.tokens["regulator"], json={"note": "fixed"})
    ]


@case("get", "/api/v1/public/notices")
def _notices(s: Setting) -> list[TestResponse]:
    w = s.world()
    batch = make_batch(s.session, w, s.ring, count=1)
    s.post("/api/v1/warnings", w.tokens["regulator"], json=warning_body(batch))
    open_recall(s, w, batch)
    return [s.get("/api/v1/public/notices")]


# --- the trace -----------------------------------------------------------------------------------------


@case("get", "/api/v1/batches/{batch_id}/trace", unfilled=("TracedComplaint",))
def _batch_trace(s: Setting) -> list[TestResponse]:
    traced = build_traced_world(s.session, s.ring)
    other = traced.other_batch  # genuine codes, scanned by many devices: suspect
    copied = parse_code(code_urls(s.session, s.ring, other)[0])
    for n in range(3):
        scanning.record_scan(
            s.session, s.ring, copied, device=f"copy-{n}", rules=CloneRules(max_devices=1, devices_per_day=9)
        )
    s.session.commit()
    tokens = traced.world.tokens
    return [
        s.get(f"/api/v1/batches/{traced.batch.id}/trace", tokens["regulator"]),
        s.get(f"/api/v1/batches/{traced.batch.id}/trace?orders_limit=1&top=1", tokens["merchant"]),
        s.get(f"/api/v1/batches/{other.id}/trace", tokens["merchant_b"]),
    ]


@case("get", "/api/v1/complaints/{complaint_id}/trace", unfilled=("SuspectCode",))
def _complaint_trace(s: Setting) -> list[TestResponse]:
    traced = build_traced_world(s.session, s.ring)
    officer = traced.world.tokens["regulator"]
    return [
        s.get(f"/api/v1/complaints/{traced.complaint.id}/trace", officer),
        s.get(f"/api/v1/complaints/{traced.unknown_complaint.id}/trace", officer),
    ]


# --- the public face -----------------------------------------------------------------------------------

JSON = {"Accept": "application/json"}


@case("get", "/01/{gtin}/10/{lot}/21/{serial}")
def _scan(s: Setting) -> list[TestResponse]:
    w = s.world()
    genuine = make_batch(s.session, w, s.ring, count=2)
    recalled = make_batch(s.session, w, s.ring, count=2)
    open_recall(s, w, recalled)
    good, bad = code_urls(s.session, s.ring, genuine)[0], code_urls(s.session, s.ring, recalled)[0]
    return [
        s.client.get(path_of(good), headers=JSON),
        s.client.get(path_of(bad), headers=JSON),
        s.client.get(path_of(forged_lot(good, genuine)), headers=JSON),
    ]


@case("get", "/.well-known/jwks.json")
def _jwks(s: Setting) -> list[TestResponse]:
    w = s.world()
    make_batch(s.session, w, s.ring, count=1)
    kid = keys.list_keys(s.session)[0].kid
    keys.revoke_key(s.session, w.regulator, kid, "leaked", s.ring)
    s.session.commit()
    return [s.get("/.well-known/jwks.json")]


@case("get", "/.well-known/suyuan/revocations.json")
def _revocations(s: Setting) -> list[TestResponse]:
    s.world()
    return [s.get("/.well-known/suyuan/revocations.json")]


@case("get", "/.well-known/suyuan/audit-checkpoints.json")
def _checkpoints(s: Setting) -> list[TestResponse]:
    s.world()
    audit_checkpoints.take_checkpoint(s.session, s.ring)
    s.session.commit()
    return [s.get("/.well-known/suyuan/audit-checkpoints.json")]


@case("get", "/issuances/{issuance_id}")
def _statement(s: Setting) -> list[TestResponse]:
    w = s.world()
    batch = make_batch(s.session, w, s.ring, count=2)
    issued = s.get(f"/api/v1/batches/{batch.id}", w.tokens["merchant"]).json
    assert issued is not None
    return [s.get(f"/issuances/{issued['issuances'][0]['id']}")]


# --- the other JSON answers ----------------------------------------------------------------------------


@other_case("get", "/01/{gtin}/10/{lot}/21/{serial}", 200)
def _linkset(s: Setting) -> list[TestResponse]:
    w = s.world()
    batch = make_batch(s.session, w, s.ring, count=1)
    url = code_urls(s.session, s.ring, batch)[0]
    return [
        s.client.get(path_of(url), headers={"Accept": "application/linkset+json"}),
        s.client.get(path_of(url) + "&linkType=all"),
    ]


@other_case("get", "/01/{gtin}/10/{lot}/21/{serial}", 400)
def _malformed(s: Setting) -> list[TestResponse]:
    return [
        s.client.get("/01/123/10/L1/21/1", headers=JSON),
        s.client.get("/01/09421234500010/10/L1/21/" + "9" * 3000, headers=JSON),
    ]


@other_case("post", "/api/v1/exit-declarations", 422)
def _exit_failed(s: Setting) -> list[TestResponse]:
    w = s.world()
    batch = make_zone_batch(s.session, w, s.ring, quantity=10)
    urls = code_urls(s.session, s.ring, batch)
    forged = forged_lot(urls[1], batch)
    body = order_body(batch.id, [urls[0], forged], quantity=3, paid="300.00")
    return [s.post("/api/v1/exit-declarations", w.tokens["merchant"], json=body)]


@other_case("post", "/api/v1/exit-declarations/{declaration_id}/recheck", 422)
def _recheck_failed(s: Setting) -> list[TestResponse]:
    w = s.world()
    batch, urls, failed = rectifiable(s, w)
    still = {"lines": order_body(batch.id, urls[:2])["lines"]}  # the payment still says RMB 300
    return [s.post(f"/api/v1/exit-declarations/{failed['id']}/recheck", w.tokens["merchant"], json=still)]


@other_case("get", "/api/v1/batches/{batch_id}/labels", 422)
def _proof_failed(s: Setting) -> list[TestResponse]:
    w = s.world()
    batch = make_batch(s.session, w, s.ring, count=3, released=False)
    keys.revoke_key(s.session, w.regulator, keys.list_keys(s.session)[0].kid, "leaked", s.ring)
    s.session.commit()
    return [s.get(f"/api/v1/batches/{batch.id}/labels?proof=1", w.tokens["merchant"])]


# --- customs (CEB) messages and the packing station ------------------------------------------------


def ceb_matched(s: Setting) -> tuple[CebWorld, str, str, int]:
    """The sample order matched (399): the world, the platform's and the warehouse's tokens, its id."""
    cw = make_ceb_world(s.session, s.ring)
    tokens = []
    for staff in (cw.platform_staff, cw.warehouse_staff):
        assert staff.user_id is not None
        tokens.append(accounts.issue_token(s.session, OPERATOR, staff.user_id, "test")[1])
    s.session.commit()
    for name in ("CEB311Message.xml", "CEB411Message.xml", "CEB511Message.xml", "CEB621Message.xml"):
        answer = s.post("/api/v1/ceb", tokens[0], data=ceb_sample(name), content_type="application/xml")
        assert answer.status_code == 200, answer.data
    inventory_id = s.session.scalars(select(domain.CebInventory.id)).one()
    return cw, tokens[0], tokens[1], inventory_id


def ceb_packing(cw: CebWorld) -> dict[str, Any]:
    return {"lines": [{"gnum": 1, "codes": cw.milk_urls[:2]}, {"gnum": 2, "codes": cw.cream_urls[:1]}]}


@case("get", "/api/v1/ceb/inventories")
def _ceb_inventories(s: Setting) -> list[TestResponse]:
    _cw, platform, _packer, _id = ceb_matched(s)
    return [s.get("/api/v1/ceb/inventories", platform), s.get("/api/v1/ceb/inventories?status=399", platform)]


@case("get", "/api/v1/ceb/inventories/{inventory_id}")
def _ceb_inventory(s: Setting) -> list[TestResponse]:
    cw, platform, packer, inventory_id = ceb_matched(s)
    path = f"/api/v1/ceb/inventories/{inventory_id}"
    waiting = s.get(path, packer)
    s.post(f"{path}/packing", packer, json=ceb_packing(cw))
    return [waiting, s.get(path, platform)]


@case("get", "/api/v1/ceb/receipts")
def _ceb_receipts(s: Setting) -> list[TestResponse]:
    _cw, platform, _packer, inventory_id = ceb_matched(s)
    return [
        s.get("/api/v1/ceb/receipts", platform),
        s.get(f"/api/v1/ceb/receipts?subject=inventory:{inventory_id}&order_no=FKORD202511200001", platform),
    ]


@case("post", "/api/v1/ceb/inventories/{inventory_id}/scan-check")
def _ceb_scan_check(s: Setting) -> list[TestResponse]:
    cw, _platform, packer, inventory_id = ceb_matched(s)
    path = f"/api/v1/ceb/inventories/{inventory_id}/scan-check"
    return [
        s.post(path, packer, json={"gnum": 1, "url": cw.milk_urls[0]}),
        s.post(path, packer, json={"gnum": 1, "url": cw.cream_urls[0], "scanned": cw.milk_urls[:1]}),
    ]


@case("post", "/api/v1/ceb/inventories/{inventory_id}/packing")
def _ceb_pack(s: Setting) -> list[TestResponse]:
    cw, _platform, packer, inventory_id = ceb_matched(s)
    return [s.post(f"/api/v1/ceb/inventories/{inventory_id}/packing", packer, json=ceb_packing(cw))]


@other_case("post", "/api/v1/ceb/inventories/{inventory_id}/packing", 409)
def _ceb_pack_refused(s: Setting) -> list[TestResponse]:
    cw, _platform, packer, inventory_id = ceb_matched(s)
    wrong = {"lines": [{"gnum": 1, "codes": [cw.cream_urls[3]]}]}
    return [s.post(f"/api/v1/ceb/inventories/{inventory_id}/packing", packer, json=wrong)]


@case("post", "/api/v1/ceb/disclosure-acceptances")
def _ceb_disclosure_acceptance(s: Setting) -> list[TestResponse]:
    _cw, platform, _packer, _id = ceb_matched(s)
    return [s.post("/api/v1/ceb/disclosure-acceptances", platform, json={"order_no": "FKORD202511200001"})]


@case("post", "/api/v1/ceb/refunds/{refund_id}/conclusion")
def _ceb_refund_conclusion(s: Setting) -> list[TestResponse]:
    cw, platform, packer, inventory_id = ceb_matched(s)
    s.post(f"/api/v1/ceb/inventories/{inventory_id}/packing", packer, json=ceb_packing(cw))
    partial = (
        ceb_sample("CEB625Message.xml")
        .decode()
        .replace("<ceb:gnum>2</ceb:gnum>", "<ceb:gnum>1</ceb:gnum>")
        .replace("<ceb:gcode>3304990099</ceb:gcode>", "<ceb:gcode>1901101000</ceb:gcode>")
    )
    answer = s.post("/api/v1/ceb", platform, data=partial.encode(), content_type="application/xml")
    assert answer.status_code == 200, answer.data
    refund_id = s.session.scalars(select(domain.CebRefund.id)).one()
    return [s.post(f"/api/v1/ceb/refunds/{refund_id}/conclusion", packer, json={"codes": cw.milk_urls[1:2]})]


@case("get", "/api/v1/ceb/refunds")
def _ceb_refund_list(s: Setting) -> list[TestResponse]:
    cw, platform, packer, inventory_id = ceb_matched(s)
    s.post(f"/api/v1/ceb/inventories/{inventory_id}/packing", packer, json=ceb_packing(cw))
    raw = ceb_sample("CEB625Message.xml")
    assert s.post("/api/v1/ceb", platform, data=raw, content_type="application/xml").status_code == 200
    seller = cw.world.tokens["merchant"]
    return [
        s.get("/api/v1/ceb/refunds", packer),
        s.get("/api/v1/ceb/refunds", platform),
        s.get("/api/v1/ceb/refunds?kind=ceb625&status=concluded&since=2000-01-01&limit=1", seller),
    ]


@case("get", "/api/v1/platform/overview")
def _platform_overview(s: Setting) -> list[TestResponse]:
    from tests.trace.platform_world import make_platform_world

    pw = make_platform_world(s.session, s.ring)
    tokens = []
    for staff in (pw.cw.platform_staff, pw.q_staff):
        assert staff.user_id is not None
        tokens.append(accounts.issue_token(s.session, OPERATOR, staff.user_id, "test")[1])
    s.session.commit()
    return [s.get("/api/v1/platform/overview", token) for token in tokens]


# --- accounts: users, invitations, tokens, passwords -------------------------------------------------


def office_admin(s: Setting, w: World) -> None:
    """Make the world's officer its office's administrator (who may disable users)."""
    officer = s.session.get(domain.User, w.regulator.user_id)
    assert officer is not None
    officer.admin = True
    s.session.commit()


@case("get", "/api/v1/users")
def _users(s: Setting) -> list[TestResponse]:
    w = s.world()
    invited = {"email": "new.admin@a.example", "enterprise_id": w.merchant.id, "admin": True}
    s.post("/api/v1/users", w.tokens["regulator"], json=invited)
    return [
        s.get("/api/v1/users", w.tokens["regulator"]),
        s.get("/api/v1/users?enterprises=1", w.tokens["regulator"]),
        s.get("/api/v1/users", w.tokens["merchant"]),
    ]


@case("post", "/api/v1/users")
def _invite(s: Setting) -> list[TestResponse]:
    w = s.world()
    body = {"email": "boss@a.example", "name": "王总", "enterprise_id": w.merchant.id, "admin": True}
    return [s.post("/api/v1/users", w.tokens["regulator"], json=body)]


@case("post", "/api/v1/users/{user_id}/disable")
def _disable(s: Setting) -> list[TestResponse]:
    w = s.world()
    office_admin(s, w)
    return [s.post(f"/api/v1/users/{w.merchant_staff.user_id}/disable", w.tokens["regulator"])]


@case("post", "/api/v1/users/{user_id}/enable")
def _enable(s: Setting) -> list[TestResponse]:
    w = s.world()
    office_admin(s, w)
    s.post(f"/api/v1/users/{w.merchant_staff.user_id}/disable", w.tokens["regulator"])
    return [s.post(f"/api/v1/users/{w.merchant_staff.user_id}/enable", w.tokens["regulator"])]


@case("get", "/api/v1/tokens")
def _tokens(s: Setting) -> list[TestResponse]:
    w = s.world()
    made = s.post("/api/v1/tokens", w.tokens["merchant"], json={"name": "ERP", "scope": "read"})
    s.post(f"/api/v1/tokens/{made.get_json()['token']['id']}/revoke", w.tokens["merchant"])
    return [s.get("/api/v1/tokens", w.tokens["merchant"])]


@case("post", "/api/v1/tokens")
def _issue_token(s: Setting) -> list[TestResponse]:
    w = s.world()
    return [s.post("/api/v1/tokens", w.tokens["merchant"], json={"name": "仓库扫码枪"})]


@case("post", "/api/v1/tokens/{token_id}/revoke")
def _revoke_token(s: Setting) -> list[TestResponse]:
    w = s.world()
    made = s.post("/api/v1/tokens", w.tokens["merchant"], json={"name": "old script"})
    return [s.post(f"/api/v1/tokens/{made.get_json()['token']['id']}/revoke", w.tokens["merchant"])]


@case("post", "/api/v1/account/password")
def _change_password(s: Setting) -> list[TestResponse]:
    w = s.world()
    body = {"current": "password1", "new": "harbour lights at dusk"}
    return [s.post("/api/v1/account/password", w.tokens["merchant"], json=body)]


# --- the checks ----------------------------------------------------------------------------------------


def nested_models(annotation: Any) -> set[type[BaseModel]]:
    """The models a field's type names, through lists, dicts, unions and ``Annotated``."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return {annotation}
    found: set[type[BaseModel]] = set()
    if get_origin(annotation) in (list, dict, Union, types.UnionType, Annotated):
        for arg in get_args(annotation):
            found |= nested_models(arg)
    return found


def reachable(model: type[BaseModel]) -> set[type[BaseModel]]:
    """``model`` and every model nested in it."""
    seen, todo = set(), [model]
    while todo:
        current = todo.pop()
        if current not in seen:
            seen.add(current)
            for field in current.model_fields.values():
                todo.extend(nested_models(field.annotation))
    return seen


def filled(value: object) -> set[type[BaseModel]]:
    """The models that hold data in a validated answer."""
    if isinstance(value, BaseModel):
        found = {type(value)}
        for name in type(value).model_fields:
            found |= filled(getattr(value, name))
        return found
    items = value.values() if isinstance(value, dict) else value if isinstance(value, list) else ()
    return set().union(*(filled(item) for item in items))


def validate(
    registered: Registered,
    setting: Setting,
    status: int,
    model: type[BaseModel],
    media: str = "application/json",
) -> None:
    """Call; check status and media type; validate each answer strictly; require nested models filled."""
    seen: set[type[BaseModel]] = set()
    for response in registered.call(setting):
        assert response.status_code == status, response.get_data(as_text=True)[:2000]
        assert response.mimetype == media
        seen |= filled(model.model_validate(response.get_json(), strict=True))
    missing = {m.__name__ for m in reachable(model) - seen}
    assert missing == set(registered.unfilled), f"nested models never filled: {sorted(missing)}"


def label(key: Operation) -> str:
    return f"{key[0].upper()} {key[1]}"


@pytest.mark.parametrize("key", sorted(RESPONSES), ids=label)
def test_the_route_answers_what_its_model_says(key: Operation, setting: Setting) -> None:
    status, model = RESPONSES[key]
    validate(CASES[key], setting, status, model)


OTHERS = [
    pytest.param(key, status, media, model, id=f"{label(key)} {status} {model.__name__}")
    for key in sorted(OTHER_RESPONSES)
    for status, media, model in OTHER_RESPONSES[key]
]


@pytest.mark.parametrize(("key", "status", "media", "model"), OTHERS)
def test_the_other_answers_hold_their_models_too(
    key: Operation, status: int, media: str, model: type[BaseModel], setting: Setting
) -> None:
    validate(OTHER_CASES[(*key, status)], setting, status, model, media)


def test_every_operation_and_other_answer_has_a_case() -> None:
    assert set(CASES) == set(RESPONSES)
    assert set(OTHER_CASES) == {
        (*key, status) for key, answers in OTHER_RESPONSES.items() for status, _m, _x in answers
    }


def test_errors_hold_the_error_model(setting: Setting) -> None:
    w = setting.world()
    for response in [
        setting.get("/api/v1/batches"),
        setting.get("/api/v1/batches/99999", w.tokens["merchant"]),
        setting.post("/api/v1/batches", w.tokens["regulator"], json={}),
        setting.post("/api/v1/batches", w.tokens["merchant"], json={"lot": 5}),
        setting.get("/issuances/99999"),
    ]:
        assert response.status_code >= 400
        ERROR.model_validate(response.get_json(), strict=True)


def test_every_json_operation_of_the_openapi_document_has_a_model() -> None:
    paths = openapi_document()["paths"]
    operations = {
        (method, path): op for path, item in paths.items() for method, op in item.items() if method in METHODS
    }
    assert DOWNLOADS.keys() <= operations.keys(), "a listed download is no longer an operation"
    assert set(RESPONSES) == operations.keys() - DOWNLOADS.keys()
    for key, (status, _model) in RESPONSES.items():
        documented = operations[key]["responses"]
        assert str(status) in documented, (key, status)
        assert "application/json" in documented[str(status)].get("content", {}), key
    for key in DOWNLOADS:
        success = next(v for k, v in operations[key]["responses"].items() if k.startswith("2"))
        assert "application/json" not in success.get("content", {}), key


def test_the_schemas_are_closed_and_resolve_within_components() -> None:
    schemas = response_schemas()
    assert {model.__name__ for _s, model in RESPONSES.values()} <= schemas.keys()
    for name, schema in schemas.items():
        assert schema["additionalProperties"] is False, name
        assert schema.get("description"), f"{name} needs a docstring: it is the published description"
    refs = set(_refs(schemas))
    assert refs and all(r.startswith("#/components/schemas/") for r in refs)
    assert {r.removeprefix("#/components/schemas/") for r in refs} <= schemas.keys()


def test_the_response_schemas_do_not_take_the_names_of_request_schemas() -> None:
    document = openapi_document()
    components = document["components"]["schemas"]
    bodies = [
        op["requestBody"]
        for item in document["paths"].values()
        for op in item.values()
        if "requestBody" in op
    ]
    names, todo = set(), [r.removeprefix("#/components/schemas/") for r in _refs(bodies)]
    while todo:
        name = todo.pop()
        if name not in names:
            names.add(name)
            todo += [r.removeprefix("#/components/schemas/") for r in _refs(components.get(name, {}))]
    assert names, "no request schema found"
    assert not names & response_schemas().keys()


def _refs(value: object) -> Iterator[str]:
    if isinstance(value, dict):
        for k, v in value.items():
            if k == "$ref" and isinstance(v, str):
                yield v
            else:
                yield from _refs(v)
    elif isinstance(value, list):
        for item in value:
            yield from _refs(item)


VOCABULARIES: dict[str, tuple[object, set[Any]]] = {
    "PackingProblem": (ceb_responses.PackingProblem, {p.value for p in PackingProblem}),
    "EnterpriseKind": (words.EnterpriseKind, {e.value for e in domain.EnterpriseKind}),
    "FilingStatus": (words.FilingStatus, {e.value for e in domain.FilingStatus}),
    "Role": (words.Role, {e.value for e in domain.Role}),
    "CreditGrade": (words.CreditGrade, set(credit.GRADES)),
    "ProductCategory": (words.ProductCategory, {e.value for e in domain.ProductCategory}),
    "GoodsCondition": (words.GoodsCondition, {e.value for e in domain.GoodsCondition}),
    "AdmissionStatus": (words.AdmissionStatus, {e.value for e in domain.AdmissionStatus}),
    "RiskClass": (words.RiskClass, {e.value for e in domain.RiskClass}),
    "DocumentKind": (words.DocumentKind, {e.value for e in domain.DocumentKind}),
    "Requirement": (words.Requirement, {e.value for e in Requirement}),
    "NegativeRuleKind": (words.NegativeRuleKind, {e.value for e in domain.NegativeRuleKind}),
    "BatchStatus": (words.BatchStatus, {e.value for e in domain.BatchStatus}),
    "LabelKind": (words.LabelKind, set(get_args(templates.Kind))),
    "KeyStatus": (words.KeyStatus, {e.value for e in domain.KeyStatus}),
    "Verdict": (words.Verdict, {e.value for e in Verdict}),
    "Reason": (words.Reason, {e.value for e in Reason}),
    "EntryStatus": (words.EntryStatus, {e.value for e in domain.EntryStatus}),
    "QuarantineStatus": (words.QuarantineStatus, {e.value for e in domain.QuarantineStatus}),
    "QuarantineOutcome": (words.QuarantineOutcome, {e.value for e in domain.QuarantineOutcome}),
    "QuarantineScope": (words.QuarantineScope, {e.value for e in domain.QuarantineScope}),
    "LineRefusal": (words.LineRefusal, {e.value for e in domain.LineRefusal}),
    "ReportKind": (words.ReportKind, {e.value for e in domain.ReportKind}),
    "ReportStatus": (words.ReportStatus, {e.value for e in domain.ReportStatus}),
    "LedgerKind": (words.LedgerKind, {e.value for e in domain.LedgerKind}),
    "SpotCheckStatus": (words.SpotCheckStatus, {e.value for e in domain.SpotCheckStatus}),
    "SampleChannel": (words.SampleChannel, {e.value for e in domain.SampleChannel}),
    "ExitStatus": (words.ExitStatus, {e.value for e in domain.ExitStatus}),
    "Finding": (words.Finding, {e.value for e in Finding}),
    "AnomalyRule": (words.AnomalyRule, {e.value for e in AnomalyRule}),
    "CreditEventKind": (words.CreditEventKind, {e.value for e in domain.CreditEventKind}),
    "RecallKind": (words.RecallKind, {e.value for e in domain.RecallKind}),
    "RecallScope": (words.RecallScope, {e.value for e in domain.RecallScope}),
    "RecallStatus": (words.RecallStatus, {e.value for e in domain.RecallStatus}),
    "WarningLevel": (words.WarningLevel, {e.value for e in domain.WarningLevel}),
    "ComplaintCategory": (words.ComplaintCategory, {e.value for e in domain.ComplaintCategory}),
    "ComplaintStatus": (words.ComplaintStatus, {e.value for e in domain.ComplaintStatus}),
    "UserKind": (words.UserKind, {e.value for e in onboarding.UserKind}),
    "UserStatus": (words.UserStatus, {e.value for e in onboarding.UserStatus}),
    "TokenScope": (words.TokenScope, {e.value for e in domain.TokenScope}),
    "TradeMode": (words.TradeMode, {e.value for e in domain.TradeMode}),
    "SanctionAction": (enforcement_words.SanctionAction, {e.value for e in domain.SanctionAction}),
    "CreditListKind": (enforcement_words.CreditListKind, {e.value for e in domain.CreditListKind}),
    "BuyerRestrictionLevel": (
        enforcement_words.BuyerRestrictionLevel,
        {e.value for e in domain.BuyerRestrictionLevel},
    ),
}


@pytest.mark.parametrize(("vocabulary", "values"), list(VOCABULARIES.values()), ids=list(VOCABULARIES))
def test_each_vocabulary_is_its_domain_enum(vocabulary: object, values: set[Any]) -> None:
    assert set(get_args(vocabulary)) == values


def test_a_wrong_type_a_missing_or_an_unknown_key_fails(setting: Setting) -> None:
    w = setting.world()
    make_batch(setting.session, w, setting.ring, count=1)
    batches = setting.get("/api/v1/batches", w.tokens["merchant"]).get_json()
    good = batches["batches"][0]
    BatchModel.model_validate(good, strict=True)
    for bad in (
        good | {"quantity": str(good["quantity"])},
        good | {"codes_issued": True},
        good | {"status": "lost"},
        good | {"production_date": "1 September 2026"},
        good | {"surprise": 1},
        {k: v for k, v in good.items() if k != "lot"},
    ):
        with pytest.raises(ValidationError):
            BatchModel.model_validate(bad, strict=True)


from tests.web import response_cases_supervision  # noqa: E402,F401  (registers the supervision cases)

# --- sanctions, credit lists, the exit hold step (issue 15 part A) --------------------------------------


def held_order(s: Setting, w: World) -> ExitDeclaration:
    """An order of goods under tightened control, held for the office's release."""
    batch = make_zone_batch(s.session, w, s.ring, quantity=5)
    batch.exit_hold_required = True
    s.session.commit()
    return sell(s, w, batch, code_urls(s.session, s.ring, batch)[:1])


@case("post", "/api/v1/exit-declarations/{declaration_id}/hold-decision")
def _hold_decision(s: Setting) -> list[TestResponse]:
    w = s.world()
    order, other = held_order(s, w), held_order(s, w)
    officer = w.tokens["regulator"]
    release = {"decision": "release", "note": "seals checked"}
    refuse = {"decision": "refuse", "note": "seal broken"}
    return [
        s.post(f"/api/v1/exit-declarations/{order.id}/hold-decision", officer, json=release),
        s.post(f"/api/v1/exit-declarations/{other.id}/hold-decision", officer, json=refuse),
    ]


def _restriction(s: Setting) -> tuple[World, int]:
    """A buyer with two orders, blocked by the office through the API; the restriction's id."""
    w = s.world()
    batch = make_zone_batch(s.session, w, s.ring, quantity=10)
    urls = code_urls(s.session, s.ring, batch)
    buyer = Buyer(id_number(31), "周八", "深圳市南山区8号")
    order = sell(s, w, batch, urls[:2], buyer=buyer)
    body = {"buyer": order.buyer_hash, "level": "block", "reason": "拆单", "rule": "many_orders_one_buyer"}
    answer = s.post("/api/v1/buyer-restrictions", w.tokens["regulator"], json=body)
    assert answer.status_code == 201, answer.json
    return w, int(answer.json["id"])


@case("post", "/api/v1/buyer-restrictions")
def _restrict_buyer(s: Setting) -> list[TestResponse]:
    w = s.world()
    batch = make_zone_batch(s.session, w, s.ring, quantity=4)
    order = sell(s, w, batch, code_urls(s.session, s.ring, batch)[:1], buyer=Buyer(id_number(32), "吴九"))
    body = {"buyer": order.buyer_hash, "level": "watch", "reason": "观察"}
    return [s.post("/api/v1/buyer-restrictions", w.tokens["regulator"], json=body)]


@case("get", "/api/v1/buyer-restrictions")
def _buyer_restrictions(s: Setting) -> list[TestResponse]:
    w, restriction_id = _restriction(s)
    s.post(f"/api/v1/buyer-restrictions/{restriction_id}/lift", w.tokens["regulator"], json={"reason": "ok"})
    officer = w.tokens["regulator"]
    return [
        s.get("/api/v1/buyer-restrictions?state=all", officer),
        s.get("/api/v1/buyer-restrictions", officer),
    ]


@case("post", "/api/v1/buyer-restrictions/{restriction_id}/lift")
def _lift_restriction(s: Setting) -> list[TestResponse]:
    w, restriction_id = _restriction(s)
    lift = {"reason": "已整改"}
    return [s.post(f"/api/v1/buyer-restrictions/{restriction_id}/lift", w.tokens["regulator"], json=lift)]


@other_case("post", "/api/v1/exit-declarations", 202, unfilled=("ExitFinding",))
def _declare_held_exit(s: Setting) -> list[TestResponse]:
    w = s.world()
    batch = make_zone_batch(s.session, w, s.ring, quantity=5)
    batch.exit_hold_required = True
    s.session.commit()
    body = order_body(batch.id, code_urls(s.session, s.ring, batch)[:1])
    return [s.post("/api/v1/exit-declarations", w.tokens["merchant"], json=body)]


@other_case("post", "/api/v1/exit-declarations/{declaration_id}/recheck", 202, unfilled=("ExitFinding",))
def _recheck_held_exit(s: Setting) -> list[TestResponse]:
    w = s.world()
    batch = make_zone_batch(s.session, w, s.ring, quantity=5)
    urls = code_urls(s.session, s.ring, batch)
    failing = sell(s, w, batch, urls[:1], quantities=[2], payment="200.00")
    batch.exit_hold_required = True
    s.session.commit()
    body = {
        "lines": [{"batch_id": batch.id, "quantity": 1, "unit_price": "100.00", "codes": urls[:1]}],
        "payment_amount": "100.00",
    }
    return [s.post(f"/api/v1/exit-declarations/{failing.id}/recheck", w.tokens["merchant"], json=body)]


@case("get", "/api/v1/enterprises/{enterprise_id}/sanctions")
def _sanctions(s: Setting) -> list[TestResponse]:
    w = s.world()
    product = make_product(s.session, w)
    sanctions.sanction_product(s.session, w.regulator, product.id, "suspend", "label defects")
    s.session.commit()
    return [s.get(f"/api/v1/enterprises/{w.merchant.id}/sanctions", w.tokens["merchant"])]


@case("post", "/api/v1/enterprises/{enterprise_id}/sanctions")
def _sanction_enterprise(s: Setting) -> list[TestResponse]:
    w = s.world()
    body = {"action": "suspend", "reason": "false waybills"}
    return [s.post(f"/api/v1/enterprises/{w.merchant.id}/sanctions", w.tokens["regulator"], json=body)]


@case("post", "/api/v1/products/{product_id}/sanctions")
def _sanction_product(s: Setting) -> list[TestResponse]:
    w = s.world()
    product = make_product(s.session, w)
    body = {"action": "revoke", "reason": "forged certificate"}
    return [s.post(f"/api/v1/products/{product.id}/sanctions", w.tokens["regulator"], json=body)]


@case("get", "/api/v1/credit-lists")
def _credit_lists(s: Setting) -> list[TestResponse]:
    w = s.world()
    entry = sanctions.add_to_list(s.session, w.regulator, w.merchant.id, "abnormal_operations", "no reply")
    sanctions.add_to_list(s.session, w.regulator, w.merchant.id, "serious_violators", "smuggling")
    sanctions.remove_from_list(s.session, w.regulator, entry.id, "replied")
    s.session.commit()
    return [s.get("/api/v1/credit-lists", w.tokens["regulator"])]


@case("post", "/api/v1/enterprises/{enterprise_id}/credit-lists")
def _add_to_list(s: Setting) -> list[TestResponse]:
    w = s.world()
    body = {"list_kind": "serious_violators", "reason": "smuggling"}
    return [s.post(f"/api/v1/enterprises/{w.merchant.id}/credit-lists", w.tokens["regulator"], json=body)]


@case("post", "/api/v1/credit-lists/{entry_id}/removal")
def _remove_from_list(s: Setting) -> list[TestResponse]:
    w = s.world()
    entry = sanctions.add_to_list(s.session, w.regulator, w.merchant.id, "abnormal_operations", "no reply")
    s.session.commit()
    return [
        s.post(f"/api/v1/credit-lists/{entry.id}/removal", w.tokens["regulator"], json={"reason": "replied"})
    ]


@case("get", "/api/v1/public/credit")
def _public_credit(s: Setting) -> list[TestResponse]:
    w = s.world()
    sanctions.add_to_list(s.session, w.regulator, w.merchant.id, "serious_violators", "smuggling")
    s.session.commit()
    return [s.get("/api/v1/public/credit")]


from tests.web import (  # noqa: E402
    response_cases_filing,  # noqa: F401  (registers the enterprise filing cases)
    response_cases_major_cases,  # noqa: F401  (registers the major-case cases)
    response_cases_rectification,  # noqa: F401  (registers the rectification cases)
)
