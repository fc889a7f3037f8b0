"""Request bodies of the office's enforcement calls: sanctions, credit lists and the exit hold step.

Apart from ``bodies.zone`` because these are decisions of the office about parties (SZ Art. 30,
CQ §2(2)3), not movements of goods; each says what is decided and why.
"""

from __future__ import annotations

from typing import Annotated

from suyuan.trace.model import BuyerRestrictionLevel, CreditListKind, SanctionAction
from suyuan.trace.zone.buyer_restrictions import RULES
from suyuan.web.bodies.common import Body, one_of, text

HOLD_DECISIONS = ("release", "refuse")


class SanctionDecision(Body):
    """Suspend or revoke a filing or an admission, or lift a suspension, with the reason."""

    action: Annotated[str, one_of(SanctionAction)]
    reason: Annotated[str, text(2000, filled=True)]


class CreditListing(Body):
    """Put an enterprise on the abnormal-operations or serious-violators list, with the reason."""

    list_kind: Annotated[str, one_of(CreditListKind)]
    reason: Annotated[str, text(2000, filled=True)]


class ListRemoval(Body):
    """Take an enterprise off a list, saying why."""

    reason: Annotated[str, text(2000, filled=True)]


class HoldDecision(Body):
    """The office's step at exit: release a held order, or refuse it (then the note says why)."""

    decision: Annotated[str, one_of(HOLD_DECISIONS)]
    note: Annotated[str, text(2000)] | None = None


class BuyerRestrictionDecision(Body):
    """Watch or block a buyer named by an order-monitoring alert (its ``buyer`` reference), and why."""

    buyer: Annotated[str, text(64, filled=True)]
    level: Annotated[str, one_of(BuyerRestrictionLevel)]
    reason: Annotated[str, text(2000, filled=True)]
    rule: Annotated[str, one_of(sorted(RULES))] | None = None


class RestrictionLift(Body):
    """End a buyer restriction, saying why."""

    reason: Annotated[str, text(2000, filled=True)]
