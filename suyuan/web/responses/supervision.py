"""Responses of supervision: list entries, risk information with its assessments and measures, supervised
warehouses, and a batch's supervision (list standing, tightened control, release gaps)."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from suyuan.web.responses.common import DateTime, Shape


class ListEntryRecord(Shape):
    """An entry of an office's positive or key-supervision list."""

    id: int
    office_id: int
    list_kind: Literal["positive", "key_supervision"]
    match: Literal["hs_prefix", "category"]
    value: str
    reason: str
    active: bool
    created_at: DateTime
    created_by: str
    withdrawn_at: DateTime | None
    withdrawn_by: str
    withdrawal_note: str


class ListEntries(Shape):
    """The office's list entries, oldest first, withdrawn ones included."""

    entries: list[ListEntryRecord]


class AssessmentRecord(Shape):
    """A risk assessment."""

    id: int
    level: Literal["low", "medium", "high"]
    rationale: str
    assessed_at: DateTime
    assessed_by: str


class Measure(Shape):
    """A measure taken because of risk information. A merchant reading its self-report is told of a spot
    check only once it is decided (passed or failed), as everywhere else; warnings and recalls are public."""

    kind: Literal["warning", "spot_check", "recall"]
    target_id: int = Field(description="the warning's, spot check's or recall's id")
    created_at: DateTime
    created_by: str


class RiskInformationRecord(Shape):
    """A piece of risk information with its assessments and measures."""

    id: int
    office_id: int
    source: Literal["self_report", "foreign_notification", "incident"]
    enterprise_id: int | None
    hs_prefix: str
    product_id: int | None
    batch_id: int | None
    title: str
    description: str
    reference: str
    received_at: DateTime
    recorded_by: str
    status: Literal["received", "assessed"]
    assessments: list[AssessmentRecord]
    measures: list[Measure] = Field(
        description="oldest first; for a merchant without the spot checks not yet decided"
    )


class RiskInformationList(Shape):
    """Risk information the caller reads, newest first."""

    information: list[RiskInformationRecord]


class Warehouse(Shape):
    """A supervised warehouse designation."""

    id: int
    office_id: int
    enterprise_id: int
    enterprise: str
    address: str
    active: bool
    designated_at: DateTime
    withdrawn_at: DateTime | None


class WarehouseList(Shape):
    """The office's supervised warehouses, oldest first."""

    warehouses: list[Warehouse]


class BatchSupervision(Shape):
    """How a batch is supervised: list standing, tightened control, what stands before its release."""

    batch_id: int
    bonded: bool
    warehouse_id: int | None
    on_positive_list: bool | None = Field(description="null: the office keeps no positive list")
    on_site_verification: bool
    key_supervision: bool
    sampling_factor: int
    require_inspection: bool
    hold_exits: bool
    tightening_warnings: list[int]
    release_gaps: list[str]


class EntryQuarantine(Shape):
    """An entry's quarantine: the scopes required, those still missing, and its status."""

    declaration_id: int
    quarantine_status: Literal["pending", "passed", "failed", "not_applicable"]
    required_quarantine: list[str]
    missing_quarantine: list[str]
    warehouse_id: int | None
