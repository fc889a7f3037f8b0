"""Response models of responsibility interviews, rectification orders and reports (R52, G15 §2(3))."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from suyuan.web.responses.common import Date, DateTime, Shape

# suyuan.trace.model.RectificationStatus
RectificationStatus = Literal["open", "reported", "closed"]
# suyuan.trace.model.RectificationCause
RectificationCause = Literal["complaint", "spot_check", "risk_information", "recall"]
# suyuan.trace.model.ReportDecision
ReportDecision = Literal["pending", "accepted", "rejected"]


class Interview(Shape):
    """A responsibility interview an office held with an enterprise."""

    id: int
    enterprise_id: int
    enterprise_name: str
    office_id: int
    held_on: Date
    place: str = Field(description="where, or by what means")
    participants: str
    matter: str
    commitments: str = Field(description="what the enterprise committed to")
    recorded_at: DateTime


class ReportFile(Shape):
    """A report's attached file as recognised on upload."""

    name: str
    media_type: Literal["application/pdf", "image/jpeg", "image/png"]
    size: int
    sha256: str
    url: str


class ReportRecord(Shape):
    """A rectification report and the office's decision on it."""

    id: int
    order_id: int
    text: str
    file: ReportFile | None = Field(description="the attached file, if any (download: file_url)")
    submitted_at: DateTime
    decision: ReportDecision
    decided_at: DateTime | None
    rejection_reason: str | None


class OrderRecord(Shape):
    """A rectification order, its cause, where it stands and its reports (newest first)."""

    id: int
    enterprise_id: int
    enterprise_name: str
    office_id: int
    matter: str
    requirements: str
    deadline: Date
    cause_kind: RectificationCause | None
    cause_id: int | None
    status: RectificationStatus
    overdue: bool = Field(description="past the deadline (Beijing) without an accepted report")
    issued_at: DateTime
    closed_at: DateTime | None
    reports: list[ReportRecord]


class OrderList(Shape):
    """Rectification orders within the caller's remit, newest first."""

    orders: list[OrderRecord]


class StrictInspection(Shape):
    """Whether the enterprise is under strict inspection (an overdue order, or 2+ orders in 365 days)."""

    applies: bool
    overdue_orders: list[int]
    recent_orders: int = Field(description="orders issued in the last 365 days, by any office")


class RectificationOverview(Shape):
    """An enterprise's interviews and orders within the caller's remit, and its strict-inspection state."""

    enterprise_id: int
    strict_inspection: StrictInspection
    interviews: list[Interview]
    orders: list[OrderRecord]
