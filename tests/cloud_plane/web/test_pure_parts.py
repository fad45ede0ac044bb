"""The dashboard's pure parts: site status, CSV cells, hotlist lines, the search form."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from cloud_plane.auth.staff import Staff
from cloud_plane.config import HealthSettings
from cloud_plane.errors import InvalidInput, NotFound
from cloud_plane.records.sites import Site
from cloud_plane.web.hotlist_csv import EntryProblem, entry_fields, parse_import
from cloud_plane.web.search_form import SearchForm, detection_query
from cloud_plane.web.site_health import site_card, worst_first
from sync_protocol.csv_cells import csv_line, safe_cell
from sync_protocol.messages import CameraHealth, Heartbeat

NOW = datetime(2026, 12, 3, 12, 0, tzinfo=UTC)
HEALTH = HealthSettings()


def _site(name: str, *, seen: timedelta | None, camera_seen: timedelta | None = None) -> Site:
    beat = Heartbeat(
        node_version="1", uptime_s=1, disk_used_bytes=1, disk_total_bytes=10, db_size_bytes=1,
        backlog_count=0,
        cameras=[CameraHealth(camera_id="c", last_seen=NOW - camera_seen)] if camera_seen else [],
    )  # fmt: skip
    return Site(
        site_id=name, name=name, created_at=NOW,
        last_heartbeat_at=None if seen is None else NOW - seen,
        heartbeat=None if seen is None else beat,
    )  # fmt: skip


def _card(site: Site, open_alerts: int = 0):
    return site_card(site, now=NOW, health=HEALTH, camera_reads={}, open_alerts=open_alerts,
                     hotlist_current=3)  # fmt: skip


def test_an_online_site_with_a_silent_camera_is_degraded() -> None:
    card = _card(_site("a", seen=timedelta(seconds=5), camera_seen=timedelta(hours=3)))
    assert card.status == "degraded" and card.cameras_silent == 1
    assert card.problems == ["1 camera(s) silent"]


def test_sites_are_sorted_worst_first() -> None:
    cards = [
        _card(_site("online", seen=timedelta(seconds=5))),
        _card(_site("never", seen=None)),
        _card(_site("offline", seen=timedelta(hours=1))),
        _card(_site("degraded", seen=timedelta(seconds=5), camera_seen=timedelta(hours=3))),
    ]
    assert [c.site.name for c in worst_first(cards)] == ["offline", "degraded", "never", "online"]


@pytest.mark.parametrize("cell", ["=1+1", "+1", "-1", "@SUM(A1)", "\tx"])
def test_a_cell_a_spreadsheet_would_run_gets_a_quote(cell: str) -> None:
    assert safe_cell(cell) == "'" + cell


def test_a_csv_line_quotes_commas_and_keeps_plain_cells() -> None:
    assert csv_line(["AB12CDE", "a,b", None, 3]) == 'AB12CDE,"a,b",,3\r\n'


def test_an_entry_expiring_in_the_past_is_refused() -> None:
    with pytest.raises(EntryProblem, match="Expires is in the past"):
        entry_fields("stolen", "AB1", "", "", "2020-01-01", tz="UTC", now=NOW)


def test_an_entry_expiry_is_read_in_the_viewers_zone() -> None:
    entry = entry_fields("stolen", "AB1", "", "", "2027-01-01T09:00", tz="Europe/Paris", now=NOW)
    assert entry.expires_at == datetime(2027, 1, 1, 8, 0, tzinfo=UTC)


def test_an_import_reports_a_bad_header_on_line_one() -> None:
    assert parse_import("plate\nAB1\n", now=NOW).problems == [
        (1, "header must name the columns list, plate, reason, priority, expires_at")
    ]


def test_an_import_refuses_the_same_entry_twice() -> None:
    report = parse_import("list,plate\nstolen,AB 12\nstolen,ab12\n", now=NOW)
    assert report.problems == [(3, "same list and plate as line 2")]


def test_the_search_form_turns_modes_into_store_queries() -> None:
    staff = Staff("v@x", "viewer", frozenset({"a"}))
    exact = detection_query(SearchForm(plate="ab 12*"), staff)
    assert (exact.plate, exact.fuzzy, exact.site_ids) == ("AB12", False, frozenset({"a"}))
    assert detection_query(SearchForm(plate="AB1", mode="prefix"), staff).plate == "AB1*"
    assert detection_query(SearchForm(plate="AB1", mode="fuzzy"), staff).fuzzy is True


def test_the_search_form_offers_fuzzy_with_one_or_two_edits() -> None:
    staff = Staff("v@x", "viewer", frozenset({"a"}))
    one = detection_query(SearchForm(plate="AB12CDE", mode="fuzzy"), staff)
    two = detection_query(SearchForm(plate="AB12CDE", mode="fuzzy2"), staff)
    assert (one.fuzzy, one.max_edits, two.fuzzy, two.max_edits) == (True, 1, True, 2)


def test_the_search_form_refuses_what_it_cannot_ask() -> None:
    staff = Staff("v@x", "viewer", frozenset({"a"}))
    with pytest.raises(NotFound):
        detection_query(SearchForm(site_id="b"), staff)
    with pytest.raises(InvalidInput, match="From must be before To"):
        detection_query(SearchForm(since="2026-01-02T00:00", until="2026-01-01T00:00"), staff)
    with pytest.raises(InvalidInput, match="mode must be"):
        detection_query(SearchForm(plate="A", mode="regex"), staff)
