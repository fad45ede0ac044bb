"""The embedded default channel: every message appended as one fsynced JSON line to a file.

It is what the demo and a one-machine install use, and what tests read to see
what "was sent". A line is written with one ``write`` on an ``O_APPEND`` file and
fsynced before ``send`` returns ok, so a message reported sent survives a power
cut; a lock keeps lines from threads of one process whole.
"""

from __future__ import annotations

import errno
import json
import os
import threading
from pathlib import Path

from cloud_plane.alerts.model import (
    ChannelKind,
    Delivery,
    DeliveryOutcome,
    OutgoingMessage,
    Recipient,
)
from cloud_plane.alerts.render import email_content, sms_text, webhook_payload
from cloud_plane.clock import Clock, utc_now

_PERMANENT_ERRNOS = frozenset({errno.EACCES, errno.EPERM, errno.EROFS, errno.EISDIR, errno.ENOTDIR})


class FileChannel:
    """Records each message (SMS text, email subject and text, webhook payload) as a JSON line."""

    name = ChannelKind.FILE

    def __init__(self, path: Path, *, now: Clock = utc_now) -> None:
        """Append to ``path`` (made, with its folder, on first send)."""
        self._path = Path(path)
        self._now = now
        self._lock = threading.Lock()

    @property
    def path(self) -> Path:
        """Return the file the lines go to."""
        return self._path

    def _line(self, delivery: Delivery, message: OutgoingMessage, recipient: Recipient) -> bytes:
        email = email_content(message)
        record = {
            "recorded_at": self._now().isoformat().replace("+00:00", "Z"),
            "delivery": {
                "id": delivery.key,
                "alert_id": str(delivery.alert_id),
                "recipient_id": delivery.recipient_id,
                "channel": delivery.channel.value,
                "attempt": delivery.attempt,
            },
            "recipient": {"id": recipient.id, "name": recipient.name},
            "sms": sms_text(message),
            "email": {"subject": email.subject, "text": email.text},
            "payload": webhook_payload(message, delivery),
        }
        return json.dumps(record, ensure_ascii=False, sort_keys=True).encode("utf-8") + b"\n"

    def send(
        self, delivery: Delivery, message: OutgoingMessage, recipient: Recipient
    ) -> DeliveryOutcome:
        """Append and fsync one line; the provider message id is ``<file name>:<byte offset>``."""
        line = self._line(delivery, message, recipient)
        try:
            with self._lock:
                created = not self._path.exists()
                if created:
                    self._path.parent.mkdir(parents=True, exist_ok=True)
                fd = os.open(self._path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o640)
                try:
                    offset = os.fstat(fd).st_size
                    view = memoryview(line)
                    while view:
                        view = view[os.write(fd, view) :]
                    os.fsync(fd)
                finally:
                    os.close(fd)
                if created:  # a new file's name is durable only once its folder is synced
                    _fsync_dir(self._path.parent)
        except OSError as exc:
            return DeliveryOutcome.failed(
                f"file channel: {exc}", retryable=exc.errno not in _PERMANENT_ERRNOS
            )
        return DeliveryOutcome.sent(f"{self._path.name}:{offset}")


def _fsync_dir(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
