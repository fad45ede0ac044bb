"""The old home of the plate rules and the hotlist index, kept so existing imports still work.

The rules now live in ``sync_protocol.plate_rules`` and the index in
``sync_protocol.hotlist_index``; import from those. This module only re-exports them
until its last importer (the cloud store) has moved.
"""

from __future__ import annotations

from sync_protocol.hotlist_index import HotlistIndex
from sync_protocol.plate_rules import (
    CONFUSION_CLASSES,
    KIND_RANK,
    MAX_EDITS_SUPPORTED,
    MAX_FUZZY_LENGTH,
    MIN_FUZZY_LENGTH,
    MatchKind,
    PlateMatch,
    confusion_key,
    fuzzy_match,
    is_wildcard,
    match_entry,
    normalize_pattern,
    normalize_plate,
    plate_distance,
    plate_matches,
    wildcard_match,
)

__all__ = [
    "CONFUSION_CLASSES",
    "KIND_RANK",
    "MAX_EDITS_SUPPORTED",
    "MAX_FUZZY_LENGTH",
    "MIN_FUZZY_LENGTH",
    "HotlistIndex",
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
