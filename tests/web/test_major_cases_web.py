"""Major cases (R60, R55) through the API, the officer's pages and the CLI: an office reports a case of
its remit, every other office is notified and acknowledges once; merchants, other offices' cases, a second
marking and bad input are refused with a clear 4xx and nothing written."""

from __future__ import annotations

from collections.abc import Callable

from click.testing import Result
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from suyuan.runtime import Runtime
from suyuan.trace import recalls
from suyuan.trace.model import AuditEntry, MajorCaseNotice, MajorCaseReport, Recall
from tests.factories import World, make_batch, make_second_office, make_world
from tests.web.sessions import bearer, login

ZH = {"Accept-Language": "zh-CN,zh;q=0.9"}


def counts(session: Session) -> tuple[int, int, int]:
    session.expire_all()
    return tuple(  # type: ignore[return-value]
        session.scalar(select(func.count()).select_from(t)) or 0
        for t in (MajorCaseReport, MajorCaseNotice, AuditEntry)
    )


def a_recall(session: Session, runtime: Runtime, world: World) -> Recall:
    batch = make_batch(session, world, runtime.ring, count=0, released=False)
    recall = recalls.open_recall(session, world.regulator, batch.id, "stop_sale", "标签问题")
    session.commit()
    return recall


def test_the_api_reports_notifies_and_acknowledges(
    client: FlaskClient, session: Session, runtime: Runtime
) -> None:
    world = make_world(session, runtime.ring)
    other = make_second_office(session)
    recall = a_recall(session, runtime, world)
    body = {"case_kind": "recall", "case_id": recall.id, "summary": "涉及多地销售的召回"}
    made = client.post("/api/v1/major-cases", json=body, headers=bearer(world.tokens["regulator"]))
    assert made.status_code == 201
    report = made.get_json()
    assert report["office_name"] == "深圳海关前海办事处" and report["enterprise_name"] == world.merchant.name
    assert [n["office_id"] for n in report["notices"]] == [other.office.id]
    notices = client.get("/api/v1/major-case-notices", headers=bearer(other.tokens["regulator"])).get_json()
    notice_id = notices["notices"][0]["id"]
    assert notices["notices"][0]["report"]["summary"] == "涉及多地销售的召回"
    mine = client.get("/api/v1/major-case-notices", headers=bearer(world.tokens["regulator"])).get_json()
    assert mine == {"notices": []}
    path = f"/api/v1/major-case-notices/{notice_id}/acknowledge"
    assert client.post(path, headers=bearer(world.tokens["regulator"])).status_code == 404
    done = client.post(path, headers=bearer(other.tokens["regulator"]))
    assert done.status_code == 200 and done.get_json()["acknowledged_at"]
    again = client.post(path, headers=bearer(other.tokens["regulator"]))
    assert again.status_code == 409 and "already acknowledged" in again.get_json()["error"]["message"]
    seen = client.get(f"/api/v1/major-cases/{report['id']}", headers=bearer(world.tokens["regulator"]))
    assert seen.get_json()["notices"][0]["acknowledged_by"]


def test_the_api_refuses_merchants_other_offices_twice_and_bad_bodies(
    client: FlaskClient, session: Session, runtime: Runtime
) -> None:
    world = make_world(session, runtime.ring)
    other = make_second_office(session)
    recall = a_recall(session, runtime, world)
    body = {"case_kind": "recall", "case_id": recall.id, "summary": "重大"}
    before = counts(session)
    merchant = client.post("/api/v1/major-cases", json=body, headers=bearer(world.tokens["merchant"]))
    assert merchant.status_code == 403
    theirs = client.post("/api/v1/major-cases", json=body, headers=bearer(other.tokens["regulator"]))
    assert (
        theirs.status_code == 404
        and f"recall {recall.id} does not exist" in theirs.get_json()["error"]["message"]
    )
    long = client.post(
        "/api/v1/major-cases", json=body | {"summary": "长" * 2001}, headers=bearer(world.tokens["regulator"])
    )
    assert long.status_code == 400 and "summary" in long.get_data(as_text=True)
    kind = client.post(
        "/api/v1/major-cases", json=body | {"case_kind": "rumour"}, headers=bearer(world.tokens["regulator"])
    )
    assert kind.status_code == 400 and "case_kind" in kind.get_data(as_text=True)
    assert counts(session) == before
    assert (
        client.post("/api/v1/major-cases", json=body, headers=bearer(world.tokens["regulator"])).status_code
        == 201
    )
    twice = client.post("/api/v1/major-cases", json=body, headers=bearer(world.tokens["regulator"]))
    assert twice.status_code == 409 and "already reported" in twice.get_json()["error"]["message"]
    assert client.get("/api/v1/major-cases", headers=bearer(world.tokens["merchant"])).status_code == 403


def test_the_officer_pages_report_with_a_confirmation_and_the_other_office_acknowledges(
    app: Flask, client: FlaskClient, session: Session, runtime: Runtime
) -> None:
    world = make_world(session, runtime.ring)
    make_second_office(session)
    recall = a_recall(session, runtime, world)
    login(app, client, "officer@test.example")
    desk = client.get("/regulator/major-cases", headers=ZH).get_data(as_text=True)
    assert "重大案件" in desk and 'data-nav="major_cases"' in desk and "抽检不合格" in desk
    assert "Major cases" not in desk and "Summary" not in desk
    form = {"case-case_kind": "recall", "case-case_id": str(recall.id), "case-summary": "多地销售"}
    before = counts(session)
    confirm = client.post("/regulator/major-cases", data=form, headers=ZH)
    assert confirm.status_code == 200 and "总署" in confirm.get_data(as_text=True)
    assert counts(session) == before
    too_long = form | {"case-summary": "长" * 2001, "case-confirmed": "yes"}
    refused = client.post("/regulator/major-cases", data=too_long, headers=ZH)
    assert refused.status_code == 400 and "案情摘要" in refused.get_data(as_text=True)
    assert counts(session) == before
    done = client.post("/regulator/major-cases", data=form | {"case-confirmed": "yes"}, headers=ZH)
    assert done.status_code == 303
    twice = client.post("/regulator/major-cases", data=form | {"case-confirmed": "yes"}, headers=ZH)
    assert twice.status_code == 409
    listed = client.get("/regulator/major-cases", headers=ZH).get_data(as_text=True)
    assert "多地销售" in listed and "尚未签收" in listed and "召回" in listed
    notice_id = session.scalars(select(MajorCaseNotice.id)).one()
    ack = f"/regulator/major-case-notices/{notice_id}/acknowledge"
    assert client.post(ack, data={"ack-confirmed": "yes"}, headers=ZH).status_code == 404  # not A's notice
    client.post("/logout")
    login(app, client, "officer@nanshan.example")
    theirs = client.get("/regulator/major-cases", headers=ZH).get_data(as_text=True)
    assert "深圳海关前海办事处" in theirs and "多地销售" in theirs and "签收" in theirs
    assert client.post(ack, data={}, headers=ZH).status_code == 200  # the confirmation step
    assert client.post(ack, data={"ack-confirmed": "yes"}, headers=ZH).status_code == 303
    assert client.post(ack, data={"ack-confirmed": "yes"}, headers=ZH).status_code == 409
    client.post("/logout")
    login(app, client, "staff@a.example")
    assert client.get("/regulator/major-cases").status_code == 403


def test_the_cli_reports_lists_and_acknowledges(
    run: Callable[..., Result], session: Session, runtime: Runtime
) -> None:
    world = make_world(session, runtime.ring)
    other = make_second_office(session)
    recall = a_recall(session, runtime, world)
    made = run("major-case", "report", "recall", str(recall.id), "--summary", "总署关注")
    assert made.exit_code == 0 and "office SZ-QH, 1 notices" in made.output
    again = run("major-case", "report", "recall", str(recall.id), "--summary", "再报")
    assert again.exit_code != 0 and "already reported" in again.output
    listed = run("major-case", "list")
    assert f"recall:{recall.id}\t0/1\t总署关注" in listed.output
    notices = run("major-case", "notices", "--office", other.office.code)
    notice_id = notices.output.split("\t", 1)[0]
    assert notices.output.endswith("1 notices\n")
    wrong = run("major-case", "acknowledge", notice_id, "--office", "SZ-QH")
    assert wrong.exit_code != 0 and "does not exist" in wrong.output
    ack = run("major-case", "acknowledge", notice_id, "--office", other.office.code)
    assert ack.exit_code == 0 and "acknowledged" in ack.output
    assert "1/1" in run("major-case", "list").output
    bad = run("major-case", "report", "complaint", "999", "--summary", "无")
    assert bad.exit_code != 0 and "complaint 999 does not exist" in bad.output
