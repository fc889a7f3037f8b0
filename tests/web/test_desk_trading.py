"""The merchant's forms offer only products that may trade (admitted, neither the admission nor the
filing suspended or revoked: ``Product.may_trade``), and refuse one posted anyway with the reason,
writing nothing; the entry page shows each quarantine scope's result in words, in Beijing time."""

from __future__ import annotations

import re
from datetime import UTC, datetime

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from suyuan.runtime import Runtime
from suyuan.trace import sanctions
from suyuan.trace.model import Batch, EntryDeclaration, ExitDeclaration, Issuance
from suyuan.trace.zone import inspection
from tests.factories import (
    code_urls,
    declare,
    entry_line,
    id_number,
    make_product,
    make_world,
    make_zone_batch,
)
from tests.web.test_desk_products import audit_count, login


def rows(session: Session, model: type) -> int:
    session.expire_all()
    return int(session.scalar(select(func.count()).select_from(model)) or 0)


def options(page: str, name: str) -> set[str]:
    """The option values of the select named ``name`` on the page."""
    select_html = re.search(rf'<select[^>]*name="{re.escape(name)}"[^>]*>(.*?)</select>', page, re.S)
    assert select_html is not None, name
    return set(re.findall(r'<option value="([^"]*)"', select_html.group(1)))


def test_a_suspended_product_is_offered_on_no_form_and_refused_when_posted(
    app: Flask, client: FlaskClient, session: Session, runtime: Runtime
) -> None:
    world = make_world(session, runtime.ring)
    trading = make_zone_batch(session, world, runtime.ring, quantity=10, codes=5, name="可售的蜂蜜")
    suspended = make_zone_batch(session, world, runtime.ring, quantity=10, codes=5, name="暂停的奶粉")
    sanctions.sanction_product(session, world.regulator, suspended.product_id, "suspend", "lab failure")
    session.commit()
    login(app, client)

    entry_form = client.get("/merchant/entries/new").data.decode()
    offered = options(entry_form, "lines-0-product_id")
    assert str(trading.product_id) in offered and str(suspended.product_id) not in offered
    exit_form = client.get("/merchant/exits/new").data.decode()
    offered = options(exit_form, "lines-0-batch_id")
    assert str(trading.id) in offered and str(suspended.id) not in offered
    product_page = client.get(f"/merchant/products/{suspended.product_id}").data.decode()
    assert 'data-test="batch-form"' not in product_page and 'data-test="not-trading"' in product_page
    assert "暂停" in product_page
    batch_page = client.get(f"/merchant/batches/{suspended.id}").data.decode()
    assert 'data-test="issue-form"' not in batch_page and 'data-test="not-trading"' in batch_page
    assert 'data-test="issue-form"' in client.get(f"/merchant/batches/{trading.id}").data.decode()

    before = (audit_count(session), rows(session, EntryDeclaration), rows(session, Batch))
    before += (rows(session, Issuance), rows(session, ExitDeclaration))
    posted = [
        (
            "/merchant/entries/new",
            {
                "reference": "ENT-SUSP",
                "lines-0-product_id": str(suspended.product_id),
                "lines-0-lot": "S1",
                "lines-0-quantity": "5",
            },
        ),
        (f"/merchant/products/{suspended.product_id}/batches", {"lot": "S2", "quantity": "5"}),
        (f"/merchant/batches/{suspended.id}/codes", {"count": "1"}),
        (
            "/merchant/exits/new",
            {
                "order_no": "ORD-SUSP",
                "payment_ref": "PAY-1",
                "waybill_no": "WB-1",
                "payment_amount": "10.00",
                "buyer_id_number": id_number(3),
                "buyer_name": "王小明",
                "lines-0-batch_id": str(suspended.id),
                "lines-0-quantity": "1",
                "lines-0-unit_price": "10.00",
                "lines-0-codes": code_urls(session, runtime.ring, suspended)[0],
            },
        ),
    ]
    for url, data in posted:
        answer = client.post(url, data=data)
        assert answer.status_code == 409, (url, answer.status_code)
        assert "暂停或撤销" in answer.data.decode(), (url, answer.data.decode()[-600:])
    after = (audit_count(session), rows(session, EntryDeclaration), rows(session, Batch))
    after += (rows(session, Issuance), rows(session, ExitDeclaration))
    assert after == before


def test_a_suspended_filing_offers_no_product_at_all(
    app: Flask, client: FlaskClient, session: Session, runtime: Runtime
) -> None:
    world = make_world(session, runtime.ring)
    product = make_product(session, world, name="可售的蜂蜜")
    sanctions.sanction_enterprise(session, world.regulator, world.merchant.id, "suspend", "no reply")
    session.commit()
    login(app, client)
    page = client.get("/merchant/entries/new").data.decode()
    assert options(page, "lines-0-product_id") <= {""} and product.name not in page
    assert 'data-test="not-trading"' in client.get(f"/merchant/products/{product.id}").data.decode()


def test_the_merchants_entry_page_shows_each_quarantine_scope_in_words_and_beijing_time(
    app: Flask, client: FlaskClient, session: Session, runtime: Runtime
) -> None:
    world = make_world(session, runtime.ring)
    declaration = declare(session, world, entry_line(make_product(session, world)))
    inspection.require_quarantine_scopes(
        session, world.regulator, declaration.id, ["goods", "wood_packaging"]
    )
    result = inspection.record_quarantine(
        session,
        world.regulator,
        declaration.id,
        outcome="treated",
        scope="wood_packaging",
        treatment="熏蒸处理",
    )
    result.recorded_at = datetime(2026, 3, 1, 16, 30, tzinfo=UTC)
    session.commit()
    login(app, client)
    page = client.get(f"/merchant/entries/{declaration.id}").data.decode()
    table = page[page.index('data-test="quarantine-scopes"') :]
    wood = re.search(r'<tr data-scope="wood_packaging">(.*?)</tr>', table, re.S)
    goods = re.search(r'<tr data-scope="goods">(.*?)</tr>', table, re.S)
    container = re.search(r'<tr data-scope="container">(.*?)</tr>', table, re.S)
    assert wood and goods and container
    assert "木质包装" in wood.group(1) and "处理后合格" in wood.group(1) and "熏蒸处理" in wood.group(1)
    assert "2026-03-02 00:30" in wood.group(1)  # 16:30 UTC is half past midnight in Beijing
    assert "商品" in goods.group(1) and "待登记结果" in goods.group(1)
    assert "集装箱" in container.group(1) and "无须检疫" in container.group(1)
    assert ">wood_packaging<" not in page and ">treated<" not in page and ">goods<" not in page
