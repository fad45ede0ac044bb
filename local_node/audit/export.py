"""Exporting the audit log as JSON lines or CSV (the shared formats), noting the export itself."""

from __future__ import annotations

from collections.abc import Iterator

from sqlalchemy.engine import Engine

from local_node.audit.queries import AuditFilter, every
from local_node.audit.recorder import Auditor, query_detail
from sync_protocol.audit import AuditAction, ExportFormat, export


def export_lines(
    engine: Engine, f: AuditFilter, fmt: ExportFormat, auditor: Auditor
) -> Iterator[str]:
    """The export's lines; the export is recorded (``audit.export``) before the first line.

    Recorded first, and so included in its own export: whoever reads the file sees that
    it was taken, by whom and with which filters.
    """
    auditor.record(
        AuditAction.AUDIT_EXPORT,
        detail=query_detail(
            format=fmt, since=f.since, until=f.until, actor=f.actor, action=f.action
        ),
    )
    return export(every(engine, f), fmt)
