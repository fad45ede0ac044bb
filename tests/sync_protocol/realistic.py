"""Realistic detection batches for wire-size measurements and round-trip tests.

A site with 20 cameras, a read every ~3 s across the site, UK and EU plates
(a quarter of reads are vehicles already seen: entry/exit pairs and cameras
that overlap), camera clocks a few seconds off with millisecond timestamps,
node receive times with microseconds, vehicle attributes, and optionally an
image SHA-256 on every read.
"""

from __future__ import annotations

import hashlib
import random
import string
from datetime import UTC, datetime, timedelta

from sync_protocol.codec import encode
from sync_protocol.messages import DetectionBatch, DetectionRecord, Vehicle, detection_uuid

_LETTERS = string.ascii_uppercase
_MAKES = {
    "Ford": ["Fiesta", "Focus", "Transit"],
    "Vauxhall": ["Corsa", "Astra", "Vivaro"],
    "Volkswagen": ["Golf", "Polo", "Passat"],
    "BMW": ["3 Series", "1 Series", "X5"],
    "Toyota": ["Yaris", "Corolla", "RAV4"],
    "Mercedes-Benz": ["A-Class", "C-Class", "Sprinter"],
    "Audi": ["A3", "A4", "Q5"],
    "Nissan": ["Qashqai", "Juke", "Micra"],
    "Kia": ["Sportage", "Ceed", "Picanto"],
    "Peugeot": ["208", "308", "2008"],
    "Renault": ["Clio", "Megane", "Kangoo"],
    "Skoda": ["Octavia", "Fabia", "Superb"],
}
_COLORS = ["white", "black", "silver", "grey", "blue", "red", "green", "brown", "yellow"]
_TYPES = ["car"] * 14 + ["van"] * 3 + ["truck", "bus", "motorcycle"]


def _plate(rng: random.Random) -> tuple[str, str, str]:
    """Return (plate as read, plate_norm, region)."""
    kind = rng.random()
    letters = lambda n: "".join(rng.choice(_LETTERS) for _ in range(n))  # noqa: E731
    digits = lambda n: "".join(rng.choice(string.digits) for _ in range(n))  # noqa: E731
    if kind < 0.6:
        norm = letters(2) + digits(2) + letters(3)
        raw = norm if rng.random() < 0.5 else f"{norm[:4]} {norm[4:]}"
        region = "gb"
    elif kind < 0.75:
        raw = f"{letters(rng.choice([1, 2]))}-{letters(2)} {rng.randint(1, 9999)}"
        region = "de"
    elif kind < 0.9:
        raw = f"{letters(2)}-{digits(3)}-{letters(2)}"
        region = "fr"
    else:
        raw = f"{digits(2)}-{letters(3)}-{digits(1)}"
        region = "nl"
    norm = "".join(ch for ch in raw.upper() if ch.isalnum())
    return raw, norm, region


def realistic_records(
    count: int, *, seed: int = 7, stream_id: str = "stream-1", with_images: bool = True
) -> list[DetectionRecord]:
    """Return ``count`` contiguous detections (seq 1..count) of a 20-camera site."""
    rng = random.Random(seed)
    cameras = []
    for n in range(1, 21):
        cameras.append(
            {
                "id": f"cam-{n:02d}",
                "source": f"lane-{n}",
                "offset_ms": rng.randint(-2_500, 2_500),
                "box": (rng.randint(200, 1500), rng.randint(300, 800)),
                "direction": rng.choice(["approaching", "receding"]),
                "events": rng.randint(1, 500_000),
            }
        )
    received = datetime(2025, 3, 14, 8, 0, tzinfo=UTC)
    recent: list[tuple[str, str, str, Vehicle]] = []
    records = []
    for seq in range(1, count + 1):
        camera = rng.choice(cameras)
        camera["events"] += 1
        received += timedelta(microseconds=rng.randint(200_000, 6_000_000))
        latency = timedelta(milliseconds=rng.randint(80, 900))
        captured_ms = int((received - latency).timestamp() * 1000) + camera["offset_ms"]
        if recent and rng.random() < 0.25:
            raw, norm, region, vehicle = rng.choice(recent[-200:])
        else:
            raw, norm, region = _plate(rng)
            make = rng.choice(list(_MAKES))
            vehicle = Vehicle(
                type=rng.choice(_TYPES),
                make=make,
                model=rng.choice(_MAKES[make]),
                color=rng.choice(_COLORS),
            )
            recent.append((raw, norm, region, vehicle))
        x, y = camera["box"]
        image = hashlib.sha256(rng.randbytes(64)).hexdigest() if with_images else None
        records.append(
            DetectionRecord(
                id=detection_uuid(stream_id, seq),
                seq=seq,
                event_id=str(camera["events"]),
                camera_id=camera["id"],
                source_camera=camera["source"],
                captured_at=datetime.fromtimestamp(captured_ms / 1000, UTC),
                received_at=received,
                plate=raw,
                plate_norm=norm,
                confidence=round(rng.uniform(0.62, 0.999), 3),
                region=region,
                direction=camera["direction"],
                bbox=(
                    x + rng.randint(-40, 40),
                    y + rng.randint(-25, 25),
                    rng.randint(90, 150),
                    rng.randint(22, 40),
                ),
                vehicle=vehicle,
                image_sha256=image,
            )
        )
    return records


def wire_bytes_per_detection(records: list[DetectionRecord], stream_id: str = "stream-1") -> float:
    """Return the encoded (compressed) batch size divided by the number of detections."""
    batch = DetectionBatch(stream_id=stream_id, first_seq=records[0].seq, records=records)
    return len(encode(batch)) / len(records)
