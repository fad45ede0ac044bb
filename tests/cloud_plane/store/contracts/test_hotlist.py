"""The ``HotlistStore`` contract: versioned last-writer-wins edits."""

from __future__ import annotations

import threading
from datetime import datetime, timedelta

from cloud_plane.store.base import CloudStore
from tests.cloud_plane.store.contracts.builders import NOW, STAFF, op, site

ROLE = "hotlist"


def test_hotlist_ops_version_and_resolve_by_last_writer_wins(store: CloudStore) -> None:
    assert (store.hotlist.current_version(), store.hotlist.oldest_retained_version()) == (0, 1)
    first = op(at=NOW)
    assert store.hotlist.apply_op(first, site(), received_at=NOW) == (
        1,
        store.hotlist.apply_op(first, site(), received_at=NOW)[1],
    )
    older = op("delete", at=NOW - timedelta(seconds=5))
    version, result = store.hotlist.apply_op(older, site(), received_at=NOW)
    assert (version, result.status, result.version) == (1, "superseded", 1)
    newer = op("delete", at=NOW + timedelta(seconds=5))
    version, result = store.hotlist.apply_op(newer, STAFF, received_at=NOW + timedelta(seconds=10))
    assert (version, result.status, result.version) == (2, "applied", 2)
    entry = store.hotlist.get_entry("stolen", "AB12CDE")
    assert entry.deleted and entry.version == 2 and entry.op_id == newer.op_id
    assert store.hotlist.list_entries() == []
    assert [e.version for e in store.hotlist.list_entries(include_deleted=True)] == [2]
    assert [e.version for e in store.hotlist.changes_since(0, 10)] == [2]
    assert store.hotlist.changes_since(2, 10) == []


def test_hotlist_ops_from_the_future_are_clamped(store: CloudStore) -> None:
    future = op(at=NOW + timedelta(days=1))
    store.hotlist.apply_op(future, site(), received_at=NOW)
    assert store.hotlist.get_entry("stolen", "AB12CDE").updated_at == NOW
    _, result = store.hotlist.apply_op(
        op("delete", at=NOW + timedelta(seconds=1)), STAFF, received_at=NOW + timedelta(seconds=1)
    )
    assert result.status == "applied"


def test_a_winning_op_stores_its_authors_owner_and_attribution(store: CloudStore) -> None:
    store.hotlist.apply_op(op(), site("a", reported_by="token:admin"), received_at=NOW)
    entry = store.hotlist.get_entry("stolen", "AB12CDE")
    assert (entry.owner, entry.updated_by, entry.reported_by) == (
        "site:a",
        "site:a",
        "token:admin",
    )


def test_a_refused_op_changes_nothing_and_is_recorded(store: CloudStore) -> None:
    store.hotlist.apply_op(op(), STAFF, received_at=NOW)
    refused = op("delete", at=NOW + timedelta(seconds=1))
    seen = []

    def refusal(current):
        seen.append(current)
        return "owned by the cloud"

    version, result = store.hotlist.apply_op(
        refused, site("b", refusal=refusal), received_at=NOW + timedelta(seconds=2)
    )
    assert (version, result.status, result.reason, result.version) == (
        1,
        "rejected",
        "owned by the cloud",
        1,
    )
    assert seen[0].owner == "cloud" and seen[0].version == 1  # the rule saw the stored state
    entry = store.hotlist.get_entry("stolen", "AB12CDE")
    assert (entry.deleted, entry.version, store.hotlist.current_version()) == (False, 1, 1)
    [logged] = store.hotlist.list_refused()
    assert (logged.op_id, logged.site_id, logged.action, logged.plate_norm) == (
        refused.op_id,
        "b",
        "delete",
        "AB12CDE",
    )
    assert (logged.reported_by, logged.reason) == ("t", "owned by the cloud")


def test_a_refused_op_resent_gets_the_first_answer(store: CloudStore) -> None:
    refused = op()
    first = store.hotlist.apply_op(refused, site(refusal=lambda _: "no"), received_at=NOW)[1]
    again = store.hotlist.apply_op(refused, site(), received_at=NOW)[1]  # now it would pass
    assert again == first and first.status == "rejected"
    assert store.hotlist.get_entry("stolen", "AB12CDE") is None
    assert len(store.hotlist.list_refused()) == 1


def test_changes_since_holds_each_entry_once_at_its_latest_version(store: CloudStore) -> None:
    store.hotlist.apply_op(op(plate="AAA111"), STAFF, received_at=NOW)
    store.hotlist.apply_op(op(plate="BBB222"), STAFF, received_at=NOW)
    later = NOW + timedelta(seconds=1)
    store.hotlist.apply_op(op(at=later, plate="AAA111"), STAFF, received_at=later)
    assert [(e.plate_norm, e.version) for e in store.hotlist.changes_since(0, 10)] == [
        ("BBB222", 2),
        ("AAA111", 3),
    ]
    assert [e.version for e in store.hotlist.changes_since(2, 10)] == [3]
    assert [e.version for e in store.hotlist.changes_since(0, 1)] == [2]


def test_entries_are_listed_by_list_then_plate(store: CloudStore) -> None:
    for plate in ("ZZ1", "AA1", "MM1"):
        store.hotlist.apply_op(op(plate=plate), STAFF, received_at=NOW)
    assert [e.plate_norm for e in store.hotlist.list_entries()] == ["AA1", "MM1", "ZZ1"]


def test_concurrent_edits_take_consecutive_versions_and_none_is_lost(store: CloudStore) -> None:
    plates = [f"CC{n}" for n in range(6)]

    def edit(plate: str) -> None:
        store.hotlist.apply_op(op(plate=plate), STAFF, received_at=NOW)

    threads = [threading.Thread(target=edit, args=(p,)) for p in plates]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert store.hotlist.current_version() == len(plates)
    changes = store.hotlist.changes_since(0, 100)
    assert [e.version for e in changes] == list(range(1, len(plates) + 1))
    assert sorted(e.plate_norm for e in changes) == plates


# -- tombstone purge ------------------------------------------------------------------------------
OLD = NOW - timedelta(days=40)
CUTOFF = NOW - timedelta(days=30)


def edit(store: CloudStore, action: str, plate: str, at: datetime) -> int:
    """Apply a staff edit made and received at ``at``; return its version."""
    _, result = store.hotlist.apply_op(op(action, at=at, plate=plate), STAFF, received_at=at)
    assert result.status == "applied"
    return result.version


def test_purge_removes_tombstones_deleted_before_the_cutoff_and_keeps_the_rest(
    store: CloudStore,
) -> None:
    edit(store, "upsert", "LIVE1", OLD)
    edit(store, "upsert", "GONE1", OLD)
    gone = edit(store, "delete", "GONE1", OLD + timedelta(hours=1))
    edit(store, "upsert", "RECENT1", OLD)
    edit(store, "delete", "RECENT1", NOW - timedelta(days=1))
    assert store.hotlist.purge_tombstones(CUTOFF, 100) == 1
    assert store.hotlist.get_entry("stolen", "GONE1") is None
    assert store.hotlist.get_entry("stolen", "RECENT1").deleted
    assert not store.hotlist.get_entry("stolen", "LIVE1").deleted
    assert store.hotlist.oldest_retained_version() == gone + 1


def test_purge_goes_by_when_the_cloud_applied_the_delete_not_when_it_was_made(
    store: CloudStore,
) -> None:
    edit(store, "upsert", "LATE1", OLD - timedelta(days=1))
    # A node offline for weeks sends a delete it made long ago: the other nodes must still
    # get it as a delta, so its tombstone is as young as its arrival.
    late = op("delete", at=OLD, plate="LATE1")
    store.hotlist.apply_op(late, STAFF, received_at=NOW)
    assert store.hotlist.purge_tombstones(CUTOFF, 100) == 0
    assert store.hotlist.get_entry("stolen", "LATE1").deleted
    assert store.hotlist.oldest_retained_version() == 1


def test_purge_works_in_batches_oldest_version_first_and_repeats_harmlessly(
    store: CloudStore,
) -> None:
    versions = []
    for plate in ("AA1", "BB2", "CC3"):
        edit(store, "upsert", plate, OLD)
        versions.append(edit(store, "delete", plate, OLD + timedelta(seconds=1)))
    assert store.hotlist.purge_tombstones(CUTOFF, 2) == 2
    assert store.hotlist.oldest_retained_version() == versions[1] + 1
    assert store.hotlist.get_entry("stolen", "CC3").deleted
    assert store.hotlist.purge_tombstones(CUTOFF, 2) == 1
    assert store.hotlist.purge_tombstones(CUTOFF, 2) == 0
    assert store.hotlist.oldest_retained_version() == versions[2] + 1
    assert store.hotlist.list_entries(include_deleted=True) == []


def test_changes_from_the_purge_mark_up_are_the_same_after_a_purge(store: CloudStore) -> None:
    edit(store, "upsert", "AA1", OLD)
    edit(store, "upsert", "AA1", OLD + timedelta(seconds=1))  # replaces version 1
    edit(store, "upsert", "BB2", OLD)
    mark = edit(store, "delete", "BB2", OLD + timedelta(seconds=1))
    recent = NOW - timedelta(days=1)
    edit(store, "upsert", "CC3", recent)
    edit(store, "upsert", "AA1", recent)
    edit(store, "upsert", "DD4", recent)
    edit(store, "delete", "DD4", recent + timedelta(seconds=1))
    top = store.hotlist.current_version()
    before = {v: store.hotlist.changes_since(v, 100) for v in range(mark, top + 1)}
    assert store.hotlist.purge_tombstones(CUTOFF, 100) == 1
    assert store.hotlist.oldest_retained_version() == mark + 1
    assert {v: store.hotlist.changes_since(v, 100) for v in range(mark, top + 1)} == before
    # Below the mark the purged tombstone is missing (such a node gets a snapshot), and
    # reading there is no error.
    assert [e.plate_norm for e in store.hotlist.changes_since(0, 100)] == ["CC3", "AA1", "DD4"]


def test_a_plate_put_again_while_tombstones_are_purged_is_kept(store: CloudStore) -> None:
    plates = [f"RR{n}" for n in range(6)]
    for plate in plates:
        edit(store, "upsert", plate, OLD)
        edit(store, "delete", plate, OLD + timedelta(seconds=1))
    put_again: dict[str, int] = {}

    def purge() -> None:
        while store.hotlist.purge_tombstones(CUTOFF, 1):
            pass

    def put() -> None:
        for plate in plates:
            put_again[plate] = edit(store, "upsert", plate, NOW)

    threads = [threading.Thread(target=purge), threading.Thread(target=put)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for plate in plates:
        entry = store.hotlist.get_entry("stolen", plate)
        assert not entry.deleted and entry.version == put_again[plate]
    mark = store.hotlist.oldest_retained_version() - 1
    assert mark < min(put_again.values())  # a node at the mark still gets every put
    delta = store.hotlist.changes_since(mark, 100)
    assert {e.plate_norm: e.version for e in delta if not e.deleted} == put_again
