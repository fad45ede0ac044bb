"""`edgesync cloud hotlist purge-tombstones`: the periodic tombstone purge, run by an operator.

Registered on the `cloud` group by `cloud_plane.cli`. The alert worker and the monitor
Lambda run the same purge hourly (``cloud_plane/hotlist/purge.py``); this runs it now, e.g.
after a mass deletion, or with a shorter window than the setting's.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import click

from cloud_plane.cli_options import open_store_at as _open
from cloud_plane.cli_options import print_result as _print
from cloud_plane.cli_options import settings_from as _settings
from cloud_plane.cli_options import store_options
from cloud_plane.clock import utc_now
from cloud_plane.hotlist.purge import MAX_BATCHES, PURGE_BATCH, purge_tombstones


@click.group()
def hotlist() -> None:
    """The cloud's hotlist: upkeep (entries are edited in the API and dashboard)."""


@hotlist.command("purge-tombstones")
@store_options
@click.option(
    "--older-than-days",
    type=click.IntRange(min=0),
    default=None,
    help="Purge tombstones whose delete the cloud applied more than this many days ago "
    "(0: every tombstone) [default: EDGESYNC_CLOUD_HOTLIST_TOMBSTONE_RETENTION_DAYS]",
)
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object on stdout.")
def purge(
    data_dir: Path | None, database_url: str | None, older_than_days: int | None, as_json: bool
) -> None:
    """Purge hotlist tombstones past the retention window (nodes further behind get a snapshot).

    Works through every due tombstone, in batches, however many there are.
    """
    settings = _settings(data_dir=data_dir, database_url=database_url)
    days = settings.hotlist_tombstone_retention_days if older_than_days is None else older_than_days
    store = _open(data_dir, database_url)
    try:
        before = utc_now() - timedelta(days=days)
        removed = total = purge_tombstones(store.hotlist, deleted_before=before)
        while removed == PURGE_BATCH * MAX_BATCHES:  # a run's bound reached: go on
            removed = purge_tombstones(store.hotlist, deleted_before=before)
            total += removed
        mark = store.hotlist.oldest_retained_version() - 1
    finally:
        store.meta.close()
    _print(
        as_json,
        {"purged": total, "deleted_before": before.isoformat(), "purge_mark": mark},
        f"{total} hotlist tombstones purged (deleted before {before.isoformat()}); "
        f"nodes below hotlist version {mark} get a snapshot",
    )
