"""The images-on-demand use case: ask a site for a read's image, take its upload, serve it.

Nothing here waits on a site. A request is a row; the exchange service asks ``commands_for``
for the site's waiting rows on each exchange and sends them as ``UploadImage`` commands; the
node's upload (``accept_upload``) or its "missing" answer (``missing``) settles the row.
What a staff member is told comes from ``records.images.answer``: a site that has been
silent longer than ``images_offline_after_s`` is answered "offline since ..." at once.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import uuid
from collections.abc import Collection
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from cloud_plane.clock import Clock
from cloud_plane.errors import InvalidInput, NotFound, PayloadTooLarge, ServiceUnavailable
from cloud_plane.image_settings import ImageSettings
from cloud_plane.images.blobs import ImageBlobs
from cloud_plane.records.audit import SYSTEM_ACTOR, Actor
from cloud_plane.records.hits import StoredHit
from cloud_plane.records.images import (
    WAITING,
    Answer,
    ImageRequest,
    ReadHint,
    ReadRef,
    answer,
    offline_answer,
    offline_since,
)
from cloud_plane.store.base import CloudStore
from sync_protocol.audit import AuditAction
from sync_protocol.image_messages import MissingReason, UploadImage

log = logging.getLogger(__name__)

MAGIC = {b"\xff\xd8\xff": "image/jpeg", b"\x89PNG\r\n\x1a\n": "image/png"}
COMMANDS_PER_REPLY = 20


def sniff(data: bytes) -> str | None:
    """The image's media type by its first bytes (JPEG, PNG), else None."""
    return next((kind for magic, kind in MAGIC.items() if data.startswith(magic)), None)


@dataclass
class ImageService:
    """Image requests over one store and one blob store."""

    store: CloudStore
    blobs: ImageBlobs
    settings: ImageSettings
    clock: Clock
    poll_interval_s: float | None = None  # asked of polling nodes (None: their own)
    unavailable: str | None = None  # why images cannot be asked for here (None: they can)

    # -- staff ------------------------------------------------------------------------------
    def read(
        self,
        detection_id: str,
        site_ids: Collection[str] | None,
        near: ReadHint | None = None,
    ) -> ReadRef:
        """The read in the caller's scope; NotFound otherwise (another site's read included).
        ``near``: where a search listed it (``ReadHint``)."""
        try:
            uuid.UUID(detection_id)
        except ValueError:
            raise NotFound(f"no read {detection_id!r}") from None
        ref = self.store.images.find_read(detection_id, site_ids, near)
        if ref is None:
            raise NotFound(f"no read {detection_id!r}")
        return ref

    def request(self, ref: ReadRef, by: Actor) -> tuple[ImageRequest | None, Answer]:
        """Ask the read's site for its image (audited), unless held or already asked."""
        if self.unavailable is not None:
            raise ServiceUnavailable(self.unavailable)
        now = self.clock()
        newest = self.store.images.newest_for(ref.detection_id)
        self.store.audit.append(
            by.record(AuditAction.IMAGE_REQUEST, target=ref.detection_id, site_id=ref.site_id)
        )
        if newest is not None and newest.status in {"stored", *WAITING}:
            return newest, self.answer(newest)
        since = self._offline_since(ref.site_id)
        if since is not None:
            return None, offline_answer(since)
        asked = ImageRequest(
            request_id=uuid.uuid4().hex,
            site_id=ref.site_id,
            detection_id=ref.detection_id,
            requested_by=by.name,
            requested_at=now,
            sha256=ref.image_sha256,
        )
        self.store.images.put(asked)
        return asked, self.answer(asked)

    def current(self, ref: ReadRef) -> tuple[ImageRequest | None, Answer]:
        """The read's newest request (None: never asked) as it stands now, and its answer."""
        request = self.store.images.newest_for(ref.detection_id)
        if request is not None and request.status == "sent":
            request = self._arrived(request)
        return request, self.answer(request)

    def answer(self, request: ImageRequest | None) -> Answer:
        """What the caller is told about ``request`` now (the site's state included)."""
        contact = self._last_contact(request.site_id) if request is not None else None
        return answer(
            request,
            now=self.clock(),
            last_contact=contact,
            offline_after_s=self.settings.offline_after_s,
            pickup_s=self.settings.pickup_s,
        )

    def image(self, request: ImageRequest, by: Actor) -> tuple[bytes, str]:
        """The stored image's bytes and SHA-256 (the view is audited); NotFound if gone."""
        data = self.blobs.get(request.blob_key) if request.blob_key else None
        if data is None:
            raise NotFound("the image is no longer held; request it again")
        digest = hashlib.sha256(data).hexdigest()
        if request.sha256 is not None and digest != request.sha256:
            raise NotFound("the held image is damaged; request it again")
        self.store.audit.append(
            by.record(
                AuditAction.IMAGE_VIEW,
                target=request.detection_id,
                site_id=request.site_id,
                detail={"request_id": request.request_id, "sha256": digest},
            )
        )
        return data, digest

    # -- the sync channel -------------------------------------------------------------------
    def commands_for(self, site_id: str) -> list[UploadImage]:
        """The site's waiting requests as commands (marked sent): called on each exchange."""
        if self.unavailable is not None:
            return []
        now = self.clock()
        resend = now - timedelta(seconds=self.settings.resend_after_s)
        waiting = self.store.images.waiting(site_id, resend_before=resend, limit=COMMANDS_PER_REPLY)
        commands = []
        for request in waiting:
            target = self.blobs.upload_target(
                request.request_id, request.sha256, self.settings.url_ttl_s
            )
            self.store.images.put(request.sent(now))
            commands.append(
                UploadImage(
                    command_id=uuid.uuid4().hex,
                    request_id=request.request_id,
                    detection_id=uuid.UUID(request.detection_id),
                    sha256=request.sha256,
                    upload_url=target.url if target else None,
                    upload_headers=target.headers if target else {},
                    expires_at=now + timedelta(seconds=self.settings.url_ttl_s),
                    max_bytes=self.settings.max_bytes,
                )
            )
        return commands

    def waiting_count(self, site_id: str) -> int:
        """How many commands wait for the site (its node's poll; read-only)."""
        resend = self.clock() - timedelta(seconds=self.settings.resend_after_s)
        return len(self.store.images.waiting(site_id, resend_before=resend, limit=1))

    def accept_upload(
        self, site_id: str, request_id: str, data: bytes, declared: str | None = None
    ) -> ImageRequest:
        """Keep a site's upload: its own request, the read's SHA-256, an image, in bounds.

        The cloud holds a read's SHA-256 only for reads that hit (only evidence carries one
        on the wire); another read's upload is checked against the SHA-256 the node declared
        (``declared``), the body being signed by the site either way.
        """
        request = self._own(site_id, request_id)
        if request.status == "stored":
            return request  # a resent upload: already held
        if len(data) > self.settings.max_bytes:
            raise PayloadTooLarge(f"image of {len(data)} bytes exceeds {self.settings.max_bytes}")
        digest = hashlib.sha256(data).hexdigest()
        if request.sha256 is not None and not hmac.compare_digest(digest, request.sha256):
            raise InvalidInput(
                f"image sha256 {digest} does not match the read's image_sha256 {request.sha256}"
            )
        if declared is not None and declared.lower() != digest:
            raise InvalidInput(f"image sha256 {digest} does not match the declared {declared}")
        kind = sniff(data)
        if kind is None:
            raise InvalidInput("the upload is not a JPEG or PNG image")
        self.blobs.put(request_id, data, kind)
        return self._store(replace(request, sha256=digest), len(data), kind)

    def missing(self, site_id: str, request_id: str, reason: MissingReason) -> ImageRequest:
        """The site holds no image for the request: it fails with the site's reason."""
        request = self._own(site_id, request_id)
        if request.status != "stored":
            request = replace(request, status="failed", reason=reason)
            self.store.images.put(request)
        return request

    def on_hit(self, hit: StoredHit) -> None:
        """``images_upload_hits``: ask for a new hit's image at once (the alert links to it)."""
        if not self.settings.upload_hits or hit.image_sha256 is None:
            return
        detection = str(hit.detection_id)
        if self.store.images.newest_for(detection) is not None:
            return  # the same read hit another entry: one request
        self.store.images.put(
            ImageRequest(
                request_id=uuid.uuid4().hex,
                site_id=hit.site_id,
                detection_id=detection,
                requested_by=SYSTEM_ACTOR,
                requested_at=self.clock(),
                sha256=hit.image_sha256,
            )
        )

    def forget(self, limit: int = 500) -> int:
        """Delete the images kept past ``images_keep_s``; their rows say ``expired``."""
        done = 0
        for request in self.store.images.stored_before(self.clock(), limit):
            if request.blob_key:
                self.blobs.delete(request.blob_key)
            self.store.images.put(replace(request, status="expired", blob_key=None))
            done += 1
        return done

    # -- helpers ----------------------------------------------------------------------------
    def _own(self, site_id: str, request_id: str) -> ImageRequest:
        request = self.store.images.get(request_id)
        if request is None or request.site_id != site_id:
            raise NotFound(f"no image request {request_id!r} for this site")
        return request

    def _store(self, request: ImageRequest, size: int, kind: str) -> ImageRequest:
        kept = request.stored(
            at=self.clock(),
            size=size,
            content_type=kind,
            blob_key=request.request_id,
            keep=timedelta(seconds=self.settings.keep_s),
        )
        self.store.images.put(kept)
        return kept

    def _arrived(self, request: ImageRequest) -> ImageRequest:
        """A presigned upload (AWS mode) is known by its object: checked, then recorded."""
        if not self.blobs.direct:
            return request  # uploads come through the cloud, which records them
        data = self.blobs.get(request.request_id)
        if data is None:
            return request
        digest = hashlib.sha256(data).hexdigest()
        kind = sniff(data)
        wrong = request.sha256 is not None and digest != request.sha256
        if len(data) > self.settings.max_bytes or wrong or kind is None:
            self.blobs.delete(request.request_id)
            failed = replace(request, status="failed", reason="unreadable")
            self.store.images.put(failed)
            return failed
        return self._store(replace(request, sha256=digest), len(data), kind)

    def _last_contact(self, site_id: str) -> datetime | None:
        try:
            return self.store.sites.get_site(site_id).last_heartbeat_at
        except NotFound:
            return None

    def _offline_since(self, site_id: str) -> datetime | None:
        contact = self._last_contact(site_id)
        return offline_since(contact, self.clock(), self.settings.offline_after_s)
