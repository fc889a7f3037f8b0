"""What every handler of one received message shares: the unit of work, who sent it, the policy, the clock.

A small module of its own so that the per-document handlers and the intake that dispatches to them do
not import each other.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import NamedTuple

from sqlalchemy.orm import Session

from suyuan.trace.actors import Actor
from suyuan.trace.ceb.parsing import Envelope
from suyuan.trace.ceb.parties import Party
from suyuan.trace.ceb.receipts import ReturnEntry
from suyuan.trace.model import AdmissionStatus
from suyuan.trace.zone.rules import ZoneRules


class FiledProduct(NamedTuple):
    """What a document's lines read of a merchant's filed product: a plain row, not a tracked object.

    Lines only need the product's id and whether (and how) it is admitted; loading mapped ``Product``
    entities for that was a large share of an import's time (docs/benchmarks.md, "Third round").
    """

    id: int
    gtin: str
    admission_status: AdmissionStatus


@dataclass(frozen=True)
class Context:
    """One received message being processed: ``secret`` keys the buyer and address hashes."""

    session: Session
    actor: Actor
    secret: str
    rules: ZoneRules
    moment: datetime
    message_id: int
    """The received message's row (``ceb_message.id``), which every stored document points to."""
    envelope: Envelope
    products: dict[tuple[int, str], FiledProduct | None] = field(default_factory=dict)
    """Products by (enterprise, GTIN), loaded once per message for all its lines."""
    sellers: dict[tuple[str, str], tuple[Party, Party]] = field(default_factory=dict)
    """(platform, seller) by their codes (``ebpCode``, ``ebcCode``), resolved once per message."""
    item_records: set[tuple[str, str]] = field(default_factory=set)
    """(account book, item record number) pairs already bound to those products, loaded with them."""


@dataclass(frozen=True)
class Answer:
    """One document's answer and whose it is (for the stored receipt's visibility)."""

    entry: ReturnEntry
    subject: str = ""
    merchant_id: int | None = None
    platform_id: int | None = None
    office_id: int | None = None
