"""The input of every label renderer: one printable item, independent of the database.

The lead's services turn issued codes into ``LabelItem`` values (often lazily, 100,000 at a time), so the
renderers need nothing but this small immutable record.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class LabelItem:
    """What one label shows: the full code URL (encoded in the QR) and the human-readable fields.

    ``url`` is the complete signed GS1 Digital Link (upper-case scheme and host so the QR encoder can use
    alphanumeric mode, numeric signature); the other fields are printed as text for people and inspectors.
    """

    url: str
    product_name: str
    gtin: str
    lot: str
    serial: str
    expiry: datetime.date | None = None
