"""`simulate`: realistic camera traffic against a local node (`edgesync camera simulate`)."""

from __future__ import annotations

import asyncio
import contextlib
import json
import random
import signal
import sys
from pathlib import Path
from typing import TextIO

import click

from edgesync.simulator import plates
from edgesync.simulator.client import Camera, DetectionClient, Stats, load_keys_file
from edgesync.simulator.images import ImageFactory
from edgesync.simulator.report import Progress, human_summary
from edgesync.simulator.runner import RunLimits, run
from edgesync.simulator.traffic import TrafficConfig, schedule

ENV = "EDGESYNC_CAMERA_"


def _share(ctx: click.Context, param: click.Parameter, value: float) -> float:
    if not 0.0 <= value <= 1.0:
        raise click.BadParameter("must be between 0 and 1")
    return value


def _plate_list(ctx: click.Context, param: click.Parameter, value: str | None) -> tuple[str, ...]:
    return tuple(p.strip() for p in (value or "").split(",") if p.strip())


def _format_list(ctx: click.Context, param: click.Parameter, value: str) -> tuple[str, ...]:
    names = tuple(p.strip().lower() for p in value.split(",") if p.strip())
    unknown = [n for n in names if n not in plates.FORMATS]
    if unknown or not names:
        raise click.BadParameter(f"choose from {','.join(plates.FORMATS)}")
    return names


@click.command(
    "simulate",
    context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100},
)
@click.option(
    "--node",
    envvar=f"{ENV}NODE",
    show_envvar=True,
    required=True,
    metavar="URL",
    help="Base URL of the local node, e.g. http://127.0.0.1:8080.",
)
@click.option(
    "--key",
    envvar=f"{ENV}KEY",
    show_envvar=True,
    metavar="KEY",
    help="Camera API key used by every simulated camera (see `node add-camera`).",
)
@click.option(
    "--keys-file",
    envvar=f"{ENV}KEYS_FILE",
    show_envvar=True,
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="JSON {camera_name: key} or {camera_name: {api_key, camera_id, clock_skew}}: "
    "one simulated camera per entry (overrides --key and --cameras).",
)
@click.option(
    "--cameras",
    envvar=f"{ENV}CAMERAS",
    show_envvar=True,
    default=20,
    show_default=True,
    type=click.IntRange(min=1),
    help="Number of simulated cameras.",
)
@click.option(
    "--rate",
    envvar=f"{ENV}RATE",
    show_envvar=True,
    default=10.0,
    show_default=True,
    type=click.FloatRange(min=0),
    help="Reads per minute per camera (Poisson arrivals); 0 = --max-rate.",
)
@click.option(
    "--max-rate",
    is_flag=True,
    envvar=f"{ENV}MAX_RATE",
    show_envvar=True,
    help="Closed loop for benchmarks: send as fast as the node answers, "
    "--concurrency requests at a time.",
)
@click.option(
    "--duration",
    envvar=f"{ENV}DURATION",
    show_envvar=True,
    type=click.FloatRange(min=0),
    metavar="SECONDS",
    help="Stop after this long (default: until Ctrl-C or --count).",
)
@click.option(
    "--count",
    envvar=f"{ENV}COUNT",
    show_envvar=True,
    type=click.IntRange(min=1),
    help="Stop after this many reads in total.",
)
@click.option(
    "--image-size",
    envvar=f"{ENV}IMAGE_SIZE",
    show_envvar=True,
    default=50_000,
    show_default=True,
    type=click.IntRange(min=0),
    metavar="BYTES",
    help="Target size of each picture (±15%); 0 = plate text only, no images.",
)
@click.option(
    "--image-type",
    envvar=f"{ENV}IMAGE_TYPE",
    show_envvar=True,
    default="jpeg",
    show_default=True,
    type=click.Choice(["jpeg", "png"]),
    help="Picture encoding.",
)
@click.option(
    "--image-mode",
    envvar=f"{ENV}IMAGE_MODE",
    show_envvar=True,
    default="auto",
    show_default=True,
    type=click.Choice(["auto", "fresh", "pool"]),
    help="fresh: every picture shows its read's plate; pool: reuse a few pre-encoded "
    "pictures (cheapest, for benchmarks); auto: pool with --max-rate, else fresh.",
)
@click.option(
    "--format",
    "body_format",
    envvar=f"{ENV}FORMAT",
    show_envvar=True,
    default="multipart",
    show_default=True,
    type=click.Choice(["multipart", "json"]),
    help="Request body: multipart (metadata + image parts) or JSON with image_b64.",
)
@click.option(
    "--plate-formats",
    envvar=f"{ENV}PLATE_FORMATS",
    show_envvar=True,
    default=",".join(plates.FORMATS),
    show_default=True,
    callback=_format_list,
    help="Plate formats the cameras see; each camera has a home format.",
)
@click.option(
    "--hotlist-plates",
    envvar=f"{ENV}HOTLIST_PLATES",
    show_envvar=True,
    callback=_plate_list,
    metavar="A,B,...",
    help="Plates that the cameras will read now and then (to trigger hits).",
)
@click.option(
    "--hotlist-share",
    envvar=f"{ENV}HOTLIST_SHARE",
    show_envvar=True,
    default=0.05,
    show_default=True,
    type=float,
    callback=_share,
    help="Share of vehicles carrying a hotlist plate.",
)
@click.option(
    "--duplicate-share",
    envvar=f"{ENV}DUPLICATE_SHARE",
    show_envvar=True,
    default=0.01,
    show_default=True,
    type=float,
    callback=_share,
    help="Share of reads deliberately sent twice with one event_id (expects 200).",
)
@click.option(
    "--burst-share",
    envvar=f"{ENV}BURST_SHARE",
    show_envvar=True,
    default=0.1,
    show_default=True,
    type=float,
    callback=_share,
    help="Share of vehicles read 2–4 times in quick succession by one camera.",
)
@click.option(
    "--misread-share",
    envvar=f"{ENV}MISREAD_SHARE",
    show_envvar=True,
    default=0.03,
    show_default=True,
    type=float,
    callback=_share,
    help="Share of vehicles whose plate is misread (O/0, I/1, B/8, S/5).",
)
@click.option(
    "--clock-skew",
    envvar=f"{ENV}CLOCK_SKEW",
    show_envvar=True,
    default=0.0,
    show_default=True,
    type=click.FloatRange(min=0),
    metavar="SECONDS",
    help="Each camera's clock is off by a random amount up to ± this.",
)
@click.option(
    "--seed",
    envvar=f"{ENV}SEED",
    show_envvar=True,
    type=int,
    help="Seed for plates, timing, event ids and pictures (default: random).",
)
@click.option(
    "--concurrency",
    envvar=f"{ENV}CONCURRENCY",
    show_envvar=True,
    default=64,
    show_default=True,
    type=click.IntRange(min=1),
    help="Requests in flight at most.",
)
@click.option(
    "--timeout",
    envvar=f"{ENV}TIMEOUT",
    show_envvar=True,
    default=10.0,
    show_default=True,
    type=click.FloatRange(min=0.1),
    metavar="SECONDS",
    help="Per-request timeout.",
)
@click.option(
    "--max-attempts",
    envvar=f"{ENV}MAX_ATTEMPTS",
    show_envvar=True,
    default=8,
    show_default=True,
    type=click.IntRange(min=1),
    help="Attempts per read on network errors, 429 and 5xx (same event_id each time).",
)
@click.option(
    "--ack-log",
    envvar=f"{ENV}ACK_LOG",
    show_envvar=True,
    type=click.Path(dir_okay=False, path_type=Path),
    metavar="PATH",
    help="Append {event_id, id, seq, status, camera} per acknowledged read (JSONL).",
)
@click.option(
    "--progress-every",
    envvar=f"{ENV}PROGRESS_EVERY",
    show_envvar=True,
    default=5.0,
    show_default=True,
    type=click.FloatRange(min=0.1),
    metavar="SECONDS",
    help="Seconds between progress lines on stderr.",
)
@click.option(
    "--json", "as_json", is_flag=True, help="Print the final summary as one JSON object on stdout."
)
def simulate(
    node: str,
    key: str | None,
    keys_file: Path | None,
    cameras: int,
    rate: float,
    max_rate: bool,
    duration: float | None,
    count: int | None,
    image_size: int,
    image_type: str,
    image_mode: str,
    body_format: str,
    plate_formats: tuple[str, ...],
    hotlist_plates: tuple[str, ...],
    hotlist_share: float,
    duplicate_share: float,
    burst_share: float,
    misread_share: float,
    clock_skew: float,
    seed: int | None,
    concurrency: int,
    timeout: float,
    max_attempts: int,
    ack_log: Path | None,
    progress_every: float,
    as_json: bool,
) -> None:
    """Simulate licence-plate cameras posting reads (with real JPEGs) to a local node.

    Vehicles pass each camera as a Poisson process; some are read 2–4 times in a row
    (bursts); a share carries hotlist plates; failed posts are retried with the same
    event_id. Progress goes to stderr every few seconds; Ctrl-C or SIGTERM stops cleanly
    (reads in flight are finished) and prints a summary.
    """
    rng = random.Random(seed)
    fleet = _fleet(rng, key=key, keys_file=keys_file, cameras=cameras, clock_skew=clock_skew)
    closed_loop = max_rate or rate == 0
    config = TrafficConfig(
        cameras=len(fleet),
        rate_per_minute=0.0 if closed_loop else rate,
        formats=plate_formats,
        hotlist=hotlist_plates,
        hotlist_share=hotlist_share if hotlist_plates else 0.0,
        burst_share=burst_share,
        duplicate_share=duplicate_share,
        misread_share=misread_share,
    )
    images = None
    if image_size:
        mode = image_mode if image_mode != "auto" else ("pool" if closed_loop else "fresh")
        images = ImageFactory(
            target_bytes=image_size,
            rng=random.Random(rng.getrandbits(64)),
            kind="png" if image_type == "png" else "jpeg",
            mode="pool" if mode == "pool" else "fresh",
        )
        images.warm_up(len(fleet))
    limits = RunLimits(
        duration_s=duration,
        count=count,
        concurrency=concurrency,
        closed_loop=closed_loop,
        progress_every_s=progress_every,
    )
    with contextlib.ExitStack() as stack:
        log: TextIO | None = None
        if ack_log is not None:
            log = stack.enter_context(ack_log.open("a", encoding="utf-8", buffering=1))
        stats, elapsed = asyncio.run(
            _main(
                node=node,
                fleet=fleet,
                config=config,
                images=images,
                limits=limits,
                rng=rng,
                body_format=body_format,
                timeout=timeout,
                max_attempts=max_attempts,
                ack_log=log,
            )
        )
    summary = stats.summary(elapsed)
    click.echo(human_summary(summary), err=True)
    if as_json:
        click.echo(json.dumps(summary))
    if stats.reads and stats.failed == stats.reads:
        sys.exit(1)  # nothing got through: a script should notice


def _fleet(
    rng: random.Random,
    *,
    key: str | None,
    keys_file: Path | None,
    cameras: int,
    clock_skew: float,
) -> list[Camera]:
    if keys_file is not None:
        try:
            fleet = load_keys_file(keys_file)
        except (ValueError, OSError) as exc:
            raise click.BadParameter(str(exc), param_hint="--keys-file") from exc
    elif key:
        width = len(str(cameras))
        fleet = [Camera(name=f"sim-{i + 1:0{width}d}", key=key) for i in range(cameras)]
    else:
        raise click.UsageError("give --key (or EDGESYNC_CAMERA_KEY) or --keys-file")
    if clock_skew:
        fleet = [
            Camera(
                c.name, c.key, c.camera_id, c.clock_skew_s or rng.uniform(-clock_skew, clock_skew)
            )
            for c in fleet
        ]
    return fleet


async def _main(
    *,
    node: str,
    fleet: list[Camera],
    config: TrafficConfig,
    images: ImageFactory | None,
    limits: RunLimits,
    rng: random.Random,
    body_format: str,
    timeout: float,
    max_attempts: int,
    ack_log: TextIO | None,
) -> tuple[Stats, float]:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    main_task = asyncio.current_task()

    def on_signal() -> None:
        if stop.is_set() and main_task is not None:
            main_task.cancel()  # a second Ctrl-C: do not wait for reads in flight
        else:
            click.echo("stopping: finishing reads in flight (Ctrl-C again to abort)", err=True)
            stop.set()

    for signum in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError):  # not on Windows' default loop
            loop.add_signal_handler(signum, on_signal)
    client = DetectionClient(
        node,
        body_format="json" if body_format == "json" else "multipart",
        timeout_s=timeout,
        max_attempts=max_attempts,
        ack_log=ack_log,
        rng=random.Random(rng.getrandbits(64)),
        max_connections=limits.concurrency,
    )
    reads = schedule(config, random.Random(rng.getrandbits(64)))
    elapsed = 0.0
    async with client:
        try:
            elapsed = await run(
                reads=reads,
                cameras=fleet,
                client=client,
                images=images,
                limits=limits,
                stop=stop,
                progress=Progress(),
            )
        except asyncio.CancelledError:
            click.echo("aborted", err=True)
    return client.stats, elapsed
