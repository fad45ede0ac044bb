"""The shared audit vocabulary: bounds on caller text, and the JSONL / CSV exports."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime

from sync_protocol.audit import (
    DETAIL_MAX,
    EXPORT_FIELDS,
    REASON_MAX,
    AuditAction,
    AuditRecord,
    bounded,
    detail_json,
    to_csv,
    to_jsonl,
)

AT = datetime(2026, 12, 5, 1, 2, 3, tzinfo=UTC)


def record(**kw) -> AuditRecord:
    fields = {"at": AT, "actor": "user:ann", "action": AuditAction.SEARCH}
    return AuditRecord(**{**fields, **kw})


def test_bounded_strips_control_characters_from_caller_text():
    clean = bounded(record(reason="stolen\r\nFAKE ENTRY\x1b[31m", target="AB\x0012"))
    assert clean.reason == "stolenFAKE ENTRY[31m"
    assert clean.target == "AB12"


def test_bounded_cuts_a_long_reason_to_its_limit():
    assert len(bounded(record(reason="x" * 10_000)).reason or "") == REASON_MAX


def test_bounded_replaces_an_oversized_detail_with_a_marker():
    clean = bounded(record(detail={"plate": "A" * (DETAIL_MAX + 1)}))
    assert clean.detail == {"truncated": True}


def test_bounded_names_an_empty_actor_unknown():
    assert bounded(record(actor="\x07")).actor == "unknown"


def test_detail_json_is_none_when_empty_and_compact_sorted_otherwise():
    assert detail_json({}) is None
    assert detail_json({"b": 1, "a": "x"}) == '{"a":"x","b":1}'


def test_jsonl_round_trips_every_field():
    original = record(
        id=7,
        target="stolen/AB12CDE",
        reason="case 4",
        source="10.0.0.5",
        detail={"plate": "AB12CDE", "fuzzy": True},
    )
    [line] = list(to_jsonl([original]))
    assert line.endswith("\n")
    back = json.loads(line)
    assert back == {
        "id": 7,
        "at": AT.isoformat(),
        "actor": "user:ann",
        "action": "search",
        "site_id": None,
        "target": "stolen/AB12CDE",
        "reason": "case 4",
        "source": "10.0.0.5",
        "detail": {"plate": "AB12CDE", "fuzzy": True},
    }


def test_csv_has_the_header_then_one_row_per_record():
    rows = list(csv.reader(io.StringIO("".join(to_csv([record(id=1), record(id=2)])))))
    assert rows[0] == list(EXPORT_FIELDS)
    assert [r[0] for r in rows[1:]] == ["1", "2"]


def test_csv_defuses_cells_that_look_like_formulas():
    hostile = record(id=1, reason='=HYPERLINK("http://x")', target="+1", actor="@evil")
    [_, row] = list(csv.reader(io.StringIO("".join(to_csv([hostile])))))
    by_name = dict(zip(EXPORT_FIELDS, row, strict=True))
    assert by_name["reason"].startswith("'=")
    assert by_name["target"] == "'+1"
    assert by_name["actor"] == "'@evil"
