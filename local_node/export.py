"""Exporting detections of a time range as CSV or JSON lines, streaming (constant memory)."""

from __future__ import annotations

import csv
import json
import sys
from datetime import datetime
from typing import TextIO

from sqlalchemy import func, select
from sqlalchemy.engine import Engine

from local_node.db.tables import Detection
from sync_protocol.csv_cells import safe_cell

COLUMNS = [
    "id",
    "seq",
    "event_id",
    "camera_id",
    "source_camera",
    "captured_at",
    "received_at",
    "plate",
    "plate_norm",
    "confidence",
    "region",
    "direction",
    "bbox",
    "vehicle_type",
    "vehicle_make",
    "vehicle_model",
    "vehicle_color",
    "image_path",
    "image_sha256",
    "has_hit",
]


def export_detections(
    engine: Engine,
    out: TextIO,
    *,
    fmt: str,
    since: datetime | None = None,
    until: datetime | None = None,
    progress: bool = False,
) -> int:
    """Write matching detections in seq order; return how many were written."""
    table = Detection.__table__
    cols = [table.c[name] for name in COLUMNS]
    where = []
    if since:
        where.append(Detection.received_at >= since)
    if until:
        where.append(Detection.received_at < until)
    with engine.connect() as conn:
        total = conn.execute(select(func.count()).select_from(table).where(*where)).scalar_one()
        rows = conn.execute(
            select(*cols).where(*where).order_by(Detection.seq).execution_options(yield_per=5000)
        )
        writer = csv.writer(out) if fmt == "csv" else None
        if writer:
            writer.writerow(COLUMNS)
        count = 0
        bar = _progress(total) if progress else None
        for row in rows:
            record = {
                k: (v.isoformat() if isinstance(v, datetime) else v)
                for k, v in zip(COLUMNS, row, strict=True)
            }
            if writer:
                # Camera text is untrusted: a plate read as "=HYPERLINK(...)" must not run in
                # the spreadsheet it is opened in; numbers (a negative longitude) stay numbers.
                writer.writerow(
                    [safe_cell(v) if isinstance(v, str) else v for v in map(record.get, COLUMNS)]
                )
            else:
                out.write(json.dumps(record, separators=(",", ":")) + "\n")
            count += 1
            if bar and count % 1000 == 0:
                bar.update(1000)
        if bar:
            bar.update(count % 1000)
            bar.render_finish()
    return count


def _progress(total: int):
    import click

    bar = click.progressbar(length=total, label="exporting", file=sys.stderr)
    bar.__enter__()
    return bar
