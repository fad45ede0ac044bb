"""The nesting check both services run before any JSON reaches a recursive parser."""

from __future__ import annotations

import json

import pytest

from sync_protocol.json_depth import MAX_JSON_DEPTH, JsonTooDeep, check_json_depth, loads


def nested(depth: int) -> str:
    return "[" * depth + "]" * depth


def test_nesting_up_to_the_limit_passes() -> None:
    check_json_depth(nested(MAX_JSON_DEPTH))
    check_json_depth('{"a": ' * MAX_JSON_DEPTH + "1" + "}" * MAX_JSON_DEPTH)


@pytest.mark.parametrize(
    "text",
    [
        nested(MAX_JSON_DEPTH + 1),
        '{"a": ' * (MAX_JSON_DEPTH + 1) + "1" + "}" * (MAX_JSON_DEPTH + 1),
        "[" * 100_000,  # never closed: the parser would still recurse into it
        "[[[" + nested(MAX_JSON_DEPTH - 1),  # unclosed openers around closed pairs
        '[{"a": [' * 20 + "]}" * 20 + "]",  # mixed kinds count alike
    ],
    ids=["arrays", "objects", "unclosed", "unclosed-around-pairs", "mixed"],
)
def test_nesting_past_the_limit_is_refused(text: str) -> None:
    with pytest.raises(JsonTooDeep, match=f"JSON nested deeper than {MAX_JSON_DEPTH} levels"):
        check_json_depth(text)


def test_wide_documents_are_as_shallow_as_they_look() -> None:
    check_json_depth("[" + ",".join([nested(MAX_JSON_DEPTH - 1)] * 10_000) + "]")


@pytest.mark.parametrize(
    "text",
    [
        '["' + "[" * 1000 + '"]',
        '["\\"' + "[" * 1000 + '"]',  # an escaped quote does not end the string
        '{"k\\\\": "' + "{" * 1000 + '"}',  # an escaped backslash does not escape the quote
    ],
    ids=["plain", "escaped-quote", "escaped-backslash"],
)
def test_brackets_inside_strings_do_not_count(text: str) -> None:
    check_json_depth(text)
    json.loads(text)


def test_an_escaped_backslash_ends_the_string_before_real_nesting() -> None:
    with pytest.raises(JsonTooDeep):
        check_json_depth('["\\\\"' + ",[" * 100 + "]" * 100 + "]")


@pytest.mark.parametrize("encoding", ["utf-8", "utf-16", "utf-16-le", "utf-32"])
def test_bytes_are_read_in_the_encoding_the_parser_reads(encoding: str) -> None:
    with pytest.raises(JsonTooDeep):
        check_json_depth(nested(100).encode(encoding))
    check_json_depth(nested(10).encode(encoding))


def test_loads_parses_what_passes_and_refuses_what_does_not() -> None:
    assert loads(b'{"a": [1, {"b": null}]}') == {"a": [1, {"b": None}]}
    with pytest.raises(JsonTooDeep):
        loads(nested(5000))


def test_text_that_is_not_json_is_left_to_the_parser() -> None:
    check_json_depth(b"\xff\xfe\x00")
    check_json_depth("not json")
    with pytest.raises(ValueError):
        loads("{not json")
