"""Builders for the complaint tests: codes of every verdict, another office, and photos good and hostile."""

from __future__ import annotations

import io
import struct
import zlib
from dataclasses import dataclass

from PIL import Image
from sqlalchemy.orm import Session

from suyuan.trace import accounts
from suyuan.trace.actors import OPERATOR, Actor
from suyuan.trace.identifiers import complete_gtin
from suyuan.trace.model import Batch, Office

XSS = "<script>alert(1)</script>"
XSS_ESCAPED = "&lt;script&gt;alert(1)&lt;/script&gt;"


def forged_lot(url: str, batch: Batch, lot: str = "FAKE01") -> str:
    """The same code with another lot: the signature no longer matches and no such batch exists."""
    return url.replace(f"/10/{batch.lot}/", f"/10/{lot}/")


def forged_serial(url: str) -> str:
    """The same batch, another serial under the old signature: a forgery copying a real lot."""
    base, _, query = url.partition("?")
    head, _, _serial = base.rpartition("/21/")
    return f"{head}/21/999999?{query}"


def unknown_gtin(url: str, batch: Batch) -> str:
    """A code of a GTIN nobody filed."""
    return url.replace(f"/01/{batch.gtin}/", f"/01/{complete_gtin('950110153000')}/")


@dataclass
class OtherOffice:
    """A second office with its own regulator."""

    office: Office
    regulator: Actor
    token: str


def make_other_office(session: Session) -> OtherOffice:
    office = Office(code="SZ-NS", name="深圳海关南山办事处", name_en="Nanshan Office")
    session.add(office)
    session.flush()
    user = accounts.create_user(
        session,
        OPERATOR,
        email="officer@nanshan.example",
        name="Officer NS",
        role="regulator",
        password="password1",
        office_id=office.id,
    )
    token = accounts.issue_token(session, OPERATOR, user.id, "test")[1]
    session.commit()
    return OtherOffice(office, Actor.for_user(user), token)


def photo_jpeg(width: int = 3000, height: int = 2000, *, with_gps: bool = True) -> bytes:
    """A phone-like JPEG with EXIF (camera, GPS position, orientation 6: rotate 90°)."""
    image = Image.new("RGB", (width, height), (180, 40, 40))
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"
    exif[0x0112] = 6
    if with_gps:
        exif[0x8825] = {1: "N", 2: (22.0, 31.0, 0.0), 3: "E", 4: (113.0, 56.0, 0.0)}
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", exif=exif.tobytes(), quality=80)
    return buffer.getvalue()


def _chunk(kind: bytes, body: bytes) -> bytes:
    return (
        struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body) & 0xFFFFFFFF)
    )


def bomb_png(width: int = 100_000, height: int = 100_000) -> bytes:
    """A tiny well-formed PNG declaring ``width``×``height`` pixels: a decompression bomb."""
    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + _chunk(b"IHDR", header)
        + _chunk(b"IDAT", zlib.compress(b"\x00" * 64))
        + _chunk(b"IEND", b"")
    )


TEXT_AS_JPEG = b"This is not a photo, only text in a file named photo.jpg\n" * 20
OVERSIZED = b"\xff\xd8\xff" + b"\x00" * (10 * 1024 * 1024 + 1)
