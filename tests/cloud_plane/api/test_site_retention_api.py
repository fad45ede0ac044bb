"""A site's read retention through the staff API: set by PATCH (admins only), bounded 1..3650
with 422 naming the field, null back to the default, shown in the site views."""

from __future__ import annotations

import pytest

from tests.cloud_plane.conftest import RunningCloud


def test_an_admin_sets_a_sites_read_retention_by_patch(cloud: RunningCloud) -> None:
    site_id, _ = cloud.new_site("Yard")
    with cloud.staff() as client:
        r = client.patch(f"/api/v1/sites/{site_id}", json={"read_retention_days": 14})
    assert r.status_code == 200 and r.json()["read_retention_days"] == 14
    assert cloud.store.sites.get_site(site_id).read_retention_days == 14


def test_null_returns_the_site_to_the_default(cloud: RunningCloud) -> None:
    site_id, _ = cloud.new_site("Yard")
    cloud.store.sites.set_site_read_retention(site_id, 14)
    with cloud.staff() as client:
        r = client.patch(f"/api/v1/sites/{site_id}", json={"read_retention_days": None})
    assert r.status_code == 200 and r.json()["read_retention_days"] is None
    assert cloud.store.sites.get_site(site_id).read_retention_days is None


@pytest.mark.parametrize("days", [0, 3651, -5, "30", 7.5, True])
def test_a_bad_retention_is_422_naming_the_field_and_nothing_changes(
    cloud: RunningCloud, days: object
) -> None:
    site_id, _ = cloud.new_site("Yard")
    with cloud.staff() as client:
        r = client.patch(f"/api/v1/sites/{site_id}", json={"read_retention_days": days})
    assert r.status_code == 422 and "read_retention_days" in r.text
    assert cloud.store.sites.get_site(site_id).read_retention_days is None


def test_a_manager_of_the_site_may_not_change_its_retention(cloud: RunningCloud) -> None:
    site_id, _ = cloud.new_site("Yard")
    with cloud.staff("manager", sites=[site_id]) as client:
        r = client.patch(f"/api/v1/sites/{site_id}", json={"read_retention_days": 1})
    assert r.status_code == 403 and "admin" in r.json()["detail"]
    assert cloud.store.sites.get_site(site_id).read_retention_days is None


def test_the_site_views_show_its_own_retention_and_the_one_in_use(
    cloud_factory,
) -> None:
    cloud = cloud_factory(alert_worker=False, detection_retention_days=90)
    own, _ = cloud.new_site("Own")
    cloud.store.sites.set_site_read_retention(own, 14)
    cloud.new_site("Plain")
    with cloud.staff() as client:
        listed = {s["name"]: s for s in client.get("/api/v1/sites").json()}
        detail = client.get(f"/api/v1/sites/{own}").json()
    assert (listed["Plain"]["read_retention_days"], listed["Plain"]["retention_days_in_use"]) == (
        None,
        90,
    )
    assert (detail["read_retention_days"], detail["retention_days_in_use"]) == (14, 14)
