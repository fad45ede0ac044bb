"""The upload_image command and the node's answers on the wire (issue 14)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Annotated, Any

import pytest
from pydantic import Discriminator, Field, Tag, ValidationError

from sync_protocol import codec
from sync_protocol.image_messages import ImageMissing, UploadImage
from sync_protocol.messages import ExchangeReply, Noop, ResendFrom, UnknownCommand
from sync_protocol.wire_types import ReplyModel

NOW = datetime(2026, 12, 5, 12, 0, tzinfo=UTC)


def command(**kw: Any) -> UploadImage:
    fields: dict[str, Any] = {
        "command_id": "c1",
        "request_id": "r1",
        "detection_id": uuid.uuid4(),
        "sha256": "ab" * 32,
        "expires_at": NOW,
        "max_bytes": 1024,
    }
    return UploadImage(**{**fields, **kw})


def reply_with(*commands: Any) -> bytes:
    return codec.encode(ExchangeReply(cloud_epoch="e", commands=list(commands)))


def test_the_command_survives_a_round_trip_in_a_reply() -> None:
    sent = command(upload_url="https://s3/put?sig=x", upload_headers={"x-amz-checksum-sha256": "q"})
    [got] = codec.decode(reply_with(sent), ExchangeReply).commands
    assert got == sent


def _old_tag(value: Any) -> str:
    kind = value.get("type") if isinstance(value, dict) else getattr(value, "type", None)
    return kind if kind in {"resend_from", "noop"} else "unknown"


OldCommand = Annotated[
    Annotated[ResendFrom, Tag("resend_from")]
    | Annotated[Noop, Tag("noop")]
    | Annotated[UnknownCommand, Tag("unknown")],
    Discriminator(_old_tag),
]


class OldReply(ReplyModel):
    """A node from before issue 14: its reply model knows no upload_image."""

    cloud_epoch: str
    commands: list[OldCommand] = Field(default_factory=list)


def test_a_node_before_images_reads_the_command_as_unknown_and_can_ack_it() -> None:
    [got] = codec.decode(reply_with(command()), OldReply).commands
    assert isinstance(got, UnknownCommand)
    assert (got.type, got.command_id) == ("upload_image", "c1")


def test_a_newer_command_kind_is_unknown_to_this_node() -> None:
    body = {"cloud_epoch": "e", "commands": [{"type": "rotate_key", "command_id": "c9"}]}
    [got] = ExchangeReply.model_validate(body).commands
    assert isinstance(got, UnknownCommand) and got.command_id == "c9"


def test_a_missing_image_names_a_known_reason() -> None:
    with pytest.raises(ValidationError):
        ImageMissing(site_id="s", request_id="r", reason="lost")  # type: ignore[arg-type]


def test_a_missing_image_refuses_unknown_fields() -> None:
    with pytest.raises(ValidationError):
        ImageMissing.model_validate(
            {"site_id": "s", "request_id": "r", "reason": "pruned", "extra": 1}
        )


def test_upload_headers_are_bounded() -> None:
    with pytest.raises(ValidationError):
        command(upload_headers={f"h{i}": "v" for i in range(17)})
