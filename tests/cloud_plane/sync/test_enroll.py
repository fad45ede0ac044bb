"""POST /sync/v1/enroll: a one-time code registers the node's key, once, before it expires."""

from __future__ import annotations

import json
import logging
import zlib

import pytest

from sync_protocol import codec
from sync_protocol.messages import EnrollRequest
from sync_protocol.signing import key_thumbprint
from sync_protocol.version import PROTOCOL_VERSION
from tests.cloud_plane.conftest import NodeClient, RunningCloud, post


def _client(cloud: RunningCloud, i: int = 0) -> NodeClient:
    private, public = cloud.node_keys[i]
    return NodeClient(cloud=cloud, private_pem=private, public_pem=public)


def test_enrolment_registers_the_key_under_its_thumbprint(cloud: RunningCloud) -> None:
    site_id, code = cloud.new_site("North gate")
    node = _client(cloud)
    reply = node.enroll(code)
    assert reply.site_id == site_id
    assert reply.site_name == "North gate"
    assert reply.key_id == key_thumbprint(node.public_pem)
    assert reply.cloud_epoch == cloud.store.meta.epoch()
    assert cloud.store.sites.get_site_key(site_id, reply.key_id) == node.public_pem


def test_a_code_works_once(cloud: RunningCloud) -> None:
    _, code = cloud.new_site()
    _client(cloud, 0).enroll(code)
    again = _client(cloud, 1).enroll_response(code)
    assert again.status_code == 403
    assert "already used" in again.json()["detail"]


def test_an_expired_code_is_refused(cloud: RunningCloud) -> None:
    _, code = cloud.new_site()
    cloud.clock.advance(seconds=cloud.settings.enrollment_code_ttl_s + 1)
    response = _client(cloud).enroll_response(code)
    assert response.status_code == 403
    assert "expired" in response.json()["detail"]


def test_an_unknown_code_is_refused(cloud: RunningCloud) -> None:
    response = _client(cloud).enroll_response("not-a-real-code")
    assert response.status_code == 403
    assert response.json() == {"detail": "enrolment code is not valid"}


def test_a_revoked_site_cannot_enrol(cloud: RunningCloud) -> None:
    site_id, code = cloud.new_site()
    cloud.store.sites.revoke_site(site_id, now=cloud.clock())
    response = _client(cloud).enroll_response(code)
    assert response.status_code == 403
    assert "revoked" in response.json()["detail"]


def test_a_malformed_key_is_refused_and_the_code_still_works(cloud: RunningCloud) -> None:
    _, code = cloud.new_site()
    bad = EnrollRequest(code=code, public_key_pem="nope", node_name="n", node_version="1")
    response = post(cloud.url + "/sync/v1/enroll", codec.encode(bad))
    assert response.status_code == 422
    _client(cloud).enroll(code)


def test_a_plain_json_body_is_malformed(cloud: RunningCloud) -> None:
    response = post(cloud.url + "/sync/v1/enroll", b'{"code": "x"}')
    assert response.status_code == 422
    assert "zlib" in response.json()["detail"]


def test_enrolment_gives_a_site_without_a_zone_the_nodes_zone(cloud: RunningCloud) -> None:
    site_id, code = cloud.new_site()
    assert _client(cloud).enroll_response(code, timezone="Asia/Tokyo").status_code == 200
    assert cloud.store.sites.get_site(site_id).timezone == "Asia/Tokyo"


def test_enrolment_keeps_the_zone_staff_set(cloud: RunningCloud) -> None:
    site_id, code = cloud.new_site()
    cloud.store.sites.set_site_timezone(site_id, "Europe/Berlin")
    assert _client(cloud).enroll_response(code, timezone="Asia/Tokyo").status_code == 200
    assert cloud.store.sites.get_site(site_id).timezone == "Europe/Berlin"


def test_an_unknown_zone_from_a_node_is_ignored_with_a_warning(
    cloud: RunningCloud, caplog: pytest.LogCaptureFixture
) -> None:
    site_id, code = cloud.new_site()
    with caplog.at_level(logging.WARNING, logger="cloud_plane.sync.enroll"):
        response = _client(cloud).enroll_response(code, timezone="Mars/Olympus")
    assert response.status_code == 200
    assert cloud.store.sites.get_site(site_id).timezone is None
    assert any("Mars/Olympus" in r.getMessage() for r in caplog.records)


def test_an_older_node_without_a_zone_enrols_and_leaves_the_zone_unset(
    cloud: RunningCloud,
) -> None:
    site_id, code = cloud.new_site()
    legacy = {
        "protocol_version": PROTOCOL_VERSION,
        "code": code,
        "public_key_pem": cloud.node_keys[0][1],
        "node_name": "old",
        "node_version": "0.9",
    }  # the body an older node sends: no timezone key at all
    response = post(cloud.url + "/sync/v1/enroll", zlib.compress(json.dumps(legacy).encode()))
    assert response.status_code == 200, response.text
    assert cloud.store.sites.get_site(site_id).timezone is None
