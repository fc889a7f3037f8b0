"""What the merchant dashboard and the regulator console share: chart filters, charts and labels.

Both pages chart the scans of the signed-in user's remit (``suyuan.trace.stats``) with the same
filter (``?batch=`` one batch, ``?days=`` the window) and show the same status counts; the wording
of statuses, verdicts and the region buckets lives here, once, in both languages.
"""

from __future__ import annotations

from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel.speaklater import LazyString
from markupsafe import Markup

from suyuan.trace.bounds import MAX_INT
from suyuan.trace.model import AdmissionStatus, BatchStatus, ComplaintStatus
from suyuan.trace.stats import (
    DEFAULT_DAYS,
    MAX_DAYS,
    OPEN_COMPLAINT_STATUSES,
    OTHER_REGIONS,
    UNKNOWN_REGION,
    ScanStats,
)
from suyuan.trace.verdicts import Verdict
from suyuan.web.charts import bar_chart, line_chart
from suyuan.web.converters import query_int
from suyuan.web.reasons import VERDICT_TITLES

DAY_CHOICES = (7, 30, 90, 365)
VERDICT_COLORS: dict[str, str] = {
    Verdict.GENUINE: "#1a7f37",
    Verdict.COUNTERFEIT: "#c62828",
    Verdict.SUSPECT: "#b26a00",
    Verdict.RECALLED: "#8e24aa",
    Verdict.REVOKED: "#6e1414",
}
LABELS: dict[str, LazyString] = {
    AdmissionStatus.FILED: _l("Awaiting admission"),
    AdmissionStatus.ADMITTED: _l("Admitted"),
    AdmissionStatus.ADMITTED_WITH_DISCLOSURE: _l("Admitted with disclosure"),
    AdmissionStatus.REFUSED: _l("Refused"),
    BatchStatus.IN_ZONE: _l("In the zone"),
    BatchStatus.RELEASED: _l("Released for sale"),
    BatchStatus.EXIT_BLOCKED: _l("Exit blocked"),
    BatchStatus.STOPPED: _l("Sale stopped"),
    BatchStatus.RECALLED: _l("Recalled"),
    BatchStatus.CLOSED: _l("Closed"),
}
COMPLAINT_LABELS: dict[str, LazyString] = {
    ComplaintStatus.RECEIVED: _l("Received"),
    ComplaintStatus.TRIAGED: _l("Triaged"),
    ComplaintStatus.ANSWERED: _l("Answered"),
    ComplaintStatus.UPHELD: _l("Upheld"),
    ComplaintStatus.DISMISSED: _l("Dismissed"),
    ComplaintStatus.CLOSED: _l("Closed"),
}


def chart_args() -> tuple[int | None, int]:
    """``?batch=`` (a batch number, or empty for all) and ``?days=`` (1-366, default 30); else 400."""
    batch_id = query_int("batch", low=1, high=MAX_INT)
    days = query_int("days", DEFAULT_DAYS, low=1, high=MAX_DAYS) or DEFAULT_DAYS
    return batch_id, days


def region_label(region: str) -> str:
    """A region as shown: the two buckets in the reader's language, real regions as recorded."""
    if region == UNKNOWN_REGION:
        return str(_("Unknown region"))
    if region == OTHER_REGIONS:
        return str(_("Other regions"))
    return region


def verdict_label(verdict: str) -> str:
    """A verdict in the reader's language (an unexpected value is shown as stored)."""
    try:
        return str(VERDICT_TITLES[Verdict(verdict)])
    except ValueError:
        return verdict


def template_context(stats: ScanStats, batch_id: int | None) -> dict[str, Any]:
    """What the shared dashboard partials (``templates/dashboard/``) need besides the counts."""
    return {
        "scans": stats,
        "charts": scan_charts(stats),
        "selected": batch_id,
        "days": stats.window.days,
        "day_choices": sorted({*DAY_CHOICES, stats.window.days}),
        "labels": LABELS,
        "complaint_labels": COMPLAINT_LABELS,
        "admission_order": list(AdmissionStatus),
        "batch_order": list(BatchStatus),
        "complaint_order": list(ComplaintStatus),
        "open_complaint_statuses": OPEN_COMPLAINT_STATUSES,
    }


def scan_charts(stats: ScanStats) -> dict[str, Markup]:
    """The three scan charts of a dashboard: per day, by region, by verdict."""
    scans = _("Scans")
    verdicts = [(verdict_label(v), n) for v, n in stats.by_verdict]
    colors = [VERDICT_COLORS.get(v, "") for v, _n in stats.by_verdict]
    return {
        "per_day": line_chart(
            [(d.isoformat(), n) for d, n in stats.per_day],
            title=_("Scans per day, last %(days)s days", days=stats.window.days),
            columns=(_("Day"), scans),
        ),
        "by_region": bar_chart(
            [(region_label(r), n) for r, n in stats.by_region],
            title=_("Scans by region"),
            columns=(_("Region"), scans),
        ),
        "by_verdict": bar_chart(
            verdicts, title=_("Scans by verdict"), columns=(_("Verdict"), scans), colors=colors
        ),
    }
