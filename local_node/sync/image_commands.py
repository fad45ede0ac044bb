"""The node's side of images on demand (issue 14): answer ``upload_image``, poll when idle.

A command names a read; the node reads its image from the image store, checks it is the
one it acknowledged (size and SHA-256), and uploads it: to the cloud's signed upload path
(self-hosted), or to the presigned S3 URL with the headers the command names (AWS mode). A
read whose image is gone (pruned by retention, never had one, damaged on disk) is reported
with a signed ``ImageMissing`` so the cloud answers "pruned at the site" instead of waiting.

The poll: an idle agent otherwise exchanges only when it has work (or every hotlist
interval), so a waiting command could sit for seconds; one signed, read-only request per
``sync_command_poll_s`` tells it to exchange at once. The cloud's answer may ask for a
longer period, or for none (an AWS-mode cloud: each poll is a paid request and Lambda call);
a cloud without the poll (older) says 404. Either way the agent stops polling until it
restarts, and commands ride on its exchanges (pushes, hotlist pulls every 10 s).
"""

from __future__ import annotations

import hashlib
import logging
import time
from collections.abc import Callable
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlmodel import col

from local_node.clock import Clock
from local_node.db.tables import Detection
from local_node.errors import NodeError
from local_node.images.store import ImageStore
from local_node.sync import store
from local_node.sync.client import CloudRefused, Signer, SyncClient, SyncError
from local_node.sync.keys import key_path, read_private_key
from sync_protocol.image_messages import CommandPoll, ImageMissing, MissingReason, UploadImage
from sync_protocol.signing import sign_request

log = logging.getLogger(__name__)

MEDIA_TYPES = {"jpeg": "image/jpeg", "png": "image/png"}


class ImageCommands:
    """Answers image commands from one node's database and image store."""

    def __init__(
        self,
        engine: Engine,
        data_dir: Path,
        images: ImageStore,
        clock: Clock,
        nonce: Callable[[], str],
        client_for: Callable[[str], SyncClient],
    ) -> None:
        self._engine = engine
        self._data_dir = data_dir
        self._images = images
        self._clock = clock
        self._nonce = nonce
        self._client_for = client_for
        self.polling = True  # False once the cloud said it has no poll, or asked for none
        self._next_poll = 0.0  # time.monotonic() before which the cloud asked for no poll

    def signer(self, enrolment: store.Enrolment, private_pem: str) -> Signer:
        """Signs a body as the node, like every exchange."""

        def sign(body: bytes) -> str:
            return sign_request(
                private_pem,
                site_id=enrolment.site_id,
                key_id=enrolment.key_id,
                body=body,
                now=self._clock(),
                nonce=self._nonce(),
            )

        return sign

    def waiting(self) -> bool:
        """Whether commands wait at the cloud (False too for a cloud without the poll)."""
        if not self.polling or time.monotonic() < self._next_poll:
            return False
        with self._engine.connect() as conn:
            enrolment = store.enrolment(conn)
        if enrolment is None:
            return False
        try:
            private_pem = read_private_key(key_path(self._data_dir))
        except FileNotFoundError:
            return False
        poll = CommandPoll(site_id=enrolment.site_id, node_time=self._clock())
        try:
            client = self._client_for(enrolment.cloud_url)
            reply = client.poll(poll, self.signer(enrolment, private_pem))
        except CloudRefused as exc:
            if exc.status in (404, 405):
                log.info("the cloud has no command poll: commands wait for the next exchange")
                self.polling = False
                return False
            raise
        if reply.poll_interval_s == 0:
            log.info("the cloud asks for no command poll: commands wait for the next exchange")
            self.polling = False
        elif reply.poll_interval_s is not None:
            self._next_poll = time.monotonic() + reply.poll_interval_s
        return reply.waiting > 0

    def answer(
        self, command: UploadImage, *, client: SyncClient, signer: Signer, site_id: str
    ) -> str:
        """Upload the image or report it missing; return what was done (for logs and tests)."""
        found = self._image(str(command.detection_id))
        if isinstance(found, str):
            message = ImageMissing(site_id=site_id, request_id=command.request_id, reason=found)
            client.image_missing(message, signer)
            return found
        data, kind = found
        if len(data) > command.max_bytes:
            message = ImageMissing(
                site_id=site_id,
                request_id=command.request_id,
                reason="unreadable",
                detail=f"{len(data)} bytes: over the cloud's limit of {command.max_bytes}",
            )
            client.image_missing(message, signer)
            return "too_large"
        digest = hashlib.sha256(data).hexdigest()
        if command.upload_url is not None:
            headers = {"Content-Type": kind, **command.upload_headers}
            client.put_presigned(command.upload_url, data, headers)
        else:
            client.upload_image(
                command.request_id, data, content_type=kind, sha256=digest, signer=signer
            )
        return "uploaded"

    def answer_all(
        self, commands: list[UploadImage], enrolment: store.Enrolment, private_pem: str
    ) -> None:
        """Answer each command; a failure is logged (the cloud asks again after a while)."""
        if not commands:
            return
        client, signer = self._client_for(enrolment.cloud_url), self.signer(enrolment, private_pem)
        for command in commands:
            try:
                done = self.answer(command, client=client, signer=signer, site_id=enrolment.site_id)
                log.info("image of read %s for the cloud: %s", command.detection_id, done)
            except SyncError as exc:
                log.warning("image of read %s not uploaded: %s", command.detection_id, exc)

    def _image(self, detection_id: str) -> tuple[bytes, str] | MissingReason:
        with self._engine.connect() as conn:
            row = conn.execute(
                select(
                    col(Detection.image_path),
                    col(Detection.image_sha256),
                    col(Detection.image_type),
                    col(Detection.image_pruned_at),
                ).where(col(Detection.id) == detection_id)
            ).first()
        if row is None:
            return "unknown"
        if row.image_path is None:
            return "no_image"
        if row.image_pruned_at is not None:
            return "pruned"
        try:
            data = self._images.read(row.image_path)
        except FileNotFoundError:
            return "pruned"
        except (OSError, ValueError, NodeError):  # unreadable, outside the store, S3 down
            return "unreadable"
        if row.image_sha256 and hashlib.sha256(data).hexdigest() != row.image_sha256:
            return "unreadable"
        return data, MEDIA_TYPES.get(row.image_type or "", "application/octet-stream")
