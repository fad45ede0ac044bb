"""Hotlist models on the wire: entries and deltas from the cloud, edit operations from sites.

The cloud holds the authoritative hotlist with one monotonic ``version``. A
node pulls ``HotlistDelta`` (upserts and tombstones since its version, or a full
snapshot when it is too far behind, see ``sync_protocol.rules.needs_snapshot``).
Edits made at a site travel as ``HotlistOp`` with a client-made ``op_id`` (so a
re-sent op is applied once) and come back as an ``OpResult``. The cloud attributes an op to
the site that signed it (``updated_by`` ``site:<id>``; the node's ``made_by`` is kept as
``reported_by``) and refuses ops on entries that site does not own (``hotlist_rules``).
Concurrent edits of one entry are resolved by ``sync_protocol.rules`` (last writer wins by
``(made_at, op_id)``), the same on every side.
"""

from __future__ import annotations

import uuid
from typing import Literal, Self

from pydantic import Field, model_validator

from sync_protocol.hotlist_rules import CLOUD_OWNER, DEFAULT_PRIORITY, Priority
from sync_protocol.wire_types import (
    Mark,
    PlateText,
    ReplyModel,
    RequestModel,
    ShortText,
    Text,
    Token,
    UtcDatetime,
)

MAX_DELTA_ENTRIES = 100_000
"""Most entries in one delta or snapshot (a whole national watch list fits)."""


class HotlistEntry(ReplyModel):
    """The cloud's state of one hotlist entry, keyed by ``(list, plate_norm)``."""

    list_name: Token = Field(alias="list", description="stolen, wanted, watch, allow…")
    plate_norm: PlateText = Field(description="normalised plate: the entry key with list")
    plate: PlateText = Field(description="plate as entered by staff")
    reason: Text = Field(default="", description="why the plate is listed")
    priority: Priority = Field(default=DEFAULT_PRIORITY, description="alert priority")
    expires_at: UtcDatetime | None = Field(default=None, description="no match after this")
    updated_by: ShortText = Field(
        description="who made the winning edit: a staff username, or site:<id> (the signer)"
    )
    reported_by: ShortText | None = Field(
        default=None, description="the user the site's node named for the edit (not verified)"
    )
    owner: ShortText = Field(
        default=CLOUD_OWNER,
        description="cloud (only staff change it) or site:<id> (that site or staff change it);"
        " absent from clouds before owners, whose entries were all the cloud's",
    )
    updated_at: UtcDatetime = Field(description="when the winning edit was made")
    op_id: uuid.UUID = Field(description="id of the winning edit (conflict tiebreak)")
    deleted: bool = Field(default=False, description="tombstone: the entry was removed")
    version: Mark = Field(description="hotlist version at which the cloud stored this state")


class HotlistOp(RequestModel):
    """An edit made at a site: applied provisionally at the node, confirmed by the cloud."""

    op_id: uuid.UUID = Field(description="made by the node; re-sending is idempotent")
    action: Literal["upsert", "delete"]
    list_name: Token = Field(alias="list")
    plate_norm: PlateText
    plate: PlateText | None = Field(default=None, description="defaults to plate_norm")
    reason: Text = ""
    priority: Priority = DEFAULT_PRIORITY
    expires_at: UtcDatetime | None = None
    made_at: UtcDatetime = Field(description="node clock when the edit was made")
    made_by: ShortText = Field(description="local user who made the edit")


class HotlistDelta(ReplyModel):
    """Hotlist changes in ``(from_version, to_version]``, or a snapshot at ``to_version``."""

    from_version: Mark
    to_version: Mark
    entries: list[HotlistEntry] = Field(default_factory=list, max_length=MAX_DELTA_ENTRIES)
    snapshot: bool = Field(
        default=False, description="entries replace the node's whole hotlist (no tombstones)"
    )

    @model_validator(mode="after")
    def _versions_in_range(self) -> Self:
        if self.to_version < self.from_version:
            raise ValueError(f"to_version {self.to_version} < from_version {self.from_version}")
        for entry in self.entries:
            # A delta's entries must lie inside its window; a snapshot's must not
            # be newer than the version it claims to be.
            low = 0 if self.snapshot else self.from_version
            if not low < entry.version <= self.to_version:
                raise ValueError(
                    f"entry version {entry.version} outside ({low}, {self.to_version}]"
                )
        return self


class OpResult(ReplyModel):
    """What the cloud did with one ``HotlistOp``.

    ``applied``: stored at ``version``. ``superseded``: a later edit of the same
    entry already won (the node takes the entry from the delta). ``rejected``:
    refused for ``reason`` (e.g. unknown list, an entry this site does not own); when the
    entry exists, ``version`` is its current version, so the node re-pulls just that far.
    """

    status: Literal["applied", "superseded", "rejected"]
    version: Mark | None = None
    reason: Text | None = None

    @model_validator(mode="after")
    def _version_or_reason(self) -> Self:
        if self.status == "rejected" and not self.reason:
            raise ValueError("a rejected op needs a reason")
        if self.status != "rejected" and self.version is None:
            raise ValueError(f"an op with status {self.status!r} needs a version")
        return self
