"""Smoke test of the page benchmark: `python -m bench.pages --quick` times every page.

It checks that the benchmark seeds, signs in to both apps and reports each page's server
and wall times, not how fast they are (targets are PASS/MISS lines, never assertions).
Run with `pytest -m bench`.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
PAGES = [
    "cloud overview",
    "cloud search exact",
    "cloud search prefix",
    "cloud search fuzzy",
    "cloud alerts",
    "cloud alerts feed",
    "node live",
    "node live feed",
    "node search exact",
]


@pytest.mark.bench
@pytest.mark.e2e
def test_quick_page_benchmark_times_every_page_of_both_apps(tmp_path: Path) -> None:
    out = tmp_path / "pages.json"
    done = subprocess.run(
        [sys.executable, "-m", "bench.pages", "--quick", "--out", str(out)],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    report = json.loads(out.read_text())
    assert report["problems"] == []
    timed = {p["name"]: p for p in report["pages"]}
    missing = [name for name in PAGES if name not in timed]
    assert not missing, f"pages not timed: {missing}"
    for page in timed.values():
        assert page["status"] == {"200": 10}, page
        assert page["server_p95_ms"] > 0 and page["wall_p95_ms"] > 0, page
        if "search" in page["name"]:  # each search answered with the read it looked for
            assert page["answers_showing_it"] == page["requests"], page
    assert report["seed"]["node"]["records"] == 20_000
    assert [s["records"] for s in report["seed"]["cloud"]] == [20_000, 20_000]
    assert {t["result"] for t in report["targets"]} <= {"PASS", "MISS"}
    assert "cloud overview" in done.stdout
