"""The dashboard shows each site's times on the site's own clock, with the zone's abbreviation."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import httpx

from cloud_plane.web.zones import local_day_start
from tests.cloud_plane.conftest import RunningCloud
from tests.cloud_plane.web.conftest import Browser, make_user, signed_in
from tests.cloud_plane.web.helpers import beat, hit_alert

MORNING = datetime(2026, 12, 4, 5, 5, tzinfo=UTC)  # 14:05 in Tokyo, 06:05 in Berlin


def test_a_sites_page_shows_its_heartbeat_in_the_sites_zone(cloud: RunningCloud, browser) -> None:
    cloud.clock.now = MORNING
    node = cloud.node("Tokyo")
    cloud.store.sites.set_site_timezone(node.site_id, "Asia/Tokyo")
    node.exchange(heartbeat=beat(cloud))
    html = signed_in(browser, cloud).get(f"/sites/{node.site_id}").text
    assert "2026-12-04 14:05:00 JST" in html
    assert "Asia/Tokyo" in html


def test_the_alerts_feed_shows_each_row_in_its_own_sites_zone(cloud: RunningCloud, browser) -> None:
    cloud.clock.now = MORNING
    tokyo, berlin = cloud.node("Tokyo"), cloud.node("Berlin")
    cloud.store.sites.set_site_timezone(tokyo.site_id, "Asia/Tokyo")
    cloud.store.sites.set_site_timezone(berlin.site_id, "Europe/Berlin")
    rows = {
        hit_alert(cloud, tokyo, "TOKYO1"): "2026-12-04 14:05:00 JST",
        hit_alert(cloud, berlin, "BERLIN1"): "2026-12-04 06:05:00 CET",
    }
    html = signed_in(browser, cloud).get("/alerts").text
    for alert_id, shown in rows.items():
        row = re.search(rf'<tr data-alert="{alert_id}">.*?</tr>', html, re.S)
        assert row is not None and shown in row.group(0)


def test_a_site_without_a_zone_shows_alert_timezone(cloud_factory) -> None:
    cloud = cloud_factory(alert_timezone="Europe/Berlin")
    cloud.clock.now = MORNING
    node = cloud.node("Plain")
    node.exchange(heartbeat=beat(cloud))
    with httpx.Client(base_url=cloud.url, timeout=30) as http:
        tab = Browser(http)
        assert tab.sign_in(make_user(cloud)).status_code == 303
        html = tab.get("/").text
    assert "2026-12-04 06:05:00 CET" in html


def test_reads_today_count_from_the_sites_own_midnight(cloud: RunningCloud, browser) -> None:
    cloud.clock.now = datetime(2026, 12, 4, 14, 0, tzinfo=UTC)  # 23:00 in Tokyo, 15:00 in Berlin
    tokyo, berlin = cloud.node("Tokyo"), cloud.node("Berlin")
    cloud.store.sites.set_site_timezone(tokyo.site_id, "Asia/Tokyo")
    cloud.store.sites.set_site_timezone(berlin.site_id, "Europe/Berlin")
    for node in (tokyo, berlin):
        node.exchange(batch=node.records(1, 2))
    cloud.clock.advance(hours=2)  # past midnight in Tokyo: its reads were yesterday's
    tab = signed_in(browser, cloud)
    today = "<dt>Reads today (site time)</dt><dd>{}</dd>"
    assert today.format(0) in tab.get(f"/sites/{tokyo.site_id}").text
    assert today.format(2) in tab.get(f"/sites/{berlin.site_id}").text


def test_a_sites_hourly_chart_is_labelled_on_its_clock(cloud: RunningCloud, browser) -> None:
    cloud.clock.now = MORNING
    node = cloud.node("Tokyo")
    cloud.store.sites.set_site_timezone(node.site_id, "Asia/Tokyo")
    html = signed_in(browser, cloud).get(f"/sites/{node.site_id}").text
    assert "last 24 hours (Asia/Tokyo)" in html
    assert "<title>14:00: 0</title>" in html  # the current hour, 05:00 UTC, on Tokyo's clock


def test_a_half_hour_zones_day_starts_in_the_hour_holding_its_midnight() -> None:
    now = datetime(2026, 12, 4, 20, 0, tzinfo=UTC)  # 01:30 on Dec 5 in Kolkata (+05:30)
    assert local_day_start(now, "Asia/Kolkata") == datetime(2026, 12, 4, 18, 0, tzinfo=UTC)
    assert local_day_start(now, "Asia/Tokyo") == datetime(2026, 12, 4, 15, 0, tzinfo=UTC)
