"""The OpenAPI 3.1 description of ``/api/v1`` and the scan endpoint; a test keeps it in step with routes."""

from __future__ import annotations

from typing import Any

from suyuan.trace.model import ComplaintCategory, ComplaintStatus

ERROR = {"$ref": "#/components/responses/Error"}


def _op(
    summary: str,
    *,
    body: str | None = None,
    params: list[dict[str, Any]] | None = None,
    ok: str = "200",
    auth: bool = True,
    ok_schema: str = "Object",
) -> dict[str, Any]:
    op: dict[str, Any] = {
        "summary": summary,
        "responses": {
            ok: {
                "description": "OK",
                "content": {"application/json": {"schema": {"$ref": f"#/components/schemas/{ok_schema}"}}},
            },
            "400": ERROR,
            "401": ERROR,
            "403": ERROR,
            "404": ERROR,
            "409": ERROR,
            "422": ERROR,
        },
    }
    if not auth:
        op["security"] = []
    if body:
        op["requestBody"] = {
            "required": True,
            "content": {"application/json": {"schema": {"$ref": f"#/components/schemas/{body}"}}},
        }
    if params:
        op["parameters"] = params
    return op


def _path_id(name: str) -> dict[str, Any]:
    return {"name": name, "in": "path", "required": True, "schema": {"type": "integer", "minimum": 1}}


def _query(name: str, schema: dict[str, Any]) -> dict[str, Any]:
    return {"name": name, "in": "query", "required": False, "schema": schema}


def openapi_document() -> dict[str, Any]:
    """The whole document; plain data so it can be served and tested."""
    batch_id, product_id = _path_id("batch_id"), _path_id("product_id")
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Suyuan API",
            "version": "1",
            "description": "Filing registry, batches and signed traceability codes. "
            'Errors are {"error": {"code", "message"}} with a 4xx status.',
        },
        "servers": [{"url": "/"}],
        "security": [{"bearer": []}],
        "paths": {
            "/api/v1/openapi.json": {"get": _op("This document", auth=False)},
            "/api/v1/me": {"get": _op("Who the token belongs to")},
            "/api/v1/enterprises": {
                "get": _op("List enterprises"),
                "post": _op("File an enterprise (regulator)", body="EnterpriseFiling", ok="201"),
            },
            "/api/v1/products": {
                "get": _op("List product filings"),
                "post": _op("File a product (merchant)", body="ProductFiling", ok="201"),
            },
            "/api/v1/products/{product_id}": {"get": _op("One product filing", params=[product_id])},
            "/api/v1/products/{product_id}/documents": {
                "post": _op("Attach a document", body="Document", params=[product_id], ok="201")
            },
            "/api/v1/products/{product_id}/admission": {
                "post": _op("Admit or refuse (regulator)", body="AdmissionDecision", params=[product_id])
            },
            "/api/v1/negative-list": {
                "get": _op("The negative list"),
                "post": _op("Add a rule (regulator)", body="NegativeRule", ok="201"),
            },
            "/api/v1/batches": {
                "get": _op("List batches"),
                "post": _op("Register a batch", body="BatchRegistration", ok="201"),
            },
            "/api/v1/batches/{batch_id}": {
                "get": _op("One batch with its issuances", params=[batch_id]),
                "patch": _op(
                    "Amend the quantity (merchant), with a reason", body="BatchAmendment", params=[batch_id]
                ),
            },
            "/api/v1/batches/{batch_id}/release": {
                "post": _op("Release for sale (regulator)", params=[batch_id])
            },
            "/api/v1/batches/{batch_id}/codes": {
                "post": _op(
                    "Issue the next serials (merchant of the batch)",
                    body="CodeRequest",
                    params=[batch_id],
                    ok="201",
                    ok_schema="Issuance",
                ),
                "get": _op(
                    "The batch's codes; format=csv streams serial,url rows",
                    params=[
                        batch_id,
                        _query("format", {"enum": ["json", "csv"]}),
                        _query("first", {"type": "integer", "minimum": 1}),
                        _query("last", {"type": "integer", "minimum": 1}),
                    ],
                ),
            },
            "/api/v1/label-templates": {"get": _op("Label templates (sheets and thermal rolls)", auth=False)},
            "/api/v1/batches/{batch_id}/labels": {
                "get": {
                    "summary": "Label file; proof=1 sends it only if every label decodes and verifies",
                    "parameters": [
                        batch_id,
                        _query("template", {"type": "string"}),
                        _query("format", {"enum": ["pdf", "png", "svg", "zpl"]}),
                        _query("first", {"type": "integer", "minimum": 1}),
                        _query("last", {"type": "integer", "minimum": 1}),
                        _query("dpi", {"type": "integer", "minimum": 100, "maximum": 1200}),
                        _query("proof", {"enum": ["0", "1"]}),
                    ],
                    "responses": {
                        "200": {
                            "description": "The file (a ZIP for multi-page PNG/SVG)",
                            "content": {
                                "application/pdf": {},
                                "image/png": {},
                                "image/svg+xml": {},
                                "application/zip": {},
                                "application/vnd.zebra-zpl": {},
                            },
                        },
                        "400": ERROR,
                        "401": ERROR,
                        "404": ERROR,
                        "422": ERROR,
                    },
                }
            },
            "/api/v1/scan-image": {
                "post": {
                    "summary": "Decode and verify every code in a photo or PDF (anonymous allowed)",
                    "security": [],
                    "requestBody": {
                        "required": True,
                        "content": {
                            "multipart/form-data": {
                                "schema": {
                                    "type": "object",
                                    "required": ["file"],
                                    "properties": {"file": {"type": "string", "format": "binary"}},
                                }
                            }
                        },
                    },
                    "responses": {
                        "200": {
                            "description": "Codes found",
                            "content": {
                                "application/json": {"schema": {"$ref": "#/components/schemas/ScanResult"}}
                            },
                        },
                        "400": ERROR,
                        "413": ERROR,
                    },
                }
            },
            "/api/v1/audit/verify": {"get": _op("Check the audit hash chain (regulator)")},
            **_zone_paths(),
            **_complaint_paths(),
            **_recall_paths(),
            **_trace_paths(),
            "/01/{gtin}/10/{lot}/21/{serial}": {
                "get": _op(
                    "Resolve a code: HTML page, JSON verdict (Accept: application/json) or linkset "
                    "(Accept: application/linkset+json or ?linkType=all)",
                    auth=False,
                    ok_schema="Verdict",
                    params=[
                        {"name": n, "in": "path", "required": True, "schema": {"type": "string"}}
                        for n in ("gtin", "lot", "serial")
                    ]
                    + [_query("s", {"type": "string", "pattern": "^[1-9][0-9]{0,7}[0-9]{155}$"})],
                )
            },
            "/.well-known/jwks.json": {"get": _op("Public keys (RFC 8037) with status", auth=False)},
            "/.well-known/suyuan/revocations.json": {
                "get": _op(
                    "Signed revocation list (JWS): revoked keys, recalled and stopped batches", auth=False
                )
            },
            "/issuances/{issuance_id}": {
                "get": _op(
                    "Signed issuance statement (compact JWS)", auth=False, params=[_path_id("issuance_id")]
                )
            },
        },
        "components": {
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
            "responses": {
                "Error": {
                    "description": "Error",
                    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
                }
            },
            "schemas": _schemas() | _zone_schemas() | _complaint_schemas() | _recall_schemas(),
        },
    }


def _schemas() -> dict[str, Any]:
    text = {"type": "string"}
    date = {"type": "string", "format": "date"}
    return {
        "Object": {"type": "object"},
        "Error": {
            "type": "object",
            "required": ["error"],
            "properties": {
                "error": {
                    "type": "object",
                    "required": ["code", "message"],
                    "properties": {"code": text, "message": text},
                }
            },
        },
        "EnterpriseFiling": {
            "type": "object",
            "required": ["kind", "name", "uscc", "office"],
            "properties": {
                "kind": {"enum": ["merchant", "platform", "warehouse"]},
                "name": text,
                "name_en": text,
                "uscc": {"type": "string", "pattern": "^[0-9A-HJ-NPQRTUWXY]{18}$"},
                "office": text,
                "address": text,
                "commitment_signed": {"type": "boolean"},
            },
        },
        "Document": {
            "type": "object",
            "required": ["kind"],
            "properties": {
                "kind": {
                    "enum": [
                        "ccc_certificate",
                        "ccc_exemption",
                        "food_producer_registration",
                        "special_article_approval",
                        "free_sale_certificate",
                        "certificate_of_origin",
                        "test_report",
                        "third_party_test_report",
                    ]
                },
                "number": text,
                "issuer": text,
                "issued_on": date,
                "valid_until": date,
                "sha256": {"type": "string", "pattern": "^[0-9a-fA-F]{64}$"},
            },
        },
        "ProductFiling": {
            "type": "object",
            "required": [
                "gtin",
                "name",
                "hs_code",
                "category",
                "manufacturer",
                "origin_country",
                "supplier_name",
                "supplier_country",
            ],
            "properties": {
                "enterprise_id": {"type": "integer"},
                "gtin": {"type": "string", "pattern": "^[0-9]{8,14}$"},
                "name": text,
                "name_en": text,
                "brand": text,
                "spec_model": text,
                "hs_code": {"type": "string", "pattern": "^[0-9.]{6,13}$"},
                "category": {
                    "enum": ["food", "cosmetic", "appliance", "toy", "textile", "biologic", "general"]
                },
                "condition": {"enum": ["new", "used"]},
                "manufacturer": text,
                "origin_country": {"type": "string", "pattern": "^[A-Za-z]{2,3}$"},
                "supplier_name": text,
                "supplier_country": text,
                "main_ingredients": text,
                "performance_indicators": text,
                "standards": text,
                "in_ccc_catalogue": {"type": "boolean"},
                "in_food_registration_catalogue": {"type": "boolean"},
                "documents": {
                    "type": "array",
                    "maxItems": 50,
                    "items": {"$ref": "#/components/schemas/Document"},
                },
            },
        },
        "AdmissionDecision": {
            "type": "object",
            "required": ["admit"],
            "properties": {
                "admit": {"type": "boolean"},
                "risk_class": {"enum": [2, 3]},
                "disclosure": text,
                "reason": text,
            },
        },
        "NegativeRule": {
            "type": "object",
            "required": ["category", "kind", "value", "reason"],
            "properties": {
                "category": {"enum": ["N1", "N2", "N3", "N4", "N5", "N6", "N7", "N8"]},
                "kind": {"enum": ["hs_prefix", "keyword", "condition"]},
                "value": text,
                "reason": text,
            },
        },
        "BatchRegistration": {
            "type": "object",
            "required": ["product_id", "lot", "quantity"],
            "properties": {
                "product_id": {"type": "integer"},
                "lot": {"type": "string", "maxLength": 20},
                "quantity": {"type": "integer", "minimum": 1, "maximum": 10_000_000},
                "production_date": date,
                "expiry_date": date,
            },
        },
        "BatchAmendment": {
            "type": "object",
            "required": ["quantity", "reason"],
            "properties": {
                "quantity": {"type": "integer", "minimum": 1, "maximum": 10_000_000},
                "reason": text,
            },
        },
        "CodeRequest": {
            "type": "object",
            "required": ["count"],
            "properties": {"count": {"type": "integer", "minimum": 1, "maximum": 1_000_000}},
        },
        "Issuance": {
            "type": "object",
            "properties": {
                "id": {"type": "integer"},
                "batch_id": {"type": "integer"},
                "first_serial": {"type": "integer"},
                "last_serial": {"type": "integer"},
                "count": {"type": "integer"},
                "kid": text,
                "created_at": text,
                "statement_url": text,
            },
        },
        "ScanResult": {
            "type": "object",
            "required": ["codes"],
            "properties": {
                "codes": {
                    "type": "array",
                    "items": {
                        "type": "object",
                        "required": ["text", "verdict", "reasons", "position"],
                        "properties": {
                            "text": text,
                            "verdict": {"enum": ["genuine", "counterfeit", "suspect", "recalled", "revoked"]},
                            "reasons": {"type": "array", "items": text},
                            "position": {
                                "type": "array",
                                "items": {"type": "array", "items": {"type": "integer"}},
                            },
                            "page": {"type": "integer"},
                            "method": text,
                        },
                    },
                }
            },
        },
        "Verdict": {
            "type": "object",
            "required": ["verdict", "reasons", "code"],
            "properties": {
                "verdict": {"enum": ["genuine", "counterfeit", "suspect", "recalled", "revoked"]},
                "reasons": {"type": "array", "items": text},
                "code": {"type": "object", "properties": {"gtin": text, "lot": text, "serial": text}},
                "product": {"type": ["object", "null"]},
                "batch": {"type": ["object", "null"]},
                "supplier": {"type": ["object", "null"]},
                "scans": {
                    "type": "object",
                    "properties": {"count": {"type": "integer"}, "first_at": {"type": ["string", "null"]}},
                },
            },
        },
    }


def _zone_paths() -> dict[str, Any]:
    """The bonded-zone workflow (docs/zone.md)."""
    batch_id, declaration_id = _path_id("batch_id"), _path_id("declaration_id")
    spot_check_id, enterprise_id = _path_id("spot_check_id"), _path_id("enterprise_id")
    exit_op = _op(
        "Declare an order's exit: 201 written off; 422 exit_check_failed with the stored declaration "
        "and its findings, awaiting rectification",
        body="ExitDeclaration",
        ok="201",
    )
    return {
        "/api/v1/entry-declarations": {
            "get": _op("List entry declarations"),
            "post": _op(
                "Declare a consignment (merchant): lines matching admitted filings become batches "
                "on the ledger, refused lines say why",
                body="EntryDeclaration",
                ok="201",
            ),
        },
        "/api/v1/entry-declarations/{declaration_id}": {
            "get": _op("One entry declaration with line results and quarantine", params=[declaration_id])
        },
        "/api/v1/entry-declarations/{declaration_id}/quarantine": {
            "post": _op(
                "Record the quarantine result (regulator)", body="Quarantine", params=[declaration_id]
            )
        },
        "/api/v1/batches/{batch_id}/reports": {
            "get": _op("A batch's test reports and conformity declarations", params=[batch_id]),
            "post": _op(
                "Submit a report (merchant of the batch)", body="Report", params=[batch_id], ok="201"
            ),
        },
        "/api/v1/reports/{report_id}/review": {
            "post": _op(
                "Accept or reject a report (regulator)", body="Review", params=[_path_id("report_id")]
            )
        },
        "/api/v1/batches/{batch_id}/ledger": {
            "get": _op(
                "The batch's zone ledger: totals, balance, reconciliation, movements after `after`",
                params=[
                    batch_id,
                    _query("after", {"type": "integer", "minimum": 0}),
                    _query("limit", {"type": "integer", "minimum": 0, "maximum": 100_000}),
                ],
            )
        },
        "/api/v1/batches/{batch_id}/disposals": {
            "post": _op(
                "Supervised destruction or return shipment of units in the zone (regulator)",
                body="Disposal",
                params=[batch_id],
                ok="201",
            )
        },
        "/api/v1/spot-checks": {
            "get": _op("Spot checks (merchants: results of their own goods only)"),
            "post": _op("Plan a spot check of a batch (regulator)", body="SpotCheckRequest", ok="201"),
        },
        "/api/v1/spot-checks/draw": {
            "post": _op(
                "Draw risk-based spot checks with an optional seed (regulator)", body="Draw", ok="201"
            )
        },
        "/api/v1/spot-checks/{spot_check_id}": {"get": _op("One spot check", params=[spot_check_id])},
        "/api/v1/spot-checks/{spot_check_id}/sample": {
            "post": _op(
                "Record the sample, online or offline (regulator)", body="Sample", params=[spot_check_id]
            )
        },
        "/api/v1/spot-checks/{spot_check_id}/result": {
            "post": _op(
                "Record the lab result; a failure blocks exit and recalls sold units (regulator)",
                body="LabResult",
                params=[spot_check_id],
            )
        },
        "/api/v1/exit-declarations": {
            "get": _op(
                "List exit declarations",
                params=[_query("status", {"enum": ["written_off", "rectification_required"]})],
            ),
            "post": exit_op,
        },
        "/api/v1/exit-declarations/{declaration_id}": {
            "get": _op("One exit declaration with lines and findings", params=[declaration_id])
        },
        "/api/v1/exit-declarations/{declaration_id}/recheck": {
            "post": _op(
                "Rectify and re-check a declaration (200 written off, 422 still failing)",
                body="Rectification",
                params=[declaration_id],
            )
        },
        "/api/v1/exit-declarations/{declaration_id}/returns": {
            "post": _op(
                "Units of the order come back into the zone", body="Return", params=[declaration_id], ok="201"
            )
        },
        "/api/v1/anomalies": {"get": _op("Disguised-B2B order alerts (regulator)")},
        "/api/v1/enterprises/{enterprise_id}/credit": {
            "get": _op("Credit grade, points and events", params=[enterprise_id])
        },
        "/api/v1/enterprises/{enterprise_id}/credit-events": {
            "post": _op(
                "Record a credit event (regulator)", body="CreditEvent", params=[enterprise_id], ok="201"
            )
        },
    }


def _zone_schemas() -> dict[str, Any]:
    text = {"type": "string"}
    date = {"type": "string", "format": "date"}
    amount = {"type": ["string", "number"], "description": 'RMB, at most 2 decimals, e.g. "199.00"'}
    sha = {"type": "string", "pattern": "^[0-9a-fA-F]{64}$"}

    def obj(required: list[str], **props: Any) -> dict[str, Any]:
        return {"type": "object", "required": required, "additionalProperties": False, "properties": props}

    entry_line = obj(
        ["gtin", "lot", "quantity", "supplier_name", "supplier_country"],
        gtin={"type": "string", "pattern": "^[0-9]{8,14}$"},
        lot={"type": "string", "maxLength": 20},
        quantity={"type": "integer", "minimum": 1, "maximum": 10_000_000},
        supplier_name=text,
        supplier_country=text,
        production_date=date,
        expiry_date=date,
    )
    exit_line = obj(
        ["batch_id", "quantity", "unit_price", "codes"],
        batch_id={"type": "integer"},
        quantity={"type": "integer", "minimum": 1, "maximum": 200},
        unit_price=amount,
        codes={"type": "array", "maxItems": 200, "items": {"type": "string", "description": "code URL"}},
    )
    lines = {"type": "array", "minItems": 1, "maxItems": 20, "items": exit_line}
    return {
        "EntryDeclaration": obj(
            ["reference", "lines"],
            enterprise_id={"type": "integer"},
            reference={"type": "string", "maxLength": 64},
            transport_doc={"type": "string", "maxLength": 100},
            lines={"type": "array", "minItems": 1, "maxItems": 200, "items": entry_line},
        ),
        "Quarantine": obj(
            ["outcome"],
            outcome={"enum": ["passed", "treated", "failed"]},
            scope={"enum": ["goods", "container", "wood_packaging"]},
            treatment=text,
            note=text,
        ),
        "Report": obj(
            ["kind", "issuer", "issued_on", "sha256"],
            kind={
                "enum": [
                    "foreign_test_report",
                    "conformity_declaration",
                    "domestic_test_report",
                    "self_test_report",
                ]
            },
            issuer=text,
            number=text,
            issued_on=date,
            valid_until=date,
            sha256=sha,
        ),
        "Review": obj(["accept"], accept={"type": "boolean"}, note=text),
        "Disposal": obj(
            ["kind", "quantity", "reason"],
            kind={"enum": ["destruction", "return_shipment"]},
            quantity={"type": "integer", "minimum": 1},
            reason=text,
        ),
        "SpotCheckRequest": obj(["batch_id"], batch_id={"type": "integer"}, note=text),
        "Draw": obj([], seed={"type": "string", "maxLength": 64}),
        "Sample": obj(
            ["channel"],
            channel={"enum": ["online", "offline"]},
            quantity={"type": "integer", "minimum": 1, "maximum": 100},
            order_ref=text,
        ),
        "LabResult": obj(
            ["passed", "lab", "report_sha256"],
            passed={"type": "boolean"},
            lab=text,
            report_sha256=sha,
            failed_items={"type": "array", "maxItems": 50, "items": text},
            note=text,
        ),
        "ExitDeclaration": obj(
            ["order_no", "payment_ref", "waybill_no", "payment_amount", "buyer", "lines"],
            order_no={"type": "string", "maxLength": 64},
            payment_ref={"type": "string", "maxLength": 64},
            waybill_no={"type": "string", "maxLength": 64},
            payment_amount=amount,
            platform=text,
            buyer=obj(
                ["id_number", "name"],
                id_number={
                    "type": "string",
                    "description": "resident ID number (GB 11643); stored only as a keyed hash",
                },
                name={"type": "string", "description": "stored masked"},
                address={"type": "string", "description": "stored only as a keyed hash"},
            ),
            lines=lines,
        ),
        "Rectification": obj(["lines"], lines=lines, payment_amount=amount),
        "Return": obj(
            ["codes", "reason"],
            codes={"type": "array", "minItems": 1, "maxItems": 200, "items": text},
            reason=text,
        ),
        "CreditEvent": obj(
            ["kind", "note"],
            kind={
                "enum": [
                    "spot_check_failed",
                    "recall_ordered",
                    "recall_voluntary",
                    "complaint_upheld",
                    "violation",
                ]
            },
            note=text,
            source={"type": "string", "maxLength": 64},
        ),
    }


def _complaint_paths() -> dict[str, Any]:
    """Consumer complaints (docs/complaints.md); the trace of a complaint is documented with the trace."""
    complaint_id = _path_id("complaint_id")
    reference = {
        "name": "reference",
        "in": "path",
        "required": True,
        "schema": {"type": "string", "maxLength": 32, "examples": ["TS-7K2M9Q4XHD"]},
    }
    filing = _op(
        "File a complaint about a scanned code (anonymous allowed; rate-limited per device: 429)",
        auth=False,
        ok="201",
        ok_schema="ComplaintFiled",
    )
    filing["requestBody"] = {
        "required": True,
        "content": {
            "application/json": {"schema": {"$ref": "#/components/schemas/ComplaintFiling"}},
            "multipart/form-data": {"schema": {"$ref": "#/components/schemas/ComplaintFilingForm"}},
        },
    }
    filing["responses"]["413"] = ERROR
    filing["responses"]["429"] = ERROR
    photo = {
        "summary": "The complaint's photo, re-encoded as JPEG (merchant and office of the remit)",
        "parameters": [complaint_id],
        "responses": {
            "200": {"description": "The photo", "content": {"image/jpeg": {}}},
            "401": ERROR,
            "404": ERROR,
        },
    }
    return {
        "/api/v1/complaints": {
            "post": filing,
            "get": _op(
                "Complaints of the caller (merchant: its own; office: its own and unassigned), newest first",
                params=[
                    _query("status", {"enum": [s.value for s in ComplaintStatus]}),
                    _query("batch_id", {"type": "integer", "minimum": 1}),
                    _query("limit", {"type": "integer", "minimum": 1, "maximum": 500}),
                ],
            ),
        },
        "/api/v1/complaints/status/{reference}": {
            "get": _op(
                "The public status of a complaint: status, category, public events (no contact)",
                auth=False,
                params=[reference],
                ok_schema="ComplaintPublicStatus",
            )
        },
        "/api/v1/complaints/{complaint_id}": {
            "get": _op("One complaint with its timeline", params=[complaint_id], ok_schema="Complaint")
        },
        "/api/v1/complaints/{complaint_id}/answer": {
            "post": _op(
                "Answer the consumer (merchant of the batch); status becomes answered",
                body="ComplaintAnswer",
                params=[complaint_id],
                ok_schema="Complaint",
            )
        },
        "/api/v1/complaints/{complaint_id}/status": {
            "post": _op(
                "Move the complaint on (office of the remit), or add a note when status is omitted",
                body="ComplaintStatusChange",
                params=[complaint_id],
                ok_schema="Complaint",
            )
        },
        "/api/v1/complaints/{complaint_id}/photo": {"get": photo},
    }


def _complaint_schemas() -> dict[str, Any]:
    text = {"type": "string"}
    when = {"type": "string", "format": "date-time"}
    code = {
        "type": "object",
        "properties": {"gtin": text, "lot": text, "serial": text},
    }
    category = {"enum": [c.value for c in ComplaintCategory]}
    status = {"enum": [s.value for s in ComplaintStatus]}
    filing_props = {
        "code": {"type": "string", "maxLength": 512, "description": "the scanned code URL"},
        "category": category,
        "text": {"type": "string", "minLength": 5, "maxLength": 2000},
        "contact": {"type": ["string", "null"], "maxLength": 200},
    }
    event = {
        "type": "object",
        "properties": {
            "at": when,
            "kind": {"enum": ["filed", "answer", "status", "note"]},
            "status": status,
            "text": text,
            "public": {"type": "boolean"},
            "actor": {"type": "string", "description": "offices only"},
        },
    }
    return {
        "ComplaintFiling": {
            "type": "object",
            "required": ["code", "category", "text"],
            "additionalProperties": False,
            "properties": filing_props,
        },
        "ComplaintFilingForm": {
            "type": "object",
            "required": ["code", "category", "text"],
            "properties": filing_props
            | {
                "photo": {
                    "type": "string",
                    "format": "binary",
                    "description": "optional; at most 10 MB and 40 megapixels; stored re-encoded as JPEG",
                }
            },
        },
        "ComplaintFiled": {
            "type": "object",
            "required": ["id", "reference", "status", "category", "verdict", "status_url"],
            "properties": {
                "id": {"type": "integer"},
                "reference": text,
                "status": status,
                "category": category,
                "verdict": {"enum": ["genuine", "counterfeit", "suspect", "recalled", "revoked"]},
                "status_url": text,
                "page_url": text,
            },
        },
        "ComplaintPublicStatus": {
            "type": "object",
            "properties": {
                "reference": text,
                "status": status,
                "category": category,
                "created_at": when,
                "updated_at": when,
                "code": code,
                "events": {"type": "array", "items": event},
            },
        },
        "Complaint": {
            "type": "object",
            "properties": {
                "id": {"type": "integer"},
                "reference": text,
                "status": status,
                "category": category,
                "verdict": text,
                "code": code,
                "code_url": text,
                "text": text,
                "contact": text,
                "region": text,
                "batch_id": {"type": ["integer", "null"]},
                "office_id": {"type": ["integer", "null"]},
                "enterprise_id": {"type": ["integer", "null"]},
                "created_at": when,
                "updated_at": when,
                "photo": {"type": ["object", "null"]},
                "events": {"type": "array", "items": event},
            },
        },
        "ComplaintAnswer": {
            "type": "object",
            "required": ["text"],
            "additionalProperties": False,
            "properties": {"text": {"type": "string", "minLength": 5, "maxLength": 2000}},
        },
        "ComplaintStatusChange": {
            "type": "object",
            "additionalProperties": False,
            "properties": {
                "status": status,
                "note": {"type": "string", "maxLength": 2000, "description": "required to uphold or dismiss"},
                "public": {"type": "boolean", "description": "show the note to the consumer (default false)"},
            },
        },
    }


def _recall_paths() -> dict[str, Any]:
    """Recalls, stop-sales, destruction, risk warnings and the public notices (docs/recalls.md)."""
    batch_id, recall_id, warning_id = _path_id("batch_id"), _path_id("recall_id"), _path_id("warning_id")
    return {
        "/api/v1/batches/{batch_id}/recall": {
            "post": _op(
                "Open a recall or stop-sale (regulator: ordered; the batch's merchant: voluntary); "
                "every code of the batch scans recalled at once; 409 already_recalled when a measure "
                "at least as strict is in force",
                body="RecallOpening",
                params=[batch_id],
                ok="201",
                ok_schema="Recall",
            )
        },
        "/api/v1/batches/{batch_id}/destruction": {
            "post": _op(
                "Units of a batch under recall or stop-sale destroyed in the zone, debited from the ledger "
                "(office or merchant); 409 ledger_would_go_negative / not_on_ledger",
                body="Destruction",
                params=[batch_id],
                ok="201",
            )
        },
        "/api/v1/recalls": {
            "get": _op(
                "Recalls visible to the caller, newest first",
                params=[_query("status", {"enum": ["open", "closed"]})],
            )
        },
        "/api/v1/recalls/{recall_id}": {
            "get": _op("One recall with the account of its units", params=[recall_id], ok_schema="Recall")
        },
        "/api/v1/recalls/{recall_id}/close": {
            "post": _op(
                "Close a recall with a note (regulator of the office)", body="Note", params=[recall_id]
            )
        },
        "/api/v1/recalls/{recall_id}/lift": {
            "post": _op(
                "Lift a stop-sale (regulator of the office): the batch returns to its earlier status",
                body="Note",
                params=[recall_id],
            )
        },
        "/api/v1/recalls/{recall_id}/notifications": {
            "get": _op(
                "Consumers who left a contact on a complaint or purchase claim (office and merchant only)",
                params=[recall_id],
            )
        },
        "/api/v1/recalls/{recall_id}/returns": {
            "post": _op(
                "Recalled units of an order returned by the consumer (merchant; no return window)",
                body="RecallReturn",
                params=[recall_id],
                ok="201",
            )
        },
        "/api/v1/warnings": {
            "get": _op("Every office's risk warnings, withdrawn ones included (regulators, merchants)"),
            "post": _op("Publish a risk warning to all offices (regulator)", body="RiskWarning", ok="201"),
        },
        "/api/v1/warnings/{warning_id}/withdraw": {
            "post": _op("Withdraw a warning (the publishing office)", params=[warning_id])
        },
        "/api/v1/public/notices": {
            "get": _op("Active risk warnings and open recalls and stop-sales, public fields only", auth=False)
        },
    }


def _recall_schemas() -> dict[str, Any]:
    def obj(required: list[str], **props: Any) -> dict[str, Any]:
        return {"type": "object", "required": required, "additionalProperties": False, "properties": props}

    def text(limit: int) -> dict[str, Any]:
        return {"type": "string", "maxLength": limit}

    whole = {"type": "integer", "minimum": 1}
    return {
        "RecallOpening": obj(
            ["kind", "reason"],
            kind={"enum": ["recall", "stop_sale"]},
            reason=text(2000),
            instructions=text(4000),
            instructions_en=text(4000),
            scope={"enum": ["batch", "sold_units"], "default": "batch"},
        ),
        "Recall": {
            "type": "object",
            "properties": {
                "id": {"type": "integer"},
                "batch_id": {"type": "integer"},
                "kind": {"enum": ["recall", "stop_sale"]},
                "scope": {"enum": ["batch", "sold_units"]},
                "status": {"enum": ["open", "closed"]},
                "voluntary": {"type": "boolean"},
                "reason": {"type": "string"},
                "instructions": {"type": "string"},
                "instructions_en": {"type": "string"},
                "opened_at": {"type": "string", "format": "date-time"},
                "closed_at": {"type": ["string", "null"], "format": "date-time"},
                "close_note": {"type": ["string", "null"]},
                "units": {
                    "type": "object",
                    "description": "on GET and close: returned, destroyed, outstanding",
                },
            },
        },
        "Note": obj(["note"], note=text(2000)),
        "Destruction": obj(["quantity", "reason"], quantity=whole, reason=text(2000), recall_id=whole),
        "RecallReturn": obj(
            ["exit_declaration_id", "codes", "reason"],
            exit_declaration_id=whole,
            codes={"type": "array", "items": {"type": "string", "description": "code URL"}},
            reason=text(2000),
        ),
        "RiskWarning": obj(
            ["level", "title", "body"],
            level={"enum": ["notice", "warning", "danger"]},
            title=text(200),
            title_en=text(200),
            body=text(4000),
            body_en=text(4000),
            hs_prefix={"type": "string", "pattern": "^[0-9.]{2,13}$"},
            product_id=whole,
            batch_id=whole,
        ),
    }


def _trace_paths() -> dict[str, Any]:
    """The trace of a batch or complaint, its spreadsheet and its EPCIS export (docs/trace.md)."""
    batch_id = _path_id("batch_id")
    paging = [
        _query("orders_offset", {"type": "integer", "minimum": 0, "default": 0}),
        _query("orders_limit", {"type": "integer", "minimum": 0, "maximum": 1000, "default": 50}),
        _query("top", {"type": "integer", "minimum": 1, "maximum": 100, "default": 10}),
    ]

    def download(summary: str, media_type: str) -> dict[str, Any]:
        return {
            "summary": summary,
            "parameters": [batch_id],
            "responses": {
                "200": {"description": "The file", "content": {media_type: {}}},
                "401": ERROR,
                "404": ERROR,
            },
        }

    return {
        "/api/v1/batches/{batch_id}/trace": {
            "get": _op(
                "Trace a batch: product, supplier, batch (entry, reports, spot checks, recalls), code "
                "ranges and counts, orders (a page), scan aggregates, complaints (regulator of its "
                "office; its merchant)",
                params=[batch_id, *paging],
            )
        },
        "/api/v1/complaints/{complaint_id}/trace": {
            "get": _op(
                "Trace a complaint to its batch (regulator; the merchant of its goods); a code that "
                "matched no batch gives the complaint and the product its GTIN names",
                params=[_path_id("complaint_id"), *paging],
            )
        },
        "/api/v1/batches/{batch_id}/trace.csv": {
            "get": download("The batch's trace records, one row per event or unit (CSV, UTF-8)", "text/csv")
        },
        "/api/v1/batches/{batch_id}/trace.xlsx": {
            "get": download(
                "The same spreadsheet as XLSX (header frozen, autofilter)",
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            )
        },
        "/api/v1/batches/{batch_id}/epcis": {
            "get": download(
                "The batch's history as an EPCIS 2.0 JSON-LD EPCISDocument", "application/ld+json"
            )
        },
    }
