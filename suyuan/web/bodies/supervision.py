"""Bodies of supervision: list entries and their withdrawal, risk information, assessments and measures,
warehouse designations, where an entry is stored and which quarantines it needs (issue 15 part B)."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

from suyuan.trace import risk_intake
from suyuan.trace.model import (
    ListKind,
    ListMatch,
    QuarantineScope,
    RecallKind,
    RiskLevel,
    RiskSource,
)
from suyuan.web.bodies.common import Body, Id, one_of, states, text
from suyuan.web.bodies.recalls import RiskWarning


class ListEntry(Body):
    """An entry of the office's positive or key-supervision list."""

    list_kind: Annotated[str, one_of(ListKind)]
    match: Annotated[str, one_of(ListMatch)]
    value: Annotated[str, states(maxLength=20)]
    reason: Annotated[str, text(2000)] | None = None


class ListWithdrawal(Body):
    """Why a list entry is withdrawn (optional)."""

    note: Annotated[str, text(2000)] | None = None


class RiskInformation(Body):
    """Risk information: a merchant's self-report, an office's foreign notification or incident."""

    source: Annotated[str, one_of(RiskSource)]
    title: Annotated[str, text(risk_intake.MAX_TITLE, filled=True), states(pattern="^[^\\n]*$")]
    description: Annotated[str, text(risk_intake.MAX_DESCRIPTION, filled=True)]
    hs_prefix: Annotated[str, states(pattern="^\\s*\\.*([0-9]\\.*){2,10}\\s*$|^\\s*\\.*\\s*$")] | None = None
    product_id: Id | None = None
    batch_id: Id | None = None
    reference: Annotated[str, text(200)] | None = None

    def report(self) -> risk_intake.RiskReport:
        """The domain's report."""
        return risk_intake.RiskReport(
            source=self.source,
            title=self.title,
            description=self.description,
            hs_prefix=self.hs_prefix or "",
            product_id=self.product_id,
            batch_id=self.batch_id,
            reference=self.reference or "",
        )


class Assessment(Body):
    """The office's risk assessment."""

    level: Annotated[str, one_of(RiskLevel)]
    rationale: Annotated[str, text(risk_intake.MAX_DESCRIPTION, filled=True)]


class CheckMeasure(Body):
    """A spot check because of risk information; the batch defaults to the information's."""

    batch_id: Id | None = None
    note: Annotated[str, text(2000)] | None = None


class RecallMeasure(Body):
    """A recall or stop-sale because of risk information; the batch defaults to the information's."""

    kind: Annotated[str, one_of(RecallKind)]
    reason: Annotated[str, text(2000, filled=True)]
    instructions: Annotated[str, text(2000)] | None = None
    batch_id: Id | None = None


class WarningMeasure(RiskWarning):
    """A risk warning because of risk information; goods default to the information's."""


class Designation(Body):
    """A warehouse enterprise designated as a supervised warehouse."""

    enterprise_id: Id
    address: Annotated[str, text(300)] | None = None


class Storage(Body):
    """The supervised warehouse an entry's goods are stored in."""

    warehouse_id: Id


class QuarantineScopes(Body):
    """The quarantines an entry needs."""

    scopes: Annotated[list[Annotated[str, one_of(QuarantineScope)]], Field(min_length=1, max_length=3)]
