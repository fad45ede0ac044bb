"""A read's image asked of its site, and what the cloud answers about it (pure; issue 14).

A request moves ``pending`` (waiting for the node's next exchange) → ``sent`` (the command
went out in a reply) → ``stored`` (the node uploaded bytes whose SHA-256 is the read's) →
``expired`` (forgotten after ``images_keep_s``); or → ``failed`` (the node no longer holds
the image: ``reason`` says why). ``answer`` turns a request, the site's last contact and the
clock into what a staff member is told, so the API and the dashboard say the same thing.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Literal

ImageStatus = Literal["pending", "sent", "stored", "failed", "expired"]
WAITING: frozenset[str] = frozenset({"pending", "sent"})
PRUNED_REASONS = {
    "pruned": "pruned at the site",
    "unknown": "the site holds no such read",
    "no_image": "the read has no image",
    "unreadable": "damaged at the site",
}


@dataclass(frozen=True)
class ReadHint:
    """Where a read was received, as a search listed it (``site_id`` and ``received_at``
    query parameters): a store that keeps reads by site and time (DynamoDB) finds with it a
    read that did not hit. The read found must still have the asked-for id."""

    site_id: str
    received_at: datetime


@dataclass(frozen=True)
class ReadRef:
    """What the cloud holds of the read whose image is asked for."""

    detection_id: str
    site_id: str
    image_sha256: str | None


@dataclass(frozen=True)
class ImageRequest:
    """One row of ``cloud_image_requests``."""

    request_id: str
    site_id: str
    detection_id: str
    requested_by: str
    requested_at: datetime
    status: ImageStatus = "pending"
    reason: str | None = None
    sent_at: datetime | None = None
    stored_at: datetime | None = None
    # Expected while waiting (the read's: the cloud holds it for reads that hit), the bytes'
    # once stored.
    sha256: str | None = None
    size_bytes: int | None = None
    content_type: str | None = None
    blob_key: str | None = None
    expires_at: datetime | None = None
    error: str | None = None

    def sent(self, at: datetime) -> ImageRequest:
        """The request once its command went out in a reply."""
        return replace(self, status="sent", sent_at=at)

    def stored(
        self, *, at: datetime, size: int, content_type: str, blob_key: str, keep: timedelta
    ) -> ImageRequest:
        """The request once the node's bytes are kept (until ``at + keep``)."""
        return replace(
            self,
            status="stored",
            stored_at=at,
            size_bytes=size,
            content_type=content_type,
            blob_key=blob_key,
            expires_at=at + keep,
        )


@dataclass(frozen=True)
class Answer:
    """What a staff member is told: an HTTP status, a short status word, and why."""

    http: int
    status: str
    detail: str
    retry_after_s: float | None = None
    offline_since: datetime | None = None


def offline_since(
    last_contact: datetime | None, now: datetime, offline_after_s: float
) -> datetime | None:
    """When the site went silent if it is offline now (None: online)."""
    if last_contact is None:
        return datetime.min.replace(tzinfo=now.tzinfo)
    if (now - last_contact).total_seconds() > offline_after_s:
        return last_contact
    return None


def offline_answer(since: datetime) -> Answer:
    """The site cannot be asked now: answered at once, never a hanging request."""
    when = "it was never seen" if since.year == 1 else since.isoformat()
    return Answer(503, "offline", f"site offline since {when}", offline_since=since)


def answer(
    request: ImageRequest | None,
    *,
    now: datetime,
    last_contact: datetime | None,
    offline_after_s: float,
    pickup_s: float,
) -> Answer:
    """What ``GET .../image`` says about the newest request of a read."""
    if request is None:
        return Answer(404, "not_requested", "no image was requested for this read: POST first")
    if request.status == "stored":
        return Answer(200, "stored", "the image is held")
    if request.status == "expired":
        return Answer(410, "expired", "the image was forgotten; request it again")
    if request.status == "failed":
        reason = PRUNED_REASONS.get(request.reason or "", request.reason or "failed")
        return Answer(404, "missing", f"no image at the site: {reason}")
    since = offline_since(last_contact, now, offline_after_s)
    if since is not None:
        return offline_answer(since)
    asked = request.sent_at or request.requested_at
    if (now - asked).total_seconds() > pickup_s:
        # Online by its last heartbeat, but silent since: say so rather than wait on.
        where = last_contact.isoformat() if last_contact else "never"
        return Answer(
            503,
            "not_answering",
            f"the site has not answered for {pickup_s:g}s (last contact {where})",
            offline_since=last_contact,
        )
    return Answer(202, request.status, "waiting for the site", retry_after_s=1.0)
