"""Refresh the zh-CN catalogue: extract messages, merge into messages.po, add TRANSLATIONS, compile .mo.

Run with ``make i18n`` after changing user-visible strings; translate new entries in messages.po (or
add them to a JSON file in tools/translations/ for a batch), then commit both .po and .mo.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parents[1]
PO = ROOT / "suyuan/web/translations/zh_Hans_CN/LC_MESSAGES/messages.po"
NEW_DIR = ROOT / "tools" / "translations"  # <area>.json: {msgid: translation} for batches of new strings


def new_translations() -> dict[str, str]:
    """Translations waiting to enter the catalogue, one JSON file per area; messages.po is the record."""
    found: dict[str, str] = {}
    for path in sorted(NEW_DIR.glob("*.json")):
        found.update(json.loads(path.read_text(encoding="utf-8")))
    return found


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
    new = new_translations()
    for message in catalog:
        if message.id and not message.string and message.id in new:
            message.string = new[message.id]
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
