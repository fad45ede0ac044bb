"""The priority lane across processes: a hit stored elsewhere wakes the agent at once."""

from __future__ import annotations

import threading
from pathlib import Path

from local_node.sync.wake import WakeListener, send_wake


def test_a_wake_sent_for_a_data_dir_reaches_its_listener(tmp_path: Path):
    woken = threading.Event()
    listener = WakeListener(tmp_path, woken.set)
    try:
        assert send_wake(tmp_path)
        assert woken.wait(2)
    finally:
        listener.close()


def test_a_wake_for_another_data_dir_is_not_heard(tmp_path: Path):
    woken = threading.Event()
    listener = WakeListener(tmp_path / "a", woken.set)
    try:
        assert not send_wake(tmp_path / "b")
        assert not woken.wait(0.3)
    finally:
        listener.close()


def test_sending_with_no_agent_listening_does_not_fail(tmp_path: Path):
    assert send_wake(tmp_path) is False
