"""The SQL cloud's plate dictionary follows its reads: put_batch adds, retention forgets."""

from __future__ import annotations

from datetime import timedelta

from cloud_plane.records.detections import DetectionQuery
from cloud_plane.store.sql import SqlStore
from sync_protocol.plate_index import rotations as rotations_of
from sync_protocol.plate_rules import confusion_key
from tests.cloud_plane.store.contracts.builders import NOW
from tests.cloud_plane.store.sql.helpers import dictionary, dictionary_of_reads, reads, rotations
from tests.threads import run_together

DAY = timedelta(days=1)


def _site(store: SqlStore, name: str, days: int | None = None) -> str:
    site_id = store.sites.create_site(name, now=NOW - 100 * DAY).site_id
    if days is not None:
        store.sites.set_site_read_retention(site_id, days)
    return site_id


def test_put_batch_keeps_each_plate_once_with_its_reads_and_newest_read(
    sql_store: SqlStore,
) -> None:
    batch = reads(["AB12CDE", "ab-12 cde", "XY34ZZZ"])
    sql_store.detections.put_batch("s", "st", batch, received_at=NOW)
    key = confusion_key("AB12CDE")
    assert dictionary(sql_store) == {
        ("s", "AB12CDE"): (key, 2, batch[1].received_at),
        ("s", "XY34ZZZ"): (confusion_key("XY34ZZZ"), 1, batch[2].received_at),
    }
    assert rotations(sql_store) == set(rotations_of(key)) | set(
        rotations_of(confusion_key("XY34ZZZ"))
    )


def test_a_later_batch_adds_its_reads_and_moves_the_newest_read(sql_store: SqlStore) -> None:
    sql_store.detections.put_batch("s", "st", reads(["AB12CDE"]), received_at=NOW)
    later = reads(["AB12CDE", "AB12CDE"], first=2, at=NOW + DAY)
    sql_store.detections.put_batch("s", "st", later, received_at=NOW)
    assert dictionary(sql_store)[("s", "AB12CDE")][1:] == (3, later[1].received_at)


def test_a_resent_batch_changes_nothing_in_the_dictionary(sql_store: SqlStore) -> None:
    batch = reads(["AB12CDE", "XY34ZZZ", "AB12CDE"])
    sql_store.detections.put_batch("s", "st", batch, received_at=NOW)
    before = (dictionary(sql_store), rotations(sql_store))
    sql_store.detections.put_batch("s", "st", batch, received_at=NOW)
    assert (dictionary(sql_store), rotations(sql_store)) == before


def test_a_batch_overlapping_what_is_held_adds_only_its_new_reads(sql_store: SqlStore) -> None:
    batch = reads(["AB12CDE", "XY34ZZZ", "AB12CDE"])
    sql_store.detections.put_batch("s", "st", batch, received_at=NOW)
    overlap = batch[1:] + reads(["AB12CDE"], first=4)
    sql_store.detections.put_batch("s", "st", overlap, received_at=NOW)
    held = dictionary(sql_store)
    assert (held[("s", "XY34ZZZ")][1], held[("s", "AB12CDE")][1]) == (1, 3)


def test_each_site_has_its_own_plates_over_shared_rotations(sql_store: SqlStore) -> None:
    sql_store.detections.put_batch("a", "st", reads(["AB12CDE"]), received_at=NOW)
    sql_store.detections.put_batch("b", "st", reads(["A812CDE"]), received_at=NOW)  # same key
    assert set(dictionary(sql_store)) == {("a", "AB12CDE"), ("b", "A812CDE")}
    assert rotations(sql_store) == set(rotations_of(confusion_key("AB12CDE")))


def test_retention_counts_down_the_reads_of_plates_still_held(sql_store: SqlStore) -> None:
    site = _site(sql_store, "A", days=7)
    old = reads(["AB12CDE", "AB12CDE"], at=NOW - 30 * DAY)
    sql_store.detections.put_batch(site, "st", old, received_at=NOW)
    new = reads(["AB12CDE"], first=3)
    sql_store.detections.put_batch(site, "st", new, received_at=NOW)
    assert sql_store.retention.delete_reads(site, NOW - 7 * DAY, 100).reads == 2
    assert dictionary(sql_store) == {
        (site, "AB12CDE"): (confusion_key("AB12CDE"), 1, new[0].received_at)
    }


def test_retention_forgets_plates_with_no_read_left_and_their_rotations(
    sql_store: SqlStore,
) -> None:
    site = _site(sql_store, "A", days=7)
    old = reads(["OLD1234", "OLD1234", "KEEP123"], at=NOW - 30 * DAY)
    sql_store.detections.put_batch(site, "st", old, received_at=NOW)
    sql_store.detections.put_batch(site, "st", reads(["KEEP123"], first=4), received_at=NOW)
    for _ in range(3):  # in batches smaller than the plate's reads
        sql_store.retention.delete_reads(site, NOW - 7 * DAY, 1)
    assert set(dictionary(sql_store)) == {(site, "KEEP123")}
    assert rotations(sql_store) == set(rotations_of(confusion_key("KEEP123")))
    search = sql_store.detections.search_detections
    assert search(DetectionQuery(plate="OLD123", fuzzy=True)).items == []
    assert len(search(DetectionQuery(plate="KEEP12*")).items) == 1


def test_retention_keeps_the_rotations_of_a_key_another_plate_still_has(
    sql_store: SqlStore,
) -> None:
    a, b = _site(sql_store, "A", days=7), _site(sql_store, "B")
    sql_store.detections.put_batch(a, "st", reads(["AB12CDE"], at=NOW - 30 * DAY), received_at=NOW)
    sql_store.detections.put_batch(b, "st", reads(["A812CDE"], at=NOW - 30 * DAY), received_at=NOW)
    assert sql_store.retention.delete_reads(a, NOW - 7 * DAY, 100).reads == 1
    assert set(dictionary(sql_store)) == {(b, "A812CDE")}
    assert rotations(sql_store) == set(rotations_of(confusion_key("AB12CDE")))
    found = sql_store.detections.search_detections(DetectionQuery(plate="AB12CDE", fuzzy=True))
    assert [d.site_id for d in found.items] == [b]


def test_batches_and_retention_at_once_leave_the_dictionary_true_to_the_reads(
    sql_store: SqlStore,
) -> None:
    site = _site(sql_store, "A", days=7)
    # Old reads whose keys the new reads share (B/8, O/0 confusions): retention drops the old
    # plates while the batches add plates of the same keys.
    old = ["AB12CDE", "XO12OOO", "KL55MNO", "PQ77RST"]
    new = ["A812CDE", "X012000", "KL5SMN0", "PQ77R5T"]
    detections = sql_store.detections
    for n, stream in enumerate(("o1", "o2", "o3")):
        batch = reads(old * 10, stream=stream, at=NOW - (30 + n) * DAY)
        detections.put_batch(site, stream, batch, received_at=NOW)

    def send(stream: str) -> None:
        for first in range(1, 41, 8):
            batch = reads(new * 2, first=first, stream=stream)
            detections.put_batch(site, stream, batch, received_at=NOW)

    def expire() -> None:
        while sql_store.retention.delete_reads(site, NOW - 7 * DAY, 7).reads:
            pass

    run_together([lambda: send("n1"), lambda: send("n2"), expire, expire])
    held = dictionary(sql_store)
    assert held == dictionary_of_reads(sql_store)
    assert set(held) == {(site, p) for p in new}
    assert rotations(sql_store) == {r for key, *_ in held.values() for r in rotations_of(key)}
