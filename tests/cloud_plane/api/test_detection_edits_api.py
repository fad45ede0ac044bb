"""``GET /api/v1/detections?fuzzy=true&edits=N``: the edit budget of a fuzzy search."""

from __future__ import annotations

import pytest

from cloud_plane.records.audit import AuditQuery
from tests.cloud_plane.conftest import RunningCloud


def _seed(cloud: RunningCloud) -> None:
    node = cloud.node()
    plates = ("AB12CDE", "AB1CDE", "A1CDE")  # the plate, one and two deletions
    node.exchange(batch=[r for seq, p in enumerate(plates, 1) for r in node.records(seq, 1, p)])


def test_edits_widen_a_fuzzy_search_one_edit_at_a_time(cloud: RunningCloud) -> None:
    _seed(cloud)
    admin = cloud.staff("admin")
    found = {}
    for edits in (0, 1, 2):
        params = {"plate": "AB12CDE", "fuzzy": True, "edits": edits}
        found[edits] = [
            d["seq"] for d in admin.get("/api/v1/detections", params=params).json()["items"]
        ]
    assert found == {0: [1], 1: [2, 1], 2: [3, 2, 1]}


def test_a_fuzzy_search_allows_one_edit_unless_asked(cloud: RunningCloud) -> None:
    _seed(cloud)
    params = {"plate": "AB12CDE", "fuzzy": True}
    items = cloud.staff("admin").get("/api/v1/detections", params=params).json()["items"]
    assert [d["seq"] for d in items] == [2, 1]


@pytest.mark.parametrize("edits", ["-1", "3", "two"])
def test_edits_outside_0_to_2_are_a_422_naming_edits(cloud: RunningCloud, edits: str) -> None:
    params = {"plate": "AB12CDE", "fuzzy": "true", "edits": edits}
    response = cloud.staff("admin").get("/api/v1/detections", params=params)
    assert response.status_code == 422
    assert "edits" in str(response.json()["detail"])


def test_the_audit_entry_of_a_fuzzy_search_names_its_edits(cloud: RunningCloud) -> None:
    params = {"plate": "AB12CDE", "fuzzy": True, "edits": 2}
    assert cloud.staff("admin").get("/api/v1/detections", params=params).status_code == 200
    entry = cloud.store.audit.list(AuditQuery(action="search")).items[0]
    assert (entry.detail["fuzzy"], entry.detail["edits"]) == (True, 2)
