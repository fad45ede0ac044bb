"""The ``DetectionStore`` contract for read corrections (issue 15): a better reading of a
held read replaces its values under the same id, once, and never becomes a second read."""

from __future__ import annotations

import threading
from datetime import timedelta

from cloud_plane.records.detections import DetectionQuery, StoredDetection
from cloud_plane.store.base import CloudStore
from sync_protocol.corrections import ReadCorrection
from tests.cloud_plane.store.contracts.builders import NOW, records

ROLE = "detections"
OLD, NEW = "AB12CDE", "XY34ZZZ"
APPLIED = NOW + timedelta(minutes=5)


def correction(
    seq: int, plate: str = NEW, *, revision: int = 2, previous: str = OLD, stream: str = "st"
) -> ReadCorrection:
    (record,) = records(stream, seq, 1, plate)
    return ReadCorrection(
        stream_id=stream,
        record=record.model_copy(update={"confidence": 0.97}),
        revision=revision,
        previous_plate=previous,
        corrected_at=NOW + timedelta(minutes=1),
    )


def apply(store: CloudStore, c: ReadCorrection, site: str = "s") -> StoredDetection | None:
    return store.detections.apply_correction(site, c, applied_at=APPLIED)


def everything(store: CloudStore) -> list[StoredDetection]:
    return store.detections.search_detections(DetectionQuery(limit=100)).items


def ids(store: CloudStore, plate: str, *, fuzzy: bool = False) -> list[str]:
    page = store.detections.search_detections(DetectionQuery(plate=plate, fuzzy=fuzzy, limit=100))
    return [str(d.record.id) for d in page.items]


def test_a_correction_replaces_the_reads_values_under_its_id(store: CloudStore) -> None:
    store.detections.put_batch("s", "st", records("st", 1, 3, OLD), received_at=NOW)
    applied = apply(store, correction(2))
    assert applied is not None
    assert (applied.record.id, applied.record.seq) == (records("st", 2, 1)[0].id, 2)
    assert (applied.record.plate, applied.record.confidence) == (NEW, 0.97)
    assert (applied.revision, applied.previous_plate, applied.corrected) == (2, OLD, True)
    held = {d.record.seq: d for d in everything(store)}
    assert sorted(held) == [1, 2, 3]
    assert (held[2].record.plate_norm, held[2].revision, held[2].previous_plate) == (NEW, 2, OLD)
    assert (held[1].record.plate_norm, held[1].revision, held[1].previous_plate) == (OLD, 1, None)


def test_a_resent_correction_changes_nothing(store: CloudStore) -> None:
    store.detections.put_batch("s", "st", records("st", 1, 2, OLD), received_at=NOW)
    assert apply(store, correction(1)) is not None
    before = everything(store)
    assert apply(store, correction(1)) is None
    assert everything(store) == before


def test_an_older_revision_arriving_late_never_undoes_a_newer(store: CloudStore) -> None:
    store.detections.put_batch("s", "st", records("st", 1, 2, OLD), received_at=NOW)
    assert apply(store, correction(1, "XY34ZZ7", revision=3, previous="XY34ZZZ")) is not None
    assert apply(store, correction(1, NEW, revision=2)) is None
    (read,) = [d for d in everything(store) if d.record.seq == 1]
    assert (read.record.plate_norm, read.revision, read.previous_plate) == ("XY34ZZ7", 3, NEW)


def test_a_correction_of_a_read_not_held_is_none(store: CloudStore) -> None:
    store.detections.put_batch("s", "st", records("st", 1, 2, OLD), received_at=NOW)
    before = everything(store)
    assert apply(store, correction(3)) is None  # beyond what the cloud holds
    assert apply(store, correction(1), site="other") is None  # another site's stream
    assert apply(store, correction(1, stream="other")) is None
    assert everything(store) == before


def test_a_corrected_read_is_found_by_its_new_plate_only(store: CloudStore) -> None:
    store.detections.put_batch("s", "st", records("st", 1, 1, OLD), received_at=NOW)
    store.detections.put_batch("s", "st", records("st", 2, 1, "QQ55RRR"), received_at=NOW)
    read_id = str(records("st", 1, 1)[0].id)
    assert apply(store, correction(1)) is not None
    assert ids(store, NEW) == [read_id]
    assert ids(store, "XY3*") == [read_id]
    assert ids(store, "XY34ZZ2", fuzzy=True) == [read_id]
    assert ids(store, OLD) == []
    assert ids(store, "AB1*") == []
    assert ids(store, OLD, fuzzy=True) == []


def test_a_correction_within_one_confusion_key_moves_the_read_to_its_new_plate(
    store: CloudStore,
) -> None:
    store.detections.put_batch("s", "st", records("st", 1, 2, "AB12CDO"), received_at=NOW)
    read_id = str(records("st", 2, 1)[0].id)
    assert apply(store, correction(2, "AB12CD0", previous="AB12CDO")) is not None
    assert ids(store, "AB12CD0") == [read_id]
    assert read_id not in ids(store, "AB12CDO")
    assert len(ids(store, "AB12CDO", fuzzy=True)) == 2  # both reads, once each


def test_a_correction_leaves_the_counts_and_the_mark_alone(store: CloudStore) -> None:
    store.detections.put_batch("s", "st", records("st", 1, 3, OLD), received_at=NOW)
    window = {"since": NOW, "until": NOW + timedelta(hours=1)}
    counts = store.detections.hourly_reads(None, **window)
    assert apply(store, correction(2)) is not None
    assert store.detections.hourly_reads(None, **window) == counts
    assert store.detections.high_water("s", "st") == 3
    assert len(everything(store)) == 3


def test_racing_corrections_leave_the_highest_revision(store: CloudStore) -> None:
    store.detections.put_batch("s", "st", records("st", 1, 2, OLD), received_at=NOW)
    plates = {rev: f"XY34ZZ{rev}" for rev in range(2, 7)}
    fixes = [correction(1, plates[rev], revision=rev) for rev in (4, 2, 6, 3, 5)]
    threads = [threading.Thread(target=apply, args=(store, c)) for c in fixes]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    held = {d.record.seq: d for d in everything(store)}
    assert sorted(held) == [1, 2]
    assert (held[1].record.plate_norm, held[1].revision) == (plates[6], 6)
    assert [len(ids(store, p)) for p in plates.values()] == [0, 0, 0, 0, 1]
