"""Response models of major-case reports and their notices to the other offices (R60, R55; G15 §3(5))."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from suyuan.web.responses.common import DateTime, Shape

# suyuan.trace.model.MajorCaseKind
MajorCaseKind = Literal["complaint", "recall", "risk_information", "spot_check"]


class NoticeState(Shape):
    """Whether one receiving office acknowledged a report."""

    id: int
    office_id: int
    office_name: str
    acknowledged_at: DateTime | None
    acknowledged_by: str = Field(description="who acknowledged it; empty until then")


class MajorCaseRecord(Shape):
    """A major-case report: the case, the reporting office's summary, and each notice's state."""

    id: int
    office_id: int
    office_name: str
    case_kind: MajorCaseKind
    case_id: int
    enterprise_id: int | None
    enterprise_name: str | None
    summary: str
    reported_at: DateTime
    notices: list[NoticeState]


class MajorCaseList(Shape):
    """Reports the caller's office made (every report for the operator), newest first."""

    reports: list[MajorCaseRecord]


class MajorCaseNoticeRecord(Shape):
    """A report as received by one office, and that office's acknowledgement."""

    id: int
    office_id: int
    acknowledged_at: DateTime | None
    acknowledged_by: str
    report: MajorCaseRecord


class MajorCaseNoticeList(Shape):
    """Notices received by the caller's office (every notice for the operator), newest first."""

    notices: list[MajorCaseNoticeRecord]
