"""The fuzzy plate search, one rule for the node's and the cloud's detection search.

A plain plate (no wildcard) matches fuzzily exactly the stored reads whose confusion key
(stored with each read as ``plate_key``) is one of ``fuzzy_keys(plate)``: a few hundred
keys an index can look up. A wildcard pattern cannot be expanded so; for it both sides scan
rows newest first and test each one here (``fuzzy_scan``). The scan is bounded per page: a
page cut short by the bound still says where to continue, so a caller can go on without one
request scanning the whole log.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from sync_protocol.plate_rules import confusion_key, fuzzy_length_ok, is_wildcard, plate_matches

__all__ = ["KEY_ALPHABET", "ScanPage", "fuzzy_keys", "fuzzy_scan"]

KEY_ALPHABET = "".join(sorted({confusion_key(c) for c in "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"}))
"""The characters a confusion key is made of (each confusion class's representative)."""


def fuzzy_keys(pattern: str) -> frozenset[str] | None:
    """The confusion keys of every plate a fuzzy search for ``pattern`` matches; None for a
    wildcard pattern (scan with ``fuzzy_scan`` instead).

    ``pattern`` is normalised (``normalize_pattern``). A read matches when its key equals
    the pattern's (OCR confusions) or, both being of a fuzzy length, is one insertion,
    deletion or substitution away from it: the same rule as ``plate_matches(...,
    fuzzy=True)``, as a set an index can look up.
    """
    if is_wildcard(pattern):
        return None
    key = confusion_key(pattern)
    if not fuzzy_length_ok(key):
        return frozenset({key})
    near = {key[:i] + key[i + 1 :] for i in range(len(key))}
    for c in KEY_ALPHABET:
        near.update(key[:i] + c + key[i:] for i in range(len(key) + 1))
        near.update(key[:i] + c + key[i + 1 :] for i in range(len(key)))
    return frozenset({key} | {k for k in near if fuzzy_length_ok(k)})


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
    found: list[R] = []
    last: R | None = None
    for scanned, row in enumerate(rows, start=1):
        last = row
        if row["plate_key"] == key or plate_matches(pattern, row["plate_norm"], fuzzy=True):
            found.append(row)
            if len(found) > limit:
                return ScanPage(found[:limit], found[limit - 1])
        if scanned >= scan_bound:
            return ScanPage(found, last)
    return ScanPage(found, None)
