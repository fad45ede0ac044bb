"""The group-commit writer on its own: back-pressure and batching."""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest

from local_node.db import repo
from local_node.db.engine import make_engine
from local_node.db.migrate import upgrade
from local_node.errors import Overloaded, StorageFull
from local_node.images.store import FileImageStore
from local_node.ingest.image_bytes import ImageBytes, shared_cell
from local_node.ingest.image_room import IN_FLIGHT_WAIT_S
from local_node.ingest.models import DetectionIn
from local_node.ingest.writer import IngestWriter


def clock() -> datetime:
    return datetime.now(UTC)


@pytest.fixture
def writer_parts(tmp_path: Path, database_url: str):
    engine = make_engine(database_url)
    upgrade(engine)
    repo.ensure_state(engine, clock())
    camera = repo.create_camera(engine, "cam", clock())
    yield engine, FileImageStore(tmp_path / "images"), camera.id
    engine.dispose()


def read(event_id: str | None = None, plate: str = "AB12CDE") -> DetectionIn:
    return DetectionIn(plate=plate, captured_at=clock(), event_id=event_id)


def test_a_full_queue_refuses_with_overloaded(writer_parts):
    engine, images, camera_id = writer_parts
    writer = IngestWriter(engine=engine, images=images, clock=clock, max_pending=2)
    writer.submit(camera_id=camera_id, detection=read(), image=None, image_kind=None)
    writer.submit(camera_id=camera_id, detection=read(), image=None, image_kind=None)
    with pytest.raises(Overloaded) as exc:
        writer.submit(camera_id=camera_id, detection=read(), image=None, image_kind=None)
    assert exc.value.headers == {"Retry-After": "1"}
    writer.start()
    writer.stop()


def test_queued_reads_commit_together_with_contiguous_seqs(writer_parts):
    engine, images, camera_id = writer_parts
    writer = IngestWriter(engine=engine, images=images, clock=clock, batch_max=64)
    futures = [
        writer.submit(camera_id=camera_id, detection=read(f"e{i}"), image=None, image_kind=None)
        for i in range(50)
    ]
    writer.start()  # started after queueing: all 50 go in one group commit
    results = [f.result(10) for f in futures]
    writer.stop()
    assert [r.seq for r in results] == list(range(1, 51))


def test_duplicates_inside_one_batch_answer_with_the_first(writer_parts):
    engine, images, camera_id = writer_parts
    writer = IngestWriter(engine=engine, images=images, clock=clock)
    futures = [
        writer.submit(camera_id=camera_id, detection=read("same"), image=None, image_kind=None)
        for _ in range(3)
    ]
    writer.start()
    results = [f.result(10) for f in futures]
    writer.stop()
    assert [r.created for r in results] == [True, False, False]
    assert len({r.id for r in results}) == 1


def test_stop_commits_what_is_waiting(writer_parts):
    engine, images, camera_id = writer_parts
    writer = IngestWriter(engine=engine, images=images, clock=clock)
    future = writer.submit(camera_id=camera_id, detection=read(), image=None, image_kind=None)
    writer.start()
    writer.stop()
    assert future.result(1).seq == 1


def test_ids_derive_from_the_seq_the_cloud_will_see(writer_parts):
    # After a restore the new stream starts past the restored rows (seq_base); its first read
    # travels as wire seq 1, so its id must be detection_uuid(stream, 1) to cost nothing.
    from sqlalchemy import insert, update

    from local_node.db.tables import NodeState, SyncStream
    from sync_protocol.detections import detection_uuid

    engine, images, camera_id = writer_parts
    with engine.begin() as conn:
        conn.execute(update(NodeState).values(stream_id="restored-stream", next_seq=11))
        conn.execute(
            insert(SyncStream.__table__).values(
                stream_id="restored-stream", seq_base=10, acked=0, created_at=clock()
            )
        )
    writer = IngestWriter(engine=engine, images=images, clock=clock)
    writer.start()
    result = writer.submit(
        camera_id=camera_id, detection=read(), image=None, image_kind=None
    ).result(10)
    writer.stop()
    assert result.seq == 11
    assert result.id == str(detection_uuid("restored-stream", 1))


def test_a_streams_base_is_fixed_by_its_first_read(writer_parts):
    # The base every id derives from is registered with the stream's first rows, so it can
    # never change afterwards (a later base could make two reads derive the same id).
    from sqlalchemy import select, update

    from local_node.db.tables import NodeState, SyncStream

    engine, images, camera_id = writer_parts
    writer = IngestWriter(engine=engine, images=images, clock=clock)
    writer.start()
    first = writer.submit(camera_id=camera_id, detection=read(), image=None, image_kind=None)
    first.result(10)
    with engine.begin() as conn:  # a new stream begins, as a restore would make it
        conn.execute(update(NodeState).values(stream_id="second-stream"))
    second = writer.submit(camera_id=camera_id, detection=read(), image=None, image_kind=None)
    assert second.result(10).seq == 2
    writer.stop()
    with engine.connect() as conn:
        bases = dict(conn.execute(select(SyncStream.stream_id, SyncStream.seq_base)).all())
    assert sorted(bases.values()) == [0, 1] and bases["second-stream"] == 1


def _two_writers(
    writer_parts, database_url: str, batch_max: int = 8, **kwargs
) -> list[IngestWriter]:
    """Two writers on engines of their own, as two worker processes of one node have."""
    engine, images, _ = writer_parts
    second = make_engine(database_url)
    return [
        IngestWriter(engine=e, images=images, clock=clock, batch_max=batch_max, **kwargs)
        for e in (engine, second)
    ]


def test_two_writers_at_once_store_contiguous_unique_seqs(writer_parts, database_url):
    camera_id = writer_parts[2]
    writers = _two_writers(writer_parts, database_url)
    for w in writers:
        w.start()
    futures = [
        writers[i % 2].submit(
            camera_id=camera_id, detection=read(f"e{i}"), image=None, image_kind=None
        )
        for i in range(200)
    ]
    seqs = sorted(f.result(30).seq for f in futures)
    for w in writers:
        w.stop()
    assert seqs == list(range(1, 201))


def test_two_writers_sharing_one_image_total_fill_the_budget_once(writer_parts, database_url):
    camera_id = writer_parts[2]
    image = b"\xff\xd8" + b"x" * 998
    shared = ImageBytes()
    writers = _two_writers(
        writer_parts,
        database_url,
        batch_max=1,
        disk_budget_bytes=10_000,
        image_bytes=shared,
    )
    for w in writers:
        w.start()
    futures = [
        writers[i % 2].submit(
            camera_id=camera_id, detection=read(f"i{i}"), image=image, image_kind="jpeg"
        )
        for i in range(30)
    ]
    outcomes = [f.exception(30) for f in futures]
    for w in writers:
        w.stop()
    assert sum(o is None for o in outcomes) == 10
    assert all(isinstance(o, StorageFull) for o in outcomes if o is not None)
    assert shared.total == 10_000


def test_a_batch_short_of_room_waits_for_another_writers_batch_in_flight(writer_parts):
    engine, images, camera_id = writer_parts
    image = b"\xff\xd8" + b"x" * 998
    cell = shared_cell(2)
    other = ImageBytes(cell.for_slot(2))
    writer = IngestWriter(
        engine=engine,
        images=images,
        clock=clock,
        disk_budget_bytes=2_000,
        image_bytes=ImageBytes(cell, total=1_000),
    )
    assert other.reserve(1_000, budget=2_000) == 0  # the other worker's batch, not committed
    writer.start()
    future = writer.submit(camera_id=camera_id, detection=read("w"), image=image, image_kind="jpeg")
    # Its commit fails and gives the room back while this batch waits.
    threading.Timer(0.3, other.settle, args=(1_000, 0)).start()
    result = future.result(10)
    writer.stop()
    assert result.created


def test_a_full_store_with_nothing_in_flight_refuses_at_once(writer_parts):
    engine, images, camera_id = writer_parts
    writer = IngestWriter(
        engine=engine,
        images=images,
        clock=clock,
        disk_budget_bytes=500,
        image_bytes=ImageBytes(total=0),
    )
    writer.start()
    future = writer.submit(
        camera_id=camera_id,
        detection=read("big"),
        image=b"\xff\xd8" + b"x" * 998,
        image_kind="jpeg",
    )
    started = time.monotonic()
    with pytest.raises(StorageFull):
        future.result(10)
    writer.stop()
    assert time.monotonic() - started < IN_FLIGHT_WAIT_S
