"""The ``SiteStore`` contract: sites, enrolment codes, keys and nonces."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest

from cloud_plane.errors import NotFound
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
