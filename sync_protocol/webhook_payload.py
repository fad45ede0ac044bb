"""The alert webhook document (version 1), one model for the cloud's and the node's senders.

A public contract: one receiver handles alerts sent by the cloud and, while it is
unreachable, by a site's node (offline fallback). Both renderers build ``WebhookPayload``,
and ``tests/sync_protocol/webhook_v1.schema.json`` pins its JSON schema.

Every key is always present (``null`` when unknown), so receivers never test for keys:

* ``source`` says who sent it (``cloud`` or ``node``); the same alert from both has one
  ``alert.id``, so a receiver can drop the second.
* ``alert.site.timezone`` is an IANA zone name (``Europe/London``), not an abbreviation
  (``BST`` names several zones); ``null`` only if a node cannot tell its own zone
  (``occurred_at_local`` still carries the offset).
* ``alert.camera`` is always an object; its ``id`` and ``name`` are ``null`` for alerts
  about a whole site.
* ``alert.detection_id`` and ``alert.match_kind`` say which read hit and how, where the
  sender knows it (the node always does for hits; otherwise ``null``).

Adding a key is compatible; changing a key's meaning or removing one needs version 2.

``event`` tells the documents apart: ``alert`` (``WebhookPayload``) or ``alert.resolved``
(``WebhookResolutionPayload``, sent by the cloud only): alerts this receiver was sent have
resolved, each in ``alerts`` as the alert's document plus when and why it resolved (several
resolved together come as one document).
"""

from __future__ import annotations

from typing import Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from sync_protocol.hotlist_rules import Priority

__all__ = [
    "WEBHOOK_PAYLOAD_VERSION",
    "WebhookAlert",
    "WebhookCamera",
    "WebhookDelivery",
    "WebhookPayload",
    "WebhookResolutionPayload",
    "WebhookResolvedAlert",
    "WebhookSite",
]

WEBHOOK_PAYLOAD_VERSION: Literal[1] = 1
"""Bumped only when a field changes meaning or disappears."""


class _Part(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        frozen=True,
        validate_by_name=True,
        validate_by_alias=True,
        serialize_by_alias=True,
        # Every key is always sent, defaults too: the schema must say so to receivers.
        json_schema_serialization_defaults_required=True,
    )


class WebhookDelivery(_Part):
    """Which delivery this POST is: the same ``id`` on every retry (receivers dedupe on it)."""

    id: str = Field(min_length=1, description="the same for every attempt of one delivery")
    attempt: int = Field(ge=1, description="1 for the first try")


class WebhookSite(_Part):
    """The site the alert is about."""

    id: str | None = Field(description="the site id (null if the sender has none)")
    name: str | None = Field(description="display name")
    timezone: str | None = Field(description="IANA zone name, e.g. Europe/London")


class WebhookCamera(_Part):
    """The camera the alert is about; both null for whole-site alerts."""

    id: str | None
    name: str | None


class WebhookAlert(_Part):
    """The alert itself."""

    id: str = Field(description="the alert's id: the same from every sender and recipient")
    kind: str = Field(description="hit, site_offline, camera_silent, ...")
    priority: Priority
    occurred_at: AwareDatetime = Field(description="UTC, RFC 3339 with Z")
    occurred_at_local: AwareDatetime = Field(description="the same instant on the site's clock")
    site: WebhookSite
    camera: WebhookCamera
    plate: str | None = Field(description="as read (hits): untrusted text")
    list_name: str | None = Field(alias="list", description="hotlist of a hit")
    reason: str | None = Field(description="why listed (hits) or what is wrong: untrusted")
    confidence: float | None = Field(ge=0, le=1, description="OCR confidence")
    count: int = Field(ge=1, description="reads grouped into this alert")
    link: str | None = Field(description="the detection or the site's page")
    detection_id: str | None = Field(description="the read that hit, where the sender knows it")
    match_kind: str | None = Field(description="exact, confusion, wildcard or fuzzy (hits)")


class WebhookPayload(_Part):
    """The whole document POSTed to a webhook (signed as its compact, key-sorted JSON)."""

    version: Literal[1] = WEBHOOK_PAYLOAD_VERSION
    event: Literal["alert"] = "alert"
    source: Literal["cloud", "node"]
    delivery: WebhookDelivery
    alert: WebhookAlert
    text: str = Field(description="the SMS text of the alert")

    def document(self) -> dict[str, object]:
        """Return the JSON-ready document (times as RFC 3339, UTC with ``Z``)."""
        return self.model_dump(mode="json")


class WebhookResolvedAlert(WebhookAlert):
    """An alert the receiver was sent, now resolved: its document plus when and why."""

    resolved_at: AwareDatetime = Field(description="UTC, RFC 3339 with Z")
    resolved_at_local: AwareDatetime = Field(description="the same instant on the site's clock")
    resolution: str | None = Field(description="why it resolved, e.g. 'camera reading again'")


class WebhookResolutionPayload(_Part):
    """The document POSTed when alerts resolve (signed like ``WebhookPayload``)."""

    version: Literal[1] = WEBHOOK_PAYLOAD_VERSION
    event: Literal["alert.resolved"] = "alert.resolved"
    source: Literal["cloud"] = "cloud"
    delivery: WebhookDelivery
    alerts: list[WebhookResolvedAlert] = Field(min_length=1, description="in resolution order")
    text: str = Field(description="the SMS text of the resolution")

    def document(self) -> dict[str, object]:
        """Return the JSON-ready document (times as RFC 3339, UTC with ``Z``)."""
        return self.model_dump(mode="json")
