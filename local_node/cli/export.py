"""`edgesync node export`: detections of a time range as JSON lines or CSV."""

from __future__ import annotations

import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import click

from local_node.cli.options import (
    data_dir_option,
    database_url_option,
    open_database,
    settings_from,
)
from sync_protocol.settings_errors import SettingProblem
from sync_protocol.units import parse_duration

TIME_ACCEPTED = (
    "an RFC 3339 time (2024-05-01T08:00:00Z, 2024-05-01; naive = UTC) or how long ago (30m, 2h, 1d)"
)


def parse_time(value: str | None, option: str, now: datetime) -> datetime | None:
    """An RFC 3339 time, or a duration meaning that long before ``now``."""
    if value is None:
        return None
    try:
        parsed = datetime.fromisoformat(value.strip())
    except ValueError:
        try:
            ago = parse_duration(value)
        except ValueError:
            ago = None
        if not isinstance(ago, int | float) or isinstance(ago, bool) or ago < 0:
            raise SettingProblem(option, value, TIME_ACCEPTED) from None
        return now - timedelta(seconds=ago)
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def format_option(help_text: str):
    """--format jsonl|csv, shared by the exports."""
    return click.option(
        "--format",
        "fmt",
        type=click.Choice(["jsonl", "csv"]),
        default="jsonl",
        show_default=True,
        help=help_text,
    )


out_option = click.option(
    "--out", type=click.Path(dir_okay=False, path_type=Path), help="Output file (default: stdout)."
)


@click.command()
@data_dir_option
@database_url_option
@click.option(
    "--since", help="Received at or after: RFC 3339 (naive = UTC) or how long ago (2h, 1d)."
)
@click.option("--until", help="Received before: RFC 3339 (naive = UTC) or how long ago.")
@format_option("JSON lines or CSV.")
@out_option
@click.option("--reason", help="Why you export (kept in the audit log with the export).")
def export(
    data_dir: Path | None,
    database_url: str | None,
    since: str | None,
    until: str | None,
    fmt: str,
    out: Path | None,
    reason: str | None,
) -> None:
    """Export detections of a time range, streaming, with a progress bar on stderr.

    Each export is recorded in the audit log (actor `cli`, the range, the format, the reason).
    """
    from local_node.audit.recorder import cli_auditor, query_detail
    from local_node.clock import utc_now
    from local_node.export import export_detections
    from sync_protocol.audit import AuditAction

    now = utc_now()
    start, end = parse_time(since, "--since", now), parse_time(until, "--until", now)
    engine = open_database(settings_from(data_dir=data_dir, database_url=database_url))
    cli_auditor(engine, utc_now).record(
        AuditAction.READ_EXPORT,
        reason=reason,
        detail=query_detail(since=start, until=end, format=fmt, out=str(out) if out else None),
    )
    stream = out.open("w", newline="", encoding="utf-8") if out else sys.stdout
    try:
        count = export_detections(
            engine,
            stream,
            fmt=fmt,
            since=start,
            until=end,
            progress=True,
        )
    finally:
        if out:
            stream.close()
    click.echo(f"exported {count} detections", err=True)
