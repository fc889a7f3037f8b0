"""Font discovery: a usable CJK TrueType font is found, overrides work, absence is a clear error."""

from __future__ import annotations

from pathlib import Path

import pytest

from suyuan.labels import FontNotFound
from suyuan.labels import fonts as fonts_module
from suyuan.labels.fonts import PROBE_TEXT, default_font, find_font


def test_default_font_is_truetype_cjk() -> None:
    font = default_font()
    assert font.path.suffix.lower() in {".ttf", ".ttc"}
    assert all(font.has_glyph(ch) for ch in PROBE_TEXT)
    assert font.tabular_digits
    assert font.width_mm("奶", 10) == pytest.approx(10 * 25.4 / 72)  # CJK ideographs are 1 em wide


def test_override_with_missing_file_falls_back(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SUYUAN_LABEL_FONT", "/nonexistent/font.ttf")
    assert find_font()[0].is_file()


def test_override_is_used_first(monkeypatch: pytest.MonkeyPatch) -> None:
    path, index = find_font()
    monkeypatch.setenv("SUYUAN_LABEL_FONT", f"{path}#{index}")
    assert next(fonts_module._candidates()) == (path, index)


def test_non_cjk_or_non_truetype_files_are_skipped(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    junk = tmp_path / "junk.ttf"
    junk.write_bytes(b"not a font")
    monkeypatch.setattr(fonts_module, "_candidates", lambda: iter([(junk, 0)]))
    with pytest.raises(FontNotFound, match="fonts-wqy-microhei"):
        find_font()


def test_no_font_is_a_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(fonts_module, "_candidates", lambda: iter([]))
    with pytest.raises(FontNotFound) as info:
        find_font()
    assert "pip install paperang-p2-fonts-cjk" in str(info.value)
    assert isinstance(info.value, ValueError)
