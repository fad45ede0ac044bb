"""The hotlist index: every entry of a hotlist matched against one read in microseconds.

The rules it applies are ``sync_protocol.plate_rules`` (``match_entry`` gives the same
answer for one entry); this module only makes applying them to 100k entries cheap.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable
from typing import Generic, TypeVar

from sync_protocol.hotlist_rules import validated_entry_plate
from sync_protocol.plate_rules import (
    KEY_ALPHABET,
    KIND_RANK,
    Glob,
    PlateMatch,
    bounded_levenshtein,
    check_max_edits,
    compile_glob,
    confusion_key,
    fuzzy_length_ok,
    is_wildcard,
    normalize_plate,
)

__all__ = ["HotlistIndex"]

_ANCHOR_CAP = 4  # wildcard buckets key on at most this many anchored literals

_Anchor = tuple[bool, int, str]  # (counted from the end, offset, literal run)
_AnchorShape = tuple[bool, int, int]  # (counted from the end, offset, run length)


def _glob_anchor(pattern: str) -> _Anchor:
    """Return a literal run every matching plate has at a fixed position.

    The segment before the first ``*`` sits at the start of the plate and the one after
    the last ``*`` at its end, so their literals are at known offsets. ``(False, 0, "")``
    (no anchor: the pattern is checked against every read) only for shapes like
    ``*AB*`` or ``?*``.
    """
    segments = pattern.split("*")
    head = segments[0]
    start = len(head) - len(head.lstrip("?"))
    run = head[start:].split("?", 1)[0][:_ANCHOR_CAP]
    if run:
        return False, start, run
    if len(segments) > 1:
        tail = segments[-1]
        from_end = len(tail) - len(tail.rstrip("?"))
        run = tail[: len(tail) - from_end].rsplit("?", 1)[-1][-_ANCHOR_CAP:]
        if run:
            return True, from_end, run
    return False, 0, ""


def _anchor_shape(anchor: _Anchor) -> _AnchorShape:
    from_end, offset, run = anchor
    return from_end, offset, len(run)


def _anchor_at(plate: str, shape: _AnchorShape) -> _Anchor | None:
    """Return the anchor a pattern of this shape would need to match plate, if any."""
    from_end, offset, length = shape
    start = len(plate) - offset - length if from_end else offset
    if start < 0 or start + length > len(plate):
        return None
    return from_end, offset, plate[start : start + length]


def _deletion_variants(key: str) -> set[str]:
    """Return key and every string one deletion away from it."""
    variants = {key[:i] + key[i + 1 :] for i in range(len(key))}
    variants.add(key)
    return variants


def _one_edit_neighbourhood(key: str) -> set[str]:
    """Return key and every confusion key one insertion, deletion or substitution away."""
    out = {key}
    for i in range(len(key) + 1):
        head, rest = key[:i], key[i:]
        out.update(head + c + rest for c in KEY_ALPHABET)
        if rest:
            out.add(head + rest[1:])
            out.update(head + c + rest[1:] for c in KEY_ALPHABET)
    return out


K = TypeVar("K", bound=Hashable)


def _sort_key(item: tuple[object, PlateMatch]) -> tuple[int, int, str]:
    match = item[1]
    return KIND_RANK[match.kind], match.distance, match.pattern


class HotlistIndex(Generic[K]):
    """Hotlist entries indexed for matching one read in microseconds.

    Each entry is a key of the caller's choosing (e.g. ``(list, plate_norm)``) and a
    plate or pattern, normalised here. Exact and confusion matches are dict lookups;
    fuzzy candidates come from a deletion-neighbourhood (SymSpell-style) index over
    confusion keys and are then verified; wildcard entries are compiled once and
    bucketed by a literal run at a fixed offset from the start or end. ``add`` and
    ``remove`` update all of this in place, so hotlist deltas need no rebuild.

    Not thread-safe: a reader must not run while another thread mutates. Either guard
    both with one lock, or build a new index and swap the reference (atomic in Python).
    """

    __slots__ = (
        "_confusion",
        "_deletes",
        "_entries",
        "_glob_buckets",
        "_glob_shapes",
        "_globs",
    )

    def __init__(self) -> None:
        """Create an empty index."""
        self._entries: dict[K, str] = {}
        # Plain entries by confusion key; exact matches are the ones whose pattern equals
        # the read, so a separate exact dict would only cost memory.
        self._confusion: dict[str, dict[K, str]] = {}
        # Deletion variant -> confusion key(s). Nearly every variant has one holder, so
        # it is stored bare: a set each would triple the index's memory at 100k entries.
        self._deletes: dict[str, str | set[str]] = {}
        self._globs: dict[K, Glob] = {}
        self._glob_buckets: dict[_Anchor, dict[K, None]] = {}
        self._glob_shapes: dict[_AnchorShape, int] = {}  # shape -> patterns with it

    @classmethod
    def build(cls, entries: Iterable[tuple[K, str]]) -> HotlistIndex[K]:
        """Index ``(key, plate or pattern)`` pairs; a repeated key keeps its last entry.

        Raises ValueError if an entry normalises to nothing, or is a wildcard with no
        letters or digits: silently dropping it would hide a hotlist entry, and keeping
        ``*`` would make every read a hit. The index is immutable once built: a hotlist
        change builds a new one (``HotlistMatcher``), which readers swap in whole.
        """
        index: HotlistIndex[K] = cls()
        for key, text in dict(entries).items():
            index._add(key, text)
        return index

    def __len__(self) -> int:
        """Return the number of entries."""
        return len(self._entries)

    def __contains__(self, key: object) -> bool:
        """Tell whether an entry with this key is indexed."""
        return key in self._entries

    def get(self, key: K) -> str | None:
        """Return the normalised plate or pattern stored for key, or None."""
        return self._entries.get(key)

    def _add(self, key: K, text: str) -> None:
        pattern = validated_entry_plate(text)
        self._entries[key] = pattern
        key_ck = confusion_key(pattern)
        if is_wildcard(pattern):
            self._globs[key] = compile_glob(key_ck)
            anchor = _glob_anchor(key_ck)
            self._glob_buckets.setdefault(anchor, {})[key] = None
            shape = _anchor_shape(anchor)
            self._glob_shapes[shape] = self._glob_shapes.get(shape, 0) + 1
            return
        same_key = self._confusion.setdefault(key_ck, {})
        if not same_key and fuzzy_length_ok(key_ck):
            for variant in _deletion_variants(key_ck):
                holders = self._deletes.get(variant)
                if holders is None:
                    self._deletes[variant] = key_ck
                elif isinstance(holders, str):
                    self._deletes[variant] = {holders, key_ck}
                else:
                    holders.add(key_ck)
        same_key[key] = pattern

    def match(
        self, plate_norm: str, *, fuzzy: bool = True, max_edits: int = 1
    ) -> list[tuple[K, PlateMatch]]:
        """Return every entry matching the read, best first, each key once.

        Order: exact, confusion, wildcard, fuzzy; then fewer edits; then pattern. The
        read is normalised again (cheap, idempotent), so wildcard characters in it are
        dropped and never act as a pattern. ``fuzzy=False`` turns off edit-distance
        matching only. Each entry's result is what ``match_entry`` returns for it.
        Raises ValueError unless 0 <= max_edits <= ``MAX_EDITS_SUPPORTED``.
        """
        check_max_edits(max_edits)
        plate = normalize_plate(plate_norm)
        if not plate:
            return []
        found: dict[K, PlateMatch] = {}
        plate_ck = confusion_key(plate)
        for key, pattern in self._confusion.get(plate_ck, {}).items():
            found[key] = PlateMatch(pattern, "exact" if pattern == plate else "confusion", 0)
        if self._globs:
            self._match_globs(plate_ck, found)
        if fuzzy and max_edits and self._deletes and fuzzy_length_ok(plate):
            self._match_fuzzy(plate_ck, max_edits, found)
        return sorted(found.items(), key=_sort_key)

    def _match_globs(self, plate_ck: str, found: dict[K, PlateMatch]) -> None:
        # One dict probe per distinct anchor shape, then full checks only in that bucket.
        for shape in self._glob_shapes:
            anchor = _anchor_at(plate_ck, shape)
            bucket = self._glob_buckets.get(anchor) if anchor is not None else None
            for key in bucket or ():
                if self._globs[key].matches(plate_ck):
                    found[key] = PlateMatch(self._entries[key], "wildcard", 0)

    def _match_fuzzy(self, plate_ck: str, max_edits: int, found: dict[K, PlateMatch]) -> None:
        # Within one edit, two keys share a string reachable by at most one deletion
        # from each. For two, widen the read side by one full edit first: the entry
        # side then needs at most one deletion, so one small index serves both.
        if max_edits == 1:
            probes = _deletion_variants(plate_ck)
        else:
            probes = set()
            for near in _one_edit_neighbourhood(plate_ck):
                probes |= _deletion_variants(near)
        candidates: set[str] = set()
        for probe in probes:
            holders = self._deletes.get(probe)
            if holders is None:
                continue
            if isinstance(holders, str):
                candidates.add(holders)
            else:
                candidates |= holders
        candidates.discard(plate_ck)  # confusion matches, already found
        for candidate in candidates:
            distance = bounded_levenshtein(plate_ck, candidate, max_edits)
            if distance is None:
                continue
            for key, pattern in self._confusion[candidate].items():
                if key not in found:
                    found[key] = PlateMatch(pattern, "fuzzy", distance)
