"""Plate rules shared by the local node and the cloud: normalisation, confusion keys, matching.

Pure functions, no I/O; the index applying them to a whole hotlist is
``sync_protocol.hotlist_index``. Both sides must raise the same hits for the same read, so
every rule lives here and nowhere else.

Matching a read against one hotlist entry (``match_entry``; ``HotlistIndex.match`` gives
the same answer for every entry at once), in order of preference:

- ``exact``: the normalised plates are equal.
- ``confusion``: they differ only by OCR look-alikes (``CONFUSION_CLASSES``).
- ``wildcard``: the entry is a pattern (``*`` any run, ``?`` one character) that
  matches the read; literals are compared by confusion class, like ``confusion``.
- ``fuzzy``: ``plate_distance`` (edits that are not confusions) is at most
  ``max_edits``, and both plates are between ``MIN_FUZZY_LENGTH`` and
  ``MAX_FUZZY_LENGTH`` characters. Wildcard entries never match fuzzily.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from dataclasses import dataclass
from typing import Final, Literal

__all__ = [
    "CONFUSION_CLASSES",
    "KIND_RANK",
    "MAX_EDITS_SUPPORTED",
    "MAX_FUZZY_LENGTH",
    "MIN_FUZZY_LENGTH",
    "MatchKind",
    "PlateMatch",
    "confusion_key",
    "fuzzy_match",
    "is_wildcard",
    "match_entry",
    "normalize_pattern",
    "normalize_plate",
    "plate_distance",
    "plate_matches",
    "wildcard_match",
]

CONFUSION_CLASSES: Final[tuple[str, ...]] = (
    "0ODQ",  # closed round glyphs: D's flat side and Q's tail vanish at low resolution
    "1IL",  # single vertical strokes: serifs and L's foot are often lost
    "2Z",
    "4A",  # A's crossbar against 4's open top on worn or skewed plates
    "5S",
    "6G",
    "7T",
    "8B",
)
"""OCR look-alike classes. Each is folded to its first character (a digit) by
``confusion_key``. Only letter/digit pairs are included: plate formats mix letters and
digits, and these swaps dominate real OCR errors, while letter/letter pairs (M/N, U/V)
would merge too many genuinely different plates."""

MatchKind = Literal["exact", "confusion", "wildcard", "fuzzy"]

KIND_RANK: Final[dict[str, int]] = {"exact": 0, "confusion": 1, "wildcard": 2, "fuzzy": 3}
"""Preference between match kinds, lowest first."""

MIN_FUZZY_LENGTH: Final = 4
"""Shorter plates only match exactly, by confusion or by wildcard: one edit in three
characters matches far too many other plates."""

MAX_FUZZY_LENGTH: Final = 16
"""Longer strings are not plates (the longest formats are ~10); capping them bounds the
cost of fuzzy lookups on untrusted input."""

MAX_EDITS_SUPPORTED: Final = 2
"""Beyond two edits a 7-character plate matches almost anything; refusing it keeps a
misconfiguration from turning every read into hits."""


_ASCII_PUNCT_DROP: Final = {c: None for c in range(128) if not chr(c).isalnum()}
_NOT_PLATE_CHAR: Final = re.compile(r"[^A-Z0-9]+")
_NOT_PATTERN_CHAR: Final = re.compile(r"[^A-Z0-9*?]+")
_STAR_RUN: Final = re.compile(r"\*{2,}")

# Cyrillic and Greek plates use only letters that look like Latin ones, and OCR engines
# and keyboard layouts emit either; NFKD does not fold across scripts, so do it here.
_HOMOGLYPHS: Final = str.maketrans(
    {
        **dict(zip("АВЕКМНОРСТУХЅІЈ", "ABEKMHOPCTYXSIJ", strict=True)),
        **dict(zip("ΑΒΕΖΗΙΚΜΝΟΡΤΥΧ", "ABEZHIKMNOPTYX", strict=True)),
    }
)

_CONFUSION_TABLE: Final = str.maketrans({c: cls[0] for cls in CONFUSION_CLASSES for c in cls[1:]})
KEY_ALPHABET: Final = "".join(
    sorted({c.translate(_CONFUSION_TABLE) for c in "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"})
)


@dataclass(frozen=True, slots=True)
class PlateMatch:
    """How one hotlist entry matched a read."""

    pattern: str
    """The entry's normalised plate or pattern."""
    kind: MatchKind
    distance: int
    """Non-confusion edits between read and entry (``plate_distance``); 0 unless fuzzy."""


def normalize_plate(text: str) -> str:
    """Return ``text`` upper-cased with everything but A-Z and 0-9 removed ("" if none).

    Accents, full-width forms and ligatures are folded with NFKD, and Cyrillic/Greek
    look-alikes to Latin. The result is idempotent under this function.
    """
    if text.isascii():
        # The hot path: camera reads are almost always ASCII already.
        return text.upper().translate(_ASCII_PUNCT_DROP)
    return _NOT_PLATE_CHAR.sub("", _fold_unicode(text))


def normalize_pattern(text: str) -> str:
    """Normalise a hotlist entry or search query like ``normalize_plate``, keeping ``*``/``?``.

    Runs of ``*`` collapse to one, which changes nothing they match.
    """
    folded = text.upper() if text.isascii() else _fold_unicode(text)
    return _STAR_RUN.sub("*", _NOT_PATTERN_CHAR.sub("", folded))


def _fold_unicode(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text).upper()
    return decomposed.translate(_HOMOGLYPHS)


def is_wildcard(pattern: str) -> bool:
    """Tell whether a normalised pattern contains ``*`` or ``?``."""
    return "*" in pattern or "?" in pattern


def confusion_key(plate_norm: str) -> str:
    """Map each character to its ``CONFUSION_CLASSES`` representative; others unchanged.

    Two reads that differ only by OCR confusions have the same key. Wildcard characters
    pass through, so patterns can be keyed too.
    """
    return plate_norm.translate(_CONFUSION_TABLE)


def plate_distance(a: str, b: str) -> int:
    """Return the Levenshtein distance where swapping confusable characters is free.

    Insertions, deletions and other substitutions cost 1. Confusions cost 0 because
    they are matched on their own (kind ``confusion``); the fuzzy budget counts only
    real reading errors, and the rule stays exact over confusion keys, which is what
    lets ``HotlistIndex`` find fuzzy matches by lookup instead of scanning.
    """
    ka, kb = confusion_key(a), confusion_key(b)
    distance = bounded_levenshtein(ka, kb, max(len(ka), len(kb)))
    assert distance is not None  # the bound is never below the true distance
    return distance


def fuzzy_match(a: str, b: str, *, max_edits: int = 1) -> bool:
    """Tell whether two normalised plates are within ``max_edits`` non-confusion edits.

    Symmetric. Plates outside ``MIN_FUZZY_LENGTH``..``MAX_FUZZY_LENGTH`` never match
    fuzzily (they still match exactly or by confusion).
    """
    check_max_edits(max_edits)
    if not (fuzzy_length_ok(a) and fuzzy_length_ok(b)):
        return False
    return bounded_levenshtein(confusion_key(a), confusion_key(b), max_edits) is not None


def wildcard_match(pattern_norm: str, plate_norm: str) -> bool:
    """Tell whether a normalised pattern matches the whole of a normalised plate, literally.

    ``*`` matches any run (also empty), ``?`` exactly one character; every other
    character matches itself. Runs in time linear-ish in the plate, whatever the pattern.
    """
    return compile_glob(pattern_norm).matches(plate_norm)


def match_entry(
    entry: str, plate: str, *, fuzzy: bool = True, max_edits: int = 1
) -> PlateMatch | None:
    """Match one hotlist entry (plate or pattern) against one read; None if no match.

    Both are normalised here. This is the rule ``HotlistIndex.match`` applies to every
    entry at once; use it directly to check a single new entry against past reads.
    """
    check_max_edits(max_edits)
    pattern, read = normalize_pattern(entry), normalize_plate(plate)
    if not pattern or not read:
        return None
    if is_wildcard(pattern):
        if compile_glob(confusion_key(pattern)).matches(confusion_key(read)):
            return PlateMatch(pattern, "wildcard", 0)
        return None
    if pattern == read:
        return PlateMatch(pattern, "exact", 0)
    if confusion_key(pattern) == confusion_key(read):
        return PlateMatch(pattern, "confusion", 0)
    if fuzzy and max_edits and fuzzy_length_ok(pattern) and fuzzy_length_ok(read):
        distance = bounded_levenshtein(confusion_key(pattern), confusion_key(read), max_edits)
        if distance is not None:
            return PlateMatch(pattern, "fuzzy", distance)
    return None


def plate_matches(query: str, candidate_norm: str, *, fuzzy: bool, max_edits: int = 1) -> bool:
    """Tell whether a search query matches a stored, already normalised plate.

    The query may be a plate, or a pattern such as ``AB*``. With ``fuzzy=False`` the
    match is literal; with ``fuzzy=True`` it also accepts confusions and, for plain
    plates, up to ``max_edits`` edits (the hotlist rules). A query that normalises to
    nothing matches nothing, so stray punctuation never lists every plate.
    """
    pattern = normalize_pattern(query)
    if not pattern:
        return False
    if is_wildcard(pattern):
        if fuzzy:
            return compile_glob(confusion_key(pattern)).matches(confusion_key(candidate_norm))
        return compile_glob(pattern).matches(candidate_norm)
    if not fuzzy:
        return pattern == candidate_norm
    return match_entry(pattern, candidate_norm, fuzzy=True, max_edits=max_edits) is not None


def check_max_edits(max_edits: int) -> None:
    if not 0 <= max_edits <= MAX_EDITS_SUPPORTED:
        raise ValueError(f"max_edits must be 0..{MAX_EDITS_SUPPORTED}, got {max_edits}")


def fuzzy_length_ok(plate: str) -> bool:
    return MIN_FUZZY_LENGTH <= len(plate) <= MAX_FUZZY_LENGTH


def bounded_levenshtein(a: str, b: str, bound: int) -> int | None:
    """Return the plain Levenshtein distance of a and b, or None if it exceeds bound."""
    if a == b:
        return 0
    if abs(len(a) - len(b)) > bound:
        return None
    # Reads that match usually differ in one spot: trimming the common ends leaves
    # a tiny table.
    start, end_a, end_b = 0, len(a), len(b)
    while start < end_a and start < end_b and a[start] == b[start]:
        start += 1
    while end_a > start and end_b > start and a[end_a - 1] == b[end_b - 1]:
        end_a -= 1
        end_b -= 1
    a, b = a[start:end_a], b[start:end_b]
    if not a or not b:
        distance = len(a) + len(b)
        return distance if distance <= bound else None
    previous = list(range(len(b) + 1))
    for i, char_a in enumerate(a, 1):
        current = [i]
        for j, char_b in enumerate(b, 1):
            current.append(
                min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (char_a != char_b))
            )
        if min(current) > bound:  # rows never decrease, so no later cell can recover
            return None
        previous = current
    return previous[-1] if previous[-1] <= bound else None


@dataclass(frozen=True, slots=True)
class Glob:
    """A compiled ``*``/``?`` pattern, matched without regex backtracking.

    The pattern is split at ``*`` into fixed-width segments: the first is anchored at
    the start, the last at the end, and the middle ones are found leftmost in turn,
    which is optimal for globs. Each segment becomes a regex of escaped literals and
    ``.``, so nothing in a plate or pattern can inject regex syntax or blow up.
    """

    head: re.Pattern[str]
    head_len: int
    middles: tuple[re.Pattern[str], ...]
    tail: re.Pattern[str]
    tail_len: int
    has_star: bool
    min_len: int

    def matches(self, plate: str) -> bool:
        """Tell whether the pattern matches the whole plate."""
        if not self.has_star:
            return len(plate) == self.min_len and self.head.fullmatch(plate) is not None
        end = len(plate) - self.tail_len
        if len(plate) < self.min_len or self.head.match(plate) is None:
            return False
        if self.tail.fullmatch(plate, end) is None:
            return False
        position = self.head_len
        for segment in self.middles:
            found = segment.search(plate, position, end)
            if found is None:
                return False
            position = found.end()
        return True


def _segment_regex(segment: str) -> re.Pattern[str]:
    return re.compile("".join("." if c == "?" else re.escape(c) for c in segment), re.DOTALL)


@functools.lru_cache(maxsize=4096)  # search filters reuse one query across many rows
def compile_glob(pattern: str) -> Glob:
    """Compile a normalised ``*``/``?`` pattern (cached: queries repeat across rows)."""
    segments = pattern.split("*")
    head, tail = segments[0], segments[-1]
    if len(segments) == 1:
        tail = ""
    return Glob(
        head=_segment_regex(head),
        head_len=len(head),
        middles=tuple(_segment_regex(s) for s in segments[1:-1] if s),
        tail=_segment_regex(tail),
        tail_len=len(tail),
        has_star=len(segments) > 1,
        min_len=len(pattern) - (len(segments) - 1),
    )
