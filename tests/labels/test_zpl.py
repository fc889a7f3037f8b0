"""ZPL output, checked with a small parser: one ^XA..^XZ per label, the ^BQ payload is exactly the URL,
the symbol fits the label at any segmentation the printer may choose, text fields decode back."""

from __future__ import annotations

import io
import re
from dataclasses import dataclass, field

import pytest

from suyuan.labels import get_template, list_templates, render
from suyuan.labels.qr import QUIET_ZONE, byte_mode_size
from suyuan.labels.render_zpl import escape_field
from suyuan.labels.templates import INCH_MM, Template

from .conftest import NAME, make_items


@dataclass
class ZplLabel:
    """What the parser understood of one ^XA..^XZ format."""

    commands: list[tuple[str, str]] = field(default_factory=list)
    fields: list[tuple[dict[str, str], str]] = field(default_factory=list)


def _unescape(text: str) -> str:
    return re.sub(r"_([0-9A-Fa-f]{2})", lambda m: chr(int(m.group(1), 16)), text)


def parse(zpl: str) -> list[ZplLabel]:
    """Split into formats and fields; each field maps its commands (^FO, ^BQ, ^A1...) to the ^FD data."""
    labels: list[ZplLabel] = []
    current: ZplLabel | None = None
    pending: dict[str, str] = {}
    for token in re.split(r"(?=\^)", zpl.replace("\n", "")):
        if not token:
            continue
        command, argument = token[:3], token[3:]
        if command == "^XA":
            assert current is None, "^XA inside a format"
            current, pending = ZplLabel(), {}
        elif command == "^XZ":
            assert current is not None, "^XZ without ^XA"
            labels.append(current)
            current = None
        else:
            assert current is not None, f"{command} outside ^XA..^XZ"
            current.commands.append((command, argument))
            if command == "^FD":
                data = _unescape(argument) if "^FH" in pending else argument
                current.fields.append((pending, data))
                pending = {}
            elif command != "^FS":
                pending[command] = argument
    assert current is None, "unterminated format"
    return labels


@pytest.mark.parametrize("template", list_templates(), ids=lambda t: t.name)
def test_one_format_per_label_with_the_exact_url(template: Template) -> None:
    items = list(make_items(30))
    out = io.BytesIO()
    render(items, template, "zpl", out)
    zpl = out.getvalue().decode("utf-8")
    assert zpl.count("^XA") == zpl.count("^XZ") == 30
    labels = parse(zpl)
    assert len(labels) == 30
    for label, item in zip(labels, items, strict=True):
        qr_fields = [(cmds, data) for cmds, data in label.fields if "^BQ" in cmds]
        assert len(qr_fields) == 1
        commands, data = qr_fields[0]
        assert data == "MA," + item.url  # ECC level M, automatic input
        orientation, model, magnification, ecc = commands["^BQ"].split(",")
        assert (orientation, model, ecc) == ("N", "2", "M")
        _check_qr_fits(template, int(magnification), commands["^FO"], len(item.url))
        assert ("^CI", "28") in label.commands


def _check_qr_fits(template: Template, magnification: int, origin: str, length: int) -> None:
    dpi = template.dpi
    assert 1 <= magnification <= 10
    assert magnification * INCH_MM / dpi >= 0.25
    x, y = (int(v) for v in origin.split(","))
    worst = byte_mode_size(length) * magnification  # even if the firmware uses byte mode throughout
    quiet = QUIET_ZONE * magnification
    assert x >= quiet - 1 and y >= quiet - 1
    assert y + worst + quiet <= round(template.label_height_mm * dpi / INCH_MM) + 1


def test_text_fields_carry_the_label_text() -> None:
    out = io.BytesIO()
    render(make_items(1, name=NAME), get_template("roll-50x30"), "zpl", out)
    (label,) = parse(out.getvalue().decode("utf-8"))
    texts = [data for commands, data in label.fields if "^A1" in commands]
    joined = "".join(texts).replace(" ", "")
    assert "澳大利亚进口婴幼儿配方奶粉" in joined
    assert "GTIN09501101530003" in joined and "扫码验真" in joined
    assert ("^CW", "1,E:ANMDS.TTF") in label.commands


def test_special_characters_are_escaped() -> None:
    assert escape_field("a^b~c_d") == "a_5Eb_7Ec_5Fd"
    out = io.BytesIO()
    render(make_items(1, name="奶粉^XZ~JA_x"), "roll-50x30", "zpl", out)
    zpl = out.getvalue().decode("utf-8")
    assert zpl.count("^XZ") == 1
    (label,) = parse(zpl)
    assert any("奶粉^XZ~JA_x" in data for _commands, data in label.fields)
