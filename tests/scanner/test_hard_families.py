"""Hard photos of every distortion family decode; hostile or hopeless images stop within their budget.

The photos come from ``bench/hard_photos.py`` (each generated from its own seed at test time, so the test
is deterministic and no image files are stored), at the ``phone`` severity, from seeds outside both the
tuning and the held-out range of the benchmark. Each family has one photo, chosen once from these seeds:
where possible one that plain zxing-cpp misses and the pipeline rescues, so that a pipeline change that
loses it fails here, not only in the benchmark report. Speed is the benchmark's business
(``bench/hard_scanner_bench.py``): nothing here is timed.
"""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

from bench.hard_photos import FAMILIES, SEVERITIES, make_hard_photo
from suyuan.scanner import decode as decode_module
from suyuan.scanner.decode import REGION_PASSES, decode_bytes, decode_image, read_plain
from suyuan.scanner.images import ANONYMOUS_LIMITS
from suyuan.scanner.rectify import Bend, Region, rectify
from tests.scanner.conftest import CODE_TEXT, encode, qr_array

PHONE = SEVERITIES["phone"]

RESCUED: dict[str, int] = {
    "blur": 7003,
    "glare": 7003,
    "curved": 7028,
    "perspective": 7094,
    "lowlight": 7009,
    "noise": 7006,
    "jpeg": 7010,
    "mix": 7010,
}
"""Per family, a seed (severity ``phone``) plain zxing-cpp misses and the pipeline reads. Small codes and
rotation have none in seeds 7000-7150: at this severity plain zxing-cpp reads them all."""

SEEDS: dict[str, int] = {"small": 7002, "rotation": 7002} | RESCUED
"""Per family, the photo decoded: a rescued one where there is one, else one plain zxing-cpp reads."""


@pytest.mark.parametrize("family", FAMILIES)
def test_a_hard_photo_of_each_family_is_read(family: str) -> None:
    photo = make_hard_photo(SEEDS[family], family=family, severity=PHONE)
    codes = decode_image(photo.image)
    assert [c.text for c in codes] == [photo.text]
    if family in RESCUED:  # plain zxing-cpp misses it: a later pass or a closer look read it
        assert photo.text not in [b.text for b in read_plain(photo.image)]
        assert codes[0].method != "plain"


def test_located_symbol_is_reread_in_a_rectified_view_with_its_corners_mapped_back() -> None:
    # A code photographed on a cylinder: columns compressed towards the sides.
    flat = qr_array(CODE_TEXT, 6)
    side = flat.shape[1]
    u = np.arange(side) / (side - 1)
    projected = Bend(axis=0, span=1.4, centre=0.5).project(u)
    columns = np.interp(np.arange(side) / (side - 1), projected, u) * (side - 1)
    curved = flat[:, np.clip(np.round(columns).astype(int), 0, side - 1)]
    scene = np.full((side + 200, side + 200), 230, np.uint8)
    scene[100 : 100 + side, 100 : 100 + side] = curved
    quiet = 4 * 6  # qr_array includes a 4-module quiet zone
    corners = ((100 + quiet, 100 + quiet), (100 + side - quiet, 100 + quiet))
    corners += ((100 + side - quiet, 100 + side - quiet), (100 + quiet, 100 + side - quiet))
    modules = (side - 2 * quiet) // 6
    region = Region(corners=tuple((float(x), float(y)) for x, y in corners), modules=modules)
    view = rectify(scene, region, Bend(axis=0, span=1.4, centre=0.5))
    assert CODE_TEXT in [b.text for b in read_plain(view.image)]
    back_x, back_y = view.to_source(np.array([20.0]), np.array([20.0]))  # the view's margin: 4 modules
    assert abs(float(back_x[0]) - corners[0][0]) < 2 and abs(float(back_y[0]) - corners[0][1]) < 2


def test_region_pass_names_are_unique_and_stages_known() -> None:
    assert len({p.name for p in REGION_PASSES}) == len(REGION_PASSES)
    assert all(stage in decode_module.STAGES for p in REGION_PASSES for stage in p.stages)


def test_hopeless_photo_stops_at_the_budget(monkeypatch: pytest.MonkeyPatch) -> None:
    passes_run: list[str] = []
    real_read = decode_module.Pass.read

    def counting_read(self: decode_module.Pass, work: np.ndarray) -> list[object]:
        passes_run.append(self.name)
        return real_read(self, work)  # type: ignore[return-value]

    monkeypatch.setattr(decode_module.Pass, "read", counting_read)
    noise = np.random.default_rng(3).integers(0, 256, (1200, 1600), dtype=np.uint8)
    assert decode_image(Image.fromarray(noise, "L"), budget_s=0.0) == []
    assert passes_run == ["plain"]  # a spent budget leaves only the first pass
    passes_run.clear()
    assert decode_image(Image.fromarray(noise, "L"), budget_s=0.05) == []
    assert passes_run[0] == "plain"
    assert len(passes_run) < len(decode_module.PASSES)  # the budget, not the list, ended the search


def test_hopeless_anonymous_upload_stops_at_the_total_budget(monkeypatch: pytest.MonkeyPatch) -> None:
    pages_decoded: list[float] = []
    real_decode = decode_module.decode_image

    def recording_decode(image: Image.Image, *, budget_s: float, **kwargs: object) -> list[object]:
        pages_decoded.append(budget_s)
        return real_decode(image, budget_s=budget_s, **kwargs)  # type: ignore[arg-type,return-value]

    monkeypatch.setattr(decode_module, "decode_image", recording_decode)
    rng = np.random.default_rng(8)
    frames = [Image.fromarray(rng.integers(0, 256, (600, 800), dtype=np.uint8), "L") for _ in range(3)]
    data = encode(frames[0], "GIF", save_all=True, append_images=frames[1:])
    assert decode_bytes(data, ANONYMOUS_LIMITS, total_budget_s=0.0) == []
    assert len(pages_decoded) == 1  # later pages are not decoded once the total budget is spent
    assert all(budget <= ANONYMOUS_LIMITS.max_decode_seconds for budget in pages_decoded)
