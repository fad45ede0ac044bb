"""The dashboard's Audit page and what dashboard actions write to the audit log."""

from __future__ import annotations

import csv
import io

from cloud_plane.records.audit import AuditQuery, staff_acting
from sync_protocol.audit import AuditAction, AuditRecord
from tests.cloud_plane.conftest import RunningCloud
from tests.cloud_plane.web.conftest import make_user, signed_in
from tests.cloud_plane.web.helpers import XSS, hit_alert


def newest(cloud: RunningCloud, action: str) -> AuditRecord:
    entries = cloud.store.audit.list(AuditQuery(action=action)).items
    assert entries, f"no {action} entry"
    return entries[0]


def seed(cloud: RunningCloud, site_id: str | None, target: str) -> None:
    by = staff_acting("someone@example.com", cloud.clock(), "api")
    cloud.store.audit.append(by.record(AuditAction.SEARCH, target=target, site_id=site_id))


def test_a_dashboard_search_is_audited_with_its_reason(cloud: RunningCloud, browser) -> None:
    tab = signed_in(browser, cloud)
    assert tab.get("/search", params={"plate": "AB12CDE", "reason": "case 7"}).status_code == 200
    entry = newest(cloud, "search")
    assert (entry.target, entry.reason, entry.source) == ("AB12CDE", "case 7", "dashboard")
    assert entry.actor.startswith("user:admin-")


def test_the_search_form_asks_for_a_reason(cloud: RunningCloud, browser) -> None:
    html = signed_in(browser, cloud).get("/search").text
    assert "Reason (optional, recorded)" in html and 'name="reason"' in html


def test_the_search_csv_download_is_audited_as_a_read_export(cloud: RunningCloud, browser) -> None:
    tab = signed_in(browser, cloud)
    assert tab.get("/search.csv", params={"plate": "AB12CDE"}).status_code == 200
    assert newest(cloud, "read.export").target == "AB12CDE"


def test_a_dashboard_hotlist_import_is_audited(cloud: RunningCloud, browser) -> None:
    tab = signed_in(browser, cloud)
    tab.get("/hotlist")
    text = "list,plate,reason,priority\nstolen,AB12CDE,van,80\nwanted,CD34EFG,,\n"
    tab.http.post(
        "/hotlist/import",
        data={"csrf_token": tab.csrf},
        files={"file": ("list.csv", text.encode(), "text/csv")},
    )
    assert newest(cloud, "hotlist.import").detail == {"entries": 2}
    adds = cloud.store.audit.list(AuditQuery(action="hotlist.add")).items
    assert {e.source for e in adds} == {"dashboard import"} and len(adds) == 2


def test_a_dashboard_acknowledgement_is_audited(cloud: RunningCloud, browser) -> None:
    node = cloud.node()
    alert_id = hit_alert(cloud, node)
    tab = signed_in(browser, cloud, "manager", [node.site_id])
    tab.get(f"/alerts/{alert_id}")
    assert tab.post(f"/alerts/{alert_id}/ack").status_code == 303
    entry = newest(cloud, "alert.ack")
    assert (entry.target, entry.site_id, entry.source) == (alert_id, node.site_id, "dashboard")


def test_a_dashboard_user_change_is_audited(cloud: RunningCloud, browser) -> None:
    tab = signed_in(browser, cloud)
    ann = make_user(cloud, "viewer")
    tab.get("/users")
    assert tab.post(f"/users/{ann}/disable").status_code == 303
    entry = newest(cloud, "user.disable")
    assert (entry.target, entry.source) == (ann, "dashboard")


def test_an_admin_sees_every_entry_on_the_audit_page(cloud: RunningCloud, browser) -> None:
    site_id, _ = cloud.new_site("North")
    seed(cloud, site_id, "SITE1")
    seed(cloud, None, "FLEET1")
    html = signed_in(browser, cloud).get("/audit").text
    assert "SITE1" in html and "FLEET1" in html and "North" in html


def test_hostile_text_in_an_entry_renders_inert(cloud: RunningCloud, browser) -> None:
    tab = signed_in(browser, cloud)
    tab.get("/search", params={"plate": "AB12CDE", "reason": XSS})
    html = tab.get("/audit").text
    assert XSS not in html
    assert "&lt;img src=x onerror=alert(1)&gt;" in html


def test_a_manager_sees_only_their_sites_entries(cloud: RunningCloud, browser) -> None:
    mine, _ = cloud.new_site("Mine")
    theirs, _ = cloud.new_site("Theirs")
    seed(cloud, mine, "MINE1")
    seed(cloud, theirs, "THEIRS1")
    seed(cloud, None, "FLEET1")
    html = signed_in(browser, cloud, "manager", [mine]).get("/audit").text
    assert "MINE1" in html and "THEIRS1" not in html and "FLEET1" not in html


def test_a_viewer_is_refused_the_audit_page_and_not_shown_its_link(
    cloud: RunningCloud, browser
) -> None:
    tab = signed_in(browser, cloud, "viewer")
    assert 'href="/audit"' not in tab.get("/").text
    assert tab.get("/audit").status_code == 403


def test_admins_and_managers_are_shown_the_audit_link(cloud: RunningCloud, browser) -> None:
    site_id, _ = cloud.new_site()
    assert 'href="/audit"' in signed_in(browser, cloud).get("/").text
    assert 'href="/audit"' in signed_in(browser, cloud, "manager", [site_id]).get("/").text


def test_the_audit_csv_download_holds_the_filtered_entries_and_is_recorded(
    cloud: RunningCloud, browser
) -> None:
    seed(cloud, None, "AB1")
    tab = signed_in(browser, cloud)
    r = tab.get("/audit.csv", params={"action": "search"})
    assert r.headers["content-disposition"].startswith("attachment")
    assert [row["target"] for row in csv.DictReader(io.StringIO(r.text))] == ["AB1"]
    assert newest(cloud, "audit.export").source == "dashboard"


def test_an_unknown_action_filter_is_named(cloud: RunningCloud, browser) -> None:
    r = signed_in(browser, cloud).get("/audit", params={"action": "nope"})
    assert r.status_code == 422 and "unknown action" in r.text
