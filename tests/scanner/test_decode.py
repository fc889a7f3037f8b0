"""The decoding pipeline: codes found once each, where they are, by which pass, within the time budget,
from every page of an upload."""

from __future__ import annotations

import io
import time

import numpy as np
import pytest
from PIL import Image
from reportlab.lib.utils import ImageReader
from reportlab.pdfgen import canvas

from suyuan.scanner import decode as decode_module
from suyuan.scanner.decode import PASSES, DecodedCode, Pass, decode_bytes, decode_image, read_plain
from suyuan.scanner.filters import Gray
from suyuan.scanner.images import ImageRejected, Limits
from tests.scanner.conftest import CODE_TEXT, encode, qr_array, qr_image

# A code at (150, 100) with 4 px modules and a 4-module quiet zone: the symbol spans 166..346 on both axes.
TRUE_CORNERS = ((166, 116), (346, 116), (346, 296), (166, 296))


def label_photo(light: float = 1.0, noise: float = 0.0, seed: int = 1) -> Image.Image:
    """An 800×800 greyscale "photo" of a code at a known place, optionally dim and grainy."""
    code = qr_array(CODE_TEXT, 4).astype(np.float32)
    scene = np.full((800, 800), 200, np.float32)
    scene[100 : 100 + code.shape[0], 150 : 150 + code.shape[1]] = code * 0.9 + 10
    grain = np.random.default_rng(seed).normal(0, noise, scene.shape) if noise else 0.0
    return Image.fromarray(np.clip(scene * light + grain, 0, 255).astype(np.uint8), "L")


def assert_near(
    position: tuple[tuple[int, int], ...], expected: tuple[tuple[int, int], ...], tol: int
) -> None:
    """Corner by corner, within ``tol`` pixels."""
    assert len(position) == 4
    for (x, y), (ex, ey) in zip(position, expected, strict=True):
        assert abs(x - ex) <= tol and abs(y - ey) <= tol, (position, expected)


def test_clean_code_is_read_by_the_plain_pass_with_its_corners() -> None:
    (code,) = decode_image(label_photo())
    assert code == DecodedCode(text=CODE_TEXT, position=code.position, page=0, method="plain")
    assert_near(code.position, TRUE_CORNERS, 2)


def test_dim_grainy_photo_plain_zxing_misses_is_rescued_by_a_later_pass() -> None:
    photo = label_photo(light=0.1, noise=8)
    assert read_plain(photo) == []
    (code,) = decode_image(photo)
    assert code.text == CODE_TEXT
    assert code.method != "plain"
    assert_near(code.position, TRUE_CORNERS, 3)


@pytest.mark.parametrize("stages", [("half",), ("up2",), ("up3",)])
def test_corners_are_mapped_back_from_scaled_copies(stages: tuple[str, ...]) -> None:
    (code,) = decode_image(label_photo(), passes=[Pass("scaled", stages)])
    assert code.method == "scaled"
    assert_near(code.position, TRUE_CORNERS, 3)


def test_later_passes_do_not_run_once_a_code_is_found(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[int] = []

    def spy(gray: Gray) -> Gray:
        calls.append(1)
        return gray

    monkeypatch.setitem(decode_module.STAGES, "spy", spy)
    passes = [Pass("plain"), Pass("spy", ("spy",))]
    assert [c.method for c in decode_image(label_photo(), passes=passes)] == ["plain"]
    assert calls == []
    assert decode_image(Image.new("L", (300, 300), 255), passes=passes) == []
    assert calls == [1]


def test_zero_budget_runs_only_the_plain_pass() -> None:
    photo = label_photo(light=0.1, noise=8)
    assert decode_image(photo, budget_s=0.0) == []
    assert len(decode_image(photo, budget_s=2.0)) == 1


def test_hopeless_image_costs_at_most_about_the_budget() -> None:
    noise = np.random.default_rng(2).integers(0, 256, (1200, 1600), dtype=np.uint8)
    started = time.perf_counter()
    assert decode_image(Image.fromarray(noise, "L"), budget_s=0.1) == []
    assert time.perf_counter() - started < 0.1 + 0.5  # the budget plus at most one (bounded) pass


def test_all_passes_together_stay_well_within_the_default_budget() -> None:
    blank = Image.fromarray(np.random.default_rng(4).integers(90, 110, (960, 1280), dtype=np.uint8), "L")
    started = time.perf_counter()
    assert decode_image(blank, budget_s=60.0) == []
    assert time.perf_counter() - started < 2.0


def test_min_codes_keeps_looking_for_a_second_code() -> None:
    rng = np.random.default_rng(5)
    scene = np.full((700, 1000), 220, np.float32)
    first = qr_array("FIRST-CODE", 6).astype(np.float32)
    scene[50 : 50 + first.shape[0], 50 : 50 + first.shape[1]] = first * 0.85 + 20
    dim = np.full((400, 400), 220, np.float32)
    second = qr_array(CODE_TEXT, 4).astype(np.float32)
    dim[60 : 60 + second.shape[0], 60 : 60 + second.shape[1]] = second * 0.85 + 20
    scene[250:650, 500:900] = dim * 0.08  # the second label lies in deep shadow
    photo = Image.fromarray(np.clip(scene + rng.normal(0, 6, scene.shape), 0, 255).astype(np.uint8), "L")
    assert [c.text for c in decode_image(photo)] == ["FIRST-CODE"]
    both = decode_image(photo, min_codes=2)
    assert [c.text for c in both] == ["FIRST-CODE", CODE_TEXT]
    assert both[1].method != "plain"


def test_the_same_code_twice_is_reported_once() -> None:
    sheet = Image.new("L", (900, 400), 255)
    sheet.paste(qr_image(module_px=4), (20, 20))
    sheet.paste(qr_image(module_px=5), (480, 20))
    assert len(read_plain(sheet)) == 2
    assert [c.text for c in decode_image(sheet)] == [CODE_TEXT]


def test_different_codes_in_one_photo_are_all_reported() -> None:
    sheet = Image.new("L", (900, 400), 255)
    sheet.paste(qr_image("LEFT", module_px=6), (20, 20))
    sheet.paste(qr_image("RIGHT", module_px=6), (480, 20))
    assert sorted(c.text for c in decode_image(sheet)) == ["LEFT", "RIGHT"]


def test_inverted_and_rotated_codes_are_read() -> None:
    inverted = Image.fromarray(255 - np.asarray(qr_image(module_px=4)), "L")
    assert [c.text for c in decode_image(inverted)] == [CODE_TEXT]
    tilted = qr_image(module_px=4, canvas=(500, 500), at=(60, 60)).rotate(33, fillcolor=255)
    assert [c.text for c in decode_image(tilted)] == [CODE_TEXT]
    (turned,) = decode_image(label_photo().rotate(90))  # counter-clockwise: the symbol's top-left moves down
    assert turned.position[0][1] > turned.position[1][1]


def test_colour_and_binary_images_are_accepted() -> None:
    code = qr_image(module_px=4)
    for image in (code.convert("RGB"), code.convert("1"), code.convert("RGBA")):
        assert [c.text for c in decode_image(image)] == [CODE_TEXT]


def test_text_is_the_exact_encoded_text() -> None:
    text = "\x01\x1dGS-separated\r\nline two ✓ 溯源"
    (code,) = decode_image(qr_image(text, module_px=4))
    assert code.text == text


def test_gif_with_codes_on_two_frames() -> None:
    frames = [
        qr_image("FRAME-ZERO", module_px=5, canvas=(320, 320), at=(20, 20)),
        Image.new("L", (320, 320), 255),
        qr_image("FRAME-TWO", module_px=5, canvas=(320, 320), at=(60, 40)),
    ]
    data = encode(frames[0], "GIF", save_all=True, append_images=frames[1:], duration=200)
    codes = decode_bytes(data)
    assert [(c.text, c.page) for c in codes] == [("FRAME-ZERO", 0), ("FRAME-TWO", 2)]


def pdf_with_code_on_page(pages: int, code_pages: dict[int, str]) -> bytes:
    """An A6 PDF with ``pages`` pages and a 40 mm QR code on the pages given (0-based) with their texts."""
    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer, pagesize=(298, 420))
    for index in range(pages):
        pdf.drawString(20, 400, f"page {index + 1}")
        if index in code_pages:
            code = qr_image(code_pages[index], module_px=1).convert("RGB")
            pdf.drawImage(ImageReader(code), 40, 150, 160, 160)
        pdf.showPage()
    pdf.save()
    return buffer.getvalue()


def test_pdf_page_with_a_code() -> None:
    (code,) = decode_bytes(pdf_with_code_on_page(2, {1: CODE_TEXT}))
    assert (code.text, code.page) == (CODE_TEXT, 1)
    # 160 pt at 200 dpi is 444 px; the code's left edge sits at 40 pt (+ quiet zone) = 111+ px.
    assert 111 < code.position[0][0] < 160


def test_pillow_made_pdf_with_a_code() -> None:
    data = encode(
        qr_image(module_px=4, canvas=(600, 800), at=(100, 100)).convert("RGB"), "PDF", resolution=150
    )
    assert [c.text for c in decode_bytes(data)] == [CODE_TEXT]


def test_total_budget_stops_after_the_first_page() -> None:
    data = pdf_with_code_on_page(3, {0: "PAGE-ONE", 2: "PAGE-THREE"})
    assert [c.text for c in decode_bytes(data)] == ["PAGE-ONE", "PAGE-THREE"]
    assert [c.text for c in decode_bytes(data, total_budget_s=0.0)] == ["PAGE-ONE"]


def test_decode_bytes_refuses_what_the_loader_refuses() -> None:
    with pytest.raises(ImageRejected) as info:
        decode_bytes(b"not an image at all")
    assert info.value.reason == "not_an_image"
    with pytest.raises(ImageRejected) as info:
        decode_bytes(encode(qr_image(), "PNG"), Limits(max_pixels=100))
    assert info.value.reason == "too_many_pixels"


def test_exif_rotated_photo_reports_upright_coordinates() -> None:
    upright = qr_image(module_px=4, canvas=(600, 300), at=(20, 40)).convert("RGB")
    stored = upright.rotate(90, expand=True)  # stored sideways ...
    exif = Image.Exif()
    exif[0x0112] = 6  # ... with "rotate 90° clockwise to display"
    (code,) = decode_bytes(encode(stored, "JPEG", quality=95, exif=exif.tobytes()))
    (reference,) = decode_image(upright)
    assert_near(code.position, reference.position, 3)


def test_pass_names_are_unique_and_stages_known() -> None:
    assert PASSES[0] == Pass("plain")
    assert len({p.name for p in PASSES}) == len(PASSES)
    assert all(stage in decode_module.STAGES for p in PASSES for stage in p.stages)


def test_transparent_image_passed_directly_is_read_on_white() -> None:
    code = np.asarray(qr_image(module_px=4))
    rgba = np.zeros((*code.shape, 4), dtype=np.uint8)  # transparent black, opaque black modules
    rgba[..., 3] = np.where(code < 128, 255, 0)
    assert [c.text for c in decode_image(Image.fromarray(rgba, "RGBA"))] == [CODE_TEXT]
