"""Counting by item kind, and the report's table and verdict."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from cloud_plane.store.dynamo.capacity import CapacityMeter, item_size, write_units

KINDS = {  # partition key prefix -> what the item is (detections.py)
    "PLATE": "plate items",
    "DETS": "chunks",
    "SITE": "stream cursor",
    "READS": "hour counters",
    "DETSITES": "site list",
    "META": "epoch",
    "NONCE": "exchange nonces",
    "SITES": "site item (heartbeats)",
}
TARGET_WRITES_PER_READ = 1.5  # issue 9, indexes included
SEED_READS_PER_MONTH = 288_000 * 30
USD_PER_MILLION_WRITES = 0.625  # on-demand write request units, us-east-1 (bench docstring)


@dataclass
class KindMeter(CapacityMeter):
    """A ``CapacityMeter`` that also counts write units by item kind and read requests."""

    by_kind: Counter[str] = field(default_factory=Counter)
    requests: int = 0

    def wrote(self, item: Mapping[str, Any], indexes: Iterable[str] = ()) -> None:
        """Count as the base meter does, and the units per kind (the pk's prefix)."""
        indexes = list(indexes)
        super().wrote(item, indexes)
        prefix = str(item.get("pk", "?")).split("#")[0]
        kind = KINDS.get(prefix, prefix)
        with self._lock:
            self.by_kind[kind] += write_units(item_size(item)) * (1 + len(indexes))

    def read(self, where: str, total_size: int, *, consistent: bool) -> None:
        """Count as the base meter does, and one request."""
        super().read(where, total_size, consistent=consistent)
        with self._lock:
            self.requests += 1

    def reset(self) -> None:
        """Forget everything counted."""
        super().reset()
        with self._lock:
            self.by_kind.clear()
            self.requests = 0


def load_summary(name: str, meter: KindMeter, reads: int, batches: int, seconds: float) -> dict:
    """The figures of one load phase."""
    total = meter.total_writes()
    per_read = total / reads
    return {
        "phase": name,
        "reads": reads,
        "batches": batches,
        "reads_per_batch": round(reads / batches, 1),
        "write_units": total,
        "write_units_per_read": round(per_read, 3),
        "index_write_units": total - meter.writes["table"],
        "by_kind_per_read": {k: round(v / reads, 3) for k, v in sorted(meter.by_kind.items())},
        "usd_per_month_seed_site": round(
            per_read * SEED_READS_PER_MONTH * USD_PER_MILLION_WRITES / 1e6, 2
        ),
        "seconds": round(seconds, 1),
    }


def evaluate(loads: list[dict]) -> list[dict]:
    """PASS/MISS per load phase against the write target (reported, never asserted)."""
    return [
        {
            "target": f"{load['phase']}: write units per read <= {TARGET_WRITES_PER_READ}",
            "value": load["write_units_per_read"],
            "verdict": "PASS" if load["write_units_per_read"] <= TARGET_WRITES_PER_READ else "MISS",
        }
        for load in loads
        if load.get("target", True)
    ]


def render(report: dict) -> str:
    """The human-readable table."""
    lines = ["", "DynamoDB capacity (counted by item size; moto)", ""]
    lines.append(f"{'load':<10}{'reads':>9}{'batches':>9}{'reads/b':>9}{'WU/read':>9}"
                 f"{'index WU':>10}{'$/month':>9}  by kind (WU/read)")  # fmt: skip
    for load in report["loads"]:
        kinds = ", ".join(f"{k} {v}" for k, v in load["by_kind_per_read"].items())
        lines.append(
            f"{load['phase']:<10}{load['reads']:>9,}{load['batches']:>9,}"
            f"{load['reads_per_batch']:>9}{load['write_units_per_read']:>9}"
            f"{load['index_write_units']:>10}{load['usd_per_month_seed_site']:>9}  {kinds}"
        )
    lines += ["", f"{'search (limit 50)':<34}{'RU':>8}{'requests':>10}{'items':>7}{'more':>6}"]
    for s in report["searches"]:
        lines.append(
            f"{s['search']:<34}{s['read_units']:>8}{s['requests']:>10}{s['items']:>7}"
            f"{'yes' if s['next_cursor'] else 'no':>6}"
        )
    lines.append("")
    for t in report["targets"]:
        lines.append(f"{t['verdict']}  {t['target']} (measured {t['value']})")
    return "\n".join(lines)
