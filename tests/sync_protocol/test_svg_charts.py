"""Server-rendered charts: well-formed SVG, escaped text, values where a reader finds them."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from sync_protocol.svg_charts import _nice_max, bar_chart, line_chart

NS = "{http://www.w3.org/2000/svg}"


def test_a_bar_chart_has_one_bar_per_point_with_its_value() -> None:
    svg = ET.fromstring(bar_chart([("00", 3), ("01", 12)], title="Reads per hour"))
    bars = svg.findall(f"{NS}rect")
    assert [b.find(f"{NS}title").text for b in bars] == ["00: 3", "01: 12"]
    assert float(bars[1].get("height")) > float(bars[0].get("height"))


def test_labels_and_names_are_escaped() -> None:
    hostile = "<img src=x onerror=alert(1)>"
    for svg in (
        bar_chart([(hostile, 1)], title=hostile),
        line_chart(["a"], {hostile: [1]}, title="t"),
    ):
        assert "<img" not in svg
        ET.fromstring(svg)  # still well-formed


def test_a_line_chart_draws_each_series_with_a_legend() -> None:
    svg = ET.fromstring(line_chart(["00", "01"], {"North": [1, 2], "South": [3, 4]}, title="t"))
    assert len(svg.findall(f"{NS}polyline")) == 2
    assert [t.text for t in svg.findall(f"{NS}text") if t.get("class") == "legend"] == [
        "North",
        "South",
    ]


def test_an_empty_chart_says_so() -> None:
    assert "No data yet" in bar_chart([], title="t")


def test_the_axis_top_is_a_round_number_at_or_above_the_maximum() -> None:
    assert [_nice_max(v) for v in (0, 3, 12, 99, 101, 4500)] == [1, 5, 20, 100, 200, 5000]
