"""`edgesync node audit list|export`: the node's audit log, read and exported (never changed).

Exports are recorded in the log themselves (`audit.export`, actor `cli`).
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

from local_node.cli.export import TIME_ACCEPTED, format_option, out_option, parse_time
from local_node.cli.options import (
    data_dir_option,
    database_url_option,
    open_database,
    settings_from,
)


def _filter_options(fn):
    for option in reversed(
        [
            click.option("--since", help=f"At or after: {TIME_ACCEPTED}."),
            click.option("--until", help="Before: the same forms as --since."),
            click.option("--actor", help="Only this actor: user:NAME, token:ID or cli."),
            click.option("--action", help="Only this action, e.g. search, hotlist.add."),
        ]
    ):
        fn = option(fn)
    return fn


def _filter(since: str | None, until: str | None, actor: str | None, action: str | None):
    from local_node.audit.queries import AuditFilter
    from local_node.clock import utc_now

    now = utc_now()
    return AuditFilter(
        since=parse_time(since, "--since", now),
        until=parse_time(until, "--until", now),
        actor=actor,
        action=action,
    )


@click.group()
def audit() -> None:
    """Who searched, exported, changed the hotlist, users or keys (append-only)."""


@audit.command("list")
@data_dir_option
@database_url_option
@_filter_options
@click.option("--limit", type=click.IntRange(1, 10_000), default=50, help="How many entries.")
def list_entries(
    data_dir: Path | None,
    database_url: str | None,
    since: str | None,
    until: str | None,
    actor: str | None,
    action: str | None,
    limit: int,
) -> None:
    """List entries as a table, newest first."""
    from local_node.audit import queries

    f = _filter(since, until, actor, action)
    engine = open_database(settings_from(data_dir=data_dir, database_url=database_url))
    rows, _ = queries.page(engine, f, limit=limit)
    if not rows:
        click.echo("no audit entries match")
    for r in rows:
        # repr-free, one line each: control characters were stripped when recorded.
        click.echo(
            f"{r.id:>7}  {r.at.strftime('%Y-%m-%d %H:%M:%S')}Z  {r.actor:<24} "
            f"{r.action!s:<15} {r.target or '-':<24} {r.source or '-':<15} {r.reason or ''}"
        )


@audit.command("export")
@data_dir_option
@database_url_option
@_filter_options
@format_option("JSON lines or CSV (cells that look like formulas are defused).")
@out_option
def export_entries(
    data_dir: Path | None,
    database_url: str | None,
    since: str | None,
    until: str | None,
    actor: str | None,
    action: str | None,
    fmt: str,
    out: Path | None,
) -> None:
    """Export matching entries oldest first; the export is recorded in the log."""
    from local_node.audit.export import export_lines
    from local_node.audit.recorder import cli_auditor
    from local_node.clock import utc_now

    f = _filter(since, until, actor, action)
    engine = open_database(settings_from(data_dir=data_dir, database_url=database_url))
    stream = out.open("w", newline="", encoding="utf-8") if out else sys.stdout
    lines = 0
    try:
        for line in export_lines(engine, f, fmt, cli_auditor(engine, utc_now)):  # type: ignore[arg-type]
            stream.write(line)
            lines += 1
    finally:
        if out:
            stream.close()
    entries = lines - 1 if fmt == "csv" else lines  # a CSV starts with its header line
    click.echo(f"exported {entries} audit entries", err=True)
