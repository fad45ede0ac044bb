"""A day of the seed site's reads, written straight into a node's database (no HTTP ingest).

The rows are what `IngestWriter` would have stored for realistic camera traffic, so that
the sync agent ships (and the wire codec compresses) what it would in the field:

* 20 cameras, each with a home plate format (85% of its reads) among the simulator's
  formats (uk, de, fr, us, nl), 3% OCR misreads (O/0, I/1, B/8, S/5) with lower confidence;
* a quarter of the reads are vehicles seen recently (entry/exit pairs, overlapping cameras):
  same plate, region and vehicle attributes;
* ~2% of reads are of hotlist vehicles; hits are decided by the node's own matcher
  (`local_node.domain.hotlist.HotlistMatcher`, fuzzy as shipped) over the node's hotlist,
  and stored as `hits` rows like the writer stores them;
* node receive times at µs resolution with Poisson arrivals at the seed rate (200/min), so
  288,000 reads span 24 h ending now; camera capture times in ms, 80-900 ms earlier, each
  camera's clock off by up to ±2.5 s;
* camera event ids as per-camera counters (`--event-ids`), plate boxes around each camera's
  usual spot, a stored image's digest, size and path on every row (only hits' digests
  travel: that is the node's wire rule, not ours);
* ids are `detection_uuid(stream_id, seq)` and seqs contiguous from `NodeState.next_seq`,
  which is advanced past them in the same transaction.
"""

from __future__ import annotations

import json
import random
import time
import uuid
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import insert, select, update

from edgesync.simulator import plates
from edgesync.simulator.traffic import COLOURS, DIRECTIONS, FRAME, VEHICLES
from local_node.db import repo
from local_node.db.engine import make_engine
from local_node.db.migrate import upgrade
from local_node.db.tables import Detection, Hit, HotlistEntry, NodeState
from local_node.domain.hotlist import HotlistMatcher, LiveEntry
from sync_protocol.detections import detection_uuid
from sync_protocol.plate_rules import confusion_key, normalize_plate

SEED_READS_PER_S = 20 * 10 / 60  # the seed site: 20 cameras x 10 reads per minute
CAMERAS = 20
REPEAT_SHARE = 0.25
HOTLIST_SHARE = 0.02
HOME_SHARE = 0.85
MISREAD_SHARE = 0.03
RECENT_VEHICLES = 2_000
CHUNK = 10_000


@dataclass(frozen=True)
class Backlog:
    """What was written: seq range, stream, counts and how long it took."""

    stream_id: str
    first_seq: int
    last_seq: int
    records: int
    hits: int
    hit_reads: int
    span_s: float
    build_s: float
    cameras: int


@dataclass
class _Camera:
    id: str
    home: str
    direction: str
    box: tuple[int, int]
    offset_ms: int
    events: int


def hotlist_plates(count: int, seed: int = 11) -> list[str]:
    """Plates for the hotlist (as entered), of the simulator's formats."""
    rng = random.Random(seed)
    out: list[str] = []
    seen: set[str] = set()
    while len(out) < count:
        p = plates.plate(rng, rng.choice(list(plates.FORMATS)))
        if normalize_plate(p) not in seen:
            seen.add(normalize_plate(p))
            out.append(p)
    return out


def _vehicle(rng: random.Random) -> dict[str, str]:
    kind, make, model = rng.choice(VEHICLES)
    return {
        "vehicle_type": kind,
        "vehicle_make": make,
        "vehicle_model": model,
        "vehicle_color": rng.choice(COLOURS),
    }


def generate(
    count: int,
    *,
    camera_ids: Sequence[str],
    hotlist: Sequence[str],
    end: datetime,
    event_ids: str = "counter",
    seed: int = 7,
) -> Iterator[dict]:
    """Detection rows (without seq/id/has_hit) in receive order, ending just before `end`."""
    rng = random.Random(seed)
    formats = list(plates.FORMATS)
    cameras = [
        _Camera(
            id=cid,
            home=rng.choice(formats),
            direction=rng.choice(DIRECTIONS),
            box=(FRAME[0] // 2 + rng.randint(-200, 200), int(FRAME[1] * 0.7)),
            offset_ms=rng.randint(-2_500, 2_500),
            events=rng.randint(1, 500_000),
        )
        for cid in camera_ids
    ]
    hot_vehicles = [(p, _vehicle(rng)) for p in hotlist]
    recent: list[tuple[str, str | None, dict[str, str]]] = []
    span_us = int(count / SEED_READS_PER_S * 1e6)
    at_us = int(end.timestamp() * 1e6) - span_us
    mean_gap_us = 1e6 / SEED_READS_PER_S
    for _ in range(count):
        at_us += max(1, int(rng.expovariate(1.0 / mean_gap_us)))
        received = datetime.fromtimestamp(at_us // 1_000_000, UTC) + timedelta(
            microseconds=at_us % 1_000_000
        )
        cam = rng.choice(cameras)
        cam.events += 1
        draw = rng.random()
        confidence = rng.uniform(0.82, 0.99)
        if draw < HOTLIST_SHARE and hot_vehicles:
            text, vehicle = rng.choice(hot_vehicles)
            region = None
        elif draw < HOTLIST_SHARE + REPEAT_SHARE and recent:
            text, region, vehicle = rng.choice(recent)
        else:
            fmt = cam.home if rng.random() < HOME_SHARE else rng.choice(formats)
            text = plates.plate(rng, fmt)
            region = plates.region(fmt)
            vehicle = _vehicle(rng)
            recent.append((text, region, vehicle))
            if len(recent) > RECENT_VEHICLES:
                del recent[: RECENT_VEHICLES // 2]
        read = plates.misread(text, rng, MISREAD_SHARE)
        if read != text:
            confidence = rng.uniform(0.55, 0.8)
        lag_ms = rng.randint(80, 900)
        captured_ms = at_us // 1000 - lag_ms + cam.offset_ms
        captured = datetime.fromtimestamp(captured_ms // 1000, UTC) + timedelta(
            milliseconds=captured_ms % 1000
        )
        w = rng.randint(110, 190)
        box = [cam.box[0] - w // 2 + rng.randint(-40, 40), cam.box[1] + rng.randint(-30, 30)]
        box += [w, w * 2 // 9]
        if event_ids == "counter":
            event_id = str(cam.events)
        elif event_ids == "uuid":
            event_id = str(uuid.UUID(int=rng.getrandbits(128), version=4))
        else:
            event_id = None
        norm = normalize_plate(read)
        image_hex = rng.randbytes(32).hex()
        yield {
            "event_id": event_id,
            "camera_id": cam.id,
            "source_camera": None,
            "captured_at": captured,
            "received_at": received,
            "plate": read,
            "plate_norm": norm,
            "plate_key": confusion_key(norm),
            "confidence": round(confidence, 3),
            "region": region,
            "direction": cam.direction if rng.random() < 0.9 else rng.choice(DIRECTIONS),
            "bbox": json.dumps(box),
            **vehicle,
            "image_path": f"{received:%Y/%m/%d/%H}/{cam.id}/{image_hex[:32]}.jpg",
            "image_sha256": image_hex,
            "image_bytes": int(rng.uniform(0.85, 1.15) * 50_000),
            "image_type": "jpeg",
            "image_pruned_at": None,
        }


def fill(database_url: str, count: int, *, event_ids: str = "counter", progress=None) -> Backlog:
    """Register 20 cameras and write `count` reads (and their hits) into the node's database."""
    started = time.perf_counter()
    engine = make_engine(database_url)
    try:
        upgrade(engine)
        now = datetime.now(UTC)
        camera_ids = [
            repo.create_camera(engine, f"bench-cam-{i + 1:02d}", now).id for i in range(CAMERAS)
        ]
        with engine.connect() as conn:
            entries = conn.execute(
                select(
                    HotlistEntry.list_name,
                    HotlistEntry.plate_norm,
                    HotlistEntry.plate,
                    HotlistEntry.reason,
                    HotlistEntry.priority,
                    HotlistEntry.expires_at,
                ).where(HotlistEntry.deleted.is_(False))
            ).all()
        matcher = HotlistMatcher(
            LiveEntry(e.list_name, e.plate_norm, e.reason, e.priority, e.expires_at)
            for e in entries
        )
        hot = [e.plate for e in entries]
        rows = generate(
            count, camera_ids=camera_ids, hotlist=hot, end=now - timedelta(seconds=1),
            event_ids=event_ids,
        )  # fmt: skip
        hits = hit_reads = 0
        with engine.begin() as conn:
            first, stream_id = conn.execute(
                select(NodeState.next_seq, NodeState.stream_id).where(NodeState.id == 1)
            ).one()
            seq = first
            done = 0
            while done < count:
                chunk, hit_rows = [], []
                for row in rows:
                    row["seq"] = seq
                    row["id"] = str(detection_uuid(stream_id, seq))
                    matches = matcher.match(row["plate_norm"], now)
                    row["has_hit"] = bool(matches)
                    for m in matches:
                        hit_rows.append(
                            {
                                "detection_id": row["id"],
                                "detection_seq": seq,
                                "list_name": m.entry.list_name,
                                "entry_plate": m.entry.plate_norm,
                                "match_kind": m.kind,
                                "distance": m.distance,
                                "priority": m.entry.priority,
                                "reason": m.entry.reason,
                                "created_at": row["received_at"],
                            }
                        )
                    hit_reads += bool(matches)
                    chunk.append(row)
                    seq += 1
                    if len(chunk) >= CHUNK:
                        break
                conn.execute(insert(Detection.__table__), chunk)
                if hit_rows:
                    conn.execute(insert(Hit.__table__), hit_rows)
                hits += len(hit_rows)
                done += len(chunk)
                if progress and done % 50_000 < CHUNK:
                    progress(f"  backlog: {done:,} / {count:,} rows")
            conn.execute(update(NodeState).where(NodeState.id == 1).values(next_seq=seq))
    finally:
        engine.dispose()
    return Backlog(
        stream_id=stream_id,
        first_seq=first,
        last_seq=seq - 1,
        records=count,
        hits=hits,
        hit_reads=hit_reads,
        span_s=round(count / SEED_READS_PER_S, 1),
        build_s=round(time.perf_counter() - started, 2),
        cameras=CAMERAS,
    )


def node_db_url(data_dir: Path) -> str:
    """The node's default SQLite URL for a data dir (as `NodeSettings` resolves it)."""
    return f"sqlite:///{(data_dir / 'node.db').resolve()}"
