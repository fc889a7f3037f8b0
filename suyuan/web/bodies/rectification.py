"""Request bodies of responsibility interviews, rectification orders and their reports (R52, G15 §2(3)).

Apart from ``bodies.enforcement`` because these are the office's lighter measures with the enterprise's
answer, not decisions on a filing; the rules of each value (dates, lengths, the cause) are the domain's
(:mod:`suyuan.trace.rectification`).
"""

from __future__ import annotations

from typing import Annotated

from pydantic import ConfigDict, Field

from suyuan.trace.model import RectificationCause
from suyuan.trace.rectification import MAX_PLACE, MAX_TEXT
from suyuan.web.bodies.common import Body, Day, Id, filled, one_of, rule, text

REVIEW_DECISIONS = ("accept", "reject")


class InterviewRecord(Body):
    """A responsibility interview held with the enterprise: when, where or how, who, about what, and
    what the enterprise committed to."""

    held_on: Day = Field(description="the day it was held (Beijing), today or earlier")
    place: Annotated[str, text(MAX_PLACE, filled=True)] = Field(description="where, or by what means")
    participants: Annotated[str, text(MAX_TEXT, filled=True)]
    matter: Annotated[str, text(MAX_TEXT, filled=True)]
    commitments: Annotated[str, text(MAX_TEXT, filled=True)]


class OrderIssue(Body):
    """An order to rectify by a deadline; ``cause_kind`` and ``cause_id`` name the record behind it
    (a complaint, spot check, risk information or recall of the enterprise), both or neither."""

    model_config = ConfigDict(
        json_schema_extra={
            "allOf": [
                rule("cause_kind", [c.value for c in RectificationCause], {"required": ["cause_id"]}),
                {
                    "if": {"required": ["cause_id"], "properties": {"cause_id": {"type": "integer"}}},
                    "then": {"required": ["cause_kind"], "properties": {"cause_kind": {"type": "string"}}},
                },
            ]
        }
    )

    matter: Annotated[str, text(MAX_TEXT, filled=True)]
    requirements: Annotated[str, text(MAX_TEXT, filled=True)]
    deadline: Day = Field(description="the last day (Beijing) for an accepted report, today to 366 days on")
    cause_kind: Annotated[str, one_of(RectificationCause)] | None = None
    cause_id: Id | None = None


class ReportForm(Body):
    """A rectification report, sent as ``multipart/form-data``: its ``text`` here, optionally a file as
    the part ``file`` (PDF, JPEG or PNG). Other parts are ignored."""

    model_config = ConfigDict(extra="ignore")

    text: Annotated[str, text(MAX_TEXT, filled=True)]


class ReportReview(Body):
    """The office's decision on a report: accept (the order closes) or reject, saying why."""

    model_config = ConfigDict(
        json_schema_extra={"allOf": [rule("decision", ["reject"], filled("reason", MAX_TEXT))]}
    )

    decision: Annotated[str, one_of(REVIEW_DECISIONS)]
    reason: Annotated[str, text(MAX_TEXT)] | None = None
