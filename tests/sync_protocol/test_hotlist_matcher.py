"""The shared matcher: index plus expiry rule (sync_protocol.hotlist_matcher)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sync_protocol.hotlist_matcher import HotlistMatcher

NOW = datetime(2026, 7, 1, 12, tzinfo=UTC)


@dataclass(frozen=True)
class Entry:
    list_name: str
    plate_norm: str
    expires_at: datetime | None = None


def test_an_entry_matches_with_its_kind_and_distance():
    [found] = HotlistMatcher([Entry("stolen", "AB12CDE")]).match("AB12CDF", NOW)
    assert (found.entry.plate_norm, found.kind, found.distance) == ("AB12CDE", "fuzzy", 1)


def test_an_expired_entry_never_matches():
    entry = Entry("stolen", "AB12CDE", expires_at=NOW - timedelta(seconds=1))
    assert HotlistMatcher([entry]).match("AB12CDE", NOW) == []


def test_an_entry_expiring_exactly_now_no_longer_matches():
    entry = Entry("stolen", "AB12CDE", expires_at=NOW)
    assert HotlistMatcher([entry]).match("AB12CDE", NOW) == []


def test_fuzzy_off_matches_only_exact_confusion_and_wildcard():
    matcher = HotlistMatcher([Entry("stolen", "AB12CDE")], fuzzy=False)
    assert matcher.match("AB12CDF", NOW) == []
    assert [m.kind for m in matcher.match("A812CDE", NOW)] == ["confusion"]


def test_the_version_label_is_kept():
    assert HotlistMatcher([], version=7).version == 7
