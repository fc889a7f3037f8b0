"""Upload bombs against ``POST /api/v1/scan-image`` and complaint photos: refused before decoding, fast.

The files come from :mod:`tests.upload_bombs` (tiny files declaring huge images, frames or pages, as in the
security review). Each refusal is timed with a generous bound, only as a sanity check that nothing was
decoded (decoding any of these takes seconds); ``bench/hostile_uploads.py`` measures the real figures.
"""

from __future__ import annotations

import io
import time
from typing import Any

import pytest
import zxingcpp
from flask.testing import FlaskClient
from PIL import Image
from sqlalchemy.orm import Session
from werkzeug.test import TestResponse

from suyuan.runtime import Runtime
from suyuan.scanner.images import ANONYMOUS_LIMITS, Limits, iter_pages
from tests.factories import World, code_urls, make_batch, make_world
from tests.upload_bombs import fragmented_gif, gif_bomb, pdf_bomb, tiff_bomb

FAST = 1.5
"""Seconds a refusal may take at most here (it takes milliseconds; decoding would take seconds)."""


@pytest.fixture
def world(session: Session, runtime: Runtime) -> World:
    return make_world(session, runtime.ring)


@pytest.fixture
def url(session: Session, runtime: Runtime, world: World) -> str:
    return code_urls(session, runtime.ring, make_batch(session, world, runtime.ring, count=2), 1, 1)[0]


def scan(client: FlaskClient, data: bytes, token: str | None = None) -> tuple[TestResponse, float]:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    started = time.perf_counter()
    response = client.post("/api/v1/scan-image", data={"file": (io.BytesIO(data), "x")}, headers=headers)
    return response, time.perf_counter() - started


def refused(response: TestResponse) -> tuple[int, str]:
    return response.status_code, response.json["error"]["code"]


def label_photo(text: str) -> bytes:
    """A phone-style JPEG of a label: the code on a grey background."""
    canvas = Image.new("L", (1600, 1200), 180)
    symbol = zxingcpp.create_barcode(text, zxingcpp.BarcodeFormat.QRCode, ec_level="M")
    canvas.paste(Image.fromarray(symbol.to_image(scale=6)).convert("L"), (400, 250))
    out = io.BytesIO()
    canvas.convert("RGB").save(out, "JPEG", quality=85)
    return out.getvalue()


@pytest.mark.parametrize(
    ("bomb", "code"),
    [
        (pdf_bomb(pages=20), "image_too_many_pages"),  # 4 KB, 20 pages of 200 in
        (gif_bomb(frames=20), "image_too_many_pages"),  # 20 frames of 39.7 MP
        (tiff_bomb(pages=20), "image_too_many_pages"),
        (gif_bomb(frames=2), "image_too_many_pixels"),  # 2 × 39.7 MP over the 40 MP budget of a request
        (tiff_bomb(pages=2), "image_too_many_pixels"),
        (gif_bomb(frames=100_000, side=1), "image_too_many_pages"),  # frames counted only up to the limit
        (fragmented_gif(), "image_malformed_image"),  # 300,000 one-byte sub-blocks
        (tiff_bomb(pages=1, side=100, extra_tags=5_000), "image_malformed_image"),
    ],
    ids=["pdf-pages", "gif-frames", "tiff-pages", "gif-pixels", "tiff-pixels", "gif-100k", "blocks", "tags"],
)
def test_anonymous_upload_bombs_are_refused_before_decoding(
    client: FlaskClient, url: str, bomb: bytes, code: str
) -> None:
    response, seconds = scan(client, bomb)
    assert refused(response) == (422, code), response.json
    assert seconds < FAST


@pytest.mark.parametrize(
    ("bomb", "code"),
    [
        (gif_bomb(frames=20), "image_too_many_pixels"),  # 794 MP against 80 MP
        (tiff_bomb(pages=20), "image_too_many_pixels"),
        (pdf_bomb(pages=21), "image_too_many_pages"),
    ],
    ids=["gif", "tiff", "pdf"],
)
def test_signed_in_callers_get_more_pages_but_the_same_kind_of_budget(
    client: FlaskClient, world: World, bomb: bytes, code: str
) -> None:
    response, seconds = scan(client, bomb, world.tokens["regulator"])
    assert refused(response) == (422, code), response.json
    assert seconds < FAST


def test_pdf_pages_are_rendered_within_one_pixel_budget_for_all_pages() -> None:
    limits = Limits(max_total_pixels=3_000_000)
    pages = list(iter_pages(pdf_bomb(pages=3, inches=200), limits))
    assert len(pages) == 3
    assert sum(page.width * page.height for page in pages) <= limits.max_total_pixels


def test_anonymous_callers_may_send_only_a_few_pages(client: FlaskClient, url: str) -> None:
    too_many = ANONYMOUS_LIMITS.max_pages + 1
    response, _ = scan(client, pdf_bomb(pages=too_many, inches=1))
    assert refused(response) == (422, "image_too_many_pages")


def test_a_phone_photo_of_a_label_still_scans_anonymously(client: FlaskClient, url: str) -> None:
    response, _ = scan(client, label_photo(url))
    assert response.status_code == 200, response.json
    assert [(c["text"], c["verdict"]) for c in response.json["codes"]] == [(url, "genuine")]


def test_a_label_pdf_page_still_scans(client: FlaskClient, world: World, url: str) -> None:
    document = Image.open(io.BytesIO(label_photo(url)))
    buffer = io.BytesIO()
    document.save(buffer, "PDF", resolution=200.0)
    response, _ = scan(client, buffer.getvalue(), world.tokens["merchant"])
    assert response.status_code == 200, response.json
    assert [c["text"] for c in response.json["codes"]] == [url]


def test_a_chunked_body_is_held_to_the_global_body_limit(client: FlaskClient, url: str) -> None:
    """No Content-Length to check up front: the server must stop reading at 16 MB all the same."""
    boundary = "x" * 20
    fields = {"code": url, "category": "quality", "text": "The lid was broken on arrival."}
    parts = [
        f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode()
        for name, value in fields.items()
    ]
    junk = f'--{boundary}\r\nContent-Disposition: form-data; name="junk"; filename="j.bin"\r\n\r\n'.encode()
    payload = b"".join(parts) + junk + b"\x00" * (17 * 1024 * 1024) + f"\r\n--{boundary}--\r\n".encode()
    response = client.post(
        "/api/v1/complaints",
        input_stream=io.BytesIO(payload),
        headers={
            "Transfer-Encoding": "chunked",
            "Content-Type": f"multipart/form-data; boundary={boundary}",
            "X-Device-Id": "chunked",
        },
        environ_overrides={"wsgi.input_terminated": True},
    )
    assert response.status_code == 413


def complain(client: FlaskClient, url: str, photo: bytes) -> tuple[TestResponse, float]:
    data: dict[str, Any] = {
        "code": url,
        "category": "quality",
        "text": "The lid was broken on arrival.",
        "photo": (io.BytesIO(photo), "photo.gif"),
    }
    started = time.perf_counter()
    response = client.post("/api/v1/complaints", data=data, headers={"X-Device-Id": "hostile-uploads"})
    return response, time.perf_counter() - started


def test_an_animated_complaint_photo_costs_only_its_first_frame(client: FlaskClient, url: str) -> None:
    response, seconds = complain(client, url, gif_bomb(frames=5_000, side=1_000))
    assert response.status_code == 201, response.json
    assert seconds < FAST


@pytest.mark.parametrize(
    ("bomb", "code"),
    [
        (tiff_bomb(pages=1, side=20_000), "image_too_many_pixels"),
        (fragmented_gif(), "image_malformed_image"),
    ],
    ids=["pixels", "blocks"],
)
def test_complaint_photo_bombs_are_refused_before_decoding(
    client: FlaskClient, url: str, bomb: bytes, code: str
) -> None:
    response, seconds = complain(client, url, bomb)
    assert refused(response) == (422, code), response.json
    assert seconds < FAST
