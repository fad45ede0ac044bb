"""Log lines as text or JSON, both carrying the request id of the request being served."""

from __future__ import annotations

import json
import logging
import sys

import pytest

from sync_protocol.log_format import JsonFormatter, TextFormatter, configure
from sync_protocol.request_ids import request_id


def record(message: str = "disk %s", *args: object, **extra: object) -> logging.LogRecord:
    rec = logging.LogRecord("local_node.x", logging.WARNING, __file__, 1, message, args, None)
    rec.__dict__.update(extra)
    return rec


@pytest.fixture
def in_request():
    token = request_id.set("req-42")
    yield "req-42"
    request_id.reset(token)


def test_json_line_has_time_level_logger_and_message():
    line = json.loads(JsonFormatter().format(record("disk %s", "full")))
    assert line["level"] == "WARNING"
    assert line["logger"] == "local_node.x"
    assert line["message"] == "disk full"
    assert line["ts"].endswith("+00:00") and "T" in line["ts"]


def test_json_line_names_the_request_it_was_written_in(in_request):
    assert json.loads(JsonFormatter().format(record()))["request_id"] == in_request


def test_json_line_outside_a_request_has_no_request_id():
    assert "request_id" not in json.loads(JsonFormatter().format(record()))


def test_json_line_carries_the_traceback_text():
    try:
        raise ValueError("bad value")
    except ValueError:
        rec = record()
        rec.exc_info = sys.exc_info()
    line = json.loads(JsonFormatter().format(rec))
    assert "Traceback" in line["exc_info"] and "ValueError: bad value" in line["exc_info"]


def test_json_line_carries_extra_fields_even_those_json_cannot_hold():
    line = json.loads(JsonFormatter().format(record(camera_id="cam-1", path=object)))
    assert line["camera_id"] == "cam-1"
    assert line["path"] == str(object)


def test_json_line_of_a_hostile_message_stays_one_line():
    text = JsonFormatter().format(record("plate %s", 'AB\n{"level": "ERROR"}'))
    assert "\n" not in text and json.loads(text)["level"] == "WARNING"


def test_text_line_shows_the_request_id_in_brackets(in_request):
    assert f"local_node.x [{in_request}]: disk" in TextFormatter().format(record())


def test_text_line_outside_a_request_has_no_brackets():
    assert "local_node.x: disk" in TextFormatter().format(record())


def test_configure_json_makes_the_root_handler_write_json(monkeypatch):
    root = logging.getLogger()
    monkeypatch.setattr(root, "handlers", [])
    monkeypatch.setattr(root, "level", root.level)
    configure("INFO", "json")
    assert isinstance(root.handlers[0].formatter, JsonFormatter)
    assert root.level == logging.INFO


def test_configure_leaves_a_root_logger_that_already_has_handlers(monkeypatch):
    root = logging.getLogger()
    existing = logging.NullHandler()
    monkeypatch.setattr(root, "handlers", [existing])
    configure("INFO", "json")
    assert root.handlers == [existing]
