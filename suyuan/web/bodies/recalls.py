"""Bodies of recalls, stop-sales, destruction and risk warnings.

Every body here is closed, and every optional field may also be sent as ``null`` (left out).
"""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

from suyuan.trace import recall_units, recalls, risk_warnings
from suyuan.trace.model import RecallKind, RecallScope, WarningLevel
from suyuan.web.bodies.common import (
    ONE_LINE,
    VISIBLE,
    Body,
    Id,
    Whole,
    between,
    one_of,
    states,
    text,
)

CodeUrl = Annotated[str, Field(description="code URL")]


class RecallOpening(Body):
    """A recall or stop-sale of a batch: ordered by its office, or voluntary by its merchant."""

    kind: Annotated[str, one_of(RecallKind)]
    reason: Annotated[str, text(recalls.MAX_REASON, filled=True)]
    instructions: Annotated[str, text(recalls.MAX_INSTRUCTIONS)] | None = None
    instructions_en: Annotated[str, text(recalls.MAX_INSTRUCTIONS)] | None = None
    scope: Annotated[str, one_of(RecallScope), states(default=RecallScope.BATCH.value)] | None = None


class Note(Body):
    """The office's note on closing a recall or lifting a stop-sale."""

    note: Annotated[str, text(recalls.MAX_NOTE, filled=True)]


class Destruction(Body):
    """Units of a batch under recall or stop-sale destroyed in the zone."""

    quantity: Annotated[Whole, between(1, recall_units.MAX_DESTRUCTION)]
    reason: Annotated[str, text(2000, filled=True)]
    recall_id: Id | None = None


class RecallReturn(Body):
    """Recalled units of an order the consumer sent back."""

    exit_declaration_id: Id
    codes: list[CodeUrl]
    reason: Annotated[str, text(2000, filled=True)]


class RiskWarning(Body):
    """A risk warning published to every office and the public; goods are optional."""

    level: Annotated[str, one_of(WarningLevel)]
    title: Annotated[
        str,
        text(risk_warnings.MAX_TITLE, filled=True),
        states(pattern=f"^[^\\u0000-\\u001f]*{VISIBLE}[^\\u0000-\\u001f]*$"),
    ]
    body: Annotated[str, text(risk_warnings.MAX_BODY, filled=True)]
    title_en: Annotated[str, states(maxLength=risk_warnings.MAX_TITLE, pattern=ONE_LINE)] | None = None
    body_en: Annotated[str, text(risk_warnings.MAX_BODY)] | None = None
    hs_prefix: Annotated[str, states(pattern="^\\s*\\.*([0-9]\\.*){2,10}\\s*$|^\\s*\\.*\\s*$")] | None = None
    product_id: Id | None = None
    batch_id: Id | None = None
    sampling_factor: Annotated[Whole, states(minimum=1, maximum=risk_warnings.MAX_SAMPLING_FACTOR)] | None = (
        None
    )
    require_inspection: bool | None = None
    hold_exits: bool | None = None

    def filing(self) -> risk_warnings.WarningFiling:
        """The domain's warning."""
        return risk_warnings.WarningFiling(
            level=self.level,
            title=self.title,
            body=self.body,
            title_en=self.title_en or "",
            body_en=self.body_en or "",
            hs_prefix=self.hs_prefix or "",
            product_id=self.product_id,
            batch_id=self.batch_id,
            sampling_factor=self.sampling_factor or 1,
            require_inspection=bool(self.require_inspection),
            hold_exits=bool(self.hold_exits),
        )


class Withdrawal(Body):
    """Why the publishing office withdraws a warning (the body may be left out)."""

    note: Annotated[str, text(2000)] | None = None
