"""Shared label test data: realistic code URLs and items, made lazily like the real services do."""

from __future__ import annotations

import datetime
import hashlib
from collections.abc import Iterator

import pytest

from suyuan.labels import LabelItem

BASE = "HTTPS://SY.EXAMPLE.CN"
GTIN = "09501101530003"
LOT = "L2611A"
NAME = "澳大利亚进口婴幼儿配方奶粉 3段 800g Infant Formula Stage 3"
LONG_NAME = (
    "新西兰原装进口高端有机A2β-酪蛋白婴幼儿配方奶粉（12-36月龄，3段）900克罐装 "
    "Organic A2 Beta-Casein Toddler Milk Formula Stage 3 for 12-36 months, 900 g tin, imported"
)


def code_url(serial: int, gtin: str = GTIN, lot: str = LOT) -> str:
    """A URL shaped like a real signed code: numeric-mode signature of 155 digits after ``s=1``."""
    digest = b"".join(hashlib.sha256(f"{serial}:{i}".encode()).digest() for i in range(3))
    digits = str(int.from_bytes(digest, "big")).rjust(155, "0")[:155]
    return f"{BASE}/01/{gtin}/10/{lot}/21/{serial}?s=1{digits}"


def make_items(count: int, name: str = NAME, first: int = 1) -> Iterator[LabelItem]:
    """``count`` items with consecutive serials, generated lazily."""
    for serial in range(first, first + count):
        yield LabelItem(
            url=code_url(serial),
            product_name=name,
            gtin=GTIN,
            lot=LOT,
            serial=str(serial),
            expiry=datetime.date(2027, 5, 31),
        )


@pytest.fixture
def items_100() -> list[LabelItem]:
    """One hundred ordinary items."""
    return list(make_items(100))
