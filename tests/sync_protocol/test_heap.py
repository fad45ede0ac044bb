"""Freezing a server's start-up heap."""

from __future__ import annotations

import gc

from sync_protocol.heap import freeze_startup_heap


def test_objects_alive_at_start_up_are_moved_out_of_the_collectors_passes() -> None:
    kept = [object() for _ in range(1000)]
    try:
        frozen = freeze_startup_heap()
        assert frozen >= len(kept)
        # Never more than were frozen; a few fewer if another thread of the test process
        # (a server a fixture still runs) freed frozen objects meanwhile.
        assert frozen - 1000 < gc.get_freeze_count() <= frozen
    finally:
        gc.unfreeze()
