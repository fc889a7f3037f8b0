"""The pages where each party acts on issue 15's supervision: the officer's risk-information desk, lists and
supervised warehouses, the merchant's risk self-reports and warehouse choice, and the CLI's risk recall.

Each page renders for its role and is refused to the others and to other offices; each form works end to
end (the state in the database changes and an audit entry is written); hostile input answers 4xx with a
Chinese message and writes nothing.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from suyuan.runtime import Runtime
from suyuan.trace import risk_intake, supervision_lists
from suyuan.trace.identifiers import complete_gtin
from suyuan.trace.model import (
    AuditEntry,
    Batch,
    BatchStatus,
    DisposalKind,
    NegativeListEntry,
    Product,
    Recall,
    RiskDisposal,
    RiskInformation,
    RiskInfoStatus,
    RiskWarning,
    SpotCheck,
    SupervisedWarehouse,
    SupervisionListEntry,
)
from suyuan.trace.risk_intake import RiskReport
from suyuan.trace.zone import warehouses
from tests.factories import (
    World,
    declare,
    entry_line,
    make_enterprise,
    make_product,
    make_second_office,
    make_world,
    make_zone_batch,
)

ZH = {"Accept-Language": "zh-CN,zh;q=0.9"}
CHINESE = re.compile(r"[\u4e00-\u9fff]")
NOT_IN_REMIT = "在本办事处的监管范围内没有该记录。"
OTHER_INFORMATION = (
    "其他信息：最多 20 项，每项名称不超过 50 个字母、数字、汉字、_ 或 -，内容为一行、不超过 500 个字符。"
)


def login(app: Flask, client: FlaskClient, email: str = "officer@test.example") -> None:
    app.config["WTF_CSRF_ENABLED"] = False
    assert client.post("/login", data={"email": email, "password": "password1"}).status_code == 302


def audit_length(session: Session) -> int:
    session.expire_all()
    return int(session.scalar(select(func.count()).select_from(AuditEntry)) or 0)


def count(session: Session, model: type[Any]) -> int:
    session.expire_all()
    return int(session.scalar(select(func.count()).select_from(model)) or 0)


def batch_status(session: Session, batch: Batch) -> BatchStatus:
    session.expire_all()
    return session.scalars(select(Batch.status).filter_by(id=batch.id)).one()


def confirm_twice(client: FlaskClient, url: str, data: dict[str, str], prefix: str) -> Any:
    """Post the form, check the confirmation page, then post it confirmed; the second answer."""
    first = client.post(url, data=data, headers=ZH)
    page = first.get_data(as_text=True)
    assert first.status_code == 200 and 'data-test="confirm"' in page, page
    assert f'name="{prefix}-confirmed" value="yes"' in page
    return client.post(url, data=data | {f"{prefix}-confirmed": "yes"}, headers=ZH)


def refusal(response: Any) -> str:
    """The Chinese sentence a refused form shows."""
    page = response.get_data(as_text=True)
    found = re.search(r'data-test="error">([^<]+)<', page)
    assert found, page
    assert CHINESE.search(found[1]), found[1]
    return found[1]


def information(session: Session, world: World, batch: Batch | None = None, **fields: Any) -> RiskInformation:
    report = RiskReport(
        source=fields.pop("source", "incident"),
        title=fields.pop("title", "婴儿奶粉疑似污染"),
        description=fields.pop("description", "海外媒体报道同一生产线产品检出异物。"),
        batch_id=batch.id if batch else None,
        **fields,
    )
    info = risk_intake.record_information(session, world.regulator, report)
    session.commit()
    return info


# --- the officer's risk-information desk -----------------------------------------------------------------


def test_the_officer_records_assesses_and_turns_information_into_three_linked_measures(
    app: Flask, client: FlaskClient, session: Session, runtime: Runtime
) -> None:
    world = make_world(session, runtime.ring)
    batch = make_zone_batch(session, world, runtime.ring, quantity=10)
    login(app, client)
    assert 'data-nav="risk"' in client.get("/regulator/risk", headers=ZH).get_data(as_text=True)
    assert client.get("/regulator/risk/new", headers=ZH).status_code == 200
    before = audit_length(session)
    made = client.post(
        "/regulator/risk/new",
        data={
            "info-source": "foreign_notification",
            "info-title": "新西兰召回同批原料",
            "info-description": "新西兰初级产业部通报：原料检出蜡样芽孢杆菌。",
            "info-reference": "MPI-2026-17",
            "info-batch_id": str(batch.id),
        },
        headers=ZH,
    )
    assert made.status_code == 303
    info = session.scalars(select(RiskInformation)).one()
    assert made.headers["Location"].endswith(f"/regulator/risk/{info.id}")
    assert info.batch_id == batch.id and info.status is RiskInfoStatus.RECEIVED
    assert audit_length(session) == before + 1
    page = client.get(f"/regulator/risk/{info.id}", headers=ZH).get_data(as_text=True)
    assert "境外通报" in page and "新西兰召回同批原料" in page and 'data-test="assess-first"' in page

    assessed = client.post(
        f"/regulator/risk/{info.id}/assessment",
        data={"assess-level": "high", "assess-rationale": "同一原料批次，婴幼儿食品，风险高。"},
        headers=ZH,
    )
    assert assessed.status_code == 303
    session.expire_all()
    assert info.status is RiskInfoStatus.ASSESSED and info.assessments[-1].level.value == "high"
    page = client.get(f"/regulator/risk/{info.id}", headers=ZH).get_data(as_text=True)
    assert "高风险" in page and 'data-test="warning-form"' in page

    warned = confirm_twice(
        client,
        f"/regulator/risk/{info.id}/warning",
        {
            "warning-level": "danger",
            "warning-title": "某品牌婴儿奶粉风险警示",
            "warning-body": "请暂停食用并联系商家。",
            "warning-sampling_factor": "3",
            "warning-require_inspection": "y",
        },
        "warning",
    )
    assert warned.status_code == 303
    warning = session.scalars(select(RiskWarning)).one()
    assert warning.batch_id == batch.id and warning.sampling_factor == 3 and warning.require_inspection

    checked = confirm_twice(
        client, f"/regulator/risk/{info.id}/spot-check", {"check-note": "按通报抽检"}, "check"
    )
    assert checked.status_code == 303
    check = session.scalars(select(SpotCheck)).one()
    assert check.batch_id == batch.id

    recall = {
        "recall-kind": "recall",
        "recall-reason": "原料疑似污染，主动召回。",
        "recall-instructions": "请退回购买渠道。",
    }
    first = client.post(f"/regulator/risk/{info.id}/recall", data=recall, headers=ZH)
    assert first.status_code == 200 and 'data-test="confirm"' in first.get_data(as_text=True)
    session.expire_all()
    assert count(session, Recall) == 0 and batch_status(session, batch) is BatchStatus.RELEASED
    done = client.post(
        f"/regulator/risk/{info.id}/recall", data=recall | {"recall-confirmed": "yes"}, headers=ZH
    )
    assert done.status_code == 303
    opened = session.scalars(select(Recall)).one()
    assert batch_status(session, batch) is BatchStatus.RECALLED

    links = {(d.kind, d.target_id) for d in session.scalars(select(RiskDisposal))}
    assert links == {
        (DisposalKind.WARNING, warning.id),
        (DisposalKind.SPOT_CHECK, check.id),
        (DisposalKind.RECALL, opened.id),
    }
    page = client.get(f"/regulator/risk/{info.id}", headers=ZH).get_data(as_text=True)
    measures = page.split('data-test="measures"', 1)[1].split("</table>", 1)[0]
    assert f'href="/regulator/spot-checks/{check.id}"' in measures
    assert f'href="/regulator/recalls/{opened.id}"' in measures
    assert 'href="/regulator/warnings"' in measures and "某品牌婴儿奶粉风险警示" in measures


def test_the_list_filters_by_status_and_source_newest_first(
    app: Flask, client: FlaskClient, session: Session, runtime: Runtime
) -> None:
    world = make_world(session, runtime.ring)
    incident = information(session, world, title="商场火灾后货物受损")
    foreign = information(session, world, source="foreign_notification", title="日本通报化妆品重金属超标")
    risk_intake.assess(session, world.regulator, foreign.id, level="medium", rationale="需核查")
    session.commit()
    login(app, client)
    everything = client.get("/regulator/risk", headers=ZH).get_data(as_text=True)
    assert everything.index("日本通报化妆品重金属超标") < everything.index("商场火灾后货物受损")
    assessed = client.get("/regulator/risk?status=assessed", headers=ZH).get_data(as_text=True)
    assert f'data-information="{foreign.id}"' in assessed
    assert f'data-information="{incident.id}"' not in assessed
    incidents = client.get("/regulator/risk?source=incident", headers=ZH).get_data(as_text=True)
    assert f'data-information="{incident.id}"' in incidents
    assert f'data-information="{foreign.id}"' not in incidents
    bad = client.get("/regulator/risk?status=shredded", headers=ZH)
    assert bad.status_code == 400 and refusal(bad) == "筛选条件无效。"


def test_measures_wait_for_an_assessment_and_a_batch(
    app: Flask, client: FlaskClient, session: Session, runtime: Runtime
) -> None:
    world = make_world(session, runtime.ring)
    batch = make_zone_batch(session, world, runtime.ring, quantity=5)
    with_batch = information(session, world, batch)
    without = information(session, world, title="无批次的通报")
    risk_intake.assess(session, world.regulator, without.id, level="low", rationale="信息不足")
    session.commit()
    other = make_zone_batch(session, make_second_office(session), runtime.ring, quantity=2)
    login(app, client)
    before = audit_length(session)
    early = client.post(
        f"/regulator/risk/{with_batch.id}/recall",
        data={"recall-kind": "recall", "recall-reason": "x", "recall-confirmed": "yes"},
        headers=ZH,
    )
    assert early.status_code == 409 and "未作任何更改" in refusal(early)
    nameless = client.post(f"/regulator/risk/{without.id}/spot-check", data={"check-note": "x"}, headers=ZH)
    assert nameless.status_code == 400 and refusal(nameless) == "本条风险信息未指明批次，请填写批次号。"
    for hostile, status in (("99999999999999", 400), ("-1", 400), ("abc", 400), ("987654", 404)):
        answer = client.post(
            f"/regulator/risk/{without.id}/recall",
            data={"recall-batch_id": hostile, "recall-kind": "recall", "recall-reason": "x"},
            headers=ZH,
        )
        assert answer.status_code == status and CHINESE.search(refusal(answer)), hostile
    foreign = client.post(
        f"/regulator/risk/{without.id}/spot-check", data={"check-batch_id": str(other.id)}, headers=ZH
    )
    assert foreign.status_code == 404 and refusal(foreign) == NOT_IN_REMIT
    assert audit_length(session) == before
    assert count(session, Recall) == 0 and count(session, SpotCheck) == 0


def test_another_office_and_merchants_are_refused_the_risk_desk(
    app: Flask, client: FlaskClient, session: Session, runtime: Runtime
) -> None:
    world = make_world(session, runtime.ring)
    make_second_office(session)
    info = information(session, world)
    login(app, client, "officer@nanshan.example")
    assert client.get(f"/regulator/risk/{info.id}").status_code == 404
    listing = client.get("/regulator/risk", headers=ZH).get_data(as_text=True)
    assert info.title not in listing
    before = audit_length(session)
    answer = client.post(
        f"/regulator/risk/{info.id}/assessment", data={"assess-level": "low", "assess-rationale": "x"}
    )
    assert answer.status_code == 404 and audit_length(session) == before
    client.post("/logout")
    login(app, client, "staff@a.example")
    assert client.get("/regulator/risk").status_code == 403
    assert client.get(f"/regulator/risk/{info.id}").status_code == 403


@pytest.mark.parametrize(
    ("data", "status", "message"),
    [
        ({"info-title": "x" * 201}, 400, "请检查“标题”。"),
        ({"info-source": "self_report"}, 400, "请检查“来源”。"),
        ({"info-source": "rumour"}, 400, "请检查“来源”。"),
        ({"info-description": ""}, 400, "请检查“情况说明”。"),
        ({"info-hs_prefix": "12ab"}, 400, "请检查“HS 编码前缀”。"),
        ({"info-batch_id": "-3"}, 400, "请检查“批次编号”。"),
        ({"info-batch_id": "99999999999999"}, 400, "请检查“批次编号”。"),
        ({"info-product_id": "99999999999999"}, 400, "请检查“商品”。"),
        ({"info-product_id": "1e3"}, 400, "请检查“商品”。"),
        ({"info-product_id": "987654"}, 400, "请检查“商品”。"),
        ({"info-batch_id": "987654"}, 400, "请检查“批次编号”。"),
    ],
)
def test_hostile_risk_information_is_refused_in_chinese_and_writes_nothing(
    app: Flask,
    client: FlaskClient,
    session: Session,
    runtime: Runtime,
    data: dict[str, str],
    status: int,
    message: str,
) -> None:
    make_world(session, runtime.ring)
    login(app, client)
    before = audit_length(session)
    form = {"info-source": "incident", "info-title": "标题", "info-description": "说明"} | data
    answer = client.post("/regulator/risk/new", data=form, headers=ZH)
    assert answer.status_code == status
    assert refusal(answer) == message
    assert audit_length(session) == before and count(session, RiskInformation) == 0


def test_the_risk_forms_need_their_csrf_token(
    app: Flask, client: FlaskClient, session: Session, runtime: Runtime
) -> None:
    world = make_world(session, runtime.ring)
    info = information(session, world)
    login(app, client)
    app.config["WTF_CSRF_ENABLED"] = True
    before = audit_length(session)
    posts = [
        ("/regulator/risk/new", {"info-source": "incident", "info-title": "t", "info-description": "d"}),
        (f"/regulator/risk/{info.id}/assessment", {"assess-level": "low", "assess-rationale": "r"}),
        (
            "/regulator/lists/entries",
            {"entry-list_kind": "positive", "entry-match": "hs_prefix", "entry-hs_prefix": "04"},
        ),
    ]
    for url, data in posts:
        answer = client.post(url, data=data, headers=ZH)
        assert answer.status_code == 400 and 'data-test="confirm"' not in answer.get_data(as_text=True)
    assert audit_length(session) == before


# --- the merchant's risk self-reports ----------------------------------------------------------------------


def test_a_merchant_self_reports_and_follows_the_assessment(
    app: Flask, client: FlaskClient, session: Session, runtime: Runtime
) -> None:
    world = make_world(session, runtime.ring)
    batch = make_zone_batch(session, world, runtime.ring, quantity=5)
    login(app, client, "staff@a.example")
    page = client.get("/merchant/risk", headers=ZH).get_data(as_text=True)
    assert 'data-nav="risk"' in page and 'data-test="self-report-form"' in page
    assert f'<option value="{batch.id}">' in page
    before = audit_length(session)
    filed = client.post(
        "/merchant/risk",
        data={
            "title": "部分罐体密封不良",
            "description": "仓库自查发现 3 罐封口松动。",
            "reference": "QA-0042",
            "batch_id": str(batch.id),
        },
        headers=ZH,
    )
    assert filed.status_code == 303
    info = session.scalars(select(RiskInformation)).one()
    assert filed.headers["Location"].endswith(f"/merchant/risk/{info.id}")
    assert info.source.value == "self_report" and info.enterprise_id == world.merchant.id
    assert info.office_id == world.office.id and audit_length(session) == before + 1
    mine = client.get("/merchant/risk", headers=ZH).get_data(as_text=True)
    assert "部分罐体密封不良" in mine and "已接收，待评估" in mine

    risk_intake.assess(session, world.regulator, info.id, level="medium", rationale="限于个别罐体")
    risk_intake.spot_check(session, world.regulator, info.id, None)
    session.commit()
    mine = client.get("/merchant/risk", headers=ZH).get_data(as_text=True)
    assert "已评估" in mine and "中风险" in mine
    detail = client.get(f"/merchant/risk/{info.id}", headers=ZH).get_data(as_text=True)
    assert "限于个别罐体" in detail
    measures = detail.split('data-test="measures"', 1)[1].split("</ul>", 1)[0]
    assert "监督抽检" not in measures  # a planned check stays secret until decided

    client.post("/logout")
    login(app, client)
    office = client.get("/regulator/risk?source=self_report", headers=ZH).get_data(as_text=True)
    assert "部分罐体密封不良" in office and world.merchant.name in office


def test_merchants_read_only_their_own_reports_and_goods(
    app: Flask, client: FlaskClient, session: Session, runtime: Runtime
) -> None:
    world = make_world(session, runtime.ring)
    other_batch = make_zone_batch(session, world, runtime.ring, quantity=5, owner="merchant_b")
    report = risk_intake.record_information(
        session, world.merchant_staff, RiskReport(source="self_report", title="自查", description="说明")
    )
    session.commit()
    login(app, client, "staff@b.example")
    assert client.get(f"/merchant/risk/{report.id}").status_code == 404
    assert "自查" not in client.get("/merchant/risk", headers=ZH).get_data(as_text=True)
    client.post("/logout")
    login(app, client, "staff@a.example")
    before = audit_length(session)
    foreign_goods = client.post(
        "/merchant/risk", data={"title": "t", "description": "d", "batch_id": str(other_batch.id)}, headers=ZH
    )
    assert foreign_goods.status_code == 400 and refusal(foreign_goods) == "请检查“批次”。"
    too_long = client.post("/merchant/risk", data={"title": "t", "description": "长" * 4001}, headers=ZH)
    assert too_long.status_code == 400 and refusal(too_long) == "请检查“发现的情况”。"
    assert audit_length(session) == before and count(session, RiskInformation) == 1
    client.post("/logout")
    login(app, client)
    assert client.get("/merchant/risk").status_code == 403


# --- the officer's lists -----------------------------------------------------------------------------------


def test_the_officer_adds_and_withdraws_list_entries_with_a_reason(
    app: Flask, client: FlaskClient, session: Session, runtime: Runtime
) -> None:
    make_world(session, runtime.ring)
    login(app, client)
    page = client.get("/regulator/lists", headers=ZH).get_data(as_text=True)
    assert "正面清单" in page and "重点监管清单" in page and "负面清单" in page
    before = audit_length(session)
    added = confirm_twice(
        client,
        "/regulator/lists/entries",
        {
            "entry-list_kind": "positive",
            "entry-match": "hs_prefix",
            "entry-hs_prefix": "0402",
            "entry-reason": "乳制品",
        },
        "entry",
    )
    assert added.status_code == 303
    key = confirm_twice(
        client,
        "/regulator/lists/entries",
        {
            "entry-list_kind": "key_supervision",
            "entry-match": "category",
            "entry-product_category": "cosmetic",
        },
        "entry",
    )
    assert key.status_code == 303
    entries = list(session.scalars(select(SupervisionListEntry).order_by(SupervisionListEntry.id)))
    assert [(e.list_kind.value, e.value) for e in entries] == [
        ("positive", "0402"),
        ("key_supervision", "cosmetic"),
    ]
    assert audit_length(session) == before + 2

    url = f"/regulator/lists/entries/{entries[0].id}/withdraw"
    prefix = f"withdraw-{entries[0].id}"
    missing_reason = client.post(url, data={f"{prefix}-confirmed": "yes"}, headers=ZH)
    assert missing_reason.status_code == 400 and refusal(missing_reason) == "请检查“原因”。"
    withdrawn = confirm_twice(client, url, {f"{prefix}-reason": "改由总署清单管理"}, prefix)
    assert withdrawn.status_code == 303
    session.expire_all()
    assert not entries[0].active and entries[0].withdrawal_note == "改由总署清单管理"
    page = client.get("/regulator/lists", headers=ZH).get_data(as_text=True)
    row = page.split(f'data-entry="{entries[0].id}"', 1)[1].split("</tr>", 1)[0]
    assert (
        'class="withdrawn"' in page.split(f'data-entry="{entries[0].id}"', 1)[0][-80:] or "withdrawn" in row
    )
    assert "由 officer@test.example 撤销" in row and "改由总署清单管理" in row
    again = client.post(url, data={f"{prefix}-reason": "再来", f"{prefix}-confirmed": "yes"}, headers=ZH)
    assert again.status_code == 409 and CHINESE.search(refusal(again))


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"entry-list_kind": "favourite"}, "请检查“所属清单”。"),
        ({"entry-match": "colour"}, "请检查“匹配方式”。"),
        ({"entry-hs_prefix": "12ab"}, "请检查“条目内容”。"),
        ({"entry-hs_prefix": "1"}, "请检查“条目内容”。"),
        ({"entry-match": "category", "entry-product_category": "weapons"}, "请检查“条目内容”。"),
        ({"entry-reason": "长" * 2001}, "请检查“原因”。"),
    ],
)
def test_hostile_list_entries_are_refused_and_write_nothing(
    app: Flask, client: FlaskClient, session: Session, runtime: Runtime, data: dict[str, str], message: str
) -> None:
    make_world(session, runtime.ring)
    login(app, client)
    before = audit_length(session)
    form = {"entry-list_kind": "positive", "entry-match": "hs_prefix", "entry-hs_prefix": "0402"} | data
    answer = client.post("/regulator/lists/entries", data=form | {"entry-confirmed": "yes"}, headers=ZH)
    assert answer.status_code == 400 and refusal(answer) == message
    assert audit_length(session) == before and count(session, SupervisionListEntry) == 0


def test_the_negative_list_is_added_to_and_withdrawn_with_who_and_when(
    app: Flask, client: FlaskClient, session: Session, runtime: Runtime
) -> None:
    make_world(session, runtime.ring)
    login(app, client)
    added = confirm_twice(
        client,
        "/regulator/lists/negative",
        {
            "negative-category": "N8",
            "negative-kind": "keyword",
            "negative-value": "电子烟",
            "negative-reason": "禁止进口",
        },
        "negative",
    )
    assert added.status_code == 303
    used = confirm_twice(
        client,
        "/regulator/lists/negative",
        {"negative-category": "N6", "negative-kind": "condition", "negative-reason": "旧品"},
        "negative",
    )
    assert used.status_code == 303
    rule = session.scalars(select(NegativeListEntry).filter_by(value="电子烟")).one()
    prefix = f"withdraw-negative-{rule.id}"
    done = confirm_twice(
        client, f"/regulator/lists/negative/{rule.id}/withdraw", {f"{prefix}-reason": "纳入新目录"}, prefix
    )
    assert done.status_code == 303
    session.expire_all()
    assert not rule.active
    page = client.get("/regulator/lists", headers=ZH).get_data(as_text=True)
    row = page.split(f'data-rule="{rule.id}"', 1)[1].split("</tr>", 1)[0]
    assert "由 officer@test.example 撤销" in row and "纳入新目录" in row
    assert ">used<" not in page and "商品状态（旧品）" in page
    unknown = client.post(
        "/regulator/lists/negative/987654/withdraw", data={"withdraw-negative-987654-reason": "x"}
    )
    assert unknown.status_code == 404
    bad = client.post(
        "/regulator/lists/negative",
        data={
            "negative-category": "N9",
            "negative-kind": "keyword",
            "negative-value": "xx",
            "negative-reason": "r",
        },
        headers=ZH,
    )
    assert bad.status_code == 400 and refusal(bad) == "请检查“负面清单类别”。"


def test_other_offices_and_merchants_cannot_withdraw_an_offices_entry(
    app: Flask, client: FlaskClient, session: Session, runtime: Runtime
) -> None:
    world = make_world(session, runtime.ring)
    make_second_office(session)
    entry = supervision_lists.add_entry(
        session, world.regulator, list_kind="positive", match="hs_prefix", value="0402"
    )
    session.commit()
    login(app, client, "officer@nanshan.example")
    page = client.get("/regulator/lists", headers=ZH).get_data(as_text=True)
    assert f'data-entry="{entry.id}"' not in page
    prefix = f"withdraw-{entry.id}"
    answer = client.post(
        f"/regulator/lists/entries/{entry.id}/withdraw",
        data={f"{prefix}-reason": "x", f"{prefix}-confirmed": "yes"},
    )
    assert answer.status_code == 404
    client.post("/logout")
    login(app, client, "staff@a.example")
    assert client.get("/regulator/lists").status_code == 403
    session.expire_all()
    assert entry.active


# --- supervised warehouses ---------------------------------------------------------------------------------


def test_the_officer_designates_a_warehouse_and_the_merchant_stores_an_entry_there(
    app: Flask, client: FlaskClient, session: Session, runtime: Runtime
) -> None:
    world = make_world(session, runtime.ring)
    depot = make_enterprise(session, kind="warehouse")
    product = make_product(session, world)
    declaration = declare(session, world, entry_line(product, quantity=20))
    login(app, client)
    page = client.get("/regulator/warehouses", headers=ZH).get_data(as_text=True)
    assert f'<option value="{depot.id}">' in page
    before = audit_length(session)
    designated = confirm_twice(
        client,
        "/regulator/warehouses",
        {"designate-enterprise_id": str(depot.id), "designate-address": "前海保税港区 3 号仓"},
        "designate",
    )
    assert designated.status_code == 303 and audit_length(session) == before + 1
    warehouse = session.scalars(select(SupervisedWarehouse)).one()
    assert warehouse.enterprise_id == depot.id and warehouse.address == "前海保税港区 3 号仓"
    not_a_warehouse = client.post(
        "/regulator/warehouses",
        data={"designate-enterprise_id": str(world.merchant.id), "designate-confirmed": "yes"},
        headers=ZH,
    )
    assert not_a_warehouse.status_code == 400 and refusal(not_a_warehouse) == "请检查“企业”。"

    client.post("/logout")
    login(app, client, "staff@a.example")
    entry_page = client.get(f"/merchant/entries/{declaration.id}", headers=ZH).get_data(as_text=True)
    assert "尚未指定" in entry_page and 'data-test="storage-form"' in entry_page
    stored = client.post(
        f"/merchant/entries/{declaration.id}/warehouse", data={"warehouse_id": str(warehouse.id)}, headers=ZH
    )
    assert stored.status_code == 303
    session.expire_all()
    batch = declaration.lines[0].batch
    assert (
        declaration.warehouse_id == warehouse.id and batch is not None and batch.warehouse_id == warehouse.id
    )
    entry_page = client.get(f"/merchant/entries/{declaration.id}", headers=ZH).get_data(as_text=True)
    assert "前海保税港区 3 号仓" in entry_page.split('data-test="stored-in"', 1)[1].split("</dd>", 1)[0]
    for hostile in ("abc", "99999999999", "987654", ""):
        answer = client.post(
            f"/merchant/entries/{declaration.id}/warehouse", data={"warehouse_id": hostile}, headers=ZH
        )
        assert answer.status_code == 400 and CHINESE.search(refusal(answer))

    client.post("/logout")
    login(app, client)
    prefix = f"withdraw-{warehouse.id}"
    withdrawn = confirm_twice(client, f"/regulator/warehouses/{warehouse.id}/withdraw", {}, prefix)
    assert withdrawn.status_code == 303
    session.expire_all()
    assert not warehouse.active
    page = client.get("/regulator/warehouses", headers=ZH).get_data(as_text=True)
    assert "由 officer@test.example 撤销" in page.split(f'data-warehouse="{warehouse.id}"', 1)[1]
    client.post("/logout")
    login(app, client, "staff@a.example")
    late = client.post(
        f"/merchant/entries/{declaration.id}/warehouse", data={"warehouse_id": str(warehouse.id)}, headers=ZH
    )
    assert late.status_code == 409 and CHINESE.search(refusal(late))


def test_warehouse_pages_are_refused_outside_the_office(
    app: Flask, client: FlaskClient, session: Session, runtime: Runtime
) -> None:
    world = make_world(session, runtime.ring)
    make_second_office(session)
    depot = make_enterprise(session, kind="warehouse")
    warehouse = warehouses.designate_warehouse(session, world.regulator, depot.id)
    declaration = declare(session, world, entry_line(make_product(session, world), quantity=5))
    session.commit()
    login(app, client, "officer@nanshan.example")
    assert depot.name not in client.get("/regulator/warehouses", headers=ZH).get_data(as_text=True)
    answer = client.post(
        f"/regulator/warehouses/{warehouse.id}/withdraw", data={f"withdraw-{warehouse.id}-confirmed": "yes"}
    )
    assert answer.status_code == 404
    designate = client.post(
        "/regulator/warehouses", data={"designate-enterprise_id": str(depot.id)}, headers=ZH
    )
    assert designate.status_code == 404 and count(session, SupervisedWarehouse) == 1
    client.post("/logout")
    login(app, client, "staff@b.example")
    assert client.get("/regulator/warehouses").status_code == 403
    stolen = client.post(
        f"/merchant/entries/{declaration.id}/warehouse", data={"warehouse_id": str(warehouse.id)}
    )
    assert stolen.status_code == 404
    session.expire_all()
    assert warehouse.active and declaration.warehouse_id is None


# --- filings, batches and exits: trade mode, procurement source, other information ------------------------


def test_a_filing_carries_its_trade_mode_procurement_source_and_other_information(
    app: Flask, client: FlaskClient, session: Session, runtime: Runtime
) -> None:
    make_world(session, runtime.ring)
    login(app, client, "staff@a.example")
    form_page = client.get("/merchant/products/new", headers=ZH).get_data(as_text=True)
    assert (
        "保税进口（1210）" in form_page
        and "直购进口（9610）" in form_page
        and 'data-test="attributes"' in form_page
    )
    base = {
        "gtin": complete_gtin("942123450001"),
        "name": "新西兰麦卢卡蜂蜜",
        "hs_code": "0409000000",
        "category": "food",
        "condition": "new",
        "manufacturer": "Manuka Health",
        "origin_country": "NZ",
        "supplier_name": "Manuka Health Export",
        "supplier_country": "NZ",
        "trade_mode": "direct_mail",
        "procurement_source": "新西兰品牌方授权经销商",
        "attributes-0-name": "UMF等级",
        "attributes-0-value": "UMF 10+",
        "attributes-1-name": "storage",
        "attributes-1-value": "常温避光",
    }
    filed = client.post("/merchant/products/new", data=base, headers=ZH)
    assert filed.status_code == 303, filed.get_data(as_text=True)
    product = session.scalars(select(Product)).one()
    assert product.trade_mode.value == "direct_mail"
    assert product.procurement_source == "新西兰品牌方授权经销商"
    assert product.attributes == {"UMF等级": "UMF 10+", "storage": "常温避光"}
    page = client.get(f"/merchant/products/{product.id}", headers=ZH).get_data(as_text=True)
    assert "直购进口（9610）" in page and "新西兰品牌方授权经销商" in page and "UMF等级" in page

    before = audit_length(session)
    for hostile, message in [
        ({"trade_mode": "smuggled"}, "请检查“贸易方式”。"),
        ({"attributes-2-value": "没有名称"}, "每项其他信息须有自己的名称，且不得重复。"),
        (
            {"attributes-2-name": "storage", "attributes-2-value": "重复"},
            "每项其他信息须有自己的名称，且不得重复。",
        ),
        ({"attributes-2-name": "含 空格", "attributes-2-value": "x"}, OTHER_INFORMATION),
        ({"attributes-2-name": "x" * 51, "attributes-2-value": "x"}, OTHER_INFORMATION),
        ({"attributes-2-name": "note", "attributes-2-value": "x" * 501}, OTHER_INFORMATION),
        ({"procurement_source": "一\n二"}, "采购来源为一行文字，不超过 300 个字符。"),
        ({"procurement_source": "长" * 301}, "请检查“采购来源”。"),
    ]:
        answer = client.post(
            "/merchant/products/new",
            data=base | {"gtin": complete_gtin("942123450002")} | hostile,
            headers=ZH,
        )
        assert answer.status_code == 400, hostile
        assert refusal(answer) == message, hostile
    assert audit_length(session) == before and count(session, Product) == 1
    client.post("/logout")
    login(app, client)
    office = client.get(f"/regulator/filings/{product.id}", headers=ZH).get_data(as_text=True)
    assert "直购进口（9610）" in office and "新西兰品牌方授权经销商" in office and "常温避光" in office


def test_trade_modes_are_shown_where_batches_and_exits_are_registered(
    app: Flask, client: FlaskClient, session: Session, runtime: Runtime
) -> None:
    from suyuan.trace import batches, issuance
    from suyuan.trace.zone import inspection
    from tests.factories import BASE, code_urls, id_number

    world = make_world(session, runtime.ring)
    product = make_product(session, world, trade_mode="direct_mail")
    batch = batches.register_batch(session, world.merchant_staff, product.id, lot="DM001", quantity=5)
    issuance.issue_codes(session, world.merchant_staff, runtime.ring, batch.id, 5, BASE)
    inspection.release_batch(session, world.regulator, batch.id)
    bonded = make_zone_batch(session, world, runtime.ring, quantity=5)
    session.commit()
    login(app, client, "staff@a.example")
    page = client.get(f"/merchant/batches/{batch.id}", headers=ZH).get_data(as_text=True)
    assert 'data-mode="direct_mail"' in page and "直购进口（9610）" in page
    assert "保税进口（1210）" in client.get(f"/merchant/batches/{bonded.id}", headers=ZH).get_data(
        as_text=True
    )
    form = client.get("/merchant/exits/new", headers=ZH).get_data(as_text=True)
    assert f'<option value="{batch.id}">' in form and f'<option value="{bonded.id}">' in form
    url = code_urls(session, runtime.ring, batch)[0]
    declared = client.post(
        "/merchant/exits/new",
        data={
            "order_no": "DM-ORDER-1",
            "payment_ref": "PAY-DM-1",
            "waybill_no": "WB-DM-1",
            "payment_amount": "88.00",
            "buyer_id_number": id_number(7),
            "buyer_name": "李四",
            "lines-0-batch_id": str(batch.id),
            "lines-0-quantity": "1",
            "lines-0-unit_price": "88.00",
            "lines-0-codes": url,
        },
        headers=ZH,
    )
    assert declared.status_code == 303, declared.get_data(as_text=True)
    exit_page = client.get(declared.headers["Location"], headers=ZH).get_data(as_text=True)
    assert 'data-mode="direct_mail"' in exit_page and "直购进口（9610）" in exit_page


# --- the CLI -------------------------------------------------------------------------------------------


def test_the_cli_turns_assessed_information_into_a_recall(
    run: Any, session: Session, runtime: Runtime
) -> None:
    world = make_world(session, runtime.ring)
    batch = make_zone_batch(session, world, runtime.ring, quantity=5)
    info = information(session, world, batch)
    args = (
        "risk",
        "recall",
        "--office",
        "SZ-QH",
        str(info.id),
        "--kind",
        "stop_sale",
        "--reason",
        "境外通报",
    )
    early = run(*args)
    assert early.exit_code == 2 and "not assessed" in early.output
    assert count(session, Recall) == 0
    risk_intake.assess(session, world.regulator, info.id, level="high", rationale="通报属实")
    session.commit()
    done = run(*args)
    assert done.exit_code == 0, done.output
    opened = session.scalars(select(Recall)).one()
    assert f"opened stop_sale {opened.id} of batch {batch.id}" in done.output
    assert batch_status(session, batch) is BatchStatus.STOPPED
    assert risk_intake.origins_of(session, DisposalKind.RECALL, opened.id)[0].id == info.id
    assert run("risk", "recall", "--help").exit_code == 0


# --- every new page in Chinese ---------------------------------------------------------------------------


def test_every_supervision_page_is_in_chinese(app: Flask, session: Session, runtime: Runtime) -> None:
    from tests.page_crawl import crawl, leaks, sign_in

    world = make_world(session, runtime.ring)
    batch = make_zone_batch(session, world, runtime.ring, quantity=5)
    depot = make_enterprise(session, kind="warehouse")
    warehouse = warehouses.designate_warehouse(session, world.regulator, depot.id)
    warehouses.withdraw_designation(session, world.regulator, warehouse.id)
    warehouses.designate_warehouse(session, world.regulator, depot.id)
    positive = supervision_lists.add_entry(
        session, world.regulator, list_kind="positive", match="category", value="food"
    )
    supervision_lists.withdraw_entry(session, world.regulator, positive.id, "试行结束")
    supervision_lists.add_entry(
        session, world.regulator, list_kind="key_supervision", match="hs_prefix", value="3304"
    )
    from suyuan.trace import negative_list

    rule = negative_list.add_entry(
        session, world.regulator, category="N6", kind="condition", value="used", reason="旧品"
    )
    supervision_lists.withdraw_negative_entry(session, world.regulator, rule.id, "调整")
    assessed = information(session, world, batch)
    risk_intake.assess(session, world.regulator, assessed.id, level="high", rationale="属实")
    risk_intake.spot_check(session, world.regulator, assessed.id, None)
    own = risk_intake.record_information(
        session,
        world.merchant_staff,
        RiskReport(source="self_report", title="自查", description="说明", batch_id=batch.id),
    )
    risk_intake.assess(session, world.regulator, own.id, level="low", rationale="个别")
    session.commit()
    pages = {
        "regulator": [
            "/regulator/risk",
            "/regulator/risk/new",
            f"/regulator/risk/{assessed.id}",
            f"/regulator/risk/{own.id}",
            "/regulator/lists",
            "/regulator/warehouses",
        ],
        "merchant": [
            "/merchant/risk",
            f"/merchant/risk/{own.id}",
            f"/merchant/batches/{batch.id}",
            "/merchant/products/new",
        ],
    }
    emails = {"regulator": "officer@test.example", "merchant": "staff@a.example"}
    found = []
    for role, starts in pages.items():
        client = app.test_client()
        sign_in(client, emails[role], "password1")
        crawled = crawl(role, client, starts, limit=len(starts))
        assert [p.status for p in crawled.pages] == [200] * len(starts), [
            (p.path, p.status) for p in crawled.pages
        ]
        found += [str(leak) for leak in leaks(crawled)]
    assert not found, "\n".join(found)
