"""`edgesync node retention runs`: what the retention job deleted, run by run."""

from __future__ import annotations

import json
from pathlib import Path

import click

from local_node.cli.options import (
    data_dir_option,
    database_url_option,
    open_database,
    settings_from,
)


@click.group()
def retention() -> None:
    """The retention job's record of deletions."""


@retention.command("runs")
@data_dir_option
@database_url_option
@click.option("--limit", type=click.IntRange(1, 1000), default=20, help="How many runs.")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object on stdout.")
def runs(data_dir: Path | None, database_url: str | None, limit: int, as_json: bool) -> None:
    """List the latest runs that deleted something, newest first, with their cut-offs."""
    from local_node.retention import recent_runs

    engine = open_database(settings_from(data_dir=data_dir, database_url=database_url))
    rows = recent_runs(engine, limit)
    if as_json:
        click.echo(json.dumps({"runs": [r.model_dump(mode="json") for r in rows]}))
        return
    if not rows:
        click.echo("no retention run has deleted anything yet")
    for r in rows:
        click.echo(
            f"{r.started_at.isoformat()}  images {r.images_pruned} ({r.bytes_freed} bytes), "
            f"rows {r.rows_deleted}, hotlist tombstones {r.hotlist_tombstones}; "
            f"cut-offs: images {_iso(r.image_cutoff)}, metadata {_iso(r.metadata_cutoff)}"
        )


def _iso(at) -> str:
    return at.isoformat() if at is not None else "-"
