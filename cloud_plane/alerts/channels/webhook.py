"""Signed webhooks: POST the versioned JSON payload with an HMAC of timestamp and body.

Headers: ``X-Edgesync-Timestamp`` (Unix seconds), ``X-Edgesync-Signature``
(``sha256=`` + hex HMAC-SHA256(secret, ``timestamp + "." + body``)) and
``X-Edgesync-Delivery`` (the same for every attempt of one delivery, so the
receiver can drop retries it already handled). Receivers check with
``verify_webhook_signature``. Redirects are not followed: a moved endpoint is a
configuration error, and following it would send the alert somewhere unvetted.
"""

from __future__ import annotations

import threading

import httpx

from cloud_plane.alerts.channels.base import no_address
from cloud_plane.alerts.model import (
    ChannelKind,
    Delivery,
    DeliveryOutcome,
    OutgoingMessage,
    Recipient,
)
from cloud_plane.alerts.render import webhook_body
from cloud_plane.alerts.signing import (
    DELIVERY_HEADER,
    SIGNATURE_HEADER,
    TIMESTAMP_HEADER,
    sign_webhook,
    verify_webhook_signature,
)
from cloud_plane.clock import Clock, utc_now

__all__ = ["WebhookChannel", "is_retryable_status", "verify_webhook_signature"]

USER_AGENT = "edgesync-webhook/1"


def is_retryable_status(status: int) -> bool:
    """Return True for statuses worth retrying: 408, 429 and every 5xx."""
    return status in (408, 429) or status >= 500


def _retry_after(response: httpx.Response) -> float | None:
    value = response.headers.get("Retry-After", "")
    return float(value) if value.isdigit() else None  # the HTTP-date form is rare; ignore it


class WebhookChannel:
    """POSTs ``render.webhook_body`` to the recipient's URL, signed with their secret."""

    name = ChannelKind.WEBHOOK

    def __init__(
        self,
        client: httpx.Client | None = None,
        *,
        timeout: float = 10.0,
        now: Clock = utc_now,
    ) -> None:
        """Use ``client`` (tests pass one with a mock transport) or make one on first send."""
        self._client = client
        self._timeout = timeout
        self._now = now
        self._lock = threading.Lock()

    def _http(self) -> httpx.Client:
        if self._client is None:
            with self._lock:
                if self._client is None:
                    self._client = httpx.Client(
                        timeout=self._timeout,
                        follow_redirects=False,
                        headers={"User-Agent": USER_AGENT},
                    )
        return self._client

    def close(self) -> None:
        """Close the HTTP client (it is made again if ``send`` is called later)."""
        with self._lock:
            if self._client is not None:
                self._client.close()
                self._client = None

    def send(
        self, delivery: Delivery, message: OutgoingMessage, recipient: Recipient
    ) -> DeliveryOutcome:
        """POST once; 2xx is ok, 408/429/5xx and network failures retryable, other 4xx not."""
        if recipient.webhook_url is None or recipient.webhook_secret is None:
            return no_address(self.name, recipient)
        body = webhook_body(message, delivery)
        timestamp = str(int(self._now().timestamp()))
        headers = {
            "Content-Type": "application/json",
            TIMESTAMP_HEADER: timestamp,
            SIGNATURE_HEADER: sign_webhook(recipient.webhook_secret, timestamp, body),
            DELIVERY_HEADER: delivery.key,
        }
        try:
            response = self._http().post(
                recipient.webhook_url, content=body, headers=headers, timeout=self._timeout
            )
        except httpx.TimeoutException as exc:
            return DeliveryOutcome.failed(f"webhook timeout: {exc!r}", retryable=True)
        except (httpx.UnsupportedProtocol, httpx.InvalidURL) as exc:
            return DeliveryOutcome.failed(f"webhook URL unusable: {exc}", retryable=False)
        except httpx.TransportError as exc:  # refused, reset, DNS, protocol errors
            return DeliveryOutcome.failed(f"webhook transport: {exc!r}", retryable=True)
        if response.is_success:
            return DeliveryOutcome.sent(response.headers.get("X-Request-Id") or delivery.key)
        return DeliveryOutcome.failed(
            f"webhook HTTP {response.status_code}: {response.text[:200]}",
            retryable=is_retryable_status(response.status_code),
            retry_after_s=_retry_after(response),
        )
