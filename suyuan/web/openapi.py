"""The OpenAPI 3.1 description of ``/api/v1`` and the scan endpoint; a test keeps it in step with routes.

The document states what the server accepts, not only the shape: the bounds of ids and numbers, the
length of texts, which texts must not be blank, enumerations and the rules that tie one field to another
(``if``/``then``). A schemathesis run (tests/web/test_api_fuzz.py) holds server and document to it: a
request the document calls valid is never refused as malformed (400), one it calls invalid never accepted.

Request bodies are not written here: each is the JSON Schema of the pydantic model that parses it
(:mod:`suyuan.web.bodies`, :data:`REQUEST_BODIES`), so the document says what the parser reads. Written
here by hand: paths, query and path parameters, the multipart upload of ``/scan-image`` and the responses.
"""

from __future__ import annotations

import copy
from functools import cache
from typing import Any

from pydantic.json_schema import GenerateJsonSchema, JsonSchemaValue, models_json_schema
from pydantic_core import core_schema

from suyuan.labels.templates import TEMPLATES
from suyuan.trace.bounds import MAX_INT
from suyuan.trace.model import ComplaintStatus
from suyuan.web.bodies import (
    accounts,
    batches,
    ceb,
    complaints,
    enforcement,
    major_cases,
    recalls,
    rectification,
    registry,
    supervision,
    zone,
)
from suyuan.web.bodies.common import Body
from suyuan.web.responses import ERROR as ERROR_MODEL
from suyuan.web.responses import OTHER_RESPONSES, RESPONSES, response_schemas

ERROR = {"$ref": "#/components/responses/Error"}
# Ids are 32-bit integers on PostgreSQL; a larger one in a path names nothing (404), in a body it is a 400.
ID: dict[str, Any] = {"type": "integer", "format": "int32", "minimum": 1, "maximum": MAX_INT}
# A serial in a query (first, last): serials of a batch count from 1.
SERIAL = {"type": "integer", "format": "int32", "minimum": 1, "maximum": MAX_INT}
SCHEMAS = "#/components/schemas/"

REQUEST_BODIES: tuple[type[Body], ...] = (
    registry.EnterpriseFiling,
    registry.ProductFiling,
    registry.Document,
    registry.AdmissionDecision,
    registry.NegativeRule,
    batches.BatchRegistration,
    batches.BatchAmendment,
    batches.CodeRequest,
    zone.EntryDeclaration,
    zone.Quarantine,
    zone.Report,
    zone.Review,
    zone.Disposal,
    zone.SpotCheckRequest,
    zone.Draw,
    zone.Sample,
    zone.LabResult,
    zone.ExitDeclaration,
    zone.Rectification,
    zone.Return,
    zone.CreditEvent,
    complaints.ComplaintFiling,
    complaints.ComplaintAnswer,
    complaints.ComplaintStatusChange,
    recalls.RecallOpening,
    recalls.Note,
    recalls.Destruction,
    recalls.RecallReturn,
    recalls.RiskWarning,
    recalls.Withdrawal,
    accounts.Invitation,
    accounts.TokenRequest,
    accounts.PasswordChange,
    supervision.ListEntry,
    supervision.ListWithdrawal,
    supervision.RiskInformation,
    supervision.Assessment,
    supervision.CheckMeasure,
    supervision.RecallMeasure,
    supervision.WarningMeasure,
    supervision.Designation,
    supervision.Storage,
    supervision.QuarantineScopes,
    ceb.Packing,
    ceb.ScanCheck,
    ceb.DisclosureAcceptance,
    ceb.RefundConclusion,
    enforcement.SanctionDecision,
    enforcement.CreditListing,
    enforcement.ListRemoval,
    enforcement.HoldDecision,
    enforcement.BuyerRestrictionDecision,
    enforcement.RestrictionLift,
    rectification.InterviewRecord,
    rectification.OrderIssue,
    rectification.ReportReview,
    major_cases.MajorCaseMarking,
)
"""Every JSON request body of the API, by the model its view parses it with."""

UPLOAD_FORMS: dict[type[Body], dict[str, dict[str, Any]]] = {
    registry.EnterpriseDocumentForm: {
        "file": {
            "type": "string",
            "format": "binary",
            "description": "PDF, JPEG or PNG (recognised by its first bytes), not empty, at most 10 MB",
        }
    },
    rectification.ReportForm: {
        "file": {
            "type": "string",
            "format": "binary",
            "description": "optional: PDF, JPEG or PNG (by its first bytes), not empty, at most 10 MB",
        }
    },
}
"""The ``multipart/form-data`` bodies read by a model: its text fields, and the file parts named here."""


class BodySchema(GenerateJsonSchema):
    """A request body's schema as this document writes schemas: without titles (the component is named)."""

    def field_title_should_be_set(self, schema: Any) -> bool:
        return False

    def model_schema(self, schema: core_schema.ModelSchema) -> JsonSchemaValue:
        generated = super().model_schema(schema)
        generated.pop("title", None)
        return generated


def request_schemas() -> dict[str, Any]:
    """The schemas of :data:`REQUEST_BODIES` and the models they nest, by model name."""
    return copy.deepcopy(_request_schemas())  # generated once; each document gets its own copy


@cache
def _request_schemas() -> dict[str, Any]:
    _, generated = models_json_schema(
        [(model, "validation") for model in (*REQUEST_BODIES, *UPLOAD_FORMS)],
        ref_template=SCHEMAS + "{model}",
        schema_generator=BodySchema,
    )
    schemas: dict[str, Any] = generated["$defs"]
    form = copy.deepcopy(schemas[complaints.ComplaintFiling.__name__])
    del form["additionalProperties"]  # a form's other parts are ignored
    form["properties"]["photo"] = {
        "type": "string",
        "format": "binary",
        "description": "optional; at most 10 MB and 40 megapixels; stored re-encoded as JPEG",
    }
    for model, files in UPLOAD_FORMS.items():
        upload = schemas[model.__name__]
        upload["properties"].update(copy.deepcopy(files))
        upload["required"] = [*upload.get("required", []), *files]
    return schemas | {"ComplaintFilingForm": form}


def _op(
    summary: str,
    *,
    body: type[Body] | None = None,
    body_required: bool = True,
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
            "required": body_required,
            "content": {"application/json": {"schema": {"$ref": SCHEMAS + body.__name__}}},
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


def _lookup(name: str, schema: dict[str, Any]) -> dict[str, Any]:
    """An optional text filter by what people hold (a GTIN, a lot, an order number); empty is absent."""
    text = {"type": "string", "minLength": 1} | schema
    return {"name": name, "in": "query", "required": False, "schema": {"anyOf": [text, {"const": ""}]}}


def openapi_document() -> dict[str, Any]:
    """The whole document; plain data so it can be served and tested.

    Request bodies are the pydantic models of :mod:`suyuan.web.bodies`, responses those of
    :mod:`suyuan.web.responses`: the schemas are generated from what the server parses and what the tests
    check it answers, so the document cannot drift from either.
    """
    return _with_responses(_document())


def _with_responses(document: dict[str, Any]) -> dict[str, Any]:
    """Point each operation's JSON answers at its response model and add the models' schemas."""
    paths = document["paths"]
    for (method, path), (status, model) in RESPONSES.items():
        answer = paths[path][method]["responses"].setdefault(str(status), {"description": "OK"})
        answer.setdefault("content", {})["application/json"] = {"schema": {"$ref": SCHEMAS + model.__name__}}
    for (method, path), others in OTHER_RESPONSES.items():
        answers = paths[path][method]["responses"]
        for status, media, model in others:
            answer = answers.get(str(status))
            if answer is None or "$ref" in answer:  # a shared error answer: this operation's own instead
                answer = answers[str(status)] = {
                    "description": model.__doc__.split("\n")[0] if model.__doc__ else ""
                }
            answer.setdefault("content", {})[media] = {"schema": {"$ref": SCHEMAS + model.__name__}}
    schemas = document["components"]["schemas"]
    responses = response_schemas()
    clash = set(schemas) & set(responses)
    if clash:
        raise RuntimeError(f"request and response schemas share names: {sorted(clash)}")
    schemas.update(responses)
    return document


def _first_line(doc: str | None) -> str:
    return (doc or "").strip().split("\n")[0]


def _document() -> dict[str, Any]:
    """The paths and request schemas, written by hand where no model says them (paths, parameters)."""
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
                "post": _op("File an enterprise (regulator)", body=registry.EnterpriseFiling, ok="201"),
            },
            **_enterprise_filing_paths(),
            "/api/v1/products": {
                "get": _op("List product filings"),
                "post": _op("File a product (merchant)", body=registry.ProductFiling, ok="201"),
            },
            "/api/v1/products/{product_id}": {"get": _op("One product filing", params=[product_id])},
            "/api/v1/products/{product_id}/documents": {
                "post": _op("Attach a document", body=registry.Document, params=[product_id], ok="201")
            },
            "/api/v1/products/{product_id}/admission": {
                "post": _op(
                    "Admit or refuse (regulator)", body=registry.AdmissionDecision, params=[product_id]
                )
            },
            "/api/v1/negative-list": {
                "get": _op("The negative list"),
                "post": _op("Add a rule (regulator)", body=registry.NegativeRule, ok="201"),
            },
            "/api/v1/batches": {
                "get": _op(
                    "List batches; gtin= and lot= find a batch by its label",
                    params=[
                        _lookup("gtin", {"pattern": "^([0-9]{8}|[0-9]{12,14})$"}),
                        _lookup("lot", {"maxLength": 20}),
                    ],
                ),
                "post": _op("Register a batch", body=batches.BatchRegistration, ok="201"),
            },
            "/api/v1/batches/{batch_id}": {
                "get": _op("One batch with its issuances", params=[batch_id]),
                "patch": _op(
                    "Amend the quantity (merchant), with a reason",
                    body=batches.BatchAmendment,
                    params=[batch_id],
                ),
            },
            "/api/v1/batches/{batch_id}/release": {
                "post": _op("Release for sale (regulator)", params=[batch_id])
            },
            "/api/v1/batches/{batch_id}/codes": {
                "post": _op(
                    "Issue the next serials (merchant of the batch)",
                    body=batches.CodeRequest,
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
            **_report_paths(),
            **_zone_paths(),
            **_complaint_paths(),
            **_recall_paths(),
            **_trace_paths(),
            **_account_paths(),
            **_ceb_paths(),
            **_enforcement_paths(),
            **_rectification_paths(),
            **_major_case_paths(),
            **_supervision_paths(),
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
                    "content": {"application/json": {"schema": {"$ref": SCHEMAS + ERROR_MODEL.__name__}}},
                }
            },
            # Downloads (labels, photos, CSV, XLSX, EPCIS) keep a plain object; JSON answers get models.
            "schemas": {"Object": {"type": "object"}} | request_schemas(),
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
            "404": negotiated(ERROR_MODEL.__name__, "Not a GTIN path"),
            "429": negotiated(ERROR_MODEL.__name__, "Too many requests"),
        },
    }


def _zone_paths() -> dict[str, Any]:
    """The bonded-zone workflow (docs/zone.md)."""
    batch_id, declaration_id = _path_id("batch_id"), _path_id("declaration_id")
    spot_check_id, enterprise_id = _path_id("spot_check_id"), _path_id("enterprise_id")
    exit_op = _op(
        "Declare an order's exit: 201 written off; 422 exit_check_failed with the stored declaration "
        "and its findings, awaiting rectification",
        body=zone.ExitDeclaration,
        ok="201",
    )
    return {
        "/api/v1/entry-declarations": {
            "get": _op("List entry declarations"),
            "post": _op(
                "Declare a consignment (merchant): lines matching admitted filings become batches "
                "on the ledger, refused lines say why",
                body=zone.EntryDeclaration,
                ok="201",
            ),
        },
        "/api/v1/entry-declarations/{declaration_id}": {
            "get": _op("One entry declaration with line results and quarantine", params=[declaration_id])
        },
        "/api/v1/entry-declarations/{declaration_id}/quarantine": {
            "post": _op(
                "Record the quarantine result (regulator)", body=zone.Quarantine, params=[declaration_id]
            )
        },
        "/api/v1/batches/{batch_id}/reports": {
            "get": _op("A batch's test reports and conformity declarations", params=[batch_id]),
            "post": _op(
                "Submit a report (merchant of the batch)", body=zone.Report, params=[batch_id], ok="201"
            ),
        },
        "/api/v1/reports/{report_id}/review": {
            "post": _op(
                "Accept or reject a report (regulator)", body=zone.Review, params=[_path_id("report_id")]
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
                body=zone.Disposal,
                params=[batch_id],
                ok="201",
            )
        },
        "/api/v1/spot-checks": {
            "get": _op("Spot checks (merchants: results of their own goods only)"),
            "post": _op("Plan a spot check of a batch (regulator)", body=zone.SpotCheckRequest, ok="201"),
        },
        "/api/v1/spot-checks/draw": {
            "post": _op(
                "Draw risk-based spot checks with an optional seed (regulator); the body may be left out",
                body=zone.Draw,
                body_required=False,
                ok="201",
            )
        },
        "/api/v1/spot-checks/{spot_check_id}": {"get": _op("One spot check", params=[spot_check_id])},
        "/api/v1/spot-checks/{spot_check_id}/sample": {
            "post": _op(
                "Record the sample, online or offline (regulator)", body=zone.Sample, params=[spot_check_id]
            )
        },
        "/api/v1/spot-checks/{spot_check_id}/result": {
            "post": _op(
                "Record the lab result; a failure blocks exit and recalls sold units (regulator)",
                body=zone.LabResult,
                params=[spot_check_id],
            )
        },
        "/api/v1/exit-declarations": {
            "get": _op(
                "List exit declarations; order_no= finds an order by its number",
                params=[
                    _query("status", {"enum": ["written_off", "held", "rectification_required"]}),
                    _lookup("order_no", {"maxLength": 64}),
                ],
            ),
            "post": exit_op,
        },
        "/api/v1/exit-declarations/{declaration_id}": {
            "get": _op("One exit declaration with lines and findings", params=[declaration_id])
        },
        "/api/v1/exit-declarations/{declaration_id}/recheck": {
            "post": _op(
                "Rectify and re-check a declaration (200 written off, 422 still failing)",
                body=zone.Rectification,
                params=[declaration_id],
            )
        },
        "/api/v1/exit-declarations/{declaration_id}/returns": {
            "post": _op(
                "Units of the order come back into the zone",
                body=zone.Return,
                params=[declaration_id],
                ok="201",
            )
        },
        "/api/v1/anomalies": {"get": _op("Disguised-B2B order alerts (regulator)")},
        "/api/v1/enterprises/{enterprise_id}/credit": {
            "get": _op("Credit grade, points and events", params=[enterprise_id])
        },
        "/api/v1/enterprises/{enterprise_id}/credit-events": {
            "post": _op(
                "Record a credit event (regulator)", body=zone.CreditEvent, params=[enterprise_id], ok="201"
            )
        },
    }


def _enterprise_filing_paths() -> dict[str, Any]:
    """The contents of an enterprise filing: its documents, its systems, its gaps (docs/api.md)."""
    enterprise_id, document_id = _path_id("enterprise_id"), _path_id("document_id")
    upload = _op(
        "Put a document on the filing (its enterprise's staff, its office): multipart kind and file",
        params=[enterprise_id],
        ok="201",
    )
    upload["requestBody"] = {
        "required": True,
        "content": {
            "multipart/form-data": {"schema": {"$ref": SCHEMAS + registry.EnterpriseDocumentForm.__name__}}
        },
    }
    upload["responses"] |= {"413": ERROR, "415": ERROR}
    media: dict[str, Any] = {"application/pdf": {}, "image/jpeg": {}, "image/png": {}}
    download = {
        "summary": "The document's file, as uploaded (a download)",
        "parameters": [enterprise_id, document_id],
        "responses": {
            "200": {"description": "The file", "content": media},
            "401": ERROR,
            "404": ERROR,
        },
    }
    return {
        "/api/v1/enterprises/{enterprise_id}/filing": {
            "get": _op(
                "The filing's contents: documents, basic systems, what is missing", params=[enterprise_id]
            )
        },
        "/api/v1/enterprises/{enterprise_id}/documents": {
            "get": _op("The filing's documents, newest first", params=[enterprise_id]),
            "post": upload,
        },
        "/api/v1/enterprises/{enterprise_id}/documents/{document_id}": {"get": download},
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
                body=complaints.ComplaintAnswer,
                params=[complaint_id],
                ok_schema="Complaint",
            )
        },
        "/api/v1/complaints/{complaint_id}/status": {
            "post": _op(
                "Move the complaint on (office of the remit), or add a note when status is omitted",
                body=complaints.ComplaintStatusChange,
                params=[complaint_id],
                ok_schema="Complaint",
            )
        },
        "/api/v1/complaints/{complaint_id}/photo": {"get": photo},
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
                body=recalls.RecallOpening,
                params=[batch_id],
                ok="201",
                ok_schema="Recall",
            )
        },
        "/api/v1/batches/{batch_id}/destruction": {
            "post": _op(
                "Units of a batch under recall or stop-sale destroyed in the zone, debited from the ledger "
                "(office or merchant); 409 ledger_would_go_negative / not_on_ledger",
                body=recalls.Destruction,
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
                "Close a recall with a note (regulator of the office)", body=recalls.Note, params=[recall_id]
            )
        },
        "/api/v1/recalls/{recall_id}/lift": {
            "post": _op(
                "Lift a stop-sale (regulator of the office): the batch returns to its earlier status",
                body=recalls.Note,
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
                body=recalls.RecallReturn,
                params=[recall_id],
                ok="201",
            )
        },
        "/api/v1/warnings": {
            "get": _op("Every office's risk warnings, withdrawn ones included (regulators, merchants)"),
            "post": _op(
                "Publish a risk warning to all offices (regulator)", body=recalls.RiskWarning, ok="201"
            ),
        },
        "/api/v1/warnings/{warning_id}/withdraw": {
            "post": _op(
                "Withdraw a warning (the publishing office); the body may be left out",
                body=recalls.Withdrawal,
                body_required=False,
                params=[warning_id],
            )
        },
        "/api/v1/public/notices": {
            "get": _op("Active risk warnings and open recalls and stop-sales, public fields only", auth=False)
        },
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


def _account_paths() -> dict[str, Any]:
    """Users, invitations, API tokens and one's password (docs/api.md, Accounts)."""
    user_id, token_id = _path_id("user_id"), _path_id("token_id")
    return {
        "/api/v1/users": {
            "get": _op(
                "Users of the caller's office or enterprise; enterprises=1: of its office's enterprises",
                params=[_query("enterprises", {"enum": ["0", "1"]})],
            ),
            "post": _op(
                "Invite a user; the one-time invitation link is answered once",
                body=accounts.Invitation,
                ok="201",
            ),
        },
        "/api/v1/users/{user_id}/disable": {
            "post": _op("Disable a user (administrators): sessions end, tokens are revoked", params=[user_id])
        },
        "/api/v1/users/{user_id}/enable": {
            "post": _op("Re-enable a disabled user (administrators)", params=[user_id])
        },
        "/api/v1/tokens": {
            "get": _op("The caller's API tokens, revoked ones too"),
            "post": _op(
                "Make an API token for the caller; the secret is answered once",
                body=accounts.TokenRequest,
                ok="201",
            ),
        },
        "/api/v1/tokens/{token_id}/revoke": {
            "post": _op("Revoke one of the caller's tokens", params=[token_id])
        },
        "/api/v1/account/password": {
            "post": _op(
                "Change the caller's password; every sign-in session ends", body=accounts.PasswordChange
            )
        },
    }


def _enforcement_paths() -> dict[str, Any]:
    """Sanctions, credit lists, the exit hold step and the public credit list (docs/zone.md §9-§10)."""
    enterprise_id, product_id = _path_id("enterprise_id"), _path_id("product_id")
    entry_id, declaration_id = _path_id("entry_id"), _path_id("declaration_id")
    return {
        "/api/v1/enterprises/{enterprise_id}/sanctions": {
            "get": _op("Sanctions against an enterprise and its products", params=[enterprise_id]),
            "post": _op(
                "Suspend or revoke a filing, or lift a suspension (regulator)",
                body=enforcement.SanctionDecision,
                params=[enterprise_id],
                ok="201",
            ),
        },
        "/api/v1/products/{product_id}/sanctions": {
            "post": _op(
                "Suspend or revoke a product's admission, or lift a suspension (regulator)",
                body=enforcement.SanctionDecision,
                params=[product_id],
                ok="201",
            )
        },
        "/api/v1/credit-lists": {"get": _op("Current abnormal-operations and serious-violators entries")},
        "/api/v1/enterprises/{enterprise_id}/credit-lists": {
            "post": _op(
                "Put an enterprise on a credit list (regulator)",
                body=enforcement.CreditListing,
                params=[enterprise_id],
                ok="201",
            )
        },
        "/api/v1/credit-lists/{entry_id}/removal": {
            "post": _op(
                "Take an enterprise off a list (regulator)", body=enforcement.ListRemoval, params=[entry_id]
            )
        },
        "/api/v1/exit-declarations/{declaration_id}/hold-decision": {
            "post": _op(
                "Release a held order (re-checked, written off) or refuse it (regulator)",
                body=enforcement.HoldDecision,
                params=[declaration_id],
            )
        },
        "/api/v1/buyer-restrictions": {
            "get": _op(
                "The office's buyer restrictions (regulator)",
                params=[_lookup("state", {"enum": ["active", "lifted", "all"]})],
            ),
            "post": _op(
                "Watch or block a buyer named by an order-monitoring alert (regulator)",
                body=enforcement.BuyerRestrictionDecision,
                ok="201",
            ),
        },
        "/api/v1/buyer-restrictions/{restriction_id}/lift": {
            "post": _op(
                "End a buyer restriction (regulator)",
                body=enforcement.RestrictionLift,
                params=[_path_id("restriction_id")],
            )
        },
        "/api/v1/public/credit": {
            "get": _op("Public credit list: grades and list entries of every merchant", auth=False)
        },
    }


def _report_paths() -> dict[str, Any]:
    """The half-yearly statistical report, as JSON and as files (office staff; docs/zone.md §20)."""
    period = [
        _query("year", {"type": "integer", "minimum": 2000, "maximum": 9999}),
        _query("half", {"type": "integer", "enum": [1, 2]}),
    ]

    def download(summary: str, media_type: str) -> dict[str, Any]:
        ok = {"200": {"description": "The file", "content": {media_type: {}}}}
        return {
            "summary": summary,
            "parameters": period,
            "responses": ok | {"400": ERROR, "401": ERROR, "403": ERROR},
        }

    return {
        "/api/v1/reports/half-year": {
            "get": _op(
                "The half-yearly statistics of the office's remit (year and half; both left out: the "
                "half-year running now)",
                params=period,
            )
        },
        "/api/v1/reports/half-year.csv": {"get": download("The same report as CSV (UTF-8)", "text/csv")},
        "/api/v1/reports/half-year.xlsx": {
            "get": download(
                "The same report as XLSX", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
            )
        },
    }


def _major_case_paths() -> dict[str, Any]:
    """Major-case reports and their notices to the other offices (office staff; docs/zone.md §21)."""
    return {
        "/api/v1/major-cases": {
            "get": _op("Major-case reports the caller's office made (all for the operator), newest first"),
            "post": _op(
                "Mark a complaint, recall, risk information or failed spot check of the remit as a major "
                "case (regulator); every other office is notified",
                body=major_cases.MajorCaseMarking,
                ok="201",
            ),
        },
        "/api/v1/major-cases/{major_case_id}": {
            "get": _op(
                "A major-case report (its office's, or one sent to the caller's office) with each "
                "notice's state",
                params=[_path_id("major_case_id")],
            )
        },
        "/api/v1/major-case-notices": {
            "get": _op("Major-case notices received by the caller's office, newest first")
        },
        "/api/v1/major-case-notices/{notice_id}/acknowledge": {
            "post": _op(
                "Acknowledge a major-case notice received by the caller's office (regulator), once",
                params=[_path_id("notice_id")],
            )
        },
    }


def _rectification_paths() -> dict[str, Any]:
    """Responsibility interviews, rectification orders and reports (docs/zone.md §19)."""
    enterprise_id, order_id = _path_id("enterprise_id"), _path_id("order_id")
    report_id = _path_id("rectification_report_id")
    submit = _op(
        "Report on a rectification order (the enterprise's staff): multipart text and optional file",
        params=[order_id],
        ok="201",
    )
    submit["requestBody"] = {
        "required": True,
        "content": {"multipart/form-data": {"schema": {"$ref": SCHEMAS + rectification.ReportForm.__name__}}},
    }
    submit["responses"] |= {"413": ERROR, "415": ERROR}
    media: dict[str, Any] = {"application/pdf": {}, "image/jpeg": {}, "image/png": {}}
    download = {
        "summary": "A rectification report's file, as uploaded (a download)",
        "parameters": [report_id],
        "responses": {"200": {"description": "The file", "content": media}, "401": ERROR, "404": ERROR},
    }
    return {
        "/api/v1/enterprises/{enterprise_id}/rectification": {
            "get": _op(
                "An enterprise's interviews, rectification orders and strict-inspection state",
                params=[enterprise_id],
            )
        },
        "/api/v1/enterprises/{enterprise_id}/interviews": {
            "post": _op(
                "Record a responsibility interview (regulator)",
                body=rectification.InterviewRecord,
                params=[enterprise_id],
                ok="201",
            )
        },
        "/api/v1/enterprises/{enterprise_id}/rectification-orders": {
            "post": _op(
                "Order an enterprise to rectify by a deadline (regulator)",
                body=rectification.OrderIssue,
                params=[enterprise_id],
                ok="201",
            )
        },
        "/api/v1/rectification-orders": {
            "get": _op("Rectification orders within the caller's remit", params=[_query("enterprise_id", ID)])
        },
        "/api/v1/rectification-orders/{order_id}": {
            "get": _op("A rectification order with its reports", params=[order_id])
        },
        "/api/v1/rectification-orders/{order_id}/reports": {"post": submit},
        "/api/v1/rectification-reports/{rectification_report_id}/review": {
            "post": _op(
                "Accept a rectification report or reject it with a reason (regulator)",
                body=rectification.ReportReview,
                params=[report_id],
            )
        },
        "/api/v1/rectification-reports/{rectification_report_id}/file": {"get": download},
    }


def _ceb_paths() -> dict[str, Any]:
    """Customs single-window messages and the packing station (docs/ceb.md)."""
    inventory_id = _path_id("inventory_id")
    xml = {"schema": {"type": "string", "description": "a CEB message or receipt (XML)"}}
    return {
        "/api/v1/ceb": {
            "post": {
                "summary": "Receive a CEB311/411/511/621/625 message or a forwarded customs receipt (raw "
                "XML, bare or in the DXP envelope; UTF-8, GB18030 or GBK as declared; at most 1 MiB): 200 "
                "with its receipt (any status, 100 rejections included), 400 with the CEB900 format "
                "receipt when the message cannot be read",
                "requestBody": {"required": True, "content": {"application/xml": xml, "text/xml": xml}},
                "responses": {
                    "200": {
                        "description": "The receipt (CEB312/412/512/622/626)",
                        "content": {"application/xml": xml},
                    },
                    "400": {"description": "The CEB900 format receipt", "content": {"application/xml": xml}},
                    "401": ERROR,
                    "403": ERROR,
                    "409": ERROR,
                    "413": ERROR,
                    "415": ERROR,
                },
            }
        },
        "/api/v1/ceb/inventories": {
            "get": _op(
                "Inventories within the caller's remit (seller, platform, office), newest first",
                params=[_query("status", {"type": "integer", "enum": [100, 120, 399, 800]})],
            )
        },
        "/api/v1/ceb/inventories/{inventory_id}": {
            "get": _op("One inventory (remit, or the warehouse that packs it)", params=[inventory_id])
        },
        "/api/v1/ceb/receipts": {
            "get": _op(
                "Receipts within the caller's remit, newest first",
                params=[_lookup("subject", {"maxLength": 40}), _lookup("order_no", {"maxLength": 60})],
            )
        },
        "/api/v1/ceb/inventories/{inventory_id}/scan-check": {
            "post": _op(
                "Check one scan at the packing station on the spot; writes nothing",
                body=ceb.ScanCheck,
                params=[inventory_id],
            )
        },
        "/api/v1/ceb/inventories/{inventory_id}/packing": {
            "post": _op(
                "Release a matched inventory with its units' codes (written off for 1210); 409 "
                "packing_refused lists every refused scan, nothing written",
                body=ceb.Packing,
                params=[inventory_id],
            )
        },
        "/api/v1/ceb/disclosure-acceptances": {
            "post": _op(
                "Record the buyer's acceptance of an order's consumer disclosure (SZ Art. 11; the "
                "platform's or the seller's staff); the inventory is matched again; 409 if already recorded",
                body=ceb.DisclosureAcceptance,
            )
        },
        "/api/v1/ceb/refunds": {
            "get": _op(
                "Returns the caller may see, newest first: CEB625 returns (seller, platform, office, "
                "the packing warehouse) and returns taken at the merchant's desk (seller, office); "
                "filters kind, status, since/until (Beijing days); limit 1-500, offset, next_offset",
                params=[
                    _query("kind", {"type": "string", "enum": ["ceb625", "desk"]}),
                    _query("status", {"type": "string", "enum": ["waiting", "concluded"]}),
                    _lookup("since", {"format": "date", "maxLength": 10}),
                    _lookup("until", {"format": "date", "maxLength": 10}),
                    _query("limit", {"type": "integer", "minimum": 1, "maximum": 500}),
                    _query("offset", {"type": "integer", "minimum": 0, "maximum": 5000}),
                ],
            )
        },
        "/api/v1/ceb/refunds/{refund_id}/conclusion": {
            "post": _op(
                "Conclude a waiting return (CEB625, status 120) with the codes of the units that came "
                "back: they go back on the zone ledger (the seller's or the packing warehouse's staff)",
                body=ceb.RefundConclusion,
                params=[_path_id("refund_id")],
            )
        },
        "/api/v1/platform/overview": {
            "get": _op(
                "A platform's staff read what was sold on it: admission decisions, recalls, risk "
                "warnings, complaints (no contact) and its orders' receipts; read only"
            )
        },
    }


WITHDRAWAL = supervision.ListWithdrawal


def _supervision_paths() -> dict[str, Any]:
    """Lists, risk information, supervised warehouses, quarantine scopes (docs/zone.md §12-§15)."""
    info, entry, rule = _path_id("information_id"), _path_id("list_entry_id"), _path_id("rule_id")
    warehouse, declaration, batch = _path_id("warehouse_id"), _path_id("declaration_id"), _path_id("batch_id")
    return {
        "/api/v1/supervision-lists": {
            "get": _op("The office's positive and key-supervision lists"),
            "post": _op("Add a list entry (regulator)", body=supervision.ListEntry, ok="201"),
        },
        "/api/v1/supervision-lists/{list_entry_id}/withdraw": {
            "post": _op(
                "Withdraw a list entry (regulator)", params=[entry], body=WITHDRAWAL, body_required=False
            )
        },
        "/api/v1/negative-list/{rule_id}/withdraw": {
            "post": _op(
                "Withdraw a negative rule (regulator)", params=[rule], body=WITHDRAWAL, body_required=False
            )
        },
        "/api/v1/risk-information": {
            "get": _op("Risk information the caller reads"),
            "post": _op(
                "Record risk information: a merchant's self-report, an office's notification or incident",
                body=supervision.RiskInformation,
                ok="201",
            ),
        },
        "/api/v1/risk-information/{information_id}": {
            "get": _op("One piece of risk information with assessments and measures", params=[info])
        },
        "/api/v1/risk-information/{information_id}/assessment": {
            "post": _op("Assess it (regulator)", body=supervision.Assessment, params=[info], ok="201")
        },
        "/api/v1/risk-information/{information_id}/warning": {
            "post": _op("Warn from it (regulator)", body=supervision.WarningMeasure, params=[info], ok="201")
        },
        "/api/v1/risk-information/{information_id}/spot-check": {
            "post": _op(
                "Open a spot check from it (regulator)",
                body=supervision.CheckMeasure,
                body_required=False,
                params=[info],
                ok="201",
            )
        },
        "/api/v1/risk-information/{information_id}/recall": {
            "post": _op("Recall from it (regulator)", body=supervision.RecallMeasure, params=[info], ok="201")
        },
        "/api/v1/warehouses": {
            "get": _op("The office's supervised warehouses"),
            "post": _op(
                "Designate a supervised warehouse (regulator)", body=supervision.Designation, ok="201"
            ),
        },
        "/api/v1/warehouses/{warehouse_id}/withdraw": {
            "post": _op("Withdraw a designation (regulator)", params=[warehouse])
        },
        "/api/v1/entry-declarations/{declaration_id}/warehouse": {
            "post": _op(
                "Name an entry's supervised warehouse", body=supervision.Storage, params=[declaration]
            )
        },
        "/api/v1/entry-declarations/{declaration_id}/quarantine-scopes": {
            "post": _op(
                "Name the quarantines an entry needs (regulator)",
                body=supervision.QuarantineScopes,
                params=[declaration],
            )
        },
        "/api/v1/batches/{batch_id}/supervision": {
            "get": _op("A batch's list standing, tightened control and release gaps", params=[batch])
        },
    }
