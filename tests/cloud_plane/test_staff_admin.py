"""Each staff-admin change (users, site keys, sites) writes its audit entry, on every store."""

from __future__ import annotations

import json

from cloud_plane import staff_admin
from cloud_plane.records.audit import Actor, AuditQuery
from cloud_plane.store.base import CloudStore
from sync_protocol.audit import AuditRecord
from tests.cloud_plane.store.contracts.builders import NOW

BY = Actor("user:root@example.com", NOW, "api")


def only(store: CloudStore, action: str) -> AuditRecord:
    [entry] = store.audit.list(AuditQuery(action=action)).items
    assert (entry.actor, entry.source, entry.at) == ("user:root@example.com", "api", NOW)
    return entry


def new_site(store: CloudStore, name: str = "North") -> tuple[str, str]:
    site, code = staff_admin.create_site(store, name, now=NOW, ttl_s=3600, by=BY)
    return site.site_id, code


def test_creating_a_user_is_audited_without_the_password(shared_store: CloudStore) -> None:
    site_id, _ = new_site(shared_store)
    _, password = staff_admin.create_user(
        shared_store, "Ann@Example.com", "manager", [site_id], now=NOW, by=BY
    )
    entry = only(shared_store, "user.create")
    assert (entry.target, entry.site_id) == ("ann@example.com", None)  # fleet-wide
    assert entry.detail == {"role": "manager", "sites": [site_id]}
    assert password not in json.dumps(entry.detail)


def test_a_role_change_is_audited_with_the_new_scope(shared_store: CloudStore) -> None:
    site_id, _ = new_site(shared_store)
    staff_admin.create_user(shared_store, "ann@example.com", "viewer", [], now=NOW, by=BY)
    staff_admin.change_user(shared_store, "ann@example.com", role="manager", sites=[site_id], by=BY)
    entry = only(shared_store, "user.update")
    assert (entry.target, entry.detail) == (
        "ann@example.com",
        {"role": "manager", "sites": [site_id]},
    )


def test_disabling_a_user_is_audited(shared_store: CloudStore) -> None:
    staff_admin.create_user(shared_store, "ann@example.com", "viewer", [], now=NOW, by=BY)
    staff_admin.change_user(shared_store, "ann@example.com", disabled=True, by=BY)
    assert only(shared_store, "user.disable").target == "ann@example.com"


def test_enabling_a_user_is_audited_as_an_update(shared_store: CloudStore) -> None:
    staff_admin.create_user(shared_store, "ann@example.com", "viewer", [], now=NOW, by=BY)
    staff_admin.change_user(shared_store, "ann@example.com", disabled=False, by=BY)
    assert only(shared_store, "user.update").detail == {"disabled": False}


def test_a_password_reset_is_audited_without_the_password(shared_store: CloudStore) -> None:
    staff_admin.create_user(shared_store, "ann@example.com", "viewer", [], now=NOW, by=BY)
    _, password = staff_admin.reset_password(shared_store, "ann@example.com", by=BY)
    entry = only(shared_store, "user.password")
    assert entry.target == "ann@example.com" and password not in json.dumps(entry.detail)


def test_a_new_site_is_audited_as_a_new_key_in_its_site_without_the_code(
    shared_store: CloudStore,
) -> None:
    site_id, code = new_site(shared_store)
    entry = only(shared_store, "key.create")
    assert (entry.site_id, entry.target) == (site_id, site_id)
    assert code not in json.dumps(entry.detail)


def test_a_reissued_code_is_audited_as_a_key_rotation_without_the_code(
    shared_store: CloudStore,
) -> None:
    site_id, _ = new_site(shared_store)
    code = staff_admin.new_enrollment_code(shared_store, site_id, now=NOW, ttl_s=60, by=BY)
    entry = only(shared_store, "key.rotate")
    assert entry.site_id == site_id and code not in json.dumps(entry.detail)


def test_archiving_a_site_is_audited_as_a_key_revocation(shared_store: CloudStore) -> None:
    site_id, _ = new_site(shared_store)
    staff_admin.archive_site(shared_store, site_id, now=NOW, by=BY)
    entry = only(shared_store, "key.revoke")
    assert (entry.site_id, entry.detail) == (site_id, {"what": "site deleted (never enrolled)"})


def test_revoking_a_site_is_audited_as_a_key_revocation(shared_store: CloudStore) -> None:
    site_id, _ = new_site(shared_store)
    staff_admin.revoke_site(shared_store, site_id, now=NOW, by=BY)
    assert only(shared_store, "key.revoke").site_id == site_id


def test_renaming_a_site_is_audited_as_a_site_change(shared_store: CloudStore) -> None:
    site_id, _ = new_site(shared_store)
    staff_admin.rename_site(shared_store, site_id, "South", by=BY)
    entry = only(shared_store, "site.change")
    assert (entry.site_id, entry.detail) == (site_id, {"name": "South"})


def test_a_read_retention_change_is_audited_in_its_site(shared_store: CloudStore) -> None:
    site_id, _ = new_site(shared_store)
    staff_admin.set_site_read_retention(shared_store, site_id, 14, by=BY)
    entry = only(shared_store, "retention.change")
    assert (entry.site_id, entry.detail) == (site_id, {"read_retention_days": 14})
