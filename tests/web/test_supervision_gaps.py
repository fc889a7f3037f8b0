"""Gaps the supervision pages left (issue 15): what a merchant learns of the measures on its self-report
through the API, the chain read back from a spot check or recall to its risk information, the officer's
entry page (supervised warehouse, quarantine per scope) and the merchant's entry form (no direct-mail
products offered for the bonded zone).

Each behaviour is checked end to end through the app; refused input answers 4xx with a Chinese sentence
and writes nothing.
"""

from __future__ import annotations

import re
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from suyuan.runtime import Runtime
from suyuan.trace import risk_intake
from suyuan.trace.model import (
    AuditEntry,
    Batch,
    EntryDeclaration,
    LineRefusal,
    QuarantineStatus,
    RiskInformation,
    SupervisedWarehouse,
)
from suyuan.trace.risk_intake import RiskReport
from suyuan.trace.zone import spot_checks, warehouses
from suyuan.web.responses.supervision import RiskInformationList, RiskInformationRecord
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
LAB_SHA = "ab" * 32


def auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def login(app: Flask, client: FlaskClient, email: str = "officer@test.example") -> None:
    app.config["WTF_CSRF_ENABLED"] = False
    assert client.post("/login", data={"email": email, "password": "password1"}).status_code == 302


def audit_length(session: Session) -> int:
    session.expire_all()
    return int(session.scalar(select(func.count()).select_from(AuditEntry)) or 0)


def confirm_twice(client: FlaskClient, url: str, data: dict[str, str], prefix: str) -> Any:
    """Post the form, check the confirmation page, then post it confirmed; the second answer."""
    first = client.post(url, data=data, headers=ZH)
    page = first.get_data(as_text=True)
    assert first.status_code == 200 and 'data-test="confirm"' in page, page
    return client.post(url, data=data | {f"{prefix}-confirmed": "yes"}, headers=ZH)


def refusal(response: Any) -> str:
    """The Chinese sentence a refused form shows."""
    page = response.get_data(as_text=True)
    found = re.search(r'data-test="error">([^<]+)<', page)
    assert found, page
    assert CHINESE.search(found[1]), found[1]
    return found[1]


def self_report(session: Session, world: World, batch: Batch) -> RiskInformation:
    """The merchant's self-report on its batch, assessed by the office."""
    info = risk_intake.record_information(
        session,
        world.merchant_staff,
        RiskReport(
            source="self_report",
            title="部分罐体密封不良",
            description="自查发现封口松动。",
            batch_id=batch.id,
        ),
    )
    risk_intake.assess(session, world.regulator, info.id, level="medium", rationale="限于个别罐体")
    session.commit()
    return info


def measure_kinds(answer: dict[str, Any]) -> list[str]:
    return [m["kind"] for m in answer["measures"]]


# --- 1. a planned spot check stays unannounced in the API ---------------------------------------------------


def test_the_api_tells_a_merchant_of_a_spot_check_on_its_report_only_once_decided(
    app: Flask, client: FlaskClient, session: Session, runtime: Runtime
) -> None:
    world = make_world(session, runtime.ring)
    batch = make_zone_batch(session, world, runtime.ring, quantity=10)
    info = self_report(session, world, batch)
    check = risk_intake.spot_check(session, world.regulator, info.id, None)
    session.commit()
    merchant, officer = auth(world.tokens["merchant"]), auth(world.tokens["regulator"])
    url = f"/api/v1/risk-information/{info.id}"

    seen = client.get(url, headers=officer).json
    assert [(m["kind"], m["target_id"]) for m in seen["measures"]] == [("spot_check", check.id)]
    for answer in (
        client.get(url, headers=merchant).json,
        client.get("/api/v1/risk-information", headers=merchant).json["information"][0],
    ):
        assert answer["id"] == info.id and answer["measures"] == []
        assert str(check.id) not in str(answer["measures"])
    RiskInformationRecord.model_validate(client.get(url, headers=merchant).json)
    RiskInformationList.model_validate(client.get("/api/v1/risk-information", headers=merchant).json)

    spot_checks.record_sample(session, world.regulator, check.id, channel="offline", quantity=1)
    session.commit()
    assert client.get(url, headers=merchant).json["measures"] == []  # sampled: still not decided

    spot_checks.record_result(
        session, world.regulator, check.id, passed=True, lab="SGS", report_sha256=LAB_SHA
    )
    session.commit()
    decided = client.get(url, headers=merchant).json
    assert [(m["kind"], m["target_id"]) for m in decided["measures"]] == [("spot_check", check.id)]
    login(app, client, "staff@a.example")
    page = client.get(f"/merchant/risk/{info.id}", headers=ZH).get_data(as_text=True)
    assert "监督抽检" in page.split('data-test="measures"', 1)[1].split("</ul>", 1)[0]  # page and API agree


def test_warnings_and_recalls_are_shown_to_the_merchant_at_once_beside_a_hidden_check(
    client: FlaskClient, session: Session, runtime: Runtime
) -> None:
    world = make_world(session, runtime.ring)
    batch = make_zone_batch(session, world, runtime.ring, quantity=10)
    info = self_report(session, world, batch)
    risk_intake.spot_check(session, world.regulator, info.id, None)
    opened = risk_intake.recall(session, world.regulator, info.id, None, kind="stop_sale", reason="密封不良")
    session.commit()
    mine = client.get(f"/api/v1/risk-information/{info.id}", headers=auth(world.tokens["merchant"])).json
    assert [(m["kind"], m["target_id"]) for m in mine["measures"]] == [("recall", opened.id)]
    office = client.get(f"/api/v1/risk-information/{info.id}", headers=auth(world.tokens["regulator"])).json
    assert measure_kinds(office) == ["spot_check", "recall"]
    outsider = make_second_office(session)
    answer = client.get(f"/api/v1/risk-information/{info.id}", headers=auth(outsider.tokens["merchant"]))
    assert answer.status_code == 404


# --- 2. the chain read back from the measure ---------------------------------------------------------------


def test_the_spot_check_and_recall_pages_link_back_to_their_risk_information(
    app: Flask, client: FlaskClient, session: Session, runtime: Runtime
) -> None:
    world = make_world(session, runtime.ring)
    batch = make_zone_batch(session, world, runtime.ring, quantity=10)
    info = self_report(session, world, batch)
    check = risk_intake.spot_check(session, world.regulator, info.id, None)
    opened = risk_intake.recall(session, world.regulator, info.id, None, kind="recall", reason="密封不良")
    plain = spot_checks.open_spot_check(
        session, world.regulator, make_zone_batch(session, world, runtime.ring).id
    )
    session.commit()
    login(app, client)
    back = f'href="/regulator/risk/{info.id}"'
    check_page = client.get(f"/regulator/spot-checks/{check.id}", headers=ZH).get_data(as_text=True)
    origins = check_page.split('data-test="risk-origins"', 1)[1].split("</dd>", 1)[0]
    assert back in origins and "企业自主报告" in origins and "部分罐体密封不良" in origins
    recall_page = client.get(f"/regulator/recalls/{opened.id}", headers=ZH).get_data(as_text=True)
    assert back in recall_page.split('data-test="risk-origins"', 1)[1].split("</dd>", 1)[0]
    unlinked = client.get(f"/regulator/spot-checks/{plain.id}", headers=ZH).get_data(as_text=True)
    assert 'data-test="risk-origins"' not in unlinked

    client.post("/logout")
    login(app, client, "staff@a.example")
    mine = client.get(f"/merchant/recalls/{opened.id}", headers=ZH).get_data(as_text=True)
    assert f'href="/merchant/risk/{info.id}"' in mine.split('data-test="risk-origins"', 1)[1]


def test_a_merchant_is_not_linked_to_an_offices_own_information(
    app: Flask, client: FlaskClient, session: Session, runtime: Runtime
) -> None:
    world = make_world(session, runtime.ring)
    batch = make_zone_batch(session, world, runtime.ring, quantity=10)
    incident = risk_intake.record_information(
        session,
        world.regulator,
        RiskReport(source="incident", title="仓库进水", description="货物受潮。", batch_id=batch.id),
    )
    risk_intake.assess(session, world.regulator, incident.id, level="high", rationale="受潮")
    opened = risk_intake.recall(session, world.regulator, incident.id, None, kind="recall", reason="受潮")
    session.commit()
    login(app, client, "staff@a.example")
    page = client.get(f"/merchant/recalls/{opened.id}", headers=ZH).get_data(as_text=True)
    assert 'data-test="risk-origins"' not in page and "仓库进水" not in page
    client.post("/logout")
    login(app, client)
    office = client.get(f"/regulator/recalls/{opened.id}", headers=ZH).get_data(as_text=True)
    assert f'href="/regulator/risk/{incident.id}"' in office


# --- 3. the officer's entry page: warehouse and quarantine per scope --------------------------------------


def test_the_officer_sees_and_records_the_supervised_warehouse_of_an_entry(
    app: Flask, client: FlaskClient, session: Session, runtime: Runtime
) -> None:
    world = make_world(session, runtime.ring)
    first = warehouses.designate_warehouse(
        session, world.regulator, make_enterprise(session, kind="warehouse").id
    )
    second = warehouses.designate_warehouse(
        session, world.regulator, make_enterprise(session, kind="warehouse").id, address="前海 7 号仓"
    )
    declaration = declare(session, world, entry_line(make_product(session, world), quantity=20))
    warehouses.store_entry(session, world.merchant_staff, declaration.id, first.id)
    session.commit()
    login(app, client)
    url = f"/regulator/zone/entries/{declaration.id}"
    page = client.get(url, headers=ZH).get_data(as_text=True)
    stored = page.split('data-test="stored-in"', 1)[1].split("</dd>", 1)[0]
    assert first.enterprise.name in stored and 'data-test="storage-form"' in page
    before = audit_length(session)
    changed = confirm_twice(client, f"{url}/warehouse", {"storage-warehouse_id": str(second.id)}, "storage")
    assert changed.status_code == 303 and audit_length(session) == before + 1
    session.expire_all()
    batch = declaration.lines[0].batch
    assert declaration.warehouse_id == second.id and batch is not None and batch.warehouse_id == second.id
    page = client.get(url, headers=ZH).get_data(as_text=True)
    assert "前海 7 号仓" in page.split('data-test="stored-in"', 1)[1].split("</dd>", 1)[0]


def test_a_hostile_warehouse_choice_is_refused_in_chinese_and_writes_nothing(
    app: Flask, client: FlaskClient, session: Session, runtime: Runtime
) -> None:
    world = make_world(session, runtime.ring)
    other = make_second_office(session)
    withdrawn = warehouses.designate_warehouse(
        session, world.regulator, make_enterprise(session, kind="warehouse").id
    )
    warehouses.withdraw_designation(session, world.regulator, withdrawn.id)
    foreign = warehouses.designate_warehouse(
        session, other.regulator, make_enterprise(session, kind="warehouse", office_code="SZ-NS").id
    )
    warehouses.designate_warehouse(session, world.regulator, make_enterprise(session, kind="warehouse").id)
    declaration = declare(session, world, entry_line(make_product(session, world), quantity=5))
    login(app, client)
    url = f"/regulator/zone/entries/{declaration.id}/warehouse"
    before = audit_length(session)
    for hostile in ("abc", "", "-1", "99999999999999", str(withdrawn.id), str(foreign.id), "987654"):
        answer = client.post(
            url, data={"storage-warehouse_id": hostile, "storage-confirmed": "yes"}, headers=ZH
        )
        assert answer.status_code == 400 and CHINESE.search(refusal(answer)), hostile
    session.expire_all()
    assert audit_length(session) == before and declaration.warehouse_id is None
    client.post("/logout")
    login(app, client, "officer@nanshan.example")
    stolen = client.post(url, data={"storage-warehouse_id": str(foreign.id), "storage-confirmed": "yes"})
    assert (
        stolen.status_code == 404
        and client.get(f"/regulator/zone/entries/{declaration.id}").status_code == 404
    )
    session.expire_all()
    assert declaration.warehouse_id is None and session.get(SupervisedWarehouse, foreign.id) is not None


def test_the_officer_names_the_scopes_and_records_each_scopes_result(
    app: Flask, client: FlaskClient, session: Session, runtime: Runtime
) -> None:
    world = make_world(session, runtime.ring)
    declaration = declare(session, world, entry_line(make_product(session, world), quantity=20))
    login(app, client)
    url = f"/regulator/zone/entries/{declaration.id}"
    page = client.get(url, headers=ZH).get_data(as_text=True)
    assert "登记的第一条结果即决定检疫结论" in page and 'data-test="scopes-form"' in page
    named = confirm_twice(
        client, f"{url}/quarantine-scopes", {"scopes-goods": "y", "scopes-wood_packaging": "y"}, "scopes"
    )
    assert named.status_code == 303
    session.expire_all()
    assert declaration.required_quarantine == ["goods", "wood_packaging"]

    goods = {"quarantine-scope": "goods", "quarantine-outcome": "passed"}
    assert confirm_twice(client, f"{url}/quarantine", goods, "quarantine").status_code == 303
    session.expire_all()
    assert declaration.quarantine_status is QuarantineStatus.PENDING
    page = client.get(url, headers=ZH).get_data(as_text=True)
    rows = page.split('data-test="quarantine-scopes"', 1)[1].split("</table>", 1)[0]
    assert 'data-scope="goods"' in rows and 'data-outcome="passed"' in rows
    wood = rows.split('data-scope="wood_packaging"', 1)[1].split("</tr>", 1)[0]
    assert "待登记结果" in wood
    container = rows.split('data-scope="container"', 1)[1].split("</tr>", 1)[0]
    assert "无须检疫" in container
    offered = page.split('data-test="quarantine-form"', 1)[1].split("</select>", 1)[0]
    assert 'value="wood_packaging"' in offered and 'value="goods"' not in offered
    assert 'value="container"' not in offered

    before = audit_length(session)
    again = client.post(f"{url}/quarantine", data=goods | {"quarantine-confirmed": "yes"}, headers=ZH)
    assert again.status_code == 409 and CHINESE.search(refusal(again))
    unrequired = {
        "quarantine-scope": "container",
        "quarantine-outcome": "passed",
        "quarantine-confirmed": "yes",
    }
    answer = client.post(f"{url}/quarantine", data=unrequired, headers=ZH)
    assert answer.status_code == 400 and CHINESE.search(refusal(answer))
    assert audit_length(session) == before

    treated = {
        "quarantine-scope": "wood_packaging",
        "quarantine-outcome": "treated",
        "quarantine-treatment": "熏蒸",
    }
    assert confirm_twice(client, f"{url}/quarantine", treated, "quarantine").status_code == 303
    session.expire_all()
    assert declaration.quarantine_status is QuarantineStatus.PASSED
    page = client.get(url, headers=ZH).get_data(as_text=True)
    assert 'data-test="quarantine-form"' not in page and 'data-test="scopes-form"' not in page
    assert "熏蒸" in page.split('data-test="quarantine-scopes"', 1)[1].split("</table>", 1)[0]


def test_scope_forms_refuse_bad_input_in_chinese_and_write_nothing(
    app: Flask, client: FlaskClient, session: Session, runtime: Runtime
) -> None:
    world = make_world(session, runtime.ring)
    make_second_office(session)
    declaration = declare(session, world, entry_line(make_product(session, world), quantity=20))
    login(app, client)
    url = f"/regulator/zone/entries/{declaration.id}"
    before = audit_length(session)
    empty = client.post(f"{url}/quarantine-scopes", data={"scopes-confirmed": "yes"}, headers=ZH)
    assert empty.status_code == 400 and refusal(empty) == "请至少勾选一个检疫项目。"
    for scope in ("asbestos", "", "goods" * 50):
        answer = client.post(
            f"{url}/quarantine",
            data={"quarantine-scope": scope, "quarantine-outcome": "passed", "quarantine-confirmed": "yes"},
            headers=ZH,
        )
        assert answer.status_code == 400 and CHINESE.search(refusal(answer)), scope
    session.expire_all()
    assert audit_length(session) == before and declaration.required_quarantine in (None, [])
    app.config["WTF_CSRF_ENABLED"] = True
    forged = client.post(f"{url}/quarantine-scopes", data={"scopes-goods": "y", "scopes-confirmed": "yes"})
    assert forged.status_code == 400 and audit_length(session) == before
    app.config["WTF_CSRF_ENABLED"] = False
    client.post("/logout")
    login(app, client, "staff@a.example")
    assert client.post(f"{url}/quarantine-scopes", data={"scopes-goods": "y"}).status_code == 403
    client.post("/logout")
    login(app, client, "officer@nanshan.example")
    outsider = client.post(f"{url}/quarantine-scopes", data={"scopes-goods": "y", "scopes-confirmed": "yes"})
    assert outsider.status_code == 404 and audit_length(session) == before


# --- 4. the merchant's entry form offers no direct-mail products -------------------------------------------


def test_the_entry_form_does_not_offer_direct_mail_products_and_the_domain_still_refuses_them(
    app: Flask, client: FlaskClient, session: Session, runtime: Runtime
) -> None:
    world = make_world(session, runtime.ring)
    bonded = make_product(session, world)
    b2b = make_product(session, world, trade_mode="b2b")
    direct = make_product(session, world, trade_mode="direct_mail")
    session.commit()
    login(app, client, "staff@a.example")
    page = client.get("/merchant/entries/new", headers=ZH).get_data(as_text=True)
    form = page.split('data-test="entry-form"', 1)[1]
    assert f'<option value="{bonded.id}">' in form and f'<option value="{b2b.id}">' in form
    assert f'value="{direct.id}"' not in form and "B2B" in form
    assert direct.name in page.split('data-test="direct-mail-omitted"', 1)[1].split("</p>", 1)[0]

    posted = client.post(
        "/merchant/entries/new",
        data={
            "reference": "ENT-DM-1",
            "lines-0-product_id": str(direct.id),
            "lines-0-lot": "DM01",
            "lines-0-quantity": "5",
        },
        headers=ZH,
    )
    assert posted.status_code == 303
    declaration = session.scalars(select(EntryDeclaration).filter_by(reference="ENT-DM-1")).one()
    assert declaration.lines[0].refusal is LineRefusal.DIRECT_MAIL and declaration.lines[0].batch_id is None
