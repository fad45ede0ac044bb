"""The ``SiteStore`` contract: sites, enrolment codes, keys and nonces."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest

from cloud_plane.errors import Conflict, NotFound
from cloud_plane.records.sites import EnrollmentRefused
from cloud_plane.store.base import CloudStore
from tests.cloud_plane.store.contracts.builders import NOW

ROLE = "sites"


def test_sites_are_created_listed_and_revoked(store: CloudStore) -> None:
    b = store.sites.create_site("B", now=NOW)
    a = store.sites.create_site("A", now=NOW)
    assert [s.name for s in store.sites.list_sites()] == ["A", "B"]
    assert [s.site_id for s in store.sites.list_sites({b.site_id, "unknown"})] == [b.site_id]
    assert store.sites.list_sites(set()) == []
    revoked = store.sites.revoke_site(a.site_id, now=NOW)
    assert (
        revoked.revoked
        and store.sites.revoke_site(a.site_id, now=NOW + timedelta(1)).revoked_at == NOW
    )
    with pytest.raises(NotFound):
        store.sites.get_site("nope")
    with pytest.raises(NotFound):
        store.sites.revoke_site("nope", now=NOW)


def test_an_enrolment_code_works_once_and_not_after_expiry(store: CloudStore) -> None:
    site = store.sites.create_site("S", now=NOW)
    store.sites.create_enrollment(site.site_id, "h1", NOW + timedelta(hours=1))
    store.sites.create_enrollment(site.site_id, "h2", NOW + timedelta(hours=1))
    assert store.sites.consume_enrollment("h1", NOW, "PEM", "k1").enrolled_at == NOW
    assert store.sites.get_site_key(site.site_id, "k1") == "PEM"
    assert store.sites.get_site_key(site.site_id, "k2") is None
    with pytest.raises(EnrollmentRefused, match="already used"):
        store.sites.consume_enrollment("h1", NOW, "PEM", "k1")
    with pytest.raises(EnrollmentRefused, match="expired"):
        store.sites.consume_enrollment("h2", NOW + timedelta(hours=1), "PEM", "k2")
    with pytest.raises(EnrollmentRefused):
        store.sites.consume_enrollment("nope", NOW, "PEM", "k3")
    with pytest.raises(NotFound):
        store.sites.create_enrollment("nope", "h3", NOW)


def test_concurrent_use_of_one_code_succeeds_once(store: CloudStore) -> None:
    site = store.sites.create_site("S", now=NOW)
    store.sites.create_enrollment(site.site_id, "h", NOW + timedelta(hours=1))
    outcomes: list[str] = []

    def use(i: int) -> None:
        try:
            store.sites.consume_enrollment("h", NOW, "PEM", f"k{i}")
            outcomes.append("ok")
        except EnrollmentRefused:
            outcomes.append("refused")

    threads = [threading.Thread(target=use, args=(i,)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes) == ["ok", "refused", "refused", "refused"]


def test_nonces_are_remembered_until_they_expire(store: CloudStore) -> None:
    assert store.sites.remember_nonce("s:n1", NOW + timedelta(seconds=60), NOW) is False
    assert store.sites.remember_nonce("s:n1", NOW + timedelta(seconds=60), NOW) is True
    later = NOW + timedelta(seconds=61)
    assert store.sites.remember_nonce("s:n1", later + timedelta(seconds=60), later) is False


def test_a_second_live_site_of_one_name_is_refused(store: CloudStore) -> None:
    store.sites.create_site("North", now=NOW)
    with pytest.raises(Conflict, match="already named 'North'"):
        store.sites.create_site("North", now=NOW)


def test_a_site_is_renamed_unless_the_name_is_taken(store: CloudStore) -> None:
    a = store.sites.create_site("A", now=NOW)
    store.sites.create_site("B", now=NOW)
    assert store.sites.rename_site(a.site_id, "C").name == "C"
    assert store.sites.rename_site(a.site_id, "C").name == "C"  # its own name is not taken
    with pytest.raises(Conflict):
        store.sites.rename_site(a.site_id, "B")
    with pytest.raises(NotFound):
        store.sites.rename_site("nope", "D")


def test_a_site_that_never_enrolled_is_deleted_by_archive(store: CloudStore) -> None:
    site = store.sites.create_site("S", now=NOW)
    store.sites.create_enrollment(site.site_id, "h", NOW + timedelta(hours=1))
    assert store.sites.archive_site(site.site_id, now=NOW) is None
    with pytest.raises(NotFound):
        store.sites.get_site(site.site_id)
    with pytest.raises(EnrollmentRefused):
        store.sites.consume_enrollment("h", NOW, "PEM", "k1")


def test_an_enrolled_site_is_archived_revoked_and_its_name_freed(store: CloudStore) -> None:
    site = store.sites.create_site("S", now=NOW)
    store.sites.create_enrollment(site.site_id, "h", NOW + timedelta(hours=1))
    store.sites.consume_enrollment("h", NOW, "PEM", "k1")
    archived = store.sites.archive_site(site.site_id, now=NOW)
    assert archived is not None and archived.archived and archived.revoked
    assert store.sites.get_site_key(site.site_id, "k1") == "PEM"  # kept, but the site is revoked
    assert store.sites.create_site("S", now=NOW).site_id != site.site_id


def test_a_reissued_code_replaces_the_sites_unused_codes(store: CloudStore) -> None:
    site = store.sites.create_site("S", now=NOW)
    store.sites.create_enrollment(site.site_id, "old", NOW + timedelta(hours=1))
    store.sites.reissue_enrollment(site.site_id, "new", NOW + timedelta(hours=1))
    with pytest.raises(EnrollmentRefused):
        store.sites.consume_enrollment("old", NOW, "PEM", "k1")
    assert store.sites.consume_enrollment("new", NOW, "PEM", "k1").site_id == site.site_id


def test_no_code_is_reissued_for_a_revoked_site(store: CloudStore) -> None:
    site = store.sites.create_site("S", now=NOW)
    store.sites.revoke_site(site.site_id, now=NOW)
    with pytest.raises(Conflict, match="cannot enrol"):
        store.sites.reissue_enrollment(site.site_id, "h", NOW + timedelta(hours=1))
    with pytest.raises(NotFound):
        store.sites.reissue_enrollment("nope", "h", NOW + timedelta(hours=1))


def test_the_hotlist_version_a_site_holds_is_kept(store: CloudStore) -> None:
    site = store.sites.create_site("H", now=NOW)
    assert store.sites.get_site(site.site_id).hotlist_version is None
    store.sites.record_hotlist_version(site.site_id, 7, at=NOW)
    kept = store.sites.get_site(site.site_id)
    assert (kept.hotlist_version, kept.hotlist_seen_at) == (7, NOW)


def test_a_new_hotlist_version_replaces_the_one_kept(store: CloudStore) -> None:
    site = store.sites.create_site("H", now=NOW)
    store.sites.record_hotlist_version(site.site_id, 7, at=NOW)
    store.sites.record_hotlist_version(site.site_id, 8, at=NOW + timedelta(seconds=1))
    kept = store.sites.get_site(site.site_id)
    assert (kept.hotlist_version, kept.hotlist_seen_at) == (8, NOW + timedelta(seconds=1))


def test_the_hotlist_version_of_an_unknown_site_is_ignored(store: CloudStore) -> None:
    store.sites.record_hotlist_version("nope", 7, at=NOW)
    assert store.sites.list_sites() == []


def test_an_archived_sites_name_can_be_taken_by_a_rename(store: CloudStore) -> None:
    old = store.sites.create_site("S", now=NOW)
    store.sites.create_enrollment(old.site_id, "h", NOW + timedelta(hours=1))
    store.sites.consume_enrollment("h", NOW, "PEM", "k1")
    store.sites.archive_site(old.site_id, now=NOW)
    other = store.sites.create_site("T", now=NOW)
    assert store.sites.rename_site(other.site_id, "S").name == "S"
    with pytest.raises(Conflict):
        store.sites.create_site("S", now=NOW)
    assert store.sites.create_site("T", now=NOW).name == "T"  # its old name was freed


def test_archiving_twice_keeps_the_first_archive(store: CloudStore) -> None:
    site = store.sites.create_site("S", now=NOW)
    store.sites.create_enrollment(site.site_id, "h", NOW + timedelta(hours=1))
    store.sites.consume_enrollment("h", NOW, "PEM", "k1")
    first = store.sites.archive_site(site.site_id, now=NOW)
    again = store.sites.archive_site(site.site_id, now=NOW + timedelta(hours=1))
    assert again == first


def test_a_site_enrols_again_with_a_reissued_code(store: CloudStore) -> None:
    site = store.sites.create_site("S", now=NOW)
    store.sites.create_enrollment(site.site_id, "h1", NOW + timedelta(hours=1))
    store.sites.consume_enrollment("h1", NOW, "PEM1", "k1")
    store.sites.reissue_enrollment(site.site_id, "h2", NOW + timedelta(hours=1))
    later = NOW + timedelta(minutes=5)
    assert store.sites.consume_enrollment("h2", later, "PEM2", "k2").enrolled_at == later
    assert (
        store.sites.get_site_key(site.site_id, "k1"),
        store.sites.get_site_key(site.site_id, "k2"),
    ) == ("PEM1", "PEM2")


def test_concurrent_creations_of_one_name_make_one_site(store: CloudStore) -> None:
    outcomes: list[str] = []

    def create() -> None:
        try:
            store.sites.create_site("Same", now=NOW)
            outcomes.append("ok")
        except Conflict:
            outcomes.append("taken")

    threads = [threading.Thread(target=create) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes) == ["ok", "taken", "taken", "taken"]
    assert [s.name for s in store.sites.list_sites()] == ["Same"]


def test_a_site_keeps_the_time_zone_it_was_created_in(store: CloudStore) -> None:
    made = store.sites.create_site("Tokyo", now=NOW, timezone="Asia/Tokyo")
    plain = store.sites.create_site("Plain", now=NOW)
    assert made.timezone == "Asia/Tokyo"
    assert store.sites.get_site(made.site_id).timezone == "Asia/Tokyo"
    assert {s.name: s.timezone for s in store.sites.list_sites()} == {
        "Tokyo": "Asia/Tokyo",
        "Plain": None,
    }
    assert store.sites.get_site(plain.site_id).timezone is None


def test_a_sites_time_zone_is_changed_and_cleared(store: CloudStore) -> None:
    site = store.sites.create_site("S", now=NOW)
    assert store.sites.set_site_timezone(site.site_id, "Europe/Berlin").timezone == "Europe/Berlin"
    assert store.sites.get_site(site.site_id).timezone == "Europe/Berlin"
    assert store.sites.set_site_timezone(site.site_id, None).timezone is None
    assert store.sites.get_site(site.site_id).timezone is None
    with pytest.raises(NotFound):
        store.sites.set_site_timezone("nope", "Europe/Berlin")


def test_enrolment_gives_a_site_without_a_zone_the_nodes_zone(store: CloudStore) -> None:
    site = store.sites.create_site("S", now=NOW)
    store.sites.create_enrollment(site.site_id, "h", NOW + timedelta(hours=1))
    enrolled = store.sites.consume_enrollment("h", NOW, "PEM", "k1", timezone="Asia/Tokyo")
    assert enrolled.timezone == "Asia/Tokyo"
    assert store.sites.get_site(site.site_id).timezone == "Asia/Tokyo"


def test_enrolment_never_replaces_a_zone_the_site_has(store: CloudStore) -> None:
    site = store.sites.create_site("S", now=NOW, timezone="Europe/Berlin")
    store.sites.create_enrollment(site.site_id, "h", NOW + timedelta(hours=1))
    enrolled = store.sites.consume_enrollment("h", NOW, "PEM", "k1", timezone="Asia/Tokyo")
    assert enrolled.timezone == "Europe/Berlin"
    assert store.sites.get_site(site.site_id).timezone == "Europe/Berlin"


def test_enrolment_without_a_zone_leaves_the_sites_zone_unset(store: CloudStore) -> None:
    site = store.sites.create_site("S", now=NOW)
    store.sites.create_enrollment(site.site_id, "h", NOW + timedelta(hours=1))
    assert store.sites.consume_enrollment("h", NOW, "PEM", "k1").timezone is None


def test_a_sites_read_retention_is_set_and_returned_to_the_default(store: CloudStore) -> None:
    site = store.sites.create_site("kept", now=NOW)
    assert site.read_retention_days is None
    assert store.sites.set_site_read_retention(site.site_id, 14).read_retention_days == 14
    assert store.sites.get_site(site.site_id).read_retention_days == 14
    assert store.sites.set_site_read_retention(site.site_id, None).read_retention_days is None
    assert store.sites.list_sites()[0].read_retention_days is None


def test_setting_the_read_retention_of_an_unknown_site_is_not_found(store: CloudStore) -> None:
    with pytest.raises(NotFound):
        store.sites.set_site_read_retention("site_nope", 14)
