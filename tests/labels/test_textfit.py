"""Text fitting: shrink, wrap, ellipsise - and never outside the label's text box or the QR quiet zone."""

from __future__ import annotations

import dataclasses
import datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from suyuan.labels import LabelItem, LabelTooSmall, Template, list_templates
from suyuan.labels.fonts import default_font
from suyuan.labels.layout import TEXT_MIN_PT, layout_label
from suyuan.labels.qr import QUIET_ZONE, encode
from suyuan.labels.textfit import ELLIPSIS, Paragraph, ellipsise, fit_block, wrap

from .conftest import GTIN, LONG_NAME, NAME, code_url

NAMES = [
    NAME,
    LONG_NAME,
    "奶粉",
    "特别长的中文产品名称没有任何空格也必须正确换行而且绝对不能超出标签的边框否则打印出来就会被裁掉" * 3,
    "Supercalifragilisticexpialidocious-Extra-Long-Single-Word-Product-Name-Without-Spaces",
    "日本进口 明治 Meiji ステップ 800g",
    "韩国进口 매일 앱솔루트 분유 800g",
]


def test_font_covers_every_test_string() -> None:
    font = default_font()
    for text in [*NAMES, "扫码验真 / Scan to verify", "批号 LOT 序号 SN 有效期 EXP", ELLIPSIS]:
        missing = {ch for ch in text if not ch.isspace() and not font.has_glyph(ch)}
        assert not missing, f"font {font.path} lacks {missing}"


def test_unsupported_characters_become_question_marks_not_tofu() -> None:
    font = default_font()
    assert font.clean("奶粉\U0001f600\u0007x") == "奶粉? x"


def _item(name: str, serial: str = "12345678901234567890", lot: str = "LOT-ABCDEFGHIJ-123456") -> LabelItem:
    return LabelItem(code_url(1), name, GTIN, lot, serial, datetime.date(2027, 12, 31))


@pytest.mark.parametrize("template", list_templates(), ids=lambda t: t.name)
@pytest.mark.parametrize("name", NAMES, ids=range(len(NAMES)))
def test_text_stays_inside_label_and_out_of_quiet_zone(template: Template, name: str) -> None:
    font = default_font()
    layout = layout_label(template, _item(name), encode(code_url(1)).size, template.dpi, font)
    box, qr = layout.box, layout.qr
    assert box.x_mm >= qr.x_mm + qr.side_mm + QUIET_ZONE * qr.module_mm - 1e-9
    assert box.x_mm + box.width_mm <= template.label_width_mm - template.padding_mm + 1e-9
    assert box.y_mm >= template.padding_mm - 1e-9
    assert box.y_mm + box.height_mm <= template.label_height_mm - template.padding_mm + 1e-9
    for line in layout.lines:
        assert line.size_pt >= TEXT_MIN_PT - 1e-9
        assert line.x_mm >= box.x_mm - 1e-9
        assert line.x_mm + font.width_mm(line.text, line.size_pt) <= box.x_mm + box.width_mm + 1e-9
        assert line.top_mm >= box.y_mm - 1e-9
        assert line.bottom_mm <= box.y_mm + box.height_mm + 1e-9
    joined = "".join(line.text for line in layout.lines)
    assert "12345678901234567890" in joined  # the serial is never ellipsised, only the name may be
    assert joined.endswith("Scan toverify") or joined.endswith("Scan to verify")


def test_long_name_is_ellipsised_on_small_labels() -> None:
    template = next(t for t in list_templates() if t.name == "roll-50x30")
    layout = layout_label(template, _item(LONG_NAME * 3), 45, template.dpi, default_font())
    assert any(line.text.endswith(ELLIPSIS) for line in layout.lines)


def test_short_name_keeps_the_largest_size() -> None:
    template = next(t for t in list_templates() if t.name == "a4-2x7")
    layout = layout_label(template, _item("奶粉"), 45, template.dpi, default_font())
    assert layout.lines[0].size_pt == pytest.approx(10.0)
    assert layout.lines[0].text == "奶粉"


def test_chinese_wraps_between_characters_but_not_before_punctuation() -> None:
    font = default_font()
    lines = wrap(font, "婴幼儿配方奶粉，三段。" * 4, 8, 20)
    assert len(lines) > 1
    assert all(not line.startswith(("，", "。")) for line in lines)
    assert "".join(lines) == "婴幼儿配方奶粉，三段。" * 4


def test_ellipsise() -> None:
    font = default_font()
    assert ellipsise(font, "short", 8, 50) == "short"
    cut = ellipsise(font, "a much longer line than fits", 8, 10)
    assert cut.endswith(ELLIPSIS) and font.width_mm(cut, 8) <= 10


def test_block_too_small_raises() -> None:
    paragraphs = [Paragraph("name"), Paragraph("GTIN 1"), Paragraph("LOT 2"), Paragraph("SN 3")]
    with pytest.raises(LabelTooSmall):
        fit_block(default_font(), paragraphs, 20, 3, max_pt=8, min_pt=5)


def test_text_area_too_narrow_raises() -> None:
    template = next(t for t in list_templates() if t.name == "roll-50x30")
    narrow = dataclasses.replace(template, page_width_mm=25, label_width_mm=25, pitch_x_mm=25)
    with pytest.raises(LabelTooSmall, match="text"):
        layout_label(narrow, _item("x"), 45, narrow.dpi, default_font())


@settings(max_examples=150, deadline=None)
@given(
    text=st.text(alphabet=st.sampled_from(list("奶粉婴幼儿配方 abcXYZ0123456789-，。()")), max_size=120),
    width=st.floats(min_value=8, max_value=80),
    size=st.floats(min_value=4, max_value=12),
)
def test_wrap_never_exceeds_width_and_loses_nothing(text: str, width: float, size: float) -> None:
    font = default_font()
    lines = wrap(font, text, size, width)
    for line in lines:
        assert font.width_mm(line, size) <= width + 1e-9
    assert "".join(lines).replace(" ", "") == text.replace(" ", "")
