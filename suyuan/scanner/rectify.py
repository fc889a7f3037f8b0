"""Looking closer at a QR symbol zxing-cpp located but could not decode: rectified, optionally unbent, views.

Why: on glare, curved bottles, steep angles and soft focus, zxing-cpp often finds the three finder patterns
(it reports a checksum error with the symbol's corners and version) but samples the data grid wrong or
thresholds it badly. Knowing where the symbol is and how many modules it has, the pipeline can resample
just that region into an upright square at a comfortable five pixels per module — a few hundred pixels,
so each further attempt (other thresholds, glare flattening, deblurring) costs a millisecond or two instead
of a full-photo pass — and can undo a cylinder's compression of the modules towards the bottle's sides,
which zxing-cpp's homography-based sampling cannot follow.

Geometry only: which filters and zxing-cpp options run on the views is :mod:`suyuan.scanner.decode`'s
business (``REGION_PASSES``).
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from suyuan.scanner.filters import Gray, remap

__all__ = ["Bend", "Region", "View", "rectify"]

Floats = NDArray[np.float64]

MODULE_PX = 5
"""Pixels per module of a rectified view: enough for every zxing-cpp binariser, small enough to be cheap."""

MARGIN_MODULES = 4
"""Quiet zone kept around the symbol in a rectified view (the detector needs light around the finders)."""

MAX_THETA = math.pi / 2 - 0.05
"""Surface angles beyond this (seen edge-on) are clipped: the sine mapping stops being invertible there."""


@dataclass(frozen=True)
class Bend:
    """A cylinder hypothesis: the symbol's modules lie on a cylinder whose axis runs along one side.

    ``axis`` 0 means the bottle stands upright relative to the symbol (columns are compressed), 1 that it
    lies along the symbol's rows. ``span`` is the angle (radians) the symbol covers around the cylinder,
    ``centre`` the surface angle of the symbol's middle as seen from the camera (0 = facing it).
    """

    axis: int
    span: float
    centre: float

    def project(self, u: Floats) -> Floats:
        """Where flat position ``u`` (0..1 across the symbol) appears, as a fraction between its edges."""
        start = self.centre - self.span / 2
        theta = np.clip(start + u * self.span, -MAX_THETA, MAX_THETA)
        low = math.sin(max(start, -MAX_THETA))
        high = math.sin(min(start + self.span, MAX_THETA))
        return np.asarray((np.sin(theta) - low) / (high - low), dtype=np.float64)


@dataclass(frozen=True)
class Region:
    """A located symbol: its corners in the order the symbol reads (TL, TR, BR, BL) and modules per side."""

    corners: tuple[tuple[float, float], ...]
    modules: int

    def homography(self) -> Floats:
        """The 3×3 perspective matrix taking the unit square (u, v in 0..1) onto the four corners."""
        src = [(0.0, 0.0), (1.0, 0.0), (1.0, 1.0), (0.0, 1.0)]
        rows: list[list[float]] = []
        rhs: list[float] = []
        for (u, v), (x, y) in zip(src, self.corners, strict=True):
            rows.append([u, v, 1, 0, 0, 0, -u * x, -v * x])
            rows.append([0, 0, 0, u, v, 1, -u * y, -v * y])
            rhs.extend((x, y))
        h = np.linalg.solve(np.asarray(rows, dtype=np.float64), np.asarray(rhs, dtype=np.float64))
        return np.append(h, 1.0).reshape(3, 3)

    def centre(self) -> tuple[float, float]:
        """The mean of the corners."""
        xs, ys = zip(*self.corners, strict=True)
        return (sum(xs) / 4, sum(ys) / 4)

    def side(self) -> float:
        """The mean length of the four sides, in pixels."""
        pts = [*self.corners, self.corners[0]]
        return sum(math.dist(a, b) for a, b in itertools.pairwise(pts)) / 4

    def overlaps(self, other: Region) -> bool:
        """Whether the two regions are (roughly) the same symbol: centres closer than half a side."""
        return math.dist(self.centre(), other.centre()) < 0.5 * max(self.side(), other.side())


@dataclass(frozen=True)
class View:
    """A rectified image of a region and the mapping from its pixels back to the source image."""

    image: Gray
    region: Region
    bend: Bend | None

    def to_source(self, x: Floats, y: Floats) -> tuple[Floats, Floats]:
        """Source-image coordinates of view pixels ``(x, y)``."""
        u = (x / MODULE_PX - MARGIN_MODULES) / self.region.modules
        v = (y / MODULE_PX - MARGIN_MODULES) / self.region.modules
        if self.bend is not None:
            if self.bend.axis == 0:
                u = self.bend.project(u)
            else:
                v = self.bend.project(v)
        h = self.region.homography()
        w = h[2, 0] * u + h[2, 1] * v + h[2, 2]
        return (h[0, 0] * u + h[0, 1] * v + h[0, 2]) / w, (h[1, 0] * u + h[1, 1] * v + h[1, 2]) / w


def rectify(gray: Gray, region: Region, bend: Bend | None = None) -> View:
    """Resample ``region`` of ``gray`` upright at :data:`MODULE_PX` per module with a quiet zone around it."""
    side = (region.modules + 2 * MARGIN_MODULES) * MODULE_PX
    view = View(image=np.empty((0, 0), np.uint8), region=region, bend=bend)
    cells = (6, 6) if bend is None else ((16, 3) if bend.axis == 0 else (3, 16))
    image = remap(gray, (side, side), view.to_source, cells=cells)
    return View(image=np.ascontiguousarray(image), region=region, bend=bend)
