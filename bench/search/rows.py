"""Reads as the rows each plane stores: the node's ``detections``, the cloud's ``cloud_detections``.

Every column the products fill is filled (ids, times, boxes, vehicle, image digest), so rows
are as wide as in the field and a page fetch reads what it would there.
"""

from __future__ import annotations

import random
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from bench.search.bulk import postgres_time, sqlite_time
from bench.search.population import Read
from edgesync.simulator import plates
from edgesync.simulator.traffic import COLOURS, DIRECTIONS, VEHICLES
from sync_protocol.detections import detection_uuid
from sync_protocol.plate_rules import confusion_key, normalize_plate

NODE_COLUMNS = (
    "id", "seq", "event_id", "camera_id", "source_camera", "captured_at", "received_at",
    "plate", "plate_norm", "plate_key", "confidence", "region", "direction", "bbox",
    "vehicle_type", "vehicle_make", "vehicle_model", "vehicle_color", "image_path",
    "image_sha256", "image_bytes", "image_type", "image_pruned_at", "has_hit", "local_only",
    "imported_from",
)  # fmt: skip
CLOUD_COLUMNS = (
    "site_id", "stream_id", "seq", "id", "event_id", "camera_id", "source_camera",
    "captured_at", "received_at", "ingested_at", "plate", "plate_norm", "plate_key",
    "confidence", "region", "direction", "bbox", "vehicle_type", "vehicle_make",
    "vehicle_model", "vehicle_color", "image_sha256",
)  # fmt: skip


@dataclass(frozen=True)
class Stream:
    """Where one site's reads go: its site (None on a node), stream and camera ids."""

    site_id: str | None
    stream_id: str
    cameras: tuple[str, ...]
    first_seq: int = 1


def make_rows(reads: Iterable[Read], stream: Stream, *, postgres: bool) -> Iterator[tuple]:
    """Each read as a row of its plane's table (``NODE_COLUMNS`` or ``CLOUD_COLUMNS``)."""
    when = postgres_time if postgres else sqlite_time
    rng = random.Random(stream.stream_id)
    events = [rng.randint(1, 500_000) for _ in stream.cameras]
    directions = [rng.choice(DIRECTIONS) for _ in stream.cameras]
    # The stream's id bits once; detection_uuid hashes them on every call.
    base = detection_uuid(stream.stream_id, 0).int
    seq = stream.first_seq
    rand = rng.random
    for read in reads:
        events[read.camera] += 1
        camera_id = stream.cameras[read.camera]
        norm = normalize_plate(read.plate)
        kind, make, model = VEHICLES[read.vehicle % len(VEHICLES)]
        colour = COLOURS[read.vehicle // len(VEHICLES) % len(COLOURS)]
        received = when(read.at_us)
        captured = when(read.at_us - 80_000 - int(rand() * 820_000))
        digest = f"{rng.getrandbits(256):064x}"
        width = 110 + int(rand() * 80)
        bbox = f"[{700 + int(rand() * 400)}, {720 + int(rand() * 70)}, {width}, {width * 2 // 9}]"
        confidence = round(0.55 + rand() * 0.25 if read.misread else 0.82 + rand() * 0.17, 3)
        detection_id = _uuid_text(base | seq)
        common = (
            str(events[read.camera]), camera_id, None, captured, received,
        )  # fmt: skip
        if stream.site_id is None:
            day = received[:13].replace("-", "/").replace(" ", "/")
            yield (
                detection_id, seq, *common, read.plate, norm, confusion_key(norm), confidence,
                plates.region(read.fmt), directions[read.camera], bbox, kind, make, model,
                colour, f"{day}/{camera_id}/{digest[:32]}.jpg", digest,
                42_000 + int(rand() * 16_000), "jpeg", None, False, False, None,
            )  # fmt: skip
        else:
            yield (
                stream.site_id, stream.stream_id, seq, detection_id, *common, received,
                read.plate, norm, confusion_key(norm), confidence, plates.region(read.fmt),
                directions[read.camera], bbox, kind, make, model, colour, digest,
            )  # fmt: skip
        seq += 1


def _uuid_text(value: int) -> str:
    h = f"{value:032x}"
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"
