"""The one interface every alert channel implements, and its contract.

Contract of ``Channel.send(delivery, message, recipient) -> DeliveryOutcome``:

- It makes **one** attempt and reports it; it never sleeps or retries itself
  (the dispatcher owns retries, backoff and the ledger, so every attempt is
  recorded). Clients it builds are configured without hidden retries.
- It **never raises** for what the provider, the network or the recipient's
  address does: a refusal or a failure is ``DeliveryOutcome(ok=False, ...)``.
  Only programming errors (a bug in our code) propagate.
- ``retryable=True`` means the same send may succeed later unchanged:
  timeouts, connection failures, throttling (AWS ``Throttling``-type codes, HTTP
  408/429, SMTP 4xx), and provider-side errors (HTTP 5xx, AWS internal/unavailable).
  ``retry_after_s`` is set when the provider said how long to wait.
- ``retryable=False`` means sending it again would fail the same way: the
  request or its configuration is wrong (invalid or missing address, unverified
  sender, rejected credentials, HTTP 4xx other than 408/429, SMTP 5xx). The
  dispatcher gives up at once and raises a visible ``delivery_failed`` alert.
- ``ok=True`` carries the provider's message id when there is one.
- ``send`` may be called from several worker threads at once.
"""

from __future__ import annotations

from typing import Protocol, runtime_checkable

from cloud_plane.alerts.model import (
    ChannelKind,
    Delivery,
    DeliveryOutcome,
    OutgoingMessage,
    Recipient,
)


@runtime_checkable
class Channel(Protocol):
    """Hands one alert message to one recipient, once (see the module docstring)."""

    @property
    def name(self) -> ChannelKind:
        """Return which kind of address this channel uses (``Recipient.address``)."""
        ...

    def send(
        self, delivery: Delivery, message: OutgoingMessage, recipient: Recipient
    ) -> DeliveryOutcome:
        """Make one attempt to deliver ``message`` to ``recipient``; never raise for refusals."""
        ...


def no_address(channel: ChannelKind, recipient: Recipient) -> DeliveryOutcome:
    """Return the (not retryable) outcome for a recipient the channel cannot reach."""
    return DeliveryOutcome.failed(
        f"recipient {recipient.id} has no {channel.value} address", retryable=False
    )
