"""The SQS delivery queue on the wire: send delivery ids, receive and delete, count the DLQ.

A message's body is one delivery id, nothing else: the store holds the delivery (its
alert, recipient, channel, attempt count and ledger), so a message can be repeated,
dropped or read late without harm (the worker's ``claim_delivery`` decides).

The client is built on first use (``LazyClient``), never at import; ``endpoint_url=None``
lets botocore honour ``AWS_ENDPOINT_URL`` (moto server, LocalStack). Unlike the channels'
clients, botocore's standard retries stay on here: a queue call is not an attempt the
ledger counts, and a lost message waits for the monitor's sweep.

Errors: ``QueueError`` when SQS refuses or cannot be reached (its text names the queue
and the reason); ``send`` returns the ids it could not send instead of raising for them.
"""

from __future__ import annotations

import logging
import math
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from typing import Any

from botocore.config import Config

from cloud_plane.alerts.channels.aws import AWS_ERRORS, LazyClient

log = logging.getLogger(__name__)

SEND_BATCH = 10
"""SendMessageBatch takes at most ten entries."""
MAX_DELAY_S = 900
"""SQS's longest DelaySeconds (15 minutes); later retries are the monitor's sweep's job."""
MAX_BODY = 256
"""Longest body a delivery message may have (ids are uuids; anything longer is not ours)."""

SQS_CONFIG = Config(
    retries={"mode": "standard", "total_max_attempts": 3},
    connect_timeout=5,
    read_timeout=25,  # above the poller's long-poll wait
)


class QueueError(Exception):
    """SQS refused a call or could not be reached."""


def delay_for(seconds: float) -> int:
    """Return the DelaySeconds of a message due in ``seconds`` (rounded up, 0..900)."""
    return max(0, min(MAX_DELAY_S, math.ceil(seconds)))


class SqsQueue:
    """One SQS queue: send delivery ids, receive, delete, count its messages."""

    def __init__(
        self,
        url: str,
        *,
        client: Any | None = None,
        region_name: str | None = None,
        endpoint_url: str | None = None,
    ) -> None:
        """Use ``client`` (tests) or build one lazily for ``region_name``."""
        self.url = url
        self._client = LazyClient(
            "sqs",
            client,
            region_name=region_name or _region_of(url),
            endpoint_url=endpoint_url,
            config=SQS_CONFIG,
        )

    def send(self, delivery_ids: Sequence[str], *, delay_s: int = 0) -> list[str]:
        """Send one message per id (SendMessageBatch, ten a call); return the ids not sent."""
        failed: list[str] = []
        for chunk in _chunks(delivery_ids, SEND_BATCH):
            entries = [
                {"Id": f"m{i}", "MessageBody": delivery_id, "DelaySeconds": delay_for(delay_s)}
                for i, delivery_id in enumerate(chunk)
            ]
            try:
                reply = self._client.get().send_message_batch(QueueUrl=self.url, Entries=entries)
            except AWS_ERRORS as exc:
                log.warning("could not send %d delivery message(s): %s", len(chunk), exc)
                failed.extend(chunk)
                continue
            for refused in reply.get("Failed", []):
                index = int(str(refused.get("Id", "m-1"))[1:])
                log.warning(
                    "SQS refused the message of delivery %s: %s %s",
                    chunk[index],
                    refused.get("Code"),
                    refused.get("Message", ""),
                )
                failed.append(chunk[index])
        return failed

    def receive(self, *, max_messages: int = 10, wait_s: int = 2) -> list[dict[str, Any]]:
        """Long-poll for messages; return them shaped as Lambda's SQS event records."""
        try:
            reply = self._client.get().receive_message(
                QueueUrl=self.url,
                MaxNumberOfMessages=max_messages,
                WaitTimeSeconds=wait_s,
                MessageSystemAttributeNames=["All"],
            )
        except AWS_ERRORS as exc:
            raise QueueError(f"cannot receive from {self.url}: {exc}") from exc
        return [
            {
                "messageId": m["MessageId"],
                "receiptHandle": m["ReceiptHandle"],
                "body": m.get("Body", ""),
                "attributes": m.get("Attributes", {}),
                "eventSource": "aws:sqs",
            }
            for m in reply.get("Messages", [])
        ]

    def delete(self, receipt_handles: Sequence[str]) -> None:
        """Delete handled messages (DeleteMessageBatch, ten a call); raise QueueError."""
        for chunk in _chunks(receipt_handles, SEND_BATCH):
            entries = [{"Id": f"m{i}", "ReceiptHandle": h} for i, h in enumerate(chunk)]
            try:
                reply = self._client.get().delete_message_batch(QueueUrl=self.url, Entries=entries)
            except AWS_ERRORS as exc:
                raise QueueError(f"cannot delete messages from {self.url}: {exc}") from exc
            if reply.get("Failed"):
                # Not fatal: the message comes back and finds its delivery finished (consumed).
                log.warning("SQS kept %d handled message(s)", len(reply["Failed"]))

    def depth(self) -> int:
        """Return ApproximateNumberOfMessages (visible); raise QueueError."""
        try:
            reply = self._client.get().get_queue_attributes(
                QueueUrl=self.url, AttributeNames=["ApproximateNumberOfMessages"]
            )
        except AWS_ERRORS as exc:
            raise QueueError(f"cannot read the depth of {self.url}: {exc}") from exc
        return int(reply.get("Attributes", {}).get("ApproximateNumberOfMessages", 0))


class CachedDepth:
    """A queue's depth read at most once per ``ttl_s`` (a scrape must stay cheap); None: unknown."""

    def __init__(
        self,
        read: Callable[[], int],
        *,
        ttl_s: float = 15.0,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        """Cache what ``read`` returns for ``ttl_s`` seconds."""
        self._read = read
        self._ttl_s = ttl_s
        self._monotonic = monotonic
        self._lock = threading.Lock()
        self._value: int | None = None
        self._read_at: float | None = None

    def __call__(self) -> int | None:
        """Return the depth (cached), or None when it cannot be read now."""
        with self._lock:
            now = self._monotonic()
            if self._read_at is not None and now - self._read_at < self._ttl_s:
                return self._value
            try:
                self._value = self._read()
            except QueueError as exc:
                log.warning("%s", exc)
                self._value = None
            self._read_at = now
            return self._value


def _region_of(url: str) -> str | None:
    """The region of an AWS queue URL (https://sqs.<region>.amazonaws.com/...), else None."""
    host = url.split("://", 1)[-1].split("/", 1)[0]
    parts = host.split(".")
    if len(parts) >= 4 and parts[0] == "sqs" and parts[-2:] == ["amazonaws", "com"]:
        return parts[1]
    return None


def _chunks(items: Sequence[str], size: int) -> Iterator[Sequence[str]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]
