"""The plate index: which stored plates a search can match, found by index lookups alone.

One rule for the node's and the cloud's stores (issue 14). A store keeps, beside its reads:

- a **dictionary** of the distinct normalised plates it holds, each with its confusion key
  (``confusion_key``) and where its newest read sits (so pages can stop early); and
- a **permuterm** index of the distinct confusion keys: every rotation of ``key + END``
  (``rotations``), one row each, a plain B-tree on text.

Every plate search then becomes a handful of index lookups (``plan_lookup``):

- a wildcard pattern ``X*Y`` matches a key exactly when some rotation of ``key + END``
  starts with ``Y + END + X``: prefix, suffix and infix wildcards are all *range* lookups
  on the rotations (the classic permuterm index). ``?`` and middle segments are checked
  afterwards on the few keys the range returns (``KeyLookup.accepts_key``);
- a fuzzy plate within ``max_edits`` edits matches one of a small set of globs made from
  the query by replacing, inserting (``?``) or deleting characters (``fuzzy_globs``): each
  glob is again a rotation range, and each candidate is verified with the same
  ``bounded_levenshtein`` that hotlist matching uses.

The number of reads never enters: the work is bounded by the number of distinct keys in
the ranges, which the longest literal run of the pattern keeps small. Reads are then fetched
by plate through a ``(plate, order)`` index and merged newest first (``merge_newest``), so
a page is exact: never empty only because a scan bound was hit.

``END`` is a letter that no confusion key contains (``Z`` folds to ``2``), so a rotation
names its key unambiguously, and rotations hold only A-Z and 0-9, which sort alike in byte
and linguistic collations: the range lookups need no special collation on PostgreSQL.
"""

from __future__ import annotations

import heapq
from collections.abc import Callable, Hashable, Iterable, Sequence
from dataclasses import dataclass, field
from math import isqrt
from typing import Any, Generic, Protocol, TypeVar

from sync_protocol.plate_rules import (
    KEY_ALPHABET,
    bounded_levenshtein,
    check_max_edits,
    compile_glob,
    confusion_key,
    fuzzy_length_ok,
    is_wildcard,
)

__all__ = [
    "END",
    "JOIN_COUNT",
    "PROBE_PLATES",
    "KeyLookup",
    "RotationRange",
    "fuzzy_globs",
    "key_of_rotation",
    "merge_newest",
    "plan_lookup",
    "rotation_glob",
    "rotation_prefix",
    "rotations",
    "walk_goes_on",
    "walk_threshold",
]

END = "Z"
"""Marks the end of a key in its rotations; never part of a key (``confusion_key`` folds it)."""

assert END not in KEY_ALPHABET

_ORDER = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"


def rotations(key: str) -> list[str]:
    """Every rotation of ``key + END``: the permuterm rows of one confusion key."""
    text = key + END
    return [text[i:] + text[:i] for i in range(len(text))]


def key_of_rotation(rotation: str) -> str:
    """The confusion key a permuterm row stands for."""
    at = rotation.index(END)
    return rotation[at + 1 :] + rotation[:at]


def _upper(prefix: str) -> str | None:
    """The least text above every text starting with ``prefix`` (None: no bound)."""
    for i in range(len(prefix) - 1, -1, -1):
        at = _ORDER.find(prefix[i])
        if 0 <= at < len(_ORDER) - 1:
            return prefix[:i] + _ORDER[at + 1]
    return None


@dataclass(frozen=True, slots=True)
class RotationRange:
    """Rotations in ``low <= rotation < high`` (``high`` None: no upper bound)."""

    low: str
    high: str | None
    length: int | None = None
    """The length every wanted rotation has (a pattern without ``*``), or None."""
    glob: str | None = None
    """The ``*``/``?`` pattern every wanted rotation matches (``rotation_glob``), or None."""

    @classmethod
    def starting(
        cls, prefix: str, length: int | None = None, glob: str | None = None
    ) -> RotationRange:
        """The range of rotations starting with ``prefix``."""
        return cls(prefix, _upper(prefix), length, glob)

    def holds(self, rotation: str) -> bool:
        """Tell whether a rotation is in the range (for stores that filter themselves)."""
        if self.length is not None and len(rotation) != self.length:
            return False
        if not (rotation >= self.low and (self.high is None or rotation < self.high)):
            return False
        return self.glob is None or compile_glob(self.glob).matches(rotation)

    def like(self) -> str | None:
        """``glob`` as a SQL LIKE pattern (rotations hold no ``%``, ``_`` or ``\\``)."""
        return None if self.glob is None else self.glob.replace("*", "%").replace("?", "_")


def rotation_prefix(glob_key: str) -> tuple[str, int | None]:
    """The longest literal text every rotation-start of a key matching ``glob_key`` has.

    ``glob_key`` is a confusion-keyed pattern with ``*``/``?``. Returns the prefix to look
    up among the rotations and, for a pattern without ``*``, the rotations' exact length.
    """
    prefix, length, _ = rotation_glob(glob_key)
    return prefix, length


def rotation_glob(glob_key: str) -> tuple[str, int | None, str]:
    """``rotation_prefix`` and the whole pattern the rotations starting there must match.

    ``glob_key + END`` is read as a cycle: a rotation of a matching key starting where a
    literal run of the pattern starts matches the pattern rotated to that point (``END``
    occurs once in both, which pins the alignment). Stores can filter by it in SQL (GLOB,
    LIKE), so a range returns only the rotations of matching keys.
    """
    cycle = glob_key + END
    size = len(cycle)
    if not is_wildcard(glob_key):
        return cycle, size, cycle
    best, best_at = "", 0
    for at in range(size):
        if cycle[at] in "*?" or cycle[at - 1] not in "*?":
            continue  # not where a literal run starts (a longer run holds this one)
        run = []
        for step in range(size):
            char = cycle[(at + step) % size]
            if char in "*?":
                break
            run.append(char)
        text = "".join(run)
        if _selectivity(text) > _selectivity(best):
            best, best_at = text, at
    length = None if "*" in glob_key else size
    return best, length, cycle[best_at:] + cycle[:best_at]


def _selectivity(run: str) -> float:
    """How narrow a rotation range starting with ``run`` is: each literal narrows it about
    thirtyfold, ``END`` only to one rotation per key, so a literal wins a tie (``*A*``)."""
    return len(run) - (0.5 if END in run else 0.0)


def fuzzy_globs(key: str, max_edits: int) -> tuple[frozenset[str], frozenset[str]]:
    """The exact keys and the globs that together cover every key within ``max_edits`` edits.

    A substitution becomes ``?`` in place, an insertion an inserted ``?``, a deletion drops a
    character: every key within the budget matches one of them (a superset; verify with
    ``bounded_levenshtein``). Globs without ``?`` are returned as exact keys.
    """
    check_max_edits(max_edits)
    level = {key}
    found = {key}
    for _ in range(max_edits):
        nxt: set[str] = set()
        for text in level:
            for i in range(len(text) + 1):
                nxt.add(text[:i] + "?" + text[i:])
                if i < len(text):
                    nxt.add(text[:i] + text[i + 1 :])
                    if text[i] != "?":
                        nxt.add(text[:i] + "?" + text[i + 1 :])
        found |= nxt
        level = nxt
    exact = frozenset(g for g in found if "?" not in g)
    globs = frozenset(g for g in found if "?" in g)
    return exact, globs


@dataclass(frozen=True)
class KeyLookup:
    """What one search looks up in a store's plate index, and how it checks what it finds.

    A store returns the dictionary's plates whose confusion key is in ``exact_keys`` or is
    the key of a rotation in one of ``ranges``, keeps those with ``accepts_key(key)`` and
    then ``accepts_plate(plate_norm)``: exactly the plates ``plate_matches(pattern, plate,
    fuzzy=..., max_edits=...)`` accepts.
    """

    pattern: str
    fuzzy: bool
    max_edits: int
    exact_keys: frozenset[str]
    ranges: tuple[RotationRange, ...]
    _key_check: Callable[[str], bool] = field(repr=False, compare=False)
    _plate_check: Callable[[str], bool] | None = field(repr=False, compare=False)

    def accepts_key(self, key: str) -> bool:
        """Tell whether a candidate confusion key matches the search."""
        return self._key_check(key)

    def accepts_plate(self, plate_norm: str) -> bool:
        """Tell whether a plate of an accepted key matches (a literal wildcard is stricter)."""
        return self._plate_check is None or self._plate_check(plate_norm)


def plan_lookup(pattern: str, *, fuzzy: bool, max_edits: int = 1) -> KeyLookup | None:
    """The index lookups for a normalised search ``pattern`` (``normalize_pattern``).

    None for an exact plain plate without ``fuzzy``: read that plate's reads directly. The
    semantics are ``plate_matches``: a wildcard matches confusion keys when fuzzy and the
    plates literally otherwise; a fuzzy plain plate matches its confusions and, both plates
    being of a fuzzy length, up to ``max_edits`` further edits.
    """
    check_max_edits(max_edits)
    if not pattern:
        raise ValueError("an empty pattern matches nothing")
    key = confusion_key(pattern)
    if is_wildcard(pattern):
        prefix, length, rotated = rotation_glob(key)
        glob = compile_glob(key)
        literal = None if fuzzy else compile_glob(pattern).matches
        return KeyLookup(
            pattern,
            fuzzy,
            max_edits,
            frozenset(),
            (RotationRange.starting(prefix, length, rotated),),
            glob.matches,
            literal,
        )
    if not fuzzy:
        return None
    if not (max_edits and fuzzy_length_ok(key)):
        return KeyLookup(pattern, True, max_edits, frozenset({key}), (), key.__eq__, None)
    exact, globs = fuzzy_globs(key, max_edits)
    ranges = {RotationRange.starting(*rotation_glob(g)) for g in globs}

    def near(candidate: str) -> bool:
        if candidate == key:
            return True
        if not fuzzy_length_ok(candidate):
            return False
        return bounded_levenshtein(key, candidate, max_edits) is not None

    return KeyLookup(
        pattern,
        True,
        max_edits,
        frozenset(exact),
        tuple(sorted(ranges, key=lambda r: r.low)),
        near,
        None,
    )


# -- reads of many plates, newest first --------------------------------------------------


class _Comparable(Protocol):
    def __lt__(self, other: Any, /) -> bool: ...


PROBE_PLATES = 2000
"""A wildcard joins at least this many candidate keys before it walks the dictionary."""

JOIN_COUNT = 4
"""A wildcard's candidate keys are counted up to this many times the walk threshold: the
count prices the join for a walk that turns out to find fewer plates than its keys promised
(a literal pattern keeps only some of the plates its confusion keys hold)."""


WALK_TARGET = 64
"""Plates a walk expects to hand over for a first page (a page of 50 reads needs <= 51)."""


def walk_goes_on(walked: int, matched: int, join_cost: int) -> bool:
    """Whether a walk that has read ``walked`` rows and matched ``matched`` plates should go
    on rather than hand over to the join (``join_cost``, in walked rows).

    It goes on while, at the rate it matches, ``WALK_TARGET`` plates cost no more than the
    join: a walk that finds few plates (a literal ``*75D*`` keeps few of the plates its
    keys hold) hands over after its first window instead of reading the join's price first.
    """
    return walked * WALK_TARGET <= join_cost * max(matched, 1)


def walk_threshold(limit: int, plates: int, rows_per_probe: int = 1) -> int:
    """How many candidate keys a wildcard joins before it walks the newest-read index.

    The join costs about a probe per candidate key; the walk about ``(limit + 1) * plates
    / candidates`` rows a page. They meet at ``sqrt((limit + 1) * plates / r)`` candidates,
    ``r`` the walked rows one probe costs (a store's own measure: 1 on SQLite, whose probes
    are cheap and whose walk reads no windows; node SQLite, 30 days: ``*8A*``, 50,000
    candidate keys, joined 280 ms and walked 17 ms). Never below ``PROBE_PLATES``.
    """
    return max(PROBE_PLATES, isqrt((limit + 1) * plates // rows_per_probe))


P = TypeVar("P", bound=Hashable)
R = TypeVar("R")
K = TypeVar("K", bound=_Comparable)


@dataclass(frozen=True, slots=True)
class _Ranked(Generic[K, R]):
    order: K
    row: R

    def __lt__(self, other: _Ranked[K, R]) -> bool:
        return self.order < other.order


def merge_newest(
    plates: Iterable[tuple[P, K]],
    fetch: Callable[[P, int], Sequence[R]],
    order: Callable[[R], K],
    limit: int,
    *,
    presorted: bool = False,
    full: Callable[[K], None] | None = None,
) -> list[R]:
    """The ``limit`` newest rows over many plates, fetching as few plates as it can.

    ``plates`` are ``(plate, bound)``: no row of the plate is newer than ``bound`` (its
    newest read, or the cursor when that is older). ``fetch(plate, n)`` returns the plate's
    ``n`` newest rows (below the cursor), newest first; ``order(row)`` the row's position
    (larger is newer, unique). Plates are visited newest bound first and the walk stops as
    soon as the next bound cannot beat the ``limit`` rows in hand, so a first page costs
    about ``limit`` plate lookups however many plates match. ``presorted``: ``plates``
    already come newest bound first (a lazy iterator is then read only as far as needed).
    ``full(order)``: told the oldest row kept each time it changes while ``limit`` rows are
    in hand, so a lazy ``plates`` can stop before reading plates that could not enter
    (``PageFloor``).
    """
    if limit <= 0:
        return []
    ranked = plates if presorted else sorted(plates, key=lambda item: item[1], reverse=True)
    best: list[_Ranked[K, R]] = []  # a min-heap of the newest rows so far
    for plate, bound in ranked:
        if len(best) >= limit and not best[0].order < bound:
            break
        for row in fetch(plate, limit):
            item = _Ranked(order(row), row)
            if len(best) < limit:
                heapq.heappush(best, item)
            elif best[0] < item:
                heapq.heapreplace(best, item)
            else:
                break  # the plate's rows come newest first: the rest are older still
            if full is not None and len(best) >= limit:
                full(best[0].order)
    return [item.row for item in sorted(best, reverse=True)]


class PageFloor(Generic[K]):
    """The oldest row a full page keeps (``merge_newest``'s ``full``), for the producer of
    its plates: a plate whose bound is not newer cannot enter the page."""

    def __init__(self) -> None:
        self.order: K | None = None

    def note(self, order: K) -> None:
        """``merge_newest``'s ``full``."""
        self.order = order

    def shuts_out(self, bound: K) -> bool:
        """Whether no plate bounded by ``bound`` or older can enter the page."""
        return self.order is not None and not self.order < bound
