"""The searches an investigator types, made from plates that are in the data (pure).

Each kind turns one stored plate (normalised, e.g. ``FF38ABC``) into a query:

=========  ==============================  ======================================
kind       example                         what it stands for
=========  ==============================  ======================================
exact      ``FF38ABC``                     the plate as read
prefix     ``FF38*``                       the first 4 characters
suffix     ``*ABC``                        the last 3
infix2     ``*8A*``                        2 characters from the middle (broad)
infix3     ``*38A*``                       3 characters from the middle
qmark      ``F?38A?C``                     2 unknown characters
fuzzy1     ``FF3BAXC`` fuzzy, 1 edit       a misread: an OCR confusion and 1 edit
fuzzy2     ``FF3AXC`` fuzzy, 2 edits       2 edits (a substitution, a deletion)
deep       ``*8A*``, 6th page              a 2-character infix, 5 cursors followed
=========  ==============================  ======================================
"""

from __future__ import annotations

import random
import string
from dataclasses import dataclass

from sync_protocol.plate_rules import confusion_key

KINDS = ("exact", "prefix", "suffix", "infix2", "infix3", "qmark", "fuzzy1", "fuzzy2", "deep")
DEEP_PAGES = 6  # the first page and 5 followed cursors
_ALNUM = string.ascii_uppercase + string.digits
_CONFUSIONS = {"O": "0", "0": "O", "I": "1", "1": "I", "B": "8", "8": "B", "S": "5", "5": "S"}


@dataclass(frozen=True)
class Query:
    """One search to time: its pattern, fuzziness and how many pages to walk."""

    kind: str
    plate: str
    fuzzy: bool = False
    max_edits: int = 1
    pages: int = 1


def usable(plate: str) -> bool:
    """Plates long enough for every kind (a few German plates are 3 characters)."""
    return len(plate) >= 5


def make_query(kind: str, plate: str, rng: random.Random, *, deep_chars: int = 2) -> Query:
    """The query of ``kind`` made from the stored ``plate`` (``usable``); ``deep_chars``:
    the width of the deep walk's infix (1 on tiny data, where 2 rarely fills 6 pages)."""
    mid = len(plate) // 2 - 1
    if kind == "exact":
        return Query(kind, plate)
    if kind == "prefix":
        return Query(kind, plate[:4] + "*")
    if kind == "suffix":
        return Query(kind, "*" + plate[-3:])
    if kind == "infix2":
        return Query(kind, f"*{plate[mid : mid + 2]}*")
    if kind == "deep":
        return Query(kind, f"*{plate[mid : mid + deep_chars]}*", pages=DEEP_PAGES)
    if kind == "infix3":
        return Query(kind, f"*{plate[mid : mid + 3]}*")
    if kind == "qmark":
        return Query(kind, plate[0] + "?" + plate[2:-2] + "?" + plate[-1])
    if kind == "fuzzy1":
        return Query(kind, _substitute(_confuse(plate, rng), rng), fuzzy=True, max_edits=1)
    if kind == "fuzzy2":
        return Query(kind, _delete(_substitute(plate, rng), rng), fuzzy=True, max_edits=2)
    raise ValueError(f"unknown query kind {kind!r}")


def _confuse(plate: str, rng: random.Random) -> str:
    """One OCR confusion (free for a fuzzy search), if the plate has a confusable character."""
    spots = [i for i, c in enumerate(plate) if c in _CONFUSIONS]
    if not spots:
        return plate
    i = rng.choice(spots)
    return plate[:i] + _CONFUSIONS[plate[i]] + plate[i + 1 :]


def _substitute(plate: str, rng: random.Random) -> str:
    """One real substitution: a character outside the original's confusion class."""
    i = rng.randrange(len(plate))
    key = confusion_key(plate[i])
    other = rng.choice([c for c in _ALNUM if confusion_key(c) != key])
    return plate[:i] + other + plate[i + 1 :]


def _delete(plate: str, rng: random.Random) -> str:
    i = rng.randrange(len(plate))
    return plate[:i] + plate[i + 1 :]
