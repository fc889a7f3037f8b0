"""The trade modes goods move under (R2): apart so that goods, zone and sanctions tables share it."""

from __future__ import annotations

import enum


class TradeMode(enum.StrEnum):
    """How goods come in (R2): bonded retail import 1210 (the zone ledger), direct mail 9610 (parcels
    cleared one by one, no zone stock) or B2B (general trade, SZ Art. 38), never a retail exit."""

    BONDED = "bonded"
    DIRECT_MAIL = "direct_mail"
    B2B = "b2b"

    @property
    def customs_code(self) -> str:
        """The customs supervision-mode code of the trade mode."""
        return {"bonded": "1210", "direct_mail": "9610", "b2b": "0110"}[self.value]
