"""Synthetic, fixed-seed "phone photos" of printed Suyuan labels, for the scanner benchmark.

Why: the zxing-cpp sample images are few and not shaped like our labels (long signed URLs, version 7 QR
symbols on product stickers). This module renders our own codes onto label-like stickers and photographs
them badly in a reproducible way — rotation, perspective, blur, sensor noise, JPEG artefacts, dim light,
glare, codes too small for the camera, labels curved around a bottle — so that decoding strategies can be
compared on the failures that matter to us. Every photo carries exactly one dominant distortion ``kind``
(its name starts with it) on top of mild realism (a little noise, a slight tilt, JPEG compression), so
results can be broken down per kind.

It lives in ``bench/`` and not in the package: nothing in production needs to fabricate bad photos.
"""

from __future__ import annotations

import io
import random
from dataclasses import dataclass

import cv2
import numpy as np
import zxingcpp
from numpy.typing import NDArray
from PIL import Image, ImageDraw

Gray = NDArray[np.uint8]
Floats = NDArray[np.float32]

KINDS: tuple[str, ...] = (
    "rotation",
    "perspective",
    "blur",
    "noise",
    "jpeg",
    "dim",
    "glare",
    "small",
    "curved",
)
"""The distortion kinds, in the order photos cycle through them."""

PHOTO_SIZES: tuple[tuple[int, int], ...] = ((1280, 960), (1600, 1200), (1024, 768), (960, 1280))
"""Photo sizes (width, height): what browsers and apps typically upload after their own downscaling."""


def suyuan_code_texts(n: int, seed: int) -> list[str]:
    """Texts shaped like real Suyuan codes (GS1 Digital Link + decimal signature), reproducibly.

    Why: the QR version (and so the module size for a given print size) depends on the text length and
    character set; using the real shape makes the benchmark's module sizes realistic.
    """
    rng = random.Random(seed)
    texts = []
    for _ in range(n):
        serial = rng.randint(1, 999_999)
        signature = "".join(rng.choice("0123456789") for _ in range(155))
        texts.append(f"HTTPS://SY.EXAMPLE.CN/01/09501101530003/10/L2611A/21/{serial}?s=1{signature}")
    return texts


def qr_modules(text: str) -> Gray:
    """The QR symbol of ``text`` (ECC level M, 4-module quiet zone) as one pixel per module, 0 = dark."""
    barcode = zxingcpp.create_barcode(text, zxingcpp.BarcodeFormat.QRCode, ec_level="M")
    return np.asarray(barcode.to_image(scale=1), dtype=np.uint8).copy()


@dataclass(frozen=True)
class Label:
    """A rendered sticker: its pixels and where the QR symbol's outer corners (incl. quiet zone) lie."""

    image: Gray
    module_px: int
    symbol_modules: int


def render_label(text: str, rng: random.Random, module_px: int = 8) -> Label:
    """Render a white product sticker: a QR code, a few lines of "printed text", a thin frame.

    Why: real labels have text and lines next to the code, which give the detector false finder-pattern
    candidates and make global thresholds harder; a bare QR code on white would flatter every decoder.
    """
    modules = qr_modules(text)
    size = modules.shape[0]
    code = cv2.resize(modules, (size * module_px,) * 2, interpolation=cv2.INTER_NEAREST)
    width = code.shape[1] + 40 * module_px
    height = code.shape[0] + 6 * module_px
    paper = Image.new("L", (width, height), rng.randint(225, 250))
    draw = ImageDraw.Draw(paper)
    draw.rectangle((2, 2, width - 3, height - 3), outline=rng.randint(30, 90), width=max(2, module_px // 3))
    x0 = code.shape[1] + 3 * module_px
    y = 4 * module_px
    while y < height - 6 * module_px:
        _draw_text_line(draw, rng, x0, y, width - 4 * module_px, module_px)
        y += rng.randint(3, 5) * module_px
    label = np.asarray(paper, dtype=np.uint8).copy()
    top = 3 * module_px
    label[top : top + code.shape[0], 0 : code.shape[1]] = np.minimum(
        label[top : top + code.shape[0], 0 : code.shape[1]], code
    )
    return Label(image=label, module_px=module_px, symbol_modules=size)


def _draw_text_line(
    draw: ImageDraw.ImageDraw, rng: random.Random, x0: int, y: int, x1: int, mpx: int
) -> None:
    """Draw a row of word-like dark blocks, as printed text looks to a barcode detector."""
    x = x0
    end = rng.randint((x0 + x1) // 2, x1)
    while x < end:
        word = rng.randint(2, 7) * mpx
        draw.rectangle((x, y, min(x + word, end), y + int(mpx * 1.6)), fill=rng.randint(10, 70))
        x += word + mpx


def _homography(
    label: Label,
    photo_size: tuple[int, int],
    module_photo_px: float,
    rotation_deg: float,
    tilt: float,
    rng: random.Random,
) -> NDArray[np.float64]:
    """A homography that puts the label into the photo: scaled, rotated, perspective-tilted, off-centre.

    ``tilt`` is the fraction by which one side of the label is foreshortened relative to the other.
    """
    h, w = label.image.shape
    scale = module_photo_px / label.module_px
    src = np.array([[0, 0], [w, 0], [w, h], [0, h]], dtype=np.float64)
    pts = (src - [w / 2, h / 2]) * scale
    axis = rng.choice((0, 1))
    sign = rng.choice((-1.0, 1.0))
    for i, (x, y) in enumerate(pts):
        along, across = (x, y) if axis == 0 else (y, x)
        across *= (1.0 - tilt) if sign * along > 0 else 1.0  # the far side looks shorter
        along *= 1.0 - tilt / 2  # and the label looks narrower along the tilt
        pts[i] = (along, across) if axis == 0 else (across, along)
    theta = np.deg2rad(rotation_deg)
    rot = np.array([[np.cos(theta), -np.sin(theta)], [np.sin(theta), np.cos(theta)]])
    pts = pts @ rot.T
    pw, ph = photo_size
    span = np.ptp(pts, axis=0)
    cx = pw / 2 + rng.uniform(-0.25, 0.25) * max(0.0, pw - span[0])
    cy = ph / 2 + rng.uniform(-0.25, 0.25) * max(0.0, ph - span[1])
    dst = pts + np.array([cx, cy])
    return np.asarray(cv2.getPerspectiveTransform(src.astype(np.float32), dst.astype(np.float32)))


def _background(size: tuple[int, int], rng: random.Random) -> Floats:
    """A table-top like background: a tone, a lighting gradient and coarse texture."""
    w, h = size
    np_rng = np.random.default_rng(rng.getrandbits(32))
    base = rng.uniform(40, 200)
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    gradient = (xx / w - 0.5) * rng.uniform(-60, 60) + (yy / h - 0.5) * rng.uniform(-60, 60)
    texture = cv2.resize(np_rng.normal(0, 18, (h // 16 + 1, w // 16 + 1)).astype(np.float32), (w, h))
    return np.asarray(base + gradient + texture, dtype=np.float32)


def _place(
    label: Label, photo_size: tuple[int, int], matrix: NDArray[np.float64], rng: random.Random
) -> Floats:
    """Warp the label into a background with a matrix; returns a float image (0..255 nominal)."""
    w, h = photo_size
    warped = cv2.warpPerspective(label.image.astype(np.float32), matrix, (w, h), flags=cv2.INTER_AREA)
    mask = cv2.warpPerspective(np.ones(label.image.shape, np.float32), matrix, (w, h), flags=cv2.INTER_LINEAR)
    back = _background(photo_size, rng)
    return np.asarray(warped * mask + back * (1 - mask), dtype=np.float32)


def _curve(label: Label, strength: float) -> Label:
    """Wrap the label around a cylinder (a bottle) seen from the front: columns compress towards the edges.

    ``strength`` is the fraction of a half-turn the label covers (0 = flat, 0.9 = nearly half the bottle).
    """
    h, w = label.image.shape
    half_angle = strength * np.pi / 2
    out_w = w
    xs = np.arange(out_w, dtype=np.float32)
    # Output column x sees the cylinder at sin(phi) = (x - c) / R; label arc length is proportional to phi.
    u = (xs - out_w / 2) / (out_w / 2) * np.sin(half_angle)
    phi = np.arcsin(np.clip(u, -1, 1))
    src_x = (phi / half_angle * 0.5 + 0.5) * (w - 1)
    map_x = np.tile(src_x, (h, 1)).astype(np.float32)
    # A little vertical bulge, as the top and bottom edges of a wrapped label look elliptical.
    bulge = (np.cos(phi) - np.cos(half_angle)) * h * 0.04 * strength
    rows = np.arange(h, dtype=np.float32)[:, None]
    map_y = (rows + bulge[None, :] * (rows / h - 0.5) * -2).astype(np.float32)
    curved = cv2.remap(label.image, map_x, map_y, interpolation=cv2.INTER_LINEAR, borderValue=255)
    shade = (0.55 + 0.45 * np.cos(phi)).astype(np.float32)  # light falls off towards the bottle's sides
    shaded = np.clip(curved.astype(np.float32) * shade[None, :], 0, 255).astype(np.uint8)
    return Label(image=shaded, module_px=label.module_px, symbol_modules=label.symbol_modules)


@dataclass
class _Shot:
    """Parameters of one photo, drawn by a kind-specific recipe and then rendered."""

    module_px: float
    rotation: float
    tilt: float
    curve: float = 0.0
    blur_modules: float = 0.0
    motion: bool = False
    noise: float = 3.0
    jpeg: int = 88
    light: float = 1.0
    contrast: float = 1.0
    glare: float = 0.0


def _recipe(kind: str, rng: random.Random) -> _Shot:
    """Draw the parameters of a photo whose dominant problem is ``kind``; the rest stays mild."""
    shot = _Shot(module_px=rng.uniform(2.8, 6.0), rotation=rng.uniform(-12, 12), tilt=rng.uniform(0, 0.1))
    if kind == "rotation":
        shot.rotation = rng.uniform(0, 360)
    elif kind == "perspective":
        shot.tilt = rng.uniform(0.3, 0.7)
    elif kind == "blur":
        shot.blur_modules = rng.uniform(0.25, 0.75)
        shot.motion = rng.random() < 0.4
    elif kind == "noise":
        shot.noise = rng.uniform(20, 60)
    elif kind == "jpeg":
        shot.jpeg = rng.randint(4, 18)
        shot.module_px = rng.uniform(2.2, 4.0)
    elif kind == "dim":
        shot.light = rng.uniform(0.06, 0.25)
        shot.noise = rng.uniform(3, 8)
        shot.contrast = rng.uniform(0.5, 1.0)
    elif kind == "glare":
        shot.glare = rng.uniform(0.6, 1.6)
    elif kind == "small":
        shot.module_px = rng.uniform(1.0, 2.2)
    elif kind == "curved":
        shot.curve = rng.uniform(0.45, 0.9)
    else:
        raise ValueError(f"unknown distortion kind {kind!r}")
    return shot


def _blur(img: Floats, shot: _Shot, rng: random.Random) -> Floats:
    """Defocus (Gaussian) or camera-shake (linear motion) blur, sized in QR modules."""
    sigma = shot.blur_modules * shot.module_px
    if sigma <= 0:
        return img
    if not shot.motion:
        return np.asarray(cv2.GaussianBlur(img, (0, 0), sigma), dtype=np.float32)
    length = max(3, round(sigma * 3))
    kernel = np.zeros((length, length), np.float32)
    kernel[length // 2, :] = 1.0 / length
    rot = cv2.getRotationMatrix2D((length / 2 - 0.5, length / 2 - 0.5), rng.uniform(0, 180), 1.0)
    turned = np.asarray(cv2.warpAffine(kernel, rot, (length, length)), dtype=np.float32)
    turned /= max(float(turned.sum()), 1e-6)
    return np.asarray(cv2.filter2D(img, -1, turned), dtype=np.float32)


def _glare(img: Floats, strength: float, rng: random.Random, centre: tuple[float, float]) -> Floats:
    """Add a specular highlight near the code: a bright elliptical blob that washes out the print."""
    h, w = img.shape
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    cx = centre[0] + rng.uniform(-0.1, 0.1) * w
    cy = centre[1] + rng.uniform(-0.1, 0.1) * h
    sx, sy = rng.uniform(0.04, 0.12) * w, rng.uniform(0.03, 0.1) * h
    blob = np.exp(-(((xx - cx) / sx) ** 2 + ((yy - cy) / sy) ** 2) / 2)
    return np.asarray(img + blob * 255 * strength, dtype=np.float32)


def _light(img: Floats, shot: _Shot) -> Floats:
    """Scale exposure and contrast (a dim warehouse, a phone that under-exposes)."""
    mean = float(img.mean())
    return np.asarray(((img - mean) * shot.contrast + mean) * shot.light, dtype=np.float32)


def _to_jpeg(img: Floats, quality: int, colour: tuple[float, float, float]) -> Image.Image:
    """Clip to 8 bits, tint to colour (cameras deliver RGB) and round-trip through JPEG at ``quality``."""
    gray = np.clip(img, 0, 255)
    rgb = np.clip(gray[:, :, None] * np.asarray(colour, np.float32)[None, None, :], 0, 255).astype(np.uint8)
    buf = io.BytesIO()
    Image.fromarray(rgb, "RGB").save(buf, format="JPEG", quality=quality)
    buf.seek(0)
    with Image.open(buf) as photo:
        photo.load()
        return photo.copy()


def render_photo(text: str, kind: str, rng: random.Random) -> Image.Image:
    """Render one photo of a label carrying ``text`` whose dominant distortion is ``kind``."""
    shot = _recipe(kind, rng)
    label = render_label(text, rng)
    if shot.curve:
        label = _curve(label, shot.curve)
    size = rng.choice(PHOTO_SIZES)
    matrix = _homography(label, size, shot.module_px, shot.rotation, shot.tilt, rng)
    img = _place(label, size, matrix, rng)
    img = _blur(img, shot, rng)
    if shot.glare:
        qr_centre = cv2.perspectiveTransform(
            np.array([[[label.symbol_modules * label.module_px / 2, label.image.shape[0] / 2]]], np.float32),
            matrix,
        )[0, 0]
        img = _glare(img, shot.glare, rng, (float(qr_centre[0]), float(qr_centre[1])))
    img = _light(img, shot)
    np_rng = np.random.default_rng(rng.getrandbits(32))
    img = img + np_rng.normal(0, shot.noise, img.shape).astype(np.float32)
    colour = (rng.uniform(0.9, 1.05), rng.uniform(0.95, 1.0), rng.uniform(0.85, 1.05))
    return _to_jpeg(img, shot.jpeg, colour)


def make_photo_set(
    texts: list[str] | None = None, seed: int = 20240601, n: int = 300
) -> list[tuple[str, Image.Image, str]]:
    """``n`` photos as ``(name, image, expected_text)``, cycling through :data:`KINDS`, reproducibly.

    ``texts`` default to Suyuan-shaped codes (:func:`suyuan_code_texts`); they are used round-robin. The
    name is ``"<kind>-<index>"`` so that results can be grouped by distortion kind.
    """
    rng = random.Random(seed)
    pool = texts if texts else suyuan_code_texts(n, seed)
    photos = []
    for i in range(n):
        kind = KINDS[i % len(KINDS)]
        text = pool[i % len(pool)]
        photos.append((f"{kind}-{i:03d}", render_photo(text, kind, rng), text))
    return photos
