"""Retention keeps the plate dictionary with the reads: plates with no read left are forgotten."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from local_node.db.tables import PlateIndexEntry, PlateRotation
from local_node.retention import Retention
from sync_protocol.plate_index import key_of_rotation
from sync_protocol.plate_rules import confusion_key
from tests.local_node.conftest import RunningNode, now_rfc3339


def post(node: RunningNode, plate: str) -> None:
    with node.camera() as cam:
        r = cam.post("/api/v1/detections", json={"plate": plate, "captured_at": now_rfc3339()})
    assert r.status_code == 201, r.text


@pytest.fixture
def retained(node_factory) -> RunningNode:
    """AB12CDE read only before the cut-off, KX71ABC before and after; retention has run."""
    node = node_factory(metadata_retention_days=10)
    post(node, "AB12CDE")
    post(node, "KX71ABC")
    node.clock.advance(days=11)
    post(node, "KX71ABC")
    s = node.services
    report = Retention(
        engine=s.engine, images=s.images, settings=s.settings.retention, clock=node.clock
    ).run()
    assert report.rows_deleted == 2
    return node


def dictionary(node: RunningNode) -> dict[str, int]:
    with node.services.engine.connect() as conn:
        rows = conn.execute(select(PlateIndexEntry.plate_norm, PlateIndexEntry.reads)).all()
    return dict(rows)  # type: ignore[arg-type]


def test_a_plate_whose_reads_are_all_deleted_is_forgotten(retained: RunningNode):
    assert "AB12CDE" not in dictionary(retained)


def test_a_plate_with_reads_left_keeps_its_count_right(retained: RunningNode):
    assert dictionary(retained)["KX71ABC"] == 1


def test_the_rotations_of_a_forgotten_key_go_with_it(retained: RunningNode):
    with retained.services.engine.connect() as conn:
        keys = {key_of_rotation(r) for r in conn.execute(select(PlateRotation.rotation)).scalars()}
    assert keys == {confusion_key("KX71ABC")}
