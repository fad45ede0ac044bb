"""The ``AuditLog`` contract: append-only entries, listed newest first, filtered and scoped."""

from __future__ import annotations

from datetime import timedelta

import pytest

from cloud_plane.errors import InvalidInput
from cloud_plane.records.audit import AuditQuery
from cloud_plane.store.audit_roles import every_entry
from cloud_plane.store.base import CloudStore
from sync_protocol.audit import DETAIL_MAX, REASON_MAX, AuditAction, AuditRecord
from tests.cloud_plane.store.contracts.builders import NOW

ROLE = "audit"


def entry(minutes: int = 0, **fields) -> AuditRecord:
    base = {"actor": "user:ann@example.com", "action": AuditAction.SEARCH}
    return AuditRecord(at=NOW + timedelta(minutes=minutes), **{**base, **fields})


def test_an_appended_entry_is_listed_as_written(store: CloudStore) -> None:
    written = store.audit.append(
        entry(site_id="s1", target="AB123", reason="case 42", source="api", detail={"q": "AB*"})
    )
    assert written.id is not None
    [listed] = store.audit.list(AuditQuery()).items
    assert listed == written
    assert (listed.action, listed.site_id, listed.detail) == ("search", "s1", {"q": "AB*"})


def test_entries_are_listed_newest_first_a_page_at_a_time(store: CloudStore) -> None:
    for minute in (3, 1, 4, 2, 5):
        store.audit.append(entry(minute, target=str(minute)))
    first = store.audit.list(AuditQuery(limit=2))
    second = store.audit.list(AuditQuery(limit=2, cursor=first.next_cursor))
    third = store.audit.list(AuditQuery(limit=2, cursor=second.next_cursor))
    pages = [[e.target for e in p.items] for p in (first, second, third)]
    assert pages == [["5", "4"], ["3", "2"], ["1"]] and third.next_cursor is None


def test_entries_at_the_same_instant_are_each_listed_once_across_pages(
    store: CloudStore,
) -> None:
    for n in range(5):
        store.audit.append(entry(0, target=str(n)))
    listed = [e.target for e in every_entry(store.audit, AuditQuery(limit=2))]
    assert sorted(listed) == ["0", "1", "2", "3", "4"]


def test_since_is_inclusive_and_until_exclusive(store: CloudStore) -> None:
    for minute in range(5):
        store.audit.append(entry(minute, target=str(minute)))
    query = AuditQuery(since=NOW + timedelta(minutes=1), until=NOW + timedelta(minutes=3))
    assert [e.target for e in store.audit.list(query).items] == ["2", "1"]


def test_actor_and_action_filter_exactly(store: CloudStore) -> None:
    store.audit.append(entry(1, actor="user:ann@example.com", action="search"))
    store.audit.append(entry(2, actor="user:bob@example.com", action="search"))
    store.audit.append(entry(3, actor="user:ann@example.com", action="hotlist.add"))
    query = AuditQuery(actor="user:ann@example.com", action="search")
    assert [e.at for e in store.audit.list(query).items] == [NOW + timedelta(minutes=1)]


def test_site_ids_list_only_those_sites_and_nothing_fleet_wide(store: CloudStore) -> None:
    store.audit.append(entry(1, site_id="s1"))
    store.audit.append(entry(2, site_id="s2"))
    store.audit.append(entry(3, site_id="s3"))
    store.audit.append(entry(4, action="user.create"))  # fleet-wide: no site
    scoped = store.audit.list(AuditQuery(site_ids={"s1", "s3"})).items
    assert [e.site_id for e in scoped] == ["s3", "s1"]
    assert store.audit.list(AuditQuery(site_ids=set())).items == []
    assert len(store.audit.list(AuditQuery()).items) == 4


def test_long_text_is_bounded_not_refused(store: CloudStore) -> None:
    written = store.audit.append(entry(reason="r" * 5000, detail={"q": "x" * (DETAIL_MAX + 1)}))
    [listed] = store.audit.list(AuditQuery()).items
    assert listed == written
    assert len(listed.reason or "") == REASON_MAX and listed.detail == {"truncated": True}


def test_a_cursor_not_handed_out_is_refused(store: CloudStore) -> None:
    with pytest.raises(InvalidInput):
        store.audit.list(AuditQuery(cursor="not-a-cursor"))


def test_every_entry_yields_all_pages(store: CloudStore) -> None:
    for minute in range(7):
        store.audit.append(entry(minute))
    assert len(list(every_entry(store.audit, AuditQuery(limit=3)))) == 7
