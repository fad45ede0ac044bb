"""Small statistics helpers (nearest-rank percentiles, as hey and most load tools report)."""

from __future__ import annotations

import math
from collections.abc import Sequence


def percentile(values: Sequence[float], pct: float) -> float:
    """Nearest-rank percentile of `values` (0 for an empty sequence)."""
    if not values:
        return 0.0
    ordered = sorted(values)
    rank = max(1, math.ceil(pct / 100 * len(ordered)))
    return ordered[min(rank, len(ordered)) - 1]


def latency_summary(latencies_s: Sequence[float]) -> dict[str, float]:
    """p50/p90/p99/max in milliseconds."""
    return {
        "p50_ms": round(percentile(latencies_s, 50) * 1000, 2),
        "p90_ms": round(percentile(latencies_s, 90) * 1000, 2),
        "p99_ms": round(percentile(latencies_s, 99) * 1000, 2),
        "max_ms": round(max(latencies_s, default=0.0) * 1000, 2),
    }
