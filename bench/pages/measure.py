"""Timing pages as a signed-in browser asks for them: wall time here, server time from the app.

Every HTML response carries ``Server-Timing: app;dur=<ms>`` (``sync_protocol.web_guard``):
the time from the request reaching the app to its response headers. Wall time is measured
around the whole request (connection reused, body read), one request at a time.
"""

from __future__ import annotations

import re
import time
from collections import Counter
from dataclasses import dataclass, field

import httpx

from bench.ingest.stats import percentile
from bench.pages.forms import choice_field, form_with

SERVER_TIMING = re.compile(r"\bapp;dur=([0-9.]+)")
MODES = ("exact", "prefix", "fuzzy")


@dataclass
class Timings:
    """One page's samples."""

    name: str
    url: str
    server_ms: list[float] = field(default_factory=list)
    wall_ms: list[float] = field(default_factory=list)
    status: Counter[int] = field(default_factory=Counter)
    bytes: int = 0
    expect: str | None = None  # text every answer should show (the searched plate)
    showed_expected: int = 0

    def summary(self) -> dict:
        """The figures of this page (nearest-rank percentiles, ms)."""

        def pct(values: list[float], p: float) -> float | None:
            return round(percentile(values, p), 2) if values else None

        return {
            "name": self.name,
            "url": self.url,
            "requests": sum(self.status.values()),
            "status": {str(k): v for k, v in sorted(self.status.items())},
            "server_p50_ms": pct(self.server_ms, 50),
            "server_p95_ms": pct(self.server_ms, 95),
            "server_max_ms": pct(self.server_ms, 100),
            "wall_p50_ms": pct(self.wall_ms, 50),
            "wall_p95_ms": pct(self.wall_ms, 95),
            "body_bytes": self.bytes,
            "expected_text": self.expect,
            "answers_showing_it": self.showed_expected if self.expect else None,
        }


def server_ms(response: httpx.Response) -> float | None:
    """The app's own time for a response, from its Server-Timing header."""
    found = SERVER_TIMING.search(response.headers.get("server-timing", ""))
    return float(found.group(1)) if found else None


def time_page(
    client: httpx.Client,
    name: str,
    url: str,
    requests: int,
    *,
    warmup: int = 2,
    budget_s: float = float("inf"),
    at_least: int = 5,
    expect: str | None = None,
) -> Timings:
    """GET ``url`` ``warmup`` times unmeasured, then ``requests`` times, one at a time.

    A page slower than ``budget_s`` in all stops after ``at_least`` requests (its figures
    then rest on fewer samples; the report says how many). ``expect``: text every answer
    should show (counted, not asserted).
    """
    for _ in range(warmup):
        client.get(url)
    out = Timings(name=name, url=url, expect=expect)
    started = time.perf_counter()
    for i in range(requests):
        if i >= at_least and time.perf_counter() - started > budget_s:
            break
        t0 = time.perf_counter()
        r = client.get(url)
        body = r.content
        out.wall_ms.append((time.perf_counter() - t0) * 1000)
        out.status[r.status_code] += 1
        out.bytes = len(body)
        if expect is not None and expect in r.text:
            out.showed_expected += 1
        if (ms := server_ms(r)) is not None:
            out.server_ms.append(ms)
    return out


def search_urls(client: httpx.Client, plate: str, path: str = "/search") -> dict[str, str]:
    """The app's search form filled for ``plate`` in each mode it offers: {mode: URL}.

    The form is read from the page as a browser sees it (the field labelled "Plate" and the
    list or radio group offering exact/prefix/fuzzy), so no field name is assumed. A prefix
    search asks for the plate's first three characters; a fuzzy one for the plate with one
    character changed.
    """
    page = client.get(path)
    page.raise_for_status()
    form = form_with(page.text, "Plate")
    mode_field = choice_field(form, "fuzzy")
    plate_field = form.name_for("Plate")
    variants = {"exact": plate, "prefix": plate[:3], "fuzzy": _one_off(plate)}
    urls = {}
    for mode in MODES if mode_field else ("exact",):
        params = {k: v for k, v in form.inputs.items() if k != "csrf_token"}
        params[plate_field] = variants[mode]
        if mode_field:
            values = form.choices[mode_field]
            params[mode_field] = next(v for v in values if v.lower() == mode)
        request = client.build_request("GET", form.action or path, params=params)
        urls[mode] = str(request.url)
    return urls


def _one_off(plate: str) -> str:
    """The plate with its last letter or digit changed (a one-character misread)."""
    last = plate[-1]
    swap = {"0": "O", "O": "0", "1": "I", "I": "1", "8": "B", "B": "8", "5": "S", "S": "5"}
    return plate[:-1] + swap.get(last, "X" if last != "X" else "Y")
