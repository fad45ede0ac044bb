"""The dashboard's "Show image" control: on the reads table, and the requests it makes."""

from __future__ import annotations

import html
import re
from datetime import datetime
from urllib.parse import parse_qs, urlsplit

from tests.cloud_plane.conftest import RunningCloud
from tests.cloud_plane.images.conftest import JPEG, synced_site
from tests.cloud_plane.web.conftest import signed_in


def test_the_search_page_offers_show_image_for_each_read_with_the_plate_escaped(
    browser, cloud: RunningCloud
) -> None:
    site = synced_site(cloud)
    tab = signed_in(browser, cloud)
    page = tab.get("/search", params={"site_id": site.node.site_id}).text
    cell = re.search(r'data-image-url="([^"]+)"', page)
    assert cell is not None
    url = urlsplit(html.unescape(cell.group(1)))
    assert url.path == f"/reads/{site.detection_id}/image"
    hint = parse_qs(url.query)
    assert hint["site_id"] == [site.node.site_id]
    assert datetime.fromisoformat(hint["received_at"][0]).utcoffset() is not None
    assert 'class="show-image"' in page and "<script>" not in page.split("</head>")[1]


def test_the_image_url_of_the_page_asks_for_the_read(browser, cloud: RunningCloud) -> None:
    site = synced_site(cloud)
    tab = signed_in(browser, cloud)
    page = tab.get("/search", params={"site_id": site.node.site_id}).text
    cell = re.search(r'data-image-url="([^"]+)"', page)
    assert cell is not None
    asked = tab.http.post(html.unescape(cell.group(1)), headers={"X-CSRF-Token": tab.csrf})
    assert asked.status_code == 202 and asked.json()["status"] == "pending"


def test_a_site_without_its_receive_time_is_refused_with_the_reason(
    browser, cloud: RunningCloud
) -> None:
    site = synced_site(cloud)
    tab = signed_in(browser, cloud)
    tab.get("/search")
    url = f"/reads/{site.detection_id}/image"
    refused = tab.http.get(url, params={"site_id": site.node.site_id, "meta": 1})
    assert refused.status_code == 422 and "received_at" in refused.text


def test_the_control_asks_polls_and_shows_the_image(browser, cloud: RunningCloud) -> None:
    site = synced_site(cloud)
    tab = signed_in(browser, cloud)
    tab.get("/search")
    url = f"/reads/{site.detection_id}/image"
    asked = tab.http.post(url, headers={"X-CSRF-Token": tab.csrf})
    assert asked.status_code == 202 and asked.json()["status"] == "pending"
    site.upload(asked.json()["request_id"])
    state = tab.http.get(url, params={"meta": 1})
    assert state.status_code == 200 and state.json()["status"] == "stored"
    shown = tab.http.get(url)
    assert shown.content == JPEG and shown.headers["content-type"] == "image/jpeg"


def test_asking_without_the_csrf_header_is_refused(browser, cloud: RunningCloud) -> None:
    site = synced_site(cloud)
    tab = signed_in(browser, cloud)
    assert tab.http.post(f"/reads/{site.detection_id}/image").status_code == 403


def test_a_manager_of_another_site_cannot_ask(browser, cloud: RunningCloud) -> None:
    site, other = synced_site(cloud), synced_site(cloud)
    tab = signed_in(browser, cloud, role="manager", sites=[other.node.site_id])
    tab.get("/search")
    url = f"/reads/{site.detection_id}/image"
    assert tab.http.post(url, headers={"X-CSRF-Token": tab.csrf}).status_code == 404
