"""Response models of the half-yearly statistical report (``/api/v1/reports/half-year``; R60)."""

from __future__ import annotations

from pydantic import Field

from suyuan.web.responses.common import DateTime, Shape


class ReportSection(Shape):
    """A section of the report and the keys of its figures, in the order they are shown."""

    section: str
    figures: list[str]


class HalfYearReport(Shape):
    """An office's figures over one Beijing half-year (docs/zone.md, half-yearly statistics)."""

    period: str = Field(description="the half-year, e.g. 2026-H2")
    year: int
    half: int = Field(description="1: January-June, 2: July-December (Beijing time)")
    starts_at: DateTime
    ends_at: DateTime = Field(description="the first instant after the half-year")
    office_id: int | None = Field(description="the office whose remit was counted; null: the whole instance")
    complete: bool = Field(description="false while the half-year is still running")
    generated_at: DateTime
    sections: list[ReportSection]
    figures: dict[str, int] = Field(
        description="every figure by its key (suyuan.trace.half_year_report.FIGURES)"
    )
