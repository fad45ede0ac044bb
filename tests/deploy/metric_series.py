"""Which series the node and the cloud expose, for deploy files and docs that name metrics."""

from __future__ import annotations

import re
from functools import cache

from prometheus_client import generate_latest

from cloud_plane.metrics import CloudMetrics
from local_node.metrics import NodeMetrics

SERIES_OF_TYPE = {
    "counter": ("",),
    "histogram": ("_bucket", "_sum", "_count"),
    "gauge": ("",),
    "summary": ("", "_sum", "_count"),
    "untyped": ("",),
}
"""The series of a family by the name on its TYPE line in the text format generate_latest
writes: a counter's TYPE line already ends in ``_total`` (and its ``_created`` is a family of
its own, a gauge); a histogram's is the bare name its ``_bucket``, ``_sum`` and ``_count`` extend.
A labelled family without samples shows only its HELP and TYPE lines, hence the type rules."""

METRIC = re.compile(r"\bedgesync_[a-zA-Z0-9_:]*")


def exposed_series(text: str) -> set[str]:
    """Every series name a scrape of ``text`` (the exposition format) can hold."""
    names: set[str] = set()
    for line in text.splitlines():
        if line.startswith("# TYPE "):
            _, _, family, kind = line.split()
            names |= {family + suffix for suffix in SERIES_OF_TYPE[kind]}
        elif line and not line.startswith("#"):
            names.add(re.split(r"[{ ]", line, maxsplit=1)[0])
    return names


def unknown_metrics(expr: str, known: frozenset[str] | set[str]) -> set[str]:
    """Metric names in a PromQL expression that ``known`` lacks."""
    return set(METRIC.findall(expr)) - known


@cache
def node_series() -> frozenset[str]:
    """The series a fresh node registry exposes."""
    return frozenset(exposed_series(generate_latest(NodeMetrics().registry).decode()))


@cache
def cloud_series() -> frozenset[str]:
    """The series a fresh cloud registry exposes, with the SQS dead-letter gauge."""
    metrics = CloudMetrics()
    metrics.watch_dead_letters(lambda: None)
    return frozenset(exposed_series(generate_latest(metrics.registry).decode()))
