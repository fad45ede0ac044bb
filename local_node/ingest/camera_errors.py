"""Counting what cameras do wrong: refused posts by reason, and reads from skewed clocks.

Counts gather in memory and are written to the node database (``db.camera_errors``) in one
transaction at most ``flush_after_s`` after the first of them, so a flood of refused posts
costs one write a second, not one per post, and the sync agent (often another process)
reads them from the database with at most that lag. ``close`` writes what is left.
Keys are bounded: a camera id the node authenticated (``UNNAMED`` otherwise) and a reason
of ``CameraErrorReason``; never an id a client merely claimed.
"""

from __future__ import annotations

import logging
import threading
from collections import Counter
from collections.abc import MutableMapping
from datetime import datetime
from typing import Any

from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError

from local_node.clock import Clock
from local_node.db.camera_errors import UNNAMED, ErrorKey, add_counts, slot_of
from sync_protocol.messages import CameraErrorReason

log = logging.getLogger(__name__)

STATUS_REASONS: dict[int, CameraErrorReason] = {
    413: "too_large",
    415: "bad_image",
    422: "invalid",
}
"""The refusals of a camera post that are the camera's doing, by status (401: see ``auth``)."""


class CameraErrors:
    """Counts camera errors in memory and writes them to the database shortly after."""

    def __init__(
        self, engine: Engine, clock: Clock, *, skew_limit_s: float, flush_after_s: float = 1.0
    ) -> None:
        self._engine = engine
        self._clock = clock
        self.skew_limit_s = skew_limit_s
        self._flush_after_s = flush_after_s
        self._pending: Counter[ErrorKey] = Counter()
        self._lock = threading.Lock()
        self._timer: threading.Timer | None = None
        self._closed = False

    def note(self, camera_id: str | None, reason: CameraErrorReason) -> None:
        """Count one error of ``camera_id`` (None: the post named no camera)."""
        key = (camera_id or UNNAMED, reason, slot_of(self._clock()))
        with self._lock:
            self._pending[key] += 1
            if self._timer is None and not self._closed:
                self._timer = threading.Timer(self._flush_after_s, self.flush)
                self._timer.daemon = True
                self._timer.start()

    def note_read(self, camera_id: str, captured_at: datetime) -> None:
        """Count a stored read whose camera clock is beyond the skew limit of the node's."""
        offset = (captured_at - self._clock()).total_seconds()
        if abs(offset) > self.skew_limit_s:
            self.note(camera_id, "clock_skew")

    def flush(self) -> None:
        """Write the pending counts now (kept for the next try if the database refuses)."""
        with self._lock:
            pending, self._pending = self._pending, Counter()
            self._timer = None
        if not pending:
            return
        try:
            add_counts(self._engine, pending, self._clock())
        except SQLAlchemyError:
            log.warning("camera error counts not written; kept for the next try", exc_info=True)
            with self._lock:
                self._pending.update(pending)

    def close(self) -> None:
        """Stop the timer and write what is pending."""
        with self._lock:
            self._closed = True
            timer, self._timer = self._timer, None
        if timer is not None:
            timer.cancel()
        self.flush()


CAMERA_POST = "edgesync.camera_post"
"""The request-state key ``mark_camera_post`` sets: the camera id, or ``UNNAMED``."""


def mark_camera_post(scope: MutableMapping[str, Any], camera_id: str | None) -> None:
    """Mark a request as a camera's post, naming the camera when it is known."""
    scope.setdefault("state", {})[CAMERA_POST] = camera_id or UNNAMED


def refused_post(
    scope: MutableMapping[str, Any], status: int
) -> tuple[str | None, CameraErrorReason] | None:
    """Return (camera or None, reason) when a camera's post was refused for its own doing."""
    state = scope.get("state") or {}
    if CAMERA_POST not in state:
        return None  # not a camera's post
    camera_id = state[CAMERA_POST] or None
    if status == 401:
        return camera_id, "camera_disabled" if camera_id else "unauthenticated"
    reason = STATUS_REASONS.get(status)
    return None if reason is None else (camera_id, reason)
