"""AWS mode: the node PUTs to a presigned S3 URL (moto on loopback) and the cloud serves it."""

from __future__ import annotations

import base64
import uuid
from collections.abc import Iterator

import boto3
import httpx
import pytest
from moto.server import ThreadedMotoServer

from tests.cloud_plane.conftest import RunningCloud
from tests.cloud_plane.images.conftest import JPEG, JPEG_SHA, Site, synced_site
from tests.conftest import free_port


@pytest.fixture
def bucket(aws_credentials: None, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """A fresh bucket in a moto server; boto3 reaches it through AWS_ENDPOINT_URL."""
    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    try:  # the server stops even when the bucket cannot be made: no thread left to later tests
        monkeypatch.setenv("AWS_ENDPOINT_URL", f"http://127.0.0.1:{port}")
        name = f"evidence-{uuid.uuid4().hex[:12]}"  # moto's backends outlive one server
        boto3.client("s3", region_name="eu-west-1").create_bucket(
            Bucket=name, CreateBucketConfiguration={"LocationConstraint": "eu-west-1"}
        )
        yield name
    finally:
        server.stop()


@pytest.fixture
def aws_cloud(bucket: str, cloud_factory) -> RunningCloud:
    return cloud_factory(images_bucket=bucket, aws_region="eu-west-1")


def asked(site: Site, admin: httpx.Client):
    admin.post(f"/api/v1/detections/{site.detection_id}/image")
    [command] = site.commands()
    return command


def test_the_command_carries_a_presigned_put_bound_to_the_checksum(aws_cloud) -> None:
    site = synced_site(aws_cloud)
    command = asked(site, aws_cloud.staff("admin"))
    checksum = base64.b64encode(bytes.fromhex(JPEG_SHA)).decode()
    assert command.upload_url is not None and aws_cloud.settings.images.bucket in command.upload_url
    assert "X-Amz-Signature" in command.upload_url
    assert command.upload_headers == {"x-amz-checksum-sha256": checksum}


def test_an_image_put_to_the_presigned_url_is_served(aws_cloud) -> None:
    site, admin = synced_site(aws_cloud), aws_cloud.staff("admin")
    command = asked(site, admin)
    put = httpx.put(command.upload_url, content=JPEG, headers=dict(command.upload_headers))
    assert put.status_code == 200, put.text
    got = admin.get(f"/api/v1/detections/{site.detection_id}/image")
    assert got.status_code == 200 and got.content == JPEG
    assert got.headers["x-image-sha256"] == JPEG_SHA


def test_other_bytes_in_the_bucket_are_never_served(aws_cloud) -> None:
    site, admin = synced_site(aws_cloud), aws_cloud.staff("admin")
    command = asked(site, admin)
    httpx.put(command.upload_url, content=JPEG + b"tampered", headers=dict(command.upload_headers))
    got = admin.get(f"/api/v1/detections/{site.detection_id}/image")
    assert got.status_code == 404 and "damaged" in got.json()["detail"]


def test_a_forgotten_image_leaves_the_bucket(aws_cloud) -> None:
    site, admin = synced_site(aws_cloud), aws_cloud.staff("admin")
    command = asked(site, admin)
    httpx.put(command.upload_url, content=JPEG, headers=dict(command.upload_headers))
    admin.get(f"/api/v1/detections/{site.detection_id}/image")
    aws_cloud.clock.advance(seconds=aws_cloud.settings.images.keep_s + 1)
    assert aws_cloud.services.images.forget() == 1
    s3 = boto3.client("s3", region_name="eu-west-1")
    listed = s3.list_objects_v2(Bucket=aws_cloud.settings.images.bucket)
    assert listed.get("KeyCount", 0) == 0
