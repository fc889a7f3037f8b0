"""Templates: the required stock exists, geometry is sound, and the QR fits at a scannable module size."""

from __future__ import annotations

import dataclasses

import pytest

from suyuan.labels import LabelTooSmall, UnknownTemplate, get_template, list_templates
from suyuan.labels.layout import MIN_MODULE_MM, PREFERRED_MODULE_MM, module_size, place_qr
from suyuan.labels.qr import QUIET_ZONE, encode
from suyuan.labels.templates import INCH_MM, Template

from .conftest import code_url

REQUIRED = {"a4-3x8", "a4-4x10", "a4-2x7", "letter-3x10", "roll-50x30"}


def test_required_templates_are_listed_sorted() -> None:
    names = [t.name for t in list_templates()]
    assert set(names) >= REQUIRED
    assert names == sorted(names)


def test_unknown_template_lists_valid_names() -> None:
    with pytest.raises(UnknownTemplate) as info:
        get_template("a5-1x1")
    assert isinstance(info.value, ValueError)
    for name in REQUIRED:
        assert name in str(info.value)
    assert info.value.valid == sorted(t.name for t in list_templates())


@pytest.mark.parametrize("template", list_templates(), ids=lambda t: t.name)
def test_labels_inside_page_and_not_overlapping(template: Template) -> None:
    boxes = []
    for index in range(template.labels_per_page):
        x, y = template.label_origin(index)
        assert x >= 0 and y >= 0
        assert x + template.label_width_mm <= template.page_width_mm + 1e-6
        assert y + template.label_height_mm <= template.page_height_mm + 1e-6
        boxes.append((x, y, x + template.label_width_mm, y + template.label_height_mm))
    for i, a in enumerate(boxes):
        for b in boxes[i + 1 :]:
            overlap_x = min(a[2], b[2]) - max(a[0], b[0])
            overlap_y = min(a[3], b[3]) - max(a[1], b[1])
            assert overlap_x <= 1e-6 or overlap_y <= 1e-6


@pytest.mark.parametrize("template", list_templates(), ids=lambda t: t.name)
def test_qr_fits_with_quiet_zone_at_preferred_module(template: Template) -> None:
    symbol = encode(code_url(99_999_999))
    qr = place_qr(template, symbol.size, template.dpi)
    assert qr.module_mm >= PREFERRED_MODULE_MM
    quiet = QUIET_ZONE * qr.module_mm
    assert qr.x_mm - quiet >= -1e-9 and qr.y_mm - quiet >= -1e-9
    assert qr.y_mm + qr.side_mm + quiet <= template.label_height_mm + 1e-9
    assert qr.x_mm >= template.padding_mm - 1e-9
    assert qr.module_dots * INCH_MM / template.dpi == pytest.approx(qr.module_mm)


def test_letter_avery_5160_meets_spec_minimum_and_preferred() -> None:
    template = get_template("letter-3x10")
    assert template.label_width_mm == pytest.approx(2.625 * INCH_MM)
    assert template.label_height_mm == pytest.approx(INCH_MM)
    _dots, module = module_size(template, encode(code_url(1)).size, 300)
    assert module >= MIN_MODULE_MM
    assert module >= PREFERRED_MODULE_MM  # 5 dots at 300 dpi = 0.423 mm


def test_label_too_small_is_a_clear_error() -> None:
    tiny = dataclasses.replace(
        get_template("roll-50x30"),
        name="tiny",
        page_width_mm=15,
        page_height_mm=10,
        label_width_mm=15,
        label_height_mm=10,
        pitch_x_mm=15,
        pitch_y_mm=10,
    )
    with pytest.raises(LabelTooSmall, match=r"0\.25 mm"):
        place_qr(tiny, encode(code_url(1)).size, tiny.dpi)


def test_impossible_geometry_rejected() -> None:
    with pytest.raises(ValueError, match="overlap"):
        dataclasses.replace(get_template("a4-3x8"), pitch_x_mm=60)
    with pytest.raises(ValueError, match="past the page"):
        dataclasses.replace(get_template("a4-3x8"), columns=4)
