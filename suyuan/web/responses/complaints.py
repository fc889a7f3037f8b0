"""Responses of consumer complaints: the filing receipt, the public status, and the complaint as its
merchant and office see it, with its timeline (shapes of suyuan.web.api_complaints)."""

from __future__ import annotations

from pydantic import Field

from suyuan.web.responses.common import CodeIdentity, DateTime, Sha256, Shape, Url, optional_key
from suyuan.web.responses.enums import ComplaintCategory, ComplaintEventKind, ComplaintStatus, Verdict


class ComplaintFiled(Shape):
    """The receipt of a filed complaint: the reference is what the consumer keeps."""

    id: int
    reference: str = Field(description="e.g. TS-7K2M9Q4XHD")
    status: ComplaintStatus
    category: ComplaintCategory
    verdict: Verdict = Field(description="what the code verified as when the complaint was filed")
    status_url: Url = Field(description="the public status as JSON")
    page_url: Url = Field(description="the public status page")


class PublicComplaintEvent(Shape):
    """One step of a complaint as the consumer sees it."""

    at: DateTime
    kind: ComplaintEventKind
    status: ComplaintStatus = Field(description="the status after this step")
    text: str = Field(description="an answer or a note made public; may be empty")


class ComplaintPublicStatus(Shape):
    """What the reference shows a consumer: no contact, no device, no internal notes."""

    reference: str
    status: ComplaintStatus
    category: ComplaintCategory
    created_at: DateTime
    updated_at: DateTime
    code: CodeIdentity
    events: list[PublicComplaintEvent]


class ComplaintPhotoInfo(Shape):
    """The photo the consumer attached, as stored (re-encoded on filing)."""

    url: Url = Field(description="GET it with a token of the remit")
    media_type: str = Field(description="image/jpeg")
    width: int
    height: int
    sha256: Sha256


class Complaint(Shape):
    """A complaint as its merchant and office see it (never the device)."""

    id: int
    reference: str
    status: ComplaintStatus
    category: ComplaintCategory
    verdict: Verdict = Field(description="what the code verified as when the complaint was filed")
    code: CodeIdentity
    code_url: str = Field(description="the code as the consumer scanned it")
    text: str
    contact: str = Field(description="how to reach the consumer; may be empty")
    region: str
    batch_id: int | None = Field(description="null when the code matched no batch")
    office_id: int | None = Field(description="the office of the remit; null when unassigned")
    enterprise_id: int | None
    created_at: DateTime
    updated_at: DateTime
    photo: ComplaintPhotoInfo | None


class ComplaintList(Shape):
    """The caller's complaints, newest first."""

    complaints: list[Complaint]


class ComplaintEvent(Shape):
    """One step of the timeline; offices also see internal notes and who acted."""

    at: DateTime
    kind: ComplaintEventKind
    status: ComplaintStatus = Field(description="the status after this step")
    text: str
    public: bool = Field(description="shown to the consumer")
    actor: str = optional_key("who acted; present for offices only")


class ComplaintDetail(Complaint):
    """A complaint with the timeline the caller may see."""

    events: list[ComplaintEvent]
