"""Matching product filings against the negative list (DOMAIN.md §4), which offices keep as data."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from suyuan.trace import audit
from suyuan.trace.actors import Actor
from suyuan.trace.errors import Duplicate, InvalidInput, NotFound
from suyuan.trace.identifiers import normalize_hs_code
from suyuan.trace.model import GoodsCondition, NegativeListEntry, NegativeRuleKind, Product

CATEGORIES = ("N1", "N2", "N3", "N4", "N5", "N6", "N7", "N8")


def find_match(session: Session, product: Product) -> NegativeListEntry | None:
    """The first active rule that ``product`` matches, most specific (longest HS prefix) first."""
    rules = session.scalars(select(NegativeListEntry).where(NegativeListEntry.active.is_(True))).all()
    for rule in sorted(rules, key=lambda r: (r.kind != NegativeRuleKind.HS_PREFIX, -len(r.value), r.id)):
        if matches(rule, product):
            return rule
    return None


def matches(rule: NegativeListEntry, product: Product) -> bool:
    """Whether one rule catches the product: by HS prefix, keyword in its texts, or its condition."""
    if rule.kind is NegativeRuleKind.HS_PREFIX:
        return product.hs_code.startswith(rule.value)
    if rule.kind is NegativeRuleKind.CONDITION:
        return str(product.condition) == rule.value
    texts = (product.name, product.name_en, product.main_ingredients)
    return any(rule.value.casefold() in t.casefold() for t in texts)


def refusal_reason(rule: NegativeListEntry) -> str:
    """The reason a merchant or officer reads when goods are refused by ``rule``, stored with the filing.

    It is the office's written decision, so it is in Chinese, the language of the record (SZ Art. 10),
    and names the rule in words rather than by its stored kind and value.
    """
    return f"负面清单第 {rule.category} 类（{_rule_in_words(rule)}）：{rule.reason}"


def _rule_in_words(rule: NegativeListEntry) -> str:
    if rule.kind is NegativeRuleKind.HS_PREFIX:
        return f"商品编码以 {rule.value} 开头"
    if rule.kind is NegativeRuleKind.KEYWORD:
        return f"名称或成分含“{rule.value}”"
    return "旧品、二手或废旧物品"  # the one condition (``used``)


def add_entry(
    session: Session, actor: Actor, *, category: str, kind: str, value: str, reason: str
) -> NegativeListEntry:
    """Add a rule (regulators only); HS prefixes are 2-10 digits, conditions are ``used``."""
    actor.require_regulator()
    rule_kind = _rule_kind(kind)
    value = _rule_value(rule_kind, value)
    if category not in CATEGORIES:
        raise InvalidInput(f"category must be one of {', '.join(CATEGORIES)}", field="category")
    if not reason.strip():
        raise InvalidInput("a negative-list entry needs a reason", field="reason")
    if session.scalar(select(NegativeListEntry).filter_by(kind=rule_kind, value=value)):
        raise Duplicate(f"the negative list already has {kind} {value!r}")
    entry = NegativeListEntry(
        category=category, kind=rule_kind, value=value, reason=reason.strip(), office_id=actor.office_id
    )
    session.add(entry)
    session.flush()
    audit.record(
        session,
        actor=actor.label,
        action="negative_list.added",
        subject=f"negative_list:{entry.id}",
        payload={"category": category, "kind": kind, "value": value, "reason": entry.reason},
    )
    return entry


def deactivate_entry(session: Session, actor: Actor, entry_id: int) -> NegativeListEntry:
    """Withdraw a rule; it stays on record (and in the audit log) but no longer matches."""
    actor.require_regulator()
    entry = session.get(NegativeListEntry, entry_id)
    if entry is None:
        raise NotFound(f"negative-list entry {entry_id} does not exist")
    entry.active = False
    audit.record(
        session,
        actor=actor.label,
        action="negative_list.deactivated",
        subject=f"negative_list:{entry.id}",
        payload={},
    )
    return entry


def _rule_kind(kind: str) -> NegativeRuleKind:
    try:
        return NegativeRuleKind(kind)
    except ValueError:
        kinds = ", ".join(k.value for k in NegativeRuleKind)
        raise InvalidInput(f"kind must be one of {kinds}", field="kind") from None


def _rule_value(kind: NegativeRuleKind, value: str) -> str:
    value = value.strip()
    if kind is NegativeRuleKind.HS_PREFIX:
        if not (value.isascii() and value.isdigit() and 2 <= len(value) <= 10):
            raise InvalidInput("an HS prefix is 2-10 digits", field="value")
        if len(value) in (6, 8, 10):
            normalize_hs_code(value)
        return value
    if kind is NegativeRuleKind.CONDITION:
        if value not in (GoodsCondition.USED.value,):
            raise InvalidInput("the only condition rule is 'used'", field="value")
        return value
    if not 2 <= len(value) <= 100:
        raise InvalidInput("a keyword is 2-100 characters", field="value")
    return value
