"""Progress lines and the final summary of a simulation run, for people (stderr)."""

from __future__ import annotations

import click

from edgesync.simulator.client import Stats


class Progress:
    """Prints one line per interval with the interval's own rate and latency percentiles."""

    def __init__(self) -> None:
        self._last_requests = 0
        self._last_latencies = 0
        self._last_elapsed = 0.0

    def __call__(self, stats: Stats, elapsed: float, behind: float) -> None:
        """Print the line for the interval that ends now."""
        span = max(elapsed - self._last_elapsed, 1e-9)
        rate = (stats.requests - self._last_requests) / span
        p50 = stats.percentile(50, self._last_latencies)
        p99 = stats.percentile(99, self._last_latencies)
        errors = sum(stats.errors.values())
        line = (
            f"[{elapsed:7.1f}s] sent/s {rate:7.1f}  ok {stats.created}  dup {stats.duplicate}  "
            f"errors {errors}  p50 {_ms(p50)}  p99 {_ms(p99)}"
        )
        if behind > 1.0:
            line += f"  behind schedule {behind:.1f}s (node too slow or --concurrency too low)"
        click.echo(line, err=True)
        self._last_requests = stats.requests
        self._last_latencies = len(stats.latencies_ms)
        self._last_elapsed = elapsed


def _ms(value: object) -> str:
    return f"{value:.1f}ms" if isinstance(value, float | int) else "-"


def human_summary(summary: dict[str, object]) -> str:
    """One line for people: the figures of `Stats.summary`."""
    errors = summary["errors"] or "none"
    p50, p99 = summary["p50_ms"], summary["p99_ms"]
    return (
        f"done in {summary['elapsed_s']}s: {summary['reads']} reads, {summary['sent']} requests "
        f"({summary['sent_per_s']}/s), created {summary['created']}, "
        f"duplicate {summary['duplicate']}, retries {summary['retries']}, "
        f"failed {summary['failed']}, errors {errors}, "
        f"p50 {_ms(p50)}, p99 {_ms(p99)}"
    )
