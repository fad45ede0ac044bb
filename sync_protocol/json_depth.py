"""Refusing JSON nested deeper than any real payload before a recursive parser sees it.

``json.loads`` (and validation after it) recurse once per level of nesting, so a body of a
few kilobytes of ``[`` raises ``RecursionError`` (a 500) instead of a clear refusal. No
message either service accepts (sync bodies, staff login, camera and vendor events) nests
more than a dozen levels; ``MAX_JSON_DEPTH`` leaves room for vendors' additions.

The check runs in C at string speed: JSON strings are cut out first (so that brackets inside
strings, escaped quotes included, do not count), then everything but brackets, and the
innermost pairs are removed a level at a time (at most ``limit`` rounds). Bytes are decoded
first the way ``json.loads`` decodes them (UTF-8, -16 or -32 by their first bytes), so the
scan sees the text the parser will see.
"""

from __future__ import annotations

import json
import re
from typing import Any

MAX_JSON_DEPTH = 32

# A whole JSON string, escapes unrolled so that there is no per-character alternation. A
# quote that opens no well-formed string is left in place: the parser refuses that text anyway.
_STRING = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"', re.DOTALL)
# Bytes: every value but the brackets is deleted, "{}" become "[]" (one kind is enough to
# count depth; a mismatched pair stops the parser).
_ONE_KIND = bytes.maketrans(b"{}", b"[]")
_NOT_BRACKETS = bytes(b for b in range(256) if b not in b"[]{}")


class JsonTooDeep(ValueError):
    """JSON nested deeper than ``limit`` levels; ``str()`` says so."""

    def __init__(self, limit: int) -> None:
        super().__init__(f"JSON nested deeper than {limit} levels")
        self.limit = limit


def check_json_depth(text: str | bytes | bytearray, limit: int = MAX_JSON_DEPTH) -> None:
    """Raise ``JsonTooDeep`` if ``text`` nests arrays/objects deeper than ``limit``.

    Text that is not JSON at all passes (the parser then says what is wrong), and so do
    bytes that do not decode (the parser raises ``UnicodeDecodeError`` for them).
    """
    if isinstance(text, (bytes, bytearray)):
        try:
            text = bytes(text).decode(json.detect_encoding(text), "surrogatepass")
        except (UnicodeDecodeError, LookupError):
            return
    if "[" not in text and "{" not in text:
        return
    outside = _STRING.sub("", text).encode("utf-8", "surrogatepass")
    brackets = outside.translate(_ONE_KIND, _NOT_BRACKETS)
    # Each round removes the innermost pairs, one level of nesting everywhere at once, at
    # the speed of bytes.replace. What never pairs is closers then openers ("]]][[["): the
    # openers enclose whatever came after them, so they count towards the depth too (only
    # unfinished JSON has them; the parser stops at the first stray closer).
    rounds = 0
    while b"[]" in brackets:
        rounds += 1
        if rounds > limit:
            raise JsonTooDeep(limit)
        brackets = brackets.replace(b"[]", b"")
    if rounds + brackets.count(b"[") > limit:
        raise JsonTooDeep(limit)


def loads(text: str | bytes | bytearray, limit: int = MAX_JSON_DEPTH) -> Any:
    """``json.loads`` after ``check_json_depth``: raises ``JsonTooDeep`` or what it raises."""
    check_json_depth(text, limit)
    return json.loads(text)
