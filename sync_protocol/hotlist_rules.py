"""What makes a hotlist entry valid, the same on the node, on the wire and in the cloud.

One list-name pattern, one plate-key rule (normalised, has a letter or digit, fits on the
wire) and one priority scale. An entry the node accepts must be one the cloud accepts: a
node edit the wire cannot carry would stay local and never reach the other sites.

Who may change an entry is a rule here too (``change_problem``): every entry has an owner,
``cloud`` (staff made it) or ``site:<site_id>`` (a site made it); staff change any entry, a
site creates free keys (none, or a tombstone) and changes only its own. The cloud enforces
it on every op; the node applies it early so its admin hears "no" at once.

Two ways to ask, with the same rules and messages: ``*_problem`` functions return a
message or None (for replies such as ``OpResult(status="rejected", reason=...)``), and
``validated_entry_plate`` raises ``InvalidEntry`` (a ``ValueError``) for callers that stop
at the first problem.
"""

from __future__ import annotations

import re
from typing import Annotated, Final, Protocol

from pydantic import Field

from sync_protocol.plate_rules import is_wildcard, normalize_pattern
from sync_protocol.wire_types import MAX_PLATE_LENGTH

__all__ = [
    "CLOUD_OWNER",
    "DEFAULT_PRIORITY",
    "LIST_NAME",
    "LIST_NAME_PATTERN",
    "MAX_LIST_NAME_LENGTH",
    "MAX_PLATE_LENGTH",
    "MAX_PRIORITY",
    "MIN_PRIORITY",
    "InvalidEntry",
    "Priority",
    "change_problem",
    "entry_problem",
    "list_name_problem",
    "op_problem",
    "plate_problem",
    "site_owner",
    "validated_entry_plate",
]

MAX_LIST_NAME_LENGTH: Final = 32
LIST_NAME_PATTERN: Final = rf"^[a-z][a-z0-9_-]{{0,{MAX_LIST_NAME_LENGTH - 1}}}$"
"""Hotlist names: lower-case, start with a letter (stolen, wanted, watch, allow, ...)."""
LIST_NAME: Final = re.compile(LIST_NAME_PATTERN)

MIN_PRIORITY: Final = 0
MAX_PRIORITY: Final = 100
DEFAULT_PRIORITY: Final = 50

Priority = Annotated[int, Field(ge=MIN_PRIORITY, le=MAX_PRIORITY)]
"""Alert priority of an entry: 0 lowest, 100 highest, the same scale on node, wire and cloud."""


class InvalidEntry(ValueError):
    """A hotlist entry no side may store; the message says why (safe to show to users)."""


def list_name_problem(list_name: str) -> str | None:
    """Return why ``list_name`` is not a valid hotlist name, or None."""
    if not LIST_NAME.match(list_name):
        return f"list name {list_name!r} must match {LIST_NAME_PATTERN}"
    return None


def _pattern_problem(pattern: str, shown: str) -> str | None:
    if not pattern or (is_wildcard(pattern) and not pattern.strip("*?")):
        # "*" or "???" would turn (nearly) every read into a hit.
        return f"plate {shown!r} has no letters or digits"
    if len(pattern) > MAX_PLATE_LENGTH:
        return f"plate {shown!r} is longer than {MAX_PLATE_LENGTH} characters once normalised"
    return None


def plate_problem(text: str) -> str | None:
    """Return why a plate or pattern as typed cannot be a hotlist entry, or None.

    The text is normalised first (``normalize_pattern``); the result must hold a letter or
    digit and be at most ``MAX_PLATE_LENGTH`` characters (what the wire carries).
    """
    return _pattern_problem(normalize_pattern(text), text)


def validated_entry_plate(text: str) -> str:
    """Return the entry key (normalised plate or pattern) of ``text``; raise InvalidEntry."""
    pattern = normalize_pattern(text)
    problem = _pattern_problem(pattern, text)
    if problem:
        raise InvalidEntry(problem)
    return pattern


def entry_problem(list_name: str, plate_norm: str) -> str | None:
    """Return why an already normalised entry key cannot be stored, or None.

    Unlike ``plate_problem``, ``plate_norm`` must already be normalised: a key that
    changes under normalisation would name a different entry on each side.
    """
    problem = list_name_problem(list_name)
    if problem:
        return problem
    norm = normalize_pattern(plate_norm)
    if norm != plate_norm:
        return f"plate_norm {plate_norm!r} is not normalised (expected {norm!r})"
    return _pattern_problem(norm, plate_norm)


class EntryKey(Protocol):
    """The key of an entry or an edit (``HotlistOp`` has it); declared here so that the
    wire models can import these rules without a loop."""

    @property
    def list_name(self) -> str: ...
    @property
    def plate_norm(self) -> str: ...


def op_problem(op: EntryKey) -> str | None:
    """Return why the cloud must reject ``op``, or None (drop-in for the store's check)."""
    return entry_problem(op.list_name, op.plate_norm)


CLOUD_OWNER: Final = "cloud"
"""Owner of entries staff made: only staff (the roles that edit the hotlist) change them."""
SITE_OWNER_PREFIX: Final = "site:"


def site_owner(site_id: str) -> str:
    """Return the owner of the entries a site made (``site:<site_id>``)."""
    return f"{SITE_OWNER_PREFIX}{site_id}"


def change_problem(
    list_name: str, plate_norm: str, owner: str | None, actor: str | None
) -> str | None:
    """Return why ``actor`` may not change the entry, or None.

    ``owner``: the live entry's owner, None when there is no live entry (none, or a
    tombstone): anyone may create it. ``actor``: ``site_owner(site_id)`` for an op from a
    site, None for staff, who may change any entry.
    """
    if actor is None or owner is None or owner == actor:
        return None
    key = f"{list_name}/{plate_norm}"
    if owner == CLOUD_OWNER:
        return f"entry {key} is owned by the cloud; only staff can change it"
    return f"entry {key} is owned by {owner}; only that site or staff can change it"
