"""The site navigation in the top bar: the public links, or the signed-in role's pages.

``base.html`` calls :func:`nav_links` on every page, so it must stay cheap: a visitor without a
session cookie (every consumer scanning a code) costs no database query. Pages of other parts of the
site are linked by their public paths (DESIGN.md fixes them), so the menu never depends on which
blueprints happen to be registered.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import Flask, g, request, session, url_for
from flask_babel import lazy_gettext as _l
from flask_babel.speaklater import LazyString
from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError

from suyuan.trace.model import Enterprise, EnterpriseKind, Role


@dataclass(frozen=True)
class NavLink:
    """One menu entry; ``key`` is stable (tests, styling), ``label`` is in the reader's language."""

    key: str
    label: LazyString
    path: str
    active: bool = False


MERCHANT = (
    ("dashboard", _l("Dashboard"), "/merchant/"),
    ("products", _l("Product filings"), "/merchant/products"),
    ("labels", _l("Labels"), "/merchant/labels"),
    ("zone", _l("Bonded zone"), "/merchant/zone"),
    ("packing", _l("Packing station"), "/merchant/packing"),
    ("returns", _l("Returns"), "/merchant/returns"),
    ("complaints", _l("Complaints"), "/merchant/complaints"),
    ("recalls", _l("Recalls"), "/merchant/recalls"),
    ("risk", _l("Risk reports"), "/merchant/risk"),
    ("rectification", _l("Rectification orders"), "/merchant/rectification"),
    ("users", _l("Users"), "/account/users"),
    ("account", _l("My account"), "/account"),
)
PLATFORM = ("platform", _l("Goods sold on the platform"), "/merchant/platform")  # a platform's staff only
REGULATOR = (
    ("console", _l("Console"), "/regulator/"),
    ("complaints", _l("Complaints"), "/regulator/complaints"),
    ("zone", _l("Bonded zone"), "/regulator/zone"),
    ("enterprises", _l("Enterprises"), "/regulator/enterprises"),
    ("filings", _l("Product filings"), "/regulator/filings"),
    ("spot_checks", _l("Spot checks"), "/regulator/spot-checks"),
    ("recalls", _l("Recalls"), "/regulator/recalls"),
    ("warnings", _l("Risk warnings"), "/regulator/warnings"),
    ("risk", _l("Risk information"), "/regulator/risk"),
    ("lists", _l("Supervision lists"), "/regulator/lists"),
    ("warehouses", _l("Supervised warehouses"), "/regulator/warehouses"),
    ("enforcement", _l("Sanctions and exit holds"), "/regulator/enforcement"),
    ("rectification", _l("Interviews and rectification"), "/regulator/rectification"),
    ("buyers", _l("Buyers under watch"), "/regulator/buyers"),
    ("half_year_report", _l("Half-yearly statistics"), "/regulator/half-year-report"),
    ("major_cases", _l("Major cases"), "/regulator/major-cases"),
    ("users", _l("Users"), "/account/users"),
    ("account", _l("My account"), "/account"),
)
PUBLIC = (
    ("notices", _l("Recalls and warnings"), "/notices"),
    ("scan", _l("Scan with camera"), "/scan"),
)


def signed_in_role() -> Role | None:
    """The role of the signed-in user, without touching the database for anonymous visitors."""
    if "actor" not in g and not session.get("user_id") and "Authorization" not in request.headers:
        return None
    from suyuan.web.auth import current_actor  # auth imports the web package: import at use

    try:
        return current_actor().role
    except SQLAlchemyError:  # an error page while the database is down still renders its menu
        return None


def nav_links() -> list[NavLink]:
    """The menu for this request; the entry for the current page is marked active."""
    role = signed_in_role()
    entries = MERCHANT if role is Role.MERCHANT else REGULATOR if role is Role.REGULATOR else PUBLIC
    if role is Role.MERCHANT and _platform_staff():
        entries = (*entries[:-2], PLATFORM, *entries[-2:])  # before "Users" and "My account"
    here = request.path
    # The longest matching path wins, so /merchant/zone/... marks "zone", not the dashboard.
    matching = [path for _key, _label, path in entries if _under(here, path)]
    best = max(matching, key=len, default=None)
    return [NavLink(key, label, path, active=path == best) for key, label, path in entries]


def _platform_staff() -> bool:
    """Whether the signed-in user works for a platform enterprise: one primary-key read per request."""
    if "platform_staff" not in g:
        from suyuan.web import runtime
        from suyuan.web.auth import current_actor

        enterprise_id = current_actor().enterprise_id
        kind = None
        if enterprise_id is not None:
            try:
                with runtime().transaction() as db:
                    kind = db.scalar(select(Enterprise.kind).where(Enterprise.id == enterprise_id))
            except SQLAlchemyError:
                kind = None
        g.platform_staff = kind is EnterpriseKind.PLATFORM
    return bool(g.platform_staff)


def _under(here: str, path: str) -> bool:
    """Whether ``here`` is the page ``path`` or a page below it."""
    return here == path or here.startswith(path if path.endswith("/") else path + "/")


def register(app: Flask) -> None:
    """Make :func:`nav_links` and the sign-out URL available to every template."""
    app.jinja_env.globals["nav_links"] = nav_links
    app.jinja_env.globals["signed_in_role"] = signed_in_role
    app.jinja_env.globals["logout_url"] = lambda: url_for("auth.logout")
