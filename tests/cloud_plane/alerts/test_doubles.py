"""The failing-on-purpose channel other suites (dispatcher, benchmark) build on."""

from __future__ import annotations

from cloud_plane.alerts.model import ChannelKind
from tests.cloud_plane.alerts.conftest import delivery_for, hit_message, recipient
from tests.cloud_plane.alerts.doubles import PERMANENT, TRANSIENT, FailingChannel, ScriptedChannel


def _send(channel: ScriptedChannel, attempt: int = 1):
    message = hit_message()
    return channel.send(delivery_for(message, ChannelKind.SMS, attempt), message, recipient())


def test_scripted_outcomes_come_in_order_then_success() -> None:
    channel = ScriptedChannel([TRANSIENT, TRANSIENT])
    outcomes = [_send(channel, n) for n in (1, 2, 3)]
    assert [o.ok for o in outcomes] == [False, False, True]
    assert [c.delivery.attempt for c in channel.calls] == [1, 2, 3]


def test_failing_channel_always_refuses() -> None:
    channel = FailingChannel(retryable=False)
    assert all(_send(channel) == PERMANENT for _ in range(5))
