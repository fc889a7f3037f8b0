"""Web hardening on every response: CSP, framing, HSTS, Secure cookies, one public origin, API CSRF.

Findings 6, 12, 14 and 16 of the December security review: the attacks (framing, a forged ``Host``,
a cross-site write with the session cookie) are performed and must fail.
"""

from __future__ import annotations

import io
import re
from dataclasses import replace
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from suyuan.config import Settings
from suyuan.runtime import Runtime
from suyuan.web import create_app
from suyuan.web.charts import bar_chart, line_chart
from tests.factories import code_urls, make_batch, make_world

TEMPLATES = Path(__file__).resolve().parents[2] / "suyuan" / "web" / "templates"
EVIL = {"Host": "evil.example", "X-Forwarded-Host": "evil.example", "X-Forwarded-Proto": "http"}
JSON = {"Accept": "application/json"}


def path_of(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.path}?{parts.query}"


@pytest.fixture
def world(app: Flask, session: Session, runtime: Runtime) -> Any:
    return make_world(session, runtime.ring)


@pytest.fixture
def code(world: Any, session: Session, runtime: Runtime) -> str:
    batch = make_batch(session, world, runtime.ring, count=3)
    return path_of(code_urls(session, runtime.ring, batch, 1, 1)[0])


def sign_in(app: Flask, client: FlaskClient, email: str) -> None:
    app.config["WTF_CSRF_ENABLED"] = False
    assert client.post("/login", data={"email": email, "password": "password1"}).status_code == 302
    app.config["WTF_CSRF_ENABLED"] = True


def csrf_token_of(client: FlaskClient) -> str:
    page = client.get("/regulator/").get_data(as_text=True)
    found = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert found, "no form with a CSRF token on the page"
    return found.group(1)


def test_every_response_carries_the_hardening_headers(client: FlaskClient, code: str) -> None:
    for path in ("/", "/scan", "/login", code, "/nowhere", "/api/v1/openapi.json", "/static/style.css"):
        headers = client.get(path).headers
        csp = headers["Content-Security-Policy"]
        assert "unsafe-inline" not in csp and "'unsafe-eval'" not in csp, path
        # WebAssembly compilation (the camera's decoder) and nothing broader: no eval(), no inline code
        assert "script-src 'self' 'wasm-unsafe-eval';" in csp
        assert "style-src 'self';" in csp and "default-src 'self';" in csp
        assert "frame-ancestors 'none'" in csp and "object-src 'none'" in csp and "base-uri 'none'" in csp
        assert headers["X-Frame-Options"] == "DENY"
        assert headers["X-Content-Type-Options"] == "nosniff"
        assert headers["Referrer-Policy"] == "same-origin"  # code URLs carry signatures
        assert "camera=(self)" in headers["Permissions-Policy"]
        assert headers["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"


def test_cookies_are_secure_with_an_https_base_url(app: Flask, client: FlaskClient, code: str) -> None:
    cookies = client.get(code + "&lang=en").headers.getlist("Set-Cookie")
    app.config["WTF_CSRF_ENABLED"] = False
    signed_in = client.post("/login", data={"email": "staff@a.example", "password": "password1"})
    cookies += signed_in.headers.getlist("Set-Cookie")
    by_name = {c.split("=", 1)[0]: c for c in cookies}
    assert set(by_name) >= {"sy_did", "lang", "session"}
    for name, cookie in by_name.items():
        assert "; Secure" in cookie and "SameSite=Lax" in cookie, name


def test_no_hsts_and_no_secure_cookies_with_a_plain_http_base_url(settings: Settings, code: str) -> None:
    app = create_app(replace(settings, base_url="http://127.0.0.1:8000"), {"TESTING": True})
    response = app.test_client().get(code + "&lang=en")
    assert "Strict-Transport-Security" not in response.headers
    assert response.headers["Content-Security-Policy"]
    assert not [c for c in response.headers.getlist("Set-Cookie") if "Secure" in c]


def test_templates_have_no_inline_scripts_styles_or_handlers() -> None:
    wrong = []
    for template in TEMPLATES.rglob("*.html"):
        text = template.read_text()
        for tag in re.findall(r"<script\b[^>]*>", text):
            if "src=" not in tag and 'type="application/json"' not in tag:
                wrong.append(f"{template.name}: inline script {tag}")
        wrong += [f"{template.name}: <style>" for _ in re.findall(r"<style\b", text)]
        wrong += [f"{template.name}: {m}" for m in re.findall(r"\sstyle=\"[^\"]*\"", text)]
        wrong += [f"{template.name}: {m}" for m in re.findall(r"\son[a-z]+=\"", text)]
    assert not wrong, "\n".join(wrong)


def test_charts_draw_without_style_attributes() -> None:
    svg = str(line_chart([("a", 1), ("b", 3)], title="t")) + str(bar_chart([("a", 1)], title="t"))
    assert "<svg" in svg and "style=" not in svg


def test_the_camera_page_reads_its_texts_from_json_not_from_an_inline_script(client: FlaskClient) -> None:
    page = client.get("/scan", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert '<script type="application/json" id="camera-config">' in page
    assert '"scanUrl": "/api/v1/scan-image"' in page and '<script src="/static/camera.js' in page
    assert client.get("/static/camera.js").status_code == 200


def test_a_forged_host_header_never_reaches_a_response(client: FlaskClient, code: str) -> None:
    answers = [
        client.get("/.well-known/jwks.json", headers=EVIL),
        client.get(code, headers={**EVIL, **JSON}),
        client.get(code, headers={**EVIL, "Accept": "application/linkset+json"}),
        client.get(code + "&linkType=gs1:pip", headers=EVIL),
        client.get("/issuances/1", headers=EVIL),
        client.get(code, headers=EVIL),
    ]
    for answer in answers:
        assert answer.status_code < 400, answer.status_code
        assert "evil.example" not in answer.get_data(as_text=True)
        assert "evil.example" not in str(answer.headers)
    jwks = answers[0].json
    assert jwks["revocations"]["url"] == "https://sy.example.cn/.well-known/suyuan/revocations.json"
    assert answers[3].status_code == 307 and answers[3].headers["Location"].startswith(
        "https://sy.example.cn/"
    )
    assert answers[4].json["jwks"] == "https://sy.example.cn/.well-known/jwks.json"


def test_the_api_ignores_the_session_cookie_on_writes_without_the_csrf_header(
    app: Flask, client: FlaskClient, world: Any
) -> None:
    sign_in(app, client, "officer@test.example")
    cross_site = {"Origin": "https://evil.example"}
    assert client.post("/api/v1/spot-checks/draw").status_code == 401  # review row 14: was 201
    assert client.post("/api/v1/spot-checks/draw", headers=cross_site).status_code == 401
    assert client.post("/api/v1/spot-checks/draw", headers={"X-CSRFToken": "forged"}).status_code == 401
    assert client.get("/api/v1/batches").status_code == 200  # reads with the cookie stay possible
    token = csrf_token_of(client)
    assert client.post("/api/v1/spot-checks/draw", headers={"X-CSRFToken": token}).status_code == 201
    bearer = {"Authorization": "Bearer " + world.tokens["regulator"]}
    assert app.test_client().post("/api/v1/spot-checks/draw", headers=bearer).status_code == 201


def test_a_signed_in_browser_can_still_upload_a_photo_to_scan(
    app: Flask, client: FlaskClient, code: str
) -> None:
    from tests.scanner.test_scan_verify import photo_of

    sign_in(app, client, "staff@a.example")
    photo = photo_of("https://sy.example.cn" + code)
    response = client.post("/api/v1/scan-image", data={"file": (io.BytesIO(photo), "label.jpg")})
    assert response.status_code == 200 and response.json["codes"][0]["verdict"] == "genuine"


def test_the_camera_decoder_is_served_as_webassembly_from_our_own_origin(client: FlaskClient) -> None:
    wasm = client.get("/static/vendor/zxing-wasm/zxing_reader.wasm")
    assert wasm.status_code == 200 and wasm.mimetype == "application/wasm"
    assert wasm.data[:4] == b"\0asm"
    script = client.get("/static/vendor/zxing-wasm/zxing-reader.iife.js")
    assert script.status_code == 200 and script.mimetype in ("text/javascript", "application/javascript")
    component = client.get("/static/scan_component.js").get_data(as_text=True)
    assert '"vendor/zxing-wasm/"' in component and '"zxing_reader.wasm"' in component
    assert "locateFile" in component
    assert "jsdelivr" not in component and "unpkg" not in component
