"""Making room for a batch's images: free disk space, the node's shared budget, pruning.

A batch reserves its images' bytes before it writes them (``ingest.image_bytes``). When
they do not fit, retention prunes the oldest prunable images (``reclaim``) and the batch
tries again. Other writers of the node (`serve --workers N`) may take the room it just
freed, or hold room in a batch not committed yet, whose images become rows that can be
pruned at its commit: then it tries again, for up to ``IN_FLIGHT_WAIT_S``, rather than
refuse a read that fits. It gives up (507) once pruning frees nothing and nothing is in
flight.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from local_node.images.store import ImageStore
from local_node.ingest.hooks import SpaceReclaimer
from local_node.ingest.image_bytes import ImageBytes

IN_FLIGHT_WAIT_S = 2.0
"""How long a batch short of room waits for other writers' batches in flight: one commit
takes milliseconds, a slow disk's fsync a second."""
IN_FLIGHT_POLL_S = 0.005


@dataclass
class ImageRoom:
    """The room images may take: ``min_free`` bytes left on the disk, ``budget`` in all."""

    images: ImageStore
    image_bytes: ImageBytes
    min_free: int = 0
    budget: int | None = None
    reclaim: SpaceReclaimer | None = None

    def reserve(self, needed: int) -> bool:
        """Reserve ``needed`` bytes, pruning and waiting as the module says; False: full."""
        short = self._shortfall(needed)
        deadline = time.monotonic() + IN_FLIGHT_WAIT_S
        while short > 0:
            freed = self.reclaim(short) if self.reclaim is not None else 0
            self.image_bytes.add(-freed)
            short = self._shortfall(needed)
            if short <= 0:
                break
            in_flight = self.image_bytes.in_flight
            if (not freed and not in_flight) or time.monotonic() >= deadline:
                return False
            if in_flight:
                time.sleep(IN_FLIGHT_POLL_S)
        return True

    def _shortfall(self, needed: int) -> int:
        """Bytes missing for ``needed``; 0 means they are reserved in the shared total."""
        usage = self.images.disk_usage()  # None: a bucket, no volume to fill
        if usage is not None and (short := needed + self.min_free - usage.free) > 0:
            return short
        return self.image_bytes.reserve(needed, self.budget)
