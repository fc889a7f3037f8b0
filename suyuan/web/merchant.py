"""Pages for merchant staff: their products, batches and issued codes."""

from __future__ import annotations

from flask import Blueprint, render_template

from suyuan.trace import batches, issuance, registry
from suyuan.trace.model import Role
from suyuan.web import runtime
from suyuan.web.auth import current_actor, login_required

bp = Blueprint("merchant", __name__, url_prefix="/merchant")


@bp.get("/")
@login_required(Role.MERCHANT)
def home() -> str:
    """The merchant's products and batches with issued-code counts and CSV downloads."""
    actor = current_actor()
    with runtime().transaction() as db:
        products = registry.list_products(db, actor)
        rows = [(b, issuance.issued_count(db, b.id)) for b in batches.list_batches(db, actor)]
        return render_template("merchant/home.html", products=products, batches=rows)
