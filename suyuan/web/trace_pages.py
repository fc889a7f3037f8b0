"""The trace view: a batch (or the batch behind a complaint) from product to scans, for people.

``/regulator/trace/batch/<id>`` and ``/regulator/trace/complaint/<id>`` serve office staff;
``/merchant/trace/batch/<id>`` a merchant's own batches. All three render the same template from the
same domain document (:func:`suyuan.trace.tracing.trace_batch` / ``trace_complaint``), with charts of
scans per day and by region (:mod:`suyuan.web.charts`) and links to the downloads: the spreadsheet
(CSV, XLSX) and the EPCIS 2.0 document, served by the API under the same sign-in.
"""

from __future__ import annotations

from flask import Blueprint, render_template
from flask_babel import gettext as _
from markupsafe import Markup

from suyuan.trace import tracing
from suyuan.trace.model import Role
from suyuan.trace.tracing.scans import ScanSummary
from suyuan.web import office_labels, runtime
from suyuan.web.auth import current_actor, login_required
from suyuan.web.charts import bar_chart, line_chart
from suyuan.web.converters import query_int
from suyuan.web.dashboard import VERDICT_COLORS, region_label, verdict_label

bp = Blueprint("trace_pages", __name__)
office_labels.install(bp)  # stored values in the reader's words
ORDERS_PAGE = 50


def _options() -> tracing.TraceOptions:
    offset = query_int("orders_offset", 0, high=10_000_000) or 0
    return tracing.TraceOptions(orders_offset=offset, orders_limit=ORDERS_PAGE)


def _charts(scans: ScanSummary | None) -> dict[str, Markup]:
    if scans is None:
        return {}
    return {
        "per_day": line_chart(
            [(d.date.isoformat(), d.scans) for d in scans.by_day],
            title=_("Scans per day, last %(days)s days", days=scans.days),
            columns=(_("Day"), _("Scans")),
        ),
        "by_region": bar_chart(
            [(region_label(r.region), r.scans) for r in scans.by_region],
            title=_("Scans by region"),
            columns=(_("Region"), _("Scans")),
        ),
        "by_verdict": bar_chart(  # in the reader's words and the verdicts' colours, as on the dashboards
            [(verdict_label(v), n) for v, n in scans.by_verdict.items()],
            title=_("Scans by verdict"),
            columns=(_("Verdict"), _("Scans")),
            colors=[VERDICT_COLORS.get(v, "") for v in scans.by_verdict],
        ),
    }


def _render(document: tracing.TraceDocument, audience: str) -> str:
    return render_template(
        "trace/batch.html",
        doc=document,
        audience=audience,
        charts=_charts(document.scans),
        orders_page=ORDERS_PAGE,
    )


@bp.get("/regulator/trace/batch/<int:batch_id>")
@login_required(Role.REGULATOR)
def regulator_batch(batch_id: int) -> str:
    """A batch of the office's remit, traced."""
    with runtime().transaction() as db:
        return _render(tracing.trace_batch(db, current_actor(), batch_id, _options()), "regulator")


@bp.get("/regulator/trace/complaint/<int:complaint_id>")
@login_required(Role.REGULATOR)
def regulator_complaint(complaint_id: int) -> str:
    """The batch behind a complaint (or what its unknown code matched), traced."""
    with runtime().transaction() as db:
        return _render(tracing.trace_complaint(db, current_actor(), complaint_id, _options()), "regulator")


@bp.get("/merchant/trace/batch/<int:batch_id>")
@login_required(Role.MERCHANT)
def merchant_batch(batch_id: int) -> str:
    """One of the merchant's own batches, traced."""
    with runtime().transaction() as db:
        return _render(tracing.trace_batch(db, current_actor(), batch_id, _options()), "merchant")
