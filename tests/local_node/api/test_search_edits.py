"""`edits` on `GET /api/v1/detections`: how far a fuzzy plate may differ (0..2), audited."""

from __future__ import annotations

import pytest

from local_node.audit import queries
from tests.local_node.conftest import RunningNode, now_rfc3339

TWO_EDITS_AWAY = "AB173KD"  # from AB123CD: 2→7 and C→K, neither an OCR confusion


@pytest.fixture
def read_node(node: RunningNode) -> RunningNode:
    with node.camera() as cam:
        r = cam.post("/api/v1/detections", json={"plate": "AB123CD", "captured_at": now_rfc3339()})
    assert r.status_code == 201
    return node


def plates(node: RunningNode, **params: object) -> list[str]:
    with node.viewer() as v:
        r = v.get("/api/v1/detections", params=params)
    assert r.status_code == 200, r.text
    return [i["plate_norm"] for i in r.json()["items"]]


def test_fuzzy_search_allows_one_edit_by_default(read_node: RunningNode):
    assert plates(read_node, plate=TWO_EDITS_AWAY, fuzzy="true") == []


def test_fuzzy_search_with_two_edits_finds_a_plate_two_edits_away(read_node: RunningNode):
    assert plates(read_node, plate=TWO_EDITS_AWAY, fuzzy="true", edits=2) == ["AB123CD"]


@pytest.mark.parametrize("edits", [-1, 3])
def test_edits_outside_0_to_2_is_422_naming_edits(read_node: RunningNode, edits: int):
    with read_node.viewer() as v:
        r = v.get("/api/v1/detections", params={"plate": "AB1", "fuzzy": "true", "edits": edits})
    assert r.status_code == 422
    assert [e["loc"] for e in r.json()["detail"]] == [["query", "edits"]]


def test_the_audit_detail_carries_the_edits_of_a_fuzzy_search(read_node: RunningNode):
    plates(read_node, plate="AB123CD", fuzzy="true", edits=2)
    [entry] = queries.page(
        read_node.services.engine, queries.AuditFilter(action="search"), limit=10
    )[0]
    assert dict(entry.detail) == {"plate": "AB123CD", "fuzzy": True, "edits": 2}
