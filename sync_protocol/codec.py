"""Bytes on the wire: JSON + zlib, with hard size limits enforced on both sides.

A body is the model's JSON (by alias) compressed with zlib (HTTP
``Content-Encoding: deflate`` is exactly the zlib format). Limits:

* ``MAX_BODY_BYTES``: compressed body size; checked before decompressing.
* ``MAX_DECOMPRESSED_BYTES``: checked *while* decompressing, so a zip bomb is
  refused after at most that many bytes of output (zlib.decompressobj with
  ``max_length``), never inflated into memory.
* ``MAX_BATCH_RECORDS``: detections per batch (enforced by ``DetectionBatch``).
* ``MAX_JSON_DEPTH`` (``sync_protocol.json_depth``): nesting, checked before parsing.

Exceptions::

    CodecError             the body is not a valid message (corrupt, truncated, bad JSON,
     │                     invalid fields); ``str()`` names the cause
     └── PayloadTooLarge   a limit was exceeded; ``.limit`` and ``.size`` name it

``UnsupportedProtocolVersion`` (``sync_protocol.version``) is raised as is, before
field validation, when the message carries a version outside the supported range.
zlib rather than zstandard: it keeps ``sync_protocol`` stdlib-only and already
meets the size target for metadata; the columnar layout, not the compressor,
does most of the work (see ``sync_protocol.columnar``).
"""

from __future__ import annotations

import json
import zlib
from collections.abc import Sequence
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from sync_protocol.json_depth import JsonTooDeep, check_json_depth
from sync_protocol.version import check_version

CONTENT_TYPE = "application/vnd.edgesync.sync+json"
CONTENT_ENCODING = "deflate"
COMPRESSION_LEVEL = 6  # level 9 costs ~8 ms more per 1,000-record batch for 0.1 B/detection

MAX_BATCH_RECORDS = 5_000
MAX_BODY_BYTES = 2 * 1024 * 1024
MAX_DECOMPRESSED_BYTES = 32 * 1024 * 1024

M = TypeVar("M", bound=BaseModel)
R = TypeVar("R", bound=BaseModel)


class CodecError(ValueError):
    """A body could not be encoded or decoded as a sync message."""


class PayloadTooLarge(CodecError):
    """A size limit was exceeded; ``limit_name``, ``limit`` and ``size`` say which."""

    def __init__(self, limit_name: str, limit: int, size: int | None = None) -> None:
        self.limit_name = limit_name
        self.limit = limit
        self.size = size
        seen = "" if size is None else f" ({size} bytes or more)"
        super().__init__(f"payload exceeds {limit_name}={limit}{seen}")


def encode(model: BaseModel) -> bytes:
    """Serialise ``model`` to a compressed body; raise ``PayloadTooLarge`` over a limit."""
    raw = model.model_dump_json(by_alias=True).encode()
    if len(raw) > MAX_DECOMPRESSED_BYTES:
        raise PayloadTooLarge("MAX_DECOMPRESSED_BYTES", MAX_DECOMPRESSED_BYTES, len(raw))
    body = zlib.compress(raw, COMPRESSION_LEVEL)
    if len(body) > MAX_BODY_BYTES:
        raise PayloadTooLarge("MAX_BODY_BYTES", MAX_BODY_BYTES, len(body))
    return body


def decompress(
    data: bytes, *, max_body: int = MAX_BODY_BYTES, max_output: int = MAX_DECOMPRESSED_BYTES
) -> bytes:
    """Return the inflated ``data``, refusing more than ``max_output`` bytes of output."""
    if len(data) > max_body:
        raise PayloadTooLarge("MAX_BODY_BYTES", max_body, len(data))
    inflater = zlib.decompressobj()
    try:
        # One byte over the limit is enough to know it is too large.
        out = inflater.decompress(data, max_output + 1)
    except zlib.error as exc:
        raise CodecError(f"body is not valid zlib data: {exc}") from exc
    if len(out) > max_output or inflater.unconsumed_tail:
        raise PayloadTooLarge("MAX_DECOMPRESSED_BYTES", max_output, len(out))
    if not inflater.eof:
        raise CodecError("body is truncated: zlib stream did not end")
    if inflater.unused_data:
        raise CodecError(f"{len(inflater.unused_data)} bytes of trailing data after zlib stream")
    return out


def decode(data: bytes, model_type: type[M]) -> M:
    """Return ``data`` decoded as ``model_type``.

    Raises ``PayloadTooLarge``, ``CodecError`` or ``UnsupportedProtocolVersion``.
    """
    raw = decompress(data)
    try:
        check_json_depth(raw)
    except JsonTooDeep as exc:
        raise CodecError(str(exc)) from None
    try:
        obj: Any = json.loads(raw)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise CodecError(f"body is not valid JSON: {exc}") from exc
    if "protocol_version" in model_type.model_fields:
        if not isinstance(obj, dict):
            raise CodecError(f"{model_type.__name__} body must be a JSON object")
        # Version first: an old peer gets "upgrade", not a list of field errors.
        check_version(obj.get("protocol_version"))
    try:
        return model_type.model_validate(obj)
    except ValidationError as exc:
        raise CodecError(f"invalid {model_type.__name__}: {exc}") from exc


def split_into_batches(
    records: Sequence[R], max_count: int = MAX_BATCH_RECORDS, max_bytes: int = MAX_BODY_BYTES
) -> list[list[R]]:
    """Split ``records`` in order into chunks of at most ``max_count`` and ``max_bytes``.

    Size is each record's uncompressed JSON length: an upper bound on its share
    of a compressed columnar batch, so chunks within ``max_bytes`` here are
    always within it on the wire. A single record over ``max_bytes`` raises
    ``PayloadTooLarge``.
    """
    if max_count < 1 or max_bytes < 1:
        raise ValueError("max_count and max_bytes must be positive")
    chunks: list[list[R]] = []
    current: list[R] = []
    size = 0
    for record in records:
        record_size = len(record.model_dump_json(by_alias=True))
        if record_size > max_bytes:
            raise PayloadTooLarge("max_bytes", max_bytes, record_size)
        if current and (len(current) >= max_count or size + record_size > max_bytes):
            chunks.append(current)
            current, size = [], 0
        current.append(record)
        size += record_size
    if current:
        chunks.append(current)
    return chunks
