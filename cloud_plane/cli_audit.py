"""`edgesync cloud audit list|export`: read the cloud's audit log from the operator's shell.

The operator holds the store itself, so every entry is theirs to read (as an admin's);
``export`` is recorded in the log as ``audit.export`` by ``cli``. Registered on the `cloud`
group by `cloud_plane.cli`.
"""

from __future__ import annotations

import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import click

from cloud_plane.cli_options import cli_actor, store_options
from cloud_plane.cli_options import fail as _fail
from cloud_plane.cli_options import open_store_at as _open
from cloud_plane.errors import CloudError
from cloud_plane.records.audit import EXPORT_FORMATS, MAX_LIMIT, AuditQuery, export_record
from cloud_plane.store.audit_roles import export_lines
from sync_protocol.audit import AuditRecord, to_jsonl


def _when(ctx: click.Context, param: click.Parameter, value: str | None) -> datetime | None:
    """An ISO 8601 time (no zone: UTC); a bad one is a usage error naming the option."""
    if value is None:
        return None
    try:
        at = datetime.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(f"{value!r} is not a time like 2026-12-01T08:00Z") from None
    return at if at.tzinfo else at.replace(tzinfo=UTC)


def filter_options(fn: Any) -> Any:
    """--since, --until, --actor, --action, --site: the filters of both commands."""
    options = (
        click.option("--site", "site_id", help="Only this site's entries."),
        click.option("--action", help="Only this action, e.g. search, hotlist.add, user.create."),
        click.option("--actor", help="Only this actor, e.g. user:ann@example.com or cli."),
        click.option("--until", callback=_when, help="Before this time (ISO 8601; no zone: UTC)."),
        click.option(
            "--since", callback=_when, help="At or after this time (ISO 8601; no zone: UTC)."
        ),
    )
    for option in options:
        fn = option(fn)
    return fn


def _query(since, until, actor, action, site_id, limit: int = 100) -> AuditQuery:
    sites = None if site_id is None else frozenset({site_id})
    return AuditQuery(since, until, actor, action, sites, limit=limit)


@click.group()
def audit() -> None:
    """The audit log: who searched, changed the hotlist, acknowledged alerts, changed users
    or keys (append-only; also at GET /api/v1/audit and the dashboard's Audit page)."""


@audit.command("list")
@filter_options
@click.option(
    "--limit", type=click.IntRange(1, MAX_LIMIT), default=50, help="How many entries, newest first."
)
@click.option("--json", "as_json", is_flag=True, help="One JSON object per line.")
@store_options
def audit_list(
    since: datetime | None,
    until: datetime | None,
    actor: str | None,
    action: str | None,
    site_id: str | None,
    limit: int,
    as_json: bool,
    data_dir: Path | None,
    database_url: str | None,
) -> None:
    """Show the newest entries (one line each)."""
    store = _open(data_dir, database_url)
    try:
        entries = store.audit.list(_query(since, until, actor, action, site_id, limit)).items
    except CloudError as exc:
        _fail(exc.detail)
    finally:
        store.meta.close()
    for line in to_jsonl(entries) if as_json else map(entry_text, entries):
        click.echo(line.rstrip("\n"))
    if not entries and not as_json:
        click.echo("no audit entries", err=True)


def entry_text(entry: AuditRecord) -> str:
    """An entry on one line for people."""
    parts = [entry.at.isoformat(), entry.actor, str(entry.action)]
    parts += [
        f"{name}={value}"
        for name in ("site_id", "target", "source", "reason")
        if (value := getattr(entry, name))
    ]
    return "  ".join(parts)


@audit.command("export")
@filter_options
@click.option(
    "--format", "fmt", type=click.Choice(EXPORT_FORMATS), default="jsonl", help="Output format."
)
@click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write to this file (default: standard output).",
)
@store_options
def audit_export(
    since: datetime | None,
    until: datetime | None,
    actor: str | None,
    action: str | None,
    site_id: str | None,
    fmt: str,
    out: Path | None,
    data_dir: Path | None,
    database_url: str | None,
) -> None:
    """Export every matching entry, newest first, as JSON Lines or CSV (recorded as
    audit.export)."""
    query = _query(since, until, actor, action, site_id)
    store = _open(data_dir, database_url)
    try:
        store.audit.append(export_record(cli_actor(), query, fmt))
        lines = export_lines(store.audit, query, fmt)
        if out is None:
            sys.stdout.writelines(lines)
        else:
            with out.open("w", encoding="utf-8", newline="") as file:
                file.writelines(lines)
    except CloudError as exc:
        _fail(exc.detail)
    finally:
        store.meta.close()
    if out is not None:
        click.echo(f"audit log written to {out}", err=True)
