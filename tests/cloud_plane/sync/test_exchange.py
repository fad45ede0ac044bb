"""POST /sync/v1/exchange: idempotent batches, gaps, epochs, signatures and limits."""

from __future__ import annotations

import json
import secrets
import zlib

import pytest

from sync_protocol import codec
from sync_protocol.messages import Heartbeat, HitRecord
from sync_protocol.signing import generate_keypair
from tests.cloud_plane.conftest import RunningCloud


def _count(cloud: RunningCloud, site_id: str) -> int:
    from cloud_plane.records.detections import DetectionQuery

    return len(
        cloud.store.detections.search_detections(
            DetectionQuery(site_ids={site_id}, limit=1000)
        ).items
    )


def test_a_batch_is_acked_and_stored(cloud: RunningCloud) -> None:
    node = cloud.node()
    reply = node.exchange(batch=node.records(1, 5))
    assert reply.ack == {node.stream_id: 5}
    assert reply.cloud_epoch == cloud.store.meta.epoch()
    assert reply.commands == []
    assert _count(cloud, node.site_id) == 5


def test_the_same_batch_twice_changes_nothing(cloud: RunningCloud) -> None:
    node = cloud.node()
    first = node.exchange(batch=node.records(1, 5))
    second = node.exchange(batch=node.records(1, 5))
    assert first.ack == second.ack == {node.stream_id: 5}
    assert _count(cloud, node.site_id) == 5


def test_an_overlapping_batch_stores_only_the_new_part(cloud: RunningCloud) -> None:
    node = cloud.node()
    node.exchange(batch=node.records(1, 5))
    reply = node.exchange(batch=node.records(3, 6))
    assert reply.ack == {node.stream_id: 8}
    assert _count(cloud, node.site_id) == 8


def test_a_batch_past_a_gap_is_refused_with_resend_from(cloud: RunningCloud) -> None:
    node = cloud.node()
    node.exchange(batch=node.records(1, 3))
    reply = node.exchange(batch=node.records(10, 2))
    assert reply.ack == {node.stream_id: 3}
    [command] = reply.commands
    assert (command.type, command.stream_id, command.seq) == ("resend_from", node.stream_id, 4)
    assert _count(cloud, node.site_id) == 3


def test_an_empty_exchange_reports_the_mark(cloud: RunningCloud) -> None:
    node = cloud.node()
    assert node.exchange().ack == {node.stream_id: 0}
    node.exchange(batch=node.records(1, 2))
    assert node.exchange().ack == {node.stream_id: 2}


def test_a_new_epoch_asks_the_node_to_resend(cloud: RunningCloud) -> None:
    node = cloud.node()
    node.exchange(batch=node.records(1, 4))
    old_epoch = node.cloud_epoch
    new_epoch = cloud.store.meta.new_epoch()
    node.cloud_epoch = old_epoch
    reply = node.exchange()
    assert reply.cloud_epoch == new_epoch != old_epoch
    [command] = reply.commands
    assert (command.type, command.seq) == ("resend_from", 5)


def test_heartbeat_is_kept_on_the_site(cloud: RunningCloud) -> None:
    node = cloud.node()
    beat = Heartbeat(
        node_version="0.1",
        uptime_s=10,
        disk_used_bytes=1,
        disk_total_bytes=2,
        db_size_bytes=3,
        backlog_count=7,
    )
    node.exchange(heartbeat=beat)
    site = cloud.store.sites.get_site(node.site_id)
    assert site.heartbeat == beat
    assert site.last_heartbeat_at == cloud.clock()


def test_node_hits_are_stored_once(cloud: RunningCloud) -> None:
    node = cloud.node()
    [record] = node.records(1, 1)
    hit = HitRecord(
        detection_id=record.id,
        seq=1,
        list_name="stolen",
        plate_norm="AB12CDE",
        match_kind="confusion",
        hotlist_version=0,
        plate="AB12CDE",
        camera_id="gate-1",
        captured_at=record.captured_at,
        image_sha256="a" * 64,
    )
    node.exchange(hits=[hit])
    node.exchange(hits=[hit])
    hits = cloud.store.hits.list_hits().items
    assert [(h.source, h.match_kind, h.image_sha256) for h in hits] == [
        ("node", "confusion", "a" * 64)
    ]


# --- refusals -------------------------------------------------------------------------------


def test_a_site_cannot_push_as_another_site(cloud: RunningCloud) -> None:
    a, b = cloud.node("A"), cloud.node("B")
    request = a.request(batch=a.records(1, 2)).model_copy(update={"site_id": b.site_id})
    response = a.send(codec.encode(request))
    assert response.status_code == 403
    assert "is not the signing site" in response.json()["detail"]
    # Signing as B with A's key fails too: the key is registered for A only.
    body = codec.encode(request)
    assert a.send(body, token=a.sign(body, site_id=b.site_id)).status_code == 401
    assert _count(cloud, b.site_id) == 0


def test_unsigned_requests_are_refused(cloud: RunningCloud) -> None:
    node = cloud.node()
    response = node.send(codec.encode(node.request()), token="")
    assert response.status_code == 401
    assert "unsigned" in response.json()["detail"]


def test_a_replayed_request_is_refused(cloud: RunningCloud) -> None:
    node = cloud.node()
    body = codec.encode(node.request(batch=node.records(1, 1)))
    token = node.sign(body)
    assert node.send(body, token).status_code == 200
    replay = node.send(body, token)
    assert replay.status_code == 401
    assert "already used" in replay.json()["detail"]


def test_an_expired_request_is_refused(cloud: RunningCloud) -> None:
    node = cloud.node()
    body = codec.encode(node.request())
    token = node.sign(body, ttl_s=60)
    cloud.clock.advance(seconds=120)
    response = node.send(body, token)
    assert response.status_code == 401
    assert "expired" in response.json()["detail"]


def test_a_tampered_body_is_refused(cloud: RunningCloud) -> None:
    node = cloud.node()
    body = codec.encode(node.request(batch=node.records(1, 1)))
    token = node.sign(body)
    other = codec.encode(node.request(batch=node.records(1, 2)))
    response = node.send(other, token)
    assert response.status_code == 401
    assert "body hash" in response.json()["detail"]
    assert _count(cloud, node.site_id) == 0


def test_a_request_signed_with_another_key_is_refused(cloud: RunningCloud) -> None:
    node = cloud.node()
    body = codec.encode(node.request())
    stranger, _ = generate_keypair()
    assert node.send(body, node.sign(body, private_pem=stranger)).status_code == 401
    assert node.send(body, node.sign(body, key_id="unknown-key")).status_code == 401


def test_a_revoked_site_is_refused(cloud: RunningCloud) -> None:
    node = cloud.node()
    cloud.store.sites.revoke_site(node.site_id, now=cloud.clock())
    response = node.send(codec.encode(node.request(batch=node.records(1, 1))))
    assert response.status_code == 403
    assert "revoked" in response.json()["detail"]
    assert _count(cloud, node.site_id) == 0


def test_an_oversized_body_is_refused_unstored(cloud_factory) -> None:
    cloud = cloud_factory(max_request_bytes=2048)
    node = cloud.node()
    # Random image digests do not compress: the body grows past the limit.
    records = [
        r.model_copy(update={"image_sha256": secrets.token_hex(32)}) for r in node.records(1, 100)
    ]
    body = codec.encode(node.request(batch=records))
    assert len(body) > 2048
    response = node.send(body)
    assert response.status_code == 413
    assert "2048" in response.json()["detail"]
    assert _count(cloud, node.site_id) == 0


def test_a_zip_bomb_is_refused_unstored(cloud: RunningCloud) -> None:
    node = cloud.node()
    body = zlib.compress(b" " * (codec.MAX_DECOMPRESSED_BYTES + 10), 9)
    response = node.send(body)
    assert response.status_code == 413
    assert "MAX_DECOMPRESSED_BYTES" in response.json()["detail"]


@pytest.mark.parametrize(
    "body",
    [b"not zlib", zlib.compress(b"{not json"), zlib.compress(b'{"protocol_version": 1}')],
    ids=["not-zlib", "not-json", "missing-fields"],
)
def test_a_malformed_body_is_refused_unstored(cloud: RunningCloud, body: bytes) -> None:
    node = cloud.node()
    response = node.send(body)
    assert response.status_code == 422
    assert isinstance(response.json()["detail"], str)


def test_an_old_protocol_version_gets_426(cloud: RunningCloud) -> None:
    node = cloud.node()
    message = json.loads(node.request().model_dump_json(by_alias=True))
    message["protocol_version"] = 0
    response = node.send(zlib.compress(json.dumps(message).encode()))
    assert response.status_code == 426
    assert "upgrade" in response.json()["detail"]


def test_the_reply_asks_for_the_configured_push_period(cloud_factory) -> None:
    cloud = cloud_factory(sync_push_interval_s=7)
    assert cloud.node().exchange().push_interval_s == 7


def test_a_self_hosted_cloud_leaves_the_push_period_to_the_node(cloud: RunningCloud) -> None:
    assert cloud.node().exchange().push_interval_s is None
