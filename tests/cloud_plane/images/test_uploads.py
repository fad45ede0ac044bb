"""What the cloud checks of a site's upload, the poll, hits' images, and forgetting."""

from __future__ import annotations

import hashlib
import uuid
from dataclasses import replace

import httpx
import pytest

from cloud_plane.config import CloudSettings
from cloud_plane.errors import ServiceUnavailable
from cloud_plane.records.audit import staff_acting
from cloud_plane.records.hits import StoredHit
from cloud_plane.services import build_services, image_poll_interval
from sync_protocol.image_messages import UploadImage
from sync_protocol.messages import HitRecord
from tests.cloud_plane.conftest import RunningCloud
from tests.cloud_plane.images.conftest import JPEG, JPEG_SHA, Site, heartbeat, synced_site


def ask(site: Site, admin: httpx.Client) -> str:
    return admin.post(f"/api/v1/detections/{site.detection_id}/image").json()["request_id"]


def test_bytes_of_another_hash_are_refused(site: Site, admin: httpx.Client) -> None:
    refused = site.upload(ask(site, admin), JPEG + b"x")
    assert refused.status_code == 422 and "does not match" in refused.json()["detail"]


def test_another_sites_upload_is_refused(
    cloud: RunningCloud, site: Site, admin: httpx.Client
) -> None:
    other = synced_site(cloud)
    assert site.upload(ask(site, admin), node=other.node).status_code == 404


def test_an_upload_over_the_limit_is_refused(cloud_factory) -> None:
    cloud = cloud_factory(images_max_bytes=1024)
    site, admin = synced_site(cloud), cloud.staff("admin")
    assert site.upload(ask(site, admin), b"\xff\xd8\xff" + b"0" * 2000).status_code == 413


def test_an_unsigned_upload_is_refused(site: Site, admin: httpx.Client) -> None:
    url = f"{site.cloud.url}/sync/v1/images/{ask(site, admin)}"
    assert httpx.put(url, content=JPEG).status_code == 401


def test_an_upload_that_is_no_image_is_refused(cloud: RunningCloud) -> None:
    site, admin = synced_site(cloud), cloud.staff("admin")
    text = b"not an image"
    asked = cloud.store.images.get(ask(site, admin))
    assert asked is not None
    cloud.store.images.put(replace(asked, sha256=hashlib.sha256(text).hexdigest()))
    refused = site.upload(asked.request_id, text)
    assert refused.status_code == 422 and "JPEG or PNG" in refused.json()["detail"]


def test_the_poll_says_a_command_waits_until_an_exchange_took_it(
    site: Site, admin: httpx.Client
) -> None:
    assert site.poll() == 0
    ask(site, admin)
    assert site.poll() == 1
    site.commands()
    assert site.poll() == 0


def test_a_command_unanswered_goes_out_again(
    site: Site, cloud: RunningCloud, admin: httpx.Client
) -> None:
    ask(site, admin)
    assert len(site.commands()) == 1
    assert site.commands() == []
    cloud.clock.advance(seconds=cloud.settings.images.resend_after_s + 1)
    assert len(site.commands()) == 1


def test_a_hits_image_is_asked_for_at_once_when_set(cloud_factory) -> None:
    cloud = cloud_factory(images_upload_hits=True)
    node = cloud.node()
    [record] = node.records(1, 1)
    record = record.model_copy(update={"image_sha256": JPEG_SHA})
    hit = HitRecord(
        detection_id=record.id, seq=1, list="stolen", plate_norm=record.plate_norm,
        match_kind="exact", hotlist_version=0, plate=record.plate, camera_id="gate-1",
        captured_at=record.captured_at, image_sha256=JPEG_SHA,
    )  # fmt: skip
    reply = node.exchange(batch=[record], hits=[hit], heartbeat=heartbeat())
    [command] = [c for c in reply.commands if isinstance(c, UploadImage)]
    assert str(command.detection_id) == str(record.id)
    [alert] = cloud.staff("admin").get("/api/v1/alerts").json()["items"]
    assert alert["link"].endswith(f"/reads/{record.id}/image?wait=10")


def test_hits_images_are_not_asked_for_by_default(cloud: RunningCloud) -> None:
    images = cloud.services.images
    images.on_hit(
        StoredHit(
            detection_id=uuid.uuid4(), list_name="l", plate_norm="AB1", site_id="s",
            stream_id="st", seq=1, match_kind="exact", source="node", plate="AB1",
            camera_id="c", captured_at=cloud.clock(), hotlist_version=0,
            created_at=cloud.clock(), image_sha256=JPEG_SHA,
        )
    )  # fmt: skip
    assert cloud.store.images.waiting("s", resend_before=cloud.clock(), limit=5) == []


def test_an_image_past_its_keep_is_forgotten_and_answers_410(
    site: Site, cloud: RunningCloud, admin: httpx.Client
) -> None:
    request_id = ask(site, admin)
    site.upload(request_id)
    cloud.clock.advance(seconds=cloud.settings.images.keep_s + 1)
    assert cloud.services.alerting.monitor_once()["images_forgotten"] == 1
    assert cloud.store.images.get(request_id).status == "expired"
    assert not (cloud.settings.data_dir / "images" / request_id).exists()
    site.report_in()  # online again
    later = cloud.staff("admin")  # the first token expired with the day
    assert later.get(f"/api/v1/detections/{site.detection_id}/image").status_code == 410


def test_an_expired_image_can_be_asked_for_again(
    site: Site, cloud: RunningCloud, admin: httpx.Client
) -> None:
    first = ask(site, admin)
    site.upload(first)
    cloud.clock.advance(seconds=cloud.settings.images.keep_s + 1)
    cloud.services.images.forget()
    site.report_in()
    again = cloud.staff("admin").post(f"/api/v1/detections/{site.detection_id}/image")
    assert again.status_code == 202 and again.json()["request_id"] != first


def test_stored_files_are_private(site: Site, cloud: RunningCloud, admin: httpx.Client) -> None:
    request_id = ask(site, admin)
    site.upload(request_id)
    stored = cloud.settings.data_dir / "images" / request_id
    assert stored.stat().st_mode & 0o777 == 0o600
    assert stored.parent.stat().st_mode & 0o777 == 0o700


def test_nodes_are_asked_not_to_poll_a_dynamodb_cloud_by_default() -> None:
    assert image_poll_interval(CloudSettings(store="dynamodb")) == 0
    assert image_poll_interval(CloudSettings(store="sql")) is None
    assert image_poll_interval(CloudSettings(store="dynamodb", images_poll_interval_s=5)) == 5


def test_a_dynamodb_cloud_without_a_bucket_refuses_image_requests_naming_the_setting(
    tmp_path, site: Site
) -> None:
    settings = CloudSettings(data_dir=tmp_path, store="dynamodb", alert_worker=False)
    services = build_services(settings, clock=site.cloud.clock, store=site.cloud.store)
    ref = services.images.read(site.detection_id, None)
    with pytest.raises(ServiceUnavailable, match="EDGESYNC_CLOUD_IMAGES_BUCKET"):
        services.images.request(ref, staff_acting("ada", site.cloud.clock(), "api"))
