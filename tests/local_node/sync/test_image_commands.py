"""The node answers upload_image commands: a signed upload, a presigned PUT, or "missing"."""

from __future__ import annotations

import hashlib
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from local_node.db import repo
from sync_protocol import codec
from sync_protocol.image_messages import CommandPollReply, ImageMissing, UploadImage
from sync_protocol.signing import InMemoryReplayCache, verify_request
from tests.local_node.conftest import replace_stored_image, stored_image_bytes
from tests.local_node.sync.conftest import SyncedNode, post
from tests.local_node.sync.fake_cloud import FakeCloud


@dataclass
class ImageCloud(FakeCloud):
    """The fake cloud, with the image endpoints (signatures checked) and a bucket."""

    uploads: dict[str, bytes] = field(default_factory=dict)
    upload_headers: dict[str, httpx.Headers] = field(default_factory=dict)
    missing: dict[str, str] = field(default_factory=dict)
    waiting: int | None = 0  # None: a cloud without the poll (404)
    poll_interval_s: float | None = None  # what the poll's reply asks for
    bucket: dict[str, tuple[bytes, httpx.Headers]] = field(default_factory=dict)

    def handle(self, request: httpx.Request) -> httpx.Response:
        path = request.url.path
        if request.url.host == "bucket.test":
            self.bucket[path] = (request.content, request.headers)
            return httpx.Response(200)
        if not path.startswith("/sync/v1/images/") and path != "/sync/v1/commands":
            return super().handle(request)
        token = request.headers["authorization"].partition(" ")[2]
        verify_request(
            token,
            request.content,
            public_key_pem_lookup=lambda s, k: self.keys.get((s, k)),
            now=datetime.now(UTC),
            replay_cache=InMemoryReplayCache(),
        )
        if path == "/sync/v1/commands":
            if self.waiting is None:
                return httpx.Response(404, json={"detail": "Not Found"})
            return httpx.Response(
                200,
                content=codec.encode(
                    CommandPollReply(waiting=self.waiting, poll_interval_s=self.poll_interval_s)
                ),
            )
        request_id = path.split("/")[4]
        if path.endswith("/missing"):
            self.missing[request_id] = codec.decode(request.content, ImageMissing).reason
        else:
            self.uploads[request_id] = request.content
            self.upload_headers[request_id] = request.headers
        return httpx.Response(204)


@pytest.fixture
def cloud() -> ImageCloud:
    return ImageCloud()


def command(detection_id: str, **kw) -> UploadImage:
    fields = {
        "command_id": uuid.uuid4().hex,
        "request_id": uuid.uuid4().hex,
        "detection_id": uuid.UUID(detection_id),
        "expires_at": datetime.now(UTC) + timedelta(minutes=5),
        "max_bytes": 10_000_000,
    }
    return UploadImage(**{**fields, **kw})


def asked(s: SyncedNode, **kw) -> tuple[str, UploadImage]:
    """A read with an image, and the command for it waiting in the cloud's next reply."""
    read_id = post(s.node, image=True).json()["id"]
    order = command(read_id, **kw)
    s.cloud.commands.append(order)
    return read_id, order


def stored_image(s: SyncedNode, read_id: str) -> bytes:
    found = repo.get_detection(s.node.services.engine, read_id)
    assert found is not None
    return stored_image_bytes(s.node, found[0].image_path)


def test_the_image_is_uploaded_signed_with_its_hash(synced, cloud: ImageCloud) -> None:
    s = synced()
    read_id, order = asked(s)
    s.agent.exchange()
    data = stored_image(s, read_id)
    assert cloud.uploads[order.request_id] == data
    headers = cloud.upload_headers[order.request_id]
    assert headers["x-image-sha256"] == hashlib.sha256(data).hexdigest()
    assert headers["content-type"] == "image/jpeg"


def test_the_command_is_acked_on_the_next_exchange(synced, cloud: ImageCloud) -> None:
    s = synced()
    _, order = asked(s)
    s.agent.exchange()
    s.agent.exchange()
    assert order.command_id in cloud.received[-1].request.acked_commands


def test_a_presigned_url_gets_the_bytes_and_the_headers_it_names(synced, cloud) -> None:
    s = synced()
    url = "https://bucket.test/req-1?X-Amz-Signature=abc"
    read_id, _ = asked(s, upload_url=url, upload_headers={"x-amz-checksum-sha256": "Zm9v"})
    s.agent.exchange()
    data, headers = cloud.bucket["/req-1"]
    assert data == stored_image(s, read_id) and headers["x-amz-checksum-sha256"] == "Zm9v"
    assert cloud.uploads == {}


def test_a_pruned_image_is_reported_missing(synced, cloud: ImageCloud) -> None:
    s = synced()
    read_id, order = asked(s)
    found = repo.get_detection(s.node.services.engine, read_id)
    assert found is not None
    replace_stored_image(s.node, found[0].image_path, None)
    s.agent.exchange()
    assert cloud.missing == {order.request_id: "pruned"}


def test_a_read_without_an_image_is_reported_as_such(synced, cloud: ImageCloud) -> None:
    s = synced()
    order = command(post(s.node).json()["id"])
    cloud.commands.append(order)
    s.agent.exchange()
    assert cloud.missing == {order.request_id: "no_image"}


def test_an_unknown_read_is_reported_unknown(synced, cloud: ImageCloud) -> None:
    s = synced()
    order = command(str(uuid.uuid4()))
    cloud.commands.append(order)
    s.agent.exchange()
    assert cloud.missing == {order.request_id: "unknown"}


def test_the_poll_says_whether_commands_wait(synced, cloud: ImageCloud) -> None:
    s = synced()
    assert s.agent.images.waiting() is False
    cloud.waiting = 1
    assert s.agent.images.waiting() is True


def test_a_cloud_without_the_poll_turns_polling_off(synced, cloud: ImageCloud) -> None:
    s = synced()
    cloud.waiting = None
    assert s.agent.images.waiting() is False
    assert s.agent.images.polling is False


def test_a_cloud_asking_for_no_poll_turns_polling_off(synced, cloud: ImageCloud) -> None:
    s = synced()
    cloud.poll_interval_s, cloud.waiting = 0, 1
    assert s.agent.images.waiting() is True  # this answer still counts
    assert s.agent.images.polling is False and s.agent.images.waiting() is False


def test_a_cloud_asking_for_a_longer_period_is_polled_less(synced, cloud: ImageCloud) -> None:
    s = synced()
    cloud.poll_interval_s = 60
    assert s.agent.images.waiting() is False
    cloud.waiting = 1
    assert s.agent.images.waiting() is False  # not asked again within the minute
