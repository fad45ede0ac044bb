"""`GET /api/v1/status`: the cloud's modes and alert delivery's state, for any staff role."""

from __future__ import annotations

from tests.cloud_plane.conftest import RunningCloud


def test_status_names_the_store_the_auth_and_how_alerts_travel(cloud: RunningCloud) -> None:
    with cloud.staff("viewer") as viewer:
        reply = viewer.get("/api/v1/status")
    assert reply.status_code == 200, reply.text
    assert reply.json() == {
        "store": "sql",
        "auth": "local",
        "alert_delivery": {"queue": "store", "dead_letters": None},
    }


def test_status_needs_a_token(cloud: RunningCloud) -> None:
    with cloud.http() as anonymous:
        assert anonymous.get("/api/v1/status").status_code == 401
