"""Request body of a major-case report (R60, G15 §3(5)); the rules are :mod:`suyuan.trace.major_cases`."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

from suyuan.trace.major_cases import MAX_SUMMARY
from suyuan.trace.model import MajorCaseKind
from suyuan.web.bodies.common import Body, Id, one_of, text


class MajorCaseMarking(Body):
    """A record of the office's remit marked as a major case: a complaint, a recall, risk information or
    a failed spot check, by kind and id, with the office's summary."""

    case_kind: Annotated[str, one_of(MajorCaseKind)]
    case_id: Id
    summary: Annotated[str, text(MAX_SUMMARY, filled=True)] = Field(
        description="what happened and why it is major"
    )
