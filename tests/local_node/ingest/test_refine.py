"""Repeats that change their stored read (issue 15): a better reading, or the image it lacked.

Against the real writer and database: the read keeps its id and seq (never a second read), its
revision goes up, the reading it replaced is kept in ``detection_revisions`` and waits there for
the sync agent, and the hotlist is matched again on a better reading.
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlmodel import Session

from local_node.db import repo
from local_node.db.engine import make_engine
from local_node.db.migrate import upgrade
from local_node.db.tables import Detection, DetectionRevision, Hit, HotlistEntry, PlateIndexEntry
from local_node.images.store import FileImageStore
from local_node.ingest.models import DetectionIn
from local_node.ingest.results import IngestResult
from local_node.ingest.writer import IngestWriter
from tests.local_node.conftest import make_png


def clock() -> datetime:
    return datetime.now(UTC)


@pytest.fixture
def parts(tmp_path: Path, database_url: str):
    engine = make_engine(database_url)
    upgrade(engine)
    repo.ensure_state(engine, clock())
    camera = repo.create_camera(engine, "cam", clock())
    writer = IngestWriter(engine=engine, images=FileImageStore(tmp_path / "images"), clock=clock)
    writer.start()
    yield engine, writer, camera.id
    writer.stop()
    engine.dispose()


def store(
    writer: IngestWriter,
    camera: str,
    plate: str,
    *,
    confidence: float | None = 0.5,
    image: bytes | None = None,
    refinable: bool = True,
    preview: bool = False,
    event_id: str = "frigate:1700000000.1-abc",
) -> IngestResult:
    detection = DetectionIn(
        plate=plate, captured_at=clock(), event_id=event_id, confidence=confidence
    )
    return writer.submit(
        camera_id=camera,
        detection=detection,
        image=image,
        image_kind="png" if image is not None else None,
        refinable=refinable,
        preview=preview,
    ).result(10)


def queue_readings(
    writer: IngestWriter, camera: str, event_id: str, readings: list[tuple[str, float]]
) -> list:
    """Readings of one event queued together (the writer not started: they form one batch)."""
    return [
        writer.submit(
            camera_id=camera,
            detection=DetectionIn(
                plate=plate, captured_at=clock(), event_id=event_id, confidence=score
            ),
            image=None,
            image_kind=None,
            refinable=True,
        )
        for plate, score in readings
    ]


def only_read(engine) -> Detection:
    with Session(engine) as s:
        rows = s.exec(select(Detection)).scalars().all()  # type: ignore[call-overload]
    assert len(rows) == 1, rows
    return rows[0]


def history(engine) -> list[DetectionRevision]:
    with Session(engine) as s:
        return list(
            s.exec(select(DetectionRevision).order_by(DetectionRevision.id))  # type: ignore[call-overload]
            .scalars()
            .all()
        )


def test_a_better_reading_replaces_the_read_under_the_same_id(parts):
    engine, writer, camera = parts
    first = store(writer, camera, "AB12CDX", confidence=0.61)
    better = store(writer, camera, "AB12CDE", confidence=0.93)
    assert (better.id, better.seq, better.created) == (first.id, first.seq, False)
    read = only_read(engine)
    assert (read.plate, read.plate_norm, read.confidence, read.revision) == (
        "AB12CDE",
        "AB12CDE",
        0.93,
        2,
    )


def test_the_replaced_reading_is_kept_in_the_reads_history(parts):
    engine, writer, camera = parts
    store(writer, camera, "AB12CDX", confidence=0.61)
    store(writer, camera, "AB12CDE", confidence=0.93)
    [old] = history(engine)
    assert (old.kind, old.revision, old.plate, old.confidence) == ("reading", 2, "AB12CDX", 0.61)


def test_a_worse_reading_of_the_same_event_changes_nothing(parts):
    engine, writer, camera = parts
    store(writer, camera, "AB12CDE", confidence=0.93)
    store(writer, camera, "AB12CDX", confidence=0.61)
    read = only_read(engine)
    assert (read.plate, read.revision) == ("AB12CDE", 1)
    assert history(engine) == []


def test_a_read_that_is_not_refinable_keeps_its_first_reading(parts):
    engine, writer, camera = parts
    store(writer, camera, "AB12CDX", confidence=0.61, refinable=False)
    store(writer, camera, "AB12CDE", confidence=0.93, refinable=False)
    assert only_read(engine).plate == "AB12CDX"


def test_a_final_reading_replaces_a_preview_even_with_a_lower_confidence(parts):
    engine, writer, camera = parts
    store(writer, camera, "AB12CDX", confidence=0.95, preview=True)
    store(writer, camera, "AB12CDE", confidence=0.80)
    read = only_read(engine)
    assert (read.plate, read.preview, read.revision) == ("AB12CDE", False, 2)


def test_a_preview_never_replaces_a_final_reading(parts):
    engine, writer, camera = parts
    store(writer, camera, "AB12CDE", confidence=0.80)
    store(writer, camera, "AB12CDX", confidence=0.99, preview=True)
    assert only_read(engine).plate == "AB12CDE"


def test_a_better_reading_on_the_hotlist_raises_a_hit_and_tells_the_priority_lane(parts):
    engine, writer, camera = parts
    told: list[list[tuple[str, int]]] = []
    writer.add_hit_listener(told.append)
    with Session(engine) as s:
        s.add(
            HotlistEntry(
                list_name="stolen", plate_norm="AB12CDE", plate="AB12CDE", updated_at=clock()
            )
        )
        repo.bump_hotlist_rev(s)
        s.commit()
    first = store(writer, camera, "ZZ99ZZZ", confidence=0.4)
    assert first.hits == [] and told == []
    better = store(writer, camera, "AB12CDE", confidence=0.9)
    assert [h.list for h in better.hits] == ["stolen"] and better.new_hits == 1
    assert told == [[(first.id, first.seq)]]
    with engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(Hit)).scalar_one() == 1
    assert only_read(engine).has_hit


def test_the_plate_dictionary_follows_the_read_to_its_new_plate(parts):
    engine, writer, camera = parts
    store(writer, camera, "AB12CDX", confidence=0.61)
    store(writer, camera, "AB12CDE", confidence=0.93)
    with engine.connect() as conn:
        plates = set(conn.execute(select(PlateIndexEntry.plate_norm)).scalars())
    assert plates == {"AB12CDE"}


def test_readings_of_one_event_in_one_batch_end_with_the_best(parts, tmp_path):
    engine, _, camera = parts
    writer = IngestWriter(engine=engine, images=FileImageStore(tmp_path / "b"), clock=clock)
    futures = queue_readings(
        writer, camera, "frigate:x", [("AB12CDX", 0.5), ("AB12CDE", 0.9), ("AB12CD", 0.7)]
    )
    writer.start()  # all three wait in the queue: one batch
    try:
        ids = {f.result(10).id for f in futures}
    finally:
        writer.stop()
    assert len(ids) == 1
    read = only_read(engine)
    assert (read.plate, read.confidence) == ("AB12CDE", 0.9)


def test_a_repeat_bringing_the_missing_image_attaches_it_once(parts):
    engine, writer, camera = parts
    image = make_png()
    first = store(writer, camera, "AB12CDE", refinable=False, event_id="pr:1")
    again = store(writer, camera, "AB12CDE", refinable=False, event_id="pr:1", image=image)
    assert (again.id, again.created) == (first.id, False)
    read = only_read(engine)
    assert read.image_sha256 == hashlib.sha256(image).hexdigest()
    assert read.image_path and writer.image_bytes_total == len(image)
    assert [(r.kind, r.revision) for r in history(engine)] == [("image", 2)]


def test_a_different_image_for_the_same_event_never_replaces_the_first(parts, tmp_path):
    engine, writer, camera = parts
    first_image, other = make_png(), make_png(color="red")
    store(writer, camera, "AB12CDE", refinable=False, event_id="pr:1", image=first_image)
    store(writer, camera, "AB12CDE", refinable=False, event_id="pr:1", image=other)
    read = only_read(engine)
    assert read.image_sha256 == hashlib.sha256(first_image).hexdigest()
    files = [p for p in (tmp_path / "images").rglob("*") if p.is_file()]
    assert len(files) == 1 and writer.image_bytes_total == len(first_image)
    assert history(engine) == []


def test_a_reading_put_back_for_the_next_batch_is_stored_when_the_writer_stops(parts, tmp_path):
    engine, _, camera = parts
    writer = IngestWriter(engine=engine, images=FileImageStore(tmp_path / "c"), clock=clock)
    futures = queue_readings(writer, camera, "frigate:y", [("AB12CDX", 0.5), ("AB12CDE", 0.9)])
    writer.start()
    writer.stop()  # queued behind both: the better one is put back behind the stop
    assert {f.result(5).id for f in futures} and only_read(engine).plate == "AB12CDE"
