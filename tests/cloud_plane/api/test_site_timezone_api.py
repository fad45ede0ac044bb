"""A site's time zone through the staff API: set at creation, changed by PATCH (admins and the
site's managers), refused with 422 when unknown, shown in the site views."""

from __future__ import annotations

from tests.cloud_plane.conftest import RunningCloud


def test_a_site_created_with_a_zone_keeps_it(cloud: RunningCloud) -> None:
    with cloud.staff() as client:
        r = client.post("/api/v1/sites", json={"name": "Yard", "timezone": "Asia/Tokyo"})
    assert r.status_code == 201
    assert cloud.store.sites.get_site(r.json()["site_id"]).timezone == "Asia/Tokyo"


def test_creating_a_site_in_an_unknown_zone_is_422_naming_it(cloud: RunningCloud) -> None:
    with cloud.staff() as client:
        r = client.post("/api/v1/sites", json={"name": "Yard", "timezone": "Mars/Olympus"})
    assert r.status_code == 422 and "Mars/Olympus" in r.json()["detail"]
    assert cloud.store.sites.list_sites() == []


def test_the_site_views_show_its_zone_and_the_zone_in_use(cloud: RunningCloud) -> None:
    tokyo, _ = cloud.new_site("Tokyo")
    cloud.store.sites.set_site_timezone(tokyo, "Asia/Tokyo")
    cloud.new_site("Plain")
    with cloud.staff() as client:
        listed = {s["name"]: s for s in client.get("/api/v1/sites").json()}
        detail = client.get(f"/api/v1/sites/{tokyo}").json()
    assert (listed["Tokyo"]["timezone"], listed["Tokyo"]["zone_in_use"]) == (
        "Asia/Tokyo",
        "Asia/Tokyo",
    )
    assert (listed["Plain"]["timezone"], listed["Plain"]["zone_in_use"]) == (None, "UTC")
    assert detail["timezone"] == "Asia/Tokyo"


def test_an_admin_sets_a_sites_zone_by_patch(cloud: RunningCloud) -> None:
    site_id, _ = cloud.new_site("Yard")
    with cloud.staff() as client:
        r = client.patch(f"/api/v1/sites/{site_id}", json={"timezone": "Europe/Berlin"})
    assert r.status_code == 200 and r.json()["timezone"] == "Europe/Berlin"
    assert cloud.store.sites.get_site(site_id).timezone == "Europe/Berlin"


def test_a_manager_of_the_site_sets_its_zone(cloud: RunningCloud) -> None:
    site_id, _ = cloud.new_site("Yard")
    with cloud.staff("manager", sites=[site_id]) as client:
        r = client.patch(f"/api/v1/sites/{site_id}", json={"timezone": "Asia/Tokyo"})
    assert r.status_code == 200
    assert cloud.store.sites.get_site(site_id).timezone == "Asia/Tokyo"


def test_a_manager_of_another_site_gets_404_and_nothing_changes(cloud: RunningCloud) -> None:
    site_id, _ = cloud.new_site("Yard")
    other, _ = cloud.new_site("Other")
    with cloud.staff("manager", sites=[other]) as client:
        r = client.patch(f"/api/v1/sites/{site_id}", json={"timezone": "Asia/Tokyo"})
    assert r.status_code == 404
    assert cloud.store.sites.get_site(site_id).timezone is None


def test_a_viewer_of_the_site_may_not_change_its_zone(cloud: RunningCloud) -> None:
    site_id, _ = cloud.new_site("Yard")
    with cloud.staff("viewer", sites=[site_id]) as client:
        r = client.patch(f"/api/v1/sites/{site_id}", json={"timezone": "Asia/Tokyo"})
    assert r.status_code == 403
    assert cloud.store.sites.get_site(site_id).timezone is None


def test_patching_an_unknown_zone_is_422_naming_it(cloud: RunningCloud) -> None:
    site_id, _ = cloud.new_site("Yard")
    cloud.store.sites.set_site_timezone(site_id, "Europe/Berlin")
    with cloud.staff() as client:
        r = client.patch(
            f"/api/v1/sites/{site_id}", json={"name": "Renamed", "timezone": "Europe/Berlln"}
        )
    assert r.status_code == 422 and "Europe/Berlln" in r.json()["detail"]
    site = cloud.store.sites.get_site(site_id)
    assert (site.name, site.timezone) == ("Yard", "Europe/Berlin")  # nothing half-applied


def test_patching_a_null_zone_returns_the_site_to_the_clouds_default(cloud: RunningCloud) -> None:
    site_id, _ = cloud.new_site("Yard")
    cloud.store.sites.set_site_timezone(site_id, "Asia/Tokyo")
    with cloud.staff() as client:
        r = client.patch(f"/api/v1/sites/{site_id}", json={"timezone": None})
    assert r.status_code == 200 and r.json()["zone_in_use"] == "UTC"
    assert cloud.store.sites.get_site(site_id).timezone is None


def test_a_patch_that_changes_nothing_is_422(cloud: RunningCloud) -> None:
    site_id, _ = cloud.new_site("Yard")
    with cloud.staff() as client:
        r = client.patch(f"/api/v1/sites/{site_id}", json={})
    assert r.status_code == 422 and "timezone" in r.json()["detail"]
