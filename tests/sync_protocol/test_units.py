"""Sizes and durations as people type them; plain numbers keep their old meaning."""

from __future__ import annotations

import pytest
from pydantic import BaseModel, Field, ValidationError

from sync_protocol.units import (
    ByteSize,
    Days,
    OptionalByteSize,
    Seconds,
    WholeSeconds,
    parse_days,
    parse_duration,
    parse_size,
)


@pytest.mark.parametrize(
    ("text", "size"),
    [
        ("5MiB", 5 * 1024**2),
        ("512MB", 512 * 1000**2),
        ("1G", 1000**3),
        ("1GiB", 1024**3),
        ("1.5 KiB", 1536),
        ("2kb", 2000),
        ("10B", 10),
        ("4096", 4096),
        (" 300 ", 300),
    ],
)
def test_sizes_accept_decimal_and_binary_units(text, size):
    assert parse_size(text) == size


@pytest.mark.parametrize(
    ("text", "seconds"),
    [
        ("5m", 300),
        ("30s", 30),
        ("2h", 7200),
        ("1d", 86_400),
        ("1h30m", 5400),
        ("500ms", 0.5),
        ("1w", 604_800),
        ("2.5", 2.5),
        ("120", 120),
    ],
)
def test_durations_accept_units_and_plain_seconds(text, seconds):
    assert parse_duration(text) == seconds


@pytest.mark.parametrize(("text", "days"), [("30d", 30), ("12h", 0.5), ("2w", 14), ("7", 7)])
def test_days_accept_units_and_plain_days(text, days):
    assert parse_days(text) == days


@pytest.mark.parametrize("text", ["5 potatoes", "MiB", "5XB", "", "1.2.3M", "-"])
def test_a_size_that_is_not_one_names_the_units(text):
    with pytest.raises(ValueError, match="is not a size: use bytes, or a number with a unit"):
        parse_size(text)


@pytest.mark.parametrize("text", ["5 minutes", "soon", "5m 3x", "h", "1d-2h"])
def test_a_duration_that_is_not_one_names_the_units(text):
    with pytest.raises(ValueError, match="is not a duration: use seconds, or a number with"):
        parse_duration(text)


def test_numbers_are_handed_on_unchanged():
    assert parse_size(5) == 5 and parse_duration(1.5) == 1.5 and parse_days(None) is None


class Knobs(BaseModel):
    body: ByteSize = Field(default=1024, ge=1024)
    cap: OptionalByteSize = None
    timeout: Seconds = Field(default=1, gt=0)
    ttl: WholeSeconds = 60
    keep: Days = 30


def test_the_annotated_types_parse_then_keep_the_fields_constraints():
    knobs = Knobs(body="5MiB", cap="1G", timeout="500ms", ttl="1h", keep="12h")
    assert (knobs.body, knobs.cap, knobs.timeout, knobs.ttl, knobs.keep) == (
        5 * 1024**2,
        1000**3,
        0.5,
        3600,
        0.5,
    )
    with pytest.raises(ValidationError, match="greater than or equal to 1024"):
        Knobs(body="1KB")


def test_a_whole_seconds_field_refuses_a_fraction():
    with pytest.raises(ValidationError):
        Knobs(ttl="1500ms")
