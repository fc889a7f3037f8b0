"""The merchant's zone forms: entry declarations, exits with scanned codes, rectification and returns,
the dashboard's to-do list, and the print proof shown on the page (decoded for real with zxing-cpp)."""

from __future__ import annotations

import re
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from suyuan.runtime import Runtime
from suyuan.trace import complaints, keys, recalls
from suyuan.trace.model import Batch, EntryDeclaration, ExitDeclaration, SoldCode
from suyuan.trace.zone import ledger
from tests.factories import code_urls, id_number, make_batch, make_product, make_world, make_zone_batch
from tests.web.test_desk_products import audit_count, login


def test_an_entry_declaration_makes_batches_and_says_why_a_line_was_refused(
    app: Flask, client: FlaskClient, session: Session, runtime: Runtime
) -> None:
    world = make_world(session, runtime.ring)
    product = make_product(session, world)
    login(app, client)
    assert product.name in client.get("/merchant/entries/new").data.decode()
    data = {
        "reference": "ENT-2026-001",
        "transport_doc": "MAWB 999-1234",
        "lines-0-product_id": str(product.id),
        "lines-0-lot": "L2612A",
        "lines-0-quantity": "120",
        "lines-0-production_date": "2026-03-01",
        "lines-0-expiry_date": "2099-03-01",
        "lines-1-product_id": str(product.id),
        "lines-1-lot": "L2612B",
        "lines-1-quantity": "10",
        "lines-1-expiry_date": "2020-01-01",
    }
    answer = client.post("/merchant/entries/new", data=data)
    assert answer.status_code == 303
    page = client.get(answer.headers["Location"]).data.decode()
    assert 'data-status="partly_accepted"' in page and "部分接受" in page and "待检疫" in page
    assert 'data-refusal="expired"' in page and "已过保质期" in page and ">expired<" not in page
    batch = session.scalars(select(Batch).filter_by(lot="L2612A")).one()
    assert ledger.ledger_report(session, world.merchant_staff, batch.id).in_zone == 120
    batch_page = client.get(f"/merchant/batches/{batch.id}").data.decode()
    assert "尚未通过检疫" in batch_page and "ENT-2026-001" in batch_page
    zone = client.get("/merchant/zone").data.decode()
    assert "ENT-2026-001" in zone and "请通过 API" not in zone and "partly_accepted<" not in zone


def test_entry_forms_refuse_bad_input_in_chinese_and_write_nothing(
    app: Flask, client: FlaskClient, session: Session, runtime: Runtime
) -> None:
    world = make_world(session, runtime.ring)
    mine = make_product(session, world)
    theirs = make_product(session, world, owner="merchant_b")
    login(app, client)
    before = audit_count(session)
    line = {"lines-0-product_id": str(mine.id), "lines-0-lot": "L1", "lines-0-quantity": "5"}
    cases: list[tuple[dict[str, Any], int, str]] = [
        ({"reference": ""} | line, 400, "申报编号"),
        ({"reference": "E1"}, 400, "至少申报一行"),
        ({"reference": "E1"} | line | {"lines-0-product_id": str(theirs.id)}, 400, "选择商品"),
        ({"reference": "E1"} | line | {"lines-0-lot": "L 1☃"}, 400, "批号"),
        ({"reference": "E1"} | line | {"lines-0-quantity": "-3"}, 400, "数量"),
        ({"reference": "E1"} | line | {"lines-0-supplier_country": "ZZ"}, 400, "两位字母"),
    ]
    for data, status, words in cases:
        answer = client.post("/merchant/entries/new", data=data)
        assert answer.status_code == status and words in answer.data.decode(), (
            data,
            answer.data.decode()[-800:],
        )
    assert audit_count(session) == before
    assert session.scalar(select(func.count()).select_from(EntryDeclaration)) == 0
    login(app, client, "officer@test.example")
    assert client.post("/merchant/entries/new", data={"reference": "E1"} | line).status_code == 403


def _exit_form(batch: Batch, urls: list[str], **overrides: str) -> dict[str, str]:
    return {
        "order_no": "QH-0001",
        "platform": "前海跨境购",
        "payment_ref": "ALIPAY-1",
        "waybill_no": "SF-1",
        "payment_amount": f"{298 * len(urls)}.00",
        "buyer_id_number": id_number(7),
        "buyer_name": "陈小红",
        "buyer_address": "深圳市南山区科技园1号",
        "lines-0-batch_id": str(batch.id),
        "lines-0-quantity": str(len(urls)),
        "lines-0-unit_price": "298.00",
        "lines-0-codes": "\r\n".join(urls) + "\r\n",  # as a scanner types them: each code, then Enter
    } | overrides


def test_an_exit_with_scanned_codes_is_written_off_and_its_units_can_come_back(
    app: Flask, client: FlaskClient, session: Session, runtime: Runtime
) -> None:
    world = make_world(session, runtime.ring)
    batch = make_zone_batch(session, world, runtime.ring, quantity=10)
    urls = code_urls(session, runtime.ring, batch)
    login(app, client)
    form = client.get("/merchant/exits/new").data.decode()
    assert 'data-test="exit-form"' in form and "desk_scan.js" in form and batch.lot in form
    answer = client.post("/merchant/exits/new", data=_exit_form(batch, urls[:2]))
    assert answer.status_code == 303
    page = client.get(answer.headers["Location"]).data.decode()
    assert 'data-status="written_off"' in page and "已放行并核销" in page and "陈**" in page
    assert id_number(7) not in page and "陈小红" not in page
    assert session.scalar(select(func.count()).select_from(SoldCode)) == 2
    exit_id = int(answer.headers["Location"].rsplit("/", 1)[1])
    again = client.post("/merchant/exits/new", data=_exit_form(batch, urls[2:3]))
    assert again.status_code == 409 and "该订单号已申报过出区" in again.data.decode()
    back = client.post(
        f"/merchant/exits/{exit_id}/returns", data={"codes": urls[0] + "\n", "reason": "七天无理由退货"}
    )
    assert back.status_code == 303
    assert "1 件商品已退回保税区" in client.get(back.headers["Location"]).data.decode()
    twice = client.post(f"/merchant/exits/{exit_id}/returns", data={"codes": urls[0], "reason": "再退一次"})
    assert twice.status_code == 409 and "不能退货" in twice.data.decode()
    assert ledger.ledger_report(session, world.merchant_staff, batch.id).in_zone == 9


def test_an_exit_the_check_refuses_shows_its_findings_and_is_rectified(
    app: Flask, client: FlaskClient, session: Session, runtime: Runtime
) -> None:
    world = make_world(session, runtime.ring)
    batch = make_zone_batch(session, world, runtime.ring, quantity=10)
    urls = code_urls(session, runtime.ring, batch)
    login(app, client)
    answer = client.post("/merchant/exits/new", data=_exit_form(batch, urls[:2], **{"lines-0-quantity": "3"}))
    assert answer.status_code == 303
    page = client.get(answer.headers["Location"]).data.decode()
    assert 'data-status="rectification_required"' in page and 'data-finding="quantity_mismatch"' in page
    assert "申报数量与扫入的追溯码数量不符" in page and 'data-test="recheck-form"' in page
    exit_id = int(answer.headers["Location"].rsplit("/", 1)[1])
    fixed = {
        "lines-0-batch_id": str(batch.id),
        "lines-0-quantity": "2",
        "lines-0-unit_price": "298.00",
        "lines-0-codes": "\n".join(urls[:2]),
    }
    rechecked = client.post(f"/merchant/exits/{exit_id}/recheck", data=fixed)
    assert rechecked.status_code == 303
    assert 'data-status="written_off"' in client.get(rechecked.headers["Location"]).data.decode()


def test_exit_forms_refuse_hostile_input_and_other_merchants_orders(
    app: Flask, client: FlaskClient, session: Session, runtime: Runtime
) -> None:
    world = make_world(session, runtime.ring)
    batch = make_zone_batch(session, world, runtime.ring, quantity=10)
    theirs = make_zone_batch(session, world, runtime.ring, quantity=5, owner="merchant_b")
    urls = code_urls(session, runtime.ring, batch)
    login(app, client)
    before = audit_count(session)
    cases: list[tuple[dict[str, str], int, str]] = [
        (_exit_form(batch, [urls[0], "not a code <script>"]), 400, "不是追溯码"),
        (_exit_form(batch, urls[:1], buyer_id_number="110105199001010011"), 400, "身份证号"),
        (_exit_form(batch, urls[:1], payment_amount="两百"), 400, "199.00"),
        (_exit_form(batch, urls[:1], **{"lines-0-batch_id": str(theirs.id)}), 404, ""),
        (_exit_form(batch, urls[:1], **{"lines-0-batch_id": "", "lines-0-codes": ""}), 400, "至少为一行扫入"),
        (_exit_form(batch, urls[:1], **{"lines-0-codes": "x" * 90_000}), 400, "追溯码"),
        (
            _exit_form(batch, urls[:1], payment_amount="9999999.00", **{"lines-0-unit_price": "9999999.00"}),
            422,
            "限额",
        ),
    ]
    for data, status, words in cases:
        answer = client.post("/merchant/exits/new", data=data)
        body = answer.data.decode()
        assert answer.status_code in (status, 413) and words in body, (
            status,
            answer.status_code,
            body[-600:],
        )
    assert audit_count(session) == before
    assert session.scalar(select(func.count()).select_from(ExitDeclaration)) == 0
    login(app, client, "staff@b.example")
    own = client.post(
        "/merchant/exits/new", data=_exit_form(theirs, code_urls(session, runtime.ring, theirs)[:1])
    )
    exit_id = int(own.headers["Location"].rsplit("/", 1)[1])
    login(app, client)
    assert client.get(f"/merchant/exits/{exit_id}").status_code == 404
    assert (
        client.post(f"/merchant/exits/{exit_id}/returns", data={"codes": urls[0], "reason": "x"}).status_code
        == 404
    )
    assert client.post(f"/merchant/exits/{exit_id}/recheck", data={}).status_code == 404


def test_the_dashboard_lists_what_to_act_on_next(
    app: Flask, client: FlaskClient, session: Session, runtime: Runtime
) -> None:
    world = make_world(session, runtime.ring)
    make_product(session, world, admit=False)
    waiting = make_zone_batch(session, world, runtime.ring, quantity=5, released=False)
    sold = make_zone_batch(session, world, runtime.ring, quantity=5)
    complaints.file_complaint(
        session, runtime.ring, code_urls(session, runtime.ring, sold)[0], "quality", "味道不对劲"
    )
    recalls.open_recall(session, world.regulator, sold.id, "stop_sale", "抽检不合格")
    session.commit()
    login(app, client)
    page = client.get("/merchant/").data.decode()
    todo = page.split('data-test="todo"', 1)[1].split("</section>", 1)[0]
    assert 'data-todo="complaints"' in todo and "1 条投诉待答复" in todo
    assert 'data-todo="recalls"' in todo and 'href="/merchant/recalls"' in todo
    assert 'data-todo="reports"' in todo and waiting.lot in todo and "尚未通过检疫" in todo
    assert 'data-todo="awaiting"' in todo
    assert 'href="/merchant/products/new"' in page and 'href="/merchant/exits/new"' in page


def test_the_print_proof_is_shown_on_the_page_and_the_proved_file_downloads(
    app: Flask, client: FlaskClient, session: Session, runtime: Runtime
) -> None:
    world = make_world(session, runtime.ring)
    batch = make_batch(session, world, runtime.ring, count=30)
    theirs = make_batch(session, world, runtime.ring, count=5, owner="merchant_b")
    login(app, client)
    labels = client.get(f"/merchant/labels?batch={batch.id}").data.decode()
    assert 'data-test="proof-form"' in labels and "70×37 毫米" in labels
    job = {"batch": str(batch.id), "first": "1", "last": "30", "template": "a4-3x8", "format": "pdf"}
    answer = client.post("/merchant/labels/proof", data=job)
    page = answer.data.decode()
    assert answer.status_code == 200 and "已校验 30/30 个码" in page and 'data-passed="yes"' in page
    assert re.search(r'data-test="proof-pages">2<', page)
    link = re.search(r'href="([^"]+)" data-test="proved-download"', page)
    assert link is not None
    download = client.get(link.group(1).replace("&amp;", "&"))
    assert download.status_code == 200 and download.data.startswith(b"%PDF")
    assert "proved" in download.headers["Content-Disposition"]
    tampered = client.get(
        link.group(1).replace("&amp;", "&").replace("sha256=", "sha256=0").rstrip("0")[:-1] + "00"
    )
    assert tampered.status_code in (400, 409)
    assert client.post("/merchant/labels/proof", data=job | {"batch": str(theirs.id)}).status_code == 404
    out_of_range = client.post("/merchant/labels/proof", data=job | {"last": "31"})
    assert out_of_range.status_code == 400 and "序号" in out_of_range.data.decode()
    svg = client.post("/merchant/labels/proof", data=job | {"format": "svg"})
    assert svg.status_code == 400
    login(app, client, "officer@test.example")
    assert client.post("/merchant/labels/proof", data=job).status_code == 403


def test_a_proof_of_labels_whose_key_was_revoked_fails_and_says_which(
    app: Flask, client: FlaskClient, session: Session, runtime: Runtime
) -> None:
    """Labels that decode but no longer verify (their key was revoked) fail the proof, named on the page."""
    world = make_world(session, runtime.ring)
    batch = make_batch(session, world, runtime.ring, count=3)
    old = keys.active_key(session)
    assert old is not None
    keys.rotate_key(session, world.regulator, runtime.ring)
    keys.revoke_key(session, world.regulator, old.kid, "leaked", runtime.ring)
    session.commit()
    login(app, client)
    job = {"batch": str(batch.id), "first": "1", "last": "3", "template": "a4-3x8", "format": "pdf"}
    answer = client.post("/merchant/labels/proof", data=job)
    page = answer.data.decode()
    assert answer.status_code == 422 and "校验未通过" in page and 'data-passed="no"' in page
    assert f"{batch.lot} / 1" in page and 'data-test="proved-download"' not in page


def test_an_exit_of_disclosed_goods_needs_the_buyers_acceptance_ticked(
    app: Flask, client: FlaskClient, session: Session, runtime: Runtime
) -> None:
    from suyuan.trace.model import AdmissionStatus

    world = make_world(session, runtime.ring)
    batch = make_zone_batch(session, world, runtime.ring, quantity=10)
    batch.product.admission_status = AdmissionStatus.ADMITTED_WITH_DISCLOSURE
    batch.product.consumer_disclosure = "本品缺少自由销售证明 / lacks a free-sale certificate"
    session.commit()
    urls = code_urls(session, runtime.ring, batch)
    login(app, client)
    form = client.get("/merchant/exits/new").data.decode()
    assert 'data-test="disclosure-accepted"' in form and "买家已确认接受消费者告知书" in form
    refused = client.post("/merchant/exits/new", data=_exit_form(batch, urls[:1]))
    assert refused.status_code == 409 and "须勾选买家已确认接受告知书" in refused.data.decode()
    assert session.scalar(select(func.count()).select_from(ExitDeclaration)) == 0
    accepted = client.post("/merchant/exits/new", data=_exit_form(batch, urls[:1], disclosure_accepted="y"))
    assert accepted.status_code == 303
    assert session.scalar(select(func.count()).select_from(SoldCode)) == 1
