"""The site page shows how long the cloud keeps the site's reads and its last retention runs."""

from __future__ import annotations

import re
from datetime import timedelta

import httpx

from cloud_plane.records.retention import RetentionRun
from tests.cloud_plane.conftest import RunningCloud
from tests.cloud_plane.web.conftest import Browser, make_user


def _site_page(cloud: RunningCloud, site_id: str) -> str:
    with httpx.Client(base_url=cloud.url, timeout=30) as http:
        tab = Browser(http)
        assert tab.sign_in(make_user(cloud)).status_code == 303
        return tab.get(f"/sites/{site_id}").text


def _fact(html: str, term: str) -> str:
    found = re.search(rf"<dt>{term}</dt><dd>(.*?)</dd>", html, re.S)
    assert found is not None, term
    return found.group(1)


def test_the_site_page_shows_the_default_retention_as_the_default(cloud_factory) -> None:
    cloud = cloud_factory(alert_worker=False, detection_retention_days=90)
    site_id, _ = cloud.new_site("Plain")
    kept = _fact(_site_page(cloud, site_id), "Reads kept in the cloud")
    assert "90 days" in kept and "(the cloud's default)" in kept


def test_the_site_page_shows_the_sites_own_retention(cloud_factory) -> None:
    cloud = cloud_factory(alert_worker=False, detection_retention_days=90)
    site_id, _ = cloud.new_site("Short")
    cloud.store.sites.set_site_read_retention(site_id, 14)
    kept = _fact(_site_page(cloud, site_id), "Reads kept in the cloud")
    assert "14 days" in kept and "default" not in kept


def test_without_any_retention_the_site_page_says_reads_stay(cloud: RunningCloud) -> None:
    site_id, _ = cloud.new_site("Forever")
    html = _site_page(cloud, site_id)
    assert "until deleted" in _fact(html, "Reads kept in the cloud")
    assert "No reads of this site have been deleted by retention yet" in html


def test_the_site_page_lists_its_last_retention_runs(cloud: RunningCloud) -> None:
    site_id, _ = cloud.new_site("Pruned")
    other, _ = cloud.new_site("Other")
    now = cloud.clock()
    cloud.store.retention.record_run(
        RetentionRun(site_id, now, now, now - timedelta(days=30), 4321, 7)
    )
    cloud.store.retention.record_run(RetentionRun(other, now, now, now, 9999, 0))
    html = _site_page(cloud, site_id)
    runs = html.split("<h2>Retention runs</h2>", 1)[1]
    assert "<td>4321</td>" in runs and "<td>7</td>" in runs and "9999" not in runs
