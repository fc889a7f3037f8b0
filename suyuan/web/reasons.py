"""What each verdict and reason means to a consumer, in their language.

Kept beside the templates because it is presentation: the stable words themselves live in
``suyuan.trace.verdicts`` and are documented in docs/codes.md.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_babel.speaklater import LazyString

from suyuan.trace.model import BatchStatus
from suyuan.trace.verdicts import Reason, Verdict

VERDICT_TITLES: dict[Verdict, LazyString] = {
    Verdict.GENUINE: _l("Genuine"),
    Verdict.COUNTERFEIT: _l("Counterfeit"),
    Verdict.SUSPECT: _l("Suspect"),
    Verdict.RECALLED: _l("Recalled"),
    Verdict.REVOKED: _l("Revoked"),
}

VERDICT_ADVICE: dict[Verdict, LazyString] = {
    Verdict.GENUINE: _l("This code was issued for this product and batch, and nothing is known against it."),
    Verdict.COUNTERFEIT: _l(
        "This code was not issued by the registered merchant. Do not use the product; keep it and its "
        "packaging and report it below."
    ),
    Verdict.SUSPECT: _l(
        "The code itself is valid, but something about it is wrong. Compare the packaging carefully, "
        "and report it if in doubt."
    ),
    Verdict.RECALLED: _l(
        "This batch is under recall or stop-sale. Stop using the product and follow the notice."
    ),
    Verdict.REVOKED: _l(
        "This code is no longer valid. Ask the seller, and report it if you bought it recently."
    ),
}

REASON_TEXTS: dict[Reason, LazyString] = {
    Reason.MALFORMED_CODE: _l("The scanned text is not a complete traceability code."),
    Reason.MISSING_SIGNATURE: _l("The code carries no signature."),
    Reason.DUPLICATE_SIGNATURE: _l("The code carries more than one signature."),
    Reason.MALFORMED_SIGNATURE: _l("The code's signature is damaged or malformed."),
    Reason.UNKNOWN_KEY: _l("The code was signed with a key we never issued."),
    Reason.BAD_SIGNATURE: _l("The signature does not match this product, batch and serial number."),
    Reason.UNKNOWN_BATCH: _l("No such batch of this product was ever registered."),
    Reason.SERIAL_OUT_OF_RANGE: _l("This serial number was never issued for this batch."),
    Reason.WRONG_KEY: _l("This serial number was issued under a different key."),
    Reason.KEY_REVOKED: _l("The key that signed this code was revoked."),
    Reason.CODE_VOIDED: _l("This code was voided (for example misprinted or destroyed)."),
    Reason.BATCH_RECALLED: _l("The batch is being recalled."),
    Reason.BATCH_STOP_SALE: _l("Sales of this batch are stopped."),
    Reason.NOT_RELEASED: _l(
        "The batch has not been released from the bonded zone yet, so no consumer should hold it: "
        "the label may have leaked."
    ),
    Reason.MANY_DEVICES: _l(
        "This code has been scanned from many different phones: it may have been copied."
    ),
    Reason.MANY_REGIONS: _l("This code has been scanned in several regions: it may have been copied."),
    Reason.CLAIMED_BY_OTHER: _l(
        "Another buyer already registered this item as bought. "
        "If you just bought it, the label may be a copy."
    ),
    Reason.OFFLINE_UNCHECKED: _l("Checked offline: the signature is valid; batch status was not checked."),
}


BATCH_STATUS_TEXTS: dict[BatchStatus, LazyString] = {
    BatchStatus.IN_ZONE: _l("in the bonded zone, not yet released"),
    BatchStatus.RELEASED: _l("inspected and released for sale"),
    BatchStatus.EXIT_BLOCKED: _l("exit blocked after a failed spot check"),
    BatchStatus.STOPPED: _l("sales stopped"),
    BatchStatus.RECALLED: _l("recalled"),
    BatchStatus.CLOSED: _l("closed"),
}


def batch_status_text(status: BatchStatus) -> str:
    """A batch's inspection status in the page's language, as the scan page and the recall desk say it."""
    return str(BATCH_STATUS_TEXTS[status])


# A stop-sale answers ``recalled`` like a recall (DESIGN.md §4), but the consumer is told what it is.
STOP_SALE_TITLE: LazyString = _l("Sales stopped")
STOP_SALE_ADVICE: LazyString = _l(
    "Sales of this batch are stopped while it is checked. Do not use the product until the notice "
    "below says otherwise."
)

# Why a scanned text is no code at all (``MalformedCode.reason``: the Digital Link parser's reasons
# and the code parser's own), said to a consumer.
MALFORMED_TEXTS: dict[str, LazyString] = {
    "too_long": _l("The text is far longer than any traceability code."),
    "not_a_uri": _l("The text is not a web link."),
    "bad_characters": _l("The link contains characters a traceability code never has."),
    "bad_host": _l("The link's address part is damaged."),
    "bad_path": _l("The link does not name a product, batch and serial number in the right order."),
    "unknown_ai": _l("The link contains a field that GS1 codes do not have."),
    "bad_length": _l("A number in the link is too short or too long."),
    "bad_check_digit": _l(
        "The product number (GTIN) in the link has a wrong check digit: it was mistyped or forged."
    ),
    "bad_date": _l("A date in the link is not a real date."),
    "bad_value": _l("A value in the link is not valid."),
    "bad_query": _l("The link's parameters are damaged."),
    "duplicate_ai": _l("The link names the same field twice."),
    "duplicate_param": _l("The link repeats a parameter."),
    "duplicate_signature": _l("The code carries more than one signature."),
    "not_a_serialised_item": _l("The link names no single item: a batch (lot) or serial number is missing."),
}


def malformed_text(reason: str) -> str:
    """Why the scanned text is not a code, in the page's language (a generic sentence if unknown)."""
    return str(MALFORMED_TEXTS.get(reason, REASON_TEXTS[Reason.MALFORMED_CODE]))
