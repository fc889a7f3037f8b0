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
