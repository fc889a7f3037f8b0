"""A world in which the vendored CEB samples (tests/data/ceb/) make sense, built through the domain services.

The samples name the platform by USCC ``91310115MA1FAKE00Y``, the seller by customs code ``31229AFK01``,
the zone warehouse by ``31229AFK05`` and two products by GTIN (milk ``9521234543213``, cream
``9521234543220``). This world files exactly those, with released batches and issued codes in the
zone, so every sample can be imported as it is.
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.orm import Session

from suyuan.trace import accounts, batches, issuance, registry
from suyuan.trace.actors import OPERATOR, Actor
from suyuan.trace.ceb import receive
from suyuan.trace.ceb.parties import register_customs_code
from suyuan.trace.ceb.receipts import Receipt
from suyuan.trace.identifiers import complete_uscc
from suyuan.trace.keys import KeyRing
from suyuan.trace.model import Batch, Enterprise, Product
from suyuan.trace.registry import EnterpriseFiling
from suyuan.trace.zone import inspection
from tests.factories import (
    BASE,
    SECRET,
    World,
    clear_for_sale,
    code_urls,
    declare,
    entry_line,
    make_product,
    make_world,
)

DATA = Path(__file__).resolve().parent.parent / "data" / "ceb"
PLATFORM_USCC = "91310115MA1FAKE00Y"
SELLER_CODE = "31229AFK01"
WAREHOUSE_CODE = "31229AFK05"
MILK_GTIN, CREAM_GTIN = "09521234543213", "09521234543220"
BUYER_ID = "310115199001010002"


@dataclass
class CebWorld:
    """The zone world plus the sample's platform (with a staff user), warehouse, products and batches."""

    world: World
    platform: Enterprise
    platform_staff: Actor
    warehouse: Enterprise
    warehouse_staff: Actor
    milk: Product
    cream: Product
    milk_batch: Batch
    cream_batch: Batch
    milk_urls: list[str]
    cream_urls: list[str]


def sample(name: str) -> bytes:
    """The bytes of a vendored sample."""
    return (DATA / name).read_bytes()


def make_ceb_world(
    session: Session, ring: KeyRing, *, cream_disclosure: bool = False, direct_mail: bool = False
) -> CebWorld:
    """The sample's parties and goods: released zone batches of 20 milk tins and 20 cream jars.

    ``direct_mail``: both products are filed for direct mail (9610) and their batches are registered
    directly (never on the zone ledger), as the goods of a 9610 inventory are.
    """
    return add_ceb_parties(
        session, ring, make_world(session, ring), cream_disclosure=cream_disclosure, direct_mail=direct_mail
    )


def add_ceb_parties(
    session: Session,
    ring: KeyRing,
    world: World,
    *,
    cream_disclosure: bool = False,
    direct_mail: bool = False,
) -> CebWorld:
    """The sample's platform, warehouse, customs codes and goods, added to ``world`` (its merchant sells)."""
    mode = {"trade_mode": "direct_mail"} if direct_mail else {}
    platform = _enterprise(session, "platform", PLATFORM_USCC, "示例跨境购物平台")
    warehouse = _enterprise(session, "warehouse", complete_uscc("91440300", "MA5FAKE0"), "示例保税仓储")
    register_customs_code(session, world.regulator, world.merchant.id, SELLER_CODE)
    register_customs_code(session, world.regulator, warehouse.id, WAREHOUSE_CODE)
    platform_staff = _staff(session, platform, "ops@platform.example")
    warehouse_staff = _staff(session, warehouse, "packer@warehouse.example")
    milk = make_product(session, world, gtin=MILK_GTIN, **mode)
    if cream_disclosure:
        cream = make_product(
            session,
            world,
            admit=False,
            gtin=CREAM_GTIN,
            category="cosmetic",
            hs_code="3304990099",
            documents=(),
        )
        registry.decide_admission(
            session,
            world.regulator,
            cream.id,
            admit=True,
            disclosure="本品缺少自由销售证明 / no free-sale certificate",
        )
    else:
        cream = make_product(session, world, gtin=CREAM_GTIN, **mode)
    session.commit()
    make = _direct_mail_batch if direct_mail else _zone_batch
    milk_batch, cream_batch = make(session, world, ring, milk), make(session, world, ring, cream)
    return CebWorld(
        world,
        platform,
        platform_staff,
        warehouse,
        warehouse_staff,
        milk,
        cream,
        milk_batch,
        cream_batch,
        code_urls(session, ring, milk_batch),
        code_urls(session, ring, cream_batch),
    )


def _enterprise(session: Session, kind: str, uscc: str, name: str) -> Enterprise:
    return registry.file_enterprise(
        session,
        OPERATOR,
        EnterpriseFiling(kind=kind, name=name, name_en=name, uscc=uscc, office_code="SZ-QH"),
    )


def _staff(session: Session, enterprise: Enterprise, email: str) -> Actor:
    user = accounts.create_user(
        session,
        OPERATOR,
        email=email,
        name=email,
        role="merchant",
        password="password1",
        enterprise_id=enterprise.id,
    )
    session.commit()
    return Actor.for_user(user)


def _zone_batch(session: Session, world: World, ring: KeyRing, product: Product) -> Batch:
    declaration = declare(session, world, entry_line(product, quantity=20))
    batch = declaration.lines[0].batch
    assert batch is not None
    issuance.issue_codes(session, world.merchant_staff, ring, batch.id, 20, BASE)
    clear_for_sale(session, world, batch)
    return batch


def _direct_mail_batch(session: Session, world: World, ring: KeyRing, product: Product) -> Batch:
    """A released direct-mail (9610) lot of 20 with its codes: registered directly, never on the ledger."""
    batch = batches.register_batch(
        session, world.merchant_staff, product.id, lot=f"DM{product.id}", quantity=20
    )
    issuance.issue_codes(session, world.merchant_staff, ring, batch.id, 20, BASE)
    inspection.release_batch(session, world.regulator, batch.id)
    session.commit()
    return batch


def send(session: Session, raw: bytes, actor: Actor = OPERATOR) -> Receipt:
    """Receive one message in its own unit of work, as the API and the CLI do."""
    try:
        receipt = receive(session, actor, raw, secret=SECRET)
    except Exception:
        session.rollback()
        raise
    session.commit()
    return receipt


def variant(raw: bytes, *replacements: tuple[str, str], new_guid: bool = True) -> bytes:
    """A sample with text replaced and (by default) a fresh message guid, so it is a new message."""
    text = raw.decode("utf-8")
    for old, new in replacements:
        assert old in text, old
        text = text.replace(old, new)
    if new_guid:
        counter = next(_GUIDS)
        text = re.sub(r'(Message xmlns:ceb="[^"]+" guid=")[^"]{36}', rf"\g<1>{counter:036d}", text, count=1)
    return text.encode("utf-8")


_GUIDS = itertools.count(1)


def the_three(session: Session) -> list[Receipt]:
    """Order, payment and waybill of the sample order."""
    return [
        send(session, sample(name))
        for name in ("CEB311Message.xml", "CEB411Message.xml", "CEB511Message.xml")
    ]
