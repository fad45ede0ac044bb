"""IANA time zone names: which ones name a place, and which one this host runs in.

Shared by the cloud (a site's zone, checked wherever it enters) and the node (the zone it
reports at enrolment, the zone its fallback messages name). A zone is valid when it has the
shape of an IANA name and the zone database here (the system's, or the ``tzdata`` package)
has it; the database's helper files (``localtime``, ``posixrules``, ``Factory``) and its
``posix/`` and ``right/`` copies are not places, so they are refused.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

MAX_ZONE_LENGTH = 64
"""The longest zone name stored (the longest IANA name is about 32 characters)."""

_SHAPE = re.compile(r"[A-Za-z0-9_+\-]+(/[A-Za-z0-9_+\-]+)*")
_NOT_PLACES = frozenset({"localtime", "posixrules", "Factory"})
_COPIES = ("posix/", "right/")
ZONE_EXAMPLE = "an IANA time zone such as Europe/Berlin or America/New_York"


def known_zone(name: str) -> bool:
    """Return True if ``name`` is an IANA zone of a place that this host's database has."""
    if len(name) > MAX_ZONE_LENGTH or not _SHAPE.fullmatch(name):
        return False
    if name in _NOT_PLACES or name.startswith(_COPIES):
        return False
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        return False
    return True


def check_zone(name: str) -> str:
    """Return ``name`` stripped; raise ValueError naming it if it is not a known IANA zone."""
    stripped = name.strip()
    if not known_zone(stripped):
        raise ValueError(f"unknown time zone {name!r}: give {ZONE_EXAMPLE}")
    return stripped


def _from_path(target: str) -> str | None:
    """The zone name in a path into the zone database (``.../zoneinfo/Europe/Berlin``)."""
    _, found, name = target.partition("/zoneinfo/")
    return name if found else None


def host_zone(
    environ: Mapping[str, str] | None = None,
    localtime: Path = Path("/etc/localtime"),
    timezone_file: Path = Path("/etc/timezone"),
) -> str | None:
    """Return the IANA name of this host's zone, or None if it cannot be told.

    Found the way the C library finds the zone: ``TZ`` first (``:Europe/Berlin``, a name, or a
    path into the zone database; a POSIX rule such as ``CET-1CEST`` names no IANA zone, so
    None), then the ``/etc/localtime`` link into the database, then Debian's ``/etc/timezone``
    (for images where ``/etc/localtime`` is a copy rather than a link).
    """
    env = os.environ if environ is None else environ
    tz = env.get("TZ", "").lstrip(":").strip()
    if tz:
        name = _from_path(tz) if tz.startswith("/") else tz
        return name if name is not None and known_zone(name) else None
    if localtime.is_symlink():
        name = _from_path(os.path.realpath(localtime))
        if name is not None and known_zone(name):
            return name
    try:
        name = timezone_file.read_text(encoding="utf-8").strip()
    except (OSError, UnicodeDecodeError):
        return None
    return name if known_zone(name) else None


def abbreviation(local: datetime) -> str:
    """The zone's abbreviation at that moment (CET, CEST, JST), else its UTC offset."""
    return local.strftime("%Z") or local.strftime("UTC%z")
