"""Exporting the log: the shared formats, and the export recorded in what it exports."""

from __future__ import annotations

import csv
import io
import json

from local_node.audit import queries
from local_node.audit.export import export_lines
from sync_protocol.audit import AuditAction


def test_a_jsonl_export_holds_every_entry_and_its_own_record(engine, auditor):
    auditor.record(AuditAction.SEARCH, target="AB12CDE", reason="case 1")
    lines = [json.loads(x) for x in export_lines(engine, queries.AuditFilter(), "jsonl", auditor)]
    assert [(x["action"], x["target"]) for x in lines] == [
        ("search", "AB12CDE"),
        ("audit.export", None),
    ]
    assert lines[1]["detail"] == {"format": "jsonl"}


def test_a_csv_export_defuses_a_formula_in_a_reason(engine, auditor):
    auditor.record(AuditAction.SEARCH, reason="=cmd|'/c calc'!A1")
    rows = list(
        csv.DictReader(
            io.StringIO(
                "".join(export_lines(engine, queries.AuditFilter(action="search"), "csv", auditor))
            )
        )
    )
    assert [r["reason"] for r in rows] == ["'=cmd|'/c calc'!A1"]


def test_the_export_is_recorded_with_its_filters_even_if_never_read(engine, auditor):
    export_lines(engine, queries.AuditFilter(action="search"), "csv", auditor)
    [entry] = queries.page(engine, queries.AuditFilter(action="audit.export"))[0]
    assert dict(entry.detail) == {"format": "csv", "action": "search"}
