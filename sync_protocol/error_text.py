"""What an error message may say to a client, the same rule on the node and in the cloud.

Applied once per service, where errors become responses (``main.py``), so that no message built
anywhere can echo a huge or hostile value, or the library versions in pydantic's links.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

ECHO_LIMIT = 64
"""Characters of a client's value (an id, a field name) an error message may echo back."""
DETAIL_LIMIT = 500
"""Characters of a whole error message: enough for any we write, not for a hostile echo."""

_QUOTED = re.compile(r"'(?:[^'\\\n]|\\.)*'|\"(?:[^\"\\\n]|\\.)*\"")
# Pydantic's str(ValidationError) ends each error with the input and a versioned docs link.
_PYDANTIC_INPUT = re.compile(r", input_value=[^\n]*, input_type=\w+\]")
_PYDANTIC_LINK = re.compile(r"\n? *For further information visit \S+")


def cap(value: str, limit: int = ECHO_LIMIT) -> str:
    """``value`` cut to ``limit`` characters, marked with "…" when it was longer."""
    return value if len(value) <= limit else value[:limit] + "…"


def public_detail(detail: str) -> str:
    """An error message as a client may see it: quoted values capped, no pydantic input or link.

    Applied once, where errors become responses, so that no message built anywhere can echo
    a huge or hostile value, or the library versions in pydantic's links.
    """
    detail = _PYDANTIC_LINK.sub("", _PYDANTIC_INPUT.sub("]", detail))
    detail = _QUOTED.sub(lambda m: m[0][0] + cap(m[0][1:-1]) + m[0][0], detail)
    return cap(detail, DETAIL_LIMIT)


def public_errors(errors: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Validation errors as sent: only ``loc``, ``msg``, ``type`` (no input, url or ctx), capped."""
    return [
        {
            "loc": [cap(p) if isinstance(p, str) else p for p in e["loc"]],
            "msg": public_detail(str(e["msg"])),
            "type": str(e["type"]),
        }
        for e in errors
    ]
