"""`edgesync cloud retention run|runs`: the per-site read retention, run now, and its record.

Registered on the `cloud` group by `cloud_plane.cli`. The alert worker of `cloud serve` and the
monitor Lambda run the same job hourly (``cloud_plane/retention/job.py``); a site's retention
is set with `cloud sites set-retention`.
"""

from __future__ import annotations

import json
from pathlib import Path

import click

from cloud_plane.cli_options import open_store_at as _open
from cloud_plane.cli_options import settings_from as _settings
from cloud_plane.cli_options import store_options
from cloud_plane.clock import utc_now
from cloud_plane.records.retention import RetentionRun

json_option = click.option(
    "--json", "as_json", is_flag=True, help="Print one JSON object on stdout."
)


def run_json(run: RetentionRun) -> dict[str, object]:
    """A run as the `retention` commands print it."""
    return {
        "site_id": run.site_id,
        "started_at": run.started_at.isoformat(),
        "finished_at": run.finished_at.isoformat(),
        "cutoff": run.cutoff.isoformat(),
        "reads_deleted": run.reads_deleted,
        "hits_deleted": run.hits_deleted,
    }


def _echo_runs(runs: list[RetentionRun], as_json: bool, *, none: str) -> None:
    """Print the runs as one JSON object, or a line each (``none`` when there are none)."""
    if as_json:
        click.echo(json.dumps({"runs": [run_json(r) for r in runs]}))
        return
    if not runs:
        click.echo(none)
    for run in runs:
        click.echo(
            f"{run.started_at.isoformat(timespec='seconds')}  {run.site_id}  "
            f"{run.reads_deleted} reads, {run.hits_deleted} hits received before "
            f"{run.cutoff.isoformat(timespec='seconds')}"
        )


@click.group()
def retention() -> None:
    """How long the cloud keeps each site's reads: run the deletion now, list past runs."""


@retention.command("run")
@store_options
@json_option
def retention_run(data_dir: Path | None, database_url: str | None, as_json: bool) -> None:
    """Delete every site's reads (with their hits and read counts) past the site's retention
    (`cloud sites set-retention`, else EDGESYNC_CLOUD_DETECTION_RETENTION_DAYS) now, and
    print what went per site. Each site that lost something gets a run record."""
    from cloud_plane.retention.job import run_retention

    settings = _settings(data_dir=data_dir, database_url=database_url)
    store = _open(data_dir, database_url)
    try:
        runs = run_retention(
            store.sites,
            store.retention,
            default_days=settings.detection_retention_days,
            clock=utc_now,
        )
    finally:
        store.meta.close()
    _echo_runs(runs, as_json, none="nothing past any site's retention: no reads deleted")


@retention.command("runs")
@click.option("--site", "site_id", default=None, help="Only this site's runs.")
@click.option("--limit", type=click.IntRange(1, 1000), default=50, show_default=True)
@store_options
@json_option
def retention_runs(
    site_id: str | None, limit: int, data_dir: Path | None, database_url: str | None, as_json: bool
) -> None:
    """List the recorded retention runs, newest first: when, which site, what was deleted."""
    store = _open(data_dir, database_url)
    try:
        runs = store.retention.list_runs(site_id=site_id, limit=limit)
    finally:
        store.meta.close()
    _echo_runs(runs, as_json, none="no retention runs recorded yet")
