"""The packing station: the warehouse scans each unit of a matched customs order, then releases it.

A CEB621 inventory says which products and how many leave; only the scans say *which units*
(docs/ceb.md §3). ``/merchant/packing`` lists the orders ready to pack (399) that the signed-in
enterprise packs (the seller, or the zone warehouse the inventory names); ``/merchant/packing/<id>``
shows one order's lines, each with a textarea for its codes: a keyboard-wedge scanner types the code URL
and Enter, which starts a new line and never submits (as on the exit form, :mod:`suyuan.web.desk_exits`).
``static/packing_scan.js`` answers each scan on the spot through the JSON API (``scan-check``, writing
nothing) with a green or red mark and a sound, and removes a refused code from its box; without the
script, "Check the scans" does the same on the server. "Release" calls :func:`suyuan.trace.ceb.pack`,
all or nothing: any wrong product, wrong count, recalled, already sold or counterfeit unit is listed in
the reader's language and nothing is written.
"""

from __future__ import annotations

from typing import Any

from flask import flash, redirect, render_template, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_wtf import FlaskForm
from sqlalchemy.orm import Session
from werkzeug.wrappers import Response
from wtforms import FieldList, Form, FormField, IntegerField, SubmitField, TextAreaField
from wtforms.validators import Length, NumberRange

from suyuan.trace import ceb
from suyuan.trace.ceb import PackingRefused, ScanResult
from suyuan.trace.model import Role
from suyuan.trace.model.ceb import CebInventory
from suyuan.trace.zone.exits import MAX_CODES
from suyuan.trace.zone.quotas import yuan
from suyuan.web import desk_words, runtime
from suyuan.web.auth import current_actor, login_required
from suyuan.web.bodies.ceb import MAX_LINES
from suyuan.web.desk import Page, Refused, attempt, bp, form_problem, lines_of, zone_rules

CODES_TEXT = MAX_CODES * 400  # a code URL is ~200 characters; as on the exit form


class PackedLineForm(Form):  # type: ignore[misc]
    """The codes scanned for one line of the order (``gnum``), one URL per line of the box."""

    gnum = IntegerField("gnum", validators=[NumberRange(min=1, max=MAX_LINES)])
    codes = TextAreaField("codes", validators=[Length(max=CODES_TEXT)])


class PackingForm(FlaskForm):  # type: ignore[misc]
    """The order's lines with their scans; the button pressed: check (writes nothing) or release."""

    check = SubmitField("check")
    release = SubmitField("release")
    lines = FieldList(FormField(PackedLineForm), min_entries=0, max_entries=MAX_LINES)


@bp.get("/packing")
@login_required(Role.MERCHANT)
def packing_queue() -> Page:
    """The orders ready to pack that this enterprise packs, oldest first."""
    with runtime().transaction() as db:
        queue = ceb.packing_queue(db, current_actor())
        return render_template(
            "merchant/packing_queue.html",
            queue=queue,
            units={x.id: sum(line["qty"] for line in x.lines) for x in queue},
        )


@bp.get("/packing/<int:inventory_id>")
@login_required(Role.MERCHANT)
def packing(inventory_id: int) -> Page:
    """One order at the station: its lines, a code box per line, check and release."""
    return _station(inventory_id, None, None, {}, 200)


@bp.post("/packing/<int:inventory_id>")
@login_required(Role.MERCHANT)
def pack(inventory_id: int) -> Page | Response:
    """Check the scans (nothing written) or release the order with them (all or nothing)."""
    _packable(inventory_id)
    form = PackingForm()
    if not form.validate():
        return _station(inventory_id, form, form_problem(form), {}, 400)
    scans = _scans(form)
    if form.check.data:
        return _checked(inventory_id, form, scans)
    rt, actor = runtime(), current_actor()
    try:
        attempt(
            lambda db: ceb.pack(db, actor, rt.ring, inventory_id, scans, rules=zone_rules()),
            str(_("The order could not be released.")),
        )
    except Refused as refused:
        cause = refused.__cause__
        results = _by_code(cause.refusals) if isinstance(cause, PackingRefused) else {}
        return _station(inventory_id, form, refused.message, results, refused.status)
    flash(_("Released: the units are written off and sold to this buyer."))
    return redirect(url_for("desk.packing", inventory_id=inventory_id), code=303)


def _packable(inventory_id: int) -> None:
    """404 for an order this enterprise does not pack, before its form is read."""
    with runtime().transaction() as db:
        ceb.packing_inventory(db, current_actor(), inventory_id)


def _scans(form: PackingForm) -> dict[int, list[str]]:
    scans: dict[int, list[str]] = {}
    for row in form.lines.entries:
        scans.setdefault(int(row.form.gnum.data), []).extend(lines_of(row.form.codes.data))
    return scans


def _checked(inventory_id: int, form: PackingForm, scans: dict[int, list[str]]) -> Page:
    """Every scan answered as the page's script answers it, one after the other (nothing written)."""
    actor, ring = current_actor(), runtime().ring
    results: dict[tuple[int, str], ScanResult] = {}
    with runtime().transaction() as db:
        inventory = ceb.packing_inventory(db, actor, inventory_id)
        wanted = {line["gnum"]: line["qty"] for line in inventory.lines}
        accepted: list[str] = []
        for gnum, urls in scans.items():
            taken = 0
            for url in urls:
                result = ceb.check_scan(db, actor, ring, inventory_id, gnum, url, scanned=accepted)
                if result.ok and taken >= wanted.get(gnum, 0):
                    result = ScanResult(gnum, ceb.PackingProblem.WRONG_COUNT, "more units than declared", url)
                if result.ok:
                    accepted.append(url)
                    taken += 1
                results[(gnum, url.strip())] = result
        for gnum, qty in wanted.items():
            taken = sum(1 for (g, _u), r in results.items() if g == gnum and r.ok)
            if taken != qty:
                short = f"{qty} units declared, {taken} scanned"
                results[(gnum, "")] = ScanResult(gnum, ceb.PackingProblem.WRONG_COUNT, short)
    refused = any(not r.ok for r in results.values())
    message = str(_("Some scans were refused; remove them before the release.")) if refused else None
    return _station(inventory_id, form, message, results, 200)


def _by_code(refusals: list[ScanResult]) -> dict[tuple[int, str], ScanResult]:
    return {(r.gnum, r.url): r for r in refusals}


def _station(
    inventory_id: int,
    form: PackingForm | None,
    error: str | None,
    results: dict[tuple[int, str], ScanResult],
    status: int,
) -> Page:
    with runtime().transaction() as db:
        inventory = ceb.packing_inventory(db, current_actor(), inventory_id)
        if form is None:
            form = PackingForm(formdata=None, data={"lines": _blank_lines(inventory)})
        page = render_template(
            "merchant/packing.html",
            inventory=inventory,
            form=form,
            rows=_rows(db, inventory, form),
            results=results,
            line_refusals=[r for r in results.values() if not r.url],
            problem_words={k: str(v) for k, v in desk_words.PACKING_PROBLEM.items()},
            status_word=desk_words.INVENTORY_STATUS.get(inventory.status, str(inventory.status)),
            reason=_reason,
            error=error,
        )
    return (page, status) if status != 200 else page


def _blank_lines(inventory: CebInventory) -> list[dict[str, Any]]:
    return [{"gnum": line["gnum"], "codes": "\n".join(line.get("codes", []))} for line in inventory.lines]


def _rows(db: Session, inventory: CebInventory, form: PackingForm) -> list[dict[str, Any]]:
    """Each line of the order beside its code box (matched by ``gnum``)."""
    boxes = {int(row.form.gnum.data or 0): row for row in form.lines.entries}
    return [
        {
            "line": line,
            "box": boxes.get(line["gnum"]),
            "price": yuan(line["price_fen"]),
        }
        for line in inventory.lines
    ]


def _reason(result: ScanResult) -> str:
    """Why a scan was refused, in the reader's language (English pages: the domain's precise message)."""
    if get_locale() is not None and str(get_locale().language) == "en":
        return result.message
    word = desk_words.PACKING_PROBLEM.get(str(result.problem))
    return str(word) if word is not None else result.message
