"""The backlog samples a site keeps from its recent heartbeats: add one, trim, encode. Pure.

A node heartbeats with every exchange (every few seconds), so a sample per heartbeat would
make the site record grow fast; instead the samples are one per ``SAMPLE_SPACING_S`` slot,
each holding the *lowest* backlog any heartbeat reported in its slot. Keeping the lowest
keeps the drains: a backlog that empties between pushes shows as low samples, never as a
rise. Samples older than ``BACKLOG_WINDOW_S`` before the newest are dropped, and never more
than ``MAX_BACKLOG_SAMPLES`` are kept, so the record stays small (≈1.5 KB) on both stores.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import UTC, datetime

from cloud_plane.records.sites import BacklogSample

SAMPLE_SPACING_S = 120.0
"""Heartbeats this close to the newest sample fold into it (the lower backlog wins)."""
BACKLOG_WINDOW_S = 7200.0
"""How far back samples are kept; the health setting ``backlog_growth_s`` stays below it."""
MAX_BACKLOG_SAMPLES = int(BACKLOG_WINDOW_S // SAMPLE_SPACING_S) + 1


def add_sample(samples: Sequence[BacklogSample], new: BacklogSample) -> tuple[BacklogSample, ...]:
    """Return ``samples`` with ``new`` folded in (its slot's lowest backlog kept), trimmed."""
    kept = list(samples)
    if kept and new.at < kept[-1].at:
        return tuple(kept)  # an older heartbeat than what we hold says nothing new
    if kept and (new.at - kept[-1].at).total_seconds() < SAMPLE_SPACING_S:
        slot = kept[-1]
        if new.count < slot.count:
            kept[-1] = BacklogSample(slot.at, new.count, new.oldest_age_s)
    else:
        kept.append(new)
    newest = kept[-1].at
    recent = [s for s in kept if (newest - s.at).total_seconds() <= BACKLOG_WINDOW_S]
    return tuple(recent[-MAX_BACKLOG_SAMPLES:])


def encode_samples(samples: Sequence[BacklogSample]) -> str:
    """Return the samples as compact JSON: ``[[epoch seconds, count, oldest age or null]]``."""
    return json.dumps(
        [[round(s.at.timestamp(), 3), s.count, s.oldest_age_s] for s in samples],
        separators=(",", ":"),
    )


def decode_samples(text: str | None) -> tuple[BacklogSample, ...]:
    """Return the samples ``encode_samples`` wrote (none for None or empty text)."""
    if not text:
        return ()
    return tuple(
        BacklogSample(datetime.fromtimestamp(at, UTC), int(count), oldest)
        for at, count, oldest in json.loads(text)
    )
