"""Bodies of consumer complaints: filing one (JSON, or the same fields as a multipart form), answers, triage.

Complaint texts drop control characters instead of refusing them, then count (:mod:`suyuan.trace.complaints`):
what a schema can say is the raw bound the domain checks first (twice the limit plus 100), the rest is in
the description.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import ConfigDict, Field

from suyuan.trace.complaints import CONTACT_MAX, NOTE_MAX, TEXT_MAX, TEXT_MIN
from suyuan.trace.model import ComplaintCategory, ComplaintStatus
from suyuan.web.bodies.common import VISIBLE, Body, nonblank, one_of, rule, states

ComplaintText = Annotated[
    str,
    states(minLength=TEXT_MIN, maxLength=2 * TEXT_MAX + 100),
    Field(
        description=f"{TEXT_MIN}-{TEXT_MAX} characters once control characters and outer spaces are removed"
    ),
]


class ComplaintFiling(Body):
    """A consumer's complaint about a scanned code."""

    code: Annotated[str, nonblank(), states(maxLength=512), Field(description="the scanned code URL")]
    category: Annotated[str, one_of(ComplaintCategory)]
    text: ComplaintText
    contact: (
        Annotated[
            str,
            states(maxLength=2 * CONTACT_MAX + 100),
            Field(description=f"one line of at most {CONTACT_MAX} characters without control characters"),
        ]
        | None
    ) = None


class ComplaintAnswer(Body):
    """The merchant's answer to the consumer."""

    text: ComplaintText


class ComplaintStatusChange(Body):
    """The office moves a complaint on; without a status, it only adds a note."""

    model_config = ConfigDict(
        json_schema_extra=rule(
            "status",
            [ComplaintStatus.UPHELD.value, ComplaintStatus.DISMISSED.value],
            {"required": ["note"], "properties": {"note": {"pattern": VISIBLE}}},
        )
    )

    status: Annotated[str, one_of(ComplaintStatus)] | None = None
    note: (
        Annotated[
            str,
            states(maxLength=2 * NOTE_MAX + 100),
            Field(description=f"at most {NOTE_MAX} characters once cleaned; required to uphold or dismiss"),
        ]
        | None
    ) = None
    public: Annotated[bool, Field(description="show the note to the consumer (default false)")] = False
