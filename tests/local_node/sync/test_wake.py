"""The priority lane across processes: a hit stored elsewhere wakes the agent at once."""

from __future__ import annotations

import socket
import threading
from pathlib import Path

from local_node.sync.wake import WAKE_FILE, WakeListener, send_wake, wake_file


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


def test_a_wake_reaches_the_listener_through_the_socket_file_alone(tmp_path: Path):
    # Another container shares the data dir but not the network namespace (abstract names).
    woken = threading.Event()
    listener = WakeListener(tmp_path, woken.set)
    try:
        path = wake_file(tmp_path)
        assert path is not None and Path(path).exists()
        with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as sock:
            sock.sendto(b"w", path)
        assert woken.wait(2)
    finally:
        listener.close()
    assert not Path(path).exists()


def test_a_socket_file_left_by_a_killed_agent_is_replaced(tmp_path: Path):
    stale = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    stale.bind(str(tmp_path / WAKE_FILE))
    stale.close()  # the file stays, as after SIGKILL
    woken = threading.Event()
    listener = WakeListener(tmp_path, woken.set)
    try:
        assert send_wake(tmp_path)
        assert woken.wait(2)
    finally:
        listener.close()


def test_a_data_dir_too_long_for_a_socket_file_still_wakes_by_abstract_name(tmp_path: Path):
    deep = tmp_path / ("d" * 120)
    deep.mkdir()
    woken = threading.Event()
    listener = WakeListener(deep, woken.set)
    try:
        assert wake_file(deep) is None
        assert send_wake(deep)
        assert woken.wait(2)
    finally:
        listener.close()
