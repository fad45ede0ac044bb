"""The request the benchmark sends: a real, incompressible ~50 kB JPEG in a multipart body."""

from __future__ import annotations

import io
import json
import random
from dataclasses import dataclass
from datetime import UTC, datetime

from PIL import Image

BOUNDARY = "edgesyncbench7d1f0c2a9b"
CONTENT_TYPE = f"multipart/form-data; boundary={BOUNDARY}"


def noise_jpeg(target_bytes: int = 50_000, *, seed: int = 1) -> bytes:
    """A valid JPEG of exactly `target_bytes`: random noise (so it does not compress), then a
    comment segment pads it to the exact size."""
    rng = random.Random(seed)

    def encode(width: int) -> bytes:
        height = max(8, width * 3 // 4)
        img = Image.frombytes("RGB", (width, height), rng.randbytes(width * height * 3))
        out = io.BytesIO()
        img.save(out, "JPEG", quality=85)
        return out.getvalue()

    # The largest 4:3 noise image that still leaves room for the 4-byte comment header.
    lo, hi = 8, 2048
    best = encode(lo)
    while lo <= hi:
        mid = (lo + hi) // 2
        data = encode(mid)
        if len(data) + 4 <= target_bytes:
            best, lo = data, mid + 1
        else:
            hi = mid - 1
    pad = target_bytes - len(best) - 4
    if pad < 0 or pad > 65_533:
        raise ValueError(f"cannot pad a {len(best)}-byte JPEG to {target_bytes} bytes")
    comment = b"\xff\xfe" + (pad + 2).to_bytes(2, "big") + b"\x00" * pad
    jpeg = best[:2] + comment + best[2:]  # right after SOI
    assert len(jpeg) == target_bytes and jpeg[:3] == b"\xff\xd8\xff"
    return jpeg


def metadata(*, event_id: str | None = None, plate: str = "AB12CDE") -> dict:
    """A plausible read (no event_id: every request is a new detection)."""
    meta: dict = {
        "plate": plate,
        "captured_at": datetime.now(UTC).isoformat(timespec="milliseconds"),
        "confidence": 0.91,
        "direction": "in",
    }
    if event_id is not None:
        meta["event_id"] = event_id
    return meta


def multipart_body(meta: dict, image: bytes) -> bytes:
    """`metadata` (JSON) and `image` (JPEG) parts, as a camera sends them."""
    b = BOUNDARY.encode()
    return b"".join(
        [
            b"--" + b + b"\r\n",
            b'Content-Disposition: form-data; name="metadata"\r\n',
            b"Content-Type: application/json\r\n\r\n",
            json.dumps(meta).encode(),
            b"\r\n--" + b + b"\r\n",
            b'Content-Disposition: form-data; name="image"; filename="read.jpg"\r\n',
            b"Content-Type: image/jpeg\r\n\r\n",
            image,
            b"\r\n--" + b + b"--\r\n",
        ]
    )


@dataclass(frozen=True)
class Payload:
    """The image and the fixed body every closed-loop request sends."""

    image: bytes
    body: bytes


def build_payload(image_bytes: int = 50_000) -> Payload:
    """The benchmark's image and body."""
    image = noise_jpeg(image_bytes)
    return Payload(image=image, body=multipart_body(metadata(), image))
