"""The platform's desk: what a platform enterprise's staff read about the goods sold on it (issue 14).

``/merchant/platform`` shows the view of :mod:`suyuan.trace.platform_view`, read only: the office's
admission decisions on the products of the platform's orders, recalls and stop-sales of their batches
(with how many units were sold here, the buyers to tell), risk warnings about them, consumers'
complaints about units sold here (with the order, without the complainant's contact) and the receipts
of the platform's customs orders. Every stored value is shown in words and every time in Beijing time.
The page has no form: a platform acts on none of this (the seller and its office do). Staff of any
other enterprise get a 403 page that says whose page this is.
"""

from __future__ import annotations

from typing import Any

from flask import render_template
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel.speaklater import LazyString

from suyuan.trace import platform_view
from suyuan.trace.errors import PermissionDenied
from suyuan.trace.model import AdmissionStatus, FilingStatus, Role
from suyuan.trace.model.ceb import CebReceipt
from suyuan.web import runtime
from suyuan.web.auth import current_actor, login_required
from suyuan.web.desk import Page, bp
from suyuan.web.office_labels import risk_word, word

RECEIPT_TYPE: dict[str, LazyString] = {
    "CEB312Message": _l("Order receipt"),
    "CEB412Message": _l("Payment receipt"),
    "CEB512Message": _l("Waybill receipt"),
    "CEB622Message": _l("Inventory receipt"),
    "CEB626Message": _l("Return receipt"),
    "CEB816Message": _l("Tax bill"),
}
RECEIPT_STATUS: dict[int, LazyString] = {  # the returnStatus values, docs/ceb.md §4
    1: _l("Tax bill issued"),
    2: _l("Sent to customs"),
    100: _l("Rejected"),
    120: _l("Stored after the checks"),
    300: _l("Being processed by customs"),
    399: _l("Concluded"),
    500: _l("Inspection by customs"),
    501: _l("Held by customs"),
    502: _l("Held by customs"),
    503: _l("Held by customs"),
    599: _l("Held by customs"),
    700: _l("Returned by customs"),
    800: _l("Released"),
    899: _l("Clearance closed"),
}
ISSUER: dict[str, LazyString] = {"suyuan": _l("Suyuan (this system)"), "customs": _l("Customs")}


@bp.get("/platform")
@login_required(Role.MERCHANT)
def platform() -> Page:
    """The platform's view of the goods sold on it; read only."""
    with runtime().transaction() as db:
        try:
            view = platform_view.overview(db, current_actor())
        except PermissionDenied:
            message = _("This page is for the staff of a platform enterprise: it shows the goods sold on it.")
            return render_template("error.html", status=403, code="forbidden", message=message), 403
        return render_template(
            "merchant/platform.html",
            view=view,
            admission_word=lambda s: word(AdmissionStatus(s)),
            sanction_word=lambda s: word(FilingStatus(s)),
            risk_word=risk_word,
            receipt_rows=[_receipt_row(r) for r in view.receipts],
        )


def _receipt_row(receipt: CebReceipt) -> dict[str, Any]:
    """A receipt in words: its kind, who issued it and its status; the stable codes stay beside them."""
    status = RECEIPT_STATUS.get(receipt.status)
    if status is None and receipt.status < 0:
        status = _l("Processing error")
    return {
        "receipt": receipt,
        "kind": str(RECEIPT_TYPE.get(receipt.receipt_type, receipt.receipt_type)),
        "issuer": str(ISSUER.get(receipt.issuer, receipt.issuer)),
        "status": str(status) if status is not None else str(receipt.status),
    }
