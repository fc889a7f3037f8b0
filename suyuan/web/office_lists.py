"""The officer's supervision lists (R12, R13, R15): the positive list, the key-supervision list and the
negative list on one page, with adding and withdrawing entries.

``/regulator/lists`` shows the office's positive and key-supervision entries and every negative-list rule
(the negative list is one for all offices: :func:`suyuan.trace.negative_list.find_match` reads every active
rule). Entries are added and withdrawn with a reason, each confirmed first
(:func:`suyuan.web.office_desk.decide`); a withdrawn entry stays on the page, greyed, with who withdrew it,
when and why. The positive and key-supervision entries carry that on their row; a negative-list rule
keeps no such columns, so who and when are read from its audit entry. The rules are
:mod:`suyuan.trace.supervision_lists`' and :mod:`suyuan.trace.negative_list`'s.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime

from flask import Blueprint, render_template, url_for
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.wrappers import Response
from wtforms import SelectField, StringField, TextAreaField
from wtforms.validators import InputRequired, Length

from suyuan.trace import negative_list, supervision_lists
from suyuan.trace.errors import NotFound
from suyuan.trace.model import (
    AuditEntry,
    GoodsCondition,
    ListKind,
    ListMatch,
    NegativeListEntry,
    NegativeRuleKind,
    ProductCategory,
    Role,
)
from suyuan.web import office_labels, runtime
from suyuan.web.auth import current_actor, login_required
from suyuan.web.office_desk import OfficeForm, Page, confirm_page, decide, with_status

bp = Blueprint("office_lists", __name__, url_prefix="/regulator/lists")
office_labels.install(bp)
REASON = [InputRequired(), Length(min=1, max=2000)]


class EntryForm(OfficeForm):
    """An entry of the positive or key-supervision list: goods by HS prefix or by category, and why."""

    list_kind = SelectField("list_kind", choices=[k.value for k in ListKind])
    match = SelectField("match", choices=[m.value for m in ListMatch])
    hs_prefix = StringField("hs_prefix", validators=[Length(max=13)])
    product_category = SelectField(
        "product_category", choices=[c.value for c in ProductCategory], validate_choice=False
    )
    reason = TextAreaField("reason", validators=[Length(max=2000)])

    def value(self) -> str:
        """What the entry names: the HS prefix typed, or the category chosen (the domain checks both)."""
        if self.match.data == ListMatch.HS_PREFIX:
            return self.hs_prefix.data or ""
        return self.product_category.data or ""


class NegativeForm(OfficeForm):
    """A negative-list rule: its category (N1-N8), how it matches, the value and the reason."""

    category = SelectField("category", choices=list(negative_list.CATEGORIES))
    kind = SelectField("kind", choices=[k.value for k in NegativeRuleKind])
    value = StringField("value", validators=[Length(max=100)])
    reason = TextAreaField("reason", validators=REASON)

    def rule_value(self) -> str:
        """The value typed; a condition rule has one value only (used goods), filled in here."""
        if self.kind.data == NegativeRuleKind.CONDITION:
            return GoodsCondition.USED.value
        return self.value.data or ""


class WithdrawalForm(OfficeForm):
    """Why an entry is withdrawn (kept with the entry and in the audit log)."""

    reason = TextAreaField("reason", validators=REASON)


@dataclass(frozen=True)
class Withdrawal:
    """Who withdrew a negative-list rule, when and why, from its audit entry."""

    at: datetime
    by: str
    note: str


@bp.get("")
@login_required(Role.REGULATOR)
def desk() -> Page:
    """The three lists, withdrawn entries greyed, with the forms that add and withdraw."""
    return _page(None, 200)


@bp.post("/entries")
@login_required(Role.REGULATOR)
def add_entry() -> Page | Response:
    """Add an entry to the office's positive or key-supervision list (confirmed first)."""
    form = EntryForm(prefix="entry")
    kind = ListKind(form.list_kind.data) if form.list_kind.data in set(ListKind) else None
    return decide(
        form,
        act=lambda db: supervision_lists.add_entry(
            db,
            current_actor(),
            list_kind=form.list_kind.data,
            match=form.match.data,
            value=form.value(),
            reason=form.reason.data or "",
        ),
        confirm=lambda: confirm_page(
            form,
            title=_("Confirm the list entry"),
            action=url_for("office_lists.add_entry"),
            facts=[
                (_("Which list"), office_labels.word(kind)),
                (_("Goods"), _goods_in_words(form.match.data, form.value())),
                (_("Reason"), form.reason.data or "—"),
            ],
            consequence=_(
                "Filings of your office's merchants are judged against the list at once: goods on the "
                "key-supervision list, or outside a positive list, are sampled as key supervision and "
                "need a passed inspection before release."
            ),
            back=url_for("office_lists.desk"),
        ),
        again=lambda error, status: _page(error, status, entry_form=form),
        done=url_for("office_lists.desk"),
        message=_("The entry is on the list."),
    )


@bp.post("/entries/<int:list_entry_id>/withdraw")
@login_required(Role.REGULATOR)
def withdraw_entry(list_entry_id: int) -> Page | Response:
    """Withdraw an entry of the office's list, with the reason (confirmed first); it stays on record."""
    label = _entry_label(list_entry_id)  # another office's entry: 404 before the form is read
    form = WithdrawalForm(prefix=f"withdraw-{list_entry_id}")
    return decide(
        form,
        act=lambda db: supervision_lists.withdraw_entry(
            db, current_actor(), list_entry_id, form.reason.data or ""
        ),
        confirm=lambda: confirm_page(
            form,
            title=_("Confirm the withdrawal from the list"),
            action=url_for("office_lists.withdraw_entry", list_entry_id=list_entry_id),
            facts=[(_("List entry"), label), (_("Reason"), form.reason.data or "")],
            consequence=_("The entry no longer applies to any filing; it stays on record, withdrawn."),
            back=url_for("office_lists.desk"),
        ),
        again=lambda error, status: _page(error, status),
        done=url_for("office_lists.desk"),
        message=_("The entry is withdrawn."),
    )


@bp.post("/negative")
@login_required(Role.REGULATOR)
def add_negative() -> Page | Response:
    """Add a negative-list rule (confirmed first): matching goods are refused at filing and admission."""
    form = NegativeForm(prefix="negative")
    kind = NegativeRuleKind(form.kind.data) if form.kind.data in set(NegativeRuleKind) else None
    return decide(
        form,
        act=lambda db: negative_list.add_entry(
            db,
            current_actor(),
            category=form.category.data,
            kind=form.kind.data,
            value=form.rule_value(),
            reason=form.reason.data or "",
        ),
        confirm=lambda: confirm_page(
            form,
            title=_("Confirm the negative-list rule"),
            action=url_for("office_lists.add_negative"),
            facts=[
                (_("Negative list category"), form.category.data),
                (_("Matched by"), office_labels.word(kind)),
                (_("Entry value"), "—" if kind is NegativeRuleKind.CONDITION else form.value.data or "—"),
                (_("Reason"), form.reason.data or ""),
            ],
            consequence=_(
                "The negative list applies in every office: new filings of matching goods are refused."
            ),
            back=url_for("office_lists.desk"),
        ),
        again=lambda error, status: _page(error, status, negative_form=form),
        done=url_for("office_lists.desk"),
        message=_("The rule is on the negative list."),
    )


@bp.post("/negative/<int:rule_id>/withdraw")
@login_required(Role.REGULATOR)
def withdraw_negative(rule_id: int) -> Page | Response:
    """Withdraw a negative-list rule, with the reason (confirmed first); it stays on record."""
    label = _rule_label(rule_id)  # unknown rule: 404 before the form is read
    form = WithdrawalForm(prefix=f"withdraw-negative-{rule_id}")
    return decide(
        form,
        act=lambda db: supervision_lists.withdraw_negative_entry(
            db, current_actor(), rule_id, form.reason.data or ""
        ),
        confirm=lambda: confirm_page(
            form,
            title=_("Confirm the withdrawal from the negative list"),
            action=url_for("office_lists.withdraw_negative", rule_id=rule_id),
            facts=[(_("Negative-list rule"), label), (_("Reason"), form.reason.data or "")],
            consequence=_(
                "Goods matching only this rule may be filed and admitted again, in every office; the rule "
                "stays on record, withdrawn."
            ),
            back=url_for("office_lists.desk"),
        ),
        again=lambda error, status: _page(error, status),
        done=url_for("office_lists.desk"),
        message=_("The rule is withdrawn."),
    )


def _goods_in_words(match: str, value: str) -> str:
    """What a list entry names, in words: "HS code prefix: 0402" or "Product category: Food"."""
    if match == ListMatch.CATEGORY and value in set(ProductCategory):
        label, shown = _("Product category"), office_labels.word(ProductCategory(value))
    else:
        label, shown = _("HS code prefix"), value or "—"
    return str(_("%(label)s: %(value)s", label=label, value=shown))


def _entry_label(list_entry_id: int) -> str:
    with runtime().transaction() as db:
        entries = supervision_lists.list_entries(db, current_actor())
        entry = next((e for e in entries if e.id == list_entry_id), None)
        if entry is None:
            raise NotFound(f"list entry {list_entry_id} does not exist")
        return f"{office_labels.word(entry.list_kind)} · {_goods_in_words(entry.match, entry.value)}"


def _rule_label(rule_id: int) -> str:
    with runtime().transaction() as db:
        rule = db.get(NegativeListEntry, rule_id)
        if rule is None:
            raise NotFound(f"negative-list rule {rule_id} does not exist")
        return f"{rule.category} · {office_labels.word(rule.kind)} · {_rule_value(rule)}"


def _rule_value(rule: NegativeListEntry) -> str:
    """A rule's value as read: a condition rule's only value (used goods) is said by its kind."""
    return "" if rule.kind is NegativeRuleKind.CONDITION else rule.value


def negative_withdrawals(db: Session, rules: list[NegativeListEntry]) -> dict[int, Withdrawal]:
    """Who withdrew each withdrawn rule, when and why: its ``negative_list.deactivated`` audit entry."""
    subjects = {f"negative_list:{r.id}": r.id for r in rules if not r.active}
    if not subjects:
        return {}
    stmt = (
        select(AuditEntry)
        .where(AuditEntry.action == "negative_list.deactivated", AuditEntry.subject.in_(subjects))
        .order_by(AuditEntry.seq)
    )
    found: dict[int, Withdrawal] = {}
    for entry in db.scalars(stmt):
        payload = json.loads(entry.payload or "{}")
        note = payload.get("note", "") if isinstance(payload, dict) else ""
        found[subjects[entry.subject]] = Withdrawal(entry.at, entry.actor, str(note or ""))
    return found


def _page(
    error: str | None,
    status: int,
    *,
    entry_form: EntryForm | None = None,
    negative_form: NegativeForm | None = None,
) -> Page:
    actor = current_actor()
    with runtime().transaction() as db:
        entries = supervision_lists.list_entries(db, actor)
        rules = list(db.scalars(select(NegativeListEntry).order_by(NegativeListEntry.id)))
        page = render_template(
            "office/lists.html",
            lists={kind: [e for e in entries if e.list_kind is kind] for kind in ListKind},
            rules=rules,
            withdrawals=negative_withdrawals(db, rules),
            goods=_goods_in_words,
            rule_value=_rule_value,
            entry_form=entry_form or EntryForm(prefix="entry", formdata=None),
            negative_form=negative_form or NegativeForm(prefix="negative", formdata=None),
            list_kinds=list(ListKind),
            matches=list(ListMatch),
            categories=list(ProductCategory),
            rule_kinds=list(NegativeRuleKind),
            negative_categories=negative_list.CATEGORIES,
            error=error,
        )
    return with_status(page, status)
