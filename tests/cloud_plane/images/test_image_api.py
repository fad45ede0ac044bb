"""Images on demand through the staff API: statuses, scope, the site's answers, audit."""

from __future__ import annotations

import time

import httpx

from cloud_plane.records.audit import AuditQuery
from tests.cloud_plane.conftest import RunningCloud
from tests.cloud_plane.images.conftest import JPEG, JPEG_SHA, Site, synced_site


def path(site: Site) -> str:
    return f"/api/v1/detections/{site.detection_id}/image"


def test_a_request_is_pending_until_the_site_answers(site: Site, admin: httpx.Client) -> None:
    asked = admin.post(path(site))
    assert asked.status_code == 202 and asked.json()["status"] == "pending"
    got = admin.get(path(site))
    assert got.status_code == 202 and got.headers["retry-after"] == "1"


def test_the_next_exchange_carries_the_command_with_the_reads_hash(
    site: Site, admin: httpx.Client
) -> None:
    request_id = admin.post(path(site)).json()["request_id"]
    [command] = site.commands()
    assert (command.request_id, str(command.detection_id)) == (request_id, site.detection_id)
    assert command.sha256 == JPEG_SHA and command.upload_url is None


def test_an_uploaded_image_is_served_with_its_type_and_hash(
    site: Site, admin: httpx.Client
) -> None:
    request_id = admin.post(path(site)).json()["request_id"]
    site.commands()
    assert site.upload(request_id).status_code == 204
    got = admin.get(path(site))
    assert got.status_code == 200 and got.content == JPEG
    assert got.headers["content-type"] == "image/jpeg"
    assert got.headers["x-image-sha256"] == JPEG_SHA


def test_asking_again_for_a_held_image_answers_200(site: Site, admin: httpx.Client) -> None:
    request_id = admin.post(path(site)).json()["request_id"]
    site.upload(request_id)
    again = admin.post(path(site))
    assert again.status_code == 200 and again.json()["request_id"] == request_id


def test_a_long_poll_returns_the_image_once_it_arrives(site: Site, admin: httpx.Client) -> None:
    request_id = admin.post(path(site)).json()["request_id"]
    site.upload(request_id)
    assert admin.get(path(site), params={"wait": 2}).status_code == 200


def test_an_offline_site_is_answered_at_once(cloud: RunningCloud, admin: httpx.Client) -> None:
    site = synced_site(cloud)
    cloud.clock.advance(seconds=cloud.settings.images.offline_after_s + 1)
    started = time.monotonic()
    asked = admin.post(path(site))
    took = time.monotonic() - started
    assert asked.status_code == 503 and took < 1.0
    assert asked.json()["status"] == "offline"
    assert asked.json()["detail"].startswith("site offline since ")


def test_a_pending_request_of_a_site_gone_offline_answers_offline(
    site: Site, cloud: RunningCloud, admin: httpx.Client
) -> None:
    admin.post(path(site))
    cloud.clock.advance(seconds=cloud.settings.images.offline_after_s + 1)
    got = admin.get(path(site), params={"wait": 5})
    assert got.status_code == 503 and got.json()["offline_since"] is not None


def test_another_sites_staff_gets_404(cloud: RunningCloud, site: Site) -> None:
    other = synced_site(cloud)
    manager = cloud.staff("manager", sites=[other.node.site_id])
    assert manager.post(path(site)).status_code == 404
    assert manager.get(path(site)).status_code == 404


def test_a_read_never_asked_for_answers_404_naming_post(site: Site, admin: httpx.Client) -> None:
    got = admin.get(path(site))
    assert got.status_code == 404 and "POST" in got.json()["detail"]


def test_an_image_pruned_at_the_site_answers_404_saying_so(site: Site, admin: httpx.Client) -> None:
    request_id = admin.post(path(site)).json()["request_id"]
    assert site.missing(request_id).status_code == 204
    got = admin.get(path(site))
    assert got.status_code == 404 and "pruned at the site" in got.json()["detail"]


def test_requests_and_views_are_audited(site: Site, cloud: RunningCloud) -> None:
    admin = cloud.staff("admin")
    request_id = admin.post(path(site), params={"reason": "case 7"}).json()["request_id"]
    site.upload(request_id)
    admin.get(path(site))
    [asked] = cloud.store.audit.list(AuditQuery(action="image.request")).items
    [viewed] = cloud.store.audit.list(AuditQuery(action="image.view")).items
    assert (asked.target, asked.reason, asked.site_id) == (
        site.detection_id,
        "case 7",
        site.node.site_id,
    )
    assert viewed.target == site.detection_id and viewed.detail["sha256"] == JPEG_SHA
