"""Only a server process freezes its heap: apps made in tests keep theirs collectable."""

from __future__ import annotations

import gc


def test_an_app_started_without_freeze_heap_leaves_the_heap_collectable(node) -> None:
    # `node` started an app (create_app(..., run_jobs=False)) in this process. Frozen, each
    # app a test suite starts would stay in memory to the end, and each start would pay a
    # full collection (the suite's CI time doubled).
    assert node.url and gc.get_freeze_count() == 0
