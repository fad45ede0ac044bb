"""Who may read which audit entries, and how a search becomes an entry (pure)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from cloud_plane.records.audit import Actor, narrowed, readable_sites, search_record
from cloud_plane.records.detections import DetectionQuery

BY = Actor("user:ann@example.com", datetime(2026, 12, 1, tzinfo=UTC), "api", "case 1")


def test_an_admin_reads_every_entry() -> None:
    assert readable_sites("admin", None) is None


def test_a_manager_reads_their_sites_only() -> None:
    assert readable_sites("manager", frozenset({"s1"})) == frozenset({"s1"})


def test_a_viewer_reads_nothing() -> None:
    with pytest.raises(PermissionError):
        readable_sites("viewer", frozenset({"s1"}))


def test_a_site_outside_the_scope_narrows_to_nothing() -> None:
    assert narrowed(frozenset({"s1"}), "s2") == frozenset()
    assert narrowed(None, "s2") == frozenset({"s2"})


def test_a_search_of_one_site_is_that_sites_entry() -> None:
    record = search_record(BY, DetectionQuery(plate="AB1*", site_ids={"s1"}))
    assert (record.site_id, record.target, record.reason) == ("s1", "AB1*", "case 1")


def test_a_search_of_several_sites_is_fleet_wide_naming_them() -> None:
    record = search_record(BY, DetectionQuery(site_ids={"s2", "s1"}))
    assert record.site_id is None and record.detail == {"sites": ["s1", "s2"]}


def test_a_fuzzy_search_records_its_edit_budget() -> None:
    record = search_record(BY, DetectionQuery(plate="AB12CDE", fuzzy=True, max_edits=2))
    assert (record.detail["fuzzy"], record.detail["edits"]) == (True, 2)


def test_an_exact_search_records_no_edit_budget() -> None:
    assert "edits" not in search_record(BY, DetectionQuery(plate="AB12CDE")).detail
