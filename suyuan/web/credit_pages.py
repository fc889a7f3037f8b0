"""The public credit page (信用公示, CQ §2(2)3; R65): ``/credit``, no login, zh-CN first.

Every merchant's credit grade and filing status, and the current entries of the abnormal-operations and
serious-violators lists with their reason, date and office. It shows only what
:func:`suyuan.trace.sanctions.public_credit` publishes: no events, points, notes, people or addresses.
Its JSON twin is ``GET /api/v1/public/credit``.
"""

from __future__ import annotations

from flask import Blueprint, render_template

from suyuan.trace import sanctions
from suyuan.web import office_labels, runtime

bp = Blueprint("credit_pages", __name__)
office_labels.install(bp)


@bp.get("/credit")
def public_credit() -> str:
    """Grades and list entries of every merchant, for anyone."""
    with runtime().transaction() as db:
        rows = sanctions.public_credit(db)
    return render_template("credit.html", rows=rows)
