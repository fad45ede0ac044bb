"""How long an SMS is: the GSM-7 alphabet, segments, and fitting text into them. Pure.

A GSM-7 text takes 160 characters in one segment (153 each when split), anything else
UCS-2's 70 (67); a few GSM-7 characters take two septets. Used by ``render`` for the SMS
of alerts and of resolutions.
"""

from __future__ import annotations

import math
import unicodedata

MAX_SMS_SEGMENTS = 2
"""An SMS is never longer than this many segments (cost, and phones that split badly)."""

_GSM7_BASIC = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
_GSM7_EXTENSION = frozenset("^{}\\[~]|€\f")  # two septets each (escape + char)
_GSM_SUBSTITUTES = str.maketrans(
    {
        "‘": "'",
        "’": "'",
        "“": '"',
        "”": '"',
        "–": "-",
        "—": "-",
        "…": "...",
        "ł": "l",
        "Ł": "L",
        "đ": "d",
        "Đ": "D",
        "ı": "i",
        "œ": "oe",
        "Œ": "OE",
    }
)  # letters and punctuation that Unicode decomposition does not simplify


def is_gsm7(text: str) -> bool:
    """Return True if ``text`` fits the GSM 03.38 alphabet (160 characters per SMS)."""
    return all(c in _GSM7_BASIC or c in _GSM7_EXTENSION for c in text)


def _units(c: str, gsm: bool) -> int:
    if gsm:
        return 2 if c in _GSM7_EXTENSION else 1
    return len(c.encode("utf-16-le")) // 2


def sms_segments(text: str) -> int:
    """Return how many SMS segments ``text`` takes (GSM-7 160/153, else UCS-2 70/67)."""
    gsm = is_gsm7(text)
    single, multi = (160, 153) if gsm else (70, 67)
    units = sum(_units(c, gsm) for c in text)
    return 1 if units <= single else math.ceil(units / multi)


def cut_to_segments(text: str, segments: int) -> str:
    """Return the longest start of ``text`` that fits ``segments`` SMS segments."""
    gsm = is_gsm7(text)
    single, multi = (160, 153) if gsm else (70, 67)
    budget = single if segments == 1 else multi * segments
    used = 0
    for i, c in enumerate(text):
        used += _units(c, gsm)
        if used > budget:
            return text[:i]
    return text


def gsm_friendly(text: str) -> str:
    """Return ``text`` with the accents and quotes GSM-7 lacks simplified.

    A character is only changed when its simplified form is GSM-7 (Cyrillic
    stays Cyrillic and the message goes UCS-2): a plate is never rewritten into
    letters that look alike but are another plate.
    """
    out = []
    for c in text.translate(_GSM_SUBSTITUTES):
        if c in _GSM7_BASIC or c in _GSM7_EXTENSION:
            out.append(c)
            continue
        base = "".join(d for d in unicodedata.normalize("NFKD", c) if not unicodedata.combining(d))
        out.append(base if base and is_gsm7(base) else c)
    return "".join(out)


def shortest_fit(variants: list[str]) -> str:
    """Return the first variant that fits one segment, else two, else the last one cut."""
    for segments in (1, MAX_SMS_SEGMENTS):
        for text in variants:
            if sms_segments(text) <= segments:
                return text
    return cut_to_segments(variants[-1], MAX_SMS_SEGMENTS)
