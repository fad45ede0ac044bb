"""Server-rendered SVG charts: bars and lines, escaped labels, no script, no inline style.

Both dashboards draw with these (reads per hour, alerts per day). The output is a string of
SVG markup to place inside a page with Jinja's ``|safe``: every label and series name passes
through ``html.escape`` here, and colours come from CSS classes (``series-0`` …
``series-7`` in the shared stylesheet), since the pages' CSP refuses inline styles.
Each chart is ``role="img"`` with a ``<title>`` and per-bar/point ``<title>`` tooltips, so a
screen reader and a hovering mouse get the numbers.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from html import escape

SERIES_CLASSES = 8
"""Distinct series colours the stylesheet defines; more series reuse them in turn."""


def _nice_max(value: float) -> float:
    """The smallest 1/2/5 × 10^k at or above ``value`` (a readable top of the axis)."""
    if value <= 0:
        return 1.0
    magnitude = 1.0
    while magnitude * 10 <= value:
        magnitude *= 10
    while magnitude > value:
        magnitude /= 10
    for step in (1, 2, 5, 10):
        if step * magnitude >= value:
            return step * magnitude
    return 10 * magnitude  # pragma: no cover - the loop always returns


def _fmt(value: float) -> str:
    return f"{value:,.0f}" if float(value).is_integer() else f"{value:,.1f}"


def _frame(title: str, width: int, height: int, body: list[str]) -> str:
    t = escape(title)
    return (
        f'<svg class="chart" viewBox="0 0 {width} {height}" role="img" aria-label="{t}" '
        f'xmlns="http://www.w3.org/2000/svg"><title>{t}</title>' + "".join(body) + "</svg>"
    )


def _axes(
    labels: Sequence[str], top: float, width: int, height: int, pad: tuple[int, int, int, int]
) -> list[str]:
    left, right, bottom, upper = pad
    plot_h = height - bottom - upper
    parts = [
        f'<line class="axis" x1="{left}" y1="{height - bottom}" x2="{width - right}" '
        f'y2="{height - bottom}"/>',
        f'<text class="tick" x="{left - 4}" y="{upper + 4}" text-anchor="end">{_fmt(top)}</text>',
        f'<text class="tick" x="{left - 4}" y="{height - bottom}" text-anchor="end">0</text>',
        f'<line class="grid" x1="{left}" y1="{upper + plot_h / 2:.1f}" x2="{width - right}" '
        f'y2="{upper + plot_h / 2:.1f}"/>',
    ]
    if labels:
        step = max(1, len(labels) // 8)  # at most ~8 labels under the axis
        slot = (width - left - right) / len(labels)
        for i in range(0, len(labels), step):
            x = left + slot * (i + 0.5)
            parts.append(
                f'<text class="tick" x="{x:.1f}" y="{height - bottom + 14}" '
                f'text-anchor="middle">{escape(labels[i])}</text>'
            )
    return parts


def bar_chart(
    points: Sequence[tuple[str, float]],
    *,
    title: str,
    width: int = 640,
    height: int = 200,
    unit: str = "",
) -> str:
    """One series as bars: ``points`` are (label, value) in display order."""
    pad = (44, 8, 22, 10)
    left, right, bottom, upper = pad
    top = _nice_max(max((v for _, v in points), default=0))
    plot_w, plot_h = width - left - right, height - bottom - upper
    body = _axes([label for label, _ in points], top, width, height, pad)
    slot = plot_w / max(1, len(points))
    for i, (label, value) in enumerate(points):
        h = plot_h * max(0.0, value) / top
        x = left + slot * i + slot * 0.1
        body.append(
            f'<rect class="bar series-0" x="{x:.1f}" y="{upper + plot_h - h:.1f}" '
            f'width="{slot * 0.8:.1f}" height="{h:.1f}"><title>{escape(label)}: '
            f"{_fmt(value)}{escape(unit)}</title></rect>"
        )
    if not points:
        body.append(_empty(width, height))
    return _frame(title, width, height, body)


def line_chart(
    labels: Sequence[str],
    series: Mapping[str, Sequence[float]],
    *,
    title: str,
    width: int = 640,
    height: int = 220,
    unit: str = "",
) -> str:
    """Several series over the same ``labels`` as lines, with a legend (e.g. reads per site)."""
    pad = (44, 8, 22, 10)
    left, right, bottom, upper = pad
    legend_h = 16 * len(series)
    height_total = height + legend_h
    top = _nice_max(max((v for values in series.values() for v in values), default=0))
    plot_w, plot_h = width - left - right, height - bottom - upper
    body = _axes(labels, top, width, height, pad)
    slot = plot_w / max(1, len(labels))
    for n, (name, values) in enumerate(series.items()):
        css = f"series-{n % SERIES_CLASSES}"
        coords = [
            (left + slot * (i + 0.5), upper + plot_h - plot_h * max(0.0, v) / top)
            for i, v in enumerate(values[: len(labels)])
        ]
        if coords:
            path = " ".join(f"{x:.1f},{y:.1f}" for x, y in coords)
            body.append(f'<polyline class="line {css}" points="{path}"/>')
        for (x, y), label, v in zip(coords, labels, values, strict=False):
            body.append(
                f'<circle class="dot {css}" cx="{x:.1f}" cy="{y:.1f}" r="2.5"><title>'
                f"{escape(name)}, {escape(label)}: {_fmt(v)}{escape(unit)}</title></circle>"
            )
        y = height + 16 * n + 10
        body.append(
            f'<rect class="swatch {css}" x="{left}" y="{y - 8}" width="10" height="10"/>'
            f'<text class="legend" x="{left + 16}" y="{y + 1}">{escape(name)}</text>'
        )
    if not labels:
        body.append(_empty(width, height))
    return _frame(title, width, height_total, body)


def _empty(width: int, height: int) -> str:
    return (
        f'<text class="empty" x="{width / 2:.0f}" y="{height / 2:.0f}" '
        'text-anchor="middle">No data yet</text>'
    )
