"""What a consumer, a phone camera or a GS1 resolver client sees when a code URL is opened."""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import urlsplit

import pytest
from flask.testing import FlaskClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from suyuan.runtime import Runtime
from suyuan.trace import registry
from suyuan.trace.model import Claim, Scan
from tests.factories import code_urls, make_batch, make_world

JSON = {"Accept": "application/json"}


def path_of(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.path}?{parts.query}" if parts.query else parts.path


@pytest.fixture
def code(session: Session, runtime: Runtime) -> str:
    world = make_world(session, runtime.ring)
    batch = make_batch(session, world, runtime.ring, count=5)
    return path_of(code_urls(session, runtime.ring, batch, 1, 1)[0])


def test_json_verdict_has_the_contract_shape(client: FlaskClient, code: str) -> None:
    doc = client.get(code, headers=JSON).json
    assert doc["verdict"] == "genuine" and doc["reasons"] == []
    assert set(doc) >= {"verdict", "reasons", "code", "product", "batch", "supplier", "scans"}
    assert doc["code"]["serial"] == "1" and doc["supplier"]["country"] == "NZ"
    assert doc["scans"]["count"] == 1 and doc["scans"]["first_at"]
    assert doc["issuance"]["statement_url"].endswith("/issuances/1")


def test_the_page_shows_the_verdict_first_in_chinese_by_default_and_english_on_request(
    client: FlaskClient, code: str
) -> None:
    zh = client.get(code).data.decode()
    assert 'data-verdict="genuine"' in zh and "正品" in zh and 'lang="zh-CN"' in zh
    assert zh.index('data-verdict="genuine"') < zh.index("Aotearoa Dairy Export Ltd")
    en = client.get(code, headers={"Accept-Language": "en-US,en;q=0.9"}).data.decode()
    assert "Genuine" in en and 'lang="en"' in en
    switched = client.get(code + "&lang=en")
    assert "lang=en" in switched.headers.get("Set-Cookie", "")


def test_every_scan_is_recorded_with_a_device_cookie_and_no_ip(
    client: FlaskClient, code: str, session: Session
) -> None:
    first = client.get(code, headers={"X-Suyuan-Region": "CN-GD", "X-Forwarded-For": "203.0.113.9"})
    assert "sy_did=" in first.headers["Set-Cookie"]
    client.get(code)
    scans = session.scalars(select(Scan)).all()
    assert len(scans) == 2 and scans[0].device_hash == scans[1].device_hash
    assert scans[0].region == ""  # a client's region header is ignored without a trusted proxy
    assert all("203.0.113.9" not in str(vars(s)) for s in scans)


@pytest.mark.parametrize(
    "mutate",
    [
        lambda c: c.replace("/21/1?", "/21/2?"),
        lambda c: c.split("?")[0],
        lambda c: c + "&s=1" + "0" * 155,
        lambda c: c[:-10] + "0123456789",
        lambda c: c.replace("?s=1", "?s=9"),
        lambda c: c.split("?")[0] + "?%ZZ=1",
    ],
)
def test_tampered_codes_say_counterfeit_never_genuine_and_never_500(
    client: FlaskClient, code: str, mutate
) -> None:  # type: ignore[no-untyped-def]
    response = client.get(mutate(code), headers=JSON)
    assert response.status_code in (200, 400)
    assert response.json["verdict"] == "counterfeit" and response.json["reasons"]


@pytest.mark.parametrize(
    "path",
    [
        "/01/123/10/A/21/1",
        "/01/09421234560016/10/A/21/1?s=1",
        "/01/09421234560015/10/%E6%89%B9/21/1",
        "/01/09421234560015/10/A/21/1?s=" + "1" * 3000,
        "/01/09421234560015/10/A/21/" + "9" * 40,
        "/01/%00/10/A/21/1",
    ],
)
def test_malformed_code_urls_are_400_with_a_reason(
    client: FlaskClient, code: str, path: str, session: Session
) -> None:
    response = client.get(path, headers=JSON)
    assert response.status_code == 400
    assert response.json["verdict"] == "counterfeit"
    html = client.get(path)
    assert html.status_code == 400 and b'data-verdict="counterfeit"' in html.data
    assert session.scalar(select(func.count()).select_from(Scan)) == 0


def test_linkset_and_link_header_follow_the_gs1_resolver_style(client: FlaskClient, code: str) -> None:
    page = client.get(code, headers=JSON)
    assert 'rel="linkset"' in page.headers["Link"]
    linkset = client.get(code, headers={"Accept": "application/linkset+json"})
    assert linkset.mimetype == "application/linkset+json"
    links = linkset.json["linkset"][0]
    for rel in ("pip", "recallStatus", "certificationInfo", "verificationService", "traceability"):
        assert links[f"https://gs1.org/voc/{rel}"][0]["href"]
    assert client.get(code + "&linkType=all").json == linkset.json
    pip = client.get(code + "&linkType=gs1:pip")
    assert pip.status_code == 307 and pip.headers["Location"].endswith("/01/" + code.split("/")[2])
    assert client.get(code + "&linkType=gs1:nonsense").status_code == 404


def test_shorter_paths_fall_back_to_batch_and_product(client: FlaskClient, code: str) -> None:
    gtin, lot = code.split("/")[2], code.split("/")[4]
    product = client.get(f"/01/{gtin}", headers=JSON)
    assert product.status_code == 200 and product.json["products"][0]["gtin"] == gtin
    batch = client.get(f"/01/{gtin}/10/{lot}")
    assert batch.status_code == 200 and b'data-test="recall-status"' in batch.data
    assert client.get("/01/09421234560015/10/NOPE").status_code == 404


def test_consumer_disclosure_shows_on_the_scan_page(
    client: FlaskClient, session: Session, runtime: Runtime
) -> None:
    world = make_world(session, runtime.ring)
    batch = make_batch(session, world, runtime.ring, count=1)
    product = batch.product
    product.consumer_disclosure = "本品未提供检测报告 / no test report provided"
    session.commit()
    page = client.get(path_of(code_urls(session, runtime.ring, batch)[0])).data.decode()
    assert 'data-test="disclosure"' in page and "no test report provided" in page
    assert registry  # the disclosure is set through admission in the registry tests


def test_i_bought_this_claims_the_code_for_this_browser(client: FlaskClient, code: str, app, session) -> None:  # type: ignore[no-untyped-def]
    app.config["WTF_CSRF_ENABLED"] = False
    client.get(code)
    full = "https://sy.example.cn" + code
    claimed = client.post("/01/x/claim", data={"code": full})
    assert claimed.status_code == 303 and claimed.headers["Location"] == code
    assert client.get(code, headers=JSON).json["claimed_by_you"] is True
    buyers_claim = session.scalars(select(Claim)).one()
    buyers_claim.at -= timedelta(days=2)  # the copy below is scanned days after the buyer's claim
    session.commit()
    stranger = app.test_client()
    doc = stranger.get(code, headers={**JSON, "X-Device-Id": "someone-else"}).json
    assert doc["verdict"] == "suspect" and doc["reasons"] == ["claimed_by_other"]
    assert stranger.post("/01/x/claim", data={"code": full}, headers={"X-Device-Id": "z"}).status_code == 409


def test_claims_need_a_csrf_token(client: FlaskClient, code: str) -> None:
    response = client.post("/01/x/claim", data={"code": "https://sy.example.cn" + code})
    assert response.status_code == 400


def test_jwks_and_health_are_public(client: FlaskClient, code: str) -> None:
    jwks = client.get("/.well-known/jwks.json").json
    assert jwks["keys"][0] | {"x": "-"} == jwks["keys"][0] | {"x": "-"}
    assert {k["kty"] for k in jwks["keys"]} == {"OKP"} and jwks["keys"][0]["status"] == "active"
    assert client.get("/healthz").json == {"status": "ok"}
    assert client.get("/no-such-page").status_code == 404
