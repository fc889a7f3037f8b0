"""Data exchange with the customs single window: the CEB messages platforms already send (issue 14).

Orders (CEB311), payments (CEB411), waybills (CEB511), inventories (CEB621) and returns (CEB625),
bare or in the DXP envelope, are read safely and validated against the official 2022 schema
(:mod:`.parsing`), checked against the rules the schema cannot express (:mod:`.checks`), matched as
three documents (:mod:`.matching`) and answered with receipts in customs' own shape (:mod:`.receipts`).
An inventory becomes a zone exit declaration at the packing station (:mod:`.packing`); returns come
back onto the ledger (:mod:`.refunds`). No Flask here: the web layer and the CLI call these functions.
docs/ceb.md describes what is accepted and how it maps to Suyuan's model.
"""

from suyuan.trace.ceb.intake import receive
from suyuan.trace.ceb.matching import accept_disclosure
from suyuan.trace.ceb.packing import (
    NotReadyForPacking,
    PackingProblem,
    PackingRefused,
    ScanResult,
    check_scan,
    pack,
    packing_inventory,
    packing_queue,
    station_inventory,
)
from suyuan.trace.ceb.parsing import MAX_BYTES, MessageRefused, Refusal
from suyuan.trace.ceb.parties import register_customs_code
from suyuan.trace.ceb.queries import get_inventory, list_inventories, list_receipts
from suyuan.trace.ceb.receipts import Receipt, ReturnEntry
from suyuan.trace.ceb.refunds import conclude_refund

__all__ = [
    "MAX_BYTES",
    "MessageRefused",
    "NotReadyForPacking",
    "PackingProblem",
    "PackingRefused",
    "Receipt",
    "Refusal",
    "ReturnEntry",
    "ScanResult",
    "accept_disclosure",
    "check_scan",
    "conclude_refund",
    "get_inventory",
    "list_inventories",
    "list_receipts",
    "pack",
    "packing_inventory",
    "packing_queue",
    "receive",
    "register_customs_code",
    "station_inventory",
]
