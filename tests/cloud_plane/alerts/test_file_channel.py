"""The file channel: one fsynced JSON line per message, errors as outcomes."""

from __future__ import annotations

import json
import os
import threading
from pathlib import Path

import pytest

from cloud_plane.alerts.channels.file import FileChannel
from cloud_plane.alerts.model import ChannelKind
from cloud_plane.alerts.render import sms_text
from tests.cloud_plane.alerts.conftest import delivery_for, health_message, hit_message, recipient


def _lines(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def test_each_message_is_one_json_line(tmp_path: Path, fixed_now) -> None:
    channel = FileChannel(tmp_path / "alerts" / "sent.jsonl", now=fixed_now)
    hit, health = hit_message(), health_message()
    channel.send(delivery_for(hit, ChannelKind.FILE), hit, recipient())
    channel.send(delivery_for(health, ChannelKind.FILE), health, recipient())
    lines = _lines(channel.path)
    assert [line["payload"]["alert"]["kind"] for line in lines] == ["hit", "site_offline"]


def test_line_records_delivery_recipient_and_every_rendering(tmp_path: Path, fixed_now) -> None:
    channel = FileChannel(tmp_path / "sent.jsonl", now=fixed_now)
    message = hit_message()
    channel.send(delivery_for(message, ChannelKind.FILE, attempt=2), message, recipient())
    [line] = _lines(channel.path)
    assert line["recorded_at"] == "2026-07-01T07:11:05Z"
    assert line["delivery"] == {
        "id": f"{message.alert_id}:r-1:file",
        "alert_id": str(message.alert_id),
        "recipient_id": "r-1",
        "channel": "file",
        "attempt": 2,
    }
    assert line["recipient"] == {"id": "r-1", "name": "Duty Officer"}
    assert line["sms"] == sms_text(message)
    assert line["email"]["subject"].startswith("[edgesync] STOLEN AB12CDE")
    assert line["payload"]["alert"]["plate"] == "AB12CDE"


def test_each_line_is_fsynced_before_send_returns(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fixed_now
) -> None:
    synced: list[int] = []
    real_fsync = os.fsync
    monkeypatch.setattr(os, "fsync", lambda fd: (synced.append(fd), real_fsync(fd))[1])
    channel = FileChannel(tmp_path / "sent.jsonl", now=fixed_now)
    message = hit_message()
    for _ in range(3):
        assert channel.send(delivery_for(message, ChannelKind.FILE), message, recipient()).ok
    assert len(synced) == 3 + 1  # every line, plus the folder once when the file was made


def test_provider_message_id_is_the_lines_byte_offset(tmp_path: Path, fixed_now) -> None:
    channel = FileChannel(tmp_path / "sent.jsonl", now=fixed_now)
    message = hit_message()
    first = channel.send(delivery_for(message, ChannelKind.FILE), message, recipient())
    second = channel.send(delivery_for(message, ChannelKind.FILE), message, recipient())
    first_line_length = len(channel.path.read_bytes().splitlines(keepends=True)[0])
    assert first.provider_message_id == "sent.jsonl:0"
    assert second.provider_message_id == f"sent.jsonl:{first_line_length}"


def test_concurrent_sends_never_interleave_lines(tmp_path: Path, fixed_now) -> None:
    channel = FileChannel(tmp_path / "sent.jsonl", now=fixed_now)
    message = hit_message(reason="x" * 1500)

    def send_many() -> None:
        for _ in range(25):
            channel.send(delivery_for(message, ChannelKind.FILE), message, recipient())

    threads = [threading.Thread(target=send_many) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(_lines(channel.path)) == 200


def test_unwritable_path_is_not_retryable(tmp_path: Path, fixed_now) -> None:
    (tmp_path / "sent.jsonl").mkdir()  # a folder where the file should be
    channel = FileChannel(tmp_path / "sent.jsonl", now=fixed_now)
    message = hit_message()
    outcome = channel.send(delivery_for(message, ChannelKind.FILE), message, recipient())
    assert not outcome.ok and not outcome.retryable
