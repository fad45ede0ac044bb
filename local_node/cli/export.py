"""`edgesync node export`: detections of a time range as JSON lines or CSV."""

from __future__ import annotations

import sys
from datetime import UTC, datetime
from pathlib import Path

import click

from local_node.cli.options import (
    data_dir_option,
    database_url_option,
    open_database,
    settings_from,
)


def _parse_time(value: str | None) -> datetime | None:
    if value is None:
        return None
    parsed = datetime.fromisoformat(value)
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


@click.command()
@data_dir_option
@database_url_option
@click.option("--since", help="Received at or after (RFC 3339; naive = UTC).")
@click.option("--until", help="Received before (RFC 3339; naive = UTC).")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["jsonl", "csv"]),
    default="jsonl",
    show_default=True,
    help="JSON lines or CSV.",
)
@click.option(
    "--out", type=click.Path(dir_okay=False, path_type=Path), help="Output file (default: stdout)."
)
def export(
    data_dir: Path | None,
    database_url: str | None,
    since: str | None,
    until: str | None,
    fmt: str,
    out: Path | None,
) -> None:
    """Export detections of a time range, streaming, with a progress bar on stderr."""
    from local_node.export import export_detections

    engine = open_database(settings_from(data_dir=data_dir, database_url=database_url))
    stream = out.open("w", newline="", encoding="utf-8") if out else sys.stdout
    try:
        count = export_detections(
            engine,
            stream,
            fmt=fmt,
            since=_parse_time(since),
            until=_parse_time(until),
            progress=True,
        )
    finally:
        if out:
            stream.close()
    click.echo(f"exported {count} detections", err=True)
