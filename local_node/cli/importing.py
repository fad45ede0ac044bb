"""`edgesync node import FILE`: reads from a previous system (or another node's export)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TextIO

import click

from local_node.cli.options import (
    data_dir_option,
    database_url_option,
    open_database,
    settings_from,
)

FORMAT_NAMES = ("node-csv", "node-jsonl", "platerecognizer-csv")  # local_node.importing.formats
MAX_ERRORS_SHOWN = 20
EXIT_LINE_ERRORS = 1
EXIT_GAVE_UP = 2


@click.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, allow_dash=True))
@data_dir_option
@database_url_option
@click.option(
    "--format",
    "fmt",
    type=click.Choice(FORMAT_NAMES),
    help="The file's format (default: told from its first line).",
)
@click.option(
    "--local-only",
    is_flag=True,
    help="Keep these reads on this node: never send them to the cloud.",
)
@click.option(
    "--timezone",
    "zone_name",
    default="UTC",
    help="The zone of times written without an offset (an IANA name, e.g. Europe/Paris).",
)
@click.option("--camera", help="Store every read under this source camera name.")
@click.option(
    "--max-errors",
    type=click.IntRange(min=0),
    help="Give up after this many bad lines (default: never).",
)
@click.option(
    "--batch-size",
    type=click.IntRange(min=1, max=1_000_000),
    default=50_000,
    help="Reads per transaction (live cameras wait for each commit: lower it on a busy node).",
)
@click.option("--quiet", is_flag=True, help="No progress lines, only the summary.")
def import_reads(
    file: str,
    data_dir: Path | None,
    database_url: str | None,
    fmt: str | None,
    local_only: bool,
    zone_name: str,
    camera: str | None,
    max_errors: int | None,
    batch_size: int,
    quiet: bool,
) -> None:
    """Import plate reads from FILE ('-': standard input), idempotently.

    Formats: this node's export (`node export`, CSV or JSON lines) and the CSV file of
    Plate Recognizer Stream. Reads are stored under an import camera per source camera
    (`imported:<name>`, disabled, without a usable key), with their original time; reads
    older than the metadata retention are skipped. A re-run stores nothing twice. Bad lines
    are reported on stderr (line, column, reason) and skipped; the exit code is 1 if any
    line failed, 2 if --max-errors made the import give up.
    """
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    from local_node.clock import utc_now
    from local_node.importing.run import Importer, ImportOptions, ImportRefused

    try:
        zone = ZoneInfo(zone_name)
    except (ZoneInfoNotFoundError, ValueError):
        raise click.BadParameter(f"no time zone {zone_name!r}", param_hint="--timezone") from None
    settings = settings_from(data_dir=data_dir, database_url=database_url)
    engine = open_database(settings)
    shown = 0

    def on_error(problem) -> None:
        nonlocal shown
        shown += 1
        if shown <= MAX_ERRORS_SHOWN:
            click.echo(f"line {problem.line}: {problem.field}: {problem.reason}", err=True)
        elif shown == MAX_ERRORS_SHOWN + 1:
            click.echo("(more errors: see the summary)", err=True)

    def on_progress(report) -> None:
        if not quiet:
            click.echo(
                f"{report.lines} lines, {report.rate:,.0f} lines/s: {report.summary()}", err=True
            )

    importer = Importer(
        engine,
        clock=utc_now,
        retention_days=settings.retention.metadata_days,
        options=ImportOptions(
            fmt=fmt,
            local_only=local_only,
            zone=zone,
            camera=camera,
            max_errors=max_errors,
            batch_size=batch_size,
        ),
        on_error=on_error,
        on_progress=on_progress,
    )
    stream: TextIO = (
        sys.stdin if file == "-" else open(file, newline="", encoding="utf-8-sig", errors="replace")  # noqa: SIM115
    )
    try:
        report = importer.run(stream)
    except ImportRefused as exc:
        raise click.ClickException(str(exc)) from None
    finally:
        if stream is not sys.stdin:
            stream.close()
    click.echo(
        f"imported {file} ({report.format}, {report.lines} lines in {report.elapsed_s:.1f} s, "
        f"{report.rate:,.0f} lines/s): {report.summary()}",
        err=True,
    )
    if report.errors:
        fields = ", ".join(f"{name} {count}" for name, count in report.by_field.most_common())
        click.echo(f"errors by column: {fields}", err=True)
    if report.gave_up:
        click.echo(f"gave up after more than {max_errors} errors", err=True)
        sys.exit(EXIT_GAVE_UP)
    if report.errors:
        sys.exit(EXIT_LINE_ERRORS)
