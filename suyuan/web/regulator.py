"""Pages for inspection office staff: filings awaiting decision, batches, and the audit chain."""

from __future__ import annotations

from flask import Blueprint, render_template

from suyuan.trace import audit, batches, registry
from suyuan.trace.model import Role
from suyuan.web import runtime
from suyuan.web.auth import current_actor, login_required

bp = Blueprint("regulator", __name__, url_prefix="/regulator")


@bp.get("/")
@login_required(Role.REGULATOR)
def home() -> str:
    """Product filings with their admission status, enterprises, batches and audit-chain health."""
    actor = current_actor()
    with runtime().transaction() as db:
        return render_template(
            "regulator/home.html",
            products=registry.list_products(db, actor),
            enterprises=registry.list_enterprises(db, actor),
            batches=batches.list_batches(db, actor),
            chain=audit.verify_chain(db),
        )
