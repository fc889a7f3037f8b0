"""Bodies of batches and codes: registering a batch, amending its quantity, issuing its codes.

These bodies ignore unknown fields, as they always have.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import ConfigDict

from suyuan.web.bodies.common import LOT, Body, Day, Id, Quantity, Whole, between, nonblank, states


class BatchRegistration(Body):
    """A batch of an admitted product (merchants)."""

    model_config = ConfigDict(extra="ignore")

    product_id: Id
    lot: Annotated[str, states(pattern=LOT)]
    quantity: Quantity
    production_date: Day | None = None
    expiry_date: Day | None = None


class BatchAmendment(Body):
    """A batch's new quantity, with the reason."""

    model_config = ConfigDict(extra="ignore")

    quantity: Quantity
    reason: Annotated[str, nonblank()]


class CodeRequest(Body):
    """How many serials to issue next."""

    model_config = ConfigDict(extra="ignore")

    count: Annotated[Whole, between(1, 1_000_000)]
