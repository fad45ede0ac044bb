"""What the node does once at start-up: images a crash left without a read are removed, however
long the node stayed down."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import PurePosixPath

import pytest

from local_node.db import repo
from local_node.services import START_SWEEP_MAX_HOURS, build_services, start_sweep_hours
from tests.local_node.api.test_images import post_image
from tests.local_node.conftest import RunningNode, replace_stored_image, stored_image_bytes

NOW = datetime(2026, 12, 6, 18, 30, tzinfo=UTC)


def test_a_node_down_for_hours_removes_its_crashs_images_at_the_next_start(
    node: RunningNode, jpeg: bytes
) -> None:
    # Given an acknowledged read, and beside its image one whose commit a crash cut short
    kept = post_image(node, jpeg)
    found = repo.get_detection(node.services.engine, kept)
    assert found is not None
    kept_path = found[0].image_path
    orphan = str(PurePosixPath(kept_path).parent / "never-acknowledged.jpg")
    replace_stored_image(node, orphan, jpeg)
    # When the node starts again ten hours later
    node.clock.advance(hours=10)
    build_services(node.settings, clock=node.clock).close()
    # Then the unacknowledged image is gone and the acknowledged one is not
    with pytest.raises(FileNotFoundError):
        stored_image_bytes(node, orphan)
    assert stored_image_bytes(node, kept_path) == jpeg


def test_the_sweep_reaches_back_to_the_newest_reads_hour() -> None:
    assert start_sweep_hours(NOW, NOW - timedelta(hours=10, minutes=5)) == 11


def test_the_sweep_reads_the_last_two_hours_at_least() -> None:
    assert start_sweep_hours(NOW, NOW) == 2
    assert start_sweep_hours(NOW, None) == 2


def test_the_sweep_reaches_back_a_week_at_most() -> None:
    assert start_sweep_hours(NOW, NOW - timedelta(days=90)) == START_SWEEP_MAX_HOURS
