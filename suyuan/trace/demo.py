"""The demo world: a Shenzhen office, its enterprises (with the documents of their filings), suppliers,
products, batches and codes, and one consignment that went through the bonded zone (entry, quarantine,
report review, orders, a return).

Loading is idempotent: a second run finds the office and only reports what exists. Demo API tokens
are derived from the instance secret (HMAC), so every run prints the same tokens while the database
still stores only their hashes.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from suyuan.trace import (
    accounts,
    batches,
    complaints,
    enterprise_documents,
    issuance,
    keys,
    negative_list,
    registry,
)
from suyuan.trace.actors import OPERATOR, Actor
from suyuan.trace.codes import code_base
from suyuan.trace.identifiers import complete_gtin, complete_uscc
from suyuan.trace.model import ApiToken, Batch, Enterprise, Office, Product, User
from suyuan.trace.registry import DocumentFiling, EnterpriseFiling, ProductFiling
from suyuan.trace.zone import entry, exits, inspection, returns
from suyuan.trace.zone.entry import EntryFiling, EntryLineFiling
from suyuan.trace.zone.exits import Buyer, ExitFiling, ExitLineFiling
from suyuan.trace.zone.inspection import ReportFiling

OFFICE_CODE = "SZ-QH"
DEMO_PASSWORD = "suyuan-demo"
CODES_PER_BATCH = 200

ENTERPRISES = {
    "merchant": (
        "merchant",
        "深圳前海环球优选跨境贸易有限公司",
        "Qianhai Global Select Trading Co.",
        "91440300",
        "MA5F1QH1",
    ),
    "merchant_b": (
        "merchant",
        "深圳湾澳新进口商贸有限公司",
        "Shenzhen Bay ANZ Imports Co.",
        "91440300",
        "MA5G2KB2",
    ),
    "platform": (
        "platform",
        "前海跨境购电子商务平台有限公司",
        "Qianhai CrossBuy Platform Co.",
        "91440300",
        "MA5H3PT3",
    ),
    "warehouse": (
        "warehouse",
        "前海湾保税港区物流仓储有限公司",
        "Qianhai Bay Bonded Logistics Co.",
        "91440300",
        "MA5J4WH4",
    ),
}

NEGATIVE_LIST = [
    ("N6", "condition", "used", "废旧物品不得入区（SZ 第十条第六项）"),
    ("N3", "hs_prefix", "2837", "氰化物属危险化学品（SZ 第十条第三项）"),
    ("N4", "keyword", "blood", "人体血液及血液制品（SZ 第十条第四项）"),
    ("N4", "keyword", "血液", "人体血液及血液制品（SZ 第十条第四项）"),
    ("N5", "keyword", "radioactive", "放射性物品（SZ 第十条第五项）"),
    ("N2", "hs_prefix", "0207", "未获检疫准入的禽肉（SZ 第十条第二项）"),
]


def _valid(years: int = 2) -> date:
    return date.today() + timedelta(days=365 * years)


def _docs(*kinds: str) -> tuple[DocumentFiling, ...]:
    return tuple(
        DocumentFiling(
            kind=k,
            number=f"{k[:3].upper()}-2026-{i:04d}",
            issuer="SGS",
            issued_on=date(2026, 3, 1),
            valid_until=_valid(),
        )
        for i, k in enumerate(kinds, start=1)
    )


FOOD_DOCS = (
    "food_producer_registration",
    "free_sale_certificate",
    "certificate_of_origin",
    "test_report",
    "third_party_test_report",
)
COSMETIC_DOCS = ("free_sale_certificate", "certificate_of_origin", "test_report", "third_party_test_report")


@dataclass(frozen=True)
class DemoProduct:
    """One demo product filing and what happens to it."""

    owner: str
    filing: ProductFiling
    decision: str  # "admit", "disclose", "refused", "pending"
    lot: str = ""
    release: bool = True


def _products() -> list[DemoProduct]:
    def p(
        owner: str,
        payload: str,
        name: str,
        name_en: str,
        hs: str,
        category: str,
        origin: str,
        supplier: tuple[str, str],
        docs: tuple[DocumentFiling, ...],
        decision: str,
        lot: str = "",
        release: bool = True,
        **extra: Any,
    ) -> DemoProduct:
        filing = ProductFiling(
            gtin=complete_gtin(payload),
            name=name,
            name_en=name_en,
            hs_code=hs,
            category=category,
            manufacturer=supplier[0],
            origin_country=origin,
            supplier_name=supplier[0],
            supplier_country=supplier[1],
            documents=docs,
            **extra,
        )
        return DemoProduct(owner, filing, decision, lot, release)

    nz, fr, jp, de, au, kr = (
        ("Aotearoa Dairy Export Ltd", "NZ"),
        ("Maison Belle Cosmétiques SAS", "FR"),
        ("Kyoto Home Appliances KK", "JP"),
        ("Bavaria Holzspielwaren GmbH", "DE"),
        ("Sydney Wellness Pty Ltd", "AU"),
        ("Seoul Glow Beauty Co.", "KR"),
    )
    return [
        p(
            "merchant",
            "942123456001",
            "新西兰A2婴幼儿配方奶粉 3段 900g",
            "Infant formula stage 3, 900 g",
            "1901101000",
            "food",
            "NZ",
            nz,
            _docs(*FOOD_DOCS),
            "admit",
            "L2611A",
            brand="Aotearoa",
            main_ingredients="全脂乳粉, 乳清蛋白, 乳糖 / whole milk powder, whey protein, lactose",
            standards="GB 10767-2021",
            in_food_registration_catalogue=True,
        ),
        p(
            "merchant",
            "942123456002",
            "麦卢卡蜂蜜 UMF10+ 250g",
            "Manuka honey UMF10+ 250 g",
            "0409000000",
            "food",
            "NZ",
            nz,
            _docs("food_producer_registration", "certificate_of_origin"),
            "disclose",
            "L2611B",
            in_food_registration_catalogue=True,
        ),
        p(
            "merchant",
            "376012345001",
            "玫瑰保湿面霜 50ml",
            "Rose moisturising cream 50 ml",
            "3304990099",
            "cosmetic",
            "FR",
            fr,
            _docs(*COSMETIC_DOCS),
            "admit",
            "L2611C",
            brand="Maison Belle",
        ),
        p(
            "merchant",
            "490123456001",
            "负离子吹风机 1200W",
            "Ionic hair dryer 1200 W",
            "8516310000",
            "appliance",
            "JP",
            jp,
            _docs("ccc_certificate", "third_party_test_report"),
            "admit",
            "L2611D",
            in_ccc_catalogue=True,
            performance_indicators="220V 50Hz 1200W",
            standards="GB 4706.15-2008",
        ),
        p(
            "merchant",
            "400123456001",
            "榉木积木玩具 100块",
            "Beech wood building blocks, 100 pcs",
            "9503006000",
            "toy",
            "DE",
            de,
            _docs("third_party_test_report"),
            "admit",
            "L2611E",
            standards="GB 6675-2014",
        ),
        p(
            "merchant",
            "930123456001",
            "复合维生素软胶囊 60粒",
            "Multivitamin soft capsules, 60",
            "2106909090",
            "food",
            "AU",
            au,
            _docs(*FOOD_DOCS),
            "admit",
            "L2611F",
            in_food_registration_catalogue=True,
        ),
        p(
            "merchant",
            "930123456002",
            "二手名牌手袋",
            "Pre-owned designer handbag",
            "4202210000",
            "general",
            "AU",
            au,
            (),
            "refused",
            condition="used",
        ),
        p(
            "merchant_b",
            "880123456001",
            "积雪草舒缓面膜 10片",
            "Centella soothing sheet mask, 10",
            "3304990099",
            "cosmetic",
            "KR",
            kr,
            _docs(*COSMETIC_DOCS),
            "admit",
            "L2611G",
        ),
        p(
            "merchant_b",
            "880123456002",
            "防晒霜 SPF50+ 50ml",
            "Sunscreen SPF50+ 50 ml",
            "3304990091",
            "cosmetic",
            "KR",
            kr,
            _docs(*COSMETIC_DOCS),
            "admit",
            "L2611Z",
            release=False,  # still in the bonded zone: its codes scan as suspect (not_released)
        ),
        p(
            "merchant_b",
            "942123456003",
            "羊毛被 200x230cm",
            "Wool duvet 200x230 cm",
            "9404909000",
            "textile",
            "NZ",
            nz,
            (),
            "pending",
        ),
    ]


def load_demo(session: Session, ring: keys.KeyRing, *, base_url: str, secret: str) -> dict[str, Any]:
    """Create the demo world if absent and describe it (DESIGN.md §5 ``demo --json``)."""
    office = session.scalar(select(Office).filter_by(code=OFFICE_CODE))
    if office is None:
        _build(session, ring, base_url, secret)
    return describe(session, ring, base_url=base_url, secret=secret)


def _build(session: Session, ring: keys.KeyRing, base_url: str, secret: str) -> None:
    office = Office(
        code=OFFICE_CODE,
        name="深圳海关前海办事处",
        name_en="Shenzhen Customs, Qianhai Office",
        region="CN-GD Shenzhen",
    )
    session.add(office)
    session.flush()
    if keys.active_key(session) is None:
        keys.create_key(session, OPERATOR, ring)
    for category, kind, value, reason in NEGATIVE_LIST:
        negative_list.add_entry(session, OPERATOR, category=category, kind=kind, value=value, reason=reason)
    enterprises = {
        key: registry.file_enterprise(
            session,
            OPERATOR,
            EnterpriseFiling(
                kind=kind,
                name=name,
                name_en=name_en,
                uscc=complete_uscc(prefix, body),
                office_code=OFFICE_CODE,
            ),
        )
        for key, (kind, name, name_en, prefix, body) in ENTERPRISES.items()
    }
    regulator = accounts.create_user(
        session,
        OPERATOR,
        email="officer@qianhai.example",
        name="王检 Wang Jian",
        role="regulator",
        password=DEMO_PASSWORD,
        office_id=office.id,
        admin=True,  # the office's administrator: shows user management in the demo
    )
    users = {"regulator": regulator}
    for key in ("merchant", "merchant_b"):
        users[key] = accounts.create_user(
            session,
            OPERATOR,
            email=f"{key.replace('_', '-')}@shop.example",
            name=enterprises[key].name_en,
            role="merchant",
            password=DEMO_PASSWORD,
            enterprise_id=enterprises[key].id,
            admin=True,  # each merchant's administrator: may invite its staff
        )
    officer = Actor.for_user(regulator)
    _filing_documents_demo(session, officer, Actor.for_user(users["merchant"]), enterprises)
    base = code_base(base_url)
    for demo in _products():
        _file_demo_product(session, ring, officer, users[demo.owner], enterprises[demo.owner], demo, base)
    _zone_demo(
        session, ring, officer, Actor.for_user(users["merchant"]), enterprises["merchant"], base, secret
    )
    _complaints_demo(session, ring, officer, Actor.for_user(users["merchant"]), base)
    _recalls_demo(session, officer, Actor.for_user(users["merchant"]))
    _rectification_demo(session, officer, Actor.for_user(users["merchant"]), enterprises["merchant"])


# What each demo enterprise has on file (R6): the merchant lacks its recall system, the second merchant has
# only its licence, the platform is complete and the warehouse has nothing yet, so every state shows.
DEMO_FILINGS: dict[str, tuple[tuple[str, str], ...]] = {
    "merchant": (
        ("business_licence", "营业执照（副本）.pdf"),
        ("quality_commitment", "质量安全承诺书（已签署）.pdf"),
        ("quality_management_system", "质量安全管理制度.pdf"),
        ("traceability_system", "质量追溯制度.pdf"),
    ),
    "merchant_b": (("business_licence", "营业执照.pdf"),),
    "platform": (
        ("business_licence", "营业执照.pdf"),
        ("quality_commitment", "质量安全承诺书.pdf"),
        ("quality_supervision_system", "平台质量监督制度.pdf"),
        ("pre_listing_review_system", "商品信息预先审核制度.pdf"),
        ("information_disclosure_system", "信息披露制度.pdf"),
        ("first_inquiry_system", "首问负责与先行赔付制度.pdf"),
    ),
    "warehouse": (),
}


def _filing_documents_demo(
    session: Session, officer: Actor, merchant: Actor, enterprises: dict[str, Enterprise]
) -> None:
    """The documents of the demo filings: the first merchant's staff put its own on file, the office the
    others' (a one-page PDF each, naming the document)."""
    for key, documents in DEMO_FILINGS.items():
        by = merchant if key == "merchant" else officer
        for kind, name in documents:
            upload = enterprise_documents.DocumentUpload(kind, name, _demo_pdf(f"{kind} of demo {key}"))
            enterprise_documents.add_document(session, by, enterprises[key].id, upload)


def _demo_pdf(text: str) -> bytes:
    """A one-page PDF showing ``text`` (ASCII) in Helvetica: enough for a viewer to open."""
    content = f"BT /F1 18 Tf 72 760 Td ({text}) Tj ET".encode("ascii")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] "
        b"/Resources << /Font << /F1 4 0 R >> >> /Contents 5 0 R >>",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        b"<< /Length %d >>\nstream\n%s\nendstream" % (len(content), content),
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


def _complaints_demo(
    session: Session, ring: keys.KeyRing, officer: Actor, merchant: Actor, base: str
) -> None:
    """Three consumer complaints: one with a contact, one about a fake code, one the merchant answered."""

    def url(lot: str, serial: int) -> str:
        batch = session.scalars(select(Batch).filter_by(lot=lot)).one()
        return next(
            iter(issuance.code_urls(session, ring, batch, issuance.SerialRange(serial, serial), base))
        )

    def file(code: str, category: str, text: str, device: str, region: str, contact: str = "") -> int:
        return complaints.file_complaint(
            session, ring, code, category, text, contact, device_hash=device, region=region
        ).id

    file(
        url("L2611A", 7),
        "quality",
        "奶粉结块，冲泡后有异味。",
        "demo-device-1",
        "CN-GD",
        contact="138 0013 8000",
    )
    fake = url("L2611C", 3).replace("/10/L2611C/", "/10/L2699X/")  # a lot never issued: signature fails
    file(
        fake,
        "suspected_fake",
        "网店买的面霜，扫码显示假冒。",
        "demo-device-2",
        "CN-BJ",
    )
    answered = file(url("L2611D", 5), "labelling", "说明书没有中文。", "demo-device-3", "CN-SH")
    complaints.set_status(session, officer, answered, "triaged")
    complaints.answer_complaint(session, merchant, answered, "中文说明书已寄出，请查收。")


def _zone_demo(
    session: Session,
    ring: keys.KeyRing,
    officer: Actor,
    merchant: Actor,
    enterprise: Enterprise,
    base: str,
    secret: str,
) -> None:
    """A consignment through the zone: entry (one line refused), quarantine, report, release, orders."""
    formula = session.scalar(
        select(Product).filter_by(enterprise_id=enterprise.id, gtin=complete_gtin("942123456001"))
    )
    assert formula is not None
    line = EntryLineFiling(
        gtin=formula.gtin,
        lot="L2612A",
        quantity=1000,
        supplier_name=formula.supplier.name,
        supplier_country=formula.supplier.country,
        production_date=date.today() - timedelta(days=60),
        expiry_date=_valid(),
    )
    unfiled = EntryLineFiling(complete_gtin("942123456099"), "L2612X", 50, formula.supplier.name, "NZ")
    declaration = entry.declare_entry(
        session, merchant, enterprise.id, EntryFiling("BL-QH-2612-001", (line, unfiled), "COSU 6230001234")
    )
    batch = declaration.lines[0].batch
    assert batch is not None
    inspection.record_quarantine(
        session, officer, declaration.id, outcome="passed", note="documents and goods"
    )
    report = inspection.submit_report(
        session,
        merchant,
        batch.id,
        ReportFiling(
            "foreign_test_report",
            issuer="SGS New Zealand",
            issued_on=date.today() - timedelta(days=30),
            sha256=hashlib.sha256(b"demo test report L2612A").hexdigest(),
            number="SGS-NZ-2612-0042",
        ),
    )
    inspection.review_report(session, officer, report.id, accept=True)
    issuance.issue_codes(session, merchant, ring, batch.id, CODES_PER_BATCH, base)
    inspection.release_batch(session, officer, batch.id)
    urls = list(issuance.code_urls(session, ring, batch, issuance.SerialRange(1, 6), base))
    buyers = [
        ("110105199001010010", "陈小红", "深圳市南山区科技园1号"),
        ("11010519491231002X", "刘建国", "北京市海淀区2号"),
    ]
    orders = []
    for n, (first, last, buyer) in enumerate(
        [(0, 2, buyers[0]), (2, 3, buyers[1]), (3, 5, buyers[0])], start=1
    ):
        orders.append(
            exits.declare_exit(
                session,
                merchant,
                ring,
                ExitFiling(
                    order_no=f"QH-DEMO-{n:04d}",
                    payment_ref=f"ALIPAY-DEMO-{n:04d}",
                    waybill_no=f"SF-DEMO-{n:04d}",
                    payment_amount=str(298 * (last - first)),
                    buyer=Buyer(*buyer),
                    lines=(ExitLineFiling(batch.id, last - first, "298.00", tuple(urls[first:last])),),
                    platform="前海跨境购",
                ),
                secret=secret,
            )
        )
    returns.record_return(session, merchant, orders[0].id, urls[1:2], "包装破损")


def _file_demo_product(
    session: Session,
    ring: keys.KeyRing,
    officer: Actor,
    owner: User,
    enterprise: Enterprise,
    demo: DemoProduct,
    base: str,
) -> None:
    merchant = Actor.for_user(owner)
    product = registry.file_product(session, merchant, enterprise.id, demo.filing)
    if demo.decision in ("refused", "pending"):
        return
    disclose = demo.decision == "disclose"
    registry.decide_admission(
        session,
        officer,
        product.id,
        admit=True,
        disclosure="本品未提供原产国自由销售证明和检测报告，请知悉相关风险后购买。" if disclose else None,
        disclosure_en="This product lacks a free-sale certificate and a test report; "
        "buy only if you accept this risk."
        if disclose
        else None,
    )
    batch = batches.register_batch(
        session,
        merchant,
        product.id,
        lot=demo.lot,
        quantity=5000,
        production_date=date(2026, 9, 1),
        expiry_date=date(2028, 8, 31),
    )
    issuance.issue_codes(session, merchant, ring, batch.id, CODES_PER_BATCH, base)
    if demo.release:
        inspection.release_batch(session, officer, batch.id)


def demo_token(secret: str, who: str) -> str:
    """The stable demo token of ``who``, derived from the instance secret."""
    digest = hmac.new(secret.encode(), f"suyuan-demo-token:{who}".encode(), hashlib.sha256).hexdigest()
    return f"{accounts.TOKEN_PREFIX}demo_{digest[:40]}"


def _ensure_token(session: Session, user: User, plain: str) -> None:
    if session.scalar(select(ApiToken).filter_by(token_hash=accounts.hash_token(plain))) is None:
        session.add(
            ApiToken(user_id=user.id, name="demo", token_hash=accounts.hash_token(plain), prefix=plain[:10])
        )
        session.flush()


def describe(session: Session, ring: keys.KeyRing, *, base_url: str, secret: str) -> dict[str, Any]:
    """The demo's logins, tokens, batches and a few sample codes."""
    emails = {
        "regulator": "officer@qianhai.example",
        "merchant": "merchant@shop.example",
        "merchant_b": "merchant-b@shop.example",
    }
    tokens, owners = {}, {}
    for who, email in emails.items():
        user = session.scalar(select(User).filter_by(email=email))
        if user is None:
            continue
        tokens[who] = demo_token(secret, who)
        _ensure_token(session, user, tokens[who])
        if user.enterprise_id is not None:
            owners[user.enterprise_id] = who
    rows = session.scalars(select(Batch).join(Product).order_by(Batch.id)).all()
    base = code_base(base_url)
    batches_out = [
        {
            "id": b.id,
            "gtin": b.gtin,
            "lot": b.lot,
            "merchant": owners.get(b.product.enterprise_id, ""),
            "product": b.product.name,
            "status": b.status.value,
        }
        for b in rows
    ]
    samples: list[str] = []
    for batch in rows[:4]:
        serials = issuance.issued_range(session, batch.id, 1, 3)
        samples.extend(issuance.code_urls(session, ring, batch, serials, base))
    return {
        "base_url": base_url,
        "tokens": tokens,
        "logins": {who: {"email": e, "password": DEMO_PASSWORD} for who, e in emails.items()},
        "batches": batches_out,
        "sample_codes": samples,
    }


def _recalls_demo(session: Session, officer: Actor, merchant: Actor) -> None:
    """A published risk warning, and the merchant's voluntary stop-sale of the wooden blocks (L2611E).

    L2611E is none of the batches whose sample codes the demo prints, so those stay genuine.
    """
    from suyuan.trace import recalls, risk_warnings

    risk_warnings.publish_warning(
        session,
        officer,
        risk_warnings.WarningFiling(
            level="warning",
            title="警惕仿冒婴幼儿配方奶粉溯源标签",
            body="近期发现网店销售贴有仿冒溯源码的婴幼儿配方奶粉。"
            "购买前请扫码核验，显示“假冒”或“可疑”的请勿食用并向 12360 举报。",
            title_en="Beware of fake traceability labels on infant formula",
            body_en="Infant formula with copied traceability labels is sold online. Scan before you buy; "
            "if the result is counterfeit or suspect, do not use it and report it to 12360.",
            hs_prefix="1901",
        ),
    )
    blocks = session.scalars(select(Batch).filter_by(lot="L2611E")).one()
    recalls.open_recall(
        session,
        merchant,
        blocks.id,
        "stop_sale",
        "部分积木边角毛刺超标，正在复检。",
        "暂停销售；已购买的请暂勿给三岁以下儿童使用，等待复检结果。",
        instructions_en="Sales are stopped. If you bought it, keep it away from children under three "
        "until the re-test result is published.",
        reason_en="Rough edges on some blocks; they are being re-tested.",
        internal_reason="自检抽样 12 件中 3 件边角毛刺超过 GB 6675.2 限值；送 SGS 复检。",
    )


def _rectification_demo(session: Session, officer: Actor, merchant: Actor, enterprise: Enterprise) -> None:
    """A responsibility interview with the merchant and a rectification order it reported on and the office
    accepted (R52): closed, so it never turns overdue and the demo merchant is not under strict inspection."""
    from suyuan.trace import rectification

    today = rectification.beijing_today()
    rectification.record_interview(
        session,
        officer,
        enterprise.id,
        rectification.InterviewRecord(
            held_on=today,
            place="前海办事处 3 楼会议室",
            participants="王检（前海办事处）；企业质量负责人",
            matter="近期消费者投诉集中反映奶粉外包装中文标签不全。",
            commitments="一周内为库存商品补贴中文标签，并提交整改报告。",
        ),
    )
    order = rectification.issue_order(
        session,
        officer,
        enterprise.id,
        rectification.OrderTerms(
            matter="进口奶粉外包装中文标签缺少生产日期与保质期。",
            requirements="为区内库存全部补贴中文标签，报送整改前后照片。",
            deadline=today + timedelta(days=7),
        ),
    )
    report = rectification.submit_report(session, merchant, order.id, "已为区内库存全部补贴中文标签。")
    rectification.review_report(session, officer, report.id, accept=True)
