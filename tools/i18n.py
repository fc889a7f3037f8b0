"""Refresh the zh-CN catalogue: extract messages, merge into messages.po, add TRANSLATIONS, compile .mo.

Run with ``make i18n`` after changing user-visible strings; translate new entries in messages.po (or
add them to NEW below for a batch), then commit both .po and .mo.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parents[1]
PO = ROOT / "suyuan/web/translations/zh_Hans_CN/LC_MESSAGES/messages.po"
NEW: dict[str, str] = {
    "Scan with camera": "扫码查验",
    "Point your camera at the QR label. If your browser cannot read codes itself, take a photo instead.": "将相机对准二维码标签。如果浏览器无法直接识别，请拍照上传。",
    "Photo of the label": "标签照片",
    "No code found in this photo. Try again closer, with more light.": "照片中未找到二维码。请靠近一些、在光线充足处重试。",
    "Reading the photo…": "正在识别照片…",
    "Scan another code": "扫描其他二维码",
    "Print labels": "打印标签",
    "No batch has issued codes yet.": "还没有已签发溯源码的批次。",
    "Batch": "批次",
    "%(n)s codes": "%(n)s 个码",
    "First serial": "起始序列号",
    "Last serial": "结束序列号",
    "Template": "标签模板",
    "Format": "格式",
    "Preview": "预览",
    "First page": "第一页",
    '%(n)s labels, %(per)s per page. Print at 100%% scale, never "fit to page".': "共 %(n)s 张标签，每页 %(per)s 张。请按 100%% 比例打印，不要选择“适合页面”。",
    "Preview of the first page": "第一页预览",
    "Download": "下载",
    "Download with print proof": "下载（附打印校验）",
}


def main() -> int:
    """Extract, merge, translate what NEW knows, compile; exit 1 listing untranslated messages."""
    pot = ROOT / "build" / "messages.pot"
    pot.parent.mkdir(exist_ok=True)
    subprocess.run(
        [
            sys.executable,
            "-m",
            "babel.messages.frontend",
            "extract",
            "-F",
            str(ROOT / "babel.cfg"),
            "-k",
            "_l",
            "-k",
            "lazy_gettext",
            "-o",
            str(pot),
            str(ROOT),
        ],
        check=True,
        capture_output=True,
    )
    with pot.open("rb") as f:
        template = read_po(f)
    with PO.open("rb") as f:
        catalog = read_po(f, locale="zh_Hans_CN")
    catalog.update(template, no_fuzzy_matching=True)
    for message in catalog:
        if message.id and not message.string and message.id in NEW:
            message.string = NEW[message.id]
    missing = [m.id for m in catalog if m.id and not m.string]
    with PO.open("wb") as f:
        write_po(f, catalog, width=110, ignore_obsolete=True)
    with PO.with_suffix(".mo").open("wb") as f:
        write_mo(f, catalog)
    for message_id in missing:
        print(f"untranslated: {message_id}")
    return 1 if missing else 0


if __name__ == "__main__":
    raise SystemExit(main())
