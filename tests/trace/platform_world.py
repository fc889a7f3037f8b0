"""Two platforms selling the sample seller's goods, for the platform's read-only view (issue 14).

Platform P (the samples' platform) has the sample order (milk and cream), packed and released: two milk
tins and one cream jar were sold on it. Platform Q has one order of milk and honey, not packed yet.
A fourth product is sold on neither. Each has a zone batch; the office recalls cream, honey and the
unsold product, and publishes warnings about honey (by HS prefix), cream (by product), milk (by batch)
and about nothing in particular. A consumer complains about the cream jar sold on P and about a milk
tin never sold.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from suyuan.trace import ceb, complaints, recalls, registry, risk_warnings
from suyuan.trace.actors import OPERATOR, Actor
from suyuan.trace.identifiers import complete_gtin, complete_uscc
from suyuan.trace.keys import KeyRing
from suyuan.trace.model import Batch, CebInventory, Complaint, Enterprise, Recall, RiskWarning
from suyuan.trace.registry import EnterpriseFiling
from suyuan.trace.risk_warnings import WarningFiling
from tests.factories import make_zone_batch
from tests.trace.ceb_world import CebWorld, make_ceb_world, sample, send, the_three, variant

Q_USCC = complete_uscc("91440300", "MA5FAKE2")
HONEY_GTIN = complete_gtin("952123454323")  # GTIN-14; orders carry it as GTIN-13
Q_ORDER = "FKORD202511200009"


@dataclass
class PlatformWorld:
    """The CEB world with a second platform, a third and a fourth product, recalls, warnings, complaints."""

    cw: CebWorld
    q: Enterprise
    q_staff: Actor
    honey_batch: Batch
    unsold_batch: Batch
    recalls: dict[str, Recall]
    warnings: dict[str, RiskWarning]
    complaints: dict[str, Complaint]
    inventory: CebInventory


def make_platform_world(session: Session, ring: KeyRing) -> PlatformWorld:
    """P's order released, Q's order placed, and the office's records about the goods (see above)."""
    cw = make_ceb_world(session, ring)
    world = cw.world
    honey_batch = make_zone_batch(session, world, ring, quantity=10, gtin=HONEY_GTIN, hs_code="0409000000")
    unsold_batch = make_zone_batch(session, world, ring, quantity=10, hs_code="2106909090")
    q = registry.file_enterprise(
        session,
        OPERATOR,
        EnterpriseFiling(
            kind="platform", name="另一个跨境平台", name_en="Q", uscc=Q_USCC, office_code="SZ-QH"
        ),
    )
    q_staff = staff_of(session, q, "ops@q-platform.example")
    inventory = _release_the_sample_order(session, ring, cw)
    q_order = variant(
        sample("CEB311Message.xml"),
        ("91310115MA1FAKE00Y", Q_USCC),
        ("FKORD202511200001", Q_ORDER),
        ("<ceb:barCode>9521234543220", f"<ceb:barCode>{HONEY_GTIN[1:]}"),
    )
    assert send(session, q_order, q_staff).status == 120
    office = world.regulator
    recalled = {
        name: recalls.open_recall(session, office, batch.id, "recall", f"{name} 检出问题", "请停止销售")
        for name, batch in (("cream", cw.cream_batch), ("honey", honey_batch), ("unsold", unsold_batch))
    }
    warned = {
        name: risk_warnings.publish_warning(session, office, filing)
        for name, filing in (
            ("honey", WarningFiling(level="warning", title="蜂蜜类风险", body="注意", hs_prefix="0409")),
            ("cream", WarningFiling(level="notice", title="面霜风险", body="注意", product_id=cw.cream.id)),
            (
                "milk",
                WarningFiling(level="danger", title="奶粉批次风险", body="注意", batch_id=cw.milk_batch.id),
            ),
            ("general", WarningFiling(level="notice", title="一般提示", body="注意")),
        )
    }
    filed = {
        name: complaints.file_complaint(
            session, ring, url, "quality", f"{name}：包装破损，有异味。", contact="c@x.cn"
        )
        for name, url in (("cream", cw.cream_urls[0]), ("milk", cw.milk_urls[10]))
    }
    session.commit()
    return PlatformWorld(cw, q, q_staff, honey_batch, unsold_batch, recalled, warned, filed, inventory)


def staff_of(session: Session, enterprise: Enterprise, email: str) -> Actor:
    """A signed-up user of the enterprise (password ``password1``)."""
    from suyuan.trace import accounts

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


def _release_the_sample_order(session: Session, ring: KeyRing, cw: CebWorld) -> CebInventory:
    """P's sample order matched and packed: milk_urls[:2] and cream_urls[:1] sold on P."""
    the_three(session)
    assert send(session, sample("CEB621Message.xml")).status == 399
    inventory = session.scalars(select(CebInventory)).one()
    ceb.pack(session, cw.warehouse_staff, ring, inventory.id, {1: cw.milk_urls[:2], 2: cw.cream_urls[:1]})
    session.commit()
    return inventory
