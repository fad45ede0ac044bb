"""A cloud, a site whose node reported in, and one synced read with an image."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

import httpx
import pytest

from sync_protocol import codec
from sync_protocol.image_messages import CommandPoll, CommandPollReply, ImageMissing, UploadImage
from sync_protocol.messages import ExchangeReply, Heartbeat
from tests.cloud_plane.conftest import NodeClient, RunningCloud, post

JPEG = b"\xff\xd8\xff\xe0" + b"edgesync test image" * 20
JPEG_SHA = hashlib.sha256(JPEG).hexdigest()


def heartbeat() -> Heartbeat:
    return Heartbeat(
        node_version="1", uptime_s=1, disk_used_bytes=1, disk_total_bytes=2, db_size_bytes=1,
        backlog_count=0,
    )  # fmt: skip


@dataclass
class Site:
    """A node that synced one read with an image, and reports in."""

    cloud: RunningCloud
    node: NodeClient
    detection_id: str

    def report_in(self) -> ExchangeReply:
        """An exchange with a heartbeat (the site is online); returns its reply."""
        return self.node.exchange(heartbeat=heartbeat())

    def commands(self) -> list[UploadImage]:
        return [c for c in self.report_in().commands if isinstance(c, UploadImage)]

    def upload(self, request_id: str, data: bytes = JPEG, node: NodeClient | None = None):
        node = node or self.node
        return httpx.put(
            f"{self.cloud.url}/sync/v1/images/{request_id}",
            content=data,
            headers={"Authorization": f"EdgeSync {node.sign(data)}", "Content-Type": "image/jpeg"},
        )

    def missing(self, request_id: str, reason: str = "pruned") -> httpx.Response:
        body = codec.encode(
            ImageMissing(site_id=self.node.site_id, request_id=request_id, reason=reason)
        )
        return post(
            f"{self.cloud.url}/sync/v1/images/{request_id}/missing",
            body,
            {"Authorization": f"EdgeSync {self.node.sign(body)}"},
        )

    def poll(self) -> int:
        body = codec.encode(CommandPoll(site_id=self.node.site_id, node_time=self.cloud.clock()))
        signed = {"Authorization": f"EdgeSync {self.node.sign(body)}"}
        r = post(f"{self.cloud.url}/sync/v1/commands", body, signed)
        assert r.status_code == 200, r.text
        return codec.decode(r.content, CommandPollReply).waiting


def synced_site(cloud: RunningCloud, name: str | None = None) -> Site:
    node = cloud.node(name)
    [record] = node.records(1, 1)
    record = record.model_copy(update={"image_sha256": JPEG_SHA})
    node.exchange(batch=[record], heartbeat=heartbeat())
    return Site(cloud, node, str(record.id))


@pytest.fixture
def site(cloud: RunningCloud) -> Site:
    return synced_site(cloud)


@pytest.fixture
def admin(cloud: RunningCloud) -> httpx.Client:
    return cloud.staff("admin")
