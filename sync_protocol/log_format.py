"""How every edgesync process writes its log: text for people, or one JSON object a line.

Both formats carry the request id of the request being served (``sync_protocol.request_ids``).
JSON lines hold ``ts`` (ISO 8601, UTC), ``level``, ``logger``, ``message``, ``request_id`` (in
a request), ``exc_info`` (the traceback text, when there is one) and any ``extra=`` fields a
call passed. A formatter of our own (about forty lines) rather than python-json-logger: what
we need beyond ``json.dumps`` is the request id and the extras, and a dependency for that
would be one more package on every node.

uvicorn configures its own loggers with its own handlers unless told otherwise;
``uvicorn_log_config`` hands its records to the root logger instead, so its error and access
lines take the same format as ours.
"""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime
from typing import Any, Literal

from sync_protocol.request_ids import request_id

LogFormat = Literal["text", "json"]
FORMATS: tuple[LogFormat, ...] = ("text", "json")

_RECORD_FIELDS = frozenset(logging.makeLogRecord({}).__dict__) | {"message", "asctime"}
"""Attributes every LogRecord has; anything else on a record came from ``extra=``."""


def _request_id(record: logging.LogRecord) -> str | None:
    return getattr(record, "request_id", None) or request_id.get()


class TextFormatter(logging.Formatter):
    """``time LEVEL logger [request id]: message``, the request id only within a request."""

    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)s %(name)s%(rid)s: %(message)s")

    def format(self, record: logging.LogRecord) -> str:
        rid = _request_id(record)
        record.__dict__["rid"] = f" [{rid}]" if rid else ""
        try:
            return super().format(record)
        finally:
            record.__dict__.pop("rid", None)


class JsonFormatter(logging.Formatter):
    """One JSON object per record (values JSON cannot hold are written as their ``str``)."""

    def format(self, record: logging.LogRecord) -> str:
        out: dict[str, Any] = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        rid = _request_id(record)
        if rid:
            out["request_id"] = rid
        if record.exc_info:
            out["exc_info"] = self.formatException(record.exc_info)
        elif record.exc_text:
            out["exc_info"] = record.exc_text
        if record.stack_info:
            out["stack_info"] = self.formatStack(record.stack_info)
        for key, value in record.__dict__.items():
            if key not in _RECORD_FIELDS and key not in out and key != "rid":
                out[key] = value
        return json.dumps(out, default=str, ensure_ascii=False)


def configure(level: str, fmt: LogFormat) -> None:
    """Send this process's log records to stderr in ``fmt`` from ``level`` up.

    Like ``logging.basicConfig`` (which it calls), it leaves a root logger that already has
    handlers alone: a test runner capturing logs keeps doing so.
    """
    handler = logging.StreamHandler()
    handler.setFormatter(JsonFormatter() if fmt == "json" else TextFormatter())
    logging.basicConfig(level=level.upper(), handlers=[handler])


def uvicorn_log_config() -> dict[str, Any]:
    """uvicorn's loggers without handlers of their own, so the root's format applies."""
    passthrough = {"handlers": [], "propagate": True}
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "loggers": {
            name: dict(passthrough) for name in ("uvicorn", "uvicorn.error", "uvicorn.access")
        },
    }
