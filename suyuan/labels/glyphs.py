"""TrueType glyph outlines as SVG path data, so SVG labels need no font on the viewing machine.

An SVG that names a font shows tofu boxes wherever that font is missing; drawing the glyphs as paths
makes the file self-contained. We read the ``glyf`` table that reportlab already parsed (simple glyphs
and composites with offsets/scales) and convert quadratic contours to ``M/L/Q/Z`` commands in font units
(y up; the renderer flips and scales).
"""

from __future__ import annotations

import functools
import struct

from suyuan.labels.fonts import LabelFont

_ON_CURVE, _X_SHORT, _Y_SHORT, _REPEAT, _X_SAME, _Y_SAME = 0x01, 0x02, 0x04, 0x08, 0x10, 0x20
_ARG_WORDS, _ARGS_XY, _SCALE, _MORE, _XY_SCALE, _TWO_BY_TWO = 0x0001, 0x0002, 0x0008, 0x0020, 0x0040, 0x0080

Point = tuple[float, float, bool]
Transform = tuple[float, float, float, float, float, float]
_IDENTITY: Transform = (1.0, 0.0, 0.0, 1.0, 0.0, 0.0)


class GlyphOutlines:
    """SVG path data per glyph id for one font, cached (a label uses a few dozen distinct glyphs)."""

    def __init__(self, font: LabelFont) -> None:
        self.font = font
        self._glyf: bytes = font.face.get_table("glyf")  # type: ignore[no-untyped-call]
        self.path = functools.lru_cache(maxsize=8192)(self._path)

    def glyph_id(self, ch: str) -> int:
        """Glyph id drawn for ``ch`` (0, the .notdef box, if absent - callers clean text first)."""
        return int(self.font.face.charToGlyph.get(ord(ch), 0))

    def advance(self, gid: int) -> int:
        """Advance width of glyph ``gid`` in font units."""
        metrics = self.font.face.hmetrics
        return int(metrics[gid][0] if gid < len(metrics) else metrics[-1][0])

    def _data(self, gid: int) -> bytes:
        positions = self.font.face.glyphPos
        return bytes(self._glyf[positions[gid] : positions[gid + 1]])

    def _path(self, gid: int) -> str:
        return "".join(_contour_path(contour) for contour in self._contours(gid, _IDENTITY, 0))

    def _contours(self, gid: int, transform: Transform, depth: int) -> list[list[Point]]:
        data = self._data(gid)
        if len(data) < 10 or depth > 8:
            return []
        (count,) = struct.unpack_from(">h", data, 0)
        if count >= 0:
            return [[_apply(transform, p) for p in contour] for contour in _simple(data, count)]
        return self._composite(data, transform, depth)

    def _composite(self, data: bytes, transform: Transform, depth: int) -> list[list[Point]]:
        contours: list[list[Point]] = []
        offset, flags = 10, _MORE
        while flags & _MORE:
            flags, component = struct.unpack_from(">HH", data, offset)
            offset += 4
            if flags & _ARG_WORDS:
                dx, dy = struct.unpack_from(">hh" if flags & _ARGS_XY else ">HH", data, offset)
                offset += 4
            else:
                dx, dy = struct.unpack_from(">bb" if flags & _ARGS_XY else ">BB", data, offset)
                offset += 2
            a, b, c, d, offset = _component_scale(data, offset, flags)
            if not flags & _ARGS_XY:
                dx = dy = 0  # point-matching placement: rare in CJK fonts, approximate as no offset
            contours += self._contours(component, _compose(transform, (a, b, c, d, dx, dy)), depth + 1)
        return contours


def _component_scale(data: bytes, offset: int, flags: int) -> tuple[float, float, float, float, int]:
    def f2dot14(at: int) -> float:
        """Read a 2.14 fixed-point number (TrueType's scale format)."""
        return float(struct.unpack_from(">h", data, at)[0]) / 16384.0

    if flags & _SCALE:
        scale = f2dot14(offset)
        return scale, 0.0, 0.0, scale, offset + 2
    if flags & _XY_SCALE:
        return f2dot14(offset), 0.0, 0.0, f2dot14(offset + 2), offset + 4
    if flags & _TWO_BY_TWO:
        return f2dot14(offset), f2dot14(offset + 2), f2dot14(offset + 4), f2dot14(offset + 6), offset + 8
    return 1.0, 0.0, 0.0, 1.0, offset


def _compose(outer: Transform, inner: Transform) -> Transform:
    a, b, c, d, e, f = outer
    a2, b2, c2, d2, e2, f2 = inner
    return (
        a * a2 + c * b2,
        b * a2 + d * b2,
        a * c2 + c * d2,
        b * c2 + d * d2,
        a * e2 + c * f2 + e,
        b * e2 + d * f2 + f,
    )


def _apply(t: Transform, p: Point) -> Point:
    x, y, on = p
    return (t[0] * x + t[2] * y + t[4], t[1] * x + t[3] * y + t[5], on)


def _read_flags(data: bytes, offset: int, total: int) -> tuple[list[int], int]:
    flags: list[int] = []
    while len(flags) < total:
        flag = data[offset]
        offset += 1
        flags.append(flag)
        if flag & _REPEAT:
            flags.extend([flag] * data[offset])
            offset += 1
    return flags[:total], offset


def _read_coords(data: bytes, offset: int, flags: list[int], short: int, same: int) -> tuple[list[int], int]:
    values, current = [], 0
    for flag in flags:
        if flag & short:
            delta = data[offset]
            offset += 1
            current += delta if flag & same else -delta
        elif not flag & same:
            current += struct.unpack_from(">h", data, offset)[0]
            offset += 2
        values.append(current)
    return values, offset


def _simple(data: bytes, count: int) -> list[list[Point]]:
    ends = struct.unpack_from(f">{count}H", data, 10)
    total = ends[-1] + 1 if ends else 0
    offset = 10 + 2 * count
    (instructions,) = struct.unpack_from(">H", data, offset)
    flags, offset = _read_flags(data, offset + 2 + instructions, total)
    xs, offset = _read_coords(data, offset, flags, _X_SHORT, _X_SAME)
    ys, _ = _read_coords(data, offset, flags, _Y_SHORT, _Y_SAME)
    points = [(float(x), float(y), bool(flag & _ON_CURVE)) for x, y, flag in zip(xs, ys, flags, strict=True)]
    contours, start = [], 0
    for end in ends:
        contours.append(points[start : end + 1])
        start = end + 1
    return contours


def _fmt(value: float) -> str:
    return f"{value:.1f}".rstrip("0").rstrip(".")


def _contour_path(points: list[Point]) -> str:
    """Quadratic TrueType contour -> SVG path, handling implied on-curve midpoints."""
    if not points:
        return ""
    if not points[0][2]:
        last = points[-1]
        start = last if last[2] else ((points[0][0] + last[0]) / 2, (points[0][1] + last[1]) / 2, True)
        points = [start, *points] if not last[2] else [last, *points[:-1]]
    parts = [f"M{_fmt(points[0][0])} {_fmt(points[0][1])}"]
    control: Point | None = None
    for x, y, on in [*points[1:], points[0]]:
        if on:
            parts.append(
                f"Q{_fmt(control[0])} {_fmt(control[1])} {_fmt(x)} {_fmt(y)}"
                if control
                else f"L{_fmt(x)} {_fmt(y)}"
            )
            control = None
        elif control is not None:
            mx, my = (control[0] + x) / 2, (control[1] + y) / 2
            parts.append(f"Q{_fmt(control[0])} {_fmt(control[1])} {_fmt(mx)} {_fmt(my)}")
            control = (x, y, False)
        else:
            control = (x, y, False)
    return "".join(parts) + "Z"
