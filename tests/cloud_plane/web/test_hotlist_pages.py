"""The hotlist pages: add, edit, remove, CSV import report (all-or-nothing), export, roles."""

from __future__ import annotations

import csv
import io

from tests.cloud_plane.conftest import RunningCloud
from tests.cloud_plane.web.conftest import signed_in


def _admin(cloud, browser):
    tab = signed_in(browser, cloud)
    tab.get("/hotlist")
    return tab


def test_an_admin_adds_an_entry(cloud: RunningCloud, browser) -> None:
    tab = _admin(cloud, browser)
    r = tab.post(
        "/hotlist",
        {"list": "stolen", "plate": "ab12 cde", "reason": "van", "priority": "80", "expires": ""},
    )
    assert r.status_code == 303
    entry = cloud.store.hotlist.get_entry("stolen", "AB12CDE")
    assert entry is not None and entry.reason == "van" and entry.priority == 80
    assert "AB12 CDE" in tab.get("/hotlist").text


def test_a_bad_priority_is_refused_naming_the_field(cloud: RunningCloud, browser) -> None:
    tab = _admin(cloud, browser)
    r = tab.post("/hotlist", {"list": "stolen", "plate": "AB12CDE", "priority": "101"})
    assert r.status_code == 422 and "Priority must be a whole number from 0 to 100" in r.text
    assert cloud.store.hotlist.list_entries() == []


def test_an_entry_is_edited(cloud: RunningCloud, browser) -> None:
    tab = _admin(cloud, browser)
    tab.post("/hotlist", {"list": "stolen", "plate": "AB12CDE", "priority": "50"})
    assert tab.get("/hotlist/stolen/AB12CDE/edit").status_code == 200
    r = tab.post(
        "/hotlist/stolen/AB12CDE",
        {"reason": "found on CCTV", "priority": "95", "expires": "2099-01-01T00:00", "tz": "UTC"},
    )
    assert r.status_code == 303
    entry = cloud.store.hotlist.get_entry("stolen", "AB12CDE")
    assert entry.priority == 95 and entry.reason == "found on CCTV"
    assert entry.expires_at is not None and entry.expires_at.year == 2099


def test_an_entry_is_removed(cloud: RunningCloud, browser) -> None:
    tab = _admin(cloud, browser)
    tab.post("/hotlist", {"list": "stolen", "plate": "AB12CDE"})
    html = tab.get("/hotlist").text
    assert 'data-confirm="Remove AB12CDE from stolen?"' in html
    assert tab.post("/hotlist/stolen/AB12CDE/remove").status_code == 303
    assert cloud.store.hotlist.get_entry("stolen", "AB12CDE").deleted


def test_a_viewer_sees_the_hotlist_but_cannot_change_it(cloud: RunningCloud, browser) -> None:
    tab = signed_in(browser, cloud, "viewer", [cloud.new_site()[0]])
    html = tab.get("/hotlist").text
    assert "Add to hotlist" not in html
    r = tab.post("/hotlist", {"list": "stolen", "plate": "AB12CDE"})
    assert r.status_code == 403
    assert cloud.store.hotlist.list_entries() == []


def _upload(tab, text: str):
    return tab.http.post(
        "/hotlist/import",
        data={"csrf_token": tab.csrf},
        files={"file": ("list.csv", text.encode(), "text/csv")},
    )


def test_a_csv_with_bad_lines_is_reported_line_by_line_and_nothing_applied(cloud, browser):
    tab = _admin(cloud, browser)
    text = (
        "list,plate,reason,priority,expires_at\n"
        "stolen,AB12CDE,van,80,\n"
        "Bad List,XY1,,,\n"
        "wanted,***,,,\n"
        "wanted,CD34EFG,,200,\n"
    )
    r = _upload(tab, text)
    assert r.status_code == 422
    assert "<td>3</td><td>List:" in r.text
    assert "<td>4</td><td>Plate:" in r.text
    assert "<td>5</td><td>Priority must be" in r.text
    assert "Nothing was imported" in r.text
    assert cloud.store.hotlist.list_entries() == []


def test_a_valid_csv_is_imported_whole(cloud: RunningCloud, browser) -> None:
    tab = _admin(cloud, browser)
    r = _upload(tab, "list,plate,reason,priority\nstolen,AB12CDE,van,80\nwanted,CD34EFG,,\n")
    assert r.status_code == 200 and "Imported 2 entries." in r.text
    assert {e.plate_norm for e in cloud.store.hotlist.list_entries()} == {"AB12CDE", "CD34EFG"}


def test_the_csv_export_imports_back(cloud: RunningCloud, browser) -> None:
    tab = _admin(cloud, browser)
    tab.post("/hotlist", {"list": "stolen", "plate": "AB12CDE", "reason": "=cmd", "priority": "70"})
    r = tab.get("/hotlist.csv")
    assert r.headers["content-disposition"].startswith("attachment")
    rows = list(csv.DictReader(io.StringIO(r.text)))
    assert rows[0]["list"] == "stolen" and rows[0]["plate"] == "AB12CDE"
    assert rows[0]["reason"] == "'=cmd" and rows[0]["owner"] == "cloud (staff)"


def test_the_hotlist_page_shows_the_version_each_site_holds(cloud: RunningCloud, browser) -> None:
    node = cloud.node("North")
    tab = _admin(cloud, browser)
    tab.post("/hotlist", {"list": "stolen", "plate": "AB12CDE"})
    node.exchange()  # at version 0, pulls v1
    html = tab.get("/hotlist").text
    assert "v0" in html and "1 behind" in html
    node.exchange()
    assert "status-synced" in tab.get("/hotlist").text
