"""Responses anyone may fetch: the scan resolver's verdict and linkset, the signed documents under
``/.well-known`` and ``/issuances``, and the OpenAPI document itself (suyuan.web.consumer, api).

The signed documents are JSON wrappers around compact JWS tokens: their payloads are signed, not
described here (docs/codes.md describes them).
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field

from suyuan.web.responses.common import CodeIdentity, DateTime, Shape, Supplier, Url, optional_key
from suyuan.web.responses.enums import KeyStatus, Reason, RecallKind, RecallScope, RecallStatus, Verdict
from suyuan.web.responses.registry import PublicBatch, PublicProduct

# --- the scan -------------------------------------------------------------------------------------


class ScanCount(Shape):
    """How often the code was scanned, and since when."""

    count: int = Field(description="scans of this code, this one included")
    first_at: DateTime | None


class VerdictRecall(Shape):
    """The recall or stop-sale of the code's batch: the measure, why, what to do, since when."""

    kind: RecallKind
    scope: RecallScope
    status: RecallStatus
    reason: str
    instructions: str
    instructions_en: str
    opened_at: DateTime


class VerdictIssuance(Shape):
    """The signed issuance that covers the code."""

    id: int
    kid: str
    statement_url: Url


class VerdictDocument(Shape):
    """The JSON verdict of a scanned code (``Accept: application/json``); the scan is recorded."""

    verdict: Verdict
    reasons: list[Reason] = Field(description="why, in the order they were found; empty when genuine")
    code: CodeIdentity
    product: PublicProduct | None = Field(description="null when the code matched no batch")
    batch: PublicBatch | None
    supplier: Supplier | None
    scans: ScanCount
    claimed: bool = Field(description='someone registered this unit as bought ("I bought this")')
    claimed_by_you: bool = Field(description="this device registered it")
    recall: VerdictRecall | None
    issuance: VerdictIssuance | None


class MalformedCode(Shape):
    """400: the path is not a GS1 Digital Link of a code; it scans ``counterfeit``."""

    verdict: Literal["counterfeit"]
    reasons: list[Literal["malformed_code"]]
    detail: str = Field(description="the machine reason, e.g. too_long, bad_check_digit")
    message: str


class Link(Shape):
    """One target of a link relation (RFC 9264)."""

    href: Url
    title: str
    type: str = Field(description="the media type of the target")
    hreflang: list[str] = optional_key("the languages the page is in")


class LinkContext(Shape):
    """The links of one code, keyed by GS1 link type."""

    anchor: Url = Field(description="the code URL")
    pip: list[Link] = Field(alias="https://gs1.org/voc/pip")
    recall_status: list[Link] = Field(alias="https://gs1.org/voc/recallStatus")
    certification_info: list[Link] = Field(alias="https://gs1.org/voc/certificationInfo")
    traceability: list[Link] = Field(alias="https://gs1.org/voc/traceability")
    verification_service: list[Link] = Field(alias="https://gs1.org/voc/verificationService")
    default_link: list[Link] = Field(alias="https://gs1.org/voc/defaultLink")
    issuance_statement: list[Link] = optional_key(
        "when an issuance covers the code", alias="https://suyuan.dev/rel/issuance-statement"
    )


class Linkset(Shape):
    """The RFC 9264 linkset of a code (``Accept: application/linkset+json`` or ``?linkType=all``)."""

    linkset: list[LinkContext] = Field(min_length=1, max_length=1)


# --- keys and signed documents --------------------------------------------------------------------


class Jwk(Shape):
    """A public key as an RFC 8037 OKP JWK, with its status."""

    kty: Literal["OKP"]
    crv: Literal["Ed25519"]
    x: str = Field(description="the public key, base64url")
    kid: str
    use: Literal["sig"]
    alg: Literal["EdDSA"]
    status: KeyStatus = Field(description="codes signed by a revoked key verify as revoked")
    created_at: DateTime
    revoked_at: DateTime = optional_key("when it was revoked; only on revoked keys")


class RevocationPointer(Shape):
    """Where the signed revocation list is, and the version a verifier must accept at least."""

    url: Url
    version: int


class Jwks(Shape):
    """The keys that verify codes and statements."""

    keys: list[Jwk]
    revocations: RevocationPointer


class SignedDocument(Shape):
    """A compact JWS (the signed revocation list)."""

    jws: str


class IssuanceStatement(Shape):
    """The signed statement of an issuance (``Accept: application/jose`` gives the bare JWS)."""

    jws: str
    jwks: Url = Field(description="the JWKS that verifies it")


class AuditCheckpoint(Shape):
    """A signed checkpoint of the audit log: its head hash at one entry."""

    seq: int
    head_hash: str
    at: DateTime
    kid: str
    jws: str


class AuditCheckpoints(Shape):
    """The latest signed audit checkpoints, newest first."""

    type: Literal["suyuan-audit-checkpoint+jws"]
    checkpoints: list[AuditCheckpoint]


# --- the OpenAPI document -------------------------------------------------------------------------


class ApiInfo(Shape):
    """The document's info object."""

    title: str
    version: str
    description: str


class ApiServer(Shape):
    """A server the API is served from."""

    url: str


class OpenApiDocument(Shape):
    """This API's OpenAPI 3.1 document; paths and components are described by the OpenAPI standard."""

    openapi: Literal["3.1.0"]
    info: ApiInfo
    servers: list[ApiServer]
    security: list[dict[str, list[str]]]
    paths: dict[str, dict[str, dict[str, Any]]]
    components: dict[str, dict[str, Any]]
