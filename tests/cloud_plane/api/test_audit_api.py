"""The audit log over the staff API: searches and changes recorded as their caller's, the log
read back scoped by role (admins all, managers their sites, viewers refused) and exported."""

from __future__ import annotations

import csv
import io
import json

import httpx

from cloud_plane.records.audit import AuditQuery, staff_acting
from sync_protocol.audit import AuditAction
from tests.cloud_plane.conftest import RunningCloud
from tests.cloud_plane.web.helpers import hit_alert

ADMIN = "root@example.com"


def as_user(cloud: RunningCloud, name: str, role: str, sites: list[str] | None = None):
    cloud.store.users.create_user(name, None, role, sites or [], now=cloud.clock())  # type: ignore[arg-type]
    return cloud.http(cloud.token(name, role))


def newest(cloud: RunningCloud, action: str):
    entries = cloud.store.audit.list(AuditQuery(action=action)).items
    assert entries, f"no {action} entry"
    return entries[0]


def seed(cloud: RunningCloud, action: AuditAction, site_id: str | None, target: str) -> None:
    by = staff_acting("someone@example.com", cloud.clock(), "api")
    cloud.store.audit.append(by.record(action, target=target, site_id=site_id))


def test_a_search_is_audited_with_its_caller_query_and_reason(cloud: RunningCloud) -> None:
    admin = as_user(cloud, ADMIN, "admin")
    params = {"plate": "AB12CDE", "reason": "case 2291"}
    assert admin.get("/api/v1/detections", params=params).status_code == 200
    entry = newest(cloud, "search")
    assert (entry.actor, entry.target, entry.reason, entry.source) == (
        f"user:{ADMIN}",
        "AB12CDE",
        "case 2291",
        "api",
    )
    assert entry.detail["sites"] == "all"


def test_a_search_of_one_site_is_that_sites_entry(cloud: RunningCloud) -> None:
    site_id, _ = cloud.new_site()
    admin = as_user(cloud, ADMIN, "admin")
    admin.get("/api/v1/detections", params={"site_id": site_id})
    assert newest(cloud, "search").site_id == site_id


def test_the_next_page_of_a_search_is_not_a_new_search(cloud: RunningCloud) -> None:
    node = cloud.node()
    node.exchange(batch=node.records(1, 3))
    admin = as_user(cloud, ADMIN, "admin")
    first = admin.get("/api/v1/detections", params={"limit": 1}).json()
    admin.get("/api/v1/detections", params={"limit": 1, "cursor": first["next_cursor"]})
    assert len(cloud.store.audit.list(AuditQuery(action="search")).items) == 1


def test_an_alert_acknowledged_over_the_api_is_audited(cloud: RunningCloud) -> None:
    node = cloud.node()
    alert_id = hit_alert(cloud, node)
    admin = as_user(cloud, ADMIN, "admin")
    assert admin.post(f"/api/v1/alerts/{alert_id}/ack").status_code == 200
    entry = newest(cloud, "alert.ack")
    assert (entry.actor, entry.target, entry.site_id) == (f"user:{ADMIN}", alert_id, node.site_id)


def test_a_hotlist_edit_over_the_api_is_audited(cloud: RunningCloud) -> None:
    admin = as_user(cloud, ADMIN, "admin")
    body = {"reason": "stolen", "priority": 70}
    assert admin.put("/api/v1/hotlist/stolen/AB12CDE", json=body).status_code == 200
    assert admin.delete("/api/v1/hotlist/stolen/AB12CDE").status_code == 204
    assert newest(cloud, "hotlist.add").actor == f"user:{ADMIN}"
    assert newest(cloud, "hotlist.remove").source == "api"


def test_user_and_key_changes_over_the_api_are_audited(cloud: RunningCloud) -> None:
    admin = as_user(cloud, ADMIN, "admin")
    created = admin.post("/api/v1/sites", json={"name": "West"}).json()
    cloud.store.users.create_user("ann@example.com", None, "viewer", [], now=cloud.clock())
    admin.patch("/api/v1/users/ann@example.com", json={"disabled": True})
    admin.post("/api/v1/users/ann@example.com/reset-password")
    key = newest(cloud, "key.create")
    assert (key.actor, key.site_id) == (f"user:{ADMIN}", created["site_id"])
    assert created["enrollment_code"] not in json.dumps(key.detail)
    assert newest(cloud, "user.disable").target == "ann@example.com"
    assert newest(cloud, "user.password").actor == f"user:{ADMIN}"


def test_an_admin_lists_every_entry_newest_first_a_page_at_a_time(cloud: RunningCloud) -> None:
    for n in range(3):
        cloud.clock.advance(seconds=1)
        seed(cloud, AuditAction.USER_CREATE, None, f"user{n}@example.com")
    admin = as_user(cloud, ADMIN, "admin")
    first = admin.get("/api/v1/audit", params={"limit": 2}).json()
    rest = admin.get("/api/v1/audit", params={"cursor": first["next_cursor"]}).json()
    targets = [e["target"] for e in first["items"] + rest["items"]]
    assert targets == ["user2@example.com", "user1@example.com", "user0@example.com"]


def test_a_manager_reads_only_their_sites_entries(cloud: RunningCloud) -> None:
    mine, _ = cloud.new_site()
    theirs, _ = cloud.new_site()
    seed(cloud, AuditAction.SEARCH, mine, "MINE1")
    seed(cloud, AuditAction.SEARCH, theirs, "THEIRS1")
    seed(cloud, AuditAction.USER_CREATE, None, "fleet@example.com")
    manager = as_user(cloud, "mgr@example.com", "manager", [mine])
    listed = manager.get("/api/v1/audit").json()["items"]
    assert [e["target"] for e in listed] == ["MINE1"]
    other = manager.get("/api/v1/audit", params={"site_id": theirs}).json()["items"]
    assert other == []


def test_a_viewer_cannot_read_the_audit_log(cloud: RunningCloud) -> None:
    viewer = as_user(cloud, "v@example.com", "viewer")
    assert viewer.get("/api/v1/audit").status_code == 403


def test_the_audit_log_needs_a_staff_token(cloud: RunningCloud) -> None:
    assert httpx.get(f"{cloud.url}/api/v1/audit").status_code == 401


def test_a_csv_export_holds_every_entry_and_is_itself_recorded(cloud: RunningCloud) -> None:
    seed(cloud, AuditAction.SEARCH, None, "=HYPERLINK(1)")
    admin = as_user(cloud, ADMIN, "admin")
    r = admin.get("/api/v1/audit", params={"format": "csv", "action": "search"})
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(r.text)))
    assert [row["target"] for row in rows] == ["'=HYPERLINK(1)"]  # a formula is defused
    assert newest(cloud, "audit.export").detail["format"] == "csv"


def test_a_jsonl_export_is_one_entry_per_line(cloud: RunningCloud) -> None:
    seed(cloud, AuditAction.SEARCH, None, "AB1")
    seed(cloud, AuditAction.SEARCH, None, "AB2")
    admin = as_user(cloud, ADMIN, "admin")
    r = admin.get("/api/v1/audit", params={"format": "jsonl", "action": "search"})
    lines = [json.loads(line) for line in r.text.splitlines()]
    assert sorted(e["target"] for e in lines) == ["AB1", "AB2"]


def test_a_bad_cursor_is_refused(cloud: RunningCloud) -> None:
    admin = as_user(cloud, ADMIN, "admin")
    assert admin.get("/api/v1/audit", params={"cursor": "nope"}).status_code == 422
