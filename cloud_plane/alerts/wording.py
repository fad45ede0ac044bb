"""Small pieces of alert wording shared by the health monitor and resolution reasons. Pure."""

from __future__ import annotations


def duration_text(seconds: float) -> str:
    """Return a duration as people say it: ``45 s``, ``14 min``, ``3 h 5 min``."""
    seconds = max(0, int(seconds))
    if seconds < 120:
        return f"{seconds} s"
    if seconds < 7200:
        return f"{seconds // 60} min"
    return f"{seconds // 3600} h {seconds % 3600 // 60} min"
