"""The return desk's list (``GET /api/v1/ceb/refunds`` and ``/merchant/returns``): each party sees the
returns it may see — the seller and its office all of them, the platform and the packing warehouse the
CEB625 returns of their orders, anyone else nothing —, narrowed by kind, status and Beijing days, paged;
bad filters are a 400."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from suyuan.runtime import Runtime
from suyuan.trace.zone import exits, returns
from tests.factories import SECRET, exit_filing, make_second_office
from tests.trace.ceb_world import CebWorld, make_ceb_world
from tests.web.test_ceb_api import ORDER_NO, partial_return, token_of
from tests.web.test_desk_products import login

LIST = "/api/v1/ceb/refunds"


@dataclass
class Desk:
    """The sample order with a waiting CEB625 return, and a desk return of another order of the seller."""

    cw: CebWorld
    headers: dict[str, dict[str, str]]
    refund_id: int
    desk_order: str
    desk_return_id: int


@pytest.fixture
def desk(client: FlaskClient, session: Session, runtime: Runtime) -> Desk:
    cw = make_ceb_world(session, runtime.ring)
    other_office = make_second_office(session)
    platform = token_of(session, cw.platform_staff.user_id)
    packer = token_of(session, cw.warehouse_staff.user_id)
    refund_id = partial_return(client, cw, platform, packer)
    staff = cw.world.merchant_staff
    order = exits.declare_exit(
        session, staff, runtime.ring, exit_filing([(cw.milk_batch, cw.milk_urls[10:12])]), secret=SECRET
    )
    back = returns.record_return(session, staff, order.id, cw.milk_urls[10:11], "外包装破损")
    session.commit()

    def bearer(token: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {token}"}

    headers = {
        "seller": bearer(cw.world.tokens["merchant"]),
        "office": bearer(cw.world.tokens["regulator"]),
        "platform": platform,
        "packer": packer,
        "merchant_b": bearer(cw.world.tokens["merchant_b"]),
        "office_b": bearer(other_office.tokens["regulator"]),
    }
    return Desk(cw, headers, refund_id, order.order_no, back.id)


def listed(client: FlaskClient, desk: Desk, who: str, query: str = "") -> Any:
    answer = client.get(LIST + query, headers=desk.headers[who])
    assert answer.status_code == 200, answer.json
    return answer.json


def test_each_party_sees_the_returns_it_may_see_and_others_nothing(client: FlaskClient, desk: Desk) -> None:
    everything = [("desk", desk.desk_return_id), ("ceb625", desk.refund_id)]
    for who in ("seller", "office"):
        rows = listed(client, desk, who)["returns"]
        assert [(r["kind"], r["id"]) for r in rows] == everything, who
    for who in ("platform", "packer"):
        rows = listed(client, desk, who)["returns"]
        assert [(r["kind"], r["id"]) for r in rows] == [("ceb625", desk.refund_id)], who
    for who in ("merchant_b", "office_b"):
        answer = client.get(LIST, headers=desk.headers[who])
        assert answer.json == {"returns": [], "next_offset": None}, who
        assert ORDER_NO.encode() not in answer.data and desk.desk_order.encode() not in answer.data
    assert client.get(LIST).status_code == 401
    ceb = listed(client, desk, "packer")["returns"][0]
    assert (ceb["status"], ceb["ceb_status"], ceb["order_no"], ceb["units"]) == ("waiting", 120, ORDER_NO, 1)
    mine = listed(client, desk, "seller")["returns"][0]
    assert (mine["status"], mine["ceb_status"], mine["order_no"], mine["units"], mine["reason"]) == (
        "concluded",
        None,
        desk.desk_order,
        1,
        "外包装破损",
    )


def test_the_list_filters_by_kind_status_and_day_and_pages(client: FlaskClient, desk: Desk) -> None:
    def ids(query: str) -> list[tuple[str, int]]:
        return [(r["kind"], r["id"]) for r in listed(client, desk, "seller", query)["returns"]]

    assert ids("?status=waiting") == [("ceb625", desk.refund_id)]
    assert ids("?status=concluded") == [("desk", desk.desk_return_id)]
    assert ids("?kind=desk") == [("desk", desk.desk_return_id)]
    assert ids("?kind=ceb625&status=concluded") == []
    assert ids("?since=2000-01-01&until=2999-12-31") == ids("")
    assert ids("?until=2000-01-01") == [] and ids("?since=2999-01-01") == []
    first = listed(client, desk, "seller", "?limit=1")
    assert [r["id"] for r in first["returns"]] == [desk.desk_return_id] and first["next_offset"] == 1
    second = listed(client, desk, "seller", "?limit=1&offset=1")
    assert [r["id"] for r in second["returns"]] == [desk.refund_id] and second["next_offset"] is None


@pytest.mark.parametrize(
    "query",
    [
        "?status=bogus",
        "?kind=ceb626",
        "?since=2026-02-30",
        "?until=yesterday",
        "?since=2026-03-02&until=2026-03-01",
        "?limit=0",
        "?limit=501",
        "?offset=-1",
        "?offset=999999999999",
        "?kind=" + "x" * 200,
    ],
)
def test_bad_filters_are_a_400(client: FlaskClient, desk: Desk, query: str) -> None:
    answer = client.get(LIST + query, headers=desk.headers["seller"])
    assert answer.status_code == 400 and answer.json["error"]["code"] == "invalid_input", query


def test_the_return_desk_page_lists_them_in_words(app: Flask, client: FlaskClient, desk: Desk) -> None:
    login(app, client, "packer@warehouse.example")
    page = client.get("/merchant/returns").data.decode()
    assert ORDER_NO in page and "海关退货申请（CEB625）" in page and "待扫码收回商品" in page
    assert desk.desk_order not in page and ">waiting<" not in page and ">ceb625<" not in page
    login(app, client, "staff@a.example")
    page = client.get("/merchant/returns?kind=desk").data.decode()
    assert desk.desk_order in page and "柜台受理的退货" in page and "已审结" in page and ORDER_NO not in page
    assert client.get("/merchant/returns?since=2026-03-02&until=2026-03-01").status_code == 400
    assert client.get("/merchant/returns?offset=abc").status_code == 400
    login(app, client, "staff@b.example")
    page = client.get("/merchant/returns").data.decode()
    assert 'data-test="returns-empty"' in page and ORDER_NO not in page and desk.desk_order not in page
