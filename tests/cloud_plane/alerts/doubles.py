"""Test doubles for the dispatcher's tests and benchmarks: a channel that fails on purpose."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass

from cloud_plane.alerts.model import (
    ChannelKind,
    Delivery,
    DeliveryOutcome,
    OutgoingMessage,
    Recipient,
)

TRANSIENT = DeliveryOutcome.failed("scripted: provider throttled", retryable=True)
PERMANENT = DeliveryOutcome.failed("scripted: invalid address", retryable=False)


@dataclass(frozen=True)
class Call:
    """One ``send`` the double received."""

    delivery: Delivery
    message: OutgoingMessage
    recipient: Recipient


class ScriptedChannel:
    """Returns scripted outcomes in order (then ``then``), after an optional fixed latency.

    ``ScriptedChannel(outcomes=[TRANSIENT, TRANSIENT])`` fails twice then
    succeeds; ``ScriptedChannel(then=PERMANENT)`` always refuses;
    ``ScriptedChannel(latency_s=0.05)`` is the benchmark's fake provider.
    """

    def __init__(
        self,
        outcomes: Iterable[DeliveryOutcome] = (),
        *,
        then: DeliveryOutcome | None = None,
        latency_s: float = 0.0,
        name: ChannelKind = ChannelKind.SMS,
    ) -> None:
        self.name = name
        self._script = list(outcomes)
        self._then = then
        self._latency_s = latency_s
        self._lock = threading.Lock()
        self.calls: list[Call] = []

    def send(
        self, delivery: Delivery, message: OutgoingMessage, recipient: Recipient
    ) -> DeliveryOutcome:
        if self._latency_s:
            time.sleep(self._latency_s)
        with self._lock:
            self.calls.append(Call(delivery, message, recipient))
            if self._script:
                return self._script.pop(0)
            if self._then is not None:
                return self._then
            return DeliveryOutcome.sent(f"scripted-{len(self.calls)}")


def FailingChannel(*, retryable: bool = True, name: ChannelKind = ChannelKind.SMS):
    """Return a channel that refuses every send (retryable or not)."""
    return ScriptedChannel(then=TRANSIENT if retryable else PERMANENT, name=name)
