"""The audit log in the web app: what signed-in users do is recorded with `user:NAME`; admins
read it (filtered, paged, escaped) and download it as CSV; viewers get 403."""

from __future__ import annotations

import csv
import io

from local_node.audit import queries
from local_node.retention import Retention
from tests.local_node.conftest import RunningNode
from tests.local_node.web.conftest import post_read


def entries(node: RunningNode, action: str | None = None):
    return queries.page(node.services.engine, queries.AuditFilter(action=action), limit=1000)[0]


def test_a_web_search_is_recorded_with_the_user_and_the_reason_given(node, client_for):
    client = client_for("viewer", name="vera")
    r = client.get("/search", params={"plate": "AB12", "mode": "prefix", "reason": "case 7"})
    assert r.status_code == 200
    [entry] = entries(node, "search")
    assert (entry.actor, entry.target, entry.reason) == ("user:vera", "AB12*", "case 7")
    assert entry.source == "127.0.0.1"


def test_the_search_form_asks_for_an_optional_recorded_reason(node, client_for):
    html = client_for("viewer").get("/search").text
    assert "Reason (optional, recorded)" in html and 'name="reason"' in html


def test_opening_the_search_form_records_nothing(node, client_for):
    client_for("viewer").get("/search")
    assert entries(node) == []


def test_hotlist_add_update_and_remove_in_the_web_app_are_recorded(node, client_for):
    client = client_for("admin", name="ada")
    client.form("/hotlist", {"list": "stolen", "plate": "AB12CDE", "reason": "x"})
    client.form("/hotlist", {"list": "stolen", "plate": "AB12CDE", "priority": "80"})
    client.form("/hotlist/remove", {"list": "stolen", "plate": "AB12CDE"})
    found = [(e.actor, e.action, e.target) for e in reversed(entries(node))]
    assert found == [
        ("user:ada", "hotlist.add", "stolen/AB12CDE"),
        ("user:ada", "hotlist.update", "stolen/AB12CDE"),
        ("user:ada", "hotlist.remove", "stolen/AB12CDE"),
    ]


def test_a_hotlist_edit_refused_for_bad_input_records_nothing(node, client_for):
    client = client_for("admin")
    r = client.form("/hotlist", {"list": "stolen", "plate": "AB1", "priority": "x"})
    assert r.status_code == 400 and entries(node) == []


def test_camera_add_and_key_rotation_in_the_web_app_are_recorded(node, client_for):
    client = client_for("admin", name="ada")
    client.form("/cameras", {"name": "north"})
    client.form("/cameras/north/rotate-key")
    assert [(e.actor, e.action) for e in reversed(entries(node))] == [
        ("user:ada", "key.create"),
        ("user:ada", "key.rotate"),
    ]


def test_an_admin_sees_the_audit_page_newest_first(node, client_for):
    client = client_for("admin")
    for plate in ("AA11", "BB22"):
        client.get("/search", params={"plate": plate})
    html = client.get("/audit").text
    assert html.index("BB22") < html.index("AA11")


def test_a_viewer_gets_403_on_the_audit_page_and_its_download(node, client_for):
    client = client_for("viewer")
    assert client.get("/audit").status_code == 403
    assert client.get("/audit.csv").status_code == 403


def test_the_audit_page_needs_a_session(node, client_for):
    r = client_for(None).get("/audit")
    assert r.status_code == 303 and r.headers["location"].startswith("/sign-in")


def test_only_admins_see_the_audit_link(node, client_for):
    assert ">Audit</a>" in client_for("admin").get("/").text
    assert ">Audit</a>" not in client_for("viewer").get("/").text


def test_a_hostile_plate_in_a_search_is_shown_escaped(node, client_for):
    client = client_for("admin")
    client.get("/search", params={"plate": "<script>alert(1)</script>", "reason": "<b>x</b>"})
    html = client.get("/audit").text
    assert "<script>alert" not in html and "<b>x</b>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html and "&lt;b&gt;x&lt;/b&gt;" in html


def test_the_audit_page_filters_by_action_and_actor(node, client_for):
    client = client_for("admin", name="ada")
    client.get("/search", params={"plate": "AA11"})
    client.form("/hotlist", {"list": "stolen", "plate": "ZZ99ZZZ"})
    html = client.get("/audit", params={"action": "hotlist.add", "actor": "user:ada"}).text
    assert "stolen/ZZ99ZZZ" in html and "AA11" not in html
    assert "AA11" not in client.get("/audit", params={"actor": "user:nobody"}).text


def test_the_audit_page_pages_with_a_next_link(node, client_for, monkeypatch):
    from local_node.web import audit_page

    monkeypatch.setattr(audit_page, "PAGE_SIZE", 1)
    client = client_for("admin")
    for plate in ("AA11", "BB22"):
        client.get("/search", params={"plate": plate})
    html = client.get("/audit").text
    assert "BB22" in html and "AA11" not in html and 'rel="next"' in html


def test_the_csv_download_holds_the_entries_and_is_recorded(node, client_for):
    client = client_for("admin", name="ada")
    client.get("/search", params={"plate": "AA11"})
    assert 'href="/audit.csv?' in client.get("/audit").text
    r = client.get("/audit.csv")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(r.text)))
    assert [(row["action"], row["actor"]) for row in rows] == [
        ("search", "user:ada"),
        ("audit.export", "user:ada"),
    ]


def test_the_audit_page_shows_the_recent_retention_runs(node, client_for):
    post_read(node, "AB12CDE")
    node.clock.advance(days=3650)  # past any image retention; sign in after, at the new time
    s = node.services
    Retention(engine=s.engine, images=s.images, settings=s.settings.retention, clock=s.clock).run()
    html = client_for("admin").get("/audit").text
    assert "Retention runs" in html and "No retention run has deleted anything yet" not in html


def test_a_camera_disabled_and_enabled_in_the_web_app_is_recorded(node, client_for):
    client = client_for("admin", name="ada")
    client.form("/cameras/gate-0/disable")
    client.form("/cameras/gate-0/enable")
    found = [(e.actor, e.target, e.detail) for e in reversed(entries(node, "camera.change"))]
    target = f"camera:{node.camera_id}"
    assert found == [
        ("user:ada", target, {"disabled": True}),
        ("user:ada", target, {"disabled": False}),
    ]
