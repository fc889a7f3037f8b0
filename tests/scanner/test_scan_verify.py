"""Photos of issued codes decode and verify through the CLI and the API; hostile uploads are refused."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
import zxingcpp
from click.testing import CliRunner
from flask.testing import FlaskClient
from PIL import Image, ImageFilter
from sqlalchemy.orm import Session

from suyuan.cli import main
from suyuan.config import Settings
from suyuan.runtime import Runtime
from tests.factories import code_urls, make_batch, make_world


def photo_of(*texts: str, angle: float = 12, blur: float = 0.8) -> bytes:
    """A JPEG 'photo' of labels: codes on a grey background, rotated and slightly blurred."""
    canvas = Image.new("L", (1400, 800), 170)
    for i, text in enumerate(texts):
        symbol = zxingcpp.create_barcode(text, zxingcpp.BarcodeFormat.QRCode, ec_level="M")
        canvas.paste(Image.fromarray(symbol.to_image(scale=6)).convert("L"), (60 + i * 440, 150))
    shot = canvas.rotate(angle, expand=True, fillcolor=150).filter(ImageFilter.GaussianBlur(blur))
    out = io.BytesIO()
    shot.convert("RGB").save(out, "JPEG", quality=80)
    return out.getvalue()


@pytest.fixture
def urls(session: Session, runtime: Runtime) -> list[str]:
    world = make_world(session, runtime.ring)
    batch = make_batch(session, world, runtime.ring, count=3)
    return code_urls(session, runtime.ring, batch)


def test_the_api_finds_every_code_in_a_photo_with_its_verdict(client: FlaskClient, urls: list[str]) -> None:
    forged = urls[1].replace("/21/2?", "/21/3?")
    data = photo_of(urls[0], forged)
    response = client.post("/api/v1/scan-image", data={"file": (io.BytesIO(data), "label.jpg")})
    assert response.status_code == 200, response.json
    found = {c["text"]: c for c in response.json["codes"]}
    assert found[urls[0]]["verdict"] == "genuine"
    assert found[forged]["verdict"] == "counterfeit" and found[forged]["reasons"] == ["bad_signature"]
    assert len(found[urls[0]]["position"]) == 4
    # the product of the lot each code names, for the camera page's list (forged or not)
    assert found[urls[0]]["product"].startswith("婴儿配方奶粉")
    assert found[forged]["product"] == found[urls[0]]["product"]


def test_a_code_that_names_no_lot_of_ours_has_no_product(client: FlaskClient, urls: list[str]) -> None:
    other_lot = urls[0].replace("/10/", "/10/NOSUCH")
    data = photo_of(other_lot, "https://elsewhere.example/hello")
    response = client.post("/api/v1/scan-image", data={"file": (io.BytesIO(data), "l.jpg")})
    found = {c["text"]: c for c in response.json["codes"]}
    assert found[other_lot]["product"] is None and found["https://elsewhere.example/hello"]["product"] is None


@pytest.mark.parametrize(
    ("payload", "status", "code"),
    [
        (b"", 422, "image_empty"),
        (b"GIF89a" + b"\x00" * 50, 422, "image_malformed_image"),
        (b"%PDF-1.4 broken", 422, "image_malformed_image"),
        (b"hello, not an image" * 10, 422, "image_not_an_image"),
        (b"\xff\xd8\xff" + b"\x00" * (15 * 1024 * 1024), 413, "request_entity_too_large"),
    ],
)
def test_hostile_uploads_are_refused_with_4xx(
    client: FlaskClient, urls: list[str], payload: bytes, status: int, code: str
) -> None:
    response = client.post("/api/v1/scan-image", data={"file": (io.BytesIO(payload), "x.jpg")})
    assert response.status_code == status
    assert response.json["error"]["code"] == code


def test_a_decompression_bomb_is_refused_before_decoding(client: FlaskClient, urls: list[str]) -> None:
    bomb = io.BytesIO()
    Image.new("1", (20000, 20000)).save(bomb, "PNG")
    response = client.post("/api/v1/scan-image", data={"file": (io.BytesIO(bomb.getvalue()), "bomb.png")})
    assert (response.status_code, response.json["error"]["code"]) == (422, "image_too_many_pixels")


def test_missing_file_field_is_a_clear_400(client: FlaskClient, urls: list[str]) -> None:
    response = client.post("/api/v1/scan-image", data={"photo": (io.BytesIO(b"x"), "x.jpg")})
    assert response.status_code == 400 and "file" in response.json["error"]["message"]


def test_cli_scan_online_and_offline(
    urls: list[str], settings: Settings, tmp_path: Path, client: FlaskClient
) -> None:
    photo = tmp_path / "photo.jpg"
    photo.write_bytes(photo_of(urls[2]))
    env = {
        "SUYUAN_DATABASE_URL": settings.database_url,
        "SUYUAN_INSTANCE_DIR": str(settings.instance_dir),
        "SUYUAN_KEY_PASSPHRASE": "test-key-passphrase",
        "SUYUAN_KEY_KDF_ROUNDS": "1000",
    }
    runner = CliRunner()
    online = runner.invoke(main, ["scan", str(photo), "--json"], env=env)
    assert online.exit_code == 0, online.output
    result = json.loads(online.output)
    assert result["codes"][0]["text"] == urls[2] and result["codes"][0]["verdict"] == "genuine"
    jwks = tmp_path / "jwks.json"
    jwks.write_text(json.dumps(client.get("/.well-known/jwks.json").json))
    offline = runner.invoke(main, ["scan", str(photo), "--jwks", str(jwks)], env={})
    assert offline.exit_code == 0 and "genuine" in offline.output and "offline_unchecked" in offline.output
    junk = tmp_path / "junk.png"
    junk.write_bytes(b"\x89PNG\r\n\x1a\n" + b"\x00" * 20)
    refused = runner.invoke(main, ["scan", str(junk)], env=env)
    assert refused.exit_code == 2 and "malformed" in refused.output
    blank = tmp_path / "blank.png"
    Image.new("L", (300, 300), 255).save(blank)
    nothing = runner.invoke(main, ["scan", str(blank)], env=env)
    assert nothing.exit_code == 1 and "no code found" in nothing.output
