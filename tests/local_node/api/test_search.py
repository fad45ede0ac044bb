"""Reading the detection log: plate filters, camera, time range, cursor paging."""

from __future__ import annotations

from datetime import timedelta

import pytest

from tests.local_node.conftest import RunningNode, now_rfc3339


@pytest.fixture
def stocked(node: RunningNode) -> RunningNode:
    with node.camera() as cam:
        for plate in ["AB12CDE", "AB12CDF", "AB99XYZ", "KX71ABC", "A812CDE", "ZZ11ZZZ"]:
            r = cam.post("/api/v1/detections", json={"plate": plate, "captured_at": now_rfc3339()})
            assert r.status_code == 201
            node.clock.advance(seconds=10)
    return node


def plates(node: RunningNode, **params: object) -> list[str]:
    with node.viewer() as v:
        r = v.get("/api/v1/detections", params=params)
    assert r.status_code == 200, r.text
    return [i["plate_norm"] for i in r.json()["items"]]


def test_exact_plate_search_normalises_the_query(stocked: RunningNode):
    assert plates(stocked, plate="ab12-cde") == ["AB12CDE"]


def test_prefix_search_matches_newest_first(stocked: RunningNode):
    assert plates(stocked, plate="AB*") == ["AB99XYZ", "AB12CDF", "AB12CDE"]


def test_fuzzy_search_finds_ocr_confusions(stocked: RunningNode):
    found = plates(stocked, plate="AB12CDE", fuzzy="true")
    assert {"AB12CDE", "A812CDE"} <= set(found) and "ZZ11ZZZ" not in found


def test_time_range_uses_the_node_receive_time(stocked: RunningNode):
    start = stocked.clock() - timedelta(seconds=35)
    assert plates(stocked, since=start.isoformat()) == ["ZZ11ZZZ", "A812CDE", "KX71ABC"]


def test_camera_filter_by_name(stocked: RunningNode):
    assert len(plates(stocked, camera_id="gate-0")) == 6
    assert plates(stocked, camera_id="no-such-camera") == []


def test_cursor_pages_cover_everything_once(stocked: RunningNode):
    seen: list[str] = []
    cursor = None
    with stocked.viewer() as v:
        while True:
            params = {"limit": 4, **({"cursor": cursor} if cursor else {})}
            body = v.get("/api/v1/detections", params=params).json()
            seen += [i["id"] for i in body["items"]]
            cursor = body["next_cursor"]
            if cursor is None:
                break
    assert len(seen) == 6 and len(set(seen)) == 6


def test_limit_over_1000_is_422(stocked: RunningNode):
    with stocked.viewer() as v:
        assert v.get("/api/v1/detections", params={"limit": 1001}).status_code == 422


def test_forged_cursor_is_422(stocked: RunningNode):
    with stocked.viewer() as v:
        r = v.get("/api/v1/detections", params={"cursor": "not-a-cursor"})
    assert r.status_code == 422 and "cursor" in r.json()["detail"]


def test_reading_needs_a_token(stocked: RunningNode):
    with stocked.camera() as cam:
        assert cam.get("/api/v1/detections").status_code == 401


def test_unknown_detection_is_404(stocked: RunningNode):
    with stocked.viewer() as v:
        assert v.get("/api/v1/detections/nope").status_code == 404
        assert v.get("/api/v1/detections/nope/image").status_code == 404
