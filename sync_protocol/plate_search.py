"""The fuzzy plate search scan, one rule for the node's and the cloud's detection search.

Fuzzy matches (OCR confusions, one edit) cannot use a database index, so both sides scan
rows newest first and test each one here. The scan is bounded per page: a page cut short
by the bound still says where to continue, so a caller can go on without one request
scanning the whole log.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from sync_protocol.plate_rules import (
    confusion_key,
    fuzzy_length_ok,
    is_wildcard,
    plate_matches,
)

__all__ = ["ScanPage", "fuzzy_scan"]

R = TypeVar("R", bound=Mapping[Any, Any])


@dataclass(frozen=True, slots=True)
class ScanPage(Generic[R]):
    """One page of a scan: the matching rows, and the row to continue below (or None)."""

    items: list[R]
    resume_after: R | None
    """The last matching row of a full page, or the last row scanned when the bound cut
    the page short; None when the rows ran out (no next page)."""


def fuzzy_scan(rows: Iterable[R], pattern: str, limit: int, scan_bound: int) -> ScanPage[R]:
    """Return up to ``limit`` rows whose plate fuzzily matches ``pattern``, in row order.

    ``rows`` are mappings with ``plate_norm`` and ``plate_key`` (its ``confusion_key``),
    newest first; ``pattern`` is a normalised query (``normalize_pattern``). A row matches
    when its key equals the query's key (wildcards dropped) or ``plate_matches(...,
    fuzzy=True)``. At most ``scan_bound`` rows are read; the caller closes ``rows``.
    """
    key = confusion_key(pattern.replace("*", "").replace("?", ""))
    matches = _plain_matcher(pattern, key) if not is_wildcard(pattern) else None
    found: list[R] = []
    last: R | None = None
    for scanned, row in enumerate(rows, start=1):
        last = row
        if row["plate_key"] == key or (
            matches(row) if matches else plate_matches(pattern, row["plate_norm"], fuzzy=True)
        ):
            found.append(row)
            if len(found) > limit:
                return ScanPage(found[:limit], found[limit - 1])
        if scanned >= scan_bound:
            return ScanPage(found, last)
    return ScanPage(found, None)


def _plain_matcher(pattern: str, key: str) -> Callable[[Mapping[Any, Any]], bool]:
    """``plate_matches(pattern, row["plate_norm"], fuzzy=True)`` for a plain (no wildcard)
    pattern, on the row's stored ``plate_key``: the same rule (confusion keys within one edit,
    both plates of a fuzzy length) without normalising the pattern again for every row."""
    if not key or not fuzzy_length_ok(pattern):
        return lambda row: False

    def matches(row: Mapping[Any, Any]) -> bool:
        return fuzzy_length_ok(row["plate_norm"]) and _within_one_edit(key, row["plate_key"])

    return matches


def _within_one_edit(a: str, b: str) -> bool:
    """Levenshtein distance of ``a`` and ``b`` at most 1 (fast path of the bounded one)."""
    la, lb = len(a), len(b)
    if la == lb:
        return sum(x != y for x, y in zip(a, b, strict=True)) <= 1
    if abs(la - lb) != 1:
        return False
    if la > lb:
        a, b = b, a
    i = 0
    while i < len(a) and a[i] == b[i]:
        i += 1
    return a[i:] == b[i + 1 :]
