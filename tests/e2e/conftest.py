"""Fixtures for end-to-end suites: a hybrid system of real processes."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.e2e.harness import Hybrid


@pytest.fixture
def hybrid(tmp_path: Path) -> Iterator[Hybrid]:
    """A started cloud plane; tests add nodes with `hybrid.add_node(name)`."""
    system = Hybrid(tmp_path)
    system.start_cloud()
    try:
        yield system
    finally:
        system.stop()
