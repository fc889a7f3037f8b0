"""Image clean-up steps for the decoding passes, in numpy and Pillow only (no OpenCV at runtime).

Why these exist: zxing-cpp fails on a photo for a handful of reasons — too little light and too much sensor
noise, codes printed too small for the camera, soft focus, uneven light. Each function here undoes one of
those well enough for a second attempt, cheaply (a few milliseconds per megapixel), so that the pipeline in
:mod:`suyuan.scanner.decode` can afford several attempts per photo. They all take and return 2-D ``uint8``
greyscale arrays and never modify their input.

Why not OpenCV: it is a 50 MB dependency for what amounts to a dozen array operations; the runtime image
stays small and the decoding results do not depend on which OpenCV build is installed.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable

import numpy as np
from numpy.typing import NDArray
from PIL import Image, ImageFilter

Gray = NDArray[np.uint8]
"""A 2-D greyscale image, one byte per pixel, C-contiguous."""


def half(gray: Gray) -> Gray:
    """Halve both dimensions by averaging 2×2 blocks.

    Why: averaging four pixels cuts sensor noise by half and merges JPEG blocks; on dim, grainy photos with
    codes of 3+ pixels per module this beats every denoising filter, at a fraction of a millisecond.
    """
    return reduce(gray, 2)


def reduce(gray: Gray, factor: int) -> Gray:
    """Shrink both sides ``factor`` times by averaging blocks of pixels (fast, and free of aliasing)."""
    return np.asarray(Image.fromarray(gray).reduce(factor), dtype=np.uint8)


def upscale(gray: Gray, factor: float) -> Gray:
    """Enlarge by ``factor`` with bicubic interpolation.

    Why: zxing-cpp needs about 1.5 pixels per QR module; bicubic interpolation of a code at 1.2-2 pixels per
    module restores enough edge position detail for the detector to sample the grid.
    """
    height, width = gray.shape
    size = (max(1, round(width * factor)), max(1, round(height * factor)))
    return np.asarray(Image.fromarray(gray).resize(size, Image.Resampling.BICUBIC), dtype=np.uint8)


def median3(gray: Gray) -> Gray:
    """3×3 median filter (edges replicated), via a min/max sorting network on shifted views.

    Why: removes salt-and-pepper sensor noise and JPEG ringing while keeping module edges sharp, which a
    Gaussian blur does not; Pillow's rank filter is ten times slower than this.
    """
    padded = np.pad(gray, 1, mode="edge")
    height, width = gray.shape
    p = [padded[dy : dy + height, dx : dx + width] for dy in range(3) for dx in range(3)]

    def order(i: int, j: int) -> None:
        p[i], p[j] = np.minimum(p[i], p[j]), np.maximum(p[i], p[j])

    # Paeth's 19-comparison median-of-9 network; only the result in p[4] is meaningful afterwards.
    for i, j in (
        (1, 2), (4, 5), (7, 8), (0, 1), (3, 4), (6, 7), (1, 2), (4, 5), (7, 8), (0, 3),
        (5, 8), (4, 7), (3, 6), (1, 4), (2, 5), (4, 7), (4, 2), (6, 4), (4, 2),
    ):  # fmt: skip
        order(i, j)
    return np.ascontiguousarray(p[4])


def smooth(gray: Gray, sigma: float = 1.0) -> Gray:
    """Gaussian blur with standard deviation ``sigma`` pixels.

    Why: halftoned or textured codes (a code printed over a photo, fabric) break a local-average binariser
    into speckles; a slight blur plus a global threshold reads them.
    """
    return np.asarray(Image.fromarray(gray).filter(ImageFilter.GaussianBlur(sigma)), dtype=np.uint8)


def sharpen(gray: Gray, sigma: float = 2.0, amount: float = 1.5) -> Gray:
    """Unsharp mask: add ``amount`` times the difference to a Gaussian blur of radius ``sigma``.

    Why: soft focus and slight motion blur smear module edges into grey ramps; steepening them moves the
    local threshold back to where the edge was.
    """
    blurred = np.asarray(Image.fromarray(gray).filter(ImageFilter.GaussianBlur(sigma)), dtype=np.float32)
    result = gray.astype(np.float32) * (1.0 + amount) - blurred * amount
    return np.clip(result, 0, 255).astype(np.uint8)


def stretch(gray: Gray, cutoff: float = 0.01) -> Gray:
    """Linear contrast stretch so that the darkest/brightest ``cutoff`` fraction of pixels saturate.

    Why: a photo taken in a dim warehouse may use only 20 grey levels; spreading them over 0..255 gives the
    binariser's fixed minimum-contrast thresholds something to work with.
    """
    histogram = np.bincount(gray.ravel(), minlength=256)
    cumulative = np.cumsum(histogram) / gray.size
    low = int(np.searchsorted(cumulative, cutoff))
    high = int(np.searchsorted(cumulative, 1.0 - cutoff))
    if high <= low:
        return gray.copy()
    lut = np.clip((np.arange(256, dtype=np.float32) - low) * (255.0 / (high - low)), 0, 255).astype(np.uint8)
    return np.asarray(lut[gray], dtype=np.uint8)


def equalise(gray: Gray, tiles: int = 8, clip: float = 2.0) -> Gray:
    """Contrast-limited adaptive histogram equalisation (CLAHE): local contrast, bilinearly blended.

    Why: glare, shadows and vignetting leave one part of a code bright and another dark; equalising each
    tile of the image separately (with the histogram clipped so that noise is not amplified) evens that out.
    """
    height, width = gray.shape
    ty, tx = min(tiles, max(1, height // 16)), min(tiles, max(1, width // 16))
    luts = _tile_luts(gray, ty, tx, clip)
    r0, r1, wr = _blend_axis(height, ty)
    c0, c1, wc = _blend_axis(width, tx)
    result = np.empty((height, width), dtype=np.uint8)
    # Pixels between the same four tile centres share four lookup tables: blend block by block.
    for rows in _runs(r0):
        i0, i1, w_row = r0[rows.start], r1[rows.start], wr[rows][:, None]
        for cols in _runs(c0):
            j0, j1, w_col = c0[cols.start], c1[cols.start], wc[cols][None, :]
            block = gray[rows, cols]
            top = luts[i0, j0][block] * (1 - w_col) + luts[i0, j1][block] * w_col
            bottom = luts[i1, j0][block] * (1 - w_col) + luts[i1, j1][block] * w_col
            result[rows, cols] = np.clip(top * (1 - w_row) + bottom * w_row + 0.5, 0, 255)
    return result


def _runs(values: NDArray[np.intp]) -> list[slice]:
    """Slices of the runs of equal consecutive values in a 1-D array."""
    starts = [0, *(np.flatnonzero(np.diff(values)) + 1).tolist(), len(values)]
    return [slice(a, b) for a, b in itertools.pairwise(starts)]


def _tile_luts(gray: Gray, ty: int, tx: int, clip: float) -> NDArray[np.float32]:
    """Per-tile clipped-histogram equalisation lookup tables, shape ``(ty, tx, 256)``."""
    height, width = gray.shape
    row_tile = np.minimum(np.arange(height) * ty // height, ty - 1)
    col_tile = np.minimum(np.arange(width) * tx // width, tx - 1)
    tile_index = (row_tile[:, None] * tx + col_tile[None, :]) * 256 + gray
    histograms = (
        np.bincount(tile_index.ravel(), minlength=ty * tx * 256).reshape(ty * tx, 256).astype(np.float32)
    )
    pixels = histograms.sum(axis=1, keepdims=True)
    limit = np.maximum(clip * pixels / 256.0, 1.0)
    excess = np.maximum(histograms - limit, 0).sum(axis=1, keepdims=True)
    clipped = np.minimum(histograms, limit) + excess / 256.0
    cdf = np.cumsum(clipped, axis=1)
    luts = (cdf - cdf[:, :1]) / np.maximum(cdf[:, -1:] - cdf[:, :1], 1.0) * 255.0
    return np.asarray(luts.reshape(ty, tx, 256), dtype=np.float32)


def _blend_axis(length: int, tiles: int) -> tuple[NDArray[np.intp], NDArray[np.intp], NDArray[np.float32]]:
    """For each pixel along an axis: the two nearest tile centres and the weight of the second."""
    centre = (np.arange(length, dtype=np.float32) + 0.5) * tiles / length - 0.5
    first = np.clip(np.floor(centre), 0, tiles - 1).astype(np.intp)
    second = np.minimum(first + 1, tiles - 1)
    weight = np.clip(centre - first, 0.0, 1.0).astype(np.float32)
    return first, second, weight


def deblur(gray: Gray, sigma: float, noise_ratio: float = 0.01) -> Gray:
    """Wiener deconvolution for a Gaussian blur of ``sigma`` pixels (defocus).

    Why: beyond about 0.4 module of blur, no threshold can separate modules any more, but the blur is
    (roughly) a known linear filter and can be partly inverted; ``noise_ratio`` keeps the inversion from
    amplifying sensor noise without bound. The frequency response of a Gaussian is itself Gaussian, so no
    kernel has to be built.
    """
    height, width = gray.shape
    pad_h, pad_w = _fft_size(height + 4 * int(sigma + 1)), _fft_size(width + 4 * int(sigma + 1))
    padded = np.pad(
        gray.astype(np.float32) / 255.0, ((0, pad_h - height), (0, pad_w - width)), mode="reflect"
    )
    fy = np.fft.fftfreq(pad_h).astype(np.float32)[:, None]
    fx = np.fft.rfftfreq(pad_w).astype(np.float32)[None, :]
    response = np.exp(-2.0 * (np.pi * sigma) ** 2 * (fx * fx + fy * fy)).astype(np.float32)
    spectrum = np.fft.rfft2(padded)
    restored = np.fft.irfft2(spectrum * (response / (response * response + noise_ratio)), s=padded.shape)
    return np.clip(restored[:height, :width] * 255.0, 0, 255).astype(np.uint8)


def _fft_size(n: int) -> int:
    """The smallest 2^a·3^b·5^c not below ``n`` (fast FFT lengths)."""
    best = 1 << (n - 1).bit_length()
    power5 = 1
    while power5 < best:
        power35 = power5
        while power35 < best:
            size = power35
            while size < n:
                size *= 2
            best = min(best, size)
            power35 *= 3
        power5 *= 5
    return best


def flatten(gray: Gray, window: int = 16, min_range: float = 24.0) -> Gray:
    """Local min/max normalisation: each pixel rescaled between the darkest and brightest grey near it.

    Why: glare, shadows, vignetting and dim corners make "white" in one part of a code darker than "black"
    in another; a fixed or even a local-average threshold then fails in whole regions. Stretching every
    ``window``-sized neighbourhood to full range flattens the lighting while keeping module edges; areas
    with less than ``min_range`` grey levels of contrast (blank paper, a saturated glare core) are not
    stretched, so their noise is not amplified into fake modules. The local extremes are taken per block
    and spread over the neighbouring blocks, then interpolated: a few milliseconds per megapixel.
    """
    height, width = gray.shape
    rows, cols = -(-height // window), -(-width // window)
    padded = np.pad(gray, ((0, rows * window - height), (0, cols * window - width)), mode="edge")
    blocks = padded.reshape(rows, window, cols, window)
    high = _spread(blocks.max(axis=(1, 3)).astype(np.float32), np.maximum)
    low = _spread(blocks.min(axis=(1, 3)).astype(np.float32), np.minimum)
    high_full = _enlarge(high, width, height)
    low_full = _enlarge(low, width, height)
    span = np.maximum(high_full - low_full, min_range)
    result = (gray.astype(np.float32) - low_full) * (255.0 / span)
    return np.asarray(np.clip(result + 0.5, 0, 255), dtype=np.uint8)


def _spread(grid: NDArray[np.float32], pick: np.ufunc) -> NDArray[np.float32]:
    """Each cell replaced by ``pick`` (max or min) over its 3×3 neighbourhood (edges replicated)."""
    padded = np.pad(grid, 1, mode="edge")
    rows, cols = grid.shape
    result = padded[1 : rows + 1, 1 : cols + 1].copy()
    for dy in range(3):
        for dx in range(3):
            result = pick(result, padded[dy : dy + rows, dx : dx + cols])
    return np.asarray(result, dtype=np.float32)


def _enlarge(grid: NDArray[np.float32], width: int, height: int) -> NDArray[np.float32]:
    """A small float grid resized bilinearly to ``width`` × ``height``."""
    image = Image.fromarray(np.ascontiguousarray(grid), "F")
    return np.asarray(image.resize((width, height), Image.Resampling.BILINEAR), dtype=np.float32)


Mapping = Callable[
    [NDArray[np.float64], NDArray[np.float64]], tuple[NDArray[np.float64], NDArray[np.float64]]
]
"""Maps output pixel coordinates (x, y arrays) to source image coordinates."""


def remap(gray: Gray, size: tuple[int, int], mapping: Mapping, cells: tuple[int, int] = (8, 8)) -> Gray:
    """Resample ``gray`` into a ``size`` (width, height) image whose pixel (x, y) shows ``mapping(x, y)``.

    Why: rectifying a tilted or curved code (a perspective or cylinder mapping) into an upright square at a
    known module size. The mapping is evaluated on a mesh of ``cells`` (columns, rows) and each cell is
    resampled bilinearly by Pillow (``Image.transform`` with a mesh): within a cell the mapping is taken to
    be bilinear, which for perspective and gentle curves is off by well under a pixel, at about a
    millisecond for a 300-pixel square.
    """
    width, height = size
    xs = np.linspace(0, width, cells[0] + 1)
    ys = np.linspace(0, height, cells[1] + 1)
    grid_x, grid_y = np.meshgrid(xs, ys)
    src_x, src_y = mapping(grid_x, grid_y)
    mesh = []
    for i in range(cells[1]):
        for j in range(cells[0]):
            box = (round(xs[j]), round(ys[i]), round(xs[j + 1]), round(ys[i + 1]))
            if box[2] <= box[0] or box[3] <= box[1]:
                continue
            corners = ((i, j), (i + 1, j), (i + 1, j + 1), (i, j + 1))  # Pillow: UL, LL, LR, UR
            quad = tuple(float(v) for r, c in corners for v in (src_x[r, c], src_y[r, c]))
            mesh.append((box, quad))
    warped = Image.fromarray(gray).transform(
        (width, height), Image.Transform.MESH, mesh, resample=Image.Resampling.BILINEAR, fillcolor=255
    )
    return np.asarray(warped, dtype=np.uint8)
