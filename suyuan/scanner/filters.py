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
