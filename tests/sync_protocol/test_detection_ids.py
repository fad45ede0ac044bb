"""A node's read ids name their stream and seq: ``id_parts`` reads them back."""

from __future__ import annotations

import uuid

import pytest

from sync_protocol.detections import detection_uuid, id_parts, stream_prefix


@pytest.mark.parametrize("seq", [0, 1, 2**48 - 1, 2**48, 2**62 - 1])
def test_an_id_gives_back_its_stream_prefix_and_seq(seq: int) -> None:
    assert id_parts(detection_uuid("stream-a", seq)) == (stream_prefix("stream-a"), seq)


def test_streams_have_their_own_prefix() -> None:
    assert stream_prefix("stream-a") != stream_prefix("stream-b")
    assert str(detection_uuid("stream-b", 7)).startswith(stream_prefix("stream-b") + "-")


def test_an_id_of_another_version_names_no_stream() -> None:
    assert id_parts(uuid.uuid4()) is None
