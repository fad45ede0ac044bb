"""`edgesync node db ...`: database maintenance (integrity and image checks, optimize, sizes)."""

from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from local_node.cli.options import data_dir_option, database_url_option, settings_from

if TYPE_CHECKING:
    from local_node.images.integrity import Damage


@click.group()
def db() -> None:
    """SQLite maintenance: integrity check, optimize, size per table."""


@db.command("check")
@data_dir_option
@database_url_option
@click.option(
    "--images",
    is_flag=True,
    help="Also verify every held image against its recorded size and sha256 (progress on "
    "stderr); lists the reads whose image is missing, truncated or altered.",
)
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
def db_check(data_dir: Path | None, database_url: str | None, images: bool, as_json: bool) -> None:
    """SQLite integrity and foreign-key checks (and the image check); exit 1 on any problem."""
    from local_node import maintenance

    settings = settings_from(data_dir=data_dir, database_url=database_url)
    problems: list[str] = []
    if not images or _is_sqlite(settings.resolved_database_url):
        problems = maintenance.check(_sqlite_db(data_dir, database_url))
    out: dict[str, Any] = {"problems": problems}
    if images:
        damaged: list[Damage] = []
        report = maintenance.check_all_images(
            settings, progress=_progress, on_damage=damaged.append
        )
        out["images"] = {
            "checked": report.checked,
            "damaged": [{**asdict(d), "detail": d.describe()} for d in damaged],
        }
        problems = problems + [d.describe() for d in damaged]
    out["ok"] = not problems
    if as_json:
        click.echo(json.dumps(out))
    else:
        for line in problems:
            click.echo(line)
        if images:
            click.echo(f"images: {out['images']['checked']} checked, {len(damaged)} damaged")
    if problems:
        raise SystemExit(1)
    if not as_json:
        click.echo("ok")


def _progress(done: int, total: int) -> None:
    click.echo(f"checked {done}/{total} images", err=True)


def _is_sqlite(url: str) -> bool:
    from sqlalchemy.engine import make_url

    return make_url(url).get_backend_name() == "sqlite"


@db.command("optimize")
@data_dir_option
@database_url_option
@click.option("--vacuum", is_flag=True, help="Also VACUUM (rewrites the file; needs free space).")
def db_optimize(data_dir: Path | None, database_url: str | None, vacuum: bool) -> None:
    """ANALYZE, PRAGMA optimize, WAL checkpoint (and VACUUM if asked)."""
    from local_node import maintenance

    before, after = maintenance.optimize(_sqlite_db(data_dir, database_url), vacuum=vacuum)
    click.echo(f"database file: {before} -> {after} bytes")


@db.command("sizes")
@data_dir_option
@database_url_option
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def db_sizes(data_dir: Path | None, database_url: str | None, as_json: bool) -> None:
    """Rows and bytes per table and index."""
    from local_node import maintenance

    sizes = maintenance.sizes(_sqlite_db(data_dir, database_url))
    if as_json:
        click.echo(json.dumps(sizes))
        return
    for row in sizes:
        click.echo(
            f"{row['name']:<40} {row['rows'] if row['rows'] is not None else '':>10} "
            f"{row['bytes']:>14}"
        )


def _sqlite_db(data_dir: Path | None, database_url: str | None) -> Path:
    from sqlalchemy.engine import make_url

    settings = settings_from(data_dir=data_dir, database_url=database_url)
    url = make_url(settings.resolved_database_url)
    if url.get_backend_name() != "sqlite":
        raise click.ClickException(
            "database maintenance here is for SQLite; for PostgreSQL use VACUUM ANALYZE "
            "and pg_total_relation_size"
        )
    path = Path(url.database or "")
    if not path.exists():
        raise click.ClickException(f"no database at {path}")
    return path
