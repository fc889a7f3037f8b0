"""The OpenAPI 3.1 description of ``/api/v1`` and the scan endpoint; a test keeps it in step with routes.

The document states what the server accepts, not only the shape: the bounds of ids and numbers, the
length of texts, which texts must not be blank, enumerations and the rules that tie one field to another
(``if``/``then``). A schemathesis run (tests/web/test_api_fuzz.py) holds server and document to it: a
request the document calls valid is never refused as malformed (400), one it calls invalid never accepted.
"""

from __future__ import annotations

from typing import Any

from suyuan.labels.templates import TEMPLATES
from suyuan.trace.bounds import MAX_INT
from suyuan.trace.model import ComplaintCategory, ComplaintStatus

ERROR = {"$ref": "#/components/responses/Error"}
# Ids are 32-bit integers on PostgreSQL; a larger one in a path names nothing (404), in a body it is a 400.
ID: dict[str, Any] = {"type": "integer", "format": "int32", "minimum": 1, "maximum": MAX_INT}
# Stored text holds no control character but tab and newline (suyuan.trace.fields.text); a text that
# must be filled in has a character other than white space (the server strips it before checking).
_PLAIN = "[^\\u0000-\\u0008\\u000b-\\u001f]"
_VISIBLE = "[^\\s\\u0000-\\u001f\\u0085]"
PLAIN_TEXT = f"^{_PLAIN}*$"
FILLED_TEXT = f"^{_PLAIN}*{_VISIBLE}{_PLAIN}*$"
ONE_LINE = "^[^\\u0000-\\u001f]*$"


# A lot (GS1 AI 10): 1-20 characters of GS1 character set 82.
LOT = {"type": "string", "pattern": "^[!\"%&'()*+,\\-./0-9:;<=>?A-Z_a-z]{1,20}$"}


# Complaint texts drop control characters instead of refusing them, then count: what a schema can say is
# the raw bound the server checks first (twice the limit plus 100), the rest is in the description.
COMPLAINT_TEXT = {
    "type": "string",
    "minLength": 5,
    "maxLength": 4100,
    "description": "5-2000 characters once control characters and outer spaces are removed",
}


# A serial in a query (first, last): serials of a batch count from 1.
SERIAL = {"type": "integer", "format": "int32", "minimum": 1, "maximum": MAX_INT}


# A negative-list keyword: 2-100 characters once outer spaces are stripped.
KEYWORD = "^\\s*[^\\s\\u0085][\\s\\S]{0,98}[^\\s\\u0085]\\s*$"


def string(max_length: int, *, filled: bool = False) -> dict[str, Any]:
    """A text of at most ``max_length`` characters; ``filled``: not blank (the server's ``required``)."""
    return {"type": "string", "maxLength": max_length, "pattern": FILLED_TEXT if filled else PLAIN_TEXT}


def rule(field: str, values: list[Any], then: dict[str, Any]) -> dict[str, Any]:
    """``if field is one of values then ...``: a rule between fields, as JSON Schema 2020-12 says it."""
    return {"if": {"required": [field], "properties": {field: {"enum": values}}}, "then": then}


def nullable(schema: dict[str, Any]) -> dict[str, Any]:
    """``schema`` or ``null``: the server reads a null optional field as left out."""
    return {"anyOf": [schema, {"type": "null"}]}


def body_object(required: list[str], props: dict[str, Any], *, null_ok: set[str]) -> dict[str, Any]:
    """A closed request object; the optional fields in ``null_ok`` may also be ``null`` (read as absent)."""
    properties = {
        name: nullable(schema) if name in null_ok and name not in required else schema
        for name, schema in props.items()
    }
    return {"type": "object", "required": required, "additionalProperties": False, "properties": properties}


def nonblank() -> dict[str, Any]:
    """A text checked only for not being blank (no length or character rule of its own)."""
    return {"type": "string", "pattern": "[^\\s\\u0085]"}


def filled(name: str, max_length: int) -> dict[str, Any]:
    """``then`` part: ``name`` is present and not blank."""
    return {"required": [name], "properties": {name: string(max_length, filled=True)}}


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
    return {"name": name, "in": "path", "required": True, "schema": ID}


def _with_csv(op: dict[str, Any]) -> dict[str, Any]:
    """``op`` whose 200 may also be CSV (``format=csv``)."""
    op["responses"]["200"]["content"]["text/csv"] = {"schema": {"type": "string"}}
    return op


def _query(name: str, schema: dict[str, Any]) -> dict[str, Any]:
    """An optional query parameter; a number or a ``status`` filter left empty (``?status=``) is absent."""
    if schema.get("type") == "integer" or name == "status":
        schema = {"anyOf": [schema, {"const": ""}]}
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
                "get": _with_csv(
                    _op(
                        "The batch's codes; format=csv streams serial,url rows",
                        params=[
                            batch_id,
                            _query("format", {"enum": ["json", "csv"]}),
                            _query("first", SERIAL),
                            _query("last", SERIAL),
                        ],
                    )
                ),
            },
            "/api/v1/label-templates": {"get": _op("Label templates (sheets and thermal rolls)", auth=False)},
            "/api/v1/batches/{batch_id}/labels": {
                "get": {
                    "summary": "Label file; proof=1 sends it only if every label decodes and verifies",
                    "parameters": [
                        batch_id,
                        _query("template", {"enum": sorted(TEMPLATES)}),
                        _query("format", {"enum": ["pdf", "png", "svg", "zpl"]}),
                        _query("first", SERIAL),
                        _query("last", SERIAL),
                        _query("dpi", {"type": "integer", "minimum": 100, "maximum": 1200}),
                        _query("proof", {"type": "string", "description": "1: proof; any other value: none"}),
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
                        "422": ERROR,
                        "429": ERROR,
                    },
                }
            },
            "/api/v1/audit/verify": {"get": _op("Check the audit hash chain (regulator)")},
            **_zone_paths(),
            **_complaint_paths(),
            **_recall_paths(),
            **_trace_paths(),
            "/01/{gtin}/10/{lot}/21/{serial}": {"get": _resolver()},
            "/.well-known/jwks.json": {"get": _op("Public keys (RFC 8037) with status", auth=False)},
            "/.well-known/suyuan/revocations.json": {
                "get": _op(
                    "Signed revocation list (JWS): revoked keys, recalled and stopped batches", auth=False
                )
            },
            "/.well-known/suyuan/audit-checkpoints.json": {
                "get": _op("The latest signed audit-log checkpoints (compact JWS each)", auth=False)
            },
            "/issuances/{issuance_id}": {
                "get": _op(
                    "Signed issuance statement (compact JWS)", auth=False, params=[_path_id("issuance_id")]
                )
            },
        },
        "components": {
            "securitySchemes": {
                "bearer": {
                    "type": "http",
                    "scheme": "bearer",
                    "description": "An API token. A signed-in browser session works too, but a POST, PUT, "
                    "PATCH or DELETE made with it must carry the session's CSRF token in an X-CSRFToken "
                    "header, else the call is anonymous (401).",
                }
            },
            "responses": {
                "Error": {
                    "description": "Error",
                    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
                }
            },
            "schemas": _schemas() | _zone_schemas() | _complaint_schemas() | _recall_schemas(),
        },
    }


def _resolver() -> dict[str, Any]:
    """The scan endpoint negotiates: a page by default, the JSON verdict or the linkset on request.

    Any text in the path is answered (a code that is not ours scans ``counterfeit``), so the parameters
    are plain strings; a path that is not a GS1 Digital Link is a 400 with the ``malformed_code`` verdict.
    """

    def negotiated(json_schema: str, status: str) -> dict[str, Any]:
        return {
            "description": status,
            "content": {
                "text/html": {"schema": {"type": "string"}},
                "application/json": {"schema": {"$ref": f"#/components/schemas/{json_schema}"}},
            },
        }

    ok = negotiated("Verdict", "The verdict page or document")
    ok["content"]["application/linkset+json"] = {"schema": {"$ref": "#/components/schemas/Object"}}
    return {
        "summary": "Resolve a code: HTML page, JSON verdict (Accept: application/json) or linkset "
        "(Accept: application/linkset+json or ?linkType=all); other linkType values redirect",
        "security": [],
        "parameters": [
            {"name": n, "in": "path", "required": True, "schema": {"type": "string"}}
            for n in ("gtin", "lot", "serial")
        ]
        + [
            _query(
                "s", {"type": "string", "description": "the signature: 1-8 digits of kid, 155 of signature"}
            ),
            _query("linkType", {"type": "string"}),
        ],
        "responses": {
            "200": ok,
            "307": {"description": "Redirect to the link of the requested linkType"},
            "400": negotiated("Malformed", "Not a GS1 Digital Link of a code"),
            "404": negotiated("Error", "Not a GTIN path"),
            "429": negotiated("Error", "Too many requests"),
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
                "name": string(200, filled=True),
                "name_en": nullable(string(200)),
                "uscc": {
                    "type": "string",
                    "pattern": "^[0-9A-HJ-NPQRTUWXY]{2}[0-9]{6}[0-9A-HJ-NPQRTUWXY]{10}$",
                    "description": "GB 32100, check characters included",
                },
                "office": {"type": "string", "maxLength": 32, "description": "the office code, e.g. SZ-QH"},
                "address": nullable(string(500)),
                "commitment_signed": nullable(
                    {"const": True, "description": "filing needs the signed commitment"}
                ),
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
                "number": nullable(string(100)),
                "issuer": nullable(string(200)),
                "issued_on": nullable(date),
                "valid_until": nullable(date),
                "sha256": nullable({"type": "string", "pattern": "^[0-9a-fA-F]{64}$"}),
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
                "enterprise_id": ID,
                "gtin": {"type": "string", "pattern": "^([0-9]{8}|[0-9]{12,14})$"},
                "name": string(200, filled=True),
                "name_en": string(200),
                "brand": string(100),
                "spec_model": string(100),
                "hs_code": {"type": "string", "pattern": "^[0-9.]{6,13}$"},
                "category": {
                    "enum": ["food", "cosmetic", "appliance", "toy", "textile", "biologic", "general"]
                },
                "condition": {"enum": ["new", "used"]},
                "manufacturer": string(200, filled=True),
                "origin_country": {"type": "string", "pattern": "^[A-Za-z]{2,3}$"},
                "supplier_name": string(200, filled=True),
                "supplier_country": {"type": "string", "pattern": "^[A-Za-z]{2,3}$"},
                "main_ingredients": string(4000),
                "performance_indicators": string(4000),
                "standards": string(4000),
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
                "risk_class": nullable({"enum": [2, 3]}),
                "disclosure": nullable(string(2000)),
                "reason": nullable(string(2000)),
            },
            **rule("admit", [False], filled("reason", 2000)),
        },
        "NegativeRule": {
            "type": "object",
            "required": ["category", "kind", "value", "reason"],
            "properties": {
                "category": {"enum": ["N1", "N2", "N3", "N4", "N5", "N6", "N7", "N8"]},
                "kind": {"enum": ["hs_prefix", "keyword", "condition"]},
                "value": {"type": "string"},
                "reason": nonblank(),
            },
            "allOf": [
                rule("kind", ["hs_prefix"], {"properties": {"value": {"pattern": "^\\s*[0-9]{2,10}\\s*$"}}}),
                rule("kind", ["condition"], {"properties": {"value": {"enum": ["used"]}}}),
                rule("kind", ["keyword"], {"properties": {"value": {"pattern": KEYWORD}}}),
            ],
        },
        "BatchRegistration": {
            "type": "object",
            "required": ["product_id", "lot", "quantity"],
            "properties": {
                "product_id": ID,
                "lot": LOT,
                "quantity": {"type": "integer", "minimum": 1, "maximum": 10_000_000},
                "production_date": nullable(date),
                "expiry_date": nullable(date),
            },
        },
        "BatchAmendment": {
            "type": "object",
            "required": ["quantity", "reason"],
            "properties": {
                "quantity": {"type": "integer", "minimum": 1, "maximum": 10_000_000},
                "reason": nonblank(),
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
        "Malformed": {
            "type": "object",
            "required": ["verdict", "reasons"],
            "properties": {
                "verdict": {"const": "counterfeit"},
                "reasons": {"type": "array", "items": text},
                "detail": text,
                "message": text,
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
                    _query("after", {"type": "integer", "minimum": 0, "maximum": MAX_INT}),
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
                "Draw risk-based spot checks with an optional seed (regulator); the body may be left out",
                body="Draw",
                ok="201",
            )
            | {
                "requestBody": {
                    "required": False,
                    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Draw"}}},
                }
            }
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
        # optional texts and choices are read with a default when null; numbers, flags and lists are not
        texts = {
            n for n, p in props.items() if p.get("type") not in ("integer", "boolean", "array", "object")
        }
        return body_object(required, props, null_ok=texts)

    entry_line = obj(
        ["gtin", "lot", "quantity", "supplier_name", "supplier_country"],
        gtin={"type": "string", "pattern": "^[0-9]{8,14}$"},
        lot=LOT,
        quantity={"type": "integer", "minimum": 1, "maximum": 10_000_000},
        supplier_name=string(200, filled=True),
        supplier_country=text,
        production_date=date,
        expiry_date=date,
    )
    exit_line = obj(
        ["batch_id", "quantity", "unit_price", "codes"],
        batch_id=ID,
        quantity={"type": "integer", "minimum": 1, "maximum": 200},
        unit_price=amount,
        codes={"type": "array", "maxItems": 200, "items": {"type": "string", "description": "code URL"}},
    )
    lines = {"type": "array", "minItems": 1, "maxItems": 20, "items": exit_line}
    return {
        "EntryDeclaration": obj(
            ["reference", "lines"],
            enterprise_id=ID,
            reference=string(64, filled=True),
            transport_doc=string(100),
            lines={"type": "array", "minItems": 1, "maxItems": 200, "items": entry_line},
        ),
        "Quarantine": obj(
            ["outcome"],
            outcome={"enum": ["passed", "treated", "failed"]},
            scope={"enum": ["goods", "container", "wood_packaging"]},
            treatment=string(200),
            note=string(4000),
        )
        | {
            "allOf": [
                rule("outcome", ["treated"], filled("treatment", 200)),
                rule("outcome", ["failed"], filled("note", 4000)),
            ]
        },
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
            issuer=string(200, filled=True),
            number=string(100),
            issued_on=date,
            valid_until=date,
            sha256=sha,
        ),
        "Review": obj(["accept"], accept={"type": "boolean"}, note=string(4000))
        | rule("accept", [False], filled("note", 4000)),
        "Disposal": obj(
            ["kind", "quantity", "reason"],
            kind={"enum": ["destruction", "return_shipment"]},
            quantity={"type": "integer", "minimum": 1, "maximum": MAX_INT},
            reason=string(2000, filled=True),
        ),
        "SpotCheckRequest": obj(["batch_id"], batch_id=ID, note=string(2000)),
        "Draw": obj([], seed=string(64)),
        "Sample": obj(
            ["channel"],
            channel={"enum": ["online", "offline"]},
            quantity={"type": "integer", "minimum": 1, "maximum": 100},
            order_ref=string(64),
        )
        | rule("channel", ["online"], filled("order_ref", 64)),
        "LabResult": obj(
            ["passed", "lab", "report_sha256"],
            passed={"type": "boolean"},
            lab=string(200, filled=True),
            report_sha256=sha,
            failed_items={"type": "array", "maxItems": 50, "items": string(200, filled=True)},
            note=string(4000),
        )
        | {
            "allOf": [
                rule("passed", [True], {"properties": {"failed_items": {"maxItems": 0}}}),
                rule(
                    "passed",
                    [False],
                    {"required": ["failed_items"], "properties": {"failed_items": {"minItems": 1}}},
                ),
            ]
        },
        "ExitDeclaration": obj(
            ["order_no", "payment_ref", "waybill_no", "payment_amount", "buyer", "lines"],
            order_no=string(64, filled=True),
            payment_ref=string(64, filled=True),
            waybill_no=string(64, filled=True),
            payment_amount=amount,
            platform=string(200),
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
            reason=string(2000, filled=True),
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
            note=string(2000, filled=True),
            source=string(64),
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
                    _query("batch_id", ID),
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
        "code": nonblank() | {"maxLength": 512, "description": "the scanned code URL"},
        "category": category,
        "text": COMPLAINT_TEXT,
        "contact": {
            "type": ["string", "null"],
            "maxLength": 500,
            "description": "one line of at most 200 characters once control characters are removed",
        },
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
            "properties": {"text": COMPLAINT_TEXT},
        },
        "ComplaintStatusChange": {
            "type": "object",
            "additionalProperties": False,
            "properties": {
                "status": status,
                "note": {
                    "type": "string",
                    "maxLength": 4100,
                    "description": "at most 2000 characters once cleaned; required to uphold or dismiss",
                },
                "public": {"type": "boolean", "description": "show the note to the consumer (default false)"},
            },
            **rule(
                "status",
                [ComplaintStatus.UPHELD.value, ComplaintStatus.DISMISSED.value],
                {"required": ["note"], "properties": {"note": {"pattern": f"{_VISIBLE}"}}},
            ),
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
        return body_object(required, props, null_ok=set(props))

    text = string
    return {
        "RecallOpening": obj(
            ["kind", "reason"],
            kind={"enum": ["recall", "stop_sale"]},
            reason=text(2000, filled=True),
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
        "Note": obj(["note"], note=text(2000, filled=True)),
        "Destruction": obj(
            ["quantity", "reason"],
            quantity={"type": "integer", "minimum": 1, "maximum": 10_000_000},
            reason=text(2000, filled=True),
            recall_id=ID,
        ),
        "RecallReturn": obj(
            ["exit_declaration_id", "codes", "reason"],
            exit_declaration_id=ID,
            codes={"type": "array", "items": {"type": "string", "description": "code URL"}},
            reason=text(2000, filled=True),
        ),
        "RiskWarning": obj(
            ["level", "title", "body"],
            level={"enum": ["notice", "warning", "danger"]},
            title=text(200, filled=True) | {"pattern": f"^[^\\u0000-\\u001f]*{_VISIBLE}[^\\u0000-\\u001f]*$"},
            title_en={"type": "string", "maxLength": 200, "pattern": ONE_LINE},
            body=text(4000, filled=True),
            body_en=text(4000),
            hs_prefix={"type": "string", "pattern": "^\\s*\\.*([0-9]\\.*){2,10}\\s*$|^\\s*\\.*\\s*$"},
            product_id=ID,
            batch_id=ID,
        ),
    }


def _trace_paths() -> dict[str, Any]:
    """The trace of a batch or complaint, its spreadsheet and its EPCIS export (docs/trace.md)."""
    batch_id = _path_id("batch_id")
    paging = [
        _query("orders_offset", {"type": "integer", "minimum": 0, "maximum": MAX_INT, "default": 0}),
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
