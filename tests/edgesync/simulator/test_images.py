"""Pictures: real JPEG/PNG files, near the requested size, cheap to make."""

from __future__ import annotations

import io
import random

import pytest
from PIL import Image, ImageChops

from edgesync.simulator import images
from edgesync.simulator.images import ImageFactory
from edgesync.simulator.plates import FORMATS, plate

PLATES = [plate(random.Random(i), fmt) for i, fmt in enumerate(sorted(FORMATS) * 4)]


def _open(data: bytes) -> Image.Image:
    img = Image.open(io.BytesIO(data))
    img.load()  # decodes every block: a corrupt scan raises here
    return img


@pytest.mark.parametrize("target", [10_000, 50_000, 200_000])
def test_jpeg_pictures_are_valid_and_within_15_percent_of_the_target_size(target: int) -> None:
    factory = ImageFactory(target_bytes=target, rng=random.Random(1))
    for camera, text in enumerate(PLATES):
        picture = factory.render(text, camera % 3)
        assert picture.data.startswith(b"\xff\xd8\xff")
        assert picture.content_type == "image/jpeg"
        assert _open(picture.data).format == "JPEG"
        assert abs(len(picture.data) - target) <= target * images.TOLERANCE, len(picture.data)


def test_spliced_jpeg_decodes_to_the_same_pixels_as_encoding_the_whole_picture() -> None:
    factory = ImageFactory(target_bytes=50_000, rng=random.Random(2))
    picture = factory.render("AB12 CDE", 0)
    scene = next(s for s in factory._scenes[0] if s.plate_box[0] == picture.bbox[0])
    whole = images._encode(images._with_plate(scene, "AB12 CDE"), "jpeg", scene.quality)
    assert ImageChops.difference(_open(picture.data), _open(whole)).getbbox() is None


def test_plate_text_changes_only_the_plate_region() -> None:
    factory = ImageFactory(target_bytes=50_000, rng=random.Random(3), scenes_per_camera=1)
    a, b = _open(factory.render("AB12 CDE").data), _open(factory.render("XY70 ZZZ").data)
    _, y, _, h = factory.render("AB12 CDE").bbox
    changed = ImageChops.difference(a, b).getbbox()
    assert changed is not None
    # JPEG blocks around the plate may shift slightly; nothing far away may change.
    assert changed[1] >= y - 16 and changed[3] <= y + h + 16


def test_png_option_produces_valid_png_near_the_target_size() -> None:
    factory = ImageFactory(target_bytes=40_000, rng=random.Random(4), kind="png")
    picture = factory.render("M-AB 1234", 0)
    assert picture.data.startswith(b"\x89PNG\r\n\x1a\n")
    assert picture.content_type == "image/png"
    assert _open(picture.data).format == "PNG"
    assert abs(len(picture.data) - 40_000) <= 40_000 * images.TOLERANCE


def test_plate_bbox_lies_inside_the_picture() -> None:
    picture = ImageFactory(target_bytes=30_000, rng=random.Random(5)).render("7ABC123", 2)
    x, y, w, h = picture.bbox
    width, height = _open(picture.data).size
    assert x >= 0 and y >= 0
    assert x + w <= width and y + h <= height and w > h > 0


def test_repeated_read_of_a_plate_by_one_camera_reuses_the_picture() -> None:
    factory = ImageFactory(target_bytes=20_000, rng=random.Random(6))
    assert factory.render("AB-123-CD", 1) is factory.render("AB-123-CD", 1)


def test_pool_mode_hands_out_valid_pre_encoded_jpegs_in_turn() -> None:
    factory = ImageFactory(target_bytes=20_000, rng=random.Random(7), mode="pool", pool_size=3)
    pictures = [factory.render(f"P{i}", i) for i in range(6)]
    assert [p.data for p in pictures[:3]] == [p.data for p in pictures[3:]]
    assert all(_open(p.data).format == "JPEG" for p in pictures)


def test_scenes_are_deterministic_for_a_seed() -> None:
    def picture() -> bytes:
        return ImageFactory(target_bytes=20_000, rng=random.Random(8)).render("12-BDF-3", 4).data

    assert picture() == picture()
