"""The print proof passes good output and catches broken sheets: damaged, missing, swapped, duplicated,
unverifiable codes - for PDF and for PNG/ZIP output."""

from __future__ import annotations

import dataclasses
import io
from pathlib import Path

import numpy as np
import pytest

from suyuan.labels import LabelItem, ProofReport, proof_images, proof_pdf, render
from suyuan.labels import base as labels_base
from suyuan.labels.qr import QrSymbol, encode

from .conftest import code_url, make_items


def _pdf(items: list[LabelItem], template: str = "a4-3x8") -> bytes:
    out = io.BytesIO()
    render(items, template, "pdf", out)
    return out.getvalue()


def test_good_pdf_passes_with_per_page_report(items_100: list[LabelItem], tmp_path: Path) -> None:
    path = tmp_path / "labels.pdf"
    path.write_bytes(_pdf(items_100))
    report = proof_pdf(path, [item.url for item in items_100])
    assert report.passed, report.summary()
    assert report.found == report.expected == 100
    assert [p.labels_found for p in report.pages] == [24, 24, 24, 24, 4]
    assert all(p.ok and p.seconds > 0 for p in report.pages)
    assert report.summary().startswith("PASS: 100/100")


def _damaging_encode(victim: str) -> object:
    def fake(text: str) -> QrSymbol:
        symbol = encode(text)
        if text != victim:
            return symbol
        dark = symbol.dark.copy()
        middle = symbol.size // 2
        dark[middle - 9 : middle + 9, middle - 9 : middle + 9] = False  # beyond level M's 15 % recovery
        return QrSymbol(text=text, dark=dark)

    return fake


def test_damaged_qr_is_reported_missing(monkeypatch: pytest.MonkeyPatch) -> None:
    items = list(make_items(30))
    victim = items[7].url
    monkeypatch.setattr(labels_base, "encode", _damaging_encode(victim))
    report = proof_pdf(_pdf(items), [item.url for item in items])
    assert not report.passed
    assert report.missing == (victim,)
    assert report.found == 29 and not report.unexpected


def test_label_missing_from_sheet_is_reported() -> None:
    items = list(make_items(30))
    report = proof_pdf(_pdf(items[:-1]), [item.url for item in items])
    assert not report.passed and report.missing == (items[-1].url,)


def test_swapped_url_is_reported_missing_and_unexpected() -> None:
    items = list(make_items(30))
    wrong = code_url(999)
    printed = [*items[:5], dataclasses.replace(items[5], url=wrong), *items[6:]]
    report = proof_pdf(_pdf(printed), [item.url for item in items])
    assert not report.passed
    assert report.missing == (items[5].url,)
    assert report.unexpected == (wrong,)
    assert report.pages[0].unexpected == (wrong,) and not report.pages[0].ok


def test_duplicated_code_is_reported() -> None:
    items = list(make_items(10))
    report = proof_pdf(_pdf([*items, items[3]]), [item.url for item in items])
    assert not report.passed and report.duplicates == (items[3].url,)


def test_verify_callback_rejects() -> None:
    items = list(make_items(10))
    bad = items[2].url
    report = proof_pdf(_pdf(items), [item.url for item in items], verify=lambda url: url != bad)
    assert not report.passed and report.rejected == (bad,)
    assert not report.missing and not report.unexpected


def test_png_zip_proof_passes_and_catches_damage() -> None:
    items = list(make_items(30))
    urls = [item.url for item in items]
    out = io.BytesIO()
    render(items, "a4-4x10", "png", out)  # 40 per page: a single PNG
    assert proof_images(out.getvalue(), urls).passed
    zipped = io.BytesIO()
    render(items, "roll-50x30", "png", zipped)  # 30 pages: a ZIP
    report = proof_images(zipped.getvalue(), urls)
    assert report.passed and len(report.pages) == 30
    assert not proof_images(zipped.getvalue(), [*urls, code_url(31)]).passed


def test_png_with_ink_smudge_fails(monkeypatch: pytest.MonkeyPatch) -> None:
    from PIL import Image

    items = list(make_items(24))
    out = io.BytesIO()
    render(items, "a4-3x8", "png", out)
    with Image.open(out) as image:
        pixels = np.array(image.convert("L"))
    pixels[100:260, 100:260] = 0  # a blot over the first label's code
    smudged = io.BytesIO()
    Image.fromarray(pixels).save(smudged, format="PNG")
    report = proof_images(smudged.getvalue(), [item.url for item in items])
    assert report.missing == (items[0].url,)


def test_report_type_is_exported() -> None:
    assert ProofReport.__name__ == "ProofReport"
