"""DynamoDB capacity units counted from item sizes (pure; the cost model of the table).

moto does not report real consumed capacity, so the store counts it itself by AWS's rules
(https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/CapacityUnitCalculations.html):

- item size = the sum over attributes of the name's UTF-8 length plus the value's size:
  strings their UTF-8 length, numbers ≈ 1 byte per two significant digits + 1, binary its
  length, booleans and nulls 1 byte, lists and maps 3 bytes plus their elements (a map's
  elements also count their names) plus 1 byte per element;
- a write costs 1 write unit per started KB of the item, and the same again in every
  secondary index the item appears in (all indexes here project every attribute);
- a read costs 1 read unit per started 4 KB (half for eventually consistent reads), a Query
  summing the sizes of the items it returns before rounding.

``CapacityMeter`` adds them up per table/index so a benchmark can report units per read.
"""

from __future__ import annotations

import math
import threading
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

KB = 1024
READ_BLOCK = 4 * KB


def value_size(value: Any) -> int:
    """Return the stored size in bytes of one attribute value (Python form, as boto3 takes)."""
    if value is None or isinstance(value, bool):
        return 1
    if isinstance(value, str):
        return len(value.encode())
    if isinstance(value, int | float | Decimal):
        # Significant digits, leading and trailing zeros trimmed: from the digit tuple, not
        # the text, which has an exponent for values like Decimal("1E+5") or 1e-07.
        digits = Decimal(str(value)).normalize().as_tuple().digits
        return math.ceil(max(1, len(digits)) / 2) + 1
    if isinstance(value, bytes | bytearray):
        return len(value)
    if isinstance(value, Mapping):
        return 3 + sum(len(str(k).encode()) + value_size(v) + 1 for k, v in value.items())
    if isinstance(value, list | tuple):
        return 3 + sum(value_size(v) + 1 for v in value)
    if isinstance(value, set | frozenset):
        return sum(value_size(v) for v in value)
    raise TypeError(f"cannot size a {type(value).__name__}")


def item_size(item: Mapping[str, Any]) -> int:
    """Return the item's size in bytes as DynamoDB counts it."""
    return sum(len(name.encode()) + value_size(value) for name, value in item.items())


def write_units(size: int) -> int:
    """Return the write units of writing an item of ``size`` bytes once (a delete counts too)."""
    return max(1, math.ceil(size / KB))


def read_units(total_size: int, *, consistent: bool) -> float:
    """Return the read units of reading ``total_size`` bytes in one Get/Query page."""
    units = max(1, math.ceil(total_size / READ_BLOCK))
    return float(units) if consistent else units / 2


@dataclass
class CapacityMeter:
    """Write and read units spent, by where (``table`` or an index name); thread-safe."""

    writes: Counter[str] = field(default_factory=Counter)
    # Floats: an eventually consistent read costs half a unit.
    reads: defaultdict[str, float] = field(default_factory=lambda: defaultdict(float))
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def wrote(self, item: Mapping[str, Any], indexes: Iterable[str] = ()) -> None:
        """Count one write of ``item`` to the table and to each index it appears in."""
        units = write_units(item_size(item))
        with self._lock:
            self.writes["table"] += units
            for index in indexes:
                self.writes[index] += units

    def read(self, where: str, total_size: int, *, consistent: bool) -> None:
        """Count one Get/Query page that returned ``total_size`` bytes from ``where``."""
        units = read_units(total_size, consistent=consistent)
        with self._lock:
            self.reads[where] += units

    def total_writes(self) -> float:
        """Return every write unit counted."""
        with self._lock:
            return float(sum(self.writes.values()))

    def total_reads(self) -> float:
        """Return every read unit counted."""
        with self._lock:
            return float(sum(self.reads.values()))

    def reset(self) -> None:
        """Forget what was counted (a benchmark's phases)."""
        with self._lock:
            self.writes.clear()
            self.reads.clear()
