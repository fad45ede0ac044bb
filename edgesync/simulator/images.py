"""Camera pictures for simulated reads: real JPEG (or PNG) files of a given size.

How generation stays cheap at high rates (the simulator must reach 1,000 reads/s and more):

* Drawing a street scene and a vehicle is the expensive part, so each camera gets a few
  pre-rendered, plate-less *scenes* (its own view, a couple of vehicles), drawn lazily on the
  camera's first read and kept. Dimensions and JPEG quality are calibrated once per scene so
  that files land within ±15% of the target size.
* A scene is JPEG-encoded once, with a restart marker after every row of 16x16 blocks, which
  makes each block row's bytes independent of the others. A read then draws its plate text into
  a copy of only the block rows under the plate (a strip ~3 % of the picture), encodes that
  strip with the same settings, and splices its rows into the scene's bytes. The result is a
  complete, standard JPEG, pixel-identical to encoding the whole picture, at about a tenth of
  the cost (~3,000 pictures/s of 50 kB on one core).
* Glyphs are rasterised once per font size and pasted, because FreeType rendering cost more
  than the strip's encoding. Repeated reads of one plate by one camera (bursts) hit a small
  cache of finished files.
* PNG (optional) has no such trick: the whole picture is drawn and encoded per read.
* For benchmarks where only the node's speed matters, `mode="pool"` hands out a fixed pool of
  pre-encoded pictures in turn (showing some other plate than the metadata says).
"""

from __future__ import annotations

import io
import random
import re
import threading
import zlib
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Literal

from PIL import Image, ImageDraw, ImageFont

from edgesync.simulator.plates import FORMATS, plate

ImageKind = Literal["jpeg", "png"]
ImageMode = Literal["fresh", "pool"]

TOLERANCE = 0.15
# Inside the ±15% promise, aim closer so that plate texts of different widths stay inside it.
_CALIBRATION_TOLERANCE = 0.06
_MIN_SIDE = 48
_MAX_SIDE = 4096
# Bytes per pixel of a noisy scene at a middling JPEG quality / as PNG; only a first guess
# for the calibration loop, which then measures.
_JPEG_BYTES_PER_PIXEL = 0.16
_PNG_BYTES_PER_PIXEL = 1.6
_SENSOR_NOISE = 0.10  # blend weight of the grain; a real sensor is never clean
_SAMPLE_PLATE = "AB12 CDE"

_CAR_COLOURS = (
    (200, 200, 205), (30, 30, 35), (240, 240, 240), (120, 125, 130), (150, 20, 25),
    (20, 50, 120), (40, 90, 50), (190, 150, 40), (90, 60, 40),
)  # fmt: skip


@dataclass(frozen=True, slots=True)
class Picture:
    """One encoded picture and where its plate is (`bbox` = [x, y, w, h] in pixels)."""

    data: bytes
    content_type: str
    bbox: tuple[int, int, int, int]


@dataclass(slots=True)
class _Scene:
    """A plate-less picture of one vehicle in one camera's view, with its encoder setting.

    For JPEG, `header` and `rows` hold the encoded scene split at its restart markers (one
    entropy-coded segment per row of 16-pixel blocks), and `strip` the pixels of the block
    rows `first_row:end_row` that the plate covers: the part re-encoded for every read.
    """

    image: Image.Image
    plate_box: tuple[int, int, int, int]  # x0, y0, x1, y1 of the blank plate
    plate_fill: tuple[int, int, int]
    quality: int = 80
    header: bytes = b""
    rows: list[bytes] = field(default_factory=list)
    first_row: int = 0
    end_row: int = 0
    strip: Image.Image | None = None


class _Glyphs:
    """Rasterised characters of one font size, drawn once and pasted for every plate.

    Rendering text with FreeType costs more than encoding the small strip that holds it, and
    plates use ~40 distinct characters, so the glyph masks are cached.
    """

    def __init__(self, size: int) -> None:
        self.font = ImageFont.load_default(size=size)
        top = self.font.getbbox("H", anchor="ls")[1]
        self.cap_height = -top
        self._masks: dict[str, tuple[Image.Image, int, int, float]] = {}

    def glyph(self, char: str) -> tuple[Image.Image, int, int, float]:
        """The mask of `char`, its offset from the pen position on the baseline, its advance."""
        hit = self._masks.get(char)
        if hit is None:
            # Pillow types bbox edges as floats; bitmap fonts give whole pixels anyway.
            left, top, right, bottom = (int(v) for v in self.font.getbbox(char, anchor="ls"))
            mask = Image.new("L", (max(right - left, 1), max(bottom - top, 1)))
            ImageDraw.Draw(mask).text((-left, -top), char, fill=255, font=self.font, anchor="ls")
            glyph = (mask, left, top, self.font.getlength(char))
            self._masks[char] = glyph  # a race only draws a glyph twice
            return glyph
        return hit

    def width(self, text: str) -> float:
        """The advance of `text` (no kerning: plate lettering is monospaced-ish anyway)."""
        return sum(self.glyph(c)[3] for c in text)


_glyph_sets: dict[int, _Glyphs] = {}


def _glyphs(size: int) -> _Glyphs:
    hit = _glyph_sets.get(size)
    if hit is None:
        hit = _glyph_sets[size] = _Glyphs(size)
    return hit


def _draw_plate_text(img: Image.Image, box: tuple[int, int, int, int], text: str) -> None:
    """Draw `text` centred in `box` (x0, y0, x1, y1), shrinking the type until it fits."""
    x0, y0, x1, y1 = box
    size = max(int((y1 - y0) * 0.75), 6)
    glyphs = _glyphs(size)
    while size > 6 and glyphs.width(text) > (x1 - x0) * 0.92:
        size -= 2
        glyphs = _glyphs(size)
    pen = (x0 + x1 - glyphs.width(text)) / 2
    baseline = (y0 + y1 + glyphs.cap_height) / 2
    for char in text:
        mask, left, top, advance = glyphs.glyph(char)
        img.paste((15, 15, 15), (int(pen + left), int(baseline + top)), mask)
        pen += advance


def draw_scene(rng: random.Random, width: int, height: int) -> _Scene:
    """Paint a street with one vehicle facing the camera and a blank plate on it."""
    img = Image.new("RGB", (width, height))
    d = ImageDraw.Draw(img)
    horizon = int(height * rng.uniform(0.30, 0.42))
    sky = (rng.randint(90, 160), rng.randint(130, 190), rng.randint(170, 230))
    for y in range(0, horizon, 4):
        # A banded gradient is as good as a smooth one once the grain is on top, and cheaper.
        shade = y / max(horizon, 1)
        d.rectangle((0, y, width, y + 4), fill=tuple(int(c * (1 - 0.3 * shade)) for c in sky))
    for _ in range(rng.randint(3, 7)):  # buildings or trees along the horizon
        w = rng.randint(width // 12, width // 4)
        x = rng.randint(-w // 2, width)
        top = horizon - rng.randint(height // 20, height // 4)
        colour = (rng.randint(60, 170), rng.randint(60, 150), rng.randint(50, 140))
        d.rectangle((x, top, x + w, horizon), fill=colour)
        for wy in range(top + 6, horizon - 6, 14):  # windows give the encoder edges to keep
            for wx in range(x + 5, x + w - 8, 12):
                d.rectangle((wx, wy, wx + 5, wy + 7), fill=(colour[0] // 2, colour[1] // 2, 70))
    grey = rng.randint(70, 110)
    d.rectangle((0, horizon, width, height), fill=(grey, grey, grey + 4))
    centre = width // 2
    for y in range(horizon + 10, height, max(height // 12, 8)):  # lane markings in perspective
        spread = (y - horizon) / (height - horizon)
        for side in (-1, 1):
            x = centre + side * int(spread * width * 0.45)
            d.rectangle((x - 2, y, x + 2, y + int(6 + 14 * spread)), fill=(225, 225, 215))
    # The vehicle, nose-on, filling the lower middle of the frame.
    car_w = int(width * rng.uniform(0.45, 0.6))
    car_h = int(height * rng.uniform(0.38, 0.48))
    x0 = centre - car_w // 2 + rng.randint(-width // 20, width // 20)
    y0 = height - car_h - int(height * 0.06)
    body = rng.choice(_CAR_COLOURS)
    d.rounded_rectangle((x0, y0, x0 + car_w, y0 + car_h), radius=car_w // 10, fill=body)
    d.polygon(
        [
            (x0 + car_w * 0.15, y0 + car_h * 0.08),
            (x0 + car_w * 0.85, y0 + car_h * 0.08),
            (x0 + car_w * 0.93, y0 + car_h * 0.42),
            (x0 + car_w * 0.07, y0 + car_h * 0.42),
        ],
        fill=(35, 45, 55),
    )
    for at in (0.08, 0.72):  # headlights
        lx = x0 + int(car_w * at)
        d.ellipse((lx, y0 + car_h * 0.5, lx + car_w * 0.2, y0 + car_h * 0.62), fill=(235, 235, 210))
    grille_y = y0 + int(car_h * 0.55)
    d.rectangle(
        (x0 + car_w * 0.33, grille_y, x0 + car_w * 0.67, grille_y + car_h * 0.1), fill=(25, 25, 25)
    )
    plate_w = int(car_w * 0.36)
    plate_h = max(int(plate_w * 0.22), 12)
    px0 = x0 + (car_w - plate_w) // 2
    py0 = y0 + int(car_h * 0.74)
    plate_fill = (250, 250, 245) if rng.random() < 0.7 else (250, 210, 40)
    d.rectangle((px0 - 2, py0 - 2, px0 + plate_w + 2, py0 + plate_h + 2), fill=(20, 20, 20))
    d.rectangle((px0, py0, px0 + plate_w, py0 + plate_h), fill=plate_fill)
    noise = Image.frombytes("L", (width, height), rng.randbytes(width * height)).convert("RGB")
    img = Image.blend(img, noise, _SENSOR_NOISE)
    return _Scene(img, (px0, py0, px0 + plate_w, py0 + plate_h), plate_fill)


def _with_plate(scene: _Scene, text: str) -> Image.Image:
    """A copy of the whole scene with the plate text drawn into its blank plate."""
    img = scene.image.copy()
    _draw_plate_text(img, scene.plate_box, text)
    return img


def _encode(img: Image.Image, kind: ImageKind, quality: int) -> bytes:
    buf = io.BytesIO()
    if kind == "jpeg":
        # Fixed 4:2:0 blocks (16x16), the standard Huffman tables (no `optimize`) and a restart
        # marker after every block row: that makes a row's bytes independent of the rows above
        # it, so a re-encoded strip can replace rows of the scene (see `_splice`).
        img.save(buf, "JPEG", quality=quality, subsampling=2, restart_marker_rows=1)
    else:
        # Level 1: PNG's zlib is the slow part and a better ratio buys the simulator nothing.
        img.save(buf, "PNG", compress_level=1)
    return buf.getvalue()


_BLOCK = 16  # pixel rows per block row with 4:2:0 subsampling
_RESTART = re.compile(rb"\xff[\xd0-\xd7]")
_EOI = b"\xff\xd9"


def _scan_rows(data: bytes) -> tuple[bytes, list[bytes]]:
    """Split a JPEG written by `_encode` into its headers and one entropy segment per block row.

    Byte stuffing guarantees that 0xFF inside entropy data is followed by 0x00, so a 0xFF
    followed by 0xD0–0xD7 is always a restart marker.
    """
    sos = data.index(b"\xff\xda")
    scan_start = sos + 2 + int.from_bytes(data[sos + 2 : sos + 4], "big")
    scan_end = data.rindex(_EOI)
    return data[:scan_start], _RESTART.split(data[scan_start:scan_end])


def _splice(header: bytes, rows: list[bytes]) -> bytes:
    """Reassemble a JPEG from headers and block-row segments, numbering restarts RST0..RST7."""
    parts = [header]
    last = len(rows) - 1
    for i, row in enumerate(rows):
        parts.append(row)
        if i < last:
            parts.append(bytes((0xFF, 0xD0 + i % 8)))
    parts.append(_EOI)
    return b"".join(parts)


def _prepare_splicing(scene: _Scene) -> None:
    """Encode the blank scene once and cut out the block rows the plate text will change."""
    scene.header, scene.rows = _scan_rows(_encode(scene.image, "jpeg", scene.quality))
    _, y0, _, y1 = scene.plate_box
    scene.first_row = y0 // _BLOCK
    scene.end_row = min(-(-(y1 + 1) // _BLOCK), len(scene.rows))
    top, bottom = scene.first_row * _BLOCK, scene.end_row * _BLOCK
    scene.strip = scene.image.crop((0, top, scene.image.width, min(bottom, scene.image.height)))


def _first_dimensions(target: int, kind: ImageKind) -> tuple[int, int]:
    per_pixel = _JPEG_BYTES_PER_PIXEL if kind == "jpeg" else _PNG_BYTES_PER_PIXEL
    return _four_by_three(target / per_pixel)


def _four_by_three(pixels: float) -> tuple[int, int]:
    width = int((pixels * 4 / 3) ** 0.5)
    width = min(max(width, _MIN_SIDE), _MAX_SIDE)
    return width, max(width * 3 // 4, _MIN_SIDE * 3 // 4)


class ImageFactory:
    """Make the picture of each read for a simulated fleet; safe to call from several threads.

    `target_bytes` is the file size to aim at (results are within ±15%); `scenes_per_camera`
    is how many vehicles (colours, positions) each camera's view cycles through;
    `max_cameras` bounds memory: camera numbers beyond it share the scenes of camera
    `n % max_cameras`. `mode="pool"` reuses `pool_size` pre-encoded pictures instead of drawing
    each plate (see the module docstring).
    """

    def __init__(
        self,
        *,
        target_bytes: int,
        rng: random.Random,
        kind: ImageKind = "jpeg",
        mode: ImageMode = "fresh",
        scenes_per_camera: int = 2,
        max_cameras: int = 32,
        pool_size: int = 32,
        cache_size: int = 256,
    ) -> None:
        if target_bytes <= 0:
            raise ValueError("target_bytes must be positive")
        self.target_bytes = target_bytes
        self.kind: ImageKind = kind
        self.mode: ImageMode = mode
        self.content_type = "image/jpeg" if kind == "jpeg" else "image/png"
        self._rng = rng
        self._seed = rng.getrandbits(64)
        self._scenes_per_camera = max(scenes_per_camera, 1)
        self._max_cameras = max(max_cameras, 1)
        self._pool_size = max(pool_size, 1)
        self._cache_size = cache_size
        self._lock = threading.Lock()
        self._scenes: dict[int, list[_Scene]] = {}
        self._dimensions: tuple[int, int] | None = None
        self._cache: OrderedDict[tuple[int, str], Picture] = OrderedDict()
        self._pool: list[Picture] = []
        self._next = 0

    def render(self, plate: str, camera: int = 0) -> Picture:
        """The picture camera number `camera` took of a vehicle with plate `plate`."""
        if self.mode == "pool":
            return self._from_pool()
        key = (camera % self._max_cameras, plate)
        with self._lock:
            hit = self._cache.get(key)
            if hit is not None:
                self._cache.move_to_end(key)
                return hit
            scenes = self._scenes_for(key[0])
        # Same plate, same scene: a vehicle keeps its colour across a burst and a re-send.
        scene = scenes[zlib.crc32(plate.encode()) % len(scenes)]
        picture = self._picture(scene, plate)
        with self._lock:
            self._cache[key] = picture
            if len(self._cache) > self._cache_size:
                self._cache.popitem(last=False)
        return picture

    def warm_up(self, cameras: int) -> None:
        """Render the scenes (or the pool) ahead of time so the first reads are not slow."""
        if self.mode == "pool":
            self._from_pool()
            return
        with self._lock:
            for camera in range(min(cameras, self._max_cameras)):
                self._scenes_for(camera)

    def _picture(self, scene: _Scene, plate: str) -> Picture:
        x0, y0, x1, y1 = scene.plate_box
        if scene.strip is None:
            data = _encode(_with_plate(scene, plate), self.kind, scene.quality)
        else:
            # Only the block rows under the plate are encoded; the rest is the scene's bytes.
            strip = scene.strip.copy()
            top = scene.first_row * _BLOCK
            _draw_plate_text(strip, (x0, y0 - top, x1, y1 - top), plate)
            _, new_rows = _scan_rows(_encode(strip, "jpeg", scene.quality))
            rows = scene.rows[: scene.first_row] + new_rows + scene.rows[scene.end_row :]
            data = _splice(scene.header, rows)
        return Picture(data, self.content_type, (x0, y0, x1 - x0, y1 - y0))

    def _from_pool(self) -> Picture:
        with self._lock:
            if not self._pool:
                scenes = self._scenes_for(0)
                for i in range(self._pool_size):
                    text = plate(self._rng, sorted(FORMATS)[i % len(FORMATS)])
                    self._pool.append(self._picture(scenes[i % len(scenes)], text))
            picture = self._pool[self._next % len(self._pool)]
            self._next += 1
            return picture

    def _scenes_for(self, camera: int) -> list[_Scene]:
        """The camera's scenes, drawn and calibrated on first use (caller holds the lock)."""
        scenes = self._scenes.get(camera)
        if scenes is None:
            # A generator per camera, seeded from ours, so a camera's view does not depend on
            # the order in which cameras happened to send their first read.
            crng = random.Random(f"{self._seed}/{camera}")
            scenes = [self._calibrated_scene(crng) for _ in range(self._scenes_per_camera)]
            self._scenes[camera] = scenes
        return scenes

    def _calibrated_scene(self, rng: random.Random) -> _Scene:
        """A scene whose encoded pictures are within tolerance of the target size."""
        width, height = self._dimensions or _first_dimensions(self.target_bytes, self.kind)
        for _ in range(8):
            scene = draw_scene(rng, width, height)
            size = self._fit_quality(scene)
            if abs(size - self.target_bytes) <= self.target_bytes * _CALIBRATION_TOLERANCE:
                break
            # Out of the quality range's reach: the pixel count has to change.
            ratio = self.target_bytes / size
            new = _four_by_three(width * height * ratio)
            if new == (width, height):
                break
            width, height = new
        self._dimensions = (width, height)
        if self.kind == "jpeg":
            _prepare_splicing(scene)
        return scene

    def _fit_quality(self, scene: _Scene) -> int:
        """Set the scene's JPEG quality by bisection; returns the size it then produces."""
        sample = _with_plate(scene, _SAMPLE_PLATE)
        if self.kind == "png":
            return len(_encode(sample, "png", 0))
        lo, hi = 20, 95
        best_q, best_size = lo, len(_encode(sample, "jpeg", lo))
        while lo <= hi:
            q = (lo + hi) // 2
            size = len(_encode(sample, "jpeg", q))
            if abs(size - self.target_bytes) < abs(best_size - self.target_bytes):
                best_q, best_size = q, size
            if size < self.target_bytes:
                lo = q + 1
            else:
                hi = q - 1
        scene.quality = best_q
        return best_size
