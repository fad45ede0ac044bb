"""Plate texts a camera would read: national formats, OCR misreads and hotlist picks.

Pure: every function takes the `random.Random` it draws from, so a seed replays a run.
"""

from __future__ import annotations

import random
import re
import string
from collections.abc import Callable, Sequence

# Letters each scheme actually issues; the full alphabet would produce plates a reviewer
# immediately recognises as fake (an `I` or `Q` on a British plate, a vowel on a Dutch one).
_UK_LETTERS = "ABCDEFGHJKLMNOPRSTUVWXY"
_FR_LETTERS = "".join(c for c in string.ascii_uppercase if c not in "IOU")
_NL_LETTERS = "BDFGHJKLMNPRSTVXZ"
_US_LETTERS = "".join(c for c in string.ascii_uppercase if c not in "IOQ")
# Common German district codes (Unterscheidungszeichen), big cities first; ASCII only so that
# every node and terminal shows them the same.
_DE_DISTRICTS = (
    "B", "M", "HH", "K", "F", "S", "D", "DO", "E", "L", "HB", "H", "N", "DD", "KA", "MA",
    "BN", "MS", "WI", "A", "AC", "BI", "GE", "HD", "KI", "OF", "R", "RO", "HN", "UL",
)  # fmt: skip
_DE_LETTERS = "".join(c for c in string.ascii_uppercase if c not in "Q")


def uk_plate(rng: random.Random) -> str:
    """A current-style British plate, `AB12 CDE` (age identifier 02–25 or 51–75)."""
    # March registrations carry the year (02 = 2002), September ones year + 50 (51 = Sept 2001).
    age = rng.randint(2, 25) if rng.random() < 0.5 else rng.randint(51, 75)
    area = "".join(rng.choice(_UK_LETTERS) for _ in range(2))
    tail = "".join(rng.choice(_UK_LETTERS) for _ in range(3))
    return f"{area}{age:02d} {tail}"


def german_plate(rng: random.Random) -> str:
    """A German plate, `M-AB 1234`: district, one or two letters, 1–4 digits without a leading 0."""
    district = rng.choice(_DE_DISTRICTS)
    letters = "".join(rng.choice(_DE_LETTERS) for _ in range(rng.randint(1, 2)))
    number = rng.randint(1, 9999)
    return f"{district}-{letters} {number}"


def french_plate(rng: random.Random) -> str:
    """A French SIV plate, `AB-123-CD` (no I, O or U; the number is never 000)."""
    head = "".join(rng.choice(_FR_LETTERS) for _ in range(2))
    tail = "".join(rng.choice(_FR_LETTERS) for _ in range(2))
    return f"{head}-{rng.randint(1, 999):03d}-{tail}"


def us_plate(rng: random.Random) -> str:
    """A Californian-style plate, `7ABC123`."""
    letters = "".join(rng.choice(_US_LETTERS) for _ in range(3))
    return f"{rng.randint(1, 9)}{letters}{rng.randint(0, 999):03d}"


def dutch_plate(rng: random.Random) -> str:
    """A Dutch sidecode-9 plate, `12-ABC-3` (consonants only)."""
    letters = "".join(rng.choice(_NL_LETTERS) for _ in range(3))
    return f"{rng.randint(1, 99):02d}-{letters}-{rng.randint(1, 9)}"


PlateGenerator = Callable[[random.Random], str]

# format name -> (generator, full-match pattern, region code a camera would report)
FORMATS: dict[str, tuple[PlateGenerator, re.Pattern[str], str]] = {
    "uk": (uk_plate, re.compile(r"[A-Z]{2}(0[2-9]|1\d|2[0-5]|5[1-9]|6\d|7[0-5]) [A-Z]{3}"), "gb"),
    "de": (german_plate, re.compile(r"[A-Z]{1,3}-[A-Z]{1,2} [1-9]\d{0,3}"), "de"),
    "fr": (french_plate, re.compile(r"[A-Z]{2}-\d{3}-[A-Z]{2}"), "fr"),
    "us": (us_plate, re.compile(r"[1-9][A-Z]{3}\d{3}"), "us-ca"),
    "nl": (dutch_plate, re.compile(r"\d{2}-[A-Z]{3}-[1-9]"), "nl"),
}

# Characters an OCR engine confuses on plates, both ways round.
OCR_CONFUSIONS: dict[str, str] = {"O": "0", "0": "O", "I": "1", "1": "I", "B": "8", "8": "B",
                                  "S": "5", "5": "S"}  # fmt: skip


def plate(rng: random.Random, fmt: str) -> str:
    """Generate one plate in the named format (a key of `FORMATS`); KeyError if unknown."""
    return FORMATS[fmt][0](rng)


def region(fmt: str) -> str:
    """The region code a camera reports for plates of this format (`gb`, `de`, ...)."""
    return FORMATS[fmt][2]


def matches(text: str, fmt: str) -> bool:
    """Whether `text` is a well-formed plate of the named format."""
    return FORMATS[fmt][1].fullmatch(text) is not None


def misread(text: str, rng: random.Random, probability: float) -> str:
    """With `probability`, swap one confusable character (O↔0, I↔1, B↔8, S↔5) as OCR would.

    A plate without confusable characters comes back unchanged, so the effective misread
    rate is a little below `probability`; that is what real engines do too.
    """
    if probability <= 0 or rng.random() >= probability:
        return text
    positions = [i for i, c in enumerate(text) if c in OCR_CONFUSIONS]
    if not positions:
        return text
    i = rng.choice(positions)
    return text[:i] + OCR_CONFUSIONS[text[i]] + text[i + 1 :]


def pick_plate(
    rng: random.Random,
    *,
    formats: Sequence[str],
    hotlist: Sequence[str] = (),
    hotlist_share: float = 0.0,
) -> tuple[str, str | None]:
    """Pick the plate of the next vehicle: a hotlist plate with `hotlist_share`, else a new one.

    Returns `(plate, format)`; the format is None for hotlist plates, whose origin is unknown.
    """
    if hotlist and rng.random() < hotlist_share:
        return rng.choice(list(hotlist)), None
    fmt = rng.choice(list(formats))
    return plate(rng, fmt), fmt
